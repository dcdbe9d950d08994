"""Pages of public questionnaires (群众参与) and third-party evaluation (第三方评议).

- Organisers (the unit's superior): list, open, edit, issue printable codes, invite
  evaluators, close. The unit itself sees its questionnaires and their results (the score
  only from MIN_RESPONSES answers), never the comments.
- The public: a phone page reached by a code (link or QR) or the open link; no login. The
  open link is guarded by a per-address rate limit, a CAPTCHA made here and a per-browser
  cookie; a code answers once.
- The discipline side: the comments (SUPERVISE over the unit), to mark 已处理 or
  转为问题线索.
- Invited evaluators: their round's form only (the scoping kit decides; see rules.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from assessments import authority
from assessments import questionnaire_selectors as selectors
from assessments.access import (
    get_comment_for_user,
    get_questionnaire_for_evaluator,
    get_questionnaire_for_user,
)
from assessments.forms import (
    AnswerForm,
    CodeBatchForm,
    CodeEntryForm,
    CommentHandleForm,
    EvaluatorInviteForm,
    QuestionnaireForm,
    ThirdPartyForm,
)
from assessments.models import Questionnaire, QuestionnaireComment
from assessments.services import questionnaires as services
from assessments.workflows import QUESTIONNAIRE_FLOW
from liangge_zeren.pages import attempt, paginate, report_form_errors
from liangge_zeren.periods import Quarter
from liangge_zeren.qr import qr_svg
from security import captcha
from security.ratelimit import hit, too_many_requests
from security.services import client_ip

RATE_WINDOW = 3600
COOKIE_SALT = "assessments.questionnaire"


def _answers_per_address() -> int:
    return int(getattr(settings, "QUESTIONNAIRE_ANSWERS_PER_ADDRESS_HOUR", 20))


def _code_tries_per_address() -> int:
    return int(getattr(settings, "QUESTIONNAIRE_CODE_TRIES_PER_ADDRESS_HOUR", 30))


# --- Organisers and the unit ----------------------------------------------------------------


@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    orgs = selectors.organisable_orgs(request.user)
    form = QuestionnaireForm(request.POST or None, orgs=orgs) if orgs.exists() else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            period = Quarter.parse(data["period"])
            created: list[Questionnaire] = []
            ok = attempt(
                request,
                lambda: created.append(
                    services.open_questionnaire(
                        actor=request.user,
                        org=data["org"],
                        year=period.year,
                        quarter=period.quarter,
                        title=data["title"],
                        closes_on=data["closes_on"],
                        open_link=data["open_link"],
                    )
                ),
                _("问卷已发起。"),
            )
            if ok:
                return redirect("assessments:questionnaire_detail", pk=created[0].pk)
        else:
            report_form_errors(request, form)
    return render(
        request,
        "assessments/questionnaire_list.html",
        {
            "page": paginate(request, selectors.visible_questionnaires(request.user)),
            "form": form,
            "comments": selectors.comment_counts(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


def _public_url(request: HttpRequest, name: str, key: str) -> str:
    return request.build_absolute_uri(reverse(name, args=[key]))


@login_required
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    q = get_questionnaire_for_user(request, pk)
    organiser = authority.may_evaluate(request.user, q.org)
    allowed = QUESTIONNAIRE_FLOW.allowed_actions(q) if organiser else set()
    open_url = (
        _public_url(request, "assessments:public_open", q.open_key)
        if q.open_key and "answer" in QUESTIONNAIRE_FLOW.allowed_actions(q)
        else ""
    )
    return render(
        request,
        "assessments/questionnaire_detail.html",
        {
            "q": q,
            "result": selectors.result(q),
            "organiser": organiser,
            "allowed": allowed,
            "open_url": open_url,
            "open_qr": qr_svg(open_url) if open_url and organiser else "",
            "code_form": CodeBatchForm() if "issue_codes" in allowed else None,
            "invite_form": EvaluatorInviteForm() if "invite" in allowed else None,
            "evaluators": selectors.evaluators(q) if organiser else [],
            "may_read_comments": request.user.has_perm(
                "assessments.view_questionnairecomment", _comment_probe(q)
            ),
        },
    )


def _comment_probe(q: Questionnaire) -> QuestionnaireComment:
    """An unsaved comment of the unit: "could this user read its comments?"."""
    return QuestionnaireComment(org_path=q.org_path, org=q.org, questionnaire=q)


def _organised(request: HttpRequest, pk: int) -> Questionnaire:
    q = get_questionnaire_for_user(request, pk)
    if not authority.may_evaluate(request.user, q.org):
        raise PermissionDenied
    return q


@login_required
@require_POST
@never_cache
def questionnaire_codes(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a batch and show it once, printable (only the hashes are kept)."""
    q = _organised(request, pk)
    form = CodeBatchForm(request.POST)
    codes: list[str] = []
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect("assessments:questionnaire_detail", pk=q.pk)
    if not attempt(
        request,
        lambda: codes.extend(
            services.issue_codes(q, actor=request.user, count=form.cleaned_data["count"])
        ),
        _("已生成 %(n)s 个答题码。答题码只显示这一次, 请立即打印。")
        % {"n": form.cleaned_data["count"]},
    ):
        return redirect("assessments:questionnaire_detail", pk=q.pk)
    cards = []
    for code in codes:
        url = _public_url(request, "assessments:public_code", code)
        cards.append({"code": code, "url": url, "qr": qr_svg(url)})
    return render(request, "assessments/questionnaire_codes.html", {"q": q, "cards": cards})


