"""Plain-text rendering of answers and match traces for the console front end."""

from __future__ import annotations

from bot import messages
from bot.answers import Answer, AnswerItem, display_date
from bot.loader import Knowledge
from bot.matcher import MatchResult


def source_line(item: AnswerItem) -> str:
    """来源：publisher《title》，date."""
    source = item.source
    return (
        f"{messages.SOURCE_LABEL}：{source.publisher}《{source.title}》，"
        f"{display_date(source.date)}"
    )


def render_answer(answer: Answer, categories: list[str], no_answer_text: str) -> str:
    """An answer as a resident reads it in the console."""
    if not answer.answered:
        lines = [no_answer_text]
        if answer.suggestions:
            lines += ["", messages.SUGGESTIONS_HEADER]
            lines += [f"  · {title}" for title in answer.suggestions]
        lines += ["", messages.CATEGORIES_HEADER, "  " + "、".join(categories)]
        return "\n".join(lines)
    best, *more = answer.answers
    lines = [
        f"【{best.title}】",
        best.excerpt,
        source_line(best),
        f"{messages.REGION_LABEL}：{best.region}",
    ]
    if more:
        lines += ["", messages.MORE_ANSWERS_HEADER]
        lines += [f"  · {item.title}（{item.region}）" for item in more]
    return "\n".join(lines)


def render_explanation(result: MatchResult, knowledge: Knowledge, top: int = 5) -> str:
    """Why a question matched what it matched, for the clerk (``ask --explain``)."""
    lines = [
        f"question:    {result.query}",
        f"normalised:  {result.normalized}",
        f"tokens:      {' / '.join(result.tokens)}",
    ]
    synonyms = [f"{h.text}→{h.canonical}" for h in result.hits if h.kind == "synonym"]
    lines.append(f"synonyms:    {', '.join(synonyms) or '-'}")
    terms = [
        f"{h.text}[{h.kind}{'→' + h.surface if h.surface != h.text else ''}]" for h in result.hits
    ]
    lines.append(f"terms found: {', '.join(terms) or '-'}")
    region_text = ", ".join(result.regions) or "-"
    if result.region_source:
        region_text += f" (from the {result.region_source})"
    lines.append(f"region:      {region_text}")
    lines.append(f"cut-off:     {result.cutoff}")
    lines.append("")
    if not result.candidates:
        lines.append("no entry shares a term with the question")
    for rank, candidate in enumerate(result.candidates[:top], 1):
        entry = knowledge.entries[candidate.entry_number]
        lines.append(
            f"{rank}. {entry.id} 「{entry.title}」 ({entry.region})  score {candidate.score:.2f}"
        )
        lines.append(f"   rules fired: {' | '.join(candidate.fired_rules)}")
        parts = [
            f"{t.canonical}({t.hit.kind}, weight {t.weight:.2f}) +{t.points:.2f}"
            for t in candidate.terms
        ]
        lines.append(f"   terms: {', '.join(parts)}")
        lines.append(
            f"   keywords {candidate.keyword_points:.2f} + and-rules {candidate.rule_bonus:.2f}, "
            f"coverage {candidate.coverage:.0%}, title similarity "
            f"{candidate.title_similarity:.0f}, region ×{candidate.region_factor:.2f}"
        )
    lines.append("")
    lines.append(_verdict(result, knowledge))
    return "\n".join(lines)


def _verdict(result: MatchResult, knowledge: Knowledge) -> str:
    if not result.candidates:
        return "verdict: not answered (nothing matched)"
    best = result.candidates[0]
    entry = knowledge.entries[best.entry_number]
    if result.answered:
        margin = ""
        if len(result.candidates) > 1:
            margin = f", {best.score - result.candidates[1].score:.2f} ahead of the next"
        return (
            f"verdict: answered with {entry.id}: score {best.score:.2f} >= cut-off "
            f"{result.cutoff}{margin}"
        )
    if not best.has_specific_term:
        return f"verdict: not answered: {entry.id} matched only filler words"
    return (
        f"verdict: not answered: best score {best.score:.2f} ({entry.id}) is below the "
        f"cut-off {result.cutoff}"
    )
