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
the first wholly-inside copy, each copy a sparse interval touches and the copy after it,
each copy holding a sunrise or sunset and the copy after it, and every copy of a kind (day
or night) whose lap never sees the cell (a gap runs through such copies: it is one gap,
not one per lap). The copy after must stay: its
first gap starts inside the touched copy. The copy before need not: the kept copy that
precedes it on the compressed timeline ends exactly as it does. So every removed copy
follows a copy of its own kind that ends untouched, and its gaps are the lap's own
(tests/test_runner.py compares with the full expansion).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.loops import expand as _expand
from sim.engine.intervals import TOUCH_S, Intervals


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


def kept_copies(copies: LapCopies, cells: np.ndarray, sparse: Intervals,
                changes: np.ndarray | None = None) -> np.ndarray:
    """(C, n) bool: which copies to keep for each of the C cells (`cells`, sorted unique
    grid indices), given the sparse intervals of those cells (grid indices in sparse.cell)
    and optionally changes (C, n) bool: copies inside which the Sun rises or sets."""
    c, n = cells.size, copies.n
    keep = np.zeros((c, n + 1), dtype=np.int32)   # a difference array along the copies
    lo_full = copies.k_full_lo - copies.k_lo
    hi_full = copies.k_full_hi - copies.k_lo
    keep[:, 0] += 1                                # head: copies k_lo..k_full_lo
    keep[:, lo_full + 1] -= 1
    keep[:, hi_full] += 1                          # tail: copies k_full_hi..k_hi
    keep[:, n] -= 1
    row, a, b = [], [], []
    if sparse.size:
        P, o = copies.period_s, copies.origin_s
        inside = (sparse.end_s >= copies.window_s[0] - P) & (sparse.start_s <= copies.window_s[1] + P)
        row_of_cell = np.zeros(int(cells[-1]) + 1 if cells.size else 1, dtype=np.int64)
        row_of_cell[cells] = np.arange(cells.size)      # sparse cells are among `cells`
        row.append(row_of_cell[sparse.cell[inside]])
        a.append(np.floor((sparse.start_s[inside] - o) / P).astype(np.int64) - copies.k_lo)
        b.append(np.floor((sparse.end_s[inside] - o) / P).astype(np.int64) + 1 - copies.k_lo)
    if changes is not None and changes.any():
        r, k = np.nonzero(changes)
        row.append(r)
        a.append(k)
        b.append(k + 1)
    if row:
        row = np.concatenate(row)
        a = np.clip(np.concatenate(a), 0, n - 1)
        b = np.clip(np.concatenate(b), 0, n - 1)
        flat = np.concatenate([row * (n + 1) + a, row * (n + 1) + b + 1])
        weight = np.concatenate([np.ones(row.size, np.int32), -np.ones(row.size, np.int32)])
        np.add.at(keep.reshape(-1), flat, weight)     # in place: few events, a large matrix
    return np.cumsum(keep[:, :n], axis=1, dtype=np.int32) > 0


@dataclass
class Compressed:
    """The compressed timeline of a group of cells: every source's intervals with removed
    copies dropped and later times moved back, the window end per cell, and per cell the
    removed copies in daylight and at night (for a base without daylight-only sensors all
    removed copies count as daylight) (all (M,) over the whole grid; zero outside)."""
    sources: list[Intervals]
    window_end_s: np.ndarray
    removed_day: np.ndarray
    removed_night: np.ndarray


