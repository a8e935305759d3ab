"""The rate limiter and the journal, in-process: what each promises, without a network."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest, RetryAfter

from bot.journal import Journal, current_update, reduce_update
from handlers.ratelimit import FairRateLimiter, SendLimits
from testing.updates import text_message

FAST = SendLimits(overall_per_second=1000, private_per_second=50, group_per_minute=3000)


class Telegram:
    """A callback that answers 429 for chosen chats the first ``times`` calls."""

    def __init__(self, throttled: dict[Any, int], retry_after: int = 1) -> None:
        self.throttled = dict(throttled)
        self.retry_after = retry_after
        self.sent: list[tuple[float, Any]] = []

    async def __call__(self, endpoint: str, data: dict[str, Any]) -> bool:
        chat = data.get("chat_id")
        if self.throttled.get(chat, 0) > 0:
            self.throttled[chat] -= 1
            raise RetryAfter(self.retry_after)
        self.sent.append((asyncio.get_running_loop().time(), chat))
        return True


async def send(limiter: FairRateLimiter, telegram: Telegram, chat: Any, **extra: Any) -> Any:
    data = {"chat_id": chat, "text": "答复", **extra}
    endpoint = extra.pop("endpoint", "sendMessage")
    return await limiter.process_request(
        telegram, ("sendMessage", data), {}, endpoint, data, extra.pop("outbox_id", None)
    )


async def test_a_429_delays_only_the_chat_it_came_from() -> None:
    limiter = FairRateLimiter(FAST)
    telegram = Telegram({1: 1}, retry_after=1)
    started = asyncio.get_running_loop().time()
    await asyncio.gather(send(limiter, telegram, 1), send(limiter, telegram, 2))
    times = {chat: moment - started for moment, chat in telegram.sent}
    assert times[2] < 0.3  # the other chat went straight through
    assert times[1] >= 1.0  # the throttled chat waited as told, then its reply went out


async def test_a_429_without_a_chat_pauses_everything() -> None:
    limiter = FairRateLimiter(FAST)
    telegram = Telegram({None: 1}, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    first = asyncio.create_task(send(limiter, telegram, None, endpoint="answerCallbackQuery"))
    await asyncio.sleep(0.05)
    await send(limiter, telegram, 2)
    await first
    assert min(moment for moment, _ in telegram.sent) - started >= 1.0


async def test_a_throttled_chat_keeps_waiting_instead_of_dropping_its_reply() -> None:
    limiter = FairRateLimiter(FAST)
    telegram = Telegram({1: 5}, retry_after=0)  # five 429s in a row: more than PTB's retries
    assert await send(limiter, telegram, 1) is True
    assert [chat for _, chat in telegram.sent] == [1]


async def test_replies_of_one_chat_keep_their_order_and_spacing() -> None:
    limiter = FairRateLimiter(SendLimits(private_per_second=20))
    telegram = Telegram({})
    sent_texts: list[str] = []

    async def recording(endpoint: str, data: dict[str, Any]) -> bool:
        sent_texts.append(data["text"])
        return await telegram(endpoint, data)

    async def one(text: str) -> None:
        data = {"chat_id": 7, "text": text}
        await limiter.process_request(
            recording, ("sendMessage", data), {}, "sendMessage", data, None
        )

    await asyncio.gather(*(one(str(n)) for n in range(5)))
    assert sent_texts == ["0", "1", "2", "3", "4"]
    moments = [moment for moment, _ in telegram.sent]
    assert all(b - a >= 0.049 for a, b in itertools.pairwise(moments))


async def test_a_typing_indicator_is_not_retried_after_a_429() -> None:
    limiter = FairRateLimiter(FAST)
    telegram = Telegram({3: 1}, retry_after=5)
    started = asyncio.get_running_loop().time()
    await send(limiter, telegram, 3, endpoint="sendChatAction")
    assert asyncio.get_running_loop().time() - started < 0.5 and telegram.sent == []


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "bot.journal.db")


async def test_a_reply_is_in_the_outbox_until_telegram_accepts_it(journal: Journal) -> None:
    limiter = FairRateLimiter(FAST, outbox=journal)
    accepted = asyncio.Event()
    release = asyncio.Event()

    async def slow(endpoint: str, data: dict[str, Any]) -> bool:
        accepted.set()
        await release.wait()
        return True

    data = {"chat_id": 5, "text": "答复"}
    task = asyncio.create_task(
        limiter.process_request(slow, ("sendMessage", data), {}, "sendMessage", data, None)
    )
    await accepted.wait()
    assert journal.counts()["replies"] == 1  # written down before it was sent
    release.set()
    await task
    assert journal.counts()["replies"] == 0


async def test_a_reply_refused_for_good_is_not_sent_again(journal: Journal) -> None:
    limiter = FairRateLimiter(FAST, outbox=journal)

    async def refused(endpoint: str, data: dict[str, Any]) -> bool:
        raise BadRequest("Chat not found")

    data = {"chat_id": 5, "text": "答复"}
    with pytest.raises(BadRequest):
        await limiter.process_request(refused, ("sendMessage", data), {}, "sendMessage", data, None)
    assert journal.counts()["replies"] == 0


def test_a_journaled_update_keeps_no_name_and_no_number() -> None:
    update = text_message(
        "我电话13912345678，幸福食堂在哪",
        update_id=9,
        user_id=321,
        first_name="王小明",
        username="wxm2026",
    )
    kept = json.dumps(reduce_update(update), ensure_ascii=False)
    assert "13912345678" not in kept and "王小明" not in kept and "wxm2026" not in kept
    assert "幸福食堂在哪" in kept and '"id": 321' in kept  # what answering needs


def test_an_update_is_handled_once_even_when_delivered_again(journal: Journal) -> None:
    journal.record_updates([text_message("幸福食堂", update_id=1)])
    assert journal.claim(1)
    assert not journal.claim(1)  # the same update, re-delivered while being handled
    journal.finish(1)
    # Re-delivered after it was handled:
    journal.record_updates([text_message("幸福食堂", update_id=1)])
    assert not journal.claim(1)
    assert journal.backlog(dt.timedelta(minutes=30)).updates == []


def test_the_backlog_resends_replies_rather_than_answering_twice(journal: Journal) -> None:
    first, second = text_message("幸福食堂", update_id=1), text_message("高龄津贴", update_id=2)
    journal.record_updates([first, second])
    token = current_update.set(1)
    try:
        journal.record_reply("sendMessage", {"chat_id": 77, "text": "幸福食堂……"})
    finally:
        current_update.reset(token)
    backlog = journal.backlog(dt.timedelta(minutes=30))
    assert [reply.payload["text"] for reply in backlog.replies] == ["幸福食堂……"]
    assert [update["update_id"] for update in backlog.updates] == [2]  # 1 is not asked again


def test_the_backlog_drops_what_is_too_old(tmp_path: Path) -> None:
    now = [dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)]
    journal = Journal(tmp_path / "j.db", clock=lambda: now[0])
    journal.record_updates([text_message("幸福食堂", update_id=1)])
    journal.record_reply("sendMessage", {"chat_id": 77, "text": "旧答复"})
    now[0] += dt.timedelta(hours=2)
    backlog = journal.backlog(dt.timedelta(minutes=30))
    assert backlog.updates == [] and backlog.replies == []
    assert (backlog.dropped_updates, backlog.dropped_replies) == (1, 1)


def test_a_broken_journal_file_never_stops_answers(journal: Journal, tmp_path: Path) -> None:
    journal._connection.close()  # the file is gone from under the bot
    journal.record_updates([text_message("幸福食堂", update_id=1)])  # logged, not raised
    assert journal.record_reply("sendMessage", {"chat_id": 1, "text": "x"}) is None
    assert journal.claim(1)
