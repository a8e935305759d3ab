"""What admins do to the knowledge files from Telegram: send a workbook or a TOML file, /export,
/versions, /rollback N. Every change is checked first, waits for a tap on its confirmation
button (10 minutes; a newer upload or rollback replaces it) and keeps the previous version.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
from pathlib import Path

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError

from bot import messages
from bot.background import building_beside_answers
from bot.errors import KnowledgeError
from bot.kbfiles import (
    ChangeReport,
    StaleChange,
    VersionStore,
    apply_change,
    check_change,
    describe_version,
    directory_digest,
)
from bot.kbsheet import ImportPlan, export_workbook, plan_upload
from bot.privacy import hash_user
from bot.report import unanswered_groups
from bot.service import HOLD_SECONDS
from bot.workbook import workbook_bytes
from handlers import callbacks, render
from handlers.common import (
    config_of,
    edit_under_button,
    is_admin,
    refresh_keys,
    service_of,
    store_of,
)
from handlers.state import Context, PendingChange

logger = logging.getLogger(__name__)
UPLOAD_TYPES = (".xlsx", ".toml")
EXPORT_NAME = "knowledge.xlsx"
EXPORT_DAYS = 30  # the 未回答 sheet, as ``bot kb export``


def versions_of(context: Context) -> VersionStore:
    """The kept versions, in the data directory beside the database."""
    return VersionStore.beside_database(config_of(context).storage.path)


def _who(context: Context, user_id: int) -> str:
    store = store_of(context)
    if store is not None:
        return store.user_hash(user_id)
    return hash_user(user_id, config_of(context).storage.salt)


async def document_message(update: Update, context: Context) -> None:
    """An admin's workbook or TOML file: check it and offer 确认更新. (The handler is registered
    for admins' documents only; anyone else's gets the usual request to type a question.)"""
    message, user = update.effective_message, update.effective_user
    if message is None or message.document is None or user is None:
        return
    if not is_admin(user.id, context):
        return
    document = message.document
    name = document.file_name or ""
    if not name.lower().endswith(UPLOAD_TYPES):
        await message.reply_text(messages.UPLOAD_WRONG_TYPE)
        return
    # The size one knowledge file may have (knowledge.max_file_mb, 5 MB unless configured).
    max_bytes = config_of(context).knowledge.max_file_bytes
    limit_mb = f"{max_bytes / (1024 * 1024):g}"
    if (document.file_size or 0) > max_bytes:
        await message.reply_text(messages.UPLOAD_TOO_LARGE.format(limit=limit_mb))
        return
    try:
        file = await context.bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        logger.warning("upload %s could not be downloaded: %s", name, exc)
        await message.reply_text(messages.UPLOAD_DOWNLOAD_FAILED)
        return
    if len(data) > max_bytes:  # the size Telegram announced may be missing
        await message.reply_text(messages.UPLOAD_TOO_LARGE.format(limit=limit_mb))
        return
    logger.info("admin %s sent %s (%d bytes)", user.id, name, len(data))
    directory = config_of(context).knowledge.dir
    plan, report, digest = await asyncio.to_thread(_check_upload, context, name, data, directory)
    warnings = [messages.SHEET_WARNING.format(warning=w) for w in plan.warnings]
    problems = plan.problems + (report.problems if report else [])
    if problems:
        text = messages.UPLOAD_PROBLEMS.format(count=len(problems), problems="\n".join(problems))
        await _reply_chunks(update, "\n".join([text, *warnings]))
        return
    if report is None:
        await _reply_chunks(update, "\n".join([messages.SHEET_NOTHING_TO_DO, *warnings]))
        return
    key = _hold(context, PendingChange(secrets.token_hex(4), plan.writes, None, digest, 0.0))
    summary = messages.UPLOAD_READY.format(
        added=len(report.added),
        removed=len(report.removed),
        changed=len(report.changed),
        total=report.total,
        minutes=round(HOLD_SECONDS / 60),
    )
    keyboard = _keyboard(messages.RELOAD_CONFIRM_BUTTON, key)
    await _reply_chunks(update, "\n".join([summary, *_id_lines(report), *warnings]), keyboard)


def _check_upload(
    context: Context, name: str, data: bytes, directory: Path
) -> tuple[ImportPlan, ChangeReport | None, str]:
    """The plan of an upload and, when it writes something, what it would change (a thread)."""
    digest = directory_digest(directory)
    plan = plan_upload(name, data, directory)
    if plan.problems or not plan.writes:
        return plan, None, digest
    limit = config_of(context).knowledge.max_file_bytes
    return plan, check_change(directory, plan.writes, max_file_bytes=limit), digest


def _hold(context: Context, pending: PendingChange) -> str:
    """Keep ``pending`` as the one change waiting (replacing an earlier one); its key."""
    since = service_of(context).clock()
    context.bot_data.pending_change = PendingChange(
        pending.key, pending.writes, pending.base, pending.digest, since
    )
    return pending.key


def _keyboard(confirm_label: str, key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                render.button(confirm_label, callbacks.change_data(key, True)),
                render.button(messages.RELOAD_CANCEL_BUTTON, callbacks.change_data(key, False)),
            ]
        ]
    )


async def _reply_chunks(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Plain ``text`` (escaped), split to Telegram's length; the buttons under the last part."""
    message = update.effective_message
    if message is None:
        return
    chunks = render.split_message(html.escape(text, quote=False))
    for chunk in chunks[:-1]:
        await message.reply_html(chunk)
    await message.reply_html(chunks[-1], reply_markup=keyboard)


