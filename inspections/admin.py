"""Admin: scoped read access like the views. State changes go through the pages (services)."""

from django.contrib import admin

from inspections.models import Finding, InspectionRound, RectificationTask, RiskProfile
from responsibilities.admin import ScopedAdmin


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Every state change must leave a transition row, so the admin only reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InspectionRound)
class InspectionRoundAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "kind", "issuing_body", "year", "status"]
    list_filter = ["kind", "status", "year"]
    search_fields = ["title"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyScopedAdmin):
    list_display = ["number", "title", "org", "source", "severity", "status", "upward_channel"]
    list_filter = ["status", "source", "severity", "upward_channel"]
    search_fields = ["number", "title"]


@admin.register(RectificationTask)
class RectificationTaskAdmin(ReadOnlyScopedAdmin):
    list_display = ["finding", "owner_tenure", "due_date", "status"]
    list_filter = ["status", "is_long_term"]


@admin.register(RiskProfile)
class RiskProfileAdmin(ScopedAdmin):
    list_display = ["org", "year", "power_concentration", "funds_density", "petitions"]
    list_filter = ["year"]
