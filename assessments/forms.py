from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import EvaluationInput, Grade, SubjectType
from responsibilities.forms import ImportForm


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


class IndicatorImportForm(ImportForm):
    """The upload of an indicator set; the year and subject type are not in the file."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    subject_type = forms.ChoiceField(
        label=_("考核对象"), choices=SubjectType.choices, initial=SubjectType.ORGANISATION
    )
    name = forms.CharField(
        label=_("名称"), max_length=100, required=False, help_text=_("留空:沿用现有名称。")
    )
    dry_run = forms.BooleanField(
        label=_("只检查,不写入"), required=False, help_text=_("先试运行,查看将要进行的变更。")
    )


class EvaluationInputForm(forms.Form):
    """One evaluation input of a unit's quarter; the fields used depend on the kind."""

    kind = forms.ChoiceField(label=_("类型"), choices=EvaluationInput.Kind.choices)
    score = forms.DecimalField(
        label=_("得分(0–100)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("问卷调查、谈话了解、第三方评估填写。"),
    )
    people = forms.IntegerField(label=_("谈话人数"), required=False, min_value=0)
    excellent = forms.IntegerField(label=_("优秀票"), required=False, min_value=0)
    competent = forms.IntegerField(label=_("合格票"), required=False, min_value=0)
    basic = forms.IntegerField(label=_("基本合格票"), required=False, min_value=0)
    incompetent = forms.IntegerField(label=_("不合格票"), required=False, min_value=0)
    count = forms.IntegerField(
        label=_("瞒报问题数"),
        required=False,
        min_value=1,
        help_text=_("仅限系统外核实的问题;系统内登记的问题请在问题页面认定。"),
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        self.fields["kind"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        K = EvaluationInput.Kind
        kind = data.get("kind")
        if kind == K.DEMOCRATIC_TALLY:
            values = {g: data.get(g) or 0 for g in Grade.values}
        elif kind == K.CONCEALED_PROBLEMS:
            values = {"count": data.get("count")}
            if values["count"] is None:
                self.add_error("count", _("请填写瞒报问题数。"))
        elif kind:
            score = data.get("score")
            if score is None:
                self.add_error("score", _("请填写得分。"))
                return data
            values = {"score": int(score) if score == int(score) else float(score)}
            if kind == K.INTERVIEW and data.get("people") is not None:
                values["people"] = data["people"]
        else:
            return data
        data["values"] = values
        return data


class RoundForm(forms.Form):
    title = forms.CharField(label=_("测评名称"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["class"] = "form-control"
