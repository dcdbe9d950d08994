"""Import of organisations, bodies, people and tenures from .xlsx and .csv files."""

import csv
import datetime
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from liangge_zeren.actors import COMMAND
from responsibilities import importer
from responsibilities.importer import BODY, ORG, PERSON, TENURE, RowError
from responsibilities.models import Body, Organization, Person, Tenure

# --- Building files in memory ---------------------------------------------------------------


def xlsx(sheets: dict[str, list[list]], *, headers: bool = True) -> bytes:
    """A workbook with one sheet per entry; the standard header row is added first."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        if headers:
            sheet.append(list(importer.SHEET_BY_NAME[name].headers))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def good_sheets() -> dict[str, list[list]]:
    """A small city: a county listed before its parent, a department with a stationed team."""
    return {
        ORG: [
            ["G-K", "样例县", "county", "G-C", ""],
            ["G-C", "样例市", "市", "", "是"],
            ["G-D", "样例市教育局", "部门", "G-C", None],
        ],
        BODY: [
            ["G-D-ST", "G-D", "派驻纪检监察组", "市纪委监委驻教育局纪检监察组", "G-C-DC", "G-D"],
            ["G-C-PC", "G-C", "党委", "中共样例市委员会", "", ""],
            ["G-C-DC", "G-C", "纪委监委", "样例市纪委监委", "", ""],
            ["G-K-PC", "G-K", "party_committee", "中共样例县委员会", "", ""],
            ["G-D-PG", "G-D", "党组", "中共样例市教育局党组", "", ""],
        ],
        PERSON: [
            ["GP-1", "甲建国", "男", "是"],
            ["GP-2", "乙秀英", "女", "否"],
            ["GP-3", "丙文斌", "", ""],
        ],
        TENURE: [
            ["GP-1", "G-C-PC", "书记(第一责任人)", "市委书记", "", datetime.date(2022, 1, 1)],
            ["GP-2", "G-K-PC", "班子成员", "副县长", "教育;卫生健康", "2023-03-01", "", ""],
            [
                "GP-3",
                "G-D-ST",
                "派驻纪检监察组组长",
                "组长",
                "",
                datetime.datetime(2020, 1, 1),
                "2023-12-31",
                "调任",
            ],
        ],
    }


def row_counts() -> dict[str, int]:
    """Rows of every model of the app, history tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("responsibilities").get_models()
    }


def history_counts() -> dict[str, int]:
    return {label: n for label, n in row_counts().items() if ".Historical" in label}


def located(result) -> set[tuple]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


def message_at(result, sheet, row, column) -> str:
    return " ".join(
        e.message for e in result.errors if (e.sheet, e.row, e.column) == (sheet, row, column)
    )


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("importadmin", "admin@example.org", "pw-x")


# --- A good file ---------------------------------------------------------------


def test_it_creates_the_tree_bodies_people_and_tenures_from_a_good_workbook(db):
    result = importer.import_file(xlsx(good_sheets()), "花名册.xlsx", actor=COMMAND)

    assert result.ok, result.errors
    assert result.applied
    assert {s: (c.created, c.updated, c.unchanged) for s, c in result.counts.items()} == {
        ORG: (3, 0, 0),
        BODY: (5, 0, 0),
        PERSON: (3, 0, 0),
        TENURE: (3, 0, 0),
    }
    city = Organization.objects.get(code="G-C")
    county = Organization.objects.get(code="G-K")
    department = Organization.objects.get(code="G-D")
    assert city.parent is None and city.depth == 1
    assert county.parent == city and department.parent == city
    assert county.path.startswith(city.path) and county.depth == 2
    assert county.kind == Organization.Kind.COUNTY and city.kind == Organization.Kind.CITY

    team = Body.objects.get(code="G-D-ST")
    assert team.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM
    assert team.sent_by.code == "G-C-DC"
    assert list(team.stationed_in.values_list("code", flat=True)) == ["G-D"]
    assert team.org_path == department.path
    assert department.supervising_body == team
    assert city.supervising_body.code == "G-C-DC"
    assert county.supervising_body.code == "G-C-DC"

    assert Person.objects.get(code="GP-1").gender == Person.Gender.MALE
    assert Person.objects.get(code="GP-2").party_member is False
    assert Person.objects.get(code="GP-3").party_member is True  # blank → default

    secretary = Tenure.objects.get(person__code="GP-1")
    assert (secretary.role, secretary.org, secretary.title) == ("secretary", city, "市委书记")
    assert secretary.start_date == datetime.date(2022, 1, 1) and secretary.end_date is None
    member = Tenure.objects.get(person__code="GP-2")
    assert member.org_path == county.path
    assert sorted(member.portfolios.values_list("name", flat=True)) == ["卫生健康", "教育"]
    ended = Tenure.objects.get(person__code="GP-3")
    assert ended.end_date == datetime.date(2023, 12, 31) and ended.end_reason == "调任"
    assert ended.role == Tenure.Role.STATIONED_TEAM_LEADER and ended.org == department


