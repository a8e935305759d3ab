"""Plain-text rendering of answers and match traces for the console front end."""

from __future__ import annotations

from bot import messages
from bot.answers import Answer, AnswerItem, coverage_note, short_source
from bot.index import MatchIndex
from bot.matcher import Evidence, MatchResult


def source_line(item: AnswerItem) -> str:
    """来源：publisher · date, then the full title on a second, indented line."""
    return f"{messages.SOURCE_LABEL}：{short_source(item.source)}\n      《{item.source.title}》"


def render_answer(answer: Answer, categories: list[str], no_answer_text: str) -> str:
    """An answer as a resident reads it in the console."""
    if answer.lead:
        rest = answer.model_copy(update={"lead": []})
        return "\n".join([*answer.lead, render_answer(rest, categories, no_answer_text)])
    if answer.followup == "more" and answer.topic:
        if not answer.answered:
            return messages.NO_MORE.format(title=answer.topic)
        lines = [messages.MORE_ABOUT.format(title=answer.topic)]
        lines += [render_answer(answer.model_copy(update={"followup": None}), categories, "")]
        return "\n".join(lines)
    if not answer.answered and answer.missing_detail and answer.suggestions:
        lines = [
            messages.MISSING_DETAIL.format(
                detail=answer.missing_detail, title=answer.suggestions[0]
            )
        ]
        lines += [f"  · {title}" for title in answer.suggestions]
        if answer.next_step:
            lines.append(f"{messages.NEXT_STEP_LABEL}：{answer.next_step}")
        return "\n".join(lines)
    if not answer.answered:
        lines = [no_answer_text]
        if answer.suggestions:
            lines += ["", messages.SUGGESTIONS_HEADER]
            lines += [f"  · {title}" for title in answer.suggestions]
        lines += ["", messages.CATEGORIES_HEADER, "  " + "、".join(categories)]
        return "\n".join(lines)
    best, *more = answer.answers
    lines = [f"【{best.title}】", best.excerpt]
    if note := coverage_note(best):
        lines.append(note)
    lines.append(source_line(best))
    if best.region:
        lines.append(f"{messages.REGION_LABEL}：{best.region_label or best.region}")
    if best.next_step:
        lines.append(f"{messages.NEXT_STEP_LABEL}：{best.next_step}")
    if answer.missing_detail:
        lines.append(messages.PART_MISSING_DETAIL.format(detail=answer.missing_detail))
    if more:
        lines += ["", messages.MORE_ANSWERS_HEADER]
        lines += [f"  · {item.title}（{item.region_label or item.region}）" for item in more]
    return "\n".join(lines)


def render_explanation(result: MatchResult, index: MatchIndex, top: int = 5) -> str:
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
    lines.append(f"cut-off:     {result.cutoff} (passages: {result.passage_cutoff})")
    lines.append("")
    if not result.candidates:
        lines.append("no entry shares a term with the question")
    for rank, candidate in enumerate(result.candidates[:top], 1):
        document = index.documents[candidate.entry_number]
        lines.append(
            f"{rank}. [{document.kind}] {document.id} 「{document.title[:30]}」 "
            f"({document.region or '-'})  score {candidate.score:.2f}"
        )
        lines.append(f"   rules fired: {' | '.join(candidate.fired_rules) or '-'}")
        parts = [
            f"{t.canonical}({t.hit.kind}, {_evidence(t.via, t.text_tf)}, weight {t.weight:.2f})"
            f" +{t.points:.2f}"
            for t in candidate.terms
        ]
        lines.append(f"   terms: {', '.join(parts)}")
        details = f", asks for {'/'.join(candidate.unmet_details)} (not stated)"
        if candidate.phrase is not None:
            start, end = candidate.phrase
            lines.append(f"   said together: {result.normalized[start:end]}")
        lines.append(
            f"   evidence {candidate.keyword_points:.2f} + and-rules {candidate.rule_bonus:.2f}, "
            f"coverage {candidate.coverage:.0%}, question words explained "
            f"{candidate.content_coverage:.0%}, title similarity "
            f"{candidate.title_similarity:.0f}, region ×{candidate.region_factor:.2f}"
            f"{details if candidate.unmet_details else ''}"
        )
    lines.append("")
    lines.append(_verdict(result, index))
    return "\n".join(lines)


def _evidence(via: Evidence, text_tf: float) -> str:
    return "keyword rule" if via == "rule" else f"text, field tf {text_tf:.2f}"


def _verdict(result: MatchResult, index: MatchIndex) -> str:
    if not result.candidates:
        return "verdict: not answered (nothing matched)"
    best = result.candidates[0]
    entry = index.documents[best.entry_number]
    if result.missing_detail:
        return (
            f"verdict: not answered: the question asks for {result.missing_detail}, "
            f"which {entry.id} does not state (offered as the first suggestion)"
        )
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
    if best.text_only and best.content_coverage < result.min_content_coverage:
        return (
            f"verdict: not answered: {entry.id} was found only through its text and explains "
            f"{best.content_coverage:.0%} of the question's words "
            f"(at least {result.min_content_coverage:.0%} needed)"
        )
    cutoff = result.passage_cutoff if best.passage else result.cutoff
    return (
        f"verdict: not answered: best score {best.score:.2f} ({entry.id}) is below the "
        f"cut-off {cutoff}"
    )