def _id_lines(report: ChangeReport, limit: int = 20) -> list[str]:
    lines = []
    for sign, ids in (("+", report.added), ("−", report.removed), ("~", report.changed)):
        if ids:
            more = f" …(+{len(ids) - limit})" if len(ids) > limit else ""
            lines.append(f"{sign} {', '.join(ids[:limit])}{more}")
    return lines


async def _refused(update: Update, context: Context) -> bool:
    """True (after saying so) when the sender of a command is not an admin."""
    user, message = update.effective_user, update.effective_message
    if user is not None and is_admin(user.id, context):
        return False
    if message is not None:
        logger.warning("refused %s from non-admin user %s", message.text, user and user.id)
        await message.reply_text(messages.ADMIN_ONLY)
    return True


async def export_command(update: Update, context: Context) -> None:
    """/export: the current knowledge as the workbook a clerk edits and sends back."""
    message = update.effective_message
    if message is None or await _refused(update, context):
        return
    data = await asyncio.to_thread(_export_bytes, context)
    await message.reply_document(
        InputFile(data, filename=EXPORT_NAME), caption=messages.EXPORT_CAPTION
    )


def _export_bytes(context: Context) -> bytes:
    service, store = service_of(context), store_of(context)
    groups = unanswered_groups(store, service, EXPORT_DAYS) if store is not None else []
    return workbook_bytes(export_workbook(service.knowledge, groups))


async def versions_command(update: Update, context: Context) -> None:
    """/versions: the kept versions, newest last."""
    message = update.effective_message
    if message is None or await _refused(update, context):
        return
    kept = await asyncio.to_thread(versions_of(context).list)
    if not kept:
        await message.reply_text(messages.VERSIONS_NONE)
        return
    lines = [messages.VERSIONS_HEADER, *(describe_version(v) for v in kept)]
    await _reply_chunks(update, "\n".join(lines))


async def rollback_command(update: Update, context: Context) -> None:
    """/rollback N: what restoring version N changes, with 确认恢复."""
    message = update.effective_message
    if message is None or await _refused(update, context):
        return
    args = context.args or []
    if len(args) != 1 or not args[0].isascii() or not args[0].isdigit():
        await message.reply_text(messages.ROLLBACK_USAGE)
        return
    number = int(args[0])
    base = versions_of(context).directory_of(number)
    if base is None:
        await message.reply_text(messages.VERSION_UNKNOWN.format(number=number))
        return
    config = config_of(context)
    directory = config.knowledge.dir
    digest = await asyncio.to_thread(directory_digest, directory)
    report = await asyncio.to_thread(
        check_change, directory, {}, base=base, max_file_bytes=config.knowledge.max_file_bytes
    )
    if report.problems:
        problems = "\n".join(report.problems)
        await _reply_chunks(
            update, messages.ROLLBACK_BROKEN.format(number=number, problems=problems)
        )
        return
    key = _hold(context, PendingChange(secrets.token_hex(4), {}, base, digest, 0.0))
    summary = messages.ROLLBACK_SUMMARY.format(
        number=number,
        added=len(report.added),
        removed=len(report.removed),
        changed=len(report.changed),
        total=report.total,
    )
    ready = messages.ROLLBACK_READY.format(minutes=round(HOLD_SECONDS / 60))
    keyboard = _keyboard(messages.ROLLBACK_CONFIRM_BUTTON, key)
    await _reply_chunks(update, "\n".join([summary + ready, *_id_lines(report)]), keyboard)


