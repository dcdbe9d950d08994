"""Spreadsheets in and out: one bounded reader for imports, one formula-safe writer for exports.

Reading (imports of the org tree and of indicator sets):
- `open_workbook` gives the sheets of an .xlsx workbook or a .csv file as rows of cell
  values. A file is bounded by what it expands to, not only by its size: before anything is
  parsed, the archive's directory is checked (total uncompressed size, each member's
  compression ratio) and its XML is scanned as a stream (rows, cells, shared strings, bytes
  per row); then openpyxl parses it in read-only (streaming) mode and a row and cell budget
  stops it. Every refusal is a `SpreadsheetRefused` with a Chinese message naming the limit.
- `TableReader` turns those rows into `Table`s of the `Sheet`s an importer defines (header
  row recognised by column names), and `Row` gives typed access to one data row's cells;
  every problem goes to the importer's `ImportLog` as (sheet, row, column, message).

Writing (every .xlsx the application produces): `WorkbookWriter` / `SheetWriter`. Every value
goes through `safe_value`, so text that a spreadsheet would read as a formula (starting with
=, +, -, @, tab or CR) is written as text prefixed with an apostrophe; numbers and dates stay
typed. No other module uses openpyxl (a test keeps it that way).

The limits are settings (`SPREADSHEET_MAX_*`, see liangge_zeren/settings.py) with the
defaults below.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import openpyxl
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HELP_SHEET = "说明"  # an import template's explanation sheet; never read as data

MB = 1024 * 1024

# --- Limits --------------------------------------------------------------------------------

DEFAULT_MAX_UNCOMPRESSED_MB = 100  # a full 5 MB upload of real data expands to ~75 MB
DEFAULT_MAX_COMPRESSION_RATIO = 100  # real sheets compress 4-15 times; zip bombs ~1,000
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_CELLS = 1_000_000
MAX_MEMBERS = 1_000  # parts of one archive (a workbook has a few dozen)
MAX_ROW_BYTES = MB  # XML of one row: openpyxl holds a whole row in memory while parsing it
RATIO_FLOOR_BYTES = MB  # smaller members cannot hurt, whatever their ratio


class SpreadsheetRefused(ValueError):
    """A file that is not read: damaged, of the wrong kind, or past a limit (Chinese text)."""


@dataclass(frozen=True)
class Limits:
    uncompressed_bytes: int
    compression_ratio: int
    rows: int
    cells: int

    @classmethod
    def from_settings(cls) -> Limits:
        def setting(name: str, default: int) -> int:
            return int(getattr(settings, name, default))

        return cls(
            uncompressed_bytes=setting(
                "SPREADSHEET_MAX_UNCOMPRESSED_MB", DEFAULT_MAX_UNCOMPRESSED_MB
            )
            * MB,
            compression_ratio=setting(
                "SPREADSHEET_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO
            ),
            rows=setting("SPREADSHEET_MAX_ROWS", DEFAULT_MAX_ROWS),
            cells=setting("SPREADSHEET_MAX_CELLS", DEFAULT_MAX_CELLS),
        )


def _damaged() -> SpreadsheetRefused:
    return SpreadsheetRefused(_("无法读取 Excel 文件,请确认文件是 .xlsx 格式且没有损坏。"))


def _too_many_rows(limit: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("文件超过 %(limit)s 行的上限,请拆分后分批导入。") % {"limit": f"{limit:,}"}
    )


def _too_many_cells(limit: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("文件超过 %(limit)s 个单元格的上限,请删除多余的行列或拆分后分批导入。")
        % {"limit": f"{limit:,}"}
    )


def check_archive(data: bytes, limits: Limits | None = None) -> None:
    """Refuse a zip archive (.xlsx, .docx) that would expand past the limits, from its
    directory alone, before anything is decompressed.

    The declared sizes are the sizes any reader sees: Python's zipfile never yields more than
    a member's declared size, and fails the CRC check when the data holds more."""
    limits = limits or Limits.from_settings()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _damaged() from exc
    if len(members) > MAX_MEMBERS:
        raise SpreadsheetRefused(
            _("文件包含 %(count)s 个部件,超过 %(limit)s 个的上限,不是正常的 Excel 文件。")
            % {"count": f"{len(members):,}", "limit": f"{MAX_MEMBERS:,}"}
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > limits.compression_ratio:
            raise SpreadsheetRefused(
                _(
                    "文件中的“%(name)s”压缩比为 %(ratio)d 倍,超过 %(limit)d 倍的上限"
                    "(可能是压缩炸弹),已拒绝读取。"
                )
                % {"name": member.filename, "ratio": ratio, "limit": limits.compression_ratio}
            )
    total = sum(member.file_size for member in members)
    if total > limits.uncompressed_bytes:
        raise SpreadsheetRefused(
            _(
                "文件解压后为 %(size)s MB,超过 %(limit)s MB 的上限(可能是压缩炸弹),"
                "已拒绝读取。请删除多余内容或拆分后分批导入。"
            )
            % {"size": f"{total / MB:,.0f}", "limit": f"{limits.uncompressed_bytes // MB:,}"}
        )


# A start or end tag of the elements that cost memory when parsed (any namespace prefix).
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]{0,15}:)?(row|c|si|sheetData)[\s>/]")
_TAG_MAX = 32  # bytes a tag match can span: kept from one chunk to the next
_CHUNK = MB


