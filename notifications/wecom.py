"""企业微信 / 政务微信 application messages: gettoken + message/send.

The vendor's API (developer.work.weixin.qq.com, documents 91039 and 90236):

    GET  {base}/cgi-bin/gettoken?corpid=ID&corpsecret=SECRET
         → {"errcode": 0, "errmsg": "ok", "access_token": "…", "expires_in": 7200}
    POST {base}/cgi-bin/message/send?access_token=TOKEN
         {"touser": "userid", "msgtype": "textcard", "agentid": 1000002,
          "textcard": {"title": …, "description": …, "url": …, "btntxt": "详情"},
          "enable_duplicate_check": 1, "duplicate_check_interval": 14400}
         → {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "…"}

政务微信 deployments serve the same interface at their own address (WECOM_API_BASE).

The token is cached (Django's cache, for `expires_in` less a margin) and fetched again when
it runs out or when message/send says it is invalid or expired (40014, 42001, 41001) — the
vendor may revoke a token early. With `enable_duplicate_check` the vendor drops a request
identical to one it took within `duplicate_check_interval` (at most 4 hours), so a send whose
outcome is unknown (worker killed, time-out) is repeated safely within that window.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from notifications import webapi
from notifications.channels import Channel, Message, NotDelivered, Refused, Uncertain

TOKEN_ERRORS = {40014, 42001, 41001}  # invalid, expired, missing access_token
BUSY_ERRORS = {-1, 45009, 45033}  # system busy, rate limit, too many concurrent calls
TOKEN_MARGIN_SECONDS = 300
MAX_DUPLICATE_CHECK_SECONDS = 4 * 3600


def truncate_bytes(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes without splitting a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


class WeComChannel(Channel):
    name = "wecom"
    address_field: ClassVar[str] = "wecom_userid"

    def __init__(self) -> None:
        config: dict[str, Any] = settings.WECOM
        self.base = config["API_BASE"].rstrip("/")
        self.corp_id = config["CORP_ID"]
        self.agent_id = int(config["AGENT_ID"])
        self.secret = config["SECRET"]
        self.label = config.get("LABEL") or _("企业微信")
        self.dedup_seconds = min(
            int(config.get("DUPLICATE_CHECK_SECONDS", 0)), MAX_DUPLICATE_CHECK_SECONDS
        )

    # --- the access token ------------------------------------------------------------------

    def _cache_key(self) -> str:
        return f"notifications:wecom-token:{self.base}:{self.corp_id}:{self.agent_id}"

    def _fetch_token(self) -> str:
        query = urllib.parse.urlencode({"corpid": self.corp_id, "corpsecret": self.secret})
        data = webapi.request("GET", f"{self.base}/cgi-bin/gettoken?{query}").json()
        code = data.get("errcode", 0)
        if code in BUSY_ERRORS:
            raise NotDelivered(f"gettoken errcode {code}")
        if code != 0 or not data.get("access_token"):
            raise Refused(f"gettoken errcode {code}: {data.get('errmsg', '')}")
        expires = int(data.get("expires_in", 7200))
        cache.set(self._cache_key(), data["access_token"], max(60, expires - TOKEN_MARGIN_SECONDS))
        return str(data["access_token"])

    def access_token(self, *, fresh: bool = False) -> str:
        if not fresh:
            token = cache.get(self._cache_key())
            if token:
                return str(token)
        return self._fetch_token()

    # --- message/send ----------------------------------------------------------------------

    def payload(self, message: Message, address: str) -> dict[str, Any]:
        """The request body: the same bytes on every attempt (the duplicate check needs it)."""
        body: dict[str, Any] = {
            "touser": address,
            "msgtype": "textcard",
            "agentid": self.agent_id,
            "textcard": {
                "title": truncate_bytes(message.title, 128),
                "description": truncate_bytes(
                    _("%(level)s · 请点击查看详情") % {"level": message.level_label}, 512
                ),
                "url": message.url,
                "btntxt": _("详情"),
            },
        }
        if self.dedup_seconds:
            body["enable_duplicate_check"] = 1
            body["duplicate_check_interval"] = self.dedup_seconds
        return body

    def _post(self, payload: dict[str, Any], token: str) -> dict[str, Any]:
        url = f"{self.base}/cgi-bin/message/send?" + urllib.parse.urlencode({"access_token": token})
        return webapi.post_json(url, payload).json()

    def send(self, message: Message, address: str) -> str:
        payload = self.payload(message, address)
        data = self._post(payload, self.access_token())
        if data.get("errcode") in TOKEN_ERRORS:
            # Revoked or expired early: the vendor did not take the message; fetch a new token.
            data = self._post(payload, self.access_token(fresh=True))
        return self._outcome(data, address)

    @staticmethod
    def _outcome(data: dict[str, Any], address: str) -> str:
        code = data.get("errcode")
        if code is None:
            raise Uncertain("message/send answered without errcode")
        if code in BUSY_ERRORS or code in TOKEN_ERRORS:
            raise NotDelivered(f"errcode {code}: {data.get('errmsg', '')}")
        if code != 0:
            raise Refused(f"errcode {code}: {data.get('errmsg', '')}")
        invalid = {u for u in str(data.get("invaliduser") or "").lower().split("|") if u}
        if address.lower() in invalid:
            raise Refused(f"invaliduser {address}")
        return str(data.get("msgid") or "")
