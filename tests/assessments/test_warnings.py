"""Warnings no platform has (issue 18): each rule triggers on a constructed case and not on
its near miss; thresholds are data; a viewer sees only the warnings of units in scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import collect, scoring
from assessments import warnings as w
from assessments.models import WarningRule
from liangge_zeren import request_cache
from liangge_zeren.actors import DEMO
from liangge_zeren.figures import Figure
from responsibilities import duty_logs, letters, lists, services
from responsibilities.models import ActionType, Body, Tenure

Code = WarningRule.Code


def _window():
    today = timezone.localdate()
    return w.Window(today.year, today)


def _rule(code) -> WarningRule:
    return WarningRule.objects.get(code=code)


def _flags(code, user=None, under=""):
    return w.flags(_rule(code), user, under, _window())


def _log(duty, key, items=(), action=ActionType.STUDY_SESSION, title="学习研讨", day=None):
    return duty_logs.create_log(
        actor=duty.cast.user(key) if key in duty.cast.users else DEMO,
        tenure=duty.tenure(key),
        items=list(items),
        submit=True,
        action_type=action,
        occurred_on=day or timezone.localdate(),
        title=title,
        summary="内容",
    )


# --- 以纪代责 ---------------------------------------------------------------------------------


def _discipline_logs(duty, discipline: int, own: int):
    """County 1's 纪委 officer co-owns a committee item and writes `discipline` logs on it;
    the secretary writes `own` logs on the committee's items."""
    gap = duty.items["c1_gap"]
    lists.set_item_owners(
        gap,
        actor=duty.cast.user("county1_secretary"),
        leads=[duty.tenure("county1_jw")],
        co_owners=[],
    )
    for _ in range(discipline):
        _log(duty, "county1_jw", [gap], action=ActionType.SUPERVISION_VISIT, title="督导检查")
    for _ in range(own):
        _log(duty, "county1_secretary", [duty.items["c1_own"]])


def test_it_flags_a_committee_whose_items_its_discipline_commission_fulfils(duty):
    _discipline_logs(duty, discipline=3, own=1)
    flags = _flags(Code.DISCIPLINE_SUBSTITUTES)
    assert [f.org_id for f in flags] == [duty.cast.county1.pk]
    figures = dict(flags[0].figures)
    assert figures["主体责任条目纪实"] == 4
    assert figures["其中纪委记录"] == 3
    assert figures["纪委占比(%)"] == 75
    assert flags[0].reasons == ["主体责任条目主要由纪委的纪实完成"]


def test_it_does_not_flag_an_even_split(duty):
    _discipline_logs(duty, discipline=2, own=2)  # 50% is not "mainly"
    assert _flags(Code.DISCIPLINE_SUBSTITUTES) == []


def test_it_takes_the_share_threshold_from_the_rule_table(duty):
    _discipline_logs(duty, discipline=3, own=1)
    WarningRule.objects.filter(code=Code.DISCIPLINE_SUBSTITUTES).update(share_percent=80)
    assert _flags(Code.DISCIPLINE_SUBSTITUTES) == []
    WarningRule.objects.filter(code=Code.DISCIPLINE_SUBSTITUTES).update(
        share_percent=50, min_logs=5
    )
    assert _flags(Code.DISCIPLINE_SUBSTITUTES) == []  # too few logs to judge


def test_it_flags_a_committee_that_mostly_hears_the_commission(duty):
    for _ in range(3):
        _log(duty, "county1_secretary", action=ActionType.REPORT_REVIEW, title="听取县纪委工作汇报")
    _log(duty, "county1_secretary")
    flags = _flags(Code.DISCIPLINE_SUBSTITUTES)
    assert [f.org_id for f in flags] == [duty.cast.county1.pk]
    assert flags[0].reasons == ["班子自身纪实主要是听取纪委汇报"]
    assert dict(flags[0].figures)["听取纪委汇报"] == 3


def test_it_does_not_count_hearing_other_reports_as_hearing_the_commission(duty):
    for _ in range(3):
        _log(duty, "county1_secretary", action=ActionType.REPORT_REVIEW, title="听取教育局汇报")
    _log(duty, "county1_secretary")
    assert _flags(Code.DISCIPLINE_SUBSTITUTES) == []


