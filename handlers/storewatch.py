"""The admins hear once when the database goes down and once when it is back."""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from bot import messages
from handlers.common import config_of, store_of
from handlers.state import Context

logger = logging.getLogger(__name__)
# How often the database is checked; a failure seen by a question counts at the next check.
WATCH_INTERVAL = 30.0


async def watch_store(context: Context) -> None:
    """Check the database; on a change between up and down, send every admin one notice."""
    store = store_of(context)
    if store is None:
        return
    up = store.probe()
    if up == context.bot_data.store_reported_up:
        return
    context.bot_data.store_reported_up = up
    if up:
        text = messages.STORE_BACK_NOTICE
    else:
        text = messages.STORE_DOWN_NOTICE.format(error=store.health.last_error[:300])
    for admin in config_of(context).telegram.admins:
        try:
            await context.bot.send_message(admin, text, parse_mode=None)
        except TelegramError as exc:
            logger.warning("could not tell an admin about the database: %s", exc)