@dataclass
class _Scan:
    """Counts over the XML of a whole archive, checked as the stream goes by."""

    limits: Limits
    rows: int = 0
    cells: int = 0
    shared_strings: int = 0
    row_start: int | None = None  # offset of the current row in the current member

    def tag(self, closing: bool, name: bytes, offset: int) -> None:
        if closing:
            if name == b"sheetData":
                self.end_rows(offset)
            return
        if name == b"row":
            self.end_rows(offset)
            self.row_start = offset
            self.rows += 1
            if self.rows > self.limits.rows:
                raise _too_many_rows(self.limits.rows)
        elif name == b"c":
            self.cells += 1
            if self.cells > self.limits.cells:
                raise _too_many_cells(self.limits.cells)
        elif name == b"si":
            self.shared_strings += 1  # each one becomes an object in memory
            if self.shared_strings > self.limits.cells:
                raise _too_many_cells(self.limits.cells)

    def end_rows(self, offset: int) -> None:
        if self.row_start is not None and offset - self.row_start > MAX_ROW_BYTES:
            raise SpreadsheetRefused(
                _("文件中有一行超过 %(limit)s MB,不是正常的表格,已拒绝读取。")
                % {"limit": MAX_ROW_BYTES // MB}
            )
        self.row_start = None


def _scan_member(stream: io.BufferedIOBase, scan: _Scan) -> None:
    carried, base = b"", 0  # base: offset of `carried` in the member
    while True:
        chunk = stream.read(_CHUNK)
        buffer = carried + chunk
        # A match starting in the last _TAG_MAX bytes may be cut: it is found again next time.
        stop = len(buffer) if not chunk else len(buffer) - _TAG_MAX
        for match in _TAG.finditer(buffer, 0, len(buffer)):
            if match.start() >= stop:
                break
            scan.tag(bool(match.group(1)), match.group(2), base + match.start())
        if not chunk:
            scan.end_rows(base + len(buffer))
            return
        carried, base = buffer[stop:], base + stop


def scan_workbook(data: bytes, limits: Limits | None = None) -> None:
    """Count rows, cells and shared strings in the XML as a stream, before openpyxl parses
    any of it (it holds every shared string, and a whole row, in memory)."""
    scan = _Scan(limits or Limits.from_settings())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                if member.filename.lower().endswith(".xml"):
                    with archive.open(member) as stream:
                        _scan_member(stream, scan)
    except SpreadsheetRefused:
        raise
    except Exception as exc:  # zipfile and zlib raise many kinds of errors for damaged data
        raise _damaged() from exc


# --- Reading files -------------------------------------------------------------------------


@dataclass
class RawSheet:
    """One sheet as rows of cell values (title "" for a CSV file)."""

    title: str
    rows: Iterator[Sequence[object]]
    is_csv: bool = False


class _Budget:
    """Rows and cells handed out for the whole file; past a limit the file is refused."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.rows = 0
        self.cells = 0

    def spend(self, rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
        try:
            for row in rows:
                self.rows += 1
                self.cells += len(row)
                if self.rows > self.limits.rows:
                    raise _too_many_rows(self.limits.rows)
                if self.cells > self.limits.cells:
                    raise _too_many_cells(self.limits.cells)
                yield row
        except (SpreadsheetRefused, GeneratorExit):
            raise
        except csv.Error as exc:
            raise SpreadsheetRefused(
                _("无法读取 CSV 文件:%(error)s。请检查引号和分隔符。") % {"error": exc}
            ) from exc
        except Exception as exc:  # openpyxl raises many kinds of errors for a damaged sheet
            raise _damaged() from exc


@contextmanager
def open_workbook(
    data: bytes, filename: str = "", limits: Limits | None = None
) -> Iterator[list[RawSheet]]:
    """The sheets of an .xlsx workbook or a .csv file, read within the limits.

    Raises SpreadsheetRefused (before parsing, or while the rows are read); the rows must be
    read inside the `with` block."""
    limits = limits or Limits.from_settings()
    budget = _Budget(limits)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise SpreadsheetRefused(_("不支持旧版 .xls 文件,请在 Excel 中另存为 .xlsx 后再导入。"))
    if data[:4] != b"PK\x03\x04" and not filename.lower().endswith(".xlsx"):
        yield [RawSheet("", budget.spend(_csv_rows(data)), is_csv=True)]
        return
    check_archive(data, limits)
    scan_workbook(data, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for a damaged file
        raise _damaged() from exc
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            # Declared dimensions may lie: rows are as wide as their cells, no wider.
            worksheet.reset_dimensions()
            rows = worksheet.iter_rows(values_only=True)
            sheets.append(RawSheet(worksheet.title, budget.spend(rows)))
        yield sheets
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    """The rows of a UTF-8 or GBK CSV (comma or tab separated)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetRefused(_("无法识别文件编码,请保存为 UTF-8 或 GBK 编码的 CSV 文件。"))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


# --- Cell values ---------------------------------------------------------------------------

TRUE_WORDS = {"是", "true", "t", "yes", "y", "1", "√", "✓", "有效"}
FALSE_WORDS = {"否", "false", "f", "no", "n", "0", "×", "✗", "无效"}
DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?$"
)
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
SPLIT_RE = re.compile(r"[;；]")


