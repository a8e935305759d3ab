"""The one service object the front ends (CLI, Telegram) talk to.

It owns the current knowledge version and its index. ``ask`` never blocks on a reload: a reload
builds a complete new version first and then swaps one reference. A reload that would remove
many entries (a file cut short) can be held aside until an admin confirms it.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.answers import Answer, AnswerItem, source_ref
from bot.background import building_beside_answers, release_gradually
from bot.config import Config, MatchingSettings
from bot.index import Document, MatchIndex, build_index
from bot.loader import DEFAULT_MAX_FILE_BYTES, Knowledge, load_knowledge
from bot.longtext import question_part
from bot.matcher import Candidate, MatchResult, match
from bot.models import EntryRecord
from bot.terms import EXACT_KINDS

logger = logging.getLogger(__name__)
SUGGESTION_SCAN = 1000  # title postings looked at per character pair, whatever the size
# A reload removing more than this share of the entries is most likely a file cut short.
LARGE_DROP_SHARE = 0.2
HOLD_SECONDS = 600.0  # how long a held reload waits for its confirmation


@dataclass(frozen=True)
class ReloadReport:
    """What a successful reload changed."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    total: int
    seconds: float
    passages: int = 0  # sentences of the articles searchable on their own
    previous: int = 0  # entries of the version it replaces
    held: str | None = None  # key of the new version when it waits for a confirmation

    @property
    def large_drop(self) -> bool:
        """True when it removes more than ``LARGE_DROP_SHARE`` of the previous entries."""
        return len(self.removed) > LARGE_DROP_SHARE * self.previous


@dataclass(frozen=True)
class _HeldReload:
    """A validated, built version that is not answering yet."""

    key: str
    index: MatchIndex
    report: ReloadReport
    since: float


