"""Delivery channels. The inbox is always written; others are configured by dotted path.

settings.NOTIFICATION_CHANNELS maps a channel name to a class path, e.g.

    NOTIFICATION_CHANNELS = {
        "email": "notifications.channels.EmailChannel",
        "sms": "myorg.gateways.SmsGatewayChannel",   # a government-messenger gateway
    }

A channel class has a `name` and `send(notification, user) -> None` (raise on failure).
E-mail goes to every user with an address and e-mail on in their preferences; other channels
only to users who listed them in `NotificationPreference.channels`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

DEFAULT_CHANNELS = {"email": "notifications.channels.EmailChannel"}


class Channel:
    name = "base"

    def wants(self, user, preference) -> bool:
        """Whether this user receives this channel (preference may be None: defaults)."""
        return bool(preference and self.name in (preference.channels or []))

    def send(self, notification, user) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def wants(self, user, preference) -> bool:
        if not user.email:
            return False
        if preference is None:
            return True
        return preference.email_enabled and not preference.daily_digest

    def send(self, notification, user) -> None:
        link = notification.link
        if link and getattr(settings, "SITE_URL", ""):
            link = settings.SITE_URL.rstrip("/") + link
        body = notification.body + (f"\n\n{link}" if link else "")
        send_mail(notification.title, body, None, [user.email])


class LogGatewayChannel(Channel):
    """A stand-in SMS / messenger gateway: writes the message to the log (for trials)."""

    name = "log"

    def send(self, notification, user) -> None:
        log.info("gateway message to %s: %s", user.get_username(), notification.title)


def configured_channels() -> list[Channel]:
    paths = getattr(settings, "NOTIFICATION_CHANNELS", DEFAULT_CHANNELS)
    channels = []
    for name, path in paths.items():
        channel = import_string(path)()
        channel.name = name
        channels.append(channel)
    return channels
