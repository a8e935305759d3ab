"""``bot bench``: per-question cost against knowledge size, with naive and BM25 baselines.

Every size runs in its own process (so peak RSS is its own): load from TOML, answer the question
mix, reload while answering, then the baselines on a subset of the same questions. Synthetic
knowledge bases clone the shipped entries with new ids and random keywords from the articles.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jieba
import opencc

from bot.background import wait_for_releases
from bot.config import MatchingSettings
from bot.loader import ARTICLES_DIR, RESERVED_FILES, load_knowledge
from bot.pinyin import plain_readings
from bot.service import KnowledgeService

ENTRIES_PER_FILE = 5000
RANDOM_KEYWORDS = 6
SEED = 7
# Baselines are slow at scale: they run on this many of the questions, and ours on the same.
BASELINE_QUESTIONS = {0: 200, 1_000: 200, 10_000: 60, 100_000: 20}
RELEASE_WAIT_SECONDS = 60


def question_mix(dev_questions: list[str], count: int, article_text: str) -> list[str]:
    """The development questions plus perturbed variants (homophone, missing character,
    traditional characters, polite padding), ``count`` in all, the same every run."""
    rng = random.Random(SEED)
    to_traditional = opencc.OpenCC("s2t")
    by_reading: dict[str, list[str]] = {}
    for char in sorted(set(article_text)):
        for reading in plain_readings(char):
            by_reading.setdefault(reading, []).append(char)

    def homophone(text: str) -> str:
        positions = [i for i, c in enumerate(text) if plain_readings(c)]
        rng.shuffle(positions)
        for i in positions:
            reading = sorted(plain_readings(text[i]))[0]
            others = [c for c in by_reading.get(reading, []) if c != text[i]]
            if others:
                return text[:i] + rng.choice(others) + text[i + 1 :]
        return text

    def drop_one(text: str) -> str:
        i = rng.randrange(len(text)) if text else 0
        return text[:i] + text[i + 1 :]

    variants: list[Callable[[str], str]] = [
        homophone,
        drop_one,
        lambda t: str(to_traditional.convert(t)),
        lambda t: f"请问一下，{t}谢谢！",
    ]
    mix = list(dev_questions)
    while len(mix) < count:
        mix.append(rng.choice(variants)(rng.choice(dev_questions)))
    return mix[:count]


def synthesize(source_dir: Path, size: int, target: Path) -> Path:
    """A knowledge directory of ``size`` entries cloned from ``source_dir``."""
    knowledge = load_knowledge(source_dir)
    target.mkdir(parents=True, exist_ok=True)
    for name in RESERVED_FILES:
        if (source_dir / name).exists():
            shutil.copy(source_dir / name, target / name)
    shutil.copytree(source_dir / ARTICLES_DIR, target / ARTICLES_DIR, dirs_exist_ok=True)
    text = "".join(p.read_text(encoding="utf-8") for p in (source_dir / ARTICLES_DIR).glob("*"))
    vocabulary = sorted(
        {w for w in jieba.lcut(text) if 2 <= len(w) <= 4 and all("一" <= c <= "鿿" for c in w)}
    )
    rng = random.Random(SEED)
    entries = knowledge.entries
    for first in range(0, size, ENTRIES_PER_FILE):
        blocks = []
        for number in range(first, min(size, first + ENTRIES_PER_FILE)):
            entry = entries[number % len(entries)]
            keywords = [*entry.keywords[:RANDOM_KEYWORDS], *rng.sample(vocabulary, RANDOM_KEYWORDS)]
            fields = {
                "id": f"{entry.id}-s{number}",
                "title": entry.title,
                "category": entry.category,
                "region": entry.region,
                "keywords": keywords,
                "excerpt": entry.excerpt,
                "source": entry.source,
            }
            lines = [
                f"{key} = {json.dumps(val, ensure_ascii=False)}" for key, val in fields.items()
            ]
            blocks.append("[[entries]]\n" + "\n".join(lines) + "\n")
        (target / f"synthetic-{first // ENTRIES_PER_FILE:04d}.toml").write_text(
            "\n".join(blocks), encoding="utf-8"
        )
    return target


def summary(latencies_ms: list[float]) -> dict[str, float]:
    """Median, p99 and questions per second of a list of per-question times."""
    ordered = sorted(latencies_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    total = sum(ordered) / 1000
    return {
        "median_ms": round(statistics.median(ordered), 4) if ordered else 0.0,
        "p99_ms": round(p99, 4),
        "qps": round(len(ordered) / total, 1) if total else 0.0,
    }


def _timed(function: Callable[[str], Any], questions: list[str]) -> list[float]:
    latencies = []
    for question in questions:
        started = time.perf_counter()
        function(question)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure_size(directory: Path, size: int, questions: list[str]) -> dict[str, Any]:
    """Everything measured for one knowledge base, in the calling process."""
    settings = MatchingSettings()
    started = time.perf_counter()
    service = KnowledgeService(directory, settings)
    result: dict[str, Any] = {"entries": len(service.knowledge.entries)}
    result["load_s"] = round(time.perf_counter() - started, 3)
    # Each distinct question the first time it is asked, before any warm-up: what a resident
    # waits for a question nobody asked before (the mix repeats its questions with variants).
    result["first_seen"] = summary(_timed(service.ask, list(dict.fromkeys(questions))))
    _timed(service.ask, questions[:50])  # warm caches
    result["ours"] = summary(_timed(service.ask, questions))
    result["reload"] = _reload_under_load(service, questions)
    # The retired version is freed in a thread for a few seconds after the swap: the baselines
    # and ours are compared once it is done, not while ours shares the interpreter with it.
    wait_for_releases(RELEASE_WAIT_SECONDS)
    result["peak_rss_mb"] = _peak_rss_mb()  # before the baselines build their own structures

    subset = questions[: BASELINE_QUESTIONS.get(size, 20)]
    # Warmed like the main run (the reload left a new version whose kept words and texts are
    # empty): the first-seen figure is the one for questions nobody asked before.
    _timed(service.ask, subset)
    ours = summary(_timed(service.ask, subset))
    naive = summary(_timed(_naive_matcher(service), subset))
    bm25 = summary(_timed(_bm25_matcher(service), subset))
    result["baseline_questions"] = len(subset)
    result["ours_on_subset"] = ours
    result["naive"] = naive
    result["bm25"] = bm25
    result["naive_ratio_median"] = round(naive["median_ms"] / ours["median_ms"], 1)
    result["bm25_ratio_median"] = round(bm25["median_ms"] / ours["median_ms"], 1)
    return result


def _reload_under_load(service: KnowledgeService, questions: list[str]) -> dict[str, Any]:
    """Reload in a thread while this one keeps answering: answers must keep flowing."""
    done = threading.Event()
    timing: dict[str, float] = {}

    def reload() -> None:
        started = time.perf_counter()
        service.reload()
        timing["reload_s"] = time.perf_counter() - started
        done.set()

    thread = threading.Thread(target=reload)
    thread.start()
    latencies: list[float] = []
    position = 0
    while not done.is_set():
        question = questions[position % len(questions)]
        started = time.perf_counter()
        service.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
        position += 1
    thread.join()
    during = summary(latencies)
    return {
        "reload_s": round(timing["reload_s"], 3),
        "answers_during_reload": len(latencies),
        "p99_ms_during_reload": during["p99_ms"],
        "max_ms_during_reload": round(max(latencies), 3) if latencies else 0.0,
    }


def _naive_matcher(service: KnowledgeService) -> Callable[[str], Any]:
    """rapidfuzz.process.extract of the question over every keyword of every entry."""
    from rapidfuzz import fuzz, process

    keywords = [k for entry in service.knowledge.entries for k in entry.keywords]
    return lambda q: process.extract(q, keywords, scorer=fuzz.partial_ratio, limit=3)


def _bm25_matcher(service: KnowledgeService) -> Callable[[str], Any]:
    """BM25 (rank_bm25) over jieba-tokenised excerpts."""
    from rank_bm25 import BM25Okapi

    cache: dict[str, list[str]] = {}  # clones share excerpts: tokenise each text once

    def tokens(text: str) -> list[str]:
        if text not in cache:
            cache[text] = [w for w in jieba.lcut_for_search(text) if w.strip()]
        return cache[text]

    model = BM25Okapi([tokens(entry.excerpt) for entry in service.knowledge.entries])
    return lambda q: model.get_top_n(tokens(q), service.knowledge.entries, n=3)


def _worker(directory: str, size: int, questions: list[str], queue: Any) -> None:
    queue.put(measure_size(Path(directory), size, questions))


def run_size(directory: Path, size: int, questions: list[str]) -> dict[str, Any]:
    """measure_size in a fresh process, so that its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_worker, args=(str(directory), size, questions, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def start_to_first_answer(config_args: list[str], runs: int = 3) -> float:
    """Median seconds from ``python -m bot ask`` starting to its answer being printed."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", *config_args, "家附近有没有幸福食堂"],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def run_benchmark(
    knowledge_dir: Path, dev_questions: list[str], sizes: list[int], count: int
) -> dict[str, Any]:
    """The whole benchmark: shipped knowledge, then each synthetic size."""
    article_text = "".join(
        p.read_text(encoding="utf-8") for p in (knowledge_dir / ARTICLES_DIR).glob("*")
    )
    questions = question_mix(dev_questions, count, article_text)
    results: dict[str, Any] = {"questions": len(questions), "sizes": {}}
    results["sizes"]["shipped"] = run_size(knowledge_dir, 0, questions)
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as scratch:
            directory = synthesize(knowledge_dir, size, Path(scratch) / "knowledge")
            results["sizes"][str(size)] = run_size(directory, size, questions)
    results["start_to_first_answer_s"] = start_to_first_answer(["--knowledge", str(knowledge_dir)])
    return results


def telegram_throughput(
    questions: list[str], knowledge_dir: Path, config_file: str | None
) -> dict[str, Any]:
    """Updates per second through the Telegram layer, measured by ``benchmarks.telegram`` in its own
    process (the core never imports Telegram code)."""
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as scratch:
        question_file = Path(scratch) / "questions.json"
        question_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        command = [sys.executable, "-m", "benchmarks.telegram", str(question_file)]
        command += ["--knowledge", str(knowledge_dir)]
        if config_file:
            command += ["--config", config_file]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output)
    return result
