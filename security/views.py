from __future__ import annotations

import base64
import datetime
import json
import logging

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangge_zeren import qr
from liangge_zeren.api import registry as api_registry
from liangge_zeren.celery import app as celery_app
from liangge_zeren.spreadsheets import XLSX_CONTENT_TYPE, WorkbookWriter
from responsibilities.history import held_on, posts_by_user
from responsibilities.models import Tenure
from security import access, admins, recovery, tokens
from security.forms import (
    AdminRequestForm,
    AuditFilterForm,
    GrantForm,
    OTPTokenForm,
    PasswordConfirmForm,
    ReasonForm,
    RecoveryCodeForm,
    RoleAssignForm,
    ServiceAccountForm,
    UnlockForm,
)
from security.models import AdminAccountRequest, ApiToken, AuditEntry, ScopeGrant
from security.ratelimit import hit, rate_limited, too_many_requests
from security.services import Action, audit

log = logging.getLogger(__name__)
PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


# --- Health -------------------------------------------------------------------------------


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        log.exception("healthz: database check failed")
        return False


def _check_broker() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception:
        log.exception("healthz: broker check failed")
        return False


@never_cache
def healthz(request):
    """Database and broker reachable? No versions, hosts or errors in the answer."""
    checks = {
        "database": "ok" if _check_database() else "error",
        "broker": "ok" if _check_broker() else "error",
    }
    healthy = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
    return response


# --- Lockout (django-axes) ----------------------------------------------------------------


