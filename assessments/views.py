from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Window
from django.db.models.functions import Rank
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import services
from assessments.access import get_round_for_user, get_snapshot_for_user
from assessments.forms import AdjustmentForm, BallotForm, EvaluationInputForm, RoundForm
from assessments.models import (
    AssessmentSnapshot,
    EvaluationInput,
    EvaluationRound,
    Indicator,
    ManualAdjustment,
    VoterToken,
)
from responsibilities.history import history_rows
from responsibilities.models import Organization
from responsibilities.scoping import Capability, scope_paths, scope_q

PAGE_SIZE = 50


def _period(request, qs):
    text = request.GET.get("period", "")
    try:
        return services.parse_period(text)
    except ValueError:
        latest = qs.order_by("-year", "-quarter").values_list("year", "quarter").first()
        return latest or services.previous_quarter(timezone.localdate())


def _is_superior(user) -> bool:
    return user.is_superuser or bool(scope_paths(user, Capability.MANAGE))


@login_required
def snapshot_list(request):
    scoped = AssessmentSnapshot.objects.filter(
        scope_q(request.user, "assessments.view_assessmentsnapshot")
    )
    year, quarter = _period(request, scoped)
    qs = scoped.filter(year=year, quarter=quarter).select_related("org")
    light = request.GET.get("light", "")
    if light in ("red", "yellow", "green"):
        qs = qs.filter(traffic_light=light)
    # Burden rule (R31): no ranking unless the deployment enables it, and then for superiors only.
    rankings = services.ranking_allowed(request.user) and _is_superior(request.user)
    ranked = rankings and request.GET.get("order") == "rank"
    if ranked:
        qs = qs.annotate(rank=Window(Rank(), order_by=F("total").desc())).order_by(
            "-total", "org_path"
        )
    else:
        qs = qs.order_by("org_path")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    periods = list(
        scoped.order_by("-year", "-quarter").values_list("year", "quarter").distinct()[:12]
    )
    # Democratic evaluations the user may still vote in (VIEW over the unit; one query).
    ballots_open = (
        []
        if request.user.is_superuser
        else list(
            EvaluationRound.objects.filter(
                scope_q(request.user, "assessments.view_evaluationround"),
                status=EvaluationRound.Status.OPEN,
            )
            .exclude(Exists(VoterToken.objects.filter(round=OuterRef("pk"), voter=request.user)))
            .order_by("org_path")[:20]
        )
    )
    return render(
        request,
        "assessments/snapshot_list.html",
        {
            "page": page,
            "period": f"{year}Q{quarter}",
            "periods": [f"{y}Q{q}" for y, q in periods],
            "light": light,
            "rankings": rankings,
            "ranked": ranked,
            "ballots_open": ballots_open,
        },
    )


def _may_recompute(user, snap) -> bool:
    return not snap.is_published and (
        services.may_publish(user, snap)
        or user.has_perm("assessments.change_assessmentsnapshot", snap)
    )


@login_required
def snapshot_detail(request, pk):
    snap = get_snapshot_for_user(request, pk)
    indicators = {
        i.code: i for i in Indicator.objects.filter(indicator_set_id=snap.indicator_set_id)
    }
    rows = []
    for code, entry in snap.scores.items():
        if code.startswith("_"):
            continue
        ind = indicators.get(code)
        rows.append(
            {
                "code": code,
                "name": entry.get("name", ""),
                "dimension": ind.get_dimension_display() if ind else entry.get("dimension"),
                "rule": ind.get_rule_type_display() if ind else "",
                "max": entry.get("max"),
                "score": entry.get("score"),
                "detail": entry.get("detail", {}),
            }
        )
    adjustments = ManualAdjustment.objects.filter(
        org_id=snap.org_id, year=snap.year, quarter=snap.quarter
    ).select_related("entered_by")
    may_publish = not snap.is_published and services.may_publish(request.user, snap)
    # Evaluation inputs and democratic evaluations of the unit's quarter (the superior's).
    inputs = EvaluationInput.objects.filter(
        org_id=snap.org_id, year=snap.year, quarter=snap.quarter
    ).select_related("entered_by")
    rounds = EvaluationRound.objects.filter(
        org_id=snap.org_id, year=snap.year, quarter=snap.quarter
    ).annotate(turnout=Count("tokens"))
    return render(
        request,
        "assessments/snapshot_detail.html",
        {
            "snap": snap,
            "rows": rows,
            "general_adjustment": snap.scores.get("_adjustment", {}).get("score"),
            "adjustments": adjustments,
            "may_publish": may_publish,
            "may_recompute": _may_recompute(request.user, snap),
            "adjust_form": AdjustmentForm(codes=sorted(indicators)) if may_publish else None,
            "inputs": inputs,
            "rounds": rounds,
            "input_form": EvaluationInputForm() if may_publish else None,
            "round_form": RoundForm() if may_publish else None,
            "history": history_rows(snap),
        },
    )


