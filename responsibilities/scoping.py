"""Who may see and change what: the one source of truth for hierarchy scoping.

A user's active tenures give *grants*: (capability, subtree path). Every permission is
defined once, with `define(name, clauses)`, from the clause kit below. A clause is both a
Python test ("does this row match for this user?") and a `Q` (the rows that match), built
from the same inputs, so one definition gives

- the `rules` predicate ("may this user do X to this object?": any clause matches), and
- the queryset filter `scope_q(user, perm)` (the OR of the clauses' Qs; `rules` cannot
  filter querysets).

Generic clauses live here; app-specific ones (covert rounds, round targets, …) live in the
app's `rules.py`, built from these classes. Tests check on every fixture row that the two
forms agree, for every registered permission.

Row conditions (`Cond`) are user-independent filters such as "delivered" or "side is
principal"; clauses take them as `when=`. Conditions built from the field helpers can be
*relocated* onto another table whose columns copy the original fields (the cockpit's
`TaskScope`), so a derived table filters with the same rule instead of a restatement.
"""

from __future__ import annotations

import enum
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from rules.permissions import set_perm
from rules.predicates import predicate as rules_predicate

from liangge_zeren import request_cache
from liangge_zeren.lookups import ids_in

if TYPE_CHECKING:
    import datetime

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User: TypeAlias = AbstractBaseUser | AnonymousUser
else:
    User: TypeAlias = Any

GRANTS = "grants"  # request-cache namespace of user_grants


class Capability(enum.StrEnum):
    VIEW = "view"  # read records in the subtree
    MANAGE = "manage"  # maintain org structure, people and tenures in the subtree
    SUPERVISE = "supervise"  # discipline jurisdiction over the subtree
    APPOINT = "appoint"  # record appointments and removals in the subtree (组织部, issue 16)


@dataclass(frozen=True)
class Grant:
    capability: Capability
    path: str
    tenure_id: int


class GrantingPost(NamedTuple):
    """What of a tenure in force decides its grants (plain values: a job reads 20,000)."""

    tenure_id: int
    user_id: int
    role: str
    body_id: int
    body_kind: str
    org_path: str


def grants_for_post(post: GrantingPost, stationed_in: Sequence[str] = ()) -> list[Grant]:
    """Capabilities one tenure gives. Ended or future tenures are filtered out before this.

    `stationed_in`: for a stationed team, the paths of the units it is stationed in
    (see `stationed_paths`); without them it supervises its own unit."""
    from responsibilities.models import Body, Tenure

    role = post.role
    if post.body_kind == Body.Kind.STATIONED_DISCIPLINE_TEAM:
        # A stationed team supervises the units it is stationed in, not its sender's tree.
        paths = list(stationed_in) or [post.org_path]
    else:
        paths = [post.org_path]

    capabilities = [Capability.VIEW]
    if role in (Tenure.Role.SECRETARY, Tenure.Role.DEPUTY_SECRETARY, Tenure.Role.CLERK):
        capabilities.append(Capability.MANAGE)
    if post.body_kind in Body.DISCIPLINE_KINDS and role in Tenure.DISCIPLINE_ROLES:
        capabilities.append(Capability.SUPERVISE)
    if role == Tenure.Role.ORG_DEPARTMENT:
        capabilities.append(Capability.APPOINT)
    return [Grant(cap, path, post.tenure_id) for cap in capabilities for path in paths]


GrantSource: TypeAlias = Callable[[Any], Iterable[Grant]]
# The same source answering for many users at once: user id → that user's grants.
BulkGrantSource: TypeAlias = Callable[[Sequence[Any]], Mapping[Any, Iterable[Grant]]]

# Grants that do not come from a tenure (security: those the security administrator assigns).
# A source takes the user and returns Grants; registered at app start (AppConfig.ready), so
# this module imports no later app. A source that queries gives its bulk form too, for
# `preload_grants`; one without (it reads only the user object) is asked per user there.
_GRANT_SOURCES: list[GrantSource] = []
_BULK_GRANT_SOURCES: dict[GrantSource, BulkGrantSource] = {}


def register_grant_source(source: GrantSource, *, bulk: BulkGrantSource | None = None) -> None:
    if source not in _GRANT_SOURCES:
        _GRANT_SOURCES.append(source)
    if bulk is not None:
        _BULK_GRANT_SOURCES[source] = bulk


