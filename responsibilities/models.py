"""The org tree, people and tenures: the base every scoped record stands on.

Scope is a materialised path: each organisation's `path` is its ancestors' fixed-width
segments ("0001.0003.0012."), so "X's subtree" is one indexed prefix predicate.
Scoped rows elsewhere copy their organisation's path into `org_path` (see scoping.py).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from responsibilities.scoped import (
    Capability,
    ScopedModel,
    ScopedQuerySet,
    scope_roots,
    sees_everything,
)
from responsibilities.scoping import paths_q

PATH_SEGMENT_WIDTH = 4
PATH_SEPARATOR = "."
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def path_segment(number: int) -> str:
    """Fixed-width base-36 segment, so string order equals sibling order."""
    if not 0 < number < len(PATH_ALPHABET) ** PATH_SEGMENT_WIDTH:
        raise ValueError(f"path segment out of range: {number}")
    digits = []
    while number:
        number, rest = divmod(number, len(PATH_ALPHABET))
        digits.append(PATH_ALPHABET[rest])
    return "".join(reversed(digits)).rjust(PATH_SEGMENT_WIDTH, "0") + PATH_SEPARATOR


def segment_number(segment: str) -> int:
    return int(segment.rstrip(PATH_SEPARATOR), len(PATH_ALPHABET))


# Length of one path step ("0001."): the only place path arithmetic may use.
PATH_STEP = PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR)


class OrganizationQuerySet(ScopedQuerySet):
    def subtree_of(self, org: "Organization") -> "OrganizationQuerySet":
        return self.filter(path__startswith=org.path)

    def ancestors_of(self, org: "Organization") -> "OrganizationQuerySet":
        return self.filter(path__in=org.ancestor_paths()).order_by("depth")

    def scope_roots(self, user, capability: Capability) -> "OrganizationQuerySet":
        """The top units of the user's subtrees for `capability`."""
        return self.filter(path__in=scope_roots(user, capability))

    def within(self, roots: list[str], *, below: int) -> "OrganizationQuerySet":
        """Units in the subtrees of `roots`, down to `below` levels under the highest root."""
        if not roots:
            return self.none()
        top = min(Organization.path_depth(root) for root in roots)
        return self.filter(paths_q(roots, "path"), depth__lte=top + below)

    def pickable(
        self, user, capability: Capability, *, below: int, active_only: bool = True
    ) -> "OrganizationQuerySet":
        """The units `user` may pick in a form for `capability`: their subtrees, down to
        `below` levels under their highest unit (an unrestricted user: the top levels)."""
        qs = self.filter(is_active=True) if active_only else self.all()
        if sees_everything(user):
            return qs.filter(depth__lte=1 + below)
        return qs.within(scope_roots(user, capability), below=below)


