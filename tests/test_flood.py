"""Per-user flood control: a sliding window, one warning, and memory only for active users."""

from __future__ import annotations

from telegram import Bot

from handlers.flood import FORGET_EVERY, FloodGuard, Verdict, addressed_to_bot
from testing.updates import callback_query, text_message, to_update
from tests.telegram_fakes import FakeBotAPI


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


async def test_only_updates_addressed_to_the_bot_count() -> None:
    bot = Bot("123:TEST", request=FakeBotAPI())
    await bot.initialize()  # learns its username from getMe
    group = {"chat_type": "group", "chat_id": -100}
    assert addressed_to_bot(to_update(bot, text_message("幸福食堂")), bot)  # private
    assert addressed_to_bot(to_update(bot, callback_query("x")), bot)
    assert addressed_to_bot(to_update(bot, text_message("@minsheng_bot 食堂", **group)), bot)
    assert addressed_to_bot(
        to_update(bot, text_message("那配餐点呢", reply_to_bot=True, **group)), bot
    )
    assert addressed_to_bot(to_update(bot, text_message("/help@MinSheng_Bot", **group)), bot)
    assert addressed_to_bot(to_update(bot, text_message("/help", **group)), bot)
    assert not addressed_to_bot(to_update(bot, text_message("幸福食堂", **group)), bot)
    assert not addressed_to_bot(to_update(bot, text_message("/help@other_bot", **group)), bot)
    assert not addressed_to_bot(to_update(bot, text_message(None, **group)), bot)  # a sticker, say
