"""A small Bot API server on 127.0.0.1 for end-to-end tests of the real bot process.

It answers getMe, getUpdates (from a queue), sendMessage, editMessageText, answerCallbackQuery,
setMyCommands, deleteWebhook, sendChatAction, getFile (for the files put in ``files``, which it
also serves for download) and sendDocument (multipart: the file's name and bytes are recorded),
records every call, and answers with the faults scripted in ``faults`` (see testing.faults):
dropped connections, 429 with retry_after, 400.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from testing.faults import Drop, Faults, Reply, too_many_requests
from testing.offline import BOT_USER


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # like a real server: a burst of connections is not reset
    daemon_threads = True


class BotAPIStub:
    """Run with ``start()``; ``base_url`` is what ``python -m bot run --base-url`` takes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.faults: Faults[Reply | Drop] = Faults()
        self.confirmed = 0  # the highest getUpdates offset seen
        self.delivered: dict[int, float] = {}  # update id → when getUpdates first returned it
        self.times: list[float] = []  # when each call in ``calls`` arrived (monotonic)
        self.chat_limit: float | None = None  # like Telegram: sends per second per chat
        self.retry_after = 2
        self.files: dict[str, bytes] = {}  # file_id → content, for getFile and the download
        self._chat_sent: dict[int, float] = {}
        self._chat_blocked: dict[int, float] = {}
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

    def limit_chats(self, per_second: float = 1.0, retry_after: int = 2) -> None:
        """Answer a chat's sends beyond ``per_second`` (and all of them for ``retry_after``
        seconds after that) with 429, the way Telegram enforces its per-chat limit."""
        self.chat_limit, self.retry_after = per_second, retry_after

    def sent_at(self, method: str = "sendMessage") -> list[tuple[float, dict[str, Any]]]:
        """Accepted calls of ``method`` with the moment each arrived."""
        with self.lock:
            return [(t, p) for (n, p), t in zip(self.calls, self.times, strict=True) if n == method]

    def _throttled(self, method: str, params: dict[str, Any]) -> Reply | None:
        """A 429 if this send breaks the chat's limit, else None (and the send is counted)."""
        if self.chat_limit is None or method not in ("sendMessage", "editMessageText"):
            return None
        chat = int(params.get("chat_id", 0))
        now = time.monotonic()
        with self.lock:
            blocked = self._chat_blocked.get(chat, 0.0)
            if now < blocked:
                wait = max(1, round(blocked - now))
            elif now - self._chat_sent.get(chat, -1e9) < 1 / self.chat_limit:
                self._chat_blocked[chat] = now + self.retry_after
                wait = self.retry_after
            else:
                self._chat_sent[chat] = now
                return None
            self.calls.append((f"{method}!429", params))
            self.times.append(now)
        return too_many_requests(wait)

    def _fault(self, method: str, params: dict[str, Any]) -> Reply | Drop | None:
        """The scripted fault that answers this call, recorded as ``method!fault``, or None."""
        fault = self.faults.next(method)
        if fault is not None:
            with self.lock:
                self.calls.append((f"{method}!fault", params))
                self.times.append(time.monotonic())
        return fault

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        with self.lock:
            self.calls.append((method, params))
            self.times.append(time.monotonic())
            if method == "getUpdates":
                # Like Telegram, an offset confirms every earlier update for good.
                self.confirmed = max(self.confirmed, int(params.get("offset") or 0))
                pending = [u for u in self.updates if u["update_id"] >= self.confirmed]
                now = time.monotonic()
                for update in pending:
                    self.delivered.setdefault(update["update_id"], now)
                return pending
        if method == "getMe":
            return BOT_USER
        if method == "getFile":
            file_id = str(params.get("file_id"))
            size = len(self.files.get(file_id, b""))
            path = f"documents/{file_id}"
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": path,
            }
        if method == "sendDocument":
            return {
                "message_id": len(self.calls),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 1)), "type": "private"},
                "from": BOT_USER,
                "document": {"file_id": "sent", "file_unique_id": "sent"},
            }
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
                raw = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "")
                if "multipart/form-data" in kind:
                    params = multipart_fields(kind, raw)
                elif "json" in kind:
                    params = json.loads(raw.decode("utf-8") or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
                method = self.path.rsplit("/", 1)[-1]
                if method == "getUpdates":
                    time.sleep(0.05)  # a short poll, not a busy loop
                status, payload_object = 200, None
                fault = stub._fault(method, params) or stub._throttled(method, params)
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

            def do_GET(self) -> None:
                """A file's download: /file/bot<token>/documents/<file id>."""
                with stub.lock:
                    stub.calls.append(("download", {"path": self.path}))
                    stub.times.append(time.monotonic())
                    data = stub.files.get(self.path.rsplit("/", 1)[-1])
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        return Handler


def multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: text as str, a file as {"filename", "data"}."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is not None:
            fields[str(name)] = {"filename": filename, "data": data}
        else:
            fields[str(name)] = data.decode("utf-8") if isinstance(data, bytes) else data
    return fields
