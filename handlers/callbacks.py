"""Callback data of inline buttons: short, versioned-free keys that fit Telegram's 64 bytes.

Entries and categories are referred to by an 8-character hash of their id or name, so a button
keeps working across reloads as long as its entry exists, and forged data finds nothing.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Any

from telegram.constants import InlineKeyboardButtonLimit

from bot.loader import Knowledge
from bot.service import resident_regions

MAX_CALLBACK_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
# Further answers (or suggestions) a button carries: "m:" + 3 × 9 + a query id stays in 64 bytes.
MAX_MORE = 3


def short_key(text: str) -> str:
    """An 8-character stable key for an entry id or a category name."""
    return hashlib.blake2s(text.encode("utf-8"), digest_size=4).hexdigest()


@enum.unique
class ButtonKind(enum.StrEnum):
    """What a button does; its value is the prefix of its callback data (before the first ":",
    or all of it): unique, so a handler registered for a prefix gets only its own buttons."""

    CATEGORY = "c"  # a category of the /start menu
    PAGE = "p"  # a page of a category listing
    MENU = "k"  # the categories
    MISS = "b"  # back to the buttons of an unanswered question
    ENTRY = "e"  # one entry
    SOURCE = "s"  # the full source of an answer
    MORE = "m"  # the further answers under an answer
    ANSWER = "a"  # back to the buttons of an answer
    FEEDBACK = "f"  # 👍 or 👎 for an answer
    THANKS = "n"  # the thank-you in place of the vote buttons
    REGION = "r"  # choose a region
    RELOAD = "u"  # confirm or cancel a held reload
    CHANGE = "x"  # confirm or cancel a waiting knowledge change


# The ``pattern=`` of each kind's CallbackQueryHandler: its prefix, then ":" or the end.
PATTERNS: dict[ButtonKind, str] = {kind: rf"{kind}(?::|$)" for kind in ButtonKind}


@dataclass(frozen=True)
class Action:
    """A decoded button of ``kind``; ``confirm`` tells a reload's or a change's 确认 from 取消.

    Buttons under an answer carry the answer (its entry ``keys[0]``, its further answers
    ``more`` and the stored question ``query_id``), so a tap can redraw its keyboard; listings
    of a category carry their ``origin``: None for the /start menu, else the keys of the
    suggestions of the unanswered question they were opened from (maybe none).
    """

    kind: ButtonKind
    keys: tuple[str, ...] = ()
    page: int = 0
    helpful: bool = False
    confirm: bool = False
    query_id: int | None = None
    more: tuple[str, ...] = ()
    origin: tuple[str, ...] | None = None
    owner: int | None = None  # the only user whose tap a prompt takes (None: anyone's)


def _keys(entry_ids: list[str] | tuple[str, ...]) -> str:
    return ",".join(short_key(i) for i in entry_ids[:MAX_MORE]) or "-"


def _answer_ref(entry_id: str, more: list[str] | tuple[str, ...], query_id: int | None) -> str:
    """An answer in callback data: entry key, further answers' keys, stored question id."""
    return f"{short_key(entry_id)}:{_keys(more)}:{'-' if query_id is None else f'{query_id:x}'}"


def _origin(suggestions: list[str] | tuple[str, ...] | None) -> str:
    if suggestions is None:
        return "-"
    return ",".join(short_key(i) for i in suggestions[:MAX_MORE]) or "0"


def category_data(category: str) -> str:
    """Open a category from the /start menu (its first page)."""
    return f"{ButtonKind.CATEGORY}:{short_key(category)}"


def page_data(category: str, page: int, origin: list[str] | None = None) -> str:
    """Show ``page`` of a category listing; ``origin`` as in ``menu_data``."""
    data = f"{ButtonKind.PAGE}:{short_key(category)}:{page}"
    return data if origin is None else f"{data}:{_origin(origin)}"


def menu_data(origin: list[str] | None) -> str:
    """The categories, from the /start menu (None) or from an unanswered question whose
    suggestions were ``origin`` (a list, maybe empty: 返回 redraws them)."""
    return f"{ButtonKind.MENU}:{_origin(origin)}"


def miss_data(suggestions: list[str]) -> str:
    """Back to the buttons of an unanswered question: its suggestions and the categories."""
    return f"{ButtonKind.MISS}:{_origin(suggestions)}"


def entry_data(entry_id: str) -> str:
    """Show one entry."""
    return f"{ButtonKind.ENTRY}:{short_key(entry_id)}"


def more_data(entry_id: str, more: list[str], query_id: int | None = None) -> str:
    """List the further answers under the answer ``entry_id`` (in place of its buttons)."""
    return f"{ButtonKind.MORE}:{_answer_ref(entry_id, more, query_id)}"


def answer_data(entry_id: str, more: list[str], query_id: int | None = None) -> str:
    """Back to the buttons of the answer ``entry_id``."""
    return f"{ButtonKind.ANSWER}:{_answer_ref(entry_id, more, query_id)}"


def feedback_data(
    entry_id: str, helpful: bool, query_id: int | None = None, more: list[str] | None = None
) -> str:
    """Record 👍 or 👎 for an answer (and the stored question it answered, if any)."""
    vote = "1" if helpful else "0"
    return f"{ButtonKind.FEEDBACK}:{vote}:{_answer_ref(entry_id, more or [], query_id)}"


def thanks_data() -> str:
    """The thank-you that replaces the vote buttons: a tap only says thanks again."""
    return ButtonKind.THANKS.value


def source_data(entry_id: str) -> str:
    """Show the full source (publisher, title, date) of an answer."""
    return f"{ButtonKind.SOURCE}:{short_key(entry_id)}"


