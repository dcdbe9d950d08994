"""Duty logs (履责纪实): entry, review and lock, amendments, evidence, progress, method mix."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangge_zeren.concurrency import EditConflict
from liangge_zeren.uploads import serve_evidence
from responsibilities import duty_logs, evidence, method_mix, progress
from responsibilities.access import get_attachment_for_user, get_log_for_user, get_org_for_user
from responsibilities.context_processors import current_posts
from responsibilities.duty_forms import AmendForm, DutyLogForm, ReviewForm, UploadForm
from responsibilities.history import history_rows
from responsibilities.list_views import post_for
from responsibilities.models import DutyLog, Organization, ResponsibilityItem, ResponsibilityList
from responsibilities.rules import dutylog_review_q
from responsibilities.scoping import Capability, scope_q

PAGE_SIZE = 50


def my_items_with_progress(tenure, year=None) -> list[ResponsibilityItem]:
    """The tenure's items annotated with progress: one query."""
    year = year or timezone.localdate().year
    items = list(
        progress.with_progress(duty_logs.items_for_tenure(tenure).filter(list__year=year), year)
    )
    for item in items:
        item.progress = progress.progress_of(item)
    return items


@login_required
def log_index(request):
    tab = request.GET.get("tab", "mine")
    logs = DutyLog.objects.select_related("org", "tenure__person").prefetch_related("items")
    if tab == "review":
        logs = logs.filter(dutylog_review_q(request.user))
    elif tab == "scope":
        logs = logs.filter(scope_q(request.user, "responsibilities.view_dutylog"))
    else:
        tab = "mine"
        logs = logs.filter(
            scope_q(request.user, "responsibilities.view_dutylog"),
            tenure__person__user=request.user,
        )
    status = request.GET.get("status", "")
    if status in DutyLog.Status.values:
        logs = logs.filter(status=status)
    page = Paginator(logs.order_by("-occurred_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _posts, current = current_posts(request)
    context = {
        "page": page,
        "tab": tab,
        "status": status,
        "statuses": DutyLog.Status.choices,
        "current": current,
    }
    return render(request, "responsibilities/duty/log_index.html", context)


@login_required
def my_progress(request):
    _posts, current = current_posts(request)
    items = my_items_with_progress(current) if current else []
    year, quarter = method_mix.current_quarter()
    mix = []
    if current:
        mix = method_mix.method_mix(DutyLog.objects.filter(tenure=current), year, quarter)
    return render(
        request,
        "responsibilities/duty/my_progress.html",
        {
            "current": current,
            "items": items,
            "summary": progress.progress_summary(i.progress for i in items),
            "mix": mix[0] if mix else None,
        },
    )


def _render_form(request, form, tenure, status=200, log=None):
    template = (
        "responsibilities/duty/_log_form.html"
        if request.htmx
        else "responsibilities/duty/log_form.html"
    )
    if request.htmx:
        status = 200  # htmx 2 does not swap 4xx responses; the errors are in the form
    return render(request, template, {"form": form, "tenure": tenure, "log": log}, status=status)


@login_required
def log_create(request):
    _posts, tenure = current_posts(request)
    if tenure is None:
        raise PermissionDenied
    form = DutyLogForm(request.POST or None, request.FILES or None, tenure=tenure)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                log = duty_logs.create_log(
                    tenure=tenure, items=form.cleaned_data["items"], **form.service_fields()
                )
                if form.cleaned_data.get("evidence"):
                    evidence.add_attachment(log, form.cleaned_data["evidence"], user=request.user)
                if "save_draft" not in request.POST:
                    duty_logs.submit_log(log)
        except ValidationError as exc:
            _merge_errors(form, exc)
            return _render_form(request, form, tenure, status=400)
        cited = my_items_with_progress(tenure)
        cited_ids = {i.pk for i in form.cleaned_data["items"]}
        context = {
            "log": log,
            "cited": [i for i in cited if i.pk in cited_ids],
            "form": DutyLogForm(tenure=tenure),
            "tenure": tenure,
        }
        if request.htmx:
            return render(request, "responsibilities/duty/_log_saved.html", context)
        messages.success(request, _("履责纪实已保存。"))
        return redirect("duty_log_detail", pk=log.pk)
    status = 400 if request.method == "POST" else 200
    return _render_form(request, form, tenure, status=status)


def _merge_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def log_detail(request, pk):
    log = get_log_for_user(request, pk)
    user = request.user
    context = {
        "log": log,
        "items": log.items.select_related("list"),
        "attachments": log.attachments.filter(is_removed=False),
        "amendments": log.amendments.select_related("author"),
        "can_change": user.has_perm("responsibilities.change_dutylog", log),
        "can_review": user.has_perm("responsibilities.review_dutylog", log),
        "can_amend": user.has_perm("responsibilities.amend_dutylog", log),
        "review_form": ReviewForm(),
        "amend_form": AmendForm(),
        "upload_form": UploadForm(),
        "history": history_rows(log),
        "crumbs": [*Organization.objects.ancestors_of(log.org), log.org],
    }
    return render(request, "responsibilities/duty/log_detail.html", context)


@login_required
def log_edit(request, pk):
    log = get_log_for_user(request, pk, write=True)
    form = DutyLogForm(
        request.POST or None, instance=DutyLog.objects.get(pk=log.pk), tenure=log.tenure
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            duty_logs.update_log(
                log,
                items=form.cleaned_data["items"],
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
            if form.cleaned_data.get("evidence"):
                evidence.add_attachment(log, form.cleaned_data["evidence"], user=request.user)
        except EditConflict as conflict:
            form.show_conflict(conflict)  # keeps the input, lists the other person's changes
            status = 409
        except ValidationError as exc:
            _merge_errors(form, exc)
        else:
            messages.success(request, _("履责纪实已保存。"))
            return redirect("duty_log_detail", pk=log.pk)
    return render(
        request,
        "responsibilities/duty/log_form.html",
        {"form": form, "tenure": log.tenure, "log": log},
        status=status,
    )


@login_required
@require_POST
def log_submit(request, pk):
    log = get_log_for_user(request, pk, write=True)
    try:
        duty_logs.submit_log(log)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已提交审核。"))
    return redirect("duty_log_detail", pk=log.pk)


@login_required
@require_POST
def log_review(request, pk):
    log = get_log_for_user(request, pk, write=True, perm="responsibilities.review_dutylog")
    form = ReviewForm(request.POST)
    reviewer = post_for(request, log.org_path, Capability.MANAGE, Capability.SUPERVISE)
    if form.is_valid() and reviewer is not None:
        try:
            duty_logs.review_log(
                log,
                reviewer=reviewer,
                accept=form.cleaned_data["decision"] == "accept",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("审核结果已保存。"))
    else:
        messages.error(request, _("退回时必须填写审核意见。"))
    return redirect("duty_log_detail", pk=log.pk)


@login_required
@require_POST
def log_amend(request, pk):
    log = get_log_for_user(request, pk, write=True, perm="responsibilities.amend_dutylog")
    form = AmendForm(request.POST)
    if form.is_valid():
        duty_logs.amend_log(log, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("补正已追加。"))
    else:
        messages.error(request, _("请填写补正说明。"))
    return redirect("duty_log_detail", pk=log.pk)


@login_required
@require_POST
def attachment_upload(request, pk):
    log = get_log_for_user(request, pk, write=True)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence.add_attachment(log, form.cleaned_data["file"], user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("材料已上传。"))
    else:
        messages.error(request, _("请选择要上传的文件。"))
    return redirect("duty_log_detail", pk=log.pk)


@login_required
def attachment_download(request, pk):
    attachment = get_attachment_for_user(request, pk)
    return serve_evidence(request, attachment, evidence.attachment_path(attachment))


@login_required
@require_POST
def attachment_remove(request, pk):
    attachment = get_attachment_for_user(request, pk)
    log = get_log_for_user(request, attachment.log_id, write=True)
    try:
        evidence.remove_attachment(attachment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("材料已移除。"))
    return redirect("duty_log_detail", pk=log.pk)


@login_required
def method_mix_view(request, pk):
    org = get_org_for_user(request, pk)
    if not request.user.has_perm("responsibilities.oversee_organization", org):
        raise PermissionDenied
    year, quarter = method_mix.current_quarter()
    try:
        year = int(request.GET.get("year", year))
        quarter = min(4, max(1, int(request.GET.get("quarter", quarter))))
    except ValueError:
        pass
    people = method_mix.method_mix(DutyLog.objects.filter(org=org), year, quarter)
    units = method_mix.method_mix(
        DutyLog.objects.filter(org_path__startswith=org.path), year, quarter, by="org"
    )
    context = {
        "org": org,
        "year": year,
        "quarter": quarter,
        "people": people,
        "units": units,
        "quarters": [1, 2, 3, 4],
        "crumbs": [*Organization.objects.ancestors_of(org), org],
    }
    return render(request, "responsibilities/duty/method_mix.html", context)


def duty_home_context(request, current) -> dict:
    """Home-page block: my items' progress, the unit's summary and warnings (≤ 6 queries)."""
    if current is None:
        return {}
    user = request.user
    year, quarter = method_mix.current_quarter()
    items = my_items_with_progress(current, year)
    context = {
        "duty_items": items,
        "duty_summary": progress.progress_summary(i.progress for i in items),
        "duty_review_count": DutyLog.objects.filter(dutylog_review_q(user)).count(),
    }
    mine = method_mix.method_mix(DutyLog.objects.filter(tenure=current), year, quarter)
    warnings = [row for row in mine if row.warning]
    if user.has_perm("responsibilities.oversee_organization", current.org):
        unit_items = [
            progress.progress_of(item)
            for item in progress.with_progress(
                ResponsibilityItem.objects.filter(
                    org=current.org, list__year=year, is_active=True, list__is_template=False
                )
                .exclude(list__status__in=["draft", "archived"])
                .select_related("list"),
                year,
            )
        ]
        context["duty_unit_summary"] = progress.progress_summary(unit_items)
        units = method_mix.method_mix(
            DutyLog.objects.filter(org_path__startswith=current.org.path), year, quarter, by="org"
        )
        warnings += [row for row in units if row.warning]
        context["duty_flagged_lists"] = list(
            ResponsibilityList.objects.filter(
                org_path__startswith=current.org.path, year=year, copy_flagged=True
            ).select_related("org")[:20]
        )
    context["duty_mix_warnings"] = warnings
    return context
