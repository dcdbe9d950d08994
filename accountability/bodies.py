"""Which bodies handle and decide a case, and who led a body on a day (principal leaders)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from liangge_zeren.workflow import refuse
from responsibilities.authority import (
    committee_managing,
    covers_level,
    discipline_floor,
    floor_of_tenures,
    managing_committee,
)
from responsibilities.models import Body, Organization, Person, Tenure

R = Tenure.Role

PRINCIPAL_ROLES = {
    "committee": (R.SECRETARY,),
    "discipline": (R.DISCIPLINE_SECRETARY, R.STATIONED_TEAM_LEADER),
}


def principal_roles(body: Body) -> tuple[str, ...]:
    return PRINCIPAL_ROLES["discipline" if body.is_discipline else "committee"]


def principal_leaders(body: Body, day: datetime.date) -> QuerySet[Tenure]:
    """Who led `body` on `day` (书记 of a committee, 纪委书记 / 组长 of a discipline body)."""
    return (
        Tenure.objects.held_on(day)
        .filter(body=body, role__in=principal_roles(body))
        .select_related("person", "org")
    )


def committee_of(org: Organization) -> Body | None:
    return (
        Body.objects.filter(org=org, kind__in=Body.COMMITTEE_KINDS, is_active=True)
        .order_by("kind", "pk")
        .first()
    )


def handling_path_for(body: Body, org: Organization) -> str:
    """Where the handling side's jurisdiction lies (a stationed team: the unit it sits in)."""
    if body.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM:
        stationed = list(body.stationed_in.all())
        for unit in stationed:
            if org.path.startswith(unit.path):
                return str(unit.path)
        return str(stationed[0].path if stationed else body.org_path)
    return str(body.org.path)


def deciding_path_for(body: Body) -> str:
    return str(body.org.path)


def default_handling_body(org: Organization) -> Body:
    return org.supervising_body or refuse(_("该单位没有监督它的纪检监察机构。"))


# --- Authority (issue 13; domain.md "Authority in practice", R11, R18, R26) ----------------
#
# Who may decide and who may handle, as querysets (what the forms propose) and checks (what
# the services refuse, naming the rule). Cadre-management authority comes from
# responsibilities/authority.py (the editable 干部管理权限 table).

# R11: the 纪委 of the managing level may apply 通报 and 诫勉 directly.
DIRECT_BY_DISCIPLINE = frozenset({"circulated_criticism", "admonition"})
COMMISSION_KINDS = (Body.Kind.DISCIPLINE_COMMISSION, Body.Kind.DISCIPLINE_WORK_COMMITTEE)


def committees_at_or_above(org: Organization) -> QuerySet[Body]:
    return Body.objects.filter(
        org__path__in=[*org.ancestor_paths(), org.path],
        kind__in=Body.COMMITTEE_KINDS,
        is_active=True,
    ).select_related("org")


def committees_above(org: Organization) -> QuerySet[Body]:
    """The committees of the units above `org`: who may decide on it as a whole (R18)."""
    return committees_at_or_above(org).exclude(org=org)


def commissions_at_or_above(org: Organization) -> QuerySet[Body]:
    return Body.objects.filter(
        org__path__in=[*org.ancestor_paths(), org.path], kind__in=COMMISSION_KINDS, is_active=True
    ).select_related("org")


def _above(body: Body, path: str, strict: bool = False) -> bool:
    top = str(body.org.path)
    return path.startswith(top) and not (strict and path == top)


def deciders_above(org: Organization) -> QuerySet[Body]:
    """Who may decide a case on a unit: the committees above it (下管一级, R18) and the
    commissions above it, which may apply 通报 and 诫勉 directly (R11; the measure checks
    keep them to those) — e.g. the commission that sent a stationed team (R28, R29)."""
    committees = committees_above(org)
    if org.parent is None:
        return committees
    return committees | commissions_at_or_above(org.parent)


def check_case_deciding_body(org: Organization, body: Body) -> None:
    """A case on a unit is decided from above it: a Party committee, or a commission for
    通报 and 诫勉 (下管一级, R11, R18)."""
    allowed = body.is_committee or body.kind in COMMISSION_KINDS
    if not allowed or not _above(body, str(org.path), strict=True):
        refuse(
            _(
                "按干部管理权限(下管一级),对%(org)s及其领导班子的问责由上级党委决定"
                "(上级纪委监委可直接采取通报、诫勉);%(body)s无权作出该问责决定。"
            )
            % {"org": org.name, "body": body.name}
        )


