"""API tokens: issue, check (the bearer authentication of the REST API), revoke.

- The secret is `lz_` + 43 URL-safe characters (256 bits); only its SHA-256 is stored, and it
  is shown once. `prefix` (its first characters) identifies a token in lists.
- Personal tokens (`python manage.py api_token USERNAME`) act as their person.
- Service accounts are made and revoked by the security administrator (三员分立,
  /security/api-tokens/): a dedicated account without password, a subtree grant (`scope` over
  `org`, given to the scoping kit by `token_grants` only while that token authenticates the
  request) and write capabilities (liangge_zeren.api.capability).
- Every use is audited like a login (`api_token`), at most once per token per
  AUDIT_WINDOW: an audit append per request would take the chain lock on every API call and
  flood the log with identical rows; the window's first use is recorded, with the address.
  A refused token (expired, revoked, inactive account) is audited on every attempt (rare).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from responsibilities.scoping import Capability, Grant
from security.models import ApiToken
from security.services import Action, Outcome, audit

MANAGE_PERM = "security.manage_api_tokens"
SECRET_PREFIX = "lz_"
AUDIT_WINDOW = datetime.timedelta(minutes=15)
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
_DURATION = re.compile(r"^(\d+)([dhm]?)$")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# One-time codes a person types or reads out (recovery codes, voting codes).
UNAMBIGUOUS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no 0/O or 1/I look-alikes


def new_short_code(length: int) -> str:
    return "".join(secrets.choice(UNAMBIGUOUS) for _ in range(length))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def keyed_code_hash(purpose: str, code: str) -> str:
    """HMAC-SHA256 of a short code under a key derived from SECRET_KEY: a short code cannot be
    found offline from a copy of the table alone (a plain hash of 40 bits could)."""
    return salted_hmac(purpose, normalise_code(code), algorithm="sha256").hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def parse_duration(text: str) -> datetime.timedelta:
    """'30d', '12h', '90m' or a number of days."""
    match = _DURATION.match((text or "").strip())
    if not match or int(match.group(1)) <= 0:
        raise ValueError(_("有效期格式应为 30d、12h、90m 或天数。"))
    amount, unit = int(match.group(1)), match.group(2) or "d"
    return {"d": datetime.timedelta(days=amount), "h": datetime.timedelta(hours=amount)}.get(
        unit, datetime.timedelta(minutes=amount)
    )


def _store(token: ApiToken) -> str:
    secret = new_secret()
    token.key_hash = hash_secret(secret)
    token.prefix = secret[: len(SECRET_PREFIX) + 6]
    token.full_clean()
    token.save()
    return secret


def issue_personal(
    user: Any, *, expires: datetime.timedelta | None = None, name: str = "", by: Any = None
) -> tuple[ApiToken, str]:
    """A personal token for `user`; returns (token, secret) — the secret is not kept."""
    if not user.is_active:
        raise ValidationError(_("账号已停用,不能签发令牌。"))
    token = ApiToken(
        kind=ApiToken.Kind.PERSONAL,
        name=name or _("个人令牌"),
        user=user,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=timezone.now() + expires if expires else None,
    )
    with transaction.atomic():
        secret = _store(token)
        audit(
            by or user,
            Action.API_TOKEN_CHANGE,
            token,
            username=user.get_username(),
            change="issued",
            kind=token.kind,
        )
    return token, secret


def may_manage(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(MANAGE_PERM))


def _require(by: Any) -> None:
    if not may_manage(by):
        raise PermissionDenied


def create_service_account(
    by: Any,
    *,
    name: str,
    org: Any,
    scope: str,
    capabilities: list[str],
    expires: datetime.timedelta | None,
) -> tuple[ApiToken, str]:
    """A service account and its token (security administrator only); returns the secret once."""
    _require(by)
    if not (name or "").strip():
        raise ValidationError(_("请填写服务账号名称。"))
    if org is None:
        raise ValidationError(_("请选择服务账号的授权范围(组织)。"))
    if scope not in ApiToken.Scope.values:
        raise ValidationError(_("请选择范围权限。"))
    User = get_user_model()
    with transaction.atomic():
        account = User(username=f"svc_{secrets.token_hex(6)}", first_name=name.strip()[:150])
        account.set_unusable_password()
        account.save()
        token = ApiToken(
            kind=ApiToken.Kind.SERVICE,
            name=name.strip(),
            user=account,
            org=org,
            scope=scope,
            capabilities=sorted(set(capabilities)),
            created_by=by,
            expires_at=timezone.now() + expires if expires else None,
        )
        secret = _store(token)
        audit(
            by,
            Action.API_TOKEN_CHANGE,
            token,
            org_path=org.path,
            change="created",
            kind=token.kind,
            scope=scope,
            capabilities=token.capabilities,
        )
    return token, secret


def revoke(by: Any, token: ApiToken, *, reason: str = "") -> ApiToken:
    """Revoke a token (the security administrator any; a person their own personal ones).
    Refused twice: a double submit revokes once."""
    own = token.kind == ApiToken.Kind.PERSONAL and token.user_id == getattr(by, "pk", None)
    if not own:
        _require(by)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("该令牌已被吊销。"))
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.revoke_reason = (reason or "").strip()[:200]
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        if locked.kind == ApiToken.Kind.SERVICE:
            type(locked.user)._default_manager.filter(pk=locked.user_id).update(is_active=False)
        audit(
            by,
            Action.API_TOKEN_CHANGE,
            locked,
            org_path=locked.org.path if locked.org else "",
            change="revoked",
            reason=locked.revoke_reason,
        )
    return locked


# --- The scoping kit's view of a service account -------------------------------------------


def token_grants(user: Any) -> list[Grant]:
    """Grant source (security/apps.py): the subtree grant of the service-account token that
    authenticated this request — set on the user object by the authentication, so no query
    and nothing outside that request."""
    return list(getattr(user, "lz_api_grants", ()))


def _service_grants(token: ApiToken) -> tuple[Grant, ...]:
    if token.kind != ApiToken.Kind.SERVICE or token.org is None or not token.org.is_active:
        return ()
    grants = [Grant(Capability.VIEW, token.org.path, 0)]
    if token.scope == ApiToken.Scope.SUPERVISE:
        grants.append(Grant(Capability.SUPERVISE, token.org.path, 0))
    return tuple(grants)


# --- Bearer authentication (REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]) --------------


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为:Bearer <令牌>。"))
        try:
            secret = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("令牌无效。")) from None
        token = (
            ApiToken.objects.select_related("user", "org")
            .filter(key_hash=hash_secret(secret))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        refusal = self._refusal(token)
        if refusal:
            audit(token.user, Action.API_TOKEN, token, outcome=Outcome.DENIED, reason=refusal)
            raise exceptions.AuthenticationFailed(refusal)
        user: Any = token.user
        user.lz_api_grants = _service_grants(token)
        if token.kind == ApiToken.Kind.SERVICE:
            user.lz_has_scope_grants = False  # its only grants are the token's
        self._record_use(token)
        return user, token

    @staticmethod
    def _refusal(token: ApiToken) -> str:
        if token.revoked_at is not None:
            return _("令牌已被吊销。")
        if token.is_expired:
            return _("令牌已过期。")
        if not token.user.is_active:
            return _("令牌所属账号已停用。")
        return ""

    @staticmethod
    def _record_use(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # Claim the audit window with a conditional update: concurrent requests audit once.
        due = Q(last_audited_at__isnull=True) | Q(last_audited_at__lte=now - AUDIT_WINDOW)
        if ApiToken.objects.filter(due, pk=token.pk).update(last_audited_at=now):
            audit(
                token.user,
                Action.API_TOKEN,
                token,
                org_path=token.org.path if token.org else "",
                kind=token.kind,
            )


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names the bearer tokens (drf-spectacular)."""

    target_class = "security.tokens.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _(
                "个人令牌(python manage.py api_token 用户名)或服务账号令牌"
                "(安全管理员在 /security/api-tokens/ 创建)。"
            ),
        }
