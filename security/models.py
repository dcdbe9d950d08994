"""Identity, administrative roles and the append-only audit log.

The audit log is a keyed hash chain: each entry stores the MAC of the previous entry, and its
own MAC (HMAC-SHA256 or HMAC-SM3 under the chain key named by `key_id`, security/keys.py)
covers every stored field plus that link. Entries written before the chain was keyed
(`key_id` empty) keep their plain SHA-256 and are verified as before, up to the keyed
`chain_rekey` entry that records their head. `python manage.py verify_audit` recomputes
the chain; a changed, removed or inserted row breaks it. The application offers no update or
delete (the model and its queryset refuse; a database trigger refuses UPDATE as well); the
only removal is `prune_audit`, which deletes whole prefixes older than the retention period
and records itself as an entry that anchors the shortened chain.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from responsibilities.models import Tenure
from security.context import current_request

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete audit entries."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only; use prune_audit.")

    def _prune_through(self, last_id: int) -> int:
        """Delete the chain prefix up to `last_id` (only services.prune_audit calls this)."""
        return models.QuerySet.delete(self.model.objects.filter(id__lte=last_id))[0]


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出登录")
        SESSION_TIMEOUT = "session_timeout", _("会话超时退出")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKOUT = "lockout", _("账号锁定")
        UNLOCK = "unlock", _("解除锁定")
        PASSWORD_CHANGE = "password_change", _("修改密码")
        PASSWORD_RESET = "password_reset", _("重置密码")
        OTP_FAILED = "otp_failed", _("动态口令验证失败")
        OTP_DEVICE = "otp_device", _("动态口令设备变更")
        OTP_RECOVERY = "otp_recovery", _("使用恢复码验证")
        PERMISSION_CHANGE = "permission_change", _("权限变更")
        ADMIN_ROLE_CHANGE = "admin_role_change", _("管理角色变更")
        ACCOUNT_CHANGE = "account_change", _("账号变更")
        TENURE_CHANGE = "tenure_change", _("任职变更")
        VIEW = "view", _("查看敏感记录")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载")
        SUPERUSER_REQUEST = "superuser_request", _("超级管理员操作")
        AUDIT_PRUNE = "audit_prune", _("清理审计日志")
        BACKUP = "backup", _("备份")
        RESTORE = "restore", _("恢复")
        CHAIN_REKEY = "chain_rekey", _("审计链启用密钥")
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        BULK_UPDATE = "bulk_update", _("批量更新")
        VOTE_CAST = "vote_cast", _("投票")
        API_TOKEN = "api_token", _("接口令牌认证")
        API_TOKEN_CHANGE = "api_token_change", _("接口令牌变更")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        DENIED = "denied", _("拒绝")

    # Assigned by services.audit under the chain lock, so gaps are detectable.
    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    # Plain values, not foreign keys: deleting a user must not rewrite (and so break) the chain.
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True)
    # The post (tenure title) the actor acted in, or the system actor's label.
    actor_post = models.CharField(_("职务"), max_length=200, blank=True)
    ip = models.CharField(_("IP 地址"), max_length=45, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices, db_index=True)
    outcome = models.CharField(
        _("结果"), max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    org_path = models.CharField(_("组织路径"), max_length=255, blank=True, db_index=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The chain key that signed this entry ("" = written before the chain was keyed).
    key_id = models.CharField(_("密钥编号"), max_length=16, blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        permissions = [("export_auditentry", _("导出审计日志"))]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.id} {self.get_action_display()} {self.actor_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def chained_payload(self) -> dict:
        return {
            "id": self.id,
            "at": self.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "actor_name": self.actor_name,
            "ip": self.ip,
            "request_id": self.request_id,
            "action": self.action,
            "outcome": self.outcome,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "org_path": self.org_path,
            "details": self.details,
        }

    def compute_hash(self) -> str:
        """The entry's MAC under its key (KeyError: a key id this installation does not
        hold); an entry without a key id has the plain SHA-256 of the unkeyed chain."""
        payload = self.chained_payload()
        if self.key_id:
            payload.update(actor_post=self.actor_post, key_id=self.key_id)
        body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        if not self.key_id:
            return hashlib.sha256(f"{self.prev_hash}|{body}".encode()).hexdigest()
        from security.keys import chain_keys

        return chain_keys().mac(self.key_id, f"{self.prev_hash}|{body}")


class AuditChainHead(models.Model):
    """One row: the last entry's id and hash. Locking it serialises appends to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The first keyed entry (0: the chain has not been keyed yet). Only a shortcut for
    # `audit()`: verification trusts the keyed `chain_rekey` entry, never this column.
    keyed_from = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计链头")
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.last_id}"


