"""Real documents for the tests: a .docx made with python-docx, and PDFs with a text layer."""

from __future__ import annotations

import io
from pathlib import Path

import docx


def chinese_pdf(lines: list[str], *, private_use: bool = False) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (a Type0 font with a ToUnicode map;
    no glyphs are embedded, so it only serves text extraction). With ``private_use`` the map
    gives private-use characters, as a PDF whose font has no real Unicode map does."""
    chars = sorted({c for line in lines for c in line})
    cid = {c: n + 1 for n, c in enumerate(chars)}
    body = ["BT", "/F1 10 Tf", "12 TL", "40 800 Td"]
    for line in lines:
        body.append("<" + "".join(f"{cid[c]:04x}" for c in line) + "> Tj T*")
    body.append("ET")
    stream = "\n".join(body).encode()

    def code(c: str) -> int:
        return 0xE000 + cid[c] if private_use and c != " " else ord(c)

    bfchar = "\n".join(f"<{cid[c]:04x}> <{code(c):04x}>" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <ffff> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchar}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song /DW 1000 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 8 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /Song /Flags 4 /FontBBox [0 0 1000 1000] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def notice_docx(path: Path, paragraphs: list[str], table_cells: list[str] | None = None) -> Path:
    """A Word document: a heading, then ``paragraphs``, then a one-row table of ``table_cells``."""
    document = docx.Document()
    document.add_heading(paragraphs[0], 1)
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    if table_cells:
        table = document.add_table(rows=1, cols=len(table_cells))
        for cell, text in zip(table.rows[0].cells, table_cells, strict=True):
            cell.text = text
    document.save(str(path))
    return path


def docx_bytes(paragraphs: list[str]) -> bytes:
    """The bytes of a Word document holding ``paragraphs``."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
