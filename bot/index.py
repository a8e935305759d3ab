"""The search structures built once per knowledge version.

Everything the matcher looks up per question is a dictionary keyed by a term, a pinyin key or a
typo key, so answering costs the same however many entries there are.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.loader import Knowledge
from bot.models import EntryRecord, parse_rule
from bot.normalize import normalize, normalize_term
from bot.passages import Passage
from bot.pinyin import word_keys, word_sounds
from bot.segment import Segmenter, is_function_word
from bot.textindex import TextIndex, build_text_index, text_words
from bot.wordcache import WordCache

Document = EntryRecord | Passage

FILLER_FACTOR = 0.05
# A word is generic — it says what kind of thing (补贴, 免费, 服务), not which one — when entries
# of at least this share of the categories use it (and at least GENERIC_MIN_CATEGORIES of
# them), or when at least GENERIC_DOCUMENT_SHARE of all entries and passages hold it (and at
# least GENERIC_MIN_DOCUMENTS: in a small knowledge base every word is in a large share).
GENERIC_CATEGORY_SHARE = 1 / 6
GENERIC_MIN_CATEGORIES = 3
GENERIC_DOCUMENT_SHARE = 0.05
GENERIC_MIN_DOCUMENTS = 10
MAX_TERM_CHARS = 12
SAID_KEPT = 10_000  # documents whose said text and terms are kept (a few MB)
WINDOWS_KEPT = 30_000  # question windows kept per table (~330 bytes each: ~10 MB a table at most)
# Typo keys mark the wrong character with a character no normalised text contains.
WILDCARD = "\x00"
# A short phrase the sources put in quotation marks (“基本盘”, “五治提升”) is a term of their
# own: one word for the segmenter, in the texts and in the questions.
QUOTED_PHRASE = re.compile(r"[“「『]([\u4e00-\u9fff]{2,8})[”」』]")


@dataclass
class PinyinTrie:
    """The folded pinyin keys of the terms, as a trie of node numbers: a question extends its
    windows' keys one reading at a time, and a node number is cheaper to extend and to keep
    than the tuple of readings it stands for."""

    # children[node][reading] → the node one reading further; node 0 is the empty key.
    children: list[dict[str, int]] = field(default_factory=lambda: [{}])
    terms: dict[int, list[str]] = field(default_factory=dict)  # node → terms read so

    def add(self, key: tuple[str, ...], surface: str) -> None:
        """Record that ``surface`` reads as ``key``."""
        node = 0
        for reading in key:
            child = self.children[node].get(reading)
            if child is None:
                child = len(self.children)
                self.children[node][reading] = child
                self.children.append({})
            node = child
        self.terms.setdefault(node, []).append(surface)


class Said(NamedTuple):
    """What a resident reads of a document: its title and excerpt, normalised, and their
    canonical terms."""

    text: str
    terms: frozenset[str]


class WindowReading(NamedTuple):
    """What a window of a question reads as, the same in every question that holds it."""

    keys: frozenset[int]  # the pinyin trie nodes its characters lead to
    common: bool  # an ordinary word of the general dictionary (see Segmenter.is_common_word)
    # The terms it sounds like, each with whether it is a true homophone (else a folded one).
    sounds: tuple[tuple[str, bool], ...]


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


# A rule as the matcher checks it: the words it needs, the words that veto it (None when
# none do), and the rule itself.
RuleCheck = tuple[frozenset[str], frozenset[str] | None, CompiledRule]


@dataclass
class MatchIndex:
    """Lookup tables over one validated knowledge base."""

    knowledge: Knowledge
    # Entries first, then passages: a candidate's number indexes this tuple.
    documents: tuple[Document, ...] = ()
    segmenter: Segmenter = field(init=False)
    text: TextIndex = field(default_factory=TextIndex)
    canonical: dict[str, str] = field(default_factory=dict)
    surface_prefixes: set[str] = field(default_factory=set)
    region_names: dict[str, str] = field(default_factory=dict)
    region_prefixes: set[str] = field(default_factory=set)
    region_ancestors: dict[str, frozenset[str]] = field(default_factory=dict)
    # Toneless pinyin of region names and aliases, for names typed with a homophone (上挡区).
    region_sounds: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    region_first_sounds: set[str] = field(default_factory=set)
    rules: list[tuple[CompiledRule, ...]] = field(default_factory=list)
    # Per entry, each rule that needs words, as (its words, its "-" words or None, the rule):
    # what the matcher checks for every shortlisted entry, without attribute lookups.
    rule_checks: list[tuple[RuleCheck, ...]] = field(default_factory=list)
    # term → the entries with a rule requiring it, each once, in entry order.
    term_entries: dict[str, array[int]] = field(default_factory=dict)
    vetoes: dict[str, list[int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    filler: frozenset[str] = frozenset()
    pinyin: PinyinTrie = field(default_factory=PinyinTrie)
    substitution_terms: dict[str, list[str]] = field(default_factory=dict)
    deletion_terms: dict[str, list[str]] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)  # "" for passages: they share their item's
    entry_numbers: dict[str, int] = field(default_factory=dict)  # id → number, passages too
    known_words: set[str] = field(default_factory=set)
    term_chars: frozenset[str] = frozenset()  # every character of every term
    title_bigrams: dict[str, array[int]] = field(default_factory=dict)
    # Terms too general to make a suggestion near on their own (see generic_terms).
    generic: frozenset[str] = frozenset()
    # What a resident reads of a document (see said), kept once found.
    said_of: dict[int, Said] = field(default_factory=dict)
    # What a window of a question reads as (its pinyin trie nodes, whether it is an ordinary
    # word, the terms it sounds like), which terms it is one typo away from and which regions it
    # sounds like, kept once found (see terms.py): questions share most of their words, as
    # tokenizers keep a word's pieces once split.
    window_readings: dict[str, WindowReading] = field(default_factory=dict)
    window_typos: dict[tuple[str, bool], frozenset[str]] = field(default_factory=dict)
    window_regions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # homophones

    def said(self, number: int) -> Said:
        """What a resident reads of document ``number``: its title and excerpt, normalised, and
        their canonical terms. Answers, coverage notes and suggestions ask this of a few
        documents per question; segmenting them anew each time was a third of a question's
        time."""
        said = self.said_of.get(number)
        if said is None:
            document = self.documents[number]
            text = normalize(f"{document.title}\n{document.excerpt}")
            terms = frozenset(self.canonical.get(w, w) for w in text_words(text, self.segmenter))
            said = Said(text, terms)
            if len(self.said_of) >= SAID_KEPT:
                self.said_of.clear()  # bounded: a long run touches every document
            self.said_of[number] = said
        return said

    def weight(self, canonical: str) -> float:
        """What a term says about an entry: rare terms say more, filler words almost nothing."""
        base = self.idf.get(canonical, 0.0)
        return base * FILLER_FACTOR if canonical in self.filler else base

    def text_weight(self, canonical: str) -> float:
        """The same for a word of the entries' and passages' texts (idf over all documents)."""
        base = self.text.idf.get(canonical, 0.0)
        return base * FILLER_FACTOR if canonical in self.filler else base

    def is_passage(self, number: int) -> bool:
        """True when document ``number`` is a passage, not a curated entry."""
        return number >= len(self.knowledge.entries)


def build_index(knowledge: Knowledge, filler_words: list[str]) -> MatchIndex:
    """Build every lookup table for ``knowledge``."""
    canonical = _canonical_map(knowledge)
    index = MatchIndex(knowledge=knowledge, documents=knowledge.entries + knowledge.passages)
    index.canonical = canonical
    # Many entries share rules (养老, 老人 吃饭 …): compile each distinct rule once.
    compiled_rules: dict[str, CompiledRule] = {}
    checks_by_text: dict[str, RuleCheck] = {}  # one per distinct rule, like the rules
    term_entries: dict[str, list[int]] = defaultdict(list)
    for entry_number, entry in enumerate(knowledge.entries):
        rules = tuple(_compiled(text, canonical, compiled_rules) for text in entry.keywords)
        index.rules.append(rules)
        index.rule_checks.append(_rule_checks(rules, checks_by_text))
        for term in dict.fromkeys(word for rule in rules for word in rule.required):
            term_entries[term].append(entry_number)
        for rule in rules:
            if not rule.required:
                for word in rule.excluded:
                    index.vetoes.setdefault(word, []).append(entry_number)
        index.titles.append(normalize_term(entry.title))
        index.entry_numbers[entry.id] = entry_number
    for number, passage in enumerate(knowledge.passages, len(knowledge.entries)):
        index.rules.append(())
        index.rule_checks.append(())
        index.titles.append("")
        index.entry_numbers[passage.id] = number

    total = max(1, len(knowledge.entries))
    index.term_entries = {term: array("i", entries) for term, entries in term_entries.items()}
    index.idf = {t: math.log(1 + total / len(e)) for t, e in index.term_entries.items()}
    # Words of the rules that no synonym group mentions are their own canonical term.
    for rule in compiled_rules.values():
        for word in rule.required + rule.excluded:
            canonical.setdefault(word, word)
    for surface in canonical:
        index.surface_prefixes.update(surface[:n] for n in range(1, len(surface) + 1))
    configured = {canonical.get(w, w) for w in map(normalize_term, filler_words) if w}
    frequent = {canonical[s] for s in canonical if is_function_word(s)}
    index.filler = frozenset(configured | frequent)

    _add_regions(index, knowledge)
    user_words = _user_words(index)
    index.segmenter = Segmenter(user_words)
    cache = WordCache.open(user_words)
    index.text = build_text_index(
        [_fields(document) for document in index.documents],
        index.segmenter,
        lambda word: canonical.get(word, word),
        cache,
    )
    cache.save()
    # The texts' own words are terms too: found in questions, and repaired when mistyped, except
    # everyday words (真的, 还是: a question's 镇的 is not a typo of them) and two-character
    # words, whose homophones are mostly other words (四级 is not 四季).
    text_only = index.text.vocabulary - canonical.keys()
    for word in text_only:
        canonical[word] = word
        index.surface_prefixes.update(word[:n] for n in range(1, len(word) + 1))
    index.term_chars = frozenset("".join(canonical))
    index.known_words = set(user_words) | index.text.vocabulary
    everyday = {word for word in text_only if len(word) < 3 or index.segmenter.is_common_word(word)}
    _add_fuzzy_keys(index, everyday)
    _add_title_bigrams(index)
    index.generic = generic_terms(index)
    return index


def generic_terms(index: MatchIndex) -> frozenset[str]:
    """The terms that say what kind of thing a text is about, not which thing, decided from
    the knowledge itself: words that entries of many different categories use (补贴, 免费 —
    a subsidy or a free service of every kind), words a large share of all texts hold
    (服务, 改造), region names and aliases (长治), and filler words.

    Sharing only such words with a question is no reason to suggest a text.
    """
    entries = index.knowledge.entries
    categories_of: dict[str, set[str]] = defaultdict(set)
    for term, numbers in index.term_entries.items():
        categories_of[term].update(entries[n].category for n in numbers)
    # Per text once, then per term in C-level unions and sums: this runs over every posting.
    documents_of = index.text.documents_of
    text_categories = [
        frozenset(entries[d].category for d in documents if d < len(entries))
        for documents in documents_of
    ]
    text_uses = [len(documents) for documents in documents_of]
    frequent_at = max(GENERIC_MIN_DOCUMENTS, GENERIC_DOCUMENT_SHARE * len(index.documents))
    frequent: set[str] = set()
    for term, texts in index.text.postings.items():
        categories_of[term].update(*map(text_categories.__getitem__, texts))
        if sum(map(text_uses.__getitem__, texts)) >= frequent_at:
            frequent.add(term)
    needed = max(GENERIC_MIN_CATEGORIES, GENERIC_CATEGORY_SHARE * len(index.knowledge.categories()))
    spread = {term for term, names in categories_of.items() if len(names) >= needed}
    regions = {index.canonical.get(name, name) for name in index.region_names}
    return frozenset(spread | frequent | regions | index.filler)


def _fields(document: Document) -> dict[str, str]:
    if isinstance(document, Passage):
        return {"excerpt": document.excerpt, "paragraph": document.paragraph}
    return {
        "title": document.title,
        "excerpt": document.excerpt,
        "questions": "\n".join(document.questions),
    }


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


def _rule_checks(
    rules: tuple[CompiledRule, ...], checks: dict[str, RuleCheck]
) -> tuple[RuleCheck, ...]:
    found = []
    for rule in rules:
        if rule.required:
            check = checks.get(rule.text)
            if check is None:
                check = checks[rule.text] = (rule.required_set, rule.excluded_set or None, rule)
            found.append(check)
    return tuple(found)


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


def _add_fuzzy_keys(index: MatchIndex, exact_only: set[str]) -> None:
    """Pinyin keys for homophones; substitution and deletion keys for one-character typos."""
    for surface in index.canonical:
        if len(surface) < 2 or len(surface) > MAX_TERM_CHARS or surface in exact_only:
            continue
        for key in sorted(word_keys(surface)):
            index.pinyin.add(key, surface)
        if len(surface) >= 3:
            for i in range(len(surface)):
                wildcard = surface[:i] + WILDCARD + surface[i + 1 :]
                index.substitution_terms.setdefault(wildcard, []).append(surface)
                index.deletion_terms.setdefault(surface[:i] + surface[i + 1 :], []).append(surface)


def _add_title_bigrams(index: MatchIndex) -> None:
    # Arrays from the start: lists of a million ints, converted and then freed in one go, held
    # the interpreter for 100+ ms during a reload beside the answering loop.
    bigrams: dict[str, array[int]] = defaultdict(lambda: array("i"))
    for number, title in enumerate(index.titles):
        for bigram in dict.fromkeys(title[i : i + 2] for i in range(len(title) - 1)):
            bigrams[bigram].append(number)
    index.title_bigrams = dict(bigrams)


def _user_words(index: MatchIndex) -> list[str]:
    words = set(index.canonical) | set(index.region_names)
    for title in index.titles:
        words.add(title)
    for document in index.documents:
        words.update(normalize_term(phrase) for phrase in QUOTED_PHRASE.findall(document.excerpt))
    return sorted(w for w in words if len(w) >= 2)
