"""Small template helpers for lists, logs and letters (issue 3)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def letters_enabled() -> bool:
    return bool(settings.RESPONSIBILITY_LETTERS_ENABLED)


@register.filter
def percent(value) -> str:
    """0.754 → "75%"; None → "—"."""
    if value is None:
        return "—"
    return f"{round(float(value) * 100)}%"


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """The current query string with `page` replaced (keeps year, tab, filters)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
