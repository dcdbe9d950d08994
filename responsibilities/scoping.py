"""Who may see and change what: the one source of truth for hierarchy scoping.

A user's active tenures give *grants*: (capability, subtree path). Each permission is
registered once with `register_scoped_perm`, which defines both forms side by side:

- a `rules` predicate ("may this user do X to this object?"), and
- a queryset filter `scope_q(user, perm)` (rules cannot filter querysets).

Both are built from the same grants, so they agree by construction; tests check that
they agree on every fixture row anyway.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone


class Capability(enum.StrEnum):
    VIEW = "view"  # read records in the subtree
    MANAGE = "manage"  # maintain org structure, people and tenures in the subtree
    SUPERVISE = "supervise"  # discipline jurisdiction over the subtree


@dataclass(frozen=True)
class Grant:
    capability: Capability
    path: str
    tenure_id: int


def grants_for_tenure(tenure) -> list[Grant]:
    """Capabilities one tenure gives. Ended or future tenures are filtered out before this."""
    from responsibilities.models import Body, Tenure

    role, body = tenure.role, tenure.body
    if body.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM:
        # A stationed team supervises the units it is stationed in, not its sender's tree.
        paths = [org.path for org in body.stationed_in.all()] or [tenure.org.path]
    else:
        paths = [tenure.org.path]

    capabilities = [Capability.VIEW]
    if role in (Tenure.Role.SECRETARY, Tenure.Role.DEPUTY_SECRETARY, Tenure.Role.CLERK):
        capabilities.append(Capability.MANAGE)
    if body.is_discipline and role in Tenure.DISCIPLINE_ROLES:
        capabilities.append(Capability.SUPERVISE)
    return [Grant(cap, path, tenure.pk) for cap in capabilities for path in paths]


# Grants that do not come from a tenure (security: those the security administrator assigns).
# A source takes the user and returns Grants; registered at app start (AppConfig.ready), so
# this module imports no later app.
_GRANT_SOURCES: list[Callable[[object], Iterable[Grant]]] = []


def register_grant_source(source: Callable[[object], Iterable[Grant]]) -> None:
    if source not in _GRANT_SOURCES:
        _GRANT_SOURCES.append(source)


def user_grants(user) -> tuple[Grant, ...]:
    """All grants of the user's tenures in force today (and of the registered sources).

    Cached on the user object."""
    cached = getattr(user, "_lz_grants", None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    if user.is_authenticated and user.is_active:
        from responsibilities.models import Tenure

        tenures = (
            Tenure.objects.current()
            .filter(person__user=user, person__is_active=True, org__is_active=True)
            .select_related("org", "body")
            .prefetch_related("body__stationed_in")
        )
        for tenure in tenures:
            grants.extend(grants_for_tenure(tenure))
        for source in _GRANT_SOURCES:
            grants.extend(source(user))
    user._lz_grants = tuple(grants)
    return user._lz_grants


def forget_grants(user) -> None:
    """Drop the cached grants (after the user's tenures change)."""
    if hasattr(user, "_lz_grants"):
        del user._lz_grants


def is_unrestricted(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def scope_paths(user, capability: Capability) -> list[str]:
    """Minimal set of subtree paths for a capability (nested paths collapse into their root)."""
    paths = sorted({g.path for g in user_grants(user) if g.capability == capability})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def path_in_scope(user, capability: Capability, path: str) -> bool:
    if is_unrestricted(user):
        return True
    return any(path.startswith(root) for root in scope_paths(user, capability))


def paths_q(paths: Iterable[str], field: str = "org_path") -> Q:
    """OR of indexed prefix predicates; an empty list matches nothing."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


# --- Registered permissions -------------------------------------------------------------

QBuilder = Callable[[object, list[str]], Q]
PathsOf = Callable[[Model], Iterable[str]]


@dataclass(frozen=True)
class RegisteredPerm:
    """One permission in both forms: an object check and a queryset filter."""

    name: str
    check: Callable[[object, Model], bool]  # (user, obj) -> may the user?
    queryset_q: Callable[[object], Q]  # user -> rows the user may
    model_level: Callable[[object], bool]  # user -> could the user ever?
    model: str | None = None  # "app_label.ModelName" when not implied by the codename

    def model_class(self):
        from django.apps import apps

        if self.model:
            return apps.get_model(self.model)
        app_label, codename = self.name.split(".")
        return apps.get_model(app_label, codename.split("_", 1)[1])


_REGISTRY: dict[str, RegisteredPerm] = {}


def register_permission(
    name: str,
    *,
    check: Callable[[object, Model], bool],
    q: Callable[[object], Q],
    model_level: Callable[[object], bool],
    model: str | None = None,
) -> RegisteredPerm:
    """Define a permission once, predicate and queryset filter side by side.

    For visibility that is not a plain path prefix (covert visits, upward channel, a
    target's own decision). `check` and `q` must describe the same rows; the test suite
    checks that on every fixture row.
    """
    perm = RegisteredPerm(name, check, q, model_level, model)
    _REGISTRY[name] = perm

    @rules.predicate(name=f"registered:{name}")
    def predicate(user, obj=None) -> bool:
        if is_unrestricted(user):
            return True
        if obj is None:
            return perm.model_level(user)
        return perm.check(user, obj)

    rules.set_perm(name, predicate)
    return perm


def _default_paths_of(obj) -> list[str]:
    return [obj.org_path]


def register_scoped_perm(
    name: str,
    capability: Capability,
    *,
    field: str = "org_path",
    paths_of: PathsOf | None = None,
    q_for_paths: QBuilder | None = None,
    model: str | None = None,
) -> RegisteredPerm:
    """The common case: the object's path(s) lie in the user's subtrees for `capability`."""
    paths_of = paths_of or _default_paths_of

    def q_builder(user, paths):
        return q_for_paths(user, paths) if q_for_paths else paths_q(paths, field)

    return register_permission(
        name,
        check=lambda user, obj: any(path_in_scope(user, capability, p) for p in paths_of(obj)),
        q=lambda user: q_builder(user, scope_paths(user, capability)),
        model_level=lambda user: bool(scope_paths(user, capability)),
        model=model,
    )


def registered_perms() -> dict[str, RegisteredPerm]:
    return dict(_REGISTRY)


def scope_q(user, perm_name: str) -> Q:
    """Queryset filter for a registered permission; agrees with the rules predicate."""
    perm = _REGISTRY[perm_name]
    if is_unrestricted(user):
        return Q()
    return perm.queryset_q(user)


def scoped(queryset: QuerySet, user, perm_name: str) -> QuerySet:
    return queryset.filter(scope_q(user, perm_name))


def get_scoped_object_or_404(
    request, queryset: QuerySet, pk, *, view_perm: str, change_perm: str, write: bool = False
):
    """The access helper every view goes through.

    Out of scope → 404 (never confirm existence); in scope but read-only → 403.
    """
    obj = queryset.filter(scope_q(request.user, view_perm)).filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not request.user.has_perm(change_perm, obj):
        raise PermissionDenied
    return obj


def today():
    return timezone.localdate()
