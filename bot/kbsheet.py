"""``kb export`` and ``kb import``: the knowledge base to a workbook and back.

Import reads the workbook (layout in ``bot.workbook``), checks every row and reports every
problem at once as ``条目 第12行 「来源」: 未知来源 "src-9"``; then it turns the rows into the TOML
files they mean. Each entry stays in the file of its category (a new category gets a new file
named after its pinyin); a file whose items mean exactly what they meant before is left
untouched, byte for byte, so its comments stay. Written files keep their leading comment block.
The files are written with tomli-w, never by hand, so any text a clerk types (quotes,
backslashes, newlines) comes out as valid TOML that reads back as the same text.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from openpyxl import Workbook
from pydantic import BaseModel, ValidationError
from pypinyin import Style, lazy_pinyin

from bot import messages
from bot.loader import (
    ARTICLES_DIR,
    REGIONS_FILE,
    RESERVED_FILES,
    SOURCES_FILE,
    SYNONYMS_FILE,
    Knowledge,
)
from bot.models import (
    MAX_EXCERPT_CHARS,
    MAX_TITLE_CHARS,
    Entry,
    Region,
    Source,
    SynonymGroup,
    check_date,
    parse_rule,
)
from bot.report import QuestionGroup
from bot.workbook import (
    EDITABLE,
    ENTRIES,
    FLAG_NO,
    FLAG_YES,
    HEADER_ROW,
    REGIONS,
    SOURCES,
    SYNONYMS,
    UNANSWERED,
    SheetLayout,
    SheetRow,
    WorkbookError,
    add_sheet,
    layout_rows,
    mark_rows,
    new_workbook,
    read_workbook,
    split_list,
)

MAX_ID_SYLLABLES = 6  # a generated id: the first syllables of the title's pinyin
_TOML_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.toml")  # a file name, never a path
_TOML_KEYS = {SOURCES_FILE: "sources", REGIONS_FILE: "regions", SYNONYMS_FILE: "groups"}


def export_workbook(
    knowledge: Knowledge,
    unanswered: Iterable[QuestionGroup],
    drafts: Sequence[dict[str, Any]] = (),
) -> Workbook:
    """The workbook of ``knowledge``; 未回答 holds ``unanswered`` and is protected. ``drafts``
    (entry fields, 标题 and 类别 empty) are shaded rows after the entries, for the clerk to
    complete or delete before importing."""
    workbook = new_workbook()
    rows = layout_rows(ENTRIES, [*knowledge.entries, *drafts])
    sheet = add_sheet(workbook, ENTRIES, rows)
    if drafts:
        mark_rows(sheet, HEADER_ROW + 1 + len(knowledge.entries), len(drafts))
    sheets: tuple[tuple[SheetLayout, Iterable[Any]], ...] = (
        (SOURCES, knowledge.sources.values()),
        (SYNONYMS, knowledge.synonym_groups),
        (REGIONS, knowledge.regions.values()),
    )
    for layout, items in sheets:
        add_sheet(workbook, layout, layout_rows(layout, items))
    groups = [
        {
            "count": group.count,
            "sample": group.sample,
            "nearest": group.nearest or "",
            "questions": list(dict.fromkeys(group.questions)),
        }
        for group in unanswered
    ]
    add_sheet(workbook, UNANSWERED, layout_rows(UNANSWERED, groups), read_only=True)
    return workbook


@dataclass
class ImportPlan:
    """The files a workbook means (name → bytes, None = delete), or every problem with it."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    writes: dict[str, bytes | None] = field(default_factory=dict)


@dataclass
class _Row:
    """A row that passed its own checks, with the model it makes."""

    number: int
    item: Any