def test_it_references_codes_already_in_the_database(cast):
    file = xlsx(
        {
            ORG: [["T-X2", "二号镇", "乡镇", "T-K1", ""]],
            BODY: [["T-X2-PC", "T-X2", "党委", "中共二号镇委员会", "", ""]],
            TENURE: [["T-county1_member", "T-X2-PC", "书记", "镇党委书记", "", "2025-01-02"]],
        }
    )
    result = importer.import_file(file, "x.xlsx", actor=COMMAND)

    assert result.ok, result.errors
    township = Organization.objects.get(code="T-X2")
    assert township.parent == cast.county1 and township.path.startswith(cast.county1.path)
    assert township.supervising_body.code == "T-K1-DC"
    tenure = Tenure.objects.get(body__code="T-X2-PC")
    assert tenure.person == cast.people["county1_member"]
    assert result.counts[PERSON].created == 0


# --- Bad rows ---------------------------------------------------------------


def test_it_reports_every_bad_row_in_chinese_and_writes_nothing(cast):
    before = row_counts()
    file = xlsx(
        {
            ORG: [
                ["B-1", "坏县", "县级", "T-C1", ""],  # row 2: bad choice
                ["B-2", "", "county", "NOPE", ""],  # row 3: no name, unknown parent
                ["B-1", "重复县", "county", "T-C1", ""],  # row 4: duplicate code
                ["B-3", "甲", "county", "B-4", ""],  # rows 5-6: a cycle
                ["B-4", "乙", "county", "B-3", "也许"],  # and a bad boolean
            ],
            BODY: [
                ["B-ST", "T-D1", "派驻纪检监察组", "无派出机关的组", "", ""],  # row 2
                ["T-K1-PC", "T-K2", "党委", "中共一号县委员会", "", ""],  # row 3: org change
            ],
            PERSON: [["BP-1", "某人", "未知", "是"]],  # row 2: bad gender
            TENURE: [
                ["BP-1", "T-K1-DC", "书记", "", "", "2024-02-30"],  # row 2
                ["T-county1_member", "T-K1-PC", "班子成员", "", "", "2024-01-01", "2023-01-01"],
                ["NOBODY", "NO-BODY", "书记", "", "", "2024-01-01"],  # row 4
            ],
        }
    )
    result = importer.import_file(file, "bad.xlsx", actor=COMMAND)

    assert not result.ok and not result.applied
    assert located(result) == {
        (ORG, 2, "类型"),
        (ORG, 3, "名称"),
        (ORG, 3, "上级编码"),
        (ORG, 4, "编码"),
        (ORG, 5, "上级编码"),
        (ORG, 6, "上级编码"),
        (ORG, 6, "有效"),
        (BODY, 2, "派出机关编码"),
        (BODY, 3, "所在组织编码"),
        (PERSON, 2, "性别"),
        (TENURE, 2, "角色"),
        (TENURE, 2, "任职开始"),
        (TENURE, 3, "任职结束"),
        (TENURE, 4, "人员编码"),
        (TENURE, 4, "机构编码"),
    }
    assert "“县级”不是可选的值" in message_at(result, ORG, 2, "类型")
    assert "县(市、区)" in message_at(result, ORG, 2, "类型")
    assert message_at(result, ORG, 3, "名称") == "必须填写。"
    assert "找不到编码为“NOPE”的组织" in message_at(result, ORG, 3, "上级编码")
    assert "在第 2 行已出现过" in message_at(result, ORG, 4, "编码")
    assert "循环" in message_at(result, ORG, 5, "上级编码")
    assert "应填“是”或“否”" in message_at(result, ORG, 6, "有效")
    assert message_at(result, BODY, 2, "派出机关编码") == "派驻纪检监察组必须有派出机关。"
    assert "不能更改所在组织" in message_at(result, BODY, 3, "所在组织编码")
    assert message_at(result, TENURE, 2, "角色") == "该角色只能在党委(党组)中任职。"
    assert "不是有效日期" in message_at(result, TENURE, 2, "任职开始")
    assert message_at(result, TENURE, 3, "任职结束") == "任职结束日期不能早于开始日期。"
    assert "找不到人员编码为“NOBODY”的人员" in message_at(result, TENURE, 4, "人员编码")
    assert "找不到编码为“NO-BODY”的机构" in message_at(result, TENURE, 4, "机构编码")
    # Sheet order, then row order.
    assert [e.sheet for e in result.errors][:1] == [ORG]
    assert [e.sheet for e in result.errors][-1] == TENURE
    assert row_counts() == before


