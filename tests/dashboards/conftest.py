"""Cockpit fixtures: the inspections and accountability worlds plus logs, snapshots and
overdue tasks on both sides of every scope line (county 1, its sibling county 2, city 2)."""

import datetime
from types import SimpleNamespace

import pytest

from assessments.defaults import ensure_default_set
from assessments.models import AssessmentSnapshot
from inspections.models import RectificationTask
from responsibilities.models import ActionType, DutyLog
from tests.inspections.fixtures import make_finding, make_task

TODAY = datetime.date.today()


def add_logs(tenure, count, *, action=ActionType.TALK, status=DutyLog.Status.ACCEPTED, day=TODAY):
    for n in range(count):
        DutyLog.objects.create(
            org=tenure.org,
            org_path=tenure.org.path,
            tenure=tenure,
            action_type=action,
            occurred_on=day,
            title=f"纪实{n}",
            summary="内容",
            status=status,
        )


def add_overdue_task(cast, org_key, body_key, owner_key, title):
    org = getattr(cast, org_key)
    jw = cast.user("prov_jw")
    finding = make_finding(jw, org, body=cast.bodies[body_key], title=title)
    task = make_task(jw, finding, cast.tenures[owner_key])
    RectificationTask.objects.filter(pk=task.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    return task


def add_snapshot(org, year, quarter, total, light):
    indicator_set = ensure_default_set(year)
    return AssessmentSnapshot.objects.create(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        indicator_set=indicator_set,
        indicator_set_version=indicator_set.version,
        rule_version="t",
        inputs={},
        inputs_sha256="0" * 64,
        scores={},
        total=total,
        grade="合格",
        traffic_light=light,
        subtree_units=1,
        subtree_average=total,
        subtree_lights={light: 1},
        computed_at=datetime.datetime.now(datetime.UTC),
    )


@pytest.fixture
def world(cast, insp, acc_world):
    t = cast.tenures
    add_logs(t["county1_secretary"], 3)
    add_logs(t["county1_member"], 2, action=ActionType.COMMITTEE_MEETING)
    add_logs(t["county1_member"], 4, status=DutyLog.Status.DRAFT)  # drafts never count
    add_logs(t["county2_secretary"], 5)
    add_logs(t["prov_secretary"], 1)
    overdue = [
        add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "一号县逾期"),
        add_overdue_task(cast, "county2", "T-K2:discipline", "county2_secretary", "二号县逾期"),
        add_overdue_task(cast, "county2", "T-K2:discipline", "county2_secretary", "二号县逾期2"),
    ]
    last = TODAY.year * 4 + (TODAY.month - 1) // 3 - 1
    year, quarter = last // 4, last % 4 + 1
    snaps = [
        add_snapshot(cast.city1, year, quarter, 91, "green"),
        add_snapshot(cast.city2, year, quarter, 65, "red"),
        add_snapshot(cast.county1, year, quarter, 78, "yellow"),
        add_snapshot(cast.county2, year, quarter, 88, "green"),
    ]
    return SimpleNamespace(cast=cast, insp=insp, acc=acc_world, overdue=overdue, snaps=snaps)


# --- Count tables against the scan (issue 19) ---------------------------------------------

COUNT_VIEWERS = (
    "prov_secretary",
    "prov_jw",
    "city1_jw",
    "county1_secretary",
    "county1_jw",
    "county2_secretary",
    "county1_member",
)


def cockpit_scope(user, org):
    from dashboards.services import Scope
    from liangge_zeren.periods import Quarter
    from responsibilities.models import Organization

    children = list(Organization.objects.filter(parent=org, is_active=True).order_by("path"))
    return Scope(user=user, org=org, children=children, today=TODAY, period=Quarter.of(TODAY))


def widget_figures(widget):
    """Every figure of a widget (rows and trend), absent cells read as 0."""
    columns = [c for c, _label in widget.columns]
    rows = {k: {c: widget.value(k, c) for c in columns} for k in widget.rows}
    trend = {p: {c: row.get(c, 0) for c in columns} for p, row in widget.trend.items()}
    return rows, trend


def assert_counts_equal_scan(cast, widget_fn, viewers=COUNT_VIEWERS) -> int:
    """`widget_fn(scope)` (count tables) equals `widget_fn(scope, scan=True)` for every
    viewer on every unit they may open; returns how many (viewer, unit) pairs were compared."""
    from responsibilities.models import Organization

    compared = 0
    for name in viewers:
        user = cast.user(name)
        for org in Organization.objects.visible_to(user).filter(is_active=True):
            read = widget_figures(widget_fn(cockpit_scope(user, org)))
            scanned = widget_figures(widget_fn(cockpit_scope(user, org), scan=True))
            assert read == scanned, (name, org.name)
            compared += 1
    return compared


def relative_to(path: str | None, prefix: str, width: int = 5) -> str | None:
    """A path dimension as a count row of `prefix` stores it (CountSet.path_dims): cut to
    the child level below the prefix when inside its subtree, whole otherwise."""
    if path is None or not path.startswith(prefix):
        return path
    return path[: len(prefix) + width]