def user_grants(user: User) -> tuple[Grant, ...]:
    """All grants of the user's tenures in force today (and of the registered sources).

    Cached per request / Celery task (liangge_zeren/request_cache.py), keyed by user id."""
    return request_cache.cached_for_user(GRANTS, user, lambda: _compute_grants(user))


def _granting_posts(user_ids: Sequence[Any]) -> list[GrantingPost]:
    """The tenures of these users that give grants today, in the default order."""
    from responsibilities.models import Tenure

    rows = (
        Tenure.objects.current()
        .filter(ids_in("person__user_id", user_ids), person__is_active=True, org__is_active=True)
        .values_list("pk", "person__user_id", "role", "body_id", "body__kind", "org__path")
    )
    return [GrantingPost(*row) for row in rows]


def stationed_paths(body_ids: Iterable[int]) -> dict[int, list[str]]:
    """Stationed team's body id → the paths of the units it is stationed in, for those among
    `body_ids`, in one query.

    Not a prefetch: Django's prefetch builds a queryset per tenure (20,000 in a job)."""
    from responsibilities.models import Body

    found: dict[int, list[str]] = defaultdict(list)
    links = Body.stationed_in.through.objects.filter(
        body_id__in=set(body_ids), body__kind=Body.Kind.STATIONED_DISCIPLINE_TEAM
    )
    for body_id, path in links.order_by("organization__path").values_list(
        "body_id", "organization__path"
    ):
        found[body_id].append(path)
    return found


def _compute_grants(user: User) -> tuple[Grant, ...]:
    return _grants_by_user([user])[user.pk]


PRELOAD_CHUNK = 500  # users per query: well below SQLite's bound on query parameters


def preload_grants(users: Iterable[User]) -> None:
    """Put the grants of many users into the open cache scope at once: for each user the
    tuple `user_grants` would compute, in a few queries per chunk of users instead of a few
    per user (a job about 20,000 recipients; notifications.gate.preload). Users already
    cached are left as they are; outside a scope nothing would keep them, so nothing is done."""
    if not request_cache.is_open():
        return
    pending = list(
        {
            user.pk: user
            for user in users
            if (key := request_cache.user_key(GRANTS, user)) is not None
            and not request_cache.has(key)
        }.values()
    )
    for start in range(0, len(pending), PRELOAD_CHUNK):
        chunk = pending[start : start + PRELOAD_CHUNK]
        found = _grants_by_user(chunk)
        for user in chunk:
            request_cache.put(request_cache.user_key(GRANTS, user), found[user.pk])


def _grants_by_user(users: Sequence[User]) -> dict[Any, tuple[Grant, ...]]:
    """user id → the grants of the user's tenures in force today and of the registered
    sources (none for an anonymous or inactive account); one user or many, same queries."""
    active = [u for u in users if u.is_authenticated and u.is_active]
    grants: dict[Any, list[Grant]] = {u.pk: [] for u in users}
    if active:
        posts = _granting_posts([u.pk for u in active])
        stationed = stationed_paths(post.body_id for post in posts)
        # The default order, kept within each user.
        for post in posts:
            grants[post.user_id].extend(grants_for_post(post, stationed.get(post.body_id, ())))
        for source in _GRANT_SOURCES:
            bulk = _BULK_GRANT_SOURCES.get(source)
            answered = bulk(active) if bulk is not None else {u.pk: source(u) for u in active}
            for user in active:
                grants[user.pk].extend(answered.get(user.pk, ()))
    return {user_id: tuple(found) for user_id, found in grants.items()}


def forget_grants(user: User) -> None:
    """Drop the user's cached grants and everything derived from them (after their tenures
    or roles change)."""
    request_cache.forget_user(getattr(user, "pk", None))


def is_unrestricted(user: User) -> bool:
    # request.user is typed as AbstractBaseUser; the superuser flag lives on PermissionsMixin.
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_superuser", False))


def grant_paths(user: User, *capabilities: Capability) -> list[str]:
    """The paths of the user's own grants for any of `capabilities` (not collapsed)."""
    return [g.path for g in user_grants(user) if g.capability in capabilities]


def scope_paths(user: User, capability: Capability) -> list[str]:
    """Minimal set of subtree paths for a capability (nested paths collapse into their root).

    Kept beside the user's grants in the cache scope (and forgotten with them): a job's gate
    asks it several times for each of 100,000 reminders."""

    def collapse() -> tuple[str, ...]:
        roots: list[str] = []
        for path in sorted(set(grant_paths(user, capability))):
            if not any(path.startswith(root) for root in roots):
                roots.append(path)
        return tuple(roots)

    return list(request_cache.cached_for_user(GRANTS, user, collapse, "scope", capability))


