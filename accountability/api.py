"""Accountability over the REST API (/api/v1/): read only, restricted as in the browser.

- `accountability-cases`: the case file, for exactly those who see it on the page
  (`accountability.view_accountabilitycase`: the handling discipline line, the deciding body
  and their superiors — R26: never the same-level committee of the failed unit unless it
  decides). Every read of a case file is audited, as the page does (access.audit_read).
- `accountability-decisions`: a person's own decision (`accountability.view_own_decision`),
  with only what the own-decision page shows: the decision, its deciding body and date, and
  the person's own targets — never the file (facts, report, hearing, other targets).
- `accountability-measures`: measures with their case file, or the person's own measures
  once decided (`accountability.view_accountabilitymeasure`); the fields of the page's
  measure table (not the internal note).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accountability.access import audit_read
from accountability.models import AccountabilityCase, AccountabilityMeasure, AccountabilityTarget
from liangge_zeren import api
from liangge_zeren.api.filters import ApiFilterSet
from liangge_zeren.api.viewsets import ListRetrieveMixin, ScopedViewSet

# --- Serializers ------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer[AccountabilityCase]):
    org_name = serializers.CharField(source="org.name", read_only=True)
    deciding_body_name = serializers.CharField(source="deciding_body.name", read_only=True)
    handling_body_name = serializers.CharField(source="handling_body.name", read_only=True)

    class Meta:
        model = AccountabilityCase
        fields = [
            "id",
            "number",
            "title",
            "org",
            "org_name",
            "event_date",
            "area",
            "source",
            "facts",
            "handling_body",
            "handling_body_name",
            "deciding_body",
            "deciding_body_name",
            "status",
            "status_since",
            "lead_received_on",
            "start_approved_on",
            "execution_finding",
            "hearing_on",
            "hearing_record",
            "report",
            "discussed_on",
            "discussion_record",
            "decision_no",
            "decided_on",
            "publication_scope",
            "not_pursued_reason",
            "not_pursued_note",
            "signed_at",
            "archived_at",
            "created_at",
        ]
        read_only_fields = fields


class OwnTargetSerializer(serializers.ModelSerializer[AccountabilityTarget]):
    class Meta:
        model = AccountabilityTarget
        fields = ["id", "name_snapshot", "unit_snapshot", "post_snapshot", "responsibility_kind"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer[AccountabilityCase]):
    """What the own-decision page shows (accountability/templates/.../own_decision.html)."""

    deciding_body_name = serializers.CharField(source="deciding_body.name", read_only=True)
    targets = OwnTargetSerializer(
        source="own_targets", many=True, read_only=True, help_text=_("本人作为问责对象的记录")
    )

    class Meta:
        model = AccountabilityCase
        fields = [
            "id",
            "number",
            "decision_no",
            "deciding_body_name",
            "decided_on",
            "status",
            "targets",
        ]
        read_only_fields = fields


class MeasureSerializer(serializers.ModelSerializer[AccountabilityMeasure]):
    """The columns of the page's measure table (accountability/_measures.html)."""

    target_name = serializers.CharField(source="target.name_snapshot", read_only=True)
    deciding_body_name = serializers.CharField(source="deciding_body.name", read_only=True)

    class Meta:
        model = AccountabilityMeasure
        fields = [
            "id",
            "case",
            "target",
            "target_name",
            "kind",
            "subtype",
            "channel",
            "effective_date",
            "decision_no",
            "deciding_body_name",
            "influence_ends",
            "expired_at",
            "formalities_due",
            "formalities_done_on",
            "status",
        ]
        read_only_fields = fields


# --- Filters ------------------------------------------------------------------------------------


class CaseFilter(ApiFilterSet):
    under = django_filters.CharFilter(
        field_name="org_path", lookup_expr="startswith", label=_("组织路径前缀(含下级)")
    )

    class Meta:
        model = AccountabilityCase
        fields = ["status", "source", "area"]


class MeasureFilter(ApiFilterSet):
    class Meta:
        model = AccountabilityMeasure
        fields = ["case", "kind", "status", "channel"]


# --- Viewsets -----------------------------------------------------------------------------------


@extend_schema(tags=["问责"])
class CaseViewSet(ScopedViewSet, ListRetrieveMixin):
    """问责案件卷宗:只读;仅承办纪检机关、问责决定机关及其上级可见(与网页相同)。"""

    queryset = AccountabilityCase.objects.select_related("org", "handling_body", "deciding_body")
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["id", "lead_received_on"]
    ordering = ["-id"]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        audit_read(request._request, case, page="api")
        return self.respond(case)


@extend_schema(tags=["问责"])
class DecisionViewSet(ScopedViewSet, ListRetrieveMixin):
    """本人的问责决定(作为问责对象):只读,只含决定本身和本人的记录,不含案件卷宗。"""

    queryset = AccountabilityCase.objects.select_related("deciding_body")
    view_action = "accountability.view_own_decision"
    serializer_class = DecisionSerializer
    filterset_class = None
    ordering_fields = ["id"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Any]:
        own = AccountabilityTarget.objects.filter(person__user_id=self.request.user.pk)
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("targets", queryset=own, to_attr="own_targets"))
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        audit_read(request._request, case, page="api_own_decision")
        return self.respond(case)


@extend_schema(tags=["问责"])
class MeasureViewSet(ScopedViewSet, ListRetrieveMixin):
    """问责方式:只读;随案件卷宗可见,或本人作为对象在决定作出后可见。"""

    queryset = AccountabilityMeasure.objects.select_related("target", "deciding_body")
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilter
    ordering_fields = ["id", "effective_date"]
    ordering = ["-id"]


api.register("accountability-cases", CaseViewSet, basename="accountabilitycase")
api.register("accountability-decisions", DecisionViewSet, basename="accountabilitydecision")
api.register("accountability-measures", MeasureViewSet, basename="accountabilitymeasure")
