"""Importing a responsibility list's items from Word and Excel (issue 16)."""

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from liangge_zeren.spreadsheets import WorkbookWriter
from responsibilities import copies, list_import, lists
from responsibilities.models import ResponsibilityItem, ResponsibilityList, WorkArea

RL = ResponsibilityList
Freq = ResponsibilityItem.Frequency


def xlsx(rows, headers=list_import.SHEET.headers) -> bytes:
    book = WorkbookWriter()
    sheet = book.sheet("责任清单")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


def docx_paragraphs(lines) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_table(rows, headers=("序号", "责任内容", "牵头责任人", "频次")) -> bytes:
    document = docx.Document()
    document.add_paragraph("一号县党委主体责任清单")
    table = document.add_table(rows=1, cols=len(headers))
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = str(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def county_list(cast):
    return lists.create_list(
        org=cast.county1,
        year=timezone.localdate().year,
        subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
        title="一号县委主体责任清单",
        actor=cast.user("county1_secretary"),
    )


# --- Parsing --------------------------------------------------------------------------------


def test_it_reads_frequency_and_count_from_the_text():
    assert list_import.infer_frequency("每季度至少一次听取汇报") == (Freq.QUARTERLY, 1)
    assert list_import.infer_frequency("每年至少召开两次专题会议") == (Freq.ANNUAL, 2)
    assert list_import.infer_frequency("每月开展不少于3次检查") == (Freq.MONTHLY, 3)
    assert list_import.infer_frequency("每半年十二次") == (Freq.SEMIANNUAL, None)
    assert list_import.infer_frequency("加强教育") == (None, None)


def test_it_parses_numbered_paragraphs_with_headings_and_owners():
    data = docx_paragraphs(
        [
            "一号县党委2026年党风廉政建设主体责任清单",
            "一、政治建设",
            "1. 每年至少召开两次常委会会议专题研究党风廉政建设。(牵头:刘海涛)",
            "2、每季度至少听取一次班子成员履行一岗双责情况汇报。",
            "二、作风建设",
            "(3)每月开展一次作风建设明查暗访。",
            "中共一号县委员会",
        ]
    )
    result = list_import.parse_file(data, "清单.docx")
    assert result.ok, result.errors
    assert result.form == "docx-paragraphs"
    first, second, third = result.items
    assert (first.number, first.owner, first.category) == (1, "刘海涛", WorkArea.POLITICAL)
    assert first.content == "每年至少召开两次常委会会议专题研究党风廉政建设。"
    assert (first.frequency, first.min_count) == (Freq.ANNUAL, 2)
    assert (second.frequency, second.min_count, second.category) == (
        Freq.QUARTERLY,
        1,
        WorkArea.POLITICAL,
    )
    assert (third.number, third.category, third.frequency) == (3, WorkArea.CONDUCT, Freq.MONTHLY)


def test_it_parses_a_word_table():
    data = docx_table(
        [(1, "每季度至少一次专题研究廉政风险。", "县委书记", ""), (2, "年度述责述廉。", "", "每年")]
    )
    result = list_import.parse_file(data, "清单.docx")
    assert result.ok, result.errors
    assert result.form == "docx-table"
    assert [(i.row, i.number, i.owner, i.frequency) for i in result.items] == [
        (2, 1, "县委书记", Freq.QUARTERLY),
        (3, 2, "", Freq.ANNUAL),
    ]


def test_it_parses_an_excel_sheet():
    data = xlsx(
        [
            (
                1,
                "每季度至少听取一次汇报。",
                "党风廉政建设和反腐败斗争",
                "刘海涛",
                "",
                "",
                "",
                "会议记录",
            ),
            (2, "每年开展专项检查。", "监督制约", "", "", "每半年", 2, ""),
        ]
    )
    result = list_import.parse_file(data, "清单.xlsx")
    assert result.ok, result.errors
    first, second = result.items
    assert (first.category, first.frequency, first.min_count, first.evidence_required) == (
        WorkArea.ANTI_CORRUPTION,
        Freq.QUARTERLY,
        1,
        "会议记录",
    )
    assert (second.frequency, second.min_count) == (Freq.SEMIANNUAL, 2)


def test_it_reports_every_bad_row_with_row_column_and_message():
    data = xlsx(
        [
            ("x", "内容一", "", "", "", "", "", ""),
            (2, "", "不存在的领域", "", "", "每周五", 0, ""),
            (2, "内容三", "", "", "", "", "", ""),
        ]
    )
    result = list_import.parse_file(data, "清单.xlsx")
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (2, "序号"),
        (3, "责任内容"),
        (3, "工作领域"),
        (3, "频次"),
        (3, "每期最少次数"),
        (4, "序号"),
    }
    assert all(e.message for e in result.errors)
    assert "第 3 行已出现过" in next(e.message for e in result.errors if e.row == 4)


def test_it_refuses_a_file_without_items():
    result = list_import.parse_file(docx_paragraphs(["只有标题"]), "x.docx")
    assert [e.message for e in result.errors] == [
        "文件中没有找到责任条目(编号段落或带“责任内容”表头的表格)。"
    ]


