"""Build and run the Telegram application: handlers registered in one place, in order.

Run it with ``python -m bot run``; without a token it says which variable to set and exits 2.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import messages, privacy
from bot.config import Config
from bot.journal import Journal, journal_path_for, open_journal
from bot.kbfiles import VersionStore
from bot.service import KnowledgeService
from bot.storage import Store, open_store
from handlers.admin import reload_command, stats_command, unanswered_command
from handlers.callbacks import PATTERNS, ButtonKind
from handlers.errors import error_handler
from handlers.flood import FloodGuard, Verdict, addressed_to_bot
from handlers.journaling import JournalApplication, JournalingRequest
from handlers.knowledge import (
    document_message,
    export_command,
    rollback_command,
    versions_command,
)
from handlers.lifecycle import serve
from handlers.ratelimit import FairRateLimiter, SendLimits
from handlers.resident import (
    answer_pressed,
    button_expired,
    category_pressed,
    change_pressed,
    entry_pressed,
    feedback_pressed,
    forget_command,
    help_command,
    menu_pressed,
    miss_pressed,
    more_pressed,
    other_message,
    page_pressed,
    question_message,
    region_command,
    region_pressed,
    reload_pressed,
    source_pressed,
    start_command,
    thanks_pressed,
)
from handlers.sources import (
    DECISION_PATTERN,
    SOURCE_DOCUMENT,
    source_decision,
    source_document,
)
from handlers.state import BotData, Context
from handlers.storewatch import WATCH_INTERVAL, watch_store

logger = logging.getLogger(__name__)
PURGE_INTERVAL = 24 * 60 * 60  # seconds


def build_application(
    config: Config,
    service: KnowledgeService,
    *,
    store: Store | None = None,
    journal: Journal | None = None,
    request: BaseRequest | None = None,
    rate_limiter: bool = True,
) -> JournalApplication:
    """The application with every handler; ``request`` replaces the network (tests)."""
    telegram = config.telegram
    builder = (
        ApplicationBuilder()
        .application_class(JournalApplication, kwargs={"journal": journal})
        .context_types(ContextTypes(bot_data=BotData))
        # Answers, listings and reports are HTML; a message of plain outside text escapes it.
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .token(telegram.token)
        .concurrent_updates(telegram.concurrent_updates)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if telegram.base_url:
        builder = builder.base_url(telegram.base_url)
        if telegram.base_url.rstrip("/").endswith("/bot"):
            # A Bot API server serves the files sent to the bot beside its methods
            # (…/bot<token>/getFile, …/file/bot<token>/<path>): uploads are downloaded there.
            builder = builder.base_file_url(
                telegram.base_url.rstrip("/")[: -len("bot")] + "file/bot"
            )
    if request is not None:
        builder = builder.request(request)
    updates_request = request if request is not None else HTTPXRequest(connection_pool_size=1)
    if journal is not None:
        updates_request = JournalingRequest(updates_request, journal)
    builder = builder.get_updates_request(updates_request)
    limiter = FairRateLimiter(send_limits(config), outbox=journal)
    application = (builder.rate_limiter(limiter) if rate_limiter else builder).build()
    assert isinstance(application, JournalApplication)
    data: BotData = application.bot_data
    data.service = service
    data.config = config
    data.store = store
    data.flood = FloodGuard(telegram.flood_max_messages, telegram.flood_window_seconds)
    data.flood_taps = FloodGuard(telegram.flood_max_taps, telegram.flood_window_seconds)

    application.add_handler(TypeHandler(Update, flood_control), group=-1)
    application.add_handler(CommandHandler("start", start_command))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("region", region_command))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(CommandHandler("reload", reload_command))
    application.add_handler(CommandHandler("stats", stats_command))
    application.add_handler(CommandHandler("unanswered", unanswered_command))
    application.add_handler(CommandHandler("export", export_command))
    application.add_handler(CommandHandler("versions", versions_command))
    application.add_handler(CommandHandler("rollback", rollback_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, question_message))
    # One handler per button prefix; data that none of them takes has expired (or is forged).
    application.add_handler(CallbackQueryHandler(source_decision, pattern=DECISION_PATTERN))
    buttons = {
        ButtonKind.CATEGORY: category_pressed,
        ButtonKind.PAGE: page_pressed,
        ButtonKind.MENU: menu_pressed,
        ButtonKind.MISS: miss_pressed,
        ButtonKind.ENTRY: entry_pressed,
        ButtonKind.SOURCE: source_pressed,
        ButtonKind.MORE: more_pressed,
        ButtonKind.ANSWER: answer_pressed,
        ButtonKind.FEEDBACK: feedback_pressed,
        ButtonKind.THANKS: thanks_pressed,
        ButtonKind.REGION: region_pressed,
        ButtonKind.RELOAD: reload_pressed,
        ButtonKind.CHANGE: change_pressed,
    }
    for kind, pressed in buttons.items():
        application.add_handler(CallbackQueryHandler(pressed, pattern=PATTERNS[kind]))
    application.add_handler(CallbackQueryHandler(button_expired))
    # A document with a 来源： caption is a new source; any other document from an admin is a
    # knowledge update; anyone else's falls through to other_message.
    application.add_handler(MessageHandler(SOURCE_DOCUMENT, source_document))
    admins = filters.User(user_id=config.telegram.admins)
    application.add_handler(MessageHandler(filters.Document.ALL & admins, document_message))
    application.add_handler(
        MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, other_message)
    )
    application.add_error_handler(error_handler)
    if store is not None and application.job_queue is not None:
        application.job_queue.run_repeating(purge_old_rows, interval=PURGE_INTERVAL, first=0)
        application.job_queue.run_repeating(watch_store, interval=WATCH_INTERVAL)
    return application


async def purge_old_rows(context: Context) -> None:
    """Daily (and at start-up): delete rows older than the retention period."""
    store = context.bot_data.store
    if store is not None:
        deleted = store.purge_old()
        logger.info("retention: %d old rows deleted", deleted)


async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    """Flush and close the database and the journal."""
    data: BotData = application.bot_data
    store = data.store
    if store is not None:
        store.close()
    if isinstance(application, JournalApplication) and application.journal is not None:
        application.journal.close()


async def post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the command list with Chinese descriptions; load the name tagger meanwhile."""
    # In a thread: the tagger that masks names in stored questions takes a second to load.
    asyncio.get_running_loop().run_in_executor(None, privacy.warm_up)
    commands = [BotCommand(name, text) for name, text in messages.COMMAND_DESCRIPTIONS]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError as exc:
        logger.warning("could not set the command list: %s", exc)


