"""Who sees and changes inspection records: predicates and queryset filters from one table.

Visibility here needs more than one capability per permission (the inspecting side is
decided on the inspecting body's path, the target side on the target's path, and covert
visits and the upward channel hide rows from everyone but the discipline line). So each
permission is a list of *clauses*; a clause is (capability, path field, strict?, condition),
and it yields both a Python test and a Q from the same inputs. The rules predicate is "any
clause matches", the queryset filter the OR of the clauses' Qs. They are registered through
`register_scoped_perm` (so `scope_q(user, perm)` works as everywhere else) with the
predicate replaced by the clause predicate.

Who sees a finding:
1. the inspecting side: SUPERVISE over the inspecting body's org (the body itself and the
   discipline bodies above it) — always, including covert visits and the upward channel;
2. unless secret (upward channel, or a covert visit not yet disclosed): the committee at
   the inspecting level (MANAGE) and every superior (VIEW strictly above that level);
3. unless secret, once delivered (feedback given / covert visit disclosed): the target and
   its superiors — VIEW over the target for principal responsibility, SUPERVISE for
   supervisory responsibility (re-supervision targets the lower discipline body itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter

from django.db.models import Exists, OuterRef, Q

from inspections.models import Finding, InspectionRound, RoundTarget, Side
from responsibilities.scoping import (
    Capability,
    register_permission,
    register_scoped_perm,
    scope_paths,
    user_grants,
)

COVERT = InspectionRound.Kind.COVERT_VISIT


def _get(obj, lookup: str):
    """Follow a Django lookup ("finding__round") as attributes; None short-circuits."""
    value = obj
    for part in lookup.split("__"):
        if value is None:
            return None
        value = attrgetter(part)(value)
    return value


def _p(prefix: str, lookup: str) -> str:
    return f"{prefix}{lookup}"


@dataclass(frozen=True)
class Cond:
    """A row condition in both forms: a Python test and a Q."""

    test: Callable[[object], bool]
    q: Q

    def __and__(self, other: Cond) -> Cond:
        return Cond(lambda o: self.test(o) and other.test(o), self.q & other.q)


ALWAYS = Cond(lambda o: True, Q())


def covert_hidden(prefix: str = "") -> Cond:
    """The row belongs to a covert visit not yet disclosed (prefix points at the finding)."""

    def test(obj) -> bool:
        rnd = _get(obj, _p(prefix, "round"))
        return rnd is not None and rnd.kind == COVERT and rnd.disclosed_at is None

    return Cond(
        test,
        Q(
            **{
                _p(prefix, "round__isnull"): False,
                _p(prefix, "round__kind"): COVERT,
                _p(prefix, "round__disclosed_at__isnull"): True,
            }
        ),
    )


def not_secret(prefix: str = "") -> Cond:
    """Neither upward channel nor an undisclosed covert visit (prefix points at a finding)."""
    hidden = covert_hidden(prefix)
    return Cond(
        lambda o: not _get(o, _p(prefix, "upward_channel")) and not hidden.test(o),
        Q(**{_p(prefix, "upward_channel"): False})
        & (
            Q(**{_p(prefix, "round__isnull"): True})
            | ~Q(**{_p(prefix, "round__kind"): COVERT})
            | Q(**{_p(prefix, "round__disclosed_at__isnull"): False})
        ),
    )


def delivered(prefix: str = "") -> Cond:
    return Cond(
        lambda o: _get(o, _p(prefix, "delivered_at")) is not None,
        Q(**{_p(prefix, "delivered_at__isnull"): False}),
    )


def side_is(side: str, prefix: str = "") -> Cond:
    return Cond(lambda o: _get(o, _p(prefix, "side")) == side, Q(**{_p(prefix, "side"): side}))


def round_announced() -> Cond:
    """Targets see a round once the team arrives; a covert visit only once disclosed."""
    planned = InspectionRound.Status.PLANNED
    return Cond(
        lambda r: (r.disclosed_at is not None) if r.kind == COVERT else r.status != planned,
        (~Q(kind=COVERT) & ~Q(status=planned)) | Q(kind=COVERT, disclosed_at__isnull=False),
    )


def round_not_hidden() -> Cond:
    return Cond(
        lambda r: not (r.kind == COVERT and r.disclosed_at is None),
        ~Q(kind=COVERT) | Q(disclosed_at__isnull=False),
    )


# --- Clauses -------------------------------------------------------------------------


def _covers(roots: list[str], path: str | None, strict: bool) -> bool:
    if not path:
        return False
    return any(path.startswith(root) and not (strict and path == root) for root in roots)


def _covers_q(roots: list[str], lookup: str, strict: bool) -> Q:
    q = Q(pk__in=[])
    for root in roots:
        part = Q(**{f"{lookup}__startswith": root})
        if strict:
            part &= ~Q(**{lookup: root})
        q |= part
    return q


@dataclass(frozen=True)
class PathClause:
    """Grant `capability` over the row's path (strict: only from strictly above it)."""

    capability: Capability
    lookup: str
    strict: bool = False
    when: Cond = field(default=ALWAYS)

    def matches(self, user, obj) -> bool:
        return self.when.test(obj) and _covers(
            scope_paths(user, self.capability), _get(obj, self.lookup), self.strict
        )

    def q(self, user) -> Q:
        roots = scope_paths(user, self.capability)
        if not roots:
            return Q(pk__in=[])
        return _covers_q(roots, self.lookup, self.strict) & self.when.q


