"""Re-supervision (监督再监督) of a commission: conducted by a higher commission or the
same-level committee, never by the commission itself; its rectification reports and tasks
are the duty of the commission under re-supervision (issue 13, R29).

Issue 13's example: "The rectification-report reminder of a re-supervision round of
东溪县纪委监委 went to the 县委书记" — it now goes to the commission's secretary.
"""

import datetime

import pytest

from inspections.forms import TaskForm
from inspections.models import Finding, InspectionRound
from inspections.reminders import report_reminders
from inspections.services import rounds, tasks
from liangge_zeren.workflow import TransitionRefused
from tests.accountability.fixtures import county1_head

from .fixtures import TODAY, make_finding

K = InspectionRound.Kind


def _round(cast, kind, issuer, target="county1", actor="prov_jw"):
    return rounds.create_round(
        actor=cast.user(actor),
        kind=kind,
        title="检查",
        issuing_body=cast.bodies[issuer],
        year=TODAY.year,
        targets=[getattr(cast, target)],
    )


@pytest.mark.parametrize(
    "issuer, allowed",
    [
        ("T-C1:discipline", True),  # the commission one level up
        ("T-P:discipline", True),  # a higher commission
        ("T-K1:committee", True),  # the same-level committee
        ("T-K1:discipline", False),  # the commission itself
        ("T-C1:committee", False),  # neither a commission nor the same-level committee
    ],
)
def test_it_who_may_conduct_a_re_supervision_of_the_county_commission(cast, issuer, allowed):
    if allowed:
        target = _round(cast, K.RE_SUPERVISION, issuer).round_targets.get()
        assert target.target_body == cast.bodies["T-K1:discipline"]
    else:
        with pytest.raises(TransitionRefused, match="监督再监督不得自查"):
            _round(cast, K.RE_SUPERVISION, issuer)


def _reported_round(cast, kind, issuer):
    """A round with feedback given long ago: its reports are overdue."""
    round_ = _round(cast, kind, issuer)
    rounds.start_on_site(round_, actor=cast.user("prov_jw"))
    rounds.start_reporting(round_, actor=cast.user("prov_jw"))
    feedback = TODAY - datetime.timedelta(days=400)
    rounds.give_feedback(round_, actor=cast.user("prov_jw"), feedback_date=feedback)
    return round_


def _recipients(round_):
    return {
        r.recipient.username
        for r in report_reminders(TODAY)
        if r.obj.round_id == round_.pk and r.kind == "rectification_report"
    }


@pytest.mark.parametrize(
    "kind, issuer, head, expected",
    [
        # Issue 13: the re-supervised commission answers, not the county secretary.
        (K.RE_SUPERVISION, "T-C1:discipline", True, {"county1_jw_secretary"}),
        # Without a login for its secretary, its officers are reminded (still not the 县委书记).
        (K.RE_SUPERVISION, "T-C1:discipline", False, {"county1_jw"}),
        # A 巡察 of the county committee: its secretary, as before.
        (K.XUNCHA, "T-C1:committee", True, {"county1_secretary"}),
    ],
)
def test_it_report_reminders_go_to_whoever_answers_for_the_target(
    cast, kind, issuer, head, expected
):
    if head:
        county1_head(cast)
    round_ = _reported_round(cast, kind, issuer)
    assert _recipients(round_) == expected


def test_it_re_supervision_tasks_fall_on_the_commission_under_re_supervision(cast):
    round_ = _reported_round(cast, K.RE_SUPERVISION, "T-C1:discipline")
    finding = make_finding(
        cast.user("city1_jw"),
        cast.county1,
        round=round_,
        title="对同级党委班子成员监督偏软",
        source=Finding.Source.FROM_ABOVE,
        sub_source="above_discipline",
        category=Finding.Category.SUPERVISION,
    )
    owners = TaskForm(finding=finding).fields["owner_tenure"].queryset
    assert cast.tenures["county1_jw"] in owners
    assert cast.tenures["county1_secretary"] not in owners
    data = dict(
        actor=cast.user("city1_jw"),
        finding=finding,
        measure="建立同级监督清单",
        org=cast.county1,
        due_date=TODAY + datetime.timedelta(days=60),
    )
    with pytest.raises(TransitionRefused, match="被再监督的一号县纪委监委负责整改"):
        tasks.create_task(owner_tenure=cast.tenures["county1_secretary"], **data)
    task = tasks.create_task(owner_tenure=cast.tenures["county1_jw"], **data)
    assert task.owner_tenure.body == cast.bodies["T-K1:discipline"]
