"""What the core returns for a question: the CLI JSON shape, as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot import messages
from bot.models import Source

# What an answer is: a curated entry, or a passage of a source article.
AnswerKind = Literal["entry", "passage"]
# How a question was read as a follow-up of the previous answer (bot.conversation): asking for
# its detail, for another region, for more answers, or a short question about the same topic.
FollowupKind = Literal["detail", "region", "more", "short"]


class SourceRef(BaseModel):
    """Where an excerpt is quoted from."""

    id: str
    title: str
    publisher: str
    date: str


class AnswerItem(BaseModel):
    """One entry, or one passage of a source article, offered as an answer."""

    id: str
    kind: AnswerKind = "entry"
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
    # The region as residents read it (某县（原文未写县名）for a county the source does not
    # name); not part of the JSON contract, whose ``region`` is the knowledge's name.
    region_label: str = Field(default="", exclude=True)
    # The question's specific words this text says and those it does not say (高龄 asked, a
    # sentence about 补贴 in general): shown under the answer, not part of the JSON contract.
    covers: list[str] = Field(default_factory=list, exclude=True)
    not_covered: list[str] = Field(default_factory=list, exclude=True)


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
    followup: FollowupKind | None = Field(default=None, exclude=True)
    topic: str | None = Field(default=None, exclude=True)
    # True when the message was longer than the cap and only its question part was read.
    partial: bool = Field(default=False, exclude=True)
    # Sentences the resident reads before the answer (only part was read; the sources have
    # nothing specific to the region asked about…); not part of the JSON contract.
    lead: list[str] = Field(default_factory=list, exclude=True)


def source_ref(source: Source) -> SourceRef:
    """The JSON form of a source."""
    return SourceRef(id=source.id, title=source.title, publisher=source.publisher, date=source.date)


def coverage_note(item: AnswerItem) -> str:
    """One short line saying what the answer's text covers of the question and which topics
    it asks about the text does not cover; "" when it leaves none out."""
    if not item.not_covered:
        return ""
    missing = "、".join(f"「{word}」" for word in item.not_covered[:3])
    if not item.covers:
        return messages.NOT_COVERED_ONLY.format(missing=missing)
    covers = "、".join(f"「{word}」" for word in item.covers[:3])
    return messages.NOT_COVERED.format(covers=covers, missing=missing)


def short_publisher(publisher: str) -> str:
    """The publisher without the clerk's remarks in brackets: 长治市本地报纸（原文署“本报讯”，
    未写报名）→ 长治市本地报纸."""
    for bracket in ("（", "("):
        publisher = publisher.split(bracket, 1)[0]
    return publisher.strip()


def short_source(source: SourceRef) -> str:
    """The source as one short line: publisher · date (the full title is shown on demand)."""
    return f"{short_publisher(source.publisher) or source.title} · {display_date(source.date)}"


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
