from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.channels import Channel, chosen_channels
from notifications.models import NotificationPreference

ADDRESS_FIELDS = ("mobile", "wecom_userid")
TIME_FORMAT = "%H:%M"


class PreferenceForm(forms.ModelForm):
    """A person's channels, addresses and quiet hours (only what the deployment switched on)."""

    channels = forms.MultipleChoiceField(
        label=gettext_lazy("其他渠道"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=(),
    )

    class Meta:
        model = NotificationPreference
        fields = list(NotificationPreference.PERSONAL_FIELDS)
        help_texts = {
            "daily_digest": gettext_lazy("开启后每天发送一封汇总邮件, 不再逐条发送邮件。"),
            "wecom_userid": gettext_lazy(
                "您在企业微信/政务微信中的账号 (UserID), 可向管理员询问。"
            ),
            "quiet_start": gettext_lazy("免打扰时段内外部消息暂存, 时段结束后发送; 站内消息照常。"),
        }
        widgets = {
            "quiet_start": forms.TimeInput(
                attrs={"type": "time", "class": "form-control"}, format=TIME_FORMAT
            ),
            "quiet_end": forms.TimeInput(
                attrs={"type": "time", "class": "form-control"}, format=TIME_FORMAT
            ),
        }

    def __init__(self, *args: Any, channels: list[Channel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.available = {c.name: c for c in channels}
        self.chosen_before = chosen_channels(self.instance)
        self.fields["channels"].choices = [(c.name, c.label) for c in channels]
        self.initial["channels"] = [n for n in self.chosen_before if n in self.available]
        for name in ADDRESS_FIELDS:
            users = [str(c.label) for c in channels if c.address_field == name]
            if not users:
                del self.fields[name]  # no switched-on channel uses it
            elif name == "mobile":
                self.fields[name].help_text = _("用于: %(channels)s。") % {
                    "channels": "、".join(users)
                }

    def clean_mobile(self) -> str:
        # "138 0000 0000" and "138-0000-0000" are how people write it; the model checks the rest.
        return re.sub(r"[\s-]", "", self.cleaned_data.get("mobile") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            self.add_error("quiet_end", _("免打扰时段需要同时填写开始和结束时间。"))
        elif start is not None and start == end:
            self.add_error("quiet_end", _("免打扰的开始和结束时间不能相同。"))
        for name in data.get("channels") or []:
            channel = self.available[name]
            if channel.address_field and not data.get(channel.address_field):
                # Said where the person has to act: under the missing address.
                self.add_error(
                    channel.address_field,
                    _("选择“%(channel)s”需要填写%(field)s。")
                    % {
                        "channel": channel.label,
                        "field": self.fields[channel.address_field].label,
                    },
                )
        return data

    def values(self) -> dict[str, Any]:
        """The fields to store. Channels the deployment switched off stay chosen (they come
        back when it switches them on again)."""
        data = {name: self.cleaned_data[name] for name in self.fields if name != "channels"}
        kept = [n for n in self.chosen_before if n not in self.available]
        data["channels"] = kept + list(self.cleaned_data.get("channels") or [])
        return data
