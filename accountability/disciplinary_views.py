"""Disciplinary cases (纪律审查) and their 一案双查 probes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accountability import selectors
from accountability.access import (
    audit_read,
    get_disciplinary_case_for_user,
    get_probe_for_user,
)
from accountability.dual import conductor_of, dual_triggers, probes_complete
from accountability.forms import (
    ArchiveForm,
    DisciplinaryCaseForm,
    DisciplinaryDecisionForm,
    ProbeConclusionForm,
    ReasonForm,
    ShareForm,
)
from accountability.models import DualInvestigation
from accountability.services import conflicts, disciplinary
from accountability.signoff import signing_tenure
from accountability.workflows import CHANGE_DISCIPLINARY, DISCIPLINARY_FLOW, PROBE_FLOW
from liangge_zeren.pages import attempt, paginate, report_refusal, submit_form
from liangge_zeren.workflow import TransitionRefused
from responsibilities.access import get_org_for_user
from responsibilities.history import history_rows


@login_required
def disciplinary_list(request: HttpRequest) -> HttpResponse:
    # Filters the cockpit's 一案双查 figures link to. A unit out of the viewer's scope is a 404.
    org = None
    if request.GET.get("org", "").isdigit():
        org = get_org_for_user(request, int(request.GET["org"]))
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else None
    dual = request.GET.get("dual") == "1"
    cases = selectors.disciplinary_cases_for(request.user, org=org, year=year, dual_only=dual)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accountability/disciplinary_list.html",
        {
            "page": paginate(request, cases),
            "can_create": request.user.has_perm("accountability.add_disciplinarycase"),
            "tab": "disciplinary",
            "filter_org": org,
            "filter_year": year,
            "filter_dual": dual,
            "extra_query": query.urlencode(),
        },
    )


@login_required
def disciplinary_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accountability.add_disciplinarycase"):
        raise PermissionDenied
    form = DisciplinaryCaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tenure = data.pop("subject_tenure")
        try:
            case = disciplinary.register_disciplinary_case(
                actor=request.user, subject_person=tenure.person, subject_tenure=tenure, **data
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
def disciplinary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_disciplinary_case_for_user(request, pk)
    audit_read(request, case, page="disciplinary")
    user = request.user
    allowed = DISCIPLINARY_FLOW.allowed_actions(case, user)
    probes = list(
        case.probes.select_related(
            "target_body__sent_by", "accountability_case", "conducting_body", "signed_by__person"
        )
    )
    today = timezone.localdate()
    for probe in probes:
        # Only the conducting commission's head signs a conclusion (R27, R29).
        probe.conductor = conductor_of(probe)
        probe.concludable = PROBE_FLOW.can(probe, "conclude", user) and bool(
            signing_tenure(user, probe.conductor, today)
        )
    return render(
        request,
        "accountability/disciplinary_detail.html",
        {
            "case": case,
            "probes": probes,
            "triggers": dual_triggers(case) if case.decided_on else [],
            "complete": probes_complete(case),
            "linked": list(case.accountability_cases.all()),
            "can_change": user.has_perm(CHANGE_DISCIPLINARY, case),
            "allowed": allowed,
            "may_waive": user.has_perm(disciplinary.WAIVE_DUAL, case),
            "conflicts": list(case.conflicts.select_related("person")),
            "may_declare": conflicts.may_declare_self(user, case),
            "decision_form": DisciplinaryDecisionForm(),
            "reason_form": ReasonForm(),
            "conclusion_form": ProbeConclusionForm(),
            "archive_form": ArchiveForm(),
            "shares": list(case.shares.select_related("shared_with")),
            "share_form": ShareForm(case=case)
            if user.has_perm(CHANGE_DISCIPLINARY, case)
            else None,
            "history": history_rows(case),
        },
    )


@login_required
@require_POST
def disciplinary_decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_disciplinary_case_for_user(request, pk, write=True)
    submit_form(
        request,
        DisciplinaryDecisionForm(request.POST),
        lambda **data: disciplinary.decide_disciplinary_case(case, actor=request.user, **data),
        _("已登记处分决定。"),
        invalid=_("请检查处分决定内容。"),
    )
    return redirect("accountability:disciplinary_detail", pk=case.pk)


@login_required
@require_POST
def disciplinary_open_dual(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_disciplinary_case_for_user(request, pk, write=True)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    attempt(
        request,
        lambda: disciplinary.open_dual_investigation(case, actor=request.user, reason=reason),
        _("已启动一案双查。"),
    )
    return redirect("accountability:disciplinary_detail", pk=case.pk)


@login_required
@require_POST
def disciplinary_archive(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_disciplinary_case_for_user(request, pk, write=True)
    form = ArchiveForm(request.POST)
    form.is_valid()
    waiver_reason = form.cleaned_data.get("waiver_reason", "")
    attempt(
        request,
        lambda: disciplinary.archive_disciplinary_case(
            case, actor=request.user, waiver_reason=waiver_reason
        ),
        _("案件已归档。"),
    )
    return redirect("accountability:disciplinary_detail", pk=case.pk)


@login_required
@require_POST
def probe_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    probe = get_probe_for_user(request, pk, write=True)
    form = ProbeConclusionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择核查结论。"))
        return redirect("accountability:disciplinary_detail", pk=probe.disciplinary_case_id)
    try:
        if form.cleaned_data["conclusion"] == DualInvestigation.Conclusion.RESPONSIBLE:
            case = disciplinary.open_case_for_probe(probe, actor=request.user)
            messages.success(request, _("已认定应当问责并启动问责案件。"))
            return redirect("accountability:case_detail", pk=case.pk)
        disciplinary.conclude_probe(probe, actor=request.user, **form.cleaned_data)
    except TransitionRefused as error:
        report_refusal(request, error)
    else:
        messages.success(request, _("已记录核查结论。"))
    return redirect("accountability:disciplinary_detail", pk=probe.disciplinary_case_id)


@login_required
@require_POST
def disciplinary_share(request: HttpRequest, pk: int) -> HttpResponse:
    """R26: the leading (higher) 纪委 shares the case with a lower discipline body."""
    case = get_disciplinary_case_for_user(request, pk, write=True)
    submit_form(
        request,
        ShareForm(request.POST, case=case),
        lambda **data: disciplinary.share_disciplinary_case(case, actor=request.user, **data),
        _("已向下级纪检监察机构共享该案件。"),
        invalid=_("请选择共享对象。"),
    )
    return redirect("accountability:disciplinary_detail", pk=case.pk)
