"""Views: check access (access.py), call one service, render. Nothing else."""

from __future__ import annotations

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from inspections import exports, risk, services
from inspections.access import (
    get_attachment_for_user,
    get_finding_for_user,
    get_round_for_user,
    get_task_for_user,
)
from inspections.forms import (
    ClosureRequestForm,
    ConcealedForm,
    EvidenceForm,
    ExtensionDecisionForm,
    ExtensionForm,
    FeedbackForm,
    FindingEditForm,
    FindingForm,
    GiveFeedbackForm,
    LedgerFilterForm,
    NoteForm,
    ProgressForm,
    ReasonForm,
    ReportForm,
    ResponsibilityForm,
    ReviewForm,
    RiskProfileForm,
    RoundEditForm,
    RoundForm,
    TaskForm,
    TransferForm,
    supervised_orgs,
)
from inspections.models import (
    ExtensionRequest,
    FaceToFaceReview,
    Finding,
    FindingResponsibility,
    InspectionRound,
    RectificationReport,
    RectificationTask,
    RoundTarget,
)
from inspections.services import TransitionRefused
from liangge_zeren.concurrency import EditConflict
from responsibilities.history import history_rows
from responsibilities.models import Organization
from responsibilities.scoping import Capability, paths_q, scope_paths, scope_q

PAGE_SIZE = 50


def _refused(request, error) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, error.message)


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Rounds ---------------------------------------------------------------------------


