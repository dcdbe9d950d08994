"""Crafted evidence files for the upload tests, built in the test run (nothing big committed)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
    b'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx(document: bytes = b"<w:document/>") -> bytes:
    """A small docx-shaped archive (what the sniffing recognises as a Word document)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        archive.writestr("word/document.xml", document)
    return out.getvalue()


def _member(name: bytes, raw: bytes, crc: int, size: int, offset: int) -> tuple[bytes, bytes]:
    """(local header + data, central directory entry) of one deflated member."""
    fields = (20, 0, 8, 0, 0x21, crc, len(raw), size, len(name), 0)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name + raw
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset) + name
    return local, central


def docx_bomb(inflated_mb: int = 1024, *, declared_mb: int | None = None) -> bytes:
    """A docx-shaped archive of about 1 MB whose document inflates to `inflated_mb` MB (the
    attack of issue 20: a 1 GiB docx-shaped bomb accepted as evidence). The deflate stream is
    one flushed block of a MB of zeros repeated, so building it takes a second, not minutes.
    `declared_mb` makes the directory lie about the document's size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\x00" * MB) + compressor.flush(zlib.Z_FULL_FLUSH)
    raw = block * inflated_mb + b"\x03\x00"  # an empty final block ends the stream
    crc = 0
    zeros = b"\x00" * MB
    for _ in range(inflated_mb):
        crc = zlib.crc32(zeros, crc)
    types = zlib.compressobj(9, zlib.DEFLATED, -15)
    types_raw = types.compress(CONTENT_TYPES_XML) + types.flush()
    first = _member(
        b"[Content_Types].xml", types_raw, zlib.crc32(CONTENT_TYPES_XML), len(CONTENT_TYPES_XML), 0
    )
    declared = (inflated_mb if declared_mb is None else declared_mb) * MB
    second = _member(b"word/document.xml", raw, crc, declared, len(first[0]))
    body = first[0] + second[0]
    directory = first[1] + second[1]
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(directory), len(body), 0)
    return body + directory + end
