"""Forms for lists, items, duty logs, letters and reports (issue 3)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangge_zeren.concurrency import VersionedFormMixin
from responsibilities import duty_logs, evidence, gap_matrix, lists
from responsibilities.models import (
    DutyLog,
    DutyReport,
    Organization,
    Portfolio,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TenureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.person.name} · {obj.title or obj.get_role_display()}"


class TenureMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.person.name} · {obj.title or obj.get_role_display()}"


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        label = f"{obj.list.get_subject_type_display()} {obj.number}. {obj.content[:60]}"
        if obj.required_action_type:
            # Say the item's method where the member picks it, so a mismatch is no surprise.
            method = obj.get_required_action_type_display()
            hint = _("须以“{method}”方式") if obj.method_required else _("方式:{method}")
            label += f"({hint.format(method=method)})"
        return label


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class ListForm(forms.ModelForm):
    subject_tenure = TenureChoiceField(
        label=_("责任人"), queryset=Tenure.objects.none(), required=False
    )

    class Meta:
        model = ResponsibilityList
        fields = ["title", "year", "subject_type", "subject_tenure", "based_on", "is_template"]

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["year"].initial = timezone.localdate().year
        self.fields["subject_tenure"].queryset = (
            Tenure.objects.current().filter(org=org).select_related("person").order_by("role")
        )
        self.fields["subject_tenure"].help_text = _("党委(党组)集体清单不填。")
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        subject = data.get("subject_type")
        personal = subject and subject != ResponsibilityList.SubjectType.COMMITTEE_COLLECTIVE
        if personal and not data.get("subject_tenure") and not data.get("is_template"):
            self.add_error("subject_tenure", _("个人清单必须选择责任人。"))
        return data


class ItemForm(VersionedFormMixin, forms.ModelForm):
    reason = forms.CharField(
        label=_("变更理由"),
        required=False,
        max_length=200,
        help_text=_("清单生效后,任何修改都必须说明理由,并形成新版本。"),
    )

    class Meta:
        model = ResponsibilityItem
        fields = [
            "category",
            "content",
            "required_action_type",
            "method_required",
            "frequency",
            "min_count",
            "due_date",
            "evidence_required",
            "weight",
            "is_mandatory",
            "portfolio",
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 3}), "due_date": DATE}

    def __init__(self, *args, duty_list: ResponsibilityList, **kwargs):
        super().__init__(*args, **kwargs)
        self.duty_list = duty_list
        self.fields["portfolio"].queryset = Portfolio.objects.filter(org=duty_list.org_id)
        self.fields["required_action_type"].required = False
        if not duty_list.needs_change_reason:
            self.fields["reason"].help_text = _("可选。")
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if self.duty_list.needs_change_reason and not (data.get("reason") or "").strip():
            self.add_error("reason", _("清单已生效,必须填写变更理由。"))
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OwnersForm(forms.Form):
    leads = TenureMultipleChoiceField(
        label=_("牵头"),
        queryset=Tenure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    co_owners = TenureMultipleChoiceField(
        label=_("配合"),
        queryset=Tenure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, item: ResponsibilityItem, **kwargs):
        super().__init__(*args, **kwargs)
        members = gap_matrix.committee_members(item.org)
        self.fields["leads"].queryset = members
        self.fields["co_owners"].queryset = members
        if not self.is_bound:
            assignments = list(item.assignments.all())
            self.initial = {
                "leads": [a.tenure_id for a in assignments if a.role == "lead"],
                "co_owners": [a.tenure_id for a in assignments if a.role == "co"],
            }


class IssueForm(forms.Form):
    orgs = forms.ModelMultipleChoiceField(
        label=_("下发单位"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, template: ResponsibilityList, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgs"].queryset = (
            Organization.objects.filter(path__startswith=template.org_path, is_active=True)
            .exclude(pk=template.org_id)
            .exclude(duty_lists__template=template)
            .order_by("path")
        )
        if not self.is_bound:
            self.initial = {"orgs": list(lists.default_issue_targets(template))}


class PushForm(forms.Form):
    content = forms.CharField(label=_("临时性重点工作"), widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("类别"), choices=ResponsibilityItem.Category.choices)
    due_date = forms.DateField(label=_("完成时限"), required=False, widget=DATE)
    reason = forms.CharField(label=_("部署依据"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class DutyLogForm(VersionedFormMixin, forms.ModelForm):
    """One short form: what, when, which items; details are optional."""

    items = ItemChoiceField(
        label=_("对应责任条目(可多选,一次录入满足多项)"),
        queryset=ResponsibilityItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    # On a phone the input opens the camera (issue 17: a photo now, more files later from the
    # log's page, which takes PDF, Word, Excel and text too).
    evidence = forms.FileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("手机上可直接拍照;PDF、Word 等文件可保存后在纪实页面补充上传。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    class Meta:
        model = DutyLog
        fields = [
            "action_type",
            "occurred_on",
            "title",
            "items",
            "talk_type",
            "talk_target",
            "summary",
            "place",
            "participants",
            "outcome",
        ]
        widgets = {
            "occurred_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, tenure: Tenure, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenure = tenure
        self.fields["items"].queryset = duty_logs.items_for_tenure(tenure)
        self.fields["occurred_on"].initial = timezone.localdate()
        self.fields["talk_type"].required = False
        _bootstrap(self)
        self.fields["action_type"].widget.attrs["data-lz-action"] = "1"
        for name in ("talk_type", "talk_target"):
            self.fields[name].widget.attrs["data-lz-talk"] = "1"

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            evidence.validate_upload(upload)  # raises with a clear Chinese message
        return upload

    MORE = ("place", "participants", "outcome", "evidence")

    def main_fields(self):
        return [self[name] for name in self.fields if name not in self.MORE]

    def more_fields(self):
        return [self[name] for name in self.MORE]

    def more_errors(self) -> bool:
        return any(name in self.errors for name in self.MORE)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in duty_logs.LOG_FIELDS}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("accept", _("通过(锁定)")), ("return", _("退回修改"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("退回时必须填写审核意见。"))
        return data


class AmendForm(forms.Form):
    text = forms.CharField(label=_("补正说明"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class UploadForm(forms.Form):
    """Evidence added to a log later; `camera=True` renders the phone-camera variant (the
    same field name, so one view takes both)."""

    file = forms.FileField(label=_("佐证材料"))

    def __init__(self, *args, camera: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if camera:
            self.fields["file"].label = _("拍照上传")
            self.fields["file"].widget.attrs.update({"accept": "image/*", "capture": "environment"})
        _bootstrap(self)


class LetterForm(forms.Form):
    signee = TenureChoiceField(label=_("承诺方"), queryset=Tenure.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signee"].queryset = gap_matrix.committee_members(org)
        self.fields["year"].initial = timezone.localdate().year
        _bootstrap(self)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("请再次输入登录密码以确认签字"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ReportForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = DutyReport
        fields = ["title", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 18})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ReportCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("报告类型"),
        choices=[("committee", _("本单位党委(党组)年度报告")), ("personal", _("本人述责述廉报告"))],
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        _bootstrap(self)


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=_("上级意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
