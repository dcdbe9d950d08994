from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangge_zeren.concurrency import VersionedFormMixin
from responsibilities.models import Organization, Tenure


class OrganizationForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "is_active"]


class EndTenureForm(forms.Form):
    end_date = forms.DateField(
        label=_("任职结束"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_reason = forms.CharField(label=_("离任原因"), max_length=200, required=False)

    def __init__(self, *args, tenure: Tenure, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenure = tenure
        self.fields["end_date"].initial = timezone.localdate()

    def clean_end_date(self):
        end = self.cleaned_data["end_date"]
        if end < self.tenure.start_date:
            raise forms.ValidationError(_("任职结束日期不能早于开始日期。"))
        return end


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("导入文件"),
        help_text=_("支持 .xlsx 或 .csv,大小不超过 5 MB。"),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件。"))
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大(上限 %(mb)d MB)。") % {"mb": self.MAX_BYTES // (1024 * 1024)}
            )
        return upload
