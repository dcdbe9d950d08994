"""Import the items of a responsibility list from a Word (.docx) or Excel (.xlsx) file.

Three steps (list_import_views.py):

1. `parse_file` reads the file into `ParsedItem`s: an .xlsx workbook (the first sheet, or the
   one named 责任清单) or a .docx table with the header row of `SHEET`, or a .docx whose items
   are numbered paragraphs ("1." "2、" "(3)" or Word's automatic numbering; a heading such as
   "一、政治建设" sets the work area of the items under it; a trailing "(牵头:县委书记)" names
   the owner). Frequency and count come from the 频次/每期最少次数 columns or, where those are
   blank, from the text: "每季度至少一次" → quarterly, at least 1. Every problem is a
   `RowError` (row as seen in the file, column, Chinese message).
2. The preview maps each item to its owner post (a current tenure of the list's unit), its
   portfolio (分管领域) and work area; `guess_*` preselect what the file says.
3. `import_items` checks every mapped row (each problem is reported, nothing written) and
   then writes all of them in one transaction through `lists.add_item` with `actor`; copy
   detection runs once at the end. An item whose text (normalised as copy detection does)
   is already an active item of the list is left alone, so importing the same file again
   changes nothing.

Reading is bounded: xlsx through the shared spreadsheet kit; docx only after the kit's
`check_archive` (uncompressed size, compression ratio) and with a paragraph budget.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren.actors import Actor, write_service
from liangge_zeren.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Column,
    RowError,
    Sheet,
    SpreadsheetRefused,
    TableReader,
    WorkbookWriter,
    cell_text,
    check_archive,
    choice_labels,
    choice_table,
    column_help,
    fold,
    header_text,
    recognise,
)
from responsibilities import lists
from responsibilities.copies import normalise_text, refresh_copy_detection
from responsibilities.models import (
    Portfolio,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
    WorkArea,
)

__all__ = [
    "DOCX_CONTENT_TYPE",
    "SHEET",
    "XLSX_CONTENT_TYPE",
    "ParsedItem",
    "build_docx_template",
    "build_xlsx_template",
    "import_items",
    "parse_file",
]

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Freq = ResponsibilityItem.Frequency

NUMBER, CONTENT, CATEGORY, OWNER, PORTFOLIO, FREQUENCY, COUNT, EVIDENCE = (
    "序号",
    "责任内容",
    "工作领域",
    "牵头责任人",
    "分管领域",
    "频次",
    "每期最少次数",
    "佐证材料",
)
MAX_ITEMS = 500  # items of one list file
MAX_PARAGRAPHS = 5_000
MAX_CONTENT = 2_000  # characters of one item

SHEET = Sheet(
    "责任清单",
    (
        Column(NUMBER, "number", help=gettext_lazy("条目序号(正整数),留空时按行序编号。")),
        Column(CONTENT, "content", required=True, help=gettext_lazy("责任内容,一行一条。")),
        Column(CATEGORY, "category", "choice", choices=WorkArea),
        Column(
            OWNER,
            "owner",
            help=gettext_lazy("牵头的职务名称或姓名,如“县委书记”;预览时可以改选。"),
        ),
        Column(PORTFOLIO, "portfolio", help=gettext_lazy("本单位已有的分管领域名称,可留空。")),
        Column(
            FREQUENCY,
            "frequency",
            "choice",
            choices=Freq,
            help=gettext_lazy("留空时从责任内容推断,如“每季度至少一次”。"),
        ),
        Column(COUNT, "min_count", help=gettext_lazy("正整数;留空时从责任内容推断,默认 1。")),
        Column(EVIDENCE, "evidence_required"),
    ),
    (
        1,
        "每季度至少听取一次班子成员履行一岗双责情况汇报。",
        "党风廉政建设和反腐败斗争",
        "县委书记",
        "",
        "每季度",
        1,
        "会议记录",
    ),
)

# --- Frequency and count from text --------------------------------------------------------

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_CN_DIGITS |= {"九": 9}
_FREQUENCY_WORDS: tuple[tuple[str, str], ...] = (
    (r"每(个)?月|月度", Freq.MONTHLY),
    (r"每(个)?季(度)?|季度", Freq.QUARTERLY),
    (r"每半年|半年", Freq.SEMIANNUAL),
    (r"每年|每年度|年度|全年", Freq.ANNUAL),
    (r"不定期|经常性|随时", Freq.AD_HOC),
    (r"一次性", Freq.ONCE),
)
_COUNT_RE = re.compile(
    r"(?:至少|不少于|不低于)[^，。,;；0-9一二两三四五六七八九十]{0,8}"
    r"([0-9]+|[一二两三四五六七八九十]+)\s*(?:次|场|轮|批)"
)
_COUNT_AFTER_RE = re.compile(r"([0-9]+|[一二两三四五六七八九十]+)\s*次(?:以上|及以上)")


def chinese_number(text: str) -> int | None:
    """1-99 written as digits or in Chinese numerals (十, 十二, 二十, 二十三)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _sep, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def infer_frequency(text: str) -> tuple[str | None, int | None]:
    """(frequency, min count) written in an item's text, each None when not written."""
    frequency = None
    for pattern, value in _FREQUENCY_WORDS:
        if re.search(pattern, text):
            frequency = str(value)
            break
    count = None
    match = _COUNT_RE.search(text) or _COUNT_AFTER_RE.search(text)
    if match:
        count = chinese_number(match.group(1))
    return frequency, count


