"""A small Bot API server on 127.0.0.1 for end-to-end tests of the real bot process.

It answers getMe, getUpdates (from a queue), sendMessage, editMessageText, answerCallbackQuery,
setMyCommands, deleteWebhook and sendChatAction, records every call, and can inject faults:
dropped connections, 429 with retry_after, 400.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from handlers.offline import BOT_USER


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # like a real server: a burst of connections is not reset
    daemon_threads = True


class BotAPIStub:
    """Run with ``start()``; ``base_url`` is what ``python -m bot run --base-url`` takes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.faults: dict[str, list[Any]] = {}
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> BotAPIStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def push(self, update: dict[str, Any]) -> None:
        with self.lock:
            self.updates.append(update)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self.lock:
            return [params for name, params in self.calls if name == method]

    def wait_for(self, method: str, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(method)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"only {len(self.sent(method))} {method} calls after {timeout}s")

    def inject(self, method: str, *faults: Any) -> None:
        """Answer the next calls of ``method`` with these faults, in order: ``"drop"`` (close
        the connection without a response) or ``(status, body)``."""
        with self.lock:
            self.faults.setdefault(method, []).extend(faults)

    def next_fault(self, method: str, params: dict[str, Any]) -> Any:
        with self.lock:
            queue = self.faults.get(method)
            if not queue:
                return None
            self.calls.append((f"{method}!fault", params))
            return queue.pop(0)

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        with self.lock:
            self.calls.append((method, params))
            if method == "getUpdates":
                offset = int(params.get("offset") or 0)
                pending = [u for u in self.updates if u["update_id"] >= offset]
                return pending
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            return {
                "message_id": len(self.calls),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 1)), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    params = json.loads(body or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(body).items()}
                method = self.path.rsplit("/", 1)[-1]
                if method == "getUpdates":
                    time.sleep(0.05)  # a short poll, not a busy loop
                status, payload_object = 200, None
                fault = stub.next_fault(method, params)
                if fault == "drop":
                    self.close_connection = True  # no response at all: a network error
                    return
                if fault is not None:
                    status, payload_object = fault
                else:
                    payload_object = {"ok": True, "result": stub._answer(method, params)}
                data = json.dumps(payload_object).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot hung up (it is shutting down)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        return Handler
