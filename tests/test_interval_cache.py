"""The engine's interval cache (sim/engine/interval_cache.py): each entry computed once, and
replacing one platform drops that platform's entries only."""
from pathlib import Path

import numpy as np

from sim.engine.interval_cache import IntervalCache
from sim.engine.intervals import Intervals
from sim.engine.runner import Engine
from sim.scenario.load import load_scenario

SMALL = Path(__file__).resolve().parent / "scenarios" / "view" / "small-two.yaml"
MOVE_LOITER = "platforms.1.track.loiter.center={lat: 30.9, lon: -107.3}"


def test_each_entry_is_computed_once_and_dropped_per_platform():
    cache, calls = IntervalCache(), []

    def solve(i):
        calls.append(("solve", i))
        return [f"sources of {i}"]

    def expand(i, j):
        def run():
            calls.append(("expand", i, j))
            return Intervals.empty()
        return run
    for _ in range(2):
        assert cache.lap_and_once(0, solve) == ["sources of 0"]
        cache.lap_and_once(1, solve)
        cache.full(0, 0, expand(0, 0))
        cache.full(1, 0, expand(1, 0))
        cache.full(1, 1, expand(1, 1))
    assert len(calls) == 5                         # the second round came from the cache
    assert cache.unsolved(range(3)) == [2]
    cache.drop_platform(1)
    assert cache.unsolved(range(3)) == [1, 2]
    calls.clear()
    cache.lap_and_once(0, solve)
    cache.full(0, 0, expand(0, 0))
    cache.full(1, 1, expand(1, 1))
    assert calls == [("expand", 1, 1)]             # platform 0 kept, platform 1 recomputed


def test_replacing_a_platform_keeps_the_others_and_equals_a_fresh_engine():
    engine = Engine(load_scenario(SMALL))
    kept = engine.full_intervals(0, 0)
    before = engine.full_intervals(1, 0)
    edited = load_scenario(SMALL, [MOVE_LOITER])
    engine.replace_platform(1, edited.platforms[1])
    assert engine.full_intervals(0, 0) is kept     # the racetrack's entry was reused
    fresh = Engine(edited)
    got, want = engine.full_intervals(1, 0), fresh.full_intervals(1, 0)
    assert want.size > 0 and not np.array_equal(before.cell, want.cell)   # the edit matters
    for name in ("cell", "start_s", "end_s", "best_cos"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