# --- Parsed items -------------------------------------------------------------------------


@dataclass
class ParsedItem:
    """One item as the file gives it (texts as written; choices as stored values)."""

    row: int  # the row (table) or paragraph number in the file
    number: int
    content: str
    category: str = ""
    owner: str = ""
    portfolio: str = ""
    frequency: str = str(Freq.ANNUAL)
    min_count: int = 1
    evidence_required: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParseResult:
    items: list[ParsedItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    form: str = ""  # "xlsx", "docx-table" or "docx-paragraphs"
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


class _Log:
    """The spreadsheet kit's ImportLog: errors in (row, column) order."""

    def __init__(self, items: list[ParsedItem]):
        self.title = ""
        self.items = items
        self.notices: list[str] = []
        self.errors: list[RowError] = []

    def error(
        self, title: str, row: int | None, column: str, message: str, *, sheet_kind: str = ""
    ) -> None:
        self.errors.append(RowError(title or self.title, row, column, str(message)))

    def sorted(self) -> list[RowError]:
        position = {h: i for i, h in enumerate(SHEET.headers)}
        return sorted(
            self.errors, key=lambda e: (e.row or 0, position.get(e.column, -1), e.message)
        )


def _cell_choice(log: _Log, row: int, column: str, value: object, choices) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    found = choice_table(choices).get(fold(text))
    if found is None and choices is Freq:
        found, _count = infer_frequency(text)
    if found is None:
        log.error(
            "",
            row,
            column,
            _("“%(value)s”不是可选的值,可填:%(allowed)s。")
            % {"value": text, "allowed": "、".join(choice_labels(choices))},
        )
    return found


def _positive(log: _Log, row: int, column: str, value: object) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    number = chinese_number(text)
    if number is None or number < 1 or number > 999:
        log.error("", row, column, _("“%(value)s”应为 1 到 999 的整数。") % {"value": text})
        return None
    return number


def _item_from_values(log: _Log, row: int, values: Mapping[str, object], position: int) -> None:
    content = cell_text(values.get(CONTENT))
    if not content:
        log.error("", row, CONTENT, _("必须填写。"))
    elif len(content) > MAX_CONTENT:
        log.error("", row, CONTENT, _("内容超过 %(n)d 个字。") % {"n": MAX_CONTENT})
    number = _positive(log, row, NUMBER, values.get(NUMBER))
    category = _cell_choice(log, row, CATEGORY, values.get(CATEGORY), WorkArea)
    frequency = _cell_choice(log, row, FREQUENCY, values.get(FREQUENCY), Freq)
    count = _positive(log, row, COUNT, values.get(COUNT))
    text_frequency, text_count = infer_frequency(content)
    log.items.append(
        ParsedItem(
            row=row,
            number=number or position,
            content=content,
            category=category or "",
            owner=cell_text(values.get(OWNER)),
            portfolio=cell_text(values.get(PORTFOLIO)),
            frequency=frequency or text_frequency or str(Freq.ANNUAL),
            min_count=count or text_count or 1,
            evidence_required=cell_text(values.get(EVIDENCE))[:200],
        )
    )


# --- Excel --------------------------------------------------------------------------------


def _parse_xlsx(data: bytes, filename: str, log: _Log) -> None:
    tables = TableReader(log, [SHEET], single=True).read(data, filename)
    position = 0
    for table in tables:
        log.title = table.title
        for row, values in table.rows:
            position += 1
            _item_from_values(log, row, values, position)


# --- Word ---------------------------------------------------------------------------------

_ARABIC_RE = re.compile(r"^\s*[(（]?\s*(\d{1,3})\s*(?:[.、．)）]|\s)\s*")
_HEADING_RE = re.compile(r"^\s*[(（]?\s*([一二三四五六七八九十]{1,3})\s*[、.．)）]\s*")
_OWNER_RE = re.compile(
    r"[(（]\s*(?:牵头(?:领导|责任人|单位)?|责任人|负责人)\s*[:：]\s*([^)）]{1,40})[)）]\s*[。;；]?\s*$"
)


def _area_of(heading: str) -> str | None:
    folded = fold(heading)
    for value, label in WorkArea.choices:
        if value != WorkArea.OTHER and fold(str(label)) in folded:
            return str(value)
    return None


def _parse_docx(data: bytes, log: _Log, result: ParseResult) -> None:
    import docx  # python-docx: only the list importer and letters read or write Word

    try:
        check_archive(data)
        document = docx.Document(io.BytesIO(data))
    except SpreadsheetRefused as refused:
        log.error("", None, "", str(refused).replace("Excel", "Word"))
        return
    except Exception:  # python-docx raises many kinds of errors for a damaged file
        log.error("", None, "", _("无法读取 Word 文件,请确认文件是 .docx 格式且没有损坏。"))
        return
    for table in document.tables:
        if _parse_docx_table(table, log):
            result.form = "docx-table"
            return
    result.form = "docx-paragraphs"
    _parse_docx_paragraphs(document.paragraphs, log)


def _parse_docx_table(table: Any, log: _Log) -> bool:
    """Items of a table whose first row is the header of SHEET; False for another table."""
    rows = table.rows
    if not rows:
        return False
    headers = [header_text(cell.text) for cell in rows[0].cells]
    if recognise([h for h in headers if h], [SHEET]) is None:
        return False
    index = {h: i for i, h in enumerate(headers) if h in SHEET.headers}
    position = 0
    for number, row in enumerate(rows[1:], start=2):
        if number > MAX_PARAGRAPHS:
            log.error("", None, "", _("表格超过 %(n)d 行,请拆分后导入。") % {"n": MAX_PARAGRAPHS})
            break
        cells = [cell.text.strip() for cell in row.cells]
        values = {h: cells[i] if i < len(cells) else "" for h, i in index.items()}
        if any(values.values()):
            position += 1
            _item_from_values(log, number, values, position)
    return True


def _parse_docx_paragraphs(paragraphs: list[Any], log: _Log) -> None:
    """Numbered paragraphs are items; "一、<area>" headings set the area of those below."""
    area = None
    position = 0
    for number, paragraph in enumerate(paragraphs, start=1):
        if number > MAX_PARAGRAPHS:
            log.error("", None, "", _("文件超过 %(n)d 段,请拆分后导入。") % {"n": MAX_PARAGRAPHS})
            return
        text = paragraph.text.strip()
        properties = paragraph._p.pPr
        auto_numbered = properties is not None and properties.numPr is not None
        arabic = _ARABIC_RE.match(text)
        heading = _HEADING_RE.match(text)
        if heading and not arabic:
            area = _area_of(text[heading.end() :]) or area
            continue
        if not text or (not arabic and not auto_numbered):
            continue  # a title, an introduction or a signature line
        position += 1
        body = text[arabic.end() :] if arabic else text
        owner = ""
        owner_match = _OWNER_RE.search(body)
        if owner_match:
            owner = owner_match.group(1).strip()
            body = body[: owner_match.start()].rstrip()
        values = {NUMBER: arabic.group(1) if arabic else position, CONTENT: body, OWNER: owner}
        _item_from_values(log, number, values, position)
        if area and not log.items[-1].category:
            log.items[-1].category = area


def parse_file(data: bytes, filename: str = "") -> ParseResult:
    """The items of a list file, or the problems that stop it (nothing is written)."""
    result = ParseResult(sha256=hashlib.sha256(data).hexdigest())
    log = _Log(result.items)
    is_docx = False
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_docx = "word/document.xml" in archive.namelist()
        except Exception:  # damaged archives: the readers below report them
            is_docx = filename.lower().endswith(".docx")
    if is_docx:
        _parse_docx(data, log, result)
    else:
        result.form = "xlsx"
        _parse_xlsx(data, filename, log)
    if len(result.items) > MAX_ITEMS:
        log.error("", None, "", _("文件超过 %(n)d 条,请拆分后导入。") % {"n": MAX_ITEMS})
    seen: dict[int, int] = {}
    for item in result.items:
        if item.number in seen:
            log.error(
                "",
                item.row,
                NUMBER,
                _("序号 %(number)d 在第 %(row)d 行已出现过。")
                % {"number": item.number, "row": seen[item.number]},
            )
        else:
            seen[item.number] = item.row
    if not log.errors and not result.items:
        log.error("", None, "", _("文件中没有找到责任条目(编号段落或带“责任内容”表头的表格)。"))
    result.errors = log.sorted()
    result.notices = log.notices
    return result


# --- Mapping (preview) ----------------------------------------------------------------------


def owner_choices(duty_list: ResponsibilityList) -> list[Tenure]:
    """Current tenures of the list's unit, the posts an item may be assigned to."""
    return list(
        Tenure.objects.current()
        .filter(org_id=duty_list.org_id)
        .select_related("person")
        .order_by("role", "person__name", "pk")
    )


def portfolio_choices(duty_list: ResponsibilityList) -> list[Portfolio]:
    return list(Portfolio.objects.filter(org_id=duty_list.org_id).order_by("name", "pk"))


def guess_owner(text: str, tenures: list[Tenure]) -> Tenure | None:
    """The tenure whose title or person's name the file names (exactly, else containing)."""
    wanted = fold(text)
    if not wanted:
        return None
    for tenure in tenures:
        if wanted in (fold(tenure.title), fold(tenure.person.name)):
            return tenure
    matches = [
        t for t in tenures if t.title and (wanted in fold(t.title) or fold(t.title) in wanted)
    ]
    return matches[0] if len(matches) == 1 else None


def guess_portfolio(text: str, portfolios: list[Portfolio]) -> Portfolio | None:
    wanted = fold(text)
    return next((p for p in portfolios if wanted and fold(p.name) == wanted), None)


@dataclass
class MappedItem:
    parsed: ParsedItem
    owner: Tenure | None
    portfolio: Portfolio | None
    category: str
    existing: bool = False


def existing_texts(duty_list: ResponsibilityList) -> set[str]:
    return {
        normalise_text(text)
        for text in duty_list.items.filter(is_active=True).values_list("content", flat=True)
    }


def check_mapping(
    duty_list: ResponsibilityList,
    parsed: list[ParsedItem],
    choices: dict[int, dict[str, str]],
) -> tuple[list[MappedItem], list[RowError]]:
    """Each parsed row with its chosen owner, portfolio and area (ids/values as posted);
    every problem as (row, column, message). Two queries."""
    tenures = {str(t.pk): t for t in owner_choices(duty_list)}
    portfolios = {str(p.pk): p for p in portfolio_choices(duty_list)}
    areas = {str(value) for value in WorkArea.values}
    already = existing_texts(duty_list)
    mapped: list[MappedItem] = []
    errors: list[RowError] = []

    def error(item: ParsedItem, column: str, message: str) -> None:
        errors.append(RowError("", item.row, column, message))

    for item in parsed:
        chosen = choices.get(item.row, {})
        owner_id, portfolio_id = chosen.get("owner", ""), chosen.get("portfolio", "")
        category = chosen.get("category", "")
        owner, portfolio = tenures.get(owner_id), portfolios.get(portfolio_id)
        existing = normalise_text(item.content) in already
        mapped.append(MappedItem(item, owner, portfolio, category, existing))
        if existing:
            continue  # left alone: its mapping does not matter
        if owner_id and owner is None:
            error(item, OWNER, _("所选的牵头责任人不是本单位的在任人员。"))
        elif not owner_id and duty_list.subject_tenure_id is None:
            error(item, OWNER, _("请选择牵头责任人。"))
        if portfolio_id and portfolio is None:
            error(item, PORTFOLIO, _("所选的分管领域不属于本单位。"))
        if category not in areas:
            error(item, CATEGORY, _("请选择工作领域。"))
    return mapped, errors


# --- Writing --------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    created: int = 0
    unchanged: int = 0


@write_service
def import_items(
    duty_list: ResponsibilityList,
    mapped: list[MappedItem],
    *,
    actor: Actor,
    source: str = "",
) -> ImportOutcome:
    """Add every new mapped item (one transaction); items already in the list are skipped.

    Copy detection runs once, after the last item."""
    outcome = ImportOutcome()
    already = existing_texts(duty_list)
    reason = _("从文件“%(name)s”导入") % {"name": source} if source else _("从文件导入")
    for row in sorted(mapped, key=lambda m: (m.parsed.number, m.parsed.row)):
        key = normalise_text(row.parsed.content)
        if key in already:
            outcome.unchanged += 1
            continue
        already.add(key)
        lists.add_item(
            duty_list,
            actor=actor,
            content=row.parsed.content,
            category=row.category,
            reason=reason,
            lead=row.owner,
            frequency=row.parsed.frequency,
            min_count=row.parsed.min_count,
            evidence_required=row.parsed.evidence_required,
            portfolio=row.portfolio,
            detect_copies=False,
        )
        outcome.created += 1
    if outcome.created:
        refresh_copy_detection(duty_list, actor=actor)
    return outcome


def validation_rows(exc: ValidationError) -> list[RowError]:
    return [RowError("", None, "", message) for message in exc.messages]


# --- Templates ------------------------------------------------------------------------------

_TEMPLATE_NOTES = (
    gettext_lazy("1. 第一行是表头,请勿修改;“责任内容”必填,其余列可留空。"),
    gettext_lazy("2. 频次和每期最少次数留空时,系统从责任内容推断,如“每季度至少一次”。"),
    gettext_lazy("3. 上传后先预览:逐条选择牵头责任人、分管领域和工作领域,确认后才写入。"),
    gettext_lazy("4. 只要有一处问题就不会写入任何数据;同一文件重复导入不会产生重复条目。"),
)


def build_xlsx_template() -> bytes:
    book = WorkbookWriter()
    book.template_sheet(SHEET, [SHEET.example], widths={1: 8, 2: 60, 3: 24, 4: 16, 5: 16})
    help_sheet = book.help_sheet(_("责任清单导入说明"), [str(n) for n in _TEMPLATE_NOTES])
    help_sheet.header([_("列"), _("必填"), _("说明")], fill=True)
    for column in SHEET.columns:
        help_sheet.append(
            [
                column.header,
                _("是") if column.required else "",
                column_help(column, blank_keeps=False),
            ]
        )
    help_sheet.widths({1: 14, 2: 6, 3: 90})
    return book.to_bytes()


def build_docx_template() -> bytes:
    """A Word template with both forms: numbered paragraphs, and the same items as a table."""
    import docx

    document = docx.Document()
    document.add_heading(_("××单位××年度党风廉政建设责任清单"), level=1)
    document.add_paragraph(
        _(
            "写法一:编号段落。“一、政治建设”这样的标题给其下条目指定工作领域;条目末尾的"
            "“(牵头:县委书记)”指定牵头责任人。写法二:表格(第一行为表头)。两种写法任选其一,"
            "请删除不用的一种。"
        )
    )
    document.add_paragraph(_("一、政治建设"))
    document.add_paragraph(
        _("1. 每年至少召开两次党委常委会会议专题研究党风廉政建设工作。(牵头:县委书记)")
    )
    document.add_paragraph(_("二、作风建设"))
    document.add_paragraph(_("2. 每季度至少开展一次作风建设明查暗访。"))
    table = document.add_table(rows=1, cols=len(SHEET.headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, SHEET.headers, strict=True):
        cell.text = header
    for cell, value in zip(table.add_row().cells, SHEET.example, strict=True):
        cell.text = cell_text(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
