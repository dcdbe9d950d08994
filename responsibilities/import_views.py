"""Import of the org tree, people and tenures from .xlsx/.csv (administrators only).

Uploads stay in memory (bounded by ImportForm's limit) and are never written to disk.
"""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from responsibilities import importer
from responsibilities.forms import ImportForm

IMPORT_PERM = "responsibilities.import_org"
MAX_ERRORS_SHOWN = 500


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keeps each uploaded file in memory, never on disk.

    Past `limit` bytes the rest is counted but dropped, so memory stays bounded; the file
    keeps its true size and ImportForm rejects it as too large without reading it.
    """

    def __init__(self, request=None, limit: int = ImportForm.MAX_BYTES):
        super().__init__(request)
        self.limit = limit

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.total = 0

    def receive_data_chunk(self, raw_data, start):
        self.total += len(raw_data)
        room = self.limit + 1 - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.total,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def _require_import_perm(request) -> None:
    if not request.user.has_perm(IMPORT_PERM):
        raise PermissionDenied


@csrf_exempt  # only so the upload handlers can be swapped; CSRF is checked in _org_import
@login_required
@require_http_methods(["GET", "POST"])
def org_import(request):
    _require_import_perm(request)
    request.upload_handlers = [BoundedMemoryUploadHandler(request)]
    return _org_import(request)


@csrf_protect
def _org_import(request):
    result, status = None, 200
    form = ImportForm()
    if request.method == "POST":
        bound = ImportForm(request.POST, request.FILES)
        if bound.is_valid():
            upload = bound.cleaned_data["file"]
            result = importer.import_file(upload.read(), upload.name, actor=request.user)
            status = 200 if result.ok else 400
        else:
            form, status = bound, 400
    context = {
        "form": form,
        "result": result,
        "errors": result.errors[:MAX_ERRORS_SHOWN] if result else [],
        "errors_hidden": max(0, len(result.errors) - MAX_ERRORS_SHOWN) if result else 0,
        "sheets": importer.SHEETS,
    }
    return render(request, "responsibilities/org_import.html", context, status=status)


@login_required
@require_GET
def org_import_template(request):
    _require_import_perm(request)
    return FileResponse(
        io.BytesIO(importer.build_template()),
        as_attachment=True,
        filename=_("组织人员导入模板") + ".xlsx",
        content_type=importer.XLSX_CONTENT_TYPE,
    )
