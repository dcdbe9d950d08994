"""Home-page links to the panels: only those the person's posts open (issue 17.5)."""

from __future__ import annotations

from django import template

from dashboards import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def offered_panels(context) -> dict[str, bool]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"secretary": False, "discipline": False}
    return panels.offered_panels(request)