class _Checker:
    """Turns the rows of one sheet into models, collecting problems in the clerk's terms,
    each sheet's in the order of its rows."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, int, int, str]] = []  # (sheet, row, order, text)
        self.warnings: list[tuple[int, int, int, str]] = []

    def _line(self, layout: SheetLayout, row: int, field_name: str | None, message: str) -> str:
        if field_name is None:
            return messages.SHEET_ROW_PROBLEM.format(sheet=layout.name, row=row, message=message)
        column = next(c.header for c in layout.columns if c.field == field_name)
        return messages.SHEET_PROBLEM.format(
            sheet=layout.name, row=row, column=column, message=message
        )

    def problem(self, layout: SheetLayout, row: int, field_name: str | None, message: str) -> None:
        key = (EDITABLE.index(layout), row, len(self.problems))
        self.problems.append((*key, self._line(layout, row, field_name, message)))

    def warn(self, layout: SheetLayout, row: int, field_name: str | None, message: str) -> None:
        key = (EDITABLE.index(layout), row, len(self.warnings))
        self.warnings.append((*key, self._line(layout, row, field_name, message)))

    def sorted(self, found: list[tuple[int, int, int, str]]) -> list[str]:
        """The lines sheet by sheet, row by row."""
        return [line for *_, line in sorted(found)]

    def rows(
        self,
        layout: SheetLayout,
        rows: list[SheetRow],
        model: type[BaseModel],
        precheck: Callable[[SheetRow, dict[str, Any]], set[str]] | None = None,
    ) -> list[_Row]:
        """Valid models of the non-empty rows; an empty row before a filled one is a warning."""
        last_filled = max((row.number for row in rows if not row.is_empty()), default=0)
        valid = []
        for row in rows:
            if row.is_empty():
                if row.number < last_filled:
                    self.warn(layout, row.number, None, messages.SHEET_EMPTY_ROW)
                continue
            raw = _raw_item(layout, row)
            reported = precheck(row, raw) if precheck else set()
            try:
                item = model.model_validate(raw)
            except ValidationError as exc:
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else None
                    if name in reported:
                        continue
                    reported.add(name or "")
                    self.problem(layout, row.number, name, _describe(error))
                continue
            if not reported:
                valid.append(_Row(row.number, item))
        return valid


def _raw_item(layout: SheetLayout, row: SheetRow) -> dict[str, Any]:
    """The model fields a row sets: lists split by line; an empty optional cell sets nothing."""
    raw: dict[str, Any] = {}
    for column in layout.columns:
        text = row.cells.get(column.header, "").replace("\r\n", "\n")
        if column.is_list:
            raw[column.field] = split_list(text)
        elif column.is_flag:
            if text.strip():  # 是/否, or what pydantic reads as yes/no (true, 1, no …)
                flags = {FLAG_YES: True, FLAG_NO: False}
                raw[column.field] = flags.get(text.strip(), text.strip())
        elif column.optional:
            if text.strip():
                raw[column.field] = text.strip()
        elif column.field == "id":
            raw[column.field] = text.strip()  # a space typed after an id is not part of it
        else:
            raw[column.field] = text
    return raw


def _describe(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind in ("missing", "too_short", "string_too_short"):
        if loc and loc[0] == "words":
            return messages.SHEET_TOO_FEW_WORDS
        return messages.SHEET_REQUIRED
    if kind == "string_pattern_mismatch" and loc and loc[0] == "id":
        return messages.SHEET_BAD_ID
    return messages.SHEET_BAD_VALUE.format(detail=str(error["msg"]).removeprefix("Value error, "))


def suggest_id(title: str, taken: set[str]) -> str:
    """A kebab-case id from the pinyin of ``title``, not one of ``taken``
    (幸福食堂 → xing-fu-shi-tang)."""
    syllables: list[str] = []
    for part in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]", title.lower()):
        syllables.append(lazy_pinyin(part, style=Style.NORMAL)[0] if not part.isascii() else part)
        if len(syllables) == MAX_ID_SYLLABLES:
            break
    base = "-".join(s for s in syllables if s.isascii() and s.isalnum()) or "entry"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def plan_import(data: bytes, directory: Path) -> ImportPlan:
    """Check the workbook ``data`` against the knowledge ``directory`` (for its article texts and
    its files); the plan's ``writes`` are the TOML files that change, when there are no
    problems. Warnings (an excerpt not verbatim, an empty row) never block."""
    plan = ImportPlan()
    try:
        sheets = read_workbook(data)
    except WorkbookError as exc:
        plan.problems.append(str(exc))
        return plan
    plan.problems += sheets.problems
    plan.warnings += sheets.warnings
    if plan.problems:
        return plan
    checker = _Checker()
    regions = _regions(checker, sheets.rows[REGIONS.name])
    region_names = {row.item.name for row in regions} | _invalid_keys(
        sheets.rows[REGIONS.name], "名称"
    )
    sources = _sources(checker, sheets.rows[SOURCES.name], directory, region_names)
    source_ids = {row.item.id: row.item for row in sources}
    known_sources = set(source_ids) | _invalid_keys(sheets.rows[SOURCES.name], "编号")
    groups = _synonyms(checker, sheets.rows[SYNONYMS.name])
    entries = _entries(
        checker, sheets.rows[ENTRIES.name], source_ids, known_sources, region_names, directory
    )
    plan.problems += checker.sorted(checker.problems)
    plan.warnings += checker.sorted(checker.warnings)
    if plan.problems:
        return plan
    new_files: dict[str, list[BaseModel]] = {
        SOURCES_FILE: [row.item for row in sources],
        REGIONS_FILE: [row.item for row in regions],
        SYNONYMS_FILE: [row.item for row in groups],
    }
    for name, topic in _entry_files(directory, [row.item for row in entries]).items():
        new_files[name] = list(topic)
    existing = {path.name for path in directory.glob("*.toml")}
    for name, items in new_files.items():
        key = _TOML_KEYS.get(name, "entries")
        path = directory / name
        model: type[BaseModel] = _model_of(name)
        if not items:
            if name in existing:
                plan.writes[name] = None  # a file without items is not valid: it goes
            continue
        if name in existing and _same_items(path, key, model, items):
            continue
        plan.writes[name] = _render(path, key, items)
    for name in existing - set(new_files):
        plan.writes[name] = None  # every entry of it was removed or moved
    return plan


def plan_upload(file_name: str, data: bytes, directory: Path) -> ImportPlan:
    """A document an admin sent: a workbook is read like ``kb import``; a TOML file replaces
    (or adds) the knowledge file of its name, and the whole directory is checked with it."""
    name = Path(file_name).name
    if name.lower().endswith(".xlsx"):
        return plan_import(data, directory)
    if not _TOML_NAME.fullmatch(name):
        return ImportPlan(problems=[messages.UPLOAD_BAD_NAME.format(name=name)])
    current = directory / name
    if current.is_file() and current.read_bytes() == data:
        return ImportPlan()  # the same file: nothing to do
    return ImportPlan(writes={name: data})


def _model_of(name: str) -> type[BaseModel]:
    models: dict[str, type[BaseModel]] = {
        SOURCES_FILE: Source,
        REGIONS_FILE: Region,
        SYNONYMS_FILE: SynonymGroup,
    }
    return models.get(name, Entry)


def _invalid_keys(rows: list[SheetRow], header: str) -> set[str]:
    """Keys typed in rows (valid or not): a row referring to an invalid one is not reported."""
    return {row.cells.get(header, "").strip() for row in rows} - {""}


def _first_of_each(
    checker: _Checker, layout: SheetLayout, valid: list[_Row], field_name: str, message: str
) -> list[_Row]:
    """The rows whose ``field_name`` (an id, a name) no earlier row has; each repeat is a
    problem, ``message`` naming the value by the field's name and the earlier row by ``row``."""
    seen: dict[str, int] = {}
    kept = []
    for row in valid:
        value = getattr(row.item, field_name)
        if value in seen:
            text = message.format(**{field_name: value}, row=seen[value])
            checker.problem(layout, row.number, field_name, text)
            continue
        seen[value] = row.number
        kept.append(row)
    return kept


