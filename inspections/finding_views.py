"""Finding pages: record, read, correct; responsibilities, tasks, evidence, transfer, 瞒报."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspections import selectors
from inspections.access import get_finding_for_user, get_round_for_user
from inspections.forms import (
    ConcealedForm,
    EvidenceForm,
    FindingEditForm,
    FindingForm,
    ResponsibilityForm,
    TaskForm,
    TransferForm,
)
from inspections.models import Finding
from inspections.services import findings, tasks
from liangge_zeren.pages import edit_page, report_form_errors, report_refusal, submit_form
from liangge_zeren.workflow import TransitionRefused
from responsibilities.history import history_rows

CHANGE_FINDING = "inspections.change_finding"
CONCEALED_PERM = "inspections.mark_concealed_finding"


@login_required
def finding_create(request: HttpRequest) -> HttpResponse:
    round_ = None
    if request.GET.get("round"):
        round_ = get_round_for_user(request, request.GET["round"], write=True)
    elif not request.user.has_perm("inspections.add_finding"):
        raise PermissionDenied
    form = FindingForm(
        request.POST or None, request.FILES or None, user=request.user, round_=round_
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = findings.record_finding(
                actor=request.user,
                round=round_,
                inspecting_body=data.get("inspecting_body"),
                org=data["org"],
                source=data["source"],
                sub_source=data["sub_source"],
                category=data["category"],
                severity=data["severity"],
                title=data["title"],
                description=data["description"],
                upward_channel=data.get("upward_channel", False),
                files=data["files"],
            )
        except ValidationError as error:
            form.add_error("files", error)
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "问题已登记。请继续登记责任人、交办整改任务;未落实的责任清单条目可在编辑中关联。"
                ),
            )
            return redirect("inspections:finding_detail", pk=finding.pk)
    return render(request, "inspections/finding_form.html", {"form": form, "round": round_})


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request, pk)
    user = request.user
    can_change = user.has_perm(CHANGE_FINDING, finding)
    context = {
        "finding": finding,
        "responsibilities": selectors.finding_responsibilities(finding),
        "tasks": selectors.finding_tasks(finding),
        "attachments": finding.attachments.all(),
        "evidence_form": EvidenceForm(prefix="evidence") if can_change else None,
        "can_change": can_change,
        "responsibility_form": ResponsibilityForm(finding=finding) if can_change else None,
        "task_form": TaskForm(finding=finding) if can_change else None,
        "transfer_form": (
            TransferForm(user=user) if can_change and not finding.is_case_lead_transferred else None
        ),
        "concealed_form": (
            ConcealedForm(prefix="concealed")
            if user.has_perm(CONCEALED_PERM, finding)
            and (finding.concealed or finding.source != Finding.Source.SELF_IDENTIFIED)
            else None
        ),
        "history": history_rows(finding),
    }
    return render(request, "inspections/finding_detail.html", context)


@login_required
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request, pk, write=True)
    form = FindingEditForm(request.POST or None, instance=copy.copy(finding))
    return edit_page(
        request,
        finding,
        form,
        findings.update_finding,
        saved=_("问题已保存。"),
        detail="inspections:finding_detail",
        template="inspections/edit_form.html",
    )


@login_required
@require_POST
def finding_add_responsibility(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request, pk, write=True)
    form = ResponsibilityForm(request.POST, finding=finding)
    if form.is_valid():
        findings.add_responsibility(finding, actor=request.user, **form.cleaned_data)
        finding.refresh_from_db()
        if finding.upward_channel:
            messages.warning(request, _("涉及同级党委班子成员,已转入向上报告通道,同级党委不可见。"))
        messages.success(request, _("责任人已登记。"))
    else:
        messages.error(request, _("请选择责任人和责任类型。"))
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_add_task(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request, pk, write=True)
    form = TaskForm(request.POST, finding=finding)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect("inspections:finding_detail", pk=finding.pk)
    try:
        task = tasks.create_task(actor=request.user, finding=finding, **form.cleaned_data)
    except TransitionRefused as error:
        report_refusal(request, error)
        return redirect("inspections:finding_detail", pk=finding.pk)
    messages.success(request, _("整改任务已交办。"))
    return redirect("inspections:task_detail", pk=task.pk)


@login_required
@require_POST
def finding_add_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request, pk, write=True)
    submit_form(
        request,
        EvidenceForm(request.POST, request.FILES, prefix="evidence"),
        lambda **data: findings.add_finding_evidence(finding, actor=request.user, **data),
        _("佐证材料已上传。"),
        invalid=_("请选择要上传的文件。"),
    )
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request, pk, write=True)
    submit_form(
        request,
        TransferForm(request.POST, user=request.user),
        lambda **data: findings.transfer_case_lead(finding, actor=request.user, **data),
        _("问题线索已移交。"),
    )
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_mark_concealed(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark (concealed=1) or withdraw (concealed=0) the verification that it was concealed."""
    finding = get_finding_for_user(request, pk)
    if not request.user.has_perm(CONCEALED_PERM, finding):
        raise PermissionDenied
    concealed = request.POST.get("concealed") == "1"
    submit_form(
        request,
        ConcealedForm(request.POST, prefix="concealed"),
        lambda **data: findings.mark_concealed(
            finding, actor=request.user, concealed=concealed, **data
        ),
        _("已认定为瞒报问题。") if concealed else _("已撤销瞒报认定。"),
        invalid=_("请填写认定理由。"),
    )
    return redirect("inspections:finding_detail", pk=finding.pk)
