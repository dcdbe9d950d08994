"""The spreadsheet kit: the reader refuses what would expand past its limits (zip bombs, row
and cell floods) before parsing, with a Chinese message naming the limit; the writer writes
formula-like text as text and keeps numbers and dates typed."""

import ast
import datetime
import io
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import importer as indicator_importer
from liangge_zeren import spreadsheets
from liangge_zeren.actors import COMMAND
from liangge_zeren.spreadsheets import WorkbookWriter, safe_value
from responsibilities import importer
from tests.liangge_zeren import bombs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bombs.shared_strings_bomb(300)


@pytest.fixture
def never_parsed(monkeypatch):
    """Fails the test if openpyxl is asked to parse the file."""

    def parse(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)


def messages(result) -> list[str]:
    return [e.message for e in result.errors]


# --- Zip bombs -----------------------------------------------------------------------------


def test_it_refuses_a_shared_strings_bomb_before_parsing_it(bomb, never_parsed, db):
    members = zipfile.ZipFile(io.BytesIO(bomb)).infolist()
    inflated = sum(m.file_size for m in members)
    assert len(bomb) < 1024 * 1024 and inflated > 300 * 1024 * 1024  # the crafted bomb
    result = importer.import_file(bomb, "bomb.xlsx", actor=COMMAND)
    assert not result.applied
    [message] = messages(result)
    assert "xl/sharedStrings.xml" in message and "超过 100 倍的上限" in message
    assert "压缩炸弹" in message


def test_it_refuses_by_the_total_uncompressed_size_when_the_ratio_is_allowed(
    bomb, never_parsed, settings, db
):
    settings.SPREADSHEET_MAX_COMPRESSION_RATIO = 10_000
    [message] = messages(importer.import_file(bomb, "bomb.xlsx", actor=COMMAND))
    assert "超过 100 MB 的上限" in message and "压缩炸弹" in message
    # Past both directory checks, the stream scan still counts the strings before parsing.
    settings.SPREADSHEET_MAX_UNCOMPRESSED_MB = 400
    [message] = messages(importer.import_file(bomb, "bomb.xlsx", actor=COMMAND))
    assert "超过 1,000,000 个单元格的上限" in message


def test_it_the_indicator_import_refuses_the_bomb_too(bomb, never_parsed, db):
    result = indicator_importer.import_file(bomb, "bomb.xlsx", year=2027, actor=COMMAND)
    assert not result.applied
    assert any("压缩炸弹" in m for m in messages(result))


def test_it_the_upload_page_answers_a_bomb_with_400_and_the_reason(bomb, client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("bomb.xlsx", bomb)
    response = client.post(reverse("org_import"), {"file": upload})
    assert response.status_code == 400
    assert "压缩炸弹" in response.content.decode()


# --- Rows and cells ------------------------------------------------------------------------


def test_it_refuses_too_many_rows_before_parsing(settings, never_parsed, db):
    settings.SPREADSHEET_MAX_ROWS = 100
    [message] = messages(
        importer.import_file(bombs.workbook(bombs.org_rows(150)), "x.xlsx", actor=COMMAND)
    )
    assert message == "文件超过 100 行的上限,请拆分后分批导入。"


def test_it_refuses_too_many_cells_before_parsing(settings, never_parsed, db):
    settings.SPREADSHEET_MAX_CELLS = 500
    [message] = messages(
        importer.import_file(bombs.workbook(bombs.org_rows(150)), "x.xlsx", actor=COMMAND)
    )
    assert "超过 500 个单元格的上限" in message


def test_it_refuses_a_row_larger_than_a_megabyte_before_parsing(never_parsed, db):
    [message] = messages(importer.import_file(bombs.wide_row(), "wide.xlsx", actor=COMMAND))
    assert message == "文件中有一行超过 1 MB,不是正常的表格,已拒绝读取。"


def test_it_stops_reading_rows_a_tiny_file_expands_to(db):
    data = bombs.far_row(1_000_000)  # one cell on row 1,000,000: a million rows to read
    assert len(data) < 10_000
    started = time.perf_counter()
    [message] = messages(importer.import_file(data, "far.xlsx", actor=COMMAND))
    print(f"far row refused after {time.perf_counter() - started:.2f} s")
    assert message == "文件超过 100,000 行的上限,请拆分后分批导入。"


def test_it_bounds_csv_files_by_the_same_limits(settings, db):
    settings.SPREADSHEET_MAX_CELLS = 100
    rows = "\n".join(",".join(r) for r in [list(importer.SHEETS[0].headers)] * 30)
    [message] = messages(importer.import_file(rows.encode(), "x.csv", actor=COMMAND))
    assert "超过 100 个单元格的上限" in message


def test_it_reports_a_csv_field_past_the_csv_modules_limit(db):
    data = ("编码,名称,类型\n" + '"' + "长" * 200_000 + '",x,县\n').encode()
    [message] = messages(importer.import_file(data, "x.csv", actor=COMMAND))
    assert message.startswith("无法读取 CSV 文件")


def test_it_a_damaged_member_is_a_clear_error_not_a_crash(db):
    good = bombs.workbook(bombs.org_rows(3))
    # The sheet's data replaced by bytes that are not XML.
    data = bombs.replace_member(good, "xl/worksheets/sheet1.xml", lambda s: s.write(b"\x00" * 64))
    [message] = messages(importer.import_file(data, "x.xlsx", actor=COMMAND))
    assert message == "无法读取 Excel 文件,请确认文件是 .xlsx 格式且没有损坏。"


def test_it_a_legal_workbook_within_the_limits_still_imports(db):
    result = importer.import_file(
        bombs.workbook(bombs.org_rows(2)), "ok.xlsx", dry_run=True, actor=COMMAND
    )
    assert result.ok, result.errors
    assert result.counts[importer.ORG].created == 2


# --- The writer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_it_formula_like_text_is_written_as_text(text):
    book = WorkbookWriter()
    book.sheet("s").append([text, 7, -7, Decimal("1.5"), None, datetime.date(2026, 1, 2)])
    sheet = openpyxl.load_workbook(io.BytesIO(book.to_bytes())).active
    cells = list(sheet.iter_rows())[0]
    assert cells[0].data_type == "s" and cells[0].value == "'" + text
    assert [c.value for c in cells[1:4]] == [7, -7, 1.5]
    assert cells[4].value is None and cells[5].value == datetime.datetime(2026, 1, 2)


def test_it_the_streaming_writer_neutralises_the_header_and_rows_too():
    book = WorkbookWriter(streaming=True)
    sheet = book.sheet("审计/日志")  # "/" is not allowed in a sheet title
    sheet.header(["=1", "a"])
    sheet.append(["@x", 1])
    values = list(openpyxl.load_workbook(io.BytesIO(book.to_bytes())).active.values)
    assert values == [("'=1", "a"), ("'@x", 1)]


def test_it_text_xml_cannot_carry_is_replaced_not_a_crash():
    assert safe_value("a\x0bb\x00") == "a\ufffdb\ufffd"
    assert safe_value(True) is True and safe_value("普通文字") == "普通文字"


def test_it_no_module_but_the_kit_uses_openpyxl():
    """Every spreadsheet the application reads or writes goes through liangge_zeren/spreadsheets."""
    kit = Path(spreadsheets.__file__).resolve()
    tops = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in {"tests", "var", "static"}]
    paths = [p for top in tops if not top.name.startswith(".") for p in top.rglob("*.py")]
    users = []
    for path in paths:
        if path.resolve() == kit:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "openpyxl" or n.startswith("openpyxl.") for n in names):
                users.append(str(path.relative_to(ROOT)))
    assert users == []
