"""Conversation state and follow-ups: "那怎么申请", "那襄垣呢", "还有别的吗" after an answer.

Each chat (each member in a group) keeps the last answer's topic for a while; a message that
reads like a follow-up is answered together with that topic. A message that names a topic of
its own and is answered alone always wins: a follow-up never overrides a new question.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from bot import messages
from bot.answers import Answer, FollowupKind
from bot.normalize import normalize
from bot.service import KnowledgeService

# The words that ask only for a detail of the topic already under discussion. Kept in one
# place: follow-up detection reads nothing else.
FOLLOWUP_DETAIL_WORDS: tuple[str, ...] = (
    "怎么申请",
    "如何申请",
    "怎么办理",
    "怎么办",
    "怎么报名",
    "去哪办",
    "在哪",
    "哪里",
    "要钱吗",
    "要钱不",
    "收费吗",
    "多少钱",
    "什么时候",
    "有别的吗",
    "还有别的",
    "还有吗",
    "别的呢",
    "其他的呢",
)
# Of those, the ones asking for further answers on the same topic rather than a detail.
MORE_WORDS: tuple[str, ...] = ("有别的吗", "还有别的", "还有吗", "别的呢", "其他的呢")
FOLLOWUP_STARTS: tuple[str, ...] = ("那么", "那", "还有")
FOLLOWUP_END = "呢"
# A message this short (normalised, without spaces) is read as a follow-up when alone it
# finds nothing: residents do not repeat the topic in a chat.
SHORT_FOLLOWUP_CHARS = 6
# Characters around a region name that do not make it a new question: 那襄垣呢, 襄垣县的呢.
_REGION_FRAME = "那么还有的呢吗啊呀"

# Expired turns are dropped at most this often: a scan per message would grow with the chats.
PRUNE_SECONDS = 60.0


@dataclass(frozen=True)
class Turn:
    """What a chat was last answered about."""

    question: str  # the question as it was answered (with the topic a follow-up added)
    shown: tuple[str, ...]  # ids of the answers shown, so "more" shows others
    topic: tuple[str, ...]  # the matched words of the best answer (its topic terms)
    region: str | None  # the region the answer was about
    title: str | None  # the best answer's title, for "nothing more about X"


@dataclass
class ConversationMemory:
    """The last turn per conversation key, forgotten after ``timeout_seconds``."""

    timeout_seconds: float
    clock: Callable[[], float] = time.monotonic
    _turns: dict[Hashable, tuple[float, Turn]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pruned: float = 0.0

    def get(self, key: Hashable) -> Turn | None:
        """The conversation's last turn, or None when there is none or it timed out."""
        with self._lock:
            stored = self._turns.get(key)
            if stored is None:
                return None
            if self.clock() - stored[0] > self.timeout_seconds:
                del self._turns[key]
                return None
            return stored[1]

    def remember(self, key: Hashable, turn: Turn) -> None:
        """Keep ``turn`` as the conversation's last one; expired turns are dropped on the way
        (at most every ``PRUNE_SECONDS``) so the memory holds only live conversations."""
        with self._lock:
            now = self.clock()
            if now - self._pruned > PRUNE_SECONDS:
                self._pruned = now
                timeout = self.timeout_seconds
                for old in [k for k, (t, _) in self._turns.items() if now - t > timeout]:
                    del self._turns[old]
            self._turns[key] = (now, turn)

    def forget(self, key: Hashable) -> None:
        """Drop the conversation's state (/forget)."""
        with self._lock:
            self._turns.pop(key, None)


def followup_kind(question: str, max_chars: int) -> FollowupKind | None:
    """How ``question`` reads as a follow-up, or None when it reads as a question of its own."""
    text = normalize(question, max_chars).replace(" ", "")
    if not text:
        return None
    if any(word in text for word in MORE_WORDS):
        return "more"
    if any(word in text for word in FOLLOWUP_DETAIL_WORDS):
        return "detail"
    if text.startswith(FOLLOWUP_STARTS) or text.endswith(FOLLOWUP_END):
        return "short"
    if len(text) <= SHORT_FOLLOWUP_CHARS:
        return "short"
    return None


def answer_in_context(
    service: KnowledgeService,
    question: str,
    previous: Turn | None,
    *,
    region: str | None = None,
) -> Answer:
    """Answer ``question``, reading a follow-up together with ``previous``."""
    max_chars = service.settings.max_query_chars
    alone = service.ask(question, region=region)
    kind = followup_kind(question, max_chars) if previous is not None else None
    if previous is None or kind is None:
        return alone
    trace = service.explain(question, region=region)
    named = _only_region(trace.normalized, trace.regions, service)
    if named is not None:
        combined = service.ask(f"{named} {previous.question}", region=region)
        lead = list(combined.lead)
        asked = trace.regions[0]
        if combined.answered and combined.answers[0].region != asked:
            found = combined.answers[0].region
            lead.append(messages.NOT_REGION_SPECIFIC.format(region=asked, found=found))
        update = {"followup": "region", "topic": previous.title, "lead": lead}
        return combined.model_copy(update=update)
    if alone.answered:
        return alone
    if kind == "more":
        related = service.related(previous.question, exclude=previous.shown, region=region)
        return related.model_copy(update={"followup": "more", "topic": previous.title})
    combined = service.ask(f"{' '.join(previous.topic)} {question}", region=region)
    if kind == "detail" or (kind == "short" and _adds_to_topic(combined, previous)):
        lead = list(combined.lead)
        if kind == "detail" and combined.answered and combined.answers[0].id == previous.shown[0]:
            lead.append(messages.NOTHING_MORE_SPECIFIC.format(title=combined.answers[0].title))
        update = {"followup": kind, "topic": previous.title, "lead": lead}
        return combined.model_copy(update=update)
    return alone


def _adds_to_topic(combined: Answer, previous: Turn) -> bool:
    """True when the message's own words count in the combined answer (那配餐点呢 after 幸福食堂);
    a word the knowledge does not know (护照) must not bring back the previous answer."""
    if not combined.answered:
        return False
    return bool(set(combined.answers[0].highlights) - set(previous.topic))


def next_turn(answer: Answer, previous: Turn | None) -> Turn | None:
    """The state to keep after ``answer``: its topic, or the previous one when it had none."""
    if answer.followup == "detail" and previous is not None:
        # A detail of the same topic: "还有别的吗" next still means more about the topic.
        return previous
    if answer.answered:
        best = answer.answers[0]
        # Only the best answer is shown in full; the others are titles "还有别的吗" may show.
        shown = (best.id,)
        if answer.followup == "more" and previous is not None:
            # The next "还有别的吗" goes on past everything shown so far, on the same topic.
            return Turn(
                previous.question,
                previous.shown + shown,
                previous.topic,
                previous.region,
                previous.title,
            )
        return Turn(
            question=answer.query,
            shown=shown,
            topic=tuple(best.highlights) or (best.title,),
            region=best.region or None,
            title=best.title,
        )
    if answer.followup is not None and previous is not None:
        # An honest "the sources do not say" keeps the topic for the next follow-up.
        return previous
    return None


def _only_region(normalized: str, regions: list[str], service: KnowledgeService) -> str | None:
    """The region named when the message is nothing but a region (那襄垣呢), else None."""
    if not regions:
        return None
    text = normalized.replace(" ", "")
    names = [name for name in service.region_names(regions[0]) if name in text]
    if not names:
        return None
    name = max(names, key=len)
    rest = text.replace(name, "", 1)
    if rest.startswith("县") or rest.startswith("区") or rest.startswith("市"):
        rest = rest[1:]
    return name if all(ch in _REGION_FRAME for ch in rest) else None
