"""State changes of inspections: one function per change, atomic, with who and when recorded.

Views check permission (access.py), then call one of these. Each state change checks the
allowed-from states and raises `TransitionRefused` with a Chinese message otherwise; each
writes a transition row (who, when, from, to, reason) besides the simple_history row.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections.models import (
    ExtensionRequest,
    FaceToFaceReview,
    Feedback,
    Finding,
    FindingResponsibility,
    InspectionRound,
    RectificationReport,
    RectificationTask,
    RectificationUpdate,
    ReviewAcknowledgement,
    RiskProfile,
    RoundTarget,
    RoundTransition,
    Side,
    TaskTransition,
    inspections_setting,
)
from inspections.uploads import save_attachments
from liangge_zeren.concurrency import check_version
from responsibilities.models import Body, Organization, Tenure

RS = InspectionRound.Status
TS = RectificationTask.Status


class TransitionRefused(Exception):
    """A state change that is not allowed from the current state (or lacks its inputs)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refuse(message: str):
    raise TransitionRefused(message)


# --- Due dates ------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day `months` later, clamped to the month's end (31 Dec + 2 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def report_due_months(kind: str) -> int:
    """R22: rectification report within 2 months of feedback for 巡视/巡察 (configurable)."""
    per_kind = inspections_setting("REPORT_DUE_MONTHS", {})
    return int(per_kind.get(kind, 2))


def report_due_for(round_: InspectionRound, feedback_date: datetime.date) -> datetime.date:
    return add_months(feedback_date, report_due_months(round_.kind))


# --- Rounds ---------------------------------------------------------------------------


def _round_transition(round_, action, from_status, to_status, user, note=""):
    RoundTransition.objects.create(
        round=round_,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=user,
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


@transaction.atomic
def create_round(
    *,
    user,
    kind: str,
    title: str,
    issuing_body: Body,
    year: int,
    targets: Iterable[Organization],
    round_no: int = 1,
    team_leader=None,
    members: Iterable = (),
    on_site_from: datetime.date | None = None,
    on_site_to: datetime.date | None = None,
    notes: str = "",
    revisit_of: InspectionRound | None = None,
) -> InspectionRound:
    targets = list(targets)
    if not targets:
        _refuse(_("请至少选择一个检查对象。"))
    issuing_org = issuing_body.org
    for target in targets:
        if not target.path.startswith(issuing_org.path):
            _refuse(_("检查对象“%(name)s”不在组织开展机构的管辖范围内。") % {"name": target})
    side = _target_side(kind)
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
        created_by=user,
    )
    round_._history_user = user
    round_.full_clean()
    round_.save()
    if members:
        round_.members.set(members)
    for target in targets:
        target_body = _discipline_body_of(target) if side == Side.SUPERVISORY else None
        if side == Side.SUPERVISORY and target_body is None:
            _refuse(_("监督再监督的对象必须设有纪检监察机构:%(name)s。") % {"name": target})
        RoundTarget.objects.create(
            round=round_, org=target, org_path=target.path, target_body=target_body, side=side
        )
    _round_transition(round_, "create", "", RS.PLANNED, user)
    return round_


ROUND_EDITABLE_FIELDS = frozenset(
    {"title", "round_no", "team_leader", "on_site_from", "on_site_to", "notes"}
)


@transaction.atomic
def update_round(
    round_: InspectionRound, user, *, members=None, version: int | None = None, **fields
) -> InspectionRound:
    """Descriptive fields only; the state, targets and deadlines change through transitions.

    `version` is the version the editor loaded: if someone saved since, EditConflict is raised
    (liangge_zeren/concurrency.py) and nothing changes.
    """
    unknown = set(fields) - ROUND_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    stored = check_version(InspectionRound, round_.pk, version, sorted(fields))
    if stored.status == RS.CLOSED:
        _refuse(_("本轮次已结束,不能再修改。"))
    for name, value in fields.items():
        setattr(round_, name, value)
    round_.status = stored.status
    round_.version = stored.version + 1
    round_._history_user = user
    round_.full_clean()
    round_.save()
    if members is not None:
        round_.members.set(members)
    return round_


