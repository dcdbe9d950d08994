"""REST endpoints of the responsibilities app (/api/v1/…), on the kit in liangge_zeren/api.

Reads go through `visible_to` (ScopedViewSet); writes call the duty-log and evidence services
with the person as actor, exactly as the pages do: the API can do nothing the person could not
do in the browser.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from liangge_zeren import api
from liangge_zeren.api.filters import ApiFilterSet, DateFilter, IntegerFilter
from liangge_zeren.api.viewsets import ListRetrieveMixin, ScopedViewSet
from liangge_zeren.workflow import Workflow
from responsibilities import duty_logs, evidence
from responsibilities.models import (
    Body,
    DutyLog,
    Organization,
    Person,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)
from responsibilities.progress import with_progress
from responsibilities.serializers import (
    AttachmentSerializer,
    BodySerializer,
    DutyLogInputSerializer,
    DutyLogSerializer,
    DutyLogUpdateSerializer,
    OrganizationSerializer,
    PersonSerializer,
    ResponsibilityItemSerializer,
    ResponsibilityListSerializer,
    TenureSerializer,
    UploadSerializer,
)
from responsibilities.workflows import LOG_FLOW
from security.services import Action, audit

DUTY_LOG_WRITE = api.capability("responsibilities.dutylog", gettext_lazy("填报、提交履责纪实"))


# --- Filters -------------------------------------------------------------------------------


def _under_path(value: str) -> str | None:
    """`?under=` takes an organisation id or a path ("0001.0003."); None: matches nothing."""
    value = (value or "").strip()
    if value.isdigit():
        return Organization.objects.filter(pk=int(value)).values_list("path", flat=True).first()
    return value if value.endswith(".") else value + "."


class UnderFilter(django_filters.CharFilter):
    """The subtree of a unit, by the path index (one indexed prefix predicate)."""

    def __init__(self, path_field: str = "org_path", **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("所属组织子树:组织编号或路径(含该组织本身)"))
        super().__init__(**kwargs)
        self.path_field = path_field

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        path = _under_path(value)
        if path is None:
            return qs.none()
        return qs.filter(**{f"{self.path_field}__startswith": path})


class OrganizationFilter(ApiFilterSet):
    under = UnderFilter("path")
    parent = IntegerFilter(label=gettext_lazy("上级组织编号"))
    kind = django_filters.ChoiceFilter(
        choices=Organization.Kind.choices, label=gettext_lazy("类型")
    )

    class Meta:
        model = Organization
        fields = ["under", "parent", "kind", "is_active"]


class BodyFilter(ApiFilterSet):
    under = UnderFilter()

    class Meta:
        model = Body
        fields = ["under", "org", "kind", "is_active"]


class HeldOnFilter(DateFilter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("在该日期在任(YYYY-MM-DD)"))
        super().__init__(**kwargs)


class PersonFilter(ApiFilterSet):
    held_on = HeldOnFilter(method="filter_held_on")
    under = django_filters.CharFilter(
        method="filter_under", label=gettext_lazy("在该组织子树任职(组织编号或路径)")
    )

    class Meta:
        model = Person
        fields = ["held_on", "under", "is_active"]

    def filter_held_on(self, qs: QuerySet[Any], name: str, value: datetime.date) -> QuerySet[Any]:
        held = Tenure.objects.held_on(value).filter(person=OuterRef("pk"))
        return qs.filter(Exists(held))

    def filter_under(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        path = _under_path(value)
        if path is None:
            return qs.none()
        return qs.filter(
            Exists(Tenure.objects.filter(person=OuterRef("pk"), org_path__startswith=path))
        )


class TenureFilter(ApiFilterSet):
    held_on = HeldOnFilter(method="filter_held_on")
    under = UnderFilter()

    class Meta:
        model = Tenure
        fields = ["held_on", "under", "org", "person", "body", "role"]

    def filter_held_on(self, qs: QuerySet[Any], name: str, value: datetime.date) -> QuerySet[Any]:
        return qs.filter(pk__in=Tenure.objects.held_on(value).values("pk"))


class ListFilter(ApiFilterSet):
    under = UnderFilter()

    class Meta:
        model = ResponsibilityList
        fields = ["under", "org", "year", "status", "subject_type", "is_template"]


class ItemFilter(ApiFilterSet):
    under = UnderFilter()

    class Meta:
        model = ResponsibilityItem
        fields = ["under", "org", "list", "category", "is_active"]


class DutyLogFilter(ApiFilterSet):
    under = UnderFilter()
    occurred_after = DateFilter(
        field_name="occurred_on", lookup_expr="gte", label=gettext_lazy("履责日期不早于")
    )
    occurred_before = DateFilter(
        field_name="occurred_on", lookup_expr="lte", label=gettext_lazy("履责日期不晚于")
    )
    item = IntegerFilter(field_name="items", label=gettext_lazy("对应责任条目编号"))

    class Meta:
        model = DutyLog
        fields = ["under", "org", "tenure", "status", "action_type", "item"]


# --- The tree, people and posts (read only) ------------------------------------------------


class AuditedReadsMixin(ListRetrieveMixin):
    """Officials' personal data: every read is audited, as on the pages (AUDIT_READ_VIEWS:
    person_detail, tenure_detail, person_list) — one entry per answer, not per row."""

    audit_list_type = ""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        audit(request, Action.VIEW, obj, channel="api")
        return self.respond(obj)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        audit(
            request,
            Action.VIEW,
            object_type=self.audit_list_type,
            query=request.META.get("QUERY_STRING", "")[:200],
            channel="api",
        )
        return response


@extend_schema_view(
    list=extend_schema(summary="组织列表", description="可见范围内的组织;`under` 按子树过滤。"),
    retrieve=extend_schema(summary="组织详情"),
)
class OrganizationViewSet(ScopedViewSet, ListRetrieveMixin):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    ordering_fields = ["path", "name", "code", "id"]
    ordering = ["path"]


@extend_schema_view(
    list=extend_schema(summary="党委(党组)与纪检机构列表"),
    retrieve=extend_schema(summary="机构详情"),
)
class BodyViewSet(ScopedViewSet, ListRetrieveMixin):
    queryset = Body.objects.all()
    serializer_class = BodySerializer
    filterset_class = BodyFilter
    ordering_fields = ["org_path", "name", "id"]
    ordering = ["org_path", "id"]


@extend_schema_view(
    list=extend_schema(summary="人员列表", description="`held_on` 只列出该日在任的人员。"),
    retrieve=extend_schema(summary="人员详情"),
)
class PersonViewSet(ScopedViewSet, AuditedReadsMixin):
    audit_list_type = "person_list"
    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["name", "code", "id"]
    ordering = ["code", "id"]


@extend_schema_view(
    list=extend_schema(summary="任职列表", description="`held_on` 只列出该日在任的任职。"),
    retrieve=extend_schema(summary="任职详情"),
)
class TenureViewSet(ScopedViewSet, AuditedReadsMixin):
    audit_list_type = "tenure_list"
    queryset = Tenure.objects.select_related("person")
    serializer_class = TenureSerializer
    filterset_class = TenureFilter
    ordering_fields = ["start_date", "org_path", "id"]
    ordering = ["org_path", "id"]


# --- Lists and items ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="责任清单列表"), retrieve=extend_schema(summary="责任清单详情")
)
class ResponsibilityListViewSet(ScopedViewSet, ListRetrieveMixin):
    queryset = ResponsibilityList.objects.all()
    serializer_class = ResponsibilityListSerializer
    filterset_class = ListFilter
    ordering_fields = ["year", "org_path", "id"]
    ordering = ["-year", "id"]


YEAR_PARAMETER = OpenApiParameter(
    "year", int, description="年度(默认今年):进度按该年度的清单计算", required=False
)


@extend_schema_view(
    list=extend_schema(summary="责任条目及进度", parameters=[YEAR_PARAMETER]),
    retrieve=extend_schema(summary="责任条目详情及进度"),
)
class ResponsibilityItemViewSet(ScopedViewSet, ListRetrieveMixin):
    queryset = ResponsibilityItem.objects.select_related("list").filter(list__is_template=False)
    serializer_class = ResponsibilityItemSerializer
    filterset_class = ItemFilter
    ordering_fields = ["number", "org_path", "id"]
    ordering = ["list_id", "number", "id"]

    def year(self) -> int:
        raw = self.request.query_params.get("year", "")
        if raw and not (raw.isdigit() and 1900 < int(raw) < 3000):
            raise exceptions.ValidationError({"year": [_("请填写有效的年度,如 2026。")]})
        return int(raw) if raw else timezone.localdate().year

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "list":
            year = self.year()
            return with_progress(queryset.filter(list__year=year), year)
        return queryset

    def get_object(self) -> Any:
        item = super().get_object()
        # Progress of the item's own year (one more query, for one row).
        return with_progress(ResponsibilityItem.objects.select_related("list"), item.list.year).get(
            pk=item.pk
        )


# --- Duty logs: read, record (draft), edit, submit, attach evidence ------------------------


def may_ever(user: Any, flow: Workflow, obj: Any, action_name: str) -> bool:
    """Whether `user` could take `action_name` on `obj` in some state the table allows it from:
    False means read-only for this user (403), whatever the state; a state that does not allow
    the move now is the service's refusal (409)."""
    transition = flow[action_name]
    if not transition.permission:
        return True
    probe = copy.copy(obj)
    for status in sorted(transition.sources):
        setattr(probe, flow.status_field, status)
        if user.has_perm(transition.permission, probe):
            return True
    return False


