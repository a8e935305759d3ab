"""Score knowledge entries against one question.

Pipeline: normalise → segment → find terms (exact and synonym, then homophone and one-character
typo for the parts nothing explained) → fire keyword rules through the inverted index → score the
candidates (term weights × match quality, coverage of the question, title similarity, region) →
decide against the cut-off. Every step is recorded so ``--explain`` can show why.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import accumulate, islice, product
from math import prod

from rapidfuzz import fuzz

from bot.config import MatchingSettings
from bot.index import WILDCARD, MatchIndex
from bot.normalize import normalize
from bot.pinyin import is_true_homophone, plain_readings, readings

QUALITY = {
    "exact": 1.0,
    "synonym": 1.0,
    "homophone": 0.8,
    "near-homophone": 0.6,
    "typo": 0.6,
    "excerpt": 0.5,  # a question word found in the excerpt of the named region's entry
}
INSIDE_WORD_FACTOR = 0.5
NESTED_FACTOR = 0.3
# Share of the keyword score kept by an entry that explains none of the rest of the question.
COVERAGE_FLOOR = 0.8
AND_RULE_BONUS = 0.5  # share of its weakest word a multi-word rule adds when all words match
TITLE_FLOOR = 60.0  # title similarity below this (0–100) counts for nothing
TITLE_WEIGHT = 1.0
# Typos and homophones are looked for in windows of at most this many characters.
MAX_FUZZY_CHARS = 5
RERANK_DEPTH = 10  # candidates whose title similarity is computed
POSTINGS_BUDGET = 600  # entry lookups per question, whatever the size of the knowledge
MAX_CANDIDATES = 25  # entries checked rule by rule per question
REGION_SCAN = 20  # entries of a named region whose excerpts are searched for the question's words
MAX_READING_COMBINATIONS = 16


@dataclass(frozen=True)
class Hit:
    """A term of the knowledge base found in the question."""

    canonical: str
    surface: str
    text: str
    start: int
    end: int
    kind: str
    # Part of a longer ordinary word the knowledge does not know (残疾 in 残疾证, 社保 in 社保卡):
    # the resident is most likely asking about that other thing.
    inside_word: bool = False

    @property
    def quality(self) -> float:
        """How sure the match is: exact/synonym 1, homophone 0.8, near-homophone/typo 0.6."""
        return QUALITY[self.kind] * (INSIDE_WORD_FACTOR if self.inside_word else 1.0)


@dataclass
class TermScore:
    """One matched term's part in a candidate's score."""

    canonical: str
    hit: Hit
    weight: float
    points: float


@dataclass
class Candidate:
    """An entry that shares at least one term with the question, and why it scored."""

    entry_number: int
    fired_rules: list[str]
    terms: list[TermScore]
    keyword_points: float = 0.0
    rule_bonus: float = 0.0
    coverage: float = 0.0
    title_similarity: float = 0.0
    region_factor: float = 1.0
    # Details the question asks for (材料, 电话, 补缴 …) that the entry never mentions.
    unmet_details: list[str] = field(default_factory=list)
    score: float = 0.0

    @property
    def has_specific_term(self) -> bool:
        """True when the score rests on at least one term that is not a filler word."""
        return any(term.weight > 0 and term.points > 0.25 * term.weight for term in self.terms)


@dataclass
class MatchResult:
    """Everything the matcher found for one question, best candidate first."""

    query: str
    normalized: str
    tokens: list[str]
    hits: list[Hit]
    regions: list[str]
    region_source: str
    candidates: list[Candidate]
    cutoff: float
    answered: bool
    vetoed: list[int] = field(default_factory=list)


def match(
    index: MatchIndex,
    query: str,
    settings: MatchingSettings,
    *,
    preferred_region: str | None = None,
) -> MatchResult:
    """Match ``query`` against ``index``; ``preferred_region`` ranks a resident's region first."""
    text = normalize(query, settings.max_query_chars)
    spans = index.segmenter.spans(text)
    hits = find_terms(index, text, spans)
    regions = find_regions(index, text, spans)
    region_source = "question" if regions else ""
    if not regions and preferred_region in index.region_ancestors:
        regions, region_source = [preferred_region], "preference"

    best_hits = _best_hit_per_term(hits)
    vetoed = {
        e
        for term in best_hits
        for e in index.vetoes.get(term, ())
        if best_hits[term].kind in ("exact", "synonym")
    }
    candidates = _fire_rules(index, best_hits, vetoed)
    if region_source == "question":
        candidates += _named_region_excerpts(index, best_hits, regions, candidates, vetoed)
    total_points = _question_points(index, best_hits, candidates)
    for candidate in candidates:
        _score_keywords(candidate, index, total_points)
    candidates.sort(key=lambda c: c.score, reverse=True)
    for candidate in islice(candidates, RERANK_DEPTH):
        _score_title_and_region(candidate, index, text, regions, settings)
    # Equal scores (two entries sharing their keywords): the title closer to the question wins.
    candidates.sort(key=lambda c: (c.score, c.title_similarity, -c.entry_number), reverse=True)

    best = candidates[0] if candidates else None
    answered = bool(best and best.score >= settings.cutoff and best.has_specific_term)
    return MatchResult(
        query=query,
        normalized=text,
        tokens=[text[s:e] for s, e in spans],
        hits=hits,
        regions=regions,
        region_source=region_source,
        candidates=candidates,
        cutoff=settings.cutoff,
        answered=answered,
        vetoed=sorted(vetoed),
    )


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
    for start in range(len(text)):
        end = start + 3
        while end <= len(text) and text[start:end] in index.region_prefixes:
            name = index.region_names.get(text[start:end])
            if name:
                found[name] = None
            end += 1
    return list(found)


