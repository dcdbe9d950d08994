"""Views: check access (access.py), call one service, render. Nothing else."""

from __future__ import annotations

import json
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accountability import chain as chain_module
from accountability import services, stats
from accountability.access import (
    get_appeal_for_user,
    get_case_for_user,
    get_case_or_own_decision,
    get_disciplinary_case_for_user,
    get_probe_for_user,
)
from accountability.forms import (
    ACTIONS_BY_STATUS,
    TRANSITION_FORMS,
    AppealDecisionForm,
    AppealForm,
    ArchiveForm,
    CaseForm,
    CaseFromFindingForm,
    CorrectionForm,
    DisciplinaryCaseForm,
    DisciplinaryDecisionForm,
    FormalitiesForm,
    MeasureForm,
    OrgTargetForm,
    PersonTargetForm,
    ProbeConclusionForm,
    ReasonForm,
    StatsFilterForm,
)
from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    AccountabilityTarget,
    Channel,
    DisciplinaryCase,
    DualInvestigation,
)
from accountability.rules import case_visible_q, own_decision_q
from accountability.services import TransitionRefused
from inspections.access import get_finding_for_user
from inspections.models import Finding
from responsibilities.access import get_org_for_user
from responsibilities.history import history_rows
from responsibilities.scoping import scope_q

PAGE_SIZE = 50


def _audit(request, obj, **details) -> None:
    """Every read of a case file is logged (security app's audit chain)."""
    from security.services import audit

    audit(request, "view", obj, **details)


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _refused(request, error: TransitionRefused) -> None:
    messages.error(request, error.message)


def _submit(request, form, action, success: str, invalid: str = "") -> None:
    """Run `action(**form.cleaned_data)` for a posted form; the outcome becomes a message.

    A refused transition or invalid input is reported and changes nothing; `invalid` replaces
    the form's own error messages with one summary where those would say too little.
    """
    if not form.is_valid():
        if invalid:
            messages.error(request, invalid)
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return
    try:
        action(**form.cleaned_data)
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, success)


# --- Lists ------------------------------------------------------------------------------


@login_required
def case_list(request):
    cases = (
        AccountabilityCase.objects.filter(case_visible_q(request.user))
        .select_related("org", "deciding_body")
        .order_by("-lead_received_on", "-pk")
    )
    status = request.GET.get("status", "")
    if status in AccountabilityCase.Status.values:
        cases = cases.filter(status=status)
    mine = (
        AccountabilityCase.objects.filter(own_decision_q(request.user))
        .exclude(pk__in=cases.values("pk"))
        .select_related("org")
    )
    leads = []
    if request.user.has_perm("accountability.add_accountabilitycase"):
        leads = list(
            Finding.objects.filter(
                scope_q(request.user, "inspections.change_finding"),
                is_case_lead_transferred=True,
                accountability_cases__isnull=True,
            )
            .select_related("org")
            .order_by("-transferred_at")[:20]
        )
    return render(
        request,
        "accountability/case_list.html",
        {
            "page": _page(request, cases),
            "leads": leads,
            "mine": list(mine[:20]),
            "status": status,
            "statuses": AccountabilityCase.Status.choices,
            "extra_query": f"status={status}" if status else "",
            "can_create": request.user.has_perm("accountability.add_accountabilitycase"),
            "tab": "cases",
        },
    )


@login_required
def case_create(request):
    if not request.user.has_perm("accountability.add_accountabilitycase"):
        raise PermissionDenied
    form = CaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.open_case(user=request.user, **data)
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("问责案件已受理。"))
            return redirect("accountability:case_detail", pk=case.pk)
    return render(request, "accountability/form.html", {"form": form, "title": _("受理问责线索")})


