"""Telegram HTML for answers and keyboards: the one place that escapes text.

Everything from the knowledge base or from the resident passes through ``html.escape``; no
message is longer than Telegram's 4096 characters.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import CallbackQueryLimit, MessageLimit

from bot import messages
from bot.answers import AnswerItem, coverage_note, display_date, short_source
from handlers import callbacks

MAX_MESSAGE_CHARS = MessageLimit.MAX_TEXT_LENGTH
ENTRIES_PER_PAGE = 8
MAX_BUTTON_TEXT = 40
MAX_ALERT_CHARS = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH


def answer_html(item: AnswerItem) -> str:
    """Bold title, the excerpt with the question's words highlighted, a short source line
    (publisher · date: the full title is behind 来源详情), the region and the next step."""
    note = coverage_note(item)
    return (
        f"<b>{html.escape(item.title)}</b>\n\n"
        f"{highlight(item.excerpt, item.highlights)}\n"
        f"{html.escape(note) + chr(10) if note else ''}\n"
        f"{messages.SOURCE_LABEL}：{html.escape(short_source(item.source))}\n"
        f"{messages.REGION_LABEL}：{html.escape(item.region_label or item.region)}"
        + (f"\n{messages.NEXT_STEP_LABEL}：{html.escape(item.next_step)}" if item.next_step else "")
    )


def source_details(item: AnswerItem) -> str:
    """The full source of an answer, for the 来源详情 alert (plain text, at most 200
    characters: Telegram's limit for a callback answer)."""
    source = item.source
    text = messages.SOURCE_DETAILS.format(
        publisher=source.publisher, title=source.title, date=display_date(source.date)
    )
    return text if len(text) <= MAX_ALERT_CHARS else text[: MAX_ALERT_CHARS - 1] + "…"


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
    entry_id: str,
    more: Sequence[str] = (),
    query_id: int | None = None,
    *,
    vote: bool | None = None,
) -> InlineKeyboardMarkup:
    """更多相关 (N) when there are further answers and 来源详情, then 👍 / 👎, or after a 👍
    the thank-you and the other vote."""
    more = list(more)[: callbacks.MAX_MORE]
    first = []
    if more:
        label = messages.MORE_BUTTON.format(count=len(more))
        first.append(button(label, callbacks.more_data(entry_id, more, query_id)))
    first.append(button(messages.SOURCE_BUTTON, callbacks.source_data(entry_id)))
    if vote is None:
        votes = [
            button(
                messages.HELPFUL_BUTTON, callbacks.feedback_data(entry_id, True, query_id, more)
            ),
            button(
                messages.UNHELPFUL_BUTTON, callbacks.feedback_data(entry_id, False, query_id, more)
            ),
        ]
    else:
        votes = [
            button(messages.VOTED_HELPFUL, callbacks.thanks_data()),
            button(
                messages.CHANGE_TO_UNHELPFUL,
                callbacks.feedback_data(entry_id, False, query_id, more),
            ),
        ]
    return InlineKeyboardMarkup([first, votes])


def unhelpful_keyboard(
    entry_id: str, more: Sequence[tuple[str, str]], query_id: int | None = None
) -> InlineKeyboardMarkup:
    """After a 👎: the next related answers (at most two), the categories, the thank-you and
    the other vote — three rows at most."""
    ids = [i for i, _ in more][: callbacks.MAX_MORE]
    rows = [[button(title, callbacks.entry_data(i))] for i, title in more[:2]]
    # The categories' 返回 leads back to those related answers (and the categories again).
    shown = [i for i, _ in more[:2]]
    rows.append([button(messages.CATEGORIES_BUTTON, callbacks.menu_data(shown))])
    rows.append(
        [
            button(messages.VOTED_UNHELPFUL, callbacks.thanks_data()),
            button(
                messages.CHANGE_TO_HELPFUL, callbacks.feedback_data(entry_id, True, query_id, ids)
            ),
        ]
    )
    if len(rows) > 3:
        # Two answers, the categories and the votes: the categories share the votes' row.
        categories = rows.pop(-2)
        rows[-1] = categories + rows[-1][1:]
    return InlineKeyboardMarkup(rows)