@extend_schema_view(
    list=extend_schema(summary="履责纪实列表"),
    retrieve=extend_schema(
        summary="履责纪实详情", description="`ETag` 为记录版本,修改时用 `If-Match`。"
    ),
)
class DutyLogViewSet(ScopedViewSet, ListRetrieveMixin):
    queryset = DutyLog.objects.select_related("tenure").prefetch_related("items", "attachments")
    serializer_class = DutyLogSerializer
    filterset_class = DutyLogFilter
    ordering_fields = ["occurred_on", "entered_at", "id"]
    ordering = ["-occurred_on", "-id"]
    write_capability = DUTY_LOG_WRITE
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _tenure(self, wanted: int | None) -> Tenure:
        posts = list(Tenure.objects.current().filter(person__user=self.request.user))
        if wanted is None and len(posts) == 1:
            return posts[0]
        post = next((t for t in posts if t.pk == wanted), None)
        if post is None:
            message = (
                _("请在 tenure 中指明以哪一个在任职务填报。")
                if wanted is None and posts
                else _("只能以本人的在任职务填报履责纪实。")
            )
            if not posts:
                raise PermissionDenied(message)
            raise exceptions.ValidationError({"tenure": [message]})
        return post

    def _items(self, ids: list[int]) -> list[ResponsibilityItem]:
        items = list(ResponsibilityItem.objects.visible_to(self.request.user).filter(pk__in=ids))
        if len(items) != len(set(ids)):
            raise exceptions.ValidationError({"items": [_("有责任条目不存在或不可见。")]})
        return items

    @extend_schema(
        summary="填报履责纪实",
        description="保存为草稿(`submit=true` 则同时提交审核);可用 multipart 附带第一份佐证材料。",
        request={
            "application/json": DutyLogInputSerializer,
            "multipart/form-data": DutyLogInputSerializer,
        },
        responses={201: DutyLogSerializer},
    )
    def create(self, request: Request) -> Response:
        data = DutyLogInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        tenure = self._tenure(fields.pop("tenure", None))
        items = self._items(fields.pop("items", []))
        submit, upload = fields.pop("submit", False), fields.pop("file", None)
        log = duty_logs.create_log(
            actor=self.actor, tenure=tenure, items=items, submit=submit, upload=upload, **fields
        )
        return self.respond(self._reload(log), status=201)

    @extend_schema(
        summary="修改履责纪实(草稿或被退回的)",
        description='带 `If-Match: "<version>"`;版本已过期返回 412。',
        request=DutyLogUpdateSerializer,
        responses={200: DutyLogSerializer},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        log = self._actionable("edit")
        data = DutyLogUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        items = self._items(fields.pop("items")) if "items" in fields else None
        upload = fields.pop("file", None)
        duty_logs.update_log(
            log,
            actor=self.actor,
            items=items,
            version=log.expected_version,
            upload=upload,
            **fields,
        )
        return self.respond(self._reload(log))

    @extend_schema(summary="提交审核", request=None, responses={200: DutyLogSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        log = self._actionable("submit")
        duty_logs.submit_log(log, actor=self.actor)
        return self.respond(self._reload(log))

    @extend_schema(
        summary="上传佐证材料",
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: Any = None) -> Response:
        log = self._actionable("upload")
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = evidence.add_attachment(log, data.validated_data["file"], actor=self.actor)
        return Response(AttachmentSerializer(attachment).data, status=201)

    def _actionable(self, action_name: str) -> Any:
        """404 out of scope; 403 when this user may never take the action (read-only); 412
        when If-Match is stale. Whether the state allows it now is the service's (409)."""
        log = self.get_object()
        if not may_ever(self.request.user, LOG_FLOW, log, action_name):
            raise PermissionDenied
        log.expected_version = self.check_if_match(log)
        return log

    def _reload(self, log: DutyLog) -> DutyLog:
        return self.queryset.get(pk=log.pk)


api.register("organizations", OrganizationViewSet, basename="organization")
api.register("bodies", BodyViewSet, basename="body")
api.register("people", PersonViewSet, basename="person")
api.register("tenures", TenureViewSet, basename="tenure")
api.register("responsibility-lists", ResponsibilityListViewSet, basename="responsibilitylist")
api.register("responsibility-items", ResponsibilityItemViewSet, basename="responsibilityitem")
api.register("duty-logs", DutyLogViewSet, basename="dutylog")
