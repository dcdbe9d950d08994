"""Every allowed and every refused transition of rounds and rectification tasks."""

import datetime

import pytest

from inspections import services
from inspections.models import (
    ExtensionRequest,
    Finding,
    InspectionRound,
    RectificationReport,
    RectificationTask,
    RoundTransition,
    TaskTransition,
)
from inspections.services import TransitionRefused

from .fixtures import TODAY, make_finding, make_task

pytestmark = pytest.mark.django_db

RS = InspectionRound.Status
TS = RectificationTask.Status


def _round_call(action, round_, user):
    if action == "give_feedback":
        return services.give_feedback(round_, user, feedback_date=TODAY)
    return services.ROUND_ACTIONS[action](round_, user)


@pytest.mark.parametrize("action", sorted(services.ROUND_TRANSITIONS))
@pytest.mark.parametrize("status", [s.value for s in RS])
def test_round_transitions_are_allowed_only_from_their_states(cast, status, action):
    jw = cast.user("county1_jw")
    round_ = services.create_round(
        user=jw,
        kind=InspectionRound.Kind.XUNCHA,
        title="测试巡察",
        issuing_body=cast.bodies["T-K1:committee"],
        year=TODAY.year,
        targets=[cast.township1],
    )
    InspectionRound.objects.filter(pk=round_.pk).update(status=status)
    round_.refresh_from_db()
    allowed, to_status = services.ROUND_TRANSITIONS[action]
    if status in allowed:
        _round_call(action, round_, jw)
        round_.refresh_from_db()
        assert round_.status == to_status
        last = RoundTransition.objects.filter(round=round_).last()
        assert (last.from_status, last.to_status, last.actor) == (status, to_status, jw)
    else:
        with pytest.raises(TransitionRefused):
            _round_call(action, round_, jw)
        round_.refresh_from_db()
        assert round_.status == status


def test_a_round_runs_its_whole_course_and_records_each_step(cast):
    prov_jw = cast.user("prov_jw")
    round_ = services.create_round(
        user=prov_jw,
        kind=InspectionRound.Kind.XUNSHI,
        title="省委巡视",
        issuing_body=cast.bodies["T-P:committee"],
        year=2026,
        targets=[cast.city1],
    )
    services.start_on_site(round_, prov_jw)
    services.start_reporting(round_, prov_jw)
    services.give_feedback(round_, prov_jw, feedback_date=datetime.date(2026, 3, 31))
    assert round_.report_due == datetime.date(2026, 5, 31)
    assert round_.principal_report_due == datetime.date(2026, 5, 31)
    reports = RectificationReport.objects.filter(round=round_)
    assert sorted(reports.values_list("kind", flat=True)) == ["principal", "team"]
    services.start_rectifying(round_, prov_jw)
    with pytest.raises(TransitionRefused, match="未报送"):
        services.confirm_reports_submitted(round_, prov_jw)
    for report in reports:
        services.submit_rectification_report(report, cast.user("city1_secretary"), content="已整改")
    services.confirm_reports_submitted(round_, prov_jw)
    services.evaluate_round(round_, prov_jw)
    services.close_round(round_, prov_jw)
    steps = list(RoundTransition.objects.filter(round=round_).values_list("to_status", flat=True))
    assert steps == [s.value for s in RS]
    revisit = services.start_revisit(round_, prov_jw, title="回头看", year=2027)
    assert revisit.revisit_of == round_ and revisit.status == RS.PLANNED
    assert list(revisit.targets.all()) == [cast.city1]


def test_report_due_is_configurable_per_kind(cast, settings):
    settings.INSPECTIONS = {"REPORT_DUE_MONTHS": {"xuncha": 6}}
    round_ = InspectionRound(kind="xuncha")
    assert services.report_due_for(round_, datetime.date(2026, 8, 31)) == datetime.date(2027, 2, 28)
    assert services.report_due_for(InspectionRound(kind="xunshi"), datetime.date(2026, 12, 31)) == (
        datetime.date(2027, 2, 28)
    )


def test_covert_disclosure_is_refused_for_other_kinds_and_twice(cast, insp):
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused):
        services.disclose_round(insp.xuncha, jw)
    services.disclose_round(insp.covert, jw)
    with pytest.raises(TransitionRefused):
        services.disclose_round(insp.covert, jw)


# --- Tasks ----------------------------------------------------------------------------


