"""Appeals: a target files their own (or the handling officer records one); the case file's
side decides."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accountability.access import get_appeal_for_user, get_case_or_own_decision
from accountability.forms import AppealDecisionForm, AppealForm
from accountability.services import appeals
from accountability.workflows import CHANGE_CASE
from liangge_zeren.pages import submit_form


@login_required
@require_POST
def case_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """A target files their own appeal; the handling officer may record one for a target."""
    case, full = get_case_or_own_decision(request, pk)
    if full and request.user.has_perm(CHANGE_CASE, case):
        targets = case.targets.filter(target_type="person")
    else:
        targets = case.targets.filter(person__user=request.user)
    if not targets.exists():
        raise PermissionDenied
    submit_form(
        request,
        AppealForm(request.POST, targets=targets),
        lambda **data: appeals.file_appeal(case, actor=request.user, **data),
        _("申诉已登记;申诉期间不停止原决定的执行。"),
    )
    return redirect("accountability:case_detail", pk=case.pk)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_appeal_for_user(request, pk, write=True)
    submit_form(
        request,
        AppealDecisionForm(request.POST),
        lambda **data: appeals.decide_appeal(appeal, actor=request.user, **data),
        _("已作出复查决定。"),
    )
    return redirect("accountability:case_detail", pk=appeal.case_id)
