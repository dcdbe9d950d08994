"""Reads of assessments for pages, jobs and the roll-up: which units are assessed, the
snapshot list and a snapshot's page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import Rank

from assessments.models import (
    AssessmentSnapshot,
    EvaluationInput,
    EvaluationRound,
    Indicator,
    ManualAdjustment,
    VoterToken,
)
from responsibilities.models import Body, Organization

BALLOTS_PREVIEW = 20
PERIODS_SHOWN = 12


def assessed_orgs() -> QuerySet[Organization]:
    """Active units with a Party committee or group of their own."""
    return Organization.objects.filter(
        is_active=True, bodies__kind__in=list(Body.COMMITTEE_KINDS), bodies__is_active=True
    ).distinct()


def visible_snapshots(user: Any) -> QuerySet[AssessmentSnapshot]:
    return AssessmentSnapshot.objects.visible_to(user)


def latest_period(snapshots: QuerySet[AssessmentSnapshot]) -> tuple[int, int] | None:
    return snapshots.order_by("-year", "-quarter").values_list("year", "quarter").first()


def recent_periods(snapshots: QuerySet[AssessmentSnapshot]) -> list[tuple[int, int]]:
    return list(
        snapshots.order_by("-year", "-quarter")
        .values_list("year", "quarter")
        .distinct()[:PERIODS_SHOWN]
    )


def quarter_snapshots(
    snapshots: QuerySet[AssessmentSnapshot],
    year: int,
    quarter: int,
    *,
    light: str = "",
    ranked: bool = False,
) -> QuerySet[AssessmentSnapshot]:
    """A quarter's snapshots in tree order, or ranked by total (R31: only where allowed)."""
    qs = snapshots.filter(year=year, quarter=quarter).select_related("org")
    if light in ("red", "yellow", "green"):
        qs = qs.filter(traffic_light=light)
    if ranked:
        return qs.annotate(rank=Window(Rank(), order_by=F("total").desc())).order_by(
            "-total", "org_path"
        )
    return qs.order_by("org_path")


def ballots_open_for(user: Any) -> list[EvaluationRound]:
    """Democratic evaluations the user may still vote in (VIEW over the unit; one query)."""
    if user.is_superuser:
        return []
    return list(
        EvaluationRound.objects.visible_to(user)
        .filter(status=EvaluationRound.Status.OPEN)
        .exclude(Exists(VoterToken.objects.filter(round=OuterRef("pk"), voter=user)))
        .order_by("org_path")[:BALLOTS_PREVIEW]
    )


@dataclass
class SnapshotPage:
    indicators: dict[str, Indicator]
    adjustments: QuerySet[ManualAdjustment]
    inputs: QuerySet[EvaluationInput]
    rounds: QuerySet[EvaluationRound]


def snapshot_page(snap: AssessmentSnapshot) -> SnapshotPage:
    """The indicators, adjustments, inputs and evaluations of the unit's quarter."""
    quarter = {"org_id": snap.org_id, "year": snap.year, "quarter": snap.quarter}
    return SnapshotPage(
        indicators={
            i.code: i for i in Indicator.objects.filter(indicator_set_id=snap.indicator_set_id)
        },
        adjustments=ManualAdjustment.objects.filter(**quarter).select_related("entered_by"),
        inputs=EvaluationInput.objects.filter(**quarter).select_related("entered_by"),
        rounds=EvaluationRound.objects.filter(**quarter).annotate(turnout=Count("tokens")),
    )


def indicator_codes(snap: AssessmentSnapshot) -> list[str]:
    return list(
        Indicator.objects.filter(indicator_set_id=snap.indicator_set_id).values_list(
            "code", flat=True
        )
    )


def quarter_snapshot(org_id: int, year: int, quarter: int) -> AssessmentSnapshot | None:
    return AssessmentSnapshot.objects.filter(org_id=org_id, year=year, quarter=quarter).first()
