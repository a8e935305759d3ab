"""Offline Telegram for the tests: a request class that answers like the Bot API, records every
call, serves files and can be told to fail, and a harness feeding an application real updates
(built by testing.updates); tests/conftest.py starts harnesses as fixtures."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any, Literal

from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from testing.faults import Drop, Faults, Reply
from testing.offline import OfflineBotAPI
from testing.updates import callback_query, text_message, to_update

_file_ids = itertools.count(1)


class FakeBotAPI(OfflineBotAPI):
    """The offline Bot API, plus the failures scripted in ``faults`` (a dropped connection raises
    NetworkError and a timeout TimedOut, as PTB's own request does); ``files`` are served by
    getFile and their download, ``uploads`` keeps what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: list[dict[str, Any]] = []  # multipart parts of each sendDocument
        self.faults: Faults[Reply | Drop | Literal["timeout"]] = Faults()
        self.delay: dict[str, float] = {}  # seconds a method takes, like a slow network
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
        fault = self.faults.next(name)
        if fault == "drop":
            raise NetworkError("Server disconnected without sending a response.")
        if fault == "timeout":
            raise TimedOut()
        if fault is not None:
            status, body = fault
            return status, json.dumps(body).encode()
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

    def serve(self, data: bytes) -> str:
        """A new file id whose content, for getFile and the download, is ``data``."""
        file_id = f"file{next(_file_ids)}"
        self.files[file_id] = data
        return file_id

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every call of ``method``, in order."""
        return [params for name, params in self.calls if name == method]

    def texts(self) -> list[str]:
        """Text of every message sent or edited."""
        return [p["text"] for n, p in self.calls if n in ("sendMessage", "editMessageText")]


class Harness:
    """An initialised application over a knowledge directory and a fake Bot API."""

    def __init__(self, application: Any, api: FakeBotAPI, kb: Path) -> None:
        self.app = application
        self.api = api
        self.kb = kb

    async def send(self, text: str | None = None, **kwargs: Any) -> FakeBotAPI:
        """Process a message (``kwargs`` as for testing.updates.text_message); the fake API."""
        await self.app.process_update(to_update(self.app.bot, text_message(text, **kwargs)))
        return self.api

    async def tap(self, data: str, **kwargs: Any) -> FakeBotAPI:
        """Process a tap on an inline button carrying ``data``; the fake API."""
        await self.app.process_update(to_update(self.app.bot, callback_query(data, **kwargs)))
        return self.api

    def buttons(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        """The (label, callback data) of every inline button of a sent message's ``params``."""
        markup = params["reply_markup"]
        markup = json.loads(markup) if isinstance(markup, str) else markup
        if hasattr(markup, "to_dict"):
            markup = markup.to_dict()
        return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]