def compress(n_cells: int, duration_s: float, copies: LapCopies, cells: np.ndarray,
             base_laps: list[Intervals], sparse_sources: list[Intervals],
             day_laps: list[Intervals] = (), sun_up=None, daylight=()) -> Compressed:
    """Compress the cells `cells` (sorted unique) of a base lap pattern.

    base_laps: the base platform's lap intervals per sensor (lap-relative, merged), only
    these cells; sparse_sources: every other source's full intervals (absolute, merged),
    only these cells. day_laps: lap intervals of the base's daylight-only sensors, with
    sun_up(t_s (N,), cells (C,)) -> (C, N) bool and daylight, one Intervals -> Intervals per
    day lap (the exact daylight mask); the lap must be shorter than half the shortest day or
    night, so that the Sun rises or sets at most once in a copy, found from its two ends.
    Returns the compressed sources (base, then day, then sparse, in the order given), the
    per-cell window end T - removed*P, and the removed day and night copies per cell.

    Steps: the Sun at every copy boundary (`_sun_up_at_copy_ends`); the copies each cell
    keeps (`_copies_to_keep`); the removed copies counted per cell and before each copy
    (`_Removed`); each source's kept intervals moved back by the copies removed before
    them (base laps in one compiled pass, day laps through `_kept_day_lap`).
    """
    up = _sun_up_at_copy_ends(copies, cells, day_laps, sun_up)
    keep, night_kind = _copies_to_keep(copies, cells, base_laps, day_laps, sparse_sources, up)
    removed = _Removed.of(keep, night_kind, cells, n_cells, copies)
    removed_day = np.zeros(n_cells)
    removed_night = np.zeros(n_cells)
    removed_day[cells] = removed.per_cell - removed.night_per_cell
    removed_night[cells] = removed.night_per_cell
    window_end = np.full(n_cells, float(duration_s))
    window_end[cells] -= removed.per_cell * copies.period_s
    rows, ks = np.nonzero(keep)                                       # row-major: by cell, copy
    # Base laps: kept copies expanded, moved back and merged in one compiled pass
    # (sim/engine/_expand.pyx; the same as shift_back(_kept_copies_real(...)).merged()).
    rb = np.ascontiguousarray(removed.before, dtype=np.int32)
    rows64, ks64 = rows.astype(np.int64), ks.astype(np.int64)
    out = [Intervals(*_expand.kept_copies_compressed(
               np.ascontiguousarray(lap.cell, dtype=np.int64), lap.start_s, lap.end_s,
               lap.best_cos, np.ascontiguousarray(cells, dtype=np.int64), rows64, ks64, rb,
               copies.origin_s, copies.period_s, copies.k_lo, copies.window_s[0],
               copies.window_s[1], TOUCH_S))
           if lap.size else Intervals.empty() for lap in base_laps]
    out += [removed.shift_back(_kept_day_lap(lap, mask, cells, rows, ks, copies, up)).merged()
            for lap, mask in zip(day_laps, daylight or ())]
    out += [removed.shift_back(sp) if sp.size else sp for sp in sparse_sources]
    return Compressed(out, window_end, removed_day, removed_night)


def _sun_up_at_copy_ends(copies: LapCopies, cells: np.ndarray, day_laps: list[Intervals],
                         sun_up) -> np.ndarray | None:
    """(C, n + 1) bool: the Sun up at every copy boundary of the cells the daylight-only
    sensors see, "up" elsewhere (those sensors add nothing there, day or night); None
    without daylight-only intervals."""
    if not (day_laps and any(d.size for d in day_laps)):
        return None
    n = copies.n
    up = np.ones((cells.size, n + 1), dtype=bool)
    rows = np.unique(np.searchsorted(cells, np.concatenate([d.cell for d in day_laps])))
    ends = copies.origin_s + (copies.k_lo + np.arange(n + 1)) * copies.period_s
    up[rows] = np.asarray(sun_up(ends, cells[rows]), dtype=bool)
    return up


