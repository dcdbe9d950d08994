"""SMS through the deployment's own HTTP gateway (every province has a different one).

Configured by environment (settings.SMS_GATEWAY, see the README): the URL, the method, an
optional auth header ("Name: value") and a body template in `string.Template` syntax with
three placeholders:

    ${mobile}       the person's mobile number
    ${text}         the message: a short title and a link
    ${message_id}   the same for every attempt at one message ("lz-<id>"), for gateways
                    that drop repeats (then set SMS_GATEWAY_DEDUP_SECONDS)

Values are escaped for the request's content type (JSON string, form field, XML text); with
GET the template is the query string. A 2xx answer is success unless SMS_GATEWAY_SUCCESS
("field=value", a dotted path into a JSON answer) says otherwise.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from string import Template
from typing import Any, ClassVar
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.utils.translation import gettext as _

from notifications import webapi
from notifications.channels import Channel, Message, NotDelivered

PLACEHOLDERS = frozenset({"mobile", "text", "message_id"})
SMS_TITLE_CHARS = 40


def _escaper(method: str, content_type: str) -> Callable[[str], str]:
    if method == "GET" or "x-www-form-urlencoded" in content_type:
        return urllib.parse.quote_plus
    if "json" in content_type:
        return lambda value: json.dumps(value, ensure_ascii=False)[1:-1]
    if "xml" in content_type:
        return xml_escape
    return lambda value: value


def render(template: str, values: dict[str, str], method: str, content_type: str) -> str:
    escape = _escaper(method, content_type)
    return Template(template).substitute({k: escape(v) for k, v in values.items()})


def _field(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


class SmsGatewayChannel(Channel):
    name = "sms"
    address_field: ClassVar[str] = "mobile"

    def __init__(self) -> None:
        config: dict[str, Any] = settings.SMS_GATEWAY
        self.url = config["URL"]
        self.method = config.get("METHOD", "POST").upper()
        self.content_type = config.get("CONTENT_TYPE", "application/json")
        self.body = config["BODY"]
        self.auth_header: tuple[str, str] | None = config.get("AUTH_HEADER")
        self.success: tuple[str, str] | None = config.get("SUCCESS")
        self.dedup_seconds = int(config.get("DEDUP_SECONDS", 0))
        self.label = config.get("LABEL") or _("短信")

    def text(self, message: Message) -> str:
        title = message.title
        if len(title) > SMS_TITLE_CHARS:
            title = title[: SMS_TITLE_CHARS - 1] + "…"
        return f"{title} {message.url}"

    def build(self, message: Message, address: str) -> tuple[str, bytes | None, dict[str, str]]:
        """(url, body, headers) of the gateway request."""
        values = {"mobile": address, "text": self.text(message), "message_id": message.ref}
        rendered = render(self.body, values, self.method, self.content_type)
        headers = dict([self.auth_header]) if self.auth_header else {}
        if self.method == "GET":
            glue = "&" if "?" in self.url else "?"
            return f"{self.url}{glue}{rendered}", None, headers
        headers["Content-Type"] = self.content_type
        return self.url, rendered.encode("utf-8"), headers

    def send(self, message: Message, address: str) -> str:
        url, body, headers = self.build(message, address)
        answer = webapi.request(self.method, url, body=body, headers=headers)
        if self.success is None:
            return ""
        path, expected = self.success
        got = _field(answer.json(), path)
        if str(got) != expected:
            # The gateway answered and said no: nothing went out, so trying later is safe.
            raise NotDelivered(f"{path}={got!r}: {answer.body[:200].decode('utf-8', 'replace')}")
        return ""
