"""A knowledge build beside the answering loop: no GC pass and a short switch interval meanwhile."""

from __future__ import annotations

import gc
import sys

from bot.background import BUILD_SWITCH_INTERVAL, building_beside_answers


def test_a_build_pauses_the_collector_and_restores_everything_after() -> None:
    interval = sys.getswitchinterval()
    assert gc.isenabled()
    with building_beside_answers():
        assert not gc.isenabled()
        assert sys.getswitchinterval() == BUILD_SWITCH_INTERVAL
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