def _missing_id(
    checker: _Checker, layout: SheetLayout, row: SheetRow, raw: dict[str, Any], taken: set[str]
) -> bool:
    """True, after a problem suggesting a free id made from the title, when the row has none."""
    if raw["id"].strip():
        return False
    suggestion = suggest_id(raw["title"], taken)
    taken.add(suggestion)
    message = messages.SHEET_MISSING_ID.format(suggestion=suggestion)
    checker.problem(layout, row.number, "id", message)
    return True


def _regions(checker: _Checker, rows: list[SheetRow]) -> list[_Row]:
    valid = checker.rows(REGIONS, rows, Region)
    names = {row.item.name for row in valid}
    kept = []
    for row in _first_of_each(checker, REGIONS, valid, "name", messages.SHEET_DUPLICATE_NAME):
        region: Region = row.item
        if region.parent and region.parent not in names:
            message = messages.SHEET_UNKNOWN_REGION.format(region=region.parent)
            checker.problem(REGIONS, row.number, "parent", message)
            continue
        kept.append(row)
    return kept


def _sources(
    checker: _Checker, rows: list[SheetRow], directory: Path, regions: set[str]
) -> list[_Row]:
    taken = _invalid_keys(rows, "编号")

    def precheck(row: SheetRow, raw: dict[str, Any]) -> set[str]:
        reported = {"id"} if _missing_id(checker, SOURCES, row, raw, taken) else set()
        try:
            raw["date"] = check_date(raw["date"].strip())
        except ValueError:
            checker.problem(SOURCES, row.number, "date", messages.SHEET_BAD_DATE)
            reported.add("date")
        file = raw.get("file")
        if file and not (directory / ARTICLES_DIR / file).is_file():
            message = messages.SHEET_UNKNOWN_FILE.format(file=file)
            checker.problem(SOURCES, row.number, "file", message)
            reported.add("file")
        region = raw.get("region")
        if region and regions and region not in regions:
            message = messages.SHEET_UNKNOWN_REGION.format(region=region)
            checker.problem(SOURCES, row.number, "region", message)
            reported.add("region")
        return reported

    valid = checker.rows(SOURCES, rows, Source, precheck)
    return _first_of_each(checker, SOURCES, valid, "id", messages.SHEET_DUPLICATE_ID)


