"""换届 hands the leaving team's open rectification tasks to their successors (issue 16)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inspections.models import RectificationTask, TaskTransition
from inspections.services import tasks
from liangge_zeren.workflow import refuse
from notifications.models import Notification
from responsibilities import appointments
from responsibilities.models import Person, Tenure
from security.models import AdminRole, AdminRoleAssignment
from tests.inspections.fixtures import make_finding, make_task
from tests.responsibilities.test_appointments import NEW_TEAM, make_org_department

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
SECRETARY_ONLY = "N-1,新书记,书记(第一责任人),县委书记"


@pytest.fixture
def handover(cast):
    """An open task of the county secretary (successor: the new secretary), one of the
    member (a successor only if a new member shares a portfolio), one already closed."""
    jw = cast.user("county1_jw")
    finding = make_finding(jw, cast.county1, body=cast.bodies["T-K1:discipline"], title="换届问题")
    secretary_task = make_task(jw, finding, cast.tenures["county1_secretary"])
    member_task = make_task(jw, finding, cast.tenures["county1_member"])
    return jw, make_org_department(cast), secretary_task, member_task


def reshuffle(cast, orgdept, team, **kwargs):
    body = cast.bodies["T-K1:committee"]
    plan = appointments.plan_reshuffle(body, TODAY, team, viewer=orgdept)
    assert plan.ok, plan.errors
    return appointments.apply_reshuffle(
        body,
        effective=TODAY,
        team_text=team,
        reason="换届",
        fingerprint=plan.fingerprint,
        actor=orgdept,
        **kwargs,
    )


def owner_code(task):
    return RectificationTask.objects.select_related("owner_tenure__person").get(pk=task.pk)


def test_it_hands_an_open_task_to_the_successor(cast, handover):
    jw, orgdept, secretary_task, member_task = handover
    reshuffle(cast, orgdept, NEW_TEAM)
    new_secretary = Tenure.objects.get(person__code="N-1")
    new_member = Tenure.objects.get(person__code="N-2")
    moved = owner_code(secretary_task)
    assert moved.owner_tenure == new_secretary
    assert moved.status == secretary_task.status  # the state does not change
    # The member's portfolios (教育, 卫生健康) meet N-2's (卫生健康): the task follows.
    assert owner_code(member_task).owner_tenure == new_member
    step = TaskTransition.objects.get(task=secretary_task, action="reassign")
    assert "刘海涛" in step.reason and "新书记" in step.reason
    assert moved.history.filter(owner_tenure=new_secretary).exists()


def test_it_leaves_a_task_without_a_successor_as_a_follow_up(cast, handover):
    jw, orgdept, secretary_task, member_task = handover
    body = cast.bodies["T-K1:committee"]
    plan = appointments.plan_reshuffle(body, TODAY, SECRETARY_ONLY, viewer=jw)
    follow = [e.text for e in plan.follow_ups if e.kind == "task"]
    assert len(follow) == 1 and "陈晓梅" in follow[0] and "无继任者:需人工处理" in follow[0]
    done = reshuffle(cast, orgdept, SECRETARY_ONLY)
    assert any("无继任者" in e.text for e in done.follow_ups)
    member_tenure = cast.tenures["county1_member"]
    assert owner_code(member_task).owner_tenure_id == member_tenure.pk  # unchanged
    assert not TaskTransition.objects.filter(task=member_task, action="reassign").exists()
    assert owner_code(secretary_task).owner_tenure.person.code == "N-1"


def test_it_the_preview_names_the_successor(cast, handover):
    jw, orgdept, secretary_task, _member_task = handover
    body = cast.bodies["T-K1:committee"]
    plan = appointments.plan_reshuffle(body, TODAY, NEW_TEAM, viewer=jw)
    task_effects = [e for e in plan.effects if e.kind == "task"]
    assert len(task_effects) == 2 and not any(e.follow_up for e in task_effects)
    texts = [e.text for e in task_effects]
    assert any("刘海涛" in t and t.endswith("→ 新书记") for t in texts)
    assert any("陈晓梅" in t and t.endswith("→ 新常委") for t in texts)
    assert owner_code(secretary_task).owner_tenure == cast.tenures["county1_secretary"]


def test_it_the_preview_counts_tasks_the_viewer_may_not_see(cast, handover, django_user_model):
    sysadmin = django_user_model.objects.create_user(username="sysadmin_t", password="x")
    AdminRoleAssignment.objects.create(user=sysadmin, role=AdminRole.SYSTEM)
    body = cast.bodies["T-K1:committee"]
    plan = appointments.plan_reshuffle(body, TODAY, SECRETARY_ONLY, viewer=sysadmin)
    texts = [e.text for e in plan.effects if e.kind == "task"]
    assert len(texts) == 2
    # The system administrator opens no business record (三员分立): the tasks are counted
    # and named by their successor, never by their content.
    assert not RectificationTask.objects.visible_to(sysadmin).exists()
    assert all("整改:换届问题" not in t for t in texts)
    assert any("→ 新书记" in t for t in texts)
    assert any("无继任者:需人工处理" in t for t in texts)


def test_it_a_refused_hand_over_rolls_the_whole_reshuffle_back(cast, handover, monkeypatch):
    _jw, orgdept, secretary_task, member_task = handover

    def refusing(task, **kwargs):
        refuse("模拟拒绝")

    monkeypatch.setattr(tasks, "reassign_task", refusing)
    with pytest.raises(ValidationError) as refused:
        reshuffle(cast, orgdept, NEW_TEAM)
    assert "模拟拒绝" in " ".join(refused.value.messages)
    secretary = Tenure.objects.get(pk=cast.tenures["county1_secretary"].pk)
    assert secretary.end_date is None
    assert not Tenure.objects.filter(person__code__in=["N-1", "N-2"]).exists()
    assert owner_code(secretary_task).owner_tenure_id == secretary.pk
    assert not Notification.objects.filter(kind="rectification_handed_over").exists()


def test_it_the_browser_form_shows_a_refused_hand_over_as_an_error(
    cast, handover, monkeypatch, client_for
):
    _jw, orgdept, secretary_task, _member_task = handover
    body = cast.bodies["T-K1:committee"]
    monkeypatch.setattr(tasks, "reassign_task", lambda task, **kw: refuse("模拟拒绝"))
    client = client_for(orgdept)
    url = reverse("appointment_reshuffle", args=[body.pk])
    form = {"effective": TODAY.isoformat(), "team": NEW_TEAM, "reason": "换届"}
    plan = client.post(url, {**form, "action": "preview"}).context["plan"]
    page = client.post(url, {**form, "action": "confirm", "fingerprint": plan.fingerprint})
    assert page.status_code == 400 and "模拟拒绝" in page.content.decode()
    assert Tenure.objects.get(pk=cast.tenures["county1_secretary"].pk).end_date is None


def test_it_tells_the_successor_what_was_handed_over(cast, handover, django_user_model):
    _jw, orgdept, secretary_task, _member_task = handover
    successor = django_user_model.objects.create_user(username="new_secretary", password="x")
    Person.objects.create(code="N-1", name="新书记", user=successor)
    reshuffle(cast, orgdept, SECRETARY_ONLY)
    told = Notification.objects.get(recipient=successor, kind="rectification_handed_over")
    assert secretary_task.measure[:20] in told.title
    assert told.link == reverse("inspections:task_detail", args=[secretary_task.pk])
    assert told.body == ""  # title and link only
    assert told.object_id == secretary_task.pk
    assert RectificationTask.objects.visible_to(successor).filter(pk=secretary_task.pk).exists()


def test_it_a_task_outside_the_successor_scope_stays_404(cast, handover, client_for):
    _jw, orgdept, secretary_task, _member_task = handover
    reshuffle(cast, orgdept, SECRETARY_ONLY)
    url = reverse("inspections:task_detail", args=[secretary_task.pk])
    stranger = cast.user("county2_secretary")
    assert client_for(stranger).get(url).status_code == 404


def test_it_a_sibling_county_reshuffle_is_out_of_scope(cast, handover, client_for):
    _jw, orgdept, _secretary_task, _member_task = handover
    url = reverse("appointment_reshuffle", args=[cast.bodies["T-K2:committee"].pk])
    assert client_for(orgdept).get(url).status_code == 404


def test_it_refuses_to_hand_over_a_task_assigned_after_the_preview(cast, handover):
    jw, orgdept, secretary_task, _member_task = handover
    body = cast.bodies["T-K1:committee"]
    plan = appointments.plan_reshuffle(body, TODAY, NEW_TEAM, viewer=orgdept)
    late = make_task(jw, secretary_task.finding, cast.tenures["county1_secretary"])
    with pytest.raises(ValidationError) as refused:
        appointments.apply_reshuffle(
            body,
            effective=TODAY,
            team_text=NEW_TEAM,
            reason="换届",
            fingerprint=plan.fingerprint,
            actor=orgdept,
        )
    assert "请重新预览" in " ".join(refused.value.messages)
    assert owner_code(late).owner_tenure == cast.tenures["county1_secretary"]
    assert not Tenure.objects.filter(person__code="N-1").exists()


def test_it_tells_a_successor_whose_post_starts_later_on_its_first_day(
    cast, handover, django_user_model, monkeypatch
):
    from inspections.reminders import handed_over_job

    _jw, orgdept, secretary_task, _member_task = handover
    successor = django_user_model.objects.create_user(username="later_secretary", password="x")
    Person.objects.create(code="N-1", name="新书记", user=successor)
    start = TODAY + datetime.timedelta(days=10)
    body = cast.bodies["T-K1:committee"]
    plan = appointments.plan_reshuffle(body, start, SECRETARY_ONLY, viewer=orgdept)
    assert plan.ok, plan.errors
    appointments.apply_reshuffle(
        body,
        effective=start,
        team_text=SECRETARY_ONLY,
        reason="换届",
        fingerprint=plan.fingerprint,
        actor=orgdept,
    )
    told = Notification.objects.filter(recipient=successor, kind="rectification_handed_over")
    assert not told.exists()  # not theirs yet: nothing today
    handed_over_job(start - datetime.timedelta(days=1))
    assert not told.exists()
    # The job runs on the first day of the post: the gate then sees the successor in office.
    first_day = timezone.now() + datetime.timedelta(days=10)
    monkeypatch.setattr(timezone, "now", lambda: first_day)
    handed_over_job(start)
    handed_over_job(start + datetime.timedelta(days=1))  # a second run sends nothing more
    message = told.get()
    assert secretary_task.measure[:20] in message.title
    assert message.link == reverse("inspections:task_detail", args=[secretary_task.pk])
    assert message.body == ""


def test_it_a_successor_told_at_the_hand_over_is_not_told_again(cast, handover, django_user_model):
    from inspections.reminders import handed_over_job

    _jw, orgdept, _secretary_task, _member_task = handover
    successor = django_user_model.objects.create_user(username="now_secretary", password="x")
    Person.objects.create(code="N-1", name="新书记", user=successor)
    reshuffle(cast, orgdept, SECRETARY_ONLY)
    handed_over_job(TODAY)
    assert (
        Notification.objects.filter(recipient=successor, kind="rectification_handed_over").count()
        == 1
    )