@dataclass(frozen=True)
class OwnTenureClause:
    """The row names one of the user's own current tenures (e.g. the task owner)."""

    lookup: str
    when: Cond = field(default=ALWAYS)

    @staticmethod
    def _ids(user) -> set[int]:
        return {g.tenure_id for g in user_grants(user)}

    def matches(self, user, obj) -> bool:
        return self.when.test(obj) and _get(obj, self.lookup) in self._ids(user)

    def q(self, user) -> Q:
        ids = sorted(self._ids(user))
        if not ids:
            return Q(pk__in=[])
        return Q(**{f"{self.lookup}__in": ids}) & self.when.q


@dataclass(frozen=True)
class RoundTargetClause:
    """A target of the round (VIEW, or SUPERVISE for supervisory targets) once announced."""

    when: Cond = field(default_factory=round_announced)

    @staticmethod
    def _roots(user) -> dict[str, list[str]]:
        return {
            Side.PRINCIPAL: scope_paths(user, Capability.VIEW),
            Side.SUPERVISORY: scope_paths(user, Capability.SUPERVISE),
        }

    def matches(self, user, obj) -> bool:
        if not self.when.test(obj):
            return False
        roots = self._roots(user)
        return any(_covers(roots[t.side], t.org_path, False) for t in obj.round_targets.all())

    def q(self, user) -> Q:
        roots = self._roots(user)
        inner = Q(pk__in=[])
        for side, paths in roots.items():
            if paths:
                inner |= Q(side=side) & _covers_q(paths, "org_path", False)
        targets = RoundTarget.objects.filter(inner, round=OuterRef("pk"))
        return Q(Exists(targets)) & self.when.q


def finding_view_clauses(prefix: str = "") -> list:
    open_ = not_secret(prefix)
    target = open_ & delivered(prefix)
    return [
        PathClause(Capability.SUPERVISE, _p(prefix, "inspecting_path")),
        PathClause(Capability.MANAGE, _p(prefix, "inspecting_path"), when=open_),
        PathClause(Capability.VIEW, _p(prefix, "inspecting_path"), strict=True, when=open_),
        PathClause(
            Capability.VIEW,
            _p(prefix, "org_path"),
            when=target & side_is(Side.PRINCIPAL, prefix),
        ),
        PathClause(
            Capability.SUPERVISE,
            _p(prefix, "org_path"),
            when=target & side_is(Side.SUPERVISORY, prefix),
        ),
    ]


def task_rectify_clauses() -> list:
    """The target side, who reports progress and asks for closure or extension."""
    target = not_secret("finding__") & delivered("finding__")
    return [
        PathClause(
            Capability.MANAGE, "org_path", when=target & side_is(Side.PRINCIPAL, "finding__")
        ),
        PathClause(
            Capability.MANAGE,
            "finding__org_path",
            when=target & side_is(Side.PRINCIPAL, "finding__"),
        ),
        PathClause(
            Capability.SUPERVISE,
            "finding__org_path",
            when=target & side_is(Side.SUPERVISORY, "finding__"),
        ),
        OwnTenureClause("owner_tenure_id", when=target),
    ]


