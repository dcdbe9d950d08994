"""Risk-based targeting: the ranking of a unit's subordinates and their risk profiles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections import risk
from inspections.forms import RiskProfileForm, supervised_orgs
from inspections.services import risk_profiles
from responsibilities.models import Organization
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
        },
    )
