"""Every spreadsheet the application produces writes formula-like user text as text (issue 14):
the issue ledger, the cockpit, the audit log and both import templates."""

import dataclasses
import io
import zipfile

from django.urls import reverse
from openpyxl import load_workbook

from assessments import importer as indicator_importer
from responsibilities import importer as org_importer
from responsibilities.models import Organization
from security.models import AdminRole, AdminRoleAssignment
from security.services import audit
from tests.inspections.fixtures import make_finding, make_task

TITLE = '=HYPERLINK("http://x","y")'


def content_of(response) -> bytes:
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_written_as_text(data: bytes, *texts: str) -> None:
    """No cell is a formula, and each text is there with its leading apostrophe."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name
    book = load_workbook(io.BytesIO(data))  # formulas kept as formulas, were there any
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells if c.data_type == "s"}
    for text in texts:
        assert "'" + text in values, text


def test_it_the_issue_ledger_export(cast, client_for):
    jw = cast.user("county1_jw")
    finding = make_finding(
        jw, cast.county1, body=cast.bodies["T-K1:discipline"], title=TITLE, description="+1"
    )
    task = make_task(jw, finding, cast.tenures["county1_secretary"])
    task.measure = "@SUM(A1)"
    task.save(update_fields=["measure"])
    response = client_for(jw).get(reverse("inspections:ledger_export"))
    assert_written_as_text(content_of(response), TITLE, "+1", "@SUM(A1)")


def test_it_the_cockpit_export(cast, client_for):
    Organization.objects.filter(pk=cast.county1.pk).update(name=TITLE)
    Organization.objects.filter(pk=cast.county2.pk).update(name="-1+2")
    response = client_for(cast.user("city1_jw")).get(
        reverse("dashboards:cockpit_xlsx", args=[cast.city1.pk])
    )
    assert_written_as_text(content_of(response), TITLE, "-1+2")


def test_it_the_audit_log_export(client_for, django_user_model):
    auditor = django_user_model.objects.create_user("auditadmin", password="Kx7!mQ2#wLp9")
    AdminRoleAssignment.objects.create(user=auditor, role=AdminRole.AUDIT)
    audit(None, "login_failed", username=TITLE, attempted_username="@SUM(A1)")
    response = client_for(auditor).get(reverse("security:audit_export"))
    assert_written_as_text(content_of(response), TITLE)


def test_it_the_org_import_template(monkeypatch, client, admin_user):
    first = org_importer.SHEETS[0]
    example = (TITLE, "+1", *first.example[2:])
    sheets = (dataclasses.replace(first, example=example), *org_importer.SHEETS[1:])
    monkeypatch.setattr(org_importer, "SHEETS", sheets)
    client.force_login(admin_user)
    assert_written_as_text(content_of(client.get(reverse("org_import_template"))), TITLE, "+1")


def test_it_the_indicator_import_template(monkeypatch, client, admin_user):
    rows = indicator_importer._example_rows()
    rows[0][:2] = [TITLE, "@SUM(A1)"]
    monkeypatch.setattr(indicator_importer, "_example_rows", lambda: rows)
    client.force_login(admin_user)
    url = reverse("admin:assessments_indicatorset_import_template")
    assert_written_as_text(content_of(client.get(url)), TITLE, "@SUM(A1)")
