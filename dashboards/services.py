"""Cockpit figures: one grouped query per widget over the selected unit's direct children.

Every widget takes the viewer, the selected organisation and its direct children, and
returns one row per child (plus a row for the selected unit's own records, "本级", and a
total). Each is ONE SQL query: the viewer's scope filter (`scope_q`, the same filter the
lists use, so a chart never counts a row the viewer may not see), the subtree predicate
`org_path LIKE '<selected path>%'` (indexed), and a GROUP BY on the child's path prefix
`SUBSTR(org_path, 1, len(child path))` — every child's path has the same length — with
conditional aggregates (`Count(..., filter=Q(...))`) for the columns. History comes from the
quarterly snapshot table (assessments), never from recounting old rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    ExtractQuarter,
    ExtractYear,
    Substr,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import (
    AccountabilityMeasure,
    DisciplinaryCase,
    DualInvestigation,
    MeasureKind,
)
from accountability.rules import case_visible_q
from assessments import warnings
from assessments.models import AssessmentSnapshot, TrafficLight
from dashboards import findingcount, measurecount
from dashboards.models import (
    DutyLogRollup,
    FindingCount,
    ListCount,
    MeasureCount,
    TaskCount,
    TaskScope,
)
from dashboards.scope import (
    FINDING_COUNT_VIEW,
    MEASURE_COUNT_VIEW,
    counts_exact,
    finding_count_q,
    measure_count_q,
    task_beyond_paths_q,
    task_count_q,
    task_counts_exact,
    task_path_view_q,
    task_view_q,
)
from inspections.models import Finding, RectificationTask, closed_on_time, due_soon_days
from liangge_zeren.figures import Figure, Visibility, figure_visibility, shown
from liangge_zeren.periods import Quarter
from responsibilities.models import ActionType, Organization, ResponsibilityList
from responsibilities.scoping import NOTHING, Capability, is_unrestricted, paths_q, scope_paths

OWN = "own"  # key of the selected unit's own records
LIGHT_ORDER = {TrafficLight.RED: 0, TrafficLight.YELLOW: 1, TrafficLight.GREEN: 2}


# --- Grouping -------------------------------------------------------------------------------


@dataclass
class Scope:
    """The viewer, the selected unit and its direct children (the cockpit's rows)."""

    user: object
    org: Organization
    children: Sequence[Organization]
    today: datetime.date
    period: Quarter

    @cached_property
    def trend_periods(self) -> list[Quarter]:
        """The 8 quarters ending with the selected one, oldest first."""
        return self.period.last(8)

    def in_trend(self, period: Quarter) -> bool:
        return period in self._trend_set

    @cached_property
    def _trend_set(self) -> frozenset[Quarter]:
        return frozenset(self.trend_periods)

    @cached_property
    def quarters(self) -> list[Quarter]:
        """Every quarter a yearly widget with a trend counts: the trend's 8 and the selected
        year's four, oldest first."""
        return sorted(set(self.trend_periods) | set(Quarter.in_year(self.period.year)))

    @property
    def child_len(self) -> int:
        return self.org.child_path_length

    def key(self, prefix: str) -> str | int:
        """Row key of a grouped prefix: a child's id, or OWN for the unit's own rows."""
        return self._ids.get(prefix, OWN)

    @cached_property
    def _ids(self) -> dict[str, int]:
        return {c.path: c.pk for c in self.children}


def grouped(qs: QuerySet, scope: Scope, field_name: str = "org_path") -> QuerySet:
    """Restrict to the subtree and group by the child's path prefix (`child`)."""
    return (
        qs.filter(**{f"{field_name}__startswith": scope.org.path})
        .annotate(child=Substr(field_name, 1, scope.child_len))
        .order_by()
    )


@dataclass
class Widget:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (column key, label)
    rows: dict = field(default_factory=dict)  # row key -> {column key: value}
    # The selected unit's whole subtree per quarter (the trend table): quarter label ->
    # {column key: value}, over `trend_columns` (the widget's columns unless it says otherwise).
    trend_columns: list[tuple[str, str]] = field(default_factory=list)
    trend: dict = field(default_factory=dict)

    def add(self, key, column: str, value) -> None:
        row = self.rows.setdefault(key, {})
        row[column] = row.get(column, 0) + (value or 0)

    def add_trend(self, label: str, column: str, value) -> None:
        row = self.trend.setdefault(label, {})
        row[column] = row.get(column, 0) + (value or 0)

    def value(self, key, column: str):
        return self.rows.get(key, {}).get(column, 0)

    def total(self, column: str):
        """The column's sum; over rows the viewer may see only in part (or not at all) a
        partial (hidden) Figure, never a 0 that reads as "none"."""
        values = [row.get(column, 0) for row in self.rows.values()]
        figures = [v for v in values if isinstance(v, Figure)]
        total = sum(
            (v.value or 0) if isinstance(v, Figure) else (v or 0) for v in values if v != ""
        )
        if not figures:
            return total
        if all(f.is_hidden for f in figures) and len(figures) == len(values):
            return Figure.hidden()
        return Figure(total, Visibility.PARTIAL)


def _collect(widget: Widget, scope: Scope, rows: Iterable[dict], columns: Sequence[str]):
    for row in rows:
        key = scope.key(row["child"])
        for column in columns:
            widget.add(key, column, row[column])
    return widget


def _within(qs: QuerySet, date_field: str, first: datetime.date, last: datetime.date) -> Q:
    """`date_field` between two days. A date-time field is compared with aware instants (no
    per-row time-zone conversion, and its index still serves)."""
    if isinstance(qs.model._meta.get_field(date_field), DateTimeField):
        after = last + datetime.timedelta(days=1)
        return Q(**{f"{date_field}__gte": _midnight(first), f"{date_field}__lt": _midnight(after)})
    return Q(**{f"{date_field}__range": (first, last)})


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _by_quarter(qs: QuerySet, scope: Scope, date_field: str, group=(), **counts) -> QuerySet:
    """`qs` grouped by child (and `group`), with each count of `counts` (name → extra
    condition or None) per quarter of `scope.quarters`, as columns `<name><index>`.

    Conditional counts on plain date ranges cost about what one count does; grouping by a
    computed quarter (date_trunc in the local time zone) cost twice as much at province
    scale."""
    aggregates = {}
    for i, period in enumerate(scope.quarters):
        inside = _within(qs, date_field, *period.window())
        for name, condition in counts.items():
            aggregates[f"{name}{i}"] = Count(
                "pk", filter=inside if condition is None else inside & condition
            )
    first, last = scope.quarters[0].window()[0], scope.quarters[-1].window()[1]
    reach = grouped(qs.filter(_within(qs, date_field, first, last)), scope)
    return reach.values("child", *group).annotate(**aggregates)


def _add_quarterly(widget: Widget, scope: Scope, row: dict, name: str, column: str) -> None:
    """A `_by_quarter` row's counts: the selected year's into the child's row, the trend
    quarters' into the trend."""
    key = scope.key(row["child"])
    for i, period in enumerate(scope.quarters):
        n = row[f"{name}{i}"]
        if period.year == scope.period.year:
            widget.add(key, column, n)
        if scope.in_trend(period):
            widget.add_trend(str(period), column, n)


def _pivot(widget: Widget, scope: Scope, rows: Iterable[dict], field_name: str, values):
    """Rows grouped by (child, category) with per-quarter counts `n<i>` → one row per child
    with a column per category (the selected year), and the subtree's trend per quarter.

    Grouping by the category (instead of one COUNT ... FILTER per category) lets PostgreSQL
    answer from a covering index with one aggregate per group."""
    known = set(values)
    for key in [*(c.pk for c in scope.children), OWN]:
        widget.rows.setdefault(key, {})
    for p in scope.trend_periods:
        widget.trend.setdefault(str(p), {v: 0 for v in values})
    for row in rows:
        if row[field_name] in known:
            _add_quarterly(widget, scope, row, "n", row[field_name])
    for row in [*widget.rows.values(), *widget.trend.values()]:
        row["total"] = sum(row.get(v, 0) for v in values)
    widget.columns.append(("total", _("合计")))
    return widget


# --- Widgets (one query each) -----------------------------------------------------------------


LIST_IN_FORCE = [
    ResponsibilityList.Status.ACKNOWLEDGED,
    ResponsibilityList.Status.IN_FORCE,
    ResponsibilityList.Status.ARCHIVED,
]


def _count_subquery(qs: QuerySet, **aggregates) -> dict:
    """Correlated COUNT subqueries over a unit's subtree (for the few-row tables)."""
    out = {}
    for name, condition in aggregates.items():
        inner = qs.filter(org_path__startswith=OuterRef("path"))
        if condition is not None:
            inner = inner.filter(condition)
        out[name] = Coalesce(
            Subquery(inner.order_by().values(x=Value(1)).annotate(n=Count("pk")).values("n")[:1]),
            0,
        )
    return out


def list_count_q(user) -> Q:
    """Which `ListCount` rows the viewer may count: `responsibilities.view_responsibilitylist`
    is plain VIEW over the list's path, the rule of the duty logs (a test pins both), so a
    subtree row counts when its prefix lies in the viewer's VIEW subtrees; the cockpit asks
    only for units the viewer may open, whose subtrees lie wholly inside the scope."""
    return dutylog_rollup_q(user)


def add_unit_figures(
    user, period: Quarter, units: Sequence[Organization], count: int = 8, *, scan: bool = False
) -> None:
    """Give the cockpit's unit and its children (`units`) what `scores` and `list_progress`
    read, in two queries whatever the number of children:

    - `s0` … `s{count-1}`: the unit's snapshot of each of the last `count` quarters as
      (total, light, subtree average), or none;
    - `lists_n`, `lists_in_force`, `lists_copy_flagged` (and `_prev`, the year before): the
      responsibility lists of the unit's subtree, summed from its ListCount rows (`scan`:
      counted on the lists instead, the tests' reference).

    These were 14 correlated subqueries on the unit+children query: building and compiling
    them cost ten times what running them did (issue 19)."""
    by_pk = {unit.pk: unit for unit in units}
    periods = period.previous().last(count)
    index = {(p.year, p.quarter): i for i, p in enumerate(periods)}
    snapshots = (
        AssessmentSnapshot.objects.visible_to(user)
        .filter(org_id__in=by_pk, year__in={p.year for p in periods})
        .values_list("org_id", "year", "quarter", "total", "traffic_light", "subtree_average")
        .order_by()  # read into a dict: the model's ordering would only add a sort
    )
    for org_id, year, quarter, total, light, average in snapshots:
        if (year, quarter) in index:
            setattr(by_pk[org_id], f"s{index[year, quarter]}", (total, light, average))
    years = {period.year: "", period.year - 1: "_prev"}
    conditions = {
        "lists_n": None,
        "lists_in_force": Q(status__in=LIST_IN_FORCE),
        "lists_copy_flagged": Q(copy_flagged=True),
    }
    if scan:
        _count_lists(user, by_pk, years, conditions)
        return
    sums = {
        name: Sum("n", filter=condition) if condition else Sum("n")
        for name, condition in conditions.items()
    }
    by_path = {unit.path: unit for unit in units}
    rows = (
        ListCount.objects.filter(list_count_q(user), prefix__in=by_path, year__in=years)
        .values("prefix", "year")
        .annotate(**sums)
        .order_by()
    )
    for row in rows:
        for name in conditions:
            setattr(by_path[row["prefix"]], name + years[row["year"]], row[name] or 0)


def _count_lists(user, by_pk: dict, years: dict, conditions: dict) -> None:
    """`add_unit_figures`' list figures counted on the lists of each unit's subtree."""
    lists = ResponsibilityList.objects.visible_to(user).filter(is_template=False)
    counts = {}
    for year, suffix in years.items():
        counts.update(
            _count_subquery(
                lists.filter(year=year),
                **{name + suffix: condition for name, condition in conditions.items()},
            )
        )
    for row in Organization.objects.filter(pk__in=by_pk).annotate(**counts).values("pk", *counts):
        for name in counts:
            setattr(by_pk[row["pk"]], name, row[name])


def list_progress(scope: Scope) -> Widget:
    """Responsibility lists of the year: total, in force (acknowledged or later), copy flags;
    the trend is the subtree's lists of the year before and of this year.

    Read from the unit+children query's subtree counts (children's subtrees; the unit's own
    row is its subtree minus its children's)."""
    widget = Widget(
        "lists",
        _("责任清单进度"),
        [("lists", _("清单数")), ("in_force", _("已认领执行")), ("copy_flagged", _("照搬预警"))],
    )
    names = {"lists": "lists_n", "in_force": "lists_in_force", "copy_flagged": "lists_copy_flagged"}
    for column, attr in names.items():
        below = 0
        for child in scope.children:
            value = getattr(child, attr, 0) or 0
            widget.add(child.pk, column, value)
            below += value
        widget.add(OWN, column, (getattr(scope.org, attr, 0) or 0) - below)
        for suffix, year in (("_prev", scope.period.year - 1), ("", scope.period.year)):
            widget.add_trend(str(year), column, getattr(scope.org, attr + suffix, 0))
    return widget


def dutylog_rollup_q(user) -> Q:
    """Which `DutyLogRollup` rows the viewer may count.

    A row is a whole subtree (every log whose path starts with `prefix`), so it may be counted
    when the prefix lies inside the viewer's VIEW subtrees — the rule of
    `responsibilities.view_dutylog` (plain VIEW over `org_path`) applied to the prefix; a test
    pins that the two rules stay the same. The cockpit only asks for the selected unit (which
    the viewer may see) and its children, whose subtrees then lie wholly inside the scope."""
    if is_unrestricted(user):
        return Q()
    return paths_q(scope_paths(user, Capability.VIEW), "prefix")


def method_mix(scope: Scope) -> Widget:
    """Counted duty logs (submitted, resubmitted, accepted) of the quarter by action type,
    and the subtree's counts of each of the 8 trend quarters.

    Read from the subtree counts the database keeps (dashboards.DutyLogRollup): one indexed
    row per (child or the unit itself, quarter, action type) instead of the logs. The unit's
    own row ("本级") is its subtree minus its children's. Logs cannot be dated after today
    (responsibilities.duty_logs), so the quarter's count is also its count to date."""
    widget = Widget("methods", _("履责方式构成"), [(a.value, a.label) for a in ActionType])
    values = [a.value for a in ActionType]
    children = {c.path: c.pk for c in scope.children}
    current = (scope.period.year, scope.period.quarter)
    in_trend = Q()
    for p in scope.trend_periods:
        in_trend |= Q(year=p.year, quarter=p.quarter)
    rows = (
        DutyLogRollup.objects.filter(dutylog_rollup_q(scope.user))
        .filter(
            Q(prefix__in=list(children), year=current[0], quarter=current[1])
            | (Q(prefix=scope.org.path) & in_trend)
        )
        .values_list("prefix", "year", "quarter", "action_type", "n")
    )
    subtree: dict[str, int] = {}
    for key in [*children.values(), OWN]:
        widget.rows.setdefault(key, {})
    for p in scope.trend_periods:
        widget.trend.setdefault(str(p), {v: 0 for v in values})
    for prefix, year, quarter, action, n in rows:
        if action not in values:
            continue
        if prefix == scope.org.path:
            widget.add_trend(f"{year}Q{quarter}", action, n)
            if (year, quarter) == current:
                subtree[action] = subtree.get(action, 0) + n
        else:
            widget.add(children[prefix], action, n)
    for action in values:
        below = sum(widget.value(pk, action) for pk in children.values())
        widget.add(OWN, action, subtree.get(action, 0) - below)
    for row in [*widget.rows.values(), *widget.trend.values()]:
        row["total"] = sum(row.get(v, 0) for v in values)
    widget.columns.append(("total", _("合计")))
    return widget


def _rectification_widget(scope: Scope) -> Widget:
    """The widget with a row of zeros for every child and the unit's own, and every trend
    quarter, whichever way it is then counted."""
    widget = Widget(
        "rectification",
        _("整改进度"),
        [
            ("open", _("未销号")),
            ("overdue", _("逾期")),
            ("due_soon", _("临期")),
            ("closed", _("已销号")),
        ],
        trend_columns=[("due", _("当季到期")), ("on_time", _("按期销号")), ("late", _("未按期"))],
    )
    for key in [*(c.pk for c in scope.children), OWN]:
        widget.rows[key] = {column: 0 for column in NOW_COLUMNS}
    for p in scope.trend_periods:
        widget.trend[str(p)] = {"due": 0, "on_time": 0, "late": 0}
    return widget


NOW_COLUMNS = ("open", "overdue", "due_soon", "closed")


def rectification(scope: Scope, *, scan: bool = False) -> Widget:
    """Rectification tasks now: open, overdue (red), due soon (yellow), closed; and per trend
    quarter the tasks falling due in it, those closed by their due date, and — once the due
    date has passed — those that were not (late).

    Read from the subtree counts the database keeps (dashboards.TaskCount, per due quarter
    and state) where they answer the viewer's path clauses exactly (dashboards.scope.
    task_counts_exact); what moves with today is counted from `TaskScope` over the tasks due
    from the start of today's quarter to the due-soon limit, and the tasks the viewer sees
    only as their owner are counted from `TaskScope` beside. Otherwise, or with `scan` (the
    tests' reference), every task of the subtree is counted on `TaskScope` (each task with its
    finding's visibility inputs, kept by the database: the scope rule needs no join)."""
    soon = scope.today + datetime.timedelta(days=due_soon_days())
    widget = _rectification_widget(scope)
    if scan or not task_counts_exact(scope.user, scope.org.path):
        _add_scanned_tasks(widget, scope, task_view_q(scope.user), soon)
        return widget
    now = Quarter.of(scope.today)
    _add_task_counts(widget, scope, now)
    _add_tasks_due_near(widget, scope, now, soon)
    beyond = task_beyond_paths_q(scope.user)
    if beyond is not NOTHING:
        _add_scanned_tasks(widget, scope, beyond, soon)
    return widget


def _now_conditions(today: datetime.date, soon: datetime.date) -> dict[str, Q]:
    """The widget's figures of today, as conditions on TaskScope rows."""
    closed = Q(status=RectificationTask.Status.CLOSED)
    return {
        "open": ~closed,
        "overdue": ~closed & Q(due_date__lt=today),
        "due_soon": ~closed & Q(due_date__gte=today, due_date__lte=soon),
        "closed": closed,
    }


def _add_scanned_tasks(widget: Widget, scope: Scope, visible: Q, soon: datetime.date) -> None:
    """Every figure counted on the `visible` TaskScope rows of the subtree (one query, grouped
    by child and due quarter): today's figures summed over the quarters, the trend's from the
    rows of its quarters. Seven counts instead of three per trend quarter: the query is built
    and compiled on every cockpit page (the tasks a viewer sees only as their owner), where
    building 27 conditional counts cost more than running them (issue 19)."""
    on_time = closed_on_time()
    rows = (
        grouped(TaskScope.objects.filter(visible), scope)
        .values("child", due_year=ExtractYear("due_date"), due_quarter=ExtractQuarter("due_date"))
        .annotate(
            **{
                column: Count("pk", filter=condition)
                for column, condition in _now_conditions(scope.today, soon).items()
            },
            due=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=Q(due_date__lt=scope.today) & ~on_time),
        )
    )
    rows = list(rows)
    _collect(widget, scope, rows, list(NOW_COLUMNS))
    trend = {str(period) for period in scope.trend_periods}
    for row in rows:
        label = str(Quarter(row["due_year"], row["due_quarter"]))
        if label in trend:
            for column in ("due", "on_time", "late"):
                widget.add_trend(label, column, row[column])


