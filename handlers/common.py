"""What every handler needs: the core service and the button key directory from bot_data."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.config import Config
from bot.conversation import ConversationMemory
from bot.service import KnowledgeService
from bot.storage import Store
from handlers.callbacks import KeyDirectory

SERVICE = "service"
CONFIG = "config"
KEYS = "keys"
STORE = "store"
CONVERSATIONS = "conversations"


def service_of(context: ContextTypes.DEFAULT_TYPE) -> KnowledgeService:
    """The long-lived knowledge service, created at start-up."""
    service: KnowledgeService = context.bot_data[SERVICE]
    return service


def config_of(context: ContextTypes.DEFAULT_TYPE) -> Config:
    """The configuration the bot was started with."""
    config: Config = context.bot_data[CONFIG]
    return config


def store_of(context: ContextTypes.DEFAULT_TYPE) -> Store | None:
    """The database, when the bot runs with one."""
    store: Store | None = context.bot_data.get(STORE)
    return store


def conversations_of(context: ContextTypes.DEFAULT_TYPE) -> ConversationMemory:
    """The follow-up state of every chat (per member in groups), made on first use."""
    memory: ConversationMemory | None = context.bot_data.get(CONVERSATIONS)
    if memory is None:
        minutes = config_of(context).conversation.timeout_minutes
        memory = ConversationMemory(minutes * 60)
        context.bot_data[CONVERSATIONS] = memory
    return memory


def keys_of(context: ContextTypes.DEFAULT_TYPE) -> KeyDirectory:
    """Button keys of the knowledge version currently answering (rebuilt after a reload)."""
    knowledge = service_of(context).knowledge
    keys: KeyDirectory | None = context.bot_data.get(KEYS)
    if keys is None or keys.knowledge is not knowledge:
        keys = KeyDirectory(knowledge)
        context.bot_data[KEYS] = keys
    return keys


def refresh_keys(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Build the keys of the current version now (e.g. in the reload's thread)."""
    context.bot_data[KEYS] = KeyDirectory(service_of(context).knowledge)


def is_admin(user_id: int | None, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Admins come only from config or BOT_ADMIN_IDS."""
    return user_id is not None and user_id in config_of(context).telegram.admins


async def edit_under_button(
    query: CallbackQuery,
    text: str,
    *,
    parse_mode: str | None = None,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the message under a tapped button with ``text``; a second tap that would change
    nothing (Telegram's 400 "message is not modified") is no error."""
    try:
        await query.edit_message_text(text, parse_mode=parse_mode, reply_markup=reply_markup)
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
