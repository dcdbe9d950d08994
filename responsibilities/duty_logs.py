"""Duty logs (履责纪实): record, edit, submit, review and amend."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liangge_zeren.actors import Actor, actor_user, set_change_reason, write_service
from liangge_zeren.concurrency import check_version, lock_current
from liangge_zeren.workflow import refuse
from notifications.models import Level
from notifications.services import notify
from responsibilities.evidence import add_attachment
from responsibilities.models import (
    ActionType,
    DutyLog,
    DutyLogAmendment,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)
from responsibilities.workflows import LOG_FLOW, submit_action

RL = ResponsibilityList


def items_for_tenure(tenure: Tenure) -> QuerySet[ResponsibilityItem]:
    """The active items a tenure may cite: assigned to it, or in a list whose subject it is."""
    return (
        ResponsibilityItem.objects.filter(
            org=tenure.org_id, is_active=True, list__is_template=False
        )
        .exclude(list__status__in=[RL.Status.ARCHIVED, RL.Status.DRAFT])
        .filter(Q(assignments__tenure=tenure) | Q(list__subject_tenure=tenure))
        .distinct()
        .select_related("list")
        .order_by("list__year", "list_id", "number")
    )


def _is_late(occurred_on: datetime.date, entered_at: datetime.datetime) -> bool:
    return (timezone.localdate(entered_at) - occurred_on).days > settings.LATE_ENTRY_DAYS


def method_mismatches(
    log: DutyLog, items: Iterable[ResponsibilityItem]
) -> list[ResponsibilityItem]:
    """The cited items whose list names another method than the log's (issue 17.8)."""
    return [
        item
        for item in items
        if item.required_action_type and item.required_action_type != log.action_type
    ]


def _validate_log(log: DutyLog, items: list[ResponsibilityItem]) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if log.occurred_on and log.occurred_on > today:
        errors["occurred_on"] = _("履责日期不能晚于今天。")
    if log.action_type == ActionType.TALK:
        if not log.talk_type:
            errors["talk_type"] = _("谈话必须选择谈话类型。")
        if not log.talk_target.strip():
            errors["talk_target"] = _("谈话必须填写谈话对象。")
    if items:
        allowed = set(
            items_for_tenure(log.tenure)
            .filter(pk__in=[i.pk for i in items])
            .values_list("pk", flat=True)
        )
        if any(i.pk not in allowed for i in items):
            errors["items"] = _("只能关联本人负责的责任条目。")
        elif refused := [i for i in method_mismatches(log, items) if i.method_required]:
            errors["items"] = _(
                "条目 {numbers} 须以“{method}”方式履责,本纪实的方式不同,不能关联。"
            ).format(
                numbers="、".join(str(i.number) for i in refused),
                method=refused[0].get_required_action_type_display(),
            )
    if errors:
        raise ValidationError(errors)


LOG_FIELDS = (
    "action_type",
    "occurred_on",
    "place",
    "participants",
    "title",
    "summary",
    "outcome",
    "talk_type",
    "talk_target",
)


@write_service
def create_log(
    *,
    actor: Actor,
    tenure: Tenure,
    items: Iterable[ResponsibilityItem] = (),
    submit: bool = False,
    upload: UploadedFile | None = None,
    **fields: Any,
) -> DutyLog:
    """Record a duty (with its first piece of evidence, if given, and submitted if asked).

    Late entries (补录) are flagged, never refused."""
    items = list(items)
    now = timezone.now()
    if fields.get("action_type") != ActionType.TALK:
        fields["talk_type"], fields["talk_target"] = "", ""
    log = DutyLog(tenure=tenure, org=tenure.org, org_path=tenure.org.path, entered_at=now, **fields)
    log.is_late_entry = _is_late(log.occurred_on, now)
    log.full_clean()
    _validate_log(log, items)
    log.save()
    log.items.set(items)
    if upload is not None:
        add_attachment(log, upload, actor=actor)
    if submit:
        submit_log(log, actor=actor)
    return log


@write_service
def update_log(
    log: DutyLog,
    *,
    actor: Actor,
    items: Iterable[ResponsibilityItem] | None = None,
    version: int | None = None,
    upload: UploadedFile | None = None,
    **fields: Any,
) -> DutyLog:
    """Edit a draft or returned log (and add a piece of evidence, if given); `version` as in
    update_item (EditConflict if stale)."""
    for name in fields:
        if name not in LOG_FIELDS:
            raise ValueError(name)
    stored = check_version(DutyLog, log.pk, version, list(fields))
    LOG_FLOW.check(log, "edit", actor, status=stored.status)
    for name, value in fields.items():
        setattr(log, name, value)
    log.status = stored.status
    log.version = stored.version + 1
    if log.action_type != ActionType.TALK:
        log.talk_type, log.talk_target = "", ""
    log.is_late_entry = _is_late(log.occurred_on, log.entered_at)
    log.full_clean()
    item_list = list(items) if items is not None else list(log.items.all())
    _validate_log(log, item_list)
    log.save()
    if items is not None:
        log.items.set(item_list)
    if upload is not None:
        add_attachment(log, upload, actor=actor)
    return log


@write_service
def submit_log(log: DutyLog, *, actor: Actor) -> DutyLog:
    """Draft → submitted, returned → resubmitted."""
    lock_current(log)
    LOG_FLOW.move(log, submit_action(log), actor)
    log.submitted_at = timezone.now()
    log.save()
    return log


@write_service
def review_log(
    log: DutyLog, *, actor: Actor, reviewer: Tenure, accept: bool, comment: str = ""
) -> DutyLog:
    """Accept (locks the log) or return it with a comment; `reviewer` is the actor's post."""
    lock_current(log)
    action = "accept" if accept else "return"
    LOG_FLOW.check(log, action, actor)
    if reviewer.person_id == log.tenure.person_id:
        raise ValidationError(_("不能审核本人的纪实。"))
    if not accept and not comment.strip():
        raise ValidationError(_("退回时必须填写审核意见。"))
    LOG_FLOW.move(log, action, actor)
    log.reviewer = reviewer
    log.reviewed_at = timezone.now()
    log.review_comment = comment.strip()
    set_change_reason(log, comment.strip() or None)
    log.save()
    _tell_author(log, accept)
    return log


def _tell_author(log: DutyLog, accepted: bool) -> None:
    """Work that comes back is announced to its person, with the reason and a link (17.3)."""
    author = log.tenure.person.user
    if author is None:
        return
    if accepted:
        title = _("履责纪实已通过审核:{title}").format(title=log.title)
        body = log.review_comment
    else:
        title = _("履责纪实被退回,请修改后重新提交:{title}").format(title=log.title)
        body = _("退回理由:{reason}").format(reason=log.review_comment)
    notify(
        author,
        title,
        body=body,
        link=reverse("duty_log_detail", args=[log.pk]),
        kind="duty_log_accepted" if accepted else "duty_log_returned",
        level=Level.INFO if accepted else Level.YELLOW,
        org_path=log.org_path,
        obj=log,
    )


@write_service
def amend_log(log: DutyLog, *, actor: Actor, text: str) -> DutyLogAmendment:
    """Append-only correction of an accepted log by its author; the log never changes."""
    lock_current(log)
    LOG_FLOW.check(log, "amend", actor)
    if not text.strip():
        raise ValidationError(_("请填写补正说明。"))
    author = actor_user(actor)
    if author is None:
        refuse(_("补正须由纪实本人填写。"))
    return DutyLogAmendment.objects.create(
        log=log, org=log.org, org_path=log.org.path, author=author, text=text
    )
