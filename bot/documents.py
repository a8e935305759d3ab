"""The plain text of a source document a clerk hands in: ``.txt``, ``.docx`` or ``.pdf``.

The text is kept as the document says it (it is quoted verbatim to residents): only line ends,
invisible characters and blank lines are tidied, and a PDF's lines are joined back into its
paragraphs. A document whose text cannot be read cleanly is refused with a one-line reason
rather than stored as garbage.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from pathlib import PurePath

from bot import messages
from bot.errors import BotError

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf")
# Fewer Chinese characters than this is not a source the bot could quote from.
MIN_CHINESE_CHARS = 10
# A PDF whose text has more unreadable characters than this share is not extracted cleanly.
MAX_BAD_SHARE = 0.002
# A PDF line at least this share of the page's usual full line runs on into the next line.
FULL_LINE_SHARE = 0.85

_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
# Characters that mean the text was not decoded: replacement character, private-use glyphs
# (a PDF font without a Unicode map), control characters.
_BAD = re.compile("[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f\x7f]")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
# Kangxi and supplementary radicals, compatibility ideographs: what many PDFs give for ordinary
# characters (⽼ for 老); NFKC maps each to the character it stands for.
_RADICALS = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")
# Chinese has no spaces between characters; many PDFs' text layers put one between each glyph.
_SPACED = re.compile(
    r"(?<=[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]) (?=[\u3400-\u9fff\u3000-\u303f\uff00-\uffef])"
)
_PAGE_NUMBER = re.compile(r"[-—–\s]*(第\s*)?\d{1,4}(\s*页)?[-—–\s]*(/\s*\d{1,4}\s*页?)?")


class DocumentError(BotError):
    """The document cannot be read as clean text; the message says why, in Chinese."""


def document_text(filename: str, data: bytes) -> str:
    """The text of ``data``, read according to ``filename``'s suffix; raise DocumentError."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(messages.SOURCE_UNKNOWN_TYPE.format(suffix=suffix or filename))
    if not data:
        raise DocumentError(messages.SOURCE_EMPTY)
    if suffix == ".txt":
        text = tidy(_decode_plain(data))
    elif suffix == ".docx":
        text = tidy(_docx_text(data))
    else:
        text = tidy(_pdf_text(data))
    _check_clean(text, suffix)
    return text


def tidy(text: str) -> str:
    """Unix line ends, no invisible characters, no trailing spaces, one blank line at most
    between paragraphs, one final newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = _INVISIBLE.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    joined = "\n".join(lines).strip("\n")
    joined = re.sub(r"\n{3,}", "\n\n", joined)
    return joined + "\n" if joined.strip() else ""


def _decode_plain(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with one, or GB18030 (what older
    Windows Notepad saves Chinese in)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(messages.SOURCE_UNDECODABLE) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(messages.SOURCE_UNDECODABLE)


def _docx_text(data: bytes) -> str:
    """The body's paragraphs and table cells in document order, one paragraph a line."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = Document(io.BytesIO(data))
        paragraphs: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                seen: set[int] = set()
                for row in block.rows:
                    for cell in row.cells:
                        if id(cell._tc) in seen:  # a merged cell is listed once per column
                            continue
                        seen.add(id(cell._tc))
                        paragraphs += [p.text for p in cell.paragraphs]
            else:
                paragraphs.append(block.text)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as exc:
        logger.info("unreadable .docx: %s", exc)
        raise DocumentError(messages.SOURCE_BAD_DOCX) from None
    # A blank line between paragraphs, as the shipped articles have.
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def _pdf_text(data: bytes) -> str:
    """The text layer of every page, page numbers left out, lines joined into paragraphs."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise DocumentError(messages.SOURCE_PDF_UNAVAILABLE) from None
    # pypdf warns about every oddity of a file it still reads; what matters is the text.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(messages.SOURCE_PDF_ENCRYPTED)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        logger.info("unreadable .pdf: %s", exc)
        raise DocumentError(messages.SOURCE_BAD_PDF) from None
    if not any(page.strip() for page in pages):
        raise DocumentError(messages.SOURCE_PDF_NO_TEXT)
    text = "\n".join(pages)
    text = _RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _SPACED.sub("", text)
    return _reflow([line for line in text.splitlines() if not _PAGE_NUMBER.fullmatch(line)])


def _reflow(lines: list[str]) -> str:
    """Join a PDF's broken lines into paragraphs: a line as long as the usual full line runs
    on, unless the next one is indented (a new paragraph) or empty."""
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if not lengths:
        return ""
    full = lengths[int(0.9 * (len(lengths) - 1))]
    paragraphs: list[str] = []
    current = ""
    for number, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        current = _join(current, line)
        following = lines[number + 1] if number + 1 < len(lines) else ""
        runs_on = (
            len(line) >= FULL_LINE_SHARE * full
            and following.strip()
            and not following[:1].isspace()
            and not following.startswith("\u3000")
        )
        if not runs_on:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _join(left: str, right: str) -> str:
    # Chinese lines join directly; two Latin words get their space back.
    if left and left[-1].isascii() and left[-1].isalnum() and right[0].isascii():
        return f"{left} {right}"
    return left + right


def _check_clean(text: str, suffix: str) -> None:
    """Refuse text without Chinese, or (from a PDF) with unreadable characters."""
    if not text.strip():
        raise DocumentError(messages.SOURCE_EMPTY)
    bad = len(_BAD.findall(text))
    if suffix == ".pdf" and ("(cid:" in text or bad > MAX_BAD_SHARE * len(text)):
        raise DocumentError(messages.SOURCE_PDF_GARBLED)
    if bad:
        raise DocumentError(messages.SOURCE_UNDECODABLE)
    if len(_CHINESE.findall(text)) < MIN_CHINESE_CHARS:
        raise DocumentError(messages.SOURCE_NO_CHINESE)
