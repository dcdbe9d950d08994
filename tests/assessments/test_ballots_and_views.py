"""Democratic-evaluation ballots (anonymous, one vote each) and the scoped views."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import AssessmentSnapshot, Ballot, EvaluationRound, VoterToken
from assessments.services import evaluations, snapshots
from liangge_zeren.actors import COMMAND, JOBS
from tests.assessments.conftest import QUARTER, YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(cast):
    return evaluations.open_round(
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        title="一号县班子民主测评",
        actor=cast.user("city1_secretary"),
    )


def test_it_each_voter_votes_once(cast, round_):
    voter = cast.user("county1_member")
    evaluations.cast_ballot(round_, actor=voter, grade="excellent")
    with pytest.raises(ValidationError):
        evaluations.cast_ballot(round_, actor=voter, grade="incompetent")
    assert Ballot.objects.filter(round=round_).count() == 1
    assert VoterToken.objects.filter(round=round_).count() == 1


def test_it_a_ballot_cannot_be_traced_to_its_voter(cast, round_):
    for name, grade in (
        ("county1_member", "excellent"),
        ("county1_secretary", "competent"),
        ("city1_secretary", "excellent"),
    ):
        evaluations.cast_ballot(round_, actor=cast.user(name), grade=grade)
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert fields == {"id", "round", "grade"}  # no voter, no timestamp, no sequence
    assert all(not isinstance(b.pk, int) for b in Ballot.objects.all())  # random UUID keys
    token_fields = {f.name for f in VoterToken._meta.get_fields()}
    assert "ballot" not in token_fields and "grade" not in token_fields
    assert not hasattr(Ballot, "history")


def test_it_only_people_in_scope_may_vote(cast, round_):
    for name in ("county2_secretary", "outsider"):
        with pytest.raises(PermissionDenied):
            evaluations.cast_ballot(round_, actor=cast.user(name), grade="excellent")
    round_.status = EvaluationRound.Status.CLOSED
    round_.save()
    with pytest.raises(PermissionDenied):
        evaluations.cast_ballot(round_, actor=cast.user("county1_member"), grade="excellent")


def test_it_ballots_and_tallies_feed_the_score(cast, round_):
    from assessments.models import EvaluationInput

    for name in ("county1_member", "county1_secretary", "county1_jw"):
        evaluations.cast_ballot(round_, actor=cast.user(name), grade="excellent")
    evaluations.record_input(
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        actor=cast.user("city1_secretary"),
        kind=EvaluationInput.Kind.DEMOCRATIC_TALLY,
        values={"excellent": 3, "competent": 2, "basic": 1, "incompetent": 1},
    )
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    snap = AssessmentSnapshot.objects.get(org=cast.county1, year=YEAR, quarter=QUARTER)
    assert snap.inputs["democratic"] == {
        "basic": 1,
        "competent": 2,
        "excellent": 6,
        "incompetent": 1,
    }
    assert snap.scores["P1"]["score"] == "8.50"  # 60 % excellent → 0.85 × 10


def test_it_the_vote_page_records_a_vote_once(client_for, cast, round_):
    client = client_for(cast.user("county1_member"))
    url = reverse("assessments:round_vote", args=[round_.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"grade": "competent"})
    client.post(url, {"grade": "excellent"})
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
    evaluations.cast_ballot(round_, actor=cast.user("county1_member"), grade="competent")
    assert round_.title not in client.get(url).content.decode()
    other = client_for(cast.user("county2_secretary"))
    assert round_.title not in other.get(url).content.decode()
