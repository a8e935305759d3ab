"""Telegram updates as the Bot API sends them, for the tests and ``bot bench``.

Each builder returns the update's JSON object (what getUpdates returns and a webhook receives);
``to_update`` turns one into the ``Update`` that ``Application.process_update`` takes. Update,
message and callback query ids count up unless an update id is given (the Bot API stub in
the tests confirms updates by their id, so its tests number them).
"""

from __future__ import annotations

import itertools
from typing import Any

from telegram import Bot, Update

from testing.offline import BOT_USER

_update_ids = itertools.count(1)
_message_ids = itertools.count(1000)
_query_ids = itertools.count(1)


def to_update(bot: Bot, data: dict[str, Any]) -> Update:
    """The ``Update`` that ``bot``'s application receives for the JSON object ``data``."""
    return Update.de_json(data, bot)


def text_message(
    text: str | None,
    *,
    update_id: int | None = None,
    user_id: int = 1,
    first_name: str = "居民",
    username: str | None = None,
    chat_type: str = "private",
    chat_id: int | None = None,
    reply_to_bot: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message from a resident: a command (``/help``) gets its bot_command entity like a real
    one; ``extra`` adds fields (a sticker, a document), ``text=None`` leaves the text out."""
    chat: dict[str, Any] = {"id": user_id if chat_id is None else chat_id, "type": chat_type}
    sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username is not None:
        chat["username"] = sender["username"] = username
    if chat_type != "private":
        chat["title"] = "村民群"
    message = _message(chat, sender)
    if text is not None:
        message["text"] = text
        message.update(_command_entities(text))
    if reply_to_bot:
        message["reply_to_message"] = {
            "message_id": 1,
            "date": 0,
            "chat": chat,
            "from": BOT_USER,
            "text": "上一条回答",
        }
    message.update(extra or {})
    return _update(update_id, "message", message)


def document_message(
    file_id: str,
    file_name: str,
    *,
    file_size: int | None = None,
    caption: str | None = None,
    update_id: int | None = None,
    user_id: int = 1,
) -> dict[str, Any]:
    """A document sent to the bot in a private chat; the Bot API double serves ``file_id``."""
    document: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": file_name,
    }
    if file_size is not None:
        document["file_size"] = file_size
    extra: dict[str, Any] = {"document": document}
    if caption is not None:
        extra["caption"] = caption
    return text_message(None, update_id=update_id, user_id=user_id, extra=extra)


def callback_query(data: str, *, update_id: int | None = None, user_id: int = 1) -> dict[str, Any]:
    """A tap on an inline button of a message the bot sent earlier in a private chat."""
    sender = {"id": user_id, "is_bot": False, "first_name": "居民"}
    query = {
        "id": str(next(_query_ids)),
        "from": sender,
        "chat_instance": "1",
        "data": data,
        "message": {**_message({"id": user_id, "type": "private"}, BOT_USER), "text": "按钮"},
    }
    return _update(update_id, "callback_query", query)


def channel_post(text: str, *, update_id: int | None = None) -> dict[str, Any]:
    """A post in a channel the bot is a member of (a channel post has no sender)."""
    post = {
        "message_id": next(_message_ids),
        "date": 0,
        "chat": {"id": -1001, "type": "channel", "title": "民生频道"},
        "text": text,
        **_command_entities(text),
    }
    return _update(update_id, "channel_post", post)


def _message(chat: dict[str, Any], sender: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": next(_message_ids), "date": 0, "chat": chat, "from": sender}


def _command_entities(text: str) -> dict[str, Any]:
    if not text.startswith("/"):
        return {}
    return {"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}


def _update(update_id: int | None, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": next(_update_ids) if update_id is None else update_id, kind: content}
