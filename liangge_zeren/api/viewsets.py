"""The base of every API viewset: reads through the scoping kit, writes through services.

    class DutyLogViewSet(ScopedViewSet, ListRetrieveMixin):
        queryset = DutyLog.objects.select_related("org", "tenure__person")
        serializer_class = DutyLogSerializer
        change_permission = "responsibilities.change_dutylog"
        write_capability = DUTY_LOG_WRITE

        @action(detail=True, methods=["post"])
        def submit(self, request, pk=None):
            log = self.get_writable_object()          # 404 out of scope, 403 read-only, 412 stale
            submit_log(log, actor=self.actor)         # 409 with the rule's message if refused
            return self.respond(log)

- `get_queryset()` is ALWAYS `queryset.visible_to(request.user, view_action)`: a row out of
  scope is 404 (never confirmed), on lists and detail alike;
- `get_writable_object(permission)` adds the object-level permission (403 when in scope but
  read-only) and the `If-Match` check against the row's `version` (412 when stale); it
  returns the object with `expected_version` set for the service's own check;
- `ETag` is the row's version (`"<version>"`) on every single-object answer.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from liangge_zeren.api.problems import PreconditionFailed
from liangge_zeren.dbrouter import replica_reads


def etag_for(obj: Model, version_field: str = "version") -> str | None:
    version = getattr(obj, version_field, None)
    return None if version is None else f'"{version}"'


def if_match_versions(request: Request) -> list[int] | None:
    """The versions named by If-Match (None: no header or `*`); a malformed one matches none."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    versions = []
    for part in header.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        if tag.isdigit():
            versions.append(int(tag))
    return versions


class ScopedViewSet(viewsets.GenericViewSet):
    # The base queryset (select_related etc.); its manager must offer `visible_to`.
    queryset: QuerySet[Any]
    view_action = "view"
    # The object permission a write needs ("responsibilities.change_dutylog"); None: the
    # service alone decides.
    change_permission: str | None = None
    # The token capability a write needs (liangge_zeren.api.capability); None: no token
    # write capability grants it (service accounts read only).
    write_capability: str | None = None
    version_field = "version"

    @property
    def actor(self) -> Any:
        return self.request.user

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return queryset.none()
        return queryset.visible_to(self.request.user, self.view_action)

    def get_writable_object(self, permission: str | None = None) -> Any:
        obj = self.get_object()
        permission = permission or self.change_permission
        if permission and not self.request.user.has_perm(permission, obj):
            raise PermissionDenied
        obj.expected_version = self.check_if_match(obj)
        return obj

    def check_if_match(self, obj: Model) -> int | None:
        """412 when If-Match names another version than the row's; the version otherwise."""
        versions = if_match_versions(self.request)
        current = getattr(obj, self.version_field, None)
        if versions is None or current is None:
            return None
        if current not in versions:
            raise PreconditionFailed()
        return int(current)

    def respond(self, obj: Model, status: int = 200, **context: Any) -> Response:
        """One object, serialized with the viewset's serializer, with its ETag."""
        serializer = self.get_serializer(obj, **context)
        response = Response(serializer.data, status=status)
        tag = etag_for(obj, self.version_field)
        if tag:
            response["ETag"] = tag
        return response


class ListRetrieveMixin(mixins.ListModelMixin):
    """list (filtered, ordered, cursor-paginated) and retrieve (with ETag).

    A list may be a second old: its reads may go to the streaming replica (dbrouter); the
    authentication and permission checks before it read the primary. A retrieve answers an
    ETag a client writes against next, so it stays on the primary."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with replica_reads():
            return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())
