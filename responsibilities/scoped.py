"""How views, exports, panels and jobs ASK the scoping kit: `Model.objects.visible_to(user)`.

The kit (responsibilities/scoping.py) defines each permission once, as a rules predicate and
a queryset filter. This module is the one way to ask it for rows:

    Finding.objects.visible_to(request.user)            # "inspections.view_finding"
    DutyLog.objects.visible_to(request.user, "change")  # "responsibilities.change_dutylog"
    AccountabilityCase.objects.visible_to(user, "accountability.view_own_decision")

(DefectDojo's `get_authorized_*`, as a manager method.) An action maps to the permission
"<app_label>.<action>_<model_name>"; a dotted action is taken as the full permission name.
An action without a registered permission raises `UnknownScopedAction` at once, never a
silent empty (or full) queryset.

`ScopedModel` is the abstract base of every row that copies its organisation's path into
`org_path`; its default manager is built from `ScopedQuerySet`. Models with their own
queryset class derive it from `ScopedQuerySet` and keep `objects = TheirQuerySet.as_manager()`.

View modules import from here, never from responsibilities.scoping (tests/test_scoping_layout.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models.signals import post_delete, post_save

from liangge_zeren import request_cache
from responsibilities.scoping import (
    Capability,
    is_unrestricted,
    path_in_scope,
    registered_perms,
    scope_paths,
    scope_q,
    user_grants,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    UserLike = AbstractBaseUser | AnonymousUser
else:
    UserLike = Any

__all__ = [
    "Capability",
    "ScopedModel",
    "ScopedQuerySet",
    "UnknownScopedAction",
    "covers",
    "grant_tenure_id",
    "holds",
    "permission_for",
    "scope_roots",
    "sees_everything",
]

_M = TypeVar("_M", bound=models.Model)


class UnknownScopedAction(LookupError):
    """`visible_to` was asked about an action no permission is registered for."""

    def __init__(self, model: type[models.Model], action: str, permission: str) -> None:
        super().__init__(
            f"{model._meta.label}.objects.visible_to(user, {action!r}): no scoped permission "
            f"{permission!r} is registered (see responsibilities/scoping.py and the app's rules.py)"
        )
        self.model = model
        self.action = action
        self.permission = permission


def permission_for(model: type[models.Model], action: str) -> str:
    """The registered permission `action` means for `model`; raises UnknownScopedAction."""
    if not action:
        raise UnknownScopedAction(model, action, "")
    if "." in action:
        permission = action
    else:
        permission = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    if permission not in registered_perms():
        raise UnknownScopedAction(model, action, permission)
    return permission


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that knows how to ask the scoping kit about its own model."""

    def visible_to(self, user: UserLike, action: str = "view") -> ScopedQuerySet[_M]:
        """Rows `user` may `action` (one indexed predicate; subqueries, never id lists)."""
        return self.filter(scope_q(user, permission_for(self.model, action)))


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


class ScopedModel(models.Model):
    """A row that belongs to an organisation and carries a copy of its path.

    `org_path` is set by the service layer from the row's organisation ("0001.0003.") so
    that "X's subtree" is one indexed prefix predicate."""

    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    objects = ScopedManager()

    class Meta:
        abstract = True


# --- Model-level questions about a user (no rows involved) -----------------------------------


def sees_everything(user: UserLike) -> bool:
    """An unrestricted user (superuser): scope filters do not apply."""
    return is_unrestricted(user)


def holds(user: UserLike, capability: Capability) -> bool:
    """Whether the user holds `capability` anywhere (or is unrestricted)."""
    return is_unrestricted(user) or bool(scope_paths(user, capability))


def covers(user: UserLike, capability: Capability, path: str) -> bool:
    """Whether `path` lies in the user's subtrees for `capability` (no query)."""
    return path_in_scope(user, capability, path)


def scope_roots(user: UserLike, capability: Capability) -> list[str]:
    """The roots of the user's subtrees for `capability` (nested roots collapsed)."""
    return scope_paths(user, capability)


def grant_tenure_id(user: UserLike, path: str, *capabilities: Capability) -> int | None:
    """The tenure whose grant covers `path` most closely for any of `capabilities`."""
    grants = [
        g for g in user_grants(user) if g.capability in capabilities and path.startswith(g.path)
    ]
    if not grants:
        return None
    return max(grants, key=lambda g: len(g.path)).tenure_id


# --- Keeping the request cache honest --------------------------------------------------------


def _forget_cached_scope(**_kwargs: Any) -> None:
    """A tenure, person, body or organisation changed: grants cached in this request or task
    may be stale (whoever they belong to), so drop them all."""
    request_cache.clear()


for _sender in (
    "responsibilities.Tenure",
    "responsibilities.Person",
    "responsibilities.Body",
    "responsibilities.Organization",
):
    for _signal in (post_save, post_delete):
        _signal.connect(
            _forget_cached_scope,
            sender=_sender,
            weak=False,
            dispatch_uid=f"lz_scope_cache_{_signal is post_save}_{_sender}",
        )
