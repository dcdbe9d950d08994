"""Who did it: every write service takes a keyword-only `actor`.

An actor is either the logged-in `User` (views, the API) or a named `SystemActor` for work
that no person started (Celery jobs, management commands, the demo seed). Services record the
actor in history and the audit log; `actor_user(actor)` gives the User for foreign keys (None
for a system actor) and `actor_label(actor)` the name to show.

Lives in the project package so every app may import it (apps import one way only).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.db import transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db import models

T = TypeVar("T")


@dataclass(frozen=True)
class SystemActor:
    """A named non-person actor: "job:reminders", "command:seed_demo"…"""

    name: str
    label: str
    # The public, answering anonymously (questionnaires): the audit log records *that* it
    # happened, never an address or a request id.
    anonymous: bool = False

    # Enough of the User interface for code that asks an actor about itself.
    is_authenticated = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # A system actor acts on the authority of the job or command that names it; the
        # service that accepts one has decided that already.
        return True

    def __str__(self) -> str:
        return self.label


def system_actor(name: str, label: str | None = None, *, anonymous: bool = False) -> SystemActor:
    return SystemActor(name=name, label=label or name, anonymous=anonymous)


JOBS = system_actor("job", "系统定时任务")
COMMAND = system_actor("command", "系统命令")
DEMO = system_actor("demo", "演示数据")

# What a write service's `actor` may be (for annotations).
Actor: TypeAlias = "User | SystemActor"


def is_system(actor: Any) -> bool:
    return isinstance(actor, SystemActor)


def actor_user(actor: Any) -> User | None:
    """The User behind an actor, for foreign keys and history (None for a system actor)."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return None
    return cast("User", actor)


def actor_label(actor: Any) -> str:
    """A person's name (and login) or the system actor's label."""
    if actor is None:
        return "—"
    if is_system(actor):
        return str(actor.label)
    person = getattr(actor, "person", None)
    try:
        name = person.name if person is not None else ""
    except Exception:  # a User without a Person raises RelatedObjectDoesNotExist
        name = ""
    return name or actor.get_username()


# --- The actor of the write in progress ------------------------------------------------------

_current: ContextVar[Any] = ContextVar("liangge_actor", default=None)


def current_actor() -> Any:
    """The actor of the service call in progress (None outside any service)."""
    return _current.get()


@contextmanager
def acting(actor: Any) -> Iterator[None]:
    """Make `actor` the current actor for the block (history and audit read it).

    The outermost block (a service call, or a caller's `acting` around several calls, e.g.
    the demo seed or an admin form) collects the changes noted inside it and hands them to
    the `on_service_end` hooks when it ends without an error, still inside the caller's
    transaction: one append to the audit chain per block, not per row."""
    token = _current.set(actor)
    opened = _pending.get() is None
    pending_token = _pending.set(_Pending()) if opened else None
    try:
        yield
        # Work already marked for rollback is not evidence of anything: nothing to append.
        if opened and not transaction.get_connection().needs_rollback:
            changes: list[Change] = _pending.get() or []
            for hook in _service_end_hooks:
                hook(changes)
    finally:
        if pending_token is not None:
            _pending.reset(pending_token)
        _current.reset(token)


# --- What a service changed, for the audit log ------------------------------------------------


@dataclass
class Change:
    """One write a service made, noted for the audit log (security/business_audit.py).

    `before`/`after` map field names to stored values (None: the object did not exist
    before / no longer exists); several changes of one object in one service call are
    folded into one audit entry. `note_change` stamps the actor and the top-level service
    call it belongs to."""

    model: str  # app_label.modelname
    pk: str
    action: str  # "create" / "update" / "delete", or another AuditEntry.Action value
    label: str = ""
    org_path: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    details: dict[str, Any] | None = None
    anonymous: bool = False  # record *that* it happened, never who (anonymous ballots)
    actor: Any = None
    call: tuple[int, str] = (0, "")  # (sequence, service name) of the top-level call


