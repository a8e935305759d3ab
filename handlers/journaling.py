"""The journal in the Telegram layer: updates written down when fetched, handled once, drained.

- ``JournalingRequest`` wraps the getUpdates connection: a fetched batch is in the journal
  before the next getUpdates call confirms it to Telegram.
- ``JournalApplication`` handles each journaled update at most once (a re-delivered or replayed
  one is skipped), ties the replies it sends to it, and can drain within a grace period.
- ``take_up_backlog`` answers at start-up what the previous run left unfinished.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import warnings
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

from bot.journal import Journal, current_update

logger = logging.getLogger(__name__)
DRAIN_POLL_SECONDS = 0.05


class JournalingRequest(BaseRequest):
    """The getUpdates connection, writing every fetched update into the journal first."""

    def __init__(self, inner: BaseRequest, journal: Journal) -> None:
        self._inner = inner
        self._journal = journal

    @property
    def read_timeout(self) -> float | None:
        """The wrapped connection's read timeout."""
        return self._inner.read_timeout

    async def initialize(self) -> None:
        """Open the wrapped connection."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Close the wrapped connection."""
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Fetch, and write the batch down before PTB sees it."""
        status, payload = await self._inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if status == 200 and url.endswith("/getUpdates"):
            self._journal.record_updates(_updates_in(payload))
        return status, payload


def _updates_in(payload: bytes) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(payload)
    except ValueError:
        return []  # PTB reports the broken answer itself
    result = parsed.get("result") if isinstance(parsed, dict) else None
    if not isinstance(result, list):
        return []
    return [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]


class JournalApplication(Application):  # type: ignore[type-arg]
    """An Application whose updates are handled once each and whose shutdown is bounded."""

    def __init__(self, *, journal: Journal | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.journal = journal
        self.accepting = True
        self._in_flight: set[asyncio.Task[Any]] = set()

    async def process_update(self, update: object) -> None:
        """Handle ``update`` unless it was handled before; mark it done when handled."""
        if not self.accepting:
            return  # past the shutdown grace: the journal keeps it for the next start
        update_id = update.update_id if isinstance(update, Update) else None
        if self.journal is None or update_id is None:
            await super().process_update(update)
            return
        if not self.journal.claim(update_id):
            logger.info("update %d was handled already: skipped", update_id)
            return
        token = current_update.set(update_id)
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await super().process_update(update)
        except asyncio.CancelledError:
            self.journal.release(update_id)
            raise
        else:
            self.journal.finish(update_id)
        finally:
            current_update.reset(token)
            if task is not None:
                self._in_flight.discard(task)

    @property
    def in_flight(self) -> int:
        """Updates being handled right now."""
        return len(self._in_flight)

    async def drain(self, grace: float) -> int:
        """Let queued and running updates finish for ``grace`` seconds, then cancel the rest.

        Returns how many were left unfinished (they stay in the journal).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while (self._in_flight or not self.update_queue.empty()) and loop.time() < deadline:
            await asyncio.sleep(DRAIN_POLL_SECONDS)
        self.accepting = False
        left = len(self._in_flight) + self.update_queue.qsize()
        for task in list(self._in_flight):
            task.cancel()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        return left


async def take_up_backlog(application: JournalApplication, max_age: dt.timedelta) -> None:
    """Send the replies and handle the questions the previous run left unfinished."""
    journal = application.journal
    if journal is None:
        return
    backlog = journal.backlog(max_age)
    if backlog.dropped_updates or backlog.dropped_replies:
        logger.warning(
            "backlog older than %s dropped: %d question(s), %d reply(ies)",
            max_age,
            backlog.dropped_updates,
            backlog.dropped_replies,
        )
    if backlog.updates or backlog.replies:
        logger.info(
            "taking up the backlog: %d question(s), %d reply(ies)",
            len(backlog.updates),
            len(backlog.replies),
        )
    for reply in backlog.replies:
        application.create_task(
            _resend(application, reply.outbox_id, reply.endpoint, reply.payload)
        )
    for data in backlog.updates:
        update = Update.de_json(data, application.bot)
        await application.update_queue.put(update)


async def _resend(
    application: Application,  # type: ignore[type-arg]
    outbox_id: int,
    endpoint: str,
    payload: dict[str, Any],
) -> None:
    with warnings.catch_warnings():
        # PTB suggests the typed method; the outbox holds the raw Bot API call on purpose.
        warnings.simplefilter("ignore", PTBUserWarning)
        try:
            await application.bot.do_api_request(
                endpoint, api_kwargs=payload, rate_limit_args=outbox_id
            )
        except Exception as exc:  # a reply refused now is refused for good: logged, settled
            logger.warning("a reply from before the restart could not be sent: %s", exc)
