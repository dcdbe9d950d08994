"""Scope rules of the cockpit's own tables, stated in the terms of the rules they mirror.

`task_view_q(user)` filters `TaskScope` rows exactly as `inspections.view_rectificationtask`
filters tasks (inspections/rules.py, `task_view_clauses`): the same clauses, with the
finding's fields read from the copies on the row — `finding__inspecting_path` →
`inspecting_path`, `finding__org_path` → `finding_org_path`, "not secret" → `secret=False`,
"delivered" → `delivered=True`. tests/dashboards/test_counts.py checks that both select the
same tasks for every user of the cast, including upward-channel and covert-visit rows.
"""

from __future__ import annotations

from django.db.models import Q

from inspections.models import Side
from inspections.rules import Cond, OwnTenureClause, PathClause, clauses_q, side_is
from responsibilities.scoping import Capability, is_unrestricted

OPEN = Cond(lambda o: not o.secret, Q(secret=False))
TARGET = OPEN & Cond(lambda o: o.delivered, Q(delivered=True))

TASK_VIEW = [
    # finding_view_clauses("finding__")
    PathClause(Capability.SUPERVISE, "inspecting_path"),
    PathClause(Capability.MANAGE, "inspecting_path", when=OPEN),
    PathClause(Capability.VIEW, "inspecting_path", strict=True, when=OPEN),
    PathClause(Capability.VIEW, "finding_org_path", when=TARGET & side_is(Side.PRINCIPAL)),
    PathClause(Capability.SUPERVISE, "finding_org_path", when=TARGET & side_is(Side.SUPERVISORY)),
    # the task's own unit and owner
    PathClause(Capability.VIEW, "org_path", when=TARGET & side_is(Side.PRINCIPAL)),
    OwnTenureClause("owner_tenure_id", when=TARGET),
]


def task_view_q(user) -> Q:
    if is_unrestricted(user):
        return Q()
    return clauses_q(user, TASK_VIEW)
