"""What every handler needs: the core service and the button key directory from bot_data."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.config import Config
from bot.conversation import ConversationMemory
from bot.service import KnowledgeService
from bot.storage import Store
from handlers.callbacks import KeyDirectory
from handlers.state import Context


def service_of(context: Context) -> KnowledgeService:
    """The long-lived knowledge service, created at start-up."""
    service = context.bot_data.service
    assert service is not None, "build_application sets the service"
    return service


def config_of(context: Context) -> Config:
    """The configuration the bot was started with."""
    config = context.bot_data.config
    assert config is not None, "build_application sets the config"
    return config


def store_of(context: Context) -> Store | None:
    """The database, when the bot runs with one."""
    return context.bot_data.store


def conversations_of(context: Context) -> ConversationMemory:
    """The follow-up state of every chat (per member in groups), made on first use."""
    memory = context.bot_data.conversations
    if memory is None:
        minutes = config_of(context).conversation.timeout_minutes
        memory = ConversationMemory(minutes * 60)
        context.bot_data.conversations = memory
    return memory


def keys_of(context: Context) -> KeyDirectory:
    """Button keys of the knowledge version currently answering (rebuilt after a reload)."""
    knowledge = service_of(context).knowledge
    keys = context.bot_data.keys
    if keys is None or keys.knowledge is not knowledge:
        keys = KeyDirectory(knowledge)
        context.bot_data.keys = keys
    return keys


def refresh_keys(context: Context) -> None:
    """Build the keys of the current version now (e.g. in the reload's thread)."""
    context.bot_data.keys = KeyDirectory(service_of(context).knowledge)


def is_admin(user_id: int | None, context: Context) -> bool:
    """Admins come only from config or BOT_ADMIN_IDS."""
    return user_id is not None and user_id in config_of(context).telegram.admins


async def edit_under_button(
    query: CallbackQuery,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the message under a tapped button with ``text`` (HTML); a second tap that would
    change nothing (Telegram's 400 "message is not modified") is no error."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():
            raise


async def edit_keyboard_under_button(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    """Replace the buttons of the tapped message, keeping its text (a listing in place, with
    返回); a tap that would change nothing is no error. A message too old to reach is left."""
    if query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():
            raise
