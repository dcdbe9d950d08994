"""Case pages: the list, opening a case, the case file and its moves, corrections, the 倒查
chain. The moves offered are those CASE_FLOW allows the user now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accountability import case_docx, selectors
from accountability import chain as chain_module
from accountability.access import audit_read, get_case_for_user, get_case_or_own_decision
from accountability.forms import (
    TRANSITION_FORMS,
    AppealDecisionForm,
    AppealForm,
    CaseForm,
    CaseFromFindingForm,
    CorrectionForm,
    FormalitiesForm,
    MeasureForm,
    transition_form,
)
from accountability.models import AccountabilityCase, AccountabilityMeasure, Channel
from accountability.services import cases, conflicts
from accountability.workflows import APPEAL_FLOW, CASE_FLOW, CHANGE_CASE, MEASURE_FLOW
from inspections.access import get_finding_for_user
from liangge_zeren.pages import paginate, report_form_errors, report_refusal, submit_form
from liangge_zeren.workflow import TransitionRefused
from responsibilities.history import history_rows
from security.services import audit

CASE_SERVICES: dict[str, Callable[..., Any]] = {
    "preliminary_review": cases.start_preliminary_review,
    "approve_start": cases.approve_start,
    "start_investigation": cases.start_investigation,
    "hearing": cases.record_hearing,
    "discuss_report": cases.discuss_report,
    "decide": cases.decide_case,
    "not_pursue": cases.not_pursue,
    "start_execution": cases.start_execution,
    "archive": cases.archive_case,
}


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    listed = selectors.cases_for(user, status=status)
    may_open = user.has_perm("accountability.add_accountabilitycase")
    return render(
        request,
        "accountability/case_list.html",
        {
            "page": paginate(request, listed),
            "leads": selectors.open_case_leads(user) if may_open else [],
            "mine": selectors.own_decisions(user, listed),
            "status": status,
            "statuses": AccountabilityCase.Status.choices,
            "extra_query": f"status={status}" if status else "",
            "can_create": may_open,
            "tab": "cases",
        },
    )


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accountability.add_accountabilitycase"):
        raise PermissionDenied
    form = CaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = cases.open_case(actor=request.user, **form.cleaned_data)
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("问责案件已受理。"))
            return redirect("accountability:case_detail", pk=case.pk)
    return render(request, "accountability/form.html", {"form": form, "title": _("受理问责线索")})


@login_required
def case_from_finding(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request, pk)
    if not request.user.has_perm("inspections.change_finding", finding):
        raise PermissionDenied
    initial = {"title": finding.title, "event_date": timezone.localdate(finding.created_at)}
    form = CaseFromFindingForm(request.POST or None, finding=finding, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = cases.open_case_from_finding(finding, actor=request.user, **form.cleaned_data)
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


def _measure_groups(measures: list[AccountabilityMeasure]) -> list[tuple[Any, list[Any]]]:
    groups: dict[str, list[AccountabilityMeasure]] = {value: [] for value in Channel.values}
    for measure in measures:
        groups[measure.channel].append(measure)
    return [(Channel(value).label, rows) for value, rows in groups.items()]


def _own_decision(request: HttpRequest, case: AccountabilityCase) -> HttpResponse:
    """A target's own decision: their measures and appeals, and the appeal form."""
    targets = selectors.case_targets(case)
    own = [t for t in targets if t.person_id and t.person.user_id == request.user.pk]
    form = AppealForm(
        targets=case.targets.filter(pk__in=[t.pk for t in own]),
        initial={"target": own[0].pk if own else None},
    )
    return render(
        request,
        "accountability/own_decision.html",
        {
            "case": case,
            "targets": own,
            "measure_groups": _measure_groups([m for t in own for m in t.measures.all()]),
            "appeals": list(case.appeals.filter(target__in=own).select_related("measure")),
            "appeal_form": form,
        },
    )


def _case_forms(case: AccountabilityCase, allowed: set[str], can_change: bool) -> dict[str, Any]:
    # One page, several forms: each its own ids (auto_id), so every label names its field.
    return {
        "measure_form": (
            MeasureForm(case=case, auto_id="measure_%s") if "add_measure" in allowed else None
        ),
        "correction_form": (
            CorrectionForm(case=case, auto_id="correction_%s") if "correct" in allowed else None
        ),
        "appeal_form": (
            AppealForm(targets=case.targets.filter(target_type="person"), auto_id="appeal_%s")
            if can_change and "appeal" in allowed
            else None
        ),
        "decision_form": AppealDecisionForm(auto_id="decision_%s"),
        "formalities_form": FormalitiesForm(auto_id="formalities_%s"),
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case, full = get_case_or_own_decision(request, pk)
    audit_read(request, case, page="detail" if full else "own_decision")
    if not full:
        return _own_decision(request, case)
    user = request.user
    can_change = user.has_perm(CHANGE_CASE, case)
    transitions = CASE_FLOW.allowed(case, user)
    allowed = {t.action for t in transitions}
    targets = selectors.case_targets(case)
    measures = [m for t in targets for m in t.measures.all()]
    for measure in measures:
        measure.formalities_open = can_change and MEASURE_FLOW.can(measure, "record_formalities")
    file = selectors.case_file(case)
    for appeal in file.appeals:
        appeal.decidable = can_change and bool(APPEAL_FLOW.allowed_actions(appeal))
    context = {
        "case": case,
        "targets": targets,
        "measure_groups": _measure_groups(measures),
        "grounds": file.grounds,
        "findings": file.findings,
        "disciplinary_cases": file.disciplinary_cases,
        "transitions": file.transitions,
        "appeals": file.appeals,
        "corrections": file.corrections,
        "team": file.team,
        "can_change": can_change,
        "actions": [
            (t.action, t.label, transition_form(t.action, case))
            for t in transitions
            if t.action in TRANSITION_FORMS
        ],
        "targets_editable": "add_target" in allowed,
        **_case_forms(case, allowed, can_change),
        "history": history_rows(case),
        "hearers": list(case.hearers.all()),
        "conflicts": list(case.conflicts.select_related("person")),
        "may_declare": user.has_perm(conflicts.DECLARE, case),
    }
    return render(request, "accountability/case_detail.html", context)


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = get_case_for_user(request, pk, write=True)
    if action not in CASE_SERVICES:
        raise PermissionDenied
    form = transition_form(action, case, request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect("accountability:case_detail", pk=case.pk)
    try:
        CASE_SERVICES[action](case, actor=request.user, **form.cleaned_data)
    except TransitionRefused as error:
        report_refusal(request, error)
    else:
        messages.success(request, _("已更新:%(status)s") % {"status": case.get_status_display()})
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
@require_POST
def case_correct(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request, pk, write=True)
    submit_form(
        request,
        CorrectionForm(request.POST, case=case),
        lambda **data: cases.correct_case(case, actor=request.user, **data),
        _("已记录纠错。"),
        invalid=_("请检查纠错内容。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
def case_chain(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request, pk)
    audit_read(request, case, page="chain")
    return render(
        request,
        "accountability/chain.html",
        {"case": case, "chain": chain_module.build_chain(case, request.user)},
    )


@login_required
def case_decision_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The 问责决定书 of a decided case, for those who may see the case file."""
    case = get_case_for_user(request, pk)
    if not case.is_decided or case.decided_on is None:
        raise Http404
    audit(request, "download", case, kind="case_decision_docx")
    response = HttpResponse(
        case_docx.case_decision_docx(case),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="case-decision-{case.pk}.docx"'
    response.lz_audited = True  # recorded above, with the case
    return response
