"""Toneless pinyin for homophone tolerance (样老 → 养老, 低包 → 低保, 一保 → 医保).

Keys are "folded" so that the confusions of pinyin typists and dialect speakers meet: zh/z, ch/c,
sh/s, n/l at the start; ang/an, eng/en, ing/in at the end. A match that needed folding is weaker
evidence than a true homophone, so the plain toneless syllables are kept too.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict


def toneless(syllable: str) -> str:
    """A pinyin syllable without tone marks, lower case (ü becomes u)."""
    return "".join(
        ch for ch in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(ch)
    ).lower()


def fold(plain: str) -> str:
    """A toneless syllable folded to its fuzzy class."""
    if plain[:2] in ("zh", "ch", "sh"):
        plain = plain[0] + plain[2:]
    if plain.startswith("n") and plain != "ng":
        plain = "l" + plain[1:]
    if plain.endswith(("ang", "eng", "ing")):
        plain = plain[:-1]
    return plain


@lru_cache(maxsize=65536)
def plain_readings(char: str) -> frozenset[str]:
    """Every toneless reading of one character; empty for anything not a Han character."""
    raw = pinyin_dict.get(ord(char))
    return frozenset(toneless(reading) for reading in raw.split(",")) if raw else frozenset()


@lru_cache(maxsize=65536)
def readings(char: str) -> tuple[str, ...]:
    """Every folded reading of one character; empty for anything not a Han character."""
    return tuple(sorted({fold(reading) for reading in plain_readings(char)}))


def word_syllables(word: str) -> tuple[str, ...] | None:
    """The toneless pinyin of a word read in context, or None if not all Han characters."""
    if not word or not all(plain_readings(ch) for ch in word):
        return None
    return tuple(toneless(syllable) for syllable in lazy_pinyin(word, style=Style.TONE))


def word_key(word: str) -> tuple[str, ...] | None:
    """The folded pinyin key of a word, or None if not all Han characters."""
    syllables = word_syllables(word)
    return tuple(fold(s) for s in syllables) if syllables is not None else None


def is_true_homophone(word: str, typed: str) -> bool:
    """True when ``typed`` can be read exactly like ``word`` (tones aside), without folding."""
    syllables = word_syllables(word)
    return syllables is not None and all(
        syllable in plain_readings(char) for syllable, char in zip(syllables, typed, strict=True)
    )
