"""The change feed: `GET /api/v1/events/?after=<cursor>` — what changed, for the level above
to poll instead of scraping.

Read from the business audit chain (security/business_audit.py: one entry per changed object
per service call, written in the service's own transaction), not from a second write path.
An event names the object (type, id), the action (create, update, delete) and the time —
never the fields or who changed them.

Only objects the caller may read over the API are shown: the object types are those of the
served endpoints (every ScopedViewSet the URL resolver mounts), and an event is listed only
when its object is in that endpoint's own scoped queryset (its get_queryset:
`visible_to(user, action)`, the rule the endpoint applies) — one query, a semi-join per
endpoint. An object that no longer
exists (deleted) cannot be checked and is not listed.

The cursor is opaque (signed); `next` is always given, also on an empty page, so a poller
keeps it and asks again later. Pages are bounded (`limit`, at most 200).
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import URLResolver, get_resolver
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from liangge_zeren import api
from liangge_zeren.api.viewsets import ScopedViewSet
from security.models import AuditEntry

CHANGES = (AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE, AuditEntry.Action.DELETE)
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_SALT = "liangge_zeren.api.events"


def encode_cursor(last_id: int) -> str:
    return signing.dumps(last_id, salt=_SALT, compress=False)


def decode_cursor(text: str) -> int:
    try:
        value = signing.loads(text, salt=_SALT)
    except signing.BadSignature:
        raise ValidationError({"after": [_("游标无效:请使用上一页返回的 next。")]}) from None
    if not isinstance(value, int) or value < 0:
        raise ValidationError({"after": [_("游标无效:请使用上一页返回的 next。")]})
    return value


def scoped_endpoints() -> list[type[ScopedViewSet]]:
    """Every served API viewset that reads through the scoping kit (from the URL resolver:
    exactly what is mounted, whoever registered it)."""
    found: dict[type[ScopedViewSet], None] = {}

    def walk(patterns: list[Any]) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
                continue
            cls = getattr(getattr(entry, "callback", None), "cls", None)
            if isinstance(cls, type) and issubclass(cls, ScopedViewSet):
                found[cls] = None

    walk(get_resolver().url_patterns)
    return list(found)


def endpoint_queryset(viewset: type[ScopedViewSet], request: Any) -> QuerySet[Any]:
    """The rows `viewset` serves to `request.user`: its own get_queryset (visible_to)."""
    view = viewset(request=request, action="list", args=(), kwargs={}, format_kwarg=None)
    return view.get_queryset()


def events_for(request: Any, after: int) -> QuerySet[AuditEntry]:
    """Change entries after `after` whose object the caller may read over the API, oldest
    first: an object counts when some endpoint's scoped queryset has it."""
    visible = Q(pk__in=[])
    for viewset in scoped_endpoints():
        rows = endpoint_queryset(viewset, request)
        ids = rows.order_by().annotate(object_key=Cast("pk", output_field=CharField()))
        label = rows.model._meta.label_lower
        visible |= Q(object_type=label, object_id__in=ids.values("object_key"))
    return (
        AuditEntry.objects.filter(id__gt=after, action__in=CHANGES)
        .filter(visible)
        .order_by("id")
        .only("id", "at", "action", "object_type", "object_id")
    )


class EventSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(help_text=_("对象类型,如 inspections.finding"))
    id = serializers.CharField(help_text=_("对象编号"))
    action = serializers.ChoiceField(choices=[(a.value, a.label) for a in CHANGES])
    at = serializers.DateTimeField(help_text=_("变更时间"))


class EventPageSerializer(serializers.Serializer[Any]):
    events = EventSerializer(many=True)
    next = serializers.CharField(help_text=_("下一次请求的 after 参数(无新变更时也返回)"))
    has_more = serializers.BooleanField(help_text=_("是否还有更多变更(可立即再取)"))


class _PageSchema(AutoSchema):
    """The feed answers one page object (events, next, has_more), not a list of them."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


@extend_schema(tags=["变更"])
class EventViewSet(viewsets.ViewSet):
    """变更动态:自上次游标以来您有权查看的对象的新建、修改、删除(供上级系统轮询)。"""

    serializer_class = EventPageSerializer
    schema = _PageSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.STR, description=_("上一页返回的 next;不填则从头开始")
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description=_("每页条数(1–200,默认 50)")),
        ],
        responses={
            200: EventPageSerializer,
            400: OpenApiResponse(description=_("游标或条数无效。")),
        },
    )
    def list(self, request: Request) -> Response:
        after = (
            decode_cursor(request.query_params["after"]) if "after" in request.query_params else 0
        )
        limit = _limit(request.query_params.get("limit"))
        rows = list(events_for(request, after)[: limit + 1])
        page, more = rows[:limit], len(rows) > limit
        last = page[-1].id if page else after
        body = {
            "events": [
                {"type": e.object_type, "id": e.object_id, "action": e.action, "at": e.at}
                for e in page
            ],
            "next": encode_cursor(last),
            "has_more": more,
        }
        return Response(EventPageSerializer(body).data)


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ValidationError({"limit": [_("条数须为 1 到 200 之间的整数。")]})
    return int(text)


api.register("events", EventViewSet, basename="event")
