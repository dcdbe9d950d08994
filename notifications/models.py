"""Inbox, exactly-once delivery keys, preferences and supervision notices.

A base app: it knows users, content types and copied org paths, never a domain model.
Domain apps hand it `Reminder`s (notifications/services.py); the unique key of `Delivery`
(recipient, object, kind, threshold) is claimed in the same transaction that writes the
inbox row, so a re-run, a retry or a second worker never sends the same reminder twice.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    INFO = "info", _("提示")
    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("红色预警")
    ESCALATION = "escalation", _("督办")


class Delivery(models.Model):
    """The claim of one reminder: inserted once, before anything is sent (never deleted)."""

    # No index of their own (issue 19): the unique key below leads with the recipient, and a
    # content type is deleted only when its model is removed (a scan then is acceptable);
    # every claim of 100,000 reminders paid for the upkeep of both.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("类型"), max_length=64)
    threshold = models.CharField(_("阈值"), max_length=64)
    job = models.CharField(_("任务"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒投递")
        verbose_name_plural = _("提醒投递")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "content_type", "object_id", "kind", "threshold"],
                name="delivery_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.threshold}→{self.recipient_id}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def in_group_of(self, notification: "Notification") -> "NotificationQuerySet":
        """The messages of the notification's inbox group (itself when it has none)."""
        mine = self.filter(recipient_id=notification.recipient_id)
        if notification.group:
            return mine.filter(group=notification.group)
        return mine.filter(pk=notification.pk)


class Notification(models.Model):
    """One inbox message (the in-app channel, always delivered)."""

    # Not indexed alone: both indexes below lead with it (as Delivery's recipient and content
    # type, and org_path, which no query filters on).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
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
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    org_path = models.CharField(max_length=255, blank=True, editable=False)
    # Messages of one recipient with the same group are one digest line in the inbox (the
    # group is the line's title, e.g. "【督办】10. 开展…" for that item's escalations from
    # every unit); blank = a line of its own.
    group = models.CharField(_("归组"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "group"], name="notification_group"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Per-user channels, addresses and quiet hours.

    With the daily digest on, e-mail comes once a day, not per reminder. During quiet hours
    external messages are held (never dropped) and go out when the quiet period ends; the
    inbox is always written at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("邮件提醒"), default=True)
    # Names of extra channels (settings.NOTIFICATION_CHANNELS) the user wants, e.g. ["sms"];
    # None until the person chooses: then the deployment's NOTIFY_DEFAULT_CHANNELS apply (an
    # administrator may fill in addresses without making the choice for them).
    channels = models.JSONField(_("其他渠道"), null=True, blank=True, default=None)
    daily_digest = models.BooleanField(_("每日汇总"), default=False)
    mobile = models.CharField(
        _("手机号"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(r"^1[3-9]\d{9}$", _("请输入 11 位手机号码, 例如 13800000000。"))
        ],
    )
    wecom_userid = models.CharField(
        _("企业微信/政务微信账号"),
        max_length=64,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_.@-]{1,64}$", _("账号只能包含字母、数字和 _ . @ -, 最长 64 位。")
            )
        ],
    )
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What the person (or an administrator for them) sets: the preference page's fields.
    PERSONAL_FIELDS = (
        "email_enabled",
        "daily_digest",
        "channels",
        "mobile",
        "wecom_userid",
        "quiet_start",
        "quiet_end",
    )

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self) -> str:
        return str(self.user)

    def quiet_until(self, moment: datetime.datetime) -> datetime.datetime | None:
        """The end of the quiet period `moment` falls in (None: not quiet then).

        Local time (TIME_ZONE); a period whose start is after its end spans midnight."""
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return None
        local = timezone.localtime(moment)
        now = local.time()
        if start < end:
            quiet, end_day = start <= now < end, local.date()
        else:
            quiet = now >= start or now < end
            end_day = local.date() + datetime.timedelta(days=1 if now >= start else 0)
        if not quiet:
            return None
        return timezone.make_aware(datetime.datetime.combine(end_day, end))


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


class Dispatch(models.Model):
    """One message to one person on one external channel: the outbox row and its record.

    Written in the transaction that stores the inbox message, sent by its own Celery task
    (notifications.tasks.send_dispatch) through `notifications.outbox`. The state moves
    pending → sending (a conditional UPDATE: one process per attempt) → sent / failed /
    unknown; held while the person's quiet hours last; withheld when the person may no
    longer see what it is about; cancelled when they switched the channel off meanwhile.
    """

    class State(models.TextChoices):
        HELD = "held", _("免打扰暂存")
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        UNKNOWN = "unknown", _("结果未知")
        WITHHELD = "withheld", _("未发送(无权查看)")
        CANCELLED = "cancelled", _("已取消")

    OPEN = (State.HELD, State.PENDING, State.SENDING)

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=32)
    notification = models.ForeignKey(
        Notification,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dispatches",
    )
    # The e-mail digest of that day (no notification of its own).
    digest_day = models.DateField(_("汇总日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    not_before = models.DateTimeField(_("最早发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    first_attempt_at = models.DateTimeField(_("首次尝试"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    vendor_ref = models.CharField(_("对方消息编号"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("外部发送")
        verbose_name_plural = _("外部发送")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(notification__isnull=False),
                name="dispatch_once_per_notification",
            ),
            models.UniqueConstraint(
                fields=["recipient", "channel", "digest_day"],
                condition=models.Q(digest_day__isnull=False),
                name="dispatch_once_per_digest",
            ),
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False) | models.Q(digest_day__isnull=False),
                name="dispatch_is_about_something",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "not_before"], name="dispatch_due"),
            models.Index(fields=["recipient", "created_at"], name="dispatch_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}→{self.recipient_id}: {self.state}"
