"""Turn whatever a resident typed into comparable text.

NFKC (full-width → half-width), traditional → simplified (OpenCC t2s), lower case, markup,
punctuation, emoji and control characters dropped, whitespace collapsed, length capped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_MARKUP = re.compile(r"<[^<>]{0,200}>|https?://\S+|&[a-z]{2,8};|&#\d{1,7};")
_NOT_WORD = re.compile(r"[\W_]+")
# Invisible format characters (zero-width space and joiners, soft hyphen, BOM) are removed, not
# turned into a space: 幸\u200b福食堂 is 幸福食堂.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese characters → simplified; other text unchanged."""
    return str(_t2s().convert(text))


def normalize(text: str, max_chars: int = 300) -> str:
    """The normalised form of ``text``: safe on any string, never longer than ``max_chars``."""
    # Cut early (with room for markup) so a 100 kB paste costs no more than a long question.
    return _normal_form(text[: max_chars * 4])[:max_chars].rstrip()


@lru_cache(maxsize=32)
def _normal_form(text: str) -> str:
    # Kept for the last few texts only: one question is normalised to check its length, to
    # classify small talk and to match it.
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → '?'
    text = _MARKUP.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    return _NOT_WORD.sub(" ", text).strip()


@lru_cache(maxsize=262_144)
def normalize_term(term: str) -> str:
    """A keyword, synonym or title word in the same form as a normalised question, no spaces."""
    return normalize(term, max_chars=200).replace(" ", "")
