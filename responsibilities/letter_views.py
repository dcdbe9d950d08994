"""Responsibility letters with browser signatures, and annual duty reports (.docx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangge_zeren.concurrency import EditConflict
from liangge_zeren.pages import attempt
from liangge_zeren.workflow import TransitionRefused
from responsibilities import letters
from responsibilities.access import get_letter_for_user, get_report_for_user
from responsibilities.context_processors import current_posts
from responsibilities.duty_forms import (
    AcknowledgeForm,
    LetterForm,
    ReportCreateForm,
    ReportForm,
    SignForm,
)
from responsibilities.history import history_rows
from responsibilities.models import DutyReport, Organization, ResponsibilityLetter
from responsibilities.scoped import Capability
from responsibilities.selectors import post_for
from responsibilities.workflows import REPORT_FLOW

PAGE_SIZE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_letters():
    if not letters.letters_enabled():
        raise Http404


def _docx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    from django.utils.encoding import escape_uri_path

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@login_required
def letter_index(request):
    _require_letters()
    letters_qs = (
        ResponsibilityLetter.objects.visible_to(request.user)
        .select_related("org", "issuer_tenure__person", "signee_tenure__person")
        .order_by("-year", "org_path", "-pk")
    )
    page = Paginator(letters_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _posts, current = current_posts(request)
    can_create = current is not None and request.user.has_perm(
        "responsibilities.change_responsibilityletter", current
    )
    return render(
        request,
        "responsibilities/duty/letter_index.html",
        {"page": page, "can_create": can_create},
    )


@login_required
def letter_create(request):
    _require_letters()
    _posts, current = current_posts(request)
    if current is None or not request.user.has_perm(
        "responsibilities.change_responsibilityletter", current
    ):
        raise PermissionDenied
    form = LetterForm(request.POST or None, org=current.org)
    if request.method == "POST" and form.is_valid():
        try:
            letter = letters.generate_letter(
                signee=form.cleaned_data["signee"],
                issuer=current,
                year=form.cleaned_data["year"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("责任书已生成,请交责方签字。"))
            return redirect("duty_letter_detail", pk=letter.pk)
    return render(
        request, "responsibilities/duty/letter_form.html", {"form": form, "org": current.org}
    )


@login_required
def letter_detail(request, pk):
    _require_letters()
    letter = get_letter_for_user(request, pk)
    can_sign = request.user.has_perm("responsibilities.sign_responsibilityletter", letter)
    context = {
        "letter": letter,
        "signatures": letter.signatures.select_related("signer_tenure__person"),
        "can_sign": can_sign,
        "sign_form": SignForm() if can_sign else None,
        "can_revise": request.user.has_perm("responsibilities.change_responsibilityletter", letter)
        and letter.status in (ResponsibilityLetter.Status.SENT, ResponsibilityLetter.Status.SIGNED),
        "history": history_rows(letter),
        "crumbs": [*Organization.objects.ancestors_of(letter.org), letter.org],
    }
    return render(request, "responsibilities/duty/letter_detail.html", context)


@login_required
@require_POST
def letter_sign(request, pk):
    _require_letters()
    letter = get_letter_for_user(request, pk, write=True)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            letters.sign_letter(
                letter,
                user=request.user,
                password=form.cleaned_data["password"],
                ip=_client_ip(request),
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已签字,内容已冻结。"))
    else:
        messages.error(request, _("请输入密码。"))
    return redirect("duty_letter_detail", pk=letter.pk)


@login_required
@require_POST
def letter_revise(request, pk):
    _require_letters()
    letter = get_letter_for_user(
        request, pk, write=True, perm="responsibilities.change_responsibilityletter"
    )
    try:
        new = letters.revise_letter(letter, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("duty_letter_detail", pk=letter.pk)
    messages.success(request, _("已生成新版本,需要双方重新签字。"))
    return redirect("duty_letter_detail", pk=new.pk)


@login_required
def letter_docx(request, pk):
    _require_letters()
    letter = get_letter_for_user(request, pk)
    name = f"{letter.title}-{letter.signee_tenure.person.name}-{letter.year}-v{letter.version}.docx"
    return _docx_response(letters.letter_docx(letter), name)


# --- Reports ------------------------------------------------------------------------------


@login_required
def report_index(request):
    reports = (
        DutyReport.objects.visible_to(request.user)
        .select_related("org", "tenure__person")
        .order_by("-year", "org_path", "pk")
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    _posts, current = current_posts(request)
    return render(
        request,
        "responsibilities/duty/report_index.html",
        {"page": page, "current": current, "form": ReportCreateForm() if current else None},
    )


@login_required
@require_POST
def report_create(request):
    _posts, current = current_posts(request)
    if current is None:
        raise PermissionDenied
    form = ReportCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择报告类型和年度。"))
        return redirect("duty_report_index")
    committee = form.cleaned_data["kind"] == "committee"
    if committee and not request.user.has_perm(
        "responsibilities.change_responsibilitylist", current
    ):
        raise PermissionDenied
    report = letters.draft_report(
        actor=request.user,
        org=current.org,
        year=form.cleaned_data["year"],
        tenure=None if committee else current,
    )
    return redirect("duty_report_detail", pk=report.pk)


@login_required
def report_detail(request, pk):
    report = get_report_for_user(request, pk)
    can_change = request.user.has_perm("responsibilities.change_dutyreport", report)
    form = ReportForm(request.POST or None, instance=report) if can_change else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                letters.update_report(
                    report,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    content=form.cleaned_data["content"],
                    version=form.cleaned_data["version"],
                )
            except EditConflict as conflict:
                form.show_conflict(conflict)  # keeps the input, lists the other person's changes
                report.refresh_from_db()
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            except TransitionRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("报告已保存。"))
                return redirect("duty_report_detail", pk=report.pk)
    can_ack = "acknowledge" in REPORT_FLOW.allowed_actions(report, request.user)
    context = {
        "report": report,
        "form": form,
        "can_change": can_change,
        "can_ack": can_ack,
        "ack_form": AcknowledgeForm() if can_ack else None,
        "history": history_rows(report),
        "crumbs": [*Organization.objects.ancestors_of(report.org), report.org],
    }
    return render(request, "responsibilities/duty/report_detail.html", context, status=status)


@login_required
@require_POST
def report_submit(request, pk):
    report = get_report_for_user(request, pk, write=True)
    attempt(
        request,
        lambda: letters.submit_report(report, actor=request.user),
        _("报告已报送上级。"),
    )
    return redirect("duty_report_detail", pk=report.pk)


@login_required
@require_POST
def report_acknowledge(request, pk):
    report = get_report_for_user(
        request, pk, write=True, perm="responsibilities.acknowledge_dutyreport"
    )
    by = post_for(request, report.org_path, Capability.MANAGE, Capability.SUPERVISE)
    form = AcknowledgeForm(request.POST)
    if by is None or not form.is_valid():
        raise PermissionDenied
    attempt(
        request,
        lambda: letters.acknowledge_report(
            report, actor=request.user, by=by, comment=form.cleaned_data["comment"]
        ),
        _("已审阅。"),
    )
    return redirect("duty_report_detail", pk=report.pk)


@login_required
def report_docx(request, pk):
    report = get_report_for_user(request, pk)
    return _docx_response(letters.report_docx(report), f"{report.title}.docx")
