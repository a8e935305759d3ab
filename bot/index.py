"""The search structures built once per knowledge version.

Everything the matcher looks up per question is a dictionary keyed by a term, a pinyin key or a
typo key, so answering costs the same however many entries there are.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

from bot.loader import Knowledge
from bot.models import parse_rule
from bot.normalize import normalize_term
from bot.pinyin import word_keys, word_sounds
from bot.segment import Segmenter, is_function_word

FILLER_FACTOR = 0.05
MAX_TERM_CHARS = 12
# Typo keys mark the wrong character with a character no normalised text contains.
WILDCARD = "\x00"


@dataclass(frozen=True)
class CompiledRule:
    """A keyword rule with its words mapped to canonical terms."""

    text: str
    required: tuple[str, ...]
    excluded: tuple[str, ...]
    required_set: frozenset[str] = field(init=False)
    excluded_set: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        # Set forms for the per-question check; a rule is compiled once however many use it.
        object.__setattr__(self, "required_set", frozenset(self.required))
        object.__setattr__(self, "excluded_set", frozenset(self.excluded))


@dataclass
class MatchIndex:
    """Lookup tables over one validated knowledge base."""

    knowledge: Knowledge
    segmenter: Segmenter = field(init=False)
    canonical: dict[str, str] = field(default_factory=dict)
    surface_prefixes: set[str] = field(default_factory=set)
    region_names: dict[str, str] = field(default_factory=dict)
    region_prefixes: set[str] = field(default_factory=set)
    region_ancestors: dict[str, frozenset[str]] = field(default_factory=dict)
    # Toneless pinyin of region names and aliases, for names typed with a homophone (上挡区).
    region_sounds: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    region_first_sounds: set[str] = field(default_factory=set)
    rules: list[tuple[CompiledRule, ...]] = field(default_factory=list)
    # term → the entries with a rule requiring it, each once, in entry order.
    term_entries: dict[str, array[int]] = field(default_factory=dict)
    vetoes: dict[str, list[int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    filler: frozenset[str] = frozenset()
    pinyin_terms: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    pinyin_prefixes: set[tuple[str, ...]] = field(default_factory=set)
    substitution_terms: dict[str, list[str]] = field(default_factory=dict)
    deletion_terms: dict[str, list[str]] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    entry_numbers: dict[str, int] = field(default_factory=dict)
    region_entries: dict[str, array[int]] = field(default_factory=dict)
    known_words: set[str] = field(default_factory=set)
    term_chars: frozenset[str] = frozenset()  # every character of every term
    title_bigrams: dict[str, array[int]] = field(default_factory=dict)

    def weight(self, canonical: str) -> float:
        """What a term says about an entry: rare terms say more, filler words almost nothing."""
        base = self.idf.get(canonical, 0.0)
        return base * FILLER_FACTOR if canonical in self.filler else base


def build_index(knowledge: Knowledge, filler_words: list[str]) -> MatchIndex:
    """Build every lookup table for ``knowledge``."""
    canonical = _canonical_map(knowledge)
    index = MatchIndex(knowledge=knowledge)
    index.canonical = canonical
    # Many entries share rules (养老, 老人 吃饭 …): compile each distinct rule once.
    compiled_rules: dict[str, CompiledRule] = {}
    term_entries: dict[str, list[int]] = defaultdict(list)
    for entry_number, entry in enumerate(knowledge.entries):
        rules = tuple(_compiled(text, canonical, compiled_rules) for text in entry.keywords)
        index.rules.append(rules)
        for term in dict.fromkeys(word for rule in rules for word in rule.required):
            term_entries[term].append(entry_number)
        for rule in rules:
            if not rule.required:
                for word in rule.excluded:
                    index.vetoes.setdefault(word, []).append(entry_number)
        index.titles.append(normalize_term(entry.title))
        index.entry_numbers[entry.id] = entry_number

    by_region: dict[str, list[int]] = defaultdict(list)
    for entry_number, entry in enumerate(knowledge.entries):
        by_region[entry.region].append(entry_number)
    index.region_entries = {region: array("i", numbers) for region, numbers in by_region.items()}
    total = max(1, len(knowledge.entries))
    index.term_entries = {term: array("i", entries) for term, entries in term_entries.items()}
    index.idf = {t: math.log(1 + total / len(e)) for t, e in index.term_entries.items()}
    # Words of the rules that no synonym group mentions are their own canonical term.
    for rule in compiled_rules.values():
        for word in rule.required + rule.excluded:
            canonical.setdefault(word, word)
    for surface in canonical:
        index.surface_prefixes.update(surface[:n] for n in range(1, len(surface) + 1))
    index.term_chars = frozenset("".join(canonical))
    configured = {canonical.get(w, w) for w in map(normalize_term, filler_words) if w}
    frequent = {canonical[s] for s in canonical if is_function_word(s)}
    index.filler = frozenset(configured | frequent)

    _add_regions(index, knowledge)
    _add_fuzzy_keys(index)
    _add_title_bigrams(index)
    user_words = _user_words(index)
    index.known_words = set(user_words)
    index.segmenter = Segmenter(user_words)
    return index


def _compiled(text: str, canonical: dict[str, str], cache: dict[str, CompiledRule]) -> CompiledRule:
    rule = cache.get(text)
    if rule is None:
        parsed = parse_rule(text)
        rule = CompiledRule(
            text,
            tuple(_canonical_word(canonical, w) for w in parsed.required),
            tuple(_canonical_word(canonical, w) for w in parsed.excluded),
        )
        cache[text] = rule
    return rule


def _canonical_map(knowledge: Knowledge) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for group in knowledge.synonym_groups:
        words = [w for w in (normalize_term(word) for word in group.words) if w]
        if not words:
            continue
        for word in words:
            mapping.setdefault(word, words[0])
    return mapping


def _canonical_word(canonical: dict[str, str], word: str) -> str:
    term = normalize_term(word)
    return canonical.get(term, term)


def _add_regions(index: MatchIndex, knowledge: Knowledge) -> None:
    for region in knowledge.regions.values():
        for name in (region.name, *region.aliases):
            term = normalize_term(name)
            if term:
                index.region_names[term] = region.name
                index.region_prefixes.update(term[:n] for n in range(1, len(term) + 1))
                for sound in word_sounds(term) if len(term) >= 2 else ():
                    index.region_sounds.setdefault(sound, []).append(term)
                    index.region_first_sounds.add(sound[0])
    for name in knowledge.regions:
        ancestors: set[str] = set()
        parent = knowledge.regions[name].parent
        while parent and parent not in ancestors and parent in knowledge.regions:
            ancestors.add(parent)
            parent = knowledge.regions[parent].parent
        index.region_ancestors[name] = frozenset(ancestors)


def _add_fuzzy_keys(index: MatchIndex) -> None:
    """Pinyin keys for homophones; substitution and deletion keys for one-character typos."""
    for surface in index.canonical:
        if len(surface) < 2 or len(surface) > MAX_TERM_CHARS:
            continue
        for key in word_keys(surface):
            index.pinyin_terms.setdefault(key, []).append(surface)
            index.pinyin_prefixes.update(key[:n] for n in range(1, len(key) + 1))
        if len(surface) >= 3:
            for i in range(len(surface)):
                wildcard = surface[:i] + WILDCARD + surface[i + 1 :]
                index.substitution_terms.setdefault(wildcard, []).append(surface)
                index.deletion_terms.setdefault(surface[:i] + surface[i + 1 :], []).append(surface)


def _add_title_bigrams(index: MatchIndex) -> None:
    bigrams: dict[str, list[int]] = defaultdict(list)
    for number, title in enumerate(index.titles):
        for bigram in dict.fromkeys(title[i : i + 2] for i in range(len(title) - 1)):
            bigrams[bigram].append(number)
    index.title_bigrams = {bigram: array("i", numbers) for bigram, numbers in bigrams.items()}


def _user_words(index: MatchIndex) -> list[str]:
    words = set(index.canonical) | set(index.region_names)
    for title in index.titles:
        words.add(title)
    return sorted(w for w in words if len(w) >= 2)
