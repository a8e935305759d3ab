"""Split the source articles into passages that can be quoted verbatim, each with its source.

A passage is a sentence, or a few short consecutive sentences, of one paragraph of one news
item, at most ``MAX_PASSAGE_CHARS`` characters. One article file may hold several news items
(several ``[[sources]]`` naming the same ``file``): each item starts where its title (or its
``begins_with`` text) stands in the file, and a passage belongs to the item it stands in.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.models import MAX_EXCERPT_CHARS, Region, Source

MAX_PASSAGE_CHARS = MAX_EXCERPT_CHARS
# A sentence shorter than this ("安全生产无小事。") says too little alone: it joins the next one.
MIN_SENTENCE_CHARS = 30
# A paragraph this short without a full stop is a headline or a byline, not a statement.
HEADLINE_CHARS = 60
# A passage this much of which curated excerpts quote is represented by their entries; one
# they quote only in part (a clause of a long sentence) stays, so the rest can be found.
REPRESENTED_SHARE = 0.8

_SENTENCE_END = re.compile(r"[。！？!?…]+[”’」』）)]*")
# An enumerated point (一是…；二是…, （三）…) starts a passage: a point's own sentences stay
# together, and no passage holds the tail of one point and the head of the next.
_NUMERAL = "[一二三四五六七八九十]+"
_POINT_START = re.compile(rf"(?<=[；;，,。])(?:{_NUMERAL}是|[（(]{_NUMERAL}[）)])")
_CLAUSE_END = re.compile(r"[；;，,、]")
_FULL_STOP = re.compile(r"[。！？!?]")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Passage:
    """A verbatim piece of a source article, answerable like an entry."""

    kind: ClassVar[Literal["passage"]] = "passage"
    keywords: ClassVar[tuple[str, ...]] = ()
    questions: ClassVar[tuple[str, ...]] = ()
    notes: ClassVar[str] = ""
    category: ClassVar[str] = ""

    id: str
    title: str
    region: str
    excerpt: str
    source: str
    # The paragraph the passage stands in: context for matching, never shown.
    paragraph: str
    start: int  # character offset in the article file
    end: int


@dataclass(frozen=True)
class ItemSpan:
    """Where one news item stands in its article file."""

    source: Source
    start: int
    end: int


def locate_items(text: str, sources: list[Source]) -> tuple[list[ItemSpan], list[Source]]:
    """The span of each source's news item in ``text``, and the sources that cannot be found.

    A file of one source is all that source. Otherwise an item starts at its ``begins_with``
    text or at its title, compared without spaces and punctuation (the file breaks titles over
    lines and adds spaces), and ends where the next item starts.
    """
    if len(sources) == 1:
        return [ItemSpan(sources[0], 0, len(text))], []
    compact, positions = _compact(text)
    starts: list[tuple[int, Source]] = []
    missing: list[Source] = []
    for source in sources:
        start = _item_start(text, compact, positions, source)
        if start is None:
            missing.append(source)
        else:
            starts.append((start, source))
    starts.sort(key=lambda pair: pair[0])
    spans = []
    for number, (start, source) in enumerate(starts):
        begin = 0 if number == 0 else start
        end = starts[number + 1][0] if number + 1 < len(starts) else len(text)
        spans.append(ItemSpan(source, begin, end))
    return spans, missing


def split_item(
    text: str, item: ItemSpan, regions: dict[str, Region], first_number: int = 1
) -> list[Passage]:
    """The passages of one news item, numbered from ``first_number`` within its source."""
    passages = []
    number = first_number
    for start, end in _paragraphs(text, item.start, item.end):
        paragraph = text[start:end]
        if len(paragraph) < HEADLINE_CHARS and not _FULL_STOP.search(paragraph):
            continue
        paragraph_region = _region_named(paragraph, regions)
        for piece_start, piece_end in _pieces(text, start, end):
            excerpt = text[piece_start:piece_end]
            region = _region_named(excerpt, regions) or paragraph_region or item.source.region or ""
            passages.append(
                Passage(
                    id=f"{item.source.id}#{number}",
                    title=item.source.title,
                    region=region,
                    excerpt=excerpt,
                    source=item.source.id,
                    paragraph=paragraph,
                    start=piece_start,
                    end=piece_end,
                )
            )
            number += 1
    return passages


def represented(passage: Passage, excerpt_spans: list[tuple[int, int]]) -> bool:
    """True when curated excerpts quote most of this passage (their entries stand for it)."""
    quoted: set[int] = set()
    for start, end in excerpt_spans:
        quoted.update(range(max(start, passage.start), min(end, passage.end)))
    return len(quoted) >= REPRESENTED_SHARE * (passage.end - passage.start)


def excerpt_spans(text: str, excerpt: str) -> list[tuple[int, int]]:
    """Where each line of a curated excerpt stands verbatim in the article text."""
    spans = []
    for line in excerpt.split("\n"):
        line = line.strip()
        position = text.find(line) if line else -1
        while position >= 0:
            spans.append((position, position + len(line)))
            position = text.find(line, position + 1)
    return spans


def _compact(text: str) -> tuple[str, list[int]]:
    """``text`` without spaces and punctuation, and each kept character's original offset."""
    kept = []
    positions = []
    for offset, char in enumerate(text):
        if not _NOT_WORD.fullmatch(char):
            kept.append(char)
            positions.append(offset)
    return "".join(kept), positions


