"""State changes are safe against double submits: two requests that loaded the same record
(a double click, two people pressing the same button) apply the change once; the second is
refused by the state check, because the services lock the row and re-read its state."""

import pytest
from django.core.exceptions import ValidationError

from accountability.models import AccountabilityCase, CaseTransition
from accountability.services import cases
from liangge_zeren.workflow import TransitionRefused
from responsibilities import duty_logs, letters
from responsibilities.models import DutyLog, ResponsibilityLetter
from tests.accountability.fixtures import open_county1_case
from tests.responsibilities import dutyfix

pytestmark = pytest.mark.django_db


def test_it_a_duty_log_is_submitted_once(cast):
    duty = dutyfix.build_duty(cast)
    log = dutyfix.make_log(duty, submit=False)
    first, second = DutyLog.objects.get(pk=log.pk), DutyLog.objects.get(pk=log.pk)
    duty_logs.submit_log(first, actor=cast.user("county1_member"))
    submitted_at = DutyLog.objects.get(pk=log.pk).submitted_at
    with pytest.raises(TransitionRefused):
        duty_logs.submit_log(second, actor=cast.user("county1_member"))
    assert DutyLog.objects.get(pk=log.pk).submitted_at == submitted_at


def test_it_a_signed_letter_is_revised_into_one_new_version(cast, settings):
    duty = dutyfix.build_duty(cast)
    letter = letters.generate_letter(
        signee=duty.tenure("county1_member"),
        issuer=duty.tenure("county1_secretary"),
        year=duty.year,
        actor=cast.user("county1_secretary"),
    )
    ResponsibilityLetter.objects.filter(pk=letter.pk).update(
        status=ResponsibilityLetter.Status.SENT
    )
    first = ResponsibilityLetter.objects.get(pk=letter.pk)
    second = ResponsibilityLetter.objects.get(pk=letter.pk)
    letters.revise_letter(first, actor=cast.user("county1_secretary"))
    with pytest.raises(ValidationError):
        letters.revise_letter(second, actor=cast.user("county1_secretary"))
    assert ResponsibilityLetter.objects.filter(previous_version=letter).count() == 1


def test_it_an_accountability_case_moves_once(cast):
    case = open_county1_case(cast)
    first = AccountabilityCase.objects.get(pk=case.pk)
    second = AccountabilityCase.objects.get(pk=case.pk)
    jw = cast.user("county1_jw")
    cases.start_preliminary_review(first, actor=jw)
    with pytest.raises(TransitionRefused):
        cases.start_preliminary_review(second, actor=jw)
    assert CaseTransition.objects.filter(case=case, action="preliminary_review").count() == 1
