"""Import a responsibility list's items from Word or Excel: upload → preview and map → confirm.

Access: whoever may change the list (get_list_for_user with write=True: out of scope 404,
read-only 403). The upload is checked by the evidence policy (liangge_zeren/uploads.py: kind
by content, size, zip bounds) and never stored; the parsed rows travel to the confirm step
signed (django.core.signing), so nothing is written before the user confirms.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from liangge_zeren.spreadsheets import RowError
from liangge_zeren.uploads import check_upload
from liangge_zeren.workflow import TransitionRefused
from responsibilities import list_import
from responsibilities.access import get_list_for_user
from responsibilities.copies import normalise_text
from responsibilities.models import ResponsibilityItem, ResponsibilityList, WorkArea

SIGNING_SALT = "responsibilities.list_import"
PAYLOAD_MAX_AGE = 2 * 60 * 60  # seconds between upload and confirm


class ListFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("清单文件"),
        help_text=gettext_lazy("Word(.docx,编号段落或表格)或 Excel(.xlsx)。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        kind = check_upload(upload)
        if kind not in ("docx", "xlsx"):
            raise forms.ValidationError(_("只支持 Word(.docx)或 Excel(.xlsx)文件。"))
        return upload


def _editable_list(request: HttpRequest, pk: int) -> ResponsibilityList:
    return get_list_for_user(request, pk, write=True)


def _payload(duty_list: ResponsibilityList, result: list_import.ParseResult, name: str) -> str:
    return signing.dumps(
        {
            "list": duty_list.pk,
            "name": name,
            "sha256": result.sha256,
            "items": [item.as_dict() for item in result.items],
        },
        salt=SIGNING_SALT,
        compress=True,
    )


def _preview_rows(duty_list, items, chosen=None, mapped=None):
    tenures = list_import.owner_choices(duty_list)
    portfolios = list_import.portfolio_choices(duty_list)
    already = list_import.existing_texts(duty_list)
    rows = []
    for item in items:
        if chosen is not None:
            picked = chosen.get(item.row, {})
        else:
            owner = list_import.guess_owner(item.owner, tenures)
            portfolio = list_import.guess_portfolio(item.portfolio, portfolios)
            picked = {
                "owner": str(owner.pk) if owner else "",
                "portfolio": str(portfolio.pk) if portfolio else "",
                "category": item.category,
            }
        rows.append(
            {
                "item": item,
                "picked": picked,
                "existing": normalise_text(item.content) in already,
                "frequency_label": ResponsibilityItem.Frequency(item.frequency).label,
            }
        )
    return rows, tenures, portfolios


def _render_preview(
    request, duty_list, payload, items, name, *, chosen=None, errors=(), status=200
):
    rows, tenures, portfolios = _preview_rows(duty_list, items, chosen)
    return render(
        request,
        "responsibilities/duty/list_import_preview.html",
        {
            "list": duty_list,
            "rows": rows,
            "tenures": tenures,
            "portfolios": portfolios,
            "areas": WorkArea.choices,
            "payload": payload,
            "name": name,
            "errors": list(errors),
            "new_count": sum(1 for r in rows if not r["existing"]),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_items_view(request: HttpRequest, pk: int) -> HttpResponse:
    duty_list = _editable_list(request, pk)
    if not duty_list.is_editable:
        messages.error(request, _("已归档的清单不能导入条目。"))
        return redirect("duty_list_detail", pk=duty_list.pk)
    if request.method == "POST" and "payload" in request.POST:
        return _confirm(request, duty_list)
    form = ListFileForm(request.POST or None, request.FILES or None)
    errors: list[RowError] = []
    notices: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            upload.seek(0)
            result = list_import.parse_file(upload.read(), upload.name)
            notices = result.notices
            if result.ok:
                payload = _payload(duty_list, result, upload.name)
                return _render_preview(request, duty_list, payload, result.items, upload.name)
            errors = result.errors
        status = 400
    return render(
        request,
        "responsibilities/duty/list_import.html",
        {
            "list": duty_list,
            "form": form,
            "errors": errors,
            "notices": notices,
            "sheet": list_import.SHEET,
        },
        status=status,
    )


def _confirm(request: HttpRequest, duty_list: ResponsibilityList) -> HttpResponse:
    try:
        data = signing.loads(request.POST["payload"], salt=SIGNING_SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("预览已过期或被修改,请重新上传文件。"))
        return redirect("duty_list_import", pk=duty_list.pk)
    if data.get("list") != duty_list.pk:
        messages.error(request, _("预览已过期或被修改,请重新上传文件。"))
        return redirect("duty_list_import", pk=duty_list.pk)
    items = [list_import.ParsedItem(**raw) for raw in data["items"]]
    chosen = {
        item.row: {
            key: request.POST.get(f"{key}_{item.row}", "").strip()
            for key in ("owner", "portfolio", "category")
        }
        for item in items
    }
    mapped, errors = list_import.check_mapping(duty_list, items, chosen)
    if not errors:
        try:
            outcome = list_import.import_items(
                duty_list, mapped, actor=request.user, source=data.get("name", "")
            )
        except (ValidationError, TransitionRefused) as exc:
            errors = (
                list_import.validation_rows(exc)
                if isinstance(exc, ValidationError)
                else [RowError("", None, "", exc.message)]
            )
        else:
            if outcome.created:
                messages.success(
                    request,
                    _("已导入 %(created)d 条,%(unchanged)d 条与清单中已有条目相同,未重复导入。")
                    % {"created": outcome.created, "unchanged": outcome.unchanged},
                )
            else:
                messages.info(request, _("文件中的条目都已在清单中,没有变化。"))
            return redirect("duty_list_detail", pk=duty_list.pk)
    return _render_preview(
        request,
        duty_list,
        request.POST["payload"],
        items,
        data.get("name", ""),
        chosen=chosen,
        errors=errors,
        status=400,
    )


@login_required
@require_GET
def import_template_view(request: HttpRequest, kind: str) -> FileResponse:
    if kind not in ("docx", "xlsx"):
        raise Http404
    if kind == "docx":
        data, content_type = list_import.build_docx_template(), list_import.DOCX_CONTENT_TYPE
    else:
        data, content_type = list_import.build_xlsx_template(), list_import.XLSX_CONTENT_TYPE
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=_("责任清单导入模板") + "." + ("docx" if kind == "docx" else "xlsx"),
        content_type=content_type,
    )