def _add_task_counts(widget: Widget, scope: Scope, now: Quarter) -> None:
    """The count rows of the children and of the unit itself (its subtree) per due quarter and
    state: open and closed now, overdue before today's quarter, and the trend — a quarter
    before today's is late by what was not closed on time. The unit's own row ("本级") is its
    subtree minus its children's."""
    State = TaskCount.State
    children = {c.path: c.pk for c in scope.children}
    rows = (
        TaskCount.objects.filter(task_count_q(scope.user), prefix__in=[*children, scope.org.path])
        .values_list("prefix", "year", "quarter", "state")
        .annotate(total=Sum("n"))
        .order_by()
    )
    subtree = {column: 0 for column in ("open", "closed", "overdue")}
    for prefix, year, quarter, state, n in rows:
        period = Quarter(year, quarter)
        figures = {
            "open": n if state == State.OPEN else 0,
            "closed": 0 if state == State.OPEN else n,
            "overdue": n if state == State.OPEN and period < now else 0,
        }
        if prefix != scope.org.path:
            for column, value in figures.items():
                widget.add(children[prefix], column, value)
            continue
        for column, value in figures.items():
            subtree[column] += value
        if scope.in_trend(period):
            late = state != State.ON_TIME and period < now
            widget.add_trend(str(period), "due", n)
            widget.add_trend(str(period), "on_time", n if state == State.ON_TIME else 0)
            widget.add_trend(str(period), "late", n if late else 0)
    for column, total in subtree.items():
        below = sum(widget.value(pk, column) for pk in children.values())
        widget.add(OWN, column, total - below)