def _copies_to_keep(copies: LapCopies, cells: np.ndarray, base_laps: list[Intervals],
                    day_laps: list[Intervals], sparse_sources: list[Intervals],
                    up: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(keep, night_kind), both (C, n) bool: the copies each cell keeps (kept_copies, plus
    every copy of a kind its lap never sees), and the copies that are night throughout
    (the Sun down at both ends; none without daylight-only sensors)."""
    changes = None if up is None else up[:, :-1] != up[:, 1:]
    keep = kept_copies(copies, cells, Intervals.concat(sparse_sources), changes)
    # A removed copy must hold at least one access of its kind's lap, or a gap would run
    # through it (one gap, not a lap's worth): cells a kind never sees keep those copies.
    seen_night = np.isin(cells, np.concatenate([b.cell for b in base_laps] + [np.zeros(0, np.int64)]))
    seen_day = seen_night | np.isin(cells, np.concatenate([d.cell for d in day_laps] + [np.zeros(0, np.int64)]))
    day_kind = np.ones(keep.shape, dtype=bool) if up is None else up[:, :-1] & up[:, 1:]
    night_kind = np.zeros(keep.shape, dtype=bool) if up is None else ~up[:, :-1] & ~up[:, 1:]
    keep |= (day_kind & ~seen_day[:, None]) | (night_kind & ~seen_night[:, None])
    return keep, night_kind


@dataclass(frozen=True)
class _Removed:
    """The removed copies of a group of C cells: before (C, n) int32, how many copies of
    the cell were removed before each copy; per_cell and night_per_cell (C,), how many in
    all and at night (copies with a sunrise or sunset are always kept); row_of_cell
    (n_cells,), the group's row of each grid cell."""
    copies: LapCopies
    before: np.ndarray
    per_cell: np.ndarray
    night_per_cell: np.ndarray
    row_of_cell: np.ndarray

    @staticmethod
    def of(keep: np.ndarray, night_kind: np.ndarray, cells: np.ndarray, n_cells: int,
           copies: LapCopies) -> "_Removed":
        gone = ~keep
        row_of_cell = np.zeros(n_cells, dtype=np.int64)
        row_of_cell[cells] = np.arange(cells.size)
        return _Removed(copies, np.cumsum(gone, axis=1, dtype=np.int32) - gone,   # exclusive
                        gone.sum(axis=1), (gone & night_kind).sum(axis=1), row_of_cell)

    def shift_back(self, iv: Intervals) -> Intervals:
        """Move intervals (real time) back by the copies removed before them."""
        copies = self.copies
        P, o = copies.period_s, copies.origin_s
        row = self.row_of_cell[iv.cell]
        # A copy's own intervals start at or after its start o + kP; the 1e-9 keeps one
        # that starts exactly there (lap time 0) from rounding into the copy before.
        k = np.clip(np.floor((iv.start_s - o) / P + 1e-9).astype(np.int64) - copies.k_lo, 0,
                    copies.n - 1)
        before = np.where(iv.start_s >= o + (copies.k_hi + 1) * P, self.per_cell[row],
                          self.before[row, k]) * P
        return Intervals(iv.cell, iv.start_s - before, iv.end_s - before, iv.best_cos)


def _kept_day_lap(lap: Intervals, mask, cells: np.ndarray, rows: np.ndarray, ks: np.ndarray,
                  copies: LapCopies, up: np.ndarray | None) -> Intervals:
    """A day lap's kept copies (rows, ks: the kept (cell row, copy) pairs) in real time,
    cut by the daylight mask (Intervals -> Intervals). A copy with the Sun up at both ends
    is daylight throughout and one down at both ends night throughout (at most one sunrise
    or sunset per copy, see compress): only copies with a sunrise or sunset go through the
    exact mask."""
    iv, pair = _kept_copies_real(lap, cells, rows, ks, copies)
    if up is None:
        return mask(iv)
    a, b = up[rows[pair], ks[pair]], up[rows[pair], ks[pair] + 1]
    return Intervals.concat([iv.take(a & b), mask(iv.take(a != b))])


def _kept_copies_real(lap: Intervals, cells, rows, ks, copies: LapCopies):
    """Lap intervals of each kept (cell, copy) pair in real time, clipped to the lap window,
    in (cell, copy, time) order, and (N,) the index into rows/ks of each."""
    if lap.size == 0:
        return Intervals.empty(), np.zeros(0, np.int64)
    start_rk = copies.origin_s + (ks + copies.k_lo) * copies.period_s
    first_of_cell = np.searchsorted(lap.cell, cells, side="left")      # once per cell
    first = first_of_cell[rows]
    count = (np.searchsorted(lap.cell, cells, side="right") - first_of_cell)[rows]
    pair = np.repeat(np.arange(rows.size), count)
    src = np.repeat(first, count) + (np.arange(pair.size) - np.repeat(np.cumsum(count) - count, count))
    w0, w1 = copies.window_s
    s0 = np.maximum(lap.start_s[src] + start_rk[pair], w0)
    s1 = np.minimum(lap.end_s[src] + start_rk[pair], w1)
    ok = s1 > s0
    return Intervals(lap.cell[src][ok], s0[ok], s1[ok], lap.best_cos[src][ok]), pair[ok]


# Sun-elevation sines closer to zero than this at a copy's ends count as neither day nor
# night: such copies go through the exact refinement (no rounding can flip a decision).
_SUN_MARGIN = 1e-9


def daylight_by_copies(iv: Intervals, copies: LapCopies, sun_sin, step_s: float,
                       refine) -> Intervals:
    """The daylight-only refinement of a lapped sensor's full intervals, deciding most
    intervals from the Sun at the lap copies' ends instead of sampling each interval.

    iv: the full expanded intervals (merged, sorted by (cell, start)); sun_sin(t_s (N,),
    cells (C,)) -> (C, N) sine of the Sun's elevation (any positive scale); refine(Intervals)
    -> Intervals: the exact refinement (sim.engine.access.refine_intervals with step_s), which
    gives each piece its interval's best_cos. The lap period must be at most step_s (half
    the shortest day or night), so the Sun rises or sets at most once in a copy: with the
    Sun up at every copy end an interval spans, it is up throughout (kept), down at every
    end, down throughout (dropped); only the rest are refined. A kept interval gets the end
    refine_intervals would give it (its last sample, start + length x pieces / pieces, bit
    for bit), so the result equals refine(iv), in the same order.
    """
    if iv.size == 0:
        return iv
    P, o, n = copies.period_s, copies.origin_s, copies.n
    first = np.flatnonzero(np.r_[True, iv.cell[1:] != iv.cell[:-1]])
    cells = iv.cell[first]                                         # sorted unique
    row = np.repeat(np.arange(first.size) * (n + 2), np.diff(np.r_[first, iv.size]))
    ends_s = o + (copies.k_lo + np.arange(n + 1)) * P
    sin = np.asarray(sun_sin(ends_s, cells), dtype=float)          # (C, n + 1)
    up = np.zeros((cells.size, n + 2), dtype=np.int32)             # prefix counts per row
    down = np.zeros((cells.size, n + 2), dtype=np.int32)
    np.cumsum(sin > _SUN_MARGIN, axis=1, out=up[:, 1:])
    np.cumsum(sin < -_SUN_MARGIN, axis=1, out=down[:, 1:])
    # The interval lies within copy ends ka .. kb + 1 (indices into ends_s).
    ka = np.floor((iv.start_s - o) / P).astype(np.int64) - copies.k_lo
    kb = np.floor((iv.end_s - o) / P).astype(np.int64) - copies.k_lo
    inside = (ka >= 0) & (kb + 1 <= n)
    lo = row + np.where(inside, ka, 0)
    hi = row + np.where(inside, kb + 2, 0)
    span = hi - lo
    up, down = up.reshape(-1), down.reshape(-1)
    day = inside & (up[hi] - up[lo] == span)
    mixed = ~day & ~(inside & (down[hi] - down[lo] == span))
    owner_day = np.flatnonzero(day)
    start = iv.start_s[owner_day]
    length = iv.end_s[owner_day] - start
    pieces = np.maximum(np.ceil(length / step_s).astype(np.int64), 1)
    end = start + length * pieces / pieces
    # The pieces of the mixed intervals carry their interval's number in best_cos (exact
    # in float64), so that both parts can be put back in the intervals' order.
    owner_mixed = np.flatnonzero(mixed)
    cut = refine(Intervals(iv.cell[owner_mixed], iv.start_s[owner_mixed],
                           iv.end_s[owner_mixed], owner_mixed.astype(np.float64)))
    owner = np.concatenate([owner_day, cut.best_cos.astype(np.int64)])
    order = np.argsort(owner, kind="stable")     # two sorted runs: a merge; pieces keep time order
    out = Intervals(iv.cell[owner], np.concatenate([start, cut.start_s]),
                    np.concatenate([end, cut.end_s]), iv.best_cos[owner]).take(order)
    return out.take(out.end_s > out.start_s)