def path_in_scope(user: User, capability: Capability, path: str) -> bool:
    if is_unrestricted(user):
        return True
    return any(path.startswith(root) for root in scope_paths(user, capability))


def paths_q(paths: Iterable[str], field: str = "org_path") -> Q:
    """OR of indexed prefix predicates; an empty list matches nothing."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def today() -> datetime.date:
    return timezone.localdate()


# --- Row conditions ----------------------------------------------------------------------

NOTHING = Q(pk__in=[])  # a Q that matches no row
Rename: TypeAlias = Callable[[str], str]


@functools.cache
def _getters(lookup: str) -> tuple[attrgetter[Any], ...]:
    return tuple(attrgetter(part) for part in lookup.split("__"))


def follow(obj: object, lookup: str) -> Any:
    """Follow a Django lookup ("finding__round") as attributes; None short-circuits."""
    value: Any = obj
    for get in _getters(lookup):
        if value is None:
            return None
        value = get(value)
    return value


def prefixed(prefix: str, lookup: str) -> str:
    return f"{prefix}{lookup}"


@dataclass(frozen=True)
class Cond:
    """A row condition in both forms: a Python test and a Q.

    `name` lets a relocation swap the whole condition for another (see `relocate`);
    `rebuild` rebuilds it with renamed lookups (the field helpers below set it)."""

    test: Callable[[Any], bool]
    q: Q
    name: str = ""
    rebuild: Callable[[Rename, Mapping[str, Cond]], Cond] | None = field(
        default=None, compare=False
    )

    def __and__(self, other: Cond) -> Cond:
        return Cond(
            lambda o: self.test(o) and other.test(o),
            self.q & other.q,
            rebuild=lambda rename, swaps: (
                self.relocate(rename, swaps) & other.relocate(rename, swaps)
            ),
        )

    def __or__(self, other: Cond) -> Cond:
        return Cond(
            lambda o: self.test(o) or other.test(o),
            self.q | other.q,
            rebuild=lambda rename, swaps: (
                self.relocate(rename, swaps) | other.relocate(rename, swaps)
            ),
        )

    def __invert__(self) -> Cond:
        return Cond(
            lambda o: not self.test(o),
            ~self.q,
            rebuild=lambda rename, swaps: ~self.relocate(rename, swaps),
        )

    def named(self, name: str) -> Cond:
        return replace(self, name=name)

    def relocate(self, rename: Rename, swaps: Mapping[str, Cond]) -> Cond:
        """The same condition on a table whose columns copy these fields."""
        if self.name and self.name in swaps:
            return swaps[self.name]
        if self.rebuild is None:
            raise ValueError(f"condition {self.name or self.q!r} cannot be relocated")
        return self.rebuild(rename, swaps).named(self.name)


def _always(rename: Rename, swaps: Mapping[str, Cond]) -> Cond:
    return ALWAYS


ALWAYS = Cond(lambda o: True, Q(), rebuild=_always)


def field_eq(lookup: str, value: object) -> Cond:
    return Cond(
        lambda o: bool(follow(o, lookup) == value),
        Q(**{lookup: value}),
        rebuild=lambda rename, swaps: field_eq(rename(lookup), value),
    )


def field_in(lookup: str, values: Iterable[object]) -> Cond:
    options = tuple(values)
    return Cond(
        lambda o: follow(o, lookup) in options,
        Q(**{f"{lookup}__in": list(options)}),
        rebuild=lambda rename, swaps: field_in(rename(lookup), options),
    )


def is_set(lookup: str) -> Cond:
    """The field (or relation) is not null."""
    return Cond(
        lambda o: follow(o, lookup) is not None,
        Q(**{f"{lookup}__isnull": False}),
        rebuild=lambda rename, swaps: is_set(rename(lookup)),
    )


def is_unset(lookup: str) -> Cond:
    """The field (or relation) is null."""
    return Cond(
        lambda o: follow(o, lookup) is None,
        Q(**{f"{lookup}__isnull": True}),
        rebuild=lambda rename, swaps: is_unset(rename(lookup)),
    )


# --- Clauses -----------------------------------------------------------------------------


def covers(roots: Sequence[str], path: str | None, strict: bool = False) -> bool:
    """The path lies in one of the subtrees (strict: strictly below the root)."""
    if not path:
        return False
    return any(path.startswith(root) and not (strict and path == root) for root in roots)


def covers_q(roots: Sequence[str], lookup: str, strict: bool = False) -> Q:
    q = NOTHING
    for root in roots:
        part = Q(**{f"{lookup}__startswith": root})
        if strict:
            part &= ~Q(**{lookup: root})
        q |= part
    return q


class Clause:
    """One way a user may reach a row: a Python test and a Q from the same inputs.

    Subclasses implement `_matches` and `_q`; `when` (a row condition) narrows both.
    `could(user)` answers the model-level question "could this clause ever match?"."""

    when: Cond

    def _matches(self, user: User, obj: Any) -> bool:
        raise NotImplementedError

    def _q(self, user: User) -> Q:
        raise NotImplementedError

    def could(self, user: User) -> bool:
        raise NotImplementedError

    def matches(self, user: User, obj: Any) -> bool:
        return self.when.test(obj) and self._matches(user, obj)

    def q(self, user: User) -> Q:
        inner = self._q(user)
        if inner is NOTHING or not self.when.q:
            return inner
        return inner & self.when.q

    def relocate(self, rename: Rename, swaps: Mapping[str, Cond]) -> Clause:
        raise ValueError(f"{type(self).__name__} cannot be relocated")

    def __and__(self, other: Clause) -> AllOf:
        return AllOf((self, other))

    def __or__(self, other: Clause) -> AnyOf:
        return AnyOf((self, other))

    def __invert__(self) -> Not:
        return Not(self)


@dataclass(frozen=True)
class RootsClause(Clause):
    """The row's path lies in one of the subtrees `roots(user)` returns."""

    roots: Callable[[User], Sequence[str]]
    lookup: str
    strict: bool = False
    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        return covers(self.roots(user), follow(obj, self.lookup), self.strict)

    def _q(self, user: User) -> Q:
        roots = self.roots(user)
        return covers_q(roots, self.lookup, self.strict) if roots else NOTHING

    def could(self, user: User) -> bool:
        return bool(self.roots(user))


