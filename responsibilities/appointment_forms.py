"""Forms of the appointment pages (issue 16): the input only; the checks that need the
database are the services' (responsibilities/appointments.py)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangge_zeren.spreadsheets import split_list
from responsibilities.appointments import default_body
from responsibilities.forms import ImportForm
from responsibilities.models import Body, Organization, Tenure
from responsibilities.rules import APPOINT

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PORTFOLIO_HELP = _("班子成员的分管领域,多个用分号分隔,如“教育;卫生健康”。")


def merge_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal as the form's errors (on the field it names, if the form has it)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def bodies_of(org: Organization):
    return (
        Body.objects.filter(is_active=True)
        .filter(Q(org=org) | Q(stationed_in=org))
        .distinct()
        .order_by("kind", "pk")
    )


class AppointForm(forms.Form):
    body = forms.ModelChoiceField(label=_("所在机构"), queryset=Body.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Tenure.Role.choices)
    person_code = forms.CharField(
        label=_("人员编码"),
        max_length=32,
        help_text=_("系统中已有人员的编码;新人员填新的编码并填写姓名。"),
    )
    person_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    title = forms.CharField(label=_("职务名称"), max_length=100, required=False)
    portfolios = forms.CharField(
        label=_("分管领域"), max_length=300, required=False, help_text=PORTFOLIO_HELP
    )
    start_date = forms.DateField(label=_("任职开始"), widget=DATE_WIDGET)
    end_date = forms.DateField(
        label=_("任职结束"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("补录已离任的任职时填写;现任留空。"),
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["body"].queryset = bodies_of(org)  # type: ignore[attr-defined]
        self.fields["start_date"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("任职结束日期不能早于开始日期。"))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "org": self.org,
            "body": data["body"],
            "person_code": data["person_code"].strip(),
            "person_name": data["person_name"].strip(),
            "role": data["role"],
            "title": data["title"].strip(),
            "portfolio_names": split_list(data["portfolios"]),
            "start_date": data["start_date"],
            "end_date": data["end_date"],
        }


class TransferForm(forms.Form):
    effective = forms.DateField(
        label=_("调任生效日期"),
        widget=DATE_WIDGET,
        help_text=_("原任职截至生效日期前一日,新任职自生效日期起。"),
    )
    org_code = forms.CharField(label=_("调入单位编码"), max_length=32)
    body_code = forms.CharField(
        label=_("调入机构编码"),
        max_length=32,
        required=False,
        help_text=_("留空时按角色取该单位的党委(党组)或纪检监察机构。"),
    )
    role = forms.ChoiceField(label=_("新角色"), choices=Tenure.Role.choices)
    title = forms.CharField(label=_("新职务名称"), max_length=100, required=False)
    portfolios = forms.CharField(
        label=_("分管领域"), max_length=300, required=False, help_text=PORTFOLIO_HELP
    )
    reason = forms.CharField(label=_("调任说明"), max_length=200, required=False)

    def __init__(self, *args, tenure: Tenure, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenure = tenure
        self.user = user
        self.fields["effective"].initial = timezone.localdate()
        self.fields["org_code"].initial = tenure.org.code

    def clean(self):
        data = super().clean()
        code = (data.get("org_code") or "").strip()
        if code:
            org = (
                Organization.objects.visible_to(self.user, APPOINT)
                .filter(code=code, is_active=True)
                .first()
            )
            if org is None:
                self.add_error(
                    "org_code",
                    _("找不到单位编码“%(code)s”,或该单位不在您的任免范围内。") % {"code": code},
                )
                return data
            data["org"] = org
            body_code = (data.get("body_code") or "").strip()
            if body_code:
                body = bodies_of(org).filter(code=body_code).first()
                if body is None:
                    self.add_error(
                        "body_code", _("该单位没有编码为“%(code)s”的机构。") % {"code": body_code}
                    )
            elif data.get("role"):
                body = default_body(org, data["role"])
                if body is None:
                    self.add_error(
                        "body_code", _("该单位没有(或有多个)适合此角色的机构,请填写机构编码。")
                    )
            data["body"] = body
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "effective": data["effective"],
            "org": data["org"],
            "body": data["body"],
            "role": data["role"],
            "title": data["title"].strip(),
            "portfolio_names": split_list(data["portfolios"]),
            "reason": data["reason"].strip(),
        }


class ReshuffleForm(forms.Form):
    effective = forms.DateField(
        label=_("换届日期"),
        widget=DATE_WIDGET,
        help_text=_("上一届全体成员的任职截至前一日,新一届自当日起任职。"),
    )
    team = forms.CharField(
        label=_("新一届成员"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        max_length=20000,
        help_text=_(
            "每行一人:人员编码,姓名,角色,职务名称,分管领域(分管领域多个用分号分隔)。"
            "角色填中文名称,如“书记(第一责任人)”“副书记”“班子成员”。"
            "可从 Excel 复制粘贴(制表符分隔亦可)。"
        ),
    )
    reason = forms.CharField(label=_("换届说明"), max_length=200, required=False, initial=_("换届"))
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)


class AppointmentImportForm(ImportForm):
    """The cadre system's 任免表: smaller than an org-tree workbook (its bytes ride along in
    the preview's confirm form)."""

    MAX_BYTES = 1024 * 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("任免文件")
        self.fields["file"].help_text = _("干部系统导出的 .xlsx 或 .csv,大小不超过 1 MB。")
