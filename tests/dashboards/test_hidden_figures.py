"""Figures the viewer may not see are "—" (无权查看), never 0 (issue 14): the province
cockpit's 一案双查 for a secretary who may not see disciplinary cases, in the page, the chart
JSON, the .xlsx and the .docx; the discipline commission sees the real numbers."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = 'title="无权查看"'


def _dual(page):
    return next(t for t in page.context["table"] if t.key == "dual")


def _city1_row(table, cast):
    return next(r for r in table.rows if r.pk == cast.city1.pk)


def test_it_shows_a_dash_not_zero_where_the_viewer_may_not_see_cases(world, client_for):
    cast = world.cast
    url = reverse("dashboards:cockpit", args=[cast.province.pk])

    commission = client_for(cast.user("prov_jw")).get(url)
    real = _city1_row(_dual(commission), cast).cells[0]
    assert real == 1  # county 1's case that needs both probes

    page = client_for(cast.user("prov_secretary")).get(url)
    assert page.status_code == 200
    row = _city1_row(_dual(page), cast)
    assert all(cell.is_hidden for cell in row.cells)
    overview = next(t for t in page.context["table"] if t.key == "overview")
    assert _city1_row(overview, cast).cells[8].is_hidden
    html = page.content.decode()
    assert HIDDEN_TITLE in html and '<span class="visually-hidden">无权查看</span>' in html

    chart = next(c for c in page.context["chart_data"]["charts"] if c["id"] == "chart-dual")
    assert all(value is None for s in chart["series"] for value in s["data"])
    commission_chart = next(
        c for c in commission.context["chart_data"]["charts"] if c["id"] == "chart-dual"
    )
    assert any(value for s in commission_chart["series"] for value in s["data"])


def test_it_writes_a_dash_in_the_exports(world, client_for):
    cast = world.cast
    client = client_for(cast.user("prov_secretary"))
    xlsx = client.get(reverse("dashboards:cockpit_xlsx", args=[cast.province.pk]))
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = next(s for s in book.worksheets if s.title.startswith("一案双查"))
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert set(rows[cast.city1.name]) == {"—"}
    assert 0 not in rows[cast.city1.name]

    docx = client.get(reverse("dashboards:cockpit_docx", args=[cast.province.pk]))
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "应一案双查案件—件,已双查—件" in text


def test_it_labels_counts_the_viewer_sees_only_in_part(world, client_for):
    """A committee secretary sees the cases their committee decided, not the discipline
    line's: the 问责 counts say "仅含您有权查看的" (page, .xlsx); the commission's do not."""
    cast = world.cast
    url = reverse("dashboards:cockpit", args=[cast.province.pk])
    page = client_for(cast.user("prov_secretary")).get(url)
    measures = next(t for t in page.context["table"] if t.key == "measures")
    assert all(cell.is_partial for cell in _city1_row(measures, cast).cells)
    assert 'title="仅含您有权查看的"' in page.content.decode()

    xlsx = client_for(cast.user("prov_secretary")).get(
        reverse("dashboards:cockpit_xlsx", args=[cast.province.pk])
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = next(s for s in book.worksheets if s.title.startswith("问责方式构成"))
    assert ("仅含您有权查看的",) in {r[:1] for r in sheet.iter_rows(values_only=True)}

    commission = client_for(cast.user("prov_jw")).get(url)
    measures = next(t for t in commission.context["table"] if t.key == "measures")
    assert not any(getattr(c, "is_partial", False) for c in _city1_row(measures, cast).cells)
