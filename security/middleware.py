"""Request id, health checks, CSP and other headers, idle timeout, forced password change,
second factor for administrators, login rate limit and break-glass auditing.

Order in settings.MIDDLEWARE (see the comments there):
RequestIdMiddleware first (it also answers /healthz before host checks and HTTPS redirects),
SecurityHeadersMiddleware anywhere, AccountSecurityMiddleware after authentication and
OTP, AuditTrailMiddleware near the end.
"""

from __future__ import annotations

import functools
import re
import time
import uuid
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import FileResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from security import context
from security.ratelimit import account_exists, count, hit, login_failure_key, too_many_requests
from security.services import Action, Outcome, audit
from security.sso import provider_origin
from security.views import healthz

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEALTH_PATHS = frozenset({"/healthz", "/healthz/"})
SESSION_LAST_SEEN = "lz_last_seen"
SESSION_PASSWORD_DUE = "lz_password_change_due"
SESSION_OTP_REQUIRED = "lz_otp_required"


class RequestIdMiddleware:
    """Give each request an id (kept from X-Request-ID when well-formed), bind it for logs and
    audit, echo it in the response. /healthz is answered here, before host validation and the
    HTTPS redirect, so load balancers and compose health checks can call it directly."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Unbound by the request_finished signal (security/signals.py), after Django has
        # logged the response, so that its log line carries the id too.
        context.bind(request, request_id)
        if request.path_info in HEALTH_PATHS:
            response = healthz(request)
        else:
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def content_security_policy(overrides: dict[str, str] | None = None, form_target: str = "") -> str:
    """Nothing from outside the server, no inline or eval'd script.

    Style *attributes* stay allowed (style-src-attr): templates use a few for widths, and
    Bootstrap's JS sets element styles; <style> elements and external sheets stay blocked.
    """
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "style-src-attr": "'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        # The OIDC provider's origin when single sign-on is on: logout is a POST that ends in
        # a redirect to its end_session_endpoint, and browsers check form-action on redirects.
        "form-action": f"'self' {form_target}".strip(),
        "frame-ancestors": "'none'",
        "frame-src": "'none'",
        "worker-src": "'self'",
        "manifest-src": "'self'",
    }
    directives.update(overrides or {})
    return "; ".join(f"{name} {value}" for name, value in directives.items())


_CSP = content_security_policy()


@functools.lru_cache(maxsize=4)
def _csp_with(form_target: str) -> str:
    return content_security_policy(form_target=form_target) if form_target else _CSP


_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """CSP, Permissions-Policy and no-store for pages that show personal data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A vendored page may relax named directives for itself (`response.lz_csp_overrides`,
        # e.g. the API docs' Swagger UI, which injects <style> elements); scripts stay 'self'.
        overrides = getattr(response, "lz_csp_overrides", None)
        form_target = provider_origin()
        csp = (
            content_security_policy(overrides, form_target) if overrides else _csp_with(form_target)
        )
        response.setdefault("Content-Security-Policy", csp)
        response.setdefault("Permissions-Policy", _PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id") and not _is_static(request):
            # Signed-in pages hold personal data: no copies in shared caches or on disk.
            response.setdefault("Cache-Control", "no-store, private")
        return response


def _is_static(request) -> bool:
    return request.path_info.startswith("/" + settings.STATIC_URL.strip("/") + "/")


def _exempt(request) -> bool:
    if _is_static(request) or request.path_info in HEALTH_PATHS:
        return True
    match = getattr(request, "resolver_match", None)
    return False if match is None else match.view_name in _ALWAYS_ALLOWED


_ALWAYS_ALLOWED = frozenset(
    {
        "logout",
        "password_change",
        "password_change_done",
        "set_language",
        "security:otp_verify",
        "security:otp_setup",
        "security:otp_recover",
        "security:lockout",
        "healthz",
    }
)


class AccountSecurityMiddleware:
    """Idle timeout, forced password change and (when enabled) the administrators' second factor.

    Runs after AuthenticationMiddleware (and django_otp's OTPMiddleware). Reads only the
    session, so it adds no query to pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info == _login_path():
            # Failed logins with unknown user names per address and minute (guessing names);
            # existing accounts have django-axes' per-account lockout instead, so a correct
            # password of an account that is not locked always gets through.
            limit = int(getattr(settings, "LOGIN_RATE_LIMIT_PER_MINUTE", 30))
            if (
                limit
                and count(login_failure_key(request), 60) >= limit
                and not account_exists(request.POST.get("username", ""))
            ):
                return too_many_requests(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            response = self._check_session(request, session)
            if response is not None:
                return response
        return self.get_response(request)

    def _check_session(self, request, session):
        now = int(time.time())
        idle = int(getattr(settings, "SESSION_IDLE_TIMEOUT", 30 * 60))
        last = session.get(SESSION_LAST_SEEN)
        if idle and last is not None and now - int(last) > idle:
            request.lz_logout_reason = "idle"
            logout(request)
            messages.info(request, _("您已长时间未操作,为保护信息安全已自动退出,请重新登录。"))
            target = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
            return _redirect(request, target)
        # Record activity coarsely (a session write at most every idle/6, ≤ 5 min), not on
        # every request, so pages do not pay a session UPDATE each time. Sign-out then comes
        # between `idle - step` and `idle` after the last request (never later than `idle`).
        step = min(300, max(idle // 6, 1)) if idle else 300
        if last is None or now - int(last) >= step:
            session[SESSION_LAST_SEEN] = now
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        session = getattr(request, "session", None)
        if session is None or not session.get("_auth_user_id") or _exempt(request):
            return None
        if session.get(SESSION_PASSWORD_DUE):
            messages.warning(request, _("您的密码为初始密码、已被重置或已过期,请先修改密码。"))
            return _redirect(request, reverse("password_change"))
        if getattr(settings, "OTP_ENABLED", False) and session.get(SESSION_OTP_REQUIRED):
            user = request.user
            if not getattr(user, "is_verified", lambda: False)():
                has_device = any(devices_for_user(user, confirmed=True))
                name = "security:otp_verify" if has_device else "security:otp_setup"
                return _redirect(
                    request, f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
                )
        return None


def _redirect(request, target: str) -> HttpResponseRedirect:
    """A redirect that htmx requests follow with a full page load (HX-Redirect)."""
    response = HttpResponseRedirect(target)
    if request.headers.get("HX-Request") == "true":
        response["HX-Redirect"] = target
    return response


def _login_path() -> str:
    return reverse("login")


class AuditTrailMiddleware:
    """Audits what views need not remember to:

    - every file leaving the server as an attachment (downloads of stored files and generated
      exports, e.g. .xlsx/.docx), unless the view already audited it (`response.lz_audited`);
    - reads of the views named in settings.AUDIT_READ_VIEWS (sensitive records);
    - break-glass: every request made by a superuser, whatever the outcome.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Rate limit on exports (settings.RATE_LIMITED_EXPORT_VIEWS); refusals are audited."""
        match = getattr(request, "resolver_match", None)
        limit = int(getattr(settings, "EXPORT_RATE_LIMIT_PER_MINUTE", 0) or 0)
        user = getattr(request, "user", None)
        if (
            not limit
            or match is None
            or user is None
            or not user.is_authenticated
            or match.view_name not in frozenset(getattr(settings, "RATE_LIMITED_EXPORT_VIEWS", ()))
        ):
            return None
        if hit(f"export:{user.pk}", limit, 60):
            return None
        audit(
            request,
            Action.EXPORT,
            outcome=Outcome.DENIED,
            object_type=match.view_name,
            view=match.view_name,
            reason="rate_limited",
        )
        return too_many_requests(request, 60)

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.get("_auth_user_id") is None:
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match else ""
        kwargs = {k: str(v) for k, v in (match.kwargs if match else {}).items()}
        ok = 200 <= response.status_code < 300
        disposition = response.get("Content-Disposition", "")
        if (
            ok
            and disposition.startswith("attachment")
            and not getattr(response, "lz_audited", False)
        ):
            audit(
                request,
                Action.DOWNLOAD if isinstance(response, FileResponse) else Action.EXPORT,
                object_type=view,
                object_id=kwargs.get("pk", ""),
                view=view,
                url_kwargs=kwargs,
                query=request.GET.urlencode()[:500],
                filename=_filename(disposition),
                content_type=response.get("Content-Type", ""),
            )
        elif ok and request.method == "GET" and view in _audited_reads():
            # The view may name what it showed (`request.audit_object`, no import needed):
            # the entry then carries the object's type, name and organisation path.
            obj = getattr(request, "audit_object", None)
            audit(
                request,
                Action.VIEW,
                obj,
                object_type="" if obj is not None else view,
                object_id="" if obj is not None else kwargs.get("pk", ""),
                view=view,
                url_kwargs=kwargs,
                query=request.GET.urlencode()[:500],
            )
        if user.is_superuser:
            audit(
                request,
                Action.SUPERUSER_REQUEST,
                outcome="success" if response.status_code < 400 else "failure",
                method=request.method,
                path=request.path[:500],
                view=view,
                status=response.status_code,
            )
        return response


def _audited_reads() -> frozenset:
    return frozenset(getattr(settings, "AUDIT_READ_VIEWS", ()))


def _filename(disposition: str) -> str:
    match = re.search(r"filename\*=utf-8''([^;]+)|filename=\"?([^\";]+)", disposition, re.I)
    if not match:
        return ""
    return unquote(match.group(1) or match.group(2))[:200]
