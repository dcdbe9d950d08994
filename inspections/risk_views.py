"""Risk-based targeting: the ranking of a unit's subordinates and their risk profiles."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inspections import risk, risk_import
from inspections.forms import RiskProfileForm, supervised_bodies, supervised_orgs
from inspections.models import InspectionRound
from inspections.services import risk_profiles, rounds
from liangge_zeren.pages import report_refusal
from liangge_zeren.uploads import XlsxFileForm, run_file_import
from liangge_zeren.workflow import TransitionRefused
from responsibilities.models import Body, Organization
from responsibilities.scoped import Capability, holds


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        return timezone.localdate().year


@login_required
def risk_ranking(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not holds(user, Capability.SUPERVISE):
        raise Http404
    planning_orgs = supervised_orgs(user)
    parent = None
    if request.GET.get("org"):
        parent = planning_orgs.filter(pk=request.GET["org"]).first()
        if parent is None:
            raise Http404
    parent = parent or planning_orgs.first()
    year = _year(request)
    top = _top(request)
    weights = risk.weights_from(request.GET)
    rows = risk.ranking(parent, year, weights, user=user) if parent else []
    children = Organization.objects.filter(parent=parent).order_by("path") if parent else []
    profile_form = RiskProfileForm(request.POST or None, orgs=children, initial={"year": year})
    if request.method == "POST":
        if not user.has_perm("inspections.change_riskprofile", parent):
            raise PermissionDenied
        if profile_form.is_valid():
            risk_profiles.save_risk_profile(actor=user, **profile_form.cleaned_data)
            messages.success(request, _("风险画像已保存。"))
            return redirect(f"{request.path}?{request.GET.urlencode()}")
    return render(
        request,
        "inspections/risk.html",
        {
            "planning_orgs": planning_orgs,
            "parent": parent,
            "year": year,
            "weights": weights,
            "factors": risk.FACTORS,
            "rows": rows,
            "profile_form": profile_form,
            "top": top,
            "can_plan": parent is not None
            and user.has_perm("inspections.add_inspectionround")
            and _issuing_body(user, parent) is not None,
            "can_import": parent is not None
            and user.has_perm("inspections.change_riskprofile", parent),
        },
    )


DEFAULT_TOP = 3


def _top(request: HttpRequest) -> int:
    try:
        return max(1, min(50, int(request.GET.get("top", DEFAULT_TOP))))
    except ValueError:
        return DEFAULT_TOP


def _planning_parent(request: HttpRequest, pk: str | None) -> Organization:
    """The unit whose subordinates are ranked: in the user's jurisdiction, else 404."""
    if not holds(request.user, Capability.SUPERVISE) or not (pk or "").isdigit():
        raise Http404
    parent = supervised_orgs(request.user).filter(pk=pk).first()
    if parent is None:
        raise Http404
    return parent


def _issuing_body(user, parent: Organization) -> Body | None:
    """The discipline body of the planning unit that the user may organise checks for."""
    return (
        supervised_bodies(user)
        .filter(org=parent, kind__in=Body.DISCIPLINE_KINDS)
        .order_by("kind", "pk")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_import_view(request: HttpRequest) -> HttpResponse:
    parent = _planning_parent(request, request.GET.get("org"))
    if not request.user.has_perm("inspections.change_riskprofile", parent):
        raise PermissionDenied
    form = XlsxFileForm(
        request.POST or None, request.FILES or None, label=gettext_lazy("风险因素文件")
    )
    importer: Any = request.user
    result, status = run_file_import(
        request,
        form,
        lambda data, name: risk_import.import_file(data, name, parent=parent, actor=importer),
    )
    return render(
        request,
        "inspections/risk_import.html",
        {"parent": parent, "form": form, "result": result, "sheet": risk_import.SHEET},
        status=status,
    )


@login_required
@require_GET
def risk_import_template(request: HttpRequest) -> FileResponse:
    if not holds(request.user, Capability.SUPERVISE):
        raise Http404
    return FileResponse(
        io.BytesIO(risk_import.build_template()),
        as_attachment=True,
        filename=_("风险因素导入模板") + ".xlsx",
        content_type=risk_import.XLSX_CONTENT_TYPE,
    )


@login_required
@require_POST
def risk_plan_round(request: HttpRequest) -> HttpResponse:
    """生成专项检查: a planned special-check round on the units chosen from the ranking."""
    user = request.user
    parent = _planning_parent(request, request.POST.get("org"))
    if not user.has_perm("inspections.add_inspectionround"):
        raise PermissionDenied
    body = _issuing_body(user, parent)
    if body is None:
        raise PermissionDenied
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    ids = [pk for pk in request.POST.getlist("units") if pk.isdigit()]
    targets = list(
        Organization.objects.filter(parent=parent, is_active=True, pk__in=ids).order_by("path")
    )
    back = f"{reverse('inspections:risk_ranking')}?org={parent.pk}&year={year}"
    if not targets:
        messages.error(request, _("请至少选择一个检查对象。"))
        return redirect(back)
    try:
        round_ = rounds.create_round(
            actor=user,
            kind=InspectionRound.Kind.SPECIAL,
            title=_("%(year)d年度专项检查(风险研判)") % {"year": year},
            issuing_body=body,
            year=year,
            targets=targets,
            notes=_("由风险研判生成,检查对象:%(names)s。")
            % {"names": "、".join(t.name for t in targets)},
        )
    except (TransitionRefused, ValidationError) as error:
        report_refusal(request, error)
        return redirect(back)
    messages.success(request, _("专项检查计划已生成,请补充检查组和进驻时间。"))
    return redirect("inspections:round_detail", pk=round_.pk)
