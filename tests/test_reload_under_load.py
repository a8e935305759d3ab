"""Reload under load: answers never fail and never mix knowledge versions.

CI runs a reduced count; the full size is
``RELOAD_LOAD_QUESTIONS=10000 .venv/bin/python -m pytest tests/test_reload_under_load.py -s``.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.config import MatchingSettings
from bot.errors import KnowledgeError
from bot.service import KnowledgeService
from tests.conftest import write_knowledge

QUESTIONS = int(os.environ.get("RELOAD_LOAD_QUESTIONS", "4000"))
RELOADS = 20
TOPICS = ["食堂", "养老", "低保", "就业", "托育", "供暖", "修路", "医保", "图书馆", "防火"]


def version_file(version: int) -> str:
    """One entry per topic; the order is shuffled per version, so that an answer composed with
    another version's index would name the wrong entry."""
    order = list(range(len(TOPICS)))
    random.Random(version).shuffle(order)
    blocks = []
    for number in order:
        topic = TOPICS[number]
        blocks.append(
            f'[[entries]]\nid = "topic-{number}"\ntitle = "{topic}（版本{version}）"\n'
            f'category = "测试"\nregion = "长治市"\nkeywords = ["{topic}"]\n'
            f'excerpt = "关于{topic}的措施（版本{version}）。"\nsource = "src-b"\n'
        )
    return "\n".join(blocks)


def marker(text: str) -> str:
    return text[text.index("（版本") :]


def test_answers_stay_consistent_while_reloading(tmp_path: Path) -> None:
    kb = write_knowledge(
        tmp_path,
        {
            "elderly.toml": version_file(0),
            "jobs.toml": version_file(0).replace('id = "topic-', 'id = "other-'),
        },
    )
    (kb / "jobs.toml").unlink()
    service = KnowledgeService(kb, MatchingSettings(cutoff=1.0))
    failures: list[str] = []
    latencies: list[float] = []
    last_valid = {"version": 0}
    done = threading.Event()

    def reloader() -> None:
        for number in range(1, RELOADS + 1):
            if number % 2:
                (kb / "elderly.toml").write_text(version_file(number), encoding="utf-8")
                service.reload()
                last_valid["version"] = number
            else:
                (kb / "broken.toml").write_text("[[entries]\n", encoding="utf-8")
                try:
                    service.reload()
                    failures.append(f"reload {number} accepted a broken file")
                except KnowledgeError:
                    pass
                (kb / "broken.toml").unlink()
            time.sleep(0.005)
        done.set()

    def ask(number: int) -> None:
        topic_number = number % len(TOPICS)
        started = time.perf_counter()
        try:
            answer = service.ask(f"请问{TOPICS[topic_number]}的事")
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            return
        latencies.append((time.perf_counter() - started) * 1000)
        if not answer.answered:
            failures.append(f"not answered: {answer.query}")
            return
        first = answer.answers[0]
        if first.id != f"topic-{topic_number}":
            failures.append(f"{answer.query} answered with {first.id}")
        versions = {marker(item.title) for item in answer.answers}
        versions |= {marker(item.excerpt).rstrip("。") for item in answer.answers}
        if len(versions) != 1:
            failures.append(f"mixed versions in one answer: {versions}")

    baseline = []
    for number in range(200):
        started = time.perf_counter()
        service.ask(f"请问{TOPICS[number % len(TOPICS)]}的事")
        baseline.append((time.perf_counter() - started) * 1000)

    thread = threading.Thread(target=reloader)
    thread.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(ask, range(QUESTIONS)))
    thread.join()
    assert done.is_set()
    assert failures == [], failures[:5]
    assert len(latencies) == QUESTIONS
    final = service.ask("请问食堂的事").answers[0]
    assert (
        final.title == f"食堂（版本{last_valid['version']}）"
        and last_valid["version"] == RELOADS - 1
    )
    print(
        f"\n{QUESTIONS} answers during {RELOADS} reloads: median "
        f"{statistics.median(latencies):.3f} ms, max {max(latencies):.1f} ms; without reloads: "
        f"median {statistics.median(baseline):.3f} ms, max {max(baseline):.1f} ms"
    )
