"""Admin: the configurable tables (grounds, influence periods, measure combination rules); case
data is read-only here. The system administrator edits the combination rules
(security/roles.py CONFIG_TABLES); every change is kept in their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accountability.models import (
    AccountabilityGround,
    InfluencePeriodRule,
    MeasureCombinationRule,
)
from liangge_zeren.adminkit import RefusalsAsFormErrors


@admin.register(AccountabilityGround)
class AccountabilityGroundAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    list_display = ("number", "name", "is_catch_all", "is_active")
    list_editable = ("is_active",)


@admin.register(InfluencePeriodRule)
class InfluencePeriodRuleAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    list_display = ("kind", "subtype", "months", "is_verified", "basis")
    list_filter = ("kind", "is_verified")


@admin.register(MeasureCombinationRule)
class MeasureCombinationRuleAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    list_display = ("name", "kind", "other_kind", "effect", "basis")
    list_filter = ("effect", "name")
    search_fields = ("name", "basis")
