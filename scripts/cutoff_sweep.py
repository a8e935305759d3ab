"""Choose the matcher's cut-off on evidence: answer rate in scope against refusal out of scope.

In scope: every example question of the knowledge base (its entry must come first) and, when
given, a score.py-style question set (``--questions FILE.jsonl``; an answer counts when its title
or excerpt holds an expected phrase). Out of scope: tests/data/out_of_scope.txt and the set's
questions without expectations. Every question is asked again at every cut-off (a cut-off changes
which candidate answers, not only whether the best one does). ``--kind passage`` sweeps the
passages' cut-off with the entries' one as configured.

    .venv/bin/python scripts/cutoff_sweep.py [--questions FILE.jsonl] [--kind entry|passage]
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
    parser.add_argument(
        "--kind",
        choices=["entry", "passage"],
        default="entry",
        help="sweep the entries' cut-off (matching.cutoff) or the passages' (passage_cutoff)",
    )
    args = parser.parse_args()
    config = load_config(str(ROOT / "config.toml"))
    service = KnowledgeService(config.knowledge.dir, config.matching)

    in_scope: list[tuple[str, str | None, list[str]]] = []  # question, entry id, phrases
    for entry in service.knowledge.entries:
        in_scope += [(question, entry.id, []) for question in entry.questions]
    out_scope = read_out_of_scope(OUT_OF_SCOPE)
    questions = [json.loads(line) for line in args.questions.open()] if args.questions else []
    for row in questions:
        if row["expect_any"]:
            in_scope.append((row["q"], None, row["expect_any"]))
        else:
            out_scope.append(row["q"])

    print(f"in scope: {len(in_scope)} questions; out of scope: {len(out_scope)}")
    print(f"{'cut-off':>8}{'top-1 %':>10}{'refused %':>11}")
    setting = "cutoff" if args.kind == "entry" else "passage_cutoff"
    for step in range(20, 81, 5):
        # Each cut-off changes which candidate answers: every question is asked again.
        setattr(config.matching, setting, step / 10)
        right = sum(_right_first(service, *question) for question in in_scope)
        refused = sum(not service.ask(question).answered for question in out_scope)
        print(
            f"{step / 10:>8.1f}{100 * right / len(in_scope):>10.1f}"
            f"{100 * refused / len(out_scope):>11.1f}"
        )


def _right_first(
    service: KnowledgeService, question: str, entry_id: str | None, phrases: list[str]
) -> bool:
    answer = service.ask(question)
    if not answer.answered:
        return False
    best = answer.answers[0]
    if entry_id is not None:
        return best.id == entry_id
    return any(phrase in f"{best.title}\n{best.excerpt}" for phrase in phrases)


if __name__ == "__main__":
    main()