def _add_tasks_due_near(widget: Widget, scope: Scope, now: Quarter, soon: datetime.date) -> None:
    """The tasks the counts answer for (task_path_view_q) due from the first day of today's
    quarter to the due-soon limit, counted on TaskScope: overdue within today's quarter, due
    soon, and today's quarter's late ones."""
    first = now.window()[0]
    now_conditions = _now_conditions(scope.today, soon)
    due_near = Q(due_date__range=(first, max(soon, first)))
    near = grouped(TaskScope.objects.filter(task_path_view_q(scope.user), due_near), scope)
    rows = near.values("child").annotate(
        overdue=Count("pk", filter=now_conditions["overdue"]),
        due_soon=Count("pk", filter=now_conditions["due_soon"]),
        late=Count("pk", filter=Q(due_date__lt=scope.today) & ~closed_on_time()),
    )
    for row in rows:
        key = scope.key(row["child"])
        widget.add(key, "overdue", row["overdue"])
        widget.add(key, "due_soon", row["due_soon"])
        if scope.in_trend(now):
            widget.add_trend(str(now), "late", row["late"])


def _pivot_counts(widget: Widget, scope: Scope, counts: QuerySet, field_name: str, values):
    """`_pivot` from a subtree count table (rows: prefix, year, quarter, category, n) in ONE
    query over a few rows: the children's prefixes for the selected year, the unit's own
    prefix for its subtree (the trend, and "本级" = subtree minus the children)."""
    known = set(values)
    children = {c.path: c.pk for c in scope.children}
    for key in [*children.values(), OWN]:
        widget.rows.setdefault(key, {})
    for p in scope.trend_periods:
        widget.trend.setdefault(str(p), {v: 0 for v in values})
    wanted = set(scope.quarters)
    rows = (
        counts.filter(prefix__in=[*children, scope.org.path], year__in={p.year for p in wanted})
        .values_list("prefix", "year", "quarter", field_name)
        .annotate(total=Sum("n"))
        .order_by()
    )
    subtree: dict[str, int] = {}
    for prefix, year, quarter, value, n in rows:
        period = Quarter(year, quarter)
        if value not in known or period not in wanted:
            continue
        if prefix == scope.org.path:
            if scope.in_trend(period):
                widget.add_trend(str(period), value, n)
            if year == scope.period.year:
                subtree[value] = subtree.get(value, 0) + n
        elif year == scope.period.year:
            widget.add(children[prefix], value, n)
    for value in values:
        below = sum(widget.value(pk, value) for pk in children.values())
        widget.add(OWN, value, subtree.get(value, 0) - below)
    for row in [*widget.rows.values(), *widget.trend.values()]:
        row["total"] = sum(row.get(v, 0) for v in values)
    widget.columns.append(("total", _("合计")))
    return widget


