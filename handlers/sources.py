"""An admin adds a source document by sending it with the caption ``来源：标题 / 发布单位 / 日期``
(optionally ``/ 地区``): the bot checks it like ``bot kb add-source`` and adds it only after
the admin taps 确认更新 (within 10 minutes), then reloads. Anyone else gets the usual request
to type a question.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import secrets
from pathlib import PurePath

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot import messages
from bot.addsource import SourceRequest, apply_source, plan_source, too_large_message
from bot.answers import display_date
from bot.documents import SUPPORTED_SUFFIXES, DocumentError
from bot.errors import KnowledgeError
from bot.service import HOLD_SECONDS, ReloadReport
from handlers import render
from handlers.common import (
    config_of,
    edit_under_button,
    is_admin,
    refresh_keys,
    service_of,
    store_of,
)
from handlers.resident import button_expired, other_message
from handlers.state import Context, PendingSource

logger = logging.getLogger(__name__)

CAPTION = re.compile(r"^\s*来源\s*[：:]\s*")
# A document of any type with that caption: a wrong type is refused with a reason here.
SOURCE_DOCUMENT = filters.Document.ALL & filters.CaptionRegex(CAPTION)
# Callback data of the confirmation buttons: d:1:<key> confirms, d:0:<key> cancels.
DECISION_PATTERN = r"d:[01]:[0-9a-f]{8}"
# What a clerk may write for "the document states no date".
NO_DATE = ("", "无", "没有", "未注明", "不详")
MAX_EXCERPT_SHOWN = 300


def parse_caption(caption: str) -> tuple[str, str, str, str | None] | None:
    """Title, publisher, date and region from ``来源：标题 / 发布单位 / 日期 [/ 地区]``."""
    parts = [part.strip() for part in re.split(r"[/／]", CAPTION.sub("", caption, count=1))]
    if len(parts) not in (3, 4) or not parts[0] or not parts[1]:
        return None
    date = "" if parts[2] in NO_DATE else parts[2]
    region = parts[3] if len(parts) == 4 and parts[3] else None
    return parts[0], parts[1], date, region


def decision_data(key: str, confirm: bool) -> str:
    """Callback data of 确认更新 (or 取消) for the pending document ``key``."""
    return f"d:{'1' if confirm else '0'}:{key}"


async def source_document(update: Update, context: Context) -> None:
    """A document with a 来源： caption: an admin's new source, checked and held for 确认更新."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.document is None:
        return
    if not is_admin(user.id, context):
        await other_message(update, context)
        return
    parsed = parse_caption(message.caption or "")
    if parsed is None:
        await message.reply_text(messages.SOURCE_CAPTION_HELP)
        return
    document = message.document
    name = document.file_name or ""
    suffix = PurePath(name).suffix.lower()
    limit = config_of(context).knowledge.max_file_bytes
    reason = None
    if suffix not in SUPPORTED_SUFFIXES:
        reason = messages.SOURCE_UNKNOWN_TYPE.format(suffix=suffix or name or "?")
    elif document.file_size is not None and document.file_size > limit:
        reason = too_large_message(document.file_size, limit)
    if reason is not None:
        await message.reply_text(html.escape(messages.SOURCE_REFUSED.format(reason=reason)))
        return
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    title, publisher, date, region = parsed
    request = SourceRequest(name, data, title, publisher, date, region)
    service = service_of(context)
    try:
        plan = await asyncio.to_thread(plan_source, service.directory, request, limit)
    except (DocumentError, KnowledgeError) as exc:
        await _reply_refusal(update, exc)
        return
    key = secrets.token_hex(4)
    # One document waits at a time: a new upload replaces the one before.
    context.bot_data.pending_source = PendingSource(key, request, service.clock())
    text = messages.SOURCE_PENDING.format(
        title=plan.title,
        publisher=publisher,
        date=display_date(plan.date),
        count=len(plan.passages),
        excerpt=_shortened(plan.passages[0].excerpt),
        minutes=round(HOLD_SECONDS / 60),
    )
    await message.reply_html(html.escape(text), reply_markup=_keyboard(key))


