"""Admin: the configurable tables (grounds, influence periods); case data is read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accountability.models import AccountabilityGround, InfluencePeriodRule
from liangge_zeren.adminkit import RefusalsAsFormErrors


@admin.register(AccountabilityGround)
class AccountabilityGroundAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    list_display = ("number", "name", "is_catch_all", "is_active")
    list_editable = ("is_active",)


@admin.register(InfluencePeriodRule)
class InfluencePeriodRuleAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    list_display = ("kind", "subtype", "months", "is_verified", "basis")
    list_filter = ("kind", "is_verified")
