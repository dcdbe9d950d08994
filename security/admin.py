"""Admin for the three administrative roles (三员分立).

- Accounts: the system administrator creates accounts and resets passwords but cannot touch
  groups, permissions or the staff/superuser flags; the security administrator changes only
  groups and permissions; nobody but a superuser sets is_superuser; nobody changes their own
  permissions.
- The org tree (organisations, bodies, portfolios, people, tenures): the system administrator
  sees the whole tree in the admin (business records stay out of reach).
- Administrative roles: the security administrator.
- Audit log: read-only for the audit administrator (the page at /security/audit/ filters and
  exports).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from liangge_zeren.concurrency import VersionCheckedAdminFormMixin, save_versioned_admin
from responsibilities.admin import ScopedAdmin
from responsibilities.models import Body, Organization, Person, Portfolio, Tenure
from security.models import AdminRole, AdminRoleAssignment, AuditEntry
from security.roles import user_is

User = get_user_model()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "at",
        "actor_username",
        "actor_name",
        "ip",
        "action",
        "outcome",
        "object_repr",
    ]
    list_filter = ["action", "outcome"]
    search_fields = ["actor_username", "actor_name", "object_repr", "object_id"]
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEntry._meta.fields]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("security.view_auditentry")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AdminRoleAssignment)
class AdminRoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "assigned_by", "assigned_at"]
    list_filter = ["role"]
    raw_id_fields = ["user"]
    readonly_fields = ["assigned_by", "assigned_at"]

    def save_model(self, request, obj, form, change):
        obj.assigned_by = request.user
        super().save_model(request, obj, form, change)


class RoleAwareUserAdmin(UserAdmin):
    """One account form, split by duty."""

    ACCOUNT_FIELDS = ("username", "password", "first_name", "last_name", "email", "is_active")
    PERMISSION_FIELDS = ("groups", "user_permissions")
    FLAG_FIELDS = ("is_staff", "is_superuser")

    def _may_assign(self, request) -> bool:
        return request.user.is_superuser or request.user.has_perm("security.assign_permissions")

    def _may_manage_accounts(self, request) -> bool:
        return request.user.is_superuser or request.user.has_perm("auth.change_user")

    def has_module_permission(self, request):
        return self._may_assign(request) or self._may_manage_accounts(request)

    def has_view_permission(self, request, obj=None):
        return self._may_assign(request) or request.user.has_perm("auth.view_user")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            return False  # no one edits their own account's powers
        return self._may_assign(request) or self._may_manage_accounts(request)

    def has_add_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("auth.add_user")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # deactivate instead

    def get_readonly_fields(self, request, obj=None):
        user = request.user
        if user.is_superuser:
            return ("last_login", "date_joined")
        readonly = {"last_login", "date_joined", "is_superuser"}
        if not user.has_perm("security.assign_permissions"):
            readonly |= {"groups", "user_permissions", "is_staff"}
        if not user.has_perm("auth.change_user"):
            readonly |= {"username", "first_name", "last_name", "email", "is_active"}
        return tuple(readonly)

    def user_change_password(self, request, id, form_url=""):
        if not (request.user.is_superuser or request.user.has_perm("security.reset_password")):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


admin.site.unregister(User)
admin.site.register(User, RoleAwareUserAdmin)


def _system_admin_sees_the_whole_tree(model):
    """Re-register the foundation's scoped admin so the system administrator sees every row."""
    base = type(admin.site._registry[model])

    attrs = {}
    if any(f.name == "version" for f in model._meta.concrete_fields):
        # Conflict-safe like the front-end edit forms (liangge_zeren/concurrency.py).
        attrs["form"] = type(
            f"{model.__name__}VersionedAdminForm",
            (VersionCheckedAdminFormMixin, base.form if base.form else forms.ModelForm),
            {},
        )

    class TreeAdmin(base):
        def save_model(self, request, obj, form, change):
            if not hasattr(obj, "version"):
                return super().save_model(request, obj, form, change)
            save_versioned_admin(
                obj, form, lambda: super(TreeAdmin, self).save_model(request, obj, form, change)
            )

        def get_queryset(self, request):
            if user_is(request.user, AdminRole.SYSTEM):
                return super(ScopedAdmin, self).get_queryset(request)
            return super().get_queryset(request)

        def has_delete_permission(self, request, obj=None):
            return request.user.is_superuser

    for name, value in attrs.items():
        setattr(TreeAdmin, name, value)
    TreeAdmin.__name__ = base.__name__
    admin.site.unregister(model)
    admin.site.register(model, TreeAdmin)


for _model in (Organization, Body, Portfolio, Person, Tenure):
    if admin.site.is_registered(_model):
        _system_admin_sees_the_whole_tree(_model)

admin.site.site_header = _("两个责任 · 管理后台")