def test_it_writes_nothing_when_only_one_row_of_many_is_bad(db):
    sheets = good_sheets()
    sheets[TENURE].append(["GP-1", "G-C-DC", "班子成员", "", "", "2024-01-01"])
    before = row_counts()

    result = importer.import_file(xlsx(sheets), "x.xlsx", actor=COMMAND)

    assert located(result) == {(TENURE, 5, "角色")}
    assert row_counts() == before


def test_it_refuses_to_change_an_existing_bodys_kind(cast):
    file = xlsx({BODY: [["T-K1-DC", "T-K1", "党委", "一号县纪委监委", "", ""]]})
    result = importer.import_file(file, "x.xlsx", actor=COMMAND)
    assert located(result) == {(BODY, 2, "机构类型")}
    assert "已登记为“纪委监委”" in result.errors[0].message


def test_it_reports_a_missing_required_column(db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = PERSON
    sheet.append(["人员编码", "性别"])
    sheet.append(["P-1", "男"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = importer.import_file(buffer.getvalue(), "x.xlsx", actor=COMMAND)

    assert [(e.sheet, e.row, e.column) for e in result.errors] == [(PERSON, 1, "姓名")]
    assert "缺少必填列" in result.errors[0].message
    assert not Person.objects.exists()


def test_it_rejects_a_file_that_is_not_a_workbook(db):
    result = importer.import_file(b"PK\x03\x04 not really a zip", "x.xlsx", actor=COMMAND)
    assert not result.ok and "无法读取 Excel 文件" in result.errors[0].message


# --- Idempotence ---------------------------------------------------------------


def test_it_changes_nothing_when_the_same_file_is_imported_again(db):
    file = xlsx(good_sheets())
    assert importer.import_file(file, "x.xlsx", actor=COMMAND).ok
    before = row_counts()
    assert any(n for n in history_counts().values())

    again = importer.import_file(file, "x.xlsx", actor=COMMAND)

    assert again.ok and not again.changed
    assert {s: (c.created, c.updated) for s, c in again.counts.items()} == {
        ORG: (0, 0),
        BODY: (0, 0),
        PERSON: (0, 0),
        TENURE: (0, 0),
    }
    assert (again.counts[ORG].unchanged, again.counts[TENURE].unchanged) == (3, 3)
    assert again.moves == []
    assert row_counts() == before


def test_it_updates_only_the_row_whose_name_changed(db):
    importer.import_file(xlsx(good_sheets()), "x.xlsx", actor=COMMAND)
    before = row_counts()
    sheets = good_sheets()
    sheets[ORG][0][1] = "样例县(新名)"

    result = importer.import_file(xlsx(sheets), "x.xlsx", actor=COMMAND)

    assert result.ok
    assert (result.counts[ORG].updated, result.counts[ORG].unchanged) == (1, 2)
    assert all(c.updated == 0 and c.created == 0 for s, c in result.counts.items() if s != ORG)
    assert Organization.objects.get(code="G-K").name == "样例县(新名)"
    after = row_counts()
    changed = {label for label in after if after[label] != before[label]}
    assert changed == {"responsibilities.HistoricalOrganization"}
    assert after["responsibilities.HistoricalOrganization"] == (
        before["responsibilities.HistoricalOrganization"] + 1
    )


def test_it_keeps_stored_values_where_the_file_leaves_a_cell_blank(cast):
    person = cast.people["county1_member"]
    person.party_member = False
    person.gender = Person.Gender.FEMALE
    person.save()
    file = xlsx({PERSON: [["T-county1_member", "陈晓梅", "", ""]]})

    result = importer.import_file(file, "x.xlsx", actor=COMMAND)

    assert result.ok and result.counts[PERSON].unchanged == 1
    person.refresh_from_db()
    assert (person.party_member, person.gender) == (False, Person.Gender.FEMALE)


def test_it_closes_an_open_tenure_when_the_file_gives_an_end_date(cast):
    file = xlsx(
        {
            TENURE: [
                [
                    "T-county1_member",
                    "T-K1-PC",
                    "班子成员",
                    "",
                    "",
                    "2021-06-01",
                    "2025-06-30",
                    "退休",
                ]
            ]
        }
    )
    result = importer.import_file(file, "x.xlsx", actor=COMMAND)

    assert result.ok and result.counts[TENURE].updated == 1
    tenure = cast.tenures["county1_member"]
    tenure.refresh_from_db()
    assert (tenure.end_date, tenure.end_reason) == (datetime.date(2025, 6, 30), "退休")
    assert sorted(tenure.portfolios.values_list("name", flat=True)) == ["卫生健康", "教育"]


def test_it_moves_an_existing_unit_and_says_so(cast):
    file = xlsx({ORG: [["T-K2", "二号县", "县(市、区)", "T-C2", ""]]})

    result = importer.import_file(file, "x.xlsx", actor=COMMAND)

    assert result.ok and result.counts[ORG].updated == 1
    assert [(m.code, m.old_parent, m.new_parent) for m in result.moves] == [
        ("T-K2", "T-C1", "T-C2")
    ]
    assert any("T-K2" in line and "移动" in line for line in result.summary_lines())
    county2 = Organization.objects.get(code="T-K2")
    assert county2.parent == cast.city2 and county2.path.startswith(cast.city2.path)
    tenure = cast.tenures["county2_secretary"]
    tenure.refresh_from_db()
    assert tenure.org_path == county2.path


def test_it_restations_a_team_and_refreshes_who_supervises_whom(cast):
    assert cast.city2.supervising_body.code == "T-C2-DC"
    row = ["T-D1-ST", "T-D1", "派驻纪检监察组", "省纪委监委驻省教育厅纪检监察组", "", "T-D1；T-C2"]

    result = importer.import_file(xlsx({BODY: [row]}), "x.xlsx", actor=COMMAND)

    assert result.ok and result.counts[BODY].updated == 1
    team = Body.objects.get(code="T-D1-ST")
    assert sorted(team.stationed_in.values_list("code", flat=True)) == ["T-C2", "T-D1"]
    assert team.sent_by.code == "T-P-DC"  # blank cell: kept
    assert Organization.objects.get(code="T-C2").supervising_body == team
    assert importer.import_file(xlsx({BODY: [row]}), "x.xlsx", actor=COMMAND).changed is False


def test_it_reports_a_cycle_through_the_database(cast):
    # T-C1 under its own grandchild T-X1 (T-X1 → T-K1 → T-C1 in the database).
    result = importer.import_file(
        xlsx({ORG: [["T-C1", "一号市", "市", "T-X1", ""]]}), "x.xlsx", actor=COMMAND
    )
    assert located(result) == {(ORG, 2, "上级编码")}
    assert "T-C1 → T-X1 → T-K1 → T-C1" in result.errors[0].message


def test_it_a_dry_run_validates_and_counts_but_writes_nothing(db):
    before = row_counts()
    result = importer.import_file(xlsx(good_sheets()), "x.xlsx", dry_run=True, actor=COMMAND)
    assert result.ok and not result.applied and result.counts[ORG].created == 3
    assert row_counts() == before


# --- CSV ---------------------------------------------------------------

PEOPLE_CSV = [
    ["人员编码", "姓名", "性别", "中共党员"],
    ["C-1", "欧阳修", "男", "是"],
    ["C-2", "李清照", "F", "否"],
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_it_reads_a_csv_sheet_in_utf8_with_or_without_bom_and_in_gb18030(db, encoding):
    data = csv_text(PEOPLE_CSV).encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")

    result = importer.import_file(data, "people.csv", actor=COMMAND)

    assert result.ok, result.errors
    assert result.counts[PERSON].created == 2
    assert dict(Person.objects.values_list("code", "name")) == {"C-1": "欧阳修", "C-2": "李清照"}
    assert Person.objects.get(code="C-2").party_member is False


def test_it_recognises_a_csv_tenure_sheet_by_its_header_and_reports_csv_rows(cast):
    rows = [
        list(importer.SHEET_BY_NAME[TENURE].headers),
        ["T-county2_secretary", "T-K2-PC", "副书记", "", "", "2024/5/6"],
        ["T-county2_secretary", "T-K2-PC", "书记", "", "", "不是日期"],
    ]
    result = importer.import_file(csv_text(rows).encode("gb18030"), "tenures.csv", actor=COMMAND)
    assert located(result) == {(TENURE, 3, "任职开始")}
    assert not Tenure.objects.filter(role=Tenure.Role.DEPUTY_SECRETARY).exists()


def test_it_says_so_when_a_csv_header_is_not_recognised(db):
    before = row_counts()
    result = importer.import_file(
        csv_text([["序号", "单位"], ["1", "某单位"]]).encode(), "x.csv", actor=COMMAND
    )
    assert not result.ok
    assert result.errors[0].row == 1
    assert "无法识别表头" in result.errors[0].message
    assert row_counts() == before


# --- The template ---------------------------------------------------------------


def test_it_the_template_explains_every_column_and_its_example_rows_import(db):
    data = importer.build_template()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [ORG, BODY, PERSON, TENURE, importer.HELP_SHEET]
    for sheet in importer.SHEETS:
        assert [c.value for c in workbook[sheet.name][1]] == list(sheet.headers)
    help_text = " ".join(
        str(c.value) for row in workbook[importer.HELP_SHEET].iter_rows() for c in row if c.value
    )
    assert "县(市、区)" in help_text and "派驻纪检监察组组长" in help_text

    result = importer.import_file(data, "template.xlsx", actor=COMMAND)

    assert result.ok, result.errors
    assert all(c.created == 1 for c in result.counts.values())
    assert importer.import_file(data, "template.xlsx", actor=COMMAND).changed is False


# --- The browser view ---------------------------------------------------------------


def upload(client, data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("org_import"), {"file": file})


def test_it_shows_the_import_form_to_an_administrator(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("org_import"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert reverse("org_import_template") in content
    assert "<script>" not in content.split("</main>")[0] and "onclick" not in content


def test_it_imports_a_good_file_uploaded_by_an_administrator(client, admin_user, db):
    client.force_login(admin_user)
    response = upload(client, xlsx(good_sheets()), "good.xlsx")
    assert response.status_code == 200
    assert "导入完成" in response.content.decode()
    assert Organization.objects.count() == 3
    record = Organization.history.filter(code="G-C").first()
    assert record.history_user == admin_user


def test_it_answers_a_bad_file_with_400_and_the_error_table(client, admin_user, cast):
    client.force_login(admin_user)
    before = row_counts()
    file = xlsx({PERSON: [["BP-1", "某人", "未知", "是"]]})

    response = upload(client, file, "bad.xlsx")

    assert response.status_code == 400
    content = response.content.decode()
    assert '<th scope="col" class="text-nowrap">行</th>' in content
    assert "“未知”不是可选的值" in content
    assert [(e.sheet, e.row, e.column) for e in response.context["errors"]] == [(PERSON, 2, "性别")]
    assert row_counts() == before


def test_it_checks_the_csrf_token_of_an_upload(admin_user, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert upload(client, xlsx(good_sheets()), "good.xlsx").status_code == 403
    assert not Organization.objects.exists()


def test_it_rejects_a_file_of_the_wrong_type_or_size(client, admin_user):
    client.force_login(admin_user)
    response = upload(client, b"hello", "notes.txt")
    assert response.status_code == 400 and "只支持 .xlsx 或 .csv 文件" in response.content.decode()
    big = b"a" * (5 * 1024 * 1024 + 1)
    response = upload(client, big, "big.csv")
    assert response.status_code == 400 and "文件过大" in response.content.decode()


def test_it_keeps_uploads_in_memory_and_never_on_disk(client, admin_user, monkeypatch):
    from django.core.files import uploadedfile

    def no_temporary_file(*args, **kwargs):
        raise AssertionError("upload written to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", no_temporary_file)
    client.force_login(admin_user)
    # Above Django's 2.5 MB in-memory default, below the 5 MB limit.
    data = csv_text([["序号", "单位"]] + [["1", "某单位" * 40]] * 8000).encode()
    assert 2.5 * 1024 * 1024 < len(data) < 5 * 1024 * 1024

    response = upload(client, data, "big.csv")

    assert response.status_code == 400 and "无法识别表头" in response.content.decode()


def test_it_forbids_the_import_to_users_who_are_not_administrators(client_for, cast):
    client = client_for(cast.user("prov_secretary"))
    assert client.get(reverse("org_import")).status_code == 403
    before = row_counts()
    assert upload(client, xlsx(good_sheets()), "good.xlsx").status_code == 403
    assert row_counts() == before
    assert client.get(reverse("org_import_template")).status_code == 403
    assert reverse("org_import") not in client.get(reverse("home")).content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    for name in ("org_import", "org_import_template"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_it_links_the_import_in_the_navbar_for_administrators(client, admin_user):
    client.force_login(admin_user)
    assert reverse("org_import") in client.get(reverse("home")).content.decode()


def test_it_downloads_the_template_as_a_workbook(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("org_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == importer.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert ORG in workbook.sheetnames


# --- The management command ---------------------------------------------------------------


def test_it_the_command_imports_a_good_file_and_prints_the_summary(db, tmp_path):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx(good_sheets()))
    out = io.StringIO()

    call_command("import_org", str(path), stdout=out)

    assert "组织:新增 3,更新 0,未变 0" in out.getvalue()
    assert Tenure.objects.count() == 3


def test_it_the_command_prints_each_error_and_fails(cast, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx({PERSON: [["BP-1", "某人", "未知", "是"]]}))
    err = io.StringIO()
    before = row_counts()

    with pytest.raises(CommandError, match="发现 1 个问题"):
        call_command("import_org", str(path), stderr=err)

    assert "人员 · 行 2 · 列 性别: “未知”不是可选的值" in err.getvalue()
    assert row_counts() == before


def test_it_the_command_dry_run_writes_nothing(db, tmp_path):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx(good_sheets()))
    out = io.StringIO()
    call_command("import_org", str(path), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue()
    assert not Organization.objects.exists()


def test_it_the_command_fails_on_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_org", str(tmp_path / "missing.xlsx"))


def test_it_an_error_reads_as_sheet_row_column_and_message():
    error = RowError(ORG, 3, "类型", "不对。")
    assert str(error) == "组织 · 行 3 · 列 类型: 不对。"
    assert str(RowError("", None, "", "文件不对。")) == "文件不对。"
