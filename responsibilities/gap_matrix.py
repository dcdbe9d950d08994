"""The gap and overlap matrix (责任空挡 / 交叉): committee members × list items."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from responsibilities.models import (
    Body,
    ItemAssignment,
    Organization,
    Portfolio,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)

RL = ResponsibilityList


@dataclass
class MatrixRow:
    item: ResponsibilityItem
    cells: list[str]  # per member: "lead", "co" or ""
    lead_count: int
    flags: list[str] = field(default_factory=list)


@dataclass
class GapMatrix:
    members: list[Tenure]
    rows: list[MatrixRow]
    items_without_lead: list[ResponsibilityItem]
    items_with_several_leads: list[ResponsibilityItem]
    portfolios_without_item: list[Portfolio]
    members_without_item: list[Tenure]

    @property
    def has_problems(self) -> bool:
        return bool(
            self.items_without_lead
            or self.items_with_several_leads
            or self.portfolios_without_item
            or self.members_without_item
        )


def committee_members(org: Organization, day: datetime.date | None = None) -> QuerySet[Tenure]:
    day = day or timezone.localdate()
    return (
        Tenure.objects.held_on(day)
        .filter(org=org, role__in=Tenure.COMMITTEE_ROLES, body__kind__in=Body.COMMITTEE_KINDS)
        .select_related("person")
        .prefetch_related("portfolios")
        .order_by("role", "person__name")
    )


def gap_matrix(org: Organization, year: int, day: datetime.date | None = None) -> GapMatrix:
    """Team members × items of the org's committee-side lists of `year`. Four queries total.

    The discipline commission's own list (supervisory responsibility) is not part of the
    committee's division of work, so it is left out.
    """
    members = list(committee_members(org, day))
    items = list(
        ResponsibilityItem.objects.filter(
            org=org, list__year=year, is_active=True, list__is_template=False
        )
        .exclude(list__status=RL.Status.ARCHIVED)
        .exclude(list__subject_type=RL.SubjectType.DISCIPLINE_COMMISSION)
        .select_related("list", "portfolio")
        .prefetch_related("assignments")
        .order_by("list__subject_type", "list_id", "number")
    )
    member_index = {m.pk: i for i, m in enumerate(members)}
    covered_members: set[int] = set()
    covered_portfolios: set[int] = set()
    rows: list[MatrixRow] = []
    no_lead: list[ResponsibilityItem] = []
    several: list[ResponsibilityItem] = []
    for item in items:
        cells = [""] * len(members)
        leads = 0
        for a in item.assignments.all():
            if a.tenure_id not in member_index:
                continue  # an ended tenure leads nothing: the item shows as a gap
            if a.role == ItemAssignment.Role.LEAD:
                leads += 1
            covered_members.add(a.tenure_id)
            cells[member_index[a.tenure_id]] = a.role
        if item.portfolio_id:
            covered_portfolios.add(item.portfolio_id)
        flags = []
        if leads == 0:
            no_lead.append(item)
            flags.append("no_lead")
        elif leads > 1:
            several.append(item)
            flags.append("several_leads")
        rows.append(MatrixRow(item=item, cells=cells, lead_count=leads, flags=flags))
    member_portfolios = {p.pk: p for m in members for p in m.portfolios.all()}
    return GapMatrix(
        members=members,
        rows=rows,
        items_without_lead=no_lead,
        items_with_several_leads=several,
        portfolios_without_item=[
            p for pk, p in sorted(member_portfolios.items()) if pk not in covered_portfolios
        ],
        members_without_item=[m for m in members if m.pk not in covered_members],
    )
