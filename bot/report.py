"""What the clerk reads: totals per period and unanswered questions grouped by similarity."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot import messages
from bot.service import KnowledgeService
from bot.storage import Store, Totals

SIMILARITY = 70  # rapidfuzz ratio (0–100) above which two questions are one group
# Asking words say nothing about what is asked: 低保怎么申请 and 低保如何申请 are one question,
# 低保怎么申请 and 驾照怎么申请 are not.
_ASKING = re.compile(
    "怎么样|怎么|如何|怎样|咋|能不能|可不可以|可以|有没有|是不是|请问|一下|哪里|哪儿|在哪|什么|啥|吗|呢|吧|啊|呀|我想|我要"
)


def _gist(question: str) -> str:
    return _ASKING.sub("", question).replace(" ", "") or question


PERIODS = {"今天": 1, "最近 7 天": 7}


@dataclass
class QuestionGroup:
    """Similar unanswered (or 👎) questions: how many, one sample, the nearest entry."""

    count: int
    sample: str
    nearest: str | None
    questions: list[str] = field(default_factory=list)


def group_questions(questions: list[str], similarity: float = SIMILARITY) -> list[QuestionGroup]:
    """Greedy grouping, most frequent wording first, so each group's sample is its usual form."""
    groups: list[QuestionGroup] = []
    gists: list[str] = []
    for question, count in Counter(q for q in questions if q).most_common():
        found = process.extractOne(
            _gist(question), gists, scorer=fuzz.ratio, score_cutoff=similarity
        )
        if found is None:
            groups.append(QuestionGroup(count, question, None, [question] * count))
            gists.append(_gist(question))
        else:
            group = groups[found[2]]
            group.count += count
            group.questions += [question] * count
    groups.sort(key=lambda g: (-g.count, g.sample))
    return groups


def unanswered_groups(store: Store, service: KnowledgeService, days: float) -> list[QuestionGroup]:
    """Groups of the last ``days``, each with the nearest entry's title (answer or suggestion)."""
    groups = group_questions(store.unanswered_questions(days))
    for group in groups:
        answer = service.ask(group.sample)
        if answer.answers:
            group.nearest = answer.answers[0].title
        elif answer.suggestions:
            group.nearest = answer.suggestions[0]
    return groups


def totals_text(label: str, totals: Totals) -> str:
    """One period as plain text."""
    lines = [
        f"{label}：问题 {totals.questions} 个，回答率 {totals.answer_rate:.0%}，"
        f"👍 {totals.helpful} / 👎 {totals.unhelpful}"
    ]
    if totals.top_entries:
        lines.append("  热门条目：" + "、".join(f"{e} ({n})" for e, n in totals.top_entries))
    if totals.top_categories:
        lines.append("  热门类别：" + "、".join(f"{c} ({n})" for c, n in totals.top_categories))
    return "\n".join(lines)


def stats_text(store: Store) -> str:
    """Today and the last 7 days, or that the database is unavailable (its numbers would be 0)."""
    periods = [totals_text(label, store.totals(days)) for label, days in PERIODS.items()]
    return "\n".join(periods) if store.up else messages.STORE_UNAVAILABLE


def unanswered_text(groups: list[QuestionGroup], days: float, limit: int = 30) -> str:
    """Groups as lines like ``12× 医保报销怎么弄 → 最接近：…``."""
    if not groups:
        return f"最近 {days:g} 天没有未回答或被点 👎 的问题。"
    lines = [f"最近 {days:g} 天未回答或被点 👎 的问题（相似的合为一组）："]
    for group in groups[:limit]:
        nearest = f" → 最接近：{group.nearest}" if group.nearest else " → 没有接近的条目"
        lines.append(f"{group.count}× {group.sample}{nearest}")
    if len(groups) > limit:
        lines.append(f"……还有 {len(groups) - limit} 组")
    return "\n".join(lines)
