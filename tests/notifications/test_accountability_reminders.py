"""Accountability reminders: step deadlines, formalities, appeal windows, influence periods."""

import datetime

import pytest

from accountability.models import AccountabilityCase, AccountabilityMeasure
from accountability.services import measures
from inspections import deadlines
from notifications import jobs
from notifications.models import Notification
from tests.accountability.fixtures import TODAY, advance, open_county1_case

D = datetime.timedelta
pytestmark = pytest.mark.django_db


def _to(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind)


def test_it_reminds_the_handling_body_before_and_after_a_step_deadline(cast):
    case = open_county1_case(cast)
    assert case.status == AccountabilityCase.Status.LEAD_RECEIVED
    due = case.step_due()
    jw = cast.user("county1_jw")
    assert jobs.run("accountability.steps", due - D(days=4))["sent"] == 0
    assert jobs.run("accountability.steps", due - D(days=3))["sent"] >= 1
    assert jobs.run("accountability.steps", due - D(days=1))["sent"] == 0
    assert jobs.run("accountability.steps", due + D(days=1))["sent"] >= 1
    assert _to(jw, "accountability_step").count() == 2
    assert not _to(cast.user("county2_secretary"), "accountability_step").exists()


def test_it_the_person_held_to_account_hears_of_the_appeal_window_once(cast):
    case = advance(cast, open_county1_case(cast), AccountabilityCase.Status.EXECUTING)
    former = cast.user("county1_former")
    assert jobs.run("accountability.appeals", TODAY)["sent"] == 1
    assert jobs.run("accountability.appeals", TODAY + D(days=5))["sent"] == 0
    msg = _to(former, "accountability_appeal_window").get()
    assert deadlines.add_months(case.decided_on, 1).isoformat() in msg.title
    # Outside the case file (their own decision only): the title and the link, no body.
    assert not former.has_perm("accountability.view_accountabilitycase", case)
    assert msg.body == ""
    assert jobs.run("accountability.appeals", TODAY + D(days=40))["sent"] == 0


def test_it_influence_periods_are_marked_and_told_once(cast):
    case = advance(cast, open_county1_case(cast), AccountabilityCase.Status.EXECUTING)
    measure = case.measures.get()
    AccountabilityMeasure.objects.filter(pk=measure.pk).update(influence_ends=TODAY)
    first = jobs.run("accountability.influence_periods", TODAY)
    second = jobs.run("accountability.influence_periods", TODAY)
    assert (first["marked"], first["sent"]) == (1, 1)
    assert (second["marked"], second["sent"]) == (0, 0)
    assert _to(cast.user("county1_former"), "accountability_influence_expired").count() == 1


def test_it_formalities_due_go_to_the_deciding_body(cast):
    case = advance(cast, open_county1_case(cast), AccountabilityCase.Status.DECIDED)
    measures.add_measure(
        case,
        actor=cast.user("county1_jw"),
        target=case.targets.first(),
        kind="organizational_handling",
        subtype="reassignment",
        effective_date=TODAY,
        decision_no="一市委问决〔2026〕1号",
        deciding_body=case.deciding_body,
    )
    measure = case.measures.get()
    due = measure.formalities_due
    assert jobs.run("accountability.formalities", due - D(days=5))["sent"] == 0
    assert jobs.run("accountability.formalities", due - D(days=2))["sent"] >= 1
    assert _to(cast.user("city1_secretary"), "accountability_formalities").count() == 1
