"""Forms of the accountability app: input only; every rule lives in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import (
    MEASURE_SUBTYPES,
    AccountabilityCase,
    AccountabilityGround,
    AccountabilityMeasure,
    Appeal,
    CaseCorrection,
    ConflictDeclaration,
    DisciplinaryCase,
    DualInvestigation,
    FailedArea,
    FourForm,
    MeasureKind,
    PartySanctionGrade,
    PublicOfficeSanction,
    ResponsibilityKind,
)
from accountability.recusal import target_bodies, without_recused
from responsibilities.models import Body, Organization, Person, Portfolio, Tenure
from responsibilities.scoping import Capability, is_unrestricted, paths_q, scope_paths

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class CheckboxList(forms.CheckboxSelectMultiple):
    """A list of checkboxes that the shared form partial renders as a list.

    (partials/form_fields.html draws any widget whose input_type is "checkbox" as one box.)
    """

    input_type = "checkbox-list"

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["type"] = "checkbox"
        return option


def _date_field(label, required=True, initial=None):
    return forms.DateField(label=label, required=required, widget=DATE, initial=initial)


def supervised_orgs(user):
    if is_unrestricted(user):
        return Organization.objects.filter(is_active=True)
    return Organization.objects.filter(
        paths_q(scope_paths(user, Capability.SUPERVISE), "path"), is_active=True
    )


def handling_bodies(user):
    qs = Body.objects.filter(kind__in=Body.DISCIPLINE_KINDS, is_active=True)
    if is_unrestricted(user):
        return qs
    roots = scope_paths(user, Capability.SUPERVISE)
    return qs.filter(paths_q(roots, "org_path") | Q(stationed_in__path__in=roots)).distinct()


def deciding_bodies():
    return Body.objects.filter(is_active=True).select_related("org")


def _grounds_field():
    return forms.ModelMultipleChoiceField(
        label=_("问责情形"),
        queryset=AccountabilityGround.objects.filter(is_active=True),
        widget=CheckboxList,
        required=False,
    )


class CaseForm(forms.Form):
    title = forms.CharField(label=_("案由"), max_length=200)
    org = forms.ModelChoiceField(label=_("失职失责单位"), queryset=Organization.objects.none())
    event_date = _date_field(_("问题发生日期"))
    source = forms.ChoiceField(label=_("线索来源"), choices=AccountabilityCase.Source.choices)
    area = forms.ChoiceField(label=_("失责领域"), choices=FailedArea.choices)
    handling_body = forms.ModelChoiceField(label=_("承办机关"), queryset=Body.objects.none())
    deciding_body = forms.ModelChoiceField(label=_("问责决定机关"), queryset=Body.objects.none())
    facts = forms.CharField(label=_("基本事实"), widget=forms.Textarea(attrs={"rows": 3}))
    grounds = _grounds_field()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = supervised_orgs(user)
        self.fields["handling_body"].queryset = handling_bodies(user)
        self.fields["deciding_body"].queryset = deciding_bodies()

    def clean(self):
        data = super().clean()
        org, body = data.get("org"), data.get("deciding_body")
        if org and body and not org.path.startswith(body.org.path):
            self.add_error(
                "deciding_body", _("问责决定机关须为该单位或其上级的党组织、纪检监察机关。")
            )
        return data


class CaseFromFindingForm(forms.Form):
    title = forms.CharField(label=_("案由"), max_length=200)
    event_date = _date_field(_("问题发生日期"))
    deciding_body = forms.ModelChoiceField(label=_("问责决定机关"), queryset=Body.objects.none())
    portfolio = forms.ModelChoiceField(
        label=_("分管领域"), queryset=Portfolio.objects.none(), required=False
    )
    grounds = _grounds_field()

    def __init__(self, *args, finding=None, **kwargs):
        super().__init__(*args, **kwargs)
        org = finding.org
        self.fields["deciding_body"].queryset = Body.objects.filter(
            org__path__in=[*org.ancestor_paths(), org.path], is_active=True
        ).select_related("org")
        self.fields["portfolio"].queryset = Portfolio.objects.filter(org=org)


# --- Transitions --------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveForm(forms.Form):
    approver = forms.ModelChoiceField(
        label=_("批准人(决定机关主要负责人)"), queryset=Tenure.objects.none()
    )
    approved_on = _date_field(_("批准日期"), initial=timezone.localdate)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any holder of the deciding body's posts but those who must stand aside (回避);
        # the service checks who may approve.
        self.fields["approver"].queryset = without_recused(
            Tenure.objects.filter(body=case.deciding_body)
            .select_related("person")
            .order_by("-start_date"),
            case,
            "person",
        )
        self.fields["approver"].label_from_instance = lambda t: (
            f"{t.person.name} · {t.get_role_display()}({t.start_date}–{t.end_date or ''})"
        )


class InvestigationForm(forms.Form):
    team = forms.ModelMultipleChoiceField(
        label=_("调查组成员(不少于2人)"),
        queryset=Person.objects.none(),
        widget=CheckboxList,
    )
    execution_finding = forms.ChoiceField(
        label=_("执行情况认定"),
        choices=[("", "—"), *AccountabilityCase.ExecutionFinding.choices],
        required=False,
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = discipline_people(case)


def discipline_people(case):
    """Discipline officers of the handling body's line, less those who must stand aside."""
    org = case.handling_body.org
    people = (
        Person.objects.filter(
            tenures__in=Tenure.objects.current().filter(
                Q(org_path__startswith=org.path) | Q(org_path__in=org.ancestor_paths()),
                role__in=Tenure.DISCIPLINE_ROLES,
            )
        )
        .distinct()
        .order_by("name")
    )
    return without_recused(people, case)


