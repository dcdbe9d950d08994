"""The app-agnostic API router: each app contributes its endpoints from its own `api.py`.

    # responsibilities/api.py
    from liangge_zeren import api

    api.register("duty-logs", DutyLogViewSet, basename="dutylog")
    DUTY_LOG_WRITE = api.capability("responsibilities.dutylog", _("填报、提交履责纪实"))

`urls()` imports every installed app's `api` module (like admin.autodiscover) and returns the
router's URL patterns; `liangge_zeren/urls.py` mounts them under /api/v1/. This module imports
no domain app: the direction of imports stays app → kit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

# DRF's router is imported only when the URLs are built: this module is imported by the
# package, which DRF's settings import (permissions, throttling) while rest_framework.views
# is still initialising.


@dataclass(frozen=True)
class WriteCapability:
    """A write a service-account token may be given (read is always implied by its scope)."""

    name: str
    label: Any


_REGISTRATIONS: list[tuple[str, Any, str | None]] = []
_CAPABILITIES: dict[str, WriteCapability] = {}
_discovered = False


def register(prefix: str, viewset: Any, basename: str | None = None) -> None:
    _REGISTRATIONS.append((prefix, viewset, basename))


def capability(name: str, label: Any) -> str:
    """Declare a write capability (idempotent); returns its name for the viewsets to use."""
    _CAPABILITIES.setdefault(name, WriteCapability(name, label))
    return name


def capabilities() -> list[WriteCapability]:
    discover()
    return sorted(_CAPABILITIES.values(), key=lambda c: c.name)


def discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("api")


def urls() -> list[Any]:
    from rest_framework.routers import DefaultRouter

    discover()
    router = DefaultRouter()
    router.include_format_suffixes = False
    for prefix, viewset, basename in _REGISTRATIONS:
        router.register(prefix, viewset, basename=basename)
    return list(router.urls)
