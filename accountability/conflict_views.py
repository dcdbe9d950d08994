"""回避: the page that records a conflict declaration on a case (accountability or
disciplinary). Handlers may name anyone on the case's line; others only themselves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accountability.access import get_case_for_user, get_disciplinary_case_for_user
from accountability.forms import ConflictForm
from accountability.recusal import AnyCase
from accountability.services import conflicts
from liangge_zeren.workflow import TransitionRefused
from responsibilities.models import Person, Tenure


def _candidates(request: HttpRequest, case: AnyCase) -> QuerySet[Person]:
    """Whom the user may declare: themself, or (handlers) the people of the case's bodies
    and of the handling discipline line."""
    own = Person.objects.filter(user__pk=request.user.pk or 0)
    if not conflicts.may_declare_for_others(request.user, case):
        if not conflicts.may_declare_self(request.user, case):
            raise PermissionDenied
        return own
    handling = case.handling_body
    bodies = [handling.pk]
    deciding = getattr(case, "deciding_body_id", None)
    if deciding:
        bodies.append(deciding)
    org = handling.org
    tenures = Tenure.objects.current().filter(
        Q(body_id__in=bodies)
        | Q(
            Q(org_path__startswith=org.path) | Q(org_path__in=org.ancestor_paths()),
            role__in=Tenure.DISCIPLINE_ROLES,
        )
    )
    return Person.objects.filter(tenures__in=tenures).distinct().order_by("name")


def _declare(request: HttpRequest, case: AnyCase, back: str) -> HttpResponse:
    people = _candidates(request, case)
    form = ConflictForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            conflicts.declare_conflict(case, actor=request.user, **form.cleaned_data)
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已记录回避申报。"))
            return redirect(back, pk=case.pk)
    title = _("申报回避:%(case)s") % {"case": case}
    return render(request, "accountability/form.html", {"form": form, "title": title})


@login_required
def case_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    return _declare(request, get_case_for_user(request, pk), "accountability:case_detail")


@login_required
def disciplinary_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_disciplinary_case_for_user(request, pk)
    return _declare(request, case, "accountability:disciplinary_detail")