@dataclass(frozen=True)
class PathClause(Clause):
    """Grant `capability` over the row's path (strict: only from strictly above it)."""

    capability: Capability
    lookup: str
    strict: bool = False
    when: Cond = ALWAYS

    def _roots(self, user: User) -> list[str]:
        return scope_paths(user, self.capability)

    def matches(self, user: User, obj: Any) -> bool:
        # The user's roots first: without the capability the row's conditions are not read
        # (a job's gate asks seven clauses for each of 100,000 reminders).
        roots = self._roots(user)
        return bool(roots) and self.when.test(obj) and self._covers(roots, obj)

    def _matches(self, user: User, obj: Any) -> bool:
        return self._covers(self._roots(user), obj)

    def _covers(self, roots: Sequence[str], obj: Any) -> bool:
        return covers(roots, follow(obj, self.lookup), self.strict)

    def _q(self, user: User) -> Q:
        roots = self._roots(user)
        return covers_q(roots, self.lookup, self.strict) if roots else NOTHING

    def could(self, user: User) -> bool:
        return bool(self._roots(user))

    def relocate(self, rename: Rename, swaps: Mapping[str, Cond]) -> PathClause:
        return replace(self, lookup=rename(self.lookup), when=self.when.relocate(rename, swaps))


@dataclass(frozen=True)
class UnitClause(Clause):
    """`capability` held in exactly the row's unit (superiors do not count)."""

    capability: Capability
    lookup: str = "org_path"
    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        return follow(obj, self.lookup) in grant_paths(user, self.capability)

    def _q(self, user: User) -> Q:
        paths = sorted(set(grant_paths(user, self.capability)))
        return Q(**{f"{self.lookup}__in": paths}) if paths else NOTHING

    def could(self, user: User) -> bool:
        return bool(grant_paths(user, self.capability))


