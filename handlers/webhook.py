"""Webhook mode: a small tornado server that checks the secret before it reads a body.

PTB's built-in webhook server reads the whole body before it checks the secret and answers
invalid JSON with 500. Here the secret header and the declared length are checked as soon as
the headers arrive (``stream_request_body``), a body is capped while it streams in, a body that
is not an update gets 400, and an update is in the journal before Telegram gets its 200.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.journal import Journal
from handlers.journaling import JournalApplication

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """POST one update; anything else is refused before its body is read."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(  # type: ignore[override]
        self,
        bot_application: JournalApplication,
        journal: Journal | None,
        secret: str,
        max_body_bytes: int,
    ) -> None:
        self.bot_application = bot_application
        self.journal = journal
        self.secret = secret
        self.max_body_bytes = max_body_bytes
        self.body = bytearray()

    def prepare(self) -> None:
        """Headers only: a wrong secret or a too-large declared body ends the request here."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8"), self.secret.encode("utf-8")):
            logger.warning("webhook: request without the right secret refused")
            raise tornado.web.HTTPError(403)
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            raise tornado.web.HTTPError(413)

    def data_received(self, chunk: bytes) -> None:
        """Stream the body in, never past the cap."""
        self.body.extend(chunk)
        if len(self.body) > self.max_body_bytes:
            raise tornado.web.HTTPError(413)

    async def post(self) -> None:
        """An update: journaled, queued, 200. Not an update: 400, logged in one short line."""
        data = _update_in(bytes(self.body))
        if data is None:
            logger.warning("webhook: a body of %d bytes that is not an update", len(self.body))
            raise tornado.web.HTTPError(400)
        if self.journal is not None:
            self.journal.record_updates([data])
        update = Update.de_json(data, self.bot_application.bot)
        await self.bot_application.update_queue.put(update)
        self.set_status(200)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """HTTP errors are expected here; their status line in the access log is enough."""
        if not isinstance(value, tornado.web.HTTPError):
            logger.error("webhook handler failed: %s", value)


def _update_in(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        Update.de_json(data, None)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    return data


class WebhookServer:
    """Listen on ``listen:port`` at ``/url_path`` until stopped."""

    def __init__(
        self,
        application: JournalApplication,
        *,
        listen: str,
        port: int,
        url_path: str,
        secret: str,
        max_body_bytes: int,
    ) -> None:
        path = "/" + url_path.strip("/")
        routes = [
            (
                path,
                UpdateHandler,
                {
                    "bot_application": application,
                    "journal": application.journal,
                    "secret": secret,
                    "max_body_bytes": max_body_bytes,
                },
            )
        ]
        self._server = tornado.httpserver.HTTPServer(
            tornado.web.Application(routes), max_body_size=max_body_bytes
        )
        self.listen = listen
        self.port = port

    def start(self) -> None:
        """Start accepting connections on the running event loop."""
        self._server.listen(self.port, address=self.listen)
        logger.info("webhook server listening on %s:%d", self.listen, self.port)

    async def stop(self) -> None:
        """Stop accepting and close open connections."""
        self._server.stop()
        await self._server.close_all_connections()
