"""How near are the suggestions offered when a question is not answered?

For every question set (score.py-style JSONL: ``expect_any`` empty means out of scope) and
tests/data/out_of_scope.txt, each question is asked and, when it is not answered, its
suggestions are compared with the question:

- out of scope: how many suggestions share only generic words with the question (补贴, 免费,
  a region name… — ``MatchIndex.generic``, decided from the knowledge), target 0;
- in scope but refused: how often the right entry (title or excerpt holding an expected phrase)
  is among the suggestions.

Each figure is printed for the suggestions offered and for the nearest documents before the
check (what was offered without it), so the check's cost and gain are both visible.

    .venv/bin/python -m scripts.suggestion_figures [--questions FILE.jsonl ...] [--list]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from bot.config import load_config
from bot.index import MatchIndex
from bot.matcher import MatchResult
from bot.service import KnowledgeService, nearest_documents, shared_terms, specific_terms

ROOT = Path(__file__).resolve().parent.parent
OUT_OF_SCOPE = ROOT / "tests" / "data" / "out_of_scope.txt"
DEFAULT_SETS = [
    *sorted((ROOT.parent / "shared" / "eval").glob("*.jsonl")),
    *sorted((ROOT / "tests" / "data").glob("*.jsonl")),
]


@dataclass
class Figures:
    """Counts for one question set."""

    out_of_scope: int = 0
    offered: int = 0  # suggestions offered on out-of-scope questions
    offered_generic: int = 0  # … of them sharing only generic words
    before: int = 0  # the nearest documents without the check
    before_generic: int = 0
    refused_in_scope: int = 0
    right_offered: int = 0  # refused in-scope questions with the right entry suggested
    right_before: int = 0


def read_set(path: Path) -> list[tuple[str, list[str]]]:
    """(question, expected phrases) of a JSONL set, or of a plain list of out-of-scope lines."""
    if path.suffix != ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        return [(line.strip(), []) for line in lines if line.strip() and not line.startswith("#")]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(row["q"], row["expect_any"]) for row in rows]


def by_title(index: MatchIndex, numbers: list[int]) -> list[int]:
    """One document per title, as the answer offers them."""
    seen: dict[str, int] = {}
    for number in numbers:
        seen.setdefault(index.documents[number].title, number)
    return list(seen.values())


def measure(
    service: KnowledgeService, questions: list[tuple[str, list[str]]], listing: bool
) -> Figures:
    """Ask every question and count what its suggestions share with it."""
    figures = Figures()
    index = service.index
    limit = service.settings.max_suggestions
    for question, phrases in questions:
        answer = service.ask(question)
        if answer.answered:
            continue
        result: MatchResult = service.explain(question)
        offered = [index.entry_numbers[i] for i in answer.suggestion_ids]
        before = by_title(index, nearest_documents(index, result, limit))
        terms = specific_terms(index, result)
        if not phrases:
            figures.out_of_scope += 1
            figures.offered += len(offered)
            figures.before += len(before)
            generic = [n for n in offered if not shared_terms(index, n, terms)]
            figures.offered_generic += len(generic)
            figures.before_generic += sum(not shared_terms(index, n, terms) for n in before)
            if listing and offered:
                shared = [sorted(shared_terms(index, n, terms)) for n in offered]
                titles = [index.documents[n].title[:20] for n in offered]
                print(f"  {question} → {list(zip(titles, shared, strict=True))}")
            continue
        figures.refused_in_scope += 1
        right = _holds(index, offered, phrases)
        figures.right_offered += right
        figures.right_before += _holds(index, before, phrases)
        if listing:
            titles = [index.documents[n].title[:20] for n in offered]
            print(f"  in scope, refused: {question} → {titles} (right: {right})")
    return figures


def _holds(index: MatchIndex, numbers: list[int], phrases: list[str]) -> bool:
    """True when one of the documents' title or excerpt holds an expected phrase."""
    said = [f"{index.documents[n].title}\n{index.documents[n].excerpt}" for n in numbers]
    return any(phrase in text for phrase in phrases for text in said)


def main() -> None:
    """Print the suggestion figures of each set and of all sets together."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, nargs="*", help="score.py-style JSONL sets")
    parser.add_argument(
        "--list", action="store_true", help="list out-of-scope questions given suggestions"
    )
    args = parser.parse_args()
    config = load_config(str(ROOT / "config.toml"))
    service = KnowledgeService(config.knowledge.dir, config.matching)
    paths = [*(args.questions or DEFAULT_SETS), OUT_OF_SCOPE]
    header = (
        f"{'set':<28}{'out of scope':>13}{'generic-only / offered':>24}{'(before)':>12}"
        f"{'refused in scope':>18}{'right suggested':>17}{'(before)':>10}"
    )
    print(header)
    total = Figures()
    for path in paths:
        if args.list:
            print(f"{path.name}:")
        figures = measure(service, read_set(path), args.list)
        _print_row(path.name, figures)
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(figures, name))
    _print_row("all", total)


def _print_row(name: str, f: Figures) -> None:
    print(
        f"{name:<28}{f.out_of_scope:>13}{f'{f.offered_generic} / {f.offered}':>24}"
        f"{f'{f.before_generic} / {f.before}':>12}{f.refused_in_scope:>18}"
        f"{f.right_offered:>17}{f.right_before:>10}"
    )


if __name__ == "__main__":
    main()
