"""Small talk: greetings, thanks, goodbyes, "你是谁", an emoji or an empty mention.

Only a message made of nothing but such phrases is small talk: "你好，低保怎么办" is a question
and goes to the matcher.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from bot.normalize import normalize

SmallTalk = Literal["greeting", "thanks", "ok", "goodbye", "identity", "emoji", "empty"]

PHRASES: dict[SmallTalk, tuple[str, ...]] = {
    "greeting": (
        "你好",
        "您好",
        "你们好",
        "大家好",
        "早上好",
        "上午好",
        "中午好",
        "下午好",
        "晚上好",
        "早",
        "嗨",
        "哈喽",
        "hello",
        "hi",
        "在吗",
        "在不在",
        "有人吗",
    ),
    "thanks": ("谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "谢了", "辛苦了"),
    "ok": ("好的", "好", "知道了", "明白了", "行", "ok", "嗯", "嗯嗯"),
    "goodbye": ("再见", "拜拜", "bye", "回头见", "下次见"),
    "identity": (
        "你是谁",
        "你是什么",
        "你叫什么",
        "你叫什么名字",
        "你是机器人吗",
        "你是人吗",
        "你是真人吗",
        "你是ai吗",
    ),
}
# Particles a chat message ends or pads with; they change nothing.
PARTICLES = "啊呀呢哈啦吧嘛哦噢喔呐哟"


def classify(text: str) -> SmallTalk | None:
    """The kind of small talk ``text`` is, or None when it is (or may be) a question."""
    if not text.strip():
        return "empty"
    normalized = normalize(text).replace(" ", "")
    if not normalized:
        return "emoji"  # only emoji, symbols or punctuation
    return _phrases_only(normalized.strip(PARTICLES))


def _phrases_only(text: str) -> SmallTalk | None:
    """The kind of the last phrase when ``text`` is a run of small-talk phrases (好的谢谢再见)."""
    if not text:
        return None
    phrases = _phrase_kinds()
    # Longest phrases first so that 谢谢你 is one phrase, not 谢谢 + 你.
    for length in sorted({len(p) for p in phrases}, reverse=True):
        head, kind = text[:length], phrases.get(text[:length])
        if kind is None or len(head) < length:
            continue
        rest = text[length:].lstrip(PARTICLES)
        if not rest:
            return kind
        later = _phrases_only(rest)
        if later is not None:
            return later
    return None


@lru_cache(maxsize=1)
def _phrase_kinds() -> dict[str, SmallTalk]:
    return {phrase: kind for kind, phrases in PHRASES.items() for phrase in phrases}
