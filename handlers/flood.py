"""Per-user flood control: too many messages in a window get one polite slow-down, no work.

Only what is addressed to the bot counts: group chatter never uses up anyone's allowance.
"""

from __future__ import annotations

import enum
from collections import deque

from telegram import Bot, Message, MessageEntity, Update

from handlers.resident import addressed_text


class Verdict(enum.Enum):
    """What to do with one update from a user."""

    ALLOW = "allow"
    WARN = "warn"  # over the limit: tell the user once
    DROP = "drop"  # over the limit and already told


FORGET_EVERY = 4096  # checks between two sweeps of users gone quiet


class FloodGuard:
    """A sliding window of message times per user."""

    def __init__(self, max_messages: int, window_seconds: float) -> None:
        self.max_messages = max_messages
        self.window_seconds = window_seconds
        self._times: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._checks = 0

    def check(self, user_id: int, now: float) -> Verdict:
        """Record one update at time ``now`` and judge it."""
        self._checks += 1
        if self._checks % FORGET_EVERY == 0:
            self.forget_idle(now)
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

    @property
    def tracked_users(self) -> int:
        """How many users the guard currently remembers."""
        return len(self._times)

    def forget_idle(self, now: float) -> None:
        """Drop users with no recent messages, so memory follows active users only."""
        idle = [u for u, t in self._times.items() if not t or now - t[-1] >= self.window_seconds]
        for user_id in idle:
            self._times.pop(user_id, None)
            self._warned.pop(user_id, None)


def addressed_to_bot(update: Update, bot: Bot) -> bool:
    """A button tap, a private message, a command for this bot, or a group message that
    mentions the bot or replies to it: the updates the bot answers, which the guard counts."""
    if update.callback_query is not None:
        return True
    message = update.effective_message
    if message is None:
        return False
    return _command_for(message, bot) or addressed_text(message, bot) is not None


def _command_for(message: Message, bot: Bot) -> bool:
    """``/help`` or ``/help@this_bot`` (``/help@other_bot`` is for another bot of the group)."""
    entities = message.entities
    if not (message.text and entities and entities[0].offset == 0):
        return False
    if entities[0].type != MessageEntity.BOT_COMMAND:
        return False
    _, _, username = message.text[1 : entities[0].length].partition("@")
    return not username or username.lower() == (bot.username or "").lower()
