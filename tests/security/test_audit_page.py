"""The audit administrator's page: filters, .xlsx export (rate-limited, audited); the events."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangge_zeren.actors import COMMAND
from responsibilities import services as tree
from security.models import AuditEntry
from security.services import audit


@pytest.fixture
def auditor(client_for, admins):
    return client_for(admins["audit"])


@pytest.fixture
def sample(cast):
    audit(cast.user("county1_secretary"), "view", cast.county1, note="a")
    audit(cast.user("county2_secretary"), "view", cast.county2, note="b")
    audit(cast.user("county1_jw"), "export", None, rows=3)
    return cast


def rows(response):
    return [e.id for e in response.context["page"]]


def test_it_filters_by_person(auditor, sample):
    by_name = auditor.get(reverse("security:audit_log"), {"person": "吴国华"})
    entries = AuditEntry.objects.filter(pk__in=rows(by_name))
    assert entries and set(entries.values_list("actor_username", flat=True)) == {
        "county2_secretary"
    }
    by_account = auditor.get(reverse("security:audit_log"), {"person": "county1_jw"})
    assert set(
        AuditEntry.objects.filter(pk__in=rows(by_account)).values_list("actor_username", flat=True)
    ) == {"county1_jw"}


def test_it_filters_by_organisation_subtree(auditor, sample):
    response = auditor.get(reverse("security:audit_log"), {"org": sample.county2.pk})
    entries = AuditEntry.objects.filter(pk__in=rows(response))
    assert entries.filter(object_repr="二号县").exists()
    assert not entries.filter(object_repr="一号县").exists()
    assert not entries.filter(actor_username="county1_jw").exists()


def test_it_filters_by_action_and_date(auditor, sample):
    response = auditor.get(reverse("security:audit_log"), {"action": "export"})
    assert set(
        AuditEntry.objects.filter(pk__in=rows(response)).values_list("action", flat=True)
    ) == {"export"}
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = auditor.get(reverse("security:audit_log"), {"date_from": tomorrow})
    assert rows(response) == []
    assert "没有符合条件的审计记录" in response.content.decode()


def test_it_rejects_a_reversed_date_range_in_chinese(auditor, sample):
    response = auditor.get(
        reverse("security:audit_log"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_it_exports_xlsx_and_records_the_export(auditor, sample):
    response = auditor.get(reverse("security:audit_export"), {"action": "view"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "序号"
    action = values[0].index("操作")
    assert {row[action] for row in values[1:]} == {"查看敏感记录"}
    export = AuditEntry.objects.filter(action="export", actor_username="auditadmin").get()
    assert export.details["rows"] == len(values) - 1
    assert export.details["filters"] == {"action": "view"}


def test_it_exported_text_cannot_smuggle_formulas(auditor, db):
    audit(None, "login_failed", username="=HYPERLINK(1)", attempted_username="=cmd|x")
    sheet = load_workbook(io.BytesIO(auditor.get(reverse("security:audit_export")).content)).active
    cells = [c for row in sheet.values for c in row if isinstance(c, str)]
    assert not [c for c in cells if c.startswith("=")]


def test_it_exports_are_rate_limited(auditor, sample):
    codes = [auditor.get(reverse("security:audit_export")).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_it_the_page_has_bounded_queries(auditor, sample, django_assert_max_num_queries):
    for i in range(120):
        audit(None, "view", object_type="x", object_id=str(i))
    with django_assert_max_num_queries(20):
        assert auditor.get(reverse("security:audit_log")).status_code == 200


def test_it_appointments_and_ended_tenures_are_audited(cast):
    tenure = tree.appoint(
        person=cast.people["county1_member"],
        body=cast.bodies["T-K1:committee"],
        role="deputy_secretary",
        start_date=datetime.date(2025, 1, 1),
        actor=COMMAND,
    )
    appointed = AuditEntry.objects.filter(action="tenure_change", object_id=str(tenure.pk)).get()
    assert appointed.details["event"] == "appoint"
    assert appointed.org_path == cast.county1.path
    tree.end_tenure(tenure, datetime.date(2025, 6, 30), "调任", actor=COMMAND)
    ended = AuditEntry.objects.filter(
        action="tenure_change", object_id=str(tenure.pk), details__event="end"
    ).get()
    assert ended.details["changes"]["end_date"] == [None, "2025-06-30"]


def test_it_ending_a_tenure_through_the_page_records_who_did_it(client_for, cast):
    tenure = cast.tenures["county1_member"]
    c = client_for(cast.user("county1_secretary"))
    c.post(reverse("tenure_end", args=[tenure.pk]), {"end_date": "2025-01-01", "end_reason": "x"})
    entry = AuditEntry.objects.filter(
        action="tenure_change", object_id=str(tenure.pk), details__event="end"
    ).get()
    assert entry.actor_username == "county1_secretary"
    assert entry.ip == "127.0.0.1"
    assert entry.request_id


def test_it_every_download_and_export_is_audited_without_the_view_doing_it(
    client_for, cast, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.uploads import save_attachments
    from tests.inspections.fixtures import make_finding

    settings.MEDIA_ROOT = tmp_path / "media"
    jw = cast.user("county1_jw")
    finding = make_finding(jw, cast.county1, body=cast.bodies["T-K1:discipline"], title="下载测试")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attachment = save_attachments(
        [SimpleUploadedFile("证据.pdf", pdf, content_type="application/pdf")],
        user=jw,
        finding=finding,
    )[0]
    c = client_for(jw)
    response = c.get(reverse("inspections:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    download = AuditEntry.objects.filter(action="download").get()
    assert download.actor_username == "county1_jw"
    assert download.details["filename"] == "证据.pdf"
    assert download.object_id == str(attachment.pk)

    assert c.get(reverse("inspections:ledger_export")).status_code == 200
    export = AuditEntry.objects.filter(action="export").get()
    assert export.details["view"] == "inspections:ledger_export"


def test_it_reads_of_sensitive_views_are_audited(client_for, cast):
    from tests.inspections.fixtures import make_finding

    jw = cast.user("county1_jw")
    finding = make_finding(jw, cast.county1, body=cast.bodies["T-K1:discipline"], title="线索")
    assert (
        client_for(jw).get(reverse("inspections:finding_detail", args=[finding.pk])).status_code
        == 200
    )
    entry = AuditEntry.objects.filter(action="view", object_id=str(finding.pk)).get()
    assert entry.details["view"] == "inspections:finding_detail"
    # A refused read (out of scope → 404) records nothing as a read.
    client_for(cast.user("county2_secretary")).get(
        reverse("inspections:finding_detail", args=[finding.pk])
    )
    assert AuditEntry.objects.filter(action="view", object_id=str(finding.pk)).count() == 1


def test_it_the_page_shows_every_matching_entry_even_as_it_records_its_own_read(auditor, sample):
    response = auditor.get(reverse("security:audit_log"), {"action": "view"})
    shown = rows(response)
    expected = list(
        AuditEntry.objects.filter(action="view")
        .exclude(actor_username="auditadmin")
        .order_by("-id")
        .values_list("id", flat=True)
    )
    assert expected and set(expected) <= set(shown)
