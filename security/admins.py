"""Administrator accounts (三员分立): the one flow that changes them, four-eyes.

Administrator accounts are superusers and the holders of the three administrative roles.
No ordinary admin form changes them (security/admin.py refuses); instead:

1. the security administrator asks for a password reset, a deactivation or a reactivation,
   with a reason (a superuser may ask too, e.g. when the target is the only security
   administrator); nobody asks about their own account;
2. a different administrator (neither the one who asked nor the target) confirms, or anyone
   of them cancels;
3. on confirmation it takes effect: a reset makes the old password unusable and e-mails a
   one-time link (valid RESET_LINK_HOURS) to the account's own address, so no administrator
   ever knows the new password; a deactivation keeps at least one active superuser or
   security administrator (`ensure_keeper_remains`);
4. the affected administrator is told at the next login (`notices_for`), and every step is
   audited with both names.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from liangge_zeren.actors import write_service
from security.models import AdminAccountRequest, AdminRole, AdminRoleAssignment
from security.roles import user_is
from security.services import Action, audit

Kind = AdminAccountRequest.Kind
Status = AdminAccountRequest.Status
RESET_LINK_HOURS = 24
_TOKEN_SALT = "security.admin-reset-link"


def administrators_q() -> Q:
    """Superusers and holders of an administrative role (User queryset filter)."""
    return Q(is_superuser=True) | Q(admin_role__isnull=False)


def is_administrator(user) -> bool:
    if user is None or user.pk is None:
        return False
    return bool(user.is_superuser) or AdminRoleAssignment.objects.filter(user_id=user.pk).exists()


def _keepers_q() -> Q:
    return Q(is_active=True) & (Q(is_superuser=True) | Q(admin_role__role=AdminRole.SECURITY))


def ensure_keeper_remains(user) -> None:
    """Refuse to take away the last active superuser or security administrator."""
    keepers = get_user_model().objects.filter(_keepers_q())
    if not keepers.filter(pk=user.pk).exists():
        return  # `user` is not a keeper: nothing to lose
    if not keepers.exclude(pk=user.pk).exists():
        raise ValidationError(
            _("至少须保留一个在用的超级管理员或安全管理员账号;这是最后一个,不能停用或收回。")
        )


def may_request(user) -> bool:
    active = bool(user.is_authenticated and user.is_active)
    return active and (user.is_superuser or user_is(user, AdminRole.SECURITY))


def may_confirm(user) -> bool:
    return bool(user.is_authenticated and user.is_active and is_administrator(user))


def token_hash(token: str) -> str:
    return salted_hmac(_TOKEN_SALT, token, algorithm="sha256").hexdigest()


def _check_kind(target, kind: str) -> None:
    if kind == Kind.RESET_PASSWORD and not (target.email or "").strip():
        raise ValidationError(
            _("该管理员账号没有登记电子邮箱,一次性重置链接无法送达本人;请先登记邮箱。")
        )
    if kind == Kind.DEACTIVATE:
        if not target.is_active:
            raise ValidationError(_("该账号已停用。"))
        ensure_keeper_remains(target)
    if kind == Kind.REACTIVATE and target.is_active:
        raise ValidationError(_("该账号在用,无需启用。"))


@write_service
def request_change(target, kind: str, *, actor, reason: str) -> AdminAccountRequest:
    """Step 1: the security administrator (or a superuser) asks."""
    by = actor
    if not may_request(by):
        raise PermissionDenied
    if kind not in Kind.values:
        raise ValidationError(_("请选择操作。"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写原因。"))
    if not is_administrator(target):
        raise ValidationError(_("该账号不是管理员账号;业务账号由系统管理员在后台管理。"))
    if target.pk == by.pk:
        raise ValidationError(_("不能为自己的账号申请;请由其他管理员办理。"))
    get_user_model()._default_manager.select_for_update().filter(pk=target.pk).first()
    pending = AdminAccountRequest.objects.filter(target=target, status=Status.PENDING)
    if pending.filter(kind=kind).exists():
        raise ValidationError(_("该账号已有同类待确认的申请。"))
    _check_kind(target, kind)
    row = AdminAccountRequest.objects.create(
        target=target, kind=kind, reason=reason.strip(), requested_by=by
    )
    audit(
        by,
        Action.ACCOUNT_CHANGE,
        target,
        event="admin_request",
        admin_request=row.pk,
        kind=kind,
        reason=row.reason,
        requested_by=by.get_username(),
    )
    return row


def _locked(row: AdminAccountRequest) -> AdminAccountRequest:
    row = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join.
        AdminAccountRequest.objects.select_for_update(of=("self",))
        .select_related("target", "requested_by")
        .get(pk=row.pk)
    )
    if row.status != Status.PENDING:
        raise ValidationError(_("该申请已处理(已确认或已撤销)。"))
    return row


def _issue_link(row: AdminAccountRequest, link_for: Callable[[str], str]) -> None:
    token = secrets.token_urlsafe(32)
    row.token_hash = token_hash(token)
    row.token_expires_at = timezone.now() + datetime.timedelta(hours=RESET_LINK_HOURS)
    target = row.target
    target.set_unusable_password()  # the old password stops working now
    target.save(update_fields=["password"])
    message = _(
        "您的管理员账号 %(username)s 的密码已按申请重置"
        "(申请人 %(requester)s,确认人 %(confirmer)s)。\n"
        "请在 %(hours)s 小时内打开下面的一次性链接设置新密码,链接只能使用一次:\n%(link)s\n"
        "如您不知悉此事,请立即联系安全管理员。"
    ) % {
        "username": target.get_username(),
        "requester": row.requested_by.get_username() if row.requested_by else "",
        "confirmer": row.decided_by.get_username() if row.decided_by else "",
        "hours": RESET_LINK_HOURS,
        "link": link_for(token),
    }
    send_mail(_("管理员账号密码重置"), message, settings.DEFAULT_FROM_EMAIL, [target.email])


def _apply(row: AdminAccountRequest, link_for: Callable[[str], str]) -> None:
    target = row.target
    if row.kind == Kind.RESET_PASSWORD:
        _issue_link(row, link_for)
    elif row.kind == Kind.DEACTIVATE:
        ensure_keeper_remains(target)
        target.is_active = False
        target.save(update_fields=["is_active"])
    else:
        target.is_active = True
        target.save(update_fields=["is_active"])


@write_service
def confirm(
    row: AdminAccountRequest, *, actor, link_for: Callable[[str], str]
) -> AdminAccountRequest:
    """Step 2: a second administrator confirms; the change takes effect."""
    by = actor
    if not may_confirm(by):
        raise PermissionDenied
    row = _locked(row)
    if by.pk in (row.requested_by_id, row.target_id):
        raise ValidationError(_("须由申请人和本人以外的另一名管理员确认(双人复核)。"))
    row.decided_by, row.decided_at, row.status = by, timezone.now(), Status.DONE
    _apply(row, link_for)
    row.save()
    audit(
        by,
        Action.PASSWORD_RESET if row.kind == Kind.RESET_PASSWORD else Action.ACCOUNT_CHANGE,
        row.target,
        event="admin_confirmed",
        kind=row.kind,
        reason=row.reason,
        requested_by=row.requested_by.get_username() if row.requested_by else "",
        confirmed_by=by.get_username(),
    )
    return row


@write_service
def cancel(row: AdminAccountRequest, *, actor) -> AdminAccountRequest:
    """An administrator other than the target withdraws or turns down a pending request."""
    by = actor
    if not may_confirm(by):
        raise PermissionDenied
    row = _locked(row)
    if by.pk == row.target_id:
        raise ValidationError(_("不能处理针对自己账号的申请。"))
    row.decided_by, row.decided_at, row.status = by, timezone.now(), Status.CANCELLED
    row.save(update_fields=["decided_by", "decided_at", "status"])
    audit(
        by,
        Action.ACCOUNT_CHANGE,
        row.target,
        event="admin_cancelled",
        kind=row.kind,
        requested_by=row.requested_by.get_username() if row.requested_by else "",
        cancelled_by=by.get_username(),
    )
    return row


def reset_request_for(token: str) -> AdminAccountRequest | None:
    """The confirmed, unused and unexpired reset that this link's token belongs to."""
    if not token:
        return None
    return (
        AdminAccountRequest.objects.select_related("target")
        .filter(
            token_hash=token_hash(token),
            kind=Kind.RESET_PASSWORD,
            status=Status.DONE,
            token_used_at__isnull=True,
            token_expires_at__gt=timezone.now(),
        )
        .first()
    )


def redeem(row: AdminAccountRequest, form) -> bool:
    """The owner sets the new password through the link (a SetPasswordForm); once only."""
    return _redeem(row, form, actor=row.target)  # the owner, not signed in, acts


@write_service
def _redeem(row: AdminAccountRequest, form, *, actor) -> bool:
    claimed = AdminAccountRequest.objects.filter(pk=row.pk, token_used_at__isnull=True).update(
        token_used_at=timezone.now()
    )
    if not claimed:
        return False
    form.save()
    audit(row.target, Action.PASSWORD_CHANGE, row.target, event="admin_reset_link_used")
    return True


def notices_for(user) -> list[AdminAccountRequest]:
    """Changes to this administrator's account not yet shown to them (marked shown now)."""
    rows = list(
        AdminAccountRequest.objects.filter(target=user, status=Status.DONE, seen_at__isnull=True)
        .select_related("requested_by", "decided_by")
        .order_by("decided_at")
    )
    if rows:
        AdminAccountRequest.objects.filter(pk__in=[r.pk for r in rows]).update(
            seen_at=timezone.now()
        )
    return rows
