"""Accountability (问责): domain.md §(b) "accountability app", rules R7–R21 and R29.

Three legal channels are kept apart (domain.md (b), modelling choice 3):

- `DisciplinaryCase`: the *direct* wrongdoing (纪律审查 / 政务处分 of the wrongdoer);
- `AccountabilityCase`: 问责 for principal, supervisory and leadership responsibility;
- measures carry a `channel` (Party accountability, Party discipline, state sanctions) so a
  case page lists Party sanctions and state sanctions (政务处分) separately.

一案双查 (R29): a qualifying disciplinary case opens two `DualInvestigation` probes (the
principal responsibility of the unit's committee leaders, the supervisory responsibility of
the discipline body that supervises the unit); the disciplinary case cannot be archived
until both are concluded, unless an authorised officer records why not.

Targets are tenures *at the time of the failure* (前任/现任, 终身问责) with snapshots of the
unit and post, so a target who moved or retired is still reachable.

Every scoped row carries `org` and a copied `org_path` (set in services.py). Who sees what
is in rules.py.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from responsibilities.models import Body, Organization, Person, Portfolio, Tenure, WorkArea
from responsibilities.scoped import ScopedModel


def accountability_setting(name: str, default):
    """One place for the ACCOUNTABILITY settings block (settings.py), with safe defaults."""
    return getattr(settings, "ACCOUNTABILITY", {}).get(name, default)


FailedArea = WorkArea  # the area of work that failed: the one work-area classification


# --- Configurable tables ----------------------------------------------------------------


class AccountabilityGround(models.Model):
    """问责情形: seeded with the 11 categories of the 2019 问责条例 art.7 (configurable)."""

    number = models.PositiveSmallIntegerField(_("序号"), unique=True)
    name = models.CharField(_("问责情形"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    is_catch_all = models.BooleanField(
        _("兜底条款"), default=False, help_text=_("兜底条款须写明具体失职失责事实。")
    )
    is_active = models.BooleanField(_("有效"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问责情形")
        verbose_name_plural = _("问责情形")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class MeasureKind(models.TextChoices):
    ORG_SELF_CRITICISM = "org_self_criticism", _("检查(党组织)")
    CIRCULATED_CRITICISM = "circulated_criticism", _("通报")
    REORGANIZATION = "reorganization", _("改组")
    ADMONITION = "admonition", _("诫勉")
    ORGANIZATIONAL_HANDLING = "organizational_handling", _("组织调整或组织处理")
    PARTY_SANCTION = "party_sanction", _("党纪处分")
    PUBLIC_OFFICE_SANCTION = "public_office_sanction", _("政务处分")


class Channel(models.TextChoices):
    PARTY_ACCOUNTABILITY = "party_accountability", _("党内问责")
    PARTY_DISCIPLINE = "party_discipline", _("党纪处分")
    PUBLIC_OFFICE = "public_office_sanction", _("政务处分")


class ResponsibilityKind(models.TextChoices):
    """Every role a target may have borne; which are valid where is accountability/roles.py
    (R9, R19a). `SUPERVISORY` is kept for rows stored before those rules; no form offers it."""

    OVERALL = "overall_leadership", _("全面领导责任")
    PRIMARY = "primary_leadership", _("主要领导责任")
    IMPORTANT = "important_leadership", _("重要领导责任")
    SUPERVISORY = "supervisory", _("监督责任")
    DIRECT = "direct", _("直接责任")


LEADERSHIP_KINDS = frozenset(
    {ResponsibilityKind.OVERALL, ResponsibilityKind.PRIMARY, ResponsibilityKind.IMPORTANT}
)


ORG_MEASURES = frozenset(
    {MeasureKind.ORG_SELF_CRITICISM, MeasureKind.CIRCULATED_CRITICISM, MeasureKind.REORGANIZATION}
)
PERSON_MEASURES = frozenset(
    {
        MeasureKind.CIRCULATED_CRITICISM,
        MeasureKind.ADMONITION,
        MeasureKind.ORGANIZATIONAL_HANDLING,
        MeasureKind.PARTY_SANCTION,
        MeasureKind.PUBLIC_OFFICE_SANCTION,
    }
)
# Sub-kinds per kind ("" = the kind has no sub-kind).
MEASURE_SUBTYPES: dict[str, list[tuple[str, str]]] = {
    MeasureKind.ORG_SELF_CRITICISM: [],
    MeasureKind.CIRCULATED_CRITICISM: [],
    MeasureKind.REORGANIZATION: [],
    MeasureKind.ADMONITION: [("talk", _("诫勉谈话")), ("written", _("书面诫勉"))],
    MeasureKind.ORGANIZATIONAL_HANDLING: [
        ("suspension_for_review", _("停职检查")),
        ("reassignment", _("调整职务")),
        ("ordered_resignation", _("责令辞职")),
        ("demotion", _("降职")),
        ("removal", _("免职")),
    ],
    MeasureKind.PARTY_SANCTION: [
        ("warning", _("警告")),
        ("serious_warning", _("严重警告")),
        ("removal_from_party_posts", _("撤销党内职务")),
        ("probation_1y", _("留党察看一年")),
        ("probation_2y", _("留党察看二年")),
        ("expulsion", _("开除党籍")),
    ],
    MeasureKind.PUBLIC_OFFICE_SANCTION: [
        ("warning", _("警告")),
        ("demerit", _("记过")),
        ("major_demerit", _("记大过")),
        ("demotion", _("降级")),
        ("dismissal_from_post", _("撤职")),
        ("expulsion", _("开除")),
    ],
}
# Choices for the column (codes are shared between kinds: "warning", "demotion",
# "expulsion"); the kind-specific label comes from `subtype_label(kind, subtype)`.
SUBTYPE_CHOICES = sorted(
    {
        code: label for subtypes in reversed(MEASURE_SUBTYPES.values()) for code, label in subtypes
    }.items()
)
# Light measures (the seed's complaint: accountability stops here) vs heavier ones.
LIGHT_MEASURES = frozenset(
    {MeasureKind.ORG_SELF_CRITICISM, MeasureKind.CIRCULATED_CRITICISM, MeasureKind.ADMONITION}
)
SANCTION_MEASURES = frozenset({MeasureKind.PARTY_SANCTION, MeasureKind.PUBLIC_OFFICE_SANCTION})
HANDLING_MEASURES = frozenset({MeasureKind.ORGANIZATIONAL_HANDLING, MeasureKind.REORGANIZATION})


def channel_of(kind: str) -> str:
    if kind == MeasureKind.PARTY_SANCTION:
        return Channel.PARTY_DISCIPLINE
    if kind == MeasureKind.PUBLIC_OFFICE_SANCTION:
        return Channel.PUBLIC_OFFICE
    return Channel.PARTY_ACCOUNTABILITY


def subtype_label(kind: str, subtype: str) -> str:
    return dict(MEASURE_SUBTYPES.get(kind, [])).get(subtype, "")


class InfluencePeriodRule(models.Model):
    """影响期 per measure (R17, R20, R21), a table so a deployment can correct it.

    `months` empty = no influence period (e.g. 开除 has none under 政务处分法 art.8).
    """

    kind = models.CharField(_("问责方式"), max_length=32, choices=MeasureKind.choices)
    subtype = models.CharField(_("具体方式"), max_length=32, blank=True)
    months = models.PositiveSmallIntegerField(_("影响期(月)"), null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    is_verified = models.BooleanField(
        _("已核对原文"), default=False, help_text=_("未核对的规则上线前须对照原文。")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("影响期规则")
        verbose_name_plural = _("影响期规则")
        ordering = ["kind", "subtype"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subtype"], name="influence_rule_unique")
        ]

    def __str__(self) -> str:
        label = subtype_label(self.kind, self.subtype) or self.get_kind_display()
        return f"{label}: {self.months if self.months is not None else '—'}"


class MeasureCombinationRule(models.Model):
    """Which two measure kinds may be used together on one target in one decision (R10:
    "单独使用,也可以依据规定合并使用"). One row per unordered pair of kinds (a kind paired with
    itself = the kind used twice); the rows sharing a `name` make up one rule, and a refusal
    names it. A pair without a row may be combined (art.8's general clause). Defaults:
    accountability/defaults.py COMBINATIONS, documented in accountability/README.md."""

    class Effect(models.TextChoices):
        FORBID = "forbid", _("不得并用")
        ALLOW = "allow", _("可以并用")

    name = models.CharField(_("规则名称"), max_length=60)
    kind = models.CharField(_("问责方式"), max_length=32, choices=MeasureKind.choices)
    other_kind = models.CharField(_("另一问责方式"), max_length=32, choices=MeasureKind.choices)
    effect = models.CharField(_("能否并用"), max_length=8, choices=Effect.choices)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问责方式组合规则")
        verbose_name_plural = _("问责方式组合规则")
        ordering = ["effect", "name", "kind", "other_kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "other_kind"], name="combination_pair_unique"),
            models.CheckConstraint(
                condition=Q(kind__lte=models.F("other_kind")), name="combination_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_kind_display()} + {self.get_other_kind_display()}"

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # One row per unordered pair: store it in one order whichever way it was entered.
        if self.kind and self.other_kind and self.kind > self.other_kind:
            self.kind, self.other_kind = self.other_kind, self.kind


# --- Disciplinary cases and 一案双查 -------------------------------------------------------


class FourForm(models.IntegerChoices):
    FIRST = 1, _("第一种形态")
    SECOND = 2, _("第二种形态")
    THIRD = 3, _("第三种形态")
    FOURTH = 4, _("第四种形态")


class PartySanctionGrade(models.TextChoices):
    NONE = "", _("无")
    WARNING = "warning", _("警告")
    SERIOUS_WARNING = "serious_warning", _("严重警告")
    REMOVAL_FROM_PARTY_POSTS = "removal_from_party_posts", _("撤销党内职务")
    PROBATION = "probation", _("留党察看")
    EXPULSION = "expulsion", _("开除党籍")


PARTY_GRADE_RANK = {
    "": 0,
    "warning": 1,
    "serious_warning": 2,
    "removal_from_party_posts": 3,
    "probation": 4,
    "expulsion": 5,
}


class PublicOfficeSanction(models.TextChoices):
    NONE = "", _("无")
    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    MAJOR_DEMERIT = "major_demerit", _("记大过")
    DEMOTION = "demotion", _("降级")
    DISMISSAL_FROM_POST = "dismissal_from_post", _("撤职")
    EXPULSION = "expulsion", _("开除")


PUBLIC_GRADE_RANK = {
    "": 0,
    "warning": 1,
    "demerit": 2,
    "major_demerit": 3,
    "demotion": 4,
    "dismissal_from_post": 5,
    "expulsion": 6,
}


class DisciplinaryCase(ScopedModel):
    """The direct wrongdoing (纪律审查); possibly only a pointer into the 纪委's own system."""

    class ViolationType(models.TextChoices):
        POLITICAL = "political", _("违反政治纪律")
        ORGANISATIONAL = "organisational", _("违反组织纪律")
        INTEGRITY = "integrity", _("违反廉洁纪律")
        MASSES = "masses", _("违反群众纪律")
        WORK = "work", _("违反工作纪律")
        LIFE = "life", _("违反生活纪律")
        DUTY_CRIME = "duty_crime", _("涉嫌职务违法犯罪")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已立案")
        DECIDED = "decided", _("已作出处分")
        ARCHIVED = "archived", _("已归档")

    case_no = models.CharField(_("案件编号"), max_length=40, unique=True)
    org = models.ForeignKey(
        Organization, verbose_name=_("发案单位"), on_delete=models.PROTECT, related_name="+"
    )
    handling_body = models.ForeignKey(
        Body, verbose_name=_("审查机关"), on_delete=models.PROTECT, related_name="+"
    )
    handling_path = models.CharField(max_length=255, db_index=True, editable=False)
    subject_person = models.ForeignKey(
        Person, verbose_name=_("被审查人"), on_delete=models.PROTECT, related_name="+"
    )
    subject_tenure = models.ForeignKey(
        Tenure,
        verbose_name=_("违纪时任职"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_snapshot = models.CharField(_("违纪时单位职务"), max_length=200, blank=True)
    # R19a: which responsible person the subject is (accountability/roles.py says which roles).
    subject_role = models.CharField(
        _("责任者类型"),
        max_length=24,
        choices=ResponsibilityKind.choices,
        default=ResponsibilityKind.DIRECT,
    )
    violation_type = models.CharField(
        _("违纪违法类型"), max_length=20, choices=ViolationType.choices
    )
    summary = models.TextField(_("主要问题"))
    amount_involved = models.DecimalField(
        _("涉案金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    four_form = models.PositiveSmallIntegerField(
        _("运用形态"), choices=FourForm.choices, null=True, blank=True
    )
    party_sanction = models.CharField(
        _("党纪处分"), max_length=32, choices=PartySanctionGrade.choices, blank=True
    )
    public_office_sanction = models.CharField(
        _("政务处分"), max_length=32, choices=PublicOfficeSanction.choices, blank=True
    )
    registered_on = models.DateField(_("立案日期"))
    decided_on = models.DateField(_("处分决定日期"), null=True, blank=True)
    source_finding = models.ForeignKey(
        "inspections.Finding",
        verbose_name=_("来源问题线索"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disciplinary_cases",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    # 一案双查: set once the case qualifies (trigger met or opened on an officer's choice).
    dual_required = models.BooleanField(_("须一案双查"), default=False, editable=False)
    dual_reasons = models.JSONField(_("一案双查启动理由"), default=list, editable=False)
    dual_waiver_reason = models.TextField(_("未完成双查即归档的理由"), blank=True, editable=False)
    dual_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("纪律审查案件")
        verbose_name_plural = _("纪律审查案件")
        ordering = ["-registered_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_no} {self.subject_person}"

    @property
    def subject_role_label(self) -> str:
        """In the regulation's wording (直接责任者 …)."""
        from accountability.roles import role_label

        return role_label(Channel.PARTY_DISCIPLINE, self.subject_role)


class DisciplinaryCaseShare(models.Model):
    """What a higher 纪委 leading a case shares with a lower one (R26: the lower commission
    sees only what the higher one shares). Read access only; the case stays with its
    handling line."""

    case = models.ForeignKey(
        DisciplinaryCase,
        verbose_name=_("纪律审查案件"),
        on_delete=models.PROTECT,
        related_name="shares",
    )
    shared_with = models.ForeignKey(
        Body, verbose_name=_("共享给"), on_delete=models.PROTECT, related_name="+"
    )
    # The lower body's jurisdiction (its unit; a stationed team: the unit it sits in).
    shared_path = models.CharField(max_length=255, db_index=True, editable=False)
    note = models.CharField(_("共享说明"), max_length=200, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("共享人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shared_at = models.DateTimeField(_("共享时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("案件共享")
        verbose_name_plural = _("案件共享")
        ordering = ["case_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "shared_with"], name="dcase_share_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}→{self.shared_with_id}"


class DualInvestigation(ScopedModel):
    """One of the two probes of 一案双查 (R29)."""

    class Kind(models.TextChoices):
        PRINCIPAL = "principal", _("主体责任(党委领导班子)")
        SUPERVISORY = "supervisory", _("监督责任(监督该单位的纪检监察机构)")

    class Status(models.TextChoices):
        OPEN = "open", _("核查中")
        CONCLUDED = "concluded", _("已得出结论")

    class Conclusion(models.TextChoices):
        RESPONSIBLE = "responsible", _("应当问责")
        NOT_RESPONSIBLE = "not_responsible", _("不应问责")

    disciplinary_case = models.ForeignKey(
        DisciplinaryCase, on_delete=models.PROTECT, related_name="probes"
    )
    kind = models.CharField(_("核查类型"), max_length=16, choices=Kind.choices)
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    target_body = models.ForeignKey(
        Body,
        verbose_name=_("核查对象机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_reason = models.TextField(_("启动理由"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    conclusion = models.CharField(
        _("核查结论"), max_length=16, choices=Conclusion.choices, blank=True
    )
    reasoning = models.TextField(_("结论理由"), blank=True)
    accountability_case = models.ForeignKey(
        "AccountabilityCase",
        verbose_name=_("问责案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="probes",
    )
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    concluded_at = models.DateTimeField(_("结论时间"), null=True, blank=True)
    # No self-judgement (R29, 规则 art.73): the commission that conducts the probe; for the
    # supervisory probe never the body whose responsibility is examined (accountability/dual.py).
    conducting_body = models.ForeignKey(
        Body,
        verbose_name=_("核查机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # 签字背书 (R27): the conducting commission's secretary (or acting head) who signed.
    signed_by = models.ForeignKey(
        Tenure,
        verbose_name=_("签字背书人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一案双查核查")
        verbose_name_plural = _("一案双查核查")
        ordering = ["disciplinary_case_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["disciplinary_case", "kind"], name="one_probe_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.disciplinary_case.case_no} · {self.get_kind_display()}"

    @property
    def short_kind(self) -> str:
        """The kind in two words, for badges (the full label is too long for one)."""
        return str(_("主体责任") if self.kind == self.Kind.PRINCIPAL else _("监督责任"))


# --- Accountability cases ----------------------------------------------------------------


class AccountabilityCase(ScopedModel):
    class Source(models.TextChoices):
        INSPECTION_FINDING = "inspection_finding", _("监督检查发现的问题")
        CASE_LEAD = "case_lead", _("巡视巡察移交的问题线索")
        PETITION = "petition", _("信访举报")
        ASSESSMENT_FAILURE = "assessment_failure", _("考核不合格")
        UPPER_REFERRAL = "upper_referral", _("上级交办")
        DISCIPLINARY_CASE = "disciplinary_case", _("纪律审查案件")
        DUAL_INVESTIGATION = "dual_investigation", _("一案双查")

    class Status(models.TextChoices):
        LEAD_RECEIVED = "lead_received", _("受理线索")
        PRELIMINARY_REVIEW = "preliminary_review", _("初步核实")
        START_APPROVED = "start_approved", _("已批准启动问责调查")
        INVESTIGATING = "investigating", _("调查中")
        HEARING = "hearing", _("已听取陈述申辩")
        REPORT_DISCUSSED = "report_discussed", _("调查报告已集体讨论")
        DECIDED = "decided", _("已作出问责决定")
        NOT_PURSUED = "not_pursued", _("不予(免予)问责")
        EXECUTING = "executing", _("执行中")
        ARCHIVED = "archived", _("已归档")

    class NotPursuedReason(models.TextChoices):
        THREE_DISTINCTIONS = "three_distinctions", _("三个区分开来(改革探索中的失误)")
        RECORDED_DISSENT = "recorded_dissent", _("集体决策中明确表示不同意见")
        FORCE_MAJEURE = "force_majeure", _("已履职尽责,因不可抗力等造成损失")
        NOT_RESPONSIBLE = "not_responsible", _("经调查不负有责任")
        FACTS_UNPROVEN = "facts_unproven", _("事实不清、证据不足")
        OTHER = "other", _("其他")

    class ExecutionFinding(models.TextChoices):
        IMPROPER = "improper", _("执行不当")
        WEAK = "weak", _("执行不力")
        NOT_EXECUTED = "not_executed", _("不执行")

    class Publication(models.TextChoices):
        INTERNAL = "internal", _("内部")
        SYSTEM = "system", _("系统内通报")
        PUBLIC = "public", _("公开通报")

    number = models.CharField(_("案件编号"), max_length=32, unique=True, editable=False)
    title = models.CharField(_("案由"), max_length=200)
    org = models.ForeignKey(
        Organization, verbose_name=_("失职失责单位"), on_delete=models.PROTECT, related_name="+"
    )
    event_date = models.DateField(_("问题发生日期"))
    area = models.CharField(
        _("失责领域"), max_length=20, choices=FailedArea.choices, default=FailedArea.OTHER
    )
    portfolio = models.ForeignKey(
        Portfolio,
        verbose_name=_("分管领域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("线索来源"), max_length=24, choices=Source.choices)
    facts = models.TextField(_("基本事实"), blank=True)
    grounds = models.ManyToManyField(
        AccountabilityGround, verbose_name=_("问责情形"), blank=True, related_name="cases"
    )
    findings = models.ManyToManyField(
        "inspections.Finding",
        verbose_name=_("关联问题"),
        blank=True,
        related_name="accountability_cases",
    )
    disciplinary_cases = models.ManyToManyField(
        DisciplinaryCase,
        verbose_name=_("关联纪律审查案件"),
        blank=True,
        related_name="accountability_cases",
    )
    handling_body = models.ForeignKey(
        Body, verbose_name=_("承办机关"), on_delete=models.PROTECT, related_name="+"
    )
    # Scope of the handling side: the handling body's organisation (for a stationed team,
    # the unit it is stationed in, where its members' discipline jurisdiction lies).
    handling_path = models.CharField(max_length=255, db_index=True, editable=False)
    deciding_body = models.ForeignKey(
        Body, verbose_name=_("问责决定机关"), on_delete=models.PROTECT, related_name="+"
    )
    deciding_path = models.CharField(max_length=255, db_index=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.LEAD_RECEIVED
    )
    status_since = models.DateTimeField(_("进入当前状态时间"), default=timezone.now)
    lead_received_on = models.DateField(_("受理日期"), default=timezone.localdate)
    start_approved_by = models.ForeignKey(
        Tenure,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    investigation_team = models.ManyToManyField(
        Person, verbose_name=_("调查组成员"), blank=True, related_name="+"
    )
    execution_finding = models.CharField(
        _("执行情况认定"), max_length=16, choices=ExecutionFinding.choices, blank=True
    )
    hearing_record = models.TextField(_("陈述申辩记录"), blank=True)
    hearers = models.ManyToManyField(
        Person, verbose_name=_("听取陈述申辩人员"), blank=True, related_name="+"
    )
    hearing_on = models.DateField(_("听取陈述申辩日期"), null=True, blank=True)
    report = models.TextField(_("调查报告"), blank=True)
    discussion_record = models.TextField(_("集体讨论情况"), blank=True)
    discussed_on = models.DateField(_("集体讨论日期"), null=True, blank=True)
    decision_no = models.CharField(_("决定文号"), max_length=64, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    publication_scope = models.CharField(
        _("通报范围"), max_length=12, choices=Publication.choices, blank=True
    )
    not_pursued_reason = models.CharField(
        _("不予(免予)问责理由"), max_length=24, choices=NotPursuedReason.choices, blank=True
    )
    not_pursued_note = models.TextField(_("不予(免予)问责说明"), blank=True)
    # 签字背书 (R27): the handling commission's secretary (or acting head) signs a waiver.
    signed_by = models.ForeignKey(
        Tenure,
        verbose_name=_("签字背书人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # No m2m history: grounds and links are set when the case is opened (the transitions
    # record who did what), and m2m diffs cost three queries per history row on the page.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问责案件")
        verbose_name_plural = _("问责案件")
        ordering = ["-lead_received_on", "-pk"]
        indexes = [models.Index(fields=["status", "org_path"], name="acase_status_path")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES

    def step_due(self) -> datetime.date | None:
        """When the current step should be finished (configurable days per state)."""
        days = accountability_setting("STEP_DAYS", {}).get(self.status)
        if not days:
            return None
        return timezone.localdate(self.status_since) + datetime.timedelta(days=int(days))


DECIDED_STATUSES = frozenset(
    {
        AccountabilityCase.Status.DECIDED,
        AccountabilityCase.Status.EXECUTING,
        AccountabilityCase.Status.ARCHIVED,
    }
)


class CaseTransition(models.Model):
    """Who moved a case from which state to which, when, and why."""

    case = models.ForeignKey(
        AccountabilityCase, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"

    def from_label(self):
        return AccountabilityCase.Status(self.from_status).label if self.from_status else "—"

    def to_label(self):
        return AccountabilityCase.Status(self.to_status).label


class AccountabilityTarget(ScopedModel):
    """Who is held to account, in which capacity, as of which tenure (at the failure)."""

    class TargetType(models.TextChoices):
        ORG = "org", _("党组织")
        PERSON = "person", _("领导干部")

    case = models.ForeignKey(AccountabilityCase, on_delete=models.PROTECT, related_name="targets")
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    target_type = models.CharField(_("对象类型"), max_length=8, choices=TargetType.choices)
    target_body = models.ForeignKey(
        Body,
        verbose_name=_("被问责党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tenure = models.ForeignKey(
        Tenure,
        verbose_name=_("问题发生时任职"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_targets",
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Snapshots: the unit and post at the failure, and the person's posts at decision time.
    name_snapshot = models.CharField(_("姓名(名称)"), max_length=100)
    unit_snapshot = models.CharField(_("时任单位"), max_length=100)
    post_snapshot = models.CharField(_("时任职务"), max_length=100, blank=True)
    current_posts_snapshot = models.CharField(_("现任职务"), max_length=300, blank=True)
    is_predecessor = models.BooleanField(_("前任"), default=False)
    responsibility_kind = models.CharField(
        _("责任类型"), max_length=24, choices=ResponsibilityKind.choices
    )
    is_collective = models.BooleanField(_("集体责任"), default=False)
    dissent_recorded = models.BooleanField(_("集体决策中明确表示不同意见"), default=False)
    mitigating = models.TextField(_("从轻减轻情节"), blank=True)
    aggravating = models.TextField(_("从重加重情节"), blank=True)
    no_person_reason = models.TextField(_("未同时问责领导干部的理由"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问责对象")
        verbose_name_plural = _("问责对象")
        ordering = ["case_id", "target_type", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_type="org", tenure__isnull=True)
                | Q(target_type="person", tenure__isnull=False),
                name="target_type_matches_tenure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_snapshot}({self.get_responsibility_kind_display()})"


class AccountabilityMeasure(ScopedModel):
    """A measure on a target; measures combine (R10). Influence period from the rule table."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("有效")
        CHANGED = "changed", _("已变更")
        REVOKED = "revoked", _("已撤销")

    case = models.ForeignKey(AccountabilityCase, on_delete=models.PROTECT, related_name="measures")
    target = models.ForeignKey(
        AccountabilityTarget, on_delete=models.PROTECT, related_name="measures"
    )
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("问责方式"), max_length=32, choices=MeasureKind.choices)
    subtype = models.CharField(_("具体方式"), max_length=32, choices=SUBTYPE_CHOICES, blank=True)
    channel = models.CharField(_("渠道"), max_length=24, choices=Channel.choices, editable=False)
    effective_date = models.DateField(_("生效日期"))
    decision_no = models.CharField(_("决定文号"), max_length=64)
    deciding_body = models.ForeignKey(
        Body, verbose_name=_("决定机关"), on_delete=models.PROTECT, related_name="+"
    )
    influence_months = models.PositiveSmallIntegerField(
        _("影响期(月)"), null=True, blank=True, editable=False
    )
    influence_ends = models.DateField(_("影响期届满"), null=True, blank=True, editable=False)
    formalities_due = models.DateField(_("办理手续时限"), null=True, blank=True, editable=False)
    formalities_done_on = models.DateField(_("手续办结日期"), null=True, blank=True)
    expired_at = models.DateTimeField(_("影响期届满标记时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.IN_FORCE
    )
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问责方式")
        verbose_name_plural = _("问责方式")
        ordering = ["case_id", "target_id", "pk"]
        indexes = [
            models.Index(fields=["expired_at", "influence_ends"], name="measure_expiry"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        sub = subtype_label(self.kind, self.subtype)
        kind = self.get_kind_display()
        return f"{kind}·{sub}" if sub else str(kind)

    @property
    def in_influence_period(self) -> bool:
        return (
            self.status == self.Status.IN_FORCE
            and self.influence_ends is not None
            and self.expired_at is None
        )


class CaseCorrection(models.Model):
    """纠错 of a wrong or imprecise decision (2019 art.21)."""

    class Reason(models.TextChoices):
        WRONG_FACTS = "wrong_facts", _("事实认定错误")
        WEAK_EVIDENCE = "weak_evidence", _("证据不足")
        UNCLEAR_RESPONSIBILITY = "unclear_responsibility", _("责任划分不清")
        BAD_PROCEDURE = "bad_procedure", _("程序不合规")
        IMPROPER_HANDLING = "improper_handling", _("处理不当")

    case = models.ForeignKey(
        AccountabilityCase, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(_("纠错原因"), max_length=24, choices=Reason.choices)
    note = models.TextField(_("纠错说明"))
    by_higher_body = models.BooleanField(_("由上级组织直接纠正"), default=False)
    revoked = models.ManyToManyField(AccountabilityMeasure, blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("纠错记录")
        verbose_name_plural = _("纠错记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_reason_display()}"


class Appeal(ScopedModel):
    """申诉 against a decision; the decision stays in force meanwhile (R14, R20)."""

    class Outcome(models.TextChoices):
        PENDING = "", _("待决定")
        UPHELD = "upheld", _("维持")
        CHANGED = "changed", _("变更")
        REVOKED = "revoked", _("撤销")

    case = models.ForeignKey(AccountabilityCase, on_delete=models.PROTECT, related_name="appeals")
    target = models.ForeignKey(
        AccountabilityTarget, on_delete=models.PROTECT, related_name="appeals"
    )
    measure = models.ForeignKey(
        AccountabilityMeasure,
        verbose_name=_("针对的问责方式"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("申诉渠道"), max_length=24, choices=Channel.choices)
    received_on = models.DateField(_("收到决定日期"))
    filed_on = models.DateField(_("提出申诉日期"))
    deadline = models.DateField(_("申诉期限"), editable=False)
    decision_due = models.DateField(_("复查决定时限"), editable=False)
    grounds = models.TextField(_("申诉理由"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("复查结果"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_reasoning = models.TextField(_("复查意见"), blank=True)
    decided_on = models.DateField(_("复查决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-filed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.target.name_snapshot}"

    @property
    def is_pending(self) -> bool:
        return not self.outcome


class ConflictDeclaration(ScopedModel):
    """回避: a person declared (or was declared) to be in a conflict with one case.

    Either an accountability case or a disciplinary case. A declared person may not approve,
    sit on the investigation team of, hear or decide the case (accountability/recusal.py).
    """

    class Reason(models.TextChoices):
        CLOSE_RELATIVE = "close_relative", _("近亲属")
        FORMER_SUPERIOR_SUBORDINATE = "former_superior_subordinate", _("曾有直接上下级关系")
        OTHER = "other", _("其他")

    case = models.ForeignKey(
        AccountabilityCase,
        verbose_name=_("问责案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    disciplinary_case = models.ForeignKey(
        DisciplinaryCase,
        verbose_name=_("纪律审查案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, verbose_name=_("回避人员"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("回避事由"), max_length=32, choices=Reason.choices)
    detail = models.TextField(_("具体情况"), blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(_("申报时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        ordering = ["declared_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False, disciplinary_case__isnull=True)
                | Q(case__isnull=True, disciplinary_case__isnull=False),
                name="conflict_on_one_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_reason_display()}"


# --- 党风廉政意见回复 (issue 16) ---------------------------------------------------------------


class IntegrityRequest(ScopedModel):
    """A batch of names the organisation department (组织部) asks the 纪委 about, with the
    purpose (提拔, 评优, 换届 …). `org` is the requesting department's unit; each name is an
    `IntegrityReply` answered by the commission with jurisdiction over that person."""

    class Purpose(models.TextChoices):
        PROMOTION = "promotion", _("提拔任用")
        COMMENDATION = "commendation", _("评优评先")
        ELECTION = "election", _("换届")
        TRANSFER = "transfer", _("交流轮岗")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待回复")
        RETURNED = "returned", _("已回复")
        WITHDRAWN = "withdrawn", _("已撤回")

    org = models.ForeignKey(
        Organization, verbose_name=_("征求单位"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        Tenure, verbose_name=_("征求人"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("征求事由"), max_length=16, choices=Purpose.choices)
    purpose_note = models.CharField(_("事由说明"), max_length=200, blank=True)
    lookback_years = models.PositiveSmallIntegerField(_("核查近几年"), default=3)
    due_date = models.DateField(_("回复期限"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党风廉政意见征求")
        verbose_name_plural = _("党风廉政意见征求")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return _("%(purpose)s征求意见(%(day)s)") % {
            "purpose": self.get_purpose_display(),
            "day": timezone.localdate(self.submitted_at).isoformat(),
        }


class IntegrityReply(ScopedModel):
    """The 纪委's reply about one person: drafted from the records, edited, signed off by the
    commission's secretary (签字背书, R27) and returned. `org_path` is the request's unit;
    `handling_path` is the unit whose commission has jurisdiction (the person's managing
    committee's unit, 干部管理权限)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SIGNED = "signed", _("已签字")
        RETURNED = "returned", _("已回复")

    class Conclusion(models.TextChoices):
        CLEAR = "clear", _("未发现影响使用的问题")
        NOTED = "noted", _("有需说明的情况,不影响使用")
        OBJECTION = "objection", _("有不同意见")

    request = models.ForeignKey(IntegrityRequest, on_delete=models.PROTECT, related_name="replies")
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    unit_snapshot = models.CharField(_("单位职务"), max_length=300, blank=True)
    commission = models.ForeignKey(
        Body, verbose_name=_("回复机关"), on_delete=models.PROTECT, related_name="+"
    )
    handling_path = models.CharField(max_length=255, db_index=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    conclusion = models.CharField(
        _("回复结论"), max_length=12, choices=Conclusion.choices, blank=True
    )
    text = models.TextField(_("回复意见"), blank=True)
    drafted_at = models.DateTimeField(_("草稿生成时间"), null=True, blank=True, editable=False)
    facts = models.JSONField(_("核查情况"), default=dict, editable=False)
    signed_by = models.ForeignKey(
        Tenure,
        verbose_name=_("签字背书人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True, editable=False)
    returned_at = models.DateTimeField(_("回复时间"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党风廉政意见回复")
        verbose_name_plural = _("党风廉政意见回复")
        ordering = ["request_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "person"], name="integrity_reply_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_conclusion_display()}"
