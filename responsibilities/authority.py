"""Cadre-management authority (干部管理权限, issue 13; domain.md "Authority in practice").

Who manages the holder of a post comes from the editable table `ManagementAuthority`
(default "下管一级": a unit's leadership team is managed by the committee one level up;
other posts by the unit's own committee). A person holding several posts is managed by the
highest committee any of them points to.

- `managing_committee(person, on=day)`: the Party committee with management authority, in
  one query from the tenures held on `day`;
- `discipline_floor(person, on=day)`: the lowest unit whose 纪委 may lead a disciplinary
  case on the person (R26: same-level committee members, 纪委 standing members and the
  heads of subordinate units are led by the higher 纪委), as an org path.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from responsibilities.models import (
    PATH_STEP,
    Body,
    ManagementAuthority,
    Organization,
    Person,
    Tenure,
)

R = Tenure.Role
Level = ManagementAuthority.Level

# (role, managed by, discipline levels up, basis): rows for every kind of unit (org_kind "").
DEFAULT_RULES: tuple[tuple[str, str, int, str], ...] = (
    (R.SECRETARY, Level.HIGHER, 1, "下管一级;下级单位主要负责人的案件由上级纪委主导(R26)"),
    (R.DEPUTY_SECRETARY, Level.HIGHER, 1, "下管一级;同级党委委员的案件由上级纪委主导(R26)"),
    (R.TEAM_MEMBER, Level.HIGHER, 1, "下管一级;同级党委委员的案件由上级纪委主导(R26)"),
    (R.DISCIPLINE_SECRETARY, Level.HIGHER, 1, "下管一级;纪委常委的案件由上级纪委主导(R26)"),
    (R.DISCIPLINE_OFFICER, Level.HIGHER, 1, "下管一级;纪委常委的案件由上级纪委主导(R26)"),
    (R.STATIONED_TEAM_LEADER, Level.HIGHER, 1, "下管一级(派驻机构负责人)"),
    (R.CLERK, Level.OWN, 0, "其他职务由本单位党委(党组)管理"),
)


def ensure_management_defaults(model: type[ManagementAuthority] = ManagementAuthority) -> int:
    """Create the default rules that are missing (idempotent; edited rows are kept)."""
    created = 0
    for role, managed_by, levels_up, basis in DEFAULT_RULES:
        created += model.objects.get_or_create(
            org_kind="",
            role=role,
            defaults={
                "managed_by": managed_by,
                "discipline_levels_up": levels_up,
                "basis": basis,
            },
        )[1]
    return created


# Annotation names (held in variables: the type checker's plugin knows only model fields).
MANAGING_ORG: str = "managing_org_id"
FLOOR_FIELDS: tuple[str, ...] = ("pk", "org__path", "discipline_up")


def _rule(field: str) -> Subquery:
    """The rule of the outer tenure's role and unit kind (a row for the kind wins)."""
    rules = ManagementAuthority.objects.filter(role=OuterRef("role")).filter(
        Q(org_kind=OuterRef("org__kind")) | Q(org_kind="")
    )
    return Subquery(rules.order_by("-org_kind").values(field)[:1])


def _default(column: int, output: str | int) -> Case:
    """The built-in default of DEFAULT_RULES (a deployment that emptied the table)."""
    whens = [When(role=row[0], then=Value(row[column])) for row in DEFAULT_RULES]
    return Case(*whens, default=Value(output))


def with_rules(tenures: QuerySet[Tenure]) -> QuerySet[Tenure]:
    """Tenures annotated with `managed_by`, `managing_org_id` and `discipline_up`."""
    return tenures.annotate(
        managed_by=Coalesce(_rule("managed_by"), _default(1, Level.OWN)),
        discipline_up=Coalesce(_rule("discipline_levels_up"), _default(2, 0)),
    ).annotate(
        managing_org_id=Case(
            When(managed_by=Level.HIGHER, then=F("org__parent_id")), default=F("org_id")
        )
    )


def _day(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def committee_managing(tenures: QuerySet[Tenure]) -> Body | None:
    """The highest committee managing any of `tenures` (one query)."""
    return (
        Body.objects.filter(
            org_id__in=with_rules(tenures).values(MANAGING_ORG),
            kind__in=Body.COMMITTEE_KINDS,
            is_active=True,
        )
        .select_related("org")
        .order_by("org__depth", "kind", "pk")
        .first()
    )


def managing_committee(person: Person, on: datetime.date | None = None) -> Body | None:
    """The Party committee with management authority over `person` on `on` (today), from
    the posts held that day; None when they hold none or are managed outside the tree."""
    return committee_managing(Tenure.objects.held_on(_day(on)).filter(person=person))


@dataclass(frozen=True)
class DisciplineFloor:
    """The lowest unit whose 纪委 may lead a case on a person, and the post that sets it."""

    path: str | None  # None: above the tree (the central commission)
    tenure_id: int
    levels_up: int


def floor_of_tenures(tenures: QuerySet[Tenure]) -> DisciplineFloor | None:
    """The highest floor any of `tenures` sets (one query); None without tenures."""
    best: DisciplineFloor | None = None
    for pk, path, up in with_rules(tenures).values_list(*FLOOR_FIELDS):
        floor = DisciplineFloor(Organization.ancestor_path(path, up), pk, up)
        if best is None or _higher(floor.path, best.path):
            best = floor
    return best


def _higher(path: str | None, than: str | None) -> bool:
    if path is None:
        return than is not None
    return than is not None and len(path) < len(than)


def discipline_floor(person: Person, on: datetime.date | None = None) -> DisciplineFloor | None:
    return floor_of_tenures(Tenure.objects.held_on(_day(on)).filter(person=person))


def covers_level(body_level: str, floor: str | None) -> bool:
    """A body at `body_level` stands at the floor or above it."""
    return floor is not None and floor.startswith(body_level)


def led_from(tenures: QuerySet[Tenure], levels: Iterable[str]) -> QuerySet[Tenure]:
    """The tenures whose holders a 纪委 standing at one of `levels` may lead a case on (the
    floor the post sets lies at or below the level), as one filter."""
    floor = Substr("org__path", 1, (F("org__depth") - F("discipline_up")) * Value(PATH_STEP))
    q = Q(pk__in=[])
    for level in levels:
        q |= Q(floor__startswith=level)
    return with_rules(tenures).annotate(floor=floor).filter(q)
