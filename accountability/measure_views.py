"""Measures of a decision and the formalities of organisational handling."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accountability.access import get_case_for_user
from accountability.forms import FormalitiesForm, MeasureForm
from accountability.services import measures
from liangge_zeren.pages import submit_form


@login_required
@require_POST
def case_measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request, pk, write=True)
    submit_form(
        request,
        MeasureForm(request.POST, case=case),
        lambda **data: measures.add_measure(case, actor=request.user, **data),
        _("已登记问责方式。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
@require_POST
def measure_formalities(request: HttpRequest, pk: int, measure_pk: int) -> HttpResponse:
    case = get_case_for_user(request, pk, write=True)
    measure = get_object_or_404(case.measures, pk=measure_pk)
    submit_form(
        request,
        FormalitiesForm(request.POST),
        lambda **data: measures.record_formalities_done(measure, actor=request.user, **data),
        _("已登记手续办结。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)
