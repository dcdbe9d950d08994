"""Who sees and changes accountability records: predicates and queryset filters side by side.

Confidentiality (issue 5; design.md §2; domain.md R26):

- an accountability case is visible to the *handling* discipline line — SUPERVISE over the
  handling body's unit (`handling_path`: the body itself and every discipline body above
  it) — and to the *deciding* body and its superiors: MANAGE over `deciding_path` when the
  deciding body is a Party committee, SUPERVISE when it is a discipline body;
- nobody else, including the same-level committee secretary of the failed unit, unless
  that committee is the deciding body. A case on county 1's leaders is decided by the city
  committee (cadre authority one level up), so county 1's secretary — possibly a target —
  never sees the file (R26: leads on same-level committee members go upward);
- a person target sees *their own decision* once it is made (a separate, narrower perm
  `accountability.view_own_decision`) and can appeal;
- disciplinary cases and their 一案双查 probes: the handling discipline line only.

Every permission is defined once with the scoping kit (responsibilities/scoping.py): its
rules predicate and its `scope_q` filter come from the same clauses, and tests check that
they agree on every fixture row.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accountability.models import DECIDED_STATUSES
from liangge_zeren import request_cache
from notifications import gate
from responsibilities.authority import MANAGING_ORG, with_rules
from responsibilities.models import Body, Organization, Tenure
from responsibilities.scoping import (
    ALWAYS,
    NOTHING,
    Capability,
    Clause,
    Cond,
    PathClause,
    RelatedClause,
    RootsClause,
    User,
    UserClause,
    clauses_match,
    clauses_q,
    covers,
    covers_q,
    define,
    field_eq,
    field_in,
    is_unrestricted,
    scope_paths,
    user_grants,
)

DISCIPLINE_KINDS = sorted(Body.DISCIPLINE_KINDS)
ACCOUNTABILITY_CASE = "accountability.AccountabilityCase"


def case_view_clauses(prefix: str = "") -> list[Clause]:
    """The handling discipline line, and the deciding body with its superiors."""
    discipline = field_in(f"{prefix}deciding_body__kind", DISCIPLINE_KINDS)
    return [
        PathClause(Capability.SUPERVISE, f"{prefix}handling_path"),
        PathClause(Capability.MANAGE, f"{prefix}deciding_path", when=~discipline),
        PathClause(Capability.SUPERVISE, f"{prefix}deciding_path", when=discipline),
    ]


def handling(lookup: str = "handling_path") -> list[Clause]:
    """The handling discipline line: SUPERVISE over the handling body's unit."""
    return [PathClause(Capability.SUPERVISE, lookup)]


CASE_VIEW = case_view_clauses()
# A person target of a decided case (their own decision; never the file itself).
OWN_DECISION: list[Clause] = [
    RelatedClause(
        "accountability.AccountabilityTarget",
        "case",
        UserClause("person__user_id"),
        when=field_in("status", DECIDED_STATUSES),
    )
]


def case_visible(user: User, case: object) -> bool:
    return is_unrestricted(user) or clauses_match(user, case, CASE_VIEW)


def case_visible_q(user: User, prefix: str = "") -> Q:
    """Cases (or, with a prefix, rows of cases) the user may see."""
    return Q() if is_unrestricted(user) else clauses_q(user, case_view_clauses(prefix))


def own_decision_q(user: User) -> Q:
    """Decided cases naming the user as a target (superusers too: only their own)."""
    return clauses_q(user, OWN_DECISION)


def _supervises_somewhere(user: User) -> bool:
    return bool(scope_paths(user, Capability.SUPERVISE))


def _define(name: str, clauses: list[Clause], model: str | None = None) -> None:
    define(name, clauses, model=model, model_level=_supervises_somewhere)


