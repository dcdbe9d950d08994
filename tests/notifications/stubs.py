"""Local stand-ins for the vendors' HTTP APIs: threads on 127.0.0.1, never the internet.

Each stub checks a request the way the vendor's published API does (URL, token, signature,
body) and answers the way the vendor does, including its error codes:

* `WeComStub` — 企业微信 / 政务微信: `GET /cgi-bin/gettoken?corpid&corpsecret`, then
  `POST /cgi-bin/message/send?access_token=` with a textcard; tokens can be revoked early
  (the vendor answers 42001 / 40014), and `enable_duplicate_check` drops a request whose
  JSON equals one taken within `duplicate_check_interval` — as the vendor documents.
* `DingTalkStub` — a custom robot: `POST /robot/send?access_token&timestamp&sign`, the sign
  being base64(HMAC-SHA256(secret, timestamp + "\\n" + secret)), URL-encoded; timestamps more
  than an hour off are refused; a robot with a keyword refuses text without it.
* `SmsStub` — a deployment's HTTP SMS gateway with a fixed contract (method, path, bearer
  token, JSON fields), which it checks field by field.

Everything a stub receives is in `stub.requests`; what reached a person in `stub.delivered`.
`stub.script` holds canned answers to give first (e.g. "busy" twice), `stub.hang` makes the
next message request wait (a worker can be killed while it waits).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int = 200
    payload: Any = None


class Stub:
    """A tiny HTTP server in a thread; subclasses implement `answer(request) -> Answer`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.delivered: list[dict[str, Any]] = []
        self.script: list[Answer] = []
        self.hang = 0.0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with stub.lock:
                    stub.requests.append(request)
                answer = stub.answer(request)
                body = json.dumps(answer.payload, ensure_ascii=False).encode("utf-8")
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Stub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def scripted(self) -> Answer | None:
        with self.lock:
            return self.script.pop(0) if self.script else None

    def wait_if_hanging(self) -> None:
        if self.hang:
            delay, self.hang = self.hang, 0.0
            time.sleep(delay)

    def answer(self, request: Request) -> Answer:  # pragma: no cover - interface
        raise NotImplementedError


def errcode(code: int, message: str) -> Answer:
    return Answer(200, {"errcode": code, "errmsg": message})


# --- 企业微信 / 政务微信 -----------------------------------------------------------------------


@dataclass
class WeComConfig:
    corp_id: str = "ww-test-corp"
    secret: str = "wecom-app-secret"
    agent_id: int = 1000002
    users: set[str] = field(default_factory=lambda: {"zhangsan", "lisi"})


