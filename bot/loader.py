"""Read and validate the knowledge directory, reporting every problem at once.

Each problem is one line naming the file, the entry and the field, e.g.
``knowledge/elderly.toml: entry "elderly-canteens": source: unknown source "src-9"``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot import messages
from bot.errors import KnowledgeError
from bot.models import Entry, EntryRecord, Region, Source, SynonymGroup
from bot.passages import Passage, excerpt_spans, locate_items, represented, split_item

SOURCES_FILE = "sources.toml"
SYNONYMS_FILE = "synonyms.toml"
REGIONS_FILE = "regions.toml"
ARTICLES_DIR = "articles"
RESERVED_FILES = {SOURCES_FILE, SYNONYMS_FILE, REGIONS_FILE}
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024  # knowledge.max_file_mb

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Knowledge:
    """A validated knowledge base: everything the matcher and the answers need."""

    directory: Path
    sources: dict[str, Source]
    entries: tuple[EntryRecord, ...]
    entry_files: dict[str, str]
    synonym_groups: tuple[SynonymGroup, ...]
    regions: dict[str, Region]
    fingerprints: dict[str, str] = field(default_factory=dict)
    # Every sentence of the articles that no curated excerpt quotes, answerable on its own.
    passages: tuple[Passage, ...] = ()

    def categories(self) -> list[str]:
        """Categories in the order their first entry appears."""
        return list(self._categories)

    @cached_property
    def _categories(self) -> tuple[str, ...]:
        # Every answer's keyboard asks for them: computed once per version, not per answer.
        return tuple(dict.fromkeys(entry.category for entry in self.entries))

    def article_path(self, source: Source) -> Path | None:
        """The article text file of a source, when it names one."""
        return self.directory / ARTICLES_DIR / source.file if source.file else None


class _Problems:
    """Collects problem lines so that everything is reported in one go.

    It also carries the size limit of one file, which every read checks first.
    """

    def __init__(self, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.max_file_bytes = max_file_bytes
        self.lines: list[str] = []
        # Ids of items that failed validation: references to them are not reported again.
        self.invalid_ids: set[str] = set()

    def add(self, line: str) -> None:
        self.lines.append(line)


def load_knowledge(directory: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Knowledge:
    """Load and validate ``directory``; raise KnowledgeError listing every problem.

    A file larger than ``max_file_bytes`` is a problem and is never read.
    """
    problems = _Problems(max_file_bytes)
    if not directory.exists():
        raise KnowledgeError([f"{directory}: knowledge directory not found"])
    if not directory.is_dir():
        raise KnowledgeError([f"{directory}: not a directory"])

    sources = _load_sources(directory / SOURCES_FILE, problems)
    regions = _load_regions(directory / REGIONS_FILE, problems)
    groups = _load_synonyms(directory / SYNONYMS_FILE, problems)
    topic_files = sorted(p for p in directory.glob("*.toml") if p.name not in RESERVED_FILES)
    if not topic_files:
        problems.add(f"{directory}: no knowledge files (<topic>.toml with [[entries]]) found")

    entries: list[EntryRecord] = []
    entry_files: dict[str, str] = {}
    for path in topic_files:
        where = str(path)  # one string per file, shared by its entries
        for entry in _load_entries(path, problems):
            if entry.id in entry_files:
                problems.add(
                    f'{path}: entry "{entry.id}": id: duplicate id, '
                    f"already used in {entry_files[entry.id]}"
                )
                continue
            entry_files[entry.id] = where
            entries.append(entry)
            _check_references(path, entry, sources, regions, problems)

    _check_source_regions(directory / SOURCES_FILE, sources, regions, problems)
    passages = _load_passages(directory, sources, regions, entries, problems)
    if problems.lines:
        raise KnowledgeError(problems.lines)
    return Knowledge(
        directory=directory,
        sources=sources,
        entries=tuple(entries),
        entry_files=entry_files,
        synonym_groups=tuple(groups),
        regions=regions,
        fingerprints={entry.id: _fingerprint(entry) for entry in entries},
        passages=passages,
    )


def _check_source_regions(
    path: Path, sources: dict[str, Source], regions: dict[str, Region], problems: _Problems
) -> None:
    for source in sources.values():
        if source.region and regions and source.region not in regions:
            problems.add(
                f'{path}: source "{source.id}": region: unknown region "{source.region}" '
                f"(add it to {REGIONS_FILE} or use one of its names)"
            )


def _load_passages(
    directory: Path,
    sources: dict[str, Source],
    regions: dict[str, Region],
    entries: list[EntryRecord],
    problems: _Problems,
) -> tuple[Passage, ...]:
    """The passages of every article, minus those a curated entry's excerpt already quotes."""
    by_file: dict[str, list[Source]] = {}
    for source in sources.values():
        if source.file:
            by_file.setdefault(source.file, []).append(source)
    excerpts_by_file: dict[str, dict[str, None]] = {}  # entries often share an excerpt
    for entry in entries:
        quoted_source = sources.get(entry.source)
        if quoted_source and quoted_source.file:
            excerpts_by_file.setdefault(quoted_source.file, {})[entry.excerpt] = None
    passages: list[Passage] = []
    for name, file_sources in by_file.items():
        path = directory / ARTICLES_DIR / name
        if not path.is_file():
            continue  # already reported with its source; a pipe or device is never opened
        if _too_large(path, problems):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.add(f"{path}: cannot read the article as UTF-8 text: {exc}")
            continue
        items, missing = locate_items(text, file_sources)
        for source in missing:
            where = "begins_with text" if source.begins_with else "title"
            problems.add(
                f'{directory / SOURCES_FILE}: source "{source.id}": {where} not found in {path} '
                '(set begins_with = "…" to the first words of its news item)'
            )
        quoted = [
            span
            for excerpt in excerpts_by_file.get(name, ())
            for span in excerpt_spans(text, excerpt)
        ]
        numbers: dict[str, int] = {}
        for item in items:
            for passage in split_item(text, item, regions, numbers.get(item.source.id, 1)):
                numbers[item.source.id] = int(passage.id.rsplit("#", 1)[1]) + 1
                if not represented(passage, quoted):
                    passages.append(passage)
    return tuple(passages)


