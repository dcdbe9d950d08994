"""The per-person assessment demo step (issue 18): county 1's team interviewed, the member's
述责述廉 reviewed 面对面, last quarter's results published; a second run creates nothing."""

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import override_settings

from assessments.models import PersonAssessmentSnapshot, PersonInterview, ReportReview
from demo import org_tree
from demo.assessments import step_person_assessments
from demo.duty_lists import step_duty_reports
from liangge_zeren.actors import DEMO, acting
from liangge_zeren.periods import Quarter

# One worker runs the whole module (make test: --dist loadgroup), so its module-scoped
# demo seed is built once, not once per worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("test_person_assessments")]

MODELS = (PersonAssessmentSnapshot, PersonInterview, ReportReview)


@pytest.fixture(scope="module")
def demo_ctx(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with acting(DEMO):
                ctx = org_tree.DemoContext(password=django_settings.DEMO_PASSWORD)
                org_tree.step_org_tree(ctx)
                org_tree.step_accounts(ctx)
                step_duty_reports(ctx)
                step_person_assessments(ctx)
                yield ctx
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


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