async def flood_control(update: Update, context: Context) -> None:
    """More than the allowed messages a minute: one polite slow-down, then silence, no matching.

    Only updates addressed to the bot count; group chatter passes uncounted (and unanswered).
    Button taps are counted apart, against their own higher limit, and a tap over it is still
    answered (with the slow-down as a toast): an unanswered tap keeps spinning on the phone.
    """
    user = update.effective_user
    if user is None:
        # A channel post (or a poll…): no one to answer, and no handler can serve it.
        raise ApplicationHandlerStop
    if not addressed_to_bot(update, context.bot):
        return
    tap = update.callback_query
    guard = context.bot_data.flood_taps if tap is not None else context.bot_data.flood
    assert guard is not None, "build_application sets the flood guards"
    verdict = guard.check(user.id, time.monotonic())
    if verdict is Verdict.ALLOW:
        return
    if tap is not None:
        await tap.answer(messages.SLOW_DOWN)
    elif verdict is Verdict.WARN and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, messages.SLOW_DOWN)
    raise ApplicationHandlerStop


def send_limits(config: Config) -> SendLimits:
    """The rate limiter's budgets from the config."""
    telegram = config.telegram
    return SendLimits(
        overall_per_second=telegram.send_per_second,
        private_per_second=telegram.private_chat_per_second,
        group_per_minute=telegram.group_chat_per_minute,
    )


def run(config: Config) -> int:
    """Run the bot by polling or webhook until SIGINT/SIGTERM; return the exit status."""
    telegram = config.telegram
    if not telegram.token:
        print(messages.NO_TOKEN, file=sys.stderr)
        return 2
    if telegram.mode == "webhook" and not telegram.webhook.secret_token:
        print(messages.NO_WEBHOOK_SECRET, file=sys.stderr)
        return 2
    service = KnowledgeService.from_config(config)
    storage = config.storage
    # What answers now is what the next /reload of edited files keeps as a version.
    versions = VersionStore.beside_database(storage.path)
    versions.cleanup()
    versions.snapshot(config.knowledge.dir)
    store = open_store(storage.path, salt=storage.salt, retention_days=storage.retention_days)
    journal = open_journal(journal_path_for(storage.path))
    application = build_application(config, service, store=store, journal=journal)
    logger.info("knowledge loaded: %d entries", len(service.knowledge.entries))
    gc.freeze()  # the loaded knowledge lives for the whole run: no GC pass needs to walk it
    return asyncio.run(serve(application, config))
