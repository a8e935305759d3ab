"""Choose the matcher's cut-off on evidence: answer rate in scope against refusal out of scope.

In scope: every example question of the knowledge base (its entry must come first) and, when
given, a score.py-style question set (``--questions FILE.jsonl``; an answer counts when its title
or excerpt holds an expected phrase). Out of scope: tests/data/out_of_scope.txt and the set's
questions without expectations. The best score of each question is computed once; every cut-off
is then a threshold on it.

    .venv/bin/python scripts/cutoff_sweep.py [--questions ../shared/eval/dev_questions.jsonl]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.config import load_config
from bot.service import KnowledgeService

ROOT = Path(__file__).resolve().parent.parent
OUT_OF_SCOPE = ROOT / "tests" / "data" / "out_of_scope.txt"


def read_out_of_scope(path: Path) -> list[str]:
    """Non-comment, non-empty lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def main() -> None:
    """Print, for a range of cut-offs, top-1 in scope and refusal out of scope."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, help="score.py-style JSONL question set")
    args = parser.parse_args()
    config = load_config(str(ROOT / "config.toml"))
    config.matching.cutoff = 0.0  # every candidate answers; the sweep applies the threshold
    service = KnowledgeService(config.knowledge.dir, config.matching)

    in_scope: list[tuple[float, bool]] = []  # (best score, right answer first)
    out_scope: list[float] = []
    for entry in service.knowledge.entries:
        for question in entry.questions:
            answer = service.ask(question)
            best = answer.answers[0] if answer.answered else None
            in_scope.append((best.score if best else 0.0, bool(best and best.id == entry.id)))
    questions = [json.loads(line) for line in args.questions.open()] if args.questions else []
    for row in questions:
        answer = service.ask(row["q"])
        best = answer.answers[0] if answer.answered else None
        if not row["expect_any"]:
            out_scope.append(best.score if best else 0.0)
            continue
        text = f"{best.title}\n{best.excerpt}" if best else ""
        in_scope.append((best.score if best else 0.0, any(p in text for p in row["expect_any"])))
    for question in read_out_of_scope(OUT_OF_SCOPE):
        answer = service.ask(question)
        out_scope.append(answer.answers[0].score if answer.answered else 0.0)

    print(f"in scope: {len(in_scope)} questions; out of scope: {len(out_scope)}")
    print(f"{'cut-off':>8}{'top-1 %':>10}{'refused %':>11}")
    for step in range(10, 81, 5):
        cutoff = step / 10
        top1 = sum(ok and score >= cutoff for score, ok in in_scope) / len(in_scope)
        refused = sum(score < cutoff for score in out_scope) / len(out_scope)
        print(f"{cutoff:>8.1f}{100 * top1:>10.1f}{100 * refused:>11.1f}")


if __name__ == "__main__":
    main()
