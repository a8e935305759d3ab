"""The clerk's tools: run every example question (``kb test``) and advisory checks (``kb lint``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

from bot.loader import Knowledge
from bot.models import EntryRecord as Entry
from bot.normalize import normalize, normalize_term
from bot.segment import Segmenter
from bot.service import KnowledgeService

Locator = Callable[[Entry], str]


@dataclass(frozen=True)
class QuestionFailure:
    """An example question that did not retrieve its own entry first."""

    entry_id: str
    question: str
    got: str | None
    score: float | None

    def describe(self) -> str:
        """One line for the clerk."""
        if self.got is None:
            return f'{self.entry_id}: "{self.question}" → not answered'
        return f'{self.entry_id}: "{self.question}" → {self.got} (score {self.score})'


def run_examples(service: KnowledgeService) -> tuple[int, list[QuestionFailure]]:
    """Ask every entry's example questions; return how many ran and which failed.

    A question passes when its own entry comes first, or an entry quoting the same excerpt does.
    """
    knowledge = service.knowledge
    excerpt_of = {entry.id: entry.excerpt for entry in knowledge.entries}
    failures = []
    total = 0
    for entry in knowledge.entries:
        for question in entry.questions:
            total += 1
            answer = service.ask(question)
            first = answer.answers[0] if answer.answered else None
            if first is None or excerpt_of.get(first.id) != entry.excerpt:
                failures.append(
                    QuestionFailure(
                        entry.id,
                        question,
                        first.id if first else None,
                        first.score if first else None,
                    )
                )
    return total, failures


def lint(service: KnowledgeService) -> list[str]:
    """Advisory warnings about the knowledge base; none of them blocks loading."""
    knowledge = service.knowledge
    where = _locator(knowledge)
    warnings: list[str] = []
    warnings += [f"{where(e)}: no example questions" for e in knowledge.entries if not e.questions]
    warnings += _unreached_entries(service, where)
    warnings += _indistinct_pairs(service, where)
    warnings += _split_keywords(service, where)
    warnings += _excerpts_not_in_source(knowledge, where)
    return list(dict.fromkeys(warnings))


def uncurated_passages(service: KnowledgeService) -> list[str]:
    """Passages that answer example questions although no entry quotes them, most often first:
    candidates for new entries (a title a resident understands, a next step)."""
    questions_of: dict[str, list[str]] = defaultdict(list)
    excerpt_of: dict[str, str] = {}
    for entry in service.knowledge.entries:
        for question in entry.questions:
            answer = service.ask(question)
            for item in answer.answers if answer.answered else ():
                if item.kind == "passage":
                    questions_of[item.id].append(question)
                    excerpt_of[item.id] = item.excerpt
    ranked = sorted(questions_of, key=lambda pid: (-len(questions_of[pid]), pid))
    return [
        f'passage "{pid}" answers {len(questions_of[pid])} example question(s) '
        f'(e.g. "{questions_of[pid][0]}") but no entry quotes it: {excerpt_of[pid][:60]}…'
        for pid in ranked
    ]


def _locator(knowledge: Knowledge) -> Locator:
    def where(entry: Entry) -> str:
        return f'{knowledge.entry_files[entry.id]}: entry "{entry.id}"'

    return where


def _unreached_entries(service: KnowledgeService, where: Locator) -> list[str]:
    reached = set()
    for entry in service.knowledge.entries:
        for question in entry.questions:
            answer = service.ask(question)
            if answer.answered:
                reached.add(answer.answers[0].id)
    return [
        f"{where(entry)}: no example question (of any entry) retrieves it first"
        for entry in service.knowledge.entries
        if entry.questions and entry.id not in reached
    ]


def _single_word_terms(service: KnowledgeService, entry: Entry) -> set[str]:
    canonical = service.index.canonical
    terms = set()
    for rule in entry.rules():
        if len(rule.required) == 1 and not rule.excluded:
            word = normalize_term(rule.required[0])
            terms.add(canonical.get(word, word))
    return terms


def _indistinct_pairs(service: KnowledgeService, where: Locator) -> list[str]:
    by_region: dict[str, list[Entry]] = defaultdict(list)
    for entry in service.knowledge.entries:
        by_region[entry.region].append(entry)
    warnings = []
    for entries in by_region.values():
        terms = {entry.id: _single_word_terms(service, entry) for entry in entries}
        for a, b in combinations(entries, 2):
            if a.excerpt == b.excerpt:
                continue  # the same sentence: either answer quotes it
            shared = terms[a.id] & terms[b.id]
            for small, large in ((a, b), (b, a)):
                if shared and terms[small.id] <= terms[large.id]:
                    warnings.append(
                        f"{where(small)}: every keyword is also a keyword of {large.id} "
                        f"(same region {small.region}): nothing tells them apart "
                        f"(shared: {', '.join(sorted(shared))})"
                    )
    return warnings


def _split_keywords(service: KnowledgeService, where: Locator) -> list[str]:
    segmenter = service.index.segmenter
    warnings = []
    for entry in service.knowledge.entries:
        questions = [normalize(q) for q in entry.questions]
        for rule in entry.rules():
            for word in rule.required:
                term = normalize_term(word)
                if len(term) >= 2 and len(segmenter.words(term)) > 1:
                    warnings.append(f"{where(entry)}: keyword {word!r}: jieba splits it")
                if len(term) == 2:
                    warnings += [
                        f"{where(entry)}: keyword {word!r} straddles two words in "
                        f"example question {question!r}, so it does not match there"
                        for question in questions
                        if term in question
                        and term not in _segments_with_parts(segmenter, question)
                    ]
    return warnings


def _segments_with_parts(segmenter: Segmenter, text: str) -> set[str]:
    """Every token of ``text`` and every two-character part of a token."""
    parts = set()
    for token in segmenter.words(text):
        parts.add(token)
        parts.update(token[i : i + 2] for i in range(len(token) - 1))
    return parts


def _excerpts_not_in_source(knowledge: Knowledge, where: Locator) -> list[str]:
    texts: dict[str, str | None] = {}
    warnings = []
    for entry in knowledge.entries:
        source = knowledge.sources[entry.source]
        path = knowledge.article_path(source)
        if source.file is None or path is None:
            continue
        if source.file not in texts:
            try:
                texts[source.file] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                texts[source.file] = None
                warnings.append(f"{path}: cannot read the article text")
        text = texts[source.file]
        if text is None:
            continue
        for passage in entry.excerpt.split("\n"):
            if passage.strip() and passage.strip() not in text:
                warnings.append(
                    f"{where(entry)}: excerpt passage not found verbatim in {source.file}: "
                    f"{passage.strip()[:40]}…"
                )
    return warnings