class _Pending(list[Change]):
    """The changes noted in the current block, and which objects they concern."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: set[tuple[tuple[int, str], str, str]] = set()

    def note(self, change: Change) -> None:
        self.append(change)
        self.objects.add((change.call, change.model, change.pk))

    def truncate(self, mark: int) -> None:
        del self[mark:]
        self.objects = {(c.call, c.model, c.pk) for c in self}


_pending: ContextVar[_Pending | None] = ContextVar("liangge_changes", default=None)
# The top-level service call in progress: (sequence number, qualified name).
_call: ContextVar[tuple[int, str] | None] = ContextVar("liangge_call", default=None)
_calls = itertools.count(1)
# Called with the changes when the outermost block ends, inside its transaction: security
# registers the audit writer here.
_service_end_hooks: list[Callable[[list[Change]], None]] = []
# Every write service, by qualified name (the audit coverage test walks them).
SERVICES: dict[str, Callable[..., Any]] = {}


def note_change(change: Change) -> None:
    """Note a write of the service in progress (ignored outside any service)."""
    pending = _pending.get()
    call = _call.get()
    if pending is not None and call is not None:
        change.actor, change.call = _current.get(), call
        pending.note(change)


def in_service() -> bool:
    return _pending.get() is not None and _call.get() is not None


def noted_before(model: str, pk: str) -> bool:
    """Has the service call in progress already noted a change of this object?"""
    pending, call = _pending.get(), _call.get()
    return pending is not None and (call, model, pk) in pending.objects


def on_service_end(hook: Callable[[list[Change]], None]) -> None:
    if hook not in _service_end_hooks:
        _service_end_hooks.append(hook)


def _run(func: Callable[..., T], args: Any, actor: Any, kwargs: Any) -> T:
    pending = _pending.get()
    mark = len(pending) if pending is not None else 0
    top = _call.get() is None
    call_token = _call.set((next(_calls), func.__qualname__)) if top else None
    try:
        return func(*args, actor=actor, **kwargs)
    except BaseException:
        # Its savepoint (or transaction) rolls back: so do the changes it noted.
        if pending is not None:
            pending.truncate(mark)
        raise
    finally:
        if call_token is not None:
            _call.reset(call_token)


def write_service(func: Callable[..., T]) -> Callable[..., T]:
    """A write service: keyword-only `actor`, one transaction, the actor made current.

    The outermost service call opens `transaction.atomic(durable=True)`, so a write is never
    silently folded into a caller's transaction; a service called by another service joins
    its caller's transaction (a savepoint) and keeps the caller's actor visible in its own.
    The changes it (and the services it calls) made are written to the audit log when the
    outermost `acting` block ends, in its transaction (`on_service_end`).
    """

    @wraps(func)
    def wrapper(*args: Any, actor: Any, **kwargs: Any) -> T:
        if actor is None:
            raise TypeError(f"{func.__qualname__}() needs an actor (a User or a SystemActor)")
        outermost = _current.get() is None
        with transaction.atomic(durable=outermost), acting(actor):
            return _run(func, args, actor, kwargs)

    SERVICES[f"{func.__module__}.{func.__qualname__}"] = wrapper
    return wrapper


# --- History rows name the actor -------------------------------------------------------------


def record_actor_in_history(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """simple_history's pre_create_historical_record receiver (connected in apps.py).

    Inside a write service the history row names the service's actor: the User, or for a
    system actor no user and the actor's label as the change reason ("系统定时任务"), so a
    change made by a job or a command never shows as made by nobody. Outside a service
    (admin, migrations) the row is left as simple_history made it.
    """
    actor = current_actor()
    if actor is None:
        return
    history_instance.history_user = actor_user(actor)
    if is_system(actor) and not history_instance.history_change_reason:
        history_instance.history_change_reason = actor.label[:100]


def set_change_reason(instance: models.Model, reason: str | None) -> None:
    """The reason simple_history records for `instance`'s next save (its `_change_reason`,
    an attribute django-stubs cannot know about)."""
    setattr(instance, "_change_reason", reason)  # noqa: B010 - the model declares no such field


def bulk_history_kwargs(actor: Any) -> dict[str, Any]:
    """The same for simple_history's bulk_create/bulk_update_with_history (which send no
    signal): their `default_user` and `default_change_reason`."""
    return {
        "default_user": actor_user(actor),
        "default_change_reason": actor.label[:100] if is_system(actor) else None,
    }
