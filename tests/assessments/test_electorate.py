"""The electorate of a democratic evaluation: the roll, per-person marks, one-time codes,
turnout and the results (issue 18)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments import selectors
from assessments.collect import collect
from assessments.models import Ballot, BallotMark, RollEntry, VotingCode
from assessments.services import evaluations
from security.tokens import UNAMBIGUOUS
from tests.assessments.conftest import (
    QUARTER,
    YEAR,
    issue_codes_to_representatives,
    marks_for,
    open_evaluation,
)

pytestmark = pytest.mark.django_db


def code_vote(round_, code, grade="excellent", marks=None):
    evaluations.cast_code_ballot(
        code=code,
        grade=grade,
        marks=marks if marks is not None else marks_for(round_, grade),
        actor=evaluations.CODE_VOTER,
    )


def account_vote(cast, round_, name, grade="competent"):
    user = cast.user(name)
    evaluations.cast_ballot(round_, actor=user, grade=grade, marks=marks_for(round_, grade, user))


# --- The roll -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("city1_secretary", "上级单位的人员, 上级不参加"),
        ("prov_jw", "上级单位的人员, 上级不参加"),
        ("county2_secretary", "不是本单位及所属单位的在职人员"),
    ],
)
def test_it_superiors_and_outsiders_cannot_be_put_on_the_roll(cast, name, reason):
    round_ = open_evaluation(cast)
    person = cast.tenures[name].person
    with pytest.raises(ValidationError, match=reason):
        evaluations.add_to_roll(round_, people=[person], actor=cast.user("city1_secretary"))
    assert not RollEntry.objects.filter(round=round_, person=person).exists()


def test_it_the_roll_offers_the_units_people_below_it_and_not_twice(cast):
    round_ = open_evaluation(cast)
    names = set(selectors.roll_candidates(round_).values_list("name", flat=True))
    assert cast.tenures["township1_secretary"].person.name in names  # a unit below
    assert cast.tenures["county1_member"].person.name not in names  # already on the roll
    assert cast.tenures["city1_secretary"].person.name not in names  # a superior


def test_it_only_the_roll_votes_and_the_evaluated_skip_their_own_line(cast):
    round_ = open_evaluation(cast)
    secretary = cast.user("county1_secretary")
    own = cast.tenures["county1_secretary"].person
    member = cast.tenures["county1_member"].person
    assert [p.pk for p in selectors.evaluated_people(round_)] == [own.pk, member.pk]
    with pytest.raises(ValidationError):  # a mark for themselves is refused
        evaluations.cast_ballot(
            round_,
            actor=secretary,
            grade="excellent",
            marks={own.pk: "excellent", member.pk: "excellent"},
        )
    account_vote(cast, round_, "county1_secretary")
    assert list(BallotMark.objects.values_list("subject_id", flat=True)) == [member.pk]
    with pytest.raises(PermissionDenied, match="不在本次民主测评的参评人员名单"):
        account_vote(cast, round_, "outsider")


def test_it_a_missing_mark_is_refused_not_dropped(cast):
    round_ = open_evaluation(cast)
    with pytest.raises(ValidationError, match="每位被测评的班子成员"):
        evaluations.cast_ballot(round_, actor=cast.user("county1_jw"), grade="excellent", marks={})
    assert not Ballot.objects.exists()


# --- One-time codes -------------------------------------------------------------------------


def test_it_codes_are_short_unambiguous_and_stored_only_as_a_keyed_hash(cast):
    round_ = open_evaluation(cast, representatives=3)
    codes = issue_codes_to_representatives(cast, round_)
    assert len(codes) == 3 and all(len(c) == 8 and set(c) <= set(UNAMBIGUOUS) for c in codes)
    stored = list(VotingCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 3 and not any(c in h or c.lower() in h for c in codes for h in stored)
    assert {f.name for f in VotingCode._meta.get_fields()} == {"id", "round", "code_hash", "used"}
    assert RollEntry.objects.filter(round=round_, code_issued=True).count() == 3
    with pytest.raises(ValidationError, match="已领取过投票码"):
        issue_codes_to_representatives(cast, round_)


def test_it_a_code_votes_once_and_its_holder_not_also_by_account(cast):
    round_ = open_evaluation(cast)
    organiser = cast.user("city1_secretary")
    jw = RollEntry.objects.get(round=round_, person=cast.tenures["county1_jw"].person)
    with pytest.raises(ValidationError, match="被测评人"):
        subject = RollEntry.objects.get(round=round_, person=cast.tenures["county1_member"].person)
        evaluations.issue_codes(round_, entries=[subject], actor=organiser)
    [code] = evaluations.issue_codes(round_, entries=[jw], actor=organiser)
    with pytest.raises(PermissionDenied, match="已领取投票码"):
        account_vote(cast, round_, "county1_jw")
    code_vote(round_, code.lower())  # case and separators do not matter
    with pytest.raises(ValidationError, match="无效或已使用"):
        code_vote(round_, code)
    assert Ballot.objects.count() == 1 and VotingCode.objects.get().used
    t = selectors.turnout(round_)
    assert (t.roll, t.account_votes, t.codes_issued, t.codes_used) == (3, 0, 1, 1)


def test_it_the_phone_page_takes_a_code_without_login(client, cast):
    round_ = open_evaluation(cast, representatives=1)
    [code] = issue_codes_to_representatives(cast, round_)
    url = reverse("code_vote")
    assert url == "/vote/"
    assert 'name="code"' in client.get(url).content.decode()
    html = client.post(url, {"code": f"{code[:4]}-{code[4:]}"}).content.decode()
    assert round_.title in html and "陈晓梅" in html and "刘海涛" in html
    grades = {"code": code, "grade": "competent"}
    grades |= {f"mark_{pk}": "excellent" for pk in marks_for(round_, "x")}
    html = client.post(url, {**grades, "grade": ""}).content.decode()
    assert "请对领导班子和每位班子成员都作出评价" in html and not Ballot.objects.exists()
    assert "投票成功" in client.post(url, grades).content.decode()
    assert Ballot.objects.get().grade == "competent"
    response = client.post(url, grades)
    assert response.status_code == 400 and "投票码无效、已使用" in response.content.decode()


def test_it_code_guessing_is_rate_limited_per_address(client, settings):
    settings.EVALUATION_CODE_ATTEMPTS = 3
    url = reverse("code_vote")
    for _ in range(3):
        assert client.post(url, {"code": "ABCD2345"}).status_code == 400
    assert client.post(url, {"code": "ABCD2346"}).status_code == 429


# --- Results --------------------------------------------------------------------------------


def _voted_round(cast, *, representatives, code_votes, accounts=("county1_member", "county1_jw")):
    round_ = open_evaluation(cast, representatives=representatives)
    codes = issue_codes_to_representatives(cast, round_) if representatives else []
    for code in codes[:code_votes]:
        code_vote(round_, code)
    for name in accounts:
        account_vote(cast, round_, name)
    return round_


def test_it_results_wait_for_the_close_and_the_minimum_turnout(cast):
    organiser = cast.user("city1_secretary")
    round_ = _voted_round(cast, representatives=7, code_votes=5)  # 7 of 10
    assert not selectors.round_result(round_).shown
    assert collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["democratic"] == {}
    evaluations.close_round(round_, actor=organiser)
    result = selectors.round_result(round_)
    assert not result.shown and "参评率未达到 80%" in result.reason
    assert collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["democratic"] == {}
    assert (
        selectors.person_evaluation_results(
            [cast.tenures["county1_member"].person.pk], YEAR, QUARTER
        )
        == {}
    )
    # The round's own minimum.
    round_.min_turnout = "0.70"
    round_.save()
    assert selectors.round_result(round_).shown
    assert collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["democratic"] == {
        "competent": 2,
        "excellent": 5,
    }


def test_it_a_group_under_five_ballots_is_shown_as_a_dash_and_not_counted(cast):
    organiser = cast.user("city1_secretary")
    # 4 code votes and the member's: 5 ballots; the member has 4 marks (not their own line),
    # the secretary 5.
    round_ = _voted_round(cast, representatives=4, code_votes=4, accounts=("county1_member",))
    evaluations.close_round(round_, actor=organiser)  # 5 of 7 = 71 %
    round_.min_turnout = "0.70"
    round_.save()
    result = selectors.round_result(round_)
    by_label = {g.label: g for g in result.groups}
    secretary, member = (cast.tenures[k].person for k in ("county1_secretary", "county1_member"))
    assert by_label["领导班子"].counts == {"excellent": 4, "competent": 1}
    assert by_label[secretary.name].counts == {"excellent": 4, "competent": 1}
    assert by_label[member.name].counts is None and "不足 5 票" in by_label[member.name].reason
    assert selectors.person_evaluation_results([secretary.pk, member.pk], YEAR, QUARTER) == {
        secretary.pk: {"competent": 1, "excellent": 4}
    }


# --- Organiser pages ------------------------------------------------------------------------


def test_it_the_organiser_edits_the_roll_and_prints_codes_once(client_for, cast):
    round_ = open_evaluation(cast)
    client = client_for(cast.user("city1_secretary"))
    page = reverse("assessments:round_detail", args=[round_.pk])
    html = client.get(page).content.decode()
    assert "参评人员名单" in html and "周文斌" in html and "冯建军" in html  # a candidate
    city = cast.tenures["city1_secretary"].person
    client.post(reverse("assessments:roll_add", args=[round_.pk]), {"people": [city.pk]})
    html = client.get(page).content.decode()
    assert "上级不参加对下级单位领导班子的民主测评" in html
    client.post(
        reverse("assessments:roll_representative", args=[round_.pk]),
        {"name": "钱代表", "note": "党代表"},
    )
    rep = RollEntry.objects.get(round=round_, name="钱代表")
    response = client.post(
        reverse("assessments:issue_codes", args=[round_.pk]), {"entries": [rep.pk]}
    )
    html = response.content.decode()
    assert "<svg" in html and "无法重新打印" in html and "钱代表" in html
    assert "no-cache" in response.get("Cache-Control", "")
    [shown] = re.findall(r'lz-code-text">([A-Z0-9]{4}-[A-Z0-9]{4})<', html)
    assert VotingCode.objects.filter(code_hash=evaluations.code_hash(shown)).exists()
    again = client.post(reverse("assessments:issue_codes", args=[round_.pk]), {"entries": [rep.pk]})
    assert again.status_code == 302 and VotingCode.objects.count() == 1
    html = client.get(page).content.decode()
    assert "0 / 1" in html  # codes used / issued


def test_it_the_units_people_see_turnout_but_not_the_roll(client_for, cast):
    round_ = open_evaluation(cast)
    html = (
        client_for(cast.user("county1_member"))
        .get(reverse("assessments:round_detail", args=[round_.pk]))
        .content.decode()
    )
    assert "参评情况" in html and "去投票" in html and "参评人员名单" not in html
    other = client_for(cast.user("county2_secretary"))
    assert other.get(reverse("assessments:round_detail", args=[round_.pk])).status_code == 404
    assert other.post(reverse("assessments:issue_codes", args=[round_.pk])).status_code == 404


def test_it_the_round_page_query_count_does_not_grow_with_the_roll(
    client_for, cast, django_assert_max_num_queries
):
    round_ = open_evaluation(cast)
    client = client_for(cast.user("city1_secretary"))
    page = reverse("assessments:round_detail", args=[round_.pk])
    with django_assert_max_num_queries(40) as few:
        client.get(page)
    for i in range(10):
        evaluations.add_representative(
            round_, name=f"新代表{i}", actor=cast.user("city1_secretary")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "新代表9" in client.get(page).content.decode()
