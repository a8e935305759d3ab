"""The knowledge base as a spreadsheet a clerk edits in Excel or WPS: the one place that knows
its layout (sheet names, column headers, the list-in-a-cell convention) and writes or reads it.

Sheets: 条目 (one row per entry), 来源, 同义词 (one group per row), 地区, and 未回答 (read-only:
the grouped unanswered questions with their nearest entry). A list (keywords, example questions,
synonyms, aliases) is one item per line inside its cell. ``kb export`` and ``kb import`` use
this module, and so can any tool that writes rows for the clerk to fill (``kb draft``).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from bot import messages

SHEET_ENTRIES = "条目"
SHEET_SOURCES = "来源"
SHEET_SYNONYMS = "同义词"
SHEET_REGIONS = "地区"
SHEET_UNANSWERED = "未回答"
LIST_SEPARATOR = "\n"  # one list item per line inside a cell
FLAG_YES, FLAG_NO = "是", "否"  # a yes/no cell; empty is 否
HEADER_ROW = 1  # data rows start on the next one
LINE_HEIGHT = 15  # points a line of wrapped text takes
MAX_ROW_LINES = 8  # a longer cell scrolls inside its row rather than making the row a page


@dataclass(frozen=True)
class Column:
    """One column: its header, the model field it holds, its width in characters.

    ``is_list``: one item per line. ``optional``: an empty cell means the field is not set (None)
    rather than empty text. ``is_flag``: a yes/no field, 是 or empty (否).
    """

    header: str
    field: str
    width: int
    is_list: bool = False
    optional: bool = False
    is_flag: bool = False


@dataclass(frozen=True)
class SheetLayout:
    """A sheet's name and columns, in order."""

    name: str
    columns: tuple[Column, ...]

    def headers(self) -> list[str]:
        """The header row."""
        return [column.header for column in self.columns]


ENTRIES = SheetLayout(
    SHEET_ENTRIES,
    (
        Column("编号", "id", 24),
        Column("标题", "title", 24),
        Column("类别", "category", 12),
        Column("地区", "region", 12),
        Column("关键词", "keywords", 24, is_list=True),
        Column("摘录", "excerpt", 60),
        Column("来源", "source", 20),
        Column("示例问题", "questions", 40, is_list=True),
        Column("备注", "notes", 40),
        Column("怎么办", "next_step", 30),  # shown to residents under the excerpt
    ),
)
SOURCES = SheetLayout(
    SHEET_SOURCES,
    (
        Column("编号", "id", 22),
        Column("标题", "title", 40),
        Column("发布单位", "publisher", 30),
        Column("日期", "date", 12),
        Column("文件", "file", 28, optional=True),
        Column("网址", "url", 30, optional=True),
        Column("地区", "region", 14, optional=True),
        Column("开头文字", "begins_with", 24, optional=True),
        Column("备注", "notes", 40),
    ),
)
SYNONYMS = SheetLayout(
    SHEET_SYNONYMS,
    (Column("同义词", "words", 30, is_list=True), Column("备注", "notes", 40)),
)
REGIONS = SheetLayout(
    SHEET_REGIONS,
    (
        Column("名称", "name", 20),
        Column("上级", "parent", 16, optional=True),
        Column("简称", "aliases", 20, is_list=True),
        Column("原文未写名称", "anonymous", 14, is_flag=True),
    ),
)
UNANSWERED = SheetLayout(
    SHEET_UNANSWERED,
    (
        Column("次数", "count", 8),
        Column("问题", "sample", 40),
        Column("最接近的条目", "nearest", 30),
        Column("所有问法", "questions", 50, is_list=True),
    ),
)
# The sheets ``kb import`` reads, in the order they are written; 未回答 is only for reading.
EDITABLE = (ENTRIES, SOURCES, SYNONYMS, REGIONS)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TO_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: a drafted row to complete
_WRAP = Alignment(wrap_text=True, vertical="top")
_TEXT_FORMAT = "@"  # cells stay text: Excel must not turn 2024-03 into a date or 001 into 1


def join_list(items: Iterable[str]) -> str:
    """A list as the text of one cell, one item per line."""
    return LIST_SEPARATOR.join(items)


def split_list(text: str) -> list[str]:
    """The items of a list cell: one per line, blank lines and surrounding spaces dropped."""
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def cell_value(item: Any, column: Column) -> str | int:
    """What a cell shows for one field of ``item`` (a model, a dataclass or a dict)."""
    value = item.get(column.field) if isinstance(item, dict) else getattr(item, column.field)
    if value is None:
        return ""
    if column.is_list:
        return join_list(value)
    if column.is_flag:
        return FLAG_YES if value else ""
    return value if isinstance(value, int) else str(value)


def new_workbook() -> Workbook:
    """An empty workbook (without openpyxl's default sheet)."""
    workbook = Workbook()
    if workbook.active is not None:
        workbook.remove(workbook.active)
    return workbook


