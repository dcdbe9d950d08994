"""The principal leader's feedback (R24: delivered separately) reaches the principal leader
of the inspected unit and the inspecting side, not every member of the unit (issue 14)."""

import pytest
from django.urls import reverse

from inspections.models import Feedback
from inspections.services import rounds
from responsibilities.scoping import scope_q

pytestmark = pytest.mark.django_db

TEAM_TEXT = "向市委领导班子反馈的三个方面问题"
PRINCIPAL_TEXT = "向市委书记单独反馈的问题"
VIEW = "inspections.view_feedback"


@pytest.fixture
def feedbacks(cast, insp):
    round_ = insp.xunshi
    target = round_.round_targets.get()
    made = {}
    for audience, content in (
        (Feedback.Audience.LEADERSHIP_TEAM, TEAM_TEXT),
        (Feedback.Audience.PRINCIPAL_LEADER, PRINCIPAL_TEXT),
    ):
        made[audience] = rounds.record_feedback(
            round_,
            actor=cast.user("prov_jw"),
            target=target,
            audience=audience,
            date=round_.feedback_date,
            content=content,
        )
    return made


def _page(client_for, user, round_):
    return client_for(user).get(reverse("inspections:round_detail", args=[round_.pk]))


def test_it_shows_the_principal_feedback_only_to_the_principal_leader(
    cast, insp, feedbacks, client_for
):
    member = cast.user("city1_jw")  # in the city's leadership, sees the round
    page = _page(client_for, member, insp.xunshi)
    assert page.status_code == 200
    assert TEAM_TEXT in page.content.decode()
    assert PRINCIPAL_TEXT not in page.content.decode()

    for name in ("city1_secretary", "prov_jw"):
        page = _page(client_for, cast.user(name), insp.xunshi)
        assert PRINCIPAL_TEXT in page.content.decode(), name


def test_it_agrees_between_the_check_and_the_queryset(cast, feedbacks):
    principal = feedbacks[Feedback.Audience.PRINCIPAL_LEADER]
    team = feedbacks[Feedback.Audience.LEADERSHIP_TEAM]
    expected = {
        "city1_secretary": {principal, team},
        "prov_jw": {principal, team},
        "city1_jw": {team},
        "county1_secretary": set(),
        "county2_secretary": set(),
    }
    for name, visible in expected.items():
        user = cast.user(name)
        rows = set(Feedback.objects.filter(scope_q(user, VIEW)))
        assert rows == visible, name
        for row in (principal, team):
            assert user.has_perm(VIEW, row) is (row in visible), (name, row)
