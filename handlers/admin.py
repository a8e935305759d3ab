"""What admins do: /reload the knowledge base without restarting the bot, /stats, /unanswered."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import messages
from bot.errors import KnowledgeError
from bot.report import stats_text, unanswered_groups, unanswered_text
from handlers import render
from handlers.common import is_admin, service_of, store_of

logger = logging.getLogger(__name__)
MAX_IDS_LISTED = 20


async def _refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True (after replying and logging) when the sender is not an admin."""
    user_id = update.effective_user.id if update.effective_user else None
    if is_admin(user_id, context):
        return False
    command = (update.effective_message.text or "").split()[0] if update.effective_message else ""
    logger.warning("refused %s from non-admin user %s", command, user_id)
    await update.effective_message.reply_text(messages.ADMIN_ONLY)
    return True


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Today and the last 7 days: questions, answer rate, 👍/👎, top entries and categories."""
    if await _refuse_non_admin(update, context):
        return
    store = store_of(context)
    text = stats_text(store) if store is not None else messages.STORE_UNAVAILABLE
    await update.effective_message.reply_html(html.escape(text))


async def unanswered_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unanswered and 👎 questions of the last N days (default 7), grouped by similarity."""
    if await _refuse_non_admin(update, context):
        return
    store = store_of(context)
    if store is None:
        await update.effective_message.reply_text(messages.STORE_UNAVAILABLE)
        return
    days = _days_argument(context.args, default=7)
    groups = await asyncio.to_thread(unanswered_groups, store, service_of(context), days)
    if not store.up:  # no groups because nothing could be read, not because all were answered
        await update.effective_message.reply_text(messages.STORE_UNAVAILABLE)
        return
    for chunk in render.split_message(html.escape(unanswered_text(groups, days))):
        await update.effective_message.reply_html(chunk)


def _days_argument(args: list[str] | None, default: float) -> float:
    try:
        days = float(args[0]) if args else default
    except ValueError:
        return default
    return days if 0 < days <= 3650 else default


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-read and validate the knowledge; swap it in only if all of it is valid."""
    if await _refuse_non_admin(update, context):
        return
    message = update.effective_message
    user_id = update.effective_user.id
    service = service_of(context)
    store = store_of(context)
    try:
        # Building the new index is CPU work: off the event loop, so answers keep flowing.
        report = await asyncio.to_thread(service.reload)
    except KnowledgeError as exc:
        logger.warning("reload refused: %d problem(s)", len(exc.problems))
        if store is not None:
            store.record_reload(user_id, False, problems=exc.problems)
        text = messages.RELOAD_FAILED.format(
            count=len(exc.problems), problems="\n".join(html.escape(p) for p in exc.problems)
        )
        for chunk in render.split_message(text):
            await message.reply_html(chunk)
        return
    if store is not None:
        counts = (len(report.added), len(report.removed), len(report.changed))
        store.record_reload(user_id, True, counts)
    lines = [
        messages.RELOAD_OK.format(
            added=len(report.added),
            removed=len(report.removed),
            changed=len(report.changed),
            total=report.total,
            passages=report.passages,
            seconds=report.seconds,
        )
    ]
    for sign, ids in (("+", report.added), ("−", report.removed), ("~", report.changed)):
        shown = ids[:MAX_IDS_LISTED]
        if shown:
            more = f" …(+{len(ids) - len(shown)})" if len(ids) > len(shown) else ""
            lines.append(f"{sign} {html.escape(', '.join(shown))}{more}")
    for chunk in render.split_message("\n".join(lines)):
        await message.reply_html(chunk)