def lockout(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the Chinese lockout page (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "security/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


def lockout_page(request):
    return lockout(request)


@login_required
def lockouts(request):
    _require(request, "security.unlock_account")

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")
    rows = [
        {
            "username": a.username,
            "ip_address": a.ip_address,
            "failures": a.failures_since_start,
            "locked": a.failures_since_start >= settings.AXES_FAILURE_LIMIT,
            "last": a.attempt_time,
        }
        for a in attempts[:500]
    ]
    return render(request, "security/lockouts.html", {"rows": rows})


@login_required
@require_POST
def unlock(request):
    _require(request, "security.unlock_account")

    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请指定要解除锁定的账号或 IP 地址。"))
        return redirect("security:lockouts")
    username = form.cleaned_data["username"] or None
    ip = form.cleaned_data["ip_address"] or None
    count = reset(ip=ip, username=username)
    audit(
        request,
        Action.UNLOCK,
        object_repr=username or ip or "",
        unlocked_username=username or "",
        unlocked_ip=ip or "",
        attempts_removed=count,
    )
    messages.success(request, _("已解除锁定。"))
    return redirect("security:lockouts")


# --- Audit log ------------------------------------------------------------------------------


@login_required
def audit_log(request):
    _require(request, "security.view_auditentry")
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.all()
    if form.is_bound:
        entries = form.filter(entries)
    page = Paginator(entries.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # before this read is itself recorded
    posts = posts_by_user({e.actor_id for e in page.object_list if e.actor_id})
    for entry in page.object_list:
        entry.actor_post = _actor_post(entry, posts)
    audit(request, Action.VIEW, object_type="security.auditentry", filters=form.summary())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "security/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
@rate_limited("audit-export", limit=5, window_seconds=60)
def audit_export(request):
    _require(request, "security.export_auditentry")
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.all()
    if form.is_bound:
        entries = form.filter(entries)
    entries = entries.order_by("id")[:EXPORT_MAX_ROWS]

    book = WorkbookWriter(streaming=True)  # up to EXPORT_MAX_ROWS rows: constant memory
    sheet = book.sheet(_("审计日志"))
    sheet.header(_export_header())
    actions = dict(AuditEntry.Action.choices)
    outcomes = dict(AuditEntry.Outcome.choices)
    count = 0
    tz = timezone.get_current_timezone()
    posts = posts_by_user(entries.values("actor_id"))
    for e in entries.iterator(chunk_size=2000):
        count += 1
        sheet.append(
            [
                e.id,
                e.at.astimezone(tz).replace(tzinfo=None),
                e.actor_username,
                e.actor_name,
                _actor_post(e, posts),
                e.ip,
                str(actions.get(e.action, e.action)),
                str(outcomes.get(e.outcome, e.outcome)),
                e.object_type,
                e.object_id,
                e.object_repr,
                _json(e.details),
                e.request_id,
                e.hash,
            ]
        )
    content = book.to_bytes()
    audit(
        request,
        Action.EXPORT,
        object_type="security.auditentry",
        rows=count,
        format="xlsx",
        filters=form.summary(),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.xlsx"'
    response.lz_audited = True  # recorded above, with the row count and filters
    return response


def _export_header() -> list[str]:
    return [
        _("序号"),
        _("时间"),
        _("操作人账号"),
        _("操作人"),
        _("操作人职务"),
        _("IP 地址"),
        _("操作"),
        _("结果"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("详情"),
        _("请求编号"),
        _("哈希"),
    ]


def _actor_post(entry: AuditEntry, posts: dict) -> str:
    """The post(s) the actor held on the entry's day ("" for administrators and systems)."""
    if not entry.actor_id:
        return ""
    return held_on(posts.get(entry.actor_id, []), timezone.localtime(entry.at).date())


def _json(value) -> str:

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- Second factor (django-otp TOTP) --------------------------------------------------------


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return "/"
    return target


@login_required
def otp_verify(request):

    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                request.session.pop("lz_otp_required", None)
                return redirect(_next_url(request))
        audit(request, Action.OTP_FAILED, outcome=AuditEntry.Outcome.FAILURE)
        form.add_error("token", _("动态口令不正确或已过期。"))
    return render(request, "security/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def otp_setup(request):

    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="TOTP", confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            request.session.pop("lz_otp_required", None)
            audit(request, Action.OTP_DEVICE, device, event="confirmed")
            messages.success(request, _("动态口令已启用。"))

            codes = recovery.generate(request.user, request)  # shown once, on this page only
            return render(
                request,
                "security/recovery_codes_shown.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("token", _("动态口令不正确,请核对手机时间后重试。"))
    secret = base64.b32encode(device.bin_key).decode()
    qr_svg = qr.qr_svg(device.config_url)  # no picture: the secret is shown as text too
    return render(
        request,
        "security/otp_setup.html",
        {"form": form, "secret": secret, "qr_svg": qr_svg, "next": _next_url(request)},
    )


# --- Recovery codes for the second factor --------------------------------------------------


@login_required
@never_cache
def otp_recovery_codes(request):
    """Status of the account's recovery codes; a new set (password re-entered) is shown once."""

    if not recovery.has_totp_device(request.user):
        messages.info(request, _("请先启用动态口令,再生成恢复码。"))
        return redirect("security:otp_setup")
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        codes = recovery.generate(request.user, request)
        return render(request, "security/recovery_codes_shown.html", {"codes": codes})
    return render(
        request,
        "security/recovery_codes.html",
        {"form": form, "remaining": recovery.remaining(request.user)},
        status=400 if request.method == "POST" else 200,
    )


RECOVERY_ATTEMPTS = 5  # per user and 5 minutes (the codes have 80 bits; this stops noise)


@login_required
@never_cache
def otp_recover(request):
    """Second factor by a one-time recovery code instead of the authenticator's token."""

    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not hit(f"otp-recover:{request.user.pk}", RECOVERY_ATTEMPTS, 300):
            return too_many_requests(request, 300)
        device = next(iter(devices_for_user(request.user, confirmed=True)), None)
        if device is not None and recovery.use(request.user, form.cleaned_data["code"], request):
            otp_login(request, device)
            request.session.pop("lz_otp_required", None)
            left = recovery.remaining(request.user)
            messages.warning(
                request,
                _(
                    "已使用一个恢复码,还剩 %(n)s 个。"
                    "如手机丢失,请尽快重新绑定动态口令并生成新的恢复码。"
                )
                % {"n": left},
            )
            return redirect(_next_url(request))
        form.add_error("code", _("恢复码不正确或已使用。"))
    return render(request, "security/otp_recover.html", {"form": form, "next": _next_url(request)})


# --- Roles and permissions: the security administrator's page (三员分立) -------------------


def _require_assigner(request, *, hide: bool = False) -> None:
    """Only the security administrator. Pages about one account answer 404 to everyone else,
    so that they do not even learn which account ids exist."""

    if not access.may_assign(request.user):
        raise Http404 if hide else PermissionDenied


def _account_or_404(pk: int):

    return get_object_or_404(get_user_model().objects.select_related("admin_role"), pk=pk)


@login_required
def access_list(request):

    _require_assigner(request)
    query = request.GET.get("q", "").strip()
    accounts = get_user_model().objects.select_related("admin_role", "person")
    if query:
        accounts = accounts.filter(Q(username__icontains=query) | Q(person__name__contains=query))
    admins_only = request.GET.get("admins") == "1"
    if admins_only:
        accounts = accounts.filter(admin_role__isnull=False)
    today = timezone.localdate()
    active = Q(scope_grants__revoked_at__isnull=True) & (
        Q(scope_grants__expires_on__isnull=True) | Q(scope_grants__expires_on__gte=today)
    )
    accounts = accounts.annotate(active_grants=Count("scope_grants", filter=active))
    page = Paginator(accounts.order_by("username"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "security/access_list.html",
        {"page": page, "query": query, "admins_only": admins_only},
    )


def _access_context(request, account, **extra) -> dict:

    role = getattr(account, "admin_role", None)  # None when the account holds no role
    posts = (
        Tenure.objects.current()
        .filter(person__user=account)
        .select_related("org", "body")
        .order_by("org__path")
    )
    grants = list(account.scope_grants.select_related("org", "granted_by").order_by("-granted_at"))
    context = {
        "account": account,
        "role": role,
        "is_self": account.pk == request.user.pk,
        "posts": posts,
        "active_grants": [g for g in grants if g.is_active],
        "past_grants": [g for g in grants if not g.is_active],
        "history": access.history_of(account),
        "role_form": RoleAssignForm(),
        "revoke_form": ReasonForm(),
        "grant_form": GrantForm(),
    }
    context.update(extra)
    return context


@login_required
def access_detail(request, pk):
    _require_assigner(request, hide=True)
    account = _account_or_404(pk)
    return render(request, "security/access_detail.html", _access_context(request, account))


def _refused(request, account, exc, **forms_with_errors):

    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    return render(
        request,
        "security/access_detail.html",
        _access_context(request, account, **forms_with_errors),
        status=400,
    )


def _apply(request, account, form, change, done: str, *, form_key: str, show_form: bool = True):
    """One posted change on the access page: a bad form, or a change the access service
    refuses, shows the page again with the reasons (400); success goes back to it."""

    if not form.is_valid():
        return _refused(request, account, None, **{form_key: form})
    try:
        change(form.cleaned_data)
    except ValidationError as exc:
        return _refused(request, account, exc, **({form_key: form} if show_form else {}))
    messages.success(request, done)
    return redirect("security:access_detail", pk=account.pk)


@login_required
@require_POST
def access_role_assign(request, pk):

    _require_assigner(request, hide=True)
    account = _account_or_404(pk)
    return _apply(
        request,
        account,
        RoleAssignForm(request.POST),
        lambda data: access.assign_role(request.user, account, data["role"], reason=data["reason"]),
        _("已授予管理角色。"),
        form_key="role_form",
    )


@login_required
@require_POST
def access_role_revoke(request, pk):

    _require_assigner(request, hide=True)
    account = _account_or_404(pk)
    return _apply(
        request,
        account,
        ReasonForm(request.POST),
        lambda data: access.revoke_role(request.user, account, reason=data["reason"]),
        _("已收回管理角色。"),
        form_key="revoke_form",
    )


@login_required
@require_POST
def access_grant(request, pk):

    _require_assigner(request, hide=True)
    account = _account_or_404(pk)
    form = GrantForm(request.POST)
    return _apply(
        request,
        account,
        form,
        lambda data: access.grant(
            request.user,
            account,
            capability=data["capability"],
            org=form.org,
            reason=data["reason"],
            expires_on=data["expires_on"],
        ),
        _("已授予业务权限。"),
        form_key="grant_form",
    )


@login_required
@require_POST
def access_grant_revoke(request, pk):

    _require_assigner(request, hide=True)
    row = get_object_or_404(ScopeGrant.objects.select_related("user"), pk=pk)
    return _apply(
        request,
        _account_or_404(row.user_id),
        ReasonForm(request.POST),
        lambda data: access.revoke_grant(request.user, row, reason=data["reason"]),
        _("已收回业务权限。"),
        form_key="revoke_form",
        show_form=False,  # the page's reason form belongs to the role; the grant has none
    )


# --- Administrator accounts: the four-eyes flow (security/admins.py) -------------------------


def _require_administrator(request) -> None:
    if not admins.may_confirm(request.user):
        raise PermissionDenied


def _admin_accounts_page(request, form=None, status=200):
    accounts = (
        get_user_model()
        .objects.filter(admins.administrators_q())
        .select_related("admin_role")
        .order_by("username")
    )
    may_request = admins.may_request(request.user)
    if form is None and may_request:
        form = AdminRequestForm(accounts=accounts.exclude(pk=request.user.pk))
    requests = AdminAccountRequest.objects.select_related("target", "requested_by", "decided_by")
    context = {
        "accounts": accounts,
        "form": form,
        "may_request": may_request,
        "pending": requests.filter(status=AdminAccountRequest.Status.PENDING),
        "recent": requests.exclude(status=AdminAccountRequest.Status.PENDING)[:50],
    }
    return render(request, "security/admin_accounts.html", context, status=status)


@login_required
def admin_accounts(request):
    """Administrator accounts and the pending requests; the security administrator asks here."""
    _require_administrator(request)
    if request.method != "POST":
        return _admin_accounts_page(request)
    if not admins.may_request(request.user):
        raise PermissionDenied
    candidates = get_user_model().objects.filter(admins.administrators_q())
    form = AdminRequestForm(request.POST, accounts=candidates.exclude(pk=request.user.pk))
    if not form.is_valid():
        return _admin_accounts_page(request, form, status=400)
    data = form.cleaned_data
    try:
        admins.request_change(
            data["target"], data["kind"], actor=request.user, reason=data["reason"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _admin_accounts_page(request, form, status=400)
    messages.success(request, _("申请已提交,须由另一名管理员确认后生效。"))
    return redirect("security:admin_accounts")


def _decide(request, pk, decide, done: str):
    if not admins.may_confirm(request.user):
        raise Http404  # others do not even learn which requests exist
    row = get_object_or_404(AdminAccountRequest, pk=pk)
    try:
        decide(row)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _admin_accounts_page(request, status=400)
    messages.success(request, done)
    return redirect("security:admin_accounts")


@login_required
@require_POST
def admin_request_confirm(request, pk):
    def link_for(token: str) -> str:
        return request.build_absolute_uri(reverse("security:admin_reset", args=[token]))

    return _decide(
        request,
        pk,
        lambda row: admins.confirm(row, actor=request.user, link_for=link_for),
        _("已确认,变更已生效。"),
    )


@login_required
@require_POST
def admin_request_cancel(request, pk):
    return _decide(
        request, pk, lambda row: admins.cancel(row, actor=request.user), _("申请已撤销。")
    )


@never_cache
def admin_reset(request, token):
    """The one-time link e-mailed to the administrator: they choose the new password."""
    row = admins.reset_request_for(token)
    if row is None:
        return render(request, "security/admin_reset.html", {"invalid": True}, status=404)
    form = SetPasswordForm(row.target, request.POST or None)
    if request.method == "POST" and form.is_valid() and admins.redeem(row, form):
        messages.success(request, _("新密码已设置,请用新密码登录。"))
        return redirect("login")
    return render(request, "security/admin_reset.html", {"form": form, "account": row.target})


# --- API service accounts: the security administrator's page (security/tokens.py) ----------


def _require_token_manager(request, *, hide: bool = False) -> None:
    if not tokens.may_manage(request.user):
        raise Http404 if hide else PermissionDenied


def _api_tokens_page(request, form=None, status=200):
    rows = ApiToken.objects.select_related("org", "user", "created_by", "revoked_by")
    context = {
        "form": form or ServiceAccountForm(),
        "service_accounts": rows.filter(kind=ApiToken.Kind.SERVICE)[:200],
        "personal": rows.filter(kind=ApiToken.Kind.PERSONAL)[:200],
        "capability_labels": {c.name: c.label for c in api_registry.capabilities()},
    }
    return render(request, "security/api_tokens.html", context, status=status)


@login_required
@never_cache
def api_tokens(request):
    """Service accounts for the REST API: list, create (the secret is shown once), revoke."""
    _require_token_manager(request)
    if request.method != "POST":
        return _api_tokens_page(request)
    form = ServiceAccountForm(request.POST)
    if not form.is_valid():
        return _api_tokens_page(request, form, status=400)
    data = form.cleaned_data
    try:
        token, secret = tokens.create_service_account(
            request.user,
            name=data["name"],
            org=form.org,
            scope=data["scope"],
            capabilities=data["capabilities"],
            expires=datetime.timedelta(days=data["expires_days"]),
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _api_tokens_page(request, form, status=400)
    # Shown on this answer only (no redirect that could be reloaded; not cached).
    return render(request, "security/api_token_created.html", {"token": token, "secret": secret})


@login_required
@never_cache
def api_token_revoke(request, pk):
    """A confirmation page, then the revocation (with a reason)."""
    _require_token_manager(request, hide=True)
    token = get_object_or_404(ApiToken.objects.select_related("org", "user"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tokens.revoke(request.user, token, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("令牌已吊销,使用它的请求将被拒绝。"))
        return redirect("security:api_tokens")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "security/api_token_revoke.html", {"token": token, "form": form}, status=status
    )
