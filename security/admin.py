"""Admin for the three administrative roles (三员分立).

- Accounts: the system administrator creates business accounts and resets their passwords
  but cannot touch groups, permissions or the staff/superuser flags (no administrative role
  can); administrator accounts are not managed here at all (security/admins.py, four-eyes);
  nobody changes their own account here.
- The org tree (organisations, bodies, portfolios, people, tenures): the system administrator
  sees the whole tree in the admin (business records stay out of reach).
- Administrative roles: listed read-only; given and taken on /security/access/.
- Audit log: read-only for the audit administrator (the page at /security/audit/ filters and
  exports).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from liangge_zeren.adminkit import (
    ReadOnlyAdminMixin,
    RefusalsAsFormErrors,
    adopt_registered_admins,
)
from liangge_zeren.concurrency import VersionCheckedAdminFormMixin, save_versioned_admin
from responsibilities.admin import ScopedAdmin
from responsibilities.models import Body, Organization, Person, Portfolio, Tenure
from security.admins import administrators_q, is_administrator
from security.models import AdminRole, AdminRoleAssignment, AuditEntry
from security.roles import user_is

User = get_user_model()


class ReadOnlyAdmin(ReadOnlyAdminMixin, RefusalsAsFormErrors):
    """Rows the admin site only shows: they are written by their own flows, never here."""


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
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


@admin.register(AdminRoleAssignment)
class AdminRoleAssignmentAdmin(ReadOnlyAdmin):
    """Read-only: roles are given and taken on /security/access/ (with reasons and checks)."""

    list_display = ["user", "role", "assigned_by", "assigned_at"]
    list_filter = ["role"]


class RoleAwareUserAdmin(RefusalsAsFormErrors, UserAdmin):
    """Business accounts, for the system administrator (and the break-glass superuser).

    Administrator accounts (superusers, the three roles) are not managed here: the list leaves
    them out for non-superusers, and their change, password and delete pages refuse everyone
    (403); they change only through the four-eyes flow on /security/admins/. No administrative
    role sees or edits groups, user permissions or the staff/superuser flags: rights come from
    posts and from /security/access/.
    """

    ACCOUNT_FIELDSETS = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("状态"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    RAW_PERMISSION_FIELDS = ("groups", "user_permissions", "is_staff", "is_superuser")

    def _protected(self, obj) -> bool:
        return obj is not None and is_administrator(obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.exclude(administrators_q())

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("auth.view_user")

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or request.user.has_perm("auth.view_user")

    def has_change_permission(self, request, obj=None):
        if self._protected(obj) or (obj is not None and obj.pk == request.user.pk):
            return False  # administrator accounts: /security/admins/; one's own: not here
        return request.user.is_superuser or request.user.has_perm("auth.change_user")

    def has_add_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("auth.add_user")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and not self._protected(obj)  # deactivate instead

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.ACCOUNT_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        return ("last_login", "date_joined")

    def user_change_password(self, request, id, form_url=""):
        target = User._default_manager.filter(pk=id).first() if str(id).isdigit() else None
        if target is None or not self.has_change_permission(request, target):
            raise PermissionDenied
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

        def formfield_for_foreignkey(self, db_field, request, **kwargs):
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            if db_field.remote_field.model is User and field is not None:
                # A person's login is a business account, never an administrator's (三员分立).
                field.queryset = field.queryset.exclude(administrators_q())
            return field

    for name, value in attrs.items():
        setattr(TreeAdmin, name, value)
    TreeAdmin.__name__ = base.__name__
    admin.site.unregister(model)
    admin.site.register(model, TreeAdmin)


for _model in (Organization, Body, Portfolio, Person, Tenure):
    if admin.site.is_registered(_model):
        _system_admin_sees_the_whole_tree(_model)

# Groups, axes and OTP devices: model refusals as form errors there too (issue 14).
adopt_registered_admins()

admin.site.site_header = _("两个责任 · 管理后台")
