"""The engine's interval cache: each platform's access intervals, kept between questions.

Two things are cached, both over the whole grid and the scenario's window:

* per platform i, one SourceIntervals per sensor (sim/engine/access.py): one lap's
  intervals (lap-relative) and the one-off intervals (absolute), terrain line of sight
  already cut out. This is the expensive part (the geometry of every segment over every
  candidate cell); lap compression (sim/engine/laps.py) reads the lap from here.
* per (platform i, sensor j), the full Intervals: the laps replicated over the window and
  merged with the one-off intervals, night and cloud applied. Asked for a subset of
  cells (a cell mask), the engine computes the answer afresh and does not store it.

Every entry depends on its own platform only (its track, its sensors) and on the World,
which never changes. So replacing platform i (a dragged track in the window, a what-if)
drops exactly the entries of platform i: its SourceIntervals and the full Intervals of
each of its sensors; the other platforms' entries stay valid and are reused.

Threads: there is no lock. Filling different keys from different threads is safe (each
store is one dict assignment, atomic under the GIL): Engine.solve_all fills one platform
per thread. Two threads filling the same key both compute it and one result is kept (both
are the same values). Dropping a platform while another thread reads that platform's
entries is not supported: the caller does the one after the other (the window replaces a
platform and then reads, in one background thread).
"""
from __future__ import annotations

from typing import Callable, Iterable

from sim.engine.access import SourceIntervals
from sim.engine.intervals import Intervals


class IntervalCache:
    """Per-platform lap/one-off intervals and per-sensor full intervals (module docstring).

    The cache computes nothing itself: each getter takes the function that computes a
    missing entry, so what an entry means is decided by its one caller (Engine)."""

    def __init__(self) -> None:
        self._lap_and_once: dict[int, list[SourceIntervals]] = {}
        self._full: dict[tuple[int, int], Intervals] = {}

    def lap_and_once(self, i: int, solve: Callable[[int], list[SourceIntervals]]
                     ) -> list[SourceIntervals]:
        """Platform i's SourceIntervals, one per sensor: cached, else solve(i) stored."""
        if i not in self._lap_and_once:
            self._lap_and_once[i] = solve(i)
        return self._lap_and_once[i]

    def unsolved(self, platforms: Iterable[int]) -> list[int]:
        """Those of the platform indices whose SourceIntervals are not cached yet."""
        return [i for i in platforms if i not in self._lap_and_once]

    def full(self, i: int, j: int, expand: Callable[[], Intervals]) -> Intervals:
        """Sensor j of platform i over the whole grid: cached, else expand() stored."""
        if (i, j) not in self._full:
            self._full[(i, j)] = expand()
        return self._full[(i, j)]

    def drop_platform(self, i: int) -> None:
        """Forget every entry of platform i (it was replaced); the others stay."""
        self._lap_and_once.pop(i, None)
        for key in [k for k in self._full if k[0] == i]:
            self._full.pop(key)
