"""Assessments over the REST API (/api/v1/): the quarterly snapshots, read only.

A snapshot is read by every tenure holder over its unit (`assessments.view_assessmentsnapshot`,
VIEW of the subtree), as on the snapshot pages. No ordering by score: rankings are a page
option only where the deployment enables them, for superiors (R31), and the API offers none.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from assessments.models import AssessmentSnapshot
from liangge_zeren import api
from liangge_zeren.api.filters import ApiFilterSet
from liangge_zeren.api.viewsets import ListRetrieveMixin, ScopedViewSet


class SnapshotSerializer(serializers.ModelSerializer[AssessmentSnapshot]):
    org_name = serializers.CharField(source="org.name", read_only=True)
    period = serializers.CharField(read_only=True, help_text=_("季度,如 2026Q3"))
    indicator_set_name = serializers.CharField(source="indicator_set.name", read_only=True)

    class Meta:
        model = AssessmentSnapshot
        fields = [
            "id",
            "org",
            "org_name",
            "year",
            "quarter",
            "period",
            "indicator_set",
            "indicator_set_name",
            "indicator_set_version",
            "rule_version",
            "total",
            "grade",
            "traffic_light",
            "scores",
            "inputs",
            "subtree_units",
            "subtree_average",
            "subtree_lights",
            "status",
            "computed_at",
            "published_at",
        ]
        read_only_fields = fields


class SnapshotFilter(ApiFilterSet):
    under = django_filters.CharFilter(
        field_name="org_path", lookup_expr="startswith", label=_("组织路径前缀(含下级)")
    )

    class Meta:
        model = AssessmentSnapshot
        fields = ["org", "year", "quarter", "traffic_light", "status"]


@extend_schema(tags=["考核"])
class SnapshotViewSet(ScopedViewSet, ListRetrieveMixin):
    """季度考核结果(快照):只读;不提供按得分排序(排名仅在网页上、且仅对上级开放)。"""

    queryset = AssessmentSnapshot.objects.select_related("org", "indicator_set")
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter
    ordering_fields = ["id", "year", "quarter"]
    ordering = ["-id"]


api.register("assessment-snapshots", SnapshotViewSet, basename="assessmentsnapshot")