def _task_call(action, task, user):
    if action == "start":
        return services.start_task(task, user)
    if action == "submit":
        return services.submit_for_closure(task, user, statement="已整改完毕")
    if action == "return":
        return services.return_task(task, user, reason="材料不全")
    if action == "recheck":
        return services.record_recheck(task, user, note="复查合格")
    if action == "close":
        return services.verify_and_close(task, user, note="同意销号")
    if action == "reopen":
        return services.reopen_task(task, user, reason="问题反弹")
    raise AssertionError(action)


@pytest.mark.parametrize("action", sorted(services.TASK_TRANSITIONS))
@pytest.mark.parametrize("status", [s.value for s in TS])
def test_task_transitions_are_allowed_only_from_their_states(cast, daily_finding, status, action):
    jw = cast.user("county1_jw")
    task = make_task(jw, daily_finding, cast.tenures["county1_secretary"], long_term=True)
    RectificationTask.objects.filter(pk=task.pk).update(status=status)
    task.refresh_from_db()
    if action == "close":  # long-term: the recheck precondition is tested separately
        RectificationTask.objects.filter(pk=task.pk).update(rechecked_at="2026-01-01T00:00Z")
        task.refresh_from_db()
    allowed, to_status = services.TASK_TRANSITIONS[action]
    if status in allowed:
        _task_call(action, task, jw)
        task.refresh_from_db()
        assert task.status == to_status
        last = TaskTransition.objects.filter(task=task).last()
        assert (last.from_status, last.to_status, last.actor) == (status, to_status, jw)
    else:
        with pytest.raises(TransitionRefused):
            _task_call(action, task, jw)
        task.refresh_from_db()
        assert task.status == status


def test_a_task_goes_through_return_closure_and_reopening(cast, insp):
    jw = cast.user("county1_jw")
    secretary = cast.user("county1_secretary")
    task = insp.daily_task
    services.add_progress(task, secretary, text="已召开专题会议")
    task.refresh_from_db()
    assert task.status == TS.IN_PROGRESS  # the first progress report starts the work
    services.submit_for_closure(task, secretary, statement="整改完成")
    assert Finding.objects.get(pk=insp.daily.pk).status == Finding.Status.RECTIFYING
    with pytest.raises(TransitionRefused, match="理由"):
        services.return_task(task, jw, reason=" ")
    services.return_task(task, jw, reason="缺少会议纪要")
    task.refresh_from_db()
    assert (task.status, task.returned_reason) == (TS.RETURNED, "缺少会议纪要")
    services.submit_for_closure(task, secretary, statement="补充了会议纪要")
    services.verify_and_close(task, jw, note="同意销号")
    task.refresh_from_db()
    assert task.status == TS.CLOSED and task.closed_by == jw
    assert Finding.objects.get(pk=insp.daily.pk).status == Finding.Status.CLOSED
    services.reopen_task(task, jw, reason="问题反弹")
    task.refresh_from_db()
    assert (task.status, task.reopen_count, task.closed_at) == (TS.IN_PROGRESS, 1, None)
    assert Finding.objects.get(pk=insp.daily.pk).status == Finding.Status.RECTIFYING
    actions = list(task.transitions.values_list("action", flat=True))
    assert actions == ["assign", "start", "submit", "return", "submit", "close", "reopen"]


def test_long_term_tasks_close_only_after_a_recheck(cast, insp):
    jw = cast.user("county1_jw")
    secretary = cast.user("county1_secretary")
    task = make_task(jw, insp.daily, cast.tenures["county1_secretary"], long_term=True)
    services.start_task(task, secretary)
    services.submit_for_closure(task, secretary, statement="阶段性完成")
    with pytest.raises(TransitionRefused, match="复查"):
        services.verify_and_close(task, jw)
    services.record_recheck(task, jw, note="复查:长效机制已建立")
    services.verify_and_close(task, jw)
    task.refresh_from_db()
    assert task.status == TS.CLOSED
    short = insp.daily_task
    with pytest.raises(TransitionRefused, match="长期"):
        services.record_recheck(short, jw, note="x")


