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


def user_grants(user) -> tuple[Grant, ...]:
    """All grants of the user's tenures in force today; cached on the user object."""
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
class ScopedPerm:
    name: str
    capability: Capability
    paths_of: PathsOf
    q_for_paths: QBuilder


_REGISTRY: dict[str, ScopedPerm] = {}


def _default_paths_of(obj) -> list[str]:
    return [obj.org_path]


def _default_q(field: str) -> QBuilder:
    return lambda user, paths: paths_q(paths, field)


def register_scoped_perm(
    name: str,
    capability: Capability,
    *,
    field: str = "org_path",
    paths_of: PathsOf | None = None,
    q_for_paths: QBuilder | None = None,
) -> ScopedPerm:
    """Define a permission once: its rules predicate and its queryset filter together."""
    perm = ScopedPerm(
        name=name,
        capability=capability,
        paths_of=paths_of or _default_paths_of,
        q_for_paths=q_for_paths or _default_q(field),
    )
    _REGISTRY[name] = perm

    @rules.predicate(name=f"in_scope:{name}")
    def in_scope(user, obj=None) -> bool:
        if obj is None:
            # Model-level question ("may this user ever …?"): yes if any grant exists.
            return bool(scope_paths(user, capability))
        return any(path_in_scope(user, capability, p) for p in perm.paths_of(obj))

    rules.set_perm(name, in_scope)
    return perm


def registered_perms() -> dict[str, ScopedPerm]:
    return dict(_REGISTRY)


def scope_q(user, perm_name: str) -> Q:
    """Queryset filter for a registered permission; agrees with the rules predicate."""
    perm = _REGISTRY[perm_name]
    if is_unrestricted(user):
        return Q()
    return perm.q_for_paths(user, scope_paths(user, perm.capability))


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