def _region_homophones(index: MatchIndex, text: str, spans: list[tuple[int, int]]) -> Iterator[str]:
    first_sounds = index.region_first_sounds
    for first in range(len(spans)):
        if first_sounds.isdisjoint(plain_readings(text[spans[first][0]])):
            continue
        for last in range(first + 1, min(first + 4, len(spans))):
            start, end = spans[first][0], spans[last][1]
            window = text[start:end]
            if end - start > 5 or " " in window or window in index.region_names:
                continue
            options = [sorted(plain_readings(char)) for char in window]
            if not all(options) or prod(len(o) for o in options) > MAX_READING_COMBINATIONS:
                continue
            for sound in product(*options):
                for alias in index.region_sounds.get(sound, ()):
                    if _shares_position(alias, window):
                        yield index.region_names[alias]


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
    for start in range(len(text)):
        end = start + 1
        while end <= len(text) and text[start:end] in index.surface_prefixes:
            surface = text[start:end]
            canonical = index.canonical.get(surface)
            # A two-character word must not straddle two words (老人吃饭 holds no 人吃).
            if canonical and (
                len(surface) != 2
                or (start in starts and end in ends)
                or token_of[start] == token_of[end - 1]
            ):
                kind = "exact" if surface == canonical else "synonym"
                inside = _inside_unknown_word(index, text, spans, token_of, start, end)
                hits.append(Hit(canonical, surface, surface, start, end, kind, inside))
            end += 1
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
    # foreign_before[p]: how many of the first p characters occur in no term of the knowledge.
    foreign_before = list(accumulate((char not in index.term_chars for char in text), initial=0))
    hits = []
    for first in range(len(spans)):
        start = spans[first][0]
        partial_keys: set[tuple[str, ...]] = {()}
        holds_ordinary_word = False
        for last in range(first, len(spans)):
            end = spans[last][1]
            if end - start > MAX_FUZZY_CHARS:
                break
            window = text[start:end]
            if " " in window:
                break  # a word never spans the punctuation or space that was there
            holds_ordinary_word = holds_ordinary_word or ordinary[last]
            foreign = foreign_before[end] - foreign_before[start]
            if partial_keys:
                partial_keys = _extend_keys(index, partial_keys, text[spans[last][0] : end])
            if foreign > 1 and not partial_keys:
                break  # no longer window can be one character away from a term, nor sound like one
            if end - start < 2 or covered_to[start] >= end or segmenter.is_common_word(window):
                continue
            for key in partial_keys:
                for surface in index.pinyin_terms.get(key, ()):
                    if surface == window or not _shares_position(surface, window):
                        continue
                    if is_true_homophone(surface, window):
                        hits.append(_hit(index, surface, window, start, end, "homophone"))
                    elif not segmenter.is_dictionary_word(window):
                        # Folded readings (县 xian ~ 乡 xiang) only for what is not a real word.
                        hits.append(_hit(index, surface, window, start, end, "near-homophone"))
            if foreign <= 1:  # a term with one character wrong or missing shares all the others
                hits.extend(
                    _hit(index, surface, window, start, end, "typo")
                    for surface in _typo_surfaces(index, window, not holds_ordinary_word)
                )
    return hits


