"""Permissions of the responsibilities app (predicates and queryset filters side by side)."""

import rules
from django.db.models import Exists, OuterRef, Q

from responsibilities.scoping import Capability, paths_q, register_scoped_perm


def _person_tenure_paths(person) -> list[str]:
    return list(person.tenures.values_list("org_path", flat=True))


def _person_q(user, paths) -> Q:
    """A person is in scope when any of their tenures (current or past) is."""
    from responsibilities.models import Tenure

    return Q(Exists(Tenure.objects.filter(paths_q(paths), person=OuterRef("pk"))))


for _model, _field in (
    ("organization", "path"),
    ("body", "org_path"),
    ("portfolio", "org_path"),
    ("tenure", "org_path"),
):
    register_scoped_perm(f"responsibilities.view_{_model}", Capability.VIEW, field=_field)
    register_scoped_perm(f"responsibilities.change_{_model}", Capability.MANAGE, field=_field)
    register_scoped_perm(f"responsibilities.add_{_model}", Capability.MANAGE, field=_field)

register_scoped_perm(
    "responsibilities.view_person",
    Capability.VIEW,
    paths_of=_person_tenure_paths,
    q_for_paths=_person_q,
)
register_scoped_perm(
    "responsibilities.change_person",
    Capability.MANAGE,
    paths_of=_person_tenure_paths,
    q_for_paths=_person_q,
)


# --- Lists, items, letters, duty logs, attachments and reports (issue 3) -----------------
#
# Read access is the plain subtree rule (every tenure holder sees its unit and below).
# Writes are narrower; each composite rule has its queryset twin (`*_q(user)`) built from
# the same grants, and tests check that both agree on every fixture row.

import rules as _rules  # noqa: E402

from responsibilities.models import Organization  # noqa: E402
from responsibilities.scoping import is_unrestricted, scope_q, user_grants  # noqa: E402

for _model in (
    "responsibilitylist",
    "responsibilityitem",
    "itemassignment",
    "responsibilityletter",
    "dutylog",
    "attachment",
    "dutyreport",
):
    register_scoped_perm(f"responsibilities.view_{_model}", Capability.VIEW)


def _paths(user, *capabilities) -> list[str]:
    return [g.path for g in user_grants(user) if g.capability in capabilities]


def _covers(user, path: str, *capabilities, strict: bool = False) -> bool:
    return any(
        path.startswith(p) and not (strict and p == path) for p in _paths(user, *capabilities)
    )


def _user_id_of_tenure(tenure) -> int | None:
    return tenure.person.user_id if tenure is not None else None


@_rules.predicate
def manages_own_unit(user, obj) -> bool:
    """Secretary, deputy or clerk of exactly this unit (superiors only read and comment)."""
    return is_unrestricted(user) or obj.org_path in _paths(user, Capability.MANAGE)


def manages_own_unit_q(user) -> Q:
    return Q() if is_unrestricted(user) else Q(org_path__in=_paths(user, Capability.MANAGE))


@_rules.predicate
def is_list_subject(user, duty_list) -> bool:
    return (
        duty_list.subject_tenure_id is not None
        and _user_id_of_tenure(duty_list.subject_tenure) == user.pk
        and duty_list.subject_tenure.is_current
    )


@_rules.predicate
def oversees(user, obj) -> bool:
    """Committee managers and discipline bodies over the object's unit (own unit or above)."""
    path = obj.path if isinstance(obj, Organization) else obj.org_path
    return is_unrestricted(user) or _covers(user, path, Capability.MANAGE, Capability.SUPERVISE)


def oversees_q(user, field: str = "org_path") -> Q:
    if is_unrestricted(user):
        return Q()
    return paths_q(_paths(user, Capability.MANAGE, Capability.SUPERVISE), field)


@_rules.predicate
def is_log_actor(user, log) -> bool:
    return _user_id_of_tenure(log.tenure) == user.pk


@_rules.predicate
def log_is_editable(user, log) -> bool:
    return log.status in log.EDITABLE


@_rules.predicate
def log_is_locked(user, log) -> bool:
    return log.is_locked


def dutylog_change_q(user) -> Q:
    from responsibilities.models import DutyLog

    return (
        scope_q(user, "responsibilities.view_dutylog")
        & Q(tenure__person__user=user)
        & Q(status__in=DutyLog.EDITABLE)
    )


def dutylog_review_q(user) -> Q:
    """Logs waiting for this user's review: in oversight scope, not the user's own."""
    from responsibilities.models import DutyLog

    return oversees_q(user) & Q(status__in=DutyLog.REVIEWABLE) & ~Q(tenure__person__user=user)


@_rules.predicate
def log_is_reviewable(user, log) -> bool:
    return log.status in log.REVIEWABLE


@_rules.predicate
def is_report_subject(user, report) -> bool:
    if report.tenure_id is None:
        return manages_own_unit.test(user, report)
    return _user_id_of_tenure(report.tenure) == user.pk


@_rules.predicate
def report_is_draft(user, report) -> bool:
    return report.status == report.Status.DRAFT


@_rules.predicate
def superior_of_report(user, report) -> bool:
    """A committee report goes to the unit above; a personal one to the unit's own leaders."""
    if is_unrestricted(user):
        return True
    if report.tenure_id is not None:
        return _user_id_of_tenure(report.tenure) != user.pk and _covers(
            user, report.org_path, Capability.MANAGE, Capability.SUPERVISE
        )
    return _covers(user, report.org_path, Capability.MANAGE, Capability.SUPERVISE, strict=True)


@_rules.predicate
def is_due_signer(user, letter) -> bool:
    from responsibilities.letters import may_sign

    return may_sign(user, letter)


_rules.set_perm("responsibilities.sign_responsibilityletter", is_due_signer)
_rules.set_perm("responsibilities.change_responsibilityletter", manages_own_unit)
_rules.set_perm("responsibilities.change_responsibilitylist", manages_own_unit)
_rules.set_perm(
    "responsibilities.acknowledge_responsibilitylist", manages_own_unit | is_list_subject
)
_rules.set_perm("responsibilities.change_responsibilityitem", manages_own_unit)
_rules.set_perm("responsibilities.oversee_organization", oversees)
_rules.set_perm("responsibilities.change_dutylog", is_log_actor & log_is_editable)
_rules.set_perm("responsibilities.amend_dutylog", is_log_actor & log_is_locked)
_rules.set_perm("responsibilities.review_dutylog", oversees & ~is_log_actor & log_is_reviewable)
_rules.set_perm("responsibilities.change_dutyreport", is_report_subject & report_is_draft)
_rules.set_perm("responsibilities.acknowledge_dutyreport", superior_of_report)

# Importing can create and move any unit of the tree: an administrator's job, not a post's.
rules.add_perm("responsibilities.import_org", rules.is_superuser)