class AdminRole(models.TextChoices):
    """三员分立: three administrative roles with disjoint powers (see security/roles.py)."""

    SYSTEM = "system", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDIT = "audit", _("审计管理员")


class AdminRoleAssignment(models.Model):
    """At most one administrative role per account (the one-to-one is the DB constraint)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="admin_role",
    )
    role = models.CharField(_("管理角色"), max_length=16, choices=AdminRole.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授予人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    # Who held which role when: shown on the security administrator's page (a revoked role's
    # row is deleted; its history row stays).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("管理角色")
        verbose_name_plural = _("管理角色(三员分立)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in AdminRole]),
                name="admin_role_known_value",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    def save(self, *args, **kwargs):
        self.full_clean()
        super().save(*args, **kwargs)
        if not self.user.is_staff:
            # The administrative roles work in the admin site.
            self.user.is_staff = True
            self.user.save(update_fields=["is_staff"])

    def clean(self):
        if self.user_id is None:
            return
        other = AdminRoleAssignment.objects.filter(user_id=self.user_id).exclude(pk=self.pk)
        if other.exists():
            raise ValidationError(
                {"user": _("该账号已担任其他管理角色;三员分立要求一个账号只能担任一种管理角色。")}
            )
        if self.user.is_superuser:
            raise ValidationError({"user": _("超级管理员账号仅用于应急,不能再担任管理角色。")})
        if self._state.adding and has_business_access(self.user):
            raise ValidationError(
                {
                    "user": _(
                        "该账号有业务权限(在任职务或业务授权);"
                        "管理员账号不得处理业务数据,请使用专用账号。"
                    )
                }
            )
        request = current_request()
        granter = getattr(request, "user", None) if request is not None else None
        granter_id = self.assigned_by_id or (
            granter.pk if granter is not None and granter.is_authenticated else None
        )
        if granter_id is not None and granter_id == self.user_id:
            raise ValidationError({"user": _("不能给自己授予管理角色。")})


class PasswordState(models.Model):
    """Password policy state kept beside the auth user (no custom user model needed)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="password_state",
    )
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("密码状态")
        verbose_name_plural = _("密码状态")

    def __str__(self) -> str:
        return str(self.user)