# action -> (allowed from, to)
ROUND_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start_on_site": (frozenset({RS.PLANNED}), RS.ON_SITE),
    "start_reporting": (frozenset({RS.ON_SITE}), RS.REPORTING),
    "give_feedback": (frozenset({RS.REPORTING}), RS.FEEDBACK_GIVEN),
    "start_rectifying": (frozenset({RS.FEEDBACK_GIVEN}), RS.RECTIFYING),
    "submit_report": (frozenset({RS.RECTIFYING}), RS.REPORT_SUBMITTED),
    "evaluate": (frozenset({RS.REPORT_SUBMITTED}), RS.EVALUATED),
    "close": (frozenset({RS.EVALUATED}), RS.CLOSED),
}

ROUND_ACTION_LABELS = {
    "start_on_site": gettext_lazy("进驻"),
    "start_reporting": gettext_lazy("进入报告阶段"),
    "give_feedback": gettext_lazy("反馈"),
    "start_rectifying": gettext_lazy("进入集中整改"),
    "submit_report": gettext_lazy("确认整改报告已报送"),
    "evaluate": gettext_lazy("完成整改评估"),
    "close": gettext_lazy("结束本轮"),
}


def _move_round(round_: InspectionRound, action: str, user, note: str = "") -> str:
    allowed, to_status = ROUND_TRANSITIONS[action]
    current = InspectionRound.objects.select_for_update().get(pk=round_.pk).status
    if current not in allowed:
        _refuse(
            _("当前状态“%(state)s”下不能执行“%(action)s”。")
            % {"state": RS(current).label, "action": ROUND_ACTION_LABELS[action]}
        )
    round_.status = to_status
    round_._history_user = user
    return current


def _finish_move(round_, action, from_status, user, note="", fields=()):
    round_.save(update_fields=["status", *fields])
    _round_transition(round_, action, from_status, round_.status, user, note)
    return round_


@transaction.atomic
def start_on_site(round_: InspectionRound, user, *, day: datetime.date | None = None):
    previous = _move_round(round_, "start_on_site", user)
    round_.on_site_from = round_.on_site_from or day or timezone.localdate()
    return _finish_move(round_, "start_on_site", previous, user, fields=["on_site_from"])


@transaction.atomic
def start_reporting(round_: InspectionRound, user, *, day: datetime.date | None = None):
    previous = _move_round(round_, "start_reporting", user)
    round_.on_site_to = round_.on_site_to or day or timezone.localdate()
    return _finish_move(round_, "start_reporting", previous, user, fields=["on_site_to"])


@transaction.atomic
def give_feedback(round_: InspectionRound, user, *, feedback_date: datetime.date):
    """反馈: sets the report deadlines (R22), opens the reports, delivers the findings."""
    previous = _move_round(round_, "give_feedback", user)
    round_.feedback_date = feedback_date
    round_.report_due = report_due_for(round_, feedback_date)
    round_.principal_report_due = round_.report_due
    _finish_move(
        round_,
        "give_feedback",
        previous,
        user,
        fields=["feedback_date", "report_due", "principal_report_due"],
    )
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
    if not round_.is_hidden_from_targets:
        deliver_round_findings(round_)
    return round_


@transaction.atomic
def start_rectifying(round_: InspectionRound, user):
    previous = _move_round(round_, "start_rectifying", user)
    return _finish_move(round_, "start_rectifying", previous, user)


@transaction.atomic
def confirm_reports_submitted(round_: InspectionRound, user):
    if round_.reports.filter(submitted_at__isnull=True).exists():
        _refuse(_("还有整改报告未报送,不能确认。"))
    previous = _move_round(round_, "submit_report", user)
    return _finish_move(round_, "submit_report", previous, user)


@transaction.atomic
def evaluate_round(round_: InspectionRound, user, *, note: str = ""):
    previous = _move_round(round_, "evaluate", user)
    return _finish_move(round_, "evaluate", previous, user, note=note)


@transaction.atomic
def close_round(round_: InspectionRound, user, *, note: str = ""):
    previous = _move_round(round_, "close", user)
    return _finish_move(round_, "close", previous, user, note=note)


ROUND_ACTIONS = {
    "start_on_site": start_on_site,
    "start_reporting": start_reporting,
    "start_rectifying": start_rectifying,
    "submit_report": confirm_reports_submitted,
    "evaluate": evaluate_round,
    "close": close_round,
}


