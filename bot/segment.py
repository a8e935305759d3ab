"""Word segmentation with jieba, its dictionary loaded once per process.

Every keyword, synonym, title word and region name goes into a user dictionary so that terms such
as 幸福食堂, 适老化改造 and 医共体 stay whole.

The one adapter over jieba: the only module that touches its internals (a Tokenizer's ``FREQ``
and ``total``, read to share one dictionary, and its patterns ``re_han_default`` and ``re_eng``,
with which ``Segmenter.spans`` walks jieba's own path through a question without its
generators); tests/test_adapters.py checks those assumptions, and that the cut is jieba's token
for token with the same user words added, and pyproject.toml pins jieba below its next minor
release.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

import jieba

from bot.jieba_nouns import FREQUENT_NOUNS

if TYPE_CHECKING:
    import jieba.posseg

# A frequency high enough that jieba keeps a user word whole rather than splitting it into two
# common words, yet low enough not to swallow ordinary words around it.
USER_WORD_FREQ = 3000
# A word this frequent in jieba's general dictionary is what the resident meant to type (晚上 is
# not a typo of 网上, nor 大医院 of 县医院), so it is never read as a typo or homophone.
COMMON_WORD_FREQ = 1000
# Words this frequent (没有, 可以, 什么, 进行 …) say nothing about which measure is meant, unless
# they are nouns (工业, 教育, 面积: see bot.jieba_nouns).
FUNCTION_WORD_FREQ = 20000

# jieba's own patterns: runs of word characters, and the letters and digits it joins.
_HAN = jieba.re_han_default
_LETTER_OR_DIGIT = jieba.re_eng
jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG/INFO
_base: jieba.Tokenizer | None = None
_base_lock = threading.Lock()
_tagger: jieba.posseg.POSTokenizer | None = None
_tagger_lock = threading.Lock()


def _base_tokenizer() -> jieba.Tokenizer:
    """jieba's main dictionary, loaded once (from jieba's on-disk cache after the first run)."""
    global _base
    if _base is not None:
        return _base  # asked tens of times per question: no lock once it is loaded
    with _base_lock:
        if _base is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _base = tokenizer
        return _base


def general_frequency(word: str) -> int:
    """How often jieba's general dictionary has seen ``word`` (0 if it is not a word there)."""
    return int(_base_tokenizer().FREQ.get(word, 0))


def general_total() -> int:
    """The sum of all frequencies in jieba's general dictionary."""
    return int(_base_tokenizer().total)


def general_words(text: str) -> list[str]:
    """``text`` cut with jieba's general dictionary, unknown words found by its HMM."""
    return list(_base_tokenizer().cut(text, HMM=True))


def general_tags(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (word, part-of-speech tag) pairs by jieba's tagger (``nr``: a name).

    The tagger shares the main dictionary; its tag table is read on first use (about a second),
    so a long-running process calls this once early, in a thread.
    """
    global _tagger
    with _tagger_lock:
        if _tagger is None:
            # Imported here: importing jieba.posseg reads its tag table (0.3–0.6 s), which a
            # command that masks no text (ask, validate) should not pay at start.
            import jieba.posseg

            _tagger = jieba.posseg.POSTokenizer(_base_tokenizer())
        tagger = _tagger
    return [(pair.word, pair.flag) for pair in tagger.cut(text)]


def is_function_word(word: str) -> bool:
    """True for the most frequent words of the general dictionary that are not nouns (没有, 可以,
    什么 …; not 工业 or 教育, which say what a question is about)."""
    base = _base if _base is not None else _base_tokenizer()  # asked for every word of a question
    return bool(base.FREQ.get(word, 0) >= FUNCTION_WORD_FREQ) and word not in FREQUENT_NOUNS


class Segmenter:
    """jieba's cut with user words of our own over the shared main dictionary.

    The user words (and the prefixes jieba marks with 0) are kept apart, looked up before the
    main dictionary, as ``jieba.Tokenizer.add_word`` would have put them into a copy of it: a copy
    of its half-million words per knowledge version cost ~40 MB and stalled the event loop for
    50 ms and more while a reload built (the copy's last resize is one step).
    """

    def __init__(self, user_words: Iterable[str]) -> None:
        base = _base_tokenizer()
        general: dict[str, int] = base.FREQ
        own: dict[str, int] = {}
        total = int(base.total)
        for word in user_words:
            if word:
                count = max(USER_WORD_FREQ, general.get(word, 0))
                own[word] = count
                total += count  # as add_word counts it, once per call
                for end in range(1, len(word)):
                    prefix = word[:end]
                    if prefix not in own and prefix not in general:
                        own[prefix] = 0  # a prefix of a longer word, not a word
        self._own = own
        self._general = general  # jieba's own dictionary, without our words
        self._log_total = math.log(total)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every non-space token of ``text``, in order: the tokens of
        ``jieba.Tokenizer.tokenize(text, HMM=False)``, found without its three layers of
        generators."""
        found: list[tuple[int, int]] = []
        start = 0
        for block in _HAN.split(text):
            if _HAN.match(block):
                self._cut_block(block, start, found)
            else:
                # Outside runs of word characters jieba makes every character but a space a token.
                found.extend(
                    (position, position + 1)
                    for position, char in enumerate(block, start)
                    if not char.isspace()
                )
            start += len(block)
        return found

    def _cut_block(self, block: str, start: int, found: list[tuple[int, int]]) -> None:
        """jieba's most probable path through one run of word characters (its get_DAG, calc and
        __cut_DAG_NO_HMM in one pass, with the same arithmetic and tie-breaking)."""
        # Bound to locals: this loop runs for every character of every question.
        own, general, log, log_total = self._own.get, self._general.get, math.log, self._log_total
        length = len(block)
        score = [0.0] * (length + 1)
        end_of = list(range(1, length + 2))  # the end of the best word starting here
        for first in range(length - 1, -1, -1):
            best: float | None = None
            for end in range(first + 1, length + 1):
                piece = block[first:end]
                count = own(piece)
                if count is None:
                    count = general(piece)
                    if count is None:
                        break  # no word of the dictionary starts so
                if count:  # 0 marks a prefix of a longer word, not a word
                    candidate = log(count) - log_total + score[end]
                    if best is None or candidate >= best:  # a tie goes to the longer word
                        best = candidate
                        end_of[first] = end
            if best is None:
                char = block[first]
                best = log(own(char) or general(char) or 1) - log_total + score[first + 1]
            score[first] = best
        # Single letters and digits in a row are one token (5g, a3).
        letters_from: int | None = None
        position = 0
        while position < length:
            end = end_of[position]
            if end - position == 1 and _LETTER_OR_DIGIT.match(block[position]):
                if letters_from is None:
                    letters_from = position
            else:
                if letters_from is not None:
                    found.append((start + letters_from, start + position))
                    letters_from = None
                found.append((start + position, start + end))
            position = end
        if letters_from is not None:
            found.append((start + letters_from, start + length))

    def is_common_word(self, word: str) -> bool:
        """True for a frequent word of the general dictionary (not a keyword of ours)."""
        return self._general.get(word, 0) >= COMMON_WORD_FREQ

    def is_dictionary_word(self, word: str) -> bool:
        """True for any word of jieba's general dictionary."""
        return self._general.get(word, 0) > 0

    def words(self, text: str) -> list[str]:
        """The non-space tokens of ``text``."""
        return [text[start:end] for start, end in self.spans(text)]
