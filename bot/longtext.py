"""A message longer than ``matching.max_query_chars``: read its question, not just its start.

Voice input and pasted notices put the question at the end ("…我想问一下低保怎么申请？"); cutting
at the cap would keep the preamble and drop the question. The last sentences that look like a
question are kept instead, in their order, as many as fit.
"""

from __future__ import annotations

import re

from bot.normalize import normalize

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
# What makes a sentence read as a question in everyday Chinese.
QUESTION_MARKERS: tuple[str, ...] = (
    "?",
    "？",
    "吗",
    "呢",
    "怎么",
    "怎样",
    "如何",
    "哪",
    "什么",
    "啥",
    "多少",
    "几",
    "能不能",
    "可不可以",
    "有没有",
    "是不是",
    "是否",
    "想问",
    "请问",
)


def question_part(text: str, max_chars: int) -> tuple[str, bool]:
    """The part of ``text`` to match, and whether it is only a part of it.

    Text whose normalised form fits the cap is returned whole. Otherwise: the last sentences
    that look like a question, as many as fit; without any, the last sentences that fit.
    """
    if len(normalize(text, max_chars + 1)) <= max_chars:
        return text, False
    sentences = [s for s in _SENTENCE_END.split(text) if normalize(s, max_chars)]
    asking = [s for s in sentences if any(marker in s for marker in QUESTION_MARKERS)]
    chosen: list[str] = []
    used = 0
    for sentence in reversed(asking or sentences):
        size = len(normalize(sentence, max_chars + 1))
        if chosen and used + size > max_chars:
            break
        chosen.append(sentence if size <= max_chars else _run_on_part(sentence, max_chars))
        used += size + 1
    return "".join(reversed(chosen)).strip(), True


def _run_on_part(sentence: str, max_chars: int) -> str:
    """One sentence over the cap (voice input without full stops): its end when the question
    is there, else its start (the cap then cuts it, as for any text)."""
    tail = sentence[-max_chars:]
    return tail if any(marker in tail for marker in QUESTION_MARKERS) else sentence
