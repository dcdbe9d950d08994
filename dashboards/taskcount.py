"""`TaskCount`: rectification tasks per subtree, quarter of the due date, state and the
scope dimensions (issue 19).

A task counts on every prefix of its org path, for the quarter of its due date, its state
(open; closed on time, i.e. on or before the due date in local time; closed late) and what
`inspections.view_rectificationtask` reads of it — the columns `TaskScope` already copies
from the task, its finding and the round (the inspecting body's path, the finding's path, the
side, the two flags). The source is `TaskScope` itself: its triggers keep it from the task,
finding and round tables, and this table's triggers (dashboards/countset.py) follow its rows.
dashboards/scope.py relocates the task rule's path clauses onto these columns.
"""

from __future__ import annotations

from django.db.models import Case, CharField, DateField, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from dashboards.countset import CountSet, local_day_sql
from dashboards.models import TaskCount, TaskScope
from inspections.models import RectificationTask

TASKSCOPE = "dashboards_taskscope"


def source(vendor: str) -> QuerySet:
    # inspections.models.closed_on_time, with the local day in SQL a trigger can run
    # (`closed_at__date` calls a function Django registers on its own SQLite connections).
    closed = Q(status=RectificationTask.Status.CLOSED)
    on_time = closed & Q(closed_day__lte=F("due_date"))
    closed_day = RawSQL(local_day_sql(vendor, f'"{TASKSCOPE}"."closed_at"'), [], DateField())
    return (
        TaskScope.objects.order_by()
        .alias(closed_day=closed_day)
        .annotate(
            c_path=F("org_path"),
            c_day=F("due_date"),
            d0=Case(
                When(on_time, then=Value(TaskCount.State.ON_TIME)),
                When(closed, then=Value(TaskCount.State.LATE)),
                default=Value(TaskCount.State.OPEN),
                output_field=CharField(),
            ),
            d1=F("inspecting_path"),
            d2=F("finding_org_path"),
            d3=F("side"),
            d4=F("secret"),
            d5=F("delivered"),
            k_id=F("task_id"),
        )
        .values_list("c_path", "c_day", "d0", "d1", "d2", "d3", "d4", "d5", "k_id")
    )


COUNTS = CountSet(
    name="task",
    table="dashboards_taskcount",
    dims=("state", "inspecting_path", "finding_org_path", "side", "secret", "delivered"),
    path_dims=("inspecting_path", "finding_org_path"),
    source=source,
    watched={
        TASKSCOPE: (
            (
                "org_path",
                "status",
                "due_date",
                "closed_at",
                "inspecting_path",
                "finding_org_path",
                "side",
                "secret",
                "delivered",
            ),
            "r.k_id = ROW.task_id",
        ),
    },
)