_define("accountability.view_accountabilitycase", CASE_VIEW)
_define("accountability.change_accountabilitycase", handling())
# Opening a case: discipline jurisdiction somewhere (the form limits the units).
_define("accountability.add_accountabilitycase", handling())
define(
    "accountability.view_own_decision",
    OWN_DECISION,
    model=ACCOUNTABILITY_CASE,
    model_level=lambda user: bool(user.is_authenticated),
)

# A measure is read with its case file (the case_view clauses, through the case), or by the
# person it is imposed on once the case is decided (their own-decision page lists exactly
# these). The API's measure list and the events feed ask this; the pages reach measures
# through their case.
MEASURE_VIEW: list[Clause] = [
    *case_view_clauses("case__"),
    UserClause("target__person__user_id", when=field_in("case__status", DECIDED_STATUSES)),
]
define(
    "accountability.view_accountabilitymeasure",
    MEASURE_VIEW,
    model_level=lambda user: bool(user.is_authenticated),
)

# 回避: whoever sees the case file may declare their own conflict (handlers declare anyone:
# the change permission, checked in services/conflicts.py).
_define("accountability.declare_conflict", CASE_VIEW, model=ACCOUNTABILITY_CASE)
_define(
    "accountability.declare_disciplinary_conflict",
    handling(),
    model="accountability.DisciplinaryCase",
)

# Disciplinary cases and probes: the handling discipline line. R26: a case led by a higher
# 纪委 is seen by a lower discipline body only once shared with it (DisciplinaryCaseShare).
SHARED_WITH_LINE: list[Clause] = [
    RelatedClause(
        "accountability.DisciplinaryCaseShare",
        "case",
        PathClause(Capability.SUPERVISE, "shared_path"),
    )
]
_define("accountability.view_disciplinarycase", handling() + SHARED_WITH_LINE)
for _name in ("change_disciplinarycase", "add_disciplinarycase"):
    _define(f"accountability.{_name}", handling())
for _name in ("view_dualinvestigation", "change_dualinvestigation"):
    _define(f"accountability.{_name}", handling("disciplinary_case__handling_path"))


# The 一案双查 waiver: only the head of a discipline body with jurisdiction (纪委书记,
# 派驻组组长), not any officer.
HEAD_ROLES = (Tenure.Role.DISCIPLINE_SECRETARY, Tenure.Role.STATIONED_TEAM_LEADER)


def head_paths(user: User) -> list[str]:
    return request_cache.cached_for_user("head_paths", user, lambda: _head_paths(user))


def _head_paths(user: User) -> list[str]:
    ids = {g.tenure_id for g in user_grants(user) if g.capability == Capability.SUPERVISE}
    heads = set(Tenure.objects.filter(pk__in=ids, role__in=HEAD_ROLES).values_list("pk", flat=True))
    paths = sorted(
        {
            g.path
            for g in user_grants(user)
            if g.capability == Capability.SUPERVISE and g.tenure_id in heads
        }
    )
    return paths


define(
    "accountability.waive_dual_investigation",
    [RootsClause(head_paths, "handling_path")],
    model="accountability.DisciplinaryCase",
)


# --- What a message may be about (notifications.gate; issue 14) ---------------------------
# The handling and deciding lines receive reminders about a case in full; a person held to
# account receives the title and link of what concerns their own decision, never the body.
_CASE_PERMS = ("accountability.view_accountabilitycase",)
_OWN = ("accountability.view_own_decision",)
gate.subject("accountability.AccountabilityCase", *_CASE_PERMS, outside=_OWN)
for _model in ("AccountabilityTarget", "AccountabilityMeasure", "Appeal"):
    gate.subject(f"accountability.{_model}", *_CASE_PERMS, outside=_OWN, via=attrgetter("case"))
gate.subject("accountability.DisciplinaryCase", "accountability.view_disciplinarycase")


