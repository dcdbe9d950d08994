"""廉政档案 and 党风廉政意见回复 pages (issue 16).

The 组织部 submits names and reads returned replies; the commission with jurisdiction works
its queue: the draft (filled from the record on first opening), edits, 签字背书 by the
secretary, return, the official .docx. The record page is for the commission only. Views
check (accountability/access.py), call a service or selector, render.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accountability import integrity
from accountability.access import (
    get_integrity_reply_for_user,
    get_integrity_request_for_user,
    get_person_record_for_user,
)
from accountability.forms import IntegrityReplyForm, IntegrityRequestForm
from accountability.integrity_docx import reply_docx
from accountability.models import IntegrityReply
from accountability.services import integrity as services
from accountability.workflows import INTEGRITY_REPLY_FLOW, INTEGRITY_REQUEST_FLOW
from liangge_zeren.pages import attempt, paginate
from liangge_zeren.workflow import TransitionRefused
from responsibilities.history import history_rows
from security.services import audit


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """The 组织部's requests (and, for a commission, the requests it answers)."""
    if not request.user.has_perm("accountability.view_integrityrequest"):
        raise Http404
    page = paginate(request, integrity.requests_for(request.user))
    return render(
        request,
        "accountability/integrity_requests.html",
        {
            "page": page,
            "can_request": request.user.has_perm("accountability.add_integrityrequest"),
            "can_answer": request.user.has_perm("accountability.change_integrityreply"),
        },
    )


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accountability.add_integrityrequest"):
        raise Http404
    form = IntegrityRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.submit_request(actor=request.user, **form.cleaned_data)
        except TransitionRefused as error:
            for line in error.message.splitlines():
                form.add_error("names" if "第" in line else None, line)
        else:
            return redirect("accountability:integrity_request", pk=created.pk)
    return render(
        request, "accountability/form.html", {"form": form, "title": _("征求党风廉政意见")}
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_integrity_request_for_user(request, pk)
    replies = paginate(request, integrity.replies_for_request(obj, request.user))
    return render(
        request,
        "accountability/integrity_request.html",
        {
            "obj": obj,
            "page": replies,
            "can_withdraw": INTEGRITY_REQUEST_FLOW.can(obj, "withdraw", request.user),
        },
    )


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_integrity_request_for_user(request, pk, write=True)
    attempt(
        request,
        lambda: services.withdraw_request(obj, actor=request.user),
        _("已撤回征求。"),
    )
    return redirect("accountability:integrity_request", pk=pk)


@login_required
def reply_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accountability.change_integrityreply"):
        raise Http404
    status = request.GET.get("status", "")
    page = paginate(request, integrity.reply_queue(request.user, status=status))
    return render(
        request,
        "accountability/integrity_queue.html",
        {"page": page, "status": status, "statuses": IntegrityReply.Status.choices},
    )


@login_required
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_integrity_reply_for_user(request, pk)
    answering = request.user.has_perm("accountability.change_integrityreply", reply)
    if answering and reply.drafted_at is None and INTEGRITY_REPLY_FLOW.can(reply, "edit"):
        services.prepare_draft(reply, actor=request.user, request=request)
        reply.refresh_from_db()
    form = IntegrityReplyForm(
        request.POST or None, initial={"conclusion": reply.conclusion, "text": reply.text}
    )
    if request.method == "POST":
        if not answering:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.edit_reply(reply, actor=request.user, **form.cleaned_data)
            except TransitionRefused as error:
                form.add_error(None, error.message)
            else:
                return redirect("accountability:integrity_reply", pk=pk)
    allowed = INTEGRITY_REPLY_FLOW.allowed_actions(reply, request.user) if answering else set()
    return render(
        request,
        "accountability/integrity_reply.html",
        {
            "reply": reply,
            "form": form,
            "answering": answering,
            "allowed": allowed,
            "history": history_rows(reply) if answering else [],
            "record_link": answering
            and request.user.has_perm("accountability.view_integrity_record", reply.person),
        },
    )


@login_required
@require_POST
def reply_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    reply = get_integrity_reply_for_user(request, pk)
    user = request.user
    if action == "sign":
        attempt(request, lambda: services.sign_reply(reply, actor=user), _("已签字背书。"))
    elif action == "return":
        attempt(request, lambda: services.return_reply(reply, actor=user), _("已回复组织部。"))
    elif action == "redraft":
        attempt(
            request,
            lambda: services.prepare_draft(reply, actor=user, request=request, again=True),
            _("已按档案重新生成草稿。"),
        )
    else:
        raise Http404
    return redirect("accountability:integrity_reply", pk=pk)


@login_required
def reply_download(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_integrity_reply_for_user(request, pk)
    if reply.status != IntegrityReply.Status.RETURNED:
        raise Http404
    audit(request, "download", reply, kind="integrity_reply_docx")
    response = HttpResponse(
        reply_docx(reply),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="integrity-reply-{reply.pk}.docx"'
    return response


@login_required
def person_record(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_record_for_user(request, pk)
    record = integrity.integrity_record(
        person, viewer=request.user, request=request, why="record_page"
    )
    return render(request, "accountability/integrity_record.html", {"record": record})
