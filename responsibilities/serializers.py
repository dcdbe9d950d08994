"""API serializers of the responsibilities app (read shapes; the duty-log input shape).

Serializers only describe data: nothing here writes (responsibilities/api.py calls the services).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from responsibilities.models import (
    ActionType,
    Attachment,
    Body,
    DutyLog,
    Organization,
    Person,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)
from responsibilities.progress import progress_of


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("上级组织编号"))

    class Meta:
        model = Organization
        fields = ["id", "code", "name", "kind", "parent", "path", "depth", "is_active", "version"]
        extra_kwargs = {"path": {"help_text": _("物化路径:下级组织的路径以上级的路径开头")}}


class BodySerializer(serializers.ModelSerializer[Body]):
    class Meta:
        model = Body
        fields = ["id", "code", "name", "kind", "org", "org_path", "is_active"]


class PersonSerializer(serializers.ModelSerializer[Person]):
    class Meta:
        model = Person
        fields = ["id", "code", "name", "gender", "party_member", "is_active"]


class TenureSerializer(serializers.ModelSerializer[Tenure]):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Tenure
        fields = [
            "id",
            "person",
            "person_name",
            "org",
            "org_path",
            "body",
            "role",
            "title",
            "start_date",
            "end_date",
        ]


class ResponsibilityListSerializer(serializers.ModelSerializer[ResponsibilityList]):
    class Meta:
        model = ResponsibilityList
        fields = [
            "id",
            "org",
            "org_path",
            "year",
            "subject_type",
            "subject_tenure",
            "title",
            "status",
            "is_template",
            "template",
            "copy_flagged",
        ]


class ProgressSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(
        choices=["green", "yellow", "red", "grey"], help_text=_("进度状态:绿、黄、红、灰(不计次数)")
    )
    label = serializers.CharField(help_text=_("进度说明"))
    count = serializers.IntegerField(help_text=_("本期已履责次数"))
    required = serializers.IntegerField(help_text=_("每期最少次数"))
    window_start = serializers.DateField(help_text=_("本期开始"))
    window_end = serializers.DateField(help_text=_("本期结束"))


class ResponsibilityItemSerializer(serializers.ModelSerializer[ResponsibilityItem]):
    progress = serializers.SerializerMethodField(help_text=_("本期进度(与网页相同的计算)"))

    class Meta:
        model = ResponsibilityItem
        fields = [
            "id",
            "list",
            "org",
            "org_path",
            "number",
            "category",
            "content",
            "required_action_type",
            "frequency",
            "min_count",
            "due_date",
            "is_mandatory",
            "is_active",
            "version",
            "progress",
        ]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, item: ResponsibilityItem) -> dict[str, Any]:
        progress = progress_of(item)
        return {
            "state": progress.state,
            "label": str(progress.label),
            "count": progress.count,
            "required": progress.required,
            "window_start": progress.window[0],
            "window_end": progress.window[1],
        }


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    class Meta:
        model = Attachment
        fields = ["id", "log", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class DutyLogSerializer(serializers.ModelSerializer[DutyLog]):
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    attachments = serializers.SerializerMethodField(help_text=_("佐证材料(未移除的)"))

    class Meta:
        model = DutyLog
        fields = [
            "id",
            "org",
            "org_path",
            "tenure",
            "action_type",
            "occurred_on",
            "place",
            "participants",
            "title",
            "summary",
            "outcome",
            "talk_type",
            "talk_target",
            "items",
            "entered_at",
            "is_late_entry",
            "status",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "version",
            "attachments",
        ]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, log: DutyLog) -> list[dict[str, Any]]:
        rows = [a for a in log.attachments.all() if not a.is_removed]
        return list(AttachmentSerializer(rows, many=True).data)


class DutyLogInputSerializer(serializers.Serializer[Any]):
    """What a client sends to record or edit a duty log (checked again by the service)."""

    tenure = serializers.IntegerField(
        required=False,
        help_text=_("以哪一个本人在任职务填报(只有一个在任职务时可省略)"),
    )
    action_type = serializers.ChoiceField(choices=ActionType.choices, help_text=_("履责方式"))
    occurred_on = serializers.DateField(help_text=_("履责日期(不能晚于今天)"))
    place = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    participants = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    title = serializers.CharField(max_length=200, help_text=_("标题"))
    summary = serializers.CharField(help_text=_("主要内容"))
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    talk_type = serializers.ChoiceField(
        choices=DutyLog.TalkType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("谈话类型(履责方式为谈心谈话时必填)"),
    )
    talk_target = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text=_("对应的责任条目编号(须为本人负责的条目)"),
    )
    submit = serializers.BooleanField(
        required=False, default=False, help_text=_("保存后立即提交审核(默认保存为草稿)")
    )
    file = serializers.FileField(
        required=False, help_text=_("第一份佐证材料(multipart 上传,按统一的上传规则检查)")
    )


class DutyLogUpdateSerializer(DutyLogInputSerializer):
    """A partial edit of a draft or returned log (PATCH, with If-Match)."""

    submit = None
    tenure = None


class UploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text=_("佐证材料文件(按统一的上传规则检查类型与大小)"))