def test_it_both_templates_parse_as_valid_lists():
    for data, name in (
        (list_import.build_docx_template(), "t.docx"),
        (list_import.build_xlsx_template(), "t.xlsx"),
    ):
        result = list_import.parse_file(data, name)
        assert result.ok, (name, result.errors)


# --- Upload, preview, confirm -----------------------------------------------------------------


def upload(client, duty_list, data, name):
    return client.post(
        reverse("duty_list_import", args=[duty_list.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )


def confirm(client, duty_list, response, **overrides):
    payload = response.context["payload"]
    post = {"payload": payload}
    for row in response.context["rows"]:
        n = row["item"].row
        for key in ("owner", "portfolio", "category"):
            post[f"{key}_{n}"] = row["picked"][key]
    post.update(overrides)
    return client.post(reverse("duty_list_import", args=[duty_list.pk]), post)


PARAGRAPHS = [
    "一、政治建设",
    "1. 每年至少召开两次常委会会议专题研究党风廉政建设。(牵头:刘海涛)",
    "2. 每季度至少听取一次班子成员履行一岗双责情况汇报。(牵头:陈晓梅)",
]


def test_it_previews_maps_and_imports_in_one_go(cast, client_for, county_list):
    client = client_for(cast.user("county1_secretary"))
    response = upload(client, county_list, docx_paragraphs(PARAGRAPHS), "清单.docx")
    assert response.status_code == 200
    rows = response.context["rows"]
    secretary, member = cast.tenures["county1_secretary"], cast.tenures["county1_member"]
    assert [r["picked"]["owner"] for r in rows] == [str(secretary.pk), str(member.pk)]
    assert not county_list.items.exists()  # the preview writes nothing

    education = member.portfolios.get(name="教育")
    response = confirm(client, county_list, response, portfolio_3=str(education.pk))
    assert response.status_code == 302
    items = list(county_list.items.order_by("number"))
    assert [i.content for i in items] == [
        "每年至少召开两次常委会会议专题研究党风廉政建设。",
        "每季度至少听取一次班子成员履行一岗双责情况汇报。",
    ]
    assert (items[1].frequency, items[1].min_count, items[1].category) == (
        Freq.QUARTERLY,
        1,
        WorkArea.POLITICAL,
    )
    assert items[1].portfolio == education
    assert [a.tenure for a in items[1].assignments.all()] == [member]


def test_it_re_importing_the_same_file_changes_nothing(cast, client_for, county_list):
    client = client_for(cast.user("county1_secretary"))
    data = docx_paragraphs(PARAGRAPHS)
    confirm(client, county_list, upload(client, county_list, data, "清单.docx"))
    before = list(county_list.items.values_list("pk", "version", "content"))
    history = ResponsibilityItem.history.count()
    response = upload(client, county_list, data, "清单.docx")
    assert all(r["existing"] for r in response.context["rows"])
    # Items already in the list need no mapping: blank choices are fine for them.
    blank = {f"{key}_{n}": "" for key in ("owner", "category") for n in (2, 3)}
    assert confirm(client, county_list, response, **blank).status_code == 302
    assert list(county_list.items.values_list("pk", "version", "content")) == before
    assert ResponsibilityItem.history.count() == history


def test_it_a_bad_mapping_lists_every_row_and_writes_nothing(cast, client_for, county_list):
    client = client_for(cast.user("county1_secretary"))
    response = upload(client, county_list, docx_paragraphs(PARAGRAPHS), "清单.docx")
    outsider = cast.tenures["county2_secretary"]
    response = confirm(
        client, county_list, response, owner_2=str(outsider.pk), owner_3="", category_3=""
    )
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (2, "牵头责任人"),
        (3, "牵头责任人"),
        (3, "工作领域"),
    ]
    assert "不是本单位的在任人员" in response.context["errors"][0].message
    assert not county_list.items.exists()


def test_it_a_bad_file_shows_its_rows_and_writes_nothing(cast, client_for, county_list):
    client = client_for(cast.user("county1_secretary"))
    data = xlsx([(1, "", "", "", "", "", "", ""), (2, "内容", "", "", "", "每周五", "", "")])
    response = upload(client, county_list, data, "清单.xlsx")
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (2, "责任内容"),
        (3, "频次"),
    ]
    assert "行" in response.content.decode()
    assert not county_list.items.exists()


def test_it_refuses_other_kinds_of_files(cast, client_for, county_list):
    client = client_for(cast.user("county1_secretary"))
    response = upload(client, county_list, b"%PDF-1.4 not a list", "清单.docx")
    assert response.status_code == 400
    assert "只支持" in response.content.decode()


def test_it_a_tampered_payload_is_refused(cast, client_for, county_list):
    client = client_for(cast.user("county1_secretary"))
    response = client.post(
        reverse("duty_list_import", args=[county_list.pk]), {"payload": "forged:payload"}
    )
    assert response.status_code == 302
    assert not county_list.items.exists()


