"""Scripted Bot API failures: the one way the tests make Telegram refuse, throttle or drop calls.

Both Bot API doubles of the tests (the in-process request and the HTTP stub the real bot process
talks to) answer a method's calls with the faults queued for it, in order, before answering
normally again. A fault is a reply (an HTTP status and the Bot API's JSON body, see
``bad_request`` and ``too_many_requests``) or ``"drop"``: the connection closes without one;
the in-process double also takes ``"timeout"``: no answer in time.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, Literal, TypeVar

Reply = tuple[int, dict[str, Any]]
Drop = Literal["drop"]
F = TypeVar("F")


def bad_request(description: str) -> Reply:
    """A 400, as Telegram refuses a call (``description`` follows its "Bad Request: ")."""
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


def too_many_requests(retry_after: int) -> Reply:
    """A 429 telling the bot to wait ``retry_after`` seconds, as Telegram's flood control does."""
    body = {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
    return 429, body


class Faults(Generic[F]):
    """The faults queued per Bot API method (safe to use from the stub's server threads)."""

    def __init__(self) -> None:
        self._queued: dict[str, list[F]] = {}
        self._repeated: dict[str, F] = {}
        self._lock = threading.Lock()

    def inject(self, method: str, *faults: F, repeat: bool = False) -> None:
        """Answer the next calls of ``method`` with ``faults``, in order; with ``repeat`` the
        last of them answers every later call too, until ``clear``."""
        with self._lock:
            self._queued.setdefault(method, []).extend(faults[:-1] if repeat else faults)
            if repeat:
                self._repeated[method] = faults[-1]

    def clear(self, method: str) -> None:
        """Answer ``method`` normally again."""
        with self._lock:
            self._queued.pop(method, None)
            self._repeated.pop(method, None)

    def next(self, method: str) -> F | None:
        """The fault that answers this call of ``method``, or None for a normal answer."""
        with self._lock:
            queued = self._queued.get(method)
            if queued:
                return queued.pop(0)
            return self._repeated.get(method)
