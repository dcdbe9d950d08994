"""Quarterly assessments (考责): indicator sets as data, evaluation inputs, snapshots.

Scoring rules are data (`Indicator.rule_type` + `params`, see scoring.py), per year and subject
type. A quarter's result per organisation is an `AssessmentSnapshot` that stores the inputs
it used, the indicator-set version and the rule version, so recomputing the same quarter from
the same data gives the same numbers. Drafts can be recomputed; once a superior publishes a
snapshot it is immutable.

Democratic-evaluation ballots are anonymous: a `Ballot` has no voter, no timestamp and a
random primary key; "one vote per voter per round" is enforced by `VoterToken`, a separate
table that records *that* a user voted, never *what*.
"""

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from responsibilities.models import Organization, ResponsibilityList
from responsibilities.scoped import ScopedModel


class SubjectType(models.TextChoices):
    ORGANISATION = "organisation", _("单位(党委/党组)")
    FIRST_RESPONSIBLE_PERSON = (
        ResponsibilityList.SubjectType.FIRST_RESPONSIBLE_PERSON.value,
        _("书记第一责任人"),
    )
    TEAM_MEMBER = ResponsibilityList.SubjectType.TEAM_MEMBER.value, _("班子成员")


class TrafficLight(models.TextChoices):
    GREEN = "green", _("绿")
    YELLOW = "yellow", _("黄")
    RED = "red", _("红")


