"""From a source's passages to new entries (``bot kb draft SOURCE_ID``).

The passages of a source that no entry quotes become ready-to-fill rows of the 条目 sheet: the
excerpt verbatim, the region the passage has, keywords suggested from its most specific terms
(the matcher's own words and idf weights), the residents' questions it answered — those the log
says it answered and those asked without an answer that it answers now — and 标题 and 类别 left
for the clerk. Passages that answered questions come first.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import messages
from bot.errors import BotError
from bot.index import MatchIndex
from bot.loader import Knowledge
from bot.matcher import COMMON_TEXT_FLOOR, COMMON_TEXT_SHARE
from bot.normalize import normalize, normalize_term
from bot.passages import Passage
from bot.segment import general_frequency, general_total, is_function_word
from bot.service import KnowledgeService
from bot.storage import Store
from bot.textindex import MAX_TEXT_CHARS

logger = logging.getLogger(__name__)

KEYWORDS_PER_ROW = 4
QUESTIONS_PER_ROW = 5
ASKED_FACTOR = 2.0


@dataclass(frozen=True)
class DraftRow:
    """One passage as a row to fill, with what residents asked that it answers."""

    passage: Passage
    keywords: tuple[str, ...]
    questions: tuple[str, ...]  # distinct, most often asked first
    count: int  # questions it answered, repeats included

    def fields(self) -> dict[str, Any]:
        """The row as the fields of an entry, 标题 and 类别 left empty for the clerk."""
        passage = self.passage
        number = passage.id.rsplit("#", 1)[1]
        note = (
            messages.DRAFT_NOTE_USED.format(passage=passage.id, count=self.count)
            if self.count
            else messages.DRAFT_NOTE_UNUSED.format(passage=passage.id)
        )
        return {
            "id": f"{passage.source}-{number}",
            "title": "",
            "category": "",
            "region": passage.region,
            "keywords": list(self.keywords),
            "excerpt": passage.excerpt,
            "source": passage.source,
            "questions": list(self.questions),
            "notes": note,
            "next_step": "",
        }


def draft_rows(
    service: KnowledgeService, source_id: str, store: Store | None, days: float
) -> list[DraftRow]:
    """The rows for ``source_id``: its passages that no entry quotes, those that answered
    questions first (most questions first), then the rest in the order of the article."""
    knowledge = service.knowledge
    source = knowledge.sources.get(source_id)
    if source is None:
        ids = "、".join(knowledge.sources)
        raise BotError(messages.DRAFT_UNKNOWN_SOURCE.format(id=source_id, ids=ids))
    if not source.file:
        raise BotError(messages.DRAFT_NO_ARTICLE.format(id=source_id))
    index = service.index
    passages = [p for p in knowledge.passages if p.source == source_id]
    asked: dict[str, Counter[str]] = {p.id: Counter() for p in passages}
    for passage_id, question in _answered_questions(service, source_id, store, days):
        if passage_id in asked:  # a passage an entry quotes by now is the entry's
            asked[passage_id][question] += 1
    rows = []
    for passage in passages:
        questions = tuple(q for q, _ in asked[passage.id].most_common(QUESTIONS_PER_ROW))
        number = index.entry_numbers[passage.id]
        rows.append(
            DraftRow(
                passage=passage,
                keywords=tuple(suggest_keywords(index, number, questions)),
                questions=questions,
                count=sum(asked[passage.id].values()),
            )
        )
    order = {p.id: n for n, p in enumerate(passages)}
    rows.sort(key=lambda row: (-row.count, order[row.passage.id]))
    return rows


def _answered_questions(
    service: KnowledgeService, source_id: str, store: Store | None, days: float
) -> list[tuple[str, str]]:
    """(passage id, question) pairs: what the log says a passage of the source answered, and
    the unanswered (or 👎) questions of the last ``days`` that one of them answers now."""
    if store is None:
        return []
    prefix = f"{source_id}#"
    pairs = store.answered_by(prefix)
    for question in store.unanswered_questions(days):
        answer = service.ask(question)
        if answer.answered and answer.answers[0].id.startswith(prefix):
            pairs.append((answer.answers[0].id, question))
    return pairs


def suggest_keywords(
    index: MatchIndex,
    number: int,
    questions: tuple[str, ...] = (),
    limit: int = KEYWORDS_PER_ROW,
) -> list[str]:
    """The most specific words of document ``number``'s excerpt, as it writes them.

    Each is weighed by how often the excerpt says it, how rare it is in the knowledge (the text
    index's idf; filler words almost nothing) and in everyday Chinese. Region names (the region
    column says those), numbers, words most texts share and a word inside one already chosen
    (失业 inside 失业保险) are left out. A word the residents used in ``questions`` (those the
    document answered) counts ``ASKED_FACTOR`` times: it is how they ask."""
    document = index.documents[number]
    # Whole words only: the text index also holds the parts of long words (日来 in 连日来).
    words = [
        word
        for word in index.segmenter.words(normalize(document.excerpt, MAX_TEXT_CHARS))
        if len(word) >= 2 and not is_function_word(word)
    ]
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for word in words:
        term = index.canonical.get(word, word)
        counts[term] += 1
        surface.setdefault(term, word)
    total = len(index.documents)
    general = general_total()
    asked_texts = [normalize(question) for question in questions]
    scored = []
    for term, count in counts.items():
        if normalize_term(term) in index.region_names or any(c.isdigit() for c in term):
            continue
        # The matcher's own rule: a word in a fifth of the texts (and in 50 or more) finds
        # nothing in particular.
        documents = total / max(1e-9, math.exp(index.text.idf.get(term, 0.0)) - 1)
        if documents > COMMON_TEXT_SHARE * total and documents >= COMMON_TEXT_FLOOR:
            continue
        # Rare in the knowledge and rare in everyday Chinese (jieba's dictionary): 长寿补贴,
        # not 就是 or 事情.
        everyday = math.log(general / (1 + general_frequency(surface[term])))
        asked = ASKED_FACTOR if any(surface[term] in q for q in asked_texts) else 1.0
        scored.append((count * index.text_weight(term) * everyday * asked, len(term), term))
    chosen: list[str] = []
    for _, _, term in sorted(scored, reverse=True):
        if any(term in other or other in term for other in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return [surface[term] for term in chosen]


def write_draft(path: Path, rows: list[DraftRow], knowledge: Knowledge) -> None:
    """The whole knowledge workbook, the rows shaded after the entries: the clerk fills in
    标题 and 类别 of those to keep, deletes the others, and imports the file as it is."""
    from bot.kbsheet import export_workbook  # openpyxl only for this command

    workbook = export_workbook(knowledge, [], [row.fields() for row in rows])
    try:
        workbook.save(path)
    except OSError as exc:
        raise BotError(f"{path}: cannot write: {exc.strerror or exc}") from exc
