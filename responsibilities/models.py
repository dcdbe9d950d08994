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


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, org: "Organization") -> "OrganizationQuerySet":
        return self.filter(path__startswith=org.path)

    def ancestors_of(self, org: "Organization") -> "OrganizationQuerySet":
        return self.filter(path__in=org.ancestor_paths()).order_by("depth")


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

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def org_path(self) -> str:
        # Lets an organisation be scoped by the same predicate as every other scoped row.
        return self.path

    def ancestor_paths(self) -> list[str]:
        width = PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR)
        return [self.path[: width * i] for i in range(1, len(self.path) // width)]

    def is_descendant_of(self, other: "Organization") -> bool:
        return self.path.startswith(other.path) and self.path != other.path


class Body(models.Model):
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
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
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


class Portfolio(models.Model):
    """An area of work (分管领域) a team member leads; scopes their 一岗双责."""

    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="portfolios"
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return self.name


class TenureQuerySet(models.QuerySet):
    def held_on(self, day: datetime.date) -> "TenureQuerySet":
        """Tenures in force on `day` (start inclusive, end inclusive)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def current(self) -> "TenureQuerySet":
        return self.held_on(timezone.localdate())


class Tenure(models.Model):
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
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
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
    objects = TenureQuerySet.as_manager()

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["org__path", "role", "-start_date"]
        indexes = [models.Index(fields=["org", "role", "start_date"], name="tenure_org_role_start")]
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
