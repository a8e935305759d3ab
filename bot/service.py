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
from bot.background import building_beside_answers
from bot.config import Config, MatchingSettings
from bot.index import Document, MatchIndex, build_index
from bot.loader import DEFAULT_MAX_FILE_BYTES, Knowledge, load_knowledge
from bot.longtext import question_part
from bot.matcher import Candidate, MatchResult, match
from bot.models import EntryRecord

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
            self._held = None
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
            self._index = new_index
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
                return None
            self._index = held.index
            report = dataclasses.replace(held.report, held=None)
            logger.info("knowledge reloaded after confirmation: %s", report)
            return report

    def discard_held(self, key: str) -> bool:
        """Forget the version held under ``key``; False when there was none."""
        with self._reload_lock:
            if self._held is None or self._held.key != key:
                return False
            self._held = None
            return True

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
            first = suggested[0] if suggested and result.missing_detail else None
            return Answer(
                next_step=self._next_step(first) if first else "",
                query=result.query,
                answered=False,
                suggestions=[document.title for document in suggested],
                suggestion_ids=[document.id for document in suggested],
                missing_detail=result.missing_detail,
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
        return Answer(
            query=result.query,
            answered=True,
            answers=[self._item(index, candidate) for candidate in chosen],
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
        """The nearest entries, from the candidates or else from shared title words."""
        limit = self.settings.max_suggestions
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
