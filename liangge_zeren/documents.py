"""Official documents (GB/T 9704-2012 党政机关公文格式): the one kit behind every generated .docx.

Each kind of document is an editable `.docx` template (docxtpl, Jinja tags inside Word) under
`liangge_zeren/document_templates/<kind>.docx`, made reproducibly by
`scripts/make_document_templates.py`. A deployment adapts them without code: copy a template,
change it in Word or WPS (its own red header, a fixed 机关代字, a seal line) and put it in the
directory named by the `DOCUMENT_TEMPLATES_DIR` environment variable under the same file name;
the kit takes that file instead of the packaged one. Apps build an `OfficialDocument` (title,
body blocks, the 版头 fields) and call `render`; they never lay out pages themselves.

The page (every template; the tests check each kind):

- A4 210 × 297 mm; margins top 37, bottom 35, left 28, right 26 mm: 版心 156 × 225 mm;
- a line-and-character grid (`w:docGrid`) of 22 lines of 28 characters: line pitch
  225 mm / 22 ≈ 28.95 pt, character pitch 156 mm / 28 ≈ 15.79 pt;
- fonts are named, not embedded (East Asian names in `w:rFonts/@w:eastAsia`):

  | style | font | size |
  | --- | --- | --- |
  | 公文标题 | 方正小标宋简体 | 二号 22 pt |
  | 公文正文, 主送机关, 署名, 成文日期, 发文字号 | 仿宋_GB2312 | 三号 16 pt |
  | 一级标题 ("一、") | 黑体 | 三号 16 pt |
  | 二级标题 ("(一)") | 楷体_GB2312 | 三号 16 pt |
  | 发文机关标志 | 方正小标宋简体, red | sized to fit the 版心 width (≤ 36 pt) |
  | 表格文字 | 仿宋_GB2312 | 小四 12 pt, off the grid |
  | 页码 | 宋体 | 四号 14 pt |

- page numbers "— 1 —" in the footer, 7 mm under the 版心: odd pages on the right and even
  pages on the left, one character in from the edge, as §7.5 of the standard says (the
  document is printed on both sides and bound on the left).

Which 版头 and 版记 elements each kind has (a kind is one template file):

| kind | 标志 | 字号 | 签发人 | 主送 | 署名 | 成文日期 |
| --- | --- | --- | --- | --- | --- | --- |
| `responsibility_letter` | — | — | — | — | table | table |
| `committee_report` | yes | blank | secretary | superior | yes | 报送 date |
| `personal_report` | — | — | — | — | author line | 报送 date |
| `quarterly_report` | — | — | — | — | — | generated |
| `rectification_report` | yes | blank | blank | issuer | yes | blank |
| `integrity_reply` | yes | blank | — | 组织部 | yes | sign-off date |
| `case_decision` | yes | decision no. | — | target's unit | yes | decision date |
| `inspection_feedback` | yes | blank | — | target's committee | yes | feedback date |
| `issue_ledger` | — | — | — | — | — | generated |
| `team_assessment` | — | — | — | — | — | generated |

- `responsibility_letter`, 党风廉政建设责任书 / 主体责任书: an agreement of two parties, not
  a 公文 issued by one organ: no 发文机关标志 or 发文字号; both parties sign in the signature
  table, each with the date they signed (blank until then).
- `committee_report`, 年度履行全面从严治党责任情况报告: a 报告 (上行文) of the unit's Party
  committee to the superior's committee: the committee's 发文机关标志 in red, 发文字号 with
  签发人 (the secretary), 主送机关, 署名, and the date of 报送 (blank until submitted).
- `personal_report`, 述责述廉报告: a person's statement; their unit, post and name under the
  title; the date of 报送 (blank until submitted).
- `quarterly_report`, the cockpit's quarterly report: a working paper of whoever generated it
  about the units in their view, not a 公文 issued by a unit: no 版头; its date is the day it
  was generated (the figures' date).
- `rectification_report`, 巡视(巡察)整改情况报告 (a draft): a 报告 of the target's Party
  committee to the issuing body: red 发文机关标志, 发文字号 and 签发人 left blank, 主送机关,
  署名, 成文日期 blank (a draft is dated when it is issued).

- `integrity_reply`, 党风廉政意见回复: a 函 (下行/平行文) of the 纪委监委 to the organisation
  department that asked: red 发文机关标志 of the commission, 发文字号 without 签发人, 主送机关
  (the department), 署名, 成文日期 = the date the secretary signed it off.
- `case_decision`, 问责决定书: a 下行文 of the deciding body: its red 发文机关标志, the
  decision's 文号 without 签发人, 主送 the target's unit, the facts, grounds, measures and the
  appeal rights (R14: 申诉 within one month), 署名 and the decision date.
- `inspection_feedback`, 巡视(巡察)反馈意见: a 下行文 of the issuing body to the inspected
  unit's Party committee: red 发文机关标志, 发文字号 (blank) without 签发人, 主送, 署名 and the
  feedback date.
- `issue_ledger`, 问题台账: a 表格 attachment, not a 公文: no 版头; title, then the unit and
  period as a subtitle line, the table, and the day generated. It stays portrait A4 like the
  other kinds (the checks are the same for every kind): the table keeps the columns a reader
  needs on paper at 小四 and leaves the long texts to the .xlsx export.

- `team_assessment`, 领导班子和领导干部考核结果 (班子考察): a working paper like the ledger: the
  unit and period as a subtitle, the team's result, a table of the members' results and each
  member's indicator scores, and the day generated.

A blank 发文字号 reads "〔2026〕　号" and a blank 成文日期 "　　　　年　　月　　日": the office
fills them in when it issues the document, as on paper.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "document_templates"

# Geometry (GB/T 9704-2012 §5.2), in millimetres and twentieths of a point (twips).
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, TABLE_PT = 16, 22, 14, 12
MARK_MAX_PT = 36
TWIPS_PER_MM = 1440 / 25.4


def twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


TEXT_WIDTH_TWIPS = twips(PAGE_WIDTH_MM) - twips(MARGIN_LEFT_MM) - twips(MARGIN_RIGHT_MM)
TEXT_HEIGHT_TWIPS = twips(PAGE_HEIGHT_MM) - twips(MARGIN_TOP_MM) - twips(MARGIN_BOTTOM_MM)
LINE_PITCH_TWIPS = TEXT_HEIGHT_TWIPS // LINES_PER_PAGE  # 579 twips = 28.95 pt
# w:charSpace: how much the character pitch differs from the body size, in 1/4096 pt.
CHAR_SPACE = round((TEXT_WIDTH_TWIPS / 20 / CHARS_PER_LINE - BODY_PT) * 4096)

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"

# Paragraph styles the templates define and blocks refer to.
STYLE_TITLE = "公文标题"
STYLE_BODY = "公文正文"
STYLE_PLAIN = "公文正文不缩进"
STYLE_H1 = "一级标题"
STYLE_H2 = "二级标题"
STYLE_TABLE = "表格文字"
STYLE_NOTE = "附注"

KINDS = (
    "responsibility_letter",
    "committee_report",
    "personal_report",
    "quarterly_report",
    "rectification_report",
    "integrity_reply",
    "case_decision",
    "inspection_feedback",
    "issue_ledger",
    "team_assessment",
)

BLANK_DATE = "　　　　年　　月　　日"


@dataclass
class Block:
    """One piece of the body: a paragraph in a style, or a table."""

    style: str
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    borders: bool = True

    @property
    def is_table(self) -> bool:
        return bool(self.headers or self.rows)


def paragraph(text: str) -> Block:
    return Block(STYLE_BODY, text)


def plain(text: str) -> Block:
    return Block(STYLE_PLAIN, text)


def heading1(text: str) -> Block:
    return Block(STYLE_H1, text)


def heading2(text: str) -> Block:
    return Block(STYLE_H2, text)


def note(text: str) -> Block:
    return Block(STYLE_NOTE, text)


def table(headers: list[Any], rows: list[list[Any]], borders: bool = True) -> Block:
    return Block(
        STYLE_TABLE,
        headers=[str(h) for h in headers],
        rows=[["" if c is None else str(c) for c in row] for row in rows],
        borders=borders,
    )


def outline_style(text: str) -> str:
    """The style of a line of typed text: "一、…" a level-1, "(一)…" a level-2 heading."""
    text = text.strip()
    numerals = "一二三四五六七八九十"
    head = text[:4]
    if head and head[0] in numerals and "、" in head:
        return STYLE_H1
    if head[:1] in "(（" and len(head) > 1 and head[1] in numerals:
        return STYLE_H2
    return STYLE_BODY


def blocks_from_text(text: str) -> list[Block]:
    """Typed text, one paragraph a line, headings recognised by their numbering."""
    return [Block(outline_style(line), line.strip()) for line in text.splitlines() if line.strip()]


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一: the numbering of level-1 headings ("一、")."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def doc_number(year: int, number: str = "", code: str = "") -> str:
    """发文字号: 机关代字〔年份〕序号号, the parts not known yet left blank for the office."""
    return f"{code or '　　'}〔{year}〕{number or '　'}号"


def date_text(day: datetime.date | None) -> str:
    """成文日期 in Arabic numerals (GB/T 9704-2012 §7.3.5.3), or a blank to fill in."""
    if day is None:
        return BLANK_DATE
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class OfficialDocument:
    kind: str
    title: str
    blocks: list[Block]
    issuer_mark: str = ""  # 发文机关标志
    doc_number: str = ""  # 发文字号
    signer: str = ""  # 签发人 (上行文)
    downward: bool = False  # 下行文/平行文: the 发文字号 has no 签发人
    recipient: str = ""  # 主送机关
    subtitle: str = ""
    author: str = ""  # under the title (a person's report)
    signature: str = ""  # 发文机关署名
    date: datetime.date | None = None  # 成文日期
    closing: list[Block] = field(default_factory=list)  # after the date (版记-like notes)


def template_path(kind: str) -> Path:
    """The deployment's template of the kind if it has one, the packaged one otherwise."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    name = f"{kind}.docx"
    override = settings.DOCUMENT_TEMPLATES_DIR
    if override and (Path(override) / name).is_file():
        return Path(override) / name
    return PACKAGED_TEMPLATES / name


