"""What admins do: /reload the knowledge base without restarting the bot, /stats, /unanswered."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import InlineKeyboardMarkup, Update

from bot import messages
from bot.background import building_beside_answers
from bot.errors import KnowledgeError
from bot.report import stats_text, unanswered_groups, unanswered_text
from bot.service import HOLD_SECONDS, ReloadReport
from bot.storage import Store
from handlers import callbacks, render
from handlers.common import edit_under_button, is_admin, refresh_keys, service_of, store_of
from handlers.knowledge import keep_reloaded_version
from handlers.state import Context

logger = logging.getLogger(__name__)
MAX_IDS_LISTED = 20


async def _refuse_non_admin(update: Update, context: Context) -> bool:
    """True (after replying and logging) when the sender is not an admin."""
    user_id = update.effective_user.id if update.effective_user else None
    if is_admin(user_id, context):
        return False
    if update.effective_message is None:  # nothing to reply to
        return True
    command = (update.effective_message.text or "").split()[0] if update.effective_message else ""
    store = store_of(context)
    # Never the raw id: the stored (salted) hash, which /stats and the database know the user by.
    who = store.user_hash(user_id) if store is not None and user_id is not None else "-"
    logger.warning("refused %s from a non-admin user (hashed id %s)", command, who)
    await update.effective_message.reply_text(messages.ADMIN_ONLY)
    return True


async def stats_command(update: Update, context: Context) -> None:
    """Today and the last 7 days: questions, answer rate, 👍/👎, top entries and categories."""
    if update.effective_message is None or await _refuse_non_admin(update, context):
        return
    store = store_of(context)
    text = stats_text(store) if store is not None else messages.STORE_UNAVAILABLE
    await update.effective_message.reply_html(html.escape(text))


async def unanswered_command(update: Update, context: Context) -> None:
    """Unanswered and 👎 questions of the last N days (default 7), grouped by similarity."""
    if update.effective_message is None or await _refuse_non_admin(update, context):
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


def _reload_and_rekey(context: Context) -> ReloadReport:
    """Reload (holding a large drop), then build the new version's button keys here too: at
    100k entries that is 0.1 s of work, and dropping the old keys frees the old version —
    neither on the event loop, and both beside it as the build is (see bot.background)."""
    with building_beside_answers():
        report = service_of(context).reload(hold_large_drop=True)
        if report.held is None:
            refresh_keys(context)
    return report


def _apply_and_rekey(context: Context, key: str) -> ReloadReport | None:
    """Swap in the held version and build its keys, off the event loop."""
    with building_beside_answers():
        report = service_of(context).apply_held(key)
        if report is not None:
            refresh_keys(context)
    return report


def _days_argument(args: list[str] | None, default: float) -> float:
    try:
        days = float(args[0]) if args else default
    except ValueError:
        return default
    return days if 0 < days <= 3650 else default


async def reload_command(update: Update, context: Context) -> None:
    """Re-read and validate the knowledge; swap it in only if all of it is valid.

    A version that removes more than a fifth of the entries waits for 确认更新.
    """
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or await _refuse_non_admin(update, context):
        return
    user_id = user.id
    store = store_of(context)
    try:
        # Building the new index is CPU work: off the event loop, so answers keep flowing.
        report = await asyncio.to_thread(_reload_and_rekey, context)
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
    if report.held is not None:
        text = messages.RELOAD_LARGE_DROP.format(
            removed=len(report.removed),
            previous=report.previous,
            minutes=round(HOLD_SECONDS / 60),
        )
        chunks = render.split_message("\n".join([html.escape(text), *_id_lines(report)]))
        for chunk in chunks[:-1]:
            await message.reply_html(chunk)
        await message.reply_html(chunks[-1], reply_markup=_confirm_keyboard(report.held))
        return
    _record_applied(store, user_id, report)
    await asyncio.to_thread(keep_reloaded_version, context, user_id, _counts(report))
    for chunk in render.split_message(_applied_text(report)):
        await message.reply_html(chunk)


async def reload_decision(update: Update, context: Context, key: str, confirm: bool) -> None:
    """A tap on 确认更新 or 取消 under a held reload: only an admin's tap counts."""
    query = update.callback_query
    if query is None:
        return
    if not is_admin(query.from_user.id, context):
        await query.answer(messages.ADMIN_ONLY)
        return
    service = service_of(context)
    await query.answer()
    if not confirm:
        discarded = await asyncio.to_thread(service.discard_held, key)
        text = messages.RELOAD_CANCELLED if discarded else messages.RELOAD_EXPIRED
        await _close_confirmation(update, context, html.escape(text))
        return
    # The reload lock may be held by a build in progress: wait for it off the event loop.
    report = await asyncio.to_thread(_apply_and_rekey, context, key)
    if report is None:
        await _close_confirmation(update, context, html.escape(messages.RELOAD_EXPIRED))
        return
    _record_applied(store_of(context), query.from_user.id, report)
    await asyncio.to_thread(keep_reloaded_version, context, query.from_user.id, _counts(report))
    await _close_confirmation(update, context, _applied_text(report))


async def _close_confirmation(update: Update, context: Context, text: str) -> None:
    """Replace the confirmation (and its buttons) with ``text``, HTML."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    first, *rest = render.split_message(text)
    await edit_under_button(query, first)
    for chunk in rest:
        await context.bot.send_message(chat.id, chunk)


def _confirm_keyboard(key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                render.button(messages.RELOAD_CONFIRM_BUTTON, callbacks.reload_data(key, True)),
                render.button(messages.RELOAD_CANCEL_BUTTON, callbacks.reload_data(key, False)),
            ]
        ]
    )


def _counts(report: ReloadReport) -> tuple[int, int, int]:
    return len(report.added), len(report.removed), len(report.changed)


def _record_applied(store: Store | None, user_id: int, report: ReloadReport) -> None:
    if store is not None:
        counts = (len(report.added), len(report.removed), len(report.changed))
        store.record_reload(user_id, True, counts)


def _applied_text(report: ReloadReport) -> str:
    """What a reload that was swapped in changed, as HTML."""
    summary = messages.RELOAD_OK.format(
        added=len(report.added),
        removed=len(report.removed),
        changed=len(report.changed),
        total=report.total,
        passages=report.passages,
        seconds=report.seconds,
    )
    return "\n".join([summary, *_id_lines(report)])


def _id_lines(report: ReloadReport) -> list[str]:
    lines = []
    for sign, ids in (("+", report.added), ("−", report.removed), ("~", report.changed)):
        shown = ids[:MAX_IDS_LISTED]
        if shown:
            more = f" …(+{len(ids) - len(shown)})" if len(ids) > len(shown) else ""
            lines.append(f"{sign} {html.escape(', '.join(shown))}{more}")
    return lines