@transaction.atomic
def disclose_round(round_: InspectionRound, user) -> InspectionRound:
    """明查暗访 made known to the target: from now on the target sees what was found."""
    round_ = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    if not round_.is_covert:
        _refuse(_("只有明查暗访需要公开。"))
    if round_.disclosed_at is not None:
        _refuse(_("该明查暗访已经公开。"))
    round_.disclosed_at = timezone.now()
    round_._history_user = user
    round_.save(update_fields=["disclosed_at"])
    _round_transition(round_, "disclose", round_.status, round_.status, user, _("公开"))
    deliver_round_findings(round_)
    return round_


@transaction.atomic
def start_revisit(round_: InspectionRound, user, *, title: str, year: int) -> InspectionRound:
    """回头看: a child round on the same targets."""
    allowed = {RS.REPORT_SUBMITTED, RS.EVALUATED, RS.CLOSED}
    if round_.status not in allowed:
        _refuse(_("整改报告报送后才能开展回头看。"))
    targets = [t.org for t in round_.round_targets.select_related("org")]
    return create_round(
        user=user,
        kind=round_.kind,
        title=title,
        issuing_body=round_.issuing_body,
        year=year,
        round_no=round_.round_no,
        targets=targets,
        revisit_of=round_,
    )


def deliver_round_findings(round_: InspectionRound) -> int:
    """Hand the round's findings to the targets (never the upward channel's)."""
    return Finding.objects.filter(
        round=round_, delivered_at__isnull=True, upward_channel=False
    ).update(delivered_at=timezone.now())


# --- Feedback, face-to-face review, reports --------------------------------------------


@transaction.atomic
def record_feedback(
    round_: InspectionRound,
    user,
    *,
    target: RoundTarget,
    audience: str,
    date: datetime.date,
    content: str = "",
    files: Sequence = (),
) -> Feedback:
    if round_.status not in {RS.REPORTING, RS.FEEDBACK_GIVEN, RS.RECTIFYING}:
        _refuse(_("报告阶段之后才能登记反馈。"))
    if target.round_id != round_.pk:
        _refuse(_("检查对象不属于本轮次。"))
    if Feedback.objects.filter(target=target, audience=audience).exists():
        _refuse(_("该对象的此项反馈已登记。"))
    feedback = Feedback(
        round=round_, target=target, audience=audience, date=date, content=content, recorded_by=user
    )
    feedback._history_user = user
    feedback.save()
    save_attachments(files, user=user, feedback=feedback)
    return feedback


@transaction.atomic
def record_face_to_face_review(
    round_: InspectionRound,
    user,
    *,
    target: RoundTarget,
    date: datetime.date,
    attendees: str,
    points: str,
) -> FaceToFaceReview:
    if round_.status not in {RS.FEEDBACK_GIVEN, RS.RECTIFYING}:
        _refuse(_("反馈之后才能登记面对面讲评。"))
    if target.round_id != round_.pk:
        _refuse(_("检查对象不属于本轮次。"))
    review = FaceToFaceReview(
        round=round_, target=target, date=date, attendees=attendees, points=points, recorded_by=user
    )
    review._history_user = user
    review.save()
    round_.face_to_face_review_date = date
    round_._history_user = user
    round_.save(update_fields=["face_to_face_review_date"])
    return review


def target_leader_tenures(user, org: Organization):
    """The user's current committee posts in `org` (who may acknowledge a review)."""
    return Tenure.objects.current().filter(
        person__user=user, org=org, role__in=Tenure.COMMITTEE_ROLES
    )


@transaction.atomic
def acknowledge_review(review: FaceToFaceReview, user, *, comment: str = ""):
    tenure = target_leader_tenures(user, review.target.org).first()
    if tenure is None:
        _refuse(_("只有被检查单位的领导班子成员可以确认讲评意见。"))
    if ReviewAcknowledgement.objects.filter(review=review, tenure=tenure).exists():
        _refuse(_("您已确认过该讲评意见。"))
    return ReviewAcknowledgement.objects.create(review=review, tenure=tenure, comment=comment)


