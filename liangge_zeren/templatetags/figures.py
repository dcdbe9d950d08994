"""`{{ value|figure }}`: a number as the viewer may see it (liangge_zeren/figures.py) —
"—" with the tooltip "无权查看" when hidden, labelled "仅含您有权查看的" when partial."""

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from liangge_zeren.figures import Figure

register = template.Library()


@register.filter
def figure(value: Any) -> SafeString:
    if isinstance(value, Figure):
        return value.html()
    return conditional_escape("" if value is None else value)


@register.filter
def figure_hidden(value: Any) -> bool:
    return isinstance(value, Figure) and value.is_hidden
