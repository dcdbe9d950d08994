"""Ids on a page: every id once, every <label for> naming an element that exists (issue 17.9)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.label_targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids[str(values["id"])] += 1
        if tag == "label" and values.get("for"):
            self.label_targets.append(str(values["for"]))


def id_problems(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    problems = [f"id {name!r} used {n} times" for name, n in parser.ids.items() if n > 1]
    problems += [
        f"label for {t!r} names no element" for t in parser.label_targets if not parser.ids[t]
    ]
    return problems
