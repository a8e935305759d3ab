"""The Telegram part of ``bot bench``: updates per second through Application.process_update.

Run as ``python -m benchmarks.telegram --config FILE --knowledge DIR QUESTIONS.json`` by
``bot bench`` (in its own process, so that the core never imports Telegram code); prints one
JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bot.config import Config, load_config
from bot.service import KnowledgeService
from handlers.app import build_application
from testing.offline import OfflineBotAPI
from testing.updates import text_message, to_update


def updates_per_second(config: Config, questions: list[str]) -> dict[str, Any]:
    """Push one text update per question through the real handlers with an offline bot."""
    return asyncio.run(_measure(config, questions))


async def _measure(config: Config, questions: list[str]) -> dict[str, Any]:
    config = config.model_copy(deep=True)
    config.telegram.token = "0:OFFLINE"  # the offline Bot API never sees it
    service = KnowledgeService(config.knowledge.dir, config.matching)
    application = build_application(
        config, service, request=OfflineBotAPI(record=False), rate_limiter=False
    )
    await application.initialize()
    # A different resident for each update, as on a busy day (and below the flood limit).
    updates = [
        to_update(application.bot, text_message(q or "?", update_id=n + 1, user_id=10_000 + n))
        for n, q in enumerate(questions)
    ]
    for update in updates[:50]:  # warm up
        await application.process_update(update)
    started = time.perf_counter()
    for update in updates:
        await application.process_update(update)
    elapsed = time.perf_counter() - started
    core_started = time.perf_counter()
    for question in questions:
        service.ask(question)
    core_elapsed = time.perf_counter() - core_started
    await application.shutdown()
    return {
        "updates": len(updates),
        "updates_per_s": round(len(updates) / elapsed, 1),
        "ms_per_update": round(elapsed / len(updates) * 1000, 4),
        "core_ms_per_question": round(core_elapsed / len(questions) * 1000, 4),
        "overhead_ms_per_update": round((elapsed - core_elapsed) / len(updates) * 1000, 4),
    }


def main() -> int:
    """Measure with the given config and questions; print the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", help="a JSON file holding a list of questions")
    parser.add_argument("--config")
    parser.add_argument("--knowledge")
    args = parser.parse_args()
    config = load_config(args.config)
    if args.knowledge:
        config.knowledge.dir = Path(args.knowledge)
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    json.dump(updates_per_second(config, questions), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
