"""Import of appointments and removals from the cadre system's Excel (issue 16)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from responsibilities import appointment_import
from responsibilities.models import Person, Tenure
from tests.responsibilities.test_appointments import make_org_department

pytestmark = pytest.mark.django_db
HEADER = "姓名,人员编码,单位编码,机构编码,职务,职务名称,任职开始,任职结束,离任原因"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def orgdept(cast):
    return make_org_department(cast)


GOOD = csv(
    # The old secretary leaves (a stored tenure, now with its last day)…
    "刘海涛,T-county1_secretary,T-K1,,书记(第一责任人),县委书记,2024-03-01,2026-12-31,调任",
    # …and the new one starts the next day; a new person, created from the row.
    "赵新任,N-100,T-K1,,书记(第一责任人),县委书记,2027-01-01,,",
    "钱纪检,N-101,T-K1,,纪检干部,,2027-01-01,,",
)


def test_it_previews_then_imports_and_a_reimport_changes_nothing(cast, orgdept):
    preview = appointment_import.import_appointments(GOOD, "a.csv", actor=orgdept, dry_run=True)
    assert preview.ok, preview.errors
    assert (preview.created, preview.ended, preview.applied) == (2, 1, False)
    assert any("赵新任" in line for line in preview.changes)
    assert not Person.objects.filter(code="N-100").exists()  # the preview wrote nothing

    result = appointment_import.import_appointments(GOOD, "a.csv", actor=orgdept)
    assert result.ok and result.applied and (result.created, result.ended) == (2, 1)
    old = cast.tenures["county1_secretary"]
    old.refresh_from_db()
    assert str(old.end_date) == "2026-12-31"
    new = Tenure.objects.get(person__code="N-100")
    assert (new.body, new.role, str(new.start_date)) == (
        cast.bodies["T-K1:committee"],
        Tenure.Role.SECRETARY,
        "2027-01-01",
    )
    assert Tenure.objects.get(person__code="N-101").body == cast.bodies["T-K1:discipline"]

    history = sum(t.history.count() for t in Tenure.objects.all())
    again = appointment_import.import_appointments(GOOD, "a.csv", actor=orgdept)
    assert again.ok and not again.changed and again.unchanged == 3
    assert sum(t.history.count() for t in Tenure.objects.all()) == history


def test_it_every_bad_row_is_reported_and_nothing_is_written(cast, orgdept):
    data = csv(
        "赵新任,N-100,T-K1,,书记(第一责任人),县委书记,2027-01-01,,",  # fine alone
        "钱某,N-102,T-K2,,班子成员,,2027-01-01,,",  # the sibling county: not its scope
        "孙某,N-103,T-K1,,局长,,2027-01-01,,",  # no such post
        "李某,N-104,T-K1,,班子成员,,2027-13-01,,",  # no such date
        "周某,N-105,T-K1,,书记(第一责任人),,2027-02-01,,",  # the secretary's post is taken
        "王某,N-106,T-K1,,班子成员,,2027-01-01,2026-01-01,",  # ends before it starts
        "别人,T-county1_member,T-K1,,班子成员,,2027-01-01,,",  # the code's name differs
    )
    result = appointment_import.import_appointments(data, "b.csv", actor=orgdept)
    assert not result.ok and not result.applied
    where = {(e.row, e.column) for e in result.errors}
    assert (3, "单位编码") in where
    assert (4, "职务") in where
    assert (5, "任职开始") in where
    assert (6, "职务") in where  # checked after row 2's secretary, in the same run
    assert (7, "任职结束") in where
    assert (8, "姓名") in where
    messages = " ".join(e.message for e in result.errors)
    assert "不在您的任免范围内" in messages and "不是有效日期" in messages
    assert "已由 刘海涛 担任" in messages or "已由 赵新任 担任" in messages
    assert not Person.objects.filter(code__startswith="N-1").exists()
    assert not Tenure.objects.filter(start_date__year=2027).exists()


def test_it_a_missing_column_and_an_empty_file_are_explained(orgdept):
    result = appointment_import.import_appointments(
        "姓名,人员编码\n张三,P-1\n".encode(), "c.csv", actor=orgdept
    )
    assert any("缺少必填列" in e.message for e in result.errors)
    empty = appointment_import.import_appointments(csv(), "d.csv", actor=orgdept)
    assert [e.message for e in empty.errors] == ["文件中没有可导入的数据行。"]


def test_it_the_page_previews_then_confirms(cast, orgdept, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(orgdept)
    url = reverse("appointment_import")
    upload = SimpleUploadedFile("a.csv", GOOD, content_type="text/csv")
    preview = client.post(url, {"file": upload, "action": "preview"})
    assert preview.status_code == 200
    assert "预览" in preview.content.decode()
    payload = preview.context["payload"]
    assert payload and not Person.objects.filter(code="N-100").exists()
    done = client.post(url, {"payload": payload, "filename": "a.csv", "action": "confirm"})
    assert done.status_code == 200 and "导入完成" in done.content.decode()
    assert Person.objects.filter(code="N-100").exists()
    tampered = client.post(url, {"payload": "%%%", "filename": "a.csv", "action": "confirm"})
    assert tampered.status_code == 400


def test_it_the_template_downloads_and_reads_back(orgdept, client_for, cast):
    response = client_for(orgdept).get(reverse("appointment_import_template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in book["任免"][1]]
    assert headers == list(appointment_import.SHEET.headers)
    assert (
        client_for(cast.user("county1_member"))
        .get(reverse("appointment_import_template"))
        .status_code
        == 403
    )


def with_ids(*rows: str) -> bytes:
    return ("\n".join([HEADER + ",统一身份标识", *rows]) + "\n").encode("utf-8")


def test_it_records_the_identity_platform_id_once_and_never_overwrites_it(cast, orgdept):
    rows = (
        "赵新任,N-100,T-K1,,纪检干部,,2027-01-01,,,E2001",
        # A stored tenure: the id is filled on its person, the tenure is unchanged.
        "刘海涛,T-county1_secretary,T-K1,,书记(第一责任人),县委书记,2024-03-01,,,E2002",
    )
    result = appointment_import.import_appointments(with_ids(*rows), "a.csv", actor=orgdept)
    assert result.ok and (result.created, result.identified, result.unchanged) == (1, 1, 1)
    assert Person.objects.get(code="N-100").external_id == "E2001"
    assert Person.objects.get(code="T-county1_secretary").external_id == "E2002"
    again = appointment_import.import_appointments(with_ids(*rows), "a.csv", actor=orgdept)
    assert again.ok and not again.changed

    clash = appointment_import.import_appointments(
        with_ids(
            "刘海涛,T-county1_secretary,T-K1,,书记(第一责任人),县委书记,2024-03-01,,,E9999",
            "钱纪检,N-101,T-K1,,纪检干部,,2027-01-01,,,E2001",
        ),
        "b.csv",
        actor=orgdept,
    )
    messages = {(e.row, e.column): e.message for e in clash.errors}
    assert "E2002" in messages[(2, "统一身份标识")]  # the stored id is named, not replaced
    assert "N-100" in messages[(3, "统一身份标识")]  # another person holds it
    assert Person.objects.get(code="T-county1_secretary").external_id == "E2002"
    assert not Person.objects.filter(code="N-101").exists()  # nothing written
