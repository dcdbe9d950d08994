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
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Cast, NullIf
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from responsibilities.models import DutyReport, Organization, Person, ResponsibilityList, Tenure
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
        KNOWLEDGE = "knowledge", _("知责测试(参与率与平均分)")
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
        KNOWLEDGE = "knowledge", _("知责测试")
        WARNINGS = "warnings", _("预警规则")
        MANUAL = "manual", _("人工评定")
        REPORT = "report", _("述责述廉")

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
    # Results count only when this share of the roll voted (None: EVALUATION_MIN_TURNOUT).
    min_turnout = models.DecimalField(
        _("最低参评率"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("0–1 之间,留空则使用系统默认值。"),
    )
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


class RollEntry(models.Model):
    """One voter on a round's roll (参评人员): a person of the unit (cadre or staff, voting with
    their account or a one-time code) or an invited representative (name and note, no
    account, votes with a code). `code_issued` says a code was printed for the entry — never
    which: codes are not linked to the roll."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="roll")
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    code_issued = models.BooleanField(_("已发投票码"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参评人员")
        verbose_name_plural = _("参评人员")
        ordering = ["round_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=models.Q(person__isnull=False),
                name="roll_person_once",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id and self.person else self.name

    @property
    def is_representative(self) -> bool:
        return self.person_id is None


class VotingCode(models.Model):
    """A one-time voting code (投票码): only its keyed hash, a random key, whether it was used.
    No roll entry, no issue or use time — a used code cannot be traced to its holder."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(_("已使用"), default=False)

    class Meta:
        verbose_name = _("投票码")
        verbose_name_plural = _("投票码")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(_("投票码"))


class Ballot(models.Model):
    """One anonymous ballot: no voter, no time, a random key (no insertion order to match).
    `grade` is the team's (班子); each team member's is a BallotMark."""

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


class BallotMark(models.Model):
    """A ballot's grade of one evaluated team member: no voter, no time, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="marks")
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("评价"), max_length=16, choices=Grade.choices)

    class Meta:
        verbose_name = _("个人测评票")
        verbose_name_plural = _("个人测评票")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "subject"], name="one_mark_per_subject")
        ]

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


class LockedResult(models.Model):
    """Abstract: a reproducible, publish-locked assessment result (a unit's quarter, a
    person's quarter or year). It stores the inputs it used (and their sha256), the indicator
    set and its version and the rule version, so recomputing gives the same numbers; drafts
    are recomputed, a published result never changes (the superior publishes it)."""

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
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Published results are immutable (services also guard with conditional updates).
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


class AssessmentSnapshot(Quarter, LockedResult):
    # sha256 of the figures (scores, total, grade, light) together with all they were scored
    # from (the indicator set and its indicators' definitions, the scoring code, the inputs,
    # the manual adjustments): a recomputation that finds the stored figures sealed with the
    # unit's basis now knows them without scoring the unit again (services/snapshots.py);
    # a figure changed by any other hand breaks the seal. "" = not sealed yet.
    seal_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    # Roll-up over the subtree (this unit and every unit below), filled by rollup().
    subtree_units = models.PositiveIntegerField(_("下辖单位数"), default=0)
    subtree_average = models.DecimalField(
        _("下辖平均分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    subtree_lights = models.JSONField(_("下辖红黄绿"), default=dict)

    # The seal is a check on the computed fields, not a change anyone made.
    history = HistoricalRecords(excluded_fields=["seal_sha256"])

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

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"


# --- Public questionnaires (群众参与) and third-party evaluation (第三方评议), issue 18 -------


class Questionnaire(Quarter):
    """A public questionnaire about one unit's conduct (作风、廉洁、办事) in one quarter.

    Answers are anonymous (`QuestionnaireResponse`: no person, no address, the day only); the
    free-text comments go to the unit's discipline side as leads (`QuestionnaireComment`),
    never to the unit itself. The questions are data (`questions`, see questionnaires.py)."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("名称"), max_length=200)
    questions = models.JSONField(_("题目"), default=list)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    closes_on = models.DateField(_("截止日期"))
    # The open link (anyone with it may answer, under the anti-stuffing limits); empty: only
    # one-time codes are accepted.
    open_key = models.CharField(_("公开链接标识"), max_length=32, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问卷调查")
        verbose_name_plural = _("问卷调查")
        ordering = ["-year", "-quarter", "org_path", "-pk"]

    def __str__(self) -> str:
        return self.title


class QuestionnaireCode(models.Model):
    """A one-time answer code: only its hash is kept; used once."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    batch = models.PositiveSmallIntegerField(_("批次"), default=1)
    used_on = models.DateField(_("使用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("问卷答题码")
        verbose_name_plural = _("问卷答题码")

    def __str__(self) -> str:
        return f"{self.questionnaire_id}:{self.batch}"


class QuestionnaireResponse(models.Model):
    """One anonymous answer sheet: no person, no address, a random key, the day only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    # {question key: 1–5} for the Likert questions.
    answers = models.JSONField(_("答案"))
    # The sheet's 0–100 score (mean answer mapped 1→0, 5→100), so the quarter's figure is one
    # aggregate query.
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    submitted_on = models.DateField(_("提交日期"))

    class Meta:
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.questionnaire_id}"


class QuestionnaireComment(ScopedModel):
    """A free-text comment: a lead for the unit's discipline side (SUPERVISE), not for the
    unit. Kept apart from the answer sheet (no link between the two)."""

    class Status(models.TextChoices):
        NEW = "new", _("待处理")
        HANDLED = "handled", _("已处理")
        LEAD = "lead", _("已转为问题线索")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="comments"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("意见建议"))
    submitted_on = models.DateField(_("提交日期"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.NEW)
    handling_note = models.TextField(_("处理说明"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_on = models.DateField(_("处理日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问卷意见")
        verbose_name_plural = _("问卷意见")
        ordering = ["-submitted_on", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class ThirdPartyEvaluator(models.Model):
    """An invited outside evaluator: an account with no post, for one questionnaire round and
    until its close date (the scoping kit's `InvitedEvaluatorClause` decides what they see)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="evaluators"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="third_party_evaluator"
    )
    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.CharField(_("所在机构"), max_length=100)
    contact = models.CharField(_("邮箱或手机"), max_length=100)
    invite_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("第三方评议人")
        verbose_name_plural = _("第三方评议人")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name}({self.organisation})"


class ThirdPartyReport(models.Model):
    """A third-party evaluator's score (0–100) and report for their round (one each)."""

    evaluator = models.OneToOneField(
        ThirdPartyEvaluator, on_delete=models.PROTECT, related_name="report"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="third_party_reports"
    )
    score = models.DecimalField(_("评议得分"), max_digits=5, decimal_places=2)
    report = models.TextField(_("评议报告"))
    submitted_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("第三方评议意见")
        verbose_name_plural = _("第三方评议意见")

    def __str__(self) -> str:
        return f"{self.evaluator} {self.score}"


# --- Per-person assessment (issue 18) ---------------------------------------------------------

YEAR_PERIOD = 0  # PersonAssessmentSnapshot.period: 0 = the whole year, 1–4 = a quarter
PERIOD_CHOICES = [(YEAR_PERIOD, _("全年")), *[(q, f"Q{q}") for q in range(1, 5)]]


def period_label(year: int, period: int) -> str:
    return f"{year}年度" if period == YEAR_PERIOD else f"{year}年第{period}季度"


class PersonAssessmentSnapshot(ScopedModel, LockedResult):
    """One team member's result for a quarter or the year (the post they held: `tenure`).

    The secretary is assessed against the FIRST_RESPONSIBLE_PERSON set, the other members of
    the committee and the discipline secretary against the TEAM_MEMBER set. Visible to the
    superior and the person themself only (assessments/rules.py); never ranked (R31)."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    tenure = models.ForeignKey(
        Tenure, verbose_name=_("职务"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.CharField(_("考核对象"), max_length=32, choices=SubjectType.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    period = models.PositiveSmallIntegerField(_("考核期"), choices=PERIOD_CHOICES)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("个人考核结果")
        verbose_name_plural = _("个人考核结果")
        ordering = ["-year", "-period", "org_path", "tenure__role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenure", "year", "period"], name="person_snapshot_per_period"
            )
        ]
        indexes = [models.Index(fields=["year", "period", "org_path"], name="person_snapshot_path")]

    def __str__(self) -> str:
        return f"{self.person} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.period)


# The default 谈话了解 rubric about one person: (code, criterion, top points). Each criterion is
# scored 0–top; the record's total is the points' share of the rubric's top, 0–100.
INTERVIEW_RUBRIC: tuple[tuple[str, Any, int], ...] = (
    ("political", _("政治站位, 贯彻落实上级部署"), 10),
    ("duty", _("履行一岗双责、抓分管领域从严治党"), 10),
    ("integrity", _("廉洁自律、遵守中央八项规定精神"), 10),
    ("style", _("工作作风和担当作为"), 10),
    ("discipline", _("执行民主集中制和纪律规矩"), 10),
)


def rubric_total(scores: dict[str, Any]) -> Decimal:
    """The 0–100 total of valid rubric scores (0.01)."""
    top = sum(t for _c, _l, t in INTERVIEW_RUBRIC)
    points = sum((Decimal(int(scores[c])) for c, _l, _t in INTERVIEW_RUBRIC), Decimal(0))
    return (points * 100 / top).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class PersonInterview(ScopedModel):
    """谈话了解 about one person: who talked to whom when, scored on the rubric."""

    person = models.ForeignKey(
        Person, verbose_name=_("被了解人"), on_delete=models.PROTECT, related_name="+"
    )
    tenure = models.ForeignKey(
        Tenure, verbose_name=_("职务"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), choices=[(q, f"Q{q}") for q in range(1, 5)]
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("谈话人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    interviewed_on = models.DateField(_("谈话日期"))
    scores = models.JSONField(_("分项评分"))
    total = models.DecimalField(_("总分"), max_digits=5, decimal_places=2)
    note = models.TextField(_("谈话情况"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("谈话了解")
        verbose_name_plural = _("谈话了解")
        ordering = ["-interviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.interviewed_on}"

    def clean(self):
        scores = self.scores
        codes = {c for c, _l, _t in INTERVIEW_RUBRIC}
        if not isinstance(scores, dict) or set(scores) != codes:
            raise ValidationError({"scores": _("请为每一项评价内容打分。")})
        for code, label, top in INTERVIEW_RUBRIC:
            value = scores[code]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise ValidationError(
                    {
                        "scores": _("“%(label)s”的评分应为 0 到 %(top)s 之间的整数。")
                        % {"label": label, "top": top}
                    }
                )
        self.total = rubric_total(scores)


class ReportReview(ScopedModel):
    """面对面 review of a person's 述责述廉 for the year by the superior: who reviewed it when,
    the comments and a rating. The written report is the person's DutyReport of the year."""

    class Rating(models.TextChoices):
        GOOD = "good", _("好")
        FAIR_GOOD = "fair_good", _("较好")
        AVERAGE = "average", _("一般")
        POOR = "poor", _("差")

    # The rating's score in the person's inputs (0–100), read by the SURVEY_BAND indicator.
    RATING_SCORES = {"good": 100, "fair_good": 85, "average": 70, "poor": 50}

    person = models.ForeignKey(
        Person, verbose_name=_("述责人"), on_delete=models.PROTECT, related_name="+"
    )
    tenure = models.ForeignKey(
        Tenure, verbose_name=_("职务"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    report = models.ForeignKey(
        DutyReport,
        verbose_name=_("述责述廉报告"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评议人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_on = models.DateField(_("面对面评议日期"))
    comments = models.TextField(_("评议意见"))
    rating = models.CharField(_("评定等次"), max_length=12, choices=Rating.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("述责述廉面对面评议")
        verbose_name_plural = _("述责述廉面对面评议")
        ordering = ["-year", "-reviewed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenure", "year"], name="report_review_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year}"

    def clean(self):
        if not (self.comments or "").strip():
            raise ValidationError({"comments": _("请填写评议意见。")})


# --- 知责: knowing the 准则 and 条例 (issue 18) ----------------------------------------------


class KnowledgeQuestion(ScopedModel):
    """One question of a unit's bank. A bank is used by its unit's whole subtree (the
    province's questions reach every county); a unit below may add local questions."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        JUDGE = "judge", _("判断题")

    class SourceKind(models.TextChoices):
        CODE = "code", _("准则")
        REGULATION = "regulation", _("条例")
        LOCAL = "local", _("地方规定")

    org = models.ForeignKey(
        Organization, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("题型"), max_length=10, choices=Kind.choices)
    stem = models.TextField(_("题干"))
    # The stem folded (full-width → half-width, no spaces, no case, no final punctuation):
    # a re-imported question is recognised by it.
    stem_key = models.CharField(max_length=500, editable=False)
    # Option texts in order, lettered A, B, C…; a 判断题 has none (its answer is T or F).
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.CharField(_("答案"), max_length=10)
    source_article = models.CharField(_("出处条款"), max_length=200)
    source_kind = models.CharField(_("出处类别"), max_length=12, choices=SourceKind.choices)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("知责题目")
        verbose_name_plural = _("知责题库")
        ordering = ["org_path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["org", "stem_key"], name="knowledge_stem_per_bank")
        ]

    def __str__(self) -> str:
        return self.stem[:60]

    @property
    def lettered_options(self) -> list[tuple[str, str]]:
        return [(chr(ord("A") + i), text) for i, text in enumerate(self.options or [])]

    @property
    def answer_display(self) -> str:
        if self.kind == self.Kind.JUDGE:
            return str(_("正确")) if self.answer == "T" else str(_("错误"))
        return self.answer


class KnowledgeTest(Quarter):
    """A short test of one quarter, assigned by an organiser (MANAGE over `org`) to the
    holders of some posts in the unit's subtree."""

    title = models.CharField(_("名称"), max_length=200)
    roles = models.JSONField(_("参加人员(职务)"), default=list)
    tags = models.JSONField(_("题目标签"), default=list, blank=True)
    source_kinds = models.JSONField(_("出处类别"), default=list, blank=True)
    question_count = models.PositiveSmallIntegerField(_("题目数量"))
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("知责测试")
        verbose_name_plural = _("知责测试")
        ordering = ["-year", "-quarter", "org_path", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"


class KnowledgeAssignment(ScopedModel):
    """One person's copy of a test: their questions, and once taken their answers and score.

    `org_path` is the person's unit (aggregates per unit); who may read the row (the person,
    the organiser) is in rules.py — never a superior by subtree."""

    test = models.ForeignKey(
        KnowledgeTest, verbose_name=_("测试"), on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(
        "responsibilities.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+"
    )
    questions = models.JSONField(_("题目"), default=list)  # question ids in the order shown
    answers = models.JSONField(_("作答"), default=dict, blank=True)  # {question id: "AC"}
    correct = models.PositiveSmallIntegerField(_("答对题数"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("知责测试答卷")
        verbose_name_plural = _("知责测试答卷")
        ordering = ["org_path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["test", "person"], name="knowledge_one_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.test_id}:{self.person_id}"

    @property
    def is_taken(self) -> bool:
        return self.submitted_at is not None


class WarningRule(models.Model):
    """A warning no other platform has (issue 18): the seed's 主体责任虚化 and 监督责任弱化,
    measured. One row per warning, its thresholds kept by the system administrator (history
    kept, security/roles.py CONFIG_TABLES); defaults in assessments/defaults.py
    WARNING_RULES. Each rule reads only the fields its code needs (`PARAMETERS`)."""

    class Code(models.TextChoices):
        DISCIPLINE_SUBSTITUTES = "discipline_substitutes", _("以纪代责")
        DISCIPLINE_SIDE_JOBS = "discipline_side_jobs", _("纪检负责人兼职分管其他业务")
        STATIONED_OVERLOAD = "stationed_overload", _("派驻纪检监察组负荷过重")
        SIGNED_THEN_IDLE = "signed_then_idle", _("年初签、平时空")

    # Which fields each rule uses (the admin form requires them; the others stay empty).
    PARAMETERS: dict[str, tuple[str, ...]] = {
        Code.DISCIPLINE_SUBSTITUTES: ("share_percent", "min_logs", "keywords"),
        Code.DISCIPLINE_SIDE_JOBS: ("keywords",),
        Code.STATIONED_OVERLOAD: ("max_departments", "max_open_cases", "max_cases_per_officer"),
        Code.SIGNED_THEN_IDLE: ("day_limit", "min_logs"),
    }

    code = models.CharField(_("预警"), max_length=32, choices=Code.choices, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    share_percent = models.PositiveSmallIntegerField(
        _("占比阈值(%)"),
        null=True,
        blank=True,
        help_text=_(
            "以纪代责:纪委记录占主体责任条目纪实的比例、或听取纪委汇报占班子自身纪实的比例超过此值即预警。"
        ),
    )
    min_logs = models.PositiveSmallIntegerField(
        _("最少纪实条数"),
        null=True,
        blank=True,
        help_text=_(
            "以纪代责:纪实少于此数不计算占比;年初签、平时空:签订满期限后的纪实少于此数即预警。"
        ),
    )
    day_limit = models.PositiveSmallIntegerField(
        _("签订后天数"),
        null=True,
        blank=True,
        help_text=_("年初签、平时空:只计签订此天数之后的纪实。"),
    )
    max_departments = models.PositiveSmallIntegerField(_("派驻单位数上限"), null=True, blank=True)
    max_open_cases = models.PositiveSmallIntegerField(
        _("在办线索案件数上限"), null=True, blank=True
    )
    max_cases_per_officer = models.DecimalField(
        _("人均在办线索案件上限"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    keywords = models.CharField(
        _("关键词"),
        max_length=200,
        blank=True,
        help_text=_(
            "以纪代责:听取汇报类纪实标题含其中之一即视为听取纪委汇报;"
            "兼职:分管领域名称含其中之一即视为监督执纪领域。以顿号或逗号分隔。"
        ),
    )
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.get_code_display()

    @property
    def keyword_list(self) -> list[str]:
        text = self.keywords.replace("、", ",").replace(",", ",")
        return [word.strip() for word in text.split(",") if word.strip()]

    def clean(self) -> None:
        missing = {
            name: _("该预警规则需要填写此项。")
            for name in self.PARAMETERS.get(self.code, ())
            if getattr(self, name) in (None, "")
        }
        if missing:
            raise ValidationError(missing)


class CommitteeLogCount(models.Model):
    """A committee's own counted duty logs (written on a committee post: secretary, deputy,
    member) per unit over a year to date, and how many of them are 听取汇报或审阅报告 — what
    the 以纪代责 warning's "own logs" figure reads (assessments/warnings.py).

    Per unit (`org_path` is the unit's own path, not a subtree), one row per year and quarter
    holding the year's logs from January to the end of that quarter (`n`) and the report
    reviews among them (`reviews`): the warning's condition — reviews over a share of the own
    logs — is then a condition on one row, and `review_share` lets an index find the few units
    above a share without reading the rest of the subtree (issue 19). Kept by triggers on the
    duty-log and tenure tables in the writing transaction (dashboards/committeelogcount.py, a
    dashboards.countset.CountSet); read-only here."""

    org_path = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    n = models.IntegerField(default=0)
    reviews = models.IntegerField(default=0)
    # Percent of `n`, NULL without logs. A float compares exactly with a whole-number share:
    # the quotient of two integers is rounded correctly, so it equals the share only when the
    # true quotient does, and otherwise differs from it by at least 1/n.
    review_share = models.GeneratedField(
        expression=Cast(F("reviews") * 100, models.FloatField()) / NullIf(F("n"), 0),
        output_field=models.FloatField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_path", "year", "quarter"], name="committee_log_count_key"
            )
        ]
        # The units of a year to date above a share: a range of this index, whatever the
        # size of the subtree the page covers.
        indexes = [
            models.Index(
                fields=["year", "quarter", "review_share"], name="committee_log_count_share"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_path} {self.year}Q{self.quarter}: {self.n}"
