"""知责 pages: my tests, taking one, a test's results (no ranking, R31), the question bank
and its Excel import."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from assessments import knowledge, knowledge_import
from assessments.access import get_knowledge_sheet_for_user, get_knowledge_test_for_user
from assessments.knowledge_forms import KnowledgeTestForm
from assessments.services import knowledge as services
from liangge_zeren.pages import paginate, report_refusal
from liangge_zeren.uploads import XlsxFileForm, run_file_import
from responsibilities.models import Organization
from responsibilities.scoped import Capability, holds

TESTS_SHOWN = 20


@login_required
@require_GET
def knowledge_home(request: HttpRequest) -> HttpResponse:
    """The user's own tests (to take, taken) and the tests they may follow."""
    user = request.user
    return render(
        request,
        "assessments/knowledge_home.html",
        {
            "sheets": knowledge.my_sheets(user)[:TESTS_SHOWN],
            "tests": knowledge.visible_tests(user).order_by("-year", "-quarter", "-pk")[
                :TESTS_SHOWN
            ],
            "can_organise": holds(user, Capability.MANAGE),
        },
    )


def _unit(request: HttpRequest, value: str | None) -> Organization:
    """A unit whose bank the user keeps (MANAGE root), the first one by default."""
    units = knowledge.managed_units(request.user)
    unit = units.filter(pk=value).first() if value and value.isdigit() else units.first()
    if unit is None:
        raise PermissionDenied
    return unit


@login_required
@require_GET
def question_list(request: HttpRequest) -> HttpResponse:
    questions = knowledge.visible_questions(request.user).order_by("org_path", "pk")
    return render(
        request,
        "assessments/knowledge_questions.html",
        {
            "page": paginate(request, questions),
            "units": knowledge.managed_units(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_import(request: HttpRequest) -> HttpResponse:
    unit = _unit(request, request.GET.get("org"))
    form = XlsxFileForm(request.POST or None, request.FILES or None, label=gettext_lazy("题库文件"))
    importer: Any = request.user
    result, status = run_file_import(
        request,
        form,
        lambda data, name: knowledge_import.import_file(data, name, org=unit, actor=importer),
    )
    return render(
        request,
        "assessments/knowledge_import.html",
        {"unit": unit, "form": form, "result": result, "sheet": knowledge_import.SHEET},
        status=status,
    )


@login_required
@require_GET
def question_template(request: HttpRequest) -> FileResponse:
    if not holds(request.user, Capability.MANAGE):
        raise Http404
    return FileResponse(
        io.BytesIO(knowledge_import.build_template()),
        as_attachment=True,
        filename=_("知责题库导入模板") + ".xlsx",
        content_type=knowledge_import.XLSX_CONTENT_TYPE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def test_new(request: HttpRequest) -> HttpResponse:
    units = knowledge.managed_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = KnowledgeTestForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                test = services.assign_test(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    report_refusal(request, exc)
            else:
                messages.success(
                    request,
                    _("测试已下发给 %(n)d 人。") % {"n": test.assignments.count()},
                )
                return redirect("assessments:knowledge_test", pk=test.pk)
    return render(request, "assessments/knowledge_test_new.html", {"form": form}, status=status)


@login_required
@require_GET
def test_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Participation and average per unit; the sheets one by one only for their readers
    (the organiser all, a participant their own)."""
    test = get_knowledge_test_for_user(request, pk)
    sheets = knowledge.readable_sheets(request.user, test)
    return render(
        request,
        "assessments/knowledge_test.html",
        {
            "test": test,
            "units": knowledge.unit_results(request.user, test),
            "organiser": knowledge.is_organiser(request.user, test),
            "page": paginate(request, sheets),
            "min_group": knowledge.MIN_GROUP,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the test (its person, once) or read the result with the correct answers."""
    sheet = get_knowledge_sheet_for_user(request, pk)
    own = sheet.person.user_id == request.user.pk
    if request.method == "POST":
        if not own:
            raise PermissionDenied
        questions = knowledge.sheet_questions(sheet)
        answers = {str(q.pk): request.POST.getlist(f"q{q.pk}") for q in questions}
        try:
            services.submit_sheet(sheet, answers, actor=request.user)
        except ValidationError as exc:
            report_refusal(request, exc)
        else:
            messages.success(request, _("已提交,以下是您的得分和正确答案。"))
        return redirect("assessments:knowledge_sheet", pk=sheet.pk)
    questions = knowledge.sheet_questions(sheet)
    return render(
        request,
        "assessments/knowledge_sheet.html",
        {
            "sheet": sheet,
            "own": own,
            "is_open": sheet.test.opens_on <= timezone.localdate() <= sheet.test.closes_on,
            "rows": [
                {
                    "question": q,
                    "given": (sheet.answers or {}).get(str(q.pk), ""),
                    "right": (sheet.answers or {}).get(str(q.pk), "") == q.answer,
                }
                for q in questions
            ],
        },
    )