def _item_start(text: str, compact: str, positions: list[int], source: Source) -> int | None:
    if source.begins_with:
        found = text.find(source.begins_with)
        return found if found >= 0 else None
    # A title "主题——副题" may stand in the file as two lines, or with only one of its parts.
    for candidate in (source.title, *re.split(r"[—-]{2,}", source.title)):
        key = _NOT_WORD.sub("", candidate)
        if len(key) >= 6:
            found = compact.find(key)
            if found >= 0:
                return positions[found]
    return None


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the non-empty lines between ``start`` and ``end``, without surrounding spaces."""
    spans = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        line = match.group()
        stripped = line.strip()
        if stripped:
            left = start + match.start() + (len(line) - len(line.lstrip()))
            spans.append((left, left + len(stripped)))
    return spans


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Passages of a paragraph: each enumerated point whole when it fits, otherwise its
    sentences; short sentences joined to the next, long ones cut at clauses."""
    pieces: list[tuple[int, int]] = []
    for point_start, point_end in _points(text, start, end):
        if point_end - point_start <= MAX_PASSAGE_CHARS and point_start != start:
            pieces.append((point_start, point_end))
        else:
            pieces.extend(_sentence_pieces(text, point_start, point_end))
    return [(s, e) for s, e in pieces if text[s:e].strip()]


def _points(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The paragraph cut before each enumerated point; the part before the first point (or a
    paragraph without points) comes first, starting at ``start``."""
    cuts = [match.start() for match in _POINT_START.finditer(text, start, end)]
    bounds = [start, *(cut for cut in cuts if cut > start), end]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _sentence_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of a span; short ones joined to the next, long ones cut at clauses."""
    sentences = []
    position = start
    for match in _SENTENCE_END.finditer(text, start, end):
        sentences.append((position, match.end()))
        position = match.end()
    if position < end and text[position:end].strip():
        sentences.append((position, end))
    pieces: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for sentence in sentences:
        if pending is not None:
            sentence = (pending[0], sentence[1])
            pending = None
        if sentence[1] - sentence[0] < MIN_SENTENCE_CHARS:
            pending = sentence
            continue
        pieces.extend(_cut_long(text, *sentence))
    if pending is not None:
        if (
            pieces
            and pieces[-1][1] == pending[0]
            and pending[1] - pieces[-1][0] <= MAX_PASSAGE_CHARS
        ):
            pieces[-1] = (pieces[-1][0], pending[1])
        else:
            pieces.append(pending)
    return pieces


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence over MAX_PASSAGE_CHARS cut after the last clause mark that fits."""
    pieces = []
    while end - start > MAX_PASSAGE_CHARS:
        window_end = start + MAX_PASSAGE_CHARS
        marks = [m.end() for m in _CLAUSE_END.finditer(text, start, window_end)]
        cut = marks[-1] if marks and marks[-1] > start + MIN_SENTENCE_CHARS else window_end
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _region_named(text: str, regions: dict[str, Region]) -> str | None:
    """The one county or district ``text`` names (or the one region, if it names no county)."""
    named = {
        region.name
        for region in regions.values()
        if any(name in text for name in (region.name, *region.aliases) if len(name) >= 2)
    }
    counties = {name for name in named if regions[name].parent}
    if len(counties) == 1:
        return counties.pop()
    if not counties and len(named) == 1:
        return named.pop()
    return None
