"""Every allowed and every refused transition of rounds and rectification tasks."""

import datetime

import pytest

from inspections import deadlines, selectors
from inspections.models import (
    ExtensionRequest,
    Finding,
    InspectionRound,
    RectificationReport,
    RectificationTask,
    RoundTransition,
    TaskTransition,
)
from inspections.services import findings, rounds, tasks
from inspections.workflows import RECTIFY_TASK, ROUND_FLOW, ROUND_MOVES, TASK_FLOW
from liangge_zeren.workflow import TransitionRefused
from notifications.models import Notification

from .fixtures import TODAY, make_finding, make_task

pytestmark = pytest.mark.django_db

RS = InspectionRound.Status
TS = RectificationTask.Status


ROUND_SERVICES = {
    "start_on_site": rounds.start_on_site,
    "start_reporting": rounds.start_reporting,
    "start_rectifying": rounds.start_rectifying,
    "submit_report": rounds.confirm_reports_submitted,
    "evaluate": rounds.evaluate_round,
    "close": rounds.close_round,
}


def _round_call(action, round_, user):
    if action == "give_feedback":
        return rounds.give_feedback(round_, actor=user, feedback_date=TODAY)
    return ROUND_SERVICES[action](round_, actor=user)


@pytest.mark.parametrize("action", ROUND_MOVES)
@pytest.mark.parametrize("status", [s.value for s in RS])
def test_it_round_transitions_are_allowed_only_from_their_states(cast, status, action):
    jw = cast.user("county1_jw")
    round_ = rounds.create_round(
        actor=jw,
        kind=InspectionRound.Kind.XUNCHA,
        title="测试巡察",
        issuing_body=cast.bodies["T-K1:committee"],
        year=TODAY.year,
        targets=[cast.township1],
    )
    InspectionRound.objects.filter(pk=round_.pk).update(status=status)
    round_.refresh_from_db()
    transition = ROUND_FLOW[action]
    if status in transition.sources:
        _round_call(action, round_, jw)
        round_.refresh_from_db()
        assert round_.status == transition.target
        last = RoundTransition.objects.filter(round=round_).last()
        assert (last.from_status, last.to_status, last.actor) == (status, transition.target, jw)
    else:
        with pytest.raises(TransitionRefused):
            _round_call(action, round_, jw)
        round_.refresh_from_db()
        assert round_.status == status


def test_it_a_round_runs_its_whole_course_and_records_each_step(cast):
    prov_jw = cast.user("prov_jw")
    round_ = rounds.create_round(
        actor=prov_jw,
        kind=InspectionRound.Kind.XUNSHI,
        title="省委巡视",
        issuing_body=cast.bodies["T-P:committee"],
        year=2026,
        targets=[cast.city1],
    )
    rounds.start_on_site(round_, actor=prov_jw)
    rounds.start_reporting(round_, actor=prov_jw)
    rounds.give_feedback(round_, actor=prov_jw, feedback_date=datetime.date(2026, 3, 31))
    assert round_.report_due == datetime.date(2026, 5, 31)
    assert round_.principal_report_due == datetime.date(2026, 5, 31)
    reports = RectificationReport.objects.filter(round=round_)
    assert sorted(reports.values_list("kind", flat=True)) == ["principal", "team"]
    rounds.start_rectifying(round_, actor=prov_jw)
    with pytest.raises(TransitionRefused, match="未报送"):
        rounds.confirm_reports_submitted(round_, actor=prov_jw)
    for report in reports:
        rounds.submit_rectification_report(
            report, actor=cast.user("city1_secretary"), content="已整改"
        )
    rounds.confirm_reports_submitted(round_, actor=prov_jw)
    rounds.evaluate_round(round_, actor=prov_jw)
    rounds.close_round(round_, actor=prov_jw)
    steps = list(RoundTransition.objects.filter(round=round_).values_list("to_status", flat=True))
    assert steps == [s.value for s in RS]
    revisit = rounds.start_revisit(round_, actor=prov_jw, title="回头看", year=2027)
    assert revisit.revisit_of == round_ and revisit.status == RS.PLANNED
    assert list(revisit.targets.all()) == [cast.city1]


