"""The auditor's view of the audit log (issue 14): filter by person, object, action and
period; paginated; export with the actor's name and post; reads of case files, of a
cadre's personal file and of the audit log and its export are themselves audited."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from security.models import AuditEntry
from security.services import audit
from tests.accountability.fixtures import register_dcase


@pytest.fixture
def auditor(client_for, admins):
    return client_for(admins["audit"])


@pytest.fixture
def sample(cast):
    audit(cast.user("county1_secretary"), "view", cast.county1, note="a")
    audit(cast.user("county1_secretary"), "view", cast.county2, note="b")
    audit(cast.user("county2_secretary"), "view", cast.county1, note="c")
    return cast


def _shown(response):
    return AuditEntry.objects.filter(pk__in=[e.id for e in response.context["page"]])


def test_it_filters_by_object_type_and_id(auditor, sample):
    response = auditor.get(
        reverse("security:audit_log"),
        {"object_type": "responsibilities.organization", "object_id": str(sample.county1.pk)},
    )
    shown = _shown(response)
    # The sample's own notes, beside the business audit of creating the unit (issue 14).
    notes = set(shown.values_list("details__note", flat=True)) - {None}
    assert notes == {"a", "c"}
    assert set(shown.values_list("object_id", flat=True)) == {str(sample.county1.pk)}
    # Combined with a person and a period.
    today = sample.county1.history.latest("history_id").history_date.date().isoformat()
    response = auditor.get(
        reverse("security:audit_log"),
        {
            "object_type": "responsibilities.organization",
            "object_id": str(sample.county1.pk),
            "person": "county2_secretary",
            "action": "view",
            "date_to": "2999-12-31",
            "date_from": today,
        },
    )
    assert set(_shown(response).values_list("details__note", flat=True)) == {"c"}


def test_it_shows_the_actor_by_name_and_post(auditor, sample):
    html = auditor.get(
        reverse("security:audit_log"), {"object_type": "responsibilities.organization"}
    ).content.decode()
    secretary = sample.tenures["county1_secretary"]
    post = f"{secretary.org.name} {secretary.title or secretary.get_role_display()}"
    cell = f'{secretary.person.name}<br><small class="text-body-secondary">{post}'
    assert cell in html  # the post under the name, in the entry's own row


def test_it_exports_the_actor_post_and_records_the_export(auditor, sample):
    response = auditor.get(
        reverse("security:audit_export"), {"object_type": "responsibilities.organization"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    header = list(rows[0])
    post = header.index("操作人职务")
    secretary = sample.tenures["county1_secretary"]
    by_note = {r[header.index("操作人")]: r[post] for r in rows[1:]}
    assert by_note[secretary.person.name].startswith(secretary.org.name)
    export = AuditEntry.objects.filter(action="export", object_type="security.auditentry").get()
    exported = AuditEntry.objects.filter(object_type="responsibilities.organization")
    assert export.details["rows"] == exported.count() == len(rows) - 1
    assert export.details["filters"] == {"object_type": "responsibilities.organization"}


def test_it_the_auditors_own_reads_are_audited(auditor, sample, admins):
    auditor.get(reverse("security:audit_log"), {"person": "county1_secretary"})
    entry = AuditEntry.objects.filter(actor_id=admins["audit"].pk, action="view").get()
    assert entry.object_type == "security.auditentry"
    assert entry.details["filters"] == {"person": "county1_secretary"}


def test_it_reads_of_a_discipline_case_and_a_cadres_file_are_audited(client_for, cast):
    dcase = register_dcase(cast)
    jw = client_for(cast.user("county1_jw"))
    assert jw.get(reverse("accountability:disciplinary_detail", args=[dcase.pk])).status_code == 200
    person = cast.people["township1_secretary"]
    assert jw.get(reverse("person_detail", args=[person.pk])).status_code == 200
    reads = AuditEntry.objects.filter(action="view", actor_username="county1_jw")
    assert reads.filter(
        object_type="accountability.disciplinarycase", object_id=str(dcase.pk)
    ).exists()
    assert reads.filter(object_type="responsibilities.person", object_id=str(person.pk)).exists()


def test_it_a_bad_filter_is_a_form_error_not_a_500(auditor, sample):
    for params in (
        {"object_id": "x" * 10_000},
        {"object_type": "😀\u202e<script>"},
        {"date_from": "not-a-date"},
        {"page": "-1"},
        {"person": "\x00"},
    ):
        assert auditor.get(reverse("security:audit_log"), params).status_code == 200