async def change_decision(update: Update, context: Context, key: str, confirm: bool) -> None:
    """A tap on 确认更新 / 确认恢复 or 取消 under a waiting change: only an admin's tap counts."""
    query = update.callback_query
    if query is None:
        return
    if not is_admin(query.from_user.id, context):
        await query.answer(messages.ADMIN_ONLY)
        return
    await query.answer()
    pending = context.bot_data.pending_change
    if pending is None or pending.key != key:
        await edit_under_button(query, messages.CHANGE_EXPIRED)
        return
    context.bot_data.pending_change = None
    if not confirm:
        await edit_under_button(query, messages.CHANGE_CANCELLED)
        return
    if service_of(context).clock() - pending.since > HOLD_SECONDS:
        await edit_under_button(query, messages.CHANGE_EXPIRED)
        return
    who = _who(context, query.from_user.id)
    try:
        report = await asyncio.to_thread(_apply, context, pending, who)
    except StaleChange:
        await edit_under_button(query, messages.SHEET_CHANGED_MEANWHILE)
        return
    except KnowledgeError as exc:  # written and checked, yet the reload refused it
        problems = "\n".join(exc.problems)
        await _close(
            update,
            context,
            messages.RELOAD_FAILED.format(count=len(exc.problems), problems=problems),
        )
        return
    if report.problems:
        problems = "\n".join(report.problems)
        await _close(
            update,
            context,
            messages.UPLOAD_PROBLEMS.format(count=len(report.problems), problems=problems),
        )
        return
    store = store_of(context)
    if store is not None:
        store.record_reload(query.from_user.id, True, report.counts)
    template = messages.CHANGE_APPLIED if report.version is not None else messages.CHANGE_NOT_KEPT
    text = template.format(
        added=len(report.added),
        removed=len(report.removed),
        changed=len(report.changed),
        total=report.total,
        number=report.version,
    )
    await edit_under_button(query, text)


async def _close(update: Update, context: Context, text: str) -> None:
    """Replace the confirmation (and its buttons) with plain ``text``, split if long."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    first, *rest = render.split_message(html.escape(text, quote=False))
    await edit_under_button(query, first)
    for chunk in rest:
        await context.bot.send_message(chat.id, chunk)


def _apply(context: Context, pending: PendingChange, who: str) -> ChangeReport:
    """Write the change, keep the previous version, and answer from the new files (a thread)."""
    config = config_of(context)
    report = apply_change(
        config.knowledge.dir,
        pending.writes,
        versions=versions_of(context),
        who=who,
        base=pending.base,
        expected_digest=pending.digest,
        max_file_bytes=config.knowledge.max_file_bytes,
    )
    if not report.problems:
        service_of(context).reload()
        refresh_keys(context)
    return report


def keep_reloaded_version(context: Context, user_id: int, counts: tuple[int, int, int]) -> None:
    """After a /reload: when files were edited (entries, or synonyms, sources, articles alone),
    keep what answered before as a version; the version store compares the directories.

    Run in a thread, beside answers as a build is (see bot.background): hashing 100k entries'
    files (and copying them when they changed) shares the interpreter with the event loop, which
    at the default 5 ms switch interval waits that long at each step of an answer."""
    with building_beside_answers():
        versions_of(context).keep_live(
            config_of(context).knowledge.dir, counts, _who(context, user_id)
        )