@transaction.atomic
def submit_rectification_report(
    report: RectificationReport, user, *, content: str, files: Sequence = ()
) -> RectificationReport:
    report = RectificationReport.objects.select_for_update().get(pk=report.pk)
    if report.submitted_at is not None:
        _refuse(_("该整改报告已报送。"))
    if report.round.status not in {RS.FEEDBACK_GIVEN, RS.RECTIFYING}:
        _refuse(_("当前阶段不能报送整改报告。"))
    if not content.strip():
        _refuse(_("请填写报告内容。"))
    report.content = content
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report._history_user = user
    report.save()
    save_attachments(files, user=user, report=report)
    return report


# --- Findings -------------------------------------------------------------------------


def _next_number(finding: Finding) -> str:
    return f"WT{finding.created_at:%Y}{finding.pk:06d}"


def _is_upward_lead(inspecting_body: Body, tenure: Tenure, kind: str) -> bool:
    """R26: a lead on a same-level committee member (personal or leadership responsibility).

    A committee member named with *principal* responsibility is the post answerable for
    rectification and must see the finding; naming them with direct or leadership
    responsibility is a lead about the person, which goes upward only.
    """
    return (
        inspecting_body.is_discipline
        and tenure.org_id == inspecting_body.org_id
        and tenure.role in Tenure.COMMITTEE_ROLES
        and kind in {FindingResponsibility.Kind.DIRECT, FindingResponsibility.Kind.LEADERSHIP}
    )


@transaction.atomic
def record_finding(
    *,
    user,
    org: Organization,
    source: str,
    sub_source: str,
    category: str,
    title: str,
    description: str,
    severity: str = Finding.Severity.MINOR,
    round: InspectionRound | None = None,  # noqa: A002 - the domain's word
    inspecting_body: Body | None = None,
    side: str | None = None,
    upward_channel: bool = False,
    failed_item=None,
    responsibilities: Iterable[tuple[Tenure, str]] = (),
    files: Sequence = (),
) -> Finding:
    valid_subs = {key for key, _label in Finding.SUB_SOURCES.get(source, [])}
    if sub_source not in valid_subs:
        _refuse(_("来源细分与问题来源不一致。"))
    if round is not None:
        target = next(
            (t for t in round.round_targets.all() if org.path.startswith(t.org_path)), None
        )
        if target is None:
            _refuse(_("被检查单位必须是本轮次的检查对象(或其下级)。"))
        if round.status == RS.CLOSED:
            _refuse(_("本轮次已结束,不能再登记问题。"))
        inspecting_body = round.issuing_body
        side = target.side
    if inspecting_body is None:
        _refuse(_("请指定发现问题的机构。"))
    if not org.path.startswith(inspecting_body.org_path):
        _refuse(_("被检查单位不在发现机构的管辖范围内。"))
    finding = Finding(
        number=f"tmp-{timezone.now().timestamp()}",
        round=round,
        inspecting_body=inspecting_body,
        inspecting_path=inspecting_body.org_path,
        source=source,
        sub_source=sub_source,
        category=category,
        title=title,
        description=description,
        severity=severity,
        org=org,
        org_path=org.path,
        side=side or Side.PRINCIPAL,
        upward_channel=upward_channel,
        failed_item=failed_item,
        created_by=user,
    )
    finding._history_user = user
    finding.save()
    finding.number = _next_number(finding)
    finding.save(update_fields=["number"])
    for tenure, kind in responsibilities:
        add_responsibility(finding, user, tenure=tenure, kind=kind)
    finding.refresh_from_db()
    if not finding.upward_channel and (round is None or round.findings_delivered):
        finding.delivered_at = timezone.now()
        finding.save(update_fields=["delivered_at"])
    save_attachments(files, user=user, finding=finding)
    return finding


FINDING_EDITABLE_FIELDS = frozenset({"title", "description", "category", "severity", "failed_item"})


@transaction.atomic
def update_finding(finding: Finding, user, *, version: int | None = None, **fields) -> Finding:
    """Correct the description of a finding; where and to whom it was delivered stays.

    `version` as in update_round (EditConflict if someone saved since the editor loaded it).
    """
    unknown = set(fields) - FINDING_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    stored = check_version(Finding, finding.pk, version, sorted(fields))
    if stored.status == Finding.Status.CLOSED:
        _refuse(_("已销号的问题不能再修改。"))
    finding.status = stored.status
    finding.version = stored.version + 1
    item = fields.get("failed_item")
    if item is not None and item.org_id != finding.org_id:
        _refuse(_("责任清单条目必须属于被检查单位。"))
    for name, value in fields.items():
        setattr(finding, name, value)
    finding._history_user = user
    # Only what this form edits: a concealment mark or a state change saved meanwhile by
    # someone else (without a version bump) must not be overwritten by stale values.
    finding.save(update_fields=[*fields, "version"])
    return finding