def _extend_keys(index: MatchIndex, keys: set[tuple[str, ...]], chars: str) -> set[tuple[str, ...]]:
    for char in chars:
        options = readings(char)
        keys = {
            (*key, reading)
            for key in keys
            for reading in options
            if (*key, reading) in index.pinyin_prefixes
        }
        if not keys:
            return keys
        if len(keys) > MAX_READING_COMBINATIONS:
            keys = set(islice(keys, MAX_READING_COMBINATIONS))
    return keys


def _shares_position(surface: str, window: str) -> bool:
    return any(a == b for a, b in zip(surface, window, strict=True))


def _typo_surfaces(index: MatchIndex, window: str, substitutions: bool) -> set[str]:
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
    return found


def _hit(index: MatchIndex, surface: str, window: str, start: int, end: int, kind: str) -> Hit:
    return Hit(index.canonical[surface], surface, window, start, end, kind)


def _best_hit_per_term(hits: list[Hit]) -> dict[str, Hit]:
    best: dict[str, Hit] = {}
    for hit in hits:
        current = best.get(hit.canonical)
        if current is None or (hit.quality, hit.end - hit.start) > (
            current.quality,
            current.end - current.start,
        ):
            best[hit.canonical] = hit
    return best


def _fire_rules(index: MatchIndex, hits: dict[str, Hit], vetoed: set[int]) -> list[Candidate]:
    """Entries with a rule whose words are all in the question and whose "-" words are not.

    Entries are gathered from the postings of the rarest terms first, within a fixed budget, and
    only the most promising are checked rule by rule: however large the knowledge base, a
    question costs at most POSTINGS_BUDGET lookups and MAX_CANDIDATES rule checks.
    """
    terms = sorted(
        (t for t in hits if t in index.term_entries), key=lambda t: len(index.term_entries[t])
    )
    bound: dict[int, float] = {}
    scanned = 0
    for term in terms:
        entries = index.term_entries[term]
        if bound and scanned + len(entries) > POSTINGS_BUDGET:
            break  # this and every later term is common: it can only add to known candidates
        points = index.weight(term) * hits[term].quality
        for entry_number in entries[:POSTINGS_BUDGET]:
            bound[entry_number] = bound.get(entry_number, 0.0) + points
        scanned += len(entries)
    shortlist = heapq.nlargest(MAX_CANDIDATES, bound, key=bound.__getitem__)
    found = hits.keys()
    exact = {t for t, h in hits.items() if h.kind in ("exact", "synonym")}
    candidates = []
    for entry_number in sorted(shortlist):
        if entry_number in vetoed:
            continue
        rules = [
            rule
            for rule in index.rules[entry_number]
            if rule.required
            and rule.required_set <= found
            and not (rule.excluded and rule.excluded_set & exact)
        ]
        if not rules:
            continue
        terms_of_entry = sorted({word for rule in rules for word in rule.required})
        candidates.append(
            Candidate(
                entry_number=entry_number,
                fired_rules=[rule.text for rule in rules],
                terms=[TermScore(t, hits[t], index.weight(t), 0.0) for t in terms_of_entry],
            )
        )
    return candidates


def _named_region_excerpts(
    index: MatchIndex,
    hits: dict[str, Hit],
    regions: list[str],
    candidates: list[Candidate],
    vetoed: set[int],
) -> list[Candidate]:
    """Entries of the region the question names whose excerpt uses the question's words, when
    no keyword found any entry of that region.

    "和顺县养老有啥新举措" should find 和顺县's entry even when 养老 is none of its keywords
    because it is too general to be one; such evidence counts half (quality 0.5).
    """
    seen = {c.entry_number for c in candidates} | vetoed
    entries = index.knowledge.entries
    covered = {entries[c.entry_number].region for c in candidates}
    found = []
    for region in regions:
        if region in covered:
            continue  # the keywords already found this region's entries
        for entry_number in index.region_entries.get(region, ())[:REGION_SCAN]:
            if entry_number in seen:
                continue
            excerpt = entries[entry_number].excerpt
            terms = [
                TermScore(term, replace(hit, kind="excerpt"), index.weight(term), 0.0)
                for term, hit in hits.items()
                if term not in index.filler
                and len(hit.text) >= 2
                and (hit.text in excerpt or term in excerpt)
            ]
            if terms:
                label = "excerpt: " + " ".join(t.canonical for t in terms)
                found.append(Candidate(entry_number, [label], terms))
                seen.add(entry_number)
    return found


