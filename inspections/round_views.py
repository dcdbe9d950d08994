"""Round pages: list, create, edit, the round's course, feedback, reviews and reports."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspections import exports, selectors
from inspections.access import get_feedback_for_user, get_round_for_user
from inspections.forms import (
    FeedbackForm,
    GiveFeedbackForm,
    ReportForm,
    ReviewForm,
    RoundEditForm,
    RoundForm,
)
from inspections.models import FaceToFaceReview, InspectionRound, RectificationReport, RoundTarget
from inspections.services import rounds
from inspections.workflows import CHANGE_ROUND, ROUND_FLOW
from liangge_zeren.pages import attempt, edit_page, paginate, report_refusal, submit_form
from liangge_zeren.workflow import TransitionRefused
from responsibilities.history import history_rows

SUBMIT_REPORT = "inspections.submit_rectificationreport"

# Moves a button makes without further input (feedback takes a date, a revisit a new round).
ROUND_BUTTONS: dict[str, Callable[..., Any]] = {
    "start_on_site": rounds.start_on_site,
    "start_reporting": rounds.start_reporting,
    "start_rectifying": rounds.start_rectifying,
    "submit_report": rounds.confirm_reports_submitted,
    "evaluate": rounds.evaluate_round,
    "close": rounds.close_round,
    "disclose": rounds.disclose_round,
}


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    page = paginate(request, selectors.rounds_for(request.user, kind=kind, status=status))
    query = urlencode({k: v for k, v in (("kind", kind), ("status", status)) if v})
    return render(
        request,
        "inspections/round_list.html",
        {
            "page": page,
            "kind": kind,
            "status": status,
            "kinds": InspectionRound.Kind.choices,
            "statuses": InspectionRound.Status.choices,
            "extra_query": query,
            "can_create": request.user.has_perm("inspections.add_inspectionround"),
        },
    )


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("inspections.add_inspectionround"):
        raise PermissionDenied
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = rounds.create_round(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                issuing_body=data["issuing_body"],
                year=data["year"],
                round_no=data["round_no"],
                targets=data["target_orgs"],
                team_leader=data.get("team_leader"),
                members=data.get("members") or (),
                on_site_from=data.get("on_site_from"),
                on_site_to=data.get("on_site_to"),
                notes=data.get("notes", ""),
            )
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("检查轮次已创建。"))
            return redirect("inspections:round_detail", pk=round_.pk)
    return render(request, "inspections/round_form.html", {"form": form})


def _round_context(request: HttpRequest, round_: InspectionRound) -> dict[str, Any]:
    user = request.user
    moves = ROUND_FLOW.allowed(round_, user)
    allowed = {t.action for t in moves}
    page = selectors.round_page(user, round_)
    for report in page.reports:
        report.can_submit = (
            "receive_reports" in allowed
            and report.submitted_at is None
            and user.has_perm(SUBMIT_REPORT, report)
        )
        report.form = ReportForm(prefix=f"report{report.pk}") if report.can_submit else None
    for review in page.reviews:
        review.can_ack = selectors.may_acknowledge(user, review)
    return {
        "round": round_,
        "targets": page.targets,
        "reports": page.reports,
        "reviews": page.reviews,
        "feedbacks": page.feedbacks,
        "findings": page.findings,
        "transitions": page.transitions,
        "can_change": user.has_perm(CHANGE_ROUND, round_),
        "allowed": allowed,
        "moves": [t for t in moves if t.target is not None],
        "give_feedback_form": GiveFeedbackForm() if "give_feedback" in allowed else None,
        # One page, several forms: each its own ids (auto_id), so every label names its field.
        "feedback_form": (
            FeedbackForm(round_=round_, auto_id="feedback_%s")
            if "record_feedback" in allowed
            else None
        ),
        "review_form": (
            ReviewForm(round_=round_, auto_id="review_%s") if "record_review" in allowed else None
        ),
        "history": history_rows(round_),
    }


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk)
    return render(request, "inspections/round_detail.html", _round_context(request, round_))


@login_required
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk, write=True)
    # The form validates into its own copy: the page heading keeps the stored values.
    form = RoundEditForm(request.POST or None, instance=copy.copy(round_), user=request.user)
    return edit_page(
        request,
        round_,
        form,
        rounds.update_round,
        saved=_("检查轮次已保存。"),
        detail="inspections:round_detail",
        template="inspections/edit_form.html",
    )


def _give_feedback(request: HttpRequest, round_: InspectionRound) -> None:
    form = GiveFeedbackForm(request.POST)
    if not form.is_valid():
        raise TransitionRefused(_("请填写反馈日期。"))
    rounds.give_feedback(round_, actor=request.user, **form.cleaned_data)


@login_required
@require_POST
def round_transition(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk, write=True)
    action = request.POST.get("action", "")
    try:
        if action == "give_feedback":
            _give_feedback(request, round_)
        elif action == "revisit":
            revisit = rounds.start_revisit(
                round_,
                actor=request.user,
                title=_("%(title)s(回头看)") % {"title": round_.title},
                year=timezone.localdate().year,
            )
            messages.success(request, _("已创建回头看轮次。"))
            return redirect("inspections:round_detail", pk=revisit.pk)
        elif action in ROUND_BUTTONS:
            ROUND_BUTTONS[action](round_, actor=request.user)
        else:
            raise Http404
    except TransitionRefused as error:
        report_refusal(request, error)
    else:
        messages.success(request, _("状态已更新。"))
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def feedback_add(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk, write=True)
    submit_form(
        request,
        FeedbackForm(request.POST, request.FILES, round_=round_),
        lambda **data: rounds.record_feedback(round_, actor=request.user, **data),
        _("反馈已登记。"),
        invalid=_("反馈信息不完整,请检查后重试。"),
    )
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def review_add(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk, write=True)
    submit_form(
        request,
        ReviewForm(request.POST, round_=round_),
        lambda **data: rounds.record_face_to_face_review(round_, actor=request.user, **data),
        _("面对面讲评已登记。"),
        invalid=_("讲评信息不完整,请检查后重试。"),
    )
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def review_acknowledge(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk)
    review = FaceToFaceReview.objects.filter(round=round_, pk=review_pk).first()
    if review is None:
        raise Http404
    attempt(
        request,
        lambda: rounds.acknowledge_review(
            review, actor=request.user, comment=request.POST.get("comment", "")
        ),
        _("已确认讲评意见。"),
    )
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk)
    report = RectificationReport.objects.filter(round=round_, pk=report_pk).first()
    if report is None:
        raise Http404
    if not request.user.has_perm(SUBMIT_REPORT, report):
        raise PermissionDenied
    submit_form(
        request,
        ReportForm(request.POST, request.FILES, prefix=f"report{report.pk}"),
        lambda **data: rounds.submit_rectification_report(report, actor=request.user, **data),
        _("整改报告已报送。"),
        invalid=_("请填写报告内容。"),
    )
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
def report_docx(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk)
    target = RoundTarget.objects.filter(round=round_, pk=target_pk).select_related("org").first()
    if target is None:
        raise Http404
    findings = selectors.target_report_findings(request.user, round_, target)
    content = exports.rectification_report_docx(round_, target, findings)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = f"rectification-report-{round_.pk}-{target.org.code}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def feedback_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The 反馈意见 letter of one feedback record, for those who may see the feedback."""
    feedback = get_feedback_for_user(request, pk)
    findings = selectors.target_report_findings(request.user, feedback.round, feedback.target)
    content = exports.feedback_docx(feedback, findings)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = f"inspection-feedback-{feedback.round_id}-{feedback.target.org.code}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
