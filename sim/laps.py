"""Lap compression: the figures of merit of a repeating track without expanding every lap.

A platform flying a lap pattern sees a cell through the same intervals in every lap. For a
cell whose coverage is that periodic pattern (the "base") plus a few other intervals (other
platforms, satellites, a daylight-limited sensor: the "sparse" intervals), the laps far
from any sparse interval are identical copies. Such a run of identical interior copies can
be replaced by one copy: every removed copy adds exactly one lap's worth of covered time,
accesses and gaps (coverage.lap_sums), and the timeline after the run moves back by the
removed laps. Maxima (longest gap, simultaneity, finest GSD) do not change when identical
copies are removed.

Per cell the copies kept are: every copy not wholly inside the lap window (head and tail),
the first wholly-inside copy, and each copy within one lap of a sparse interval. A removed
copy is then always preceded and followed by a copy whose boundary with it is untouched by
sparse intervals, so its gaps are the lap's own (tests/test_runner.py compares with the
full expansion).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.access import Intervals


@dataclass(frozen=True)
class LapCopies:
    """Copy indices of a lap pattern over its window: copy k spans
    [origin + k P, origin + (k + 1) P]; k_lo..k_hi overlap the window, k_full_lo..k_full_hi
    lie wholly inside it."""
    period_s: float
    origin_s: float
    window_s: tuple[float, float]
    k_lo: int
    k_hi: int
    k_full_lo: int
    k_full_hi: int

    @staticmethod
    def of(period_s: float, origin_s: float, window_s: tuple[float, float]) -> "LapCopies | None":
        w0, w1 = window_s
        if period_s <= 0 or w1 <= w0:
            return None
        k_lo = math.floor((w0 - origin_s) / period_s)
        k_hi = math.ceil((w1 - origin_s) / period_s) - 1
        k_full_lo = math.ceil((w0 - origin_s) / period_s - 1e-12)
        k_full_hi = math.floor((w1 - origin_s) / period_s + 1e-12) - 1
        return LapCopies(period_s, origin_s, window_s, k_lo, max(k_hi, k_lo), k_full_lo, k_full_hi)

    @property
    def n(self) -> int:
        return self.k_hi - self.k_lo + 1

    @property
    def removable(self) -> bool:
        """At least one interior copy can go (three or more whole copies)."""
        return self.k_full_hi - self.k_full_lo >= 2


def kept_copies(copies: LapCopies, cells: np.ndarray, sparse: Intervals) -> np.ndarray:
    """(C, n) bool: which copies to keep for each of the C cells (`cells`, sorted unique
    grid indices), given the sparse intervals of those cells (grid indices in sparse.cell)."""
    c, n = cells.size, copies.n
    keep = np.zeros((c, n + 1), dtype=np.int32)   # a difference array along the copies
    lo_full = copies.k_full_lo - copies.k_lo
    hi_full = copies.k_full_hi - copies.k_lo
    keep[:, 0] += 1                                # head: copies k_lo..k_full_lo
    keep[:, lo_full + 1] -= 1
    keep[:, hi_full] += 1                          # tail: copies k_full_hi..k_hi
    keep[:, n] -= 1
    if sparse.size:
        row = np.searchsorted(cells, sparse.cell)
        P, o = copies.period_s, copies.origin_s
        a = np.floor((sparse.start_s - o) / P).astype(np.int64) - 1 - copies.k_lo
        b = np.floor((sparse.end_s - o) / P).astype(np.int64) + 1 - copies.k_lo
        a, b = np.clip(a, 0, n - 1), np.clip(b, 0, n - 1)
        inside = (sparse.end_s >= copies.window_s[0] - P) & (sparse.start_s <= copies.window_s[1] + P)
        np.add.at(keep, (row[inside], a[inside]), 1)
        np.add.at(keep, (row[inside], b[inside] + 1), -1)
    return np.cumsum(keep[:, :n], axis=1) > 0


@dataclass
class Compressed:
    """The compressed timeline of a group of cells: every source's intervals with removed
    copies dropped and later times moved back, the window end per cell, and the number of
    removed copies per cell (all (M,) over the whole grid; zero outside the group)."""
    sources: list[Intervals]
    window_end_s: np.ndarray
    removed: np.ndarray


def compress(n_cells: int, duration_s: float, copies: LapCopies, cells: np.ndarray,
             base_laps: list[Intervals], sparse_sources: list[Intervals]) -> Compressed:
    """Compress the cells `cells` (sorted unique) of a base lap pattern.

    base_laps: the base platform's lap intervals per sensor (lap-relative, merged), only
    these cells; sparse_sources: every other source's full intervals (absolute, merged),
    only these cells. Returns the compressed sources (base copies first, then the sparse
    ones shifted), the per-cell window end T - removed*P, and removed per cell.
    """
    P, o = copies.period_s, copies.origin_s
    sparse_all = Intervals.concat(sparse_sources)
    keep = kept_copies(copies, cells, sparse_all)                    # (C, n)
    removed_before = np.cumsum(~keep, axis=1) - (~keep)               # exclusive count
    removed_row = (~keep).sum(axis=1)
    removed = np.zeros(n_cells)
    removed[cells] = removed_row
    window_end = np.full(n_cells, float(duration_s))
    window_end[cells] -= removed_row * P
    rows, ks = np.nonzero(keep)                                       # row-major: by cell, copy
    start_rk = o + (ks + copies.k_lo) * P                             # real start of each copy
    back_rk = removed_before[rows, ks] * P                            # how far it moves back
    w0, w1 = copies.window_s
    out = []
    for lap in base_laps:
        if lap.size == 0:
            out.append(Intervals.empty())
            continue
        # Lap intervals of each kept (cell, copy) pair, in (cell, copy, time) order.
        first = np.searchsorted(lap.cell, cells[rows], side="left")
        count = np.searchsorted(lap.cell, cells[rows], side="right") - first
        pair = np.repeat(np.arange(rows.size), count)
        src = np.repeat(first, count) + (np.arange(pair.size) - np.repeat(np.cumsum(count) - count, count))
        s0 = np.maximum(lap.start_s[src] + start_rk[pair], w0)        # clip in real time
        s1 = np.minimum(lap.end_s[src] + start_rk[pair], w1)
        ok = s1 > s0
        back = back_rk[pair][ok]
        out.append(Intervals(lap.cell[src][ok], s0[ok] - back, s1[ok] - back,
                             lap.best_cos[src][ok]).merged(presorted=True))
    for sp in sparse_sources:
        if sp.size == 0:
            out.append(sp)
            continue
        row = np.searchsorted(cells, sp.cell)
        k = np.clip(np.floor((sp.start_s - o) / P).astype(np.int64) - copies.k_lo, 0, copies.n - 1)
        before = np.where(sp.start_s >= o + (copies.k_hi + 1) * P, removed_row[row],
                          removed_before[row, k])
        out.append(Intervals(sp.cell, sp.start_s - before * P, sp.end_s - before * P,
                             sp.best_cos))
    return Compressed(out, window_end, removed)