def test_it_report_due_is_configurable_per_kind(cast, settings):
    settings.INSPECTIONS = {"REPORT_DUE_MONTHS": {"xuncha": 6}}
    round_ = InspectionRound(kind="xuncha")
    assert deadlines.report_due_for(round_, datetime.date(2026, 8, 31)) == datetime.date(
        2027, 2, 28
    )
    assert deadlines.report_due_for(
        InspectionRound(kind="xunshi"), datetime.date(2026, 12, 31)
    ) == (datetime.date(2027, 2, 28))


def test_it_covert_disclosure_is_refused_for_other_kinds_and_twice(cast, insp):
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused):
        rounds.disclose_round(insp.xuncha, actor=jw)
    rounds.disclose_round(insp.covert, actor=jw)
    with pytest.raises(TransitionRefused):
        rounds.disclose_round(insp.covert, actor=jw)


# --- Tasks ----------------------------------------------------------------------------


TASK_CALLS = {
    "start": (tasks.start_task, {}),
    "submit": (tasks.submit_for_closure, {"statement": "已整改完毕"}),
    "return": (tasks.return_task, {"reason": "材料不全"}),
    "recheck": (tasks.record_recheck, {"note": "复查合格"}),
    "close": (tasks.verify_and_close, {"note": "同意销号"}),
    "reopen": (tasks.reopen_task, {"reason": "问题反弹"}),
}


@pytest.mark.parametrize("action", sorted(TASK_CALLS))
@pytest.mark.parametrize("status", [s.value for s in TS])
def test_it_task_transitions_are_allowed_only_from_their_states(
    cast, daily_finding, status, action
):
    jw = cast.user("county1_jw")
    task = make_task(jw, daily_finding, cast.tenures["county1_secretary"], long_term=True)
    RectificationTask.objects.filter(pk=task.pk).update(status=status)
    task.refresh_from_db()
    if action == "close":  # long-term: the recheck precondition is tested separately
        RectificationTask.objects.filter(pk=task.pk).update(rechecked_at="2026-01-01T00:00Z")
        task.refresh_from_db()
    transition = TASK_FLOW[action]
    # The target side rectifies, the inspecting side verifies (the table names who).
    user = cast.user("county1_secretary" if transition.permission == RECTIFY_TASK else "county1_jw")
    service, data = TASK_CALLS[action]
    if status in transition.sources:
        service(task, actor=user, **data)
        task.refresh_from_db()
        to_status = transition.target or status  # a recheck is recorded in place
        assert task.status == to_status
        last = TaskTransition.objects.filter(task=task).last()
        assert (last.from_status, last.to_status, last.actor) == (status, to_status, user)
    else:
        with pytest.raises(TransitionRefused):
            service(task, actor=user, **data)
        task.refresh_from_db()
        assert task.status == status


def test_it_a_task_goes_through_return_closure_and_reopening(cast, insp):
    jw = cast.user("county1_jw")
    secretary = cast.user("county1_secretary")
    task = insp.daily_task
    tasks.add_progress(task, actor=secretary, text="已召开专题会议")
    task.refresh_from_db()
    assert task.status == TS.IN_PROGRESS  # the first progress report starts the work
    tasks.submit_for_closure(task, actor=secretary, statement="整改完成")
    assert Finding.objects.get(pk=insp.daily.pk).status == Finding.Status.RECTIFYING
    with pytest.raises(TransitionRefused, match="理由"):
        tasks.return_task(task, actor=jw, reason=" ")
    tasks.return_task(task, actor=jw, reason="缺少会议纪要")
    task.refresh_from_db()
    assert (task.status, task.returned_reason) == (TS.RETURNED, "缺少会议纪要")
    # Issue 17.3: the owner is told, with the reason and a link.
    told = Notification.objects.get(recipient=secretary, kind="rectification_returned")
    assert "缺少会议纪要" in told.body and told.link.endswith(f"/tasks/{task.pk}/")
    tasks.submit_for_closure(task, actor=secretary, statement="补充了会议纪要")
    tasks.verify_and_close(task, actor=jw, note="同意销号")
    task.refresh_from_db()
    assert task.status == TS.CLOSED and task.closed_by == jw
    assert Finding.objects.get(pk=insp.daily.pk).status == Finding.Status.CLOSED
    tasks.reopen_task(task, actor=jw, reason="问题反弹")
    task.refresh_from_db()
    assert (task.status, task.reopen_count, task.closed_at) == (TS.IN_PROGRESS, 1, None)
    assert Finding.objects.get(pk=insp.daily.pk).status == Finding.Status.RECTIFYING
    actions = list(task.transitions.values_list("action", flat=True))
    assert actions == ["assign", "start", "submit", "return", "submit", "close", "reopen"]