@login_required
def case_from_finding(request, pk):
    finding = get_finding_for_user(request, pk)
    if not request.user.has_perm("inspections.change_finding", finding):
        raise PermissionDenied
    initial = {"title": finding.title, "event_date": timezone.localdate(finding.created_at)}
    form = CaseFromFindingForm(request.POST or None, finding=finding, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case_from_finding(finding, request.user, **form.cleaned_data)
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已根据问题启动问责案件。"))
            return redirect("accountability:case_targets", pk=case.pk)
    return render(
        request,
        "accountability/form.html",
        {"form": form, "title": _("根据问题启动问责"), "finding": finding},
    )


# --- The case file ------------------------------------------------------------------------


def _measure_groups(measures):
    groups = {value: [] for value in Channel.values}
    for measure in measures:
        groups[measure.channel].append(measure)
    return [(Channel(value).label, rows) for value, rows in groups.items()]


@login_required
def case_detail(request, pk):
    case, full = get_case_or_own_decision(request, pk)
    _audit(request, case, page="detail" if full else "own_decision")
    targets = list(
        case.targets.select_related(
            "tenure__person", "tenure__org", "target_body"
        ).prefetch_related(
            Prefetch(
                "measures", queryset=AccountabilityMeasure.objects.select_related("deciding_body")
            )
        )
    )
    if not full:
        own = [t for t in targets if t.person_id and t.person.user_id == request.user.pk]
        measures = [m for t in own for m in t.measures.all()]
        appeals = list(case.appeals.filter(target__in=own).select_related("measure"))
        form = AppealForm(
            targets=AccountabilityTarget.objects.filter(pk__in=[t.pk for t in own]),
            initial={"target": own[0].pk if own else None},
        )
        return render(
            request,
            "accountability/own_decision.html",
            {
                "case": case,
                "targets": own,
                "measure_groups": _measure_groups(measures),
                "appeals": appeals,
                "appeal_form": form,
            },
        )
    can_change = request.user.has_perm("accountability.change_accountabilitycase", case)
    measures = [m for t in targets for m in t.measures.all()]
    actions = []
    if can_change:
        for action in ACTIONS_BY_STATUS.get(case.status, []):
            form_class, label = TRANSITION_FORMS[action]
            kwargs = {"case": case} if action in ("approve_start", "start_investigation") else {}
            actions.append((action, label, form_class(prefix=action, **kwargs)))
    context = {
        "case": case,
        "targets": targets,
        "measure_groups": _measure_groups(measures),
        "grounds": list(case.grounds.all()),
        "findings": list(case.findings.select_related("org")),
        "disciplinary_cases": list(case.disciplinary_cases.all()),
        "transitions": list(case.transitions.select_related("actor")),
        "appeals": list(case.appeals.select_related("target", "measure")),
        "corrections": list(case.corrections.select_related("recorded_by")),
        "team": list(case.investigation_team.all()),
        "can_change": can_change,
        "actions": actions,
        "targets_editable": can_change and case.status in services.TARGETS_EDITABLE,
        "measure_form": MeasureForm(case=case)
        if can_change and case.status in (case.Status.DECIDED, case.Status.EXECUTING)
        else None,
        "correction_form": CorrectionForm(case=case) if can_change and case.is_decided else None,
        "appeal_form": AppealForm(targets=case.targets.filter(target_type="person"))
        if can_change and case.is_decided
        else None,
        "decision_form": AppealDecisionForm(),
        "formalities_form": FormalitiesForm(),
        "history": history_rows(case),
    }
    return render(request, "accountability/case_detail.html", context)


@login_required
@require_POST
def case_transition(request, pk, action):
    case = get_case_for_user(request, pk, write=True)
    if action not in TRANSITION_FORMS:
        raise PermissionDenied
    form_class, _label = TRANSITION_FORMS[action]
    kwargs = {"case": case} if action in ("approve_start", "start_investigation") else {}
    form = form_class(request.POST, prefix=action, **kwargs)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("accountability:case_detail", pk=case.pk)
    data = form.cleaned_data
    calls = {
        "preliminary_review": lambda: services.start_preliminary_review(case, request.user, **data),
        "approve_start": lambda: services.approve_start(case, request.user, **data),
        "start_investigation": lambda: services.start_investigation(case, request.user, **data),
        "hearing": lambda: services.record_hearing(case, request.user, **data),
        "discuss_report": lambda: services.discuss_report(case, request.user, **data),
        "decide": lambda: services.decide_case(case, request.user, **data),
        "not_pursue": lambda: services.not_pursue(case, request.user, **data),
        "start_execution": lambda: services.start_execution(case, request.user),
        "archive": lambda: services.archive_case(case, request.user),
    }
    try:
        calls[action]()
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("已更新:%(status)s") % {"status": case.get_status_display()})
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
def case_targets(request, pk):
    """The proposal page: who held the posts at the time (前任) and who holds them now."""
    case = get_case_for_user(request, pk)
    can_change = request.user.has_perm("accountability.change_accountabilitycase", case)
    form = PersonTargetForm(request.POST or None, case=case)
    org_form = OrgTargetForm(case=case)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_person_target(case, request.user, **form.cleaned_data)
            except TransitionRefused as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("已添加问责对象。"))
                return redirect("accountability:case_targets", pk=case.pk)
    _audit(request, case, page="targets")
    return render(
        request,
        "accountability/targets.html",
        {
            "case": case,
            "slots": services.propose_targets(case.org, case.event_date, case.portfolio),
            "targets": list(case.targets.select_related("tenure__person")),
            "form": form,
            "org_form": org_form,
            "can_change": can_change and case.status in services.TARGETS_EDITABLE,
        },
    )


