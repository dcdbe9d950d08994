"""Risk-based targeting: a transparent weighted score on crafted data, in one query."""

import datetime

import pytest
from django.urls import reverse

from inspections import risk
from inspections.services import risk_profiles
from liangge_zeren import request_cache
from responsibilities.scoping import user_grants

from .fixtures import TODAY, make_finding, make_task

pytestmark = pytest.mark.django_db

WEIGHTS = {
    "power_concentration": 25,
    "funds_density": 20,
    "petitions": 20,
    "case_incidence": 15,
    "findings": 10,
    "overdue_tasks": 10,
}


@pytest.fixture
def crafted(cast):
    jw = cast.user("city1_jw")
    body = cast.bodies["T-C1:discipline"]
    risk_profiles.save_risk_profile(
        actor=jw,
        org=cast.county1,
        year=TODAY.year,
        power_concentration=10,
        funds_density=2,
        petitions=5,
        case_incidence=0,
    )
    risk_profiles.save_risk_profile(
        actor=jw,
        org=cast.county2,
        year=TODAY.year,
        power_concentration=5,
        funds_density=8,
        petitions=10,
        case_incidence=2,
    )
    a = make_finding(jw, cast.county1, body=body, title="甲")
    make_finding(jw, cast.township1, body=body, title="乙")  # counts for county 1 (subtree)
    make_finding(jw, cast.county2, body=body, title="丙")
    make_task(jw, a, cast.tenures["county1_secretary"], due=TODAY - datetime.timedelta(days=1))
    return cast


def test_it_ranks_units_by_the_weighted_normalised_factors(crafted):
    rows = risk.ranking(crafted.city1, TODAY.year, WEIGHTS)
    assert [r.org.code for r in rows] == ["T-K2", "T-K1"]
    county2, county1 = rows
    assert county2.score == 72.5  # 12.5 + 20 + 20 + 15 + 5 + 0
    assert county1.score == 60.0  # 25 + 5 + 10 + 0 + 10 + 10
    assert county1.values == {
        "power_concentration": 10,
        "funds_density": 2,
        "petitions": 5,
        "case_incidence": 0,
        "audit_issues": 0,
        "findings": 2,
        "overdue_tasks": 1,
    }
    assert county1.parts["funds_density"] == pytest.approx(5.0)


def test_it_weights_change_the_order(crafted):
    weights = dict.fromkeys(WEIGHTS, 0) | {"power_concentration": 100}
    rows = risk.ranking(crafted.city1, TODAY.year, weights)
    assert [(r.org.code, r.score) for r in rows] == [("T-K1", 100.0), ("T-K2", 50.0)]
    assert risk.weights_from({"w_petitions": "40", "w_findings": "x"})["petitions"] == 40.0
    assert risk.weights_from({})["findings"] == 10.0


def test_it_the_ranking_is_one_query(crafted, django_assert_num_queries):
    user = crafted.user("city1_jw")
    with request_cache.scope():  # as in a request: grants are cached for its duration
        user_grants(user)
        with django_assert_num_queries(1):
            risk.ranking(crafted.city1, TODAY.year, WEIGHTS, user=user)


def test_it_the_ranking_page_shows_every_factor_and_weight(crafted, client_for):
    client = client_for(crafted.user("city1_jw"))
    response = client.get(
        reverse("inspections:risk_ranking"), {"org": crafted.city1.pk, "w_findings": "30"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    for label in ("权力集中度", "资金密集度", "信访举报", "案件发生", "本年度发现问题数"):
        assert label in body
    assert 'value="30"' in body
    assert body.index("二号县") < body.index("一号县", body.index("risk-table"))
    # Another commission's unit is not a planning choice.
    other = client_for(crafted.user("county1_jw"))
    assert (
        other.get(reverse("inspections:risk_ranking"), {"org": crafted.city1.pk}).status_code == 404
    )
