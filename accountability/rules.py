"""Who sees and changes accountability records: predicates and queryset filters side by side.

Confidentiality (issue 5; design.md §2; domain.md R26):

- an accountability case is visible to the *handling* discipline line — SUPERVISE over the
  handling body's unit (`handling_path`: the body itself and every discipline body above
  it) — and to the *deciding* body and its superiors: MANAGE over `deciding_path` when the
  deciding body is a Party committee, SUPERVISE when it is a discipline body;
- nobody else, including the same-level committee secretary of the failed unit, unless
  that committee is the deciding body. A case on county 1's leaders is decided by the city
  committee (cadre authority one level up), so county 1's secretary — possibly a target —
  never sees the file (R26: leads on same-level committee members go upward);
- a person target sees *their own decision* once it is made (a separate, narrower perm
  `accountability.view_own_decision`) and can appeal;
- disciplinary cases and their 一案双查 probes: the handling discipline line only.

Each permission is a pair (predicate, Q) built from the same grants, and tests check that
they agree on every fixture row.
"""

from __future__ import annotations

import rules
from django.db.models import Exists, OuterRef, Q

from accountability.models import DECIDED_STATUSES
from responsibilities.models import Body, Tenure
from responsibilities.scoping import (
    Capability,
    is_unrestricted,
    path_in_scope,
    paths_q,
    register_permission,
    scope_paths,
    user_grants,
)

DISCIPLINE_KINDS = sorted(Body.DISCIPLINE_KINDS)


def _deciding_capability(case) -> Capability:
    return Capability.SUPERVISE if case.deciding_body.is_discipline else Capability.MANAGE


def case_visible(user, case) -> bool:
    if is_unrestricted(user):
        return True
    return path_in_scope(user, Capability.SUPERVISE, case.handling_path) or path_in_scope(
        user, _deciding_capability(case), case.deciding_path
    )


def case_visible_q(user, prefix: str = "") -> Q:
    if is_unrestricted(user):
        return Q()
    supervise = scope_paths(user, Capability.SUPERVISE)
    manage = scope_paths(user, Capability.MANAGE)
    discipline = Q(**{f"{prefix}deciding_body__kind__in": DISCIPLINE_KINDS})
    return (
        paths_q(supervise, f"{prefix}handling_path")
        | (paths_q(manage, f"{prefix}deciding_path") & ~discipline)
        | (paths_q(supervise, f"{prefix}deciding_path") & discipline)
    )


def case_change(user, case) -> bool:
    return is_unrestricted(user) or path_in_scope(user, Capability.SUPERVISE, case.handling_path)


def case_change_q(user, prefix: str = "") -> Q:
    if is_unrestricted(user):
        return Q()
    return paths_q(scope_paths(user, Capability.SUPERVISE), f"{prefix}handling_path")


def own_decision(user, case) -> bool:
    """The user is a person target of a decided case."""
    if not user.is_authenticated or case.status not in DECIDED_STATUSES:
        return False
    return case.targets.filter(person__user=user).exists()


def own_decision_q(user) -> Q:
    from accountability.models import AccountabilityTarget

    if not user.is_authenticated:
        return Q(pk__in=[])
    mine = AccountabilityTarget.objects.filter(case=OuterRef("pk"), person__user=user)
    return Q(Exists(mine)) & Q(status__in=sorted(DECIDED_STATUSES))


def _register(name: str, test, q_builder, model: str | None = None) -> None:
    register_permission(
        name,
        check=test,
        q=q_builder,
        model_level=lambda user: bool(scope_paths(user, Capability.SUPERVISE)),
        model=model,
    )


_register("accountability.view_accountabilitycase", case_visible, case_visible_q)
_register("accountability.change_accountabilitycase", case_change, case_change_q)
# Opening a case: discipline jurisdiction somewhere (the form limits the units).
_register(
    "accountability.add_accountabilitycase",
    lambda user, obj: case_change(user, obj),
    case_change_q,
)

# A target's own decision (narrower view; never the file itself).
register_permission(
    "accountability.view_own_decision",
    check=own_decision,
    q=own_decision_q,
    model_level=lambda user: user.is_authenticated,
    model="accountability.AccountabilityCase",
)


# Disciplinary cases and probes: the handling discipline line.
def _handling(user, obj) -> bool:
    return is_unrestricted(user) or path_in_scope(user, Capability.SUPERVISE, obj.handling_path)


def _handling_q(prefix: str = ""):
    def build(user) -> Q:
        if is_unrestricted(user):
            return Q()
        return paths_q(scope_paths(user, Capability.SUPERVISE), f"{prefix}handling_path")

    return build


for _name in ("view_disciplinarycase", "change_disciplinarycase", "add_disciplinarycase"):
    _register(f"accountability.{_name}", _handling, _handling_q())


def _probe_handling(user, probe) -> bool:
    return _handling(user, probe.disciplinary_case)


for _name in ("view_dualinvestigation", "change_dualinvestigation"):
    _register(f"accountability.{_name}", _probe_handling, _handling_q("disciplinary_case__"))


# The 一案双查 waiver: only the head of a discipline body with jurisdiction (纪委书记,
# 派驻组组长), not any officer.
HEAD_ROLES = (Tenure.Role.DISCIPLINE_SECRETARY, Tenure.Role.STATIONED_TEAM_LEADER)


def head_paths(user) -> list[str]:
    cached = getattr(user, "_lz_head_paths", None)
    if cached is not None:
        return cached
    ids = {g.tenure_id for g in user_grants(user) if g.capability == Capability.SUPERVISE}
    heads = set(Tenure.objects.filter(pk__in=ids, role__in=HEAD_ROLES).values_list("pk", flat=True))
    paths = sorted(
        {
            g.path
            for g in user_grants(user)
            if g.capability == Capability.SUPERVISE and g.tenure_id in heads
        }
    )
    user._lz_head_paths = paths
    return paths


@rules.predicate
def may_waive_dual(user, case) -> bool:
    if is_unrestricted(user):
        return True
    return any(case.handling_path.startswith(path) for path in head_paths(user))


rules.add_perm("accountability.waive_dual_investigation", may_waive_dual)
