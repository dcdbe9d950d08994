"""Admin for the org tree. Non-superusers see and change only their scope, like everywhere else."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from liangge_zeren.actors import acting
from liangge_zeren.adminkit import RefusalsAsFormErrors
from responsibilities import services
from responsibilities.models import (
    Body,
    ManagementAuthority,
    Organization,
    Person,
    Portfolio,
    Tenure,
)
from responsibilities.scoping import scope_q


class ScopedAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    """Querysets and object permissions through the same scoping as the views."""

    def _perm(self, action: str) -> str:
        return f"{self.opts.app_label}.{action}_{self.opts.model_name}"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(scope_q(request.user, self._perm("view")))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(self._perm("view"), obj) or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(self._perm("change"), obj)

    def has_add_permission(self, request):
        return request.user.has_perm(self._perm("add"))

    def has_delete_permission(self, request, obj=None):
        # Records are deactivated or ended, never deleted (history and 倒查 depend on them).
        return request.user.is_superuser


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind", "depth", "supervising_body", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth", "supervising_body"]
    raw_id_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        # The admin's change form already runs in a transaction: `acting` makes the service
        # join it (a durable block may not nest) with the admin user as the actor.
        with acting(request.user):
            self._save_org(request, obj, form, change)

    def _save_org(self, request, obj, form, change):
        if change:
            parent = form.cleaned_data.get("parent")
            fields = {f: form.cleaned_data[f] for f in ("code", "name", "kind", "is_active")}
            services.update_organization(obj, parent=parent, actor=request.user, **fields)
        else:
            created = services.create_organization(
                code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent, actor=request.user
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


@admin.register(Body)
class BodyAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind", "org", "sent_by", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["org", "sent_by"]
    filter_horizontal = ["stationed_in"]

    def save_model(self, request, obj, form, change):
        obj.org_path = obj.org.path
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.is_discipline:
            services.refresh_supervising_bodies()


@admin.register(Portfolio)
class PortfolioAdmin(ScopedAdmin):
    list_display = ["name", "org"]
    search_fields = ["name"]
    raw_id_fields = ["org"]

    def save_model(self, request, obj, form, change):
        obj.org_path = obj.org.path
        super().save_model(request, obj, form, change)


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["name", "code", "party_member", "user", "is_active"]
    search_fields = ["name", "code", "external_id"]
    raw_id_fields = ["user"]


@admin.register(Tenure)
class TenureAdmin(ScopedAdmin):
    list_display = ["person", "org", "body", "role", "start_date", "end_date"]
    list_filter = ["role", "body__kind"]
    search_fields = ["person__name", "person__code", "org__name"]
    raw_id_fields = ["person", "org", "body"]
    filter_horizontal = ["portfolios"]
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        obj.org_path = obj.org.path
        super().save_model(request, obj, form, change)


@admin.register(ManagementAuthority)
class ManagementAuthorityAdmin(RefusalsAsFormErrors, SimpleHistoryAdmin):
    """干部管理权限: local practice, kept by the system administrator (with history)."""

    list_display = ["role", "org_kind", "managed_by", "discipline_levels_up", "basis"]
    list_filter = ["org_kind", "managed_by"]

    def has_delete_permission(self, request, obj=None):
        # A rule is changed, not deleted (the history shows what applied when).
        return request.user.is_superuser