@transaction.atomic
def add_responsibility(finding: Finding, user, *, tenure: Tenure, kind: str, note: str = ""):
    row, _created = FindingResponsibility.objects.get_or_create(
        finding=finding, tenure=tenure, kind=kind, defaults={"note": note}
    )
    if not finding.upward_channel and _is_upward_lead(finding.inspecting_body, tenure, kind):
        # Sticky: once a lead on a same-level committee member, it stays on the upward channel.
        finding.upward_channel = True
        finding.delivered_at = None
        finding._history_user = user
        finding.save(update_fields=["upward_channel", "delivered_at"])
    return row


@transaction.atomic
def add_finding_evidence(finding: Finding, user, *, files: Sequence) -> list:
    if not files:
        _refuse(_("请选择要上传的文件。"))
    return save_attachments(files, user=user, finding=finding)


def transferred_case_leads(to_body: Body | None = None):
    """Case leads handed to discipline bodies (for the accountability app to pick up)."""
    qs = Finding.objects.filter(is_case_lead_transferred=True)
    if to_body is not None:
        qs = qs.filter(transferred_to=to_body)
    return qs.select_related("org", "transferred_to", "inspecting_body")


@transaction.atomic
def transfer_case_lead(finding: Finding, user, *, to_body: Body) -> Finding:
    """问题线索移交 to a discipline body (the accountability app picks these up)."""
    if finding.is_case_lead_transferred:
        _refuse(_("该问题线索已移交。"))
    if not to_body.is_discipline:
        _refuse(_("问题线索只能移交纪检监察机关。"))
    finding.is_case_lead_transferred = True
    finding.transferred_to = to_body
    finding.transferred_at = timezone.now()
    finding._history_user = user
    finding.save(update_fields=["is_case_lead_transferred", "transferred_to", "transferred_at"])
    return finding


@transaction.atomic
def mark_concealed(finding: Finding, user, *, concealed: bool, reason: str) -> Finding:
    """Record the reviewers' verification that the unit concealed (瞒报) this problem — or
    withdraw it. Always with a reason; who and when are kept on the finding and in its
    history. The quarterly assessment deducts a concealed finding double (incentive rule).
    """
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("请填写认定理由。"))
    # Re-read under a row lock: two reviewers deciding at once must not both "win".
    current = Finding.objects.select_for_update().get(pk=finding.pk)
    if concealed and current.source == Finding.Source.SELF_IDENTIFIED:
        _refuse(_("责任主体自查发现的问题不能认定为瞒报。"))
    if current.concealed == concealed:
        _refuse(_("该问题已认定为瞒报。") if concealed else _("该问题未被认定为瞒报。"))
    current.concealed = concealed
    current.concealed_by = user
    current.concealed_at = timezone.now()
    current.concealed_reason = reason
    current._history_user = user
    current._change_reason = reason  # shown with the change in the finding's history
    current.save(update_fields=["concealed", "concealed_by", "concealed_at", "concealed_reason"])
    for name in ("concealed", "concealed_by", "concealed_at", "concealed_reason"):
        setattr(finding, name, getattr(current, name))
    return finding


def refresh_finding_status(finding: Finding) -> str:
    statuses = set(finding.tasks.values_list("status", flat=True))
    if not statuses:
        status = Finding.Status.OPEN
    elif statuses == {TS.CLOSED}:
        status = Finding.Status.CLOSED
    else:
        status = Finding.Status.RECTIFYING
    if status != finding.status:
        finding.status = status
        finding.save(update_fields=["status"])  # with a history row
    return status


# --- Rectification tasks --------------------------------------------------------------