def test_it_requires_scope(cast, client_for, county_list):
    url = reverse("duty_list_import", args=[county_list.pk])
    assert client_for(cast.user("county2_secretary")).get(url).status_code == 404


def test_it_refuses_readers_who_may_not_change_the_list(cast, client_for, county_list):
    url = reverse("duty_list_import", args=[county_list.pk])
    response = client_for(cast.user("county1_jw")).get(url)
    assert response.status_code in (403, 404)
    response = client_for(cast.user("county1_jw")).post(
        url, {"file": SimpleUploadedFile("x.docx", docx_paragraphs(PARAGRAPHS))}
    )
    assert response.status_code in (403, 404)
    assert not county_list.items.exists()


def test_it_the_templates_download(cast, client_for):
    client = client_for(cast.user("county1_secretary"))
    for kind in ("docx", "xlsx"):
        response = client.get(reverse("duty_list_import_template", args=[kind]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:2] == b"PK"
    assert client.get(reverse("duty_list_import_template", args=["exe"])).status_code == 404


# --- Copy detection ---------------------------------------------------------------------------

SUPERIOR_TEXT = "市委每季度至少听取一次县级党委落实主体责任情况汇报,并逐一点评。"


def test_it_an_imported_list_pasted_from_a_superior_list_is_flagged(cast, client_for, county_list):
    year = timezone.localdate().year
    city_list = lists.create_list(
        org=cast.city1,
        year=year,
        subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
        title="市委主体责任清单",
        actor=cast.user("city1_secretary"),
    )
    lists.add_item(city_list, actor=cast.user("city1_secretary"), content=SUPERIOR_TEXT)
    client = client_for(cast.user("county1_secretary"))
    data = docx_paragraphs([f"1. {SUPERIOR_TEXT}(牵头:刘海涛)"])
    response = upload(client, county_list, data, "清单.docx")
    confirm(client, county_list, response, category_1=WorkArea.POLITICAL)
    county_list.refresh_from_db()
    assert county_list.template_id is None
    assert (county_list.verbatim_count, county_list.copy_flagged) == (1, True)
    assert county_list.items.get().is_verbatim


def test_it_a_list_typed_from_scratch_with_a_superior_text_is_flagged(cast, county_list):
    year = timezone.localdate().year
    city_list = lists.create_list(
        org=cast.city1,
        year=year,
        subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
        title="市委主体责任清单",
        actor=cast.user("city1_secretary"),
    )
    lists.add_item(city_list, actor=cast.user("city1_secretary"), content=SUPERIOR_TEXT)
    secretary = cast.user("county1_secretary")
    lists.add_item(county_list, actor=secretary, content=f"  {SUPERIOR_TEXT} ")
    lists.add_item(county_list, actor=secretary, content="县委每年对乡镇开展一次巡察。")
    county_list.refresh_from_db()
    assert county_list.verbatim_count == 1
    assert county_list.localisation_ratio == 0.5
    # A sibling county's list is no superior: the same text there is not compared.
    other = lists.create_list(
        org=cast.county2,
        year=year,
        subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
        title="二号县清单",
        actor=cast.user("county2_secretary"),
    )
    lists.add_item(
        other, actor=cast.user("county2_secretary"), content="县委每年对乡镇开展一次巡察。"
    )
    other.refresh_from_db()
    assert other.verbatim_count == 0


def test_it_team_members_copying_each_other_are_flagged(cast):
    year = timezone.localdate().year
    secretary = cast.user("county1_secretary")
    text = "每季度至少与分管部门主要负责人开展一次廉政谈话,督促落实主体责任。"

    def member_list(tenure_key, content):
        duty_list = lists.create_list(
            org=cast.county1,
            year=year,
            subject_type=RL.SubjectType.TEAM_MEMBER,
            subject_tenure=cast.tenures[tenure_key],
            title=f"{tenure_key}一岗双责清单",
            actor=secretary,
        )
        lists.add_item(duty_list, actor=secretary, content=content)
        duty_list.refresh_from_db()
        return duty_list

    first = member_list("county1_member", text)
    assert first.verbatim_count == 0
    second = member_list("county1_secretary", text)
    assert (second.verbatim_count, second.copy_flagged) == (1, True)


def test_it_copy_detection_queries_do_not_grow_with_the_superiors_lists(cast, county_list):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    year = timezone.localdate().year
    secretary = cast.user("county1_secretary")
    for n in range(3):
        lists.add_item(county_list, actor=secretary, content=f"本县条目{n}")

    def superior_list(org, user):
        superior = lists.create_list(
            org=org,
            year=year,
            subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
            title="上级清单",
            actor=cast.user(user),
        )
        for n in range(3):
            lists.add_item(superior, actor=cast.user(user), content=f"上级条目{n}{SUPERIOR_TEXT}")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            copies.refresh_copy_detection(county_list, actor=secretary)
        return len(captured.captured_queries)

    superior_list(cast.province, "prov_secretary")
    few = count()
    superior_list(cast.city1, "city1_secretary")
    superior_list(cast.province, "prov_secretary")
    assert count() == few <= 12