@login_required
@require_POST
@never_cache
def questionnaire_invite(request: HttpRequest, pk: int) -> HttpResponse:
    q = _organised(request, pk)
    form = EvaluatorInviteForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect("assessments:questionnaire_detail", pk=q.pk)
    made: list[Any] = []
    if not attempt(
        request,
        lambda: made.append(services.invite_evaluator(q, actor=request.user, **form.cleaned_data)),
        _("已邀请第三方评议人。邀请链接只显示这一次, 请通过邮件或短信发送给评议人。"),
    ):
        return redirect("assessments:questionnaire_detail", pk=q.pk)
    evaluator, secret = made[0]
    return render(
        request,
        "assessments/questionnaire_invited.html",
        {
            "q": q,
            "evaluator": evaluator,
            "link": _public_url(request, "assessments:invitation", secret),
        },
    )


@login_required
@require_POST
def questionnaire_close(request: HttpRequest, pk: int) -> HttpResponse:
    q = _organised(request, pk)
    attempt(
        request,
        lambda: services.close_questionnaire(q, actor=request.user),
        _("问卷已结束, 第三方评议人的访问权限同时终止。"),
    )
    return redirect("assessments:questionnaire_detail", pk=q.pk)


# --- The discipline side's comments ---------------------------------------------------------


@login_required
def comment_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("assessments.view_questionnairecomment"):
        raise PermissionDenied
    status = request.GET.get("status", "")
    rows = selectors.visible_comments(
        request.user, status=status, questionnaire=request.GET.get("questionnaire", "")
    )
    return render(
        request,
        "assessments/comment_list.html",
        {
            "page": paginate(request, rows),
            "status": status,
            "statuses": QuestionnaireComment.Status.choices,
            "handle_form": CommentHandleForm(),
        },
    )


@login_required
@require_POST
def comment_handle(request: HttpRequest, pk: str) -> HttpResponse:
    comment = get_comment_for_user(request, pk, write=True)
    form = CommentHandleForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.handle_comment(comment, actor=request.user, **form.cleaned_data),
            _("已记录处理结果。"),
        )
    else:
        report_form_errors(request, form)
    return redirect(reverse("assessments:comment_list") + f"?status={comment.Status.NEW}")


# --- Third-party evaluators -----------------------------------------------------------------


@never_cache
def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """The invitation link signs the evaluator in (their account has no password) and takes
    them to their round's form; after the close it leads nowhere."""
    if not hit(f"q-invite:{client_ip(request)}", _code_tries_per_address(), RATE_WINDOW):
        return too_many_requests(request, RATE_WINDOW)
    evaluator = services.evaluator_for_invitation(secret)
    if evaluator is None:
        raise Http404
    login(request, evaluator.user, backend="security.backends.AccountBackend")
    return redirect("assessments:third_party", pk=evaluator.questionnaire_id)


@login_required
def third_party(request: HttpRequest, pk: int) -> HttpResponse:
    q = get_questionnaire_for_evaluator(request, pk)
    done = selectors.own_report(request.user, q)
    form = ThirdPartyForm(request.POST or None)
    if request.method == "POST" and done is None:
        if form.is_valid():
            if attempt(
                request,
                lambda: services.submit_third_party(q, actor=request.user, **form.cleaned_data),
                _("评议意见已提交, 感谢参与。"),
            ):
                return redirect("assessments:third_party", pk=q.pk)
        else:
            report_form_errors(request, form)
    return render(
        request,
        "assessments/third_party.html",
        {"q": q, "form": form, "done": done},
        status=400 if request.method == "POST" and done is None else 200,
    )


# --- The public phone page ------------------------------------------------------------------