class Organization(models.Model):
    """A unit in the Party line: province, city, county, township, department, enterprise…"""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县(市、区)")
        TOWNSHIP = "township", _("乡镇")
        STREET = "street", _("街道")
        VILLAGE = "village", _("村(社区)")
        DEPARTMENT = "department", _("部门")
        INSTITUTION = "institution", _("事业单位")
        ENTERPRISE = "enterprise", _("国有企业")
        SCHOOL = "school", _("学校")
        OTHER = "other", _("其他")

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # unique=True gives a btree index; on PostgreSQL Django adds a *_like
    # (varchar_pattern_ops) index too, which serves path LIKE 'prefix%'.
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False)
    # Denormalised answer to "which discipline body supervises this organisation":
    # a stationed team where one is stationed here, else the nearest discipline commission.
    supervising_body = models.ForeignKey(
        "Body",
        verbose_name=_("监督机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_orgs",
        editable=False,
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Optimistic concurrency (liangge_zeren/concurrency.py): bumped by each edit.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def committee_name(self) -> str:
        """The name its documents go out under: its Party committee (group), else its own."""
        body = self.bodies.filter(kind__in=Body.COMMITTEE_KINDS, is_active=True).first()
        return body.name if body else self.name

    @property
    def org_path(self) -> str:
        # Lets an organisation be scoped by the same predicate as every other scoped row.
        return self.path

    def ancestor_paths(self) -> list[str]:
        return self.path_prefixes(self.path)[:-1]

    @property
    def parent_path(self) -> str | None:
        """The parent unit's path (None for a root), without a query."""
        return self.ancestor_path(self.path, 1)

    @property
    def child_path_length(self) -> int:
        """Length of a direct child's path: a row's `org_path[:child_path_length]` names
        the child subtree it lies in."""
        return len(self.path) + PATH_STEP

    @staticmethod
    def path_depth(path: str) -> int:
        """Depth of the unit with this path (a root is 1)."""
        return len(path) // PATH_STEP

    @staticmethod
    def path_prefixes(path: str) -> list[str]:
        """The paths of the unit's ancestors and itself, root first."""
        return [path[: PATH_STEP * i] for i in range(1, Organization.path_depth(path) + 1)]

    @staticmethod
    def ancestor_path(path: str, levels_up: int) -> str | None:
        """The path `levels_up` levels above `path`, or None above the root."""
        depth = Organization.path_depth(path) - levels_up
        return path[: PATH_STEP * depth] if depth >= 1 else None

    def is_descendant_of(self, other: "Organization") -> bool:
        return self.path.startswith(other.path) and self.path != other.path


class Body(ScopedModel):
    """A governing body of an organisation: its Party committee or group, or a discipline body."""

    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("党委")
        PARTY_LEADERSHIP_GROUP = "party_leadership_group", _("党组")
        WORKING_COMMITTEE = "working_committee", _("党工委")
        BRANCH = "branch", _("党支部")
        DISCIPLINE_COMMISSION = "discipline_commission", _("纪委监委")
        DISCIPLINE_WORK_COMMITTEE = "discipline_work_committee", _("纪工委")
        STATIONED_DISCIPLINE_TEAM = "stationed_discipline_team", _("派驻纪检监察组")

    COMMITTEE_KINDS = frozenset(
        {Kind.PARTY_COMMITTEE, Kind.PARTY_LEADERSHIP_GROUP, Kind.WORKING_COMMITTEE, Kind.BRANCH}
    )
    DISCIPLINE_KINDS = frozenset(
        {
            Kind.DISCIPLINE_COMMISSION,
            Kind.DISCIPLINE_WORK_COMMITTEE,
            Kind.STATIONED_DISCIPLINE_TEAM,
        }
    )

    code = models.CharField(_("编码"), max_length=32, unique=True)
    org = models.ForeignKey(
        Organization, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="bodies"
    )
    kind = models.CharField(_("机构类型"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    # A stationed team is sent by a higher discipline commission and answers to the sender.
    sent_by = models.ForeignKey(
        "self",
        verbose_name=_("派出机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stationed_teams",
    )
    stationed_in = models.ManyToManyField(
        Organization,
        verbose_name=_("派驻单位"),
        blank=True,
        related_name="stationed_teams",
    )
    is_active = models.BooleanField(_("有效"), default=True)

    history = HistoricalRecords(m2m_fields=[stationed_in])

    class Meta:
        verbose_name = _("党组织或纪检机构")
        verbose_name_plural = _("党组织与纪检机构")
        ordering = ["org__path", "kind"]
        indexes = [
            # The bodies of one kind in a subtree (a province's 160 stationed teams for the
            # 派驻组负荷 warning, among 23,000 bodies; issue 19).
            models.Index(
                fields=["kind", "org_path"],
                opclasses=["varchar_ops", "varchar_pattern_ops"],
                name="body_kind_path",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_discipline(self) -> bool:
        return self.kind in self.DISCIPLINE_KINDS

    @property
    def is_committee(self) -> bool:
        return self.kind in self.COMMITTEE_KINDS

    def clean(self):
        if self.kind == self.Kind.STATIONED_DISCIPLINE_TEAM:
            if self.sent_by_id is None:
                raise ValidationError({"sent_by": _("派驻纪检监察组必须有派出机关。")})
            if self.sent_by and self.sent_by.kind != self.Kind.DISCIPLINE_COMMISSION:
                raise ValidationError({"sent_by": _("派出机关必须是纪委监委。")})
        elif self.sent_by_id is not None:
            raise ValidationError({"sent_by": _("只有派驻纪检监察组才有派出机关。")})


class Portfolio(ScopedModel):
    """An area of work (分管领域) a team member leads; scopes their 一岗双责."""

    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="portfolios"
    )
    name = models.CharField(_("分管领域"), max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("分管领域")
        verbose_name_plural = _("分管领域")
        ordering = ["org__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="portfolio_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A cadre. Deliberately no national ID number (PIPL; see domain.md)."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    code = models.CharField(_("人员编码"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    party_member = models.BooleanField(_("中共党员"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    # The person's identifier at the unified identity platform or in the directory (e.g. the
    # employee number): single sign-on finds the account by it (security/sso.py), never by name.
    external_id = models.CharField(
        _("统一身份标识"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("统一身份认证平台或目录服务中的人员标识(如工号),用于单点登录匹配账号。"),
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return self.name


class TenureQuerySet(ScopedQuerySet):
    def held_on(self, day: datetime.date) -> "TenureQuerySet":
        """Tenures in force on `day` (start inclusive, end inclusive)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def current(self) -> "TenureQuerySet":
        return self.held_on(timezone.localdate())


class Tenure(ScopedModel):
    """A person holding a post in a body of an organisation for a period.

    Responsibility follows the post at a date, not the person: "who held role R in X on D"
    is `Tenure.objects.held_on(D).filter(org=X, role=R)`. Ending a tenure sets end_date;
    rows are never deleted.
    """

    class Role(models.TextChoices):
        SECRETARY = "secretary", _("书记(第一责任人)")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        TEAM_MEMBER = "team_member", _("班子成员")
        DISCIPLINE_SECRETARY = "discipline_secretary", _("纪委书记")
        DISCIPLINE_OFFICER = "discipline_officer", _("纪检干部")
        STATIONED_TEAM_LEADER = "stationed_team_leader", _("派驻纪检监察组组长")
        CLERK = "clerk", _("联络员")
        ORG_DEPARTMENT = "org_department", _("组织部")

    COMMITTEE_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.TEAM_MEMBER})
    DISCIPLINE_ROLES = frozenset(
        {Role.DISCIPLINE_SECRETARY, Role.DISCIPLINE_OFFICER, Role.STATIONED_TEAM_LEADER}
    )

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="tenures"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="tenures"
    )
    body = models.ForeignKey(
        Body, verbose_name=_("所在机构"), on_delete=models.PROTECT, related_name="tenures"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    title = models.CharField(_("职务名称"), max_length=100, blank=True)
    portfolios = models.ManyToManyField(
        Portfolio, verbose_name=_("分管领域"), blank=True, related_name="tenures"
    )
    start_date = models.DateField(_("任职开始"))
    end_date = models.DateField(_("任职结束"), null=True, blank=True)
    end_reason = models.CharField(_("离任原因"), max_length=200, blank=True)

    history = HistoricalRecords(m2m_fields=[portfolios])
    objects = TenureQuerySet.as_manager()  # type: ignore[misc]  # narrows ScopedModel.objects

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["org__path", "role", "-start_date"]
        indexes = [
            models.Index(fields=["org", "role", "start_date"], name="tenure_org_role_start"),
            # A role's posts in a subtree (LIKE 'path%': the pattern operator class on
            # PostgreSQL; other databases ignore opclasses): the 纪检负责人兼职 warning's
            # leaders of a county without reading the province's (issue 19).
            models.Index(
                fields=["role", "org_path"],
                opclasses=["varchar_ops", "varchar_pattern_ops"],
                name="tenure_role_path",
            ),
            # Posts outside the committee and the 纪委 (a clerk, the organisation department):
            # the 纪检负责人兼职 warning asks whether a leader holds one, for a province's
            # leaders at once (issue 19). The roles are COMMITTEE_ROLES | DISCIPLINE_ROLES,
            # spelled out because Meta cannot read the class body (a test compares them).
            models.Index(
                fields=["person", "start_date", "end_date"],
                condition=~Q(
                    role__in=[
                        "secretary",
                        "deputy_secretary",
                        "team_member",
                        "discipline_secretary",
                        "discipline_officer",
                        "stationed_team_leader",
                    ]
                ),
                name="tenure_other_posts",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="tenure_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "body", "role", "start_date"], name="tenure_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.org} {self.get_role_display()}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)

    def clean(self):
        errors = {}
        if (
            self.body_id
            and self.org_id
            and self.body.org_id != self.org_id
            and not (
                self.body.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM
                and self.body.stationed_in.filter(pk=self.org_id).exists()
            )
        ):
            errors["body"] = _("所在机构必须属于该组织。")
        if self.body_id and self.role:
            if self.role in self.COMMITTEE_ROLES and not self.body.is_committee:
                errors["role"] = _("该角色只能在党委(党组)中任职。")
            if self.role in self.DISCIPLINE_ROLES and not self.body.is_discipline:
                errors["role"] = _("该角色只能在纪检监察机构中任职。")
            if (
                self.role == self.Role.STATIONED_TEAM_LEADER
                and self.body.kind != Body.Kind.STATIONED_DISCIPLINE_TEAM
            ):
                errors["role"] = _("组长角色只能在派驻纪检监察组中任职。")
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("任职结束日期不能早于开始日期。")
        if errors:
            raise ValidationError(errors)


# --- Responsibility lists, letters, duty logs and reports (issue 3) ----------------------
#
# Every row below carries `org` and a copied `org_path` (set in responsibilities/duties.py).


class ActionType(models.TextChoices):
    """What a duty-log entry records; items name the kind of action they require."""

    COMMITTEE_MEETING = "committee_meeting", _("党风廉政建设专题会议")
    DOCUMENT_RELAY = "document_relay", _("传达文件或会议精神")
    STUDY_SESSION = "study_session", _("学习研讨")
    TALK = "talk", _("谈心谈话")
    SUPERVISION_VISIT = "supervision_visit", _("督导检查")
    REPORT_REVIEW = "report_review", _("听取汇报或审阅报告")
    LECTURE = "lecture", _("讲廉政党课")
    PETITION = "petition", _("处理信访举报")
    MAJOR_DECISION = "major_decision", _("重大事项决策")
    OTHER = "other", _("其他")


class WorkArea(models.TextChoices):
    """The area of Party work (全面从严治党) a responsibility item covers, a finding concerns
    and an accountability case found failing: one classification, so the 倒查 chain can match
    a case's area to the items of that area. The areas follow the 2019 问责条例 art.7 grounds
    2-8; "supervision" is the supervision of power in general (监督制约), not the discipline
    commission's 监督责任 alone."""

    POLITICAL = "political", _("政治建设")
    IDEOLOGICAL = "ideological", _("思想建设")
    ORGANISATIONAL = "organisational", _("组织建设")
    CONDUCT = "conduct", _("作风建设")
    DISCIPLINE = "discipline", _("纪律建设")
    ANTI_CORRUPTION = "anti_corruption", _("党风廉政建设和反腐败斗争")
    SUPERVISION = "supervision", _("监督制约")
    OTHER = "other", _("其他")


# "以会议贯彻会议": the action types that are only meetings or document relays.
MEETING_ONLY_ACTIONS = frozenset({ActionType.COMMITTEE_MEETING, ActionType.DOCUMENT_RELAY})


class ResponsibilityList(ScopedModel):
    """A responsibility list (责任清单) of one organisation, year and subject."""

    class SubjectType(models.TextChoices):
        COMMITTEE_COLLECTIVE = "committee_collective", _("党委(党组)主体责任")
        FIRST_RESPONSIBLE_PERSON = "first_responsible_person", _("书记第一责任人责任")
        TEAM_MEMBER = "team_member", _("班子成员一岗双责")
        DISCIPLINE_COMMISSION = "discipline_commission", _("纪委监督责任")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已交责")
        ACKNOWLEDGED = "acknowledged", _("已认领")
        IN_FORCE = "in_force", _("执行中")
        ARCHIVED = "archived", _("已归档")

    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="duty_lists"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    subject_type = models.CharField(_("责任主体"), max_length=32, choices=SubjectType.choices)
    subject_tenure = models.ForeignKey(
        Tenure,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_lists",
    )
    title = models.CharField(_("清单名称"), max_length=200)
    based_on = models.CharField(_("制定依据"), max_length=200, blank=True)
    is_template = models.BooleanField(_("下发模板"), default=False)
    template = models.ForeignKey(
        "self",
        verbose_name=_("所依据的上级模板"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adoptions",
    )
    issued_by = models.ForeignKey(
        Tenure,
        verbose_name=_("交责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # Copy detection results, stored so province-wide roll-ups read columns, not text.
    verbatim_count = models.PositiveIntegerField(_("照搬条目数"), default=0, editable=False)
    localisation_ratio = models.FloatField(_("本地化比例"), null=True, blank=True, editable=False)
    copy_flagged = models.BooleanField(_("照搬照抄预警"), default=False, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("责任清单")
        verbose_name_plural = _("责任清单")
        ordering = ["org_path", "-year", "subject_type", "pk"]
        indexes = [models.Index(fields=["org", "year"], name="dutylist_org_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status != self.Status.ARCHIVED

    @property
    def needs_change_reason(self) -> bool:
        """Once in force, nothing changes silently: each change is a version with a reason."""
        return self.status == self.Status.IN_FORCE


class ResponsibilityItem(ScopedModel):
    """One clause of a list: what must be done, how often, by whom."""

    Category = WorkArea  # the item's area of work

    class Frequency(models.TextChoices):
        ONCE = "once", _("一次性")
        MONTHLY = "monthly", _("每月")
        QUARTERLY = "quarterly", _("每季度")
        SEMIANNUAL = "semiannual", _("每半年")
        ANNUAL = "annual", _("每年")
        AD_HOC = "ad_hoc", _("不定期")

    list = models.ForeignKey(
        ResponsibilityList, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="items"
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="duty_items"
    )
    number = models.PositiveSmallIntegerField(_("序号"), default=1)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    content = models.TextField(_("责任内容"))
    required_action_type = models.CharField(
        _("履责方式"), max_length=32, choices=ActionType.choices, blank=True
    )
    # Where the list says the method is binding, a log of another method may not cite the item;
    # otherwise a different method is allowed but flagged (issue 17.8).
    method_required = models.BooleanField(
        _("须采用该履责方式"),
        default=False,
        help_text=_("勾选后,只有采用上述履责方式的纪实才能计入本条目。"),
    )
    frequency = models.CharField(
        _("频次"), max_length=16, choices=Frequency.choices, default=Frequency.ANNUAL
    )
    min_count = models.PositiveSmallIntegerField(_("每期最少次数"), default=1)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    evidence_required = models.CharField(_("佐证材料"), max_length=200, blank=True)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=1)
    is_mandatory = models.BooleanField(_("规定动作"), default=True)
    is_ad_hoc = models.BooleanField(_("临时性重点工作"), default=False)
    source_item = models.ForeignKey(
        "self",
        verbose_name=_("模板条目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adopted_items",
    )
    portfolio = models.ForeignKey(
        Portfolio,
        verbose_name=_("分管领域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_items",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    similarity = models.FloatField(_("与模板相似度"), null=True, blank=True, editable=False)
    is_verbatim = models.BooleanField(_("照搬模板"), default=False, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任条目")
        verbose_name_plural = _("责任条目")
        ordering = ["list_id", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.number}. {self.content[:40]}"

    @property
    def is_innovation(self) -> bool:
        """自选动作: an item the unit added on its own initiative."""
        return not self.is_mandatory


class ItemAssignment(ScopedModel):
    """Who leads (牵头) or helps (配合) with an item. Two leads are allowed so overlap shows."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头")
        CO = "co", _("配合")

    item = models.ForeignKey(
        ResponsibilityItem,
        verbose_name=_("条目"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    tenure = models.ForeignKey(
        Tenure, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="item_assignments"
    )
    role = models.CharField(_("分工"), max_length=8, choices=Role.choices)
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        constraints = [
            models.UniqueConstraint(fields=["item", "tenure"], name="assignment_unique_tenure")
        ]

    def __str__(self) -> str:
        return f"{self.tenure_id}:{self.role}@{self.item_id}"


class ResponsibilityLetter(ScopedModel):
    """A responsibility letter (责任书) frozen from the signee's items; optional per deployment."""

    class Status(models.TextChoices):
        DRAFTED = "drafted", _("拟定")
        SENT = "sent", _("已送签")
        SIGNED = "signed", _("已签订")
        SUPERSEDED = "superseded", _("已失效")
        ARCHIVED = "archived", _("已归档")

    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="duty_letters"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=100)
    issuer_tenure = models.ForeignKey(
        Tenure, verbose_name=_("交责方"), on_delete=models.PROTECT, related_name="+"
    )
    signee_tenure = models.ForeignKey(
        Tenure,
        verbose_name=_("承诺方"),
        on_delete=models.PROTECT,
        related_name="signed_letters",
    )
    # Frozen snapshot of what is being signed; hashed canonically (sorted keys, no spaces).
    content = models.JSONField(_("责任书内容"))
    content_sha256 = models.CharField(max_length=64, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    previous_version = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_versions",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFTED
    )
    superseded_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任书")
        verbose_name_plural = _("责任书")
        ordering = ["org_path", "-year", "pk"]

    def __str__(self) -> str:
        return f"{self.title}({self.signee_tenure.person})"


class Signature(ScopedModel):
    """One signature on a letter, chained per organisation (append-only)."""

    class Role(models.TextChoices):
        ISSUER = "issuer", _("交责方")
        SIGNEE = "signee", _("承诺方")

    letter = models.ForeignKey(
        ResponsibilityLetter,
        verbose_name=_("责任书"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("签署身份"), max_length=8, choices=Role.choices)
    signer_tenure = models.ForeignKey(
        Tenure, verbose_name=_("签署人"), on_delete=models.PROTECT, related_name="+"
    )
    signer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("签署时间"))
    ip = models.GenericIPAddressField(_("签署IP"), null=True, blank=True)
    content_sha256 = models.CharField(max_length=64)
    prev_sha256 = models.CharField(max_length=64, blank=True)
    chain_sha256 = models.CharField(max_length=64, unique=True)
    # The chain key whose MAC `chain_sha256` is ("" = signed before the chains were keyed:
    # plain SHA-256, verified up to the head the audit log's `chain_rekey` entry recorded).
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("签字背书")
        verbose_name_plural = _("签字背书")
        ordering = ["org_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "role"], name="signature_once_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.signed_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("签字记录不可修改。"))
        super().save(*args, **kwargs)


class DutyLog(ScopedModel):
    """履责纪实: what a secretary or member actually did, linked to the items it satisfies."""

    class TalkType(models.TextChoices):
        DAILY = "daily", _("日常谈心谈话")
        PRE_APPOINTMENT = "pre_appointment", _("任前廉政谈话")
        SUPERVISORY = "supervisory", _("监督谈话")
        REMINDER = "reminder", _("提醒谈话")
        SUMMONS = "summons", _("约谈")
        ADMONITION = "admonition", _("诫勉谈话")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        RESUBMITTED = "resubmitted", _("已重新提交")
        ACCEPTED = "accepted", _("已审核(锁定)")

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
    REVIEWABLE = frozenset({Status.SUBMITTED, Status.RESUBMITTED})
    # Logs that count towards item progress (a returned log does not until resubmitted).
    COUNTED = frozenset({Status.SUBMITTED, Status.RESUBMITTED, Status.ACCEPTED})

    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="duty_logs"
    )
    tenure = models.ForeignKey(
        Tenure, verbose_name=_("履责人"), on_delete=models.PROTECT, related_name="duty_logs"
    )
    action_type = models.CharField(_("履责方式"), max_length=32, choices=ActionType.choices)
    occurred_on = models.DateField(_("履责日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    participants = models.CharField(_("参加人员"), max_length=500, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("主要内容"))
    outcome = models.TextField(_("成效"), blank=True)
    talk_type = models.CharField(_("谈话类型"), max_length=20, choices=TalkType.choices, blank=True)
    talk_target = models.CharField(_("谈话对象"), max_length=100, blank=True)
    items = models.ManyToManyField(
        ResponsibilityItem, verbose_name=_("对应责任条目"), blank=True, related_name="duty_logs"
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)
    is_late_entry = models.BooleanField(_("补录"), default=False, editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewer = models.ForeignKey(
        Tenure,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    # Optimistic concurrency (liangge_zeren/concurrency.py): bumped by each edit.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[items])

    class Meta:
        verbose_name = _("履责纪实")
        verbose_name_plural = _("履责纪实")
        ordering = ["-occurred_on", "-pk"]
        indexes = [
            models.Index(fields=["org_path", "occurred_on"], name="dutylog_path_day"),
            models.Index(fields=["tenure", "occurred_on"], name="dutylog_tenure_day"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @property
    def is_meeting_only(self) -> bool:
        return self.action_type in MEETING_ONLY_ACTIONS


class DutyLogAmendment(ScopedModel):
    """An append-only correction to an accepted (locked) duty log."""

    log = models.ForeignKey(
        DutyLog, verbose_name=_("履责纪实"), on_delete=models.PROTECT, related_name="amendments"
    )
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("补正人"), on_delete=models.PROTECT
    )
    text = models.TextField(_("补正说明"))
    created_at = models.DateTimeField(_("补正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("履责纪实补正")
        verbose_name_plural = _("履责纪实补正")
        ordering = ["log_id", "pk"]

    def __str__(self) -> str:
        return self.text[:40]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("补正记录只能追加,不能修改。"))
        super().save(*args, **kwargs)


class Attachment(ScopedModel):
    """Evidence file of a duty log, stored outside the web root under a random name."""

    log = models.ForeignKey(
        DutyLog, verbose_name=_("履责纪实"), on_delete=models.PROTECT, related_name="attachments"
    )
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    is_removed = models.BooleanField(_("已移除"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["log_id", "pk"]

    def __str__(self) -> str:
        return self.original_name


class DutyReport(ScopedModel):
    """Annual duty report (报告工作 / 述责述廉) of a committee (tenure empty) or a person."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送")
        ACKNOWLEDGED = "acknowledged", _("上级已阅")

    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="duty_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    tenure = models.ForeignKey(
        Tenure,
        verbose_name=_("述责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_reports",
    )
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("报告正文"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Tenure,
        verbose_name=_("审阅人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    comment = models.TextField(_("上级意见"), blank=True)
    # Optimistic concurrency (liangge_zeren/concurrency.py): bumped by each edit.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("履责报告")
        verbose_name_plural = _("履责报告")
        ordering = ["org_path", "-year", "pk"]

    def __str__(self) -> str:
        return self.title


# --- Cadre-management authority (干部管理权限, issue 13) ----------------------------------


class ManagementAuthority(models.Model):
    """Who manages the holder of a post: a rule table the system administrator edits.

    A rule names a role (and optionally a kind of unit: a blank kind is the default for every
    kind; a row for the kind wins over it) and the level of the managing Party committee:
    the unit's own committee or the committee one level up ("下管一级", the default for
    the leadership team). `discipline_levels_up` is where disciplinary cases on the holder
    are led (R26): that many levels above the post's unit, the 纪委 of that level or higher.
    """

    class Level(models.TextChoices):
        OWN = "own", _("本单位党委(党组)")
        HIGHER = "higher", _("上一级党委(下管一级)")

    org_kind = models.CharField(
        _("单位类型"),
        max_length=20,
        choices=Organization.Kind.choices,
        blank=True,
        help_text=_("留空表示适用于所有类型的单位;有针对该类型单位的规则时以其为准。"),
    )
    role = models.CharField(_("职务角色"), max_length=32, choices=Tenure.Role.choices)
    managed_by = models.CharField(_("管理权限"), max_length=8, choices=Level.choices)
    discipline_levels_up = models.PositiveSmallIntegerField(
        _("纪律审查主导层级(向上级数)"),
        default=1,
        help_text=_("0:本级纪委;1:上一级纪委;2:上两级纪委。"),
    )
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("干部管理权限")
        verbose_name_plural = _("干部管理权限")
        ordering = ["org_kind", "role"]
        constraints = [
            models.UniqueConstraint(fields=["org_kind", "role"], name="management_authority_unique")
        ]

    def __str__(self) -> str:
        kind = self.get_org_kind_display() or _("各类单位")
        return f"{kind} {self.get_role_display()}:{self.get_managed_by_display()}"


class StudyMaterial(ScopedModel):
    """学习材料 (知责): what to read to know a responsibility item — the article it rests on
    and an excerpt or explanation. Shown on the item's page."""

    item = models.ForeignKey(
        ResponsibilityItem,
        verbose_name=_("条目"),
        on_delete=models.PROTECT,
        related_name="study_materials",
    )
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    source_article = models.CharField(_("出处条款"), max_length=200, blank=True)
    text = models.TextField(_("内容"))
    is_removed = models.BooleanField(_("已移除"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("学习材料")
        verbose_name_plural = _("学习材料")
        ordering = ["item_id", "pk"]

    def __str__(self) -> str:
        return self.title
