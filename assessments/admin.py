from django.contrib import admin

from assessments.models import (
    AssessmentSnapshot,
    EvaluationInput,
    EvaluationRound,
    Indicator,
    IndicatorSet,
    ManualAdjustment,
)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "subject_type", "version", "is_active"]
    list_filter = ["year", "subject_type"]
    inlines = [IndicatorInline]


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "org", "year", "quarter", "status"]
    raw_id_fields = ["org", "created_by"]
    exclude = ["org_path"]

    def save_model(self, request, obj, form, change):
        obj.org_path = obj.org.path
        super().save_model(request, obj, form, change)


@admin.register(EvaluationInput)
class EvaluationInputAdmin(admin.ModelAdmin):
    list_display = ["org", "year", "quarter", "kind", "created_at"]
    list_filter = ["kind", "year", "quarter"]
    raw_id_fields = ["org", "entered_by"]
    exclude = ["org_path"]

    def save_model(self, request, obj, form, change):
        obj.org_path = obj.org.path
        super().save_model(request, obj, form, change)


@admin.register(ManualAdjustment)
class ManualAdjustmentAdmin(admin.ModelAdmin):
    list_display = ["org", "year", "quarter", "indicator_code", "points", "reason"]
    readonly_fields = [f.name for f in ManualAdjustment._meta.fields]


@admin.register(AssessmentSnapshot)
class AssessmentSnapshotAdmin(admin.ModelAdmin):
    list_display = ["org", "year", "quarter", "total", "grade", "traffic_light", "status"]
    list_filter = ["year", "quarter", "status", "traffic_light"]
    readonly_fields = [f.name for f in AssessmentSnapshot._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False