def test_it_long_term_tasks_close_only_after_a_recheck(cast, insp):
    jw = cast.user("county1_jw")
    secretary = cast.user("county1_secretary")
    task = make_task(jw, insp.daily, cast.tenures["county1_secretary"], long_term=True)
    tasks.start_task(task, actor=secretary)
    tasks.submit_for_closure(task, actor=secretary, statement="阶段性完成")
    with pytest.raises(TransitionRefused, match="复查"):
        tasks.verify_and_close(task, actor=jw)
    tasks.record_recheck(task, actor=jw, note="复查:长效机制已建立")
    tasks.verify_and_close(task, actor=jw)
    task.refresh_from_db()
    assert task.status == TS.CLOSED
    short = insp.daily_task
    tasks.start_task(short, actor=secretary)
    tasks.submit_for_closure(short, actor=secretary, statement="已完成")
    with pytest.raises(TransitionRefused, match="长期"):
        tasks.record_recheck(short, actor=jw, note="x")


def test_it_extension_requests_need_approval_and_leave_a_trace(cast, insp):
    jw = cast.user("county1_jw")
    secretary = cast.user("county1_secretary")
    task = insp.daily_task
    old_due = task.due_date
    with pytest.raises(TransitionRefused):
        tasks.request_extension(task, actor=secretary, new_due_date=old_due, reason="x")
    first = tasks.request_extension(
        task, actor=secretary, new_due_date=old_due + datetime.timedelta(days=30), reason="需要招标"
    )
    with pytest.raises(TransitionRefused, match="待审批"):
        tasks.request_extension(
            task, actor=secretary, new_due_date=old_due + datetime.timedelta(days=40), reason="再延"
        )
    task.refresh_from_db()
    assert task.due_date == old_due  # nothing changes before approval
    with pytest.raises(TransitionRefused, match="理由"):
        tasks.decide_extension(first, actor=jw, approve=False)
    tasks.decide_extension(first, actor=jw, approve=False, note="理由不充分")
    second = tasks.request_extension(
        task, actor=secretary, new_due_date=old_due + datetime.timedelta(days=20), reason="客观原因"
    )
    tasks.decide_extension(second, actor=jw, approve=True)
    with pytest.raises(TransitionRefused):
        tasks.decide_extension(second, actor=jw, approve=True)
    task.refresh_from_db()
    assert task.due_date == old_due + datetime.timedelta(days=20)
    assert task.original_due_date == old_due
    assert list(ExtensionRequest.objects.filter(task=task).values_list("status", flat=True)) == [
        "rejected",
        "approved",
    ]


def test_it_traffic_light_red_when_overdue_yellow_when_due_soon(cast, insp, settings):
    settings.INSPECTIONS = {"DUE_SOON_DAYS": 10}
    jw = cast.user("county1_jw")
    owner = cast.tenures["county1_secretary"]
    red = make_task(jw, insp.daily, owner, due=TODAY - datetime.timedelta(days=1))
    yellow = make_task(jw, insp.daily, owner, due=TODAY + datetime.timedelta(days=10))
    green = make_task(jw, insp.daily, owner, due=TODAY + datetime.timedelta(days=11))
    assert (red.traffic_light, yellow.traffic_light, green.traffic_light) == (
        "red",
        "yellow",
        "green",
    )
    ids = {red.pk, yellow.pk, green.pk}
    qs = RectificationTask.objects.filter(pk__in=ids)
    assert set(qs.red().values_list("pk", flat=True)) == {red.pk}
    assert set(qs.yellow().values_list("pk", flat=True)) == {yellow.pk}
    assert set(qs.green().values_list("pk", flat=True)) == {green.pk}


