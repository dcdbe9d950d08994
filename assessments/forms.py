from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Grade


class AdjustmentForm(forms.Form):
    indicator_code = forms.ChoiceField(label=_("指标"), required=False)
    points = forms.DecimalField(label=_("调整分值(可为负)"), max_digits=6, decimal_places=2)
    reason = forms.CharField(label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_code"].choices = [("", _("总分"))] + [(c, c) for c in codes]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("人工调整必须填写理由。"))
        return reason


class BallotForm(forms.Form):
    grade = forms.ChoiceField(label=_("评价"), choices=Grade.choices, widget=forms.RadioSelect)