def add_sheet(
    workbook: Workbook,
    layout: SheetLayout,
    rows: Iterable[Sequence[str | int]],
    *,
    read_only: bool = False,
) -> Worksheet:
    """Append a sheet: a bold header row a clerk can filter, fixed while scrolling, then
    ``rows`` as wrapped text in columns of the layout's widths; ``read_only`` protects it."""
    sheet = workbook.create_sheet(layout.name)
    sheet.append(layout.headers())
    for row in rows:
        sheet.append(list(row))
    for number, column in enumerate(layout.columns, 1):
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = column.width
        # Rows a clerk adds are text too: a date typed as 2024-03 stays 2024-03.
        sheet.column_dimensions[letter].number_format = _TEXT_FORMAT
        for (cell,) in sheet.iter_rows(min_col=number, max_col=number):
            cell.alignment = _WRAP
            if isinstance(cell.value, str):
                # A text that starts with "=" is a formula to openpyxl: keep it text.
                cell.data_type = "s"
                cell.number_format = _TEXT_FORMAT
    for number, row_cells in enumerate(sheet.iter_rows(min_row=HEADER_ROW + 1), HEADER_ROW + 1):
        lines = max(
            (
                _lines(cell.value, column.width)
                for cell, column in zip(row_cells, layout.columns, strict=False)
            ),
            default=1,
        )
        # Spreadsheet programs do not grow a row for wrapped text they did not lay out themselves.
        sheet.row_dimensions[number].height = LINE_HEIGHT * min(lines, MAX_ROW_LINES)
    for cell in sheet[HEADER_ROW]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    sheet.freeze_panes = "A2"
    # Printed, a sheet is landscape, all its columns on the page's width, the header on each page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    last = get_column_letter(len(layout.columns))
    sheet.auto_filter.ref = f"A1:{last}{max(sheet.max_row, 1)}"
    if read_only:
        # Sorting and filtering stay allowed (False = not protected) on a protected sheet.
        sheet.protection.sheet = True
        sheet.protection.autoFilter = False
        sheet.protection.sort = False
    return sheet


def mark_rows(sheet: Worksheet, first: int, count: int) -> None:
    """Shade ``count`` rows from row ``first``: rows the clerk still has to fill in."""
    for row in sheet.iter_rows(min_row=first, max_row=first + count - 1):
        for cell in row:
            cell.fill = _TO_FILL


def _lines(value: object, width: int) -> int:
    """How many lines ``value`` takes wrapped in a column ``width`` characters wide (a Chinese
    character is two characters wide)."""
    if not isinstance(value, str) or not value:
        return 1
    return sum(
        max(1, math.ceil(sum(2 if ord(char) > 0x2E80 else 1 for char in line) / width))
        for line in value.split(LIST_SEPARATOR)
    )


def layout_rows(layout: SheetLayout, items: Iterable[Any]) -> list[list[str | int]]:
    """The rows of ``items`` in the layout's column order."""
    return [[cell_value(item, column) for column in layout.columns] for item in items]


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Write the workbook to ``path`` (through a temporary file, so a reader never sees half)."""
    temporary = path.with_name(f".{path.name}.tmp")
    workbook.save(temporary)
    temporary.replace(path)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file (to send as a document)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class SheetRow:
    """One data row as read: its number in the sheet and each known column's text."""

    number: int
    cells: dict[str, str]

    def is_empty(self) -> bool:
        """True when no cell holds anything."""
        return not any(value.strip() for value in self.cells.values())


@dataclass
class ReadSheets:
    """The editable sheets of a workbook as rows, and the problems found reading them."""

    rows: dict[str, list[SheetRow]]
    problems: list[str]
    warnings: list[str]


class WorkbookError(Exception):
    """The file is not an .xlsx workbook that can be opened."""


def cell_text(value: object) -> str:
    """A cell's value as the text the clerk typed (a date Excel converted becomes YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(data: bytes) -> ReadSheets:
    """The editable sheets' rows (by column header); raise WorkbookError for a file that is not
    a workbook. A missing sheet or column is a problem; an unknown column is a warning."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(messages.SHEET_NOT_WORKBOOK) from exc
    result = ReadSheets(rows={}, problems=[], warnings=[])
    try:
        for layout in EDITABLE:
            if layout.name not in workbook.sheetnames:
                result.problems.append(messages.SHEET_MISSING.format(sheet=layout.name))
                continue
            result.rows[layout.name] = _read_sheet(workbook[layout.name], layout, result)
    finally:
        workbook.close()
    return result


def _read_sheet(sheet: Any, layout: SheetLayout, result: ReadSheets) -> list[SheetRow]:
    # Some programs (WPS among them) store a wrong sheet size, which read-only mode trusts.
    sheet.reset_dimensions()
    values = sheet.iter_rows(values_only=True)
    header = [cell_text(value).strip() for value in next(values, ())]
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in positions:
            result.problems.append(
                messages.SHEET_COLUMN_TWICE.format(sheet=layout.name, column=name)
            )
        elif name in layout.headers():
            positions[name] = position
        elif name:
            result.warnings.append(
                messages.SHEET_UNKNOWN_COLUMN.format(sheet=layout.name, column=name)
            )
    missing = [name for name in layout.headers() if name not in positions]
    for name in missing:
        result.problems.append(messages.SHEET_NO_COLUMN.format(sheet=layout.name, column=name))
    if missing:
        return []
    rows = []
    for number, row in enumerate(values, HEADER_ROW + 1):
        cells = {
            name: cell_text(row[position]) if position < len(row) else ""
            for name, position in positions.items()
        }
        rows.append(SheetRow(number, cells))
    return rows
