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


def marks_for(round_, grade, user=None):
    """A complete set of person marks for a ballot cast by `user` (None: a code holder)."""
    from assessments import selectors

    return {p.pk: grade for p in selectors.evaluated_people(round_, excluding_user=user)}


def open_evaluation(cast, *, representatives=0, **extra):
    """County 1's round with its three account holders on the roll (and `representatives`
    invited representatives), opened by the city secretary."""
    from assessments.services import evaluations

    organiser = cast.user("city1_secretary")
    round_ = evaluations.open_round(
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        title="一号县班子民主测评",
        actor=organiser,
        **extra,
    )
    people = [cast.tenures[k].person for k in ("county1_secretary", "county1_member", "county1_jw")]
    evaluations.add_to_roll(round_, people=people, actor=organiser)
    for i in range(representatives):
        evaluations.add_representative(round_, name=f"代表{i}", note="群众代表", actor=organiser)
    return round_


def issue_codes_to_representatives(cast, round_):
    from assessments.models import RollEntry
    from assessments.services import evaluations

    entries = RollEntry.objects.filter(round=round_, person__isnull=True)
    return evaluations.issue_codes(round_, entries=entries, actor=cast.user("city1_secretary"))