def _cookie_name(q: Questionnaire) -> str:
    return f"lzq{q.pk}"


def _answer_page(
    request: HttpRequest, q: Questionnaire, *, code: str | None, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "assessments/public_answer.html",
        {"q": q, "code": code, **extra},
        status=status,
    )


@never_cache
def public_code_entry(request: HttpRequest) -> HttpResponse:
    form = CodeEntryForm(request.POST or None)
    if request.method == "POST":
        if not hit(f"q-code:{client_ip(request)}", _code_tries_per_address(), RATE_WINDOW):
            return too_many_requests(request, RATE_WINDOW)
        if form.is_valid():
            row = services.find_code(form.cleaned_data["code"])
            if row is not None:
                return redirect(
                    "assessments:public_code",
                    code=services.normalise_code(form.cleaned_data["code"]),
                )
            form.add_error("code", _("答题码不正确, 请核对后重新输入。"))
    return render(
        request,
        "assessments/public_code_entry.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def public_code(request: HttpRequest, code: str) -> HttpResponse:
    if not hit(f"q-code:{client_ip(request)}", _code_tries_per_address(), RATE_WINDOW):
        return too_many_requests(request, RATE_WINDOW)
    row = services.find_code(code)
    if row is None:
        raise Http404
    q = row.questionnaire
    if row.used_on is not None:
        return _answer_page(request, q, code=code, refusal=_("该答题码已使用过, 感谢您的参与。"))
    refusal = QUESTIONNAIRE_FLOW.refusal(q, "answer")
    if refusal:
        return _answer_page(request, q, code=code, refusal=refusal)
    form = AnswerForm(request.POST or None, questions=q.questions)
    if request.method == "POST":
        if form.is_valid():
            answers = {k: v for k, v in form.cleaned_data.items() if k != "comment"}
            if attempt(
                request,
                lambda: services.submit_response(
                    q,
                    actor=services.PUBLIC,
                    answers=answers,
                    comment=form.cleaned_data.get("comment", ""),
                    code=code,
                ),
                _("提交成功, 感谢您的参与。"),
            ):
                return _answer_page(request, q, code=code, thanks=True)
        return _answer_page(request, q, code=code, form=form, status=400)
    return _answer_page(request, q, code=code, form=form)


def _open_questionnaire(key: str) -> Questionnaire:
    q = Questionnaire.objects.select_related("org").filter(open_key=key).first() if key else None
    if q is None:
        raise Http404
    return q


@never_cache
def public_open(request: HttpRequest, key: str) -> HttpResponse:
    q = _open_questionnaire(key)
    refusal = QUESTIONNAIRE_FLOW.refusal(q, "answer")
    if refusal:
        return _answer_page(request, q, code=None, refusal=refusal)
    if request.get_signed_cookie(_cookie_name(q), default=None, salt=COOKIE_SALT):
        return _answer_page(
            request, q, code=None, refusal=_("您已在此浏览器上提交过本问卷, 感谢您的参与。")
        )
    form = AnswerForm(request.POST or None, questions=q.questions, captcha=True)
    if request.method == "POST":
        if not hit(f"q-open:{q.pk}:{client_ip(request)}", _answers_per_address(), RATE_WINDOW):
            return too_many_requests(request, RATE_WINDOW)
        valid = form.is_valid()
        # The CAPTCHA is consumed by every attempt, right or wrong.
        if not captcha.check(request.session, request.POST.get("captcha", "")):
            form.add_error(None, _("验证码不正确或已过期, 请按新图片重新填写。"))
            valid = False
        if valid:
            answers = {
                k: v for k, v in form.cleaned_data.items() if k not in ("comment", "captcha")
            }
            try:
                services.submit_response(
                    q,
                    actor=services.PUBLIC,
                    answers=answers,
                    comment=form.cleaned_data.get("comment", ""),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                response = _answer_page(request, q, code=None, thanks=True)
                response.set_signed_cookie(
                    _cookie_name(q),
                    "1",
                    salt=COOKIE_SALT,
                    max_age=60 * 60 * 24 * 180,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
                return response
        return _answer_page(request, q, code=None, form=form, status=400)
    return _answer_page(request, q, code=None, form=form)


@never_cache
def public_captcha(request: HttpRequest, key: str) -> HttpResponse:
    q = _open_questionnaire(key)
    if not hit(f"q-captcha:{client_ip(request)}", 10 * _answers_per_address(), RATE_WINDOW):
        return too_many_requests(request, RATE_WINDOW)
    del q  # only that the link exists
    return HttpResponse(captcha.new_challenge(request.session), content_type="image/svg+xml")
