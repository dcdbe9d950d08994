import io

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from simple_history.admin import SimpleHistoryAdmin

from assessments import importer
from assessments.forms import IndicatorImportForm
from assessments.models import (
    AssessmentSnapshot,
    EvaluationInput,
    EvaluationRound,
    Indicator,
    IndicatorSet,
    ManualAdjustment,
    WarningRule,
)
from liangge_zeren import request_cache
from liangge_zeren.adminkit import ReadOnlyAdminMixin, RefusalsAsFormErrors


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0

    # A set used by a snapshot is changed only through a new version (action below).
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _in_use(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _in_use(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _in_use(obj)


def _in_use(obj) -> bool:
    if obj is None or obj.pk is None:
        return False
    # Asked several times per admin page: once per request.
    key = ("indicator_set_in_use", obj._meta.label, obj.pk)
    return request_cache.cached(key, lambda: importer.in_use(obj))


@admin.register(IndicatorSet)
class IndicatorSetAdmin(RefusalsAsFormErrors):
    list_display = ["name", "year", "subject_type", "version", "is_active"]
    list_filter = ["year", "subject_type"]
    inlines = [IndicatorInline]
    change_list_template = "admin/assessments/indicatorset/change_list.html"
    actions = ["copy_as_new_version"]
    LOCKED_FIELDS = ("year", "subject_type", "version", "light_thresholds", "grade_bands")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + list(self.LOCKED_FIELDS) if _in_use(obj) else fields

    @admin.action(
        description=gettext_lazy("复制为新版本(用于修改已被考核结果使用的指标体系)"),
        permissions=["add"],
    )
    def copy_as_new_version(self, request, queryset):
        for indicator_set in queryset:
            copy = importer.copy_as_new_version(indicator_set, actor=request.user)
            self.message_user(
                request,
                _("已创建 %(name)s v%(version)d,原版本停用;已发布的考核结果不受影响。")
                % {"name": copy.name, "version": copy.version},
            )

    # Import from .xlsx/.csv (assessments/importer.py): for whoever may configure sets here,
    # i.e. add and change them (a new version or an edit of an unused one).
    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="assessments_indicatorset_import",
            ),
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name="assessments_indicatorset_import_template",
            ),
            *super().get_urls(),
        ]

    def may_import(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": self.may_import(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.may_import(request):
            raise PermissionDenied
        from responsibilities.import_views import BoundedMemoryUploadHandler

        # Uploads stay in memory, never on disk (as the org import); CSRF is checked below.
        request.upload_handlers = [BoundedMemoryUploadHandler(request)]
        return self._import(request)

    import_view.csrf_exempt = True  # only so the upload handlers can be swapped

    @method_decorator(csrf_protect)
    def _import(self, request):
        result, status = None, 200
        form = IndicatorImportForm()
        if request.method == "POST":
            form = IndicatorImportForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data
                upload = data["file"]
                result = importer.import_file(
                    upload.read(),
                    upload.name,
                    year=data["year"],
                    subject_type=data["subject_type"],
                    name=data["name"],
                    actor=request.user,
                    dry_run=data["dry_run"],
                )
                status = 200 if result.ok else 400
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入指标体系"),
            "form": form,
            "result": result,
            "columns": importer.SHEET.columns,
        }
        return TemplateResponse(
            request, "admin/assessments/indicatorset/import.html", context, status=status
        )

    def import_template_view(self, request):
        if not self.may_import(request):
            raise PermissionDenied
        return FileResponse(
            io.BytesIO(importer.build_template()),
            as_attachment=True,
            filename=_("考核指标导入模板") + ".xlsx",
            content_type=importer.XLSX_CONTENT_TYPE,
        )


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(RefusalsAsFormErrors):
    list_display = ["title", "org", "year", "quarter", "status"]
    raw_id_fields = ["org", "created_by"]
    exclude = ["org_path"]

    def save_model(self, request, obj, form, change):
        obj.org_path = obj.org.path
        super().save_model(request, obj, form, change)


@admin.register(EvaluationInput)
class EvaluationInputAdmin(RefusalsAsFormErrors):
    list_display = ["org", "year", "quarter", "kind", "entered_by", "created_at"]
    list_filter = ["kind", "year", "quarter"]
    raw_id_fields = ["org"]
    exclude = ["org_path", "entered_by"]  # who entered it is the signed-in user

    def save_model(self, request, obj, form, change):
        obj.org_path = obj.org.path
        if not change:
            obj.entered_by = request.user
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(ManualAdjustment)
class ManualAdjustmentAdmin(ReadOnlyAdminMixin, RefusalsAsFormErrors):
    """Made on the snapshot page (snapshots.adjust: reason, authority, draft only)."""

    list_display = ["org", "year", "quarter", "indicator_code", "points", "reason"]


@admin.register(AssessmentSnapshot)
class AssessmentSnapshotAdmin(ReadOnlyAdminMixin, RefusalsAsFormErrors):
    """Computed by the roll-up and published on the snapshot page: shown here, never edited."""

    list_display = ["org", "year", "quarter", "total", "grade", "traffic_light", "status"]
    list_filter = ["year", "quarter", "status", "traffic_light"]


@admin.register(WarningRule)
class WarningRuleAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    """The warnings' thresholds (issue 18): the system administrator's configuration table
    (security/roles.py CONFIG_TABLES); every change is kept in its history."""

    list_display = [
        "code",
        "is_active",
        "share_percent",
        "min_logs",
        "day_limit",
        "max_departments",
        "max_open_cases",
        "max_cases_per_officer",
        "keywords",
    ]
    list_editable = ["is_active"]

    def has_delete_permission(self, request, obj=None):
        return False
