"""A knowledge build beside the answering loop: no GC pass and a short switch interval meanwhile."""

from __future__ import annotations

import gc
import sys
import time
import weakref

import pytest

from bot import background
from bot.background import BUILD_SWITCH_INTERVAL, building_beside_answers


def test_a_build_pauses_the_collector_and_restores_everything_after() -> None:
    interval = sys.getswitchinterval()
    assert gc.isenabled()
    with building_beside_answers():
        assert not gc.isenabled()
        assert sys.getswitchinterval() == pytest.approx(BUILD_SWITCH_INTERVAL)
        with building_beside_answers():  # two reloads at once: the inner end restores nothing
            pass
        assert not gc.isenabled()
    assert gc.isenabled() and sys.getswitchinterval() == interval
    assert gc.get_freeze_count() > 0  # what was alive is frozen, not walked by the next pass


def test_a_failing_build_still_restores_the_collector() -> None:
    try:
        with building_beside_answers():
            raise ValueError("broken knowledge")
    except ValueError:
        pass
    assert gc.isenabled()


class _Node:
    __slots__ = ("__weakref__", "children")

    def __init__(self, children: list[object]) -> None:
        self.children = children


def test_a_retired_version_is_freed_in_many_small_steps_and_what_others_hold_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps: list[bool] = []
    monkeypatch.setattr(background, "RELEASE_DELAY_SECONDS", 0.0)
    monkeypatch.setattr(background, "RELEASE_BATCH", 100)
    monkeypatch.setattr(background, "_let_others_run", lambda: steps.append(True))
    shared = [1, 2, 3]  # held by the new version too: must come through untouched
    retired = _Node([_Node([shared]) for _ in range(5_000)])
    watched = [weakref.ref(retired), *(weakref.ref(node) for node in retired.children[:50])]  # type: ignore[attr-defined]
    background.release_gradually(retired)
    del retired
    deadline = time.monotonic() + 10
    while any(ref() is not None for ref in watched) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(ref() is None for ref in watched)
    assert background.wait_for_releases(5)  # and the release says it is done
    assert shared == [1, 2, 3]
    assert len(steps) > 5_000 // 100  # one step per batch: no single cascade freed it all
