"""Find the knowledge base's terms in a question: exact words and synonyms, then homophones
and one-character typos where nothing matched exactly, and the regions it names.

Every lookup is a dictionary lookup keyed by a word, a pinyin key or a typo key, so the cost
depends on the question, not on the size of the knowledge base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import accumulate, islice, product
from math import prod
from typing import Any, Literal, NamedTuple, TypeVar

from bot.index import WILDCARD, WINDOWS_KEPT, MatchIndex, WindowReading
from bot.pinyin import is_true_homophone, plain_readings, readings

# How a term was found: as the knowledge writes it, as one of its synonyms, by its sound
# (a true or a folded homophone), or one character wrong or missing.
HitKind = Literal["exact", "synonym", "homophone", "near-homophone", "typo"]
# The kinds where the question says the term itself: no second reading of it was needed.
EXACT_KINDS: tuple[HitKind, ...] = ("exact", "synonym")
QUALITY: dict[HitKind, float] = {
    "exact": 1.0,
    "synonym": 1.0,
    "homophone": 0.8,
    "near-homophone": 0.6,
    "typo": 0.6,
}
INSIDE_WORD_FACTOR = 0.5
# Typos and homophones are looked for in windows of at most this many characters.
MAX_FUZZY_CHARS = 5
MAX_READING_COMBINATIONS = 16
K = TypeVar("K")
V = TypeVar("V")
EMPTY_KEY = frozenset({0})  # the pinyin trie's root: what no character reads as yet
# The shortest region name looked up character by character (襄垣县); shorter ones are found as
# whole words of the segmentation.
MIN_SCANNED_REGION_CHARS = 3
# A homophone of a region name spans at most this many words of the segmentation.
MAX_REGION_WORDS = 4


class Hit(NamedTuple):
    """A term of the knowledge base found in the question (a tuple: a long question makes a
    hundred of them, and a frozen dataclass costs three times as much to build)."""

    canonical: str
    surface: str
    text: str
    start: int
    end: int
    kind: HitKind
    # Part of a longer ordinary word the knowledge does not know (残疾 in 残疾证, 社保 in 社保卡):
    # the resident is most likely asking about that other thing.
    inside_word: bool = False

    @property
    def quality(self) -> float:
        """How sure the match is: exact/synonym 1, homophone 0.8, near-homophone/typo 0.6."""
        return QUALITY[self.kind] * (INSIDE_WORD_FACTOR if self.inside_word else 1.0)


def find_terms(index: MatchIndex, text: str, spans: list[tuple[int, int]]) -> list[Hit]:
    """Exact and synonym hits anywhere, then homophone and typo hits where nothing matched."""
    starts = {s for s, _ in spans}
    ends = {e for _, e in spans}
    token_of = _token_lookup(spans, len(text))
    hits = _exact_hits(index, text, spans, starts, ends, token_of)
    # covered_to[p]: the furthest end of an exact hit (2+ characters) starting at or before p.
    ends_at = [0] * (len(text) + 1)
    for hit in hits:
        if hit.end - hit.start >= 2:
            ends_at[hit.start] = max(ends_at[hit.start], hit.end)
    covered_to = list(accumulate(ends_at, max))
    found = {h.canonical for h in hits}
    hits.extend(h for h in _fuzzy_hits(index, text, spans, covered_to) if h.canonical not in found)
    return hits


def find_regions(index: MatchIndex, text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Region names (or aliases) the question mentions, as whole words, or typed with a
    homophone of one character (上挡区 for 上党区)."""
    found: dict[str, None] = {}
    for start, end in spans:
        name = index.region_names.get(text[start:end])
        if name:
            found[name] = None
    for name in _region_homophones(index, text, spans):
        found.setdefault(name, None)
    prefixes, names = index.region_prefixes, index.region_names
    length = len(text)
    for start in range(length):
        for end in range(start + MIN_SCANNED_REGION_CHARS, length + 1):
            piece = text[start:end]
            if piece not in prefixes:
                break
            name = names.get(piece)
            if name:
                found[name] = None
    return list(found)


