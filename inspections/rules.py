"""Who sees and changes inspection records: predicates and queryset filters from one table.

Visibility here needs more than one capability per permission (the inspecting side is
decided on the inspecting body's path, the target side on the target's path, and covert
visits and the upward channel hide rows from everyone but the discipline line). So each
permission is a list of *clauses*; a clause is (capability, path field, strict?, condition),
and it yields both a Python test and a Q from the same inputs. The rules predicate is "any
clause matches", the queryset filter the OR of the clauses' Qs. The clause classes and the
field conditions are the kit of responsibilities/scoping.py; what is particular to
inspections (secrecy, delivery, round targets) is built from it here and defined with
`define`, so `scope_q(user, perm)` works as everywhere else. The cockpit's `TaskScope`
relocates `TASK_VIEW` onto its copied columns (dashboards/scope.py).

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

from dataclasses import dataclass
from operator import attrgetter

from django.db.models import Exists, OuterRef, Q

from inspections.models import Feedback, Finding, InspectionRound, RoundTarget, Side
from liangge_zeren import request_cache
from notifications import gate
from responsibilities.models import Tenure
from responsibilities.scoping import (
    ALWAYS,
    NOTHING,
    Capability,
    Clause,
    Cond,
    OwnTenureClause,
    PathClause,
    User,
    clauses_match,
    clauses_q,
    covers,
    covers_q,
    define,
    field_eq,
    follow,
    is_set,
    is_unset,
    prefixed,
    scope_paths,
)

COVERT = InspectionRound.Kind.COVERT_VISIT
_p = prefixed


def undisclosed_covert(prefix: str = "") -> Cond:
    """A covert visit not yet disclosed (prefix points at the round)."""
    return field_eq(_p(prefix, "kind"), COVERT) & is_unset(_p(prefix, "disclosed_at"))


def covert_hidden(prefix: str = "") -> Cond:
    """The row belongs to a covert visit not yet disclosed (prefix points at the finding)."""
    return is_set(_p(prefix, "round")) & undisclosed_covert(_p(prefix, "round__"))


def secret(prefix: str = "") -> Cond:
    """Upward channel, or an undisclosed covert visit (prefix points at a finding)."""
    return (field_eq(_p(prefix, "upward_channel"), True) | covert_hidden(prefix)).named("secret")


def not_secret(prefix: str = "") -> Cond:
    """Neither upward channel nor an undisclosed covert visit (prefix points at a finding)."""
    return (~secret(prefix)).named("not_secret")


def delivered(prefix: str = "") -> Cond:
    """Feedback given (or the covert visit disclosed): the target may see the finding."""
    return is_set(_p(prefix, "delivered_at")).named("delivered")


def side_is(side: str, prefix: str = "") -> Cond:
    return field_eq(_p(prefix, "side"), side)


def round_announced(prefix: str = "") -> Cond:
    """Targets see a round once the team arrives; a covert visit only once disclosed."""
    covert = field_eq(_p(prefix, "kind"), COVERT)
    arrived = ~field_eq(_p(prefix, "status"), InspectionRound.Status.PLANNED)
    return (~covert & arrived) | (covert & is_set(_p(prefix, "disclosed_at")))


def round_not_hidden(prefix: str = "") -> Cond:
    return ~undisclosed_covert(prefix)


# --- Clauses -------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundTargetClause(Clause):
    """A target of the round (VIEW, or SUPERVISE for supervisory targets) once announced."""

    when: Cond = round_announced()

    @staticmethod
    def _roots(user: User) -> dict[str, list[str]]:
        return {
            Side.PRINCIPAL: scope_paths(user, Capability.VIEW),
            Side.SUPERVISORY: scope_paths(user, Capability.SUPERVISE),
        }

    def _matches(self, user: User, obj: InspectionRound) -> bool:
        roots = self._roots(user)
        return any(covers(roots[t.side], t.org_path) for t in obj.round_targets.all())

    def _q(self, user: User) -> Q:
        inner = NOTHING
        for side, paths in self._roots(user).items():
            if paths:
                inner |= Q(side=side) & covers_q(paths, "org_path")
        if inner is NOTHING:
            return NOTHING
        return Q(Exists(RoundTarget.objects.filter(inner, round=OuterRef("pk"))))

    def could(self, user: User) -> bool:
        return any(self._roots(user).values())


def finding_view_clauses(prefix: str = "") -> list[Clause]:
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


def task_rectify_clauses() -> list[Clause]:
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


def task_view_clauses() -> list[Clause]:
    target = not_secret("finding__") & delivered("finding__")
    return [
        # First: most who are asked (a reminder's recipient) own the task, and any() stops at
        # the first clause that matches (the order changes nothing else).
        OwnTenureClause("owner_tenure_id", when=target),
        *finding_view_clauses("finding__"),
        PathClause(Capability.VIEW, "org_path", when=target & side_is(Side.PRINCIPAL, "finding__")),
    ]


@dataclass(frozen=True)
class PrincipalLeaderClause(Clause):
    """The user is the principal leader (书记, 第一责任人) of the row's target unit today."""

    lookup: str = "target__org_id"
    when: Cond = ALWAYS

    @staticmethod
    def _org_ids(user: User) -> frozenset[int]:
        def compute() -> frozenset[int]:
            if not user.is_authenticated:
                return frozenset()
            return frozenset(
                Tenure.objects.current()
                .filter(person__user=user, role=Tenure.Role.SECRETARY)
                .values_list("org_id", flat=True)
            )

        return request_cache.cached_for_user("principal_orgs", user, compute)

    def _matches(self, user: User, obj: Feedback) -> bool:
        return follow(obj, self.lookup) in self._org_ids(user)

    def _q(self, user: User) -> Q:
        ids = sorted(self._org_ids(user))
        return Q(**{f"{self.lookup}__in": ids}) if ids else NOTHING

    def could(self, user: User) -> bool:
        return bool(self._org_ids(user))


