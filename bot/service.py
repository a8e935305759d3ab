"""The one service object the front ends (CLI, Telegram) talk to.

It owns the current knowledge version and its index. ``ask`` never blocks on a reload: a reload
builds a complete new version first and then swaps one reference.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.answers import Answer, AnswerItem, source_ref
from bot.config import Config, MatchingSettings
from bot.index import Document, MatchIndex, build_index
from bot.loader import DEFAULT_MAX_FILE_BYTES, Knowledge, load_knowledge
from bot.matcher import Candidate, MatchResult, match

logger = logging.getLogger(__name__)
SUGGESTION_SCAN = 1000  # title postings looked at per character pair, whatever the size


@dataclass(frozen=True)
class ReloadReport:
    """What a successful reload changed."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    total: int
    seconds: float
    passages: int = 0  # sentences of the articles searchable on their own


class KnowledgeService:
    """Answers questions from one knowledge directory and reloads it on demand."""

    def __init__(
        self,
        directory: Path,
        settings: MatchingSettings,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        self.directory = directory
        self.settings = settings
        self.max_file_bytes = max_file_bytes
        self._index = self._build(directory)
        self._reload_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> KnowledgeService:
        """The service over the configured knowledge directory, matching and file size limit."""
        return cls(
            config.knowledge.dir,
            config.matching,
            max_file_bytes=config.knowledge.max_file_bytes,
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
        result = match(index, question, self.settings, preferred_region=region)
        return self._compose(index, result)

    def explain(self, question: str, *, region: str | None = None) -> MatchResult:
        """The full match trace for one question (what ``ask --explain`` prints)."""
        return match(self._index, question, self.settings, preferred_region=region)

    def reload(self) -> ReloadReport:
        """Re-read the directory; swap in the new version only if all of it is valid.

        Raises KnowledgeError (and keeps the current version) when anything is wrong.
        """
        with self._reload_lock:
            started = time.perf_counter()
            new_index = self._build(self.directory)
            old = self._index.knowledge.fingerprints
            new = new_index.knowledge.fingerprints
            self._index = new_index
            report = ReloadReport(
                added=sorted(set(new) - set(old)),
                removed=sorted(set(old) - set(new)),
                changed=sorted(k for k in set(old) & set(new) if old[k] != new[k]),
                total=len(new),
                passages=len(new_index.knowledge.passages),
                seconds=time.perf_counter() - started,
            )
            logger.info("knowledge reloaded: %s", report)
            return report

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
            return Answer(
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
            highlights=sorted({term.hit.text for term in candidate.terms}, key=len, reverse=True),
        )

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
