"""Duty logs (履责纪实): entry, review and lock, amendments, evidence, progress, method mix."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangge_zeren.concurrency import EditConflict
from liangge_zeren.pages import attempt, report_refusal
from liangge_zeren.uploads import serve_evidence
from liangge_zeren.workflow import TransitionRefused
from responsibilities import duty_logs, evidence, method_mix, selectors
from responsibilities.access import get_attachment_for_user, get_log_for_user, get_org_for_user
from responsibilities.context_processors import current_posts
from responsibilities.duty_forms import AmendForm, DutyLogForm, ReviewForm, UploadForm
from responsibilities.history import history_rows
from responsibilities.models import DutyLog, Organization
from responsibilities.scoped import Capability
from responsibilities.workflows import LOG_FLOW

PAGE_SIZE = 50


@login_required
def log_index(request):
    tab = request.GET.get("tab", "mine")
    logs = DutyLog.objects.select_related("org", "tenure__person").prefetch_related("items")
    if tab == "review":
        # The same queue "下一条待审" walks (one definition, in selectors).
        logs = (
            selectors.review_queue(request.user)
            .select_related("org", "tenure__person")
            .prefetch_related("items")
        )
    elif tab == "scope":
        logs = logs.visible_to(request.user)
    else:
        tab = "mine"
        logs = logs.visible_to(request.user).filter(tenure__person__user=request.user)
    status = request.GET.get("status", "")
    if status in DutyLog.Status.values:
        logs = logs.filter(status=status)
    # The filters a figure links with (a panel's "本季度纪实条数"): honoured, or said why not.
    logs, filter_problems = selectors.filter_logs(logs, request.GET)
    filtered = any(request.GET.get(k) for k in ("tenure", "from", "to", "counted"))
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
        "filtered": filtered,
        "filter_problems": filter_problems,
    }
    return render(
        request,
        "responsibilities/duty/log_index.html",
        context,
        status=400 if filter_problems else 200,
    )


@login_required
def my_progress(request):
    _posts, current = current_posts(request)
    return render(
        request,
        "responsibilities/duty/my_progress.html",
        selectors.my_progress_context(current, request.GET.get("state", "")),
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
    # 记一笔: a fresh form starts with today, the last method used and this quarter's open items.
    initial = selectors.quick_log_initial(tenure) if request.method != "POST" else None
    form = DutyLogForm(request.POST or None, request.FILES or None, tenure=tenure, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            log = duty_logs.create_log(
                actor=request.user,
                tenure=tenure,
                items=form.cleaned_data["items"],
                upload=form.cleaned_data.get("evidence") or None,
                submit="save_draft" not in request.POST,
                **form.service_fields(),
            )
        except (ValidationError, TransitionRefused) as exc:
            _merge_errors(form, exc)
            return _render_form(request, form, tenure, status=400)
        context = {
            "log": log,
            "mismatched": duty_logs.method_mismatches(log, form.cleaned_data["items"]),
            "cited": selectors.cited_items(tenure, {i.pk for i in form.cleaned_data["items"]}),
            "form": DutyLogForm(tenure=tenure, initial=selectors.quick_log_initial(tenure)),
            "tenure": tenure,
        }
        if request.htmx:
            return render(request, "responsibilities/duty/_log_saved.html", context)
        messages.success(request, _("履责纪实已保存。"))
        if context["mismatched"]:
            messages.warning(request, _("本纪实的履责方式与所关联条目规定的方式不同,请核对。"))
        return redirect("duty_log_detail", pk=log.pk)
    status = 400 if request.method == "POST" else 200
    return _render_form(request, form, tenure, status=status)


def _merge_errors(form, exc: ValidationError | TransitionRefused) -> None:
    if isinstance(exc, TransitionRefused):
        form.add_error(None, exc.message)
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _detail_context(request, log, review_form=None) -> dict:
    actions = LOG_FLOW.allowed_actions(log, request.user)
    can_review = "accept" in actions
    items = list(log.items.select_related("list"))
    return {
        "log": log,
        "items": items,
        "mismatched": duty_logs.method_mismatches(log, items),
        "attachments": log.attachments.filter(is_removed=False),
        "amendments": log.amendments.select_related("author"),
        "can_change": "edit" in actions,
        # Evidence may follow a submitted log until it is reviewed (a photo from the phone).
        "can_upload": "upload" in actions,
        "can_review": can_review,
        "can_amend": "amend" in actions,
        "review_form": review_form or ReviewForm(),
        # Review without detours (issue 17.4): the next log waiting for me, and the queue.
        "next_to_review": selectors.next_to_review(request.user, log) if can_review else None,
        "amend_form": AmendForm(),
        "upload_form": UploadForm(),
        "camera_form": UploadForm(camera=True, auto_id="id_camera_%s"),
        "history": history_rows(log),
        "crumbs": [*Organization.objects.ancestors_of(log.org), log.org],
    }


@login_required
def log_detail(request, pk):
    log = get_log_for_user(request, pk)
    return render(request, "responsibilities/duty/log_detail.html", _detail_context(request, log))


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
                actor=request.user,
                items=form.cleaned_data["items"],
                version=form.cleaned_data["version"],
                upload=form.cleaned_data.get("evidence") or None,
                **form.service_fields(),
            )
        except EditConflict as conflict:
            form.show_conflict(conflict)  # keeps the input, lists the other person's changes
            status = 409
        except (ValidationError, TransitionRefused) as exc:
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
        duty_logs.submit_log(log, actor=request.user)
    except (ValidationError, TransitionRefused) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("已提交审核。"))
    return redirect("duty_log_detail", pk=log.pk)


@login_required
@require_POST
def log_review(request, pk):
    log = get_log_for_user(request, pk, write=True, perm="responsibilities.review_dutylog")
    form = ReviewForm(request.POST)
    reviewer = selectors.post_for(request, log.org_path, Capability.MANAGE, Capability.SUPERVISE)
    if reviewer is None:
        messages.error(request, _("您没有可以审核该纪实的在任职务。"))
        return redirect("duty_log_detail", pk=log.pk)
    if not form.is_valid():
        # Keep the chosen decision and the comment; say what is missing beside the field.
        context = _detail_context(request, log, review_form=form)
        return render(request, "responsibilities/duty/log_detail.html", context, status=400)
    try:
        duty_logs.review_log(
            log,
            actor=request.user,
            reviewer=reviewer,
            accept=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["comment"],
        )
    except (ValidationError, TransitionRefused) as exc:
        report_refusal(request, exc)
        return redirect("duty_log_detail", pk=log.pk)
    next_log = selectors.next_to_review(request.user, log)
    if next_log is None:
        messages.success(request, _("审核结果已保存。待审队列已全部处理。"))
        return redirect(f"{reverse('duty_log_index')}?tab=review")
    messages.success(request, _("审核结果已保存，已转到下一条待审纪实。"))
    return redirect("duty_log_detail", pk=next_log.pk)


@login_required
@require_POST
def log_amend(request, pk):
    log = get_log_for_user(request, pk, write=True, perm="responsibilities.amend_dutylog")
    form = AmendForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: duty_logs.amend_log(log, actor=request.user, text=form.cleaned_data["text"]),
            _("补正已追加。"),
        )
    else:
        messages.error(request, _("请填写补正说明。"))
    return redirect("duty_log_detail", pk=log.pk)


@login_required
@require_POST
def attachment_upload(request, pk):
    log = get_log_for_user(request, pk, write=True, perm="responsibilities.upload_dutylog")
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        attempt(
            request,
            lambda: evidence.add_attachment(log, form.cleaned_data["file"], actor=request.user),
            _("材料已上传。"),
        )
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
    attempt(
        request,
        lambda: evidence.remove_attachment(attachment, actor=request.user),
        _("材料已移除。"),
    )
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
        "rule": method_mix.warning_rule(),
        "crumbs": [*Organization.objects.ancestors_of(org), org],
    }
    return render(request, "responsibilities/duty/method_mix.html", context)
