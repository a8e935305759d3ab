"""What residents do: /start, /help, typed questions, buttons, and anything else they send."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging

from telegram import Bot, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import messages
from bot.answers import Answer, AnswerItem
from handlers import callbacks, render
from handlers.common import config_of, keys_of, service_of

logger = logging.getLogger(__name__)


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the resident, say what the bot answers, offer the categories and examples."""
    examples = "\n".join(f"· {html.escape(example)}" for example in messages.START_EXAMPLES)
    await update.effective_message.reply_html(
        messages.START.format(examples=examples),
        reply_markup=render.categories_keyboard(service_of(context).categories()),
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask and list the commands."""
    await update.effective_message.reply_html(html.escape(messages.HELP))


async def question_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a typed question (in groups only when the bot is mentioned or replied to)."""
    message = update.effective_message
    question = addressed_text(message, context.bot)
    if question is None:
        return
    answer = await _ask_with_typing(context, message.chat_id, question)
    await send_answer(message, answer, context)


async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, locations…: ask politely for typed text."""
    message = update.effective_message
    if message.chat.type == ChatType.PRIVATE or _replies_to_bot(message, context.bot):
        await message.reply_text(messages.NON_TEXT)


async def button_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on an inline button: category, page, entry, more answers or feedback."""
    query = update.callback_query
    action = callbacks.parse(query.data)
    keys = keys_of(context)
    if action is None:
        await query.answer(messages.BUTTON_EXPIRED)
        return
    if action.kind in ("category", "page"):
        category = keys.categories.get(action.keys[0])
        if category is None:
            await query.answer(messages.BUTTON_EXPIRED)
            return
        text, markup = render.category_page(
            category, keys.titles_by_category[category], action.page
        )
        await query.answer()
        if action.kind == "page" and query.message is not None:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        else:
            await context.bot.send_message(
                query.from_user.id if query.message is None else query.message.chat.id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        return
    entry_ids = [keys.entries[k] for k in action.keys if k in keys.entries]
    if not entry_ids:
        await query.answer(messages.BUTTON_EXPIRED)
        return
    if action.kind == "feedback":
        logger.info(
            "feedback %s for %s", "helpful" if action.helpful else "unhelpful", entry_ids[0]
        )
        await query.answer(messages.FEEDBACK_THANKS)
        return
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    service = service_of(context)
    if action.kind == "more":
        titled = [(i, item.title) for i in entry_ids if (item := service.entry_answer(i))]
        await context.bot.send_message(
            chat_id, messages.MORE_ANSWERS, reply_markup=render.entries_keyboard(titled)
        )
        return
    item = service.entry_answer(entry_ids[0])
    if item is not None:
        await _send_item(context.bot, chat_id, item, [])


async def send_answer(message: Message, answer: Answer, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The best answer with its buttons, or suggestions, or the honest fallback."""
    categories = render.categories_keyboard(service_of(context).categories())
    if answer.answered:
        best, *more = answer.answers
        await _send_item(context.bot, message.chat_id, best, more)
        return
    if answer.suggestion_ids:
        titled = list(zip(answer.suggestion_ids, answer.suggestions, strict=True))
        await message.reply_html(
            html.escape(messages.LOW_CONFIDENCE),
            reply_markup=render.entries_keyboard(titled, categories.inline_keyboard),
        )
        return
    await message.reply_html(
        html.escape(config_of(context).messages.no_answer), reply_markup=categories
    )


async def _send_item(bot: Bot, chat_id: int, item: AnswerItem, more: list[AnswerItem]) -> None:
    chunks = render.split_message(render.answer_html(item))
    for chunk in chunks[:-1]:
        await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
    await bot.send_message(
        chat_id,
        chunks[-1],
        parse_mode=ParseMode.HTML,
        reply_markup=render.answer_keyboard(item, more),
    )


async def _ask_with_typing(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, question: str
) -> Answer:
    """Match off the event loop; show "typing…" only if it takes a while."""
    delay = config_of(context).telegram.typing_after_seconds
    typing = asyncio.create_task(_typing_later(context.bot, chat_id, delay))
    try:
        return await asyncio.to_thread(service_of(context).ask, question)
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing


async def _typing_later(bot: Bot, chat_id: int, delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:
        logger.warning("could not send the typing action: %s", exc)


def addressed_text(message: Message, bot: Bot) -> str | None:
    """The question in ``message``, or None for group chatter not addressed to the bot."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE or _replies_to_bot(message, bot):
        return text
    mention = f"@{bot.username}".lower() if bot.username else None
    if mention and mention in text.lower():
        start = text.lower().index(mention)
        return (text[:start] + " " + text[start + len(mention) :]).strip()
    return None


def _replies_to_bot(message: Message, bot: Bot) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot.id)
