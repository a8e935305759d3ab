"""The benchmark's building blocks (the numbers themselves come from `bot bench`, not tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchmarks.core import question_mix, summary, synthesize
from benchmarks.report import benchmark_table
from bot.cli import main
from bot.loader import load_knowledge
from tests.conftest import ROOT

ARTICLES = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "knowledge/articles").glob("*"))


def test_question_mix_is_deterministic_and_perturbed() -> None:
    seeds = ["家附近有没有老年食堂", "野猪把庄稼拱了能赔吗"]
    first = question_mix(seeds, 40, ARTICLES)
    assert first == question_mix(seeds, 40, ARTICLES)
    assert len(first) == 40 and first[:2] == seeds
    variants = set(first[2:]) - set(seeds)
    assert any(q.startswith("请问一下") for q in variants)
    assert any("齡" in q or "賠" in q or "飯" in q or "莊" in q for q in variants)


def test_synthetic_knowledge_is_valid_and_sized(tmp_path: Path) -> None:
    directory = synthesize(ROOT / "knowledge", 130, tmp_path / "kb")
    knowledge = load_knowledge(directory)
    assert len(knowledge.entries) == 130
    assert len({e.id for e in knowledge.entries}) == 130
    shipped = load_knowledge(ROOT / "knowledge").entries
    assert knowledge.entries[0].excerpt == shipped[0].excerpt
    assert knowledge.entries[0].keywords[:6] == shipped[0].keywords[:6]


def test_summary_and_table() -> None:
    stats = summary([1.0] * 98 + [5.0, 9.0])
    assert stats["median_ms"] == 1.0 and stats["p99_ms"] == 9.0
    row = {
        "entries": 76,
        "load_s": 0.7,
        "peak_rss_mb": 200.0,
        "ours": stats,
        "reload": {"reload_s": 0.3, "p99_ms_during_reload": 5.0},
        "naive_ratio_median": 4.0,
        "bm25_ratio_median": 1.0,
        "baseline_questions": 100,
        "naive": stats,
        "bm25": stats,
        "first_seen": summary([2.0] * 99 + [7.5]),
    }
    table = benchmark_table(
        {"questions": 100, "sizes": {"shipped": row}, "start_to_first_answer_s": 1.2}
    )
    assert "shipped" in table and "1.20 s" in table
    assert "shipped 2.000 / 7.500" in table  # first time asked: median / p99


@pytest.mark.skipif(
    importlib.util.find_spec("rank_bm25") is not None, reason="the [bench] extra is installed"
)
def test_bench_without_its_extra_says_how_to_install(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--sizes", "", "--questions", "10"]) == 1
    assert "pip install -e '.[bench]'" in capsys.readouterr().err
