"""Democratic-evaluation ballots (anonymous, one vote each) and the scoped views."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import AssessmentSnapshot, Ballot, EvaluationRound, VoterToken
from assessments.services import evaluations, snapshots
from liangge_zeren.actors import COMMAND, JOBS
from tests.assessments.conftest import (
    QUARTER,
    YEAR,
    issue_codes_to_representatives,
    marks_for,
    open_evaluation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(cast):
    return open_evaluation(cast)


def vote(cast, round_, name, grade):
    user = cast.user(name)
    evaluations.cast_ballot(round_, actor=user, grade=grade, marks=marks_for(round_, grade, user))


def test_it_each_voter_votes_once(cast, round_):
    vote(cast, round_, "county1_member", "excellent")
    with pytest.raises(ValidationError):
        vote(cast, round_, "county1_member", "incompetent")
    assert Ballot.objects.filter(round=round_).count() == 1
    assert VoterToken.objects.filter(round=round_).count() == 1


def test_it_a_ballot_cannot_be_traced_to_its_voter(cast, round_):
    for name, grade in (
        ("county1_member", "excellent"),
        ("county1_jw", "competent"),
    ):
        vote(cast, round_, name, grade)
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert fields == {"id", "round", "grade", "marks"}  # no voter, no timestamp, no sequence
    assert all(not isinstance(b.pk, int) for b in Ballot.objects.all())  # random UUID keys
    token_fields = {f.name for f in VoterToken._meta.get_fields()}
    assert "ballot" not in token_fields and "grade" not in token_fields
    assert not hasattr(Ballot, "history")


def test_it_only_people_in_scope_may_vote(cast, round_):
    for name in ("county2_secretary", "outsider"):
        with pytest.raises(PermissionDenied):
            vote(cast, round_, name, "excellent")
    round_.status = EvaluationRound.Status.CLOSED
    round_.save()
    with pytest.raises(PermissionDenied):
        vote(cast, round_, "county1_member", "excellent")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("prov_secretary", "上级单位的人员不参加"),
        ("city1_secretary", "上级单位的人员不参加"),
        ("county2_secretary", "不在本次民主测评的参评人员名单"),
    ],
)
def test_it_superiors_and_people_off_the_roll_are_refused_in_chinese(cast, round_, name, reason):
    with pytest.raises(PermissionDenied, match=reason):
        evaluations.cast_ballot(round_, actor=cast.user(name), grade="excellent", marks={})
    assert not VoterToken.objects.exists()


def test_it_the_vote_page_tells_a_superior_why_not(client_for, cast, round_):
    client = client_for(cast.user("prov_secretary"))
    response = client.get(reverse("assessments:round_vote", args=[round_.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "上级单位的人员不参加对下级单位领导班子的民主测评" in html
    assert 'name="grade"' not in html


def test_it_only_the_units_own_people_are_offered_the_vote(client_for, cast, round_):
    url = reverse("assessments:snapshot_list")
    for name in ("county1_member", "county1_jw", "county1_secretary"):
        assert round_.title in client_for(cast.user(name)).get(url).content.decode(), name
    for name in ("prov_secretary", "city1_secretary", "city1_jw", "county2_secretary"):
        assert round_.title not in client_for(cast.user(name)).get(url).content.decode(), name


def test_it_ballots_and_tallies_feed_the_score(cast):
    from assessments.models import EvaluationInput

    round_ = open_evaluation(cast, representatives=3)  # a roll of 6
    for code in issue_codes_to_representatives(cast, round_):
        evaluations.cast_code_ballot(
            code=code,
            grade="excellent",
            marks=marks_for(round_, "excellent"),
            actor=evaluations.CODE_VOTER,
        )
    for name in ("county1_member", "county1_jw"):
        vote(cast, round_, name, "excellent")
    evaluations.close_round(round_, actor=cast.user("city1_secretary"))  # 5 of 6 voted
    evaluations.record_input(
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        actor=cast.user("city1_secretary"),
        kind=EvaluationInput.Kind.DEMOCRATIC_TALLY,
        values={"excellent": 4, "competent": 2, "basic": 1, "incompetent": 1},
    )
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    snap = AssessmentSnapshot.objects.get(org=cast.county1, year=YEAR, quarter=QUARTER)
    assert snap.inputs["democratic"] == {
        "basic": 1,
        "competent": 2,
        "excellent": 9,
        "incompetent": 1,
    }
    assert snap.scores["P1"]["score"] == "8.50"  # 69 % excellent → 0.85 × 10


def test_it_the_vote_page_records_a_vote_once(client_for, cast, round_):
    client = client_for(cast.user("county1_member"))
    url = reverse("assessments:round_vote", args=[round_.pk])
    assert client.get(url).status_code == 200
    secretary = cast.tenures["county1_secretary"].person.pk
    client.post(url, {"grade": "competent", f"mark_{secretary}": "competent"})
    client.post(url, {"grade": "excellent", f"mark_{secretary}": "excellent"})
    assert list(Ballot.objects.values_list("grade", flat=True)) == ["competent"]
    assert "已参加过" in client.get(url).content.decode()


@pytest.fixture
def snaps(cast):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    return {s.org_id: s for s in AssessmentSnapshot.objects.all()}


def test_it_the_list_shows_the_subtree_with_lights(client_for, cast, snaps):
    html = (
        client_for(cast.user("county1_secretary"))
        .get(reverse("assessments:snapshot_list") + "?period=2026Q1")
        .content.decode()
    )
    assert "一号县" in html and "一号镇" in html and "二号县" not in html and "一号市" not in html
    assert "badge rounded-pill" in html


def test_it_hides_sibling_units(client_for, cast, snaps):
    c1 = snaps[cast.county1.pk]
    client = client_for(cast.user("county2_secretary"))
    for name in ("snapshot_detail", "snapshot_publish", "snapshot_recompute", "snapshot_adjust"):
        url = reverse(f"assessments:{name}", args=[c1.pk])
        response = client.get(url) if name == "snapshot_detail" else client.post(url)
        assert response.status_code == 404, name


def test_it_requires_scope(client_for, cast, snaps):
    c1 = snaps[cast.county1.pk]
    client = client_for(cast.user("outsider"))
    assert client.get(reverse("assessments:snapshot_detail", args=[c1.pk])).status_code == 404
    html = client.get(reverse("assessments:snapshot_list") + "?period=2026Q1").content.decode()
    assert "一号县" not in html


def test_it_a_superior_publishes_from_the_detail_page(client_for, cast, snaps):
    c1 = snaps[cast.county1.pk]
    own = client_for(cast.user("county1_secretary"))
    assert (
        "发布"
        not in own.get(reverse("assessments:snapshot_detail", args=[c1.pk]))
        .content.decode()
        .split("计算时间")[1]
        .split("指标")[0]
    )
    assert own.post(reverse("assessments:snapshot_publish", args=[c1.pk])).status_code == 403
    city = client_for(cast.user("city1_secretary"))
    assert city.post(reverse("assessments:snapshot_publish", args=[c1.pk])).status_code == 302
    c1.refresh_from_db()
    assert c1.is_published and c1.published_by == cast.user("city1_secretary")


def test_it_the_adjust_form_requires_a_reason(client_for, cast, snaps):
    c1 = snaps[cast.county1.pk]
    client = client_for(cast.user("city1_secretary"))
    url = reverse("assessments:snapshot_adjust", args=[c1.pk])
    client.post(url, {"points": "-1", "reason": "", "indicator_code": ""})
    c1.refresh_from_db()
    assert "_adjustment" not in c1.scores
    client.post(url, {"points": "-1", "reason": "未按期报送材料", "indicator_code": ""})
    c1.refresh_from_db()
    assert c1.scores["_adjustment"]["score"] == "-1.00"


def test_it_rankings_are_off_by_default_and_for_superiors_only(client_for, cast, snaps, settings):
    url = reverse("assessments:snapshot_list") + "?period=2026Q1&order=rank"
    assert "名次" not in client_for(cast.user("prov_secretary")).get(url).content.decode()
    settings.ASSESSMENT_RANKINGS_FOR_SUPERIORS = True
    assert "名次" in client_for(cast.user("prov_secretary")).get(url).content.decode()
    assert "名次" not in client_for(cast.user("county1_member")).get(url).content.decode()


def test_it_the_list_query_count_does_not_grow_with_units(
    client_for, cast, django_assert_max_num_queries
):
    from responsibilities import services as org_services
    from responsibilities.models import Organization

    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    client = client_for(cast.user("prov_secretary"))
    url = reverse("assessments:snapshot_list") + "?period=2026Q1"
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for i in range(10):
        org = org_services.create_organization(
            code=f"T-Y{i}",
            name=f"新镇{i}",
            kind=Organization.Kind.TOWNSHIP,
            parent=cast.county1,
            actor=COMMAND,
        )
        org_services.create_body(
            code=f"T-Y{i}-PC", org=org, kind="party_committee", name=f"新镇{i}党委", actor=COMMAND
        )
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert "新镇9" in response.content.decode()


def test_it_the_list_offers_open_evaluations_until_voted(client_for, cast, round_):
    client = client_for(cast.user("county1_member"))
    url = reverse("assessments:snapshot_list")
    assert round_.title in client.get(url).content.decode()
    vote(cast, round_, "county1_member", "competent")
    assert round_.title not in client.get(url).content.decode()
    other = client_for(cast.user("county2_secretary"))
    assert round_.title not in other.get(url).content.decode()