class KnowledgeService:
    """Answers questions from one knowledge directory and reloads it on demand."""

    def __init__(
        self,
        directory: Path,
        settings: MatchingSettings,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        referrals: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.referrals = dict(referrals or {})
        self.settings = settings
        self.max_file_bytes = max_file_bytes
        self._index = self._build(directory)
        self._reload_lock = threading.Lock()
        self._held: _HeldReload | None = None
        self.clock: Callable[[], float] = time.monotonic  # a test may move time on

    @classmethod
    def from_config(cls, config: Config) -> KnowledgeService:
        """The service over the configured knowledge directory, matching and file size limit."""
        return cls(
            config.knowledge.dir,
            config.matching,
            max_file_bytes=config.knowledge.max_file_bytes,
            referrals=config.referrals,
        )

    @property
    def index(self) -> MatchIndex:
        """The search structures of the current knowledge version."""
        return self._index

    @property
    def knowledge(self) -> Knowledge:
        """The knowledge version currently answering."""
        return self._index.knowledge

    def categories(self) -> list[str]:
        """The categories of the current knowledge."""
        return self._index.knowledge.categories()

    def ask(self, question: str, *, region: str | None = None) -> Answer:
        """Answer one question; ``region`` is the resident's chosen region, if any.

        The knowledge version is read once, so an answer never mixes two versions even when a
        reload swaps them in the middle of it.
        """
        index = self._index
        read, partial = question_part(question, self.settings.max_query_chars)
        result = match(index, read, self.settings, preferred_region=region)
        answer = self._compose(index, result)
        if partial:
            return answer.model_copy(update={"partial": True, "lead": [messages.PARTLY_READ]})
        return answer

    def related(
        self, question: str, *, exclude: tuple[str, ...], region: str | None = None
    ) -> Answer:
        """Further answers to ``question`` besides those in ``exclude`` ("还有别的吗"): the next
        candidates that would have been offered as further answers, best first."""
        index = self._index
        result = match(index, question, self.settings, preferred_region=region)
        ratio = self.settings.secondary_ratio
        cutoffs = {False: self.settings.cutoff, True: self.settings.passage_cutoff}
        minimum = self.settings.min_content_coverage
        items = [
            self._item(index, c)
            for c in result.candidates
            if c.score >= ratio * cutoffs[c.passage]
            and not c.unmet_details
            and (not c.text_only or c.content_coverage >= minimum)
            and index.documents[c.entry_number].id not in exclude
        ][: self.settings.max_answers]
        return Answer(query=result.query, answered=bool(items), answers=items)

    def region_names(self, region: str) -> list[str]:
        """A region's name and aliases, as residents may type them."""
        known = self._index.knowledge.regions.get(region)
        return [region, *known.aliases] if known else [region]

    def explain(self, question: str, *, region: str | None = None) -> MatchResult:
        """The full match trace for one question (what ``ask --explain`` prints)."""
        read, _ = question_part(question, self.settings.max_query_chars)
        return match(self._index, read, self.settings, preferred_region=region)

    def reload(self, *, hold_large_drop: bool = False) -> ReloadReport:
        """Re-read the directory; swap in the new version only if all of it is valid.

        Raises KnowledgeError (and keeps the current version) when anything is wrong. With
        ``hold_large_drop``, a version that removes more than ``LARGE_DROP_SHARE`` of the entries
        is held aside instead: the report's ``held`` key swaps it in with ``apply_held``. Every
        reload replaces a version held before.
        """
        with self._reload_lock:
            self._retire_held()
            started = time.perf_counter()
            with building_beside_answers():
                new_index = self._build(self.directory)
                old = self._index.knowledge.fingerprints
                new = new_index.knowledge.fingerprints
                # Loops rather than set copies of 100k ids: they let the event loop in.
                report = ReloadReport(
                    added=sorted(k for k in new if k not in old),
                    removed=sorted(k for k in old if k not in new),
                    changed=sorted(k for k, v in new.items() if k in old and old[k] != v),
                    total=len(new),
                    passages=len(new_index.knowledge.passages),
                    seconds=time.perf_counter() - started,
                    previous=len(old),
                )
            if hold_large_drop and report.large_drop:
                key = secrets.token_hex(4)  # callback data: a button of an older /reload misses
                report = dataclasses.replace(report, held=key)
                self._held = _HeldReload(key, new_index, report, self.clock())
                logger.warning(
                    "knowledge reload held: it removes %d of %d entries",
                    len(report.removed),
                    len(old),
                )
                return report
            self._swap(new_index)
            logger.info("knowledge reloaded: %s", report)
            return report

    def apply_held(self, key: str) -> ReloadReport | None:
        """Swap in the version held under ``key``; None when it expired or was replaced."""
        with self._reload_lock:
            held = self._held
            if held is None or held.key != key:
                return None
            self._held = None
            if self.clock() - held.since > HOLD_SECONDS:
                release_gradually(held)
                return None
            self._swap(held.index)
            report = dataclasses.replace(held.report, held=None)
            logger.info("knowledge reloaded after confirmation: %s", report)
            return report

    def discard_held(self, key: str) -> bool:
        """Forget the version held under ``key``; False when there was none."""
        with self._reload_lock:
            if self._held is None or self._held.key != key:
                return False
            self._retire_held()
            return True

    def _swap(self, index: MatchIndex) -> None:
        """Answer from ``index`` from now on; free the retired version without a long pause."""
        retired, self._index = self._index, index
        release_gradually(retired)

    def _retire_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            release_gradually(held)

    def _build(self, directory: Path) -> MatchIndex:
        knowledge = load_knowledge(directory, self.max_file_bytes)
        return build_index(knowledge, self.settings.filler_words)

    def _compose(self, index: MatchIndex, result: MatchResult) -> Answer:
        if not result.answered:
            # Passages of one news item share its title: one suggestion per title.
            by_title: dict[str, Document] = {}
            for number in self._suggest(index, result):
                by_title.setdefault(index.documents[number].title, index.documents[number])
            suggested = list(by_title.values())
            # "资料里没有写门票价格。关于「…」" names the clear candidate: only when it is near.
            best = result.candidates[0] if result.candidates else None
            near_best = bool(
                best and suggested and index.documents[best.entry_number] is suggested[0]
            )
            first = suggested[0] if near_best and result.missing_detail else None
            return Answer(
                next_step=self._next_step(first) if first else "",
                query=result.query,
                answered=False,
                suggestions=[document.title for document in suggested],
                suggestion_ids=[document.id for document in suggested],
                missing_detail=result.missing_detail if near_best else None,
            )
        ratio = self.settings.secondary_ratio
        cutoffs = {False: self.settings.cutoff, True: self.settings.passage_cutoff}
        minimum = self.settings.min_content_coverage
        chosen = [result.candidates[0]] + [
            c
            for c in result.candidates[1 : self.settings.max_answers]
            if c.score >= ratio * cutoffs[c.passage]
            and not c.unmet_details
            and (not c.text_only or c.content_coverage >= minimum)
        ]
        answers = [self._item(index, candidate) for candidate in chosen]
        covers, not_covered = coverage_of(index, result, chosen[0].entry_number)
        # What a further answer says is covered by the answers together (更多相关).
        further = [index.said(c.entry_number).text for c in chosen[1:]]
        not_covered = [w for w in not_covered if not any(_mostly_in(w, t) for t in further)]
        answers[0] = answers[0].model_copy(update={"covers": covers, "not_covered": not_covered})
        return Answer(
            query=result.query,
            answered=True,
            answers=answers,
            missing_detail=result.missing_detail,
        )

    def entry_answer(self, entry_id: str) -> AnswerItem | None:
        """One entry or passage as an answer (a tapped title), or None if it no longer exists."""
        index = self._index
        number = index.entry_numbers.get(entry_id)
        if number is None:
            return None
        return self._item(index, Candidate(number, [], [], passage=index.is_passage(number)))

    def _item(self, index: MatchIndex, candidate: Candidate) -> AnswerItem:
        entry = index.documents[candidate.entry_number]
        return AnswerItem(
            id=entry.id,
            kind=entry.kind,
            title=entry.title,
            category=entry.category,
            region=entry.region,
            region_label=region_label(index.knowledge, entry.region),
            excerpt=entry.excerpt,
            source=source_ref(index.knowledge.sources[entry.source]),
            score=round(candidate.score, 3),
            next_step=self._next_step(entry),
            highlights=sorted({term.hit.text for term in candidate.terms}, key=len, reverse=True),
        )

    def _next_step(self, document: Document) -> str:
        own = document.next_step if isinstance(document, EntryRecord) else ""
        return own or self.referrals.get(document.category, "")

    def _suggest(self, index: MatchIndex, result: MatchResult) -> list[int]:
        """The nearest documents that share at least one specific term with the question (see
        ``specific_terms``)."""
        numbers = nearest_documents(index, result, self.settings.max_suggestions)
        terms = specific_terms(index, result)
        return [n for n in numbers if shared_terms(index, n, terms)]


def coverage_of(index: MatchIndex, result: MatchResult, number: int) -> tuple[list[str], list[str]]:
    """The question's specific terms (as typed; see ``specific_terms``) that document
    ``number`` says in its title or excerpt, and the topics it asks about that it does not.

    One sentence answers many questions ("潞州区的老旧小区还改不改？鹿家庄的市场招不招人？" gets
    the sentence about 鹿家庄's market, which says nothing of 老旧小区), so the answer names what
    it does not cover. To be named as not covered, a term must be typed as the knowledge writes
    it (no repaired typo), and be the topic of another entry (in its keyword rules and its
    title) that this document neither says nor names in its own rules: words a sentence says
    in passing (去年, 下雨) or that the clerk tied to this entry are no topic it leaves out.
    """
    text, said_terms = index.said(number)
    own_rules = {word for rule in index.rules[number] for word in rule.required}
    wanted = specific_terms(index, result)
    covers: list[str] = []
    not_covered: list[str] = []
    # Longest first: 老旧小区 stands for itself and for 小区 inside it.
    hits = sorted(result.hits, key=lambda h: h.end - h.start, reverse=True)
    taken: list[tuple[int, int]] = []
    for hit in hits:
        if hit.canonical not in wanted or any(s <= hit.start and hit.end <= e for s, e in taken):
            continue
        taken.append((hit.start, hit.end))
        word = result.normalized[hit.start : hit.end]
        if hit.canonical in said_terms or _mostly_in(word, text):
            shown = hit.canonical if hit.canonical in text else word
            if not any(shown in other for other in covers):  # 小区 inside 老旧小区
                covers.append(shown)
        elif (
            hit.kind in EXACT_KINDS
            and hit.canonical not in own_rules
            and word not in not_covered
            and _titled_elsewhere(index, hit.canonical, word, number)
        ):
            not_covered.append(word)
    return covers, not_covered


def _mostly_in(word: str, text: str) -> bool:
    """True when ``text`` holds ``word`` or at least half of its character pairs (中药材产业园
    in 中药材特色专业镇与古郊乡产业园): a text saying most of a word is not said to leave it out."""
    if word in text:
        return True
    pairs = [word[i : i + 2] for i in range(len(word) - 1)]
    return bool(pairs) and 2 * sum(pair in text for pair in pairs) >= len(pairs)


def _titled_elsewhere(index: MatchIndex, canonical: str, word: str, number: int) -> bool:
    """True when another entry with a keyword rule for ``canonical`` names it in its title:
    a topic of the knowledge, not a word said in passing."""
    return any(
        n != number and (canonical in index.titles[n] or word in index.titles[n])
        for n in index.term_entries.get(canonical, ())
    )


def region_label(knowledge: Knowledge, name: str) -> str:
    """A region as residents read it: its name, or 某县（原文未写县名）when the source does not
    name it (``anonymous`` in regions.toml)."""
    region = knowledge.regions.get(name)
    return messages.ANONYMOUS_REGION if region is not None and region.anonymous else name


def resident_regions(knowledge: Knowledge) -> list[list[str]]:
    """The regions residents live in, grouped by city (the city first, then its counties and
    districts in file order), the city with the most entries first; anonymous ones left out."""
    regions = knowledge.regions
    named = [r for r in regions.values() if not r.anonymous]

    def city_of(name: str) -> str:
        seen = {name}
        while (parent := regions[name].parent) in regions and parent not in seen:
            seen.add(parent)
            name = parent
        return name

    groups: dict[str, list[str]] = {}
    for region in named:
        groups.setdefault(city_of(region.name), []).append(region.name)
    entries: dict[str, int] = dict.fromkeys(groups, 0)
    for entry in knowledge.entries:
        if entry.region in regions and city_of(entry.region) in entries:
            entries[city_of(entry.region)] += 1
    for city, names in groups.items():
        # The city itself leads its group (it may be written after its counties).
        names.sort(key=lambda name: name != city)
    return [groups[city] for city in sorted(groups, key=lambda c: -entries[c])]


def nearest_documents(index: MatchIndex, result: MatchResult, limit: int) -> list[int]:
    """Up to ``limit`` documents nearest an unanswered question, whatever they share with it:
    the best candidates, then titles sharing the most character pairs with the question."""
    numbers = [c.entry_number for c in result.candidates[:limit]]
    if len(numbers) < limit:
        text = result.normalized.replace(" ", "")
        counts: dict[int, int] = {}
        for bigram in {text[i : i + 2] for i in range(len(text) - 1)}:
            for number in index.title_bigrams.get(bigram, ())[:SUGGESTION_SCAN]:
                counts[number] = counts.get(number, 0) + 1
        ranked = sorted(counts, key=lambda n: (-counts[n], n))
        numbers += [n for n in ranked if n not in numbers][: limit - len(numbers)]
    return numbers


def specific_terms(index: MatchIndex, result: MatchResult) -> set[str]:
    """The question's terms that can make a suggestion near.

    A term counts when it stands for a specific word of the question (``MatchResult.specific``: not
    its framing, a detail it asks for or everyday language), is not part of a longer word the
    knowledge does not know (社保 in 社保卡), and is not generic in the knowledge
    (``MatchIndex.generic``: 补贴, 免费, a region name …).
    """
    specific = result.specific
    return {
        hit.canonical
        for hit in result.hits
        if hit.canonical not in index.generic
        and not hit.inside_word
        and hit.end - hit.start >= 2
        and specific.explained_by((hit.start, hit.end))
    }


def shared_terms(index: MatchIndex, number: int, terms: set[str]) -> set[str]:
    """Which of ``terms`` document ``number`` says (in its title or excerpt, a passage in its
    text) or names in a keyword rule whose words ``terms`` all hold.

    Example questions do not count: they say how residents ask (多久, 找谁, 哪家), and sharing
    such a word says nothing about the measure.
    """
    said = index.said(number).terms
    ruled = {
        word for rule in index.rules[number] if rule.required_set <= terms for word in rule.required
    }
    return terms & (said | ruled)
