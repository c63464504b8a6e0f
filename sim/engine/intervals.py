"""Access intervals: the type the whole engine shares.

`Intervals` holds the time intervals in which cells are in view of one source (a sensor of
a platform), or of several: flat arrays, one row per interval. `merged()` is the union per
cell; the access solver (access.py) produces them, laps.py copies them in time, coverage.py
sums them into figures, and the window's layers (sim/view/layers.py) read them.

Merging sorts by (cell, start) and keeps one running end per cell; the running end is a
segmented maximum scan (Hillis and Steele, "Data parallel algorithms", Communications of
the ACM 29(12), 1986).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Intervals of one cell closer than TOUCH_S (s) are one access, and no gap is shorter. Edges
# are found to 1 ms or better (sim.engine.access.REFINE_TOL_S), so a shorter gap is
# rounding, not a revisit: where a track's segment hands over to the next, or one lap copy
# to the next (shifted by a whole period in floating point). Merging, the union's gap sums (coverage) and the lap
# compression (laps) all use it, so they agree on what one access is.
TOUCH_S = 1e-6


@dataclass
class Intervals:
    """Access intervals of one source over the grid, flat arrays of length K.

    cell: (K,) int64 cell indices; start_s, end_s: (K,) float64 seconds from time.start;
    best_cos: (K,) float64, the largest cos(lam) (closest approach) inside each interval, used
    for the best GSD. Sorted by (cell, start) and non-overlapping per cell after `merged()`.
    """
    cell: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    best_cos: np.ndarray

    @staticmethod
    def empty() -> "Intervals":
        return Intervals(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))

    @property
    def size(self) -> int:
        return int(self.cell.size)

    @staticmethod
    def concat(parts: list["Intervals"]) -> "Intervals":
        parts = [p for p in parts if p.size]
        if not parts:
            return Intervals.empty()
        return Intervals(np.concatenate([p.cell for p in parts]),
                         np.concatenate([p.start_s for p in parts]),
                         np.concatenate([p.end_s for p in parts]),
                         np.concatenate([p.best_cos for p in parts]))

    def take(self, index) -> "Intervals":
        return Intervals(self.cell[index], self.start_s[index], self.end_s[index],
                         self.best_cos[index])

    def merged(self, touch_s: float = TOUCH_S, presorted: bool = False) -> "Intervals":
        """Union per cell: sort by (cell, start) (skipped when presorted), merge overlapping
        or touching (gap <= touch_s) intervals. best_cos of a merged interval is the max of
        its parts."""
        if self.size == 0:
            return self
        if presorted:
            cell, start, end, best = self.cell, self.start_s, self.end_s, self.best_cos
        else:
            order = sort_by_cell_then_time(self.cell, self.start_s)
            cell, start, end = self.cell[order], self.start_s[order], self.end_s[order]
            best = self.best_cos[order]
        run_end = segmented_cummax(end, cell)
        new = np.ones(cell.size, dtype=bool)
        new[1:] = (cell[1:] != cell[:-1]) | (start[1:] > run_end[:-1] + touch_s)
        first = np.flatnonzero(new)
        last = np.append(first[1:] - 1, cell.size - 1)
        return Intervals(cell[first], start[first], run_end[last],
                         np.maximum.reduceat(best, first))

    def clipped(self, t_from_s: float, t_to_s: float) -> "Intervals":
        """Intersect with [t_from, t_to]; intervals left with zero length are dropped."""
        start = np.maximum(self.start_s, t_from_s)
        end = np.minimum(self.end_s, t_to_s)
        keep = end > start
        return Intervals(self.cell[keep], start[keep], end[keep], self.best_cos[keep])


def segmented_cummax(values: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Running maximum of values (K,) restarting wherever `cell` (K,), sorted, changes.

    Exact: a Hillis-Steele scan, log2(longest run) passes of shifted maxima within a run.
    (Offsetting each cell by cell * span and taking one global running maximum is faster
    but loses precision: at cell 2e5 and a span of days, float64 resolves only ~1e-5 s,
    which splits intervals that touch at lap joins.)
    """
    out = np.array(values, dtype=np.float64, copy=True)
    if out.size < 2:
        return out
    # Only cells where a value drops below an earlier one need the scan; elsewhere the
    # running maximum is the values themselves (the common case: no interval inside another).
    drop = (out[1:] < out[:-1]) & (cell[1:] == cell[:-1])
    if not drop.any():
        return out
    rows = np.isin(cell, cell[1:][drop])
    out[rows] = _scan_cummax(out[rows], cell[rows])
    return out


def _scan_cummax(out: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """The Hillis-Steele scan of segmented_cummax, in place on out (K,), cell (K,) sorted."""
    if out.size < 2:
        return out
    head = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    pos = np.arange(out.size) - np.repeat(head, np.diff(np.r_[head, out.size]))
    shift, longest = 1, int(pos.max())
    while shift <= longest:
        ok = pos[shift:] >= shift
        np.maximum(out[shift:], np.where(ok, out[:-shift], -np.inf), out=out[shift:])
        shift *= 2
    return out


def sort_by_cell_then_time(cell: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Stable order by (cell, time) through one float64 key cell * span + t.

    Ten times faster than np.lexsort here, and timsort (kind="stable") exploits the sorted
    runs that concatenated sources already are. The key resolves times to about
    span * M * 2^-52 s (1e-5 s for a day over 3e5 cells): ties closer than that keep their
    input order, which merging and the simultaneity sweep tolerate.
    """
    if cell.size == 0:
        return np.zeros(0, dtype=np.int64)
    t0 = float(np.min(t_s))
    span = float(np.max(t_s)) - t0 + 1.0
    key = cell.astype(np.float64) * span + (t_s - t0)
    return np.argsort(key, kind="stable")


def sorted_by_cell_start(iv: Intervals) -> bool:
    """Whether intervals are in (cell, start) order."""
    c, s = iv.cell, iv.start_s
    return bool(np.all((c[1:] > c[:-1]) | ((c[1:] == c[:-1]) & (s[1:] >= s[:-1]))))


def concatenated_ranges(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Row numbers first[i] .. first[i] + count[i] - 1 of every i, concatenated (int64):
    the rows of some cells in arrays sorted by cell (first, count from binary search)."""
    count = np.asarray(count, dtype=np.int64)
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.asarray(first, dtype=np.int64) - np.cumsum(count) + count, count)
    return starts + np.arange(total)
