"""Crafted spreadsheets for the reader's limits, built in the test run (nothing big committed)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

from responsibilities.importer import ORG, SHEET_BY_NAME

MB = 1024 * 1024
SST_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def workbook(rows: list[list[object]], title: str = ORG, *, headers: bool = True) -> bytes:
    """A real workbook of one org-import sheet (header row and `rows`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    if headers:
        sheet.append(list(SHEET_BY_NAME[title].headers))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def org_rows(count: int) -> list[list[object]]:
    return [[f"B-{n:06d}", f"单位{n}", "县(市、区)", "", "是"] for n in range(count)]


def replace_member(data: bytes, name: str, write, patch=None) -> bytes:
    """The workbook `data` with member `name` replaced by what `write(stream)` streams
    (compressed as it is written, so a bomb never sits in memory uncompressed); `patch`
    may rewrite the other members (name, bytes) → bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            if item.filename != name:
                content = source.read(item)
                target.writestr(item, patch(item.filename, content) if patch else content)
        with target.open(name, "w", force_zip64=True) as stream:
            write(stream)
    return out.getvalue()


def _with_shared_strings(name: str, content: bytes) -> bytes:
    """Declare a shared-strings part, as Excel's own files do (openpyxl writes inline text)."""
    if name == "[Content_Types].xml":
        return content.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    if name == "xl/_rels/workbook.xml.rels":
        return content.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
    return content


def shared_strings_bomb(inflated_mb: int = 300) -> bytes:
    """An org-import workbook of a few hundred KB whose shared strings inflate to
    `inflated_mb` MB (the attack of issue 20: 307,580 bytes → 300 MB)."""
    block = b"<si><t>A</t></si>" * (MB // 17)  # a million tiny strings per MB

    def write(stream) -> None:
        stream.write(SST_OPEN)
        for _ in range(inflated_mb):
            stream.write(block)
        stream.write(b"</sst>")

    base = workbook(org_rows(1))
    return replace_member(base, "xl/sharedStrings.xml", write, _with_shared_strings)


def wide_row(columns: int = 16_384) -> bytes:
    """An org-import workbook whose second row holds `columns` cells of 80 varied digits
    (about 2 MB of XML in one row, compressed only a few times)."""
    return workbook([[f"{n * 7919:016d}" * 5 for n in range(columns)]])


def far_row(row: int) -> bytes:
    """Header, then one cell far down: a reader fills every row in between."""
    book = Workbook()
    sheet = book.active
    sheet.title = ORG
    sheet.append(list(SHEET_BY_NAME[ORG].headers))
    sheet.cell(row=row, column=1, value="X")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
