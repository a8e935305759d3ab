"""No question is lost: received updates and outgoing replies are written down before they count.

The inbox holds each update from the moment it is fetched (before Telegram is told it arrived)
until its handling is finished; the outbox holds each reply from the moment it is handed to the
sender until Telegram accepted it. After a crash, a SIGKILL or a shutdown whose grace ran out,
the next start answers what is in the inbox and sends what is in the outbox — once, and only
while it is young enough to still be useful.

Privacy: an update is kept reduced (chat, sender id, message id, text with personal numbers,
names and addresses masked; no names or usernames of the sender) and only until it is handled;
then its row keeps just its id, so a re-delivery is recognised. Replies are kept until sent.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.privacy import mask_personal

logger = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
_T = TypeVar("_T")
DONE_KEPT = dt.timedelta(days=1)  # handled ids are remembered this long to spot re-deliveries
ENTITY_KINDS = ("bot_command", "mention")  # what handlers read of a message's entities

# The update being handled in this task: replies recorded in the outbox belong to it.
current_update: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_update", default=None
)


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def journal_path_for(database: Path) -> Path:
    """The journal lives beside the bot's database: ``bot.db`` → ``bot.journal.db``."""
    return database.with_name(f"{database.stem}.journal.db")


@dataclass
class Reply:
    """A reply that was handed to the sender but not confirmed sent."""

    outbox_id: int
    endpoint: str
    payload: dict[str, Any]


