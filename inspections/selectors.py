"""Reads of inspections for pages, exports and jobs: each scoped to the user who asks.

The issue ledger has its own module (ledger.py); the risk ranking lives in risk.py.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from inspections.models import (
    ExtensionRequest,
    FaceToFaceReview,
    Feedback,
    Finding,
    InspectionRound,
    RectificationReport,
    RectificationTask,
    RoundTarget,
    inspections_setting,
)
from responsibilities.models import Body, Organization, Tenure


def target_leader_tenures(user: Any, org: Organization) -> QuerySet[Tenure]:
    """The user's current committee posts in `org` (who may acknowledge a review)."""
    return Tenure.objects.current().filter(
        person__user=user, org=org, role__in=Tenure.COMMITTEE_ROLES
    )


def resupervised_body(finding: Finding) -> Body | None:
    """The commission under re-supervision a finding is about (None: not a re-supervision
    finding). Its rectification falls on that commission (domain.md "Authority")."""
    round_ = finding.round
    if round_ is None or round_.kind != InspectionRound.Kind.RE_SUPERVISION:
        return None
    targets = RoundTarget.objects.filter(round=round_, target_body__isnull=False)
    for target in targets.select_related("target_body"):
        if finding.org_path.startswith(target.org_path):
            body: Body | None = target.target_body
            return body
    return None


# --- Rounds ---------------------------------------------------------------------------


def rounds_for(user: Any, *, kind: str = "", status: str = "") -> QuerySet[InspectionRound]:
    """The round list: rounds the user may see, newest first, with their target counts."""
    rounds = (
        InspectionRound.objects.visible_to(user)
        .select_related("issuing_body")
        .annotate(target_count=Count("round_targets", distinct=True))
        .order_by("-year", "-pk")
    )
    if kind in InspectionRound.Kind.values:
        rounds = rounds.filter(kind=kind)
    if status in InspectionRound.Status.values:
        rounds = rounds.filter(status=status)
    return rounds


@dataclass
class RoundPage:
    """What a round's page shows besides the round itself (each list one query)."""

    targets: list[RoundTarget]
    reports: list[RectificationReport]
    reviews: list[FaceToFaceReview]
    feedbacks: QuerySet[Any]
    findings: QuerySet[Finding]
    transitions: QuerySet[Any]


def round_page(user: Any, round_: InspectionRound) -> RoundPage:
    reports = round_.reports.select_related("target__org", "submitted_by").prefetch_related(
        "attachments"
    )
    reviews = round_.reviews.select_related("target__org").prefetch_related(
        "acknowledgements__tenure__person"
    )
    findings = (
        Finding.objects.visible_to(user)
        .filter(round=round_)
        .select_related("org")
        .annotate(task_count=Count("tasks"))
        .order_by("number")
    )
    return RoundPage(
        targets=list(round_.round_targets.select_related("org", "target_body")),
        reports=list(reports),
        reviews=list(reviews),
        # The principal leader's feedback is delivered separately (R24): inspections.view_feedback.
        feedbacks=Feedback.objects.visible_to(user)
        .filter(round=round_)
        .select_related("target__org")
        .prefetch_related("attachments"),
        findings=findings,
        transitions=round_.transitions.select_related("actor"),
    )


def may_acknowledge(user: Any, review: FaceToFaceReview) -> bool:
    """A target leader who has not yet confirmed the review (acknowledgements prefetched)."""
    acked = {a.tenure.person.user_id for a in review.acknowledgements.all()}
    return user.pk not in acked and target_leader_tenures(user, review.target.org).exists()


def target_report_findings(
    user: Any, round_: InspectionRound, target: RoundTarget
) -> list[Finding]:
    """The findings a target's rectification report lists (those the user may see)."""
    return list(
        Finding.objects.visible_to(user)
        .filter(round=round_, org_path__startswith=target.org_path)
        .select_related("org")
        .prefetch_related(
            Prefetch(
                "tasks", queryset=RectificationTask.objects.select_related("owner_tenure__person")
            )
        )
        .order_by("number")
    )


# --- Findings and tasks ---------------------------------------------------------------


def finding_tasks(finding: Finding) -> QuerySet[RectificationTask]:
    return finding.tasks.select_related("owner_tenure__person", "org")


def finding_responsibilities(finding: Finding) -> QuerySet[Any]:
    return finding.responsibilities.select_related("tenure__person", "tenure__org")


@dataclass
class TaskPage:
    updates: QuerySet[Any]
    transitions: QuerySet[Any]
    extensions: QuerySet[ExtensionRequest]
    pending_extension: ExtensionRequest | None


def task_page(task: RectificationTask) -> TaskPage:
    return TaskPage(
        updates=task.updates.select_related("author__person").prefetch_related("attachments"),
        transitions=task.transitions.select_related("actor__person"),
        extensions=task.extension_requests.select_related("requested_by", "decided_by"),
        pending_extension=task.extension_requests.filter(
            status=ExtensionRequest.Status.PENDING
        ).first(),
    )


def transferred_case_leads(to_body: Body | None = None) -> QuerySet[Finding]:
    """Case leads handed to discipline bodies (for the accountability app to pick up)."""
    qs = Finding.objects.filter(is_case_lead_transferred=True)
    if to_body is not None:
        qs = qs.filter(transferred_to=to_body)
    return qs.select_related("org", "transferred_to", "inspecting_body")


def findings_with_red_tasks(today: datetime.date | None = None) -> QuerySet[Finding]:
    red = RectificationTask.objects.red(today).filter(finding=OuterRef("pk"))
    return Finding.objects.filter(Exists(red))


# --- Due dates for reminders ----------------------------------------------------------


def _soon(today: datetime.date | None) -> datetime.date:
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=int(inspections_setting("DUE_SOON_DAYS", 10)))


def tasks_due_for_reminder(today: datetime.date | None = None) -> QuerySet[RectificationTask]:
    """Open tasks due within the due-soon window or overdue, not yet reminded."""
    return RectificationTask.objects.open().filter(  # type: ignore[no-any-return]
        due_date__lte=_soon(today), reminded_at__isnull=True
    )


def reports_due_for_reminder(today: datetime.date | None = None) -> QuerySet[RectificationReport]:
    return RectificationReport.objects.filter(
        submitted_at__isnull=True, due_date__lte=_soon(today), reminded_at__isnull=True
    )
