from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import EvaluationInput, Grade, SubjectType
from responsibilities.forms import ImportForm
from responsibilities.models import Organization, Person


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
    """The team's grade and one per evaluated person (fields `mark_<person id>`)."""

    grade = forms.ChoiceField(
        label=_("对领导班子的总体评价"), choices=Grade.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = list(subjects)
        for person in self.subjects:
            self.fields[f"mark_{person.pk}"] = forms.ChoiceField(
                label=person.name, choices=Grade.choices, widget=forms.RadioSelect
            )
        for field in self.fields.values():
            field.error_messages["required"] = _("请选择评价。")

    def mark_fields(self):
        return [self[f"mark_{person.pk}"] for person in self.subjects]

    @property
    def marks(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[f"mark_{p.pk}"] for p in self.subjects}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("投票码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg text-uppercase",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )

    def clean_code(self):
        code = "".join(ch for ch in self.cleaned_data["code"].upper() if ch.isalnum())
        if len(code) != 8:
            raise forms.ValidationError(_("投票码为 8 位字母和数字。"))
        return code


class RosterForm(forms.Form):
    """People of the unit to put on the roll (the candidates are given by the view)."""

    people: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("本单位及所属单位人员"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = candidates
        self.fields["people"].error_messages["required"] = _("请至少选择一人。")
        self.fields["people"].error_messages["invalid_choice"] = _(
            "所选人员不在本单位及所属单位, 或已在名单中。"
        )


class RepresentativeForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    note = forms.CharField(label=_("说明(如:党代表、群众代表)"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


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
    min_turnout = forms.IntegerField(
        label=_("最低参评率(%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("留空则使用系统默认值。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


# --- Public questionnaires and third-party evaluation (issue 18) --------------------------


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        if not isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-control")


class QuestionnaireForm(forms.Form):
    org: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("被调查单位"), queryset=Organization.objects.none()
    )
    period = forms.RegexField(
        label=_("季度(如 2026Q1)"),
        regex=r"^\d{4}Q[1-4]$",
        error_messages={"invalid": _("季度格式应为 2026Q1。")},
    )
    title = forms.CharField(label=_("问卷名称"), max_length=200)
    closes_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    open_link = forms.BooleanField(
        label=_("同时开放公开链接(有防刷限制)"), required=False, initial=True
    )

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs
        _styled(self)
        self.fields["org"].widget.attrs["class"] = "form-select"
        self.fields["open_link"].widget.attrs["class"] = "form-check-input"


class CodeBatchForm(forms.Form):
    count = forms.IntegerField(label=_("答题码数量"), min_value=1, max_value=500, initial=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class AnswerForm(forms.Form):
    """The public answer sheet: one 1–5 choice per Likert question, the free-text comment,
    and (open link only) the CAPTCHA."""

    def __init__(self, *args, questions=(), captcha=False, **kwargs):
        from assessments.questionnaires import LIKERT, SCALE

        super().__init__(*args, **kwargs)
        for q in questions:
            if q.get("kind") == LIKERT:
                self.fields[q["key"]] = forms.TypedChoiceField(
                    label=q["text"],
                    choices=[(str(v), label) for v, label in SCALE],
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={"required": _("请回答此题。")},
                )
            else:
                self.fields["comment"] = forms.CharField(
                    label=q["text"],
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("您的意见只送本单位纪检监察机构, 不送被调查单位。"),
                )
        if captcha:
            self.fields["captcha"] = forms.CharField(
                label=_("验证码: 请填写图中算式的结果"),
                max_length=4,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )
        _styled(self)


class CodeEntryForm(forms.Form):
    code = forms.CharField(label=_("答题码"), max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
        self.fields["code"].widget.attrs["autocomplete"] = "off"


class EvaluatorInviteForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    organisation = forms.CharField(label=_("所在机构"), max_length=100)
    contact = forms.CharField(label=_("邮箱或手机"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class CommentHandleForm(forms.Form):
    status = forms.ChoiceField(
        label=_("处理方式"),
        choices=[("handled", _("已处理")), ("lead", _("转为问题线索"))],
    )
    note = forms.CharField(
        label=_("处理说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
        self.fields["status"].widget.attrs["class"] = "form-select"


class ThirdPartyForm(forms.Form):
    score = forms.DecimalField(
        label=_("评议得分(0–100)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    report = forms.CharField(label=_("评议报告"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class PersonInterviewForm(forms.Form):
    """谈话了解 about one person: the rubric, one 0–top integer per criterion."""

    interviewed_on = forms.DateField(
        label=_("谈话日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("谈话情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from assessments.models import INTERVIEW_RUBRIC

        super().__init__(*args, **kwargs)
        for code, label, top in INTERVIEW_RUBRIC:
            self.fields[f"rubric_{code}"] = forms.IntegerField(
                label=f"{label}(0–{top})", min_value=0, max_value=top
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def rubric(self) -> dict[str, int]:
        from assessments.models import INTERVIEW_RUBRIC

        return {code: self.cleaned_data[f"rubric_{code}"] for code, _l, _t in INTERVIEW_RUBRIC}


class ReportReviewForm(forms.Form):
    """The superior's 面对面 review of a 述责述廉."""

    reviewed_on = forms.DateField(
        label=_("面对面评议日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    rating = forms.ChoiceField(label=_("评定等次"))
    comments = forms.CharField(label=_("评议意见"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from assessments.models import ReportReview

        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = ReportReview.Rating.choices
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_comments(self):
        comments = self.cleaned_data["comments"].strip()
        if not comments:
            raise forms.ValidationError(_("请填写评议意见。"))
        return comments
