"""Toneless pinyin for homophone tolerance (样老 → 养老, 低包 → 低保, 一保 → 医保).

Keys are "folded" so that the confusions of pinyin typists and dialect speakers meet: zh/z, ch/c,
sh/s, n/l at the start; ang/an, eng/en, ing/in at the end. A match that needed folding is weaker
evidence than a true homophone, so the plain toneless readings are kept too. A character with
several readings (长 chang/zhang) is indexed under all of them.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from functools import lru_cache
from itertools import islice, product
from pathlib import Path

MAX_KEYS_PER_WORD = 8  # reading combinations indexed for a word of polyphonic characters


def _load_pinyin_table() -> dict[int, str]:
    """pypinyin's character table alone: importing the package would also load its 70 ms
    phrase dictionary, which start-up does not need. The one use of pypinyin's internals (its
    ``pinyin_dict.py``), checked by tests/test_adapters.py."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
        table_spec = importlib.util.spec_from_file_location("_pypinyin_table", path)
        if table_spec is not None and table_spec.loader is not None:
            module = importlib.util.module_from_spec(table_spec)
            table_spec.loader.exec_module(module)
            return dict(module.pinyin_dict)
    from pypinyin.pinyin_dict import pinyin_dict

    return dict(pinyin_dict)


_TABLE = _load_pinyin_table()


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
    raw = _TABLE.get(ord(char))
    return frozenset(toneless(reading) for reading in raw.split(",")) if raw else frozenset()


@lru_cache(maxsize=65536)
def readings(char: str) -> tuple[str, ...]:
    """Every folded reading of one character; empty for anything not a Han character."""
    return tuple(sorted({fold(reading) for reading in plain_readings(char)}))


def word_sounds(word: str) -> list[tuple[str, ...]]:
    """The toneless readings of a word (several for polyphonic characters), or [] if not Han."""
    options = [sorted(plain_readings(char)) for char in word]
    if not word or not all(options):
        return []
    return list(islice(product(*options), MAX_KEYS_PER_WORD))


def word_keys(word: str) -> set[tuple[str, ...]]:
    """The folded pinyin keys of a word, or an empty set if not all Han characters."""
    return {tuple(fold(s) for s in sound) for sound in word_sounds(word)}


def is_true_homophone(word: str, typed: str) -> bool:
    """True when ``typed`` can be read like ``word`` (tones aside), without folding."""
    return len(word) == len(typed) and all(
        plain_readings(a) & plain_readings(b) for a, b in zip(word, typed, strict=True)
    )