# --- 廉政档案 and 党风廉政意见回复 (issue 16) -------------------------------------------------
#
# The integrity record of a person is for the commission with jurisdiction only: the one
# supervising the committee that manages the person (干部管理权限, responsibilities/
# authority.py): every post the person holds today is managed by a committee inside the
# viewer's SUPERVISE subtrees. A county 1 department cadre: county 1's 纪委 (and those above);
# county 1's secretary, managed by the city committee: the city 纪委, not county 1's.
# The organisation department (组织部) asks and reads the returned replies, never the record.


def org_department_paths(user: User) -> list[str]:
    """The units where the user holds a 组织部 post today."""
    return request_cache.cached_for_user(
        "org_department_paths", user, lambda: _org_department_paths(user)
    )


def _org_department_paths(user: User) -> list[str]:
    ids = {g.tenure_id for g in user_grants(user)}
    return sorted(
        set(
            Tenure.objects.filter(pk__in=ids, role=Tenure.Role.ORG_DEPARTMENT).values_list(
                "org__path", flat=True
            )
        )
    )


def _current_posts(person_ref: Any) -> QuerySet[Tenure]:
    return with_rules(Tenure.objects.current().filter(person=person_ref))


def managing_paths(person: Any) -> list[str | None]:
    """The unit path of the committee managing each post the person holds today."""
    ids = list(_current_posts(person).values_list(MANAGING_ORG, flat=True))
    paths = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "path"))
    return [paths.get(pk) for pk in ids]


@dataclass(frozen=True)
class JurisdictionClause(Clause):
    """A person every one of whose current posts is managed within the user's SUPERVISE
    subtrees (and who holds at least one)."""

    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        roots = scope_paths(user, Capability.SUPERVISE)
        paths = managing_paths(obj) if roots else []
        return bool(paths) and all(covers(roots, path) for path in paths)

    def _q(self, user: User) -> Q:
        roots = scope_paths(user, Capability.SUPERVISE)
        if not roots:
            return NOTHING
        inside = Organization.objects.filter(covers_q(roots, "path")).values("pk")
        posts = _current_posts(OuterRef("pk"))
        covered = posts.filter(**{f"{MANAGING_ORG}__in": inside})
        outside = posts.filter(
            ~Q(**{f"{MANAGING_ORG}__in": inside}) | Q(**{f"{MANAGING_ORG}__isnull": True})
        )
        return Q(Exists(covered)) & ~Q(Exists(outside))

    def could(self, user: User) -> bool:
        return bool(scope_paths(user, Capability.SUPERVISE))


def _is_org_department(user: User) -> bool:
    return bool(org_department_paths(user))


ORG_DEPARTMENT: list[Clause] = [RootsClause(org_department_paths, "org_path")]
ANSWERING: list[Clause] = [PathClause(Capability.SUPERVISE, "handling_path")]
INTEGRITY_RECORD = "accountability.view_integrity_record"

_define(INTEGRITY_RECORD, [JurisdictionClause()], model="responsibilities.Person")
define("accountability.add_integrityrequest", ORG_DEPARTMENT, model_level=_is_org_department)
define("accountability.change_integrityrequest", ORG_DEPARTMENT, model_level=_is_org_department)
define(
    "accountability.view_integrityrequest",
    [*ORG_DEPARTMENT, RelatedClause("accountability.IntegrityReply", "request", ANSWERING[0])],
    model_level=lambda user: _supervises_somewhere(user) or _is_org_department(user),
)
_define(
    "accountability.view_integrityreply",
    [
        *ANSWERING,
        RootsClause(org_department_paths, "org_path", when=field_eq("status", "returned")),
    ],
)
_define("accountability.change_integrityreply", ANSWERING)
# Only the commission's head (or the officer acting as head) signs a reply off (R27).
define(
    "accountability.sign_integrityreply",
    [RootsClause(head_paths, "handling_path")],
    model="accountability.IntegrityReply",
)

gate.subject("accountability.IntegrityReply", "accountability.change_integrityreply")
gate.subject("accountability.IntegrityRequest", "accountability.view_integrityrequest")