def cell_text(value: object) -> str:
    """A cell as the text the user typed (integral floats without ".0", dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def fold(text: str) -> str:
    """Compare loosely: full-width → half-width, no spaces, no case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def header_text(value: object) -> str:
    return unicodedata.normalize("NFKC", cell_text(value)).strip().lstrip("*").strip()


def sheet_title(title: str) -> str:
    return unicodedata.normalize("NFKC", title).strip()


def source_label(label: object) -> str:
    """The Chinese msgid of a lazy label, whatever language is active."""
    with translation.override(None):
        return str(label)


def choice_labels(choices: type[models.TextChoices]) -> list[str]:
    return [source_label(label) for label in choices.labels]


def choice_table(choices: type[models.TextChoices]) -> dict[str, str]:
    """Folded value, Chinese label, translated label (and unambiguous short label) → value."""
    return _choice_table_for(choices, translation.get_language())


@functools.lru_cache(maxsize=64)
def _choice_table_for(choices: type[models.TextChoices], language: str | None) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices.choices:
        for key in (value, source_label(label), str(label)):
            table.setdefault(fold(key), value)
    # Also the part before a bracket when unambiguous: "书记" for "书记(第一责任人)", "县".
    shorts: dict[str, list[str]] = {}
    for value, label in choices.choices:
        short = fold(source_label(label)).split("(")[0]
        shorts.setdefault(short, []).append(value)
    for short, values in shorts.items():
        if short and len(values) == 1:
            table.setdefault(short, values[0])
    return table


def parse_date(text: str) -> datetime.date | None:
    text = unicodedata.normalize("NFKC", text).strip()
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def split_list(text: str) -> list[str]:
    """Parts separated by ; or ；, stripped, without blanks or repeats, in order."""
    seen: dict[str, None] = {}
    for part in SPLIT_RE.split(text):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