class HearingForm(forms.Form):
    record = forms.CharField(label=_("陈述申辩记录"), widget=forms.Textarea(attrs={"rows": 4}))
    heard_on = _date_field(_("听取日期"), initial=timezone.localdate)
    hearers = forms.ModelMultipleChoiceField(
        label=_("听取人员(不选则为调查组成员)"),
        queryset=Person.objects.none(),
        widget=CheckboxList,
        required=False,
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hearers"].queryset = discipline_people(case)


class ReportForm(forms.Form):
    report = forms.CharField(label=_("调查报告"), widget=forms.Textarea(attrs={"rows": 4}))
    discussion_record = forms.CharField(
        label=_("集体讨论情况"), widget=forms.Textarea(attrs={"rows": 3})
    )
    discussed_on = _date_field(_("讨论日期"), initial=timezone.localdate)


class DecideForm(forms.Form):
    decision_no = forms.CharField(label=_("决定文号"), max_length=64)
    decided_on = _date_field(_("决定日期"), initial=timezone.localdate)
    publication_scope = forms.ChoiceField(
        label=_("通报范围"), choices=AccountabilityCase.Publication.choices
    )


class NotPursueForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("不予(免予)问责理由"), choices=AccountabilityCase.NotPursuedReason.choices
    )
    note = forms.CharField(label=_("具体情况"), widget=forms.Textarea(attrs={"rows": 3}))


class EmptyForm(forms.Form):
    pass


# The form each move of the case takes (accountability/workflows.py CASE_FLOW says which
# moves the user may take now, and their labels).
TRANSITION_FORMS: dict[str, type[forms.Form]] = {
    "preliminary_review": NoteForm,
    "approve_start": ApproveForm,
    "start_investigation": InvestigationForm,
    "hearing": HearingForm,
    "discuss_report": ReportForm,
    "decide": DecideForm,
    "not_pursue": NotPursueForm,
    "start_execution": EmptyForm,
    "archive": EmptyForm,
}
# Forms whose choices depend on the case.
CASE_BOUND_FORMS = frozenset({"approve_start", "start_investigation", "hearing"})