def _mark(tpl: Any, text: str) -> Any:
    """The red 发文机关标志, shrunk so that it stays on one line of the 版心."""
    from docxtpl import RichText

    if not text:
        return ""
    fit = int(TEXT_WIDTH_TWIPS / 20 / max(len(text), 1))
    return RichText(text, size=2 * min(MARK_MAX_PT, fit))


def _add_table(subdoc: Any, block: Block) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT

    columns = len(block.headers) or max(len(r) for r in block.rows)
    grid = subdoc.add_table(rows=0, cols=columns)
    if block.borders:
        grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, row in enumerate([block.headers] if block.headers else []):
        for cell, text in zip(grid.add_row().cells, row, strict=False):
            cell.paragraphs[0].style = STYLE_TABLE
            cell.paragraphs[0].add_run(text).bold = index == 0
    for row in block.rows:
        for cell, text in zip(grid.add_row().cells, row, strict=False):
            cell.paragraphs[0].style = STYLE_TABLE
            cell.paragraphs[0].add_run(text)


def _subdoc(tpl: Any, blocks: list[Block]) -> Any:
    body = tpl.new_subdoc()
    for block in blocks:
        if block.is_table:
            _add_table(body, block)
        else:
            body.add_paragraph(block.text, style=block.style)
    return body


def context(tpl: Any, document: OfficialDocument) -> dict[str, Any]:
    return {
        "issuer_mark": _mark(tpl, document.issuer_mark),
        "doc_number": document.doc_number,
        "signer_line": (_("签发人:%(name)s") % {"name": document.signer})
        if document.doc_number and not document.downward
        else "",
        "title": document.title,
        "subtitle": document.subtitle,
        "author": document.author,
        "recipient": f"{document.recipient}:" if document.recipient else "",
        "body": _subdoc(tpl, document.blocks),
        "signature": document.signature,
        "date": date_text(document.date),
        "closing": _subdoc(tpl, document.closing),
    }


def render(document: OfficialDocument) -> bytes:
    """The document laid out by its kind's template, as .docx bytes."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template_path(document.kind)))
    tpl.render(context(tpl, document), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
