"""The bot's memory in SQLite (sqlite-utils): queries, feedback, reloads, residents' regions.

Privacy: user ids are stored only as salted hashes and questions only normalised with personal
numbers masked. Robustness: a locked, read-only or full database never stops answering — every
failure is logged and counted, and writes are skipped for a while and then retried.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import sqlite_utils

from bot.normalize import normalize
from bot.privacy import hash_user, mask_personal

logger = logging.getLogger(__name__)
SCHEMA_VERSION = 3
RETRY_AFTER_SECONDS = 30.0
SALT_FILE = "hash_salt"
SALT_ENV = "BOT_HASH_SALT"
_T = TypeVar("_T")
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass
class StoreHealth:
    """Whether the database works, how many operations failed, until when they are paused.

    ``up`` turns False at any failure (reads then pause with writes, so their numbers would be
    empty, not true) and True at the next operation that succeeds.
    """

    up: bool = True
    failures: int = 0
    paused_until: float = 0.0
    last_error: str = ""


class DatabaseGone(sqlite3.OperationalError):
    """The database file was deleted or replaced under the open connection."""


MessageKind = Literal["question", "small_talk"]  # kinds of stored messages
QUESTION: MessageKind = "question"
SMALL_TALK: MessageKind = "small_talk"


@dataclass
class QueryRecord:
    """What is kept of one question: no identity, no personal numbers."""

    user_id: int | str
    chat_type: str
    question: str
    answered: bool
    top_entry: str | None
    top_category: str | None
    score: float | None
    latency_ms: float
    # QUESTION or SMALL_TALK (你好, 谢谢…): small talk is neither answered nor unanswered.
    kind: MessageKind = QUESTION


@dataclass
class FeedbackRow:
    """One 👍 / 👎 with the question it was about (if still stored)."""

    helpful: bool
    entry_id: str
    question: str | None


@dataclass
class Totals:
    """Numbers of one period for /stats and ``bot report``."""

    questions: int = 0
    answered: int = 0
    helpful: int = 0
    unhelpful: int = 0
    top_entries: list[tuple[str, int]] = field(default_factory=list)
    top_categories: list[tuple[str, int]] = field(default_factory=list)

    @property
    def answer_rate(self) -> float:
        """Share of questions answered, 0–1."""
        return self.answered / self.questions if self.questions else 0.0


def resolve_salt(configured: str, data_dir: Path) -> str:
    """The hashing salt: config, else $BOT_HASH_SALT, else one generated and kept in data_dir."""
    if configured:
        return configured
    env = os.environ.get(SALT_ENV, "")
    if env:
        return env
    path = data_dir / SALT_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        salt = secrets.token_hex(32)
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(salt)
        return salt


class Store:
    """All reads and writes of the bot's database; every method is safe to call when it fails."""

    def __init__(
        self,
        path: Path,
        *,
        salt: str,
        retention_days: int = 180,
        clock: Clock = utc_now,
        busy_timeout: float = 0.25,  # writes run on the bot's event loop: never wait long
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.salt = salt
        self.retention_days = retention_days
        self.clock = clock
        self.health = StoreHealth()
        self._lock = threading.Lock()
        self._db: sqlite_utils.Database | None = None
        self._file: tuple[int, int] | None = None  # (device, inode) of the file opened
        self._safely("open", lambda db: None, None)

    @property
    def up(self) -> bool:
        """False from a failure until the next operation that succeeds."""
        return self.health.up

    # -- connection and schema -------------------------------------------------------------

    def _open(self) -> sqlite_utils.Database:
        """Connect (creating the directory, the file and the schema as needed); raise on failure."""
        on_disk = str(self.path) != ":memory:"
        if on_disk:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            str(self.path), timeout=self.busy_timeout, check_same_thread=False
        )
        try:
            db = sqlite_utils.Database(connection)
            # Deleted rows are overwritten with zeros, not left in free space (/forget).
            db.execute("PRAGMA secure_delete=ON")
            if on_disk:
                db.enable_wal()
            migrate(db)
            self._file = _identity(self.path) if on_disk else None
        except BaseException:
            connection.close()
            raise
        self._db = db
        return db

    def _connection(self) -> sqlite_utils.Database:
        """The open database, opened again if it was closed or its file vanished."""
        if self._db is not None and self._file is not None and self._file != _identity(self.path):
            # SQLite goes on writing into a deleted file, and everything written would be lost.
            gone, self._db = self._db, None
            with suppress(sqlite3.Error):
                gone.conn.close()
            raise DatabaseGone(f"{self.path} was deleted or replaced; it is created again later")
        return self._db if self._db is not None else self._open()

    def close(self) -> None:
        """Flush and close the database."""
        with self._lock:
            if self._db is not None:
                self._db.conn.close()
                self._db = None

    @contextmanager
    def _session(self, transaction: bool) -> Iterator[sqlite_utils.Database]:
        with self._lock:
            db = self._connection()
            if not transaction:
                yield db
                return
            # sqlite-utils 4 commits each db.execute at once unless a transaction is open:
            # atomic() opens one, so an operation's writes are kept or undone together.
            with db.atomic():
                yield db

    def _safely(
        self,
        action: str,
        work: Callable[[sqlite_utils.Database], _T],
        default: _T,
        *,
        transaction: bool = True,
    ) -> _T:
        """Run ``work``; on failure log, count, pause writes for a while, and return ``default``."""
        if time.monotonic() < self.health.paused_until:
            return default
        try:
            with self._session(transaction) as db:
                result = work(db)
        except (sqlite3.Error, OSError) as exc:
            self._failed(action, exc)
            return default
        if not self.health.up:
            self.health.up = True
            logger.warning("database available again")
        return result

    def probe(self) -> bool:
        """Check the database now (its file too), or retry it once its pause is over; True if up."""
        self._safely("check", lambda db: db.execute("SELECT 1").fetchone(), None)
        return self.health.up

    def _failed(self, action: str, exc: BaseException) -> None:
        self.health.up = False
        self.health.failures += 1
        self.health.last_error = f"{type(exc).__name__}: {exc}"
        self.health.paused_until = time.monotonic() + RETRY_AFTER_SECONDS
        level = logging.ERROR if isinstance(exc, DatabaseGone) else logging.WARNING
        logger.log(
            level, "database %s failed (%s); answering goes on", action, self.health.last_error
        )

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def _since(self, days: float) -> str:
        return (self.clock() - dt.timedelta(days=days)).isoformat(timespec="seconds")

    def user_hash(self, user_id: int | str) -> str:
        """The only form in which a user id is ever stored."""
        return hash_user(user_id, self.salt)

    # -- writes ----------------------------------------------------------------------------

    def record_query(self, record: QueryRecord) -> int | None:
        """Store one question (normalised; numbers, names, addresses masked); return its row id."""
        row = {
            "time": self._now(),
            "user_hash": self.user_hash(record.user_id),
            "chat_type": record.chat_type,
            "question": mask_personal(normalize(record.question)),
            "answered": int(record.answered),
            "top_entry": record.top_entry,
            "top_category": record.top_category,
            "score": record.score,
            "latency_ms": round(record.latency_ms, 3),
            "kind": record.kind,
        }
        return self._insert("queries", row)

    def record_feedback(
        self, user_id: int | str, entry_id: str, helpful: bool, query_id: int | None
    ) -> bool:
        """Store the person's 👍 / 👎 on an answer to their own stored question; a second vote
        on the same answer replaces the first. False when not stored.

        Anyone in a group can press the buttons under an answer, and callback data can be forged:
        feedback on a question that does not exist or that someone else asked is ignored.
        """
        if query_id is None:
            return False
        key = self.user_hash(user_id)
        row = {
            "time": self._now(),
            "user_hash": key,
            "query_id": query_id,
            "entry_id": entry_id,
            "helpful": int(helpful),
        }

        def work(db: sqlite_utils.Database) -> bool:
            asker = db.execute("SELECT user_hash FROM queries WHERE id = ?", [query_id]).fetchone()
            if asker is None or asker[0] != key:
                logger.info("feedback on a question that is not the sender's: ignored")
                return False
            db.execute(
                "INSERT INTO feedback (time, user_hash, query_id, entry_id, helpful) "
                "VALUES (:time, :user_hash, :query_id, :entry_id, :helpful) "
                "ON CONFLICT (user_hash, query_id, entry_id) "
                "DO UPDATE SET helpful = excluded.helpful, time = excluded.time",
                row,
            )
            return True

        return self._safely("insert into feedback", work, False)

    def record_reload(
        self,
        admin_id: int | str,
        ok: bool,
        counts: tuple[int, int, int] = (0, 0, 0),
        problems: list[str] | None = None,
    ) -> bool:
        """Store one /reload attempt: who (hashed), whether it worked, what changed."""
        added, removed, changed = counts
        row = {
            "time": self._now(),
            "admin_hash": self.user_hash(admin_id),
            "ok": int(ok),
            "added": added,
            "removed": removed,
            "changed": changed,
            "problems": "\n".join(problems or []),
        }
        return self._insert("reloads", row) is not None

    def _insert(self, table: str, row: dict[str, Any]) -> int | None:
        """Insert one row; its id, or None when the database failed."""
        return self._safely(
            f"insert into {table}", lambda db: db.table(table).insert(row).last_pk, None
        )

    def set_region(self, user_id: int | str, region: str | None) -> bool:
        """Remember (or with None, forget) a resident's region."""
        key = self.user_hash(user_id)

        def work(db: sqlite_utils.Database) -> bool:
            if region is None:
                db.table("preferences").delete_where("user_hash = ?", [key])
            else:
                row = {"user_hash": key, "region": region, "updated": self._now()}
                db.table("preferences").upsert(row, pk="user_hash")
            return True

        return self._safely("save region", work, False)

    def forget(self, user_id: int | str) -> int:
        """Delete everything stored about one person; return the number of rows deleted."""
        key = self.user_hash(user_id)

        def work(db: sqlite_utils.Database) -> int:
            deleted = 0
            for table in ("queries", "feedback", "preferences"):
                deleted += db.execute(f"DELETE FROM {table} WHERE user_hash = ?", [key]).rowcount
            deleted += db.execute("DELETE FROM reloads WHERE admin_hash = ?", [key]).rowcount
            return deleted

        deleted = self._safely("forget", work, -1)
        if deleted > 0:
            # The deleted rows' old pages stay in the write-ahead log until it is checkpointed.
            self._safely(
                "checkpoint",
                lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone(),
                None,
                transaction=False,
            )
        return deleted

    def purge_old(self) -> int:
        """Delete rows older than ``retention_days``; return how many."""
        cutoff = self._since(self.retention_days)

        def work(db: sqlite_utils.Database) -> int:
            return sum(
                db.execute(f"DELETE FROM {table} WHERE time < ?", [cutoff]).rowcount
                for table in ("queries", "feedback", "reloads")
            )

        return self._safely("purge", work, 0)

    # -- reads -----------------------------------------------------------------------------

    def region_of(self, user_id: int | str) -> str | None:
        """A resident's chosen region, if any (None also when the database is unavailable)."""
        key = self.user_hash(user_id)

        def work(db: sqlite_utils.Database) -> str | None:
            rows = list(db.table("preferences").rows_where("user_hash = ?", [key], limit=1))
            return str(rows[0]["region"]) if rows else None

        return self._safely("read region", work, None)

    def totals(self, days: float, top: int = 5) -> Totals:
        """Questions, answer rate, 👍/👎 and the top entries and categories of the last ``days``."""
        since = self._since(days)

        def work(db: sqlite_utils.Database) -> Totals:
            questions, answered = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM queries "
                "WHERE time >= ? AND kind = 'question'",
                [since],
            ).fetchone()
            helpful, unhelpful = db.execute(
                "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) "
                "FROM feedback WHERE time >= ?",
                [since],
            ).fetchone()
            return Totals(
                questions=questions,
                answered=answered,
                helpful=helpful,
                unhelpful=unhelpful,
                top_entries=_top(db, "top_entry", since, top),
                top_categories=_top(db, "top_category", since, top),
            )

        return self._safely("read totals", work, Totals())

    def unanswered_questions(self, days: float) -> list[str]:
        """Questions of the last ``days`` that got no answer or a 👎 (one row per question)."""
        since = self._since(days)

        def work(db: sqlite_utils.Database) -> list[str]:
            rows = db.execute(
                "SELECT question FROM queries WHERE time >= ? AND answered = 0 AND question != '' "
                "AND kind = 'question' "
                "UNION ALL SELECT q.question FROM feedback f JOIN queries q ON q.id = f.query_id "
                "WHERE f.time >= ? AND f.helpful = 0",
                [since, since],
            ).fetchall()
            return [row[0] for row in rows]

        return self._safely("read unanswered", work, [])

    def answered_by(self, prefix: str) -> list[tuple[str, str]]:
        """(first answer's id, question) of every stored answered question whose first answer's
        id starts with ``prefix`` (``"<source-id>#"``: the passages of one source)."""

        def work(db: sqlite_utils.Database) -> list[tuple[str, str]]:
            rows = db.execute(
                "SELECT top_entry, question FROM queries WHERE answered = 1 "
                "AND substr(top_entry, 1, ?) = ? AND question != '' ORDER BY time",
                [len(prefix), prefix],
            ).fetchall()
            return [(str(entry), str(question)) for entry, question in rows]

        return self._safely("read answers", work, [])

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of a table (for tests and exports)."""
        return self._safely(f"read {table}", lambda db: list(db.table(table).rows), [])


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode, None when it does not exist."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def _top(db: sqlite_utils.Database, column: str, since: str, limit: int) -> list[tuple[str, int]]:
    rows = db.execute(
        f"SELECT {column}, COUNT(*) AS n FROM queries WHERE time >= ? AND answered = 1 "
        f"AND {column} IS NOT NULL GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?",
        [since, limit],
    ).fetchall()
    return [(str(name), int(count)) for name, count in rows]


def migrate(db: sqlite_utils.Database) -> None:
    """Create or upgrade the schema to SCHEMA_VERSION, recording the version in a table."""
    if not db.table("schema_version").exists():
        db.table("schema_version").create({"version": int}, pk="version")
    current = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    for version, step in enumerate(MIGRATIONS, 1):
        if version > current:
            with db.atomic():
                step(db)
                db.table("schema_version").insert({"version": version})


def _create_v1(db: sqlite_utils.Database) -> None:
    db.table("queries").create(
        {
            "id": int,
            "time": str,
            "user_hash": str,
            "chat_type": str,
            "question": str,
            "answered": int,
            "top_entry": str,
            "top_category": str,
            "score": float,
            "latency_ms": float,
        },
        pk="id",
    )
    db.table("queries").create_index(["time"])
    db.table("queries").create_index(["user_hash"])
    db.table("feedback").create(
        {
            "id": int,
            "time": str,
            "user_hash": str,
            "query_id": int,
            "entry_id": str,
            "helpful": int,
        },
        pk="id",
    )
    db.table("feedback").create_index(["time"])
    db.table("reloads").create(
        {
            "id": int,
            "time": str,
            "admin_hash": str,
            "ok": int,
            "added": int,
            "removed": int,
            "changed": int,
            "problems": str,
        },
        pk="id",
    )
    db.table("preferences").create(
        {"user_hash": str, "region": str, "updated": str}, pk="user_hash"
    )


def _one_vote_v2(db: sqlite_utils.Database) -> None:
    """One vote per person per answer: keep each one's latest, and let the database refuse a
    second row (a second press updates the first)."""
    db.execute(
        "DELETE FROM feedback WHERE id NOT IN (SELECT MAX(id) FROM feedback "
        "GROUP BY user_hash, query_id, entry_id)"
    )
    db.table("feedback").create_index(["user_hash", "query_id", "entry_id"], unique=True)


def _add_kind_v3(db: sqlite_utils.Database) -> None:
    # Rows stored before small talk was told apart were all counted as questions.
    db.table("queries").add_column("kind", str, not_null_default="question")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_v1,
    _one_vote_v2,
    _add_kind_v3,
]


def open_store(path: Path, *, salt: str = "", retention_days: int = 180) -> Store | None:
    """The store at ``path``, its salt resolved (config, env, or kept beside the database).

    None, after one warning, when no salt is configured and none can be kept beside the
    database: without a salt nothing may be stored, so the bot answers without memory.
    """
    try:
        resolved = resolve_salt(salt, path.parent)
    except OSError as exc:
        logger.warning(
            "no database: the hashing salt cannot be kept in %s (%s: %s); set storage.salt or %s, "
            "or fix the directory. Questions are answered, nothing is stored",
            path.parent,
            type(exc).__name__,
            exc.strerror or exc,
            SALT_ENV,
        )
        return None
    return Store(path, salt=resolved, retention_days=retention_days)
