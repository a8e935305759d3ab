"""The normaliser makes what residents type comparable, and never fails."""

from __future__ import annotations

import pytest

from bot.normalize import normalize, normalize_term


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("壽陽縣的幸福壽陽行動計劃", "寿阳县的幸福寿阳行动计划"),  # traditional → simplified
        ("ＡＢＣ１２３", "abc123"),  # full-width → half-width, lower case
        ("老人<b>吃饭</b>？？！！", "老人 吃饭"),  # markup and punctuation dropped
        ("看病😀😀难 🏥", "看病 难"),  # emoji dropped
        ("  低保\n\n\t 怎么办  ", "低保 怎么办"),  # whitespace collapsed
        ("医保\x00报销\u200b", "医保 报销"),  # control and zero-width characters dropped
        ("\ud800医保", "医保"),  # a lone surrogate does not break anything
        ("80岁老人，2026年", "80岁老人 2026年"),  # numbers stay
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_long_input_is_capped() -> None:
    text = "养老" * 50_000
    assert normalize(text, max_chars=300) == "养老" * 150


def test_term_has_no_spaces() -> None:
    assert normalize_term("幸福 食堂") == "幸福食堂"
