"""The current request, for code that has no request argument (signals, log records).

Set by security.middleware.RequestIdMiddleware for the duration of each request.
"""

from __future__ import annotations

import contextvars

_current_request: contextvars.ContextVar = contextvars.ContextVar("lz_request", default=None)
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("lz_request_id", default="")


def current_request():
    return _current_request.get()


def current_request_id() -> str:
    return _request_id.get()


def bind(request, request_id: str):
    return _current_request.set(request), _request_id.set(request_id)


def unbind(tokens=None) -> None:
    """Forget the request (after the response is finished, so its last log lines keep the id)."""
    if tokens is not None:
        request_token, id_token = tokens
        _current_request.reset(request_token)
        _request_id.reset(id_token)
    else:
        _current_request.set(None)
        _request_id.set("")
