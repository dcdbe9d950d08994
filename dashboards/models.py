"""Count tables of the cockpit (read-only for the application: the database maintains them).

`DutyLogRollup` holds, for every subtree (an org path prefix), quarter and action type, the
number of *counted* duty logs (submitted, resubmitted, accepted — `DutyLog.COUNTED`) in that
subtree. Triggers on `responsibilities_dutylog` (dashboards/rollup.py, installed by migration
0003) add and subtract on every insert, delete and relevant update — whatever code path
writes the log (services, admin, bulk `QuerySet.update`, tree moves) — in the same
transaction, so the table is never stale. `manage.py rebuild_dutylog_rollup` recomputes it
from the logs (after a bulk load with the triggers off, or to verify it).

The cockpit's method-mix widget then reads one row per (child, action type) — about 170 rows
for a province — instead of the quarter's half-million logs.
"""

from django.db import models

from dashboards import taskscope


class DutyLogRollup(models.Model):
    # The subtree: an org path prefix ("0002." the province, "0002.0001." a city, …).
    prefix = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    action_type = models.CharField(max_length=32)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year", "quarter", "action_type"],
                name="dutylog_rollup_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.year}Q{self.quarter} {self.action_type}: {self.n}"


class TaskScope(models.Model):
    """One row per rectification task with what its visibility depends on, copied from the
    task, its finding and the finding's round — so the cockpit's rectification widget scopes
    and counts one narrow table instead of joining 200,000 tasks to 200,000 findings.

    Maintained by triggers (dashboards/taskscope.py) on the task, finding and round tables in
    the writing transaction; `manage.py rebuild_cockpit_counts` recomputes it. The scope rule
    over these columns (dashboards.scope.task_view_q) mirrors inspections.rules TASK_VIEW, and
    tests/dashboards check both select the same tasks for every user of the cast.
    """

    task_id = models.BigIntegerField(primary_key=True)
    org_path = models.CharField(max_length=255)
    status = models.CharField(max_length=24)
    due_date = models.DateField()
    owner_tenure_id = models.BigIntegerField()
    inspecting_path = models.CharField(max_length=255)
    finding_org_path = models.CharField(max_length=255)
    side = models.CharField(max_length=16)
    # Upward channel, or a covert visit not yet disclosed (inspections.rules.not_secret).
    secret = models.BooleanField()
    delivered = models.BooleanField()  # the finding's feedback has been given
    closed_at = models.DateTimeField(null=True)  # when the task was closed (on-time trend)

    class Meta:
        indexes = [
            # The tasks a viewer owns: the rule's own-task clause, counted beside TaskCount
            # for what the viewer sees only as the owner (dashboards.scope.task_beyond_paths_q).
            models.Index(fields=["owner_tenure_id"], name="dash_taskscope_owner"),
            # The tasks due near today in a wide subtree (rectification widget): a range on
            # the due date, covering what the scope rule and the figures read — the key too,
            # which COUNT("task_id") reads: without it PostgreSQL visits the table's pages
            # for every counted task (3,864 of them at a province's root, 17 ms instead of 9).
            models.Index(
                fields=["due_date"],
                include=[c for c in taskscope.COLUMNS if c != "due_date"],
                name="dash_taskscope_due_key_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"task {self.task_id} {self.org_path}"


FINDING_COUNT_KEY = [
    "prefix",
    "year",
    "quarter",
    "category",
    "inspecting_path",
    "side",
    "secret",
    "delivered",
]


class FindingCount(models.Model):
    """Findings per subtree (org path prefix), local quarter of registration, category and
    the fields `inspections.view_finding` reads — kept by triggers
    (dashboards/findingcount.py), scoped by dashboards.scope.finding_count_q. The cockpit's
    findings figure of a unit is a sum over a few rows whatever the size of its subtree."""

    prefix = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20)
    inspecting_path = models.CharField(max_length=255)
    side = models.CharField(max_length=16)
    secret = models.BooleanField()
    delivered = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=FINDING_COUNT_KEY,
                name="finding_count_key",
            )
        ]
        indexes = [
            # The key again with `n` (PostgreSQL; other databases ignore `include` and the
            # key constraint serves them): a root's figure sums thousands of rows, read from
            # this index instead of as many scattered heap pages (root raw: rectification
            # 11.3 → 5.2 ms, findings 16.5 → 8.5). The key constraint stays for ON CONFLICT,
            # which SQLite cannot match to a covering constraint. Price: updates of `n` are
            # no longer HOT (300 task updates in one transaction: within the runs' noise).
            models.Index(fields=FINDING_COUNT_KEY, include=["n"], name="finding_count_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.year}Q{self.quarter} {self.category}: {self.n}"


class MeasureCount(models.Model):
    """Accountability measures not revoked per subtree (org path prefix), quarter of effect,
    kind and their case's handling path, deciding path and deciding body kind — kept by
    triggers (dashboards/measurecount.py), scoped by dashboards.scope.measure_count_q."""

    prefix = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32)
    handling_path = models.CharField(max_length=255)
    deciding_path = models.CharField(max_length=255)
    deciding_kind = models.CharField(max_length=32)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "prefix",
                    "year",
                    "quarter",
                    "kind",
                    "handling_path",
                    "deciding_path",
                    "deciding_kind",
                ],
                name="measure_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.year}Q{self.quarter} {self.kind}: {self.n}"


class ListCount(models.Model):
    """Responsibility lists (not templates) per subtree (org path prefix), year (quarter is
    always 1), status and copy flag — kept by triggers (dashboards/listcount.py). The
    cockpit's list figures sum a few of these rows per unit."""

    prefix = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=24)
    copy_flagged = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year", "quarter", "status", "copy_flagged"],
                name="list_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.year} {self.status}: {self.n}"


TASK_COUNT_KEY = [
    "prefix",
    "year",
    "quarter",
    "state",
    "inspecting_path",
    "finding_org_path",
    "side",
    "secret",
    "delivered",
]


class TaskCount(models.Model):
    """Rectification tasks per subtree (org path prefix), quarter of the due date, state
    (open, closed on time, closed late) and the `TaskScope` columns the task-visibility rule
    reads — kept by triggers on `TaskScope` (dashboards/taskcount.py), scoped by
    dashboards.scope.task_count_q. The rectification widget's figures of a unit are sums over
    a few rows; only what moves with today (overdue in today's quarter, due soon) reads the
    tasks due from the start of today's quarter to the due-soon limit."""

    class State(models.TextChoices):
        OPEN = "open"
        ON_TIME = "on_time"
        LATE = "late"  # closed after its due date (or with no closing time)

    prefix = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=8, choices=State.choices)
    inspecting_path = models.CharField(max_length=255)
    finding_org_path = models.CharField(max_length=255)
    side = models.CharField(max_length=16)
    secret = models.BooleanField()
    delivered = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=TASK_COUNT_KEY,
                name="task_count_key",
            )
        ]
        indexes = [
            # Covering, as FindingCount's.
            models.Index(fields=TASK_COUNT_KEY, include=["n"], name="task_count_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.year}Q{self.quarter} {self.state}: {self.n}"