class ScopeGrant(models.Model):
    """A capability over an organisation's subtree, given by the security administrator.

    Tenures give most grants (responsibilities/scoping.py); this covers staff without a post in
    the tree (e.g. an office clerk who keeps the ledgers of a discipline body). Active while not
    revoked and not expired; revoked rows stay as the history. An account holding one of the
    three administrative roles, or a superuser, gets no business grant (三员分立).
    """

    class Capability(models.TextChoices):
        # Values are responsibilities.scoping.Capability's.
        VIEW = "view", _("查看")
        MANAGE = "manage", _("管理")
        SUPERVISE = "supervise", _("监督(纪检监察)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="scope_grants",
    )
    capability = models.CharField(_("权限"), max_length=16, choices=Capability.choices)
    org = models.ForeignKey(
        "responsibilities.Organization",
        verbose_name=_("范围(单位及下级)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("授权依据"), max_length=200)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授予人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("收回时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("收回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="scopegrant_user_active")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_capability_display()} · {self.org}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_on is None or self.expires_on >= timezone.localdate()
        )


def active_grants_q(today: datetime.date | None = None) -> models.Q:
    """Grants neither revoked nor expired on `today`."""
    today = today or timezone.localdate()
    return models.Q(revoked_at__isnull=True) & (
        models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=today)
    )


def has_business_access(user) -> bool:
    """A current post in the tree, or an active business grant."""
    posts = Tenure.objects.current().filter(person__user=user, person__is_active=True)
    return posts.exists() or user.scope_grants.filter(active_grants_q()).exists()


class RecoveryCode(models.Model):
    """One-time codes that stand in for the TOTP token when the phone is lost.

    Only a keyed hash is stored (services.recovery_code_hash); the codes are shown once, when
    generated. Used codes stay (with the time of use) until the set is regenerated.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user} #{self.pk}"


class AdminAccountRequest(models.Model):
    """A change to an administrator's account (the three roles and superusers): four-eyes.

    The security administrator (or, for the security administrator's own account, a
    superuser) asks; a different administrator confirms; only then does it take effect
    (security/admins.py). A password reset never sets a value: it issues a one-time link sent
    to the account's own e-mail address. The affected administrator is told at next login.
    """

    class Kind(models.TextChoices):
        RESET_PASSWORD = "reset_password", _("重置密码")
        DEACTIVATE = "deactivate", _("停用账号")
        REACTIVATE = "reactivate", _("启用账号")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        DONE = "done", _("已确认生效")
        CANCELLED = "cancelled", _("已撤销")

    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("管理员账号"),
        on_delete=models.CASCADE,
        related_name="admin_account_requests",
    )
    kind = models.CharField(_("操作"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    # Password resets: a keyed hash of the one-time link's token, its expiry and its use.
    token_hash = models.CharField(max_length=64, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)
    # When the affected administrator was shown the change (at the next login).
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("管理员账号变更")
        verbose_name_plural = _("管理员账号变更")
        ordering = ["-requested_at", "-pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.target} · {self.get_kind_display()} · {self.get_status_display()}"


class ApiToken(models.Model):
    """A bearer token for the REST API (security/tokens.py issues, checks and revokes them).

    Only the SHA-256 of the secret is stored (the secret is high-entropy, so a plain hash is
    enough; it is shown once, when issued). A personal token acts as its person. A service
    account is a dedicated account without password, bound to an organisation subtree (the
    scoping kit's grant, `scope` over `org`) and a set of write capabilities (liangge_zeren.api):
    it may read in its subtree and write only what both its capabilities and the kit allow.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("个人令牌")
        SERVICE = "service", _("服务账号")

    class Scope(models.TextChoices):
        VIEW = "view", _("查看")
        SUPERVISE = "supervise", _("监督(纪检监察)")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    prefix = models.CharField(_("令牌前缀"), max_length=16)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    org = models.ForeignKey(
        "responsibilities.Organization",
        verbose_name=_("授权范围(组织)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.CharField(_("范围权限"), max_length=10, choices=Scope.choices, blank=True)
    capabilities = models.JSONField(_("写入能力"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    # When its use was last written to the audit log (at most once per window: tokens.py).
    last_audited_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吊销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoke_reason = models.CharField(_("吊销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_api_tokens", _("管理接口服务账号"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    # --- what liangge_zeren.api asks of `request.auth` ---------------------------------------

    @property
    def throttle_key(self) -> str:
        return str(self.pk)

    def allows(self, capability: str | None, write: bool) -> bool:
        """Personal tokens: whatever the person may do. Service accounts: read, and the writes
        named in `capabilities` (the scoping kit still decides each row)."""
        if self.kind == self.Kind.PERSONAL or not write:
            return True
        return capability is not None and capability in (self.capabilities or [])
