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


# -- the loader never raises anything but its own error ------------------------------------

TOML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(), inner, max_size=4)
    ),
    max_leaves=12,
)


def _load_or_knowledge_error(directory: Path) -> None:
    from bot.errors import KnowledgeError
    from bot.loader import load_knowledge

    try:
        load_knowledge(directory)
    except KnowledgeError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000))
def test_loader_on_arbitrary_bytes(tmp_path_factory: object, data: bytes) -> None:
    import tempfile

    directory = write_knowledge(Path(tempfile.mkdtemp()) / "kb")
    (directory / "elderly.toml").write_bytes(data)
    _load_or_knowledge_error(directory)


@settings(max_examples=150, deadline=None)
@given(
    document=st.dictionaries(st.text(max_size=10), TOML_VALUES, max_size=4),
    entries=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "title",
                    "category",
                    "region",
                    "keywords",
                    "excerpt",
                    "source",
                    "questions",
                    "notes",
                    "x",
                ]
            ),
            TOML_VALUES,
        ),
        max_size=3,
    ),
)
def test_loader_on_arbitrary_toml(document: dict, entries: list) -> None:  # type: ignore[type-arg]
    import tempfile
    import tomllib

    directory = write_knowledge(Path(tempfile.mkdtemp()) / "kb")
    text = _to_toml({**document, "entries": entries} if entries else document)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # our tiny writer produced something TOML cannot hold: nothing to test
    (directory / "elderly.toml").write_text(text, encoding="utf-8")
    _load_or_knowledge_error(directory)


def _to_toml(document: dict) -> str:  # type: ignore[type-arg]
    """A small TOML writer: JSON-style inline values are valid TOML for these types."""
    import json

    def value(v: object) -> str:
        if v is None:
            return '""'
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v) if not isinstance(v, float) or v == v else "0"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        return '""'

    lines = [f"{json.dumps(k)} = {value(v)}" for k, v in document.items() if k != "entries"]
    for entry in document.get("entries", []):
        lines.append("[[entries]]")
        lines += [f"{json.dumps(k)} = {value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


# -- the HTML renderer always produces what Telegram accepts --------------------------------


def _balanced_and_escaped(html_text: str) -> bool:
    import re

    tags = re.findall(r"<(/?)([a-z]+)>", html_text)
    depth = 0
    for closing, name in tags:
        if name != "b":
            return False
        depth += -1 if closing else 1
        if depth not in (0, 1):
            return False
    stripped = re.sub(r"</?b>", "", html_text)
    no_entities = re.sub(r"&(amp|lt|gt|quot|#x27);", "", stripped)
    return (
        depth == 0 and "<" not in no_entities and ">" not in no_entities and "&" not in no_entities
    )


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(max_size=60),
    excerpt=st.text(max_size=5000),
    words=st.lists(st.text(max_size=8), max_size=6),
)
def test_answer_html_is_always_valid(title: str, excerpt: str, words: list[str]) -> None:
    from bot.answers import AnswerItem, SourceRef
    from handlers.render import answer_html, split_message

    item = AnswerItem(
        id="x",
        title=title,
        category="c",
        region=excerpt[:5],
        excerpt=excerpt,
        source=SourceRef(id="s", title=title, publisher="<p&>", date=""),
        score=1.0,
        highlights=words,
    )
    for chunk in split_message(answer_html(item)):
        assert len(chunk) <= 4096
        assert _balanced_and_escaped(chunk), chunk[:200]
