from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren.adminkit import RefusalsAsFormErrors
from notifications import outbox
from notifications.models import (
    Delivery,
    Dispatch,
    Notification,
    NotificationPreference,
    SupervisionNotice,
)


@admin.register(Notification)
class NotificationAdmin(RefusalsAsFormErrors):
    list_display = ["title", "recipient", "kind", "level", "created_at", "read_at"]
    list_filter = ["kind", "level"]
    search_fields = ["title"]
    raw_id_fields = ["recipient", "delivery"]


@admin.register(Delivery)
class DeliveryAdmin(RefusalsAsFormErrors):
    list_display = ["kind", "threshold", "recipient", "object_id", "claimed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]


@admin.register(Dispatch)
class DispatchAdmin(RefusalsAsFormErrors):
    """The record of external sends: read-only, with one operator action."""

    list_display = [
        "pk",
        "channel",
        "recipient",
        "state",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["channel", "state"]
    search_fields = ["recipient__username", "last_error"]
    list_select_related = ["recipient"]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Dispatch | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Dispatch | None = None) -> bool:
        return False  # the record of what was sent is kept

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_dispatch")

    @admin.action(
        description=gettext_lazy("重新发送所选的失败或结果未知的消息(结果未知的可能重复送达)"),
        permissions=["send_again"],
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet[Dispatch]) -> None:
        count = outbox.requeue(queryset.values_list("pk", flat=True))
        self.message_user(
            request, _("已重新排队 %(n)d 条。") % {"n": count}, level=messages.SUCCESS
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(RefusalsAsFormErrors):
    list_display = ["user", "email_enabled", "daily_digest", "channels", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(RefusalsAsFormErrors):
    list_display = ["number", "title", "addressee", "overdue_days", "issued_on"]
    raw_id_fields = ["addressee", "delivery"]
