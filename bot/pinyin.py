"""Toneless, "fuzzy" pinyin for homophone tolerance (样老 → 养老, 低包 → 低保, 一保 → 医保).

Readings are folded so that the confusions of pinyin typists and dialect speakers meet:
zh/z, ch/c, sh/s, n/l at the start; ang/an, eng/en, ing/in at the end.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict


def fold(syllable: str) -> str:
    """A toneless pinyin syllable folded to its fuzzy class."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(ch)
    ).lower()
    if plain[:2] in ("zh", "ch", "sh"):
        plain = plain[0] + plain[2:]
    if plain.startswith("n") and plain != "ng":
        plain = "l" + plain[1:]
    if plain.endswith(("ang", "eng", "ing")):
        plain = plain[:-1]
    return plain


@lru_cache(maxsize=65536)
def readings(char: str) -> tuple[str, ...]:
    """All folded readings of one character; empty for anything that is not a Han character."""
    raw = pinyin_dict.get(ord(char))
    if not raw:
        return ()
    return tuple(dict.fromkeys(fold(reading) for reading in raw.split(",")))


def word_key(word: str) -> tuple[str, ...] | None:
    """The folded pinyin of a word read in context (长治 → cang zi), or None if not all Han."""
    if not word or not all(readings(ch) for ch in word):
        return None
    return tuple(fold(syllable) for syllable in lazy_pinyin(word, style=Style.TONE))
