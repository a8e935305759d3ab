"""Per-user flood control: a sliding window, one warning, and memory only for active users."""

from __future__ import annotations

from handlers.flood import FORGET_EVERY, FloodGuard, Verdict


def test_window_warning_and_recovery() -> None:
    guard = FloodGuard(max_messages=3, window_seconds=60)
    verdicts = [guard.check(1, t) for t in (0, 1, 2, 3, 4)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP]
    assert guard.check(2, 5) is Verdict.ALLOW  # other users are not affected
    assert guard.check(1, 61) is Verdict.ALLOW  # the window has moved on


def test_users_gone_quiet_are_forgotten() -> None:
    guard = FloodGuard(max_messages=20, window_seconds=60)
    for user in range(FORGET_EVERY - 1):
        guard.check(user, 0)
    assert guard.tracked_users == FORGET_EVERY - 1
    guard.check(999_999, 120)  # the next sweep, two minutes later
    assert guard.tracked_users == 1