def more_keyboard(
    entry_id: str, more: Sequence[tuple[str, str]], query_id: int | None = None
) -> InlineKeyboardMarkup:
    """The further answers in place of an answer's buttons, and 返回 to them."""
    rows = [[button(title, callbacks.entry_data(i))] for i, title in more]
    back = callbacks.answer_data(entry_id, [i for i, _ in more], query_id)
    return InlineKeyboardMarkup([*rows, [button(messages.BACK_BUTTON, back)]])


def miss_keyboard(suggestions: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Under an unanswered question: at most two suggested titles, then the categories."""
    shown = list(suggestions)[:2]
    rows = [[button(title, callbacks.entry_data(i))] for i, title in shown]
    menu = callbacks.menu_data([i for i, _ in shown])
    return InlineKeyboardMarkup([*rows, [button(messages.CATEGORIES_BUTTON, menu)]])


def categories_keyboard(
    categories: Sequence[str], origin: Sequence[str] | None = None
) -> InlineKeyboardMarkup:
    """Every category as a button, three per row; opened from an unanswered question (its
    suggestions ``origin``), a 返回 to its buttons."""
    return _categories_keyboard(tuple(categories), None if origin is None else tuple(origin))


@functools.lru_cache(maxsize=64)
def _categories_keyboard(
    categories: tuple[str, ...], origin: tuple[str, ...] | None
) -> InlineKeyboardMarkup:
    # Built for every /start otherwise; Telegram objects are immutable, so one can be shared.
    if origin is None:
        buttons = [button(name, callbacks.category_data(name)) for name in categories]
    else:
        buttons = [button(name, callbacks.page_data(name, 0, list(origin))) for name in categories]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    if origin is not None:
        rows.append([button(messages.BACK_BUTTON, callbacks.miss_data(list(origin)))])
    return InlineKeyboardMarkup(rows)


def entries_keyboard(
    titled_ids: Sequence[tuple[str, str]], extra_rows: Sequence[Sequence[InlineKeyboardButton]] = ()
) -> InlineKeyboardMarkup:
    """One button per (entry id, title), then any extra rows."""
    rows = [[button(title, callbacks.entry_data(entry_id))] for entry_id, title in titled_ids]
    return InlineKeyboardMarkup([*rows, *map(list, extra_rows)])


def category_page(
    category: str,
    titled_ids: Sequence[tuple[str, str]],
    page: int,
    origin: Sequence[str] | None = None,
) -> InlineKeyboardMarkup:
    """One page of a category's entry titles, in place of the categories: « 上一页, 返回 to
    the categories (with the page number), 下一页 »."""
    pages = max(1, -(-len(titled_ids) // ENTRIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = titled_ids[page * ENTRIES_PER_PAGE : (page + 1) * ENTRIES_PER_PAGE]
    kept = None if origin is None else list(origin)
    navigation = []
    if page > 0:
        previous = callbacks.page_data(category, page - 1, kept)
        navigation.append(button(messages.PREVIOUS_PAGE, previous))
    back = messages.PAGE_BACK_BUTTON.format(page=page + 1, pages=pages)
    navigation.append(button(back, callbacks.menu_data(kept)))
    if page < pages - 1:
        navigation.append(button(messages.NEXT_PAGE, callbacks.page_data(category, page + 1, kept)))
    return entries_keyboard(shown, [navigation])


def regions_keyboard(
    groups: Sequence[Sequence[str]], owner: int | None = None
) -> InlineKeyboardMarkup:
    """The regions residents live in, each city's group on its own rows (the city first,
    three per row), then "no region"; with ``owner``, only that user's tap counts."""
    rows = []
    for group in groups:
        buttons = [button(name, callbacks.region_data(name, owner)) for name in group]
        rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    any_region = button(messages.REGION_ANY, callbacks.region_data(None, owner))
    return InlineKeyboardMarkup([*rows, [any_region]])
