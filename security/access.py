"""Role and permission assignments made by the security administrator (三员分立).

Two kinds of assignment, both made only here (and in the admin site, which applies the same
model validation):

- an administrative role (AdminRoleAssignment): at most one per account; never to oneself, a
  superuser, or an account with business access (a current post or a business grant);
- a business grant (ScopeGrant): a capability of responsibilities.scoping over a subtree,
  never to oneself, a superuser or an account holding an administrative role.

Every change is audited (security.services.audit) with the reason given; revoking is refused
twice (a double submit revokes once).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liangge_zeren.actors import set_change_reason
from liangge_zeren.lookups import ids_in
from responsibilities.models import Organization
from responsibilities.scoping import Capability, Grant, forget_grants
from security.admins import ensure_keeper_remains
from security.models import (
    AdminRole,
    AdminRoleAssignment,
    ScopeGrant,
    active_grants_q,
    has_business_access,
)
from security.services import Action, audit

ASSIGN_PERM = "security.assign_permissions"


def may_assign(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(ASSIGN_PERM))


def _require(by) -> None:
    if not may_assign(by):
        raise PermissionDenied


def _not_self(by, user) -> None:
    if by.pk == user.pk:
        raise ValidationError(_("不能变更自己账号的角色或权限。"))


def grants_of(user) -> list[Grant]:
    """Grant source for responsibilities.scoping.user_grants (one query, or none when the
    request's user row says there are none: security/backends.py)."""
    return grants_of_many([user]).get(user.pk, [])


def grants_of_many(users) -> dict[int, list[Grant]]:
    """`grants_of` for many users in one query (responsibilities.scoping.preload_grants)."""
    ids = [u.pk for u in users if getattr(u, "lz_has_scope_grants", None) is not False]
    found: dict[int, list[Grant]] = {}
    if not ids:
        return found
    rows = (
        ScopeGrant.objects.filter(active_grants_q(), ids_in("user_id", ids), org__is_active=True)
        .values_list("user_id", "capability", "org__path")
        .distinct()
    )
    # tenure_id 0: no post stands behind these grants ("issued by" lookups find none).
    for user_id, cap, path in rows:
        found.setdefault(user_id, []).append(Grant(Capability(cap), path, 0))
    return found


# --- Administrative roles ------------------------------------------------------------------


@transaction.atomic
def assign_role(by, user, role: str, *, reason: str) -> AdminRoleAssignment:
    _require(by)
    _not_self(by, user)
    if role not in AdminRole.values:
        raise ValidationError(_("请选择管理角色。"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写授权依据。"))
    # Lock the account so that two assignments at once cannot both pass the checks below.
    type(user)._default_manager.select_for_update().filter(pk=user.pk).first()
    if AdminRoleAssignment.objects.filter(user=user).exists():
        raise ValidationError(
            _("该账号已担任其他管理角色;三员分立要求一个账号只能担任一种管理角色。")
        )
    if user.is_superuser:
        raise ValidationError(_("超级管理员账号仅用于应急,不能再担任管理角色。"))
    if has_business_access(user):
        raise ValidationError(
            _("该账号有业务权限(在任职务或业务授权);管理员账号不得处理业务数据,请使用专用账号。")
        )
    assignment = AdminRoleAssignment(user=user, role=role, assigned_by=by)
    set_change_reason(assignment, reason.strip())
    assignment.save()  # model validation; the post_save receiver audits it, with the reason
    return assignment


@transaction.atomic
def revoke_role(by, user, *, reason: str) -> None:
    _require(by)
    _not_self(by, user)
    if not (reason or "").strip():
        raise ValidationError(_("请填写收回原因。"))
    assignment = AdminRoleAssignment.objects.select_for_update().filter(user=user).first()
    if assignment is None:
        raise ValidationError(_("该账号没有管理角色(可能已被收回)。"))
    ensure_keeper_remains(user)
    set_change_reason(assignment, reason.strip())
    assignment.delete()  # the post_delete receiver audits the revocation, with the reason


# --- Business grants -----------------------------------------------------------------------


@transaction.atomic
def grant(
    by,
    user,
    *,
    capability: str,
    org: Organization,
    reason: str,
    expires_on: datetime.date | None = None,
) -> ScopeGrant:
    _require(by)
    _not_self(by, user)
    if capability not in ScopeGrant.Capability.values:
        raise ValidationError(_("请选择权限。"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写授权依据。"))
    if expires_on is not None and expires_on < timezone.localdate():
        raise ValidationError(_("有效期不能早于今天。"))
    if not user.is_active:
        raise ValidationError(_("该账号已停用。"))
    type(user)._default_manager.select_for_update().filter(pk=user.pk).first()
    if user.is_superuser or AdminRoleAssignment.objects.filter(user=user).exists():
        raise ValidationError(
            _("该账号担任管理角色或为超级管理员;三员分立要求管理员不得拥有业务权限。")
        )
    if user.scope_grants.filter(active_grants_q(), capability=capability, org=org).exists():
        raise ValidationError(_("该账号已有相同的授权。"))
    row = ScopeGrant.objects.create(
        user=user,
        capability=capability,
        org=org,
        reason=reason.strip(),
        expires_on=expires_on,
        granted_by=by,
    )
    forget_grants(user)
    audit(
        by,
        Action.PERMISSION_CHANGE,
        user,
        event="grant",
        grant_id=row.pk,
        capability=capability,
        org=org.code,
        org_path=org.path,
        expires_on=expires_on,
        reason=row.reason,
    )
    return row


@transaction.atomic
def revoke_grant(by, row: ScopeGrant, *, reason: str) -> ScopeGrant:
    _require(by)
    _not_self(by, row.user)
    if not (reason or "").strip():
        raise ValidationError(_("请填写收回原因。"))
    row = ScopeGrant.objects.select_for_update().select_related("org", "user").get(pk=row.pk)
    if row.revoked_at is not None:
        raise ValidationError(_("该授权已被收回。"))
    row.revoked_at = timezone.now()
    row.revoked_by = by
    row.revoke_reason = reason.strip()
    row.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    forget_grants(row.user)
    audit(
        by,
        Action.PERMISSION_CHANGE,
        row.user,
        event="revoke",
        grant_id=row.pk,
        capability=row.capability,
        org=row.org.code,
        org_path=row.org.path,
        reason=row.revoke_reason,
    )
    return row


def history_of(user) -> list[dict]:
    """Role and grant changes of an account, newest first (from the records, not the audit
    log: the security administrator does not read the audit log)."""
    rows = []
    for h in AdminRoleAssignment.history.filter(user_id=user.pk).select_related("history_user"):
        event = {"+": _("授予管理角色"), "-": _("收回管理角色"), "~": _("变更管理角色")}
        rows.append(
            {
                "at": h.history_date,
                "event": event.get(h.history_type, h.history_type),
                "what": AdminRole(h.role).label if h.role in AdminRole.values else h.role,
                "by": h.history_user.get_username() if h.history_user else "",
                "reason": h.history_change_reason or "",
            }
        )
    for g in user.scope_grants.select_related("org", "granted_by", "revoked_by"):
        what = f"{g.get_capability_display()} · {g.org.name}"
        rows.append(
            {
                "at": g.granted_at,
                "event": _("授予业务权限"),
                "what": what,
                "by": g.granted_by.get_username() if g.granted_by else "",
                "reason": g.reason,
            }
        )
        if g.revoked_at:
            rows.append(
                {
                    "at": g.revoked_at,
                    "event": _("收回业务权限"),
                    "what": what,
                    "by": g.revoked_by.get_username() if g.revoked_by else "",
                    "reason": g.revoke_reason,
                }
            )
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows
