"""liangge_zeren.rows.instances gives what `select_related(...).only(...)` gives."""

import pytest

from inspections.models import RectificationTask
from inspections.reminders import REMINDER_FIELDS
from liangge_zeren.rows import instances
from responsibilities.models import Tenure
from tests.notifications.conftest import build_due_world

pytestmark = pytest.mark.django_db


def _orm(queryset, fields, relations):
    return list(queryset.select_related(*relations).only(*fields))


def _loaded(task):
    finding = task.finding
    return (
        task.pk,
        task.measure,
        task.due_date,
        task.org_id,
        task.finding_id,
        finding.pk,
        finding.number,
        finding.round_id,
        finding.side,
        finding.delivered_at,
    )


def test_it_loads_the_fields_and_the_related_objects_as_the_orm_does(
    cast, django_assert_num_queries
):
    world = build_due_world(cast)
    queryset = RectificationTask.objects.order_by("pk")
    with django_assert_num_queries(1):
        light = instances(queryset, REMINDER_FIELDS)
        # Loaded values and the cached finding: no query.
        seen = [_loaded(t) for t in light]
    orm = _orm(queryset, REMINDER_FIELDS, ["finding"])
    assert seen == [_loaded(t) for t in orm]
    assert len(light) == 1 and light[0] == world.task
    task = light[0]
    assert not task._state.adding and task._state.db == "default"
    assert task.get_deferred_fields() == orm[0].get_deferred_fields()
    # A field not loaded loads on access, as a deferred one does.
    name = sorted(task.get_deferred_fields())[0]
    with django_assert_num_queries(1):
        assert getattr(task, name) == getattr(world.task, name)
    assert name not in task.get_deferred_fields()


def test_it_follows_two_levels_and_leaves_a_missing_relation_none(cast):
    fields = ["role", "person_id", "person__user_id", "person__user__username"]
    queryset = Tenure.objects.order_by("pk")
    light = instances(queryset, fields)
    orm = _orm(queryset, fields, ["person__user"])
    assert [(t.pk, t.role, t.person.pk, t.person.user_id) for t in light] == [
        (t.pk, t.role, t.person.pk, t.person.user_id) for t in orm
    ]
    assert [t.person.user.username if t.person.user_id else None for t in light] == [
        t.person.user.username if t.person.user_id else None for t in orm
    ]
    without_login = [t for t in light if t.person.user_id is None]
    assert all(t.person.user is None for t in without_login)


def test_it_refuses_a_path_that_is_not_a_forward_key():
    with pytest.raises(ValueError, match="not a forward foreign key"):
        instances(Tenure.objects.all(), ["role__x"])


def test_it_pauses_the_collector_for_a_block_and_restores_it():
    import gc

    from liangge_zeren.rows import many_objects

    assert gc.isenabled()
    with pytest.raises(RuntimeError), many_objects():
        assert not gc.isenabled()
        raise RuntimeError("the block fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with many_objects():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
