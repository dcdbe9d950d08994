"""liangge_zeren.pgcopy: the COPY text format, and new rows with their history by COPY.

On PostgreSQL `bulk_create_with_history` writes by COPY; elsewhere it is simple_history's own
function. Both must store the same rows and the same '+' history rows.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history as simple_history_create

from assessments.defaults import ensure_default_set
from assessments.models import AssessmentSnapshot
from liangge_zeren import pgcopy
from liangge_zeren.pgcopy import escape, text_value

pytestmark = pytest.mark.django_db


def test_it_escapes_the_four_special_characters_backslash_first():
    assert escape("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert escape("\\N") == "\\\\N"  # a literal backslash-N is not NULL
    assert text_value(None) == "\\N"
    assert (text_value(True), text_value(False), text_value(7)) == ("t", "f", "7")
    assert text_value({"k": "中\t"}) == '{"k": "中\\\\t"}'  # JSON's own escape, then COPY's


def test_it_encodes_a_json_fields_plain_string_and_number_as_json():
    from django.db import connection
    from django.db.models import CharField, JSONField

    json_field = JSONField()
    # A str or int in a JSON column is a JSON value, not text: "a\tb" must arrive quoted.
    assert pgcopy._field_text(json_field, "a\tb", connection) == '"a\\\\tb"'
    assert pgcopy._field_text(json_field, 7, connection) == "7"
    assert pgcopy._field_text(json_field, None, connection) == "\\N"
    assert pgcopy._field_text(CharField(), "a\tb", connection) == "a\\tb"


NOW = timezone.now()


def _snapshots(orgs, year):
    indicator_set = ensure_default_set(2031)  # one set: the rows differ only in the year
    now = NOW
    return [
        AssessmentSnapshot(
            org=org,
            org_path=org.path,
            year=year,
            quarter=1,
            indicator_set=indicator_set,
            indicator_set_version=indicator_set.version,
            rule_version="r\t1",
            inputs={"note": "C:\\路径\n第二行", "n": [1, 2.5, None, True]},
            inputs_sha256="0" * 64,
            scores={"A": {"score": "1.50", "name": "名称\\N"}},
            total=Decimal("12.35"),
            grade="良好",
            traffic_light="green",
            subtree_units=1,
            subtree_average=Decimal("12.35"),
            subtree_lights={"green": 1},
            computed_at=now - datetime.timedelta(minutes=i),
        )
        for i, org in enumerate(orgs)
    ]


COLUMNS = [
    f.attname
    for f in AssessmentSnapshot._meta.concrete_fields
    if f.attname not in {"id", "year", "org_id", "org_path"}
]
# The seal is not tracked (AssessmentSnapshot.history excludes it).
TRACKED = {f.attname for f in AssessmentSnapshot.history.model.tracked_fields}
HISTORY = [
    "history_type",
    "history_user_id",
    "history_change_reason",
    *(c for c in COLUMNS if c in TRACKED),
]


def _stored(year):
    rows = AssessmentSnapshot.objects.filter(year=year).order_by("org_id")
    history = AssessmentSnapshot.history.filter(year=year).order_by("org_id")
    return list(rows.values_list(*COLUMNS)), list(history.values_list(*HISTORY))


def test_it_stores_what_simple_history_stores(cast):
    orgs = [cast.province, cast.city1, cast.county1]
    user = cast.user("county1_secretary")
    made = pgcopy.bulk_create_with_history(
        _snapshots(orgs, 2031), AssessmentSnapshot, default_user=user
    )
    simple_history_create(_snapshots(orgs, 2032), AssessmentSnapshot, default_user=user)
    assert {s.pk for s in made} == set(
        AssessmentSnapshot.objects.filter(year=2031).values_list("pk", flat=True)
    )
    assert all(s.pk and not s._state.adding for s in made)
    ours, theirs = _stored(2031), _stored(2032)
    assert ours == theirs
    assert len(ours[1]) == 3 and ours[1][0][:3] == ("+", user.pk, None)
    for obj in made:
        row = AssessmentSnapshot.history.get(id=obj.pk)
        assert row.inputs == {"note": "C:\\路径\n第二行", "n": [1, 2.5, None, True]}


def test_it_gives_the_system_actors_reason(cast):
    made = pgcopy.bulk_create_with_history(
        _snapshots([cast.county1], 2033), AssessmentSnapshot, default_change_reason="季度汇总"
    )
    row = AssessmentSnapshot.history.get(id=made[0].pk)
    assert (row.history_user_id, row.history_change_reason) == (None, "季度汇总")