def test_extension_requests_need_approval_and_leave_a_trace(cast, insp):
    jw = cast.user("county1_jw")
    secretary = cast.user("county1_secretary")
    task = insp.daily_task
    old_due = task.due_date
    with pytest.raises(TransitionRefused):
        services.request_extension(task, secretary, new_due_date=old_due, reason="x")
    first = services.request_extension(
        task, secretary, new_due_date=old_due + datetime.timedelta(days=30), reason="需要招标"
    )
    with pytest.raises(TransitionRefused, match="待审批"):
        services.request_extension(
            task, secretary, new_due_date=old_due + datetime.timedelta(days=40), reason="再延"
        )
    task.refresh_from_db()
    assert task.due_date == old_due  # nothing changes before approval
    with pytest.raises(TransitionRefused, match="理由"):
        services.decide_extension(first, jw, approve=False)
    services.decide_extension(first, jw, approve=False, note="理由不充分")
    second = services.request_extension(
        task, secretary, new_due_date=old_due + datetime.timedelta(days=20), reason="客观原因"
    )
    services.decide_extension(second, jw, approve=True)
    with pytest.raises(TransitionRefused):
        services.decide_extension(second, jw, approve=True)
    task.refresh_from_db()
    assert task.due_date == old_due + datetime.timedelta(days=20)
    assert task.original_due_date == old_due
    assert list(ExtensionRequest.objects.filter(task=task).values_list("status", flat=True)) == [
        "rejected",
        "approved",
    ]


def test_traffic_light_red_when_overdue_yellow_when_due_soon(cast, insp, settings):
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


def test_reminders_are_claimed_once(cast, insp):
    jw = cast.user("county1_jw")
    task = make_task(
        jw, insp.daily, cast.tenures["county1_secretary"], due=TODAY + datetime.timedelta(days=3)
    )
    assert task in services.tasks_due_for_reminder()
    assert services.claim_task_reminder(task.pk) is True
    assert services.claim_task_reminder(task.pk) is False
    assert task not in services.tasks_due_for_reminder()


def test_findings_check_their_source_and_their_round(cast, insp):
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused, match="来源"):
        make_finding(
            jw, cast.township1, body=cast.bodies["T-K1:discipline"], sub_source="self_other"
        )
    with pytest.raises(TransitionRefused, match="检查对象"):
        make_finding(jw, cast.county2, round=insp.xuncha)
    with pytest.raises(TransitionRefused, match="管辖"):
        make_finding(jw, cast.county2, body=cast.bodies["T-K1:discipline"])


def test_case_leads_transfer_once_and_only_to_discipline_bodies(cast, insp):
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused):
        services.transfer_case_lead(insp.daily, jw, to_body=cast.bodies["T-K1:committee"])
    services.transfer_case_lead(insp.daily, jw, to_body=cast.bodies["T-K1:discipline"])
    assert insp.daily.is_case_lead_transferred and insp.daily.transferred_at
    with pytest.raises(TransitionRefused):
        services.transfer_case_lead(insp.daily, jw, to_body=cast.bodies["T-C1:discipline"])


def test_feedback_reviews_reports_and_revisits_are_refused_out_of_turn(cast, insp):
    jw = cast.user("county1_jw")
    planned = insp.xuncha  # still planned
    target = planned.round_targets.get()
    with pytest.raises(TransitionRefused, match="报告阶段之后"):
        services.record_feedback(planned, jw, target=target, audience="leadership_team", date=TODAY)
    with pytest.raises(TransitionRefused, match="反馈之后"):
        services.record_face_to_face_review(
            planned, jw, target=target, date=TODAY, attendees="x", points="y"
        )
    with pytest.raises(TransitionRefused, match="回头看"):
        services.start_revisit(planned, jw, title="回头看", year=TODAY.year)
    xunshi = insp.xunshi  # feedback given
    prov = cast.user("prov_jw")
    xtarget = xunshi.round_targets.get()
    services.record_feedback(xunshi, prov, target=xtarget, audience="leadership_team", date=TODAY)
    with pytest.raises(TransitionRefused, match="已登记"):
        services.record_feedback(
            xunshi, prov, target=xtarget, audience="leadership_team", date=TODAY
        )
    with pytest.raises(TransitionRefused, match="不属于"):
        services.record_feedback(
            xunshi, prov, target=target, audience="principal_leader", date=TODAY
        )
    review = services.record_face_to_face_review(
        xunshi, prov, target=xtarget, date=TODAY, attendees="市委班子", points="要点"
    )
    assert InspectionRound.objects.get(pk=xunshi.pk).face_to_face_review_date == TODAY
    city = cast.user("city1_secretary")
    services.acknowledge_review(review, city)
    with pytest.raises(TransitionRefused, match="确认过"):
        services.acknowledge_review(review, city)
    with pytest.raises(TransitionRefused, match="领导班子成员"):
        services.acknowledge_review(review, cast.user("county1_secretary"))
    report = xunshi.reports.get(kind="principal")
    services.submit_rectification_report(report, city, content="报告")
    with pytest.raises(TransitionRefused, match="已报送"):
        services.submit_rectification_report(report, city, content="再报")
