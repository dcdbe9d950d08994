"""Democratic-evaluation pages: the organiser's round page (roll, codes, turnout, results),
the printed code sheet, the vote of an account holder and the public code page.

Views check, call, render: who organises is authority.may_evaluate, who votes
authority.vote_refusal, what may be shown selectors.round_result."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from assessments import authority, selectors
from assessments.access import get_round_for_user
from assessments.forms import BallotForm, CodeForm, RepresentativeForm, RosterForm
from assessments.models import EvaluationRound, RollEntry
from assessments.services import evaluations
from assessments.workflows import EVALUATION_ROUND_FLOW
from liangge_zeren.pages import attempt, paginate, report_form_errors
from liangge_zeren.qr import qr_svg
from security import ratelimit
from security.services import client_ip

CODE_WINDOW = 600  # seconds: failed code attempts per address are counted in this window


def _organised(request: HttpRequest, pk: int) -> EvaluationRound:
    round_ = get_round_for_user(request, pk)
    if not authority.may_evaluate(request.user, round_.org):
        raise PermissionDenied
    return round_


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The round: turnout and results for the unit; roll and codes for the organiser."""
    round_ = get_round_for_user(request, pk)
    organiser = authority.may_evaluate(request.user, round_.org)
    is_open = EVALUATION_ROUND_FLOW.can(round_, "vote")
    context = {
        "round": round_,
        "organiser": organiser,
        "is_open": is_open,
        "turnout": selectors.turnout(round_),
        "min_turnout": f"{selectors.min_turnout(round_) * 100:.0f}%",
        "result": selectors.round_result(round_),
        "subjects": selectors.evaluated_people(round_),
        "refusal": authority.vote_refusal(request.user, round_),
        "voted": authority.has_voted(request.user, round_),
    }
    if organiser:
        context["roll"] = paginate(request, selectors.roll(round_), size=100)
        if is_open:
            context["roster_form"] = RosterForm(candidates=selectors.roll_candidates(round_))
            context["representative_form"] = RepresentativeForm()
    return render(request, "assessments/round_detail.html", context)


@login_required
@require_POST
def roll_add(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _organised(request, pk)
    # Any person may be chosen, so a superior is refused with the reason, not "invalid".
    from responsibilities.models import Person

    form = RosterForm(request.POST, candidates=Person.objects.filter(is_active=True))
    if form.is_valid():
        people = form.cleaned_data["people"]
        attempt(
            request,
            lambda: evaluations.add_to_roll(round_, people=people, actor=request.user),
            _("已加入参评人员名单。"),
        )
    else:
        report_form_errors(request, form)
    return redirect("assessments:round_detail", pk=round_.pk)


@login_required
@require_POST
def roll_representative(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _organised(request, pk)
    form = RepresentativeForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: evaluations.add_representative(round_, actor=request.user, **form.cleaned_data),
            _("已加入特邀代表。"),
        )
    else:
        report_form_errors(request, form)
    return redirect("assessments:round_detail", pk=round_.pk)


@login_required
@require_POST
def roll_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    round_ = _organised(request, pk)
    entry = get_object_or_404(RollEntry.objects.select_related("round"), pk=entry_pk, round=round_)
    attempt(
        request,
        lambda: evaluations.remove_from_roll(entry, actor=request.user),
        _("已移出参评人员名单。"),
    )
    return redirect("assessments:round_detail", pk=round_.pk)


@login_required
@require_POST
@never_cache
def issue_codes(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue codes for the chosen entries and show the sheet — once: codes are not kept."""
    round_ = _organised(request, pk)
    ids = [int(v) for v in request.POST.getlist("entries") if v.isdigit()]
    entries = list(RollEntry.objects.filter(round=round_, pk__in=ids).order_by("name", "pk"))
    try:
        codes = evaluations.issue_codes(round_, entries=entries, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("assessments:round_detail", pk=round_.pk)
    vote_url = request.build_absolute_uri(reverse("code_vote"))
    slips = [
        {"code": code, "shown": f"{code[:4]}-{code[4:]}", "qr": qr_svg(f"{vote_url}#{code}")}
        for code in codes
    ]
    return render(
        request,
        "assessments/code_sheet.html",
        {"round": round_, "slips": slips, "entries": entries, "vote_url": vote_url},
    )


@login_required
def round_vote(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for_user(request, pk)
    refusal = authority.vote_refusal(request.user, round_)
    if refusal is not None:
        # A page that says why, not a bare 403: the evaluation exists and they may see it.
        return render(
            request,
            "assessments/round_vote.html",
            {"round": round_, "refusal": refusal},
            status=403,
        )
    voted = authority.has_voted(request.user, round_)
    subjects = selectors.evaluated_people(round_, excluding_user=request.user)
    form = BallotForm(request.POST or None, subjects=subjects)
    if request.method == "POST" and not voted:
        if form.is_valid():
            try:
                evaluations.cast_ballot(
                    round_,
                    actor=request.user,
                    grade=form.cleaned_data["grade"],
                    marks=form.marks,
                )
                messages.success(request, _("投票成功。测评为无记名, 票面不记录投票人。"))
                return redirect("assessments:round_vote", pk=round_.pk)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.error(request, _("请对领导班子和每位班子成员都作出评价。"))
    return render(
        request, "assessments/round_vote.html", {"round": round_, "form": form, "voted": voted}
    )


@never_cache
def code_vote(request: HttpRequest) -> HttpResponse:
    """The public phone page: enter a code, then vote once. No login; failed attempts are
    limited per address. The code travels in the form (the QR puts it after '#', which the
    browser never sends), never in a URL the server logs."""
    key = f"vote-code:{client_ip(request) or 'unknown'}"
    limit = settings.EVALUATION_CODE_ATTEMPTS
    if request.method == "POST" and ratelimit.count(key, CODE_WINDOW) >= limit:
        return ratelimit.too_many_requests(request, CODE_WINDOW)
    code_form = CodeForm(request.POST or None)
    context: dict = {"code_form": code_form}
    if request.method != "POST":
        return render(request, "assessments/code_vote.html", context)
    if not code_form.is_valid():
        ratelimit.hit(key, limit, CODE_WINDOW)
        return render(request, "assessments/code_vote.html", context, status=400)
    code = code_form.cleaned_data["code"]
    round_ = evaluations.code_round(code)
    if round_ is None or not EVALUATION_ROUND_FLOW.can(round_, "vote"):
        ratelimit.hit(key, limit, CODE_WINDOW)
        code_form.add_error("code", _("投票码无效、已使用或测评已结束。"))
        return render(request, "assessments/code_vote.html", context, status=400)
    subjects = selectors.evaluated_people(round_)
    casting = "grade" in request.POST
    form = BallotForm(request.POST if casting else None, subjects=subjects)
    context.update(round=round_, form=form, code=code)
    if casting and form.is_valid():
        try:
            evaluations.cast_code_ballot(
                code=code,
                grade=form.cleaned_data["grade"],
                marks=form.marks,
                actor=evaluations.CODE_VOTER,
            )
        except ValidationError as exc:
            code_form.add_error(None, " ".join(exc.messages))
            return render(request, "assessments/code_vote.html", context, status=400)
        return render(request, "assessments/code_vote.html", {"done": True, "round": round_})
    if casting:
        context["ballot_error"] = _("请对领导班子和每位班子成员都作出评价。")
    return render(request, "assessments/code_vote.html", context)
