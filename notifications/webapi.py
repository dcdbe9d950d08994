"""One HTTP request for the vendor channels, with failures sorted by what they prove.

The standard library's urllib (no extra dependency; it honours HTTPS_PROXY / NO_PROXY from
the environment, which closed networks often need). `urlopen` wraps every error raised while
connecting and writing the request in `URLError`, and lets errors raised while waiting for
the answer through unwrapped — exactly the line between "the vendor never got it" and "the
vendor may have acted on it".

Error texts never contain the URL: its query string carries access tokens and signatures.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from notifications.channels import NotDelivered, Refused, Uncertain

# Answers that say the request was turned away before any work was done.
RETRY_LATER = {429, 503}


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; a vendor answering something else is a vendor fault."""
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Uncertain(f"HTTP {self.status}: the answer is not JSON") from exc
        if not isinstance(data, dict):
            raise Uncertain(f"HTTP {self.status}: the answer is not a JSON object")
        return data


def timeout() -> float:
    return float(getattr(settings, "NOTIFY_DELIVERY", {}).get("HTTP_TIMEOUT", 10))


def _http_error(exc: urllib.error.HTTPError) -> Exception:
    if exc.code in RETRY_LATER:
        return NotDelivered(f"HTTP {exc.code}")
    if exc.code >= 500:
        return Uncertain(f"HTTP {exc.code}")
    return Refused(f"HTTP {exc.code}")


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Send one request; return a 2xx answer or raise NotDelivered / Refused / Uncertain."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout()) as answer:
            return Response(status=answer.status, body=answer.read())
    except urllib.error.HTTPError as exc:
        raise _http_error(exc) from None
    except urllib.error.URLError as exc:
        # Raised while connecting or writing: the request never reached the vendor whole.
        raise NotDelivered(f"{type(exc.reason).__name__}: {exc.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # Raised while waiting for or reading the answer: the vendor may have acted on it.
        raise Uncertain(f"{type(exc).__name__}: {exc}") from None


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """POST a JSON object as UTF-8 (both vendors require UTF-8)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return request(
        "POST",
        url,
        body=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