# --- The format of an import ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the model field it fills; maps model validation messages back to the column
    kind: str = "text"  # text | code | codes | choice | bool | date | list
    required: bool = False
    choices: type[models.TextChoices] | None = None
    help: object = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    example: tuple[object, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(c.header for c in self.columns if c.required)

    def column_of_field(self, name: str) -> str:
        return next((c.header for c in self.columns if c.field == name), "")

    def position(self, header: str) -> int:
        return self.headers.index(header) if header in self.headers else -1


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None  # the row number the user sees in Excel (the header is row 1)
    column: str
    message: str

    def __str__(self) -> str:
        parts = []
        if self.sheet:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(_("行 %(row)d") % {"row": self.row})
        if self.column:
            parts.append(_("列 %(column)s") % {"column": self.column})
        where = " · ".join(parts)
        return f"{where}: {self.message}" if where else self.message


def write_failed(detail: object) -> RowError:
    """The error of an import whose checked rows could not be written (all rolled back)."""
    return RowError("", None, "", _("写入时出错,已全部撤销,请重试:%(error)s") % {"error": detail})


KEEP_NOTE = gettext_lazy("留空时:新记录用默认值,已有记录保留原值。")


def column_help(column: Column, *, blank_keeps: bool = True) -> str:
    """A template's help for a column: its own help, the values it accepts and, where an
    import updates stored rows (`blank_keeps`), that an optional blank keeps the stored value."""
    parts = [str(column.help)] if column.help else []
    if column.choices is not None:
        parts.append(
            _("可填:%(labels)s(也可填对应的英文值:%(values)s)。")
            % {
                "labels": "、".join(choice_labels(column.choices)),
                "values": "、".join(column.choices.values),
            }
        )
    keeps = not column.required and column.kind != "bool" and "留空:" not in str(column.help)
    if blank_keeps and keeps:
        parts.append(str(KEEP_NOTE))
    return "".join(parts)


class ImportLog(Protocol):
    """Where a reader reports: the importer's errors (sortable by sheet kind) and notices."""

    notices: list[str]

    def error(
        self, title: str, row: int | None, column: str, message: str, *, sheet_kind: str
    ) -> None: ...


class ErrorLog:
    """The plain ImportLog: every problem as a RowError, in the order reported."""

    def __init__(self) -> None:
        self.notices: list[str] = []
        self.errors: list[RowError] = []

    def error(
        self, title: str, row: int | None, column: str, message: str, *, sheet_kind: str = ""
    ) -> None:
        self.errors.append(RowError(title, row, column, str(message)))


@dataclass
class Table:
    sheet: Sheet
    title: str  # the sheet name the user sees
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)


def recognise(headers: Iterable[str], sheets: Sequence[Sheet]) -> Sheet | None:
    """The sheet whose required columns are all present (best overlap wins)."""
    present = set(headers)
    candidates = [s for s in sheets if s.required <= present]
    if not candidates:
        return None
    return max(candidates, key=lambda s: len(present & set(s.headers)))


# --- Reading tables ------------------------------------------------------------------------


class TableReader:
    """Reads a file into the tables of `sheets`.

    Several sheets (`single=False`): each worksheet is the sheet of its name or, failing
    that, of its header row; a CSV file must have a recognisable header row. One sheet
    (`single=True`): the worksheet named like it, else the first one; a CSV file is it."""

    def __init__(
        self,
        log: ImportLog,
        sheets: Sequence[Sheet],
        *,
        single: bool = False,
        limits: Limits | None = None,
    ):
        self.log = log
        self.sheets = tuple(sheets)
        self.by_name = {s.name: s for s in self.sheets}
        self.single = single
        self.limits = limits

    def read(self, data: bytes, filename: str = "") -> list[Table]:
        try:
            with open_workbook(data, filename, self.limits) as raw:
                return self._tables(raw)
        except SpreadsheetRefused as refused:
            self.log.error("", None, "", str(refused), sheet_kind="")
            return []

    def _tables(self, raw: list[RawSheet]) -> list[Table]:
        if len(raw) == 1 and raw[0].is_csv:
            sheet = self.sheets[0] if self.single else None
            table = self.table("", raw[0].rows, sheet, must_recognise=not self.single)
            return [table] if table is not None else []
        data_sheets = [s for s in raw if sheet_title(s.title) != HELP_SHEET]
        if self.single:
            named = [s for s in data_sheets if sheet_title(s.title) == self.sheets[0].name]
            chosen = (named or data_sheets)[:1]
            if chosen and len(data_sheets) > 1:
                self.log.notices.append(
                    _("只导入工作表“%(title)s”,其他工作表已忽略。") % {"title": chosen[0].title}
                )
            data_sheets = chosen
        tables = []
        for raw_sheet in data_sheets:
            title = sheet_title(raw_sheet.title)
            sheet = self.sheets[0] if self.single else self.by_name.get(title)
            table = self.table(title, raw_sheet.rows, sheet)
            if table is not None:
                tables.append(table)
        return tables

    def table(
        self,
        title: str,
        rows: Iterator[Sequence[object]],
        sheet: Sheet | None,
        must_recognise: bool = False,
    ) -> Table | None:
        numbered = enumerate(rows, start=1)
        for number, cells in numbered:
            if any(cell_text(c) for c in cells):
                header_row, headers = number, [header_text(c) for c in cells]
                break
        else:
            return None  # an empty sheet
        if sheet is None:
            sheet = recognise((h for h in headers if h), self.sheets)
            if sheet is None:
                self._unrecognised(title, header_row, must_recognise)
                return None
        title = title or sheet.name
        index = self._index(title, header_row, headers, sheet)
        if index is None:
            return Table(sheet, title)
        data = []
        for number, cells in numbered:
            values = {h: cells[i] if i < len(cells) else None for h, i in index.items()}
            if any(cell_text(v) for v in values.values()):
                data.append((number, values))
        return Table(sheet, title, data)

    def _unrecognised(self, title: str, header_row: int, must_recognise: bool) -> None:
        if must_recognise:
            expected = ";".join(f"{s.name}:{'、'.join(s.headers)}" for s in self.sheets)
            self.log.error(
                title,
                header_row,
                "",
                _("无法识别表头,应为以下之一 —— %(expected)s。") % {"expected": expected},
                sheet_kind="",
            )
        elif title:
            self.log.notices.append(
                _("工作表“%(title)s”不是可导入的表,已忽略。") % {"title": title}
            )

    def _index(
        self, title: str, header_row: int, headers: list[str], sheet: Sheet
    ) -> dict[str, int] | None:
        """Header → position; None when a required column is missing (each is reported)."""
        index: dict[str, int] = {}
        for position, header in enumerate(headers):
            if not header:
                continue
            if header not in sheet.headers:
                self.log.notices.append(
                    _("工作表“%(title)s”中的列“%(header)s”不是导入字段,已忽略。")
                    % {"title": title, "header": header}
                )
            elif header in index:
                self.log.error(
                    title, header_row, header, _("表头中这一列出现了两次。"), sheet_kind=sheet.name
                )
            else:
                index[header] = position
        missing = [h for h in sheet.headers if h in sheet.required and h not in index]
        for header in missing:
            self.log.error(
                title,
                header_row,
                header,
                _("缺少必填列“%(header)s”。") % {"header": header},
                sheet_kind=sheet.name,
            )
        return None if missing else index