def findings_by_category(scope: Scope, *, scan: bool = False) -> Widget:
    """Findings registered in the year, by category; per trend quarter, those registered in it.

    Read from the subtree counts the database keeps (dashboards.FindingCount), scoped by
    `inspections.view_finding` relocated onto them; counted from the findings only when the
    viewer holds a post strictly inside the unit's subtree (dashboards.scope.counts_exact),
    or with `scan` (the tests' reference)."""
    widget = Widget("findings", _("发现问题类别"), [(c.value, c.label) for c in Finding.Category])
    values = [c.value for c in Finding.Category]
    if not scan and counts_exact(
        scope.user, FINDING_COUNT_VIEW, scope.org.path, findingcount.COUNTS.path_dims
    ):
        counts = FindingCount.objects.filter(finding_count_q(scope.user))
        return _pivot_counts(widget, scope, counts, "category", values)
    qs = Finding.objects.visible_to(scope.user)
    rows = _by_quarter(qs, scope, "created_at", ["category"], n=None)
    _pivot(widget, scope, rows, "category", values)
    return widget


def measures_mix(scope: Scope, *, scan: bool = False) -> Widget:
    """Accountability measures in force, effective in the year, by kind; per trend quarter,
    those taking effect in it.

    Read from the subtree counts the database keeps (dashboards.MeasureCount), scoped by the
    case-visibility rule relocated onto them (it reads the case's paths, never the measure's,
    stored relative to each prefix, so a viewer with a post strictly inside the unit's subtree
    is counted from the measures, as with `scan` (the tests' reference)."""
    widget = Widget("measures", _("问责方式构成"), [(k.value, k.label) for k in MeasureKind])
    values = [k.value for k in MeasureKind]
    exact = counts_exact(
        scope.user, MEASURE_COUNT_VIEW, scope.org.path, measurecount.COUNTS.path_dims
    )
    if scan or not exact:
        qs = AccountabilityMeasure.objects.filter(case_visible_q(scope.user, "case__")).exclude(
            status=AccountabilityMeasure.Status.REVOKED
        )
        rows = _by_quarter(qs, scope, "effective_date", ["kind"], n=None)
        _pivot(widget, scope, rows, "kind", values)
    else:
        counts = MeasureCount.objects.filter(measure_count_q(scope.user))
        _pivot_counts(widget, scope, counts, "kind", values)
    # Cases decided by a committee are its managers' to see, the rest the discipline line's:
    # a manager without discipline jurisdiction sees these counts only in part.
    _hide_unseen(widget, scope, Capability.SUPERVISE, partly=Capability.MANAGE)
    return widget


