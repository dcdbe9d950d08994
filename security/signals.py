"""Audit receivers: logins, logouts, failures, lockouts, permission and tenure changes.

Why signals for tenures: imports run one way (responsibilities never imports security), so
this app listens to the foundation's models instead of the foundation calling it. The actor
and IP come from the current request (security.context), set by RequestIdMiddleware.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.core.signals import request_finished
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from responsibilities.models import Person, Tenure
from security.admins import notices_for
from security.context import current_request, unbind
from security.models import AdminRoleAssignment
from security.ratelimit import account_exists, hit, login_failure_key
from security.roles import admin_role_of
from security.services import Action, Outcome, audit, password_change_due
from security.sso import login_method, otp_applies

User = get_user_model()


@receiver(request_finished, dispatch_uid="security_unbind_request")
def forget_request(sender, **kwargs):
    unbind()


SESSION_PASSWORD_DUE = "lz_password_change_due"
SESSION_OTP_REQUIRED = "lz_otp_required"


def otp_required_for(user) -> bool:
    """With OTP enabled: the administrative roles and superusers, holders of the post roles in
    settings.OTP_REQUIRED_ROLES, and anyone who has enrolled a device need a second factor."""
    if user.is_superuser or admin_role_of(user):
        return True
    roles = set(getattr(settings, "OTP_REQUIRED_ROLES", ()) or ())
    if "all" in roles:
        return True
    if roles and Tenure.objects.current().filter(person__user=user, role__in=roles).exists():
        return True
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@receiver(user_logged_in, dispatch_uid="security_audit_login")
def on_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    backend = (session.get(BACKEND_SESSION_KEY) if session is not None else None) or getattr(
        user, "backend", ""
    )
    audit(
        request if request is not None else user,
        Action.LOGIN,
        user,
        object_repr=user.get_username(),
        method=login_method(backend),
    )
    if request is not None and hasattr(request, "session"):
        if password_change_due(user):
            request.session[SESSION_PASSWORD_DUE] = True
        else:
            request.session.pop(SESSION_PASSWORD_DUE, None)
        if (
            getattr(settings, "OTP_ENABLED", False)
            and otp_applies(backend)
            and otp_required_for(user)
        ):
            request.session[SESSION_OTP_REQUIRED] = True
        _tell_about_account_changes(request, user)


def _tell_about_account_changes(request, user) -> None:
    """An administrator sees, at the next login, what was done to their account and by whom."""
    for row in notices_for(user):
        messages.warning(
            request,
            _(
                "您的账号于 %(at)s 被执行“%(kind)s”:由 %(requester)s 申请,%(confirmer)s 确认,"
                "原因:%(reason)s。如您不知悉此事,请立即联系安全管理员。"
            )
            % {
                "at": timezone.localtime(row.decided_at).strftime("%Y-%m-%d %H:%M"),
                "kind": row.get_kind_display(),
                "requester": row.requested_by.get_username() if row.requested_by else "—",
                "confirmer": row.decided_by.get_username() if row.decided_by else "—",
                "reason": row.reason,
            },
            fail_silently=True,
        )


@receiver(user_logged_out, dispatch_uid="security_audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "lz_logout_reason", "")
    action = Action.SESSION_TIMEOUT if reason == "idle" else Action.LOGOUT
    audit(request if request is not None else user, action, user, object_repr=user.get_username())


@receiver(user_login_failed, dispatch_uid="security_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    sso = dict(getattr(request, "lz_sso_failure", None) or {})
    username = str((credentials or {}).get("username", "") or sso.get("match_value", ""))[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    if request is not None and not sso and not account_exists(username):
        hit(login_failure_key(request), 10**9, 60)  # counted for the per-address limit
    audit(
        request,
        Action.LOGIN_FAILED,
        outcome=Outcome.DENIED if locked else Outcome.FAILURE,
        username=username,
        attempted_username=username,
        locked=locked,
        **sso,  # single sign-on refusals: method, reason, the claim/attribute and its value
    )


@receiver(user_locked_out, dispatch_uid="security_audit_lockout")
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit(
        request,
        Action.LOCKOUT,
        outcome=Outcome.DENIED,
        username=str(username or "")[:150],
        attempted_username=str(username or ""),
        locked_ip=str(ip_address or ""),
    )


# --- Tenure changes (the foundation's services.appoint / end_tenure save these) -------------

_TENURE_FIELDS = ("person_id", "org_id", "body_id", "role", "title", "start_date", "end_date")


# --- 三员分立: an administrator's account holds no post (and so no business access) -------


@receiver(pre_save, sender=Tenure, dispatch_uid="security_tenure_not_for_admins")
def refuse_posts_for_administrators(sender, instance, raw=False, **kwargs):
    if raw or instance.end_date is not None:
        return  # fixtures, and ending a post, are always allowed
    if AdminRoleAssignment.objects.filter(user__person__pk=instance.person_id).exists():
        raise ValidationError(
            _("该人员的登录账号担任管理角色(三员分立),不能任职;请为其使用单独的业务账号。")
        )


@receiver(pre_save, sender=Person, dispatch_uid="security_person_not_for_admins")
def refuse_linking_administrators(sender, instance, raw=False, **kwargs):
    if raw or instance.user_id is None:
        return
    if AdminRoleAssignment.objects.filter(user_id=instance.user_id).exists():
        raise ValidationError(
            _("该账号担任管理角色(三员分立),不能关联为人员的登录账号;请使用单独的业务账号。")
        )


@receiver(pre_save, sender=Tenure, dispatch_uid="security_tenure_before")
def remember_tenure(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        instance._lz_before = (
            Tenure.objects.filter(pk=instance.pk).values(*_TENURE_FIELDS, "end_reason").first()
        )


@receiver(post_save, sender=Tenure, dispatch_uid="security_tenure_after")
def audit_tenure(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_lz_before", None) or {}
    changes = {}
    for field in (*_TENURE_FIELDS, "end_reason"):
        new = getattr(instance, field)
        if created or before.get(field) != new:
            changes[field] = [before.get(field), new]
    if not created and not changes:
        return
    if created:
        event = "appoint"
    elif "end_date" in changes and instance.end_date is not None:
        event = "end"
    else:
        event = "change"
    audit(None, Action.TENURE_CHANGE, instance, event=event, changes=changes)


@receiver(m2m_changed, sender=Tenure.portfolios.through, dispatch_uid="security_tenure_m2m")
def audit_tenure_portfolios(sender, instance, action, pk_set, reverse, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    audit(
        None,
        Action.TENURE_CHANGE,
        instance,
        event="portfolios",
        m2m_action=action,
        portfolio_ids=sorted(pk_set or []),
    )


# --- Permission changes ---------------------------------------------------------------------

_USER_FLAGS = ("is_superuser", "is_staff", "is_active")


@receiver(pre_save, sender=User, dispatch_uid="security_user_before")
def remember_user_flags(sender, instance, raw=False, update_fields=None, **kwargs):
    if update_fields is not None and not set(update_fields) & set(_USER_FLAGS):
        return  # e.g. the last_login update at every login: nothing to compare
    if instance.pk and not raw:
        instance._lz_flags = User.objects.filter(pk=instance.pk).values(*_USER_FLAGS).first()


@receiver(post_save, sender=User, dispatch_uid="security_user_after")
def audit_user_flags(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if created:
        flags = {f: getattr(instance, f) for f in _USER_FLAGS}
        if instance.is_superuser or instance.is_staff:
            audit(None, Action.PERMISSION_CHANGE, instance, event="created", flags=flags)
        else:
            audit(None, Action.ACCOUNT_CHANGE, instance, event="created", flags=flags)
        return
    before = getattr(instance, "_lz_flags", None) or {}
    changed = {
        f: [before.get(f), getattr(instance, f)]
        for f in _USER_FLAGS
        if f in before and before[f] != getattr(instance, f)
    }
    if changed:
        action = Action.PERMISSION_CHANGE if set(changed) - {"is_active"} else Action.ACCOUNT_CHANGE
        audit(None, action, instance, event="flags", changes=changed)


def _m2m_audit(kind):
    def receiver_fn(sender, instance, action, pk_set, reverse, model, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        audit(
            None,
            Action.PERMISSION_CHANGE,
            instance,
            event=kind,
            m2m_action=action,
            reverse=reverse,
            related_model=model._meta.label_lower,
            related_ids=sorted(pk_set or []),
        )

    return receiver_fn


m2m_changed.connect(
    _m2m_audit("user_groups"), sender=User.groups.through, weak=False, dispatch_uid="sec_ug"
)
m2m_changed.connect(
    _m2m_audit("user_permissions"),
    sender=User.user_permissions.through,
    weak=False,
    dispatch_uid="sec_up",
)
m2m_changed.connect(
    _m2m_audit("group_permissions"),
    sender=Group.permissions.through,
    weak=False,
    dispatch_uid="sec_gp",
)


def _reason(instance) -> dict:
    """The reason given on the security administrator's page, if any."""
    reason = getattr(instance, "_change_reason", "") or ""
    return {"reason": reason} if reason else {}


@receiver(post_save, sender=AdminRoleAssignment, dispatch_uid="security_role_saved")
def audit_role_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    audit(
        None,
        Action.ADMIN_ROLE_CHANGE,
        instance.user,
        event="assigned" if created else "changed",
        role=instance.role,
        **_reason(instance),
    )


@receiver(post_delete, sender=AdminRoleAssignment, dispatch_uid="security_role_deleted")
def audit_role_deleted(sender, instance, **kwargs):
    audit(
        None,
        Action.ADMIN_ROLE_CHANGE,
        instance.user,
        event="revoked",
        role=instance.role,
        **_reason(instance),
    )


@receiver(post_delete, sender=AccessAttempt, dispatch_uid="security_admin_unlock")
def audit_admin_unlock(sender, instance, **kwargs):
    """Deleting a lockout in the admin site is an unlock (axes' own clean-ups are not)."""
    request = current_request()
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name.startswith("admin:axes_accessattempt"):
        return
    audit(
        request,
        Action.UNLOCK,
        object_repr=instance.username or instance.ip_address or "",
        unlocked_username=instance.username or "",
        unlocked_ip=instance.ip_address or "",
        via="admin",
    )