@login_required
def round_list(request):
    rounds = (
        InspectionRound.objects.filter(scope_q(request.user, "inspections.view_inspectionround"))
        .select_related("issuing_body")
        .annotate(target_count=Count("round_targets", distinct=True))
        .order_by("-year", "-pk")
    )
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    if kind in InspectionRound.Kind.values:
        rounds = rounds.filter(kind=kind)
    if status in InspectionRound.Status.values:
        rounds = rounds.filter(status=status)
    page = _page(request, rounds)
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
def round_create(request):
    if not request.user.has_perm("inspections.add_inspectionround"):
        raise PermissionDenied
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.create_round(
                user=request.user,
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


def _round_context(request, round_: InspectionRound) -> dict:
    user = request.user
    can_change = user.has_perm("inspections.change_inspectionround", round_)
    targets = list(round_.round_targets.select_related("org", "target_body"))
    reports = list(
        round_.reports.select_related("target__org", "submitted_by").prefetch_related("attachments")
    )
    for report in reports:
        report.can_submit = report.submitted_at is None and user.has_perm(
            "inspections.submit_rectificationreport", report
        )
        report.form = ReportForm(prefix=f"report{report.pk}") if report.can_submit else None
    reviews = list(
        round_.reviews.select_related("target__org").prefetch_related(
            "acknowledgements__tenure__person"
        )
    )
    for review in reviews:
        acked = {a.tenure.person.user_id for a in review.acknowledgements.all()}
        review.can_ack = (
            user.pk not in acked
            and services.target_leader_tenures(user, review.target.org).exists()
        )
    findings = (
        Finding.objects.filter(scope_q(user, "inspections.view_finding"), round=round_)
        .select_related("org")
        .annotate(task_count=Count("tasks"))
        .order_by("number")
    )
    allowed_actions = [
        (action, services.ROUND_ACTION_LABELS[action])
        for action, (sources, _to) in services.ROUND_TRANSITIONS.items()
        if round_.status in sources
    ]
    return {
        "round": round_,
        "targets": targets,
        "reports": reports,
        "reviews": reviews,
        "feedbacks": round_.feedbacks.select_related("target__org").prefetch_related("attachments"),
        "findings": findings,
        "transitions": round_.transitions.select_related("actor"),
        "can_change": can_change,
        "allowed_actions": allowed_actions if can_change else [],
        "give_feedback_form": GiveFeedbackForm() if can_change else None,
        "feedback_form": FeedbackForm(round_=round_) if can_change else None,
        "review_form": ReviewForm(round_=round_) if can_change else None,
        "can_add_finding": can_change and round_.status != InspectionRound.Status.CLOSED,
        "can_revisit": can_change
        and round_.status
        in {
            InspectionRound.Status.REPORT_SUBMITTED,
            InspectionRound.Status.EVALUATED,
            InspectionRound.Status.CLOSED,
        },
        "history": history_rows(round_),
    }


@login_required
def round_detail(request, pk):
    round_ = get_round_for_user(request, pk)
    return render(request, "inspections/round_detail.html", _round_context(request, round_))


def _edit_page(request, obj, form, update, saved: str, detail: str):
    """An edit page: save through `update(obj, user, **cleaned_data)`; a conflict (409) keeps
    the input and lists the other person's changes, a refusal becomes a form error."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            update(obj, request.user, **form.cleaned_data)
        except EditConflict as conflict:
            form.show_conflict(conflict)
            status = 409
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, saved)
            return redirect(detail, pk=obj.pk)
    return render(
        request, "inspections/edit_form.html", {"form": form, "object": obj}, status=status
    )


@login_required
def round_edit(request, pk):
    round_ = get_round_for_user(request, pk, write=True)
    # The form validates into its own copy: the page heading keeps the stored values.
    form = RoundEditForm(request.POST or None, instance=copy.copy(round_), user=request.user)
    return _edit_page(
        request,
        round_,
        form,
        services.update_round,
        _("检查轮次已保存。"),
        "inspections:round_detail",
    )


@login_required
@require_POST
def round_transition(request, pk):
    round_ = get_round_for_user(request, pk, write=True)
    action = request.POST.get("action", "")
    try:
        if action == "give_feedback":
            form = GiveFeedbackForm(request.POST)
            if not form.is_valid():
                raise TransitionRefused(_("请填写反馈日期。"))
            services.give_feedback(round_, request.user, **form.cleaned_data)
        elif action == "disclose":
            services.disclose_round(round_, request.user)
        elif action == "revisit":
            revisit = services.start_revisit(
                round_,
                request.user,
                title=_("%(title)s(回头看)") % {"title": round_.title},
                year=timezone.localdate().year,
            )
            messages.success(request, _("已创建回头看轮次。"))
            return redirect("inspections:round_detail", pk=revisit.pk)
        elif action in services.ROUND_ACTIONS:
            services.ROUND_ACTIONS[action](round_, request.user)
        else:
            raise Http404
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("状态已更新。"))
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def feedback_add(request, pk):
    round_ = get_round_for_user(request, pk, write=True)
    form = FeedbackForm(request.POST, request.FILES, round_=round_)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_feedback(
                round_,
                request.user,
                target=data["target"],
                audience=data["audience"],
                date=data["date"],
                content=data["content"],
                files=data["files"],
            )
        except (TransitionRefused, ValidationError) as error:
            _refused(request, error)
        else:
            messages.success(request, _("反馈已登记。"))
    else:
        messages.error(request, _("反馈信息不完整,请检查后重试。"))
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def review_add(request, pk):
    round_ = get_round_for_user(request, pk, write=True)
    form = ReviewForm(request.POST, round_=round_)
    if form.is_valid():
        try:
            services.record_face_to_face_review(round_, request.user, **form.cleaned_data)
        except TransitionRefused as error:
            _refused(request, error)
        else:
            messages.success(request, _("面对面讲评已登记。"))
    else:
        messages.error(request, _("讲评信息不完整,请检查后重试。"))
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def review_acknowledge(request, pk, review_pk):
    round_ = get_round_for_user(request, pk)
    review = FaceToFaceReview.objects.filter(round=round_, pk=review_pk).first()
    if review is None:
        raise Http404
    try:
        services.acknowledge_review(review, request.user, comment=request.POST.get("comment", ""))
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("已确认讲评意见。"))
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
@require_POST
def report_submit(request, pk, report_pk):
    round_ = get_round_for_user(request, pk)
    report = RectificationReport.objects.filter(round=round_, pk=report_pk).first()
    if report is None:
        raise Http404
    if not request.user.has_perm("inspections.submit_rectificationreport", report):
        raise PermissionDenied
    form = ReportForm(request.POST, request.FILES, prefix=f"report{report.pk}")
    if form.is_valid():
        try:
            services.submit_rectification_report(
                report,
                request.user,
                content=form.cleaned_data["content"],
                files=form.cleaned_data["files"],
            )
        except (TransitionRefused, ValidationError) as error:
            _refused(request, error)
        else:
            messages.success(request, _("整改报告已报送。"))
    else:
        messages.error(request, _("请填写报告内容。"))
    return redirect("inspections:round_detail", pk=round_.pk)


@login_required
def report_docx(request, pk, target_pk):
    round_ = get_round_for_user(request, pk)
    target = RoundTarget.objects.filter(round=round_, pk=target_pk).select_related("org").first()
    if target is None:
        raise Http404
    findings = (
        Finding.objects.filter(
            scope_q(request.user, "inspections.view_finding"),
            round=round_,
            org_path__startswith=target.org_path,
        )
        .select_related("org")
        .prefetch_related(
            Prefetch(
                "tasks", queryset=RectificationTask.objects.select_related("owner_tenure__person")
            )
        )
        .order_by("number")
    )
    content = exports.rectification_report_docx(round_, target, list(findings))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = f"rectification-report-{round_.pk}-{target.org.code}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Findings -------------------------------------------------------------------------


@login_required
def finding_create(request):
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
            finding = services.record_finding(
                user=request.user,
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
        except (TransitionRefused, ValidationError) as error:
            if isinstance(error, ValidationError):
                form.add_error("files", error)
            else:
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
def finding_detail(request, pk):
    finding = get_finding_for_user(request, pk)
    can_change = request.user.has_perm("inspections.change_finding", finding)
    tasks = finding.tasks.select_related("owner_tenure__person", "org")
    context = {
        "finding": finding,
        "responsibilities": finding.responsibilities.select_related(
            "tenure__person", "tenure__org"
        ),
        "tasks": tasks,
        "attachments": finding.attachments.all(),
        "evidence_form": EvidenceForm(prefix="evidence") if can_change else None,
        "can_change": can_change,
        "responsibility_form": ResponsibilityForm(finding=finding) if can_change else None,
        "task_form": TaskForm(finding=finding) if can_change else None,
        "transfer_form": (
            TransferForm(user=request.user)
            if can_change and not finding.is_case_lead_transferred
            else None
        ),
        "concealed_form": (
            ConcealedForm(prefix="concealed")
            if request.user.has_perm(CONCEALED_PERM, finding)
            and (finding.concealed or finding.source != Finding.Source.SELF_IDENTIFIED)
            else None
        ),
        "history": history_rows(finding),
    }
    return render(request, "inspections/finding_detail.html", context)


@login_required
def finding_edit(request, pk):
    finding = get_finding_for_user(request, pk, write=True)
    form = FindingEditForm(request.POST or None, instance=copy.copy(finding))
    return _edit_page(
        request,
        finding,
        form,
        services.update_finding,
        _("问题已保存。"),
        "inspections:finding_detail",
    )


@login_required
@require_POST
def finding_add_responsibility(request, pk):
    finding = get_finding_for_user(request, pk, write=True)
    form = ResponsibilityForm(request.POST, finding=finding)
    if form.is_valid():
        services.add_responsibility(finding, request.user, **form.cleaned_data)
        finding.refresh_from_db()
        if finding.upward_channel:
            messages.warning(request, _("涉及同级党委班子成员,已转入向上报告通道,同级党委不可见。"))
        messages.success(request, _("责任人已登记。"))
    else:
        messages.error(request, _("请选择责任人和责任类型。"))
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_add_task(request, pk):
    finding = get_finding_for_user(request, pk, write=True)
    form = TaskForm(request.POST, finding=finding)
    if form.is_valid():
        try:
            task = services.create_task(user=request.user, finding=finding, **form.cleaned_data)
        except TransitionRefused as error:
            _refused(request, error)
        else:
            messages.success(request, _("整改任务已交办。"))
            return redirect("inspections:task_detail", pk=task.pk)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_add_evidence(request, pk):
    finding = get_finding_for_user(request, pk, write=True)
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
    try:
        if not form.is_valid():
            raise TransitionRefused(_("请选择要上传的文件。"))
        services.add_finding_evidence(finding, request.user, **form.cleaned_data)
    except (TransitionRefused, ValidationError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("佐证材料已上传。"))
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_transfer(request, pk):
    finding = get_finding_for_user(request, pk, write=True)
    form = TransferForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.transfer_case_lead(finding, request.user, **form.cleaned_data)
        except TransitionRefused as error:
            _refused(request, error)
        else:
            messages.success(request, _("问题线索已移交。"))
    return redirect("inspections:finding_detail", pk=finding.pk)


CONCEALED_PERM = "inspections.mark_concealed_finding"


@login_required
@require_POST
def finding_mark_concealed(request, pk):
    """Mark (concealed=1) or withdraw (concealed=0) the verification that it was concealed."""
    finding = get_finding_for_user(request, pk)
    if not request.user.has_perm(CONCEALED_PERM, finding):
        raise PermissionDenied
    form = ConcealedForm(request.POST, prefix="concealed")
    if not form.is_valid():
        messages.error(request, _("请填写认定理由。"))
        return redirect("inspections:finding_detail", pk=finding.pk)
    concealed = request.POST.get("concealed") == "1"
    try:
        services.mark_concealed(
            finding, request.user, concealed=concealed, reason=form.cleaned_data["reason"]
        )
    except TransitionRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("已认定为瞒报问题。") if concealed else _("已撤销瞒报认定。"))
    return redirect("inspections:finding_detail", pk=finding.pk)


# --- Rectification tasks --------------------------------------------------------------


@login_required
def task_detail(request, pk):
    task = get_task_for_user(request, pk)
    user = request.user
    can_rectify = user.has_perm("inspections.rectify_rectificationtask", task)
    can_verify = user.has_perm("inspections.verify_rectificationtask", task)
    S = RectificationTask.Status
    pending = task.extension_requests.filter(status=ExtensionRequest.Status.PENDING).first()
    open_for_target = task.status in {S.ASSIGNED, S.IN_PROGRESS, S.RETURNED}
    context = {
        "task": task,
        "finding": task.finding,
        "updates": task.updates.select_related("author__person").prefetch_related("attachments"),
        "transitions": task.transitions.select_related("actor__person"),
        "extensions": task.extension_requests.select_related("requested_by", "decided_by"),
        "pending_extension": pending,
        "can_rectify": can_rectify,
        "can_verify": can_verify,
        "progress_form": ProgressForm(prefix="progress")
        if can_rectify and open_for_target
        else None,
        "start_allowed": can_rectify and task.status in {S.ASSIGNED, S.RETURNED},
        "closure_form": (
            ClosureRequestForm(prefix="closure")
            if can_rectify and task.status in {S.IN_PROGRESS, S.RETURNED}
            else None
        ),
        "extension_form": (
            ExtensionForm(prefix="extension")
            if can_rectify and open_for_target and pending is None
            else None
        ),
        "decision_form": ExtensionDecisionForm(prefix="decision")
        if can_verify and pending
        else None,
        "return_form": ReasonForm(prefix="return")
        if can_verify and task.status == S.SUBMITTED
        else None,
        "recheck_form": (
            NoteForm(prefix="recheck")
            if can_verify and task.status == S.SUBMITTED and task.is_long_term
            else None
        ),
        "close_form": (
            NoteForm(prefix="close")
            if can_verify
            and task.status == S.SUBMITTED
            and (not task.is_long_term or task.rechecked_at)
            else None
        ),
        "reopen_form": ReasonForm(prefix="reopen")
        if can_verify and task.status == S.CLOSED
        else None,
        "history": history_rows(task),
    }
    return render(request, "inspections/task_detail.html", context)


TASK_ACTION_MESSAGES = {
    "start": gettext_lazy("已开始整改。"),
    "progress": gettext_lazy("整改进展已报送。"),
    "submit": gettext_lazy("销号申请已提交,等待检查方验收。"),
    "request_extension": gettext_lazy("延期申请已提交,等待审批。"),
    "return": gettext_lazy("已退回,整改单位将看到退回理由。"),
    "recheck": gettext_lazy("复查已登记。"),
    "close": gettext_lazy("已验收销号。"),
    "reopen": gettext_lazy("任务已重新打开。"),
    "decide_extension": gettext_lazy("延期申请已审批。"),
}


@login_required
@require_POST
def task_action(request, pk, action):
    verify_actions = {"return", "recheck", "close", "reopen", "decide_extension"}
    rectify_actions = {"start", "progress", "submit", "request_extension"}
    if action not in verify_actions | rectify_actions:
        raise Http404
    task = get_task_for_user(request, pk, verify=action in verify_actions, write=True)
    user = request.user
    try:
        if action == "start":
            services.start_task(task, user)
        elif action == "progress":
            form = ProgressForm(request.POST, request.FILES, prefix="progress")
            _require(form)
            services.add_progress(task, user, **form.cleaned_data)
        elif action == "submit":
            form = ClosureRequestForm(request.POST, request.FILES, prefix="closure")
            _require(form)
            services.submit_for_closure(task, user, **form.cleaned_data)
        elif action == "request_extension":
            form = ExtensionForm(request.POST, prefix="extension")
            _require(form)
            services.request_extension(task, user, **form.cleaned_data)
        elif action == "return":
            form = ReasonForm(request.POST, prefix="return")
            _require(form)
            services.return_task(task, user, **form.cleaned_data)
        elif action == "recheck":
            form = NoteForm(request.POST, prefix="recheck")
            _require(form)
            services.record_recheck(task, user, **form.cleaned_data)
        elif action == "close":
            form = NoteForm(request.POST, prefix="close")
            _require(form)
            services.verify_and_close(task, user, **form.cleaned_data)
        elif action == "reopen":
            form = ReasonForm(request.POST, prefix="reopen")
            _require(form)
            services.reopen_task(task, user, **form.cleaned_data)
        elif action == "decide_extension":
            form = ExtensionDecisionForm(request.POST, prefix="decision")
            _require(form)
            pending = task.extension_requests.filter(status=ExtensionRequest.Status.PENDING).first()
            if pending is None:
                raise TransitionRefused(_("没有待审批的延期申请。"))
            services.decide_extension(pending, user, **form.cleaned_data)
    except (TransitionRefused, ValidationError) as error:
        _refused(request, error)
    else:
        messages.success(request, TASK_ACTION_MESSAGES[action])
    return redirect("inspections:task_detail", pk=task.pk)


def _require(form) -> None:
    if not form.is_valid():
        raise ValidationError(
            [error for errors in form.errors.values() for error in errors]
            or [_("请检查填写内容。")]
        )


# --- Ledger (问题台账) and export ------------------------------------------------------


def _ledger_queryset(request):
    user = request.user
    view_roots = scope_paths(user, Capability.VIEW)
    if user.is_superuser:
        orgs = Organization.objects.filter(depth__lte=3)
    else:
        orgs = Organization.objects.filter(paths_q(view_roots, "path"))
        if view_roots:  # a bounded picker: own level and two below
            orgs = orgs.filter(depth__lte=min(len(p) for p in view_roots) // 5 + 2)
    orgs = orgs.order_by("path")
    # Rounds of the last few years (a ModelChoiceField cannot take a sliced queryset).
    rounds = InspectionRound.objects.filter(
        scope_q(user, "inspections.view_inspectionround"),
        year__gte=timezone.localdate().year - 4,
    ).order_by("-year", "-pk")
    form = LedgerFilterForm(request.GET or None, orgs=orgs, rounds=rounds)
    findings = Finding.objects.filter(scope_q(user, "inspections.view_finding"))
    if form.is_valid():
        data = form.cleaned_data
        if data["org"]:
            findings = findings.filter(org_path__startswith=data["org"].path)
        if data["round"]:
            findings = findings.filter(round=data["round"])
        for name in ("status", "source", "category", "severity"):
            if data[name]:
                findings = findings.filter(**{name: data[name]})
        if data["year"]:
            findings = findings.filter(created_at__year=data["year"])
        if data["q"]:
            q = data["q"]
            findings = findings.filter(
                Q(title__contains=q) | Q(description__contains=q) | Q(number__iexact=q)
            )
        light = data["light"]
        if light:
            today = timezone.localdate()
            lit = {
                "red": RectificationTask.objects.red(today),
                "yellow": RectificationTask.objects.yellow(today),
                "green": RectificationTask.objects.green(today),
            }[light].filter(finding=OuterRef("pk"))
            findings = findings.filter(Exists(lit))
    findings = (
        findings.select_related("org", "round", "inspecting_body")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=RectificationTask.objects.select_related("owner_tenure__person", "org"),
            ),
            Prefetch(
                "responsibilities",
                queryset=FindingResponsibility.objects.select_related("tenure__person"),
            ),
        )
        .order_by("-created_at", "-pk")
    )
    return form, findings


@login_required
def ledger(request):
    form, findings = _ledger_queryset(request)
    page = _page(request, findings)
    query = request.GET.copy()
    query.pop("page", None)
    template = "inspections/_ledger_results.html" if request.htmx else "inspections/ledger.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "extra_query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@login_required
def ledger_export(request):
    _form, findings = _ledger_queryset(request)
    content = exports.ledger_xlsx(findings)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="issue-ledger-{stamp}.xlsx"'
    return response


# --- Risk-based targeting -------------------------------------------------------------


@login_required
def risk_ranking(request):
    user = request.user
    roots = scope_paths(user, Capability.SUPERVISE)
    if not roots and not user.is_superuser:
        raise Http404
    planning_orgs = supervised_orgs(user)
    parent = None
    if request.GET.get("org"):
        parent = planning_orgs.filter(pk=request.GET["org"]).first()
        if parent is None:
            raise Http404
    parent = parent or planning_orgs.first()
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    weights = risk.weights_from(request.GET)
    rows = risk.ranking(parent, year, weights, user=user) if parent else []
    children = Organization.objects.filter(parent=parent).order_by("path") if parent else []
    profile_form = RiskProfileForm(request.POST or None, orgs=children, initial={"year": year})
    if request.method == "POST":
        if not user.has_perm("inspections.change_riskprofile", parent):
            raise PermissionDenied
        if profile_form.is_valid():
            data = dict(profile_form.cleaned_data)
            services.save_risk_profile(user=user, **data)
            messages.success(request, _("风险画像已保存。"))
            return redirect(f"{request.path}?{request.GET.urlencode()}")
    return render(
        request,
        "inspections/risk.html",
        {
            "planning_orgs": planning_orgs,
            "parent": parent,
            "year": year,
            "weights": weights,
            "factors": risk.FACTORS,
            "rows": rows,
            "profile_form": profile_form,
        },
    )


# --- Evidence files -------------------------------------------------------------------


@login_required
def attachment_download(request, pk):
    attachment = get_attachment_for_user(request, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
