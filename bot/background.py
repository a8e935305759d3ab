"""Building a new knowledge version beside the answering event loop without stalling it.

A build runs in a thread, but two things still stop every other thread: the cyclic garbage
collector, which walks every tracked object (millions at 100k entries; pauses of 150 ms and
more were measured), and the interpreter's 5 ms switch interval, which an event loop doing many
small I/O steps pays at every step while the build holds the interpreter. During a build the
collector is paused and the switch interval shortened. Afterwards everything alive is frozen
(``gc.freeze``, as large Python services do after start-up) before the collector resumes:
otherwise its first full pass walks the new version at once. A frozen object is still freed
when its last reference goes; only a reference cycle among frozen objects would stay, and the
knowledge's objects form none.

The retired version is freed the same way, piece by piece: dropping the last reference to 100k
entries at once frees millions of objects in one uninterruptible step (~80 ms measured).
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time
from collections.abc import Iterator

# Seconds. Every SQLite or socket call of the event loop gives the interpreter up and waits up
# to this long to get it back: at 0.5 ms, answers during a 100k reload in `bot run` took a median
# 35 ms (11 ms without a reload); at 0.1 ms, 18 ms.
BUILD_SWITCH_INTERVAL = 0.0001
# A retired version is released after this long: answers under way and the handlers' button
# keys have let go of it by then, so the release thread holds the last reference.
RELEASE_DELAY_SECONDS = 1.0
# Objects freed per step; each step is a small cascade, and other threads run between steps.
RELEASE_BATCH = 2_000
# How deep the release looks for objects to free one by one (version → containers → records).
RELEASE_DEPTH = 2
_lock = threading.Lock()
_releasing: set[threading.Thread] = set()  # releases not finished yet
_active = 0
_saved_interval = sys.getswitchinterval()


@contextlib.contextmanager
def building_beside_answers() -> Iterator[None]:
    """Pause cyclic GC and shorten the GIL switch interval while the block runs."""
    global _active, _saved_interval
    with _lock:
        if _active == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(BUILD_SWITCH_INTERVAL)
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                sys.setswitchinterval(_saved_interval)
                gc.freeze()
                gc.enable()


def release_gradually(retired: object) -> None:
    """Free ``retired`` (the caller's last reference to it) in small steps in a daemon thread."""
    box = [retired]
    del retired
    thread = threading.Thread(target=_release, args=(box,), name="release-retired", daemon=True)
    with _lock:
        _releasing.add(thread)
    thread.start()


def wait_for_releases(timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for every retired version to be freed; True when none is
    left. For measurements: a release shares the interpreter with answers while it runs."""
    deadline = time.monotonic() + timeout
    with _lock:
        pending = list(_releasing)
    for thread in pending:
        thread.join(max(0.0, deadline - time.monotonic()))
    with _lock:
        return not _releasing


def _release(box: list[object]) -> None:
    try:
        time.sleep(RELEASE_DELAY_SECONDS)
        members = _members(box.pop(), RELEASE_DEPTH)
        # Outermost first: each freed container only lets go of members the list still holds.
        members.reverse()
        while members:
            del members[-RELEASE_BATCH:]
            _let_others_run()
    finally:
        with _lock:
            _releasing.discard(threading.current_thread())


def _let_others_run() -> None:
    """Give up the interpreter between two steps, so the event loop gets it at once."""
    time.sleep(0)


def _members(root: object, depth: int) -> list[object]:
    """``root`` and what it holds down to ``depth`` levels, outermost first."""
    found: list[object] = [root]
    level = [root]
    for _ in range(depth):
        below: list[object] = []
        for node in level:
            below.extend(_children(node))
        found.extend(below)
        level = below
    return found


def _children(node: object) -> list[object]:
    if isinstance(node, (str, bytes, int, float, bool)) or node is None:
        return []
    if isinstance(node, dict):
        return [*node.keys(), *node.values()]
    if isinstance(node, (list, tuple, set, frozenset)):
        return list(node)
    fields = getattr(node, "__dict__", None)
    if isinstance(fields, dict):
        return list(fields.values())
    slots = [name for cls in type(node).__mro__ for name in getattr(cls, "__slots__", ())]
    return [getattr(node, name) for name in slots if hasattr(node, name)]
