"""Crafted quarter data on the cast: county 1 logs, findings and a task in 2026Q1 (past)."""

import datetime
from types import SimpleNamespace

import pytest

from responsibilities import duty_logs
from responsibilities.models import ActionType

YEAR, QUARTER = 2026, 1
IN_Q = datetime.date(2026, 2, 10)


def log(cast, key, action, day=IN_Q, **extra):
    fields = dict(action_type=action, occurred_on=day, title=f"{action}", summary="内容")
    if action == ActionType.TALK:
        fields.update(talk_type="reminder", talk_target="谈话对象")
    fields.update(extra)
    return duty_logs.create_log(
        tenure=cast.tenures[key], submit=True, **fields, actor=cast.user(key)
    )


@pytest.fixture
def quarter(cast):
    for _ in range(3):
        log(cast, "county1_secretary", ActionType.STUDY_SESSION)
    log(cast, "county1_secretary", ActionType.COMMITTEE_MEETING)
    for _ in range(3):
        log(cast, "county1_member", ActionType.TALK)
    log(cast, "county2_secretary", ActionType.STUDY_SESSION)
    # Outside the quarter: must not count.
    log(cast, "county1_secretary", ActionType.SUPERVISION_VISIT, day=datetime.date(2026, 4, 2))
    return SimpleNamespace(cast=cast, year=YEAR, quarter=QUARTER)
