"""State machines as data: one transition table per workflow.

Each workflow (rounds, rectification tasks, accountability cases, duty logs, lists, …)
declares its moves once::

    TASK_FLOW = Workflow(
        "inspections.rectificationtask",
        RectificationTask.Status,
        [
            Transition("start", {S.ASSIGNED, S.RETURNED}, S.IN_PROGRESS, _("开始整改"),
                       permission="inspections.rectify_rectificationtask"),
            Transition("close", {S.SUBMITTED}, S.CLOSED, _("验收销号"),
                       permission="inspections.verify_rectificationtask",
                       guard=lambda task: None if task.rechecked_at or not task.is_long_term
                       else _("长期整改任务须先复查。")),
        ],
    )

Views and templates ask `allowed(obj, user)` which buttons to show; services call
`check(obj, action, user)` before they move anything (inside their transaction, after
locking the row), and get one `TransitionRefused` with the reason in Chinese. A test walks
every (status, action) pair of every registered table (`registered_workflows()`).

Lives in the project package so every app may import it (apps import one way only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext as _


class TransitionRefused(Exception):
    """A state change that is not allowed now, by this actor, or without its inputs."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def refuse(message: str) -> NoReturn:
    """Raise TransitionRefused (for checks that live outside a transition table)."""
    raise TransitionRefused(message)


# A guard returns None when the move may go ahead, else the refusal message.
Guard = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    # None keeps the status (an action recorded in place, e.g. a progress report).
    target: str | None
    label: Any  # lazy or plain str: the button and the refusal message say it
    # The rules permission the actor needs on the object (None: the service decides).
    permission: str | None = None
    guard: Guard | None = None
    # What to say when the status does not allow the move, where the domain has its own
    # words for it ("调查报告经集体讨论后才能作出问责决定。"); else the generic message.
    refused: Any = None

    def __init__(
        self,
        action: str,
        sources: Iterable[str],
        target: str | None,
        label: Any,
        *,
        permission: str | None = None,
        guard: Guard | None = None,
        refused: Any = None,
    ):
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "sources", frozenset(str(s) for s in sources))
        object.__setattr__(self, "target", None if target is None else str(target))
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "permission", permission)
        object.__setattr__(self, "guard", guard)
        object.__setattr__(self, "refused", refused)


@dataclass
class Workflow:
    name: str
    statuses: type[models.TextChoices]
    transitions: list[Transition]
    status_field: str = "status"
    _by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_action = {}
        known = set(self.statuses.values)
        for transition in self.transitions:
            if transition.action in self._by_action:
                raise ValueError(f"{self.name}: action {transition.action!r} twice")
            unknown = (transition.sources | {transition.target or next(iter(known))}) - known
            if unknown:
                raise ValueError(f"{self.name}.{transition.action}: unknown statuses {unknown}")
            self._by_action[transition.action] = transition
        _REGISTRY[self.name] = self

    # --- reading the table ---------------------------------------------------------------

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def __getitem__(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise TransitionRefused(_("未知操作:%(action)s。") % {"action": action}) from None

    @property
    def actions(self) -> list[str]:
        return list(self._by_action)

    def status_label(self, status: str) -> str:
        try:
            return str(self.statuses(status).label)
        except ValueError:
            return status

    def status_of(self, obj: Any) -> str:
        return str(getattr(obj, self.status_field))

    def actions_from(self, status: str) -> list[Transition]:
        """Transitions the table allows from `status` (actor and guards not considered)."""
        return [t for t in self.transitions if str(status) in t.sources]

    # --- asking about one object -----------------------------------------------------------

    def refusal(
        self, obj: Any, action: str, user: Any = None, *, status: str | None = None
    ) -> str | None:
        """Why `user` may not do `action` on `obj` now, or None when they may.

        `user=None` (or a system actor) checks state and guards only: jobs and commands act
        on the system's authority, which the calling service has established."""
        transition = self[action]
        current = str(status) if status is not None else self.status_of(obj)
        if current not in transition.sources:
            if transition.refused is not None:
                return str(transition.refused)
            return _("当前状态“%(state)s”下不能执行“%(action)s”。") % {
                "state": self.status_label(current),
                "action": transition.label,
            }
        if (
            transition.permission
            and user is not None
            and getattr(user, "is_authenticated", False)
            and not user.has_perm(transition.permission, obj)
        ):
            return _("您无权执行“%(action)s”。") % {"action": transition.label}
        if transition.guard is not None:
            return transition.guard(obj)
        return None

    def can(self, obj: Any, action: str, user: Any = None) -> bool:
        return self.refusal(obj, action, user) is None

    def check(
        self, obj: Any, action: str, user: Any = None, *, status: str | None = None
    ) -> Transition:
        """Raise TransitionRefused unless the move is allowed; return the transition."""
        message = self.refusal(obj, action, user, status=status)
        if message is not None:
            raise TransitionRefused(message)
        return self[action]

    def allowed(self, obj: Any, user: Any = None) -> list[Transition]:
        """The transitions `user` may take on `obj` now: the buttons to show."""
        return [t for t in self.transitions if self.refusal(obj, t.action, user) is None]

    def allowed_actions(self, obj: Any, user: Any = None) -> set[str]:
        return {t.action for t in self.allowed(obj, user)}

    def move(self, obj: Any, action: str, user: Any = None) -> str:
        """Check, then set the new status on `obj` (not saved); returns the previous status.

        Call inside the service's transaction on a row locked with select_for_update, so the
        check sees the stored status."""
        transition = self.check(obj, action, user)
        previous = self.status_of(obj)
        if transition.target is not None:
            setattr(obj, self.status_field, transition.target)
        return previous


_REGISTRY: dict[str, Workflow] = {}


def registered_workflows() -> dict[str, Workflow]:
    """Every transition table defined so far (import the apps' workflow modules first)."""
    return dict(_REGISTRY)