@transaction.atomic
def create_task(
    *,
    user,
    finding: Finding,
    measure: str,
    owner_tenure: Tenure,
    org: Organization,
    due_date: datetime.date,
    start_date: datetime.date | None = None,
    is_long_term: bool = False,
) -> RectificationTask:
    start_date = start_date or timezone.localdate()
    if due_date < start_date:
        _refuse(_("整改时限不能早于开始日期。"))
    task = RectificationTask(
        finding=finding,
        measure=measure,
        owner_tenure=owner_tenure,
        org=org,
        org_path=org.path,
        start_date=start_date,
        due_date=due_date,
        original_due_date=due_date,
        is_long_term=is_long_term,
        created_by=user,
    )
    task._history_user = user
    task.full_clean()
    task.save()
    TaskTransition.objects.create(task=task, action="assign", to_status=TS.ASSIGNED, actor=user)
    refresh_finding_status(finding)
    return task


# action -> (allowed from, to)
TASK_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({TS.ASSIGNED, TS.RETURNED}), TS.IN_PROGRESS),
    "submit": (frozenset({TS.IN_PROGRESS, TS.RETURNED}), TS.SUBMITTED),
    "return": (frozenset({TS.SUBMITTED}), TS.RETURNED),
    "recheck": (frozenset({TS.SUBMITTED}), TS.SUBMITTED),
    "close": (frozenset({TS.SUBMITTED}), TS.CLOSED),
    "reopen": (frozenset({TS.CLOSED}), TS.IN_PROGRESS),
}
TASK_ACTION_LABELS = {
    "start": gettext_lazy("开始整改"),
    "submit": gettext_lazy("申请销号"),
    "return": gettext_lazy("退回"),
    "recheck": gettext_lazy("复查"),
    "close": gettext_lazy("验收销号"),
    "reopen": gettext_lazy("重新打开"),
}


def _move_task(task: RectificationTask, action: str, user, reason: str = "") -> str:
    allowed, to_status = TASK_TRANSITIONS[action]
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    if locked.status not in allowed:
        _refuse(
            _("当前状态“%(state)s”下不能执行“%(action)s”。")
            % {"state": TS(locked.status).label, "action": TASK_ACTION_LABELS[action]}
        )
    previous = locked.status
    task.status = to_status
    task._history_user = user
    TaskTransition.objects.create(
        task=task,
        action=action,
        from_status=previous,
        to_status=to_status,
        actor=user,
        reason=reason,
    )
    return previous


@transaction.atomic
def start_task(task: RectificationTask, user) -> RectificationTask:
    _move_task(task, "start", user)
    task.save(update_fields=["status"])
    refresh_finding_status(task.finding)
    return task


@transaction.atomic
def add_progress(
    task: RectificationTask, user, *, text: str, files: Sequence = (), closure: bool = False
) -> RectificationUpdate:
    if task.status in {TS.CLOSED, TS.SUBMITTED} and not closure:
        _refuse(_("已申请销号或已销号的任务不能再报送进展。"))
    if not text.strip():
        _refuse(_("请填写整改进展。"))
    if task.status == TS.ASSIGNED:
        start_task(task, user)
    update = RectificationUpdate.objects.create(
        task=task, text=text, author=user, is_closure_request=closure
    )
    save_attachments(files, user=user, update=update)
    return update


@transaction.atomic
def submit_for_closure(
    task: RectificationTask, user, *, statement: str, files: Sequence = ()
) -> RectificationTask:
    """The target asks the inspecting side to verify and close (销号), with evidence."""
    if not statement.strip():
        _refuse(_("请填写整改完成情况说明。"))
    _move_task(task, "submit", user, reason=statement)
    task.returned_reason = ""
    task.save(update_fields=["status", "returned_reason"])
    add_progress(task, user, text=statement, files=files, closure=True)
    refresh_finding_status(task.finding)
    return task


@transaction.atomic
def return_task(task: RectificationTask, user, *, reason: str) -> RectificationTask:
    if not reason.strip():
        _refuse(_("退回必须说明理由。"))
    _move_task(task, "return", user, reason=reason)
    task.returned_reason = reason
    task.save(update_fields=["status", "returned_reason"])
    refresh_finding_status(task.finding)
    return task


@transaction.atomic
def record_recheck(task: RectificationTask, user, *, note: str) -> RectificationTask:
    """复查 of a long-term task: required before it can be closed."""
    if not task.is_long_term:
        _refuse(_("只有长期整改任务需要复查。"))
    if not note.strip():
        _refuse(_("请填写复查意见。"))
    _move_task(task, "recheck", user, reason=note)
    task.rechecked_at = timezone.now()
    task.recheck_note = note
    task.save(update_fields=["status", "rechecked_at", "recheck_note"])
    return task