def _synonyms(checker: _Checker, rows: list[SheetRow]) -> list[_Row]:
    valid = checker.rows(SYNONYMS, rows, SynonymGroup)
    seen: dict[str, int] = {}
    kept = []
    for row in valid:
        group: SynonymGroup = row.item
        clash = False
        for word in group.words:
            earlier = seen.get(word.lower())
            if earlier is not None and earlier != row.number:
                message = messages.SHEET_WORD_TWICE.format(word=word, row=earlier)
                checker.problem(SYNONYMS, row.number, "words", message)
                clash = True
            seen.setdefault(word.lower(), row.number)
        if not clash:
            kept.append(row)
    return kept


def _entries(
    checker: _Checker,
    rows: list[SheetRow],
    sources: dict[str, Source],
    known_sources: set[str],
    regions: set[str],
    directory: Path,
) -> list[_Row]:
    taken = _invalid_keys(rows, "编号")

    def precheck(row: SheetRow, raw: dict[str, Any]) -> set[str]:
        reported = {"id"} if _missing_id(checker, ENTRIES, row, raw, taken) else set()
        title = raw["title"].strip()
        if len(title) > MAX_TITLE_CHARS:
            message = messages.SHEET_TITLE_TOO_LONG.format(length=len(title), limit=MAX_TITLE_CHARS)
            checker.problem(ENTRIES, row.number, "title", message)
            reported.add("title")
        excerpt = raw["excerpt"].strip()
        if len(excerpt) > MAX_EXCERPT_CHARS:
            message = messages.SHEET_EXCERPT_TOO_LONG.format(
                length=len(excerpt), limit=MAX_EXCERPT_CHARS
            )
            checker.problem(ENTRIES, row.number, "excerpt", message)
            reported.add("excerpt")
        for rule in raw["keywords"]:
            try:
                parse_rule(rule)
            except ValueError:
                message = messages.SHEET_BAD_RULE.format(rule=rule)
                checker.problem(ENTRIES, row.number, "keywords", message)
                reported.add("keywords")
        source = raw["source"].strip()
        if source and source not in known_sources:
            message = messages.SHEET_UNKNOWN_SOURCE.format(source=source)
            checker.problem(ENTRIES, row.number, "source", message)
            reported.add("source")
        region = raw["region"].strip()
        if region and regions and region not in regions:
            message = messages.SHEET_UNKNOWN_REGION.format(region=region)
            checker.problem(ENTRIES, row.number, "region", message)
            reported.add("region")
        return reported

    valid = checker.rows(ENTRIES, rows, Entry, precheck)
    texts: dict[str, str | None] = {}
    for row in valid:
        entry: Entry = row.item
        source = sources.get(entry.source)
        if source is not None and source.file:
            if source.file not in texts:
                texts[source.file] = _article_text(directory / ARTICLES_DIR / source.file)
            text = texts[source.file]
            if text is not None:
                _check_verbatim(checker, row.number, entry.excerpt, text, source.file)
    return _first_of_each(checker, ENTRIES, valid, "id", messages.SHEET_DUPLICATE_ID)