def region_data(region: str | None, owner: int | None = None) -> str:
    """Choose a region, or with None no region; with ``owner`` only that user's tap counts."""
    data = f"{ButtonKind.REGION}:{short_key(region) if region else '-'}"
    return data if owner is None else f"{data}:{owner:x}"


def reload_data(key: str, confirm: bool) -> str:
    """Confirm (or cancel) the held reload ``key`` (its 8 hex characters)."""
    return f"{ButtonKind.RELOAD}:{'1' if confirm else '0'}:{key}"


def change_data(key: str, confirm: bool) -> str:
    """Confirm (or cancel) the waiting knowledge change ``key`` (an upload or a rollback)."""
    return f"{ButtonKind.CHANGE}:{'1' if confirm else '0'}:{key}"


def parse(data: str | None) -> Action | None:
    """Decode callback data; None for anything malformed or forged."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":")
    try:
        kind = ButtonKind(parts[0])
    except ValueError:
        return None
    if kind is ButtonKind.THANKS and len(parts) == 1:
        return Action(kind)
    if kind is ButtonKind.CATEGORY and len(parts) == 2 and _is_key(parts[1]):
        return Action(kind, (parts[1],))
    if kind is ButtonKind.PAGE and len(parts) in (3, 4) and _is_key(parts[1]):
        if not _is_number(parts[2]):
            return None
        origin = _parse_origin(parts[3]) if len(parts) == 4 else None
        if len(parts) == 4 and origin is None:
            return None
        return Action(kind, (parts[1],), page=min(int(parts[2]), 10_000), origin=origin)
    if kind in (ButtonKind.MENU, ButtonKind.MISS) and len(parts) == 2:
        origin = _parse_origin(parts[1])
        # "-" (the /start menu) has nothing to go back to: a 返回 to it is forged.
        if origin is None and (parts[1] != "-" or kind is ButtonKind.MISS):
            return None
        return Action(kind, origin=origin)
    if kind in (ButtonKind.ENTRY, ButtonKind.SOURCE) and len(parts) == 2 and _is_key(parts[1]):
        return Action(kind, (parts[1],))
    if kind is ButtonKind.MORE and len(parts) == 2:
        keys = tuple(parts[1].split(","))  # the buttons of an older version: keys only
        if 0 < len(keys) <= 5 and all(_is_key(k) for k in keys):
            return Action(kind, more=keys)
    if kind in (ButtonKind.MORE, ButtonKind.ANSWER) and len(parts) == 4:
        answer = _parse_answer(parts[1:])
        return None if answer is None else Action(kind, **answer)
    if kind is ButtonKind.FEEDBACK and len(parts) in (3, 4, 5) and parts[1] in ("0", "1"):
        helpful = parts[1] == "1"
        if len(parts) == 5:
            answer = _parse_answer(parts[2:])
            return None if answer is None else Action(kind, helpful=helpful, **answer)
        if not _is_key(parts[2]):
            return None
        query_id = None
        if len(parts) == 4:
            if not _is_hex(parts[3]):
                return None
            query_id = int(parts[3], 16)
        return Action(kind, (parts[2],), helpful=helpful, query_id=query_id)
    if kind in (ButtonKind.RELOAD, ButtonKind.CHANGE) and len(parts) == 3:
        if parts[1] in ("0", "1") and _is_key(parts[2]):
            return Action(kind, (parts[2],), confirm=parts[1] == "1")
        return None
    if kind is ButtonKind.REGION and len(parts) in (2, 3):
        if parts[1] != "-" and not _is_key(parts[1]):
            return None
        owner = None
        if len(parts) == 3:
            if not _is_hex(parts[2]):
                return None
            owner = int(parts[2], 16)
        return Action(kind, () if parts[1] == "-" else (parts[1],), owner=owner)
    return None


def _parse_answer(parts: list[str]) -> dict[str, Any] | None:
    """Entry key, further keys ("-" for none) and query id ("-" for none), or None."""
    entry, more, query = parts
    keys = () if more == "-" else tuple(more.split(","))
    if not _is_key(entry) or len(keys) > MAX_MORE or not all(_is_key(k) for k in keys):
        return None
    if query != "-" and not _is_hex(query):
        return None
    return {"keys": (entry,), "more": keys, "query_id": None if query == "-" else int(query, 16)}


def _parse_origin(text: str) -> tuple[str, ...] | None:
    """The keys of an origin ("0": none), or None for "-" (the /start menu) or junk."""
    if text == "0":
        return ()
    keys = tuple(text.split(","))
    if len(keys) > MAX_MORE or not all(_is_key(k) for k in keys):
        return None
    return keys


def _is_hex(text: str) -> bool:
    return 0 < len(text) <= 16 and all(c in "0123456789abcdef" for c in text)


def _is_number(text: str) -> bool:
    # str.isdigit() also accepts ² or ٣, which int() refuses: ASCII digits only.
    return bool(text) and all(c in "0123456789" for c in text)


def _is_key(text: str) -> bool:
    return len(text) == 8 and all(c in "0123456789abcdef" for c in text)


class KeyDirectory:
    """Resolves keys to entry ids and category names for one knowledge version."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        ids = [entry.id for entry in knowledge.entries] + [p.id for p in knowledge.passages]
        self.entries = {short_key(document_id): document_id for document_id in ids}
        self.categories = {short_key(name): name for name in knowledge.categories()}
        # The regions residents live in, grouped by city: what /region offers.
        self.region_groups = resident_regions(knowledge)
        self.regions = {short_key(n): n for group in self.region_groups for n in group}
        self.titles_by_category: dict[str, list[tuple[str, str]]] = {}
        for entry in knowledge.entries:
            self.titles_by_category.setdefault(entry.category, []).append((entry.id, entry.title))