def _check_references(
    path: Path,
    entry: EntryRecord,
    sources: dict[str, Source],
    regions: dict[str, Region],
    problems: _Problems,
) -> None:
    if entry.source not in sources and entry.source not in problems.invalid_ids:
        problems.add(f'{path}: entry "{entry.id}": source: unknown source "{entry.source}"')
    if regions and entry.region not in regions:
        problems.add(
            f'{path}: entry "{entry.id}": region: unknown region "{entry.region}" '
            f"(add it to {REGIONS_FILE} or use one of its names)"
        )


_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(EntryRecord))


def _fingerprint(entry: EntryRecord) -> str:
    # The fields in a fixed order; dataclasses.asdict would deep-copy every list (slow at 100k).
    payload = json.dumps([getattr(entry, name) for name in _ENTRY_FIELDS], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def read_toml(path: Path, problems: _Problems) -> dict[str, Any] | None:
    """Parse one TOML file, or record why it cannot be read and return None."""
    if _too_large(path, problems):
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(f"{path}: cannot read file: {exc.strerror or exc}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(
            f"{path}: not UTF-8 text (bad byte at position {exc.start}); save the file as UTF-8"
        )
        return None
    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        problems.add(f"{path}: {messages.TOML_TOO_DEEP}")
        return None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        if position:
            line, column = position.groups()
            message = message[: position.start()]
            problems.add(f"{path}:{line}:{column}: TOML syntax error: {message}")
        else:
            problems.add(f"{path}: TOML syntax error: {message}")
        return None


def _too_large(path: Path, problems: _Problems) -> bool:
    """True (and a problem recorded) when the file is over the size limit: it is not read."""
    try:
        size = path.stat().st_size
    except OSError:
        return False  # reading it reports why it cannot be read
    if size <= problems.max_file_bytes:
        return False
    megabyte = 1024 * 1024
    problems.add(
        f"{path}: file too large ({size / megabyte:.2f} MB; at most "
        f"{problems.max_file_bytes / megabyte:g} MB, see knowledge.max_file_mb in config.toml)"
    )
    return True


def _items(path: Path, raw: dict[str, Any], key: str, problems: _Problems) -> list[dict[str, Any]]:
    """The ``[[key]]`` tables of a file, reporting anything else at top level."""
    for other in sorted(set(raw) - {key}):
        problems.add(f"{path}: {other}: unknown top-level field (expected only [[{key}]])")
    items = raw.get(key)
    if items is None:
        problems.add(f"{path}: file has no [[{key}]] tables")
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        problems.add(f"{path}: {key}: must be [[{key}]] tables")
        return []
    if not items:
        problems.add(f"{path}: file has no [[{key}]] tables")
    return items


def _validate(model: type[_M], raw: dict[str, Any], where: str, problems: _Problems) -> _M | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            problems.add(f"{where}: {_describe(error)}")
        return None


def _describe(error: Any) -> str:
    """One readable phrase for one pydantic error, led by the field name."""
    loc = [str(part) for part in error["loc"]]
    name = loc[0] if loc else "value"
    if len(loc) > 1:
        name = f"{loc[0]}[{int(loc[1]) + 1}]" if loc[1].isdigit() else ".".join(loc)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"{name}: required field is missing"
    if kind == "extra_forbidden":
        return f"{name}: unknown field"
    if kind == "string_type":
        return f"{name}: must be text (in quotes)"
    if kind == "list_type":
        return f'{name}: must be a list, e.g. ["…", "…"]'
    if kind == "too_short":
        return f"{name}: must not be empty"
    if kind == "string_too_short":
        return f"{name}: must not be empty"
    if kind == "string_too_long":
        return f"{name}: too long (at most {ctx.get('max_length')} characters)"
    if kind == "string_pattern_mismatch" and loc and loc[0] == "id":
        return f"{name}: must be lowercase ascii words joined by '-', e.g. elderly-canteens"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name}: {message}"


