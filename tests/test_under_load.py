"""The real bot process under Telegram's per-chat flood limits: fairness and shutdown.

The stub answers a chat's sends beyond its limit with 429 (retry_after) like Telegram. Limits are
faster than Telegram's (4 a second, not 1) so the suite stays quick; scripts/load_figures.py
measures the same properties at Telegram's real limits for README.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from testing.updates import text_message
from tests.botapi_stub import BotAPIStub
from tests.conftest import ROOT
from tests.test_end_to_end import TOKEN

PER_SECOND = 4.0


def write_config(tmp_path: Path, **telegram: float) -> Path:
    lines = [f"{key} = {value}" for key, value in telegram.items()]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[knowledge]\ndir = "{ROOT / "knowledge"}"\n[telegram]\n'
        f"private_chat_per_second = {PER_SECOND}\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    return config


def start(stub: BotAPIStub, tmp_path: Path, config: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    env.pop("BOT_CONFIG", None)
    command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    command += ["--base-url", stub.base_url, "--db", str(tmp_path / "bot.db")]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answers_to(stub: BotAPIStub, chat: int) -> list[str]:
    return [p["text"] for p in stub.sent() if int(p["chat_id"]) == chat]


QUESTIONS = [
    "幸福食堂在哪",
    "高龄津贴怎么领",
    "低保标准是多少",
    "失业了有什么帮助",
    "残疾人有什么补贴",
    "孕妇筛查免费吗",
    "医保报销比例",
    "农村危房改造",
]


def test_a_flooding_resident_does_not_delay_another(tmp_path: Path) -> None:
    stub = BotAPIStub().start()
    stub.limit_chats(PER_SECOND, retry_after=2)
    process = start(stub, tmp_path, write_config(tmp_path))
    try:
        stub.push(text_message("幸福食堂在哪", update_id=1, user_id=501))
        stub.wait_for("sendMessage", 1)  # the bot is up
        for number in range(2, 18):  # 16 more from the same resident, at once
            stub.push(
                text_message(QUESTIONS[number % len(QUESTIONS)], update_id=number, user_id=501)
            )
        time.sleep(0.5)  # the burst is being throttled
        asked = time.monotonic()
        stub.push(text_message("高龄津贴怎么领", update_id=100, user_id=502))
        deadline = asked + 10
        while not answers_to(stub, 502) and time.monotonic() < deadline:
            time.sleep(0.02)
        waited = next(t for t, p in stub.sent_at() if int(p["chat_id"]) == 502) - asked
        assert len(answers_to(stub, 501)) < 17  # the first resident's burst is still going on
        # ... and every one of its replies arrives in the end, none dropped by a retry limit.
        deadline = time.monotonic() + 30
        while len(answers_to(stub, 501)) < 17 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        stub.stop()
    assert waited < 1.0, f"the second resident waited {waited:.2f} s"
    assert len(answers_to(stub, 501)) == 17
    assert process.returncode == 0 and "Traceback" not in err


def burst(stub: BotAPIStub, count: int, chat: int = 601, first: int = 1) -> None:
    for number in range(first, first + count):
        stub.push(
            text_message(
                f"{QUESTIONS[number % len(QUESTIONS)]} {number}", update_id=number, user_id=chat
            )
        )


def wait_answers(stub: BotAPIStub, chat: int, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(answers_to(stub, chat)) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def unfinished(tmp_path: Path) -> tuple[int, int]:
    with sqlite3.connect(tmp_path / "bot.journal.db") as connection:
        updates = connection.execute("SELECT COUNT(*) FROM inbox WHERE done = 0").fetchone()[0]
        replies = connection.execute(
            "SELECT COUNT(*) FROM outbox WHERE payload IS NOT NULL"
        ).fetchone()[0]
    return int(updates), int(replies)


def test_sigterm_then_sigkill_during_a_throttled_burst_loses_no_question(tmp_path: Path) -> None:
    stub = BotAPIStub().start()
    stub.limit_chats(PER_SECOND, retry_after=2)
    config = write_config(tmp_path, shutdown_grace_seconds=30)
    process = start(stub, tmp_path, config)
    try:
        burst(stub, 16)
        wait_answers(stub, 601, 2, timeout=30)
        process.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # the grace is longer than this: the deployment's SIGKILL comes first
        process.kill()
        process.communicate(timeout=30)
        before = len(answers_to(stub, 601))
        assert before < 16  # the kill really cut the burst short
        assert unfinished(tmp_path)[0] > 0  # ... and what was left is in the journal

        process = start(stub, tmp_path, config)
        wait_answers(stub, 601, 16, timeout=40)
        time.sleep(0.5)  # time for a duplicate to show up, if there were one
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        stub.stop()
    answers = answers_to(stub, 601)
    assert len(answers) == 16  # every question answered, exactly once
    assert unfinished(tmp_path) == (0, 0)
    assert process.returncode == 0 and "Traceback" not in err


def test_sigterm_drains_within_the_grace_and_the_restart_answers_the_rest(tmp_path: Path) -> None:
    stub = BotAPIStub().start()
    stub.limit_chats(PER_SECOND, retry_after=2)
    config = write_config(tmp_path, shutdown_grace_seconds=1)
    process = start(stub, tmp_path, config)
    try:
        burst(stub, 16)
        wait_answers(stub, 601, 1, timeout=30)
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        took = time.monotonic() - stopped
        assert process.returncode == 0 and "Traceback" not in err, err[-2000:]
        assert len(answers_to(stub, 601)) < 16

        process = start(stub, tmp_path, config)
        wait_answers(stub, 601, 16, timeout=40)
        time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        stub.stop()
    assert took < 4.0, f"the shutdown took {took:.1f} s with a 1 s grace"
    assert len(answers_to(stub, 601)) == 16
    assert process.returncode == 0 and "Traceback" not in err


def test_a_second_sigterm_exits_at_once_without_a_traceback(tmp_path: Path) -> None:
    stub = BotAPIStub().start()
    stub.limit_chats(PER_SECOND, retry_after=2)
    config = write_config(tmp_path, shutdown_grace_seconds=30)
    process = start(stub, tmp_path, config)
    try:
        burst(stub, 16)
        wait_answers(stub, 601, 1, timeout=30)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        second = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        took = time.monotonic() - second
        assert process.returncode == 0 and "Traceback" not in err, err[-2000:]
        assert "RuntimeError" not in err

        process = start(stub, tmp_path, config)
        wait_answers(stub, 601, 16, timeout=40)
        time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        stub.stop()
    assert took < 2.0
    assert len(answers_to(stub, 601)) == 16
