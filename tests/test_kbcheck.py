"""The clerk's tools: kb test fails on a broken answer; kb lint reports what it promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import MatchingSettings, load_config
from bot.kbcheck import lint, run_examples
from bot.service import KnowledgeService
from tests.conftest import ELDERLY, ROOT, write_knowledge


def test_shipped_example_questions_all_retrieve_their_entry() -> None:
    config = load_config(str(ROOT / "config.toml"))
    total, failures = run_examples(KnowledgeService(config.knowledge.dir, config.matching))
    assert total >= 3 * 70
    assert not failures, "\n".join(f.describe() for f in failures)


def test_kb_test_reports_a_question_that_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = ELDERLY.replace(
        'questions = ["幸福食堂在哪"]', 'questions = ["幸福食堂在哪", "野猪拱了庄稼"]'
    )
    kb = write_knowledge(tmp_path, {"elderly.toml": broken})
    assert main(["kb", "test", "--knowledge", str(kb), "--config", str(ROOT / "config.toml")]) == 1
    out = capsys.readouterr().out
    assert 'elderly-canteens: "野猪拱了庄稼" → ' in out
    assert "2 example questions, 1 passed, 1 failed" in out


def test_kb_lint_warnings(tmp_path: Path) -> None:
    elderly = (
        ELDERLY.replace("扩容提质幸福食堂与配餐点。", "扩容提质幸福食堂。\\n编造的一句话。")
        # home-renovation's only single-word keywords become a subset of elderly-canteens'.
        .replace(
            'keywords = ["适老化改造", "老年人 改造", "养老"]', 'keywords = ["食堂", "配餐点"]'
        )
        .replace('questions = ["幸福食堂在哪"]', 'questions = ["幸福食堂在哪", "我家老人吃饭"]')
    )
    kb = write_knowledge(tmp_path, {"elderly.toml": elderly})
    warnings = lint(KnowledgeService(kb, MatchingSettings(cutoff=2.0)))
    where = f"{kb / 'elderly.toml'}: entry"
    assert f'{where} "home-renovation": no example questions' in warnings
    assert any(
        w.startswith(
            f'{where} "home-renovation": every keyword is also a keyword of elderly-canteens'
        )
        for w in warnings
    )
    assert any("excerpt passage not found verbatim in a.txt: 编造的一句话" in w for w in warnings)
    assert any("keyword '老年人 吃饭'" not in w and "'吃饭'" not in w for w in warnings)
    # jieba cuts 我家老人吃饭 as ... 老人 / 吃饭: the two-character rule word 人吃 never occurs.
    assert not any("straddles" in w for w in warnings)


def test_kb_lint_straddling_and_unreached(tmp_path: Path) -> None:
    jobs = (
        '[[entries]]\nid = "a"\ntitle = "甲"\ncategory = "c"\nregion = "长治市"\n'
        'keywords = ["人吃"]\nexcerpt = "甲。"\nsource = "src-b"\nquestions = ["老人吃饭"]\n'
    )
    kb = write_knowledge(tmp_path, {"jobs.toml": jobs})
    warnings = lint(KnowledgeService(kb, MatchingSettings(cutoff=2.0)))
    assert any(
        "keyword '人吃' straddles two words in example question '老人吃饭'" in w for w in warnings
    )
    assert (
        f'{kb / "jobs.toml"}: entry "a": no example question (of any entry) retrieves it first'
        in warnings
    )


def test_shipped_knowledge_refuses_out_of_scope_questions() -> None:
    """Honesty regression: questions the knowledge does not cover get no confident answer."""
    from scripts.cutoff_sweep import OUT_OF_SCOPE, read_out_of_scope

    config = load_config(str(ROOT / "config.toml"))
    service = KnowledgeService(config.knowledge.dir, config.matching)
    questions = read_out_of_scope(OUT_OF_SCOPE)
    answered = [q for q in questions if service.ask(q).answered]
    assert len(answered) <= 0.1 * len(questions), answered
