"""What residents do: /start, /help, typed questions, buttons, and anything else they send."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot, CallbackQuery, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError

from bot import messages, smalltalk
from bot.answers import Answer, AnswerItem
from bot.conversation import answer_in_context, next_turn
from bot.service import KnowledgeService
from bot.storage import SMALL_TALK, QueryRecord
from handlers import callbacks, render
from handlers.admin import reload_decision
from handlers.callbacks import ButtonKind
from handlers.common import (
    config_of,
    conversations_of,
    edit_keyboard_under_button,
    edit_under_button,
    keys_of,
    service_of,
    store_of,
)
from handlers.knowledge import change_decision
from handlers.state import Context

logger = logging.getLogger(__name__)
# A tap on a button of one kind, its data decoded; and what PTB calls with an update.
Pressed = Callable[[Update, Context, CallbackQuery, callbacks.Action], Awaitable[None]]
HandlerCallback = Callable[[Update, Context], Coroutine[Any, Any, None]]


async def start_command(update: Update, context: Context) -> None:
    """Greet the resident, say what the bot answers, offer the categories and examples."""
    if update.effective_message is None:
        return
    examples = "\n".join(f"· {html.escape(example)}" for example in messages.START_EXAMPLES)
    await update.effective_message.reply_html(
        messages.START.format(examples=examples),
        reply_markup=render.categories_keyboard(service_of(context).categories()),
    )


async def help_command(update: Update, context: Context) -> None:
    """Explain how to ask and list the commands."""
    if update.effective_message is None:
        return
    await update.effective_message.reply_html(html.escape(messages.HELP))


async def question_message(update: Update, context: Context) -> None:
    """Answer a typed question (in groups only when the bot is mentioned or replied to)."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    question = addressed_text(message, context.bot)
    if question is None:
        return
    talk = smalltalk.classify(question)
    if talk is not None:
        await _small_talk(message, context, update.effective_user.id, question, talk)
        return
    async with _typing_if_slow(context, message.chat_id):
        store = store_of(context)
        user_id = update.effective_user.id
        region = store.region_of(user_id) if store else None
        started = time.perf_counter()
        # Matching costs a millisecond or two at any knowledge size: no thread hop needed.
        memory, key = conversations_of(context), (message.chat_id, user_id)
        previous = memory.get(key)
        answer = answer_in_context(service_of(context), question, previous, region=region)
        turn = next_turn(answer, previous)
        if turn is None:
            memory.forget(key)
        else:
            memory.remember(key, turn)
        latency_ms = (time.perf_counter() - started) * 1000
        query_id = None
        if store is not None:
            best = answer.answers[0] if answer.answered else None
            query_id = store.record_query(
                QueryRecord(
                    user_id=user_id,
                    chat_type=message.chat.type,
                    question=question,
                    answered=answer.answered,
                    top_entry=best.id if best else None,
                    top_category=best.category if best else None,
                    score=best.score if best else None,
                    latency_ms=latency_ms,
                )
            )
        await send_answer(message, answer, context, query_id)


async def _small_talk(
    message: Message,
    context: Context,
    user_id: int,
    question: str,
    talk: smalltalk.SmallTalk,
) -> None:
    """A short friendly reply, stored as small talk so it never counts as unanswered."""
    store = store_of(context)
    if store is not None:
        store.record_query(
            QueryRecord(
                user_id=user_id,
                chat_type=message.chat.type,
                question=question,
                answered=False,
                top_entry=None,
                top_category=None,
                score=None,
                latency_ms=0.0,
                kind=SMALL_TALK,
            )
        )
    await message.reply_text(messages.SMALL_TALK[talk])


async def region_command(update: Update, context: Context) -> None:
    """Let a resident choose the city, county or district they live in; in a group the prompt
    replies to the command and takes only the sender's tap."""
    message = update.effective_message
    if message is None:
        return
    group = message.chat.type != ChatType.PRIVATE
    owner = update.effective_user.id if group and update.effective_user else None
    await message.reply_text(
        messages.REGION_PROMPT,
        reply_markup=render.regions_keyboard(keys_of(context).region_groups, owner),
        do_quote=group,
    )


async def forget_command(update: Update, context: Context) -> None:
    """Delete everything stored about the person who asks, and say so."""
    if update.effective_message is None or update.effective_user is None:
        return
    store = store_of(context)
    conversations_of(context).forget((update.effective_message.chat_id, update.effective_user.id))
    deleted = store.forget(update.effective_user.id) if store else 0
    text = messages.FORGET_FAILED if deleted < 0 else messages.FORGET_DONE.format(count=deleted)
    await update.effective_message.reply_text(text)


