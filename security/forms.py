from typing import Any

from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from responsibilities.models import Organization, Person
from security.models import AdminAccountRequest, AdminRole, ApiToken, AuditEntry, ScopeGrant


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "　" * max(obj.depth - 1, 0) + obj.name


# The apps whose records the audit log names (business records, accounts, the log itself).
AUDITED_APPS = (
    "responsibilities",
    "inspections",
    "accountability",
    "assessments",
    "notifications",
    "security",
    "auth",
)


def audited_object_types() -> list[tuple[str, str]]:
    """(object_type, label) for every model the audit log may name, by app then name."""
    models = [m for m in apps.get_models() if m._meta.app_label in AUDITED_APPS]
    models = [m for m in models if not m.__name__.startswith("Historical")]
    return sorted(
        (
            (m._meta.label_lower, f"{m._meta.app_config.verbose_name} · {m._meta.verbose_name}")
            for m in models
        ),
        key=lambda pair: pair[1],
    )


class DatalistInput(forms.TextInput):
    """A text box with suggestions (any value may be typed: exports name a view instead)."""

    options: list[tuple[str, str]] = []

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}-options"
        self.attrs["list"] = list_id
        options = format_html_join(
            "", '<option value="{}">{}</option>', ((v, label) for v, label in self.options)
        )
        box = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("人员(账号或姓名)"), required=False, max_length=150)
    org = OrgChoiceField(
        label=_("组织(含下级)"),
        queryset=Organization.objects.only("pk", "name", "depth", "path").order_by("path"),
        required=False,
        empty_label=_("全部组织"),
    )
    object_type = forms.CharField(
        label=_("对象类型"), required=False, max_length=100, widget=DatalistInput()
    )
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    action = forms.ChoiceField(label=_("操作"), required=False)
    outcome = forms.ChoiceField(label=_("结果"), required=False)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("全部操作")), *AuditEntry.Action.choices]
        self.fields["outcome"].choices = [("", _("全部结果")), *AuditEntry.Outcome.choices]
        self.fields["object_type"].widget.options = audited_object_types()
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError(_("截止日期不能早于起始日期。"))
        return data

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["person"]:
            term = data["person"].strip()
            user_ids = Person.objects.filter(name__contains=term, user__isnull=False).values(
                "user_id"
            )
            qs = qs.filter(
                Q(actor_username__iexact=term)
                | Q(actor_name__contains=term)
                | Q(actor_id__in=user_ids)
                | Q(details__attempted_username=term)
            )
        if data["org"]:
            # Records about the subtree, and everything done by people posted in it.
            path = data["org"].path
            staff = Person.objects.filter(
                tenures__org_path__startswith=path, user__isnull=False
            ).values("user_id")
            qs = qs.filter(Q(org_path__startswith=path) | Q(actor_id__in=staff))
        if data["object_type"].strip():
            qs = qs.filter(object_type=data["object_type"].strip())
        if data["object_id"].strip():
            qs = qs.filter(object_id=data["object_id"].strip())
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["outcome"]:
            qs = qs.filter(outcome=data["outcome"])
        if data["date_from"]:
            qs = qs.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(at__date__lte=data["date_to"])
        return qs

    def summary(self) -> dict:
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["org"] = data["org"].name if data["org"] else ""
        return {k: str(v) for k, v in data.items() if v}


class UnlockForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    ip_address = forms.CharField(required=False, max_length=45)

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("ip_address"):
            raise forms.ValidationError(_("请指定要解除锁定的账号或 IP 地址。"))
        return data


class OTPTokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态口令"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入 6 位数字动态口令。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "form-control"}
        ),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("恢复码"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "form-control"}),
    )


class PasswordConfirmForm(forms.Form):
    """Re-entering the password before a sensitive change (new recovery codes)."""

    password = forms.CharField(
        label=_("当前密码"),
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "form-control"}
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("密码不正确。"))
        return password


class _Bootstrap:
    """Bootstrap classes; ids prefixed per form (several forms share one page)."""

    ID_PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.ID_PREFIX}%s")
        super().__init__(*args, **kwargs)

    def _style(self):
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class RoleAssignForm(_Bootstrap, forms.Form):
    ID_PREFIX = "role_"
    role = forms.ChoiceField(label=_("管理角色"), choices=[("", "—"), *AdminRole.choices])
    reason = forms.CharField(label=_("授权依据"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ReasonForm(_Bootstrap, forms.Form):
    ID_PREFIX = "revoke_"
    reason = forms.CharField(label=_("收回原因"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class GrantForm(_Bootstrap, forms.Form):
    ID_PREFIX = "grant_"
    capability = forms.ChoiceField(label=_("权限"), choices=ScopeGrant.Capability.choices)
    org_code = forms.CharField(
        label=_("范围(单位编码,含下级)"),
        max_length=64,
        help_text=_("输入单位编码,权限覆盖该单位及其全部下级单位。"),
    )
    reason = forms.CharField(label=_("授权依据"), max_length=200)
    expires_on = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("可选;留空为长期有效,直至收回。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_org_code(self):
        code = self.cleaned_data["org_code"].strip()
        org = Organization.objects.filter(code=code, is_active=True).first()
        if org is None:
            raise forms.ValidationError(_("没有编码为“%(code)s”的在用单位。") % {"code": code})
        self.org = org
        return code


class AdminRequestForm(_Bootstrap, forms.Form):
    """The security administrator's request about an administrator account (four-eyes)."""

    ID_PREFIX = "adminreq_"
    target: "forms.ModelChoiceField[Any]" = forms.ModelChoiceField(
        label=_("管理员账号"), queryset=None
    )
    kind = forms.ChoiceField(
        label=_("操作"), choices=[("", "—"), *AdminAccountRequest.Kind.choices]
    )
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = accounts
        self._style()


class ServiceAccountForm(_Bootstrap, forms.Form):
    """A service account for the REST API: its subtree, its scope and its write capabilities."""

    ID_PREFIX = "svc_"
    name = forms.CharField(
        label=_("名称"), max_length=100, help_text=_("调用方系统的名称,如“省监督平台”。")
    )
    org_code = forms.CharField(
        label=_("授权范围(单位编码,含下级)"),
        max_length=64,
        help_text=_("服务账号只能读取该单位及其全部下级单位的记录。"),
    )
    scope = forms.ChoiceField(label=_("范围权限"), choices=ApiToken.Scope.choices)
    capabilities = forms.MultipleChoiceField(
        label=_("写入能力"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不勾选即为只读。写入仍受范围控制与业务规则约束。"),
    )
    expires_days = forms.IntegerField(
        label=_("有效天数"),
        min_value=1,
        max_value=3650,
        initial=365,
        help_text=_("到期后令牌自动失效。"),
    )

    def __init__(self, *args, **kwargs):
        from liangge_zeren.api import registry as api

        super().__init__(*args, **kwargs)
        self.fields["capabilities"].choices = [(c.name, c.label) for c in api.capabilities()]
        self._style()
        self.fields["capabilities"].widget.attrs["class"] = "form-check-input"

    def clean_org_code(self):
        code = self.cleaned_data["org_code"].strip()
        org = Organization.objects.filter(code=code, is_active=True).first()
        if org is None:
            raise forms.ValidationError(_("没有编码为“%(code)s”的在用单位。") % {"code": code})
        self.org = org
        return code
