"""Who sees and changes inspection records: every cast member against every fixture row.

The fixture has rows of every kind the rules distinguish (planned 巡察, undisclosed covert
visit, re-supervision, same-level daily supervision, upward channel, provincial 巡视, the
sibling county's finding), so "no leak" cannot pass vacuously.
"""

import pytest

from demo.cast import USERNAMES
from inspections.models import (
    Feedback,
    Finding,
    InspectionRound,
    RectificationReport,
    RectificationTask,
)
from inspections.rules import CLAUSES
from inspections.services import rounds
from responsibilities.scoping import scope_q

pytestmark = pytest.mark.django_db

ALL_FINDINGS = [
    "xuncha_finding",
    "covert_finding",
    "resup_finding",
    "daily",
    "upward",
    "xunshi_finding",
    "sibling",
]
VISIBLE_FINDINGS = {
    "prov_secretary": ["xuncha_finding", "resup_finding", "daily", "xunshi_finding", "sibling"],
    "prov_jw": ALL_FINDINGS,
    "city1_secretary": ["xuncha_finding", "resup_finding", "daily", "xunshi_finding", "sibling"],
    "city1_jw": ALL_FINDINGS,
    "county1_secretary": ["xuncha_finding", "daily"],
    "county1_member": ["daily"],
    "county1_jw": ["xuncha_finding", "covert_finding", "resup_finding", "daily", "upward"],
    "county2_secretary": ["sibling"],
    "stationed_leader": [],
    "county1_former": [],
    "outsider": [],
}
VISIBLE_ROUNDS = {
    "prov_secretary": ["xuncha", "resup", "xunshi"],
    "prov_jw": ["xuncha", "covert", "resup", "xunshi"],
    "city1_secretary": ["xuncha", "resup", "xunshi"],
    "city1_jw": ["xuncha", "covert", "resup", "xunshi"],
    "county1_secretary": ["xuncha"],
    "county1_member": [],
    "county1_jw": ["xuncha", "covert", "resup"],
    "county2_secretary": [],
    "stationed_leader": [],
    "county1_former": [],
    "outsider": [],
}
RECTIFIERS = {
    "daily_task": ["prov_secretary", "city1_secretary", "county1_secretary"],
    "upward_task": [],
    "sibling_task": ["prov_secretary", "city1_secretary", "county2_secretary"],
}
VERIFIERS = {
    "daily_task": ["prov_jw", "city1_jw", "county1_jw"],
    "upward_task": ["prov_jw", "city1_jw", "county1_jw"],
    "sibling_task": ["prov_jw", "city1_jw"],
}


def names_of(insp, objects, keys):
    by_pk = {getattr(insp, key).pk: key for key in keys}
    return sorted(by_pk[o.pk] for o in objects)


@pytest.mark.parametrize("username", USERNAMES)
def test_it_each_role_sees_exactly_its_findings(cast, insp, username):
    assert Finding.objects.count() == len(ALL_FINDINGS)
    user = cast.user(username)
    visible = Finding.objects.filter(scope_q(user, "inspections.view_finding"))
    assert names_of(insp, visible, ALL_FINDINGS) == sorted(VISIBLE_FINDINGS[username])


@pytest.mark.parametrize("username", USERNAMES)
def test_it_each_role_sees_exactly_its_rounds(cast, insp, username):
    keys = ["xuncha", "covert", "resup", "xunshi"]
    user = cast.user(username)
    visible = InspectionRound.objects.filter(scope_q(user, "inspections.view_inspectionround"))
    assert names_of(insp, visible, keys) == sorted(VISIBLE_ROUNDS[username])


@pytest.mark.parametrize("task_key", sorted(RECTIFIERS))
def test_it_only_the_target_side_rectifies_and_only_the_inspecting_side_verifies(
    cast, insp, task_key
):
    task = getattr(insp, task_key)
    for username in USERNAMES:
        user = cast.user(username)
        assert user.has_perm("inspections.rectify_rectificationtask", task) == (
            username in RECTIFIERS[task_key]
        ), username
        assert user.has_perm("inspections.verify_rectificationtask", task) == (
            username in VERIFIERS[task_key]
        ), username


