"""The issue ledger (问题台账) page and its spreadsheet export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from inspections import exports, ledger
from inspections.forms import LedgerFilterForm
from inspections.models import Finding
from liangge_zeren.pages import paginate


def _ledger(request: HttpRequest) -> tuple[LedgerFilterForm, QuerySet[Finding]]:
    user = request.user
    form = LedgerFilterForm(
        request.GET or None, orgs=ledger.filter_orgs(user), rounds=ledger.filter_rounds(user)
    )
    filters = form.cleaned_data if form.is_valid() else None
    return form, ledger.ledger_findings(user, filters)


@login_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    form, findings = _ledger(request)
    query = request.GET.copy()
    query.pop("page", None)
    template = "inspections/_ledger_results.html" if request.htmx else "inspections/ledger.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": paginate(request, findings),
            "extra_query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    _form, findings = _ledger(request)
    content = exports.ledger_xlsx(findings)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="issue-ledger-{stamp}.xlsx"'
    return response
