"""Callback data of inline buttons: short, versioned-free keys that fit Telegram's 64 bytes.

Entries and categories are referred to by an 8-character hash of their id or name, so a button
keeps working across reloads as long as its entry exists, and forged data finds nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.loader import Knowledge

MAX_CALLBACK_BYTES = 64


def short_key(text: str) -> str:
    """An 8-character stable key for an entry id or a category name."""
    return hashlib.blake2s(text.encode("utf-8"), digest_size=4).hexdigest()


@dataclass(frozen=True)
class Action:
    """A decoded button: ``kind`` is category, page, entry, more, feedback, region,
    reload_confirm, reload_cancel, change_confirm or change_cancel."""

    kind: str
    keys: tuple[str, ...] = ()
    page: int = 0
    helpful: bool = False
    query_id: int | None = None


def category_data(category: str) -> str:
    """Open a category (its first page, as a new message)."""
    return f"c:{short_key(category)}"


def page_data(category: str, page: int) -> str:
    """Turn a category listing to ``page`` (editing the listing in place)."""
    return f"p:{short_key(category)}:{page}"


def entry_data(entry_id: str) -> str:
    """Show one entry."""
    return f"e:{short_key(entry_id)}"


def more_data(entry_ids: list[str]) -> str:
    """List further answers (at most five keys: 2 + 5 × 9 bytes)."""
    return "m:" + ",".join(short_key(i) for i in entry_ids[:5])


def feedback_data(entry_id: str, helpful: bool, query_id: int | None = None) -> str:
    """Record 👍 or 👎 for an answer (and the stored question it answered, if any)."""
    data = f"f:{'1' if helpful else '0'}:{short_key(entry_id)}"
    return f"{data}:{query_id:x}" if query_id is not None else data


def region_data(region: str | None) -> str:
    """Choose a region, or with None no region."""
    return f"r:{short_key(region)}" if region else "r:-"


def reload_data(key: str, confirm: bool) -> str:
    """Confirm (or cancel) the held reload ``key`` (its 8 hex characters)."""
    return f"u:{'1' if confirm else '0'}:{key}"


def change_data(key: str, confirm: bool) -> str:
    """Confirm (or cancel) the waiting knowledge change ``key`` (an upload or a rollback)."""
    return f"k:{'1' if confirm else '0'}:{key}"


def parse(data: str | None) -> Action | None:
    """Decode callback data; None for anything malformed or forged."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":")
    kind = parts[0]
    if kind == "c" and len(parts) == 2 and _is_key(parts[1]):
        return Action("category", (parts[1],))
    if kind == "p" and len(parts) == 3 and _is_key(parts[1]) and _is_number(parts[2]):
        return Action("page", (parts[1],), page=min(int(parts[2]), 10_000))
    if kind == "e" and len(parts) == 2 and _is_key(parts[1]):
        return Action("entry", (parts[1],))
    if kind == "m" and len(parts) == 2:
        keys = tuple(parts[1].split(","))
        if 0 < len(keys) <= 5 and all(_is_key(k) for k in keys):
            return Action("more", keys)
    if kind == "f" and len(parts) in (3, 4) and parts[1] in ("0", "1") and _is_key(parts[2]):
        query_id = None
        if len(parts) == 4:
            if not (0 < len(parts[3]) <= 12 and all(c in "0123456789abcdef" for c in parts[3])):
                return None
            query_id = int(parts[3], 16)
        return Action("feedback", (parts[2],), helpful=parts[1] == "1", query_id=query_id)
    if kind == "u" and len(parts) == 3 and parts[1] in ("0", "1") and _is_key(parts[2]):
        return Action("reload_confirm" if parts[1] == "1" else "reload_cancel", (parts[2],))
    if kind == "k" and len(parts) == 3 and parts[1] in ("0", "1") and _is_key(parts[2]):
        return Action("change_confirm" if parts[1] == "1" else "change_cancel", (parts[2],))
    if kind == "r" and len(parts) == 2 and (parts[1] == "-" or _is_key(parts[1])):
        return Action("region", () if parts[1] == "-" else (parts[1],))
    return None


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
        used = dict.fromkeys(entry.region for entry in knowledge.entries)
        self.regions = {short_key(name): name for name in used}
        self.titles_by_category: dict[str, list[tuple[str, str]]] = {}
        for entry in knowledge.entries:
            self.titles_by_category.setdefault(entry.category, []).append((entry.id, entry.title))