@login_required
@require_POST
def case_org_target(request, pk):
    case = get_case_for_user(request, pk, write=True)
    _submit(
        request,
        OrgTargetForm(request.POST, case=case),
        partial(services.add_org_target, case, request.user),
        _("已添加被问责党组织。"),
        invalid=_("请检查填写内容。"),
    )
    return redirect("accountability:case_targets", pk=case.pk)


@login_required
@require_POST
def case_measure_add(request, pk):
    case = get_case_for_user(request, pk, write=True)
    _submit(
        request,
        MeasureForm(request.POST, case=case),
        partial(services.add_measure, case, request.user),
        _("已登记问责方式。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
@require_POST
def measure_formalities(request, pk, measure_pk):
    case = get_case_for_user(request, pk, write=True)
    measure = get_object_or_404(case.measures, pk=measure_pk)
    _submit(
        request,
        FormalitiesForm(request.POST),
        partial(services.record_formalities_done, measure, request.user),
        _("已登记手续办结。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
@require_POST
def case_correct(request, pk):
    case = get_case_for_user(request, pk, write=True)
    _submit(
        request,
        CorrectionForm(request.POST, case=case),
        partial(services.correct_case, case, request.user),
        _("已记录纠错。"),
        invalid=_("请检查纠错内容。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
@require_POST
def case_appeal(request, pk):
    """A target files their own appeal; the handling officer may record one for a target."""
    case, full = get_case_or_own_decision(request, pk)
    if full and request.user.has_perm("accountability.change_accountabilitycase", case):
        targets = case.targets.filter(target_type="person")
    else:
        targets = case.targets.filter(person__user=request.user)
    if not targets.exists():
        raise PermissionDenied
    _submit(
        request,
        AppealForm(request.POST, targets=targets),
        partial(services.file_appeal, case, request.user),
        _("申诉已登记;申诉期间不停止原决定的执行。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
@require_POST
def appeal_decide(request, pk):
    appeal = get_appeal_for_user(request, pk, write=True)
    _submit(
        request,
        AppealDecisionForm(request.POST),
        partial(services.decide_appeal, appeal, request.user),
        _("已作出复查决定。"),
    )
    return redirect("accountability:case_detail", pk=appeal.case_id)


@login_required
def case_chain(request, pk):
    case = get_case_for_user(request, pk)
    _audit(request, case, page="chain")
    return render(
        request,
        "accountability/chain.html",
        {"case": case, "chain": chain_module.build_chain(case, request.user)},
    )


# --- Disciplinary cases and 一案双查 -------------------------------------------------------


@login_required
def disciplinary_list(request):
    cases = (
        DisciplinaryCase.objects.filter(
            scope_q(request.user, "accountability.view_disciplinarycase")
        )
        .select_related("org", "subject_person")
        .prefetch_related("probes")
        .order_by("-registered_on", "-pk")
    )
    # Filters the cockpit's 一案双查 figures link to: a unit's subtree, the year registered,
    # only the cases that need both probes. A unit out of the viewer's scope is a 404.
    org = None
    if request.GET.get("org", "").isdigit():
        org = get_org_for_user(request, int(request.GET["org"]))
        cases = cases.filter(org_path__startswith=org.path)
    year = request.GET.get("year", "")
    if year.isdigit():
        cases = cases.filter(registered_on__year=int(year))
    dual = request.GET.get("dual") == "1"
    if dual:
        cases = cases.filter(dual_required=True)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accountability/disciplinary_list.html",
        {
            "page": _page(request, cases),
            "can_create": request.user.has_perm("accountability.add_disciplinarycase"),
            "tab": "disciplinary",
            "filter_org": org,
            "filter_year": int(year) if year.isdigit() else None,
            "filter_dual": dual,
            "extra_query": query.urlencode(),
        },
    )


@login_required
def disciplinary_create(request):
    if not request.user.has_perm("accountability.add_disciplinarycase"):
        raise PermissionDenied
    form = DisciplinaryCaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tenure = data.pop("subject_tenure")
        try:
            case = services.register_disciplinary_case(
                user=request.user, subject_person=tenure.person, subject_tenure=tenure, **data
            )
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("纪律审查案件已登记。"))
            return redirect("accountability:disciplinary_detail", pk=case.pk)
    return render(
        request, "accountability/form.html", {"form": form, "title": _("登记纪律审查案件")}
    )


@login_required
def disciplinary_detail(request, pk):
    case = get_disciplinary_case_for_user(request, pk)
    _audit(request, case, page="disciplinary")
    can_change = request.user.has_perm("accountability.change_disciplinarycase", case)
    return render(
        request,
        "accountability/disciplinary_detail.html",
        {
            "case": case,
            "probes": list(case.probes.select_related("target_body", "accountability_case")),
            "triggers": services.dual_triggers(case) if case.decided_on else [],
            "complete": services.probes_complete(case),
            "linked": list(case.accountability_cases.all()),
            "can_change": can_change,
            "may_waive": request.user.has_perm("accountability.waive_dual_investigation", case),
            "decision_form": DisciplinaryDecisionForm(),
            "reason_form": ReasonForm(),
            "conclusion_form": ProbeConclusionForm(),
            "archive_form": ArchiveForm(),
            "history": history_rows(case),
        },
    )


@login_required
@require_POST
def disciplinary_decide(request, pk):
    case = get_disciplinary_case_for_user(request, pk, write=True)
    _submit(
        request,
        DisciplinaryDecisionForm(request.POST),
        partial(services.decide_disciplinary_case, case, request.user),
        _("已登记处分决定。"),
        invalid=_("请检查处分决定内容。"),
    )
    return redirect("accountability:disciplinary_detail", pk=case.pk)


@login_required
@require_POST
def disciplinary_open_dual(request, pk):
    case = get_disciplinary_case_for_user(request, pk, write=True)
    form = ReasonForm(request.POST)
    try:
        services.open_dual_investigation(
            case, request.user, reason=form.cleaned_data["reason"] if form.is_valid() else ""
        )
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("已启动一案双查。"))
    return redirect("accountability:disciplinary_detail", pk=case.pk)


@login_required
@require_POST
def disciplinary_archive(request, pk):
    case = get_disciplinary_case_for_user(request, pk, write=True)
    form = ArchiveForm(request.POST)
    form.is_valid()
    try:
        services.archive_disciplinary_case(
            case,
            request.user,
            waiver_reason=form.cleaned_data.get("waiver_reason", ""),
            may_waive=request.user.has_perm("accountability.waive_dual_investigation", case),
        )
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("案件已归档。"))
    return redirect("accountability:disciplinary_detail", pk=case.pk)


@login_required
@require_POST
def probe_conclude(request, pk):
    probe = get_probe_for_user(request, pk, write=True)
    form = ProbeConclusionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择核查结论。"))
        return redirect("accountability:disciplinary_detail", pk=probe.disciplinary_case_id)
    try:
        if form.cleaned_data["conclusion"] == DualInvestigation.Conclusion.RESPONSIBLE:
            case = services.open_case_for_probe(probe, request.user)
            messages.success(request, _("已认定应当问责并启动问责案件。"))
            return redirect("accountability:case_detail", pk=case.pk)
        services.conclude_probe(probe, request.user, **form.cleaned_data)
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("已记录核查结论。"))
    return redirect("accountability:disciplinary_detail", pk=probe.disciplinary_case_id)


# --- Statistics -----------------------------------------------------------------------------


@login_required
def statistics(request):
    form = StatsFilterForm(request.GET or None)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    mix = stats.measure_mix(request.user, year)
    forms_rows = stats.four_forms(request.user, year)
    chart = {
        "units": [f"{r['unit']} {r['year']}" for r in mix],
        "series": [
            {"name": _("通报、诫勉、检查"), "data": [r["light"] for r in mix]},
            {"name": _("组织调整或处理、改组"), "data": [r["handling"] for r in mix]},
            {"name": _("党纪政务处分"), "data": [r["sanctions"] for r in mix]},
        ],
        "forms": [{"name": str(r["form"]), "value": r["count"]} for r in forms_rows],
    }
    return render(
        request,
        "accountability/statistics.html",
        {
            "form": form,
            "mix": mix,
            "four_forms": forms_rows,
            "coverage": stats.coverage(request.user, year),
            "timing": stats.lead_to_decision(request.user, year),
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "tab": "stats",
        },
    )
