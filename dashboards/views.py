"""Cockpit (驾驶舱), drill-down, exports and per-role panels. Views stay thin.

Every page here only reads, and may show a second-old picture: `replica_reads()` lets its
reads go to the streaming replica when one is configured (liangge_zeren/dbrouter.py); it sits
under `login_required`, so the session and the user are read from the primary."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards import exports, panels, services
from dashboards.access import get_cockpit_org_for_user, top_org_pk
from liangge_zeren.dbrouter import replica_reads
from liangge_zeren.pages import paginate
from liangge_zeren.periods import Quarter
from responsibilities.scoped import Capability, covers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _build(request, pk):
    today = timezone.localdate()
    period = Quarter.parse_or(request.GET.get("period"), Quarter.of(today))
    org, children = get_cockpit_org_for_user(request, pk)
    services.add_unit_figures(request.user, period, [org, *children])
    order = "light" if request.GET.get("order") == "light" else "name"
    if order == "name":
        children = sorted(children, key=lambda c: (c.name, c.path))
    return services.cockpit(request.user, org, children, today=today, period=period, order=order)


@login_required
def home(request):
    pk = top_org_pk(request.user)
    if pk is None:
        return render(request, "dashboards/no_scope.html", status=404)
    return redirect("dashboards:cockpit", pk=pk)


@login_required
@replica_reads()
def cockpit(request, pk):
    data = _build(request, pk)
    org = data.scope.org
    parent_pk = None
    parent_path = org.parent_path
    if org.parent_id and parent_path and covers(request.user, Capability.VIEW, parent_path):
        parent_pk = org.parent_id
    tables = exports.page_tables(data)
    context = {
        "cockpit": data,
        "org": org,
        "parent_pk": parent_pk,
        "table": tables,
        "chart_data": exports.chart_data(data, tables),
        "period": data.scope.period,
        "periods": Quarter.of(data.scope.today).last(8),
        "order": "light" if request.GET.get("order") == "light" else "name",
        "query": request.GET.urlencode(),
        "ledger_url": reverse("inspections:ledger"),
        "warnings": services.warning_summaries(
            request.user, org, data.scope.period, data.scope.today
        ),
    }
    return render(request, "dashboards/cockpit.html", context)


@login_required
@replica_reads()
def warning_rows(request, pk, code):
    """The units or people one warning flags under the unit, with the figures behind it."""
    today = timezone.localdate()
    period = Quarter.parse_or(request.GET.get("period"), Quarter.of(today))
    org, _children = get_cockpit_org_for_user(request, pk)
    summary = services.warning_flags(request.user, org, code, period, today)
    if summary is None:
        raise Http404(_("没有该预警规则,或已停用。"))
    labels = [label for label, _value in summary.flags[0].figures] if summary.flags else []
    context = {
        "org": org,
        "period": period,
        "summary": summary,
        "labels": labels,
        "page": paginate(request, summary.flags),
        "extra_query": f"period={period}",
    }
    return render(request, "dashboards/warning_rows.html", context)


@login_required
@replica_reads()
def cockpit_xlsx(request, pk):
    data = _build(request, pk)
    response = HttpResponse(exports.cockpit_xlsx(data), content_type=XLSX)
    name = f"cockpit-{data.scope.org.code}-{data.scope.period}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@replica_reads()
def cockpit_docx(request, pk):
    data = _build(request, pk)
    response = HttpResponse(exports.quarterly_docx(data), content_type=DOCX)
    name = f"report-{data.scope.org.code}-{data.scope.period}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@replica_reads()
def secretary_panel(request):
    data = panels.secretary_panel(request)
    if data is None:
        raise Http404(_("您没有在任的党委(党组)职务。"))
    return render(request, "dashboards/panel_secretary.html", data)


@login_required
@replica_reads()
def discipline_panel(request):
    data = panels.discipline_panel(request)
    if data is None:
        raise Http404(_("您没有纪检监察职务。"))
    return render(request, "dashboards/panel_discipline.html", data)


@login_required
@replica_reads()
def home_panel(request):
    """The current post's panel, loaded into the home page (htmx); empty for other posts."""
    panel = panels.home_panel(request)
    if panel is None:
        return HttpResponse("")
    template, data = panel
    return render(request, "dashboards/_home_panel.html", {**data, "sections": template})
