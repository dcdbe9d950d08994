"""Inspection rounds: planning, the course of a round, feedback, reviews and reports.

Every move of a round asks ROUND_FLOW (inspections/workflows.py) on the locked row and
writes a RoundTransition (who, when, from, to, note) besides the history row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.deadlines import report_due_for
from inspections.models import (
    FaceToFaceReview,
    Feedback,
    Finding,
    InspectionRound,
    RectificationReport,
    ReviewAcknowledgement,
    RoundTarget,
    RoundTransition,
    Side,
)
from inspections.selectors import target_leader_tenures
from inspections.uploads import save_attachments
from inspections.workflows import ROUND_FLOW
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import check_version, lock_current
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Organization, Person
from security.business_audit import note_bulk

RS = InspectionRound.Status


def _log(round_: InspectionRound, action: str, previous: str, actor: Actor, note: str = "") -> None:
    RoundTransition.objects.create(
        round=round_,
        action=action,
        from_status=previous,
        to_status=round_.status,
        actor=actor_user(actor),
        note=note,
    )


def _target_side(kind: str) -> str:
    return Side.SUPERVISORY if kind == InspectionRound.Kind.RE_SUPERVISION else Side.PRINCIPAL


def _discipline_body_of(org: Organization) -> Body | None:
    return (
        Body.objects.filter(org=org, kind__in=Body.DISCIPLINE_KINDS, is_active=True)
        .order_by("kind", "pk")
        .first()
    )


def _check_targets(issuing_org: Organization, targets: list[Organization]) -> None:
    if not targets:
        refuse(_("请至少选择一个检查对象。"))
    for target in targets:
        if not target.path.startswith(issuing_org.path):
            refuse(_("检查对象“%(name)s”不在组织开展机构的管辖范围内。") % {"name": target})


def _check_resupervisor(issuing_body: Body, target: Organization, target_body: Body) -> None:
    """No self-judgement (R29): a commission is re-supervised by a discipline commission
    above it (a stationed team: also by its sender) or by its same-level committee — never
    by itself or by a body of its own level or below."""
    issuing_org = issuing_body.org
    higher_commission = (
        issuing_body.kind == Body.Kind.DISCIPLINE_COMMISSION
        and target.path.startswith(issuing_org.path)
        and target.pk != issuing_org.pk
    ) or issuing_body.pk == target_body.sent_by_id
    same_level_committee = issuing_body.is_committee and issuing_org.pk == target_body.org_id
    if not (higher_commission or same_level_committee):
        refuse(
            _(
                "监督再监督不得自查:%(target)s须由上级纪委监委或同级党委组织再监督,"
                "%(issuer)s不能组织。"
            )
            % {"target": target_body.name, "issuer": issuing_body.name}
        )


def _add_targets(round_: InspectionRound, targets: list[Organization]) -> None:
    side = _target_side(round_.kind)
    for target in targets:
        target_body = _discipline_body_of(target) if side == Side.SUPERVISORY else None
        if side == Side.SUPERVISORY:
            if target_body is None:
                refuse(_("监督再监督的对象必须设有纪检监察机构:%(name)s。") % {"name": target})
            _check_resupervisor(round_.issuing_body, target, target_body)
        RoundTarget.objects.create(
            round=round_, org=target, org_path=target.path, target_body=target_body, side=side
        )


@write_service
def create_round(
    *,
    actor: Actor,
    kind: str,
    title: str,
    issuing_body: Body,
    year: int,
    targets: Iterable[Organization],
    round_no: int = 1,
    team_leader: Person | None = None,
    members: Iterable[Person] = (),
    on_site_from: datetime.date | None = None,
    on_site_to: datetime.date | None = None,
    notes: str = "",
    revisit_of: InspectionRound | None = None,
) -> InspectionRound:
    targets = list(targets)
    issuing_org = issuing_body.org
    _check_targets(issuing_org, targets)
    round_ = InspectionRound(
        kind=kind,
        title=title,
        issuing_body=issuing_body,
        org=issuing_org,
        org_path=issuing_org.path,
        year=year,
        round_no=round_no,
        team_leader=team_leader,
        on_site_from=on_site_from,
        on_site_to=on_site_to,
        notes=notes,
        revisit_of=revisit_of,
        created_by=actor_user(actor),
    )
    round_.full_clean()
    round_.save()
    if members:
        round_.members.set(members)
    _add_targets(round_, targets)
    _log(round_, "create", "", actor)
    return round_


ROUND_EDITABLE_FIELDS = frozenset(
    {"title", "round_no", "team_leader", "on_site_from", "on_site_to", "notes"}
)


@write_service
def update_round(
    round_: InspectionRound,
    *,
    actor: Actor,
    members: Iterable[Person] | None = None,
    version: int | None = None,
    **fields: Any,
) -> InspectionRound:
    """Descriptive fields only; the state, targets and deadlines change through transitions.

    `version` is the version the editor loaded: if someone saved since, EditConflict is raised
    (liangge_zeren/concurrency.py) and nothing changes.
    """
    unknown = set(fields) - ROUND_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    stored = check_version(InspectionRound, round_.pk, version, sorted(fields))
    ROUND_FLOW.check(stored, "edit", actor)
    for name, value in fields.items():
        setattr(round_, name, value)
    round_.status = stored.status
    round_.version = stored.version + 1
    round_.full_clean()
    round_.save()
    if members is not None:
        round_.members.set(members)
    return round_


def _move(
    round_: InspectionRound,
    action: str,
    actor: Actor,
    *,
    note: str = "",
    fields: Sequence[str] = (),
    prepare: Callable[[InspectionRound], None] | None = None,
) -> InspectionRound:
    """Lock, ask the table, apply `prepare(round_)` (the move's own fields), save, record."""
    lock_current(round_, "status")
    previous = ROUND_FLOW.move(round_, action, actor)
    if prepare is not None:
        prepare(round_)
    round_.save(update_fields=["status", *fields])
    _log(round_, action, previous, actor, note)
    return round_


@write_service
def start_on_site(
    round_: InspectionRound, *, actor: Actor, day: datetime.date | None = None
) -> InspectionRound:
    def prepare(r: InspectionRound) -> None:
        r.on_site_from = r.on_site_from or day or timezone.localdate()

    return _move(round_, "start_on_site", actor, fields=["on_site_from"], prepare=prepare)


@write_service
def start_reporting(
    round_: InspectionRound, *, actor: Actor, day: datetime.date | None = None
) -> InspectionRound:
    def prepare(r: InspectionRound) -> None:
        r.on_site_to = r.on_site_to or day or timezone.localdate()

    return _move(round_, "start_reporting", actor, fields=["on_site_to"], prepare=prepare)


def _open_reports(round_: InspectionRound) -> None:
    """The team's and the principal leader's report of each target, due as feedback set."""
    assert round_.report_due is not None and round_.principal_report_due is not None
    for target in round_.round_targets.all():
        for kind, due in (
            (RectificationReport.Kind.TEAM, round_.report_due),
            (RectificationReport.Kind.PRINCIPAL, round_.principal_report_due),
        ):
            RectificationReport.objects.update_or_create(
                target=target,
                kind=kind,
                defaults={
                    "round": round_,
                    "org": target.org,
                    "org_path": target.org_path,
                    "due_date": due,
                },
            )


@write_service
def give_feedback(
    round_: InspectionRound, *, actor: Actor, feedback_date: datetime.date
) -> InspectionRound:
    """反馈: sets the report deadlines (R22), opens the reports, delivers the findings."""

    def prepare(r: InspectionRound) -> None:
        r.feedback_date = feedback_date
        r.report_due = report_due_for(r, feedback_date)
        r.principal_report_due = r.report_due

    fields = ["feedback_date", "report_due", "principal_report_due"]
    _move(round_, "give_feedback", actor, fields=fields, prepare=prepare)
    _open_reports(round_)
    if not round_.is_hidden_from_targets:
        deliver_round_findings(round_)
    return round_


@write_service
def start_rectifying(round_: InspectionRound, *, actor: Actor) -> InspectionRound:
    return _move(round_, "start_rectifying", actor)


@write_service
def confirm_reports_submitted(round_: InspectionRound, *, actor: Actor) -> InspectionRound:
    return _move(round_, "submit_report", actor)


@write_service
def evaluate_round(round_: InspectionRound, *, actor: Actor, note: str = "") -> InspectionRound:
    return _move(round_, "evaluate", actor, note=note)


@write_service
def close_round(round_: InspectionRound, *, actor: Actor, note: str = "") -> InspectionRound:
    return _move(round_, "close", actor, note=note)


@write_service
def disclose_round(round_: InspectionRound, *, actor: Actor) -> InspectionRound:
    """明查暗访 made known to the target: from now on the target sees what was found."""
    round_ = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    ROUND_FLOW.check(round_, "disclose", actor)
    round_.disclosed_at = timezone.now()
    round_.save(update_fields=["disclosed_at"])
    _log(round_, "disclose", round_.status, actor, _("公开"))
    deliver_round_findings(round_)
    return round_


@write_service
def start_revisit(
    round_: InspectionRound, *, actor: Actor, title: str, year: int
) -> InspectionRound:
    """回头看: a child round on the same targets."""
    lock_current(round_, "status")
    ROUND_FLOW.check(round_, "revisit", actor)
    targets = [t.org for t in round_.round_targets.select_related("org")]
    return create_round(
        actor=actor,
        kind=round_.kind,
        title=title,
        issuing_body=round_.issuing_body,
        year=year,
        round_no=round_.round_no,
        targets=targets,
        revisit_of=round_,
    )


def deliver_round_findings(round_: InspectionRound) -> int:
    """Hand the round's findings to the targets (never the upward channel's).

    Part of the service that calls it (feedback, disclosure): not a write of its own."""
    due = Finding.objects.filter(round=round_, delivered_at__isnull=True, upward_channel=False)
    rows = dict(due.values_list("pk", "org_path"))
    now = timezone.now()
    delivered = due.filter(pk__in=list(rows)).update(delivered_at=now)
    for pk, org_path in rows.items():
        note_bulk(Finding, [pk], {"delivered_at": now}, org_path=org_path)
    return delivered


# --- Feedback, face-to-face review, reports --------------------------------------------


def _check_stage(round_: InspectionRound, action: str, actor: Actor, target: RoundTarget) -> None:
    """Something recorded about one target at a stage of the round (the table says which)."""
    lock_current(round_, "status")
    ROUND_FLOW.check(round_, action, actor)
    if target.round_id != round_.pk:
        refuse(_("检查对象不属于本轮次。"))


@write_service
def record_feedback(
    round_: InspectionRound,
    *,
    actor: Actor,
    target: RoundTarget,
    audience: str,
    date: datetime.date,
    content: str = "",
    files: Sequence[Any] = (),
) -> Feedback:
    _check_stage(round_, "record_feedback", actor, target)
    if Feedback.objects.filter(target=target, audience=audience).exists():
        refuse(_("该对象的此项反馈已登记。"))
    feedback = Feedback(
        round=round_,
        target=target,
        audience=audience,
        date=date,
        content=content,
        recorded_by=actor_user(actor),
    )
    feedback.save()
    save_attachments(files, user=actor_user(actor), feedback=feedback)
    return feedback


@write_service
def record_face_to_face_review(
    round_: InspectionRound,
    *,
    actor: Actor,
    target: RoundTarget,
    date: datetime.date,
    attendees: str,
    points: str,
) -> FaceToFaceReview:
    _check_stage(round_, "record_review", actor, target)
    review = FaceToFaceReview(
        round=round_,
        target=target,
        date=date,
        attendees=attendees,
        points=points,
        recorded_by=actor_user(actor),
    )
    review.save()
    round_.face_to_face_review_date = date
    round_.save(update_fields=["face_to_face_review_date"])
    return review


@write_service
def acknowledge_review(
    review: FaceToFaceReview, *, actor: Actor, comment: str = ""
) -> ReviewAcknowledgement:
    """A target leader confirms the review points: only in person (a system actor holds no
    post, so it is refused like anyone outside the target's leadership)."""
    user = actor_user(actor)
    tenure = target_leader_tenures(user, review.target.org).first() if user else None
    if tenure is None:
        refuse(_("只有被检查单位的领导班子成员可以确认讲评意见。"))
    if ReviewAcknowledgement.objects.filter(review=review, tenure=tenure).exists():
        refuse(_("您已确认过该讲评意见。"))
    return ReviewAcknowledgement.objects.create(review=review, tenure=tenure, comment=comment)


@write_service
def submit_rectification_report(
    report: RectificationReport, *, actor: Actor, content: str, files: Sequence[Any] = ()
) -> RectificationReport:
    report = RectificationReport.objects.select_for_update().get(pk=report.pk)
    if report.submitted_at is not None:
        refuse(_("该整改报告已报送。"))
    ROUND_FLOW.check(report.round, "receive_reports", actor)
    if not content.strip():
        refuse(_("请填写报告内容。"))
    report.content = content
    report.submitted_at = timezone.now()
    report.submitted_by = actor_user(actor)
    report.save()
    save_attachments(files, user=actor_user(actor), report=report)
    return report


def claim_report_reminder(report_id: int) -> bool:
    """Conditional UPDATE (a job's claim, no history): a retried job never reminds twice."""
    return bool(
        RectificationReport.objects.filter(pk=report_id, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        )
    )