@dataclass
class Backlog:
    """What a start finds unfinished: updates to handle again, replies to send, stale ones."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    dropped_updates: int = 0
    dropped_replies: int = 0


def reduce_update(update: dict[str, Any]) -> dict[str, Any] | None:
    """What the bot needs of an update to answer it later, or None for updates not worth it.

    Only text messages are kept (button taps expire within seconds at Telegram anyway).
    """
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    original = message["text"]
    text = mask_personal(original)
    reduced: dict[str, Any] = {
        "message_id": message.get("message_id", 0),
        "date": message.get("date", 0),
        "chat": {"id": chat.get("id"), "type": chat.get("type", "private")},
        "text": text,
        "entities": _entities(message.get("entities") or [], original, text),
    }
    if sender:
        reduced["from"] = {"id": sender.get("id"), "is_bot": False, "first_name": "-"}
    return {"update_id": update["update_id"], "message": reduced}


def _entities(entities: list[dict[str, Any]], original: str, text: str) -> list[dict[str, Any]]:
    """Commands and mentions, found again in the masked text (masking shifts offsets)."""
    kept = []
    for entity in entities:
        if entity.get("type") not in ENTITY_KINDS:
            continue
        start, length = int(entity.get("offset", 0)), int(entity.get("length", 0))
        # Telegram counts UTF-16 units; commands and @names are ASCII, so the slice is close
        # enough to find the same word in the masked text.
        word = original[start : start + length]
        found = text.find(word) if word else -1
        if found >= 0:
            kept.append({"type": entity["type"], "offset": found, "length": len(word)})
    return kept


class Journal:
    """The inbox and outbox in one SQLite file; a failing file is logged and never stops answers."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._handling: set[int] = set()
        self._connection = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(path), timeout=1.0, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        # A killed process loses nothing committed; only a power cut may lose the last rows.
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA secure_delete=ON")
        with connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS inbox (update_id INTEGER PRIMARY KEY,"
                " received_at TEXT NOT NULL, payload TEXT, done INTEGER NOT NULL DEFAULT 0)"
            )
            connection.execute(
                "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " update_id INTEGER, created_at TEXT NOT NULL, endpoint TEXT NOT NULL,"
                " payload TEXT)"
            )
        return connection

    def close(self) -> None:
        """Checkpoint and close the file."""
        with self._lock:
            try:
                self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                logger.warning("journal checkpoint failed: %s", exc)
            self._connection.close()

    def _write(self, action: str, work: Callable[[sqlite3.Connection], _T], default: _T) -> _T:
        """``work`` in one transaction; a failure is logged and ``default`` returned."""
        with self._lock:
            try:
                with self._connection:
                    return work(self._connection)
            except sqlite3.Error as exc:
                logger.error("journal: could not %s: %s", action, exc)
                return default

    def _now(self) -> str:
        return self.clock().isoformat()

    # -- inbox ----------------------------------------------------------------------------

    def record_updates(self, updates: Iterable[dict[str, Any]]) -> None:
        """Write fetched updates down (before the next fetch confirms them to Telegram)."""
        rows = []
        for update in updates:
            reduced = reduce_update(update)
            if reduced is not None:
                rows.append((update["update_id"], self._now(), json.dumps(reduced)))
        if rows:
            self._write(
                "record updates",
                lambda db: db.executemany(
                    "INSERT OR IGNORE INTO inbox (update_id, received_at, payload)"
                    " VALUES (?, ?, ?)",
                    rows,
                ),
                None,
            )

    def claim(self, update_id: int) -> bool:
        """True if this update should be handled now: not handled before, not being handled."""
        with self._lock:
            if update_id in self._handling:
                return False
            try:
                row = self._connection.execute(
                    "SELECT done FROM inbox WHERE update_id = ?", (update_id,)
                ).fetchone()
            except sqlite3.Error as exc:
                logger.error("journal: could not read: %s", exc)
                row = None
            if row is not None and row[0]:
                return False
            self._handling.add(update_id)
            return True

    def finish(self, update_id: int) -> None:
        """The update is handled: forget its content, its sent replies, keep its id for a day."""

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE inbox SET done = 1, payload = NULL WHERE update_id = ?", (update_id,)
            )
            db.execute("DELETE FROM outbox WHERE update_id = ? AND payload IS NULL", (update_id,))

        self._write("finish an update", work, None)
        self.release(update_id)

    def release(self, update_id: int) -> None:
        """The update's handling stopped unfinished (shutdown): the next start takes it up."""
        with self._lock:
            self._handling.discard(update_id)

    # -- outbox ---------------------------------------------------------------------------

    def record_reply(self, endpoint: str, payload: dict[str, Any]) -> int | None:
        """Write a reply down before it is sent; its id, or None if it could not be written."""
        encoded = json.dumps(payload, ensure_ascii=False, default=_to_json)
        row = (current_update.get(), self._now(), endpoint, encoded)
        return self._write(
            "record a reply",
            lambda db: (
                db.execute(
                    "INSERT INTO outbox (update_id, created_at, endpoint, payload)"
                    " VALUES (?, ?, ?, ?)",
                    row,
                ).lastrowid
            ),
            None,
        )

    def reply_sent(self, outbox_id: int) -> None:
        """Telegram accepted the reply (or refused it for good): never send it again."""
        self._write(
            "mark a reply sent",
            lambda db: db.execute("UPDATE outbox SET payload = NULL WHERE id = ?", (outbox_id,)),
            None,
        )

    # -- start-up -------------------------------------------------------------------------

    def backlog(self, max_age: dt.timedelta) -> Backlog:
        """What the last run left unfinished; anything older than ``max_age`` is dropped.

        An unfinished update whose replies were already written down is not handled again:
        its unsent replies are sent instead, so nobody gets the same answer twice.
        """
        oldest = (self.clock() - max_age).isoformat()
        forget_before = (self.clock() - DONE_KEPT).isoformat()

        def work(db: sqlite3.Connection) -> Backlog:
            found = Backlog()
            found.dropped_replies = db.execute(
                "DELETE FROM outbox WHERE payload IS NOT NULL AND created_at < ?", (oldest,)
            ).rowcount
            found.dropped_updates = db.execute(
                "UPDATE inbox SET done = 1, payload = NULL WHERE done = 0 AND received_at < ?",
                (oldest,),
            ).rowcount
            for outbox_id, endpoint, payload in db.execute(
                "SELECT id, endpoint, payload FROM outbox WHERE payload IS NOT NULL ORDER BY id"
            ):
                found.replies.append(Reply(outbox_id, endpoint, json.loads(payload)))
            db.execute(
                "UPDATE inbox SET done = 1, payload = NULL WHERE done = 0"
                " AND update_id IN (SELECT update_id FROM outbox WHERE update_id IS NOT NULL)"
            )
            for (payload,) in db.execute(
                "SELECT payload FROM inbox WHERE done = 0 ORDER BY update_id"
            ):
                found.updates.append(json.loads(payload))
            db.execute("DELETE FROM outbox WHERE payload IS NULL")
            db.execute("DELETE FROM inbox WHERE done = 1 AND received_at < ?", (forget_before,))
            return found

        return self._write("read the backlog", work, Backlog())

    def counts(self) -> dict[str, int]:
        """Unfinished updates and unsent replies (for tests and logs)."""
        with self._lock:
            updates = self._connection.execute(
                "SELECT COUNT(*) FROM inbox WHERE done = 0"
            ).fetchone()[0]
            replies = self._connection.execute(
                "SELECT COUNT(*) FROM outbox WHERE payload IS NOT NULL"
            ).fetchone()[0]
        return {"updates": int(updates), "replies": int(replies)}


def _to_json(value: Any) -> Any:
    """Telegram objects (keyboards) as the dicts the Bot API takes."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def open_journal(path: Path) -> Journal | None:
    """The journal, or None (logged) when its file cannot be opened: answers go on without it."""
    try:
        return Journal(path)
    except (OSError, sqlite3.Error) as exc:
        logger.error("journal unavailable (%s): questions are not kept across restarts", exc)
        return None