def _article_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # the final validation names the unreadable article


def first_difference(line: str, text: str) -> int | None:
    """The index of the first character of ``line`` from which it is no longer found verbatim
    in ``text``, or None when all of it is there. (A prefix found means every shorter one is:
    a binary search.)"""
    if line in text:
        return None
    low, high = 0, len(line)  # line[:low] is found, line[:high] is not
    while high - low > 1:
        middle = (low + high) // 2
        if line[:middle] in text:
            low = middle
        else:
            high = middle
    return low


def _check_verbatim(checker: _Checker, row: int, excerpt: str, text: str, file: str) -> None:
    offset = 0
    for raw_line in excerpt.split("\n"):
        line = raw_line.strip()
        start = offset + len(raw_line) - len(raw_line.lstrip())
        offset += len(raw_line) + 1
        found = first_difference(line, text) if line else None
        if found is not None:
            message = messages.SHEET_NOT_VERBATIM.format(
                file=file, position=start + found + 1, char=line[found]
            )
            checker.warn(ENTRIES, row, "excerpt", message)
            return


def _entry_files(directory: Path, entries: list[Entry]) -> dict[str, list[Entry]]:
    """Which file each entry goes to: where it is now if its category is unchanged, else the
    file holding most entries of its category, else a new file named after the category."""
    current: dict[str, tuple[str, str]] = {}  # id → (file, category)
    by_category: dict[str, Counter[str]] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name in RESERVED_FILES:
            continue
        for raw in _raw_items(path, "entries"):
            if isinstance(raw.get("id"), str) and isinstance(raw.get("category"), str):
                current.setdefault(raw["id"], (path.name, raw["category"]))
                by_category.setdefault(raw["category"], Counter())[path.name] += 1
    files: dict[str, list[Entry]] = {}
    taken = {path.name for path in directory.glob("*.toml")}
    for entry in entries:
        where = current.get(entry.id)
        if where is not None and where[1] == entry.category:
            name = where[0]
        elif entry.category in by_category:
            name = by_category[entry.category].most_common(1)[0][0]
        else:
            name = _new_file_name(entry.category, taken)
            taken.add(name)
            by_category[entry.category] = Counter({name: 1})
        files.setdefault(name, []).append(entry)
    return files


def _new_file_name(category: str, taken: set[str]) -> str:
    stem = suggest_id(category, set()) if category else "entries"
    name, number = f"{stem}.toml", 2
    while name in taken or name in RESERVED_FILES:
        name, number = f"{stem}-{number}.toml", number + 1
    return name


def _raw_items(path: Path, key: str) -> list[dict[str, Any]]:
    """The ``[[key]]`` tables of a TOML file, or none when it cannot be read."""
    try:
        items = tomllib.loads(path.read_text(encoding="utf-8")).get(key)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _dump(item: BaseModel) -> dict[str, Any]:
    # Defaults (notes = "", keywords = [], file unset) are left out, as a clerk writes them.
    return item.model_dump(exclude_defaults=True)


def _same_items(path: Path, key: str, model: type[BaseModel], items: Sequence[BaseModel]) -> bool:
    """True when the file's items mean exactly ``items`` (same fields, same values, same order)."""
    try:
        old = [_dump(model.model_validate(raw)) for raw in _raw_items(path, key)]
    except ValidationError:
        return False
    return old == [_dump(item) for item in items]


def _render(path: Path, key: str, items: Sequence[BaseModel]) -> bytes:
    """The TOML text of ``items``, after the file's leading comment block (if it has one)."""
    header = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("#") or not line.strip():
                header.append(line)
            else:
                break
    while header and not header[-1].strip():
        header.pop()
    body = tomli_w.dumps({key: [_dump(item) for item in items]}, multiline_strings=True)
    text = "\n".join(header) + "\n\n" + body if header else body
    return text.encode("utf-8")
