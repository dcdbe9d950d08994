"""Which bodies handle and decide a case, and who led a body on a day (principal leaders)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Organization, Tenure

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


def default_deciding_body(org: Organization) -> Body:
    """The committee with cadre authority: the one above the unit (else the unit's own)."""
    body = committee_of(org.parent) if org.parent is not None else None
    return body or committee_of(org) or refuse(_("找不到有权作出问责决定的党组织。"))


def default_handling_body(org: Organization) -> Body:
    return org.supervising_body or refuse(_("该单位没有监督它的纪检监察机构。"))
