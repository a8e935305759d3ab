"""Add a new source document to the knowledge base (``bot kb add-source``, a Telegram upload).

``plan_source`` reads the document, checks what the clerk gave (title, publisher, date, region)
and validates the whole knowledge directory with the new article and its ``[[sources]]`` block
in a temporary copy, touching nothing; ``apply_source`` does the same again and then writes the
article and the new sources file, each atomically. The date is only what the clerk gives.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

from bot import messages
from bot.documents import DocumentError, document_text
from bot.errors import KnowledgeError
from bot.loader import (
    ARTICLES_DIR,
    DEFAULT_MAX_FILE_BYTES,
    SOURCES_FILE,
    Knowledge,
    load_knowledge,
)
from bot.models import Region, check_date
from bot.passages import Passage

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NUMBERED = re.compile(r"^(\d{3,})_")
_CHINESE_DATE = re.compile(r"(?:(\d{4})\s*年)?\s*(?:(\d{1,2})\s*月)?\s*(?:(\d{1,2})\s*[日号])?")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_NOT_WORD = re.compile(r"[\W_]+")
# One addition at a time: two would pick the same article number.
_WRITING = threading.Lock()


class SourceError(DocumentError):
    """What the clerk gave cannot be added; the message says why, in Chinese."""


@dataclass(frozen=True)
class SourceRequest:
    """A document and what the clerk says about it."""

    filename: str
    data: bytes
    title: str
    publisher: str
    date: str
    region: str | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class SourcePlan:
    """A validated addition: the new source, its article and what it adds to answer from."""

    source_id: str
    title: str
    date: str  # as sources.toml keeps it
    article: str  # file name under knowledge/articles/
    text: str
    sources_text: str  # sources.toml with the new block appended
    passages: tuple[Passage, ...]


def plan_source(
    directory: Path, request: SourceRequest, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> SourcePlan:
    """Check and validate an addition without writing anything.

    Raises SourceError (or DocumentError) with a one-line Chinese reason, or KnowledgeError
    listing every problem of the knowledge directory as it would be.
    """
    title = _field(request.title, messages.SOURCE_FIELD_TITLE)
    publisher = _field(request.publisher, messages.SOURCE_FIELD_PUBLISHER)
    date = clerk_date(request.date)
    try:
        check_date(date)
    except ValueError:
        raise SourceError(messages.SOURCE_BAD_DATE.format(date=request.date.strip())) from None
    knowledge = load_knowledge(directory, max_file_bytes)
    region = _region(request.region, knowledge.regions)
    if len(request.data) > max_file_bytes:
        raise SourceError(too_large_message(len(request.data), max_file_bytes))
    text = document_text(request.filename, request.data)
    encoded = text.encode("utf-8")
    if len(encoded) > max_file_bytes:
        raise SourceError(too_large_message(len(encoded), max_file_bytes))
    digest = hashlib.sha256(encoded).hexdigest()
    source_id = (request.source_id or f"doc-{digest[:8]}").strip()
    if not _SLUG.match(source_id):
        raise SourceError(messages.SOURCE_BAD_ID.format(id=source_id))
    _check_duplicates(knowledge, source_id, title, text)
    article = _article_name(directory / ARTICLES_DIR, digest[:16], knowledge)
    block = {
        "id": source_id,
        "title": title,
        "publisher": publisher,
        "date": date,
        "file": article,
        "region": region,
        "notes": messages.SOURCE_NOTES.format(
            filename=_CONTROL.sub("", PurePath(request.filename).name)
        ),
    }
    sources_path = directory / SOURCES_FILE
    sources_text = _appended(sources_path.read_text(encoding="utf-8"), block)
    passages = _validated_passages(
        directory, article, text, sources_text, source_id, max_file_bytes
    )
    if not passages:
        raise SourceError(messages.SOURCE_NO_PASSAGES)
    return SourcePlan(source_id, title, date, article, text, sources_text, passages)


def apply_source(
    directory: Path, request: SourceRequest, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> SourcePlan:
    """Validate the addition against the directory as it is now, then write it: the article
    first (an article no source names is never read), then sources.toml, each atomically."""
    with _WRITING:
        plan = plan_source(directory, request, max_file_bytes)
        _write_atomic(directory / ARTICLES_DIR / plan.article, plan.text)
        _write_atomic(directory / SOURCES_FILE, plan.sources_text)
        return plan


def clerk_date(value: str) -> str:
    """A date as the clerk typed it in the form sources.toml keeps: full-width digits made
    plain, and 2025年1月5日, 2025年1月, 2025年 or 1月5日 written 2025-01-05, 2025-01, 2025 or
    --01-05 — the same date, nothing added. Anything else is returned as typed (and checked)."""
    value = unicodedata.normalize("NFKC", value).strip()
    match = _CHINESE_DATE.fullmatch(value)
    if match is None:
        return value
    year, month, day = match.groups()
    if year is None:
        return f"--{int(month):02d}-{int(day):02d}" if month and day else value
    if month is None:
        return year if day is None else value
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")


def _field(value: str, name: str) -> str:
    value = value.strip()
    if not value:
        raise SourceError(messages.SOURCE_MISSING_FIELD.format(field=name))
    if _CONTROL.search(value):
        raise SourceError(messages.SOURCE_FIELD_ONE_LINE.format(field=name))
    return value


def _region(given: str | None, regions: dict[str, Region]) -> str | None:
    """The region's name for a name or an alias; SourceError when it is not known."""
    if given is None or not given.strip():
        return None
    given = given.strip()
    for region in regions.values():
        if given == region.name or given in region.aliases:
            return region.name
    raise SourceError(
        messages.SOURCE_UNKNOWN_REGION.format(region=given, regions="、".join(regions))
    )


