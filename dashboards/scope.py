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

from inspections import rules as inspection_rules
from responsibilities.scoping import User, clauses_q, field_eq, is_unrestricted, relocate

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


def task_view_q(user: User) -> Q:
    if is_unrestricted(user):
        return Q()
    return clauses_q(user, TASK_VIEW)
