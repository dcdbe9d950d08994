"""Per-person assessment pages (issue 18): a unit's team for its superior, one person's
result (the superior and the person themself), publishing, 谈话了解 and the 面对面 review of
a 述责述廉, the 班子考察 .docx. No ranking anywhere (R31). Views check, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import authority, selectors, team_docx
from assessments.access import get_person_snapshot_for_user
from assessments.forms import PersonInterviewForm, ReportReviewForm
from assessments.models import YEAR_PERIOD, PersonAssessmentSnapshot, period_label
from assessments.services import people
from assessments.workflows import PERSON_SNAPSHOT_FLOW
from liangge_zeren.pages import attempt, report_form_errors
from liangge_zeren.periods import Quarter
from responsibilities.history import history_rows
from responsibilities.models import Organization


def _period(request: HttpRequest) -> tuple[int, int]:
    """?year=2026&period=0..4 (0: the whole year); default: last quarter."""
    default = Quarter.current().previous()
    try:
        year = int(request.GET.get("year", default.year))
        period = int(request.GET.get("period", default.quarter))
    except ValueError:
        return default.year, default.quarter
    if not (2000 <= year <= 2100 and 0 <= period <= 4):
        return default.year, default.quarter
    return year, period


def _assessed_org(request: HttpRequest, pk: int) -> Organization:
    """The unit whose team the user assesses (its superior); 404 for anyone else."""
    org = Organization.objects.filter(pk=pk).select_related("parent").first()
    if org is None or not authority.may_evaluate(request.user, org):
        raise Http404
    return org


@login_required
def team(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = _assessed_org(request, org_pk)
    year, period = _period(request)
    rows = selectors.team_results(request.user, org, year, period)
    return render(
        request,
        "assessments/person_team.html",
        {
            "org": org,
            "year": year,
            "period": period,
            "period_label": period_label(year, period),
            "periods": [(YEAR_PERIOD, _("全年")), *[(q, f"Q{q}") for q in range(1, 5)]],
            "rows": rows,
            "posts": selectors.team_posts(org),
        },
    )


@login_required
@require_POST
def team_compute(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = _assessed_org(request, org_pk)
    year, period = _period(request)
    outcome = people.compute_people(org, year, period, actor=request.user)
    messages.success(
        request,
        _("已计算: 新建 %(created)s, 更新 %(updated)s, 未变 %(unchanged)s, 已发布 %(locked)s。")
        % outcome.as_dict(),
    )
    url = reverse("assessments:person_team", args=[org.pk])
    return redirect(f"{url}?year={year}&period={period}")


@login_required
def team_export(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = _assessed_org(request, org_pk)
    year, period = _period(request)
    rows = selectors.team_results(request.user, org, year, period)
    content = team_docx.team_docx(org, year, period, rows)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="team-assessment-{org.code}-{year}-{period}.docx"'
    )
    return response


@login_required
def my_results(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    rows = selectors.person_results(request.user, person.pk) if person else []
    return render(request, "assessments/person_mine.html", {"rows": rows})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snap = get_person_snapshot_for_user(request, pk)
    page = selectors.person_snapshot_page(snap)
    superior = authority.may_evaluate(request.user, snap.org)
    allowed = PERSON_SNAPSHOT_FLOW.allowed_actions(snap) if superior else set()
    is_self = snap.person.user_id == request.user.pk
    return render(
        request,
        "assessments/person_detail.html",
        {
            "snap": snap,
            "rows": selectors.score_rows(snap, page["indicators"]),
            "interviews": page["interviews"] if superior else [],
            "review": page["review"],
            "report": page["report"],
            "is_self": is_self,
            "superior": superior,
            "may_publish": "publish" in allowed,
            "may_recompute": "recompute" in allowed,
            "interview_form": PersonInterviewForm(initial={"interviewed_on": timezone.localdate()})
            if "record_input" in allowed and snap.period
            else None,
            "review_form": ReportReviewForm(initial={"reviewed_on": timezone.localdate()})
            if "record_input" in allowed and snap.period == YEAR_PERIOD
            else None,
            "history": history_rows(snap),
        },
    )


def _superior_draft(request: HttpRequest, pk: int) -> PersonAssessmentSnapshot:
    snap = get_person_snapshot_for_user(request, pk)
    if not authority.may_evaluate(request.user, snap.org):
        raise PermissionDenied
    return snap


@login_required
@require_POST
def person_publish(request: HttpRequest, pk: int) -> HttpResponse:
    snap = _superior_draft(request, pk)
    attempt(
        request,
        lambda: people.publish_person_snapshot(snap, actor=request.user),
        _("个人考核结果已发布, 此后不可修改。"),
    )
    return redirect("assessments:person_detail", pk=snap.pk)


@login_required
@require_POST
def person_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    snap = _superior_draft(request, pk)
    attempt(
        request,
        lambda: people.recompute_person_snapshot(snap, actor=request.user),
        _("已按最新数据重新计算。"),
    )
    return redirect("assessments:person_detail", pk=snap.pk)


@login_required
@require_POST
def person_interview(request: HttpRequest, pk: int) -> HttpResponse:
    snap = _superior_draft(request, pk)
    form = PersonInterviewForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect("assessments:person_detail", pk=snap.pk)

    def record_and_recompute() -> None:
        people.record_interview(
            actor=request.user,
            tenure=snap.tenure,
            year=snap.year,
            quarter=snap.period,
            interviewed_on=form.cleaned_data["interviewed_on"],
            scores=form.rubric(),
            note=form.cleaned_data["note"],
        )
        people.recompute_person_snapshot(snap, actor=request.user)

    attempt(request, record_and_recompute, _("已记录谈话了解并重新计算。"))
    return redirect("assessments:person_detail", pk=snap.pk)


@login_required
@require_POST
def person_review(request: HttpRequest, pk: int) -> HttpResponse:
    snap = _superior_draft(request, pk)
    form = ReportReviewForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect("assessments:person_detail", pk=snap.pk)

    def record_and_recompute() -> None:
        people.record_report_review(
            actor=request.user, tenure=snap.tenure, year=snap.year, **form.cleaned_data
        )
        people.recompute_person_snapshot(snap, actor=request.user)

    attempt(request, record_and_recompute, _("已记录面对面评议并重新计算。"))
    return redirect("assessments:person_detail", pk=snap.pk)
