"""The rectification task page: its forms are the actions TASK_FLOW allows the user now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from inspections import selectors
from inspections.access import get_task_for_user
from inspections.forms import (
    ClosureRequestForm,
    ExtensionDecisionForm,
    ExtensionForm,
    NoteForm,
    ProgressForm,
    ReasonForm,
)
from inspections.services import tasks
from inspections.workflows import RECTIFY_TASK, TASK_FLOW, VERIFY_TASK
from liangge_zeren.pages import attempt, require_valid
from responsibilities.history import history_rows

# action -> (form class or None, form prefix, service, success message)
TASK_ACTIONS: dict[str, tuple[type[forms.Form] | None, str, Callable[..., Any], Any]] = {
    "start": (None, "", tasks.start_task, gettext_lazy("已开始整改。")),
    "progress": (ProgressForm, "progress", tasks.add_progress, gettext_lazy("整改进展已报送。")),
    "submit": (
        ClosureRequestForm,
        "closure",
        tasks.submit_for_closure,
        gettext_lazy("销号申请已提交,等待检查方验收。"),
    ),
    "request_extension": (
        ExtensionForm,
        "extension",
        tasks.request_extension,
        gettext_lazy("延期申请已提交,等待审批。"),
    ),
    "return": (
        ReasonForm,
        "return",
        tasks.return_task,
        gettext_lazy("已退回,整改单位将看到退回理由。"),
    ),
    "recheck": (NoteForm, "recheck", tasks.record_recheck, gettext_lazy("复查已登记。")),
    "close": (NoteForm, "close", tasks.verify_and_close, gettext_lazy("已验收销号。")),
    "reopen": (ReasonForm, "reopen", tasks.reopen_task, gettext_lazy("任务已重新打开。")),
    "decide_extension": (
        ExtensionDecisionForm,
        "decision",
        tasks.decide_pending_extension,
        gettext_lazy("延期申请已审批。"),
    ),
}


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request, pk)
    user = request.user
    allowed = TASK_FLOW.allowed_actions(task, user)
    page = selectors.task_page(task)
    task_forms = {}
    for action in allowed:
        form_class, prefix, _service, _done = TASK_ACTIONS[action]
        if form_class is not None:
            task_forms[action] = form_class(prefix=prefix)
    context = {
        "task": task,
        "finding": task.finding,
        "updates": page.updates,
        "transitions": page.transitions,
        "extensions": page.extensions,
        "pending_extension": page.pending_extension,
        "can_rectify": user.has_perm(RECTIFY_TASK, task),
        "can_verify": user.has_perm(VERIFY_TASK, task),
        "allowed": allowed,
        "forms": task_forms,
        "history": history_rows(task),
    }
    return render(request, "inspections/task_detail.html", context)


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in TASK_ACTIONS:
        raise Http404
    verify = TASK_FLOW[action].permission == VERIFY_TASK
    task = get_task_for_user(request, pk, verify=verify, write=True)
    form_class, prefix, service, done = TASK_ACTIONS[action]

    def run() -> None:
        data: dict[str, Any] = {}
        if form_class is not None:
            form = form_class(request.POST, request.FILES, prefix=prefix)
            require_valid(form)
            data = form.cleaned_data
        service(task, actor=request.user, **data)

    attempt(request, run, done)
    return redirect("inspections:task_detail", pk=task.pk)
