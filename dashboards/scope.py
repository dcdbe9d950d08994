"""Scope rules of the cockpit's own tables, derived from the rules they mirror.

`TaskScope` copies, on one row per rectification task, the fields the task-visibility rule
reads (dashboards/taskscope.py). `task_view_q(user)` filters those rows with
`inspections.view_rectificationtask` itself: `inspections.rules.TASK_VIEW` relocated onto
the copies — `finding__inspecting_path` → `inspecting_path`, `finding__org_path` →
`finding_org_path`, `finding__side` → `side`, the "not secret" condition → `secret=False`,
"delivered" → `delivered=True` (the two flags are computed with the same inspections
conditions). tests/dashboards/test_counts.py checks that both select the same tasks for
every user of the cast, including upward-channel and covert-visit rows.
"""

from __future__ import annotations

from django.db.models import Q

from accountability.rules import case_view_clauses
from dashboards import taskcount
from inspections import rules as inspection_rules
from responsibilities.scoping import (
    NOTHING,
    Capability,
    PathClause,
    User,
    clauses_q,
    field_eq,
    is_unrestricted,
    relocate,
    scope_paths,
)

# Where TaskScope keeps the finding's fields the rule reads.
COPIED_LOOKUPS = {
    "finding__inspecting_path": "inspecting_path",
    "finding__org_path": "finding_org_path",
    "finding__side": "side",
}
COPIED_CONDITIONS = {
    "not_secret": field_eq("secret", False),
    "delivered": field_eq("delivered", True),
}

TASK_VIEW = relocate(inspection_rules.TASK_VIEW, COPIED_LOOKUPS, COPIED_CONDITIONS)


def _rows_q(user: User, clauses) -> Q:
    """The rows `clauses` let the viewer count (all of them for an unrestricted viewer)."""
    return Q() if is_unrestricted(user) else clauses_q(user, clauses)


def task_view_q(user: User) -> Q:
    return _rows_q(user, TASK_VIEW)


# TaskCount (dashboards/taskcount.py): TaskScope's columns under the same names, the task's
# org path as the row's subtree `prefix`. Only the path clauses can be read from counts; the
# others (the viewer's own tasks) are asked of TaskScope (task_beyond_paths_q).
TASK_PATH_VIEW = [c for c in TASK_VIEW if isinstance(c, PathClause)]
TASK_OTHER_VIEW = [c for c in TASK_VIEW if not isinstance(c, PathClause)]
TASK_COUNT_VIEW = relocate(TASK_PATH_VIEW, {"org_path": "prefix"}, {})


def task_count_q(user: User) -> Q:
    return _rows_q(user, TASK_COUNT_VIEW)


def task_path_view_q(user: User) -> Q:
    """The path clauses of `task_view_q` alone (what TaskCount rows can answer), on TaskScope."""
    return _rows_q(user, TASK_PATH_VIEW)


def task_beyond_paths_q(user: User) -> Q:
    """TaskScope rows the viewer sees only through a clause that is not a path clause (a task
    the viewer owns but would not otherwise see): counted from TaskScope beside the counts.
    With `task_path_view_q` it selects what `task_view_q` selects, each row once."""
    if is_unrestricted(user):
        return NOTHING
    others = clauses_q(user, TASK_OTHER_VIEW)
    if others is NOTHING:
        return NOTHING
    return others & ~task_path_view_q(user)


def task_counts_exact(user: User, path: str) -> bool:
    """Whether TaskCount rows of the unit at `path` and of its children count exactly the
    tasks there that `task_path_view_q` selects (counts_exact)."""
    return counts_exact(user, TASK_COUNT_VIEW, path, taskcount.COUNTS.path_dims)


# FindingCount (dashboards/findingcount.py): the finding's fields under their own names, its
# org path as the row's subtree `prefix`, the two flags computed by the same conditions.
FINDING_COUNT_VIEW = relocate(
    inspection_rules.FINDING_VIEW, {"org_path": "prefix"}, COPIED_CONDITIONS
)


def path_capabilities(clauses, lookups) -> set[Capability]:
    """The capabilities of the clauses that test one of the count row's path columns: its
    subtree `prefix` and the path dimensions stored relative to it (CountSet.path_dims)."""
    out = set()
    for clause in clauses:
        lookup = getattr(clause, "lookup", None)
        if lookup not in lookups:
            continue
        # "Strictly below a root" cannot be read from a prefix row (it sums its subtree).
        if not isinstance(clause, PathClause) or (clause.strict and lookup == "prefix"):
            raise ValueError(f"{clause!r} cannot be answered from subtree counts")
        out.add(clause.capability)
    return out


def counts_exact(user: User, clauses, path: str, path_dims: tuple[str, ...] = ()) -> bool:
    """Whether subtree count rows of the unit at `path` and of its children can be scoped
    exactly by `clauses` relocated onto `prefix` and the path dimensions `path_dims`.

    "prefix starts with a root" equals "every counted row's path starts with it" when each
    root of the viewer either covers the unit or lies outside its subtree; so does the same
    test on a path dimension cut to the child level below the prefix. A root strictly inside
    the subtree (a second post below the unit, e.g. a county's discipline line held beside a
    city post) would make a row count only part of its rows: the caller then counts the rows
    themselves."""
    if is_unrestricted(user):
        return True
    for capability in path_capabilities(clauses, ("prefix", *path_dims)):
        for root in scope_paths(user, capability):
            if root.startswith(path) and root != path:
                return False
    return True


def finding_count_q(user: User) -> Q:
    return _rows_q(user, FINDING_COUNT_VIEW)


# MeasureCount (dashboards/measurecount.py): the case's fields the case-visibility rule reads.
MEASURE_COUNT_VIEW = relocate(
    case_view_clauses("case__"),
    {
        "case__handling_path": "handling_path",
        "case__deciding_path": "deciding_path",
        "case__deciding_body__kind": "deciding_kind",
    },
    {},
)


def measure_count_q(user: User) -> Q:
    """`case_visible_q(user, "case__")` on MeasureCount's columns."""
    return _rows_q(user, MEASURE_COUNT_VIEW)
