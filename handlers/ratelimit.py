"""Fair sending: Telegram's flood limits per chat, and a 429 delays only the chat it came from.

PTB's ``AIORateLimiter`` halts every request of every chat on any 429 and gives up after its
retries, so one resident flooding the bot delays everyone and loses replies. Here each chat has
its own spacing and its own "blocked until", beside one global leaky bucket (aiolimiter, the
library AIORateLimiter itself builds on); a reply whose chat is throttled waits its turn instead
of failing. PTB's docs invite exactly this: a ``BaseRateLimiter`` subclass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
# Cosmetic calls: never queued behind a chat's replies, never retried after a 429.
COSMETIC_ENDPOINTS = frozenset({"sendChatAction"})
# Replies worth keeping across a restart (see handlers/journal.py).
OUTBOX_ENDPOINTS = frozenset({"sendMessage"})
IDLE_CHATS_SWEEP = 1024  # requests between two sweeps of chats gone quiet


class Outbox(Protocol):
    """Where a reply is written before it is sent and marked after (the journal)."""

    def record_reply(self, endpoint: str, data: dict[str, Any]) -> int | None: ...

    def reply_sent(self, outbox_id: int) -> None: ...


@dataclass(frozen=True)
class SendLimits:
    """Telegram's documented limits, from its Bots FAQ."""

    overall_per_second: float = 30.0
    private_per_second: float = 1.0
    group_per_minute: float = 20.0
    max_wait_seconds: float = 600.0  # a reply throttled longer than this is given up, logged


@dataclass
class _Chat:
    interval: float  # seconds between two sends, counted from when the last one was answered
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0
    blocked_until: float = 0.0
    waiting: int = 0


class FairRateLimiter(BaseRateLimiter[int]):
    """Global and per-chat budgets; a 429 blocks its chat (or, without a chat, everything).

    ``rate_limit_args`` may carry an outbox id: the request is a reply sent again after a
    restart, already in the outbox, so it is not recorded a second time.
    """

    def __init__(
        self,
        limits: SendLimits | None = None,
        *,
        outbox: Outbox | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.limits = limits or SendLimits()
        self.outbox = outbox
        self._clock = clock
        self._overall = AsyncLimiter(self.limits.overall_per_second, 1)
        self._blocked_until = 0.0
        self._chats: dict[int | str, _Chat] = {}
        self._requests = 0

    async def initialize(self) -> None:
        """Nothing to set up: buckets are created per chat on first use."""

    async def shutdown(self) -> None:
        """Forget every chat's state."""
        self._chats.clear()

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Wait for the chat's turn and the global budget, send, and retry after a 429."""
        outbox_id = rate_limit_args
        if outbox_id is None and self.outbox is not None and endpoint in OUTBOX_ENDPOINTS:
            outbox_id = self.outbox.record_reply(endpoint, data)
        chat_id = data.get("chat_id")
        try:
            if endpoint in COSMETIC_ENDPOINTS or chat_id is None:
                result = await self._send_unchained(callback, args, kwargs, endpoint)
            else:
                result = await self._send_in_turn(callback, args, kwargs, chat_id)
        except Exception:
            # Refused for good (a 400, a network error PTB gives up on): a resend after a
            # restart would fail the same way. A cancellation (shutdown) keeps it for the restart.
            self._settle(outbox_id)
            raise
        self._settle(outbox_id)
        return result

    def _settle(self, outbox_id: int | None) -> None:
        if outbox_id is not None and self.outbox is not None:
            self.outbox.reply_sent(outbox_id)

    async def _send_unchained(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
    ) -> JSONResult:
        """Calls without a chat (answers to button taps, commands list) and chat actions."""
        while True:
            await self._wait_until(self._blocked_until)
            async with self._overall:
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    if endpoint in COSMETIC_ENDPOINTS:
                        return True  # a typing indicator is not worth a retry
                    self._blocked_until = self._now() + _seconds(exc)
                    logger.info("429 on %s without a chat: all sending paused", endpoint)

    async def _send_in_turn(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: int | str,
    ) -> JSONResult:
        deadline = self._now() + self.limits.max_wait_seconds
        async with self._chat(chat_id) as chat:
            while True:
                await self._wait_until(max(chat.next_at, chat.blocked_until, self._blocked_until))
                async with self._overall:
                    try:
                        return await callback(*args, **kwargs)
                    except RetryAfter as exc:
                        chat.blocked_until = self._now() + _seconds(exc)
                        if chat.blocked_until > deadline:
                            logger.warning("a reply waited too long behind 429s: given up")
                            raise
                        logger.info("429 for one chat: its replies wait %.1f s", _seconds(exc))
                    finally:
                        # Counted from the answer, not the request: Telegram saw the send
                        # somewhere in between, so the spacing it sees is never shorter.
                        chat.next_at = self._now() + chat.interval

    @contextlib.asynccontextmanager
    async def _chat(self, chat_id: int | str) -> AsyncIterator[_Chat]:
        """The chat's state, held in arrival order so its replies keep their order."""
        self._requests += 1
        if self._requests % IDLE_CHATS_SWEEP == 0:
            self._forget_idle_chats()
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _Chat(self._chat_interval(chat_id))
            self._chats[chat_id] = chat
        chat.waiting += 1
        try:
            async with chat.lock:
                yield chat
        finally:
            chat.waiting -= 1

    def _chat_interval(self, chat_id: int | str) -> float:
        # Private chats have positive ids; groups, supergroups and channels negative ones or @names.
        if isinstance(chat_id, int) and chat_id > 0:
            return 1 / self.limits.private_per_second
        return 60 / self.limits.group_per_minute

    def _forget_idle_chats(self) -> None:
        now = self._now()
        idle = [
            key
            for key, chat in self._chats.items()
            if chat.waiting == 0 and max(chat.blocked_until, chat.next_at) <= now
        ]
        for key in idle:
            del self._chats[key]

    @property
    def tracked_chats(self) -> int:
        """How many chats the limiter currently remembers."""
        return len(self._chats)

    async def _wait_until(self, moment: float) -> None:
        delay = moment - self._now()
        if delay > 0:
            await asyncio.sleep(delay)


def _seconds(exc: RetryAfter) -> float:
    retry_after = exc.retry_after
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else retry_after
