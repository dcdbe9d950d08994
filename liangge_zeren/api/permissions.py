"""Token capabilities: the second half of a service account's permissions.

A bearer token (security/tokens.py) is `request.auth`; it answers `allows(capability, write)`.
A personal token allows everything its person may do; a service-account token reads within its
subtree and writes only with the capabilities the security administrator gave it. The scoping
kit still decides every row (`visible_to`, the services' checks): the effective permission is
the intersection. Session requests carry no token and are decided by the kit alone.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission


class SignedIn(BasePermission):
    """An authenticated, active account (anonymous: 401)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class TokenCapability(BasePermission):
    message = "该令牌没有执行此操作的权限(只读令牌或未授予此项写入能力)。"

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        allows = getattr(token, "allows", None)
        if allows is None:
            return True
        write = request.method not in SAFE_METHODS
        return bool(allows(getattr(view, "write_capability", None), write))
