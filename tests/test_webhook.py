"""The webhook server in-process: the secret before the body, a capped body, 400 for non-updates."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.journal import Journal
from handlers.webhook import SECRET_HEADER, WebhookServer
from testing.updates import text_message
from tests.test_end_to_end import free_port

SECRET = "s3cret"
CAP = 64 * 1024


class FakeApplication:
    """What the server uses of an Application: the bot, the journal, the update queue."""

    def __init__(self, journal: Journal) -> None:
        self.bot = None
        self.journal = journal
        self.update_queue: asyncio.Queue[Any] = asyncio.Queue()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[int, FakeApplication]]:
    application = FakeApplication(Journal(tmp_path / "j.db"))
    port = free_port()
    webhook = WebhookServer(
        application,  # type: ignore[arg-type]
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        secret=SECRET,
        max_body_bytes=CAP,
    )
    webhook.start()
    yield port, application
    await webhook.stop()


async def raw_post(port: int, headers: dict[str, str], body: bytes = b"") -> int:
    """Send the headers (and ``body``, possibly shorter than declared); the status code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = ["POST /hook HTTP/1.1", "Host: localhost", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    return int(status_line.split()[1])


async def test_no_secret_is_refused_before_the_body_is_sent(server: Any) -> None:
    port, application = server
    # 10 MB declared, nothing sent: an answer at all proves the body was never waited for.
    assert await raw_post(port, {"Content-Length": str(10 * 2**20)}) == 403
    assert await raw_post(port, {"Content-Length": "10", SECRET_HEADER: "wrong"}) == 403
    assert application.update_queue.empty()


async def test_a_body_over_the_cap_is_refused_while_it_streams(server: Any, caplog: Any) -> None:
    port, _ = server
    declared = {"Content-Length": str(10 * 2**20), SECRET_HEADER: SECRET}
    assert await raw_post(port, declared) == 413
    huge = json.dumps({"update_id": 1, "pad": "x" * (2 * CAP)}).encode()
    chunked = {"Transfer-Encoding": "chunked", SECRET_HEADER: SECRET}
    body = f"{len(huge):x}\r\n".encode() + huge + b"\r\n0\r\n\r\n"
    with caplog.at_level(logging.DEBUG):
        assert await raw_post(port, chunked, body) in (400, 413)
    assert all(len(record.getMessage()) < 1000 for record in caplog.records)


async def test_what_is_not_an_update_gets_400(server: Any) -> None:
    port, application = server
    for body in (b"{not json", b'{"update_id": "x"}', b"[1, 2]", b'{"update_id": 5, "message": 5}'):
        headers = {"Content-Length": str(len(body)), SECRET_HEADER: SECRET}
        assert await raw_post(port, headers, body) == 400, body
    assert application.update_queue.empty()


async def test_an_update_is_journaled_before_its_200(server: Any) -> None:
    port, application = server
    body = json.dumps(text_message("幸福食堂在哪", update_id=42)).encode()
    headers = {"Content-Length": str(len(body)), SECRET_HEADER: SECRET}
    assert await raw_post(port, headers, body) == 200
    assert application.journal.counts()["updates"] == 1
    update = application.update_queue.get_nowait()
    assert update.update_id == 42 and update.message.text == "幸福食堂在哪"