def _share(row: dict) -> None:
    row["share"] = round(100 * row["covered"] / row["qualifying"], 1) if row["qualifying"] else None


def dual_coverage(scope: Scope) -> Widget:
    """一案双查: qualifying disciplinary cases registered in the year and those with both
    probes done; per trend quarter, the same for the cases registered in it."""
    concluded = DualInvestigation.objects.filter(
        disciplinary_case=OuterRef("pk"), status=DualInvestigation.Status.CONCLUDED
    )
    qs = (
        DisciplinaryCase.objects.visible_to(scope.user)
        .filter(dual_required=True)
        .annotate(
            p=Exists(concluded.filter(kind=DualInvestigation.Kind.PRINCIPAL)),
            s=Exists(concluded.filter(kind=DualInvestigation.Kind.SUPERVISORY)),
        )
    )
    rows = _by_quarter(qs, scope, "registered_on", qualifying=None, covered=Q(p=True, s=True))
    widget = Widget("dual", _("一案双查"), [("qualifying", _("应双查")), ("covered", _("已双查"))])
    for key in [*(c.pk for c in scope.children), OWN]:
        widget.rows.setdefault(key, {"qualifying": 0, "covered": 0})
    for p in scope.trend_periods:
        widget.trend.setdefault(str(p), {"qualifying": 0, "covered": 0})
    for row in rows:
        for column in ("qualifying", "covered"):
            _add_quarterly(widget, scope, row, column, column)
    for row in [*widget.rows.values(), *widget.trend.values()]:
        _share(row)
    widget.columns.append(("share", _("覆盖率(%)")))
    _hide_unseen(widget, scope, Capability.SUPERVISE)
    return widget


