"""Inbox, exactly-once delivery keys, preferences and supervision notices.

A base app: it knows users, content types and copied org paths, never a domain model.
Domain apps hand it `Reminder`s (notifications/services.py); the unique key of `Delivery`
(recipient, object, kind, threshold) is claimed in the same transaction that writes the
inbox row, so a re-run, a retry or a second worker never sends the same reminder twice.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    INFO = "info", _("提示")
    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("红色预警")
    ESCALATION = "escalation", _("督办")


class Delivery(models.Model):
    """The claim of one reminder: inserted once, before anything is sent (never deleted)."""

    class External(models.TextChoices):
        NONE = "none", _("无需外部发送")
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("类型"), max_length=64)
    threshold = models.CharField(_("阈值"), max_length=64)
    job = models.CharField(_("任务"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)
    external_state = models.CharField(
        _("外部渠道"), max_length=16, choices=External.choices, default=External.NONE
    )
    external_channels = models.JSONField(_("外部渠道结果"), default=dict, blank=True)
    external_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("提醒投递")
        verbose_name_plural = _("提醒投递")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "content_type", "object_id", "kind", "threshold"],
                name="delivery_once_per_key",
            )
        ]
        indexes = [models.Index(fields=["external_state"], name="delivery_external")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.threshold}→{self.recipient_id}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One inbox message (the in-app channel, always delivered)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.PROTECT, related_name="notification"
    )
    kind = models.CharField(_("类型"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    org_path = models.CharField(max_length=255, db_index=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Per-user channels; with the daily digest on, e-mail comes once a day, not per reminder."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("邮件提醒"), default=True)
    # Names of extra channels (settings.NOTIFICATION_CHANNELS) the user wants, e.g. ["sms"].
    channels = models.JSONField(_("其他渠道"), default=list, blank=True)
    daily_digest = models.BooleanField(_("每日汇总"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self) -> str:
        return str(self.user)


class SupervisionNotice(models.Model):
    """督办单: generated once per escalation key, addressed to the superior's post holder."""

    number = models.CharField(_("督办编号"), max_length=40, unique=True)
    delivery = models.OneToOneField(
        Delivery, on_delete=models.PROTECT, related_name="supervision_notice"
    )
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    # The overdue unit (what is supervised) and the superior unit (who supervises).
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    superior_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("督办事项"))
    overdue_days = models.PositiveIntegerField(_("逾期天数"))
    issued_on = models.DateField(_("督办日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return self.number
