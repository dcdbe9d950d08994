"""Statistics page: the widgets of stats.py (one grouped query each) and their chart data."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accountability import stats
from accountability.forms import StatsFilterForm
from liangge_zeren.figures import chart_value


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
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
        # A figure the viewer may not see is null in the chart, never 0.
        "forms": [{"name": str(r["form"]), "value": chart_value(r["count"])} for r in forms_rows],
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
            "discipline_visibility": stats.discipline_visibility(request.user).name,
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "tab": "stats",
        },
    )
