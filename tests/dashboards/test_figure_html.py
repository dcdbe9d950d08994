"""A figure's HTML is the same whether its fixed text comes from the per-language cache or
not, and follows the active language (issue 19: the cockpit prints thousands of them)."""

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
