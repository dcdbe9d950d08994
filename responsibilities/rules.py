"""Permissions of the responsibilities app, each defined once with the scoping kit.

Read access is the plain subtree rule (every tenure holder sees its unit and below); the
org structure is maintained by the committee's managers over their subtree. Writes on
lists, letters, logs and reports are narrower. Every permission is a list of clauses
(responsibilities/scoping.py), so its rules predicate and its `scope_q` filter come from
the same definition; tests check that both agree on every fixture row.
"""

from __future__ import annotations

from django.db.models import Q

from liangge_zeren import request_cache
from notifications import gate
from responsibilities.models import DutyLog, DutyReport, Organization, ResponsibilityLetter
from responsibilities.scoping import (
    ALWAYS,
    AllOf,
    AnyOf,
    Capability,
    Clause,
    Cond,
    HeldByUserClause,
    Nobody,
    Not,
    PathClause,
    RelatedClause,
    RootsClause,
    UnitClause,
    User,
    define,
    field_eq,
    field_in,
    is_set,
    is_unset,
    scope_q,
)

# --- The org tree ------------------------------------------------------------------------

for _model, _field in (
    ("organization", "path"),
    ("body", "org_path"),
    ("portfolio", "org_path"),
    ("tenure", "org_path"),
):
    define(f"responsibilities.view_{_model}", [PathClause(Capability.VIEW, _field)])
    define(f"responsibilities.change_{_model}", [PathClause(Capability.MANAGE, _field)])
    define(f"responsibilities.add_{_model}", [PathClause(Capability.MANAGE, _field)])


def _any_tenure_of_person(capability: Capability) -> Clause:
    """A person is in scope when any of their tenures (current or past) is."""
    return RelatedClause("responsibilities.Tenure", "person", PathClause(capability, "org_path"))


define("responsibilities.view_person", [_any_tenure_of_person(Capability.VIEW)])
define("responsibilities.change_person", [_any_tenure_of_person(Capability.MANAGE)])

# Importing can create and move any unit of the tree: an administrator's job, not a post's.
define("responsibilities.import_org", [Nobody()], model="responsibilities.Organization")


# --- Appointments, removals, transfers and 换届 in the browser (issue 16) -----------------
# The organisation department (组织部 post: its APPOINT grant) over its own unit's subtree;
# the system administrator (三员分立: the org tree is theirs) over the whole tree.
APPOINT = "responsibilities.appoint_organization"


def system_administrator_roots(user: User) -> list[str]:
    """The tree's top units for the system administrator, no unit for anyone else."""
    from security.models import AdminRole
    from security.roles import user_is

    if not user_is(user, AdminRole.SYSTEM):
        return []
    return request_cache.cached_for_user(
        "tree_roots",
        user,
        lambda: list(
            Organization.objects.filter(parent__isnull=True).values_list("path", flat=True)
        ),
    )


define(
    APPOINT,
    [PathClause(Capability.APPOINT, "path"), RootsClause(system_administrator_roots, "path")],
)


# --- Lists, items, letters, duty logs, attachments and reports (issue 3) -----------------

for _model in (
    "responsibilitylist",
    "responsibilityitem",
    "itemassignment",
    "responsibilityletter",
    "dutylog",
    "attachment",
    "dutyreport",
    "studymaterial",
):
    define(f"responsibilities.view_{_model}", [PathClause(Capability.VIEW, "org_path")])


def oversees(lookup: str = "org_path", *, strict: bool = False, when: Cond = ALWAYS) -> Clause:
    """Committee managers and discipline bodies over the row's unit (own unit or above;
    strict: only from above)."""
    return AnyOf(
        (
            PathClause(Capability.MANAGE, lookup, strict),
            PathClause(Capability.SUPERVISE, lookup, strict),
        ),
        when=when,
    )


# Secretary, deputy or clerk of exactly this unit (superiors only read and comment).
OWN_UNIT = UnitClause(Capability.MANAGE)

for _model in ("responsibilityletter", "responsibilitylist", "responsibilityitem"):
    define(f"responsibilities.change_{_model}", [OWN_UNIT])
# 学习材料 (知责) may be added while the list is in force: the unit's managers or a superior's.
define("responsibilities.change_studymaterial", [PathClause(Capability.MANAGE, "org_path")])

define(
    "responsibilities.acknowledge_responsibilitylist",
    [OWN_UNIT, HeldByUserClause("subject_tenure", current=True)],
)

_LS = ResponsibilityLetter.Status
# The due signer: the issuer of a drafted letter, then the signee of the sent one, each
# while the post is still held.
define(
    "responsibilities.sign_responsibilityletter",
    [
        HeldByUserClause("issuer_tenure", current=True, when=field_eq("status", _LS.DRAFTED)),
        HeldByUserClause("signee_tenure", current=True, when=field_eq("status", _LS.SENT)),
    ],
)

define("responsibilities.oversee_organization", [oversees("path")])

# Duty logs: the author edits while editable and amends once locked; overseers other than
# the author review the submitted ones.
LOG_AUTHOR = HeldByUserClause("tenure")
REVIEW_WORK = AllOf((Not(LOG_AUTHOR),), when=field_in("status", DutyLog.REVIEWABLE))
REVIEW_DUTYLOG = "responsibilities.review_dutylog"

define(
    "responsibilities.change_dutylog",
    [HeldByUserClause("tenure", when=field_in("status", DutyLog.EDITABLE))],
)
# Evidence may follow a log until its review locks it (a photo added later from the phone).
define(
    "responsibilities.upload_dutylog",
    [HeldByUserClause("tenure", when=field_in("status", DutyLog.EDITABLE | DutyLog.REVIEWABLE))],
)
define(
    "responsibilities.amend_dutylog",
    [HeldByUserClause("tenure", when=field_eq("status", DutyLog.Status.ACCEPTED))],
)
define(REVIEW_DUTYLOG, [AllOf((oversees(), REVIEW_WORK))])


def dutylog_review_q(user: User) -> Q:
    """Logs waiting for this user's review (for a superuser too: reviewable, not own)."""
    return scope_q(user, REVIEW_DUTYLOG) & REVIEW_WORK.q(user)


# Duty reports: a committee report is the unit managers' (and goes to the unit above), a
# personal one its holder's (and goes to the unit's own leaders).
_COMMITTEE = is_unset("tenure_id")
_PERSONAL = is_set("tenure_id")
_DRAFT = field_eq("status", DutyReport.Status.DRAFT)

define(
    "responsibilities.change_dutyreport",
    [
        UnitClause(Capability.MANAGE, when=_COMMITTEE & _DRAFT),
        HeldByUserClause("tenure", when=_PERSONAL & _DRAFT),
    ],
)
define(
    "responsibilities.acknowledge_dutyreport",
    [
        AllOf((oversees(), Not(HeldByUserClause("tenure"))), when=_PERSONAL),
        oversees(strict=True, when=_COMMITTEE),
    ],
)


# --- What a message may be about (notifications.gate; issue 14) ---------------------------
gate.subject("responsibilities.ResponsibilityItem", "responsibilities.view_responsibilityitem")
gate.subject("responsibilities.ResponsibilityLetter", "responsibilities.view_responsibilityletter")
gate.subject("responsibilities.ResponsibilityList", "responsibilities.view_responsibilitylist")
gate.subject("responsibilities.Organization", "responsibilities.view_organization")
gate.subject("responsibilities.DutyReport", "responsibilities.view_dutyreport")
gate.subject("responsibilities.DutyLog", "responsibilities.view_dutylog")