class Row:
    """One data row: typed access to its cells; a problem marks its column bad."""

    def __init__(self, log: ImportLog, table: Table, number: int, values: dict[str, object]):
        self.log = log
        self.sheet = table.sheet
        self.title = table.title
        self.number = number
        self.values = values
        self.bad: set[str] = set()

    def error(self, column: str, message: str) -> None:
        self.bad.add(column)
        self.log.error(self.title, self.number, column, message, sheet_kind=self.sheet.name)

    def text(self, column: str, *, required: bool = False) -> str:
        value = cell_text(self.values.get(column))
        if required and not value:
            self.error(column, _("必须填写。"))
        return value

    def optional(self, column: str) -> str | None:
        return self.text(column) or None

    def choice(
        self, column: str, choices: type[models.TextChoices], *, required: bool = False
    ) -> str | None:
        value = self.text(column, required=required)
        if not value:
            return None
        found = choice_table(choices).get(fold(value))
        if found is None:
            self.error(
                column,
                _("“%(value)s”不是可选的值,可填:%(allowed)s。")
                % {"value": value, "allowed": "、".join(choice_labels(choices))},
            )
        return found

    def boolean(self, column: str) -> bool | None:
        value = self.values.get(column)
        if isinstance(value, bool):
            return value
        text = fold(cell_text(value))
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        self.error(column, _("“%(value)s”应填“是”或“否”。") % {"value": cell_text(value)})
        return None

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self.values.get(column)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = self.text(column, required=required)
        if not text:
            return None
        parsed = parse_date(text)
        if parsed is None:
            self.error(
                column,
                _("“%(value)s”不是有效日期,请填 YYYY-MM-DD,如 2024-01-01。") % {"value": text},
            )
        return parsed

    def codes(self, column: str) -> list[str] | None:
        return split_list(self.text(column)) or None


# --- Writing -------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CellValue = str | int | float | Decimal | datetime.date | datetime.time | datetime.timedelta | None
_TYPED = (int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)
_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")
HEADER_FILL = "F8D7DA"
TEMPLATE_ROWS = 1000  # rows of an import template prepared with formats and drop-downs


