"""A Bot API that never leaves the process: answers every method like Telegram would.

Used by ``bot bench`` to push updates through the real application, and by the tests; the
product never imports it.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 999, "is_bot": True, "first_name": "民生助手", "username": "minsheng_bot"}


class OfflineBotAPI(BaseRequest):
    """Records every call (method name and parameters) and returns a plausible result."""

    def __init__(self, *, record: bool = True) -> None:
        self.record = record
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._message_ids = itertools.count(1000)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float:
        """Nothing ever waits."""
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
        """Answer one Bot API call."""
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if self.record:
            self.calls.append((name, params))
        return await self.respond(name, params)

    async def respond(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """HTTP status and body for one call (a test double overrides this to inject faults)."""
        return 200, json.dumps({"ok": True, "result": self.result(name, params)}).encode()

    def result(self, name: str, params: dict[str, Any]) -> Any:
        """What Telegram would return for ``name``."""
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "editMessageText"):
            return {
                "message_id": next(self._message_ids),
                "date": 0,
                "chat": {"id": int(params.get("chat_id", 1)), "type": "private"},
                "text": params.get("text", ""),
                "from": BOT_USER,
            }
        if name == "getUpdates":
            return []
        if name == "sendDocument":
            return {
                "message_id": next(self._message_ids),
                "date": 0,
                "chat": {"id": int(params.get("chat_id", 1)), "type": "private"},
                "from": BOT_USER,
                "document": {"file_id": "sent", "file_unique_id": "sent"},
            }
        return True
