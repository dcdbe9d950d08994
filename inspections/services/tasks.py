"""Rectification tasks and their extension requests.

Every move of a task asks TASK_FLOW (inspections/workflows.py) on the locked row and writes
a TaskTransition (who, when, from, to, reason) besides the history row; a finding's status
follows its tasks (refresh_finding_status).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import (
    ExtensionRequest,
    Finding,
    RectificationTask,
    RectificationUpdate,
    TaskTransition,
)
from inspections.selectors import resupervised_body
from inspections.uploads import save_attachments
from inspections.workflows import EXTENSION_FLOW, TASK_FLOW
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from liangge_zeren.workflow import refuse
from notifications.models import Level
from notifications.services import notify
from responsibilities.models import Organization, Tenure

TS = RectificationTask.Status
ES = ExtensionRequest.Status


def refresh_finding_status(finding: Finding) -> str:
    """The finding's status from its tasks' (part of the calling service's write)."""
    statuses = set(finding.tasks.values_list("status", flat=True))
    if not statuses:
        status = Finding.Status.OPEN
    elif statuses == {TS.CLOSED}:
        status = Finding.Status.CLOSED
    else:
        status = Finding.Status.RECTIFYING
    if status != finding.status:
        finding.status = status
        finding.save(update_fields=["status"])  # with a history row
    return status


@write_service
def create_task(
    *,
    actor: Actor,
    finding: Finding,
    measure: str,
    owner_tenure: Tenure,
    org: Organization,
    due_date: datetime.date,
    start_date: datetime.date | None = None,
    is_long_term: bool = False,
) -> RectificationTask:
    start_date = start_date or timezone.localdate()
    if due_date < start_date:
        refuse(_("整改时限不能早于开始日期。"))
    commission = resupervised_body(finding)
    if commission is not None and owner_tenure.body_id != commission.pk:
        refuse(
            _("监督再监督发现的问题由被再监督的%(body)s负责整改,责任人须在该机构任职。")
            % {"body": commission.name}
        )
    task = RectificationTask(
        finding=finding,
        measure=measure,
        owner_tenure=owner_tenure,
        org=org,
        org_path=org.path,
        start_date=start_date,
        due_date=due_date,
        original_due_date=due_date,
        is_long_term=is_long_term,
        created_by=actor_user(actor),
    )
    task.full_clean()
    task.save()
    TaskTransition.objects.create(
        task=task, action="assign", to_status=TS.ASSIGNED, actor=actor_user(actor)
    )
    refresh_finding_status(finding)
    return task


def _move(
    task: RectificationTask,
    action: str,
    actor: Actor,
    reason: str = "",
    *,
    fields: Sequence[str] = ("status",),
) -> str:
    """Lock (re-reading `fields`), ask the table, set the new status (not saved), record."""
    lock_current(task, *fields)
    previous = TASK_FLOW.move(task, action, actor)
    TaskTransition.objects.create(
        task=task,
        action=action,
        from_status=previous,
        to_status=task.status,
        actor=actor_user(actor),
        reason=reason,
    )
    return previous


@write_service
def start_task(task: RectificationTask, *, actor: Actor) -> RectificationTask:
    _move(task, "start", actor)
    task.save(update_fields=["status"])
    refresh_finding_status(task.finding)
    return task


def _record_update(
    task: RectificationTask, actor: Actor, text: str, files: Sequence[Any], closure: bool
) -> RectificationUpdate:
    update = RectificationUpdate.objects.create(
        task=task, text=text, author=actor_user(actor), is_closure_request=closure
    )
    save_attachments(files, user=actor_user(actor), update=update)
    return update


@write_service
def add_progress(
    task: RectificationTask, *, actor: Actor, text: str, files: Sequence[Any] = ()
) -> RectificationUpdate:
    """A progress report; the first one on an assigned task starts the work."""
    lock_current(task, "status")
    TASK_FLOW.check(task, "progress", actor)
    if not text.strip():
        refuse(_("请填写整改进展。"))
    if task.status == TS.ASSIGNED:
        start_task(task, actor=actor)
    return _record_update(task, actor, text, files, closure=False)


@write_service
def submit_for_closure(
    task: RectificationTask, *, actor: Actor, statement: str, files: Sequence[Any] = ()
) -> RectificationTask:
    """The target asks the inspecting side to verify and close (销号), with evidence."""
    if not statement.strip():
        refuse(_("请填写整改完成情况说明。"))
    _move(task, "submit", actor, reason=statement)
    task.returned_reason = ""
    task.save(update_fields=["status", "returned_reason"])
    _record_update(task, actor, statement, files, closure=True)
    refresh_finding_status(task.finding)
    return task


@write_service
def return_task(task: RectificationTask, *, actor: Actor, reason: str) -> RectificationTask:
    if not reason.strip():
        refuse(_("退回必须说明理由。"))
    _move(task, "return", actor, reason=reason)
    task.returned_reason = reason
    task.save(update_fields=["status", "returned_reason"])
    refresh_finding_status(task.finding)
    _tell_owner_returned(task, reason)
    return task


def _tell_owner_returned(task: RectificationTask, reason: str) -> None:
    """A returned closure request is announced to the task's owner, with the reason (17.3)."""
    owner = task.owner_tenure.person.user
    if owner is None:
        return
    notify(
        owner,
        _("整改销号申请被退回:{measure}").format(measure=task.measure[:60]),
        body=_("退回理由:{reason}").format(reason=reason.strip()),
        link=reverse("inspections:task_detail", args=[task.pk]),
        kind="rectification_returned",
        level=Level.YELLOW,
        org_path=task.org_path,
        obj=task,
    )


@write_service
def record_recheck(task: RectificationTask, *, actor: Actor, note: str) -> RectificationTask:
    """复查 of a long-term task: required before it can be closed."""
    if not note.strip():
        refuse(_("请填写复查意见。"))
    _move(task, "recheck", actor, reason=note)
    task.rechecked_at = timezone.now()
    task.recheck_note = note
    task.save(update_fields=["status", "rechecked_at", "recheck_note"])
    return task


@write_service
def verify_and_close(task: RectificationTask, *, actor: Actor, note: str = "") -> RectificationTask:
    """销号 by the inspecting side; long-term tasks only after a recheck (the table's guard)."""
    _move(task, "close", actor, reason=note, fields=("status", "rechecked_at"))
    task.closed_at = timezone.now()
    task.closed_by = actor_user(actor)
    task.closure_note = note
    task.save(update_fields=["status", "closed_at", "closed_by", "closure_note"])
    refresh_finding_status(task.finding)
    return task


@write_service
def reopen_task(task: RectificationTask, *, actor: Actor, reason: str) -> RectificationTask:
    if not reason.strip():
        refuse(_("重新打开必须说明理由。"))
    _move(task, "reopen", actor, reason=reason)
    task.closed_at = None
    task.closed_by = None
    task.rechecked_at = None
    task.reopen_count += 1
    task.save(update_fields=["status", "closed_at", "closed_by", "rechecked_at", "reopen_count"])
    refresh_finding_status(task.finding)
    return task


@write_service
def reassign_task(
    task: RectificationTask, *, actor: Actor, owner_tenure: Tenure, reason: str
) -> RectificationTask:
    """A new 责任人 for an open task (a 换届 hands the task to the successor's new tenure:
    inspections/handover.py). The status stays; a TaskTransition names the change besides
    the history row, and the new owner is told (title and link, through the gate)."""
    lock_current(task, "status", "owner_tenure")
    if task.status == TS.CLOSED:
        refuse(_("整改任务已销号,不能更换责任人。"))
    if owner_tenure.end_date is not None:
        refuse(_("新的责任人须为在任人员。"))
    commission = resupervised_body(task.finding)
    if commission is not None and owner_tenure.body_id != commission.pk:
        refuse(
            _("监督再监督发现的问题由被再监督的%(body)s负责整改,责任人须在该机构任职。")
            % {"body": commission.name}
        )
    previous = task.owner_tenure
    if previous.pk == owner_tenure.pk:
        return task
    task.owner_tenure = owner_tenure
    task.save(update_fields=["owner_tenure"])  # with a history row
    TaskTransition.objects.create(
        task=task,
        action="reassign",
        from_status=task.status,
        to_status=task.status,
        actor=actor_user(actor),
        reason=_("责任人由 %(old)s 变更为 %(new)s:%(reason)s")
        % {"old": previous.person.name, "new": owner_tenure.person.name, "reason": reason},
    )
    _tell_new_owner(task)
    return task


def _tell_new_owner(task: RectificationTask) -> None:
    """The new owner learns which task is now theirs: title and link only. A successor whose
    post starts later is told on its first day by the `inspections.handed_over` job (the gate
    would withhold the message today: the task is not yet theirs to open)."""
    owner = task.owner_tenure.person.user
    if owner is None or task.owner_tenure.start_date > timezone.localdate():
        return
    notify(
        owner,
        _("整改任务已移交给您:{measure}").format(measure=task.measure[:60]),
        link=reverse("inspections:task_detail", args=[task.pk]),
        kind="rectification_handed_over",
        level=Level.INFO,
        org_path=task.org_path,
        obj=task,
    )


# --- Extension requests ---------------------------------------------------------------


@write_service
def request_extension(
    task: RectificationTask, *, actor: Actor, new_due_date: datetime.date, reason: str
) -> ExtensionRequest:
    lock_current(task, "status", "due_date")
    TASK_FLOW.check(task, "request_extension", actor)
    if new_due_date <= task.due_date:
        refuse(_("延期后的时限必须晚于当前时限。"))
    if not reason.strip():
        refuse(_("请填写延期理由。"))
    request = ExtensionRequest(
        task=task,
        old_due_date=task.due_date,
        new_due_date=new_due_date,
        reason=reason,
        requested_by=actor_user(actor),
    )
    request.save()
    return request


@write_service
def decide_extension(
    request: ExtensionRequest, *, actor: Actor, approve: bool, note: str = ""
) -> ExtensionRequest:
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    action = "approve" if approve else "reject"
    EXTENSION_FLOW.check(request, action, actor)
    if not approve and not note.strip():
        refuse(_("不同意延期须说明理由。"))
    EXTENSION_FLOW.move(request, action, actor)
    request.decided_by = actor_user(actor)
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    if approve:
        task = request.task
        task.due_date = request.new_due_date
        task.reminded_at = None
        task.save(update_fields=["due_date", "reminded_at"])
    return request


@write_service
def decide_pending_extension(
    task: RectificationTask, *, actor: Actor, approve: bool, note: str = ""
) -> ExtensionRequest:
    """Decide the task's pending extension request (the task page's decision form)."""
    TASK_FLOW.check(task, "decide_extension", actor)
    pending = task.extension_requests.get(status=ES.PENDING)
    return decide_extension(pending, actor=actor, approve=approve, note=note)


def claim_task_reminder(task_id: int) -> bool:
    """Conditional UPDATE (a job's claim, no history): a retried job never reminds twice."""
    return bool(
        RectificationTask.objects.filter(pk=task_id, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        )
    )