@transaction.atomic
def verify_and_close(task: RectificationTask, user, *, note: str = "") -> RectificationTask:
    """销号 by the inspecting side; long-term tasks only after a recheck."""
    if task.is_long_term and task.rechecked_at is None:
        _refuse(_("长期整改任务须先复查,才能销号。"))
    _move_task(task, "close", user, reason=note)
    task.closed_at = timezone.now()
    task.closed_by = user
    task.closure_note = note
    task.save(update_fields=["status", "closed_at", "closed_by", "closure_note"])
    refresh_finding_status(task.finding)
    return task


@transaction.atomic
def reopen_task(task: RectificationTask, user, *, reason: str) -> RectificationTask:
    if not reason.strip():
        _refuse(_("重新打开必须说明理由。"))
    _move_task(task, "reopen", user, reason=reason)
    task.closed_at = None
    task.closed_by = None
    task.rechecked_at = None
    task.reopen_count += 1
    task.save(update_fields=["status", "closed_at", "closed_by", "rechecked_at", "reopen_count"])
    refresh_finding_status(task.finding)
    return task


@transaction.atomic
def request_extension(
    task: RectificationTask, user, *, new_due_date: datetime.date, reason: str
) -> ExtensionRequest:
    if task.status in {TS.CLOSED, TS.SUBMITTED}:
        _refuse(_("已申请销号或已销号的任务不能申请延期。"))
    if new_due_date <= task.due_date:
        _refuse(_("延期后的时限必须晚于当前时限。"))
    if not reason.strip():
        _refuse(_("请填写延期理由。"))
    if task.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        _refuse(_("已有待审批的延期申请。"))
    request = ExtensionRequest(
        task=task,
        old_due_date=task.due_date,
        new_due_date=new_due_date,
        reason=reason,
        requested_by=user,
    )
    request._history_user = user
    request.save()
    return request


@transaction.atomic
def decide_extension(
    request: ExtensionRequest, user, *, approve: bool, note: str = ""
) -> ExtensionRequest:
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ExtensionRequest.Status.PENDING:
        _refuse(_("该延期申请已审批。"))
    if not approve and not note.strip():
        _refuse(_("不同意延期须说明理由。"))
    request.status = (
        ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
    )
    request.decided_by = user
    request.decided_at = timezone.now()
    request.decision_note = note
    request._history_user = user
    request.save()
    if approve:
        task = request.task
        task.due_date = request.new_due_date
        task.reminded_at = None
        task._history_user = user
        task.save(update_fields=["due_date", "reminded_at"])
    return request


# --- Risk profiles --------------------------------------------------------------------


@transaction.atomic
def save_risk_profile(*, user, org: Organization, year: int, **values) -> RiskProfile:
    profile, _created = RiskProfile.objects.get_or_create(
        org=org, year=year, defaults={"org_path": org.path, "entered_by": user}
    )
    for name, value in values.items():
        setattr(profile, name, value)
    profile.entered_by = user
    profile._history_user = user
    profile.save()
    return profile


# --- Reminders-ready due dates (Celery jobs call these; a command could too) -----------


def tasks_due_for_reminder(today: datetime.date | None = None):
    """Open tasks due within the due-soon window or overdue, not yet reminded."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=int(inspections_setting("DUE_SOON_DAYS", 10)))
    return RectificationTask.objects.open().filter(due_date__lte=soon, reminded_at__isnull=True)


def claim_task_reminder(task_id: int) -> bool:
    """Conditional UPDATE: a retried or duplicated job never reminds twice."""
    return bool(
        RectificationTask.objects.filter(pk=task_id, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        )
    )


def reports_due_for_reminder(today: datetime.date | None = None):
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=int(inspections_setting("DUE_SOON_DAYS", 10)))
    return RectificationReport.objects.filter(
        submitted_at__isnull=True, due_date__lte=soon, reminded_at__isnull=True
    )


def claim_report_reminder(report_id: int) -> bool:
    return bool(
        RectificationReport.objects.filter(pk=report_id, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        )
    )


def findings_with_red_tasks(today: datetime.date | None = None):
    red = RectificationTask.objects.red(today).filter(finding=OuterRef("pk"))
    return Finding.objects.filter(Exists(red))
