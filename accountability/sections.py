"""Sections that later apps add to the 廉政档案 (issue 18).

accountability may not import the apps above it (assessments, dashboards), so they register
a section provider here in their AppConfig.ready: `register_section(key, provider)` where
`provider(person, viewer)` returns a `RecordSection` (or None when it has nothing to show).
The provider asks the scoping kit about the viewer itself; `integrity_record` calls every
provider once per read (its queries are the provider's own, bounded per record).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordSection:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    empty: str = ""  # the template says "无" when empty


SectionProvider = Callable[[Any, Any], "RecordSection | None"]
_PROVIDERS: dict[str, SectionProvider] = {}


def register_section(key: str, provider: SectionProvider) -> None:
    """Register (or replace) the provider of one section, in registration order."""
    _PROVIDERS[key] = provider


def sections_for(person: Any, viewer: Any) -> list[RecordSection]:
    found = (provider(person, viewer) for provider in _PROVIDERS.values())
    return [section for section in found if section is not None]