def test_it_reminders_are_claimed_once(cast, insp):
    jw = cast.user("county1_jw")
    task = make_task(
        jw, insp.daily, cast.tenures["county1_secretary"], due=TODAY + datetime.timedelta(days=3)
    )
    assert task in selectors.tasks_due_for_reminder()
    assert tasks.claim_task_reminder(task.pk) is True
    assert tasks.claim_task_reminder(task.pk) is False
    assert task not in selectors.tasks_due_for_reminder()


def test_it_findings_check_their_source_and_their_round(cast, insp):
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused, match="来源"):
        make_finding(
            jw, cast.township1, body=cast.bodies["T-K1:discipline"], sub_source="self_other"
        )
    with pytest.raises(TransitionRefused, match="检查对象"):
        make_finding(jw, cast.county2, round=insp.xuncha)
    with pytest.raises(TransitionRefused, match="管辖"):
        make_finding(jw, cast.county2, body=cast.bodies["T-K1:discipline"])


def test_it_case_leads_transfer_once_and_only_to_discipline_bodies(cast, insp):
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused):
        findings.transfer_case_lead(insp.daily, actor=jw, to_body=cast.bodies["T-K1:committee"])
    findings.transfer_case_lead(insp.daily, actor=jw, to_body=cast.bodies["T-K1:discipline"])
    assert insp.daily.is_case_lead_transferred and insp.daily.transferred_at
    with pytest.raises(TransitionRefused):
        findings.transfer_case_lead(insp.daily, actor=jw, to_body=cast.bodies["T-C1:discipline"])


def test_it_feedback_reviews_reports_and_revisits_are_refused_out_of_turn(cast, insp):
    jw = cast.user("county1_jw")
    planned = insp.xuncha  # still planned
    target = planned.round_targets.get()
    with pytest.raises(TransitionRefused, match="报告阶段之后"):
        rounds.record_feedback(
            planned, actor=jw, target=target, audience="leadership_team", date=TODAY
        )
    with pytest.raises(TransitionRefused, match="反馈之后"):
        rounds.record_face_to_face_review(
            planned, actor=jw, target=target, date=TODAY, attendees="x", points="y"
        )
    with pytest.raises(TransitionRefused, match="回头看"):
        rounds.start_revisit(planned, actor=jw, title="回头看", year=TODAY.year)
    xunshi = insp.xunshi  # feedback given
    prov = cast.user("prov_jw")
    xtarget = xunshi.round_targets.get()
    rounds.record_feedback(
        xunshi, actor=prov, target=xtarget, audience="leadership_team", date=TODAY
    )
    with pytest.raises(TransitionRefused, match="已登记"):
        rounds.record_feedback(
            xunshi, actor=prov, target=xtarget, audience="leadership_team", date=TODAY
        )
    with pytest.raises(TransitionRefused, match="不属于"):
        rounds.record_feedback(
            xunshi, actor=prov, target=target, audience="principal_leader", date=TODAY
        )
    review = rounds.record_face_to_face_review(
        xunshi, actor=prov, target=xtarget, date=TODAY, attendees="市委班子", points="要点"
    )
    assert InspectionRound.objects.get(pk=xunshi.pk).face_to_face_review_date == TODAY
    city = cast.user("city1_secretary")
    rounds.acknowledge_review(review, actor=city)
    with pytest.raises(TransitionRefused, match="确认过"):
        rounds.acknowledge_review(review, actor=city)
    with pytest.raises(TransitionRefused, match="领导班子成员"):
        rounds.acknowledge_review(review, actor=cast.user("county1_secretary"))
    report = xunshi.reports.get(kind="principal")
    rounds.submit_rectification_report(report, actor=city, content="报告")
    with pytest.raises(TransitionRefused, match="已报送"):
        rounds.submit_rectification_report(report, actor=city, content="再报")