class IndicatorSet(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    subject_type = models.CharField(
        _("考核对象"), max_length=32, choices=SubjectType.choices, default=SubjectType.ORGANISATION
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    # Per-year configuration: {"green": 85, "yellow": 70} (total ≥ green → green, ≥ yellow →
    # yellow, else red) and grade bands [[90, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]].
    light_thresholds = models.JSONField(_("红黄绿阈值"), default=dict)
    grade_bands = models.JSONField(_("等次划分"), default=list)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["-year", "subject_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "subject_type", "version"], name="indicatorset_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Indicator(models.Model):
    class RuleType(models.TextChoices):
        PRESENCE = "presence", _("有无(全得或不得)")
        COUNT_THRESHOLD = "count_threshold", _("次数达标")
        PER_OCCURRENCE_BONUS = "per_occurrence_bonus", _("按次加分")
        PER_MISS_DEDUCTION = "per_miss_deduction", _("按缺失扣分")
        RATIO_ON_TIME = "ratio_on_time", _("按时完成率")
        SURVEY_BAND = "survey_band", _("测评分档")
        MANUAL = "manual", _("人工评分")

    class Dimension(models.TextChoices):
        DEFINE = "define", _("明责")
        PERFORM = "perform", _("履责")
        SUPERVISE = "supervise", _("督责")
        ACCOUNT = "account", _("追责")
        EVALUATE = "evaluate", _("评价")

    class EvidenceSource(models.TextChoices):
        DUTY_LOGS = "duty_logs", _("履责纪实")
        LIST_PROGRESS = "list_progress", _("责任清单进度")
        RECTIFICATION = "rectification", _("整改任务")
        FINDINGS = "findings", _("问题台账")
        ACCOUNTABILITY = "accountability", _("问责处理")
        DEMOCRATIC_EVALUATION = "democratic_evaluation", _("民主测评")
        QUESTIONNAIRE = "questionnaire", _("问卷调查")
        INTERVIEW = "interview", _("谈话了解")
        THIRD_PARTY = "third_party", _("第三方评估")
        MANUAL = "manual", _("人工评定")

    indicator_set = models.ForeignKey(
        IndicatorSet,
        verbose_name=_("指标体系"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    code = models.CharField(_("指标编码"), max_length=20)
    name = models.CharField(_("指标名称"), max_length=200)
    dimension = models.CharField(_("维度"), max_length=16, choices=Dimension.choices)
    max_score = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    rule_type = models.CharField(_("计分规则"), max_length=24, choices=RuleType.choices)
    params = models.JSONField(_("规则参数"), default=dict, blank=True)
    evidence_source = models.CharField(_("数据来源"), max_length=24, choices=EvidenceSource.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["indicator_set_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="indicator_code_per_set")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Quarter(ScopedModel):
    """Abstract: rows that belong to one organisation and one quarter."""

    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), choices=[(q, f"Q{q}") for q in range(1, 5)]
    )

    class Meta:
        abstract = True


class EvaluationRound(Quarter):
    """A democratic evaluation (民主测评) of one organisation's team in one quarter."""

    class Status(models.TextChoices):
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("民主测评")
        verbose_name_plural = _("民主测评")
        ordering = ["-year", "-quarter", "org_path"]

    def __str__(self) -> str:
        return self.title


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("合格")
    BASIC = "basic", _("基本合格")
    INCOMPETENT = "incompetent", _("不合格")


class VoterToken(models.Model):
    """That a user voted in a round (turnout, one vote each) — never what they voted."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="tokens")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Day only: a time would let someone line tokens up with ballots in insertion order.
    voted_on = models.DateField(_("投票日期"))

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="one_vote_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.voter_id}"


class Ballot(models.Model):
    """One anonymous ballot: no voter, no time, a random key (no insertion order to match)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="ballots")
    grade = models.CharField(_("评价"), max_length=16, choices=Grade.choices)

    class Meta:
        verbose_name = _("测评票")
        verbose_name_plural = _("测评票")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_grade_display()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(_("测评票不可修改。"))
        super().save(*args, **kwargs)


class EvaluationInput(Quarter):
    """Imported tallies, questionnaires, interview records (谈话了解), third-party scores."""

    class Kind(models.TextChoices):
        DEMOCRATIC_TALLY = "democratic_tally", _("民主测评汇总(导入)")
        QUESTIONNAIRE = "questionnaire", _("问卷调查")
        INTERVIEW = "interview", _("谈话了解")
        THIRD_PARTY = "third_party", _("第三方评估")
        # Concealment verified outside the system (no Finding to mark). Findings registered
        # here are marked on the finding itself (inspections Finding.concealed); both add up.
        CONCEALED_PROBLEMS = "concealed_problems", _("瞒报问题数(系统外核实)")

    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    # democratic_tally: {"excellent": n, "competent": n, "basic": n, "incompetent": n};
    # questionnaire / third_party: {"score": 0–100}; interview: {"score": 0–100, "people": n};
    # concealed_problems: {"count": n}.
    values = models.JSONField(_("数据"))
    note = models.TextField(_("说明"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评价数据")
        verbose_name_plural = _("评价数据")
        ordering = ["-year", "-quarter", "org_path", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}Q{self.quarter}"

    # The keys each kind may carry; anything else would be silently ignored by the roll-up.
    VALUE_KEYS = {
        Kind.DEMOCRATIC_TALLY: {"excellent", "competent", "basic", "incompetent"},
        Kind.QUESTIONNAIRE: {"score"},
        Kind.INTERVIEW: {"score", "people"},
        Kind.THIRD_PARTY: {"score"},
        Kind.CONCEALED_PROBLEMS: {"count"},
    }

    def clean(self):
        values = self.values
        allowed = self.VALUE_KEYS.get(self.kind)
        if allowed is None:
            return  # the kind's own field error is reported by full_clean
        if not isinstance(values, dict) or not values or set(values) - allowed:
            raise ValidationError(
                {"values": _("数据应包含:%(keys)s。") % {"keys": "、".join(sorted(allowed))}}
            )

        def is_count(v) -> bool:
            return isinstance(v, int) and not isinstance(v, bool) and v >= 0

        if "score" in allowed:
            score = values.get("score")
            if (
                isinstance(score, bool)
                or not isinstance(score, int | float)
                or not (0 <= score <= 100)
            ):
                raise ValidationError({"values": _("得分应为 0 到 100 之间的数字。")})
        counts = [values[k] for k in values if k != "score"]
        if not all(is_count(v) for v in counts):
            raise ValidationError({"values": _("人数、票数和问题数应为非负整数。")})
        if self.kind == self.Kind.DEMOCRATIC_TALLY and not sum(counts):
            raise ValidationError({"values": _("民主测评汇总至少应有一票。")})
        if self.kind == self.Kind.CONCEALED_PROBLEMS and not values["count"]:
            raise ValidationError({"values": _("瞒报问题数至少为 1。")})


class ManualAdjustment(Quarter):
    """A reviewer's adjustment, always with a reason; applied to one indicator or the total."""

    indicator_code = models.CharField(_("指标编码"), max_length=20, blank=True)
    points = models.DecimalField(_("调整分值"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("调整理由"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人工调整")
        verbose_name_plural = _("人工调整")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.indicator_code or '总分'} {self.points}"

    def clean(self):
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("人工调整必须填写理由。")})


class AssessmentSnapshot(Quarter):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.PROTECT, related_name="+")
    indicator_set_version = models.PositiveIntegerField(_("指标体系版本"))
    rule_version = models.CharField(_("规则版本"), max_length=20)
    inputs = models.JSONField(_("计算所用数据"))
    inputs_sha256 = models.CharField(max_length=64)
    scores = models.JSONField(_("分项得分"))
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("等次"), max_length=20)
    traffic_light = models.CharField(_("红黄绿"), max_length=8, choices=TrafficLight.choices)
    # Roll-up over the subtree (this unit and every unit below), filled by rollup().
    subtree_units = models.PositiveIntegerField(_("下辖单位数"), default=0)
    subtree_average = models.DecimalField(
        _("下辖平均分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    subtree_lights = models.JSONField(_("下辖红黄绿"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("季度考核结果")
        verbose_name_plural = _("季度考核结果")
        ordering = ["-year", "-quarter", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "quarter"], name="snapshot_per_quarter")
        ]
        indexes = [
            models.Index(fields=["year", "quarter", "org_path"], name="snapshot_quarter_path")
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year}Q{self.quarter}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Published snapshots are immutable (services also guard with conditional updates).
        if getattr(self, "_stored_status", None) == self.Status.PUBLISHED:
            raise ValidationError(_("已发布的考核结果不可修改。"))
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status == self.Status.PUBLISHED:
            raise ValidationError(_("已发布的考核结果不可删除。"))
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.__dict__.get("status")
        return instance

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"