def _question_points(index: MatchIndex, hits: dict[str, Hit], candidates: list[Candidate]) -> float:
    """The evidence the question offers: every term that fired a rule of some entry.

    Words that fire nothing anywhere (a half of an AND rule, a word of another topic that found
    no entry) are not evidence an entry could be blamed for leaving unexplained.
    """
    fired = {term.canonical for candidate in candidates for term in candidate.terms}
    useful = [hit for term, hit in hits.items() if term in fired]
    return sum(
        index.weight(hit.canonical)
        * hit.quality
        * _length_factor(hit)
        * (NESTED_FACTOR if _nested(hit, useful) else 1.0)
        for hit in useful
    )


def _nested(hit: Hit, others: list[Hit]) -> bool:
    """True when a longer matched term contains this one (食堂 inside 幸福食堂)."""
    return any(
        other.start <= hit.start
        and hit.end <= other.end
        and (other.end - other.start) > (hit.end - hit.start)
        for other in others
    )


def _score_keywords(candidate: Candidate, index: MatchIndex, total_points: float) -> None:
    hits = [term.hit for term in candidate.terms]
    for term in candidate.terms:
        points = term.weight * term.hit.quality * _length_factor(term.hit)
        term.points = points * (NESTED_FACTOR if _nested(term.hit, hits) else 1.0)
    candidate.keyword_points = sum(term.points for term in candidate.terms)
    by_term = {term.canonical: term for term in candidate.terms}
    rules = index.rules[candidate.entry_number]
    for rule in rules:
        if rule.text in candidate.fired_rules and len(set(rule.required)) > 1:
            candidate.rule_bonus += AND_RULE_BONUS * min(by_term[w].points for w in rule.required)
    if total_points > 0:
        candidate.coverage = min(1.0, candidate.keyword_points / total_points)
    candidate.score = (candidate.keyword_points + candidate.rule_bonus) * (
        COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * candidate.coverage
    )


def _length_factor(hit: Hit) -> float:
    length = hit.end - hit.start
    return {1: 0.5, 2: 1.0, 3: 1.2}.get(length, 1.4)


def _score_title_and_region(
    candidate: Candidate,
    index: MatchIndex,
    text: str,
    regions: list[str],
    settings: MatchingSettings,
) -> None:
    title = index.titles[candidate.entry_number]
    similarity = fuzz.partial_ratio(title, text.replace(" ", "")) if text else 0.0
    candidate.title_similarity = similarity
    bonus = max(0.0, similarity - TITLE_FLOOR) / (100 - TITLE_FLOOR) * TITLE_WEIGHT
    candidate.region_factor = _region_factor(index, candidate.entry_number, regions, settings)
    entry = index.knowledge.entries[candidate.entry_number]
    candidate.unmet_details = [
        word
        for word in settings.detail_words
        if word in text
        and word not in entry.excerpt
        and word not in entry.title
        and not any(word in keyword for keyword in entry.keywords)
    ]
    detail_factor = settings.unmet_detail_factor if candidate.unmet_details else 1.0
    candidate.score = (candidate.score + bonus) * candidate.region_factor * detail_factor


def _region_factor(
    index: MatchIndex, entry_number: int, regions: list[str], settings: MatchingSettings
) -> float:
    if not regions:
        return 1.0
    region = index.knowledge.entries[entry_number].region
    if region in regions:
        return settings.region_boost
    if any(region in index.region_ancestors.get(named, ()) for named in regions):
        return 1.0  # a city-wide measure also applies to its counties
    if any(named in index.region_ancestors.get(region, ()) for named in regions):
        return settings.region_boost**0.5  # a county measure inside the named city
    return settings.other_region_factor