def _visibility(scope: Scope, path: str, capability: Capability, partly) -> Visibility:
    seen = figure_visibility(scope.user, capability, path)
    if seen is Visibility.FULL or partly is None:
        return seen
    return max(seen, min(figure_visibility(scope.user, partly, path), Visibility.PARTIAL))


def _hide_unseen(
    widget: Widget, scope: Scope, capability: Capability, partly: Capability | None = None
) -> None:
    """Rows of units whose records the viewer may not see become Figures
    (liangge_zeren/figures.py): "—" with "无权查看", never 0; those seen only in part (grants
    below the unit, or only the `partly` capability) are labelled "仅含您有权查看的"."""
    seen: dict[int | str, Visibility] = {
        c.pk: _visibility(scope, c.path, capability, partly) for c in scope.children
    }
    own = _visibility(scope, scope.org.path, capability, partly)
    seen[OWN] = own if own is not Visibility.PARTIAL or partly else Visibility.HIDDEN
    columns = [c for c, _label in widget.columns]
    for key, row in widget.rows.items():
        for column in {*columns, *row}:
            row[column] = _as_seen(row.get(column, 0), seen.get(key, Visibility.HIDDEN))
    trend_columns = [c for c, _label in widget.trend_columns or widget.columns]
    for row in widget.trend.values():
        for column in {*trend_columns, *row}:
            row[column] = _as_seen(row.get(column, 0), own)


