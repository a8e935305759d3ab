"""The normaliser and the matcher never raise, whatever a resident sends."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config import MatchingSettings
from bot.normalize import normalize
from bot.service import KnowledgeService
from tests.conftest import write_knowledge

_SERVICE: list[KnowledgeService] = []
# Chinese keywords, punctuation and spaces mixed in, so that matches and near-matches happen.
CHINESE = st.text(
    alphabet=st.sampled_from(
        list("养老保险幸福食堂适老化改造低包野猪赔庄稼就业岗位，。！ ?😀\x00")
    ),
    max_size=40,
)


def service() -> KnowledgeService:
    if not _SERVICE:
        import tempfile

        directory = write_knowledge(Path(tempfile.mkdtemp()) / "kb")
        _SERVICE.append(KnowledgeService(directory, MatchingSettings(cutoff=2.0)))
    return _SERVICE[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_normalize_any_text(text: str) -> None:
    out = normalize(text, max_chars=50)
    assert len(out) <= 50 and out == out.strip()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), CHINESE))
@example("养 老")  # a homophone window across removed punctuation once crashed the matcher
def test_ask_any_text(text: str) -> None:
    answer = service().ask(text)
    assert answer.answered == bool(answer.answers)
    assert len(answer.answers) <= 3