async def other_message(update: Update, context: Context) -> None:
    """Stickers, photos, voice, locations…: ask politely for typed text."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type == ChatType.PRIVATE or _replies_to_bot(message, context.bot):
        await message.reply_text(messages.NON_TEXT)


def _button(kind: ButtonKind) -> Callable[[Pressed], HandlerCallback]:
    """The handler of taps on buttons of ``kind``: their data decoded for the decorated
    function, or (malformed, forged, another kind) answered that the button has expired."""

    def decorate(pressed: Pressed) -> HandlerCallback:
        @functools.wraps(pressed)
        async def handler(update: Update, context: Context) -> None:
            query = update.callback_query
            if query is None:
                return
            action = callbacks.parse(query.data)
            if action is None or action.kind is not kind:
                await query.answer(messages.BUTTON_EXPIRED)
                return
            await pressed(update, context, query, action)

        return handler

    return decorate


async def button_expired(update: Update, context: Context) -> None:
    """A tap whose data no button's prefix matches (or no data): the button has expired."""
    if update.callback_query is not None:
        await update.callback_query.answer(messages.BUTTON_EXPIRED)


@_button(ButtonKind.REGION)
async def region_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """Store the region a resident chose (or no region), in place of the prompt's buttons."""
    if action.owner is not None and action.owner != query.from_user.id:
        await query.answer(messages.NOT_YOUR_PROMPT)  # a group member's tap on another's prompt
        return
    keys = action.keys
    region = keys_of(context).regions.get(keys[0]) if keys else None
    if keys and region is None:
        await query.answer(messages.BUTTON_EXPIRED)
        return
    store = store_of(context)
    if store is not None:
        store.set_region(query.from_user.id, region)
    await query.answer()
    text = (
        messages.REGION_SET.format(region=html.escape(region))
        if region
        else messages.REGION_CLEARED
    )
    await edit_under_button(query, text)


@_button(ButtonKind.RELOAD)
async def reload_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """An admin's 确认更新 or 取消 under a held reload."""
    await reload_decision(update, context, action.keys[0], action.confirm)


@_button(ButtonKind.CHANGE)
async def change_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """An admin's 确认 or 取消 under an uploaded change or a rollback."""
    await change_decision(update, context, action.keys[0], action.confirm)


@_button(ButtonKind.THANKS)
async def thanks_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """The thank-you in place of the vote buttons: thanks again."""
    await query.answer(messages.FEEDBACK_THANKS)


@_button(ButtonKind.MENU)
async def menu_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """The categories in place of the buttons (with a 返回 to the question they came from)."""
    origin = None if action.origin is None else _ids(keys_of(context), action.origin)
    markup = render.categories_keyboard(service_of(context).categories(), origin)
    await query.answer()
    await edit_keyboard_under_button(query, markup)


@_button(ButtonKind.MISS)
async def miss_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """Back to the buttons of an unanswered question: its suggestions and the categories."""
    origin = [] if action.origin is None else _ids(keys_of(context), action.origin)
    markup = render.miss_keyboard(_titled(service_of(context), origin))
    await query.answer()
    await edit_keyboard_under_button(query, markup)


@_button(ButtonKind.CATEGORY)
async def category_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """A category of the /start menu: its first page in place of the menu."""
    await _show_listing(context, query, action)


@_button(ButtonKind.PAGE)
async def page_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """A page of a category listing in place of the buttons."""
    await _show_listing(context, query, action)


async def _show_listing(context: Context, query: CallbackQuery, action: callbacks.Action) -> None:
    keys = keys_of(context)
    category = keys.categories.get(action.keys[0])
    if category is None:
        await query.answer(messages.BUTTON_EXPIRED)
        return
    origin = None if action.origin is None else _ids(keys, action.origin)
    markup = render.category_page(category, keys.titles_by_category[category], action.page, origin)
    await query.answer()
    await edit_keyboard_under_button(query, markup)


@_button(ButtonKind.MORE)
async def more_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """The further answers under an answer, in place of its buttons."""
    service = service_of(context)
    if not action.keys:
        # A button of an older version: the titles, without an answer to return to.
        titled = _titled(service, _ids(keys_of(context), action.more))
        await query.answer()
        await edit_keyboard_under_button(query, render.entries_keyboard(titled))
        return
    answer = await _answer_of(context, query, action)
    if answer is None:
        return
    entry_id, more = answer
    await query.answer()
    markup = render.more_keyboard(entry_id, _titled(service, more), action.query_id)
    await edit_keyboard_under_button(query, markup)


@_button(ButtonKind.ANSWER)
async def answer_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """Back to the buttons of an answer."""
    answer = await _answer_of(context, query, action)
    if answer is None:
        return
    entry_id, more = answer
    await query.answer()
    await edit_keyboard_under_button(query, render.answer_keyboard(entry_id, more, action.query_id))


@_button(ButtonKind.ENTRY)
async def entry_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """Send one entry as a new answer."""
    answer = await _answer_of(context, query, action)
    if answer is None:
        return
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    item = service_of(context).entry_answer(answer[0])
    if item is not None:
        await _send_item(context.bot, chat_id, item, [])


@_button(ButtonKind.SOURCE)
async def source_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """The full source (publisher, title, date) of an answer, as an alert."""
    answer = await _answer_of(context, query, action)
    if answer is None:
        return
    item = service_of(context).entry_answer(answer[0])
    text = render.source_details(item) if item else messages.BUTTON_EXPIRED
    await query.answer(text, show_alert=True)


