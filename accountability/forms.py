"""Forms of the accountability app: input only; every rule lives in the services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability import bodies as authority
from accountability.combinations import (
    allowed_kinds,
    forbidden_pairs,
    in_force_measures,
    refusal_for,
)
from accountability.models import (
    MEASURE_SUBTYPES,
    AccountabilityCase,
    AccountabilityGround,
    AccountabilityMeasure,
    Appeal,
    CaseCorrection,
    Channel,
    ConflictDeclaration,
    DisciplinaryCase,
    DualInvestigation,
    FailedArea,
    FourForm,
    IntegrityReply,
    IntegrityRequest,
    MeasureKind,
    PartySanctionGrade,
    PublicOfficeSanction,
    ResponsibilityKind,
)
from accountability.recusal import target_bodies, without_recused
from accountability.roles import ORG, PERSON, role_choices
from accountability.services.disciplinary import share_candidates
from liangge_zeren.workflow import TransitionRefused
from responsibilities.authority import led_from
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


def deciding_bodies(user, org=None):
    """Party committees that may decide a case: above the unit when it is known; else above
    some unit in the user's jurisdiction (下管一级: never a unit's own committee)."""
    if org is not None:
        return authority.deciders_above(org)
    qs = Body.objects.filter(kind__in=Body.COMMITTEE_KINDS, is_active=True).select_related("org")
    if is_unrestricted(user):
        return qs
    roots = scope_paths(user, Capability.SUPERVISE)
    above = {p for root in roots for p in Organization.path_prefixes(root)}
    return qs.filter(Q(org__path__in=sorted(above)) | paths_q(roots, "org__path"))


def handler_levels(user) -> list[str]:
    return sorted(
        {
            authority.handler_level(b)
            for b in handling_bodies(user).select_related("org", "sent_by__org")
        }
    )


def _refusal(form: forms.Form, field: str, check) -> None:
    """Run a service check; its refusal (naming the rule) becomes the field's error."""
    try:
        check()
    except TransitionRefused as error:
        form.add_error(field, error.message)


