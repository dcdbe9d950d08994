"""三员分立: what each administrative role may do. The three sets are disjoint (tested).

- system administrator: organisations, bodies, people, tenures and accounts, and the
  configuration tables in CONFIG_TABLES (the cadre-management authority table 干部管理权限,
  the measure-combination rules) — no business records, no permission
  assignments;
- security administrator: administrative roles and business grants on /security/access/,
  the administrator accounts (four-eyes, security/admins.py), unlocking accounts — no
  business records, no org tree, no raw Django permissions or groups;
- audit administrator: reads and exports the audit log — nothing else.

The powers are given by `AdminRoleBackend` (listed in AUTHENTICATION_BACKENDS), installation-wide
and for objects too. No role includes a permission on a business record of a business app
(inspections, accountability, assessments); only the system administrator edits the
configuration tables listed in CONFIG_TABLES. The Django superuser is break-glass only; every
request it makes is audited (security.middleware.AuditTrailMiddleware).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from liangge_zeren import request_cache
from security.models import AdminRole, AdminRoleAssignment

_TREE = ("organization", "body", "portfolio", "person", "tenure")
# Configuration tables the system administrator keeps (local practice, with history) — rules,
# not business records (issue 13).
CONFIG_TABLES = (
    "responsibilities.managementauthority",
    "accountability.measurecombinationrule",
    "assessments.warningrule",
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    AdminRole.SYSTEM: frozenset(
        [
            f"responsibilities.{action}_{model}"
            for model in _TREE
            for action in ("view", "add", "change")
        ]
        + ["auth.view_user", "auth.add_user", "auth.change_user", "security.reset_password"]
        + [
            f"{table.split('.')[0]}.{action}_{table.split('.')[1]}"
            for table in CONFIG_TABLES
            for action in ("view", "add", "change")
        ]
    ),
    AdminRole.SECURITY: frozenset(
        [
            "security.assign_permissions",
            "security.view_adminroleassignment",
            "security.add_adminroleassignment",
            "security.change_adminroleassignment",
            "security.delete_adminroleassignment",
            "security.unlock_account",
            "security.manage_api_tokens",
            "axes.view_accessattempt",
            "axes.delete_accessattempt",
        ]
    ),
    AdminRole.AUDIT: frozenset(["security.view_auditentry", "security.export_auditentry"]),
}

ALL_ROLE_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())
BUSINESS_APPS = ("inspections", "accountability", "assessments")


def admin_role_of(user) -> str | None:
    """The user's administrative role, cached for the request (liangge_zeren/request_cache.py)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return request_cache.cached_for_user(
        "admin_role",
        user,
        lambda: (
            AdminRoleAssignment.objects.filter(user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        ),
    )


def _forget_admin_role(instance: AdminRoleAssignment, **_kwargs: object) -> None:
    request_cache.forget_user(instance.user_id)


for _signal in (post_save, post_delete):
    _signal.connect(
        _forget_admin_role,
        sender=AdminRoleAssignment,
        weak=False,
        dispatch_uid=f"security_forget_admin_role_{_signal is post_save}",
    )


def has_role_perm(user, perm: str) -> bool:
    if perm not in ALL_ROLE_PERMISSIONS or not getattr(user, "is_active", False):
        return False  # no query for permissions no role grants
    role = admin_role_of(user)
    return role is not None and perm in ROLE_PERMISSIONS[role]


class AdminRoleBackend:
    """Authorisation only (authenticates nobody): the powers of the administrative roles."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        return has_role_perm(user_obj, perm)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in ALL_ROLE_PERMISSIONS) and any(
            has_role_perm(user_obj, p)
            for p in ALL_ROLE_PERMISSIONS
            if p.startswith(f"{app_label}.")
        )


def user_is(user, role: str) -> bool:
    return admin_role_of(user) == role