@_button(ButtonKind.FEEDBACK)
async def feedback_pressed(
    update: Update, context: Context, query: CallbackQuery, action: callbacks.Action
) -> None:
    """Store one vote per person and answer (a second press changes it) and put a thank-you
    in place of the vote buttons; after a 👎, the next related answers and the categories."""
    answer = await _answer_of(context, query, action)
    if answer is None:
        return
    entry_id, more = answer
    store = store_of(context)
    stored = store is None or store.record_feedback(
        query.from_user.id, entry_id, action.helpful, action.query_id
    )
    if not stored:
        # Someone else's answer (in a group), or no stored question: thanks, nothing changes.
        await query.answer(messages.FEEDBACK_THANKS)
        return
    if action.helpful:
        await query.answer(messages.FEEDBACK_THANKS)
        markup = render.answer_keyboard(entry_id, more, action.query_id, vote=True)
    else:
        await query.answer(messages.FEEDBACK_UNHELPFUL)
        titled = _titled(service_of(context), more)
        markup = render.unhelpful_keyboard(entry_id, titled, action.query_id)
    await edit_keyboard_under_button(query, markup)


async def _answer_of(
    context: Context, query: CallbackQuery, action: callbacks.Action
) -> tuple[str, list[str]] | None:
    """The entry id a button refers to and the ids of its further answers that still exist;
    None (the tap answered that the button has expired) when the entry is gone."""
    keys = keys_of(context)
    entry_ids = _ids(keys, action.keys)
    if not entry_ids:
        await query.answer(messages.BUTTON_EXPIRED)
        return None
    return entry_ids[0], _ids(keys, action.more)


def _ids(keys: callbacks.KeyDirectory, short: tuple[str, ...]) -> list[str]:
    """The entry ids behind button keys that still exist."""
    return [keys.entries[k] for k in short if k in keys.entries]


def _titled(service: KnowledgeService, entry_ids: list[str]) -> list[tuple[str, str]]:
    return [(i, item.title) for i in entry_ids if (item := service.entry_answer(i))]


async def send_answer(
    message: Message,
    answer: Answer,
    context: Context,
    query_id: int | None = None,
) -> None:
    """The best answer with its buttons, or suggestions, or the honest fallback; in groups as
    a reply to the question. A follow-up's lead line (what it could not do) comes first."""
    quote = message.chat.type != ChatType.PRIVATE
    if answer.lead:
        await message.reply_text(html.escape("\n".join(answer.lead)), do_quote=quote)
    if answer.followup == "more" and not answer.answered and answer.topic:
        text = messages.NO_MORE.format(title=answer.topic)
        await message.reply_html(
            html.escape(text), reply_markup=render.miss_keyboard([]), do_quote=quote
        )
        return
    if answer.answered:
        best, *more = answer.answers
        reply_to = message.message_id if quote else None
        await _send_item(
            context.bot, message.chat_id, best, more, query_id, answer.missing_detail, reply_to
        )
        return
    if answer.suggestion_ids:
        titled = list(zip(answer.suggestion_ids, answer.suggestions, strict=True))
        text = messages.LOW_CONFIDENCE
        if answer.missing_detail:
            text = messages.MISSING_DETAIL.format(
                detail=answer.missing_detail, title=answer.suggestions[0]
            )
            if answer.next_step:
                text += f"\n{messages.NEXT_STEP_LABEL}：{answer.next_step}"
        await message.reply_html(
            html.escape(text), reply_markup=render.miss_keyboard(titled), do_quote=quote
        )
        return
    await message.reply_html(
        html.escape(config_of(context).messages.no_answer),
        reply_markup=render.miss_keyboard([]),
        do_quote=quote,
    )


async def _send_item(
    bot: Bot,
    chat_id: int,
    item: AnswerItem,
    more: list[AnswerItem],
    query_id: int | None = None,
    missing_detail: str | None = None,
    reply_to: int | None = None,
) -> None:
    text = render.answer_html(item)
    if missing_detail:
        text += "\n\n" + html.escape(messages.PART_MISSING_DETAIL.format(detail=missing_detail))
    chunks = render.split_message(text)
    # In a group, the (first) message of an answer replies to the question it answers.
    replying = (
        None if reply_to is None else ReplyParameters(reply_to, allow_sending_without_reply=True)
    )
    for chunk in chunks[:-1]:
        await bot.send_message(chat_id, chunk, reply_parameters=replying)
        replying = None
    await bot.send_message(
        chat_id,
        chunks[-1],
        reply_markup=render.answer_keyboard(item.id, [m.id for m in more], query_id),
        reply_parameters=replying,
    )


@contextlib.asynccontextmanager
async def _typing_if_slow(context: Context, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" if answering (matching, storing, sending) takes longer than configured."""
    delay = config_of(context).telegram.typing_after_seconds
    # A timer, not a task: most answers are sent long before it, and cancelling a timer is
    # cheaper than starting and cancelling a task for every message.
    typing: list[asyncio.Task[None]] = []
    timer = asyncio.get_running_loop().call_later(
        delay, lambda: typing.append(asyncio.ensure_future(_send_typing(context.bot, chat_id)))
    )
    try:
        yield
    finally:
        timer.cancel()
        for task in typing:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _send_typing(bot: Bot, chat_id: int) -> None:
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
