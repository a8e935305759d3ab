"""The one error handler: log with the traceback, apologise, tell the admins (rate-limited)."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import TelegramError

from bot import messages
from handlers.common import config_of
from handlers.state import Context

logger = logging.getLogger(__name__)
ADMIN_NOTICE_INTERVAL = 60.0  # seconds between two error notices to the admins


async def error_handler(update: object, context: Context) -> None:
    """Log the error; the resident gets a short apology, never a traceback."""
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, messages.APOLOGY)
        except TelegramError as exc:
            logger.warning("could not send the apology: %s", exc)
    await _notify_admins(context)


async def _notify_admins(context: Context) -> None:
    config = config_of(context)
    now = time.monotonic()
    last = context.bot_data.last_error_notice
    if not config.telegram.notify_admins_on_error or not config.telegram.admins:
        return
    if last is not None and now - last < ADMIN_NOTICE_INTERVAL:
        return
    context.bot_data.last_error_notice = now
    error = f"{type(context.error).__name__}: {context.error}"[:500]
    for admin in config.telegram.admins:
        try:
            # Plain text, not the default HTML: the error is shown as it reads, unescaped.
            await context.bot.send_message(
                admin, messages.ADMIN_ERROR_NOTICE.format(error=error), parse_mode=None
            )
        except TelegramError as exc:
            logger.warning("could not notify admin: %s", exc)