def _as_seen(value, visibility: Visibility):
    if visibility is Visibility.HIDDEN:
        return Figure.hidden()
    return shown(value, visibility)


@dataclass
class Scores:
    """Latest quarter's score and light per child, and 8 quarters of history (snapshots)."""

    periods: list[Quarter]
    latest: dict  # child id -> snapshot values of the latest period that has one
    trend: dict  # child id -> {period str: total}
    lights: dict  # period str -> {"red": n, "yellow": n, "green": n} over the children
    own: dict  # period str -> subtree average/lights of the selected unit itself


CENT = Decimal("0.01")


def _snapshot(values: tuple | None) -> tuple[Decimal | None, str | None, Decimal | None]:
    """(total, light, subtree average) of a snapshot `add_unit_figures` attached, rounded."""
    if not values:
        return None, None, None
    total, light, average = values
    return (
        Decimal(total).quantize(CENT),
        light or None,
        Decimal(average).quantize(CENT) if average is not None else None,
    )


def scores(scope: Scope, count: int = 8) -> Scores:
    """Latest score/light and 8 quarters of history, from the snapshots `add_unit_figures`
    attached to the unit and its children."""
    periods = scope.period.previous().last(count)
    result = Scores(periods=periods, latest={}, trend={}, lights={}, own={})
    for i, p in enumerate(periods):
        label = str(p)
        _total, _light, own_avg = _snapshot(getattr(scope.org, f"s{i}", None))
        if own_avg is not None:
            result.own[label] = {"subtree_average": own_avg}
        for child in scope.children:
            total, light, _avg = _snapshot(getattr(child, f"s{i}", None))
            if total is None:
                continue
            result.latest[child.pk] = {"total": total, "traffic_light": light, "period": label}
            result.trend.setdefault(child.pk, {})[label] = float(total)
            counts = result.lights.setdefault(label, {"red": 0, "yellow": 0, "green": 0})
            counts[light] = counts.get(light, 0) + 1
    return result


