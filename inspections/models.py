"""Inspection rounds, findings and rectification (督责): domain.md §(b) "inspections app".

Every scoped row carries `org` and a copied `org_path` (set in services.py). Findings and
rounds also carry `inspecting_path`, the path of the inspecting body's organisation: the
inspecting side's visibility (and the upward channel, R26) is decided on it, the target
side's on `org_path`. See rules.py for who sees what.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from responsibilities.models import Body, Organization, Person, Tenure, WorkArea
from responsibilities.scoped import ScopedModel, ScopedQuerySet


def inspections_setting(name: str, default):
    """One place for the INSPECTIONS settings block (settings.py), with safe defaults."""
    return getattr(settings, "INSPECTIONS", {}).get(name, default)


def due_soon_days() -> int:
    return int(inspections_setting("DUE_SOON_DAYS", 10))


class Side(models.TextChoices):
    """Which of the 两个责任 a target answers for."""

    PRINCIPAL = "principal", _("主体责任")
    SUPERVISORY = "supervisory", _("监督责任")


class InspectionRound(ScopedModel):
    class Kind(models.TextChoices):
        XUNSHI = "xunshi", _("巡视")
        XUNCHA = "xuncha", _("巡察")
        SPECIAL = "special", _("专项检查")
        COVERT_VISIT = "covert_visit", _("明查暗访")
        DAILY_SUPERVISION = "daily_supervision", _("日常监督")
        RE_SUPERVISION = "re_supervision", _("监督再监督")

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        ON_SITE = "on_site", _("进驻中")
        REPORTING = "reporting", _("报告阶段")
        FEEDBACK_GIVEN = "feedback_given", _("已反馈")
        RECTIFYING = "rectifying", _("集中整改")
        REPORT_SUBMITTED = "report_submitted", _("已报送整改报告")
        EVALUATED = "evaluated", _("已评估")
        CLOSED = "closed", _("已结束")

    kind = models.CharField(_("检查类型"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    issuing_body = models.ForeignKey(
        Body, verbose_name=_("组织开展机构"), on_delete=models.PROTECT, related_name="rounds"
    )
    # org = the issuing body's organisation: the scope of the inspecting side.
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    round_no = models.PositiveSmallIntegerField(_("轮次"), default=1)
    targets = models.ManyToManyField(
        Organization,
        through="RoundTarget",
        verbose_name=_("检查对象"),
        related_name="inspection_rounds",
    )
    team_leader = models.ForeignKey(
        Person,
        verbose_name=_("组长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_rounds",
    )
    members = models.ManyToManyField(
        Person, verbose_name=_("组员"), blank=True, related_name="member_rounds"
    )
    on_site_from = models.DateField(_("进驻开始"), null=True, blank=True)
    on_site_to = models.DateField(_("进驻结束"), null=True, blank=True)
    feedback_date = models.DateField(_("反馈日期"), null=True, blank=True)
    face_to_face_review_date = models.DateField(_("面对面讲评日期"), null=True, blank=True)
    report_due = models.DateField(_("整改报告时限"), null=True, blank=True)
    principal_report_due = models.DateField(_("主要负责人报告时限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.PLANNED
    )
    revisit_of = models.ForeignKey(
        "self",
        verbose_name=_("回头看(原轮次)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisits",
    )
    disclosed_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Optimistic concurrency (liangge_zeren/concurrency.py): bumped by each edit.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("检查轮次")
        verbose_name_plural = _("检查轮次")
        ordering = ["-year", "-round_no", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def inspecting_path(self) -> str:
        return self.org_path

    @property
    def is_covert(self) -> bool:
        return self.kind == self.Kind.COVERT_VISIT

    @property
    def is_hidden_from_targets(self) -> bool:
        """Covert visits stay with the inspecting side until disclosed."""
        return self.is_covert and self.disclosed_at is None

    @property
    def is_revisit(self) -> bool:
        return self.revisit_of_id is not None

    @property
    def findings_delivered(self) -> bool:
        """Whether findings of this round have been handed to the targets."""
        if self.is_covert:
            return self.disclosed_at is not None
        return self.status not in PRE_FEEDBACK_STATUSES


PRE_FEEDBACK_STATUSES = frozenset(
    {
        InspectionRound.Status.PLANNED,
        InspectionRound.Status.ON_SITE,
        InspectionRound.Status.REPORTING,
    }
)


class RoundTarget(ScopedModel):
    """A target of a round; carries the target's path so targets find what reached them."""

    round = models.ForeignKey(
        InspectionRound, on_delete=models.CASCADE, related_name="round_targets"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("检查对象"), on_delete=models.PROTECT, related_name="+"
    )
    # For re-supervision the target is the lower discipline body itself.
    target_body = models.ForeignKey(
        Body,
        verbose_name=_("被检查机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    side = models.CharField(
        _("责任类型"), max_length=16, choices=Side.choices, default=Side.PRINCIPAL
    )

    class Meta:
        verbose_name = _("检查对象")
        verbose_name_plural = _("检查对象")
        constraints = [
            models.UniqueConstraint(fields=["round", "org"], name="round_target_unique"),
        ]

    def __str__(self) -> str:
        return str(self.org)


class RoundTransition(models.Model):
    """Who moved a round from which state to which, and when."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.from_status} → {self.to_status}"

    def from_label(self):
        return InspectionRound.Status(self.from_status).label if self.from_status else "—"

    def to_label(self):
        return InspectionRound.Status(self.to_status).label


class Feedback(models.Model):
    """反馈: to the leadership team and, separately, to the principal leader (R24)."""

    class Audience(models.TextChoices):
        LEADERSHIP_TEAM = "leadership_team", _("向领导班子反馈")
        PRINCIPAL_LEADER = "principal_leader", _("向主要负责人反馈")

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="feedbacks")
    target = models.ForeignKey(RoundTarget, on_delete=models.CASCADE, related_name="feedbacks")
    audience = models.CharField(_("反馈对象"), max_length=20, choices=Audience.choices)
    date = models.DateField(_("反馈日期"))
    content = models.TextField(_("反馈意见"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    # `Feedback.objects.visible_to(user)`: inspections.view_feedback (the principal leader's
    # feedback is delivered separately, R24).
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("反馈")
        verbose_name_plural = _("反馈")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "audience"], name="feedback_once_per_audience"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.get_audience_display()}"


class FaceToFaceReview(models.Model):
    """面对面讲评: attendees, the points made, and the target leaders' acknowledgement."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="reviews")
    target = models.ForeignKey(RoundTarget, on_delete=models.CASCADE, related_name="reviews")
    date = models.DateField(_("讲评日期"))
    attendees = models.TextField(_("参加人员"))
    points = models.TextField(_("讲评要点"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("面对面讲评")
        verbose_name_plural = _("面对面讲评")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.target} · {self.date}"


class ReviewAcknowledgement(models.Model):
    """A target leader confirms the face-to-face review points (recorded by themself)."""

    review = models.ForeignKey(
        FaceToFaceReview, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    tenure = models.ForeignKey(Tenure, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("表态意见"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "tenure"], name="review_ack_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tenure} · {self.at:%Y-%m-%d}"


class RectificationReport(ScopedModel):
    """整改报告: the team's report and the principal leader's own report, each with a due date."""

    class Kind(models.TextChoices):
        TEAM = "team", _("整改情况报告")
        PRINCIPAL = "principal", _("主要负责人组织整改情况报告")

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="reports")
    target = models.ForeignKey(RoundTarget, on_delete=models.CASCADE, related_name="reports")
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("报告类型"), max_length=16, choices=Kind.choices)
    due_date = models.DateField(_("报送时限"))
    content = models.TextField(_("报告内容"), blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Claimed by the reminder job with a conditional UPDATE (… WHERE reminded_at IS NULL).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["target", "kind"], name="report_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.org} · {self.get_kind_display()}"

    @property
    def is_overdue(self) -> bool:
        return self.submitted_at is None and self.due_date < timezone.localdate()


# --- Findings -------------------------------------------------------------------------


class Finding(ScopedModel):
    class Source(models.TextChoices):
        FROM_ABOVE = "from_above", _("上级反馈、移交、交办")
        THIS_LEVEL = "this_level", _("本级发现")
        SELF_IDENTIFIED = "self_identified", _("责任主体排查发现")

    # Sub-sources (domain.md §(b), taxonomy from working software S10).
    SUB_SOURCES = {
        Source.FROM_ABOVE: [
            ("above_problem_list", _("上级问题清单")),
            ("above_inspection", _("上级督查、审计、巡视巡察、安全、环保、信访、舆情")),
            ("above_discipline", _("上级纪委监督及问题线索")),
            ("above_org_dept", _("上级组织部门")),
            ("above_congress_cppcc", _("上级人大、政协监督")),
            ("above_other", _("其他")),
        ],
        Source.THIS_LEVEL: [
            ("level_problem_base", _("本级问题库")),
            ("level_supervision", _("本级督查、审计、巡察、安全、信访")),
            ("level_monitoring", _("业务及权力监控系统")),
            ("level_discipline", _("本级纪委")),
            ("level_org_dept", _("本级组织部门")),
            ("level_congress_cppcc", _("本级人大、政协")),
            ("level_notice_letters", _("一单三书")),
            ("level_commission_motion", _("纪委动议")),
            ("level_other", _("党委决定的其他事项")),
        ],
        Source.SELF_IDENTIFIED: [
            ("self_upper_decisions", _("执行上级决策部署")),
            ("self_duty_performance", _("履职尽责")),
            ("self_clean_power", _("廉洁用权")),
            ("self_eight_rules", _("中央八项规定精神")),
            ("self_work_style", _("工作作风")),
            ("self_law_discipline", _("遵纪守法")),
            ("self_assigned", _("上级责任主体交办")),
            ("self_other", _("其他")),
        ],
    }
    SUB_SOURCE_CHOICES = [
        (Source.FROM_ABOVE.label, SUB_SOURCES[Source.FROM_ABOVE]),
        (Source.THIS_LEVEL.label, SUB_SOURCES[Source.THIS_LEVEL]),
        (Source.SELF_IDENTIFIED.label, SUB_SOURCES[Source.SELF_IDENTIFIED]),
    ]

    Category = WorkArea  # the area of work the problem lies in

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        SERIOUS = "serious", _("较重")
        GRAVE = "grave", _("严重")

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        RECTIFYING = "rectifying", _("整改中")
        CLOSED = "closed", _("已销号")

    number = models.CharField(_("问题编号"), max_length=32, unique=True, editable=False)
    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("检查轮次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    inspecting_body = models.ForeignKey(
        Body, verbose_name=_("发现机构"), on_delete=models.PROTECT, related_name="+"
    )
    inspecting_path = models.CharField(max_length=255, db_index=True, editable=False)
    source = models.CharField(_("问题来源"), max_length=20, choices=Source.choices)
    sub_source = models.CharField(_("来源细分"), max_length=32, choices=SUB_SOURCE_CHOICES)
    category = models.CharField(_("问题类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("问题概述"), max_length=200)
    description = models.TextField(_("问题描述"))
    severity = models.CharField(
        _("严重程度"), max_length=12, choices=Severity.choices, default=Severity.MINOR
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("被检查单位"), on_delete=models.PROTECT, related_name="+"
    )
    failed_item = models.ForeignKey(
        "responsibilities.ResponsibilityItem",
        verbose_name=_("未落实的责任清单条目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    side = models.CharField(
        _("责任类型"), max_length=16, choices=Side.choices, default=Side.PRINCIPAL
    )
    # R26: findings or leads about same-level committee members go to the discipline body
    # and the one above it only, never to the same-level committee.
    upward_channel = models.BooleanField(_("向上报告通道"), default=False)
    delivered_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    is_case_lead_transferred = models.BooleanField(_("已移交问题线索"), default=False)
    transferred_to = models.ForeignKey(
        Body,
        verbose_name=_("移交机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transferred_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    # Verified by reviewers (the discipline line of the inspecting body) as a problem the unit
    # knew of and hid: the incentive rule deducts it double (assessments, indicator D3).
    # `concealed_by/at/reason` record the latest decision (marking or unmarking); the
    # history table keeps every earlier one.
    concealed = models.BooleanField(_("核实为瞒报"), default=False)
    concealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("瞒报认定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    concealed_at = models.DateTimeField(_("瞒报认定时间"), null=True, blank=True)
    concealed_reason = models.TextField(_("瞒报认定理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # Optimistic concurrency (liangge_zeren/concurrency.py): bumped by each edit.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题台账")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "org_path"], name="finding_status_path")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_hidden_by_covert_round(self) -> bool:
        return self.round is not None and self.round.is_hidden_from_targets


class FindingResponsibility(models.Model):
    """A tenure answerable for a finding, with the kind of responsibility (R9, R19a)."""

    class Kind(models.TextChoices):
        PRINCIPAL = "principal", _("主体责任")
        SUPERVISORY = "supervisory", _("监督责任")
        LEADERSHIP = "leadership", _("领导责任")
        DIRECT = "direct", _("直接责任")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="responsibilities")
    tenure = models.ForeignKey(
        Tenure, verbose_name=_("责任人(任职)"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("责任类型"), max_length=16, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问题责任人")
        verbose_name_plural = _("问题责任人")
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "tenure", "kind"], name="finding_responsibility_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenure} · {self.get_kind_display()}"


# --- Rectification --------------------------------------------------------------------


class RectificationTaskQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status=RectificationTask.Status.CLOSED)

    def red(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)

    def yellow(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        soon = today + datetime.timedelta(days=due_soon_days())
        return self.open().filter(due_date__gte=today, due_date__lte=soon)

    def green(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        soon = today + datetime.timedelta(days=due_soon_days())
        return self.filter(Q(status=RectificationTask.Status.CLOSED) | Q(due_date__gt=soon))


class RectificationTask(ScopedModel):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("已交办")
        IN_PROGRESS = "in_progress", _("整改中")
        SUBMITTED = "submitted_for_closure", _("申请销号")
        RETURNED = "returned", _("已退回")
        CLOSED = "closed", _("已销号")

    class Light(models.TextChoices):
        RED = "red", _("红灯(逾期)")
        YELLOW = "yellow", _("黄灯(临期)")
        GREEN = "green", _("绿灯")

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="tasks"
    )
    measure = models.TextField(_("整改措施"))
    owner_tenure = models.ForeignKey(
        Tenure, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("开始日期"))
    due_date = models.DateField(_("整改时限"), db_index=True)
    original_due_date = models.DateField(_("原定时限"))
    is_long_term = models.BooleanField(
        _("长期整改"), default=False, help_text=_("长期整改事项须经复查后方可销号。")
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.ASSIGNED
    )
    returned_reason = models.TextField(_("退回理由"), blank=True)
    rechecked_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    recheck_note = models.TextField(_("复查意见"), blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closure_note = models.TextField(_("销号意见"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()
    objects = RectificationTaskQuerySet.as_manager()  # type: ignore[misc]  # narrows ScopedModel.objects

    class Meta:
        verbose_name = _("整改任务")
        verbose_name_plural = _("整改任务")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("start_date")), name="task_due_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.measure[:40]

    def light(self, today: datetime.date | None = None) -> str:
        if self.status == self.Status.CLOSED:
            return self.Light.GREEN
        today = today or timezone.localdate()
        if self.due_date < today:
            return self.Light.RED
        if self.due_date <= today + datetime.timedelta(days=due_soon_days()):
            return self.Light.YELLOW
        return self.Light.GREEN

    @property
    def traffic_light(self) -> str:
        return self.light()

    @property
    def badge_light(self) -> str:
        """What the task's badge shows: "closed" once 销号 (a closed task is not "green")."""
        return "closed" if self.status == self.Status.CLOSED else self.light()

    @property
    def traffic_light_label(self) -> str:
        return self.Light(self.traffic_light).label


class TaskTransition(models.Model):
    task = models.ForeignKey(
        RectificationTask, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status} → {self.to_status}"

    def from_label(self):
        return RectificationTask.Status(self.from_status).label if self.from_status else "—"

    def to_label(self):
        return RectificationTask.Status(self.to_status).label


class RectificationUpdate(models.Model):
    """A progress report on a task (动态跟踪), optionally with evidence files."""

    task = models.ForeignKey(RectificationTask, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("整改进展"))
    is_closure_request = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("未同意")

    task = models.ForeignKey(
        RectificationTask, on_delete=models.CASCADE, related_name="extension_requests"
    )
    old_due_date = models.DateField(_("原时限"))
    new_due_date = models.DateField(_("申请延期至"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("审批状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_task",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.old_due_date} → {self.new_due_date}"


# --- Evidence files -------------------------------------------------------------------


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under MEDIA_ROOT with a random name; the original name is kept in the row."""
    return f"inspections/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix}"


class Attachment(models.Model):
    """An evidence file, owned by exactly one finding, progress update, feedback or report.

    Served only through `attachment_download`, which checks access to the owner.
    """

    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    update = models.ForeignKey(
        RectificationUpdate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    feedback = models.ForeignKey(
        Feedback, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    report = models.ForeignKey(
        RectificationReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # Digest of the stored bytes (liangge_zeren/uploads.py); blank only for a file that was
    # already missing when digests were introduced.
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(finding__isnull=False, update__isnull=True, feedback__isnull=True)
                    & Q(report__isnull=True)
                )
                | (
                    Q(finding__isnull=True, update__isnull=False, feedback__isnull=True)
                    & Q(report__isnull=True)
                )
                | (
                    Q(finding__isnull=True, update__isnull=True, feedback__isnull=False)
                    & Q(report__isnull=True)
                )
                | (
                    Q(finding__isnull=True, update__isnull=True, feedback__isnull=True)
                    & Q(report__isnull=False)
                ),
                name="attachment_exactly_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


# --- Risk-based targeting -------------------------------------------------------------


class RiskProfile(ScopedModel):
    """Yearly risk inputs for a unit (entered); the system adds its own finding history."""

    org = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    power_concentration = models.PositiveSmallIntegerField(
        _("权力集中度"), default=0, help_text=_("0–10 分")
    )
    funds_density = models.PositiveSmallIntegerField(
        _("资金密集度"), default=0, help_text=_("0–10 分")
    )
    petitions = models.PositiveIntegerField(_("信访举报件数"), default=0)
    case_incidence = models.PositiveIntegerField(_("案件发生数"), default=0)
    audit_issues = models.PositiveIntegerField(_("审计发现问题数"), default=0)
    notes = models.CharField(_("说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("风险画像")
        verbose_name_plural = _("风险画像")
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="risk_profile_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year}"


def closed_on_time() -> Q:
    """Closed on or before its due date (the day of closing in local time): the on-time test
    of the quarterly assessment and of the cockpit, on tasks and on the cockpit's TaskScope
    copies (the same field names). dashboards/taskcount.py writes this test in trigger SQL."""
    return Q(status=RectificationTask.Status.CLOSED, closed_at__date__lte=F("due_date"))
