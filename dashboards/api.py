"""The cockpit over the REST API: `GET /api/v1/cockpit/<unit id>/?period=2026Q4`.

The same figures as the page, its charts and its .xlsx (dashboards.services.cockpit and
exports.page_tables, through the one access helper get_cockpit_org_for_user: a unit out of
scope is 404). Every cell is a figure object: a figure the viewer may not see is
`{"value": null, "visibility": "hidden", "reason": "无权查看"}` — never 0; one counted only
over the rows the viewer may see is `"visibility": "partial"` with its reason.
"""

from __future__ import annotations

import decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards import exports, services
from dashboards.access import get_cockpit_org_for_user
from liangge_zeren import api
from liangge_zeren.api.viewsets import ScopedViewSet
from liangge_zeren.dbrouter import replica_reads
from liangge_zeren.figures import HIDDEN_TEXT, PARTIAL_TEXT, Figure, Visibility
from liangge_zeren.periods import Quarter
from responsibilities.models import Organization

MAX_ID = 2**63 - 1
VISIBILITY = {Visibility.FULL: "full", Visibility.PARTIAL: "partial", Visibility.HIDDEN: "hidden"}


class FigureSerializer(serializers.Serializer[Any]):
    value = serializers.JSONField(
        allow_null=True, help_text=_("数值(或文字);无权查看时为 null,绝不是 0")
    )
    visibility = serializers.ChoiceField(
        choices=[
            ("full", _("完整")),
            ("partial", _("仅含有权查看的部分")),
            ("hidden", _("无权查看")),
        ]
    )
    reason = serializers.CharField(allow_null=True, help_text=_("不完整或不可见的原因"))


class RowSerializer(serializers.Serializer[Any]):
    unit = serializers.IntegerField(allow_null=True, help_text=_("下级单位编号;本级为 null"))
    label = serializers.CharField()
    cells = FigureSerializer(many=True)


class TableSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    title = serializers.CharField()
    headers = serializers.ListField(child=serializers.CharField())
    rows = RowSerializer(many=True)
    total = FigureSerializer(many=True, allow_null=True)
    is_trend = serializers.BooleanField()


class CockpitSerializer(serializers.Serializer[Any]):
    unit = serializers.IntegerField()
    name = serializers.CharField()
    period = serializers.CharField(help_text=_("季度,如 2026Q4"))
    tables = TableSerializer(many=True)


def figure(value: Any) -> dict[str, Any]:
    """One cell as the API shows it (liangge_zeren/figures.py: hidden is null, never 0)."""
    if isinstance(value, Figure):
        if value.is_hidden:
            return {"value": None, "visibility": "hidden", "reason": str(HIDDEN_TEXT)}
        reason = str(PARTIAL_TEXT) if value.is_partial else None
        return {
            "value": _plain(value.value),
            "visibility": VISIBILITY[value.visibility],
            "reason": reason,
        }
    return {"value": _plain(value), "visibility": "full", "reason": None}


def _plain(value: Any) -> Any:
    if value == "" or value is None:
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, int | float | str):
        return value
    return str(value)


def cockpit_body(data: services.Cockpit) -> dict[str, Any]:
    scope = data.scope
    return {
        "unit": scope.org.pk,
        "name": scope.org.name,
        "period": str(scope.period),
        "tables": [
            {
                "key": table.key,
                "title": str(table.title),
                "headers": [str(h) for h in table.headers],
                "rows": [
                    {
                        "unit": row.pk,
                        "label": str(row.label),
                        "cells": [figure(c) for c in row.cells],
                    }
                    for row in table.rows
                ],
                "total": None if table.total is None else [figure(c) for c in table.total],
                "is_trend": table.is_trend,
            }
            for table in exports.page_tables(data)
        ],
    }


@extend_schema(tags=["驾驶舱"])
class CockpitViewSet(ScopedViewSet):
    """驾驶舱:所选单位及其直属下级的各项数字,与网页、图表、导出表格相同。"""

    queryset = Organization.objects.all()
    serializer_class = CockpitSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period", OpenApiTypes.STR, description=_("季度,如 2026Q4(默认本季度)")
            )
        ],
        responses={
            200: CockpitSerializer,
            404: OpenApiResponse(description=_("单位不存在或不在您的范围内。")),
        },
    )
    @replica_reads()  # the page's figures, a second old at most (liangge_zeren/dbrouter.py)
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        if not str(pk).isdigit() or not 0 < int(pk) < MAX_ID:
            raise Http404  # an id no row can have (the database's integer range): 404
        today = timezone.localdate()
        period = Quarter.parse_or(request.query_params.get("period"), Quarter.of(today))
        org, children = get_cockpit_org_for_user(request, pk)
        services.add_unit_figures(request.user, period, [org, *children])
        children = sorted(children, key=lambda c: (c.name, c.path))
        data = services.cockpit(request.user, org, children, today=today, period=period)
        return Response(cockpit_body(data))


api.register("cockpit", CockpitViewSet, basename="cockpit")
