"""Delivery channels besides the inbox (which is always written).

settings.NOTIFICATION_CHANNELS maps a channel name to a class path; settings.py fills it from
the environment (NOTIFY_WECOM, NOTIFY_DINGTALK, NOTIFY_SMS, …, see the README):

    NOTIFICATION_CHANNELS = {
        "email": "notifications.channels.EmailChannel",
        "wecom": "notifications.wecom.WeComChannel",
    }

A channel turns a `Message` (a short title and a link, never a message body: the page the
link opens decides what the person may see) into one vendor request for one address, and
says how it went by returning (sent) or raising one of three errors:

* `NotDelivered` — the vendor certainly did not take it (connection refused, rate limit,
  "system busy"): the outbox tries again later, with exponential backoff;
* `Refused` — it never will (unknown user, bad configuration): recorded as failed;
* `Uncertain` — it may have arrived (time-out after the request was written, a 5xx): tried
  again only when the vendor drops identical requests within `dedup_seconds` (WeCom's
  duplicate check), otherwise recorded as "result unknown" so nobody gets it twice.

Channels are called only by `notifications.outbox.hand_over` — the one place a message is
handed to a channel.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.core.mail import send_mail
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

DEFAULT_CHANNELS = {"email": "notifications.channels.EmailChannel"}


@dataclass(frozen=True)
class Message:
    """What leaves the system: a short title, a link, and a stable reference.

    `ref` is the same for every attempt at one dispatch, so a vendor (or gateway) that
    de-duplicates on it drops a repeat; `lines` is used by the e-mail digest only."""

    title: str
    url: str
    ref: str
    level_label: str = ""
    lines: tuple[str, ...] = ()


class DeliveryError(Exception):
    """Base of the three outcomes a channel may raise."""


class NotDelivered(DeliveryError):
    """The vendor certainly did not take the message: safe to try again."""


class Refused(DeliveryError):
    """The vendor refused the message for good: trying again cannot help."""


class Uncertain(DeliveryError):
    """The message may have been delivered: repeat only where the vendor de-duplicates."""


def chosen_channels(preference: Any) -> list[str]:
    """The extra channels a person chose, or the deployment's defaults if they never chose."""
    if preference is None or preference.channels is None:
        return list(getattr(settings, "NOTIFY_DEFAULT_CHANNELS", []))
    return list(preference.channels)


class Channel:
    """A delivery channel. Subclasses set `name`, `label` and implement `address`/`send`."""

    name: str = "base"
    label: str | Promise = "base"
    # Posts where other people read along (a group robot): the text leaves out the title.
    shared: ClassVar[bool] = False
    # The vendor drops a byte-identical request within this many seconds (0: it does not).
    dedup_seconds: int = 0
    # Which preference field holds this channel's address (shown on the preference page).
    address_field: ClassVar[str] = ""

    def address(self, user: Any, preference: Any) -> str:
        """Where to send for this user ("" = no address: the channel cannot reach them)."""
        if preference is None or not self.address_field:
            return ""
        return str(getattr(preference, self.address_field, "") or "").strip()

    def wants(self, user: Any, preference: Any) -> bool:
        """Whether this user receives this channel (preference may be None: the defaults)."""
        return self.name in chosen_channels(preference) and bool(self.address(user, preference))

    def send(self, message: Message, address: str) -> str:  # pragma: no cover - interface
        """Send; return the vendor's message id (or ""); raise a `DeliveryError` subclass."""
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"
    label = _("邮件")

    def address(self, user: Any, preference: Any) -> str:
        return (user.email or "").strip()

    def wants(self, user: Any, preference: Any) -> bool:
        if not self.address(user, preference):
            return False
        if preference is None:
            return True
        return preference.email_enabled and not preference.daily_digest

    def send(self, message: Message, address: str) -> str:
        body = "\n".join([message.title, "", *message.lines, "", message.url]).strip()
        try:
            send_mail(message.title, body, None, [address])
        except smtplib.SMTPRecipientsRefused as exc:
            raise Refused(str(exc)) from exc
        except (ConnectionRefusedError, socket.gaierror, smtplib.SMTPConnectError) as exc:
            raise NotDelivered(str(exc)) from exc
        except OSError as exc:
            # The server may have taken the message before the connection broke.
            raise Uncertain(str(exc)) from exc
        return ""


class LogGatewayChannel(Channel):
    """A stand-in gateway: writes the message to the log (for trials; NOTIFY_LOG_GATEWAY=1)."""

    name = "log"
    label = _("日志(试用)")

    def address(self, user: Any, preference: Any) -> str:
        return str(user.get_username())

    def send(self, message: Message, address: str) -> str:
        log.info("gateway message to %s: %s %s", address, message.title, message.url)
        return ""


def _instantiate(name: str, path: str) -> Channel:
    channel: Channel = import_string(path)()
    channel.name = name
    return channel


def configured_channels() -> list[Channel]:
    paths = getattr(settings, "NOTIFICATION_CHANNELS", DEFAULT_CHANNELS)
    return [_instantiate(name, path) for name, path in paths.items()]


def channel_named(name: str) -> Channel | None:
    """The configured channel of that name (None when the deployment switched it off)."""
    path = getattr(settings, "NOTIFICATION_CHANNELS", DEFAULT_CHANNELS).get(name)
    return _instantiate(name, path) if path else None