@dataclass(frozen=True)
class RoundVisibleClause(Clause):
    """The row's round is visible to the user (ROUND_VIEW, asked of the round)."""

    when: Cond = ALWAYS

    def _matches(self, user: User, obj: Feedback) -> bool:
        return clauses_match(user, obj.round, ROUND_VIEW)

    def _q(self, user: User) -> Q:
        inner = clauses_q(user, ROUND_VIEW)
        if inner is NOTHING:
            return NOTHING
        return Q(Exists(InspectionRound.objects.filter(inner, pk=OuterRef("round_id"))))

    def could(self, user: User) -> bool:
        return any(clause.could(user) for clause in ROUND_VIEW)


ROUND_VIEW: list[Clause] = [
    PathClause(Capability.SUPERVISE, "org_path"),
    PathClause(Capability.MANAGE, "org_path", when=round_not_hidden()),
    PathClause(Capability.VIEW, "org_path", strict=True, when=round_not_hidden()),
    RoundTargetClause(),
]
ROUND_CHANGE: list[Clause] = [PathClause(Capability.SUPERVISE, "org_path")]
FINDING_VIEW = finding_view_clauses()
FINDING_CHANGE: list[Clause] = [PathClause(Capability.SUPERVISE, "inspecting_path")]
TASK_VIEW = task_view_clauses()
TASK_RECTIFY = task_rectify_clauses()
TASK_VERIFY: list[Clause] = [PathClause(Capability.SUPERVISE, "finding__inspecting_path")]
REPORT_SUBMIT: list[Clause] = [
    PathClause(Capability.MANAGE, "org_path", when=side_is(Side.PRINCIPAL, "target__")),
    PathClause(Capability.SUPERVISE, "org_path", when=side_is(Side.SUPERVISORY, "target__")),
]

# Feedback (R24): the leadership team's is seen with the round; the principal leader's is
# delivered separately — the principal leader of the target and the inspecting side only.
_TO_PRINCIPAL = field_eq("audience", Feedback.Audience.PRINCIPAL_LEADER)
FEEDBACK_VIEW: list[Clause] = [
    RoundVisibleClause(when=~_TO_PRINCIPAL),
    PathClause(Capability.SUPERVISE, "round__org_path", when=_TO_PRINCIPAL),
    PathClause(
        Capability.MANAGE, "round__org_path", when=_TO_PRINCIPAL & round_not_hidden("round__")
    ),
    PrincipalLeaderClause(when=_TO_PRINCIPAL & round_announced("round__")),
]

CLAUSES: dict[str, list[Clause]] = {
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
    "inspections.view_feedback": FEEDBACK_VIEW,
}


CLAUSE_MODELS = {"inspections.mark_concealed_finding": "inspections.Finding"}

for _name, _clauses in CLAUSES.items():
    # Codenames end in the model name ("verify_rectificationtask"), except where they don't.
    define(_name, _clauses, model=CLAUSE_MODELS.get(_name))

# Creating rounds and findings, and the risk profiles used to plan them: discipline
# jurisdiction over the organisation concerned.
define("inspections.add_inspectionround", [PathClause(Capability.SUPERVISE, "org_path")])
define("inspections.add_finding", [PathClause(Capability.SUPERVISE, "org_path")])
define("inspections.view_riskprofile", [PathClause(Capability.SUPERVISE, "org_path")])
define("inspections.change_riskprofile", [PathClause(Capability.SUPERVISE, "org_path")])


def finding_is_secret(finding: Finding) -> bool:
    return secret().test(finding)


# --- What a message may be about (notifications.gate; issue 14) ---------------------------
# A report is about its round: its target sees it once the round is announced to them (a
# covert visit only once disclosed), like the round page the reminder links to.
gate.subject("inspections.InspectionRound", "inspections.view_inspectionround")
gate.subject(
    "inspections.RectificationReport", "inspections.view_inspectionround", via=attrgetter("round")
)
gate.subject("inspections.Finding", "inspections.view_finding")
gate.subject("inspections.RectificationTask", "inspections.view_rectificationtask")
