"""Make the official-document templates (liangge_zeren/document_templates/*.docx) from scratch.

    .venv/bin/python scripts/make_document_templates.py [OUT_DIR]

Each template is a python-docx document laid out per GB/T 9704-2012 (A4, the 版心, the 22 × 28
grid, the named fonts as paragraph styles, the "— 1 —" page numbers) with docxtpl tags where the
kit (liangge_zeren/documents.py) puts the 版头 fields and the body. Run it again after changing
the layout here and commit the .docx files; deployments override single templates with
DOCUMENT_TEMPLATES_DIR (README) instead of editing these.
"""

from __future__ import annotations

import datetime
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangge_zeren.settings")
django.setup()

import docx  # noqa: E402
from docx.enum.section import WD_ORIENT  # noqa: E402
from docx.enum.style import WD_STYLE_TYPE  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import nsmap, qn  # noqa: E402
from docx.shared import Pt, RGBColor, Twips  # noqa: E402

from liangge_zeren import documents as kit  # noqa: E402

RED = RGBColor(0xFF, 0x00, 0x00)
CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
PPR_AFTER_PBDR = [
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
]


@dataclass(frozen=True)
class Spec:
    """Which 版头 / 版记 elements a kind's template has (the table in documents.py)."""

    mark: bool = False
    recipient: bool = False
    subtitle: bool = False
    author: bool = False
    signature: bool = False
    date: bool = True


SPECS = {
    "responsibility_letter": Spec(subtitle=True, date=False),
    "committee_report": Spec(mark=True, recipient=True, signature=True),
    "personal_report": Spec(author=True),
    "quarterly_report": Spec(),
    "rectification_report": Spec(mark=True, recipient=True, signature=True),
    "integrity_reply": Spec(mark=True, recipient=True, signature=True),
    "case_decision": Spec(mark=True, recipient=True, signature=True),
    "inspection_feedback": Spec(mark=True, recipient=True, signature=True),
    "issue_ledger": Spec(subtitle=True),
    "team_assessment": Spec(subtitle=True),
}


def _insert_before(ppr, element, successors) -> None:
    ppr.insert_element_before(element, *successors)


