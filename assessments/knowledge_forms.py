"""Forms of 知责: the question-file upload and a new test."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import KnowledgeQuestion
from responsibilities.models import Organization, Tenure

TEST_ROLES = [
    (r.value, r.label)
    for r in (
        Tenure.Role.SECRETARY,
        Tenure.Role.DEPUTY_SECRETARY,
        Tenure.Role.TEAM_MEMBER,
        Tenure.Role.DISCIPLINE_SECRETARY,
        Tenure.Role.DISCIPLINE_OFFICER,
        Tenure.Role.STATIONED_TEAM_LEADER,
    )
]


class KnowledgeTestForm(forms.Form):
    org = forms.ModelChoiceField(
        label=gettext_lazy("组织单位"), queryset=Organization.objects.none()
    )
    title = forms.CharField(label=gettext_lazy("名称"), max_length=200, required=False)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"), choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("参加人员(职务)"),
        choices=TEST_ROLES,
        widget=forms.CheckboxSelectMultiple,
    )
    question_count = forms.IntegerField(
        label=gettext_lazy("题目数量"), min_value=1, max_value=50, initial=10
    )
    tags = forms.CharField(
        label=gettext_lazy("题目标签"),
        required=False,
        help_text=gettext_lazy("多个标签用分号分隔;留空:不限。"),
    )
    source_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("出处类别"),
        choices=KnowledgeQuestion.SourceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选:不限。"),
    )
    opens_on = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    closes_on = forms.DateField(
        label=gettext_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = units if units is not None else Organization.objects.none()
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1
        self.fields["opens_on"].initial = today

    def clean_tags(self):
        text = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in text.replace(";", ";").split(";") if t.strip()]

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("截止日期不能早于开始日期。"))
        return data
