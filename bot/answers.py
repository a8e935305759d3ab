"""What the core returns for a question: the CLI JSON shape, as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot import messages
from bot.models import Source


class SourceRef(BaseModel):
    """Where an excerpt is quoted from."""

    id: str
    title: str
    publisher: str
    date: str


class AnswerItem(BaseModel):
    """One entry, or one passage of a source article, offered as an answer."""

    id: str
    kind: Literal["entry", "passage"] = "entry"
    title: str
    category: str
    region: str
    excerpt: str
    source: SourceRef
    score: float
    # Where to go next: the entry's next_step, else the referral configured for its category;
    # not part of the JSON contract (the fields of ``ask --json`` are fixed).
    next_step: str = Field(default="", exclude=True)
    # Matched words of the question, for highlighting; not part of the JSON contract.
    highlights: list[str] = Field(default_factory=list, exclude=True)


class Answer(BaseModel):
    """The core's reply to one question (the ``ask --json`` object)."""

    query: str
    answered: bool
    answers: list[AnswerItem] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    # What the question asked for that the nearest answer does not state (e.g. 门票价格).
    missing_detail: str | None = None
    # With ``missing_detail``: where to go next about the first suggestion (its next_step or
    # its category's referral); not part of the JSON contract.
    next_step: str = Field(default="", exclude=True)
    # The entries behind ``suggestions``, for buttons; not part of the JSON contract.
    suggestion_ids: list[str] = Field(default_factory=list, exclude=True)
    # Set when the question was read as a follow-up of the previous answer (bot.conversation):
    # how it was read and that answer's title; not part of the stateless JSON contract.
    followup: Literal["detail", "region", "more", "short"] | None = Field(
        default=None, exclude=True
    )
    topic: str | None = Field(default=None, exclude=True)
    # True when the message was longer than the cap and only its question part was read.
    partial: bool = Field(default=False, exclude=True)
    # Sentences the resident reads before the answer (only part was read; the sources have
    # nothing specific to the region asked about…); not part of the JSON contract.
    lead: list[str] = Field(default_factory=list, exclude=True)


def source_ref(source: Source) -> SourceRef:
    """The JSON form of a source."""
    return SourceRef(id=source.id, title=source.title, publisher=source.publisher, date=source.date)


def display_date(date: str) -> str:
    """A source date as a resident reads it: 2023年, 11月25日（年份未注明）, 日期未注明."""
    if not date:
        return messages.DATE_UNKNOWN
    if date.startswith("--"):
        month, day = date[2:].split("-")
        return messages.MONTH_DAY_NO_YEAR.format(month=int(month), day=int(day))
    parts = date.split("-")
    if len(parts) == 1:
        return messages.YEAR_ONLY.format(year=parts[0])
    if len(parts) == 2:
        return messages.YEAR_MONTH.format(year=parts[0], month=int(parts[1]))
    return messages.FULL_DATE.format(year=parts[0], month=int(parts[1]), day=int(parts[2]))