def _label(path: Path, kind: str, raw: dict[str, Any], number: int) -> str:
    ident = raw.get("id") if kind != "region" else raw.get("name")
    if isinstance(ident, str) and ident.strip():
        return f'{path}: {kind} "{ident.strip()}"'
    return f"{path}: {kind} #{number}"


def _load_list(
    path: Path,
    key: str,
    kind: str,
    model: type[_M],
    problems: _Problems,
    label: Callable[[Path, str, dict[str, Any], int], str] = _label,
) -> list[tuple[int, _M]]:
    """The valid ``[[key]]`` items of a file with their 1-based position."""
    raw = read_toml(path, problems)
    if raw is None:
        return []
    loaded: list[tuple[int, _M]] = []
    for number, item in enumerate(_items(path, raw, key, problems), 1):
        model_obj = _validate(model, item, label(path, kind, item, number), problems)
        if model_obj is not None:
            loaded.append((number, model_obj))
        elif isinstance(item.get("id"), str):
            problems.invalid_ids.add(item["id"].strip())
    return loaded


def _load_sources(path: Path, problems: _Problems) -> dict[str, Source]:
    if not path.exists():
        problems.add(f"{path}: missing: every knowledge directory needs a sources file")
        return {}
    sources: dict[str, Source] = {}
    for _, source in _load_list(path, "sources", "source", Source, problems):
        if source.id in sources:
            problems.add(f'{path}: source "{source.id}": id: duplicate id')
        sources[source.id] = source
        if source.file:
            article = path.parent / ARTICLES_DIR / source.file
            if not article.is_file():
                problems.add(f'{path}: source "{source.id}": file: {article} not found')
    return sources


def _load_regions(path: Path, problems: _Problems) -> dict[str, Region]:
    if not path.exists():
        return {}
    regions: dict[str, Region] = {}
    for _, region in _load_list(path, "regions", "region", Region, problems):
        if region.name in regions:
            problems.add(f'{path}: region "{region.name}": name: duplicate region')
        regions[region.name] = region
    for region in regions.values():
        if region.parent and region.parent not in regions:
            problems.add(
                f'{path}: region "{region.name}": parent: unknown region "{region.parent}"'
            )
    return regions


def _load_synonyms(path: Path, problems: _Problems) -> list[SynonymGroup]:
    if not path.exists():
        return []

    def group_label(path: Path, kind: str, raw: dict[str, Any], number: int) -> str:
        return f"{path}: group {number}"

    groups = _load_list(path, "groups", "group", SynonymGroup, problems, group_label)
    seen: dict[str, int] = {}
    for number, group in groups:
        for word in group.words:
            key = word.lower()
            if key in seen and seen[key] != number:
                problems.add(
                    f'{path}: group {number}: words: "{word}" is already in group {seen[key]} '
                    "(a word may belong to one group only)"
                )
            seen.setdefault(key, number)
    return [group for _, group in groups]


def _load_entries(path: Path, problems: _Problems) -> list[EntryRecord]:
    return [entry.record() for _, entry in _load_list(path, "entries", "entry", Entry, problems)]
