"""One request-scoped cache for what is asked many times while answering one request.

A user's grants, their posts, a discipline head's paths… are asked by every predicate, panel
and template tag of a page. They are computed once per *scope* and kept here, not stuck on
the user or request object:

- a web request opens a scope (`RequestCacheMiddleware`, first in MIDDLEWARE);
- a Celery task opens its own (task_prerun / task_postrun, see `connect_celery`);
- code may open one explicitly: `with request_cache.scope(): ...` (a management command).

Outside any scope (a shell, a test calling a function directly) nothing is cached: every
call computes afresh, so no stale grant can leak from one user or one test to the next.

Entries are keyed by tuples `(namespace, user_id, ...)`; `forget_user` drops one user's
entries (after their tenures or roles change), `forget_namespace` all entries of a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")
Store = dict[Hashable, Any]

_STORE: ContextVar[Store | None] = ContextVar("liangge_zeren_request_cache", default=None)


def open_scope() -> Token[Store | None]:
    """Start a fresh, empty cache; pass the token to `close_scope`."""
    return _STORE.set({})


def close_scope(token: Token[Store | None]) -> None:
    """End the scope opened with `token`, restoring the enclosing one (if any)."""
    _STORE.reset(token)


@contextmanager
def scope() -> Iterator[Store]:
    """A cache scope for a block (a command, a job run outside Celery, a test)."""
    token = open_scope()
    try:
        store = _STORE.get()
        assert store is not None
        yield store
    finally:
        close_scope(token)


def is_open() -> bool:
    return _STORE.get() is not None


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """The value for `key` in the current scope, computed on first use.

    Outside a scope the value is computed every time and kept nowhere."""
    store = _STORE.get()
    if store is None:
        return compute()
    if key in store:
        value: T = store[key]
        return value
    value = compute()
    store[key] = value
    return value


def has(key: Hashable) -> bool:
    """Whether the current scope already holds `key` (never, outside a scope)."""
    store = _STORE.get()
    return store is not None and key in store


def put(key: Hashable, value: Any) -> None:
    """Keep `value` under `key` in the current scope (computed elsewhere, e.g. for many users
    at once); outside a scope nothing is kept."""
    store = _STORE.get()
    if store is not None:
        store[key] = value


def user_key(namespace: str, user: object, *rest: Hashable) -> tuple[Hashable, ...] | None:
    """`(namespace, user id, *rest)`, or None for a user without id (anonymous, system actor)."""
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return None
    return (namespace, user_id, *rest)


def cached_for_user(namespace: str, user: object, compute: Callable[[], T], *rest: Hashable) -> T:
    """`cached` keyed by the user's id (and `rest`); users without id are never cached."""
    key = user_key(namespace, user, *rest)
    if key is None:
        return compute()
    return cached(key, compute)


def _drop(match: Callable[[tuple[Hashable, ...]], bool]) -> None:
    store = _STORE.get()
    if store is None:
        return
    for key in [k for k in store if isinstance(k, tuple) and k and match(k)]:
        del store[key]


def forget_user(user_id: object) -> None:
    """Drop every entry of one user in the current scope."""
    if user_id is not None:
        _drop(lambda key: len(key) > 1 and key[1] == user_id)


def forget_namespace(namespace: str) -> None:
    """Drop every entry of one kind (e.g. all grants after a tenure changed)."""
    _drop(lambda key: key[0] == namespace)


def clear() -> None:
    store = _STORE.get()
    if store is not None:
        store.clear()


class RequestCacheMiddleware:
    """Opens one cache scope per request; first in MIDDLEWARE so all layers share it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope():
            return self.get_response(request)


# --- Celery: one scope per task -------------------------------------------------------------

_TASK_TOKENS: dict[str, Token[Store | None]] = {}


def _task_prerun(task_id: str | None = None, **_kwargs: Any) -> None:
    if task_id is not None:
        _TASK_TOKENS[task_id] = open_scope()


def _task_postrun(task_id: str | None = None, **_kwargs: Any) -> None:
    token = _TASK_TOKENS.pop(task_id, None) if task_id is not None else None
    if token is None:
        return
    try:
        close_scope(token)
    except ValueError:  # postrun in another context than prerun: just end the scope here
        _STORE.set(None)


def connect_celery() -> None:
    """Give every Celery task (worker or eager) its own scope."""
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="lz_request_cache_open")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="lz_request_cache_close")
