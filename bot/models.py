"""Pydantic models of the knowledge files an office clerk edits.

``sources.toml`` holds ``[[sources]]``, ``synonyms.toml`` ``[[groups]]``, ``regions.toml``
``[[regions]]``, and every other ``<topic>.toml`` ``[[entries]]``.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_EXCERPT_CHARS = 400
MAX_TITLE_CHARS = 30

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_DATE_FORMS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^--(\d{2})-(\d{2})$"), "month-day"),
)


def check_date(value: str) -> str:
    """Accept '', YYYY, YYYY-MM, YYYY-MM-DD or --MM-DD (month and day, year not stated)."""
    if value == "":
        return value
    for pattern, form in _DATE_FORMS:
        match = pattern.match(value)
        if not match:
            continue
        parts = [int(p) for p in match.groups()]
        try:
            if form == "year":
                dt.date(parts[0], 1, 1)
            elif form == "month":
                dt.date(parts[0], parts[1], 1)
            elif form == "day":
                dt.date(parts[0], parts[1], parts[2])
            else:
                dt.date(2000, parts[0], parts[1])  # a leap year, so --02-29 is valid
        except ValueError as exc:
            raise ValueError(f"not a real date: {value!r}") from exc
        return value
    raise ValueError(
        f'bad date {value!r}: use YYYY, YYYY-MM, YYYY-MM-DD, --MM-DD or "" when not stated'
    )


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """An article the excerpts quote."""

    id: Slug
    title: Text
    publisher: Text
    date: str
    file: str | None = None
    url: str | None = None
    notes: str = ""
    # The region the article is about; its passages get it unless they name a county.
    region: str | None = None
    # Where the item starts in a file shared with other items, when its title is not there.
    begins_with: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        return check_date(value.strip())


class SynonymGroup(_Model):
    """Interchangeable words; the first one is the canonical term."""

    words: list[Text] = Field(min_length=2)
    notes: str = ""


class Region(_Model):
    """A city, county or district an entry can belong to."""

    name: Text
    parent: str | None = None
    aliases: list[Text] = Field(default_factory=list)
    # The source does not name it (a county written as "**"): residents read "某县（原文未写县名）"
    # and cannot choose it as the place they live in.
    anonymous: bool = False


@dataclass(frozen=True)
class KeywordRule:
    """One parsed keyword rule: all ``required`` words present, none of ``excluded``.

    A rule with only excluded words vetoes its entry for questions containing any of them.
    """

    text: str
    required: tuple[str, ...]
    excluded: tuple[str, ...]


@lru_cache(maxsize=262_144)
def parse_rule(text: str) -> KeywordRule:
    """Parse ``"野猪 赔 -养老"`` into required and excluded words; raise ValueError if malformed."""
    words = text.split()
    if not words:
        raise ValueError("empty keyword rule")
    required: list[str] = []
    excluded: list[str] = []
    for word in words:
        if word.startswith("-"):
            if len(word) == 1:
                raise ValueError(f"keyword rule {text!r}: '-' must be followed by a word")
            excluded.append(word[1:])
        else:
            required.append(word)
    if len(required) == 1 and len(required[0]) == 1:
        raise ValueError(
            f"keyword rule {text!r}: a one-character word needs another word in the same rule"
        )
    return KeywordRule(text=text, required=tuple(required), excluded=tuple(excluded))


class Entry(_Model):
    """One answer: a verbatim excerpt with the rules that retrieve it."""

    id: Slug
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_CHARS)
    ]
    category: Text
    region: Text
    # Optional: an entry is also found through its title, excerpt and example questions.
    keywords: list[str] = Field(default_factory=list)
    excerpt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    source: Text
    questions: list[Text] = Field(default_factory=list)
    notes: str = ""
    # Where the resident goes next, shown under the excerpt: only the clerk's own words (never
    # an invented office, phone number or address).
    next_step: str = ""

    @field_validator("keywords")
    @classmethod
    def _rules_parse(cls, value: list[str]) -> list[str]:
        for rule in value:
            parse_rule(rule)
        # Entries share most of their keywords: one string object each saves memory at scale.
        return [sys.intern(rule) for rule in value]

    @field_validator("category", "region", "source")
    @classmethod
    def _shared(cls, value: str) -> str:
        return sys.intern(value)

    @field_validator("excerpt")
    @classmethod
    def _excerpt_length(cls, value: str) -> str:
        if len(value) > MAX_EXCERPT_CHARS:
            raise ValueError(
                f"too long ({len(value)} characters, at most {MAX_EXCERPT_CHARS}): "
                "quote only the sentence or two that state the measure"
            )
        return value

    def record(self) -> EntryRecord:
        """The validated entry in its compact form, as the knowledge base keeps it."""
        return EntryRecord(
            id=self.id,
            title=self.title,
            category=self.category,
            region=self.region,
            keywords=tuple(self.keywords),
            excerpt=self.excerpt,
            source=self.source,
            questions=tuple(self.questions),
            notes=self.notes,
            next_step=self.next_step.strip(),
        )


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """A validated entry: the same fields as ``Entry`` at a fraction of the memory (no pydantic
    bookkeeping per instance), which matters with 100k entries and two versions during a reload."""

    kind: ClassVar[Literal["entry"]] = "entry"

    id: str
    title: str
    category: str
    region: str
    keywords: tuple[str, ...]
    excerpt: str
    source: str
    questions: tuple[str, ...]
    notes: str
    next_step: str = ""

    def rules(self) -> list[KeywordRule]:
        """The keyword rules, parsed."""
        return [parse_rule(rule) for rule in self.keywords]
