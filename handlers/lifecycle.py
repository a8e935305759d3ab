"""The bot's life: start, take up the backlog, serve until a signal, drain within a grace, exit.

PTB's ``run_polling`` drains without a bound (30+ s behind 429s, past Docker's SIGKILL) and a
second signal ends in a traceback. Here SIGTERM/SIGINT stops fetching, lets answers finish for
``shutdown_grace_seconds``, leaves what is unfinished in the journal for the next start, and
exits 0; a second signal exits at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal

from telegram import Update

from bot.config import Config
from handlers.journaling import JournalApplication, take_up_backlog
from handlers.webhook import WebhookServer

logger = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
UPDATER_STOP_SECONDS = 2.0  # the last getUpdates that confirms the fetched batch


async def serve(application: JournalApplication, config: Config) -> int:
    """Serve until a stop signal; the exit status (0)."""
    stop = _stop_event()
    telegram = config.telegram
    webhook: WebhookServer | None = None
    async with application:  # initialize … shutdown
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await take_up_backlog(application, dt.timedelta(minutes=telegram.backlog_max_age_minutes))
        if telegram.mode == "webhook":
            webhook = await _start_webhook(application, config)
        else:
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        logger.info("the bot is running")
        await stop.wait()
        logger.info("stopping: no new updates, %.0f s to finish", telegram.shutdown_grace_seconds)
        await _stop_fetching(application, webhook)
        left = await application.drain(telegram.shutdown_grace_seconds)
        if left:
            logger.warning("%d update(s) unfinished: they are answered after the restart", left)
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
    if application.post_shutdown:
        await application.post_shutdown(application)
    return 0


def _stop_event() -> asyncio.Event:
    """Set by the first stop signal; the second one exits at once."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal(number: int) -> None:
        if stop.is_set():
            logger.warning("second %s: exiting now", signal.Signals(number).name)
            logging.shutdown()
            os._exit(0)  # the journal already holds everything unfinished
        stop.set()

    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, on_signal, number)
    return stop


async def _start_webhook(application: JournalApplication, config: Config) -> WebhookServer:
    hook = config.telegram.webhook
    server = WebhookServer(
        application,
        listen=hook.listen,
        port=hook.port,
        url_path=hook.url_path,
        secret=hook.secret_token,
        max_body_bytes=hook.max_body_bytes,
    )
    server.start()
    if hook.webhook_url:
        await application.bot.set_webhook(
            url=hook.webhook_url,
            secret_token=hook.secret_token,
            allowed_updates=Update.ALL_TYPES,
        )
    return server


async def _stop_fetching(application: JournalApplication, webhook: WebhookServer | None) -> None:
    if webhook is not None:
        await webhook.stop()
        return
    updater = application.updater
    if updater is not None and updater.running:
        try:
            await asyncio.wait_for(updater.stop(), UPDATER_STOP_SECONDS)
        except TimeoutError:
            logger.warning("the last getUpdates did not return in time")