def set_fonts(rpr_owner, font: str, latin: str | None = None) -> None:
    """Name the font for East Asian text (w:eastAsia) and for Latin text and digits."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    latin = latin or font
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:cs"), latin)


def no_snap(ppr) -> None:
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    _insert_before(ppr, snap, PPR_AFTER_PBDR[PPR_AFTER_PBDR.index("w:snapToGrid") + 1 :])


def outline(ppr, level: int) -> None:
    element = OxmlElement("w:outlineLvl")
    element.set(qn("w:val"), str(level))
    _insert_before(ppr, element, PPR_AFTER_PBDR[PPR_AFTER_PBDR.index("w:outlineLvl") + 1 :])


def red_rule(ppr) -> None:
    """The 版头 separator: a red line under the 发文字号, 4 mm below it, 版心 wide."""
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "11"), ("color", "FF0000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    _insert_before(ppr, border, PPR_AFTER_PBDR)


def style(document, name: str, font: str, size: float, **options):
    styles = document.styles
    st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = styles["Normal"]
    st.quick_style = True
    st.font.size = Pt(size)
    set_fonts(st.element, font, options.get("latin"))
    fmt = st.paragraph_format
    fmt.alignment = options.get("align", WD_ALIGN_PARAGRAPH.JUSTIFY)
    fmt.first_line_indent = Pt(options.get("indent", 0))
    fmt.right_indent = Pt(options.get("right", 0))
    if options.get("color"):
        st.font.color.rgb = options["color"]
    if "outline" in options:
        outline(st.element.get_or_add_pPr(), options["outline"])
        fmt.keep_with_next = True
    return st


def define_styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.size = Pt(kit.BODY_PT)
    set_fonts(normal.element, kit.FONT_BODY, "Times New Roman")
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Twips(kit.LINE_PITCH_TWIPS)
    fmt.widow_control = False
    defaults = document.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), "Times New Roman")
    fonts.set(qn("w:hAnsi"), "Times New Roman")
    fonts.set(qn("w:eastAsia"), kit.FONT_BODY)
    two = kit.BODY_PT * 2  # 首行缩进两字, 右空四字
    center = WD_ALIGN_PARAGRAPH.CENTER
    right = WD_ALIGN_PARAGRAPH.RIGHT
    body = {"latin": "Times New Roman"}
    style(document, kit.STYLE_TITLE, kit.FONT_TITLE, kit.TITLE_PT, align=center, outline=0)
    style(document, "副标题", kit.FONT_H2, kit.BODY_PT, align=center)
    style(document, kit.STYLE_BODY, kit.FONT_BODY, kit.BODY_PT, indent=two, **body)
    style(document, kit.STYLE_PLAIN, kit.FONT_BODY, kit.BODY_PT, **body)
    style(document, kit.STYLE_H1, kit.FONT_H1, kit.BODY_PT, indent=two, outline=1)
    style(document, kit.STYLE_H2, kit.FONT_H2, kit.BODY_PT, indent=two, outline=2)
    style(document, kit.STYLE_NOTE, kit.FONT_BODY, kit.BODY_PT, **body)
    style(document, "主送机关", kit.FONT_BODY, kit.BODY_PT, **body)
    style(document, "署名", kit.FONT_BODY, kit.BODY_PT, align=right, right=two * 2, **body)
    style(document, "成文日期", kit.FONT_BODY, kit.BODY_PT, align=right, right=two * 2, **body)
    number = style(document, "发文字号", kit.FONT_BODY, kit.BODY_PT, indent=kit.BODY_PT, **body)
    number.paragraph_format.tab_stops.add_tab_stop(
        Twips(kit.TEXT_WIDTH_TWIPS) - Pt(kit.BODY_PT), WD_TAB_ALIGNMENT.RIGHT
    )
    red_rule(number.element.get_or_add_pPr())
    mark = style(document, "发文机关标志", kit.FONT_TITLE, kit.MARK_MAX_PT, align=center, color=RED)
    mark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    mark.paragraph_format.space_before = Twips(kit.LINE_PITCH_TWIPS * 2)
    mark.paragraph_format.space_after = Twips(kit.LINE_PITCH_TWIPS)
    cells = style(document, kit.STYLE_TABLE, kit.FONT_BODY, kit.TABLE_PT, align=center, **body)
    cells.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    no_snap(cells.element.get_or_add_pPr())
    pages = style(document, "页码", kit.FONT_PAGE_NUMBER, kit.PAGE_NUMBER_PT)
    pages.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    no_snap(pages.element.get_or_add_pPr())


def page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Twips(kit.twips(210)), Twips(kit.twips(297))
    section.top_margin = Twips(kit.twips(kit.MARGIN_TOP_MM))
    section.bottom_margin = Twips(kit.twips(kit.MARGIN_BOTTOM_MM))
    section.left_margin = Twips(kit.twips(kit.MARGIN_LEFT_MM))
    section.right_margin = Twips(kit.twips(kit.MARGIN_RIGHT_MM))
    section.gutter = Twips(0)
    # The page number's line sits 7 mm under the 版心 (GB/T 9704-2012 §7.5).
    section.footer_distance = Twips(kit.twips(kit.MARGIN_BOTTOM_MM - 7)) - Pt(kit.PAGE_NUMBER_PT)
    section.header_distance = Twips(kit.twips(15))
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(kit.LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(kit.CHAR_SPACE))
    document.settings.odd_and_even_pages_header_footer = True
    page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _field_run(paragraph, kind: str, text: str = ""):
    run = paragraph.add_run()
    if kind == "instr":
        element = OxmlElement("w:instrText")
        element.set(qn("xml:space"), "preserve")
        element.text = text
    else:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
    run._r.append(element)
    return run


def page_number(paragraph, align) -> None:
    """ "— 1 —": a PAGE field between one-character dashes, one character from the edge."""
    paragraph.style = "页码"
    paragraph.alignment = align
    indent = Pt(kit.PAGE_NUMBER_PT)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = indent
    else:
        paragraph.paragraph_format.left_indent = indent
    paragraph.add_run("— ")
    _field_run(paragraph, "begin")
    _field_run(paragraph, "instr", " PAGE ")
    _field_run(paragraph, "separate")
    paragraph.add_run("1")
    _field_run(paragraph, "end")
    paragraph.add_run(" —")


def add(document, style_name: str, text: str = "") -> None:
    document.add_paragraph(text, style=style_name)


def content(document, spec: Spec) -> None:
    if spec.mark:
        add(document, "发文机关标志", "{{r issuer_mark }}")
        add(document, "发文字号", "{{ doc_number }}\t{{ signer_line }}")
        add(document, kit.STYLE_PLAIN)
    add(document, kit.STYLE_TITLE, "{{ title }}")
    if spec.subtitle:
        add(document, "副标题", "{{ subtitle }}")
    if spec.author:
        add(document, "副标题", "{{ author }}")
    add(document, kit.STYLE_PLAIN)
    if spec.recipient:
        add(document, "主送机关", "{{ recipient }}")
    add(document, kit.STYLE_PLAIN, "{{p body }}")
    if spec.signature or spec.date:
        add(document, kit.STYLE_PLAIN)
        add(document, kit.STYLE_PLAIN)
    if spec.signature:
        add(document, "署名", "{{ signature }}")
    if spec.date:
        add(document, "成文日期", "{{ date }}")
    add(document, kit.STYLE_PLAIN, "{{p closing }}")


def make(kind: str, out_dir: Path) -> Path:
    document = docx.Document()
    define_styles(document)
    page_setup(document)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    content(document, SPECS[kind])
    # docxcompose (docxtpl's subdocuments) maps the "cp" prefix to the custom-properties
    # namespace process-wide once a document has been rendered; the core properties need the
    # package's own, or the template would depend on what ran before in the process.
    saved = nsmap.get("cp")
    nsmap["cp"] = CORE_PROPERTIES_NS
    try:
        core = document.core_properties
        core.author = core.last_modified_by = "liangge_zeren"
        core.title = kind
        core.created = core.modified = datetime.datetime(2026, 1, 1)
        core.revision = 1
    finally:
        if saved is not None:
            nsmap["cp"] = saved
    path = out_dir / f"{kind}.docx"
    document.save(str(path))
    return path


def main() -> int:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else kit.PACKAGED_TEMPLATES
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind in kit.KINDS:
        print(make(kind, out_dir).relative_to(ROOT) if out_dir.is_relative_to(ROOT) else kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