def transition_form(action: str, case: AccountabilityCase, data: Any = None) -> forms.Form:
    """The form of a move, blank (the case page) or bound to posted data."""
    kwargs = {"case": case} if action in CASE_BOUND_FORMS else {}
    return TRANSITION_FORMS[action](data, prefix=action, **kwargs)


# --- Recusal (回避) --------------------------------------------------------------------------


class ConflictForm(forms.Form):
    """A conflict declaration: handlers declare anyone; others only themselves."""

    person = forms.ModelChoiceField(label=_("回避人员"), queryset=Person.objects.none())
    reason = forms.ChoiceField(label=_("回避事由"), choices=ConflictDeclaration.Reason.choices)
    detail = forms.CharField(
        label=_("具体情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        if people is not None and len(people) == 1:
            self.fields["person"].initial = people[0].pk


# --- Targets, measures, appeals, corrections ----------------------------------------------


class PersonTargetForm(forms.Form):
    tenure = forms.ModelChoiceField(label=_("问题发生时的任职"), queryset=Tenure.objects.none())
    responsibility_kind = forms.ChoiceField(label=_("责任类型"), choices=ResponsibilityKind.choices)
    is_collective = forms.BooleanField(label=_("属集体决策责任"), required=False)
    dissent_recorded = forms.BooleanField(label=_("集体决策中明确表示不同意见"), required=False)
    mitigating = forms.CharField(label=_("从轻减轻情节"), required=False)
    aggravating = forms.CharField(label=_("从重加重情节"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        org = case.org
        related = Q(org__path__in=[*org.ancestor_paths(), org.path]) | Q(
            org_path__startswith=org.path
        )
        if org.supervising_body_id:
            related |= Q(body_id=org.supervising_body_id)
        self.fields["tenure"].queryset = (
            Tenure.objects.held_on(case.event_date)
            .filter(related)
            .select_related("person", "org")
            .order_by("org__path", "role")
        )
        self.fields["tenure"].label_from_instance = lambda t: (
            f"{t.person.name} · {t.org.name} {t.title or t.get_role_display()}"
        )


class OrgTargetForm(forms.Form):
    org = forms.ModelChoiceField(
        label=_("被问责党组织所在单位"), queryset=Organization.objects.none()
    )
    responsibility_kind = forms.ChoiceField(
        label=_("责任类型"),
        choices=ResponsibilityKind.choices,
        initial=ResponsibilityKind.OVERALL,
    )
    no_person_reason = forms.CharField(
        label=_("未同时问责领导干部的理由(如有)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = Organization.objects.filter(
            path__in=[*case.org.ancestor_paths(), case.org.path]
        )
        self.fields["org"].initial = case.org


class MeasureForm(forms.Form):
    target = forms.ModelChoiceField(label=_("问责对象"), queryset=Body.objects.none())
    kind = forms.ChoiceField(label=_("问责方式"), choices=MeasureKind.choices)
    subtype = forms.ChoiceField(label=_("具体方式"), required=False)
    effective_date = _date_field(_("生效日期"), initial=timezone.localdate)
    decision_no = forms.CharField(label=_("决定文号"), max_length=64)
    deciding_body = forms.ModelChoiceField(label=_("决定机关"), queryset=Body.objects.none())
    note = forms.CharField(label=_("说明"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = case.targets.all()
        # One option group per kind (codes like "demotion" mean 降职 or 降级 by kind);
        # static/js/accountability.js shows only the chosen kind's group.
        self.fields["subtype"].choices = [("", "—")] + [
            (MeasureKind(kind).label, list(subtypes))
            for kind, subtypes in MEASURE_SUBTYPES.items()
            if subtypes
        ]
        self.fields["deciding_body"].queryset = Body.objects.filter(
            org__path__in=[*case.org.ancestor_paths(), case.org.path], is_active=True
        ).exclude(pk__in=target_bodies(case))  # a body never decides on itself (回避)
        self.fields["deciding_body"].initial = case.deciding_body_id
        self.fields["decision_no"].initial = case.decision_no


class AppealForm(forms.Form):
    target = forms.ModelChoiceField(label=_("申诉人"), queryset=Body.objects.none())
    measure = forms.ModelChoiceField(
        label=_("针对的问责方式(可不选)"),
        queryset=AccountabilityMeasure.objects.none(),
        required=False,
    )
    received_on = _date_field(_("收到决定日期"))
    grounds = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets
        self.fields["measure"].queryset = AccountabilityMeasure.objects.filter(
            target__in=targets, status=AccountabilityMeasure.Status.IN_FORCE
        )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("复查结果"),
        choices=[c for c in Appeal.Outcome.choices if c[0]],
    )
    reasoning = forms.CharField(label=_("复查意见"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(forms.Form):
    reason = forms.ChoiceField(label=_("纠错原因"), choices=CaseCorrection.Reason.choices)
    note = forms.CharField(label=_("纠错说明"), widget=forms.Textarea(attrs={"rows": 3}))
    revoke = forms.ModelMultipleChoiceField(
        label=_("撤销的问责方式"),
        queryset=AccountabilityMeasure.objects.none(),
        required=False,
        widget=CheckboxList,
    )
    by_higher_body = forms.BooleanField(label=_("由上级组织直接纠正"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revoke"].queryset = case.measures.filter(
            status=AccountabilityMeasure.Status.IN_FORCE
        )


class FormalitiesForm(forms.Form):
    done_on = _date_field(_("手续办结日期"), initial=timezone.localdate)


# --- Disciplinary cases ---------------------------------------------------------------------


class DisciplinaryCaseForm(forms.Form):
    case_no = forms.CharField(label=_("案件编号"), max_length=40)
    org = forms.ModelChoiceField(label=_("发案单位"), queryset=Organization.objects.none())
    handling_body = forms.ModelChoiceField(label=_("审查机关"), queryset=Body.objects.none())
    subject_tenure = forms.ModelChoiceField(
        label=_("被审查人(违纪时任职)"), queryset=Tenure.objects.none()
    )
    violation_type = forms.ChoiceField(
        label=_("违纪违法类型"), choices=DisciplinaryCase.ViolationType.choices
    )
    summary = forms.CharField(label=_("主要问题"), widget=forms.Textarea(attrs={"rows": 3}))
    registered_on = _date_field(_("立案日期"), initial=timezone.localdate)
    amount_involved = forms.DecimalField(
        label=_("涉案金额(元)"), required=False, max_digits=14, decimal_places=2
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = supervised_orgs(user)
        self.fields["org"].queryset = orgs
        self.fields["handling_body"].queryset = handling_bodies(user)
        self.fields["subject_tenure"].queryset = (
            Tenure.objects.filter(org__in=orgs)
            .select_related("person", "org")
            .order_by("org__path")
        )
        self.fields["subject_tenure"].label_from_instance = lambda t: (
            f"{t.person.name} · {t.org.name} {t.title or t.get_role_display()}"
        )


class DisciplinaryDecisionForm(forms.Form):
    decided_on = _date_field(_("处分决定日期"), initial=timezone.localdate)
    four_form = forms.TypedChoiceField(label=_("运用形态"), choices=FourForm.choices, coerce=int)
    party_sanction = forms.ChoiceField(
        label=_("党纪处分"), choices=PartySanctionGrade.choices, required=False
    )
    public_office_sanction = forms.ChoiceField(
        label=_("政务处分"), choices=PublicOfficeSanction.choices, required=False
    )
    amount_involved = forms.DecimalField(
        label=_("涉案金额(元)"), required=False, max_digits=14, decimal_places=2
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ProbeConclusionForm(forms.Form):
    conclusion = forms.ChoiceField(
        label=_("核查结论"), choices=DualInvestigation.Conclusion.choices
    )
    reasoning = forms.CharField(
        label=_("结论理由(认定不应问责的必填)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ArchiveForm(forms.Form):
    waiver_reason = forms.CharField(
        label=_("双查未完成即归档的理由(仅纪委书记可填)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatsFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
