"""钉钉 / 浙政钉 group robots (custom robot webhooks), signed as the vendor documents.

    POST {webhook}&timestamp=MS&sign=SIGN      (webhook = …/robot/send?access_token=…)
         {"msgtype": "markdown",
          "markdown": {"title": …, "text": "… @13800000000 …"},
          "at": {"atMobiles": ["13800000000"], "isAtAll": false}}
         → {"errcode": 0, "errmsg": "ok"}

    SIGN = urlencode(base64(HMAC-SHA256(key=secret, msg=MS + "\\n" + secret)))

MS is the current time in milliseconds; the vendor refuses a timestamp more than an hour
off. A robot posts to a group chat that other people read, so the text names the kind of
message and @-mentions the person by mobile number — never the title (the link opens the
page, which decides what the person may see). The robots keep no idempotency key: a send
whose outcome is unknown is not repeated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any, ClassVar

from django.conf import settings
from django.utils.translation import gettext as _

from notifications import webapi
from notifications.channels import Channel, Message, NotDelivered, Refused, Uncertain

THROTTLED = {130101, 410100}  # "send too fast": at most 20 messages a minute per robot


def sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` query parameter, already URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return webhook  # a robot secured by keyword or IP list only
    glue = "&" if "?" in webhook else "?"
    return f"{webhook}{glue}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


class DingTalkRobotChannel(Channel):
    name = "dingtalk"
    shared: ClassVar[bool] = True
    address_field: ClassVar[str] = "mobile"

    def __init__(self) -> None:
        config: dict[str, Any] = settings.DINGTALK
        self.webhook = config["WEBHOOK"]
        self.secret = config.get("SECRET", "")
        self.keyword = config.get("KEYWORD", "")
        self.label = config.get("LABEL") or _("钉钉")

    def payload(self, message: Message, address: str) -> dict[str, Any]:
        heading = self.keyword or _("两个责任")
        line = _("@%(mobile)s 您有一条新的%(level)s消息, [请点击查看](%(url)s)") % {
            "mobile": address,
            "level": message.level_label,
            "url": message.url,
        }
        text = f"#### {heading}\n\n{line}"
        return {
            "msgtype": "markdown",
            "markdown": {"title": heading, "text": text},
            "at": {"atMobiles": [address], "isAtAll": False},
        }

    def send(self, message: Message, address: str) -> str:
        url = signed_url(self.webhook, self.secret, int(time.time() * 1000))
        data = webapi.post_json(url, self.payload(message, address)).json()
        code = data.get("errcode")
        if code is None:
            raise Uncertain("robot/send answered without errcode")
        if code in THROTTLED:
            raise NotDelivered(f"errcode {code}: {data.get('errmsg', '')}")
        if code != 0:
            raise Refused(f"errcode {code}: {data.get('errmsg', '')}")
        return ""
