"""Per-person assessments (issue 18): the team's quarterly and yearly results, the 谈话了解
records and the 面对面 review of a 述责述廉.

compute_people(org, year, period, actor=…) — every team post of the unit (selectors.team_posts)
    scored from its own inputs (collect.collect_people, a fixed number of grouped queries)
    against the default set of its subject type; drafts written, published ones left alone.
    Idempotent like compute_quarter (same data → same numbers, no new rows).
publish_person_snapshot(snapshot, actor=…) — the superior locks it (PERSON_SNAPSHOT_FLOW).
record_interview / record_report_review — the superior's records, while the period is a draft.
The mechanics (result_values, _same, lock_result) are the unit snapshots' own.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.authority import may_evaluate
from assessments.collect import collect_people
from assessments.defaults import ensure_default_set
from assessments.models import (
    INTERVIEW_RUBRIC,
    YEAR_PERIOD,
    PersonAssessmentSnapshot,
    PersonInterview,
    ReportReview,
)
from assessments.selectors import person_subject_type, team_posts
from assessments.services.snapshots import ComputeResult, _same, lock_result, result_values
from assessments.workflows import PERSON_SNAPSHOT_FLOW
from liangge_zeren.actors import Actor, actor_user, write_service
from responsibilities.models import DutyReport, Organization, Tenure


def _check(actor: Actor, org: Organization) -> None:
    if not may_evaluate(actor, org):
        raise PermissionDenied


def _check_period(year: int, period: int) -> None:
    if not (2000 <= year <= 2100 and 0 <= period <= 4):
        raise ValidationError(_("考核期无效。"))


@write_service
def compute_people(org: Organization, year: int, period: int, *, actor: Actor) -> ComputeResult:
    """The team's results of a quarter (period 1–4) or the year (period 0), as drafts."""
    _check(actor, org)
    _check_period(year, period)
    posts = team_posts(org)
    inputs = collect_people([(t.pk, t.person_id) for t in posts], year, period)
    sets = {}
    existing = {
        s.tenure_id: s
        for s in PersonAssessmentSnapshot.objects.filter(
            tenure_id__in=[t.pk for t in posts], year=year, period=period
        )
    }
    result = ComputeResult()
    now = timezone.now()
    for tenure in posts:
        subject = person_subject_type(tenure)
        if subject not in sets:
            indicator_set = ensure_default_set(year, subject)
            sets[subject] = (indicator_set, list(indicator_set.indicators.order_by("order")))
        indicator_set, indicators = sets[subject]
        values = result_values(indicator_set, indicators, inputs[tenure.pk], {})
        snap = existing.get(tenure.pk)
        if snap is None:
            PersonAssessmentSnapshot.objects.create(
                person_id=tenure.person_id,
                tenure=tenure,
                org=org,
                org_path=org.path,
                subject_type=subject,
                year=year,
                period=period,
                computed_at=now,
                **values,
            )
            result.created += 1
        elif snap.is_published:
            result.locked += 1
        elif _same(snap, values) and snap.org_path == org.path and snap.subject_type == subject:
            result.unchanged += 1
        else:
            for name, value in values.items():
                setattr(snap, name, value)
            snap.org_path, snap.subject_type, snap.computed_at = org.path, subject, now
            snap.save()
            result.updated += 1
    return result


@write_service
def publish_person_snapshot(
    snapshot: PersonAssessmentSnapshot, *, actor: Actor
) -> PersonAssessmentSnapshot:
    _check(actor, snapshot.org)
    return lock_result(PersonAssessmentSnapshot, snapshot.pk, PERSON_SNAPSHOT_FLOW, actor)


@write_service
def recompute_person_snapshot(snapshot: PersonAssessmentSnapshot, *, actor: Actor) -> ComputeResult:
    PERSON_SNAPSHOT_FLOW.check(snapshot, "recompute", actor)
    return compute_people(snapshot.org, snapshot.year, snapshot.period, actor=actor)


def _check_open(tenure: Tenure, year: int, periods: list[int], actor: Actor) -> None:
    """Refused once a result the record feeds is published."""
    for snap in PersonAssessmentSnapshot.objects.filter(
        tenure=tenure, year=year, period__in=periods
    ):
        PERSON_SNAPSHOT_FLOW.check(snap, "record_input", actor)


def parse_rubric(raw: dict[str, Any]) -> dict[str, int]:
    """Rubric scores from a form or an import: every criterion, integers 0–top."""
    scores: dict[str, int] = {}
    for code, label, top in INTERVIEW_RUBRIC:
        value = raw.get(code)
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationError(
                {"scores": _("请为“%(label)s”打分(0 到 %(top)s)。") % {"label": label, "top": top}}
            ) from None
        scores[code] = number
    return scores


@write_service
def record_interview(
    *,
    actor: Actor,
    tenure: Tenure,
    year: int,
    quarter: int,
    interviewed_on: datetime.date,
    scores: dict[str, Any],
    note: str = "",
    interviewer: Any = None,
) -> PersonInterview:
    """谈话了解 about the holder of `tenure`, scored on the rubric, by the superior."""
    _check(actor, tenure.org)
    _check_open(tenure, year, [quarter, YEAR_PERIOD], actor)
    who = interviewer or actor_user(actor)
    if who is None:
        raise ValidationError(_("请指定谈话人。"))
    row = PersonInterview(
        person_id=tenure.person_id,
        tenure=tenure,
        org=tenure.org,
        org_path=tenure.org.path,
        year=year,
        quarter=quarter,
        interviewer=who,
        interviewed_on=interviewed_on,
        scores=parse_rubric(scores) if isinstance(scores, dict) else scores,
        total=Decimal(0),
        note=(note or "").strip(),
    )
    row.full_clean()  # validates the rubric and sets the total
    row.save()
    return row


@write_service
def record_report_review(
    *,
    actor: Actor,
    tenure: Tenure,
    year: int,
    reviewed_on: datetime.date,
    comments: str,
    rating: str,
    reviewer: Any = None,
) -> ReportReview:
    """The superior's 面对面 review of the person's 述责述廉 of the year (one per year: a second
    call corrects it while the year's result is a draft)."""
    _check(actor, tenure.org)
    _check_open(tenure, year, [YEAR_PERIOD], actor)
    report = (
        DutyReport.objects.filter(
            tenure=tenure,
            year=year,
            status__in=[DutyReport.Status.SUBMITTED, DutyReport.Status.ACKNOWLEDGED],
        )
        .order_by("-pk")
        .first()
    )
    if report is None:
        raise ValidationError(_("本人尚未报送该年度述责述廉报告, 不能进行面对面评议。"))
    who = reviewer or actor_user(actor)
    if who is None:
        raise ValidationError(_("请指定评议人。"))
    row = ReportReview.objects.filter(tenure=tenure, year=year).first() or ReportReview(
        person_id=tenure.person_id, tenure=tenure, org=tenure.org, year=year
    )
    row.org_path = tenure.org.path
    row.report = report
    row.reviewer = who
    row.reviewed_on = reviewed_on
    row.comments = (comments or "").strip()
    row.rating = rating
    row.full_clean()
    row.save()
    return row