@dataclass(frozen=True)
class OwnTenureClause(Clause):
    """The row names one of the user's own current tenures (e.g. the task owner)."""

    lookup: str
    when: Cond = ALWAYS

    @staticmethod
    def _ids(user: User) -> frozenset[int]:
        # Kept beside the user's grants (and forgotten with them): a job's gate asks it for
        # each of 100,000 reminders.
        def compute() -> frozenset[int]:
            return frozenset(g.tenure_id for g in user_grants(user))

        return request_cache.cached_for_user(GRANTS, user, compute, "tenures")

    def matches(self, user: User, obj: Any) -> bool:
        # The owner first: most rows name someone else, and their conditions are not read.
        return self._matches(user, obj) and self.when.test(obj)

    def _matches(self, user: User, obj: Any) -> bool:
        return follow(obj, self.lookup) in self._ids(user)

    def _q(self, user: User) -> Q:
        ids = sorted(self._ids(user))
        return Q(**{f"{self.lookup}__in": ids}) if ids else NOTHING

    def could(self, user: User) -> bool:
        return bool(user_grants(user))

    def relocate(self, rename: Rename, swaps: Mapping[str, Cond]) -> OwnTenureClause:
        return replace(self, lookup=rename(self.lookup), when=self.when.relocate(rename, swaps))


@dataclass(frozen=True)
class UserClause(Clause):
    """The row's user field (a lookup ending in a user id) is the user."""

    lookup: str
    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        return bool(user.is_authenticated) and follow(obj, self.lookup) == user.pk

    def _q(self, user: User) -> Q:
        return Q(**{self.lookup: user.pk}) if user.is_authenticated else NOTHING

    def could(self, user: User) -> bool:
        return bool(user.is_authenticated)


@dataclass(frozen=True)
class HeldByUserClause(Clause):
    """The tenure at `lookup` is held by the user (current: and is in force today)."""

    lookup: str
    current: bool = False
    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        tenure = follow(obj, self.lookup)
        if tenure is None or not user.is_authenticated or tenure.person.user_id != user.pk:
            return False
        return not self.current or bool(tenure.is_current)

    def _q(self, user: User) -> Q:
        if not user.is_authenticated:
            return NOTHING
        q = Q(**{f"{self.lookup}__person__user": user.pk})
        if self.current:
            day, lookup = today(), self.lookup
            q &= Q(**{f"{lookup}__start_date__lte": day}) & (
                Q(**{f"{lookup}__end_date__isnull": True}) | Q(**{f"{lookup}__end_date__gte": day})
            )
        return q

    def could(self, user: User) -> bool:
        return bool(user.is_authenticated)


@dataclass(frozen=True)
class RelatedClause(Clause):
    """Some row of `model` whose foreign key `fk` points at this row matches `inner`."""

    model: str  # "app_label.ModelName"
    fk: str
    inner: Clause
    when: Cond = ALWAYS

    def _rows(self) -> QuerySet[Model]:
        model: type[Model] = apps.get_model(self.model)
        return model._default_manager.all()

    def _matches(self, user: User, obj: Any) -> bool:
        related = self._rows().filter(**{self.fk: obj.pk})
        return any(self.inner.matches(user, row) for row in related)

    def _q(self, user: User) -> Q:
        inner = self.inner.q(user)
        if inner is NOTHING:
            return NOTHING
        return Q(Exists(self._rows().filter(inner, **{self.fk: OuterRef("pk")})))

    def could(self, user: User) -> bool:
        return self.inner.could(user)


@dataclass(frozen=True)
class AllOf(Clause):
    """Every part matches."""

    parts: tuple[Clause, ...]
    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        return all(part.matches(user, obj) for part in self.parts)

    def _q(self, user: User) -> Q:
        q = Q()
        for part in self.parts:
            part_q = part.q(user)
            if part_q is NOTHING:
                return NOTHING
            q &= part_q
        return q

    def could(self, user: User) -> bool:
        return all(part.could(user) for part in self.parts)


@dataclass(frozen=True)
class AnyOf(Clause):
    """At least one part matches."""

    parts: tuple[Clause, ...]
    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        return clauses_match(user, obj, self.parts)

    def _q(self, user: User) -> Q:
        return clauses_q(user, self.parts)

    def could(self, user: User) -> bool:
        return any(part.could(user) for part in self.parts)


@dataclass(frozen=True)
class Not(Clause):
    """The part does not match (e.g. "not the user's own log")."""

    part: Clause
    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        return not self.part.matches(user, obj)

    def _q(self, user: User) -> Q:
        q = self.part.q(user)
        if q is NOTHING:
            return Q()
        return ~q if q else NOTHING

    def could(self, user: User) -> bool:
        return True


@dataclass(frozen=True)
class Nobody(Clause):
    """Matches no row: only unrestricted users (superusers) hold the permission."""

    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Any) -> bool:
        return False

    def _q(self, user: User) -> Q:
        return NOTHING

    def could(self, user: User) -> bool:
        return False