async def source_decision(update: Update, context: Context) -> None:
    """A tap on 确认更新 or 取消 under a pending document: only an admin's tap counts."""
    query = update.callback_query
    if query is None:
        return
    data = query.data or ""
    if not re.fullmatch(DECISION_PATTERN, data):
        # No data (PTB passes such a tap to every pattern handler, this one first) or more.
        await button_expired(update, context)
        return
    if not is_admin(query.from_user.id, context):
        await query.answer(messages.ADMIN_ONLY)
        return
    await query.answer()
    _, choice, key = data.split(":")
    pending = context.bot_data.pending_source
    service = service_of(context)
    if pending is None or pending.key != key:
        await _close(update, context, messages.SOURCE_EXPIRED)
        return
    context.bot_data.pending_source = None
    if choice == "0":
        await _close(update, context, messages.SOURCE_CANCELLED)
        return
    if service.clock() - pending.since > HOLD_SECONDS:
        await _close(update, context, messages.SOURCE_EXPIRED)
        return
    limit = config_of(context).knowledge.max_file_bytes
    try:
        # Checked again against the files as they are now: another edit may have come in.
        plan = await asyncio.to_thread(apply_source, service.directory, pending.request, limit)
    except (DocumentError, KnowledgeError) as exc:
        await _close(update, context, _refusal_text(exc))  # nothing was written
        return
    logger.info("source %s added from an upload: %d passages", plan.source_id, len(plan.passages))
    added = messages.SOURCE_ADDED.format(
        id=plan.source_id, title=plan.title, article=plan.article, count=len(plan.passages)
    )
    try:
        report = await asyncio.to_thread(_reload_and_rekey, context)
    except KnowledgeError as exc:
        # Only an edit of another file between the two steps gets here; the old version answers.
        logger.warning("reload after adding a source refused: %d problem(s)", len(exc.problems))
        await _close(update, context, f"{added}\n{_refusal_text(exc)}")
        return
    store = store_of(context)
    if store is not None:
        counts = (len(report.added), len(report.removed), len(report.changed))
        store.record_reload(query.from_user.id, True, counts)
    summary = messages.RELOAD_OK.format(
        added=len(report.added),
        removed=len(report.removed),
        changed=len(report.changed),
        total=report.total,
        passages=report.passages,
        seconds=report.seconds,
    )
    await _close(update, context, f"{added}\n{summary}")


def _reload_and_rekey(context: Context) -> ReloadReport:
    """Reload and build the new version's button keys, off the event loop."""
    report = service_of(context).reload()
    refresh_keys(context)
    return report


def _refusal_text(exc: DocumentError | KnowledgeError) -> str:
    if isinstance(exc, KnowledgeError):
        return messages.RELOAD_FAILED.format(
            count=len(exc.problems), problems="\n".join(exc.problems)
        )
    return messages.SOURCE_REFUSED.format(reason=str(exc))


async def _reply_refusal(update: Update, exc: DocumentError | KnowledgeError) -> None:
    if update.effective_message is None:
        return
    for chunk in render.split_message(html.escape(_refusal_text(exc))):
        await update.effective_message.reply_html(chunk)


async def _close(update: Update, context: Context, text: str) -> None:
    """Replace the pending message and its buttons with ``text`` (plain, escaped here)."""
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    first, *rest = render.split_message(html.escape(text))
    await edit_under_button(query, first)
    for chunk in rest:
        if chat is not None:
            await context.bot.send_message(chat.id, chunk)


def _keyboard(key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                render.button(messages.RELOAD_CONFIRM_BUTTON, decision_data(key, True)),
                render.button(messages.RELOAD_CANCEL_BUTTON, decision_data(key, False)),
            ]
        ]
    )


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_EXCERPT_SHOWN else text[: MAX_EXCERPT_SHOWN - 1] + "…"
