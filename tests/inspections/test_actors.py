"""Who did it: the services record their actor — a person, or a named system actor — in the
transition log and the history, and each outermost call is a transaction of its own."""

import pytest
from django.db import transaction

from inspections.models import InspectionRound, RoundTransition
from inspections.services import rounds
from liangge_zeren.actors import JOBS

pytestmark = pytest.mark.django_db


def test_it_names_the_person_and_the_system_actor_in_the_log_and_the_history(cast):
    jw = cast.user("county1_jw")
    round_ = rounds.create_round(
        actor=jw,
        kind=InspectionRound.Kind.XUNCHA,
        title="县委巡察",
        issuing_body=cast.bodies["T-K1:committee"],
        year=2026,
        targets=[cast.township1],
    )
    created = round_.history.earliest("history_id")
    assert (created.history_user, round_.created_by) == (jw, jw)

    rounds.start_on_site(round_, actor=JOBS)
    step = RoundTransition.objects.filter(round=round_).last()
    assert (step.action, step.actor) == ("start_on_site", None)
    moved = round_.history.latest("history_id")
    assert moved.history_user is None
    assert moved.history_change_reason == JOBS.label  # "系统定时任务", never nobody


def test_it_refuses_a_write_without_an_actor_and_inside_a_callers_transaction(cast):
    round_ = rounds.create_round(
        actor=cast.user("county1_jw"),
        kind=InspectionRound.Kind.XUNCHA,
        title="县委巡察",
        issuing_body=cast.bodies["T-K1:committee"],
        year=2026,
        targets=[cast.township1],
    )
    with pytest.raises(TypeError):
        rounds.start_on_site(round_)  # type: ignore[call-arg]
    # The outermost service call is durable: a view (or anything else) must not wrap it.
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        rounds.start_on_site(round_, actor=cast.user("county1_jw"))
    round_.refresh_from_db()
    assert round_.status == InspectionRound.Status.PLANNED
