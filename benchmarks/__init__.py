"""Benchmarks of the bot (``bot bench``, README's load figures): outside the product packages.

They may import ``bot`` and ``handlers``; neither imports them (tests/test_architecture.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.config import Config
from bot.errors import BotError
from bot.loader import load_knowledge


def run_from_cli(config: Config, args: argparse.Namespace) -> str:
    """Run the whole benchmark as ``bot bench`` asks; its table (or JSON) as text."""
    try:
        import rank_bm25  # noqa: F401  (a baseline, installed with the [bench] extra)
    except ImportError as exc:
        raise BotError("bench needs the baselines: pip install -e '.[bench]'") from exc
    from benchmarks.core import question_mix, run_benchmark, telegram_throughput
    from benchmarks.report import benchmark_table, plot_p99

    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    dev = _seed_questions(Path(args.question_file) if args.question_file else None, config)
    results = run_benchmark(config.knowledge.dir, dev, sizes, args.questions)
    articles = "".join(
        p.read_text(encoding="utf-8") for p in (config.knowledge.dir / "articles").glob("*")
    )
    results["telegram"] = telegram_throughput(
        question_mix(dev, 2000, articles), config.knowledge.dir, args.config
    )
    if args.plot:
        plot_p99(results, Path(args.plot))
    return json.dumps(results, ensure_ascii=False) if args.json else benchmark_table(results)


def _seed_questions(path: Path | None, config: Config) -> list[str]:
    """The question file's questions, or the knowledge's example questions without one."""
    try:
        if path is None:
            raise FileNotFoundError("no question file")
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["q"] for line in lines if line.strip()]
    except (OSError, ValueError, KeyError):
        knowledge = load_knowledge(config.knowledge.dir, config.knowledge.max_file_bytes)
        return [q for entry in knowledge.entries for q in entry.questions]
