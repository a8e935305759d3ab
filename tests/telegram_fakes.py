"""Offline Telegram: a request class that answers like the Bot API and records every call,
and factories for real ``Update`` objects (in the spirit of PTB's own tests/auxil)."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from telegram import Bot, Update
from telegram.request import RequestData

from testing.offline import BOT_USER, OfflineBotAPI

_update_ids = itertools.count(1)
_message_ids = itertools.count(1000)


class FakeBotAPI(OfflineBotAPI):
    """The offline Bot API, plus injected failures: ``fail`` always, ``fail_times`` N times;
    ``files`` are served by getFile and their download, ``uploads`` keeps what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: list[dict[str, Any]] = []  # multipart parts of each sendDocument
        self.fail: dict[str, tuple[int, dict[str, Any]]] = {}
        self.fail_times: dict[str, tuple[int, int, dict[str, Any]]] = {}
        self.delay: dict[str, float] = {}  # seconds a method takes, like a slow network
        self.raise_times: dict[str, tuple[int, Exception]] = {}  # network failures to raise
        self.files: dict[str, bytes] = {}  # file id → content, for getFile and the download

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
        if method == "GET":  # a file download: .../file/bot<token>/documents/<file_id>
            self.calls.append(("download", {"url": url}))
            return 200, self.files[url.rsplit("/", 1)[-1]]
        if request_data is not None and request_data.multipart_data:
            self.uploads.append(request_data.multipart_data)
        return await super().do_request(url, method, request_data)

    async def respond(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        if name in self.delay:
            await asyncio.sleep(self.delay[name])
        if self.raise_times.get(name, (0,))[0] > 0:
            times, error = self.raise_times[name]
            self.raise_times[name] = (times - 1, error)
            raise error
        failure = self.fail.get(name)
        if failure is None and self.fail_times.get(name, (0,))[0] > 0:
            times, status, body = self.fail_times[name]
            self.fail_times[name] = (times - 1, status, body)
            failure = (status, body)
        if failure is not None:
            return failure[0], json.dumps(failure[1]).encode()
        if name == "getFile":
            file_id = str(params["file_id"])
            if file_id not in self.files:
                body = {"ok": False, "error_code": 400, "description": "Bad Request: wrong file_id"}
                return 400, json.dumps(body).encode()
            result = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}",
            }
            return 200, json.dumps({"ok": True, "result": result}).encode()
        return await super().respond(name, params)

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


def document_update(
    bot: Bot,
    api: FakeBotAPI,
    file_name: str,
    data: bytes,
    caption: str | None = None,
    *,
    user_id: int = 1,
    file_size: int | None = None,
) -> Update:
    """A document sent to the bot (its content served by ``api``'s getFile and download)."""
    file_id = f"file{next(_message_ids)}"
    api.files[file_id] = data
    document = {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": file_name,
        "file_size": len(data) if file_size is None else file_size,
    }
    extra: dict[str, Any] = {"document": document}
    if caption is not None:
        extra["caption"] = caption
    return message_update(bot, user_id=user_id, extra=extra)


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