def safe_value(value: object) -> CellValue:
    """A value as a cell holds it: numbers and dates typed, everything else text; text that a
    spreadsheet would read as a formula gets a leading apostrophe, and characters XML cannot
    carry become U+FFFD."""
    if value is None or isinstance(value, _TYPED):  # bool is an int
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class SheetWriter:
    """One worksheet: rows appended through `safe_value`, and the few layout touches the
    exports and templates use (1-based column numbers, as in Excel)."""

    def __init__(self, worksheet: Any, *, streaming: bool):
        self.worksheet = worksheet  # openpyxl Worksheet or WriteOnlyWorksheet
        self.streaming = streaming

    def append(self, values: Iterable[object]) -> None:
        self.worksheet.append([safe_value(v) for v in values])

    def header(self, values: Iterable[object], *, fill: bool = False) -> None:
        """A bold row (with the templates' pale red fill when `fill`)."""
        font = Font(bold=True)
        fill_style = PatternFill("solid", fgColor=HEADER_FILL) if fill else None
        if self.streaming:
            cells = []
            for value in values:
                cell = WriteOnlyCell(self.worksheet, safe_value(value))
                cell.font = font
                if fill_style is not None:
                    cell.fill = fill_style
                cells.append(cell)
            self.worksheet.append(cells)
            return
        self.append(values)
        for cell in self.worksheet[self.worksheet.max_row]:
            cell.font = font
            if fill_style is not None:
                cell.fill = fill_style

    @property
    def row_count(self) -> int:
        return int(self.worksheet.max_row)

    def font(self, cell: str, **options: object) -> None:
        self.worksheet[cell].font = Font(**options)

    def widths(self, widths: Mapping[int, float]) -> None:
        for column, width in widths.items():
            self.worksheet.column_dimensions[get_column_letter(column)].width = width

    def freeze(self, cell: str = "A2") -> None:
        self.worksheet.freeze_panes = cell

    def number_format(self, column: int, rows: range, number_format: str) -> None:
        for row in rows:
            self.worksheet.cell(row=row, column=column).number_format = number_format

    def wrap(self, *, min_row: int, columns: Iterable[int] | None = None) -> None:
        """Wrap text (aligned to the top) in the given columns (default: all) from `min_row`."""
        wanted = set(columns) if columns is not None else None
        for row in self.worksheet.iter_rows(min_row=min_row):
            for cell in row:
                if wanted is None or cell.column in wanted:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")

    def choices(self, column: int, options: Sequence[str], rows: range) -> None:
        """A drop-down of `options` (the user may still type another value)."""
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=False,
        )
        letter = get_column_letter(column)
        validation.add(f"{letter}{rows.start}:{letter}{rows.stop - 1}")
        self.worksheet.add_data_validation(validation)


class WorkbookWriter:
    """A new workbook. `streaming` writes rows straight out (for long exports: constant
    memory, but no layout after the rows are written)."""

    def __init__(self, *, streaming: bool = False):
        self.streaming = streaming
        self.book = openpyxl.Workbook(write_only=streaming)
        if not streaming:
            self.book.remove(self.book.active)

    def sheet(self, title: str) -> SheetWriter:
        """A new sheet; the title is cut to Excel's 31 characters, without []:*?/\\."""
        clean = _SHEET_TITLE_BAD.sub("_", str(title)).strip("'")[:31] or "Sheet"
        return SheetWriter(self.book.create_sheet(clean), streaming=self.streaming)

    def template_sheet(
        self, sheet: Sheet, rows: Iterable[Sequence[object]], *, widths: Mapping[int, float]
    ) -> SheetWriter:
        """An import template's sheet: the header, example `rows`, and for the first
        TEMPLATE_ROWS rows text format for codes, date format for dates and a drop-down for
        choices and yes/no."""
        writer = self.sheet(sheet.name)
        writer.header(sheet.headers, fill=True)
        for row in rows:
            writer.append(row)
        writer.freeze()
        writer.widths(widths)
        data_rows = range(2, TEMPLATE_ROWS + 1)
        for position, column in enumerate(sheet.columns, start=1):
            if column.kind in ("code", "codes"):  # text keeps leading zeros, as in "0012"
                writer.number_format(position, data_rows, "@")
            elif column.kind == "date":
                writer.number_format(position, data_rows, "yyyy-mm-dd")
            if column.choices is not None:
                writer.choices(position, choice_labels(column.choices), data_rows)
            elif column.kind == "bool":
                writer.choices(position, ["是", "否"], data_rows)
        return writer

    def help_sheet(self, title: str, notes: Iterable[str]) -> SheetWriter:
        """An import template's 说明 sheet: a title and numbered notes; the caller adds the
        table of columns."""
        writer = self.sheet(HELP_SHEET)
        writer.append([title])
        writer.font("A1", bold=True, size=14)
        for note in notes:
            writer.append([note])
        writer.append([])
        return writer

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()
