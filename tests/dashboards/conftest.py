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
