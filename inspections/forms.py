"""Forms of the inspections app. Choice lists are limited to what the user may act on."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models import (
    Feedback,
    Finding,
    FindingResponsibility,
    InspectionRound,
    RectificationTask,
    RiskProfile,
    RoundTarget,
)
from inspections.selectors import resupervised_body
from liangge_zeren.concurrency import VersionedFormMixin
from responsibilities.models import Body, Organization, Person, ResponsibilityItem, Tenure
from responsibilities.scoping import Capability, paths_q

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# How deep below the user's own level the pickers reach (bounded lists at province scale).
PICKER_DEPTH = 2


class BootstrapMixin:
    """Bootstrap classes on every widget (Django's default widgets carry none)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input; validated by content in uploads.py."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


def evidence_field(label=None):
    return MultipleFileField(
        label=label or _("佐证材料"),
        help_text=_("可选多个文件;支持 PDF、图片、Word、Excel、文本,按内容识别类型。"),
    )


def supervised_orgs(user):
    """Organisations in the user's discipline jurisdiction, down to PICKER_DEPTH levels."""
    return Organization.objects.pickable(user, Capability.SUPERVISE, below=PICKER_DEPTH).order_by(
        "path"
    )


def supervised_bodies(user):
    orgs = Organization.objects.pickable(
        user, Capability.SUPERVISE, below=PICKER_DEPTH, active_only=False
    )
    qs = Body.objects.filter(is_active=True, org__in=orgs).exclude(kind=Body.Kind.BRANCH)
    return qs.select_related("org").order_by("org__path", "kind")


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class TenureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        end = obj.end_date.isoformat() if obj.end_date else _("至今")
        return (
            f"{obj.person.name} · {obj.org.name} {obj.get_role_display()} ({obj.start_date}–{end})"
        )


class RoundForm(BootstrapMixin, forms.ModelForm):
    issuing_body = BodyChoiceField(label=_("组织开展机构"), queryset=Body.objects.none())
    target_orgs = forms.ModelMultipleChoiceField(
        label=_("检查对象"),
        queryset=Organization.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = InspectionRound
        fields = [
            "kind",
            "title",
            "issuing_body",
            "year",
            "round_no",
            "target_orgs",
            "team_leader",
            "members",
            "on_site_from",
            "on_site_to",
            "notes",
        ]
        widgets = {
            "on_site_from": DATE,
            "on_site_to": DATE,
            "members": forms.SelectMultiple(attrs={"size": 5}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuing_body"].queryset = supervised_bodies(user)
        self.fields["target_orgs"].queryset = supervised_orgs(user)
        people = Person.objects.filter(
            tenures__in=Tenure.objects.current().filter(
                role__in=Tenure.DISCIPLINE_ROLES,
                org__in=supervised_orgs(user),
            )
        ).distinct()
        self.fields["team_leader"].queryset = people
        self.fields["members"].queryset = people
        self.fields["year"].initial = timezone.localdate().year
        for name in ("team_leader", "members", "on_site_from", "on_site_to"):
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        start, end = data.get("on_site_from"), data.get("on_site_to")
        if start and end and end < start:
            self.add_error("on_site_to", _("进驻结束日期不能早于开始日期。"))
        return data


class RoundEditForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = InspectionRound
        fields = [
            "title",
            "round_no",
            "team_leader",
            "members",
            "on_site_from",
            "on_site_to",
            "notes",
        ]
        widgets = {
            "on_site_from": DATE,
            "on_site_to": DATE,
            "members": forms.SelectMultiple(attrs={"size": 5}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        officers = Tenure.objects.current().filter(
            role__in=Tenure.DISCIPLINE_ROLES, org__in=supervised_orgs(user)
        )
        people = Person.objects.filter(
            Q(Exists(officers.filter(person=OuterRef("pk"))))
            | Q(pk=self.instance.team_leader_id)
            | Q(pk__in=self.instance.members.values("pk"))
        )
        self.fields["team_leader"].queryset = people
        self.fields["members"].queryset = people


class FindingEditForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["category", "severity", "title", "description", "failed_item"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["failed_item"].queryset = ResponsibilityItem.objects.filter(
            org=self.instance.org_id, is_active=True
        ).select_related("list")
        self.fields["failed_item"].required = False


class FeedbackForm(BootstrapMixin, forms.Form):
    target = forms.ModelChoiceField(label=_("检查对象"), queryset=RoundTarget.objects.none())
    audience = forms.ChoiceField(label=_("反馈对象"), choices=Feedback.Audience.choices)
    date = forms.DateField(label=_("反馈日期"), widget=DATE)
    content = forms.CharField(label=_("反馈意见"), widget=forms.Textarea(attrs={"rows": 3}))
    files = evidence_field(_("反馈文件"))

    def __init__(self, *args, round_: InspectionRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = round_.round_targets.select_related("org")
        self.fields["date"].initial = timezone.localdate()


class GiveFeedbackForm(BootstrapMixin, forms.Form):
    feedback_date = forms.DateField(label=_("反馈日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feedback_date"].initial = timezone.localdate()


class ReviewForm(BootstrapMixin, forms.Form):
    target = forms.ModelChoiceField(label=_("检查对象"), queryset=RoundTarget.objects.none())
    date = forms.DateField(label=_("讲评日期"), widget=DATE)
    attendees = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}))
    points = forms.CharField(label=_("讲评要点"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, round_: InspectionRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = round_.round_targets.select_related("org")
        self.fields["date"].initial = timezone.localdate()


class ReportForm(BootstrapMixin, forms.Form):
    content = forms.CharField(label=_("报告内容"), widget=forms.Textarea(attrs={"rows": 5}))
    files = evidence_field(_("报告文件"))


class FindingForm(BootstrapMixin, forms.ModelForm):
    inspecting_body = BodyChoiceField(
        label=_("发现机构"), queryset=Body.objects.none(), required=False
    )
    files = evidence_field()

    class Meta:
        model = Finding
        fields = [
            "org",
            "inspecting_body",
            "source",
            "sub_source",
            "category",
            "severity",
            "title",
            "description",
            "upward_channel",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "upward_channel": _(
                "涉及同级党委班子成员的问题线索:仅本级纪委和上一级纪委可见,同级党委不可见。"
                "按直接责任或领导责任登记同级党委班子成员时自动勾选。"
            ),
        }

    def __init__(self, *args, user, round_: InspectionRound | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        if round_ is not None:
            target_paths = [t.org_path for t in round_.round_targets.all()]
            self.fields["org"].queryset = Organization.objects.filter(
                paths_q(target_paths, "path")
            ).filter(depth__lte=max(Organization.path_depth(p) for p in target_paths) + 1)
            del self.fields["inspecting_body"]
        else:
            self.fields["org"].queryset = supervised_orgs(user)
            self.fields["inspecting_body"].queryset = supervised_bodies(user).filter(
                kind__in=Body.DISCIPLINE_KINDS
            )
            self.fields["inspecting_body"].required = True

    def clean(self):
        data = super().clean()
        source, sub = data.get("source"), data.get("sub_source")
        if source and sub:
            valid = {key for key, _label in Finding.SUB_SOURCES.get(source, [])}
            if sub not in valid:
                self.add_error("sub_source", _("来源细分与问题来源不一致。"))
        return data


class ResponsibilityForm(BootstrapMixin, forms.Form):
    tenure = TenureChoiceField(label=_("责任人(任职)"), queryset=Tenure.objects.none())
    kind = forms.ChoiceField(label=_("责任类型"), choices=FindingResponsibility.Kind.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, finding: Finding, **kwargs):
        super().__init__(*args, **kwargs)
        # Whoever held a post in the unit, then or now (前任/现任).
        self.fields["tenure"].queryset = (
            Tenure.objects.filter(Q(org=finding.org) | Q(org__parent=finding.org))
            .select_related("person", "org")
            .order_by("org__path", "role", "-start_date")
        )


class TaskForm(BootstrapMixin, forms.Form):
    measure = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_tenure = TenureChoiceField(label=_("责任人"), queryset=Tenure.objects.none())
    org = forms.ModelChoiceField(label=_("牵头单位"), queryset=Organization.objects.none())
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    due_date = forms.DateField(label=_("整改时限"), widget=DATE)
    is_long_term = forms.BooleanField(label=_("长期整改(须复查后销号)"), required=False)

    def __init__(self, *args, finding: Finding, **kwargs):
        super().__init__(*args, **kwargs)
        units = Organization.objects.filter(Q(pk=finding.org_id) | Q(parent=finding.org_id))
        self.fields["org"].queryset = units.order_by("path")
        self.fields["org"].initial = finding.org_id
        owners = Tenure.objects.current().filter(org__in=units)
        commission = resupervised_body(finding)
        if commission is not None:  # re-supervision: the commission under re-supervision
            owners = Tenure.objects.current().filter(body=commission)
        self.fields["owner_tenure"].queryset = owners.select_related("person", "org").order_by(
            "org__path", "role"
        )
        today = timezone.localdate()
        self.fields["start_date"].initial = today
        self.fields["due_date"].initial = today + datetime.timedelta(days=60)

    def clean(self):
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", _("整改时限不能早于开始日期。"))
        return data


class TransferForm(BootstrapMixin, forms.Form):
    to_body = BodyChoiceField(label=_("移交机关"), queryset=Body.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_body"].queryset = supervised_bodies(user).filter(
            kind__in=Body.DISCIPLINE_KINDS
        )


class EvidenceForm(BootstrapMixin, forms.Form):
    files = evidence_field()


class ProgressForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("整改进展"), widget=forms.Textarea(attrs={"rows": 3}))
    files = evidence_field()


class ClosureRequestForm(BootstrapMixin, forms.Form):
    statement = forms.CharField(label=_("整改完成情况"), widget=forms.Textarea(attrs={"rows": 3}))
    files = evidence_field()


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ConcealedForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("认定理由"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ExtensionForm(BootstrapMixin, forms.Form):
    new_due_date = forms.DateField(label=_("申请延期至"), widget=DATE)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(BootstrapMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("同意")), ("0", _("不同意"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RiskProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = RiskProfile
        fields = [
            "org",
            "year",
            "power_concentration",
            "funds_density",
            "petitions",
            "case_incidence",
            "audit_issues",
            "notes",
        ]

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs

    def clean(self):
        data = super().clean()
        for name in ("power_concentration", "funds_density"):
            if data.get(name) is not None and data[name] > 10:
                self.add_error(name, _("请填写 0–10 分。"))
        return data

    def validate_unique(self):
        pass  # the service updates the existing row of that unit and year


class LedgerFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("关键词"), required=False)
    org = forms.ModelChoiceField(
        label=_("单位(含下级)"), queryset=Organization.objects.none(), required=False
    )
    round = forms.ModelChoiceField(
        label=_("检查轮次"), queryset=InspectionRound.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部"))] + Finding.Status.choices, required=False
    )
    source = forms.ChoiceField(
        label=_("问题来源"), choices=[("", _("全部"))] + Finding.Source.choices, required=False
    )
    category = forms.ChoiceField(
        label=_("问题类别"), choices=[("", _("全部"))] + Finding.Category.choices, required=False
    )
    severity = forms.ChoiceField(
        label=_("严重程度"), choices=[("", _("全部"))] + Finding.Severity.choices, required=False
    )
    light = forms.ChoiceField(
        label=_("预警"),
        choices=[("", _("全部"))] + RectificationTask.Light.choices,
        required=False,
    )
    year = forms.IntegerField(label=_("登记年度"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, orgs, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        self.fields["round"].queryset = rounds
