"""Score knowledge entries against one question.

Pipeline: normalise → segment → find terms (``bot.terms``) → fire keyword rules through the
inverted index → score the candidates (term weights × match quality, coverage of the question,
title similarity, region) → decide against the cut-off. Every step is recorded so ``--explain``
can show why.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, islice
from typing import Literal

from rapidfuzz import fuzz

from bot.config import MatchingSettings
from bot.index import MatchIndex
from bot.normalize import normalize
from bot.segment import general_frequency, general_total, is_function_word
from bot.terms import EXACT_KINDS, Hit, find_regions, find_terms
from bot.textindex import K1

# A term inside a longer term that also matched (养老 inside 养老服务) counts this share: the
# longer term already carries the evidence.
NESTED_FACTOR = 0.3
# A term scoring more than this share of its weight is specific evidence, not a filler's crumb.
SPECIFIC_TERM_SHARE = 0.25
# Longer matched words are stronger evidence: by a term's length in characters (longer: 1.4).
LENGTH_FACTORS = {1: 0.5, 2: 1.0, 3: 1.2}
LONG_TERM_FACTOR = 1.4
# Share of the keyword score kept by an entry that explains none of the rest of the question.
COVERAGE_FLOOR = 0.8
AND_RULE_BONUS = 0.5  # share of its weakest word a multi-word rule adds when all words match
TITLE_FLOOR = 60.0  # title similarity below this (0–100) counts for nothing
TITLE_WEIGHT = 1.0
RERANK_DEPTH = 10  # candidates whose title similarity is computed
POSTINGS_BUDGET = 600  # entry lookups per question, whatever the size of the knowledge
MAX_CANDIDATES = 25  # entries checked rule by rule per question
TEXT_POSTINGS_BUDGET = 600  # the same bound for the text index's postings
MAX_TEXT_CANDIDATES = 10  # documents found only through their text, checked per question
COMMON_TEXT_SHARE = 0.2  # a word in more of the texts than this finds no new candidates,
COMMON_TEXT_FLOOR = 50  # unless it is in fewer texts than this (a small knowledge base)
# A word found in an entry's or passage's text counts this share of what a keyword rule gives:
# the rules are the clerk's precise evidence, the texts say many things in passing.
TEXT_FACTOR = 0.8
# With comparable evidence a curated entry ranks above a passage of the same article.
PASSAGE_FACTOR = 0.9
REGION_TEXT_FACTOR = 0.5  # share kept by a region name found in a text
# Content words: how specific a word of the question is, from its frequency in jieba's general
# dictionary (ln(total / frequency)): at or below COMMON_SPECIFICITY it is everyday language
# (问问, 想, 情况), at or above RARE_SPECIFICITY a word that names a thing (公租房, 护照).
# An amount per person, household or unit (每年每户1.08万元, 每亩补贴100元) states a fee, a
# standard or a wage; a total (发放赔款180余万元, 每年增收760万元) does not.
AMOUNT = re.compile(
    r"每(?:户|人|亩|月|平方米|斤|张|次|名|位|个)[^。；，,]{0,6}?\d[\d.]*\s*余?[万千百]?余?元"
)
# Words with which a resident turns from telling to asking, and how much must follow them.
ASKING_MARKER = re.compile("想问问|想问一下|想问下|想知道|想打听|问一下|请问")
MIN_ASKED_CHARS = 4
# A question about a total (一共赔了多少钱) or an investment (投了多少钱) is answered by a total
# amount (发放赔款180余万元, 投资1.17亿元).
TOTAL_WORDS = ("一共", "总共", "累计", "合计", "投资", "投了", "投入")
TOTAL_AMOUNT = re.compile(r"\d[\d.]*\s*余?[万亿千百]?余?元")
# A short question found word for word in a text is a search for that phrase: points added.
MIN_PHRASE_CHARS = 3
MAX_PHRASE_CHARS = 12
PHRASE_BONUS = 3.0
# A run of two or more of the question's words that a text says word for word (乡村振兴 typed as
# 乡村 + 振兴, 基本盘 as 基本 + 盘) is stronger evidence than the same words apart: points for
# each character beyond the shortest such run, up to the whole-question bonus.
PHRASE_RUN_POINTS = 0.5
MIN_RUN_CHARS = 3
COMMON_SPECIFICITY = 8.0
RARE_SPECIFICITY = 13.0
REGION_NAME_WEIGHT = 0.5
# Words that turn a question to another matter.
TOPIC_TURN = re.compile("另外|还有就是|顺带|顺便|再问|另一个")
# Above this many times the cut-off, the share of the question an answer must explain falls
# in proportion to the score.
STRONG_EVIDENCE = 2.0
# Where a candidate's term was found: "rule" when a keyword rule of the candidate holds it,
# "text" when only its text does.
Evidence = Literal["rule", "text"]
# Where the region a question is read for came from: named in it, the resident's chosen
# region, or none ("").
RegionSource = Literal["question", "preference", ""]


@dataclass(slots=True)
class TermScore:
    """One matched term's part in a candidate's score."""

    canonical: str
    hit: Hit
    weight: float
    points: float
    via: Evidence = "rule"
    text_tf: float = 0.0  # BM25F-normalised frequency in the candidate's fields


@dataclass(slots=True)
class Candidate:
    """An entry that shares at least one term with the question, and why it scored."""

    entry_number: int
    fired_rules: list[str]
    terms: list[TermScore]
    # The words of each fired rule that needs two or more (老人 吃饭), in rule order.
    and_rules: list[tuple[str, ...]] = field(default_factory=list)
    keyword_points: float = 0.0
    rule_bonus: float = 0.0
    coverage: float = 0.0
    title_similarity: float = 0.0
    region_factor: float = 1.0
    # Details the question asks for (所需材料, 联系电话 …) that the entry never mentions.
    unmet_details: list[str] = field(default_factory=list)
    # True when the candidate also answers a part of the question that asks no unmet detail.
    answers_another_part: bool = False
    # Share of the question's specific words that this candidate's terms explain.
    content_coverage: float = 1.0
    # The longest run of the question's words the candidate's text says word for word.
    phrase: tuple[int, int] | None = None
    passage: bool = False
    score: float = 0.0
    score_before_details: float = 0.0

    @property
    def text_only(self) -> bool:
        """True when no keyword rule found this candidate: only what its text says."""
        return not self.fired_rules

    @property
    def has_specific_term(self) -> bool:
        """True when the score rests on at least one term that is not a filler word."""
        return any(
            term.weight > 0 and term.points > SPECIFIC_TERM_SHARE * term.weight
            for term in self.terms
        )


@dataclass(slots=True)
class MatchResult:
    """Everything the matcher found for one question, best candidate first."""

    query: str
    normalized: str
    tokens: list[str]
    hits: list[Hit]
    regions: list[str]
    region_source: RegionSource
    candidates: list[Candidate]
    cutoff: float
    answered: bool
    vetoed: list[int] = field(default_factory=list)
    # The detail the question asks for that the best candidate does not state (e.g. 门票价格).
    missing_detail: str | None = None
    passage_cutoff: float = 0.0
    min_content_coverage: float = 0.0
    spans: list[tuple[int, int]] = field(default_factory=list)  # of the tokens
    detail_spans: list[tuple[int, int]] = field(default_factory=list)  # words asking a detail
    # The question's specific words (start, end, how specific 0–1): what it is about, without
    # its framing (想问问), the details it asks (多少钱, 多久) and everyday language (不要, 哪个).
    specific: SpecificWords = field(default_factory=lambda: SpecificWords([], 0))


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
    region_source: RegionSource = "question" if regions else ""
    if not regions and preferred_region in index.region_ancestors:
        regions, region_source = [preferred_region], "preference"

    best_hits = _best_hit_per_term(hits)
    vetoed = {
        e
        for term in best_hits
        for e in index.vetoes.get(term, ())
        if best_hits[term].kind in EXACT_KINDS
    }
    candidates = _fire_rules(index, best_hits, vetoed)
    # Words asking for a detail (多少钱, 电话) say what is wanted, not which text holds it.
    asked = _asked_details(text, best_hits.values(), settings)
    clause_of = _clauses(text)
    detail_spans = [span for spans_of_label in asked.values() for span in spans_of_label]
    topic_hits = {
        t: h
        for t, h in best_hits.items()
        if not any(s < h.end and h.start < e for s, e in detail_spans)
    }
    candidates = _add_text_evidence(index, topic_hits, candidates, vetoed)
    # A text's word inside a longer term of the question (人员 in 特困人员) is part of that term.
    exact_hits = [h for h in best_hits.values() if h.kind in EXACT_KINDS]
    inside_exact = _inside_longer(best_hits.values(), exact_hits, len(text))
    for candidate in candidates:
        _score_terms(candidate, inside_exact)
    total_points = _question_points(candidates)
    for candidate in candidates:
        _score_keywords(candidate, total_points)
    candidates.sort(key=lambda c: c.score, reverse=True)
    _share_joint_coverage(candidates[: settings.max_answers], total_points)
    question = _Question.of(text, spans, regions, asked, clause_of, settings)
    specific = SpecificWords(
        _content_words(index, text, spans, detail_spans, question.framing), len(text)
    )
    for candidate in islice(candidates, RERANK_DEPTH):
        _score_title_and_region(candidate, index, question, settings)
        if candidate.text_only:
            candidate.content_coverage = specific.coverage(candidate)
    # Equal scores (two entries sharing their keywords): the title closer to the question wins.
    candidates.sort(key=lambda c: (c.score, c.title_similarity, -c.entry_number), reverse=True)

    answered, missing_detail = False, None
    top = candidates[0] if candidates else None
    if top is not None and top.unmet_details and _clear_enough(top, settings, details=False):
        missing_detail = top.unmet_details[0]  # the topic is found, the detail is not stated
        # A question in two parts ("中队组建了几支 另外护林员工资多少") gets its first part
        # answered, and is told which detail of the other the sources do not state.
        answered = top.answers_another_part
    else:
        answerable = [c for c in candidates[:RERANK_DEPTH] if _clear_enough(c, settings)]
        if answerable:
            # What cannot answer on its own (a passage below its cut-off) goes after it.
            first = {id(c) for c in answerable}  # identity: comparing dataclasses is slow
            candidates = answerable + [c for c in candidates if id(c) not in first]
            answered = True
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
        missing_detail=missing_detail,
        passage_cutoff=settings.passage_cutoff,
        min_content_coverage=settings.min_content_coverage,
        spans=spans,
        detail_spans=detail_spans,
        specific=specific,
    )


def _clauses(text: str) -> list[int]:
    """For each character of the question, which part of it the character stands in: parts are
    separated by a word that turns to another matter (另外, 顺便 …)."""
    clause_of = [0] * len(text)
    for turn in TOPIC_TURN.finditer(text):
        for position in range(turn.start(), len(text)):
            clause_of[position] += 1
    return clause_of


def _asked_details(
    text: str, hits: Iterable[Hit], settings: MatchingSettings
) -> dict[str, list[tuple[int, int]]]:
    """The details the question asks for, each with where its words stand in the question.

    A detail word whose first characters end a term of the knowledge is part of that term's
    sentence, not a question about the detail (收多少 in 增收多少 asks no fee)."""
    label_of, pattern = _detail_pattern(tuple((k, tuple(v)) for k, v in settings.details.items()))
    term_ends = {(hit.start, hit.end) for hit in hits if hit.kind in EXACT_KINDS}
    asking_from = _asking_from(text)
    asked: dict[str, list[tuple[int, int]]] = {}
    for found in pattern.finditer(text):
        start, end = found.span()
        if any(s < start < e < end for s, e in term_ends):
            continue
        if start < asking_from and " " not in text[start:asking_from]:
            continue  # told, not asked: before 想问问 in the same run of words
        word = found.group()
        labels = label_of.get(word) or label_of.get(word.replace("哪儿", "哪"), [])
        for label in labels:
            asked.setdefault(label, []).append(found.span())
    return asked


def _asking_from(text: str) -> int:
    """Where the resident turns from telling to asking (…这两年价格还行想问问…多少亩): a detail
    named before 想问问, in the same run of words, tells the story and is not asked. 0 without
    such a word, or with nothing asked after it (门票多少钱想问一下)."""
    return next(
        (m.start() for m in ASKING_MARKER.finditer(text) if len(text) - m.end() >= MIN_ASKED_CHARS),
        0,
    )


@lru_cache(maxsize=8)
def _detail_pattern(
    details: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[dict[str, list[str]], re.Pattern[str]]:
    """One regular expression for every detail word (longest first), and each word's details.

    哪 may be said with its 儿 (去哪儿申请 is 去哪申请): the words match either way, and a match is
    read back without the 儿 to find its details."""
    label_of: dict[str, list[str]] = {}
    for label, words in details:
        for word in words:
            label_of.setdefault(word, []).append(label)
    alternatives = sorted(label_of, key=len, reverse=True)
    erhua = (re.sub("哪(?!儿)", "哪儿?", re.escape(word)) for word in alternatives)
    return label_of, re.compile("|".join(erhua) or "(?!)")


@lru_cache(maxsize=8)
def _word_set(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words)


def _clear_enough(
    candidate: Candidate, settings: MatchingSettings, *, details: bool = True
) -> bool:
    """Whether a candidate may answer: its score, its specific evidence, and for what only a
    text found (a passage, an entry no rule fired for), how much of the question it explains."""
    score = candidate.score if details else candidate.score_before_details
    cutoff = settings.passage_cutoff if candidate.passage else settings.cutoff
    if score < cutoff or not candidate.has_specific_term:
        return False
    if details and candidate.unmet_details:
        return False
    if not candidate.text_only:
        return True
    # Strong evidence needs less of the question explained: a long story around one clear
    # topic ("我腿脚不好…有专门的招聘会吗") is still about that topic.
    required = settings.min_content_coverage * min(1.0, STRONG_EVIDENCE * cutoff / score)
    return candidate.content_coverage >= required


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
        if not bound:  # the rarest term: its entries, each once, are all new
            bound = dict.fromkeys(entries[:POSTINGS_BUDGET], points)
        else:
            for entry_number in entries[:POSTINGS_BUDGET]:
                bound[entry_number] = bound.get(entry_number, 0.0) + points
        scanned += len(entries)
    shortlist = heapq.nlargest(MAX_CANDIDATES, bound, key=bound.__getitem__)
    found = set(hits)  # a set: frozenset <= dict_keys falls back to a slow path
    exact = {t for t, h in hits.items() if h.kind in EXACT_KINDS}
    candidates = []
    for entry_number in sorted(shortlist):
        if entry_number in vetoed:
            continue
        rules = [
            rule
            for needed, vetoing, rule in index.rule_checks[entry_number]
            if needed <= found and not (vetoing and vetoing & exact)
        ]
        if not rules:
            continue
        terms_of_entry = sorted({word for rule in rules for word in rule.required})
        candidates.append(
            Candidate(
                entry_number=entry_number,
                fired_rules=[rule.text for rule in rules],
                terms=[TermScore(t, hits[t], index.weight(t), 0.0) for t in terms_of_entry],
                and_rules=[rule.required for rule in rules if len(rule.required_set) > 1],
            )
        )
    return candidates


def _add_text_evidence(
    index: MatchIndex, hits: dict[str, Hit], candidates: list[Candidate], vetoed: set[int]
) -> list[Candidate]:
    """What the texts say: each candidate's field frequency of every question term, and the
    documents whose text holds the question's words although no rule fired for them.

    Postings of the rarest terms come first, within TEXT_POSTINGS_BUDGET, and at most
    MAX_TEXT_CANDIDATES text-only documents are kept: the cost does not grow with the knowledge.
    """
    text = index.text
    postings, frequencies, text_of = text.postings, text.frequencies, text.text_of
    # Filler and words most texts share find no new candidates (they still count for those found).
    common = max(COMMON_TEXT_FLOOR, COMMON_TEXT_SHARE * len(frequencies))
    terms = sorted(
        (t for t in hits if t in postings and t not in index.filler and len(postings[t]) <= common),
        key=lambda t: len(postings[t]),
    )
    bound: dict[int, float] = {}  # text number → what its words could give
    scanned = 0
    for term in terms:
        numbers, tfs = postings[term], text.posting_tfs[term]
        if scanned and scanned + len(numbers) > TEXT_POSTINGS_BUDGET:
            break  # this and every later term is common: it says little about any text
        if len(numbers) > TEXT_POSTINGS_BUDGET:
            numbers, tfs = numbers[:TEXT_POSTINGS_BUDGET], tfs[:TEXT_POSTINGS_BUDGET]
        weight = index.text_weight(term) * hits[term].quality
        for number, tf in zip(numbers, tfs, strict=True):
            # BM25's saturation, inlined: this loop runs for every posting.
            bound[number] = bound.get(number, 0.0) + weight * tf * (K1 + 1) / (K1 + tf)
        scanned += len(numbers)
    found = sorted(t for t in hits if t in postings)  # a candidate's terms go in this order
    taken = {c.entry_number for c in candidates} | vetoed
    chosen: list[int] = []
    for number in heapq.nlargest(MAX_TEXT_CANDIDATES, bound, key=bound.__getitem__):
        for document in text.documents_of[number]:
            if len(chosen) == MAX_TEXT_CANDIDATES:
                break
            if document not in taken:
                chosen.append(document)
    candidates += [Candidate(n, [], [], passage=index.is_passage(n)) for n in chosen]
    # What a term's points are made of besides the text's frequency, the same for every text:
    # its weight, and the factors before and after the frequency (in the order they multiply).
    factors: dict[str, tuple[float, float, float, float]] = {}
    for t in found:
        weight = index.text_weight(t)
        before = TEXT_FACTOR * _region_text_factor(index, t) * weight
        factors[t] = (weight, before, hits[t].quality, _length_factor(hits[t]))
    for candidate in candidates:
        table = frequencies[text_of[candidate.entry_number]]
        for t in found:
            held = table.get(t)
            if held is not None:
                weight, before, quality, length = factors[t]
                # BM25's saturation (1.0 for one plain occurrence), inlined as in the bound.
                points = before * (held * (K1 + 1) / (K1 + held)) * quality * length
                candidate.terms.append(TermScore(t, hits[t], weight, points, "text", held))
    return candidates


def _region_text_factor(index: MatchIndex, canonical: str) -> float:
    # A region name the text says is already counted by the region factor.
    return REGION_TEXT_FACTOR if canonical in index.region_names else 1.0


def _score_terms(candidate: Candidate, inside_exact: set[tuple[int, int]]) -> None:
    """Each term's points: what its keyword rule gives, or what the text gives, the stronger.

    A term both a rule and the text hold keeps the rule's points: the same word said twice is
    not twice the evidence. ``inside_exact``: where the question's hits stand inside a longer
    exact term of the question.
    """
    if candidate.text_only:  # one term per canonical, in order, its points from the text
        for term in candidate.terms:
            if (term.hit.start, term.hit.end) in inside_exact:
                term.points *= NESTED_FACTOR
        return
    merged: dict[str, TermScore] = {}
    for term in candidate.terms:
        if term.via == "rule":
            term.points = term.weight * term.hit.quality * _length_factor(term.hit)
        current = merged.get(term.canonical)
        if current is None or term.points > current.points:
            merged[term.canonical] = term
    hits = [term.hit for term in merged.values()]
    # A rule's word inside a longer word of the candidate's own terms is part of that word.
    inside_own = _inside_longer(hits, hits, max(hit.end for hit in hits))
    for term in merged.values():
        nested_in = inside_exact if term.via == "text" else inside_own
        if (term.hit.start, term.hit.end) in nested_in:
            term.points *= NESTED_FACTOR
    candidate.terms = sorted(merged.values(), key=lambda t: t.canonical)


def _question_points(candidates: list[Candidate]) -> float:
    """The evidence the question offers: for every term that found something, the most any
    candidate makes of it.

    Words that find nothing anywhere (a half of an AND rule, a word of another topic) are not
    evidence a candidate could be blamed for leaving unexplained.
    """
    best: dict[str, float] = {}
    for candidate in candidates:
        for term in candidate.terms:
            best[term.canonical] = max(best.get(term.canonical, 0.0), term.points)
    return sum(best.values())


def _inside_longer(hits: Iterable[Hit], longer: list[Hit], length: int) -> set[tuple[int, int]]:
    """Where ``hits`` stand inside a longer one of ``longer`` (食堂 inside 幸福食堂: starting
    no later, ending no earlier, and longer), in one pass over a question of ``length``
    characters."""
    end_at = [0] * (length + 1)  # the furthest end of a longer hit starting here
    for hit in longer:
        end_at[hit.start] = max(end_at[hit.start], hit.end)
    end_before = list(accumulate(end_at, max, initial=0))  # ... starting before here
    return {
        (hit.start, hit.end)
        for hit in hits
        if end_before[hit.start] >= hit.end or end_at[hit.start] > hit.end
    }


def _score_keywords(candidate: Candidate, total_points: float) -> None:
    candidate.keyword_points = sum(term.points for term in candidate.terms)
    if candidate.and_rules:
        by_term = {term.canonical: term for term in candidate.terms}
        for required in candidate.and_rules:
            candidate.rule_bonus += AND_RULE_BONUS * min(by_term[w].points for w in required)
    if total_points > 0:
        candidate.coverage = min(1.0, candidate.keyword_points / total_points)
    candidate.score = _evidence_score(candidate)


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
            candidate.score = _evidence_score(candidate)


def _evidence_score(candidate: Candidate) -> float:
    """Points of the words and rules, by how much of the question they explain; a passage a
    little lower than an entry with the same evidence."""
    score = (candidate.keyword_points + candidate.rule_bonus) * (
        COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * candidate.coverage
    )
    return score * PASSAGE_FACTOR if candidate.passage else score


def _length_factor(hit: Hit) -> float:
    length = hit.end - hit.start
    return LENGTH_FACTORS.get(length, LONG_TERM_FACTOR)


@dataclass(frozen=True)
class _Question:
    """What every reranked candidate is compared with, worked out once per question."""

    text: str
    spans: list[tuple[int, int]]
    compact: str  # without the spaces
    pieces: list[str]  # as typed between spaces
    regions: list[str]
    asked: dict[str, list[tuple[int, int]]]
    clause_of: list[int]
    framing: frozenset[str]
    amount: re.Pattern[str]
    # pairs[i]: the words i and i+1 as typed, None where a space parts them (or i is last).
    pairs: list[str | None]
    # says_before[i]: how many of the first i words say something (see _says_something).
    says_before: list[int]

    @classmethod
    def of(
        cls,
        text: str,
        spans: list[tuple[int, int]],
        regions: list[str],
        asked: dict[str, list[tuple[int, int]]],
        clause_of: list[int],
        settings: MatchingSettings,
    ) -> _Question:
        """The view of the normalised question ``text``."""
        framing = _word_set(tuple(settings.question_words))
        pairs: list[str | None] = [
            None if " " in text[start:end] else text[start:end]
            for start, end in zip((s for s, _ in spans), (e for _, e in spans[1:]), strict=False)
        ]
        says = (_says_something(text[s:e], framing) for s, e in spans)
        return cls(
            text=text,
            spans=spans,
            compact=text.replace(" ", ""),
            pieces=text.split(" "),
            regions=regions,
            asked=asked,
            clause_of=clause_of,
            framing=framing,
            amount=TOTAL_AMOUNT if any(word in text for word in TOTAL_WORDS) else AMOUNT,
            pairs=[*pairs, None],
            says_before=list(accumulate(says, initial=0)),
        )


def _score_title_and_region(
    candidate: Candidate, index: MatchIndex, question: _Question, settings: MatchingSettings
) -> None:
    title = index.titles[candidate.entry_number]
    compact = question.compact
    # A passage has no title of its own (""): nothing to compare.
    similarity = fuzz.partial_ratio(title, compact) if title and question.text else 0.0
    candidate.title_similarity = similarity
    bonus = max(0.0, similarity - TITLE_FLOOR) / (100 - TITLE_FLOOR) * TITLE_WEIGHT
    candidate.region_factor = _region_factor(
        index, candidate.entry_number, question.regions, settings
    )
    # Only what the resident reads counts: the keywords say how residents ask, not what is known.
    document = index.documents[candidate.entry_number]
    said = document.title + "\n" + document.excerpt
    candidate.phrase = _longest_said_run(question, said)
    pieces = question.pieces
    if MIN_PHRASE_CHARS <= len(compact) <= MAX_PHRASE_CHARS and all(p in said for p in pieces):
        # A short search typed as the text says it (五张牌, 一县一业, 榆次 农文旅); its pieces
        # said one after the other (排污口 整治 in 入河排污口整治) a little more.
        bonus += PHRASE_BONUS
        if len(pieces) > 1 and compact in said:
            bonus += PHRASE_RUN_POINTS
    elif candidate.phrase is not None and candidate.text_only:
        # Only for what its text found: where a rule fired, the clerk's words already weigh it.
        start, end = candidate.phrase
        bonus += min(PHRASE_BONUS, PHRASE_RUN_POINTS * (end - start - MIN_RUN_CHARS + 1))
    candidate.unmet_details, candidate.answers_another_part = _unmet_details(
        candidate, question, said, settings
    )
    detail_factor = settings.unmet_detail_factor if candidate.unmet_details else 1.0
    candidate.score = (candidate.score + bonus) * candidate.region_factor
    candidate.score_before_details = candidate.score
    candidate.score *= detail_factor


def _unmet_details(
    candidate: Candidate, question: _Question, said: str, settings: MatchingSettings
) -> tuple[list[str], bool]:
    """The details asked of ``candidate`` that ``said`` does not state, and whether it answers
    a part of the question that asks none of them.

    A detail is asked of this candidate when it stands in a part of the question its words are
    in ("消费券还发不发 另外夜市几点收摊" asks no opening hours of the vouchers)."""
    asked, clause_of, amount = question.asked, question.clause_of, question.amount
    if not asked:  # most questions ask no detail
        return [], any(t.points > 0 for t in candidate.terms)
    own_clauses = {clause_of[t.hit.start] for t in candidate.terms if t.points > 0}
    unmet = [
        label
        for label, spans_of_label in asked.items()
        if any(clause_of[start] in own_clauses for start, _ in spans_of_label)
        and not any(
            word in said
            for word in (*settings.details[label], *settings.detail_stated.get(label, ()))
        )
        and not (label in settings.amount_details and amount.search(said))
    ]
    unmet_clauses = {clause_of[start] for label in unmet for start, _ in asked[label]}
    return unmet, bool(own_clauses - unmet_clauses)


def _content_words(
    index: MatchIndex,
    text: str,
    spans: list[tuple[int, int]],
    detail_spans: list[tuple[int, int]],
    question_words: frozenset[str],
) -> list[tuple[int, int, float]]:
    """The question's specific words, each with how specific it is (0–1): what an answer found
    only through its text must explain. Filler and detail words are not counted (the detail
    check deals with those); a region name counts half: it places the question, the region
    factor ranks by it, but "长治 + a word of no measure" is no question about 长治's measures."""
    words = []
    total = general_total()
    for start, end in spans:
        word = text[start:end]
        if (
            end - start < 2
            or word in question_words
            or index.canonical.get(word) in index.filler
            or any(s < end and start < e for s, e in detail_spans)
        ):
            continue
        specificity = math.log(total / max(1, general_frequency(word)))
        weight = (specificity - COMMON_SPECIFICITY) / (RARE_SPECIFICITY - COMMON_SPECIFICITY)
        if word in index.region_names:
            weight = REGION_NAME_WEIGHT
        if weight > 0:
            words.append((start, end, min(1.0, weight)))
    return words


