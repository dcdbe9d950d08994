from django.contrib import admin

from notifications.models import Delivery, Notification, NotificationPreference, SupervisionNotice


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "level", "created_at", "read_at"]
    list_filter = ["kind", "level"]
    search_fields = ["title"]
    raw_id_fields = ["recipient", "delivery"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["kind", "threshold", "recipient", "object_id", "claimed_at", "external_state"]
    list_filter = ["kind", "external_state"]
    raw_id_fields = ["recipient"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "daily_digest"]
    raw_id_fields = ["user"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "addressee", "overdue_days", "issued_on"]
    raw_id_fields = ["addressee", "delivery"]
