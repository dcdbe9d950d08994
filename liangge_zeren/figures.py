"""Figures a viewer may not see look different from "none" (issue 14).

A count over rows the viewer may not see at all is not 0: it is `Figure.hidden()`, shown as
"—" with the tooltip "无权查看" on pages (title attribute and visually-hidden text), `null`
in chart JSON and "—" in .xlsx/.docx cells. A count over rows the viewer may see only in part
is labelled "仅含您有权查看的". The one decision "may this viewer see this figure at all?"
is `figure_visibility` (the scoping kit's grants over the unit's subtree); pages render with
the `{% figure %}` tag of liangge_zeren/templatetags/figures.py, exports with
`Figure.cell()` / `Figure.chart()`.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DASH = "—"
HIDDEN_TEXT = _("无权查看")
PARTIAL_TEXT = _("仅含您有权查看的")


class Visibility(enum.IntEnum):
    HIDDEN = 0
    PARTIAL = 1
    FULL = 2


@dataclass(frozen=True)
class Figure:
    """A number and whether the viewer may see it (fully, in part, or not at all)."""

    value: Any = None
    visibility: Visibility = Visibility.FULL

    @classmethod
    def hidden(cls) -> Figure:
        return cls(None, Visibility.HIDDEN)

    @property
    def is_hidden(self) -> bool:
        return self.visibility is Visibility.HIDDEN

    @property
    def is_partial(self) -> bool:
        return self.visibility is Visibility.PARTIAL

    def cell(self) -> Any:
        """As a spreadsheet or report cell: "—" when hidden, else the number."""
        return DASH if self.is_hidden else self.value

    def chart(self) -> Any:
        """As chart JSON: null when hidden (a gap, never a bar of 0)."""
        return None if self.is_hidden else self.value

    def html(self) -> SafeString:
        if self.is_hidden:
            return _hidden_html(get_language())
        value = "" if self.value is None else self.value
        # Most figures are integers: nothing to escape.
        text = str(value) if type(value) is int else conditional_escape(value)
        if self.is_partial:
            before, after = _partial_html(get_language())
            return SafeString(f"{before}{text}{after}")
        return SafeString(text)

    def __str__(self) -> str:
        return DASH if self.is_hidden else ("" if self.value is None else str(self.value))


# A province cockpit prints thousands of hidden or partial figures: their fixed text is
# translated and escaped once per language, not once per cell.
@functools.lru_cache(maxsize=8)
def _hidden_html(language: str | None) -> SafeString:
    return format_html(
        '<span class="lz-figure-hidden" title="{}">{}<span class="visually-hidden">{}'
        "</span></span>",
        HIDDEN_TEXT,
        DASH,
        HIDDEN_TEXT,
    )


@functools.lru_cache(maxsize=8)
def _partial_html(language: str | None) -> tuple[SafeString, SafeString]:
    """What goes before and after a partial figure's value."""
    return (
        format_html('<span class="lz-figure-partial" title="{}">', PARTIAL_TEXT),
        format_html('<span class="visually-hidden">({})</span></span>', PARTIAL_TEXT),
    )


def chart_value(value: Any) -> Any:
    """A value for chart JSON: null for a hidden figure, the number otherwise."""
    return value.chart() if isinstance(value, Figure) else value


def cell_value(value: Any) -> Any:
    """A value for an .xlsx/.docx cell: "—" for a hidden figure, the number otherwise."""
    return value.cell() if isinstance(value, Figure) else value


def shown(value: Any, visibility: Visibility) -> Any:
    """`value` as the viewer may see it: a Figure unless fully visible (then the value)."""
    return value if visibility is Visibility.FULL else Figure(value, visibility)


def figure_visibility(user: Any, capability: Any, path: str | None = None) -> Visibility:
    """May `user` see figures over the rows of `path`'s subtree that need `capability`?

    FULL: a grant covers the whole subtree (or the user is unrestricted); PARTIAL: grants cover
    only parts of it; HIDDEN: none. Without a path: anywhere at all (PARTIAL unless
    unrestricted — such a figure counts only what the viewer may see)."""
    from responsibilities.scoping import is_unrestricted, scope_paths

    if is_unrestricted(user):
        return Visibility.FULL
    roots = scope_paths(user, capability)
    if not roots:
        return Visibility.HIDDEN
    if path is None:
        return Visibility.PARTIAL
    if any(path.startswith(root) for root in roots):
        return Visibility.FULL
    if any(root.startswith(path) for root in roots):
        return Visibility.PARTIAL
    return Visibility.HIDDEN
