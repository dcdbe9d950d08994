"""The incentive rule through the quarterly roll-up: a concealed finding costs double.

D3 (发现问题情况) deducts self-found problems 0, problems found by others 1 and problems
verified as concealed 2 from its 10 points. A finding marked concealed (Finding.concealed) is
counted only as concealed, so marking one moves it from 1 unit to 2 — never 1 + 2.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import AssessmentSnapshot, EvaluationInput
from assessments.services import evaluations, snapshots
from inspections.models import Finding
from inspections.services import findings as insp_findings
from liangge_zeren.actors import JOBS
from tests.inspections.fixtures import make_finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def period():
    # Findings count in the quarter they were registered (created_at: now).
    today = timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


@pytest.fixture
def findings(cast):
    jw = cast.user("county1_jw")
    body = cast.bodies["T-K1:discipline"]
    own = make_finding(
        jw,
        cast.county1,
        body=body,
        title="自查发现",
        source=Finding.Source.SELF_IDENTIFIED,
        sub_source="self_duty_performance",
    )
    found = make_finding(jw, cast.county1, body=body, title="监督发现")
    hidden = make_finding(jw, cast.county1, body=body, title="应报未报")
    return own, found, hidden


def snap(org, year, quarter):
    return AssessmentSnapshot.objects.get(org=org, year=year, quarter=quarter)


def test_it_a_concealed_finding_is_deducted_double_through_the_rollup(cast, findings, period):
    year, quarter = period
    _own, _found, hidden = findings
    snapshots.compute_quarter(year, quarter, actor=JOBS)
    before = snap(cast.county1, year, quarter)
    city_before = snap(cast.city1, year, quarter)
    assert before.inputs["findings"] == {"self_found": 1, "found_by_others": 2, "concealed": 0}
    assert before.scores["D3"]["score"] == "8.00"  # 10 − (0 + 1 + 1)

    insp_findings.mark_concealed(
        hidden, actor=cast.user("county1_jw"), concealed=True, reason="群众举报前已知情未报"
    )
    result = snapshots.compute_quarter(year, quarter, actor=JOBS)
    assert result.updated >= 1
    after = snap(cast.county1, year, quarter)
    assert after.inputs["findings"] == {"self_found": 1, "found_by_others": 1, "concealed": 1}
    assert after.scores["D3"]["score"] == "7.00"  # 10 − (0 + 1 + 2)
    assert after.scores["D3"]["detail"]["weighted_misses"] == "3.00"
    assert after.total == before.total - Decimal("1.00")
    assert after.inputs_sha256 != before.inputs_sha256

    # The roll-up sees it too: the city's subtree average carries county 1's lower total.
    city_after = snap(cast.city1, year, quarter)
    units = city_after.subtree_units
    assert units == city_before.subtree_units and units > 1
    drop = (city_before.subtree_average - city_after.subtree_average) * units
    assert abs(drop - Decimal("1.00")) <= Decimal("0.01") * units  # averages are rounded

    # Withdrawn → back to a single deduction, identical to the first computation.
    insp_findings.mark_concealed(
        hidden, actor=cast.user("county1_jw"), concealed=False, reason="复核"
    )
    snapshots.compute_quarter(year, quarter, actor=JOBS)
    again = snap(cast.county1, year, quarter)
    assert again.inputs_sha256 == before.inputs_sha256
    assert again.scores == before.scores and again.total == before.total


def test_it_imported_concealed_counts_still_add_to_the_flag(cast, findings, period):
    year, quarter = period
    _own, _found, hidden = findings
    insp_findings.mark_concealed(
        hidden, actor=cast.user("county1_jw"), concealed=True, reason="核实"
    )
    # Concealment verified outside the system (no finding here): entered as a number.
    evaluations.record_input(
        org=cast.county1,
        year=year,
        quarter=quarter,
        kind=EvaluationInput.Kind.CONCEALED_PROBLEMS,
        values={"count": 1},
        actor=cast.user("city1_jw"),
        note="信访核查",
    )
    snapshots.compute_quarter(year, quarter, actor=JOBS)
    s = snap(cast.county1, year, quarter)
    assert s.inputs["findings"] == {"self_found": 1, "found_by_others": 1, "concealed": 2}
    assert s.scores["D3"]["score"] == "5.00"  # 10 − (0 + 1 + 2 × 2)


def test_it_a_published_quarter_keeps_its_numbers_when_a_finding_is_marked_later(
    cast, findings, period
):
    year, quarter = period
    _own, _found, hidden = findings
    snapshots.compute_quarter(year, quarter, actor=JOBS)
    published = snapshots.publish_snapshot(
        snap(cast.county1, year, quarter), actor=cast.user("city1_secretary")
    )
    insp_findings.mark_concealed(
        hidden, actor=cast.user("county1_jw"), concealed=True, reason="核实"
    )
    result = snapshots.compute_quarter(year, quarter, actor=JOBS)
    assert result.locked >= 1
    locked = snap(cast.county1, year, quarter)
    assert locked.scores["D3"]["score"] == "8.00"
    assert locked.inputs_sha256 == published.inputs_sha256
