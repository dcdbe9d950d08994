from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.models import NotificationPreference


def extra_channel_choices() -> list[tuple[str, str]]:
    names = getattr(settings, "NOTIFICATION_CHANNELS", {})
    return [(name, name) for name in names if name != "email"]


class PreferenceForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("其他渠道"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    class Meta:
        model = NotificationPreference
        fields = ["email_enabled", "daily_digest", "channels"]
        help_texts = {"daily_digest": _("开启后每天发送一封汇总邮件, 不再逐条发送邮件。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = extra_channel_choices()