def test_it_shows_a_county_viewer_only_its_own_warnings(duty):
    _discipline_logs(duty, discipline=3, own=1)
    cast = duty.cast
    assert _flags(Code.DISCIPLINE_SUBSTITUTES, cast.user("county1_secretary"))
    assert _flags(Code.DISCIPLINE_SUBSTITUTES, cast.user("county2_secretary")) == []
    assert _flags(Code.DISCIPLINE_SUBSTITUTES, cast.user("city1_secretary"), cast.city1.path)
    assert _flags(Code.DISCIPLINE_SUBSTITUTES, None, cast.county2.path) == []


# --- 纪检负责人兼职 ---------------------------------------------------------------------------


def _committee_post(cast, key, portfolio):
    """The person of `key` also sits on their unit's committee, leading `portfolio`."""
    tenure = cast.tenures[key]
    committee = Body.objects.get(org=tenure.org, kind=Body.Kind.PARTY_COMMITTEE)
    return services.appoint(
        person=tenure.person,
        body=committee,
        role=Tenure.Role.TEAM_MEMBER,
        start_date=datetime.date(2025, 1, 1),
        portfolios=[services.get_or_create_portfolio(committee.org, portfolio, actor=DEMO)],
        actor=DEMO,
    )


def test_it_flags_a_discipline_secretary_leading_a_business_portfolio(cast):
    _committee_post(cast, "city1_jw", "城乡建设")
    flags = _flags(Code.DISCIPLINE_SIDE_JOBS)
    assert [f.subject for f in flags] == ["赵明德(纪委书记)"]
    assert dict(flags[0].figures)["监督执纪以外的分管领域"] == "城乡建设"


def test_it_does_not_flag_a_committee_seat_leading_supervision(cast):
    _committee_post(cast, "city1_jw", "党风廉政建设")
    assert _flags(Code.DISCIPLINE_SIDE_JOBS) == []


def test_it_flags_a_stationed_team_leader_with_another_kind_of_post(cast):
    committee = cast.bodies["T-D1:committee"]
    services.appoint(
        person=cast.people["stationed_leader"],
        body=committee,
        role=Tenure.Role.CLERK,
        start_date=datetime.date(2025, 1, 1),
        actor=DEMO,
    )
    flags = _flags(Code.DISCIPLINE_SIDE_JOBS)
    assert [f.reasons for f in flags] == [["兼任纪检、党委(党组)以外的职务"]]


def test_it_indexes_the_other_posts_by_the_roles_the_warning_excludes():
    # The partial index serves the "another kind of post" question only while its condition
    # names exactly the roles the query excludes.
    index = next(i for i in Tenure._meta.indexes if i.name == "tenure_other_posts")
    ((lookup, roles),) = index.condition.children
    assert index.condition.negated and lookup == "role__in"
    assert set(roles) == Tenure.COMMITTEE_ROLES | Tenure.DISCIPLINE_ROLES


def test_it_takes_the_supervision_words_from_the_rule_table(cast):
    _committee_post(cast, "city1_jw", "城乡建设")
    WarningRule.objects.filter(code=Code.DISCIPLINE_SIDE_JOBS).update(keywords="监督、城乡")
    assert _flags(Code.DISCIPLINE_SIDE_JOBS) == []


# --- 派驻组负荷 ------------------------------------------------------------------------------


def test_it_flags_a_stationed_team_over_the_department_limit(cast):
    assert _flags(Code.STATIONED_OVERLOAD) == []  # one department, no cases
    WarningRule.objects.filter(code=Code.STATIONED_OVERLOAD).update(max_departments=0)
    flags = _flags(Code.STATIONED_OVERLOAD)
    assert [f.subject for f in flags] == ["省纪委监委驻省教育厅纪检监察组"]
    team = cast.bodies["T-D1:stationed"]
    # Named after the flagging (the teams' query no longer joins their units).
    assert (flags[0].org_id, flags[0].org_name) == (team.org_id, team.org.name)
    assert dict(flags[0].figures)["派驻单位数"] == 1
    services.appoint(
        person=cast.people["county1_jw"],
        body=cast.bodies["T-D1:stationed"],
        role=Tenure.Role.DISCIPLINE_OFFICER,
        start_date=datetime.date(2025, 1, 1),
        actor=DEMO,
    )
    assert dict(_flags(Code.STATIONED_OVERLOAD)[0].figures)["在任纪检干部"] == 2


def test_it_hides_case_figures_from_a_viewer_without_discipline_jurisdiction(cast):
    WarningRule.objects.filter(code=Code.STATIONED_OVERLOAD).update(max_departments=0)
    figures = dict(_flags(Code.STATIONED_OVERLOAD, cast.user("prov_secretary"))[0].figures)
    assert figures["在办问责线索"] == Figure.hidden()
    figures = dict(_flags(Code.STATIONED_OVERLOAD, cast.user("prov_jw"))[0].figures)
    assert figures["在办问责线索"] == 0


