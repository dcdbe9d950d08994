"""Single sign-on: OpenID Connect (mozilla-django-oidc) and LDAP (security/directory.py).

One rule for every method: the identity provider or the directory only says *who* someone is.
The account is the existing one linked to the `Person` whose `SSO_PERSON_FIELD` (default
`external_id`, e.g. the employee number) equals the configured claim or attribute — never a
match by name or e-mail, never a new account (unless LDAP_CREATE_USERS says so for LDAP), and
no rights from the provider: posts still come from tenures, grants from /security/access/.

A refusal (unknown person, missing claim) is audited as `login_failed` with the method, the
claim and its value (security/signals.py reads `request.lz_sso_failure`), and the person sees
a Chinese page, not an account. Logins are audited by the usual `user_logged_in` receiver,
with the method.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from responsibilities.models import Person
from security.backends import AccountBackend
from security.services import Action, Outcome, audit

PERSON_FIELDS = ("external_id", "code")
OIDC_BACKEND = "security.sso.OIDCBackend"
LDAP_BACKEND = "security.directory.DirectoryBackend"
SESSION_METHOD = "lz_login_method"


def person_field() -> str:
    field = getattr(settings, "SSO_PERSON_FIELD", "external_id")
    if field not in PERSON_FIELDS:
        raise ImproperlyConfigured(f"SSO_PERSON_FIELD={field!r}: use one of {PERSON_FIELDS}.")
    return field


def match_user(value):
    """The active account of the one active person whose SSO_PERSON_FIELD equals `value`, or
    None (no such person, no account, account disabled, or — defensively — more than one)."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 64:
        return None
    people = list(
        Person.objects.filter(is_active=True, user__isnull=False, **{person_field(): text})
        .select_related("user")
        .order_by("pk")[:2]
    )
    if len(people) != 1:
        return None
    user = people[0].user
    return user if user is not None and user.is_active else None


def note_refusal(request, method: str, reason: str, key: str, value) -> None:
    """Tell the login-failure audit receiver what the provider said (method, claim, value)."""
    if request is not None:
        request.lz_sso_failure = {
            "method": method,
            "reason": reason,
            "match_key": key,
            "match_value": str(value if value is not None else "")[:150],
        }


def login_method(backend_path: str) -> str:
    return {OIDC_BACKEND: "oidc", LDAP_BACKEND: "ldap"}.get(backend_path, "password")


def otp_applies(backend_path: str) -> bool:
    """Whether OTP_ENABLED's second factor is asked after this login. After OIDC the identity
    platform is expected to do its own MFA: only when OIDC_REQUIRE_OTP=1 is TOTP asked too."""
    if backend_path == OIDC_BACKEND:
        return bool(getattr(settings, "OIDC_REQUIRE_OTP", False))
    return True


class NoPermissionsMixin:
    """A login backend that gives no permission of its own: permissions come from
    AccountBackend (raw rows, less the administrative roles), the roles and the scoping kit."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False

    def get_user(self, user_id):
        # Same user object as a password login (with the grants flag scoping relies on).
        return AccountBackend().get_user(user_id)


class OIDCBackend(NoPermissionsMixin, OIDCAuthenticationBackend):
    """The authorization-code flow of mozilla-django-oidc, matching by OIDC_MATCH_CLAIM."""

    def _claim(self) -> str:
        return getattr(settings, "OIDC_MATCH_CLAIM", "employee_number")

    def verify_claims(self, claims):
        claim = self._claim()
        if claims.get(claim) in (None, ""):
            note_refusal(self.request, "oidc", "missing_claim", claim, claims.get("sub"))
            return False
        return True

    def filter_users_by_claims(self, claims):
        claim = self._claim()
        user = match_user(claims.get(claim))
        if user is None:
            note_refusal(self.request, "oidc", "unknown_person", claim, claims.get(claim))
            return []
        return [user]

    def create_user(self, claims):
        raise SuspiciousOperation("Single sign-on never creates accounts.")

    def update_user(self, user, claims):
        return user  # nothing from the provider is written: no names, no rights


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def _require_oidc() -> None:
    if not oidc_enabled():
        raise Http404


class OIDCStartView(OIDCAuthenticationRequestView):
    def get(self, request):
        _require_oidc()
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back. A refusal renders the Chinese page here (403)."""

    def get(self, request):
        _require_oidc()
        try:
            return super().get(request)
        except (requests.RequestException, SuspiciousOperation, ValueError) as exc:
            # The provider unreachable or answering an error, a token that does not verify, a
            # state that is not ours: a refusal page and an audit entry, never a 500.
            note_refusal(request, "oidc", "provider_error", "error", type(exc).__name__)
            audit(request, Action.LOGIN_FAILED, outcome=Outcome.FAILURE, **request.lz_sso_failure)
            return self.login_failure()

    def login_failure(self):
        failure = getattr(self.request, "lz_sso_failure", None) or {}
        return render(
            self.request,
            "security/sso_refused.html",
            {
                "reason": failure.get("reason", ""),
                "provider": getattr(settings, "OIDC_PROVIDER_NAME", ""),
            },
            status=403,
        )


def provider_logout_url(request, id_token: str = "") -> str:
    """RP-initiated logout at the provider's end_session_endpoint, back to our login page."""
    endpoint = getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "")
    if not (oidc_enabled() and endpoint and id_token):
        return ""
    params = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def provider_origin() -> str:
    """The provider's origin, allowed as a form target (logout is a POST that redirects there),
    or "" when OIDC is off."""
    if not oidc_enabled():
        return ""
    parts = urlsplit(getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "") or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class SignOutView(LogoutView):
    """Django's logout (audited by the user_logged_out receiver), then, for a session that
    came from OIDC, the provider's end_session_endpoint so that both sessions end."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token", "")
        target = provider_logout_url(request, id_token)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(target) if target else response


class SignInView(LoginView):
    """The login page, showing only the enabled methods."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        password = bool(getattr(settings, "LOCAL_LOGIN_ENABLED", True)) or bool(
            getattr(settings, "LDAP_ENABLED", False)
        )
        context.update(
            oidc_enabled=oidc_enabled(),
            oidc_provider=getattr(settings, "OIDC_PROVIDER_NAME", "") or _("统一身份认证平台"),
            password_form=bool(
                password or self.request.GET.get("local") == "1" or self.request.method == "POST"
            ),
            password_hidden=not password,
            ldap_enabled=bool(getattr(settings, "LDAP_ENABLED", False)),
        )
        return context