def _region_homophones(index: MatchIndex, text: str, spans: list[tuple[int, int]]) -> Iterator[str]:
    first_sounds = index.region_first_sounds
    for first in range(len(spans)):
        if first_sounds.isdisjoint(plain_readings(text[spans[first][0]])):
            continue
        for last in range(first + 1, min(first + MAX_REGION_WORDS, len(spans))):
            start, end = spans[first][0], spans[last][1]
            window = text[start:end]
            if end - start > MAX_FUZZY_CHARS or " " in window or window in index.region_names:
                continue
            yield from _kept(index.window_regions, window, _regions_sounding_like, index, window)


def _regions_sounding_like(index: MatchIndex, window: str) -> tuple[str, ...]:
    options = [sorted(plain_readings(char)) for char in window]
    if not all(options) or prod(len(o) for o in options) > MAX_READING_COMBINATIONS:
        return ()
    return tuple(
        index.region_names[alias]
        for sound in product(*options)
        for alias in index.region_sounds.get(sound, ())
        if _shares_position(alias, window)
    )


def _token_lookup(spans: list[tuple[int, int]], length: int) -> list[int]:
    token_of = [-1] * length
    for number, (start, end) in enumerate(spans):
        for position in range(start, end):
            token_of[position] = number
    return token_of


def _inside_unknown_word(
    index: MatchIndex,
    text: str,
    spans: list[tuple[int, int]],
    token_of: list[int],
    start: int,
    end: int,
) -> bool:
    token = token_of[start]
    if token < 0 or token != token_of[end - 1]:
        return False
    token_start, token_end = spans[token]
    word = text[token_start:token_end]
    return (end - start) < len(word) and word not in index.known_words


def _exact_hits(
    index: MatchIndex,
    text: str,
    spans: list[tuple[int, int]],
    starts: set[int],
    ends: set[int],
    token_of: list[int],
) -> list[Hit]:
    hits = []
    prefixes, canonical_of = index.surface_prefixes, index.canonical
    length = len(text)
    for start in range(length):
        for end in range(start + 1, length + 1):
            surface = text[start:end]
            if surface not in prefixes:
                break
            canonical = canonical_of.get(surface)
            # A two-character word must not straddle two words (老人吃饭 holds no 人吃).
            if canonical and (
                len(surface) != 2
                or (start in starts and end in ends)
                or token_of[start] == token_of[end - 1]
            ):
                kind: HitKind = "exact" if surface == canonical else "synonym"
                inside = _inside_unknown_word(index, text, spans, token_of, start, end)
                hits.append(Hit(canonical, surface, surface, start, end, kind, inside))
    return hits


def _fuzzy_hits(
    index: MatchIndex,
    text: str,
    spans: list[tuple[int, int]],
    covered_to: list[int],
) -> list[Hit]:
    """Homophone and typo hits over windows of whole tokens (a typo is its own "word").

    Windows inside an exact match are skipped: what matched exactly needs no second reading.
    """
    segmenter = index.segmenter
    # An ordinary word with characters around it (大医院 = 大 + 医院) is a phrase, not a typo.
    ordinary = [e - s >= 2 and segmenter.is_common_word(text[s:e]) for s, e in spans]
    # known_before[p]: how many of the first p characters occur in a term of the knowledge.
    known_before = list(accumulate(map(index.term_chars.__contains__, text), initial=0))
    hits = []
    common = segmenter.is_common_word
    window_readings, window_typos = index.window_readings, index.window_typos
    for first in range(len(spans)):
        start = spans[first][0]
        partial_keys = EMPTY_KEY
        holds_ordinary_word = False
        for last in range(first, len(spans)):
            end = spans[last][1]
            if end - start > MAX_FUZZY_CHARS:
                break
            window = text[start:end]
            if " " in window:
                break  # a word never spans the punctuation or space that was there
            holds_ordinary_word = holds_ordinary_word or ordinary[last]
            foreign = end - start - (known_before[end] - known_before[start])
            reading = None
            if partial_keys:
                reading = window_readings.get(window)  # the look-up _kept makes, without its call
                if reading is None:
                    # The keys of the window without its last word, extended by that word.
                    added = text[spans[last][0] : end]
                    reading = _kept(
                        window_readings, window, _read_window, index, window, partial_keys, added
                    )
                partial_keys = reading.keys
            if foreign > 1 and not partial_keys:
                break  # no longer window can be one character away from a term, nor sound like one
            # Without a reading (no keys) the window sounds like no term.
            is_common = reading.common if reading is not None else common(window)
            if end - start < 2 or covered_to[start] >= end or is_common:
                continue
            for surface, true_homophone in reading.sounds if reading is not None else ():
                kind: HitKind = "homophone" if true_homophone else "near-homophone"
                hits.append(_hit(index, surface, window, start, end, kind))
            if foreign <= 1:  # a term with one character wrong or missing shares all the others
                substitutions = not holds_ordinary_word
                typos = window_typos.get((window, substitutions))
                if typos is None:
                    typos = _kept(
                        window_typos,
                        (window, substitutions),
                        _typo_surfaces,
                        index,
                        window,
                        substitutions,
                    )
                if typos:
                    hits.extend(
                        _hit(index, surface, window, start, end, "typo") for surface in typos
                    )
    return hits