def test_it_predicates_and_queryset_filters_agree_on_every_row(cast, insp):
    models = {
        "inspections.view_inspectionround": InspectionRound,
        "inspections.change_inspectionround": InspectionRound,
        "inspections.view_finding": Finding,
        "inspections.change_finding": Finding,
        "inspections.mark_concealed_finding": Finding,
        "inspections.view_rectificationtask": RectificationTask,
        "inspections.rectify_rectificationtask": RectificationTask,
        "inspections.verify_rectificationtask": RectificationTask,
        "inspections.submit_rectificationreport": RectificationReport,
        "inspections.view_feedback": Feedback,
    }
    assert set(models) == set(CLAUSES)
    target = insp.xunshi.round_targets.get()
    for audience in Feedback.Audience.values:  # the principal leader's is delivered apart
        rounds.record_feedback(
            insp.xunshi,
            actor=cast.user("prov_jw"),
            target=target,
            audience=audience,
            date=insp.xunshi.feedback_date,
        )
    assert RectificationReport.objects.count() == 4  # team + principal for 2 rounds
    checked = 0
    for username in USERNAMES:
        user = cast.user(username)
        for perm, model in models.items():
            in_q = set(model.objects.filter(scope_q(user, perm)).values_list("pk", flat=True))
            for row in model.objects.all():
                assert user.has_perm(perm, row) == (row.pk in in_q), (username, perm, row.pk)
                checked += 1
    assert checked > 300


def test_it_covert_visit_findings_reach_the_target_only_after_disclosure(cast, insp):
    township_head = cast.user("county1_secretary")
    jw = cast.user("county1_jw")
    finding = insp.covert_finding
    rounds.start_reporting(insp.covert, actor=jw)
    rounds.give_feedback(insp.covert, actor=jw, feedback_date=insp.covert.on_site_from)
    finding.refresh_from_db()
    # Feedback alone does not reveal a covert visit.
    assert finding.delivered_at is None
    assert not township_head.has_perm("inspections.view_finding", finding)
    assert not township_head.has_perm("inspections.view_inspectionround", insp.covert)

    rounds.disclose_round(insp.covert, actor=jw)
    finding.refresh_from_db()
    insp.covert.refresh_from_db()
    assert finding.delivered_at is not None
    assert township_head.has_perm("inspections.view_finding", finding)
    assert township_head.has_perm("inspections.view_inspectionround", insp.covert)
    assert Finding.objects.filter(
        scope_q(township_head, "inspections.view_finding"), pk=finding.pk
    ).exists()


def test_it_upward_channel_is_invisible_to_the_same_level_committee(cast, insp):
    upward = insp.upward
    assert upward.upward_channel is True
    for username in ("county1_secretary", "county1_member", "city1_secretary", "prov_secretary"):
        user = cast.user(username)
        assert not user.has_perm("inspections.view_finding", upward), username
        assert not user.has_perm("inspections.view_rectificationtask", insp.upward_task)
    for username in ("county1_jw", "city1_jw"):
        assert cast.user(username).has_perm("inspections.view_finding", upward)


def test_it_principal_responsibility_of_a_committee_member_is_not_the_upward_channel(cast, insp):
    # The secretary named as the post answerable for rectification must see the finding.
    assert insp.daily.upward_channel is False
    assert cast.user("county1_secretary").has_perm("inspections.view_finding", insp.daily)


def test_it_re_supervision_lands_on_the_lower_discipline_body(cast, insp):
    finding = insp.resup_finding
    assert finding.side == "supervisory"
    assert insp.resup.round_targets.get().target_body.code == "T-K1-DC"
    assert cast.user("county1_jw").has_perm("inspections.view_finding", finding)
    assert not cast.user("county1_member").has_perm("inspections.view_finding", finding)


def test_it_targets_see_a_round_finding_only_after_feedback(cast, insp):
    jw = cast.user("county1_jw")
    # county1_member holds VIEW over the township (the target) but is not the inspecting side.
    member = cast.user("county1_member")
    finding = insp.xuncha_finding
    rounds.start_on_site(insp.xuncha, actor=jw)
    assert member.has_perm("inspections.view_inspectionround", insp.xuncha)  # announced
    rounds.start_reporting(insp.xuncha, actor=jw)
    finding.refresh_from_db()
    assert finding.delivered_at is None
    assert not member.has_perm("inspections.view_finding", finding)
    rounds.give_feedback(insp.xuncha, actor=jw, feedback_date=insp.xuncha.on_site_from)
    finding.refresh_from_db()
    assert finding.delivered_at is not None
    assert member.has_perm("inspections.view_finding", finding)
    assert not cast.user("county2_secretary").has_perm("inspections.view_finding", finding)