def task_view_clauses() -> list:
    target = not_secret("finding__") & delivered("finding__")
    return [
        *finding_view_clauses("finding__"),
        PathClause(Capability.VIEW, "org_path", when=target & side_is(Side.PRINCIPAL, "finding__")),
        OwnTenureClause("owner_tenure_id", when=target),
    ]


ROUND_VIEW = [
    PathClause(Capability.SUPERVISE, "org_path"),
    PathClause(Capability.MANAGE, "org_path", when=round_not_hidden()),
    PathClause(Capability.VIEW, "org_path", strict=True, when=round_not_hidden()),
    RoundTargetClause(),
]
ROUND_CHANGE = [PathClause(Capability.SUPERVISE, "org_path")]
FINDING_VIEW = finding_view_clauses()
FINDING_CHANGE = [PathClause(Capability.SUPERVISE, "inspecting_path")]
TASK_VIEW = task_view_clauses()
TASK_RECTIFY = task_rectify_clauses()
TASK_VERIFY = [PathClause(Capability.SUPERVISE, "finding__inspecting_path")]
REPORT_SUBMIT = [
    PathClause(Capability.MANAGE, "org_path", when=side_is(Side.PRINCIPAL, "target__")),
    PathClause(Capability.SUPERVISE, "org_path", when=side_is(Side.SUPERVISORY, "target__")),
]

CLAUSES: dict[str, list] = {
    "inspections.view_inspectionround": ROUND_VIEW,
    "inspections.change_inspectionround": ROUND_CHANGE,
    "inspections.view_finding": FINDING_VIEW,
    "inspections.change_finding": FINDING_CHANGE,
    # Verifying concealment (瞒报) is the reviewers' call: the inspecting discipline line.
    "inspections.mark_concealed_finding": FINDING_CHANGE,
    "inspections.view_rectificationtask": TASK_VIEW,
    "inspections.rectify_rectificationtask": TASK_RECTIFY,
    "inspections.verify_rectificationtask": TASK_VERIFY,
    "inspections.submit_rectificationreport": REPORT_SUBMIT,
}


CLAUSE_MODELS = {"inspections.mark_concealed_finding": "inspections.Finding"}


def clauses_q(user, clauses: list) -> Q:
    q = Q(pk__in=[])
    for clause in clauses:
        q |= clause.q(user)
    return q


def clauses_match(user, obj, clauses: list) -> bool:
    return any(clause.matches(user, obj) for clause in clauses)


def _capabilities(clauses: list) -> set[Capability]:
    caps = set()
    for clause in clauses:
        if isinstance(clause, PathClause):
            caps.add(clause.capability)
        else:
            caps.update(Capability)
    return caps


def _register(name: str, clauses: list) -> None:
    capabilities = _capabilities(clauses)
    register_permission(
        name,
        # Codenames end in the model name ("verify_rectificationtask"), except where they don't.
        model=CLAUSE_MODELS.get(name),
        check=lambda user, obj: clauses_match(user, obj, clauses),
        q=lambda user: clauses_q(user, clauses),
        # Model-level: "could this user ever …?"
        model_level=lambda user: any(scope_paths(user, cap) for cap in capabilities),
    )


for _name, _clauses in CLAUSES.items():
    _register(_name, _clauses)

# Creating rounds and findings, and the risk profiles used to plan them: discipline
# jurisdiction over the organisation concerned.
register_scoped_perm("inspections.add_inspectionround", Capability.SUPERVISE)
register_scoped_perm("inspections.add_finding", Capability.SUPERVISE)
register_scoped_perm("inspections.view_riskprofile", Capability.SUPERVISE)
register_scoped_perm("inspections.change_riskprofile", Capability.SUPERVISE)


def finding_is_secret(finding: Finding) -> bool:
    return not not_secret().test(finding)
