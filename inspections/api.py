"""Inspections over the REST API (/api/v1/): rounds, findings and rectification tasks to read;
evidence to submit on a task and the inspecting side's verification (accept or return).

Reads go through the scoping kit (`visible_to`, the same permissions as the pages: covert
visits, the upward channel and undelivered findings stay hidden); writes through the task
services with `actor=` (TASK_FLOW decides: a refused move is 409 with the rule's message).
Evidence files pass the one upload policy (liangge_zeren/uploads.py) before the service
stores them: a refused file is 400 naming the file, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from inspections.models import (
    Attachment,
    Finding,
    InspectionRound,
    RectificationTask,
    RectificationUpdate,
)
from inspections.services import tasks
from inspections.workflows import RECTIFY_TASK, VERIFY_TASK
from liangge_zeren import api, uploads
from liangge_zeren.api.filters import ApiFilterSet
from liangge_zeren.api.viewsets import ListRetrieveMixin, ScopedViewSet

TASK_EVIDENCE = api.capability("inspections.rectification", _("报送整改进展和佐证材料"))
TASK_VERIFY = api.capability("inspections.verification", _("验收销号或退回整改任务"))

REFUSALS = {
    403: OpenApiResponse(description=_("在范围内但无权执行(只读)。")),
    404: OpenApiResponse(description=_("不存在或不在您的范围内。")),
    409: OpenApiResponse(description=_("流程规则拒绝,detail 为规则的说明。")),
}


# --- Serializers ------------------------------------------------------------------------------


class RoundSerializer(serializers.ModelSerializer[InspectionRound]):
    issuing_body_name = serializers.CharField(source="issuing_body.name", read_only=True)
    target_count = serializers.IntegerField(read_only=True, help_text=_("检查对象数"))

    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "kind",
            "title",
            "issuing_body",
            "issuing_body_name",
            "org",
            "year",
            "round_no",
            "status",
            "on_site_from",
            "on_site_to",
            "feedback_date",
            "face_to_face_review_date",
            "report_due",
            "principal_report_due",
            "revisit_of",
            "disclosed_at",
            "target_count",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer[Finding]):
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "number",
            "round",
            "inspecting_body",
            "org",
            "org_name",
            "source",
            "sub_source",
            "category",
            "severity",
            "title",
            "description",
            "side",
            "upward_channel",
            "delivered_at",
            "status",
            "is_case_lead_transferred",
            "concealed",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer[RectificationTask]):
    owner_name = serializers.CharField(source="owner_tenure.person.name", read_only=True)
    traffic_light = serializers.ChoiceField(
        choices=RectificationTask.Light.choices, read_only=True, help_text=_("红黄绿灯")
    )

    class Meta:
        model = RectificationTask
        fields = [
            "id",
            "finding",
            "measure",
            "owner_tenure",
            "owner_name",
            "org",
            "start_date",
            "due_date",
            "original_due_date",
            "is_long_term",
            "status",
            "traffic_light",
            "returned_reason",
            "rechecked_at",
            "recheck_note",
            "closed_at",
            "closure_note",
            "reopen_count",
            "created_at",
        ]
        read_only_fields = fields


class TaskAttachmentSerializer(serializers.ModelSerializer[Attachment]):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class UpdateSerializer(serializers.ModelSerializer[RectificationUpdate]):
    attachments = TaskAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = RectificationUpdate
        fields = ["id", "task", "text", "is_closure_request", "at", "attachments"]
        read_only_fields = fields


class EvidenceSerializer(serializers.Serializer[Any]):
    """Evidence on a task: a progress report, or (closure=true) the request to close (销号)."""

    text = serializers.CharField(
        max_length=10000, help_text=_("整改进展;申请销号时为整改完成情况说明")
    )
    closure = serializers.BooleanField(
        default=False, help_text=_("true:申请销号(等待检查方验收);false:报送整改进展")
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=20,
        help_text=_("佐证材料(可多个);按内容识别类型,须符合上传规定"),
    )

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("请填写整改进展或完成情况说明。"))
        return value

    def validate_files(self, files: list[Any]) -> list[Any]:
        # The one upload policy, checked here too so a refused file is bad input (400)
        # naming the file; the service checks again before it stores anything.
        messages: list[str] = []
        for upload in files:
            try:
                uploads.check_upload(upload)
            except Exception as error:  # noqa: BLE001 - ValidationError, in Chinese
                messages.extend(getattr(error, "messages", [str(error)]))
        if messages:
            raise serializers.ValidationError(messages)
        return files


class VerifySerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(
        choices=[("accept", _("验收销号")), ("return", _("退回"))],
        help_text=_("accept:验收销号;return:退回整改单位(须说明理由)"),
    )
    note = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("验收意见;退回时为退回理由(必填)"),
    )


# --- Filters ------------------------------------------------------------------------------------


class RoundFilter(ApiFilterSet):
    class Meta:
        model = InspectionRound
        fields = ["kind", "status", "year"]


class FindingFilter(ApiFilterSet):
    under = django_filters.CharFilter(
        field_name="org_path", lookup_expr="startswith", label=_("组织路径前缀(含下级)")
    )

    class Meta:
        model = Finding
        fields = ["round", "status", "category", "severity", "side"]


class TaskFilter(ApiFilterSet):
    under = django_filters.CharFilter(
        field_name="org_path", lookup_expr="startswith", label=_("组织路径前缀(含下级)")
    )

    class Meta:
        model = RectificationTask
        fields = ["finding", "status"]


# --- Viewsets -----------------------------------------------------------------------------------


@extend_schema(tags=["检查"])
class RoundViewSet(ScopedViewSet, ListRetrieveMixin):
    """检查轮次(巡视、巡察、监督再监督、明查暗访等):只读。"""

    queryset = InspectionRound.objects.select_related("issuing_body").annotate(
        target_count=Count("round_targets", distinct=True)
    )
    serializer_class = RoundSerializer
    filterset_class = RoundFilter
    ordering_fields = ["id", "year"]
    ordering = ["-id"]


@extend_schema(tags=["检查"])
class FindingViewSet(ScopedViewSet, ListRetrieveMixin):
    """发现的问题:只读(向上报告通道、未公开的暗访、未交办的问题按网页规则隐藏)。"""

    queryset = Finding.objects.select_related("org")
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]


@extend_schema(tags=["检查"])
class TaskViewSet(ScopedViewSet, ListRetrieveMixin):
    """整改任务:只读;报送整改进展和佐证材料(整改方),验收销号或退回(检查方)。"""

    queryset = RectificationTask.objects.select_related("owner_tenure__person")
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["id", "due_date"]
    ordering = ["-id"]

    @extend_schema(
        summary=_("报送整改进展或申请销号(附佐证材料)"),
        request={"multipart/form-data": EvidenceSerializer},
        responses={201: UpdateSerializer, **REFUSALS},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=EvidenceSerializer,
        write_capability=TASK_EVIDENCE,
    )
    def evidence(self, request: Request, pk: Any = None) -> Response:
        task = self.get_writable_object(RECTIFY_TASK)
        data = self._valid(EvidenceSerializer)
        if data["closure"]:
            tasks.submit_for_closure(
                task, actor=self.actor, statement=data["text"], files=data["files"]
            )
            update = task.updates.filter(is_closure_request=True).order_by("-pk").first()
        else:
            update = tasks.add_progress(
                task, actor=self.actor, text=data["text"], files=data["files"]
            )
        return Response(UpdateSerializer(update).data, status=201)

    @extend_schema(
        summary=_("验收销号或退回整改任务"),
        request=VerifySerializer,
        responses={200: TaskSerializer, **REFUSALS},
    )
    @action(
        detail=True,
        methods=["post"],
        serializer_class=VerifySerializer,
        write_capability=TASK_VERIFY,
    )
    def verify(self, request: Request, pk: Any = None) -> Response:
        task = self.get_writable_object(VERIFY_TASK)
        data = self._valid(VerifySerializer)
        if data["decision"] == "accept":
            tasks.verify_and_close(task, actor=self.actor, note=data["note"])
        else:
            tasks.return_task(task, actor=self.actor, reason=data["note"])
        return Response(TaskSerializer(task).data)

    def _valid(self, serializer_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


api.register("inspection-rounds", RoundViewSet, basename="inspectionround")
api.register("findings", FindingViewSet, basename="finding")
api.register("rectification-tasks", TaskViewSet, basename="rectificationtask")