# --- 年初签、平时空 ---------------------------------------------------------------------------


@pytest.fixture
def signed(duty, settings):
    settings.RESPONSIBILITY_LETTERS_ENABLED = True
    cast = duty.cast
    letter = letters.generate_letter(
        signee=duty.tenure("county1_member"),
        issuer=duty.tenure("county1_secretary"),
        year=duty.year,
        actor=DEMO,
    )
    january = timezone.make_aware(datetime.datetime(duty.year, 1, 5, 10))
    letters.sign_letter_trusted(
        letter, user=cast.user("county1_secretary"), signed_at=january, actor=DEMO
    )
    letters.sign_letter_trusted(
        letter, user=cast.user("county1_member"), signed_at=january, actor=DEMO
    )
    return duty


def test_it_flags_a_letter_signed_in_january_and_then_left_alone(signed):
    _log(signed, "county1_member", day=datetime.date(signed.year, 1, 20))
    flags = _flags(Code.SIGNED_THEN_IDLE)
    assert [f.org_id for f in flags] == [signed.cast.county1.pk]
    figures = dict(flags[0].figures)
    assert figures["此后纪实"] == 0
    assert figures["本年度纪实"] == 1


def test_it_does_not_flag_a_signee_who_keeps_logging(signed):
    _log(signed, "county1_member", day=datetime.date(signed.year, 3, 20))
    assert _flags(Code.SIGNED_THEN_IDLE) == []


def test_it_takes_the_grace_days_from_the_rule_table(signed):
    _log(signed, "county1_member", day=datetime.date(signed.year, 3, 20))
    WarningRule.objects.filter(code=Code.SIGNED_THEN_IDLE).update(day_limit=120)
    assert len(_flags(Code.SIGNED_THEN_IDLE)) == 1
    assert _flags(Code.SIGNED_THEN_IDLE, signed.cast.user("county2_secretary")) == []


# --- Indicator option ----------------------------------------------------------------------


def test_it_gives_collect_a_count_per_warning_and_scoring_a_deduction(duty):
    _discipline_logs(duty, discipline=3, own=1)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    data = collect.collect([duty.cast.county1.pk, duty.cast.county2.pk], today.year, quarter)
    assert data[duty.cast.county1.pk]["warnings"][Code.DISCIPLINE_SUBSTITUTES] == 1
    assert data[duty.cast.county2.pk]["warnings"] == collect.empty_inputs()["warnings"]
    value, detail = scoring.score(
        "per_miss_deduction",
        5,
        {"input": f"warnings.{Code.DISCIPLINE_SUBSTITUTES}", "per": 3},
        data[duty.cast.county1.pk],
    )
    assert value == 2 and detail == {"misses": 1}


def test_it_counts_warnings_in_a_bounded_number_of_queries(duty, django_assert_max_num_queries):
    _discipline_logs(duty, discipline=3, own=1)
    # One request's worth: the viewer's grants are read once (request_cache), then one query
    # for the rules and each rule's fixed number (以纪代责: the logs toward committee items,
    # the own-log counts, the candidate units with their hearings).
    with request_cache.scope(), django_assert_max_num_queries(10):
        summaries = w.summaries(duty.cast.user("city1_secretary"), duty.cast.city1.path, _window())
    assert {s.rule.code: s.count for s in summaries}[Code.DISCIPLINE_SUBSTITUTES] == 1


def test_it_requires_the_thresholds_a_rule_reads():
    rule = WarningRule(code=Code.STATIONED_OVERLOAD, max_departments=3)
    with pytest.raises(ValidationError) as error:
        rule.clean()
    assert set(error.value.message_dict) == {"max_open_cases", "max_cases_per_officer"}
    WarningRule(code=Code.DISCIPLINE_SIDE_JOBS, keywords="监督").clean()  # complete: no error


def test_it_describes_each_rule_in_plain_words_with_its_thresholds():
    rule = WarningRule(code=Code.SIGNED_THEN_IDLE, day_limit=45, min_logs=2)
    assert w.describe(rule) == (
        "责任书已签订,但承诺方自签订满45天后记录的履责纪实少于2条(本年度,至今)。"
    )
    rule = WarningRule(
        code=Code.DISCIPLINE_SUBSTITUTES, share_percent=60, min_logs=4, keywords="纪委"
    )
    assert "超过60%" in w.describe(rule) and "标题含纪委" in w.describe(rule)