def any_q(qs: Iterable[Q]) -> Q:
    """OR of Qs, where NOTHING matches no row and an empty Q() every row.

    (Django's `Q(pk__in=[]) | Q()` drops the empty side, so it cannot be OR-ed plainly.)"""
    result = NOTHING
    for q in qs:
        if q is NOTHING:
            continue
        if not q:
            return Q()
        result = q if result is NOTHING else result | q
    return result


def clauses_q(user: User, clauses: Iterable[Clause]) -> Q:
    """OR of the clauses' Qs (no clause matching gives a Q that matches nothing)."""
    return any_q(clause.q(user) for clause in clauses)


def clauses_match(user: User, obj: Any, clauses: Iterable[Clause]) -> bool:
    return any(clause.matches(user, obj) for clause in clauses)


def relocate(
    clauses: Iterable[Clause], lookups: Mapping[str, str], swaps: Mapping[str, Cond]
) -> list[Clause]:
    """The clauses on a table whose columns copy the original fields.

    `lookups` renames the original lookups (those not named are kept as they are when they
    follow no relation); `swaps` replaces named conditions by conditions on the copies."""

    def rename(lookup: str) -> str:
        if lookup in lookups:
            return lookups[lookup]
        if "__" in lookup:
            raise ValueError(f"lookup {lookup!r} has no copy on the relocated table")
        return lookup

    return [clause.relocate(rename, swaps) for clause in clauses]


# --- Registered permissions -------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredPerm:
    """One permission in both forms: an object check and a queryset filter."""

    name: str
    clauses: tuple[Clause, ...]
    model_level: Callable[[User], bool]  # user -> could the user ever?
    model: str | None = None  # "app_label.ModelName" when not implied by the codename

    def check(self, user: User, obj: Any) -> bool:
        return clauses_match(user, obj, self.clauses)

    def queryset_q(self, user: User) -> Q:
        return clauses_q(user, self.clauses)

    def model_class(self) -> type[Model]:
        if self.model:
            return apps.get_model(self.model)
        app_label, codename = self.name.split(".")
        return apps.get_model(app_label, codename.split("_", 1)[1])


_REGISTRY: dict[str, RegisteredPerm] = {}


def define(
    name: str,
    clauses: Sequence[Clause],
    *,
    model: str | None = None,
    model_level: Callable[[User], bool] | None = None,
) -> RegisteredPerm:
    """Define a permission once: the rules predicate and `scope_q` both come from `clauses`.

    `model_level` answers has_perm(name) without an object; by default "could any clause
    ever match for this user?"."""
    parts = tuple(clauses)

    def could(user: User) -> bool:
        return any(clause.could(user) for clause in parts)

    perm = RegisteredPerm(name, parts, model_level or could, model)
    _REGISTRY[name] = perm

    @rules_predicate(name=f"registered:{name}")  # type: ignore[no-untyped-call, untyped-decorator]
    def predicate(user: User, obj: Any = None) -> bool:
        if is_unrestricted(user):
            return True
        if obj is None:
            return perm.model_level(user)
        return perm.check(user, obj)

    set_perm(name, predicate)  # type: ignore[no-untyped-call]
    return perm


def register_scoped_perm(
    name: str, capability: Capability, *, field: str = "org_path", model: str | None = None
) -> RegisteredPerm:
    """Shorthand for the common case: the row's path lies in the user's subtrees."""
    return define(name, [PathClause(capability, field)], model=model)


def registered_perms() -> dict[str, RegisteredPerm]:
    return dict(_REGISTRY)


def scope_q(user: User, perm_name: str) -> Q:
    """Queryset filter for a registered permission; agrees with the rules predicate."""
    perm = _REGISTRY[perm_name]
    if is_unrestricted(user):
        return Q()
    return perm.queryset_q(user)


def scoped(queryset: QuerySet[Any], user: User, perm_name: str) -> QuerySet[Any]:
    return queryset.filter(scope_q(user, perm_name))


def get_scoped_object_or_404(
    request: HttpRequest,
    queryset: QuerySet[Any],
    pk: object,
    *,
    view_perm: str,
    change_perm: str,
    write: bool = False,
) -> Any:
    """The access helper every view goes through.

    Out of scope → 404 (never confirm existence); in scope but read-only → 403.
    """
    obj = queryset.filter(scope_q(request.user, view_perm)).filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not request.user.has_perm(change_perm, obj):
        raise PermissionDenied
    return obj
