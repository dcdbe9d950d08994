"""Score arithmetic per rule type, on crafted inputs (no database)."""

from decimal import Decimal

import pytest

from assessments import scoring
from assessments.defaults import DEFAULT_INDICATORS


def s(rule, top, params, inputs, adj=0):
    return scoring.score(rule, top, params, inputs, adj)[0]


def test_it_presence_is_all_or_nothing():
    assert s("presence", 5, {"input": "lists.in_force"}, {"lists": {"in_force": 1}}) == Decimal(
        "5.00"
    )
    assert s("presence", 5, {"input": "lists.in_force"}, {"lists": {"in_force": 0}}) == Decimal(
        "0.00"
    )
    assert s("presence", 5, {"input": "missing.key"}, {}) == Decimal("0.00")


def test_it_count_threshold_is_proportional_or_all_or_nothing():
    p = {"input": "logs.study_session", "threshold": 3}
    assert s("count_threshold", 8, p, {"logs": {"study_session": 3}}) == Decimal("8.00")
    assert s("count_threshold", 8, p, {"logs": {"study_session": 5}}) == Decimal("8.00")
    assert s("count_threshold", 8, p, {"logs": {"study_session": 1}}) == Decimal("2.67")
    assert (
        s("count_threshold", 8, {**p, "all_or_nothing": True}, {"logs": {"study_session": 2}}) == 0
    )


def test_it_per_occurrence_bonus_adds_a_bonus_and_per_extra_up_to_the_max():
    p = {"input": "logs.talk", "base": 4, "threshold": 2, "bonus": 2, "per": 1}
    assert s("per_occurrence_bonus", 8, p, {"logs": {"talk": 0}}) == Decimal("4.00")
    assert s("per_occurrence_bonus", 8, p, {"logs": {"talk": 2}}) == Decimal("6.00")
    assert s("per_occurrence_bonus", 8, p, {"logs": {"talk": 3}}) == Decimal("7.00")
    assert s("per_occurrence_bonus", 8, p, {"logs": {"talk": 10}}) == Decimal("8.00")  # capped


def test_it_per_miss_deduction_floors_at_zero():
    p = {"input": "lists.items_missed", "per": 2}
    assert s("per_miss_deduction", 13, p, {"lists": {"items_missed": 0}}) == Decimal("13.00")
    assert s("per_miss_deduction", 13, p, {"lists": {"items_missed": 3}}) == Decimal("7.00")
    assert s("per_miss_deduction", 13, p, {"lists": {"items_missed": 9}}) == Decimal("0.00")


def test_it_the_incentive_rule_does_not_deduct_self_found_and_doubles_concealed():
    p = {
        "input": "findings",
        "per": 1,
        "weights": {"self_found": 0, "found_by_others": 1, "concealed": 2},
    }

    def f(self_found=0, others=0, concealed=0):
        return s(
            "per_miss_deduction",
            10,
            p,
            {
                "findings": {
                    "self_found": self_found,
                    "found_by_others": others,
                    "concealed": concealed,
                }
            },
        )

    assert f(self_found=5) == Decimal("10.00")
    assert f(others=2) == Decimal("8.00")
    assert f(concealed=2) == Decimal("6.00")
    assert f(self_found=3, others=1, concealed=1) == Decimal("7.00")


def test_it_ratio_on_time():
    p = {"input": "rectification"}
    assert s("ratio_on_time", 10, p, {"rectification": {"due": 4, "on_time": 3}}) == Decimal("7.50")
    assert s("ratio_on_time", 10, p, {"rectification": {"due": 0, "on_time": 0}}) == Decimal(
        "10.00"
    )
    assert s("ratio_on_time", 10, {**p, "when_none_due": "zero"}, {}) == Decimal("0.00")


def test_it_survey_band_by_excellent_share_with_the_one_third_penalty():
    p = dict(DEFAULT_INDICATORS[10][5])  # P1

    def votes(e, c, b=0, i=0):
        return s(
            "survey_band",
            10,
            p,
            {"democratic": {"excellent": e, "competent": c, "basic": b, "incompetent": i}},
        )

    assert votes(9, 1) == Decimal("10.00")  # 90 %
    assert votes(85, 15) == Decimal("9.50")  # 80–90
    assert votes(7, 3) == Decimal("9.00")
    assert votes(1, 9) == Decimal("8.00")  # < 60 %
    assert votes(4, 4, 2, 2) == Decimal("6.50")  # weak votes ≥ 1/3 → penalty band
    assert s("survey_band", 10, p, {"democratic": {}}) == Decimal("10.00")  # no data: full


def test_it_survey_band_by_score():
    p = {"input": "questionnaire", "measure": "score", "bands": [[90, 1], [80, 0.9], [0, 0.5]]}
    assert s("survey_band", 5, p, {"questionnaire": {"score": "92.5"}}) == Decimal("5.00")
    assert s("survey_band", 5, p, {"questionnaire": {"score": "85"}}) == Decimal("4.50")
    assert s("survey_band", 5, p, {"questionnaire": {"score": "10"}}) == Decimal("2.50")


def test_it_manual_starts_full_and_adjustments_stay_within_bounds():
    assert s("manual", 10, {}, {}) == Decimal("10.00")
    assert s("manual", 10, {}, {}, adj=-3) == Decimal("7.00")
    assert s("manual", 10, {}, {}, adj=5) == Decimal("10.00")
    assert s("manual", 10, {"default": 6}, {}, adj=-9) == Decimal("0.00")


def test_it_lights_and_grades_follow_the_per_year_thresholds():
    assert scoring.light_for(Decimal("85"), {"green": 85, "yellow": 70}) == "green"
    assert scoring.light_for(Decimal("84.99"), {"green": 85, "yellow": 70}) == "yellow"
    assert scoring.light_for(Decimal("69"), {"green": 85, "yellow": 70}) == "red"
    assert scoring.light_for(Decimal("69"), {"green": 95, "yellow": 60}) == "yellow"
    assert scoring.grade_for(Decimal("91"), [[90, "优秀"], [0, "其他"]]) == "优秀"


def test_it_the_default_set_adds_up_to_100_and_never_counts_check_ins():
    assert sum(row[3] for row in DEFAULT_INDICATORS) == 100
    text = repr(DEFAULT_INDICATORS).lower()
    for banned in ("check_in", "checkin", "online", "login", "打卡", "在线时长"):
        assert banned not in text


@pytest.mark.parametrize("rule", list(scoring.RULES))
def test_it_every_rule_type_is_bounded(rule):
    params = {"input": "x", "threshold": 1, "base": 50, "bonus": 50, "per": 100}
    for inputs in ({}, {"x": 0}, {"x": 1000}):
        value = s(rule, 10, params, inputs)
        assert Decimal(0) <= value <= Decimal(10)
