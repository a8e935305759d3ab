"""Per-user flood control: too many messages in a window get one polite slow-down, no work."""

from __future__ import annotations

import enum
from collections import deque


class Verdict(enum.Enum):
    """What to do with one update from a user."""

    ALLOW = "allow"
    WARN = "warn"  # over the limit: tell the user once
    DROP = "drop"  # over the limit and already told


class FloodGuard:
    """A sliding window of message times per user."""

    def __init__(self, max_messages: int, window_seconds: float) -> None:
        self.max_messages = max_messages
        self.window_seconds = window_seconds
        self._times: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int, now: float) -> Verdict:
        """Record one update at time ``now`` and judge it."""
        times = self._times.setdefault(user_id, deque())
        while times and now - times[0] >= self.window_seconds:
            times.popleft()
        if len(times) < self.max_messages:
            times.append(now)
            self._warned.pop(user_id, None)
            return Verdict.ALLOW
        warned_at = self._warned.get(user_id)
        if warned_at is not None and now - warned_at < self.window_seconds:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def forget_idle(self, now: float) -> None:
        """Drop users with no recent messages, so memory follows active users only."""
        idle = [u for u, t in self._times.items() if not t or now - t[-1] >= self.window_seconds]
        for user_id in idle:
            self._times.pop(user_id, None)
            self._warned.pop(user_id, None)
