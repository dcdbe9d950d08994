"""Writes of the org tree, people, tenures and letters are services with an actor (issue 12).

Each takes a keyword-only `actor`; the history rows of the write name it (a user, or no user
and the system actor's label as the reason), and the actor is passed down from `appoint` and
`end_tenure` to the letter and hand-over steps they trigger.
"""

import datetime

import pytest
from django.utils import timezone

from liangge_zeren.actors import COMMAND
from responsibilities import importer, services
from responsibilities.models import ItemAssignment, Organization, Person
from tests.responsibilities.test_import import good_sheets, xlsx

pytestmark = pytest.mark.django_db


def _appoint(cast, person, **kwargs):
    return services.appoint(
        person=person,
        body=cast.bodies["T-K1:committee"],
        role="deputy_secretary",
        start_date=datetime.date(2025, 1, 1),
        **kwargs,
    )


def test_it_an_appointments_history_names_the_actor(cast):
    secretary = cast.user("county1_secretary")
    tenure = _appoint(cast, cast.people["county1_member"], actor=secretary)
    row = tenure.history.latest()
    assert row.history_type == "+"
    assert row.history_user == secretary


def test_it_a_write_without_an_actor_is_a_type_error(cast):
    person = cast.people["county1_member"]
    with pytest.raises(TypeError, match="actor"):
        _appoint(cast, person)
    with pytest.raises(TypeError, match="actor"):
        _appoint(cast, person, actor=None)
    with pytest.raises(TypeError, match="actor"):
        services.create_person(code="T-none", name="无人")  # type: ignore[call-arg]
    assert not Person.objects.filter(code="T-none").exists()


def test_it_a_system_actor_is_named_as_the_reason(cast):
    tenure = cast.tenures["county1_member"]
    services.end_tenure(tenure, timezone.localdate(), "调任", actor=COMMAND)
    row = tenure.history.latest()
    assert row.history_user is None
    assert row.history_change_reason == COMMAND.label


def test_it_the_hand_over_names_the_actor_of_the_appointment(duty):
    secretary = duty.cast.user("county1_secretary")
    old = duty.tenure("county1_member")
    before = list(ItemAssignment.objects.filter(tenure=old).values_list("pk", flat=True))
    assert before
    today = timezone.localdate()
    services.end_tenure(old, today - datetime.timedelta(days=1), "调任", actor=secretary)
    successor = services.appoint(
        person=Person.objects.create(code="T-next", name="新任成员"),
        body=old.body,
        role=old.role,
        start_date=today,
        portfolios=list(old.portfolios.all()),
        actor=secretary,
    )
    moved = ItemAssignment.history.filter(id__in=before, tenure=successor)
    assert moved.exists()
    assert {(row.history_user, row.history_change_reason) for row in moved} == {
        (secretary, "任职交接")
    }


def test_it_the_importing_user_is_the_actor(db, django_user_model):
    user = django_user_model.objects.create_user("importer", password="x-2026-import")
    result = importer.import_file(xlsx(good_sheets()), "x.xlsx", actor=user)
    assert result.ok, result.errors
    org = Organization.objects.order_by("pk").first()
    assert org.history.earliest().history_user == user
