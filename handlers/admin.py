"""What admins do: /reload the knowledge base without restarting the bot."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import messages
from bot.errors import KnowledgeError
from handlers import render
from handlers.common import is_admin, service_of

logger = logging.getLogger(__name__)
MAX_IDS_LISTED = 20


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-read and validate the knowledge; swap it in only if all of it is valid."""
    message = update.effective_message
    user_id = update.effective_user.id if update.effective_user else None
    if not is_admin(user_id, context):
        logger.warning("refused /reload from non-admin user %s", user_id)
        await message.reply_text(messages.ADMIN_ONLY)
        return
    service = service_of(context)
    try:
        # Building the new index is CPU work: off the event loop, so answers keep flowing.
        report = await asyncio.to_thread(service.reload)
    except KnowledgeError as exc:
        logger.warning("reload refused: %d problem(s)", len(exc.problems))
        text = messages.RELOAD_FAILED.format(
            count=len(exc.problems), problems="\n".join(html.escape(p) for p in exc.problems)
        )
        for chunk in render.split_message(text):
            await message.reply_html(chunk)
        return
    lines = [
        messages.RELOAD_OK.format(
            added=len(report.added),
            removed=len(report.removed),
            changed=len(report.changed),
            total=report.total,
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
