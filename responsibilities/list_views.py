"""Responsibility lists (知责): index, detail, items, owners, 1+X issuing and the gap matrix."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from liangge_zeren.concurrency import EditConflict
from liangge_zeren.pages import paginate, report_refusal
from liangge_zeren.workflow import TransitionRefused
from responsibilities import copies, gap_matrix, lists, progress, selectors, study
from responsibilities.access import get_item_for_user, get_list_for_user, get_org_for_user
from responsibilities.context_processors import current_posts
from responsibilities.duty_forms import (
    IssueForm,
    ItemForm,
    ListForm,
    OwnersForm,
    PushForm,
    ReasonForm,
)
from responsibilities.history import history_rows
from responsibilities.models import Organization, ResponsibilityItem, ResponsibilityList
from responsibilities.scoped import Capability, sees_everything
from responsibilities.workflows import LIST_FLOW

PAGE_SIZE = 50
RL = ResponsibilityList


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


def _error(request, exc: ValidationError | TransitionRefused) -> None:
    report_refusal(request, exc)


@login_required
def list_index(request):
    year = _year(request)
    lists = (
        ResponsibilityList.objects.visible_to(request.user)
        .filter(year=year)
        .select_related("org", "subject_tenure__person", "template")
        .annotate(item_count=Count("items", filter=Q(items__is_active=True)))
        .order_by("org_path", "is_template", "subject_type", "pk")
    )
    flagged = request.GET.get("flagged") == "1"
    if flagged:
        lists = lists.filter(copy_flagged=True)
    page = Paginator(lists, PAGE_SIZE).get_page(request.GET.get("page"))
    _posts, current = current_posts(request)
    can_create = current is not None and request.user.has_perm(
        "responsibilities.change_responsibilitylist", current
    )
    context = {
        "page": page,
        "year": year,
        "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
        "flagged": flagged,
        "can_create": can_create,
        "current": current,
    }
    return render(request, "responsibilities/duty/list_index.html", context)


@login_required
def list_create(request):
    _posts, current = current_posts(request)
    if current is None or not request.user.has_perm(
        "responsibilities.change_responsibilitylist", current
    ):
        raise PermissionDenied
    org = current.org
    form = ListForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            duty_list = lists.create_list(org=org, actor=request.user, **form.cleaned_data)
        except (ValidationError, TransitionRefused) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("清单已创建,请添加条目。"))
            return redirect("duty_list_detail", pk=duty_list.pk)
    return render(request, "responsibilities/duty/list_form.html", {"form": form, "org": org})


@login_required
def list_detail(request, pk):
    duty_list = get_list_for_user(request, pk)
    items = selectors.list_items_with_progress(duty_list)
    can_change = request.user.has_perm("responsibilities.change_responsibilitylist", duty_list)
    context = {
        "list": duty_list,
        "items": items,
        "can_change": can_change and duty_list.is_editable,
        "list_actions": LIST_FLOW.allowed_actions(duty_list, request.user),
        "item_form": ItemForm(duty_list=duty_list)
        if can_change and duty_list.is_editable
        else None,
        "summary": progress.progress_summary(i.progress for i in items),
        "adoptions": (
            duty_list.adoptions.select_related("org").order_by("org_path")
            if duty_list.is_template
            else None
        ),
        "history": history_rows(duty_list),
        "crumbs": [*Organization.objects.ancestors_of(duty_list.org), duty_list.org],
    }
    return render(request, "responsibilities/duty/list_detail.html", context)


TRANSITIONS = {
    "issue": (lists.issue_list, "responsibilities.change_responsibilitylist"),
    "acknowledge": (lists.acknowledge_list, "responsibilities.acknowledge_responsibilitylist"),
    "in_force": (lists.put_in_force, "responsibilities.change_responsibilitylist"),
    "archive": (lists.archive_list, "responsibilities.change_responsibilitylist"),
    "refresh_copy": (copies.refresh_copy_detection, "responsibilities.change_responsibilitylist"),
}


@login_required
@require_POST
def list_transition(request, pk):
    action = request.POST.get("action", "")
    if action not in TRANSITIONS:
        raise PermissionDenied
    service, perm = TRANSITIONS[action]
    duty_list = get_list_for_user(request, pk, write=True, perm=perm)
    try:
        if action == "issue":
            by = selectors.post_for(request, duty_list.org_path, Capability.MANAGE)
            service(duty_list, actor=request.user, by=by)
        else:
            service(duty_list, actor=request.user)
    except (ValidationError, TransitionRefused) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("清单状态已更新。"))
    return redirect("duty_list_detail", pk=duty_list.pk)


@login_required
def template_issue(request, pk):
    template = get_list_for_user(request, pk, write=True)
    if not template.is_template:
        raise PermissionDenied
    form = IssueForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        by = selectors.post_for(request, template.org_path, Capability.MANAGE)
        try:
            adopted = lists.issue_template(
                template, form.cleaned_data["orgs"], actor=request.user, by=by
            )
        except (ValidationError, TransitionRefused) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已向 %(n)s 个单位下发模板。") % {"n": len(adopted)})
            return redirect("duty_list_detail", pk=template.pk)
    return render(
        request, "responsibilities/duty/template_issue.html", {"list": template, "form": form}
    )


@login_required
@require_POST
def item_create(request, pk):
    duty_list = get_list_for_user(request, pk, write=True)
    form = ItemForm(request.POST, duty_list=duty_list)
    if form.is_valid():
        try:
            item = lists.add_item(
                duty_list,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                **form.service_fields(),
            )
        except (ValidationError, TransitionRefused) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("条目已添加。"))
            return redirect("duty_item_detail", pk=item.pk)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}:{' '.join(errors)}" if label else " ".join(errors))
    return redirect("duty_list_detail", pk=duty_list.pk)


@login_required
def template_push(request, pk):
    template = get_list_for_user(request, pk, write=True)
    if not template.is_template:
        raise PermissionDenied
    form = PushForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pushed = lists.push_ad_hoc_item(template, actor=request.user, **form.cleaned_data)
        except (ValidationError, TransitionRefused) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已推送到 %(n)s 个单位的清单。") % {"n": len(pushed)})
            return redirect("duty_list_detail", pk=template.pk)
    return render(
        request, "responsibilities/duty/template_push.html", {"list": template, "form": form}
    )


def _item_context(request, item, **extra):
    can_change = (
        request.user.has_perm("responsibilities.change_responsibilityitem", item)
        and item.list.is_editable
    )
    context = {
        "item": item,
        "list": item.list,
        "can_change": can_change,
        "form": ItemForm(instance=item, duty_list=item.list) if can_change else None,
        "owners_form": OwnersForm(item=item) if can_change else None,
        "withdraw_form": ReasonForm() if can_change and item.is_active else None,
        "assignments": item.assignments.select_related("tenure__person").order_by("role"),
        **selectors.item_progress_and_logs(item, request.user),
        "history": history_rows(item),
        "crumbs": [*Organization.objects.ancestors_of(item.org), item.org],
        "materials": study.materials_of(item),
        "material_form": study.StudyMaterialForm() if study.may_edit(request.user, item) else None,
    }
    context.update(extra)
    return context


@login_required
def item_detail(request, pk):
    item = get_item_for_user(request, pk)
    return render(request, "responsibilities/duty/item_detail.html", _item_context(request, item))


@login_required
@require_POST
def item_edit(request, pk):
    item = get_item_for_user(request, pk, write=True)
    form = ItemForm(
        request.POST, instance=ResponsibilityItem.objects.get(pk=item.pk), duty_list=item.list
    )
    status = 400
    if form.is_valid():
        try:
            lists.update_item(
                item,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except EditConflict as conflict:
            form.show_conflict(conflict)  # keeps the input, lists the other person's changes
            item.refresh_from_db()
            status = 409
        except (ValidationError, TransitionRefused) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("条目已保存。"))
            return redirect("duty_item_detail", pk=item.pk)
    return render(
        request,
        "responsibilities/duty/item_detail.html",
        _item_context(request, item, form=form),
        status=status,
    )


@login_required
@require_POST
def item_material_add(request, pk):
    item = get_item_for_user(request, pk)
    if not study.may_edit(request.user, item):
        raise PermissionDenied
    form = study.StudyMaterialForm(request.POST)
    if form.is_valid():
        try:
            study.add_material(item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_refusal(request, exc)
        else:
            messages.success(request, _("学习材料已添加。"))
            return redirect("duty_item_detail", pk=item.pk)
    return render(
        request,
        "responsibilities/duty/item_detail.html",
        _item_context(request, item, material_form=form),
        status=400,
    )


@login_required
@require_POST
def item_material_remove(request, pk, material_pk):
    item = get_item_for_user(request, pk)
    if not study.may_edit(request.user, item):
        raise PermissionDenied
    material = study.materials_of(item).filter(pk=material_pk).first()
    if material is None:
        raise Http404
    study.remove_material(material, actor=request.user)
    messages.success(request, _("学习材料已移除。"))
    return redirect("duty_item_detail", pk=item.pk)


@login_required
@require_POST
def item_owners(request, pk):
    item = get_item_for_user(request, pk, write=True)
    form = OwnersForm(request.POST, item=item)
    if form.is_valid():
        lists.set_item_owners(
            item,
            actor=request.user,
            leads=form.cleaned_data["leads"],
            co_owners=form.cleaned_data["co_owners"],
        )
        messages.success(request, _("分工已保存。"))
    else:
        messages.error(request, _("分工未保存,请检查所选人员。"))
    return redirect("duty_item_detail", pk=item.pk)


@login_required
@require_POST
def item_withdraw(request, pk):
    item = get_item_for_user(request, pk, write=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            lists.withdraw_item(item, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, TransitionRefused) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("条目已撤销,记录保留在历史中。"))
    else:
        messages.error(request, _("撤销条目必须填写理由。"))
    return redirect("duty_item_detail", pk=item.pk)


# The figures of a unit's summary that open rows (labels as on the home page).
PROGRESS_STATES = {
    "green": gettext_lazy("正常"),
    "yellow": gettext_lazy("即将到期"),
    "red": gettext_lazy("逾期或滞后"),
}


@login_required
def unit_items(request, pk):
    """The items behind a figure of a unit's progress summary (issue 17.6: counts open rows)."""
    org = get_org_for_user(request, pk)
    if not request.user.has_perm("responsibilities.oversee_organization", org):
        raise PermissionDenied
    year = _year(request)
    state = request.GET.get("state", "red")
    if state not in PROGRESS_STATES:
        raise Http404(_("没有这种进度状态。"))
    rows = selectors.unit_items_in_state(org.pk, year, state)
    context = {
        "org": org,
        "year": year,
        "state": state,
        "state_label": PROGRESS_STATES[state],
        "states": PROGRESS_STATES,
        "page": paginate(request, rows),
        "total": len(rows),
        "crumbs": [*Organization.objects.ancestors_of(org), org],
    }
    return render(request, "responsibilities/duty/unit_items.html", context)


@login_required
def gap_matrix_view(request, pk):
    org = get_org_for_user(request, pk)
    if not request.user.has_perm("responsibilities.oversee_organization", org):
        raise PermissionDenied
    year = _year(request)
    matrix = gap_matrix.gap_matrix(org, year)
    context = {
        "org": org,
        "year": year,
        "matrix": matrix,
        "crumbs": [*Organization.objects.ancestors_of(org), org],
        "unrestricted": sees_everything(request.user),
    }
    return render(request, "responsibilities/duty/gap_matrix.html", context)
