"""`{{ table|rows_html:query }}`: a cockpit table's body rows, built in Python (see
exports.Row.cells_html for why: a province page has about 1,500 cells). Escaped as there,
with the standard library's html.escape (what django.utils.html.escape returns)."""

import html

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def rows_html(table, query: str = "") -> str:
    suffix = f"?{html.escape(query)}"
    parts = []
    for row in table.rows:
        label = html.escape(str(row.label))
        head = f'<a href="{html.escape(row.url)}{suffix}">{label}</a>' if row.url else label
        parts.append(
            f'<tr data-row="{row.pk or "own"}"><th scope="row">{head}</th>{row.cells_html}</tr>'
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - labels, urls and cells escaped
