"""Open rectification tasks of tenures that end in a 换届 (issue 16).

Registered with responsibilities.appointments.register_open_work (inspections/apps.py):

- `preview_tasks`: each open task of the leaving team in the preview, "→ successor" when the
  换届 determines one (same body and role; for a team member, the new member sharing a
  portfolio), else a follow-up "无继任者:需人工处理" — never dropped silently;
- `hand_over_tasks`: on confirmation, in the 换届's transaction, each such task goes to the
  successor's new tenure through services.tasks.reassign_task (history, TaskTransition, a
  message to the successor); a refusal rolls the whole 换届 back.

Tasks without a successor keep their owner: the inspecting body decides who takes them over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from liangge_zeren.actors import Actor
from liangge_zeren.workflow import TransitionRefused
from responsibilities.appointments import Effect, NewMember, OpenWork, shown
from responsibilities.models import Tenure


def _open_tasks(tenure_ids: Sequence[int]):
    from inspections.models import RectificationTask

    return (
        RectificationTask.objects.filter(owner_tenure_id__in=list(tenure_ids))
        .exclude(status=RectificationTask.Status.CLOSED)
        .select_related("owner_tenure__person")
        .order_by("due_date", "pk")
    )


def preview_tasks(
    tenure_ids: Sequence[int], successors: Mapping[int, NewMember | None], viewer: Any
) -> list[Effect]:
    from inspections.models import RectificationTask

    tasks = list(_open_tasks(tenure_ids))
    seen = shown(RectificationTask, viewer, [t.pk for t in tasks])
    effects = []
    for task in tasks:
        member = successors.get(task.owner_tenure_id)
        if task.pk not in seen:  # counted, its content not named
            if member is not None:
                text = _("整改任务一项(您无权查看其内容)→ %(new)s") % {"new": member.name}
                effects.append(Effect("task", text))
            else:
                text = _(
                    "未销号的整改任务一项(您无权查看其内容),无继任者:需人工处理,"
                    "请通知其所在单位跟进。"
                )
                effects.append(Effect("task", text, follow_up=True))
            continue
        values = {
            "measure": task.measure[:60],
            "name": task.owner_tenure.person.name,
            "due": f"{task.due_date:%Y-%m-%d}",
        }
        url = reverse("inspections:task_detail", args=[task.pk])
        if member is not None:
            text = _("整改任务“%(measure)s”(责任人 %(name)s,时限 %(due)s)→ %(new)s")
            effects.append(Effect("task", text % {**values, "new": member.name}, url))
        else:
            text = _(
                "整改任务“%(measure)s”(责任人 %(name)s,时限 %(due)s)尚未销号,无继任者:需人工处理。"
            )
            effects.append(Effect("task", text % values, url, follow_up=True))
    return effects


def hand_over_tasks(handed: Mapping[int, Tenure], *, actor: Actor) -> None:
    from inspections.services.tasks import reassign_task

    for task in _open_tasks(list(handed)):
        try:
            reassign_task(
                task, actor=actor, owner_tenure=handed[task.owner_tenure_id], reason=_("换届")
            )
        except TransitionRefused as exc:
            raise ValidationError(
                _("整改任务“%(measure)s”无法移交继任者:%(why)s")
                % {"measure": task.measure[:60], "why": exc.message}
            ) from exc


OPEN_TASKS = OpenWork(preview=preview_tasks, hand_over=hand_over_tasks)
