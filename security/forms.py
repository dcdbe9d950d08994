from django import forms
from django.utils.translation import gettext_lazy as _

from responsibilities.models import Organization
from security.models import AuditEntry


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "　" * max(obj.depth - 1, 0) + obj.name


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("人员(账号或姓名)"), required=False, max_length=150)
    org = OrgChoiceField(
        label=_("组织(含下级)"),
        queryset=Organization.objects.only("pk", "name", "depth", "path").order_by("path"),
        required=False,
        empty_label=_("全部组织"),
    )
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
        from django.db.models import Q

        from responsibilities.models import Person

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
