"""Logging for every front end: nothing secret or personal ever reaches the log.

A formatter redacts the bot token (and any other secret it is given), masks personal numbers,
names and street addresses in every line (tracebacks included) and cuts over-long lines. At any
level, the libraries that would log whole updates or request URLs (which contain the token) log
no more than their warnings (httpx, httpcore) or their INFO lines (python-telegram-bot: at DEBUG
it logs every update with names and usernames).
"""

from __future__ import annotations

import logging
import os
import sys

from bot.privacy import mask_personal

LEVEL_ENV = "BOT_LOG_LEVEL"
REDACTED = "[redacted]"
# The most a line can hold: a whole request body or update never becomes a log line.
MAX_LINE_CHARS = 4000
CUT_MARK = "…[{count} characters cut]"
# Loggers kept at or above a level whatever the configured level is.
LOGGER_FLOORS = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO}


class RedactingFormatter(logging.Formatter):
    """A formatter whose output never contains the given secrets or personal details."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """The usual line, redacted, masked and cut."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        if len(text) > MAX_LINE_CHARS:
            # Digits at the cut may be the start of a number the masking no longer sees whole.
            kept = text[:MAX_LINE_CHARS].rstrip("0123456789 -")
            text = kept + CUT_MARK.format(count=len(text) - len(kept))
        return mask_personal(text)


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
    for name, floor in LOGGER_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
