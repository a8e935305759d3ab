"""Logging for every front end: nothing secret or personal ever reaches the log.

A formatter redacts the bot token (and any other secret it is given) and masks ID-card, mobile
and bank-card numbers in every line, tracebacks included — even at DEBUG, where libraries log
whole updates.
"""

from __future__ import annotations

import logging
import os
import sys

from bot.privacy import mask_numbers

LEVEL_ENV = "BOT_LOG_LEVEL"
REDACTED = "[redacted]"
# Libraries that log request URLs (which contain the token) or raw payloads at INFO/DEBUG.
QUIET_LOGGERS = ("httpx", "httpcore")


class RedactingFormatter(logging.Formatter):
    """A formatter whose output never contains the given secrets or personal numbers."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """The usual line, then redacted."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return mask_numbers(text)


def configure_logging(default_level: str = "WARNING", secrets: list[str] | None = None) -> None:
    """Log to stderr at $BOT_LOG_LEVEL (or ``default_level``), redacted."""
    level = os.environ.get(LEVEL_ENV, default_level).upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets or [])
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "WARNING")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
