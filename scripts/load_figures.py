"""README's robustness figures: the real bot process against a Bot API stub with Telegram's limits.

    .venv/bin/python -m scripts.load_figures            # all three, about 3 minutes
    .venv/bin/python -m scripts.load_figures fairness shutdown reload

- fairness: one resident sends 25 messages in 2 s while the stub allows a chat one message a
  second (429, retry_after 2, beyond it); a second resident asks meanwhile. Prints how long the
  second resident waited and how many replies the first got.
- shutdown: 16 distinct questions from one resident, throttled; SIGTERM after the first answer
  and SIGKILL 10 s later (Docker's default), then a restart. Prints questions lost and answered
  twice, once with the default grace (8 s) and once with a grace longer than the kill delay.
- reload: 100,000 synthetic entries; residents ask every 100 ms while an admin /reloads; prints
  the answer latency (getUpdates delivery → sendMessage) during the reload.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.core import synthesize
from testing.updates import text_message
from tests.botapi_stub import BotAPIStub

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:LOAD-FIGURES"
ADMIN = 4242
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def start_bot(
    stub: BotAPIStub, work: Path, knowledge: Path, **telegram: float
) -> subprocess.Popen[str]:
    settings = "\n".join(f"{key} = {value}" for key, value in telegram.items())
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.toml"
    config.write_text(
        f'[knowledge]\ndir = "{knowledge}"\n[telegram]\nadmins = [{ADMIN}]\n{settings}\n',
        encoding="utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_CACHE_DIR": str(work / "cache")}
    env.pop("BOT_CONFIG", None)
    command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    command += ["--base-url", stub.base_url, "--db", str(work / "bot.db")]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def stop_bot(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)


def replies_to(stub: BotAPIStub, chat: int) -> list[tuple[float, str]]:
    return [(t, p["text"]) for t, p in stub.sent_at() if int(p["chat_id"]) == chat]


def wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def fairness(work: Path) -> dict[str, float]:
    """The second resident's wait during the first one's throttled burst."""
    stub = BotAPIStub().start()
    stub.limit_chats(1.0, retry_after=2)
    process = start_bot(stub, work, ROOT / "knowledge")
    try:
        stub.push(text_message("幸福食堂在哪", update_id=1, user_id=501))
        wait(lambda: replies_to(stub, 501), 60)
        for number in range(2, 27):
            stub.push(text_message("高龄津贴怎么领", update_id=number, user_id=501))
            time.sleep(2 / 25)
        asked = time.monotonic()
        stub.push(text_message("低保标准是多少", update_id=100, user_id=502))
        wait(lambda: replies_to(stub, 502), 60)
        waited = replies_to(stub, 502)[0][0] - asked
        wait(lambda: len(replies_to(stub, 501)) >= 21, 60)
        time.sleep(3)
        first = len(replies_to(stub, 501))
        throttled = sum(1 for name, _ in stub.calls if name.endswith("!429"))
    finally:
        stop_bot(process)
        stub.stop()
    return {
        "second_resident_wait_s": round(waited, 2),
        "first_resident_replies": first,
        "429s": throttled,
    }


def distinct_questions(count: int) -> list[tuple[str, str]]:
    """Development questions whose answers have different titles: (question, title)."""
    lines = [json.loads(line)["q"] for line in DEV_QUESTIONS.read_text().splitlines()]
    ask = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--batch", "-"],
        cwd=ROOT,
        input="\n".join(lines),
        capture_output=True,
        text=True,
        check=True,
    )
    chosen: dict[str, str] = {}
    for question, line in zip(lines, ask.stdout.splitlines(), strict=True):
        answer = json.loads(line)
        if answer["answered"] and answer["answers"][0]["title"] not in chosen.values():
            chosen[question] = answer["answers"][0]["title"]
    return list(chosen.items())[:count]


def shutdown(work: Path, grace: float) -> dict[str, float]:
    """SIGTERM, SIGKILL 10 s later, restart: questions lost and answered twice."""
    questions = distinct_questions(16)
    stub = BotAPIStub().start()
    stub.limit_chats(1.0, retry_after=2)
    process = start_bot(stub, work, ROOT / "knowledge", shutdown_grace_seconds=grace)
    for number, (question, _) in enumerate(questions, start=1):
        stub.push(text_message(question, update_id=number, user_id=601))
    wait(lambda: replies_to(stub, 601), 60)
    process.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    try:
        process.communicate(timeout=10)
        killed = False
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        killed = True
    exit_seconds = time.monotonic() - stopped
    before = len(replies_to(stub, 601))
    process = start_bot(stub, work, ROOT / "knowledge", shutdown_grace_seconds=grace)
    wait(lambda: len(replies_to(stub, 601)) >= len(questions), 90)
    time.sleep(3)
    stop_bot(process)
    stub.stop()
    texts = [text for _, text in replies_to(stub, 601)]
    counts = [sum(text.startswith(f"<b>{title}") for text in texts) for _, title in questions]
    return {
        "grace_s": grace,
        "killed": killed,
        "exit_after_s": round(exit_seconds, 1),
        "answered_before_restart": before,
        "lost": sum(1 for c in counts if c == 0),
        "answered_twice": sum(1 for c in counts if c > 1),
    }


def reload_latency(work: Path, size: int) -> dict[str, float]:
    """Answer latency while an admin reloads ``size`` entries in the running bot."""
    knowledge = synthesize(ROOT / "knowledge", size, work / "kb")
    stub = BotAPIStub().start()
    process = start_bot(stub, work, knowledge)
    asked: list[int] = []
    try:
        stub.push(text_message("幸福食堂在哪", update_id=1, user_id=9000))
        if not wait(lambda: replies_to(stub, 9000), 300):
            raise RuntimeError("the bot did not start")
        number = 10
        for _ in range(20):  # before the reload
            number += 1
            stub.push(text_message("幸福食堂在哪", update_id=number, user_id=10_000 + number))
            asked.append(number)
            time.sleep(0.1)
        reload_from = number
        stub.push(text_message("/reload", update_id=number + 1, user_id=ADMIN))
        number += 1
        while not replies_to(stub, ADMIN) and len(asked) < 5000:
            number += 1
            stub.push(text_message("高龄津贴怎么领", update_id=number, user_id=10_000 + number))
            asked.append(number)
            time.sleep(0.1)
        reload_to = number
        wait(lambda: all(replies_to(stub, 10_000 + n) for n in asked), 60)
        reload_reply = replies_to(stub, ADMIN)[0][1] if replies_to(stub, ADMIN) else ""
    finally:
        stop_bot(process)
        stub.stop()
    before, during = [], []
    for n in asked:
        replies = replies_to(stub, 10_000 + n)
        if replies:
            latency = (replies[0][0] - stub.delivered[n]) * 1000
            (during if reload_from < n < reload_to else before).append(latency)
    if os.environ.get("LOAD_FIGURES_SERIES"):
        print(json.dumps([round(x) for x in during]), file=sys.stderr)
    return {
        "entries": size,
        "answers_during_reload": len(during),
        "during_reload": _latency(during),
        "without_reload": _latency(before),
        "reload_reply": reload_reply.splitlines()[0][:80],
    }


def _latency(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def main() -> None:
    """Run the chosen figures and print them as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figures", nargs="*", default=["fairness", "shutdown", "reload"])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        for figure in args.figures:
            work = base / figure
            work.mkdir()
            if figure == "fairness":
                result: object = fairness(work)
            elif figure == "shutdown":
                result = [shutdown(work / "default", 8.0), shutdown(work / "long", 30.0)]
            else:
                result = reload_latency(work, args.entries)
            print(json.dumps({figure: result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