def _kept(table: dict[K, V], key: K, make: Callable[..., V], *arguments: Any) -> V:
    """What ``table`` keeps under ``key``, made by ``make(*arguments)`` and kept if it holds
    nothing yet: what a window of a question reads as, or is a typo of, depends on its
    characters only."""
    value = table.get(key)
    if value is None:
        if len(table) >= WINDOWS_KEPT:
            table.clear()  # bounded: a long run meets ever new windows
        value = table[key] = make(*arguments)
    return value


def _read_window(
    index: MatchIndex, window: str, before: frozenset[int], added: str
) -> WindowReading:
    """What ``window`` reads as, given the keys ``before`` of its start and its last word."""
    keys = _extend_keys(index, before, added)
    common = index.segmenter.is_common_word(window)
    if common or len(window) < 2:
        return WindowReading(keys, common, ())
    sounds = []
    for key in keys:
        for surface in index.pinyin.terms.get(key, ()):
            if surface == window or not _shares_position(surface, window):
                continue
            if is_true_homophone(surface, window):
                sounds.append((surface, True))
            elif not index.segmenter.is_dictionary_word(window):
                # Folded readings (县 xian ~ 乡 xiang) only for what is not a real word.
                sounds.append((surface, False))
    return WindowReading(keys, common, tuple(sounds))


def _extend_keys(index: MatchIndex, start: frozenset[int], chars: str) -> frozenset[int]:
    """The pinyin trie nodes ``start`` leads to when ``chars`` are read after it."""
    children = index.pinyin.children
    keys = set(start)
    for char in chars:
        options = readings(char)
        extended = set()
        for key in keys:
            following = children[key]
            for reading in options:
                child = following.get(reading)
                if child is not None:
                    extended.add(child)
        keys = extended
        if not keys:
            break
        if len(keys) > MAX_READING_COMBINATIONS:
            keys = set(islice(keys, MAX_READING_COMBINATIONS))
    return frozenset(keys)


def _shares_position(surface: str, window: str) -> bool:
    return any(a == b for a, b in zip(surface, window, strict=True))


def _typo_surfaces(index: MatchIndex, window: str, substitutions: bool) -> frozenset[str]:
    """Terms one wrong character (3+ characters) or one missing character away from ``window``."""
    found: set[str] = set()
    if substitutions and len(window) >= 3:
        for i in range(len(window)):
            terms = index.substitution_terms.get(window[:i] + WILDCARD + window[i + 1 :])
            if not terms:
                continue
            # A dictionary word with a character before or after it (过期了 = 过期 + 了) is a
            # phrase, not a typo of 过期药.
            rest = window[1:] if i == 0 else window[:-1] if i == len(window) - 1 else ""
            if not (rest and index.segmenter.is_dictionary_word(rest)):
                found.update(terms)
    terms = index.deletion_terms.get(window)
    if terms and not index.segmenter.is_dictionary_word(window):  # 人家 is not 老人家 cut short
        found.update(terms)
    found.discard(window)
    return frozenset(found)


def _hit(index: MatchIndex, surface: str, window: str, start: int, end: int, kind: HitKind) -> Hit:
    return Hit(index.canonical[surface], surface, window, start, end, kind)
