"""The issue ledger (问题台账) page and its exports (.xlsx, and .docx per the document kit)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections import exports, ledger
from inspections.forms import LedgerFilterForm
from inspections.models import Finding
from liangge_zeren import documents
from liangge_zeren.pages import paginate


def _ledger(request: HttpRequest) -> tuple[LedgerFilterForm, QuerySet[Finding]]:
    user = request.user
    form = LedgerFilterForm(
        request.GET or None,
        orgs=ledger.filter_orgs(user, request.GET.get("org")),
        rounds=ledger.filter_rounds(user),
    )
    if form.is_bound and not form.is_valid():
        # A filter that cannot be applied says so and lists nothing: it is never dropped
        # silently, which would show more rows than the link promised.
        return form, Finding.objects.none()
    return form, ledger.ledger_findings(user, form.cleaned_data if form.is_bound else None)


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
        status=400 if form.errors else 200,
    )


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    form, findings = _ledger(request)
    if form.errors:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return HttpResponse(_("筛选条件无效:") + "; ".join(problems), status=400)
    content = exports.ledger_xlsx(findings)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="issue-ledger-{stamp}.xlsx"'
    return response


def _ledger_heading(form: LedgerFilterForm) -> tuple[str, str]:
    """The unit and period the filters name (else: every unit in view, up to today)."""
    data = form.cleaned_data if form.is_bound else {}
    org, round_, year = data.get("org"), data.get("round"), data.get("year")
    unit = org.name if org else _("本人可见的全部单位")
    if round_:
        period = str(round_.title)
    elif year:
        period = _("%(year)s年度") % {"year": year}
    else:
        period = _("截至%(day)s") % {"day": documents.date_text(timezone.localdate())}
    return unit, period


@login_required
def ledger_docx(request: HttpRequest) -> HttpResponse:
    form, findings = _ledger(request)
    if form.errors:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return HttpResponse(_("筛选条件无效:") + "; ".join(problems), status=400)
    unit, period = _ledger_heading(form)
    content = exports.ledger_docx(findings, unit=unit, period=period)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="issue-ledger-{stamp}.docx"'
    return response
