"""A figure's HTML is the same whether its fixed text comes from the per-language cache or
not, and follows the active language (issue 19: the cockpit prints thousands of them)."""

from decimal import Decimal
from urllib.parse import urlencode

from django.utils import translation

from liangge_zeren.figures import HIDDEN_TEXT, PARTIAL_TEXT, Figure, Visibility


def test_it_hidden_and_partial_figures_follow_the_language():
    hidden, partial = Figure.hidden(), Figure(3, Visibility.PARTIAL)
    with translation.override("zh-hans"):
        assert "无权查看" in hidden.html() and "—" in hidden.html()
        assert hidden.html() == Figure.hidden().html()
        assert "仅含您有权查看的" in partial.html() and ">3<" in partial.html()
    with translation.override("en"):
        assert str(HIDDEN_TEXT) in hidden.html()  # the text of the active language
        assert str(PARTIAL_TEXT) in partial.html()
    assert Figure(5).html() == "5"


def test_it_prints_figures_as_format_html_would():
    """Figure.html and the cockpit's cells skip Django's lazy-string check on the hot path
    (issue 19); the HTML stays what format_html and django.utils.html.escape give."""
    from django.utils.html import escape, format_html

    from dashboards.exports import Row

    for value in (3, "2/5", "<b>&'\"", Decimal("87.50"), None):
        text = "" if value is None else value
        assert Figure(value).html() == format_html("{}", text)
        with translation.override("zh-hans"):
            assert Figure(value, Visibility.PARTIAL).html() == format_html(
                '<span class="lz-figure-partial" title="{}">{}<span class="visually-hidden">'
                "({})</span></span>",
                PARTIAL_TEXT,
                text,
                PARTIAL_TEXT,
            )
    url = '/inspections/ledger/?org=5&year=2026&category=a"b'
    row = Row("x", 5, [7, "<i>", Figure(2, Visibility.PARTIAL)], {0: url})
    assert row.cells_html == (
        f'<td data-col="0"><a href="{escape(url)}">7</a></td>'
        f'<td data-col="1">{escape("<i>")}</td>'
        f'<td data-col="2">{Figure(2, Visibility.PARTIAL).html()}</td>'
    )


def test_it_builds_list_links_as_urlencode_would():
    from dashboards.exports import _list_url

    for params in ({}, {"light": "red"}, {"year": 2026, "category": "a b&c"}, {"dual": 1}):
        expected = "/l/?" + urlencode({"org": 5, **params})
        assert _list_url("/l/", 5, **params) == expected
        assert _list_url("/l/", 5, **params) == expected  # the cached encoding too
