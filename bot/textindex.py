"""A field-weighted text index (BM25F) over what every entry and passage says.

Keyword rules are the clerk's precise evidence; this index lets the title, the excerpt and the
example questions of an entry (and the text of each passage) count as evidence too, so an entry
is found by what it says. Terms are the words jieba finds in each field (with the knowledge's
own words in its dictionary), mapped to their synonym group's canonical term, so questions and
texts meet through the same normalisation, synonyms and typo repair.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.normalize import normalize
from bot.segment import Segmenter, is_function_word
from bot.wordcache import WordCache

# BM25F: field weights, term-frequency saturation and length normalisation. The title says what
# an entry is about and is short, so one word of it counts double; a passage's paragraph is only
# context (a sentence about "该图书馆" stands in the paragraph naming 潞城区图书馆).
FIELD_WEIGHTS = {"title": 2.0, "excerpt": 1.0, "questions": 1.0, "paragraph": 0.3}
K1 = 1.2
B = 0.75
MAX_TEXT_CHARS = 2000  # a field longer than this is indexed by its beginning
MIN_TERM_CHARS = 2


@dataclass
class TextIndex:
    """Term → the distinct texts that hold it, with BM25F-normalised term frequencies.

    Documents with the same field texts (entries sharing an excerpt and title) share one text,
    so the index grows with what is said, not with how often it is repeated.
    """

    postings: dict[str, array[int]] = field(default_factory=dict)  # term → text numbers
    # term → its frequency in each text of its postings, in the same order (the frequencies'
    # values again, read per posting without a lookup per text).
    posting_tfs: dict[str, array[float]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    # Surface words of the texts, for finding them in questions.
    vocabulary: set[str] = field(default_factory=set)
    text_of: array[int] = field(default_factory=lambda: array("i"))  # document → its texts
    frequencies: list[dict[str, float]] = field(default_factory=list)  # texts → term → tf
    documents_of: list[array[int]] = field(default_factory=list)  # text → its documents


def build_text_index(
    fields_of: Sequence[dict[str, str]],
    segmenter: Segmenter,
    canonical: Callable[[str], str],
    cache: WordCache | None = None,
) -> TextIndex:
    """Index the fields of each document (``fields_of[n]`` is document n's field → text);
    ``cache`` keeps the texts' words between runs."""
    index = TextIndex()
    terms_of_text: dict[str, Counter[str]] = {}  # entries share excerpts: segment each text once

    def terms(text: str) -> Counter[str]:
        found = terms_of_text.get(text)
        if found is None:
            if cache is None:
                words = text_words(text, segmenter)
            else:
                words = cache.words(text, lambda t: text_words(t, segmenter))
            index.vocabulary.update(words)
            found = Counter(canonical(word) for word in words)
            terms_of_text[text] = found
        return found

    key_of: dict[tuple[tuple[str, str], ...], int] = {}
    distinct: list[dict[str, Counter[str]]] = []
    uses: list[int] = []
    for fields in fields_of:
        key = tuple((name, text) for name, text in fields.items() if text)
        number = key_of.get(key)
        if number is None:
            number = key_of[key] = len(distinct)
            distinct.append({name: terms(text) for name, text in key})
            uses.append(0)
        uses[number] += 1
        index.text_of.append(number)
    average = _average_lengths(distinct, uses)
    for field_terms in distinct:
        tf: dict[str, float] = defaultdict(float)
        for name, counts in field_terms.items():
            norm = 1 - B + B * sum(counts.values()) / average[name]
            for term, count in counts.items():
                tf[term] += FIELD_WEIGHTS[name] * count / norm
        index.frequencies.append(dict(tf))
    index.documents_of = [array("i") for _ in distinct]
    for number, text_number in enumerate(index.text_of):
        index.documents_of[text_number].append(number)
    postings: dict[str, array[int]] = defaultdict(lambda: array("i"))
    posting_tfs: dict[str, array[float]] = defaultdict(lambda: array("d"))
    documents: dict[str, int] = defaultdict(int)
    for text_number, tf in enumerate(index.frequencies):
        for term, frequency in tf.items():
            postings[term].append(text_number)
            posting_tfs[term].append(frequency)
            documents[term] += uses[text_number]
    total = max(1, len(fields_of))
    index.postings = dict(postings)
    index.posting_tfs = dict(posting_tfs)
    index.idf = {term: math.log(1 + total / count) for term, count in documents.items()}
    return index


def text_words(text: str, segmenter: Segmenter) -> list[str]:
    """The words of ``text`` worth indexing: jieba's tokens of 2+ characters that are not
    function words, and the dictionary words inside longer tokens (基本失业保险 → 失业, 保险)."""
    normalised = normalize(text, MAX_TEXT_CHARS)
    words = []
    for word in segmenter.words(normalised):
        if len(word) < MIN_TERM_CHARS or is_function_word(word) or word.isdigit():
            continue
        words.append(word)
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                part = word[start : start + size]
                if segmenter.is_dictionary_word(part) and not is_function_word(part):
                    words.append(part)
    return words


def _average_lengths(distinct: list[dict[str, Counter[str]]], uses: list[int]) -> dict[str, float]:
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for fields, used in zip(distinct, uses, strict=True):
        for name, terms in fields.items():
            totals[name] += sum(terms.values()) * used
            counts[name] += used
    return {name: max(1.0, totals[name] / counts[name]) for name in totals}
