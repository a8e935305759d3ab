"""Offline Telegram: a request class that answers like the Bot API and records every call,
and factories for real ``Update`` objects (in the spirit of PTB's own tests/auxil)."""

from __future__ import annotations

import itertools
import json
from typing import Any

from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 999, "is_bot": True, "first_name": "民生助手", "username": "minsheng_bot"}
_update_ids = itertools.count(1)
_message_ids = itertools.count(1000)


class FakeBotAPI(BaseRequest):
    """Answers every Bot API method offline; ``fail`` maps a method to an error response."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, tuple[int, dict[str, Any]]] = {}
        # Fail the next N calls of a method with this response, then answer normally.
        self.fail_times: dict[str, tuple[int, int, dict[str, Any]]] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.calls.append((name, params))
        if name in self.fail:
            status, body = self.fail[name]
            return status, json.dumps(body).encode()
        if self.fail_times.get(name, (0,))[0] > 0:
            times, status, body = self.fail_times[name]
            self.fail_times[name] = (times - 1, status, body)
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "editMessageText"):
            return {
                "message_id": next(_message_ids),
                "date": 0,
                "chat": {"id": int(params.get("chat_id", 1)), "type": "private"},
                "text": params.get("text", ""),
                "from": BOT_USER,
            }
        if name == "getUpdates":
            return []
        return True

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every call of ``method``, in order."""
        return [params for name, params in self.calls if name == method]

    def texts(self) -> list[str]:
        """Text of every message sent or edited."""
        return [p["text"] for n, p in self.calls if n in ("sendMessage", "editMessageText")]


def user(user_id: int = 1) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "居民"}


def message_update(
    bot: Bot,
    text: str | None = None,
    *,
    user_id: int = 1,
    chat_type: str = "private",
    chat_id: int | None = None,
    reply_to_bot: bool = False,
    extra: dict[str, Any] | None = None,
) -> Update:
    """A message update; commands get their bot_command entity like real ones."""
    chat = {"id": chat_id if chat_id is not None else user_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "村民群"
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": 0,
        "chat": chat,
        "from": user(user_id),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    if reply_to_bot:
        message["reply_to_message"] = {
            "message_id": 1,
            "date": 0,
            "chat": chat,
            "from": BOT_USER,
            "text": "上一条回答",
        }
    message.update(extra or {})
    return Update.de_json({"update_id": next(_update_ids), "message": message}, bot)


def callback_update(bot: Bot, data: str, *, user_id: int = 1) -> Update:
    """A tap on an inline button of a message the bot sent earlier."""
    return Update.de_json(
        {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": str(next(_update_ids)),
                "from": user(user_id),
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": next(_message_ids),
                    "date": 0,
                    "chat": {"id": user_id, "type": "private"},
                    "from": BOT_USER,
                    "text": "按钮",
                },
            },
        },
        bot,
    )