# One query each (list_progress reads what add_unit_figures attached).
WIDGETS = (
    list_progress,
    method_mix,
    rectification,
    findings_by_category,
    measures_mix,
    dual_coverage,
)


@dataclass
class Cockpit:
    scope: Scope
    widgets: list[Widget]
    scores: Scores

    def row_keys(self) -> list:
        return [c.pk for c in self.scope.children] + [OWN]

    def row_label(self, key) -> str:
        if key == OWN:
            return str(_("本级"))
        return self._names[key]

    @cached_property
    def _names(self) -> dict:
        """Each child's name by pk: every table asks for every row's label."""
        return {c.pk: c.name for c in self.scope.children}


def cockpit(
    user,
    org: Organization,
    children: Sequence[Organization],
    *,
    today: datetime.date,
    period: Quarter,
    order: str = "name",
) -> Cockpit:
    """All figures of the cockpit: one query per widget plus one for the snapshots."""
    scope = Scope(user=user, org=org, children=list(children), today=today, period=period)
    result = Cockpit(scope=scope, widgets=[w(scope) for w in WIDGETS], scores=scores(scope))
    if order == "light":
        # Red first, then yellow, green, none; never by score or count (no rankings).
        latest = result.scores.latest
        scope.children = sorted(
            scope.children,
            key=lambda c: (LIGHT_ORDER.get(latest.get(c.pk, {}).get("traffic_light"), 3), c.path),
        )
    return result


def warning_window(period: Quarter, today: datetime.date) -> warnings.Window:
    """The warnings of a cockpit period: its year, as of the period's end (or today)."""
    return warnings.Window(period.year, min(today, period.window()[1]))


def warning_summaries(user, org: Organization, period: Quarter, today: datetime.date):
    """Every enabled warning rule with its flags under `org` the viewer may see (issue 18):
    one query for the rules and each rule's fixed number (assessments/warnings.py)."""
    return warnings.summaries(user, org.path, warning_window(period, today))


def warning_flags(user, org: Organization, code: str, period: Quarter, today: datetime.date):
    """One enabled rule and its flags under `org` (None when there is no such enabled rule)."""
    rule = next((r for r in warnings.active_rules() if r.code == code), None)
    if rule is None:
        return None
    return warnings.Summary(
        rule,
        warnings.describe(rule),
        warnings.flags(rule, user, org.path, warning_window(period, today)),
    )
