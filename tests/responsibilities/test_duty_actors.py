"""Writes of lists and duty logs are services with an actor; states move by the tables.

Each service takes a keyword-only `actor`, runs the outermost call in a durable transaction
and names the actor in history; list and log moves ask LIST_FLOW / LOG_FLOW, which refuse a
user without the permission on the object and say so.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from liangge_zeren.actors import JOBS
from liangge_zeren.workflow import TransitionRefused
from responsibilities import duty_logs, lists
from responsibilities.models import DutyLog, ResponsibilityList
from responsibilities.workflows import LIST_FLOW, LOG_FLOW
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db
RL = ResponsibilityList


def _draft(duty, title="草稿清单"):
    return lists.create_list(
        org=duty.cast.county1,
        year=duty.year,
        subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
        title=title,
        actor=duty.cast.user("county1_secretary"),
    )


def test_it_a_write_needs_an_actor(duty):
    with pytest.raises(TypeError, match="actor"):
        lists.create_list(
            org=duty.cast.county1,
            year=duty.year,
            subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
            title="无人",
        )
    assert not RL.objects.filter(title="无人").exists()


def test_it_the_outermost_write_is_not_folded_into_a_callers_transaction(duty):
    with pytest.raises(RuntimeError), transaction.atomic():
        _draft(duty, "嵌套")
    assert not RL.objects.filter(title="嵌套").exists()


def test_it_history_names_the_user_who_moved_the_list(duty):
    secretary = duty.cast.user("county1_secretary")
    duty_list = _draft(duty)
    lists.add_item(duty_list, content="条目", actor=secretary)
    lists.issue_list(duty_list, actor=secretary)
    latest = duty_list.history.order_by("-history_id").first()
    assert latest.status == RL.Status.ISSUED
    assert latest.history_user == secretary


def test_it_a_system_actor_is_named_in_history_instead_of_nobody(duty):
    duty_list = _draft(duty)
    lists.add_item(duty_list, content="条目", actor=JOBS)
    lists.issue_list(duty_list, actor=JOBS)
    latest = duty_list.history.order_by("-history_id").first()
    assert latest.history_user is None
    assert latest.history_change_reason == JOBS.label


def test_it_the_table_refuses_a_user_without_the_permission(duty):
    adopted = lists.adopt_template(
        duty.template, duty.cast.township1, actor=duty.cast.user("prov_secretary")
    )
    stranger = duty.cast.user("county2_secretary")
    assert "acknowledge" not in LIST_FLOW.allowed_actions(adopted, stranger)
    with pytest.raises(TransitionRefused, match="无权"):
        lists.acknowledge_list(adopted, actor=stranger)
    adopted.refresh_from_db()
    assert adopted.status == RL.Status.ISSUED


def test_it_the_table_offers_the_reviewer_accept_and_return_but_not_the_author(duty):
    log = make_log(duty)
    reviewer, author = duty.cast.user("county1_jw"), duty.cast.user("county1_member")
    assert {"accept", "return"} <= LOG_FLOW.allowed_actions(log, reviewer)
    # The author may still add photos to a submitted log (issue 17), nothing else.
    assert LOG_FLOW.allowed_actions(log, author) == {"upload"}
    with pytest.raises(TransitionRefused):
        duty_logs.review_log(log, actor=author, reviewer=duty.tenure("county1_member"), accept=True)
    duty_logs.review_log(log, actor=reviewer, reviewer=duty.tenure("county1_jw"), accept=True)
    log.refresh_from_db()
    assert log.status == DutyLog.Status.ACCEPTED
    assert LOG_FLOW.allowed_actions(log, author) == {"amend"}


def test_it_an_amendment_is_written_by_the_acting_user(duty):
    log = make_log(duty)
    duty_logs.review_log(
        log, actor=duty.cast.user("county1_jw"), reviewer=duty.tenure("county1_jw"), accept=True
    )
    author = duty.cast.user("county1_member")
    amendment = duty_logs.amend_log(log, actor=author, text="补充参加人员")
    assert amendment.author == author
    with pytest.raises(TransitionRefused):
        duty_logs.amend_log(log, actor=JOBS, text="系统补正")


def test_it_a_log_with_evidence_is_recorded_and_submitted_in_one_write(duty, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    member = duty.cast.user("county1_member")
    log = duty_logs.create_log(
        actor=member,
        tenure=duty.tenure("county1_member"),
        items=[duty.items["talk"]],
        upload=SimpleUploadedFile("纪要.txt", "谈话纪要".encode()),
        submit=True,
        action_type="talk",
        occurred_on=timezone.localdate(),
        title="谈话",
        summary="内容",
        talk_type="reminder",
        talk_target="对象",
    )
    assert log.status == DutyLog.Status.SUBMITTED
    assert [a.uploaded_by for a in log.attachments.all()] == [member]
