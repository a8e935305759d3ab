"""Telegram HTML for answers and keyboards: the one place that escapes text.

Everything from the knowledge base or from the resident passes through ``html.escape``; no
message is longer than Telegram's 4096 characters.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import messages
from bot.answers import AnswerItem, display_date
from handlers import callbacks

MAX_MESSAGE_CHARS = 4096
ENTRIES_PER_PAGE = 8
MAX_BUTTON_TEXT = 40


def answer_html(item: AnswerItem) -> str:
    """Bold title, the excerpt with the question's words highlighted, source and region."""
    source = item.source
    return (
        f"<b>{html.escape(item.title)}</b>\n\n"
        f"{highlight(item.excerpt, item.highlights)}\n\n"
        f"{messages.SOURCE_LABEL}：{html.escape(source.publisher)}"
        f"《{html.escape(source.title)}》，{html.escape(display_date(source.date))}\n"
        f"{messages.REGION_LABEL}：{html.escape(item.region)}"
        + (f"\n{messages.NEXT_STEP_LABEL}：{html.escape(item.next_step)}" if item.next_step else "")
    )


def highlight(text: str, words: Sequence[str]) -> str:
    """``text`` escaped, with every occurrence of ``words`` (longest first) in bold."""
    marked = [False] * len(text)
    for word in sorted({w for w in words if w.strip()}, key=len, reverse=True):
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(marked[start:end]):
                marked[start:end] = [True] * len(word)
            start = text.find(word, end)
    parts: list[str] = []
    position = 0
    while position < len(text):
        bold = marked[position]
        end = position
        while end < len(text) and marked[end] == bold:
            end += 1
        chunk = html.escape(text[position:end])
        parts.append(f"<b>{chunk}</b>" if bold else chunk)
        position = end
    return "".join(parts)


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Cut ``text`` into messages of at most ``limit`` characters, at line breaks if possible.

    Tags never span lines in what this module renders, so cutting between lines keeps every
    message balanced; an over-long line is cut outside tags and entities, closing an open <b>
    at the cut and reopening it in the next message.
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            head, line = _cut_line(line, limit)
            chunks.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def _cut_line(line: str, limit: int) -> tuple[str, str]:
    """Split one line: a head of at most ``limit`` characters and the rest, both balanced."""
    cut = limit - len("</b>")
    while cut > 1:
        head = line[:cut]
        if head.rfind("<") <= head.rfind(">") and head.rfind("&") <= head.rfind(";"):
            break
        cut -= 1
    head, rest = line[:cut], line[cut:]
    if head.count("<b>") > head.count("</b>"):
        return head + "</b>", "<b>" + rest
    return head, rest


def button(text: str, data: str) -> InlineKeyboardButton:
    """A callback button with its label cut to a readable length."""
    label = text if len(text) <= MAX_BUTTON_TEXT else text[: MAX_BUTTON_TEXT - 1] + "…"
    return InlineKeyboardButton(label, callback_data=data)


def answer_keyboard(
    item: AnswerItem, more: list[AnswerItem], query_id: int | None = None
) -> InlineKeyboardMarkup:
    """更多相关 (N) when there are further answers, and 👍 / 👎."""
    rows = []
    if more:
        rows.append(
            [
                button(
                    messages.MORE_BUTTON.format(count=len(more)),
                    callbacks.more_data([m.id for m in more]),
                )
            ]
        )
    rows.append(
        [
            button(messages.HELPFUL_BUTTON, callbacks.feedback_data(item.id, True, query_id)),
            button(messages.UNHELPFUL_BUTTON, callbacks.feedback_data(item.id, False, query_id)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def categories_keyboard(categories: Sequence[str]) -> InlineKeyboardMarkup:
    """Every category as a button, two per row."""
    return _categories_keyboard(tuple(categories))


@functools.lru_cache(maxsize=8)
def _categories_keyboard(categories: tuple[str, ...]) -> InlineKeyboardMarkup:
    # Built for every answer otherwise; Telegram objects are immutable, so one can be shared.
    buttons = [button(name, callbacks.category_data(name)) for name in categories]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def entries_keyboard(
    titled_ids: Sequence[tuple[str, str]], extra_rows: Sequence[Sequence[InlineKeyboardButton]] = ()
) -> InlineKeyboardMarkup:
    """One button per (entry id, title), then any extra rows."""
    rows = [[button(title, callbacks.entry_data(entry_id))] for entry_id, title in titled_ids]
    return InlineKeyboardMarkup([*rows, *map(list, extra_rows)])


def category_page(
    category: str, titled_ids: Sequence[tuple[str, str]], page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of one page of a category's entry titles."""
    pages = max(1, -(-len(titled_ids) // ENTRIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = titled_ids[page * ENTRIES_PER_PAGE : (page + 1) * ENTRIES_PER_PAGE]
    navigation = []
    if page > 0:
        navigation.append(button(messages.PREVIOUS_PAGE, callbacks.page_data(category, page - 1)))
    if page < pages - 1:
        navigation.append(button(messages.NEXT_PAGE, callbacks.page_data(category, page + 1)))
    text = messages.CATEGORY_PAGE.format(category=html.escape(category), page=page + 1, pages=pages)
    return text, entries_keyboard(shown, [navigation] if navigation else [])


def regions_keyboard(regions: Sequence[str]) -> InlineKeyboardMarkup:
    """Every region of the knowledge base, two per row, then "no region"."""
    buttons = [button(name, callbacks.region_data(name)) for name in regions]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup([*rows, [button(messages.REGION_ANY, callbacks.region_data(None))]])