class WeComStub(Stub):
    def __init__(self, config: WeComConfig | None = None) -> None:
        super().__init__()
        self.config = config or WeComConfig()
        self.tokens: dict[str, float] = {}  # token → expiry (monotonic)
        self.seen: dict[str, tuple[float, str]] = {}  # request JSON → (time, msgid)
        self.issued = 0

    def revoke_tokens(self) -> None:
        """The vendor may invalidate tokens before expires_in (then message/send says 42001)."""
        with self.lock:
            self.tokens = {t: 0.0 for t in self.tokens}

    def answer(self, request: Request) -> Answer:
        if request.method == "GET" and request.path == "/cgi-bin/gettoken":
            return self._gettoken(request)
        if request.method == "POST" and request.path == "/cgi-bin/message/send":
            return self._send(request)
        return Answer(404, {"errcode": 404, "errmsg": "not found"})

    def _gettoken(self, request: Request) -> Answer:
        if request.query.get("corpid") != self.config.corp_id:
            return errcode(40013, "invalid corpid")
        if request.query.get("corpsecret") != self.config.secret:
            return errcode(40001, "invalid credential")
        with self.lock:
            self.issued += 1
            token = f"token-{self.issued}"
            self.tokens[token] = time.monotonic() + 7200
        return Answer(
            200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    def _token_error(self, request: Request) -> Answer | None:
        token = request.query.get("access_token")
        if not token:
            return errcode(41001, "access_token missing")
        if token not in self.tokens:
            return errcode(40014, "invalid access_token")
        if self.tokens[token] < time.monotonic():
            return errcode(42001, "access_token expired")
        return None

    def _body_error(self, request: Request, body: Any) -> Answer | None:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return errcode(47001, "data format error")
        if not isinstance(body, dict) or body.get("msgtype") != "textcard":
            return errcode(40008, "invalid message type")
        if body.get("agentid") != self.config.agent_id:
            return errcode(40056, "invalid agentid")
        card = body.get("textcard") or {}
        if not card.get("title") or len(card["title"].encode()) > 128:
            return errcode(44004, "title empty or longer than 128 bytes")
        if not card.get("description") or len(card["description"].encode()) > 512:
            return errcode(44004, "description empty or longer than 512 bytes")
        if not str(card.get("url", "")).startswith(("http://", "https://")):
            return errcode(40054, "invalid url")
        if len(card.get("btntxt", "")) > 4:
            return errcode(40058, "btntxt longer than 4 characters")
        interval = body.get("duplicate_check_interval", 1800)
        if body.get("enable_duplicate_check") == 1 and not 0 < interval <= 4 * 3600:
            return errcode(40058, "duplicate_check_interval out of range")
        return None

    def _send(self, request: Request) -> Answer:
        error = self._token_error(request)
        if error is not None:
            return error
        scripted = self.scripted()
        if scripted is not None:
            return scripted
        try:
            body = request.json()
        except ValueError:
            return errcode(47001, "data format error")
        error = self._body_error(request, body)
        if error is not None:
            return error
        return self._deliver(body)

    def _deliver(self, body: dict[str, Any]) -> Answer:
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        valid = [u for u in users if u in self.config.users]
        if not valid:
            return errcode(81013, "user & party & tag all invalid")
        key = json.dumps(body, sort_keys=True, ensure_ascii=False)
        now = time.monotonic()
        with self.lock:
            earlier = self.seen.get(key)
            interval = body.get("duplicate_check_interval", 1800)
            checked = body.get("enable_duplicate_check") == 1
            duplicate = checked and earlier is not None and now - earlier[0] < interval
            msgid = earlier[1] if duplicate else f"msg-{len(self.seen) + 1}"
            if not duplicate:
                self.seen[key] = (now, msgid)
                self.delivered.extend({"touser": u, **body["textcard"]} for u in valid)
        self.wait_if_hanging()
        invalid = "|".join(u.lower() for u in users if u not in valid)
        return Answer(
            200,
            {"errcode": 0, "errmsg": "ok", "invaliduser": invalid, "msgid": msgid},
        )


# --- 钉钉 / 浙政钉 robots --------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """The vendor's side: the expected (decoded) sign for a timestamp."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkStub(Stub):
    def __init__(
        self, access_token: str = "robot-token", secret: str = "SECtest", keyword: str = ""
    ) -> None:
        super().__init__()
        self.access_token, self.secret, self.keyword = access_token, secret, keyword

    @property
    def webhook(self) -> str:
        return f"{self.url}/robot/send?access_token={self.access_token}"

    def _sign_error(self, request: Request) -> Answer | None:
        if not self.secret:
            return None
        timestamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
            return errcode(310000, "invalid timestamp")
        if not hmac.compare_digest(sign, dingtalk_sign(self.secret, timestamp)):
            return errcode(310000, "sign not match")
        return None

    def answer(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != "/robot/send":
            return Answer(404, {"errcode": 404, "errmsg": "not found"})
        if request.query.get("access_token") != self.access_token:
            return errcode(300001, "token is not exist")
        error = self._sign_error(request)
        if error is not None:
            return error
        scripted = self.scripted()
        if scripted is not None:
            return scripted
        body = request.json()
        if body.get("msgtype") != "markdown":
            return errcode(40035, "unsupported msgtype for this stub")
        markdown = body.get("markdown") or {}
        if not markdown.get("title") or not markdown.get("text"):
            return errcode(40035, "missing markdown title or text")
        if self.keyword and self.keyword not in markdown["title"] + markdown["text"]:
            return errcode(310000, "keywords not in content")
        with self.lock:
            self.delivered.append(body)
        return errcode(0, "ok")


# --- An SMS gateway ---------------------------------------------------------------------------


class SmsStub(Stub):
    """The contract: POST /sms/send, `Authorization: Bearer <token>`, JSON
    {"phone": …, "content": …, "outId": …}; answers {"code": "OK", "bizId": …}. Drops a
    repeated outId (the deployment sets SMS_GATEWAY_DEDUP_SECONDS for it)."""

    def __init__(self, token: str = "sms-gateway-token") -> None:
        super().__init__()
        self.token = token
        self.out_ids: set[str] = set()

    def answer(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != "/sms/send":
            return Answer(404, {"code": "NotFound"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Answer(401, {"code": "Unauthorized"})
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Answer(415, {"code": "UnsupportedMediaType"})
        scripted = self.scripted()
        if scripted is not None:
            return scripted
        body = request.json()
        if set(body) != {"phone", "content", "outId"} or not str(body["phone"]).isdigit():
            return Answer(400, {"code": "InvalidParameter"})
        with self.lock:
            if body["outId"] not in self.out_ids:
                self.out_ids.add(body["outId"])
                self.delivered.append(body)
        return Answer(200, {"code": "OK", "bizId": f"biz-{len(self.out_ids)}"})
