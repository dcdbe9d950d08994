"""The targets page: who held the posts at the time (前任) and who holds them now (现任)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accountability.access import audit_read, get_case_for_user
from accountability.forms import OrgTargetForm, PersonTargetForm
from accountability.proposals import propose_targets
from accountability.services import targets
from accountability.workflows import CASE_FLOW
from liangge_zeren.pages import submit_form
from liangge_zeren.workflow import TransitionRefused


@login_required
def case_targets(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request, pk)
    may_add = CASE_FLOW.can(case, "add_target", request.user)
    form = PersonTargetForm(request.POST or None, case=case)
    if request.method == "POST":
        if not request.user.has_perm("accountability.change_accountabilitycase", case):
            raise PermissionDenied
        if form.is_valid():
            try:
                targets.add_person_target(case, actor=request.user, **form.cleaned_data)
            except TransitionRefused as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("已添加问责对象。"))
                return redirect("accountability:case_targets", pk=case.pk)
    audit_read(request, case, page="targets")
    return render(
        request,
        "accountability/targets.html",
        {
            "case": case,
            "slots": propose_targets(case.org, case.event_date, case.portfolio),
            "targets": list(case.targets.select_related("tenure__person")),
            "form": form,
            "org_form": OrgTargetForm(case=case),
            "can_change": may_add,
        },
    )


@login_required
@require_POST
def case_org_target(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request, pk, write=True)
    submit_form(
        request,
        OrgTargetForm(request.POST, case=case),
        lambda **data: targets.add_org_target(case, actor=request.user, **data),
        _("已添加被问责党组织。"),
        invalid=_("请检查填写内容。"),
    )
    return redirect("accountability:case_targets", pk=case.pk)