@login_required
@require_POST
def snapshot_publish(request, pk):
    snap = get_snapshot_for_user(request, pk)
    if not services.may_publish(request.user, snap):
        raise PermissionDenied
    try:
        services.publish_snapshot(snap, request.user)
        messages.success(request, _("考核结果已发布, 此后不可修改。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def snapshot_recompute(request, pk):
    snap = get_snapshot_for_user(request, pk)
    if not _may_recompute(request.user, snap):
        if snap.is_published:
            messages.error(request, _("已发布的考核结果不可重新计算。"))
            return redirect("assessments:snapshot_detail", pk=snap.pk)
        raise PermissionDenied
    services.recompute_snapshot(snap)
    messages.success(request, _("已按最新数据重新计算。"))
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def snapshot_adjust(request, pk):
    snap = get_snapshot_for_user(request, pk)
    if not services.may_publish(request.user, snap):
        raise PermissionDenied
    codes = list(
        Indicator.objects.filter(indicator_set_id=snap.indicator_set_id).values_list(
            "code", flat=True
        )
    )
    form = AdjustmentForm(request.POST, codes=codes)
    if form.is_valid():
        try:
            services.adjust(
                org=snap.org,
                year=snap.year,
                quarter=snap.quarter,
                user=request.user,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                indicator_code=form.cleaned_data["indicator_code"],
            )
            services.recompute_snapshot(snap)
            messages.success(request, _("已记录人工调整并重新计算。"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("调整未保存: 请填写分值和理由。"))
    return redirect("assessments:snapshot_detail", pk=snap.pk)


def _evaluable_draft(request, pk) -> AssessmentSnapshot:
    """The snapshot, if the user assesses its unit (else 403); published → refused later."""
    snap = get_snapshot_for_user(request, pk)
    if not services.may_evaluate(request.user, snap.org):
        raise PermissionDenied
    return snap


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def snapshot_input(request, pk):
    snap = _evaluable_draft(request, pk)
    if snap.is_published:
        messages.error(request, _("该季度考核结果已发布, 不能再录入评价数据。"))
        return redirect("assessments:snapshot_detail", pk=snap.pk)
    form = EvaluationInputForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("assessments:snapshot_detail", pk=snap.pk)
    try:
        services.record_input(
            org=snap.org,
            year=snap.year,
            quarter=snap.quarter,
            kind=form.cleaned_data["kind"],
            values=form.cleaned_data["values"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        services.recompute_snapshot(snap)
        messages.success(request, _("评价数据已录入并重新计算。"))
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def snapshot_open_round(request, pk):
    snap = _evaluable_draft(request, pk)
    form = RoundForm(request.POST)
    if snap.is_published:
        messages.error(request, _("该季度考核结果已发布, 不能再发起民主测评。"))
    elif form.is_valid():
        services.open_round(
            org=snap.org,
            year=snap.year,
            quarter=snap.quarter,
            title=form.cleaned_data["title"],
            user=request.user,
        )
        messages.success(request, _("民主测评已发起, 本单位及上级人员可在“考核”页面投票。"))
    else:
        _form_errors(request, form)
    return redirect("assessments:snapshot_detail", pk=snap.pk)


@login_required
@require_POST
def round_close(request, pk):
    round_ = get_round_for_user(request, pk)
    if not services.may_evaluate(request.user, round_.org):
        raise PermissionDenied
    try:
        services.close_round(round_, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        # The final votes count at once in a draft (a published quarter stays as it is).
        services.compute_quarter(
            round_.year, round_.quarter, Organization.objects.filter(pk=round_.org_id)
        )
        messages.success(request, _("民主测评已结束。"))
    snap = AssessmentSnapshot.objects.filter(
        org_id=round_.org_id, year=round_.year, quarter=round_.quarter
    ).first()
    if snap is not None:
        return redirect("assessments:snapshot_detail", pk=snap.pk)
    return redirect("assessments:snapshot_list")


@login_required
def round_vote(request, pk):
    round_ = get_round_for_user(request, pk)
    if not services.may_vote(request.user, round_):
        raise PermissionDenied
    voted = services.has_voted(request.user, round_)
    form = BallotForm(request.POST or None)
    if request.method == "POST" and not voted and form.is_valid():
        try:
            services.cast_ballot(round_, request.user, form.cleaned_data["grade"])
            messages.success(request, _("投票成功。测评为无记名, 票面不记录投票人。"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("assessments:round_vote", pk=round_.pk)
    return render(
        request, "assessments/round_vote.html", {"round": round_, "form": form, "voted": voted}
    )
