"""Assessment pages: the quarter's snapshots, a snapshot with its inputs, publishing,
adjustments, democratic evaluations. What a page offers is what SNAPSHOT_FLOW allows on the
snapshot and authority.py allows the user."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import authority, selectors
from assessments.access import get_round_for_user, get_snapshot_for_user
from assessments.forms import AdjustmentForm, EvaluationInputForm, RoundForm
from assessments.models import AssessmentSnapshot
from assessments.services import evaluations, snapshots
from assessments.workflows import EVALUATION_ROUND_FLOW, SNAPSHOT_FLOW
from liangge_zeren.pages import attempt, paginate, report_form_errors
from liangge_zeren.periods import Quarter
from responsibilities.history import history_rows
from responsibilities.models import Organization
from responsibilities.scoped import Capability, holds


def _period(request: HttpRequest, qs) -> tuple[int, int]:
    text = request.GET.get("period", "")
    try:
        quarter = Quarter.parse(text)
    except ValueError:
        latest = selectors.latest_period(qs)
        quarter = Quarter(*latest) if latest else Quarter.current().previous()
    return quarter.year, quarter.quarter


def _is_superior(user) -> bool:
    return holds(user, Capability.MANAGE)


@login_required
def snapshot_list(request: HttpRequest) -> HttpResponse:
    scoped = selectors.visible_snapshots(request.user)
    year, quarter = _period(request, scoped)
    light = request.GET.get("light", "")
    # Burden rule (R31): no ranking unless the deployment enables it, and then for superiors only.
    rankings = authority.ranking_allowed(request.user) and _is_superior(request.user)
    ranked = rankings and request.GET.get("order") == "rank"
    qs = selectors.quarter_snapshots(scoped, year, quarter, light=light, ranked=ranked)
    return render(
        request,
        "assessments/snapshot_list.html",
        {
            "page": paginate(request, qs),
            "period": f"{year}Q{quarter}",
            "periods": [f"{y}Q{q}" for y, q in selectors.recent_periods(scoped)],
            "light": light,
            "rankings": rankings,
            "ranked": ranked,
            "ballots_open": selectors.ballots_open_for(request.user),
        },
    )


def _may_recompute(user, snap: AssessmentSnapshot) -> bool:
    return SNAPSHOT_FLOW.can(snap, "recompute") and (
        authority.may_publish(user, snap)
        or user.has_perm("assessments.change_assessmentsnapshot", snap)
    )


@login_required
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snap = get_snapshot_for_user(request, pk)
    page = selectors.snapshot_page(snap)
    superior = authority.may_publish(request.user, snap)
    allowed = SNAPSHOT_FLOW.allowed_actions(snap) if superior else set()
    rounds = list(page.rounds)
    for round_ in rounds:
        # Closed by the superior while the quarter's result can still take its votes.
        round_.closable = "open_evaluation" in allowed and EVALUATION_ROUND_FLOW.can(
            round_, "close"
        )
    return render(
        request,
        "assessments/snapshot_detail.html",
        {
            "snap": snap,
            "rows": selectors.score_rows(snap, page.indicators),
            "general_adjustment": snap.scores.get("_adjustment", {}).get("score"),
            "adjustments": page.adjustments,
            "may_publish": "publish" in allowed,
            "superior": superior,
            "may_recompute": _may_recompute(request.user, snap),
            "adjust_form": (
                AdjustmentForm(codes=sorted(page.indicators)) if "adjust" in allowed else None
            ),
            "inputs": page.inputs,
            "rounds": rounds,
            "input_form": EvaluationInputForm() if "record_input" in allowed else None,
            "round_form": RoundForm() if "open_evaluation" in allowed else None,
            "history": history_rows(snap),
        },
    )


@login_required
@require_POST
def snapshot_publish(request: HttpRequest, pk: int) -> HttpResponse:
    snap = get_snapshot_for_user(request, pk)
    if not authority.may_publish(request.user, snap):
        raise PermissionDenied
    attempt(
        request,
        lambda: snapshots.publish_snapshot(snap, actor=request.user),
        _("考核结果已发布, 此后不可修改。"),
    )
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def snapshot_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    snap = get_snapshot_for_user(request, pk)
    if not _may_recompute(request.user, snap):
        if snap.is_published:
            messages.error(request, SNAPSHOT_FLOW.refusal(snap, "recompute"))
            return redirect("assessments:snapshot_detail", pk=snap.pk)
        raise PermissionDenied
    snapshots.recompute_snapshot(snap, actor=request.user)
    messages.success(request, _("已按最新数据重新计算。"))
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def snapshot_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    snap = get_snapshot_for_user(request, pk)
    if not authority.may_publish(request.user, snap):
        raise PermissionDenied
    form = AdjustmentForm(request.POST, codes=selectors.indicator_codes(snap))
    if not form.is_valid():
        messages.error(request, _("调整未保存: 请填写分值和理由。"))
        return redirect("assessments:snapshot_detail", pk=snap.pk)

    def adjust_and_recompute() -> None:
        quarter = {"org": snap.org, "year": snap.year, "quarter": snap.quarter}
        snapshots.adjust(actor=request.user, **quarter, **form.cleaned_data)
        snapshots.recompute_snapshot(snap, actor=request.user)

    attempt(request, adjust_and_recompute, _("已记录人工调整并重新计算。"))
    return redirect("assessments:snapshot_detail", pk=snap.pk)


def _evaluable_draft(request: HttpRequest, pk: int, action: str) -> AssessmentSnapshot | None:
    """The snapshot, if the user assesses its unit (else 403); None (with the reason as a
    message) when its state refuses `action`."""
    snap = get_snapshot_for_user(request, pk)
    if not authority.may_evaluate(request.user, snap.org):
        raise PermissionDenied
    refusal = SNAPSHOT_FLOW.refusal(snap, action)
    if refusal is not None:
        messages.error(request, refusal)
        return None
    return snap


@login_required
@require_POST
def snapshot_input(request: HttpRequest, pk: int) -> HttpResponse:
    snap = _evaluable_draft(request, pk, "record_input")
    if snap is None:
        return redirect("assessments:snapshot_detail", pk=pk)
    form = EvaluationInputForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect("assessments:snapshot_detail", pk=snap.pk)

    def record_and_recompute() -> None:
        data = form.cleaned_data
        evaluations.record_input(
            actor=request.user,
            org=snap.org,
            year=snap.year,
            quarter=snap.quarter,
            kind=data["kind"],
            values=data["values"],
            note=data["note"],
        )
        snapshots.recompute_snapshot(snap, actor=request.user)

    attempt(request, record_and_recompute, _("评价数据已录入并重新计算。"))
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def snapshot_open_round(request: HttpRequest, pk: int) -> HttpResponse:
    snap = _evaluable_draft(request, pk, "open_evaluation")
    if snap is None:
        return redirect("assessments:snapshot_detail", pk=pk)
    form = RoundForm(request.POST)
    if form.is_valid():
        percent = form.cleaned_data.get("min_turnout")
        round_ = evaluations.open_round(
            actor=request.user,
            org=snap.org,
            year=snap.year,
            quarter=snap.quarter,
            title=form.cleaned_data["title"],
            min_turnout=Decimal(percent) / 100 if percent else None,
        )
        messages.success(request, _("民主测评已发起, 请确定参评人员名单并为无账号人员发放投票码。"))
        return redirect("assessments:round_detail", pk=round_.pk)
    report_form_errors(request, form)
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk)
    if not authority.may_evaluate(request.user, round_.org):
        raise PermissionDenied

    def close_and_count() -> None:
        evaluations.close_round(round_, actor=request.user)
        # The final votes count at once in a draft (a published quarter stays as it is).
        snapshots.compute_quarter(
            round_.year,
            round_.quarter,
            Organization.objects.filter(pk=round_.org_id),
            actor=request.user,
        )

    attempt(request, close_and_count, _("民主测评已结束。"))
    return redirect("assessments:round_detail", pk=round_.pk)