def _longest_said_run(question: _Question, said: str) -> tuple[int, int] | None:
    """The longest run of two or more whole words of the question that ``said`` holds word
    for word, not made of framing and function words only (是什么, 怎么办理)."""
    text, spans, pairs = question.text, question.spans, question.pairs
    says_before = question.says_before
    best: tuple[int, int] | None = None
    longest = MIN_RUN_CHARS - 1
    for first, pair in enumerate(pairs):
        if pair is None or pair not in said:
            continue
        # Every shorter run from ``first`` is inside the longest one: only that one counts.
        last = first + 1
        while last + 1 < len(spans) and pairs[last] is not None:
            if text[spans[first][0] : spans[last + 1][1]] not in said:
                break
            last += 1
        start, end = spans[first][0], spans[last][1]
        if end - start > longest and says_before[last + 1] > says_before[first]:
            best, longest = (start, end), end - start
    return best


def _says_something(word: str, framing: frozenset[str]) -> bool:
    return word not in framing and not is_function_word(word)


class SpecificWords:
    """The question's specific words (start, end, how specific 0–1), and which of them a span
    of the question explains: a word is explained by a span covering more than half of it
    (人员 does not explain 特困人员). Candidates share most of their hits: what one span
    explains is worked out once per question."""

    def __init__(self, words: list[tuple[int, int, float]], length: int) -> None:
        self.words = words
        self._total = sum(weight for _, _, weight in words)
        # The words are tokens of the question, apart: which one stands at each character.
        self._word_at = [-1] * length
        for number, (start, end, _) in enumerate(words):
            self._word_at[start:end] = [number] * (end - start)
        self._explained: dict[tuple[int, int], tuple[int, ...]] = {}

    def explained_by(self, span: tuple[int, int]) -> tuple[int, ...]:
        """The numbers of the words ``span`` explains, in order."""
        found = self._explained.get(span)
        if found is None:
            s, e = span
            numbers: list[int] = []
            examined = -1
            for number in self._word_at[s:e]:
                if number >= 0 and number != examined:
                    examined = number
                    start, end, _ = self.words[number]
                    if 2 * (min(e, end) - max(s, start)) > end - start:
                        numbers.append(number)
            found = self._explained[span] = tuple(numbers)
        return found

    def coverage(self, candidate: Candidate) -> float:
        """The share (0–1) of the question's specific weight that ``candidate`` explains."""
        if self._total <= 0:
            return 1.0
        spans = [(t.hit.start, t.hit.end) for t in candidate.terms if t.points > 0]
        if candidate.phrase is not None:
            spans.append(candidate.phrase)  # every word of a run the text says is explained
        explained: set[int] = set()
        for span in spans:
            explained.update(self.explained_by(span))
        return sum(self.words[i][2] for i in sorted(explained)) / self._total


def _region_factor(
    index: MatchIndex, entry_number: int, regions: list[str], settings: MatchingSettings
) -> float:
    if not regions:
        return 1.0
    region = index.documents[entry_number].region
    if region in regions:
        return settings.region_boost
    if any(region in index.region_ancestors.get(named, ()) for named in regions):
        return 1.0  # a city-wide measure also applies to its counties
    if any(named in index.region_ancestors.get(region, ()) for named in regions):
        return settings.region_boost**0.5  # a county measure inside the named city
    return settings.other_region_factor