def default_deciding_body(org: Organization) -> Body:
    """The committee with cadre authority: the one above the unit."""
    body = committee_of(org.parent) if org.parent is not None else None
    return body or refuse(
        _("找不到有权作出问责决定的党组织:%(org)s的上级党委不在本系统中。") % {"org": org.name}
    )


def managing_committee_of(person: Person, tenure: Tenure | None, day: datetime.date) -> Body | None:
    """The managing committee on `day`; for someone who holds no post then (retired, left),
    the one of the post the case is about."""
    body = managing_committee(person, on=day)
    if body is None and tenure is not None:
        body = committee_managing(Tenure.objects.filter(pk=tenure.pk))
    return body


def posts_text(person: Person, day: datetime.date) -> str:
    posts = Tenure.objects.held_on(day).filter(person=person).select_related("org")
    return "、".join(f"{t.org.name}{t.title or t.get_role_display()}" for t in posts) or _(
        "现无任职"
    )


def may_decide_on_person(body: Body, managing: Body | None, kind: str = "") -> bool:
    if managing is None:
        return False
    if body.is_committee:
        return _above(body, str(managing.org.path))
    return (
        kind in DIRECT_BY_DISCIPLINE
        and body.kind in COMMISSION_KINDS
        and _above(body, str(managing.org.path))
    )


def check_person_decider(
    body: Body, person: Person, tenure: Tenure | None, day: datetime.date, kind: str = ""
) -> None:
    """问责 on a person: by the committee that manages them (or a higher one; the 纪委 of
    that level for 通报 and 诫勉, R11)."""
    managing = managing_committee_of(person, tenure, day)
    if may_decide_on_person(body, managing, kind):
        return
    if managing is None:
        refuse(
            _("按干部管理权限,%(person)s不由本系统内的党组织管理,%(body)s无权决定。")
            % {"person": person.name, "body": body.name}
        )
    refuse(
        _(
            "按干部管理权限(下管一级),%(person)s(%(posts)s)由%(managing)s管理,"
            "对其问责应由%(managing)s或其上级党委决定;%(body)s无权决定。"
        )
        % {
            "person": person.name,
            "posts": posts_text(person, day),
            "managing": managing.name,
            "body": body.name,
        }
    )


def check_org_decider(body: Body, org: Organization, kind: str = "") -> None:
    """问责 on a Party organisation: by the committee above it; 改组 only by it (R18);
    通报 also by the 纪委 above (R11)."""
    direct = kind == "circulated_criticism" and body.kind in COMMISSION_KINDS
    if (body.is_committee or direct) and _above(body, str(org.path), strict=True):
        return
    refuse(
        _(
            "按规定,对党组织的问责由其上级党委决定(改组只能由上级党委决定);"
            "%(body)s不是%(org)s的上级党委,无权决定。"
        )
        % {"body": body.name, "org": org.name}
    )


def handler_level(body: Body) -> str:
    """The level a discipline body stands at (a stationed team: its sender's)."""
    if body.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM and body.sent_by is not None:
        return str(body.sent_by.org.path)
    return str(body.org.path)


def has_jurisdiction(body: Body, org: Organization) -> bool:
    if not body.is_discipline:
        return False
    if body.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM:
        return any(str(org.path).startswith(str(u.path)) for u in body.stationed_in.all())
    return str(org.path).startswith(str(body.org.path))


def check_case_handler(org: Organization, body: Body) -> None:
    if not has_jurisdiction(body, org):
        refuse(
            _("%(body)s对%(org)s没有监督执纪管辖权,不能承办该案件。")
            % {"body": body.name, "org": org.name}
        )


def check_disciplinary_handler(
    body: Body, org: Organization, person: Person, tenure: Tenure | None, day: datetime.date
) -> None:
    """纪律审查 of a cadre: the 纪委 at the managing level or higher; same-level committee
    members, 纪委 standing members and heads of subordinate units: the higher 纪委 (R26)."""
    check_case_handler(org, body)
    floor = discipline_floor(person, on=day)
    if floor is None and tenure is not None:
        floor = floor_of_tenures(Tenure.objects.filter(pk=tenure.pk))
    if floor is None or covers_level(handler_level(body), floor.path):
        return
    leader = Organization.objects.filter(path=floor.path).first() if floor.path else None
    refuse(
        _(
            "按干部管理权限和同级监督规定(R26),对%(person)s(%(posts)s)的纪律审查"
            "由%(leader)s纪委监委或其上级纪委主导;%(body)s无权立案审查。"
        )
        % {
            "person": person.name,
            "posts": posts_text(person, day),
            "leader": leader.name if leader else _("上级"),
            "body": body.name,
        }
    )
