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
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Iterator

BUILD_SWITCH_INTERVAL = 0.0005  # seconds; measured: an event loop's median lag 5.5 → 0.9 ms
_lock = threading.Lock()
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
