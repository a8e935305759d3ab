"""The word cache: the same index with or without it, and never a reason to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import MatchingSettings
from bot.service import KnowledgeService
from tests.conftest import write_knowledge


def _postings(service: KnowledgeService) -> dict[str, list[int]]:
    return {term: list(numbers) for term, numbers in service.index.text.postings.items()}


def test_a_cached_start_builds_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_CACHE_DIR", str(tmp_path / "cache"))
    kb = write_knowledge(tmp_path / "kb")
    first = KnowledgeService(kb, MatchingSettings())
    (cached,) = (tmp_path / "cache").glob("*.json")
    second = KnowledgeService(kb, MatchingSettings())
    assert _postings(first) == _postings(second)
    assert first.index.text.vocabulary == second.index.text.vocabulary
    assert cached.stat().st_size > 0


def test_a_corrupt_cache_is_ignored_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_CACHE_DIR", str(tmp_path / "cache"))
    kb = write_knowledge(tmp_path / "kb")
    expected = _postings(KnowledgeService(kb, MatchingSettings()))
    (cached,) = (tmp_path / "cache").glob("*.json")
    cached.write_text('{"幸福食堂": [1, 2', encoding="utf-8")
    assert _postings(KnowledgeService(kb, MatchingSettings())) == expected
    assert cached.read_text(encoding="utf-8").startswith("{")
    assert "幸福食堂" in cached.read_text(encoding="utf-8")


def test_a_cache_that_cannot_be_written_costs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be", encoding="utf-8")
    monkeypatch.setenv("BOT_CACHE_DIR", str(blocked))
    service = KnowledgeService(write_knowledge(tmp_path / "kb"), MatchingSettings(cutoff=2.0))
    assert service.ask("幸福食堂").answered
