"""The per-person assessment demo step (issue 18): county 1's team interviewed, the member's
述责述廉 reviewed 面对面, last quarter's results published; a second run creates nothing."""

import pytest

from assessments.models import PersonAssessmentSnapshot, PersonInterview, ReportReview
from demo.assessments import step_person_assessments
from liangge_zeren.actors import DEMO, acting
from liangge_zeren.periods import Quarter

# The modules of group demo_world run one after the other on one worker (make test: --dist
# loadgroup) and share one demo seed (tests/conftest.py: demo_world).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]

MODELS = (PersonAssessmentSnapshot, PersonInterview, ReportReview)


@pytest.fixture(scope="module")
def demo_ctx(demo_world):
    """The whole demo province, shared with the other modules of the group."""
    return demo_world


def test_it_publishes_last_quarters_results_of_county1s_team(demo_ctx):
    last = Quarter.current().previous()
    county1 = demo_ctx.tree.orgs["JH-C01-K01"]
    quarter = PersonAssessmentSnapshot.objects.filter(
        org=county1, year=last.year, period=last.quarter
    )
    assert quarter.count() >= 3  # secretary, deputies, members, 纪委书记
    assert set(quarter.values_list("status", flat=True)) == {"published"}
    assert all(s.inputs["interview"]["entries"] == 1 for s in quarter)
    year = PersonAssessmentSnapshot.objects.get(
        tenure=demo_ctx.tree.tenures["JH-C01-K01-PC:member5"], period=0
    )
    assert year.inputs["report"]["rating"] == "fair_good" and not year.is_published


def test_it_a_second_run_creates_nothing(demo_ctx):
    before = {m: m.objects.count() for m in MODELS}
    history = PersonAssessmentSnapshot.history.count()
    with acting(DEMO):
        step_person_assessments(demo_ctx)
    assert {m: m.objects.count() for m in MODELS} == before
    assert PersonAssessmentSnapshot.history.count() == history
