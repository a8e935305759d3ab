"""The words of the knowledge's texts, kept between runs so that a start need not segment them
again (segmenting every title, excerpt, example question and passage is most of ``ask``'s own
start-up time).

The cache is a JSON file in ``$BOT_CACHE_DIR`` (default ``~/.cache/minsheng-bot``), named by a
digest of everything the words depend on: the segmenter's user words, jieba's version and this
module's format. A text that is not in it is segmented as usual; a missing, unreadable or
corrupt file is the same as an empty one, and a cache that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba

logger = logging.getLogger(__name__)

CACHE_ENV = "BOT_CACHE_DIR"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "minsheng-bot"
# Bump when the words a text yields change for the same dictionary (bot.textindex.text_words).
FORMAT = "text-words-2"


class WordCache:
    """Text → its indexable words, loaded from and saved to one file."""

    def __init__(self, path: Path | None, words: dict[str, list[str]]) -> None:
        self.path = path
        self._words = words
        self._changed = False

    @classmethod
    def open(cls, user_words: Sequence[str], extra: str = "") -> WordCache:
        """The cache for a segmenter with these user words (``extra``: anything else they
        depend on)."""
        digest = hashlib.sha256()
        for part in (FORMAT, str(jieba.__version__), extra, *user_words):
            digest.update(part.encode("utf-8") + b"\0")
        directory = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE_DIR)
        path = directory / f"{FORMAT}-{digest.hexdigest()[:20]}.json"
        return cls(path, _read(path))

    def words(self, text: str, segment: Callable[[str], list[str]]) -> list[str]:
        """The words of ``text``, from the cache or from ``segment``."""
        found = self._words.get(text)
        if found is None:
            found = segment(text)
            self._words[text] = found
            self._changed = True
        return found

    def save(self) -> None:
        """Write the cache if it learnt something; a failure only costs the next start time."""
        if not self._changed or self.path is None:
            return
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.path.parent, delete=False, suffix=".tmp"
            ) as handle:
                temporary = handle.name
                json.dump(self._words, handle, ensure_ascii=False)
            os.replace(temporary, self.path)  # readers see the old file or the new, never half
            self._changed = False
        except OSError as exc:
            logger.debug("word cache not written (%s): %s", self.path, exc)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


def _read(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(words, list) and all(isinstance(w, str) for w in words)
        for words in data.values()
    ):
        return {}
    return data
