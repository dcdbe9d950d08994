"""Appointments, removals, transfers, 换届 and the cadre-system import in the browser (issue 16).

Who: the system administrator (whole tree) and the 组织部 post (its unit's subtree), one
permission (rules.APPOINT); out of scope → 404. Views check, call a service, render.
"""

import base64
import binascii
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liangge_zeren.pages import paginate
from responsibilities import appointment_import, appointments
from responsibilities.access import (
    get_body_for_appointing,
    get_org_for_appointing,
    get_tenure_for_appointing,
)
from responsibilities.appointment_forms import (
    AppointForm,
    AppointmentImportForm,
    ReshuffleForm,
    TransferForm,
    bodies_of,
    merge_errors,
)
from responsibilities.forms import EndTenureForm
from responsibilities.models import Organization, Tenure
from responsibilities.rules import APPOINT


def _require_appointer(request) -> None:
    if not request.user.has_perm(APPOINT):
        raise PermissionDenied


@login_required
@require_GET
def appointment_index(request):
    _require_appointer(request)
    orgs = Organization.objects.visible_to(request.user, APPOINT).filter(is_active=True)
    query = request.GET.get("q", "").strip()
    if query:
        orgs = orgs.filter(Q(name__contains=query) | Q(code__iexact=query))
    page = paginate(request, orgs.order_by("path"))
    return render(
        request, "responsibilities/appointments/index.html", {"page": page, "query": query}
    )


def _org_context(org: Organization, form) -> dict:
    tenures = (
        Tenure.objects.current()
        .filter(org=org)
        .select_related("person", "body")
        .prefetch_related("portfolios")
        .order_by("body__kind", "role", "start_date", "pk")
    )
    return {
        "org": org,
        "form": form,
        "tenures": tenures,
        "bodies": bodies_of(org).filter(org=org),
    }


@login_required
@require_http_methods(["GET", "POST"])
def appointment_org(request, pk):
    org = get_org_for_appointing(request, pk)
    form = AppointForm(request.POST or None, org=org)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                tenure = appointments.record_appointment(
                    actor=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                merge_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已任命 %(name)s 为%(body)s%(role)s。")
                    % {
                        "name": tenure.person.name,
                        "body": tenure.body.name,
                        "role": tenure.get_role_display(),
                    },
                )
                return redirect("appointment_org", pk=org.pk)
        status = 400
    return render(
        request, "responsibilities/appointments/org.html", _org_context(org, form), status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_remove(request, pk):
    tenure = get_tenure_for_appointing(request, pk)
    form = EndTenureForm(request.POST or None, tenure=tenure)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appointments.record_removal(
                    tenure,
                    end_date=form.cleaned_data["end_date"],
                    reason=form.cleaned_data["end_reason"] or _("免职"),
                    actor=request.user,
                )
            except ValidationError as exc:
                merge_errors(form, exc)
            else:
                messages.success(
                    request, _("已免去 %(name)s 的该职务。") % {"name": tenure.person.name}
                )
                return redirect("appointment_org", pk=tenure.org_id)
        status = 400
    return render(
        request,
        "responsibilities/appointments/tenure_form.html",
        {"tenure": tenure, "form": form, "heading": _("免职"), "button": _("确认免职")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_transfer(request, pk):
    tenure = get_tenure_for_appointing(request, pk)
    form = TransferForm(request.POST or None, tenure=tenure, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new = appointments.record_transfer(
                    tenure, actor=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                merge_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已将 %(name)s 调任%(body)s%(role)s。")
                    % {
                        "name": new.person.name,
                        "body": new.body.name,
                        "role": new.get_role_display(),
                    },
                )
                return redirect("appointment_org", pk=new.org_id)
        status = 400
    return render(
        request,
        "responsibilities/appointments/tenure_form.html",
        {"tenure": tenure, "form": form, "heading": _("调任"), "button": _("确认调任")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reshuffle(request, pk):
    """换届: the form, then its preview (nothing written), then the confirmed change."""
    body = get_body_for_appointing(request, pk)
    form = ReshuffleForm(request.POST or None)
    context = {"body": body, "form": form, "plan": None, "done": None}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "responsibilities/appointments/reshuffle.html", context, status=400
            )
        data = form.cleaned_data
        if request.POST.get("action") == "confirm":
            try:
                done = appointments.apply_reshuffle(
                    body,
                    effective=data["effective"],
                    team_text=data["team"],
                    reason=data["reason"],
                    fingerprint=data["fingerprint"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
                status = 400
            else:
                messages.success(request, _("换届已完成。"))
                context["done"] = done
                return render(request, "responsibilities/appointments/reshuffle.html", context)
        plan = appointments.plan_reshuffle(
            body, data["effective"], data["team"], data["reason"], viewer=request.user
        )
        context.update(plan=plan, team=data["team"], reason=data["reason"])
        if not plan.ok:
            status = 400
    return render(request, "responsibilities/appointments/reshuffle.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_import_view(request):
    """Upload → preview (a dry run); the preview's confirm button posts the same bytes again
    (checked again in full) to import them."""
    _require_appointer(request)
    form = AppointmentImportForm()
    result, status, payload, filename = None, 200, "", ""
    if request.method == "POST":
        data = None
        if "payload" in request.POST:
            try:
                data = base64.b64decode(request.POST["payload"], validate=True)
            except (binascii.Error, ValueError):
                data = None
            filename = request.POST.get("filename", "")[:200]
            if data is None or len(data) > AppointmentImportForm.MAX_BYTES:
                messages.error(request, _("上传的内容已失效,请重新选择文件。"))
                data = None
                status = 400
        else:
            bound = AppointmentImportForm(request.POST, request.FILES)
            if bound.is_valid():
                upload = bound.cleaned_data["file"]
                data, filename = upload.read(), upload.name
            else:
                form, status = bound, 400
        if data is not None:
            confirm = request.POST.get("action") == "confirm"
            result = appointment_import.import_appointments(
                data, filename, actor=request.user, dry_run=not confirm
            )
            status = 200 if result.ok else 400
            if result.ok and not confirm:
                payload = base64.b64encode(data).decode()
    return render(
        request,
        "responsibilities/appointments/import.html",
        {
            "form": form,
            "result": result,
            "payload": payload,
            "filename": filename,
            "sheet": appointment_import.SHEET,
        },
        status=status,
    )


@login_required
@require_GET
def appointment_import_template(request):
    _require_appointer(request)
    return FileResponse(
        io.BytesIO(appointment_import.build_template()),
        as_attachment=True,
        filename=_("任免导入模板") + ".xlsx",
        content_type=appointment_import.XLSX_CONTENT_TYPE,
    )
