"""What the bot keeps between updates: one typed ``bot_data`` and the context type that carries
it, so that mypy checks every handler's access to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.addsource import SourceRequest
from bot.config import Config
from bot.conversation import ConversationMemory
from bot.service import KnowledgeService
from bot.storage import Store
from handlers.callbacks import KeyDirectory

if TYPE_CHECKING:
    # handlers.flood imports the resident handlers, which import this module.
    from handlers.flood import FloodGuard


@dataclass(frozen=True)
class PendingChange:
    """A checked change waiting for its admin's 确认: the files to write over ``base`` (a kept
    version for a rollback, else the directory), and the directory's digest when checked."""

    key: str
    writes: dict[str, bytes | None]
    base: Path | None
    digest: str
    since: float


@dataclass(frozen=True)
class PendingSource:
    """A checked document waiting for the admin's confirmation."""

    key: str
    request: SourceRequest
    since: float


@dataclass
class BotData:
    """``context.bot_data``: PTB makes it without arguments before the application is built, so
    what ``build_application`` sets is None until then, and what is made on first use or on an
    event is None until it happens."""

    service: KnowledgeService | None = None
    config: Config | None = None
    # None also when the bot runs without a database.
    store: Store | None = None
    # Typed messages and button taps are counted apart, against limits of their own.
    flood: FloodGuard | None = None
    flood_taps: FloodGuard | None = None
    conversations: ConversationMemory | None = None
    # The button keys of the knowledge version answering, rebuilt after a reload.
    keys: KeyDirectory | None = None
    # When the admins were last told of an error (time.monotonic()).
    last_error_notice: float | None = None
    # Whether the admins were last told the database is up (they assume it is at start).
    store_reported_up: bool = True
    # One uploaded change and one new source wait at a time: a newer one replaces its kind's.
    pending_change: PendingChange | None = None
    pending_source: PendingSource | None = None


# The rate limiter is left out in tests, so the bot's rate limiter arguments vary.
Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
