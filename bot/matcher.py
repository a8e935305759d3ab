"""Score knowledge entries against one question.

Pipeline: normalise → segment → find terms (``bot.terms``) → fire keyword rules through the
inverted index → score the candidates (term weights × match quality, coverage of the question,
title similarity, region) → decide against the cut-off. Every step is recorded so ``--explain``
can show why.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from itertools import islice

from rapidfuzz import fuzz

from bot.config import MatchingSettings
from bot.index import MatchIndex
from bot.normalize import normalize
from bot.terms import Hit, find_regions, find_terms

NESTED_FACTOR = 0.3
# Share of the keyword score kept by an entry that explains none of the rest of the question.
COVERAGE_FLOOR = 0.8
AND_RULE_BONUS = 0.5  # share of its weakest word a multi-word rule adds when all words match
TITLE_FLOOR = 60.0  # title similarity below this (0–100) counts for nothing
TITLE_WEIGHT = 1.0
RERANK_DEPTH = 10  # candidates whose title similarity is computed
POSTINGS_BUDGET = 600  # entry lookups per question, whatever the size of the knowledge
MAX_CANDIDATES = 25  # entries checked rule by rule per question
REGION_SCAN = 20  # entries of a named region whose excerpts are searched for the question's words


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
    _share_joint_coverage(candidates[: settings.max_answers], total_points)
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


def _share_joint_coverage(answers: list[Candidate], total_points: float) -> None:
    """A question that asks two things ("生娃的筛查还有托儿所") is covered by the answers
    together: each of them, explaining a different part, gets the coverage of the set."""
    if len(answers) < 2 or total_points <= 0:
        return
    union: dict[str, float] = {}
    for candidate in answers:
        for term in candidate.terms:
            union[term.canonical] = max(union.get(term.canonical, 0.0), term.points)
    joint = min(1.0, sum(union.values()) / total_points)
    for candidate in answers:
        own_terms = {term.canonical for term in candidate.terms}
        adds_nothing_new = any(
            own_terms <= {t.canonical for t in other.terms}
            for other in answers
            if other is not candidate
        )
        if joint > candidate.coverage and not adds_nothing_new:
            candidate.coverage = joint
            candidate.score = (candidate.keyword_points + candidate.rule_bonus) * (
                COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * joint
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