def _bound_pk(form: forms.Form, name: str) -> int | None:
    value = form.data.get(form.add_prefix(name)) if form.is_bound else None
    return int(value) if value and str(value).isdigit() else None


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
    # 分管领域: the portfolio the matter falls in, so the member in charge of it is proposed
    # as bearing 重要领导责任 (accountability/proposals.py).
    portfolio = forms.ModelChoiceField(
        label=_("分管领域"),
        queryset=Portfolio.objects.none(),
        required=False,
        help_text=_("所涉事项属于哪位班子成员分管的领域;据此建议负重要领导责任的班子成员。"),
    )
    handling_body = forms.ModelChoiceField(label=_("承办机关"), queryset=Body.objects.none())
    deciding_body = forms.ModelChoiceField(label=_("问责决定机关"), queryset=Body.objects.none())
    facts = forms.CharField(label=_("基本事实"), widget=forms.Textarea(attrs={"rows": 3}))
    grounds = _grounds_field()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = supervised_orgs(user)
        self.fields["org"].queryset = orgs
        self.fields["portfolio"].queryset = (
            Portfolio.objects.filter(org__in=orgs).select_related("org").order_by("org__path")
        )
        self.fields["portfolio"].label_from_instance = lambda p: f"{p.org.name} · {p.name}"
        self.fields["handling_body"].queryset = handling_bodies(user)
        org_pk = _bound_pk(self, "org")
        org = orgs.filter(pk=org_pk).first() if org_pk else None
        self.fields["deciding_body"].queryset = deciding_bodies(user, org)
        if org is not None:  # only the user's bodies with jurisdiction over the unit
            handlers = handling_bodies(user).prefetch_related("stationed_in")
            self.fields["handling_body"].queryset = Body.objects.filter(
                pk__in=[b.pk for b in handlers if authority.has_jurisdiction(b, org)]
            )

    def clean(self):
        data = super().clean()
        org, portfolio = data.get("org"), data.get("portfolio")
        if org and portfolio and portfolio.org_id != org.pk:
            self.add_error("portfolio", _("分管领域必须属于失职失责单位。"))
        body, handler = data.get("deciding_body"), data.get("handling_body")
        if org and body:
            _refusal(self, "deciding_body", lambda: authority.check_case_deciding_body(org, body))
        if org and handler:
            _refusal(self, "handling_body", lambda: authority.check_case_handler(org, handler))
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
        self.fields["deciding_body"].queryset = authority.deciders_above(org)
        if org.parent is not None:  # 下管一级: the committee one level up, by default
            self.fields["deciding_body"].initial = authority.committee_of(org.parent)
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
        # The deciding body's principal leaders (art.9) but those who must stand aside
        # (回避); the service checks the date and who may approve.
        self.fields["approver"].queryset = without_recused(
            Tenure.objects.filter(
                body=case.deciding_body, role__in=authority.principal_roles(case.deciding_body)
            )
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
    # Only the roles 问责 knows for a person (R9: 主要/重要领导责任; accountability/roles.py).
    responsibility_kind = forms.ChoiceField(
        label=_("责任类型"), choices=lambda: role_choices(Channel.PARTY_ACCOUNTABILITY, PERSON)
    )
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
        choices=lambda: role_choices(Channel.PARTY_ACCOUNTABILITY, ORG),
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
    """Offers, per target, only the kinds the combination rules still allow (R10): the target
    select carries them (data-allowed-kinds, static/js/accountability.js filters the kinds);
    clean() refuses the rest with the service's message."""

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
        # The case's deciding body and those above it; the 纪委 of those levels for 通报
        # and 诫勉 (R11); never a body that is itself a target (回避). clean() asks the
        # service rule for the chosen target and kind.
        level = case.deciding_body.org
        self.fields["deciding_body"].queryset = (
            authority.committees_at_or_above(level) | authority.commissions_at_or_above(level)
        ).exclude(pk__in=target_bodies(case))
        self.fields["deciding_body"].initial = case.deciding_body_id
        self.fields["decision_no"].initial = case.decision_no
        self.case = case
        self.allowed = measure_kinds_by_target(case)
        offered = {kind for kinds in self.allowed.values() for kind in kinds}
        # Rendered: only kinds some target may still receive; a posted other kind is refused in
        # clean() with the rule's name (not a bare "invalid choice").
        self.fields["kind"].widget.choices = [c for c in MeasureKind.choices if c[0] in offered]
        self.fields["target"].widget.attrs["data-allowed-kinds"] = json.dumps(
            {str(pk): kinds for pk, kinds in self.allowed.items()}
        )

    def clean(self):
        data = super().clean()
        target, body, kind = data.get("target"), data.get("deciding_body"), data.get("kind")
        if target is not None and kind and kind not in self.allowed.get(target.pk, []):
            refusal = refusal_for(kind, in_force_measures(target))
            self.add_error("kind", refusal or _("该问责对象不能采取此问责方式。"))
        if target and body and kind:
            _refusal(self, "deciding_body", lambda: self._check_decider(target, body, kind))
        return data

    def _check_decider(self, target, body, kind) -> None:
        if target.target_type == "org":
            authority.check_org_decider(body, target.org, kind)
        else:
            day = self.case.decided_on or timezone.localdate()
            authority.check_person_decider(body, target.person, target.tenure, day, kind)


def measure_kinds_by_target(case: AccountabilityCase) -> dict[int, list[str]]:
    """For each target of the case, the measure kinds the combination rules still allow."""
    forbidden = forbidden_pairs()
    existing: dict[int, list[tuple[str, str]]] = {}
    for measure in case.measures.filter(status=AccountabilityMeasure.Status.IN_FORCE).order_by(
        "pk"
    ):
        existing.setdefault(measure.target_id, []).append((measure.kind, measure.label))
    return {
        target.pk: allowed_kinds(target.target_type, existing.get(target.pk, []), forbidden)
        for target in case.targets.all()
    }


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
    # R19a: 直接责任者, 主要领导责任者, 重要领导责任者 (accountability/roles.py).
    subject_role = forms.ChoiceField(
        label=_("责任者类型"),
        choices=lambda: role_choices(Channel.PARTY_DISCIPLINE, PERSON),
        initial=ResponsibilityKind.DIRECT,
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
        subjects = Tenure.objects.filter(org__in=orgs)
        if not is_unrestricted(user):
            # Only the cadres a body of the user's may lead a case on (干部管理权限, R26).
            subjects = led_from(subjects, handler_levels(user))
        self.fields["subject_tenure"].queryset = subjects.select_related("person", "org").order_by(
            "org__path"
        )
        self.fields["subject_tenure"].label_from_instance = lambda t: (
            f"{t.person.name} · {t.org.name} {t.title or t.get_role_display()}"
        )

    def clean(self):
        data = super().clean()
        body, tenure, org = data.get("handling_body"), data.get("subject_tenure"), data.get("org")
        if body and tenure and org:
            day = data.get("registered_on") or timezone.localdate()
            _refusal(
                self,
                "handling_body",
                lambda: authority.check_disciplinary_handler(body, org, tenure.person, tenure, day),
            )
        return data


class ShareForm(forms.Form):
    body = forms.ModelChoiceField(label=_("共享给(下级纪检监察机构)"), queryset=Body.objects.none())
    note = forms.CharField(label=_("共享说明"), max_length=200, required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Body.objects.filter(
            pk__in=[b.pk for b in share_candidates(case)]
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


# --- 党风廉政意见回复 (issue 16) ---------------------------------------------------------------


class IntegrityRequestForm(forms.Form):
    purpose = forms.ChoiceField(label=_("征求事由"), choices=IntegrityRequest.Purpose.choices)
    purpose_note = forms.CharField(label=_("事由说明"), max_length=200, required=False)
    names = forms.CharField(
        label=_("人员名单"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一人:姓名,单位(可直接从 Excel 复制两列粘贴);同名人员须写明单位。"),
    )
    lookback_years = forms.IntegerField(label=_("核查近几年"), min_value=1, max_value=10, initial=3)
    due_date = forms.DateField(
        label=_("回复期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填则为提交后 10 日。"),
    )


class IntegrityReplyForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("回复结论"), choices=IntegrityReply.Conclusion.choices)
    text = forms.CharField(label=_("回复意见"), widget=forms.Textarea(attrs={"rows": 8}))