def too_large_message(size: int, limit: int) -> str:
    """Why a document of ``size`` bytes is refused, in Chinese."""
    megabyte = 1024 * 1024
    return messages.SOURCE_TOO_LARGE.format(size=size / megabyte, limit=limit / megabyte)


def _check_duplicates(knowledge: Knowledge, source_id: str, title: str, text: str) -> None:
    """The same id, the same title or the same text as a source already there is refused."""
    existing = knowledge.sources.get(source_id)
    if existing is not None:
        raise SourceError(messages.SOURCE_DUPLICATE.format(id=existing.id, title=existing.title))
    key = _NOT_WORD.sub("", title)
    for source in knowledge.sources.values():
        if _NOT_WORD.sub("", source.title) == key:
            raise SourceError(messages.SOURCE_DUPLICATE.format(id=source.id, title=source.title))
    stored = _NOT_WORD.sub("", text)
    read: set[Path] = set()
    for source in knowledge.sources.values():
        path = knowledge.article_path(source)
        if path is None or path in read:  # several news items may share one file
            continue
        read.add(path)
        try:
            same = _NOT_WORD.sub("", path.read_text(encoding="utf-8")) == stored
        except (OSError, UnicodeDecodeError):
            continue  # the loader has already accepted it; an unreadable copy is no duplicate
        if same:
            raise SourceError(messages.SOURCE_DUPLICATE.format(id=source.id, title=source.title))


def _article_name(articles: Path, digest: str, knowledge: Knowledge) -> str:
    """``NNN_<digest>.txt`` with the next number, as the shipped articles are named; the name
    of the same text left by an addition that stopped before its source was written, if any."""
    named = {source.file for source in knowledge.sources.values()}
    names = [path.name for path in articles.iterdir()] if articles.is_dir() else []
    for name in names:
        if name.endswith(f"_{digest}.txt") and name not in named:
            return name
    numbers = [int(match.group(1)) for name in names if (match := _NUMBERED.match(name))]
    return f"{max(numbers, default=-1) + 1:03d}_{digest}.txt"


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string, except that TOML wants DEL escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _appended(existing: str, block: dict[str, str | None]) -> str:
    """``existing`` unchanged, comments and all, with one ``[[sources]]`` block after it."""
    lines = ["[[sources]]"]
    lines += [f"{key} = {_toml_string(value)}" for key, value in block.items() if value is not None]
    if not existing or existing.endswith("\n\n"):
        separator = ""
    else:
        separator = "\n" if existing.endswith("\n") else "\n\n"
    return existing + separator + "\n".join(lines) + "\n"


def _validated_passages(
    directory: Path,
    article: str,
    text: str,
    sources_text: str,
    source_id: str,
    max_file_bytes: int,
) -> tuple[Passage, ...]:
    """Load a copy of the directory with the addition; its problems name the real paths."""
    with tempfile.TemporaryDirectory(prefix="add-source-") as temporary:
        copy = Path(temporary) / directory.name
        shutil.copytree(directory, copy, ignore=shutil.ignore_patterns(".*"))
        (copy / ARTICLES_DIR).mkdir(exist_ok=True)
        (copy / ARTICLES_DIR / article).write_text(text, encoding="utf-8")
        (copy / SOURCES_FILE).write_text(sources_text, encoding="utf-8")
        try:
            knowledge = load_knowledge(copy, max_file_bytes)
        except KnowledgeError as exc:
            raise KnowledgeError(
                [problem.replace(str(copy), str(directory)) for problem in exc.problems]
            ) from None
    return tuple(p for p in knowledge.passages if p.source == source_id)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mkstemp makes the file private; the knowledge files keep the mode they had.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
