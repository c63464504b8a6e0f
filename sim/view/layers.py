"""Coverage layers at an instant t, advanced incrementally from the engine's exact intervals.

No pygame here: this module turns the union of access intervals (sim.coverage.union_intervals,
sorted by (cell, start), disjoint per cell) into per-cell figures over [0, t] for any t, at
frame rate. Everything follows from one (M,) array: `cur[c]`, the index of the last interval
of cell c that has started by t (-1: none yet). With per-interval prefix sums computed once:

    accesses so far      = rank[cur] + 1                       (intervals started by t)
    covered now          = end[cur] > t
    time covered so far  = covered_before[cur] + min(end[cur], t) - start[cur]
    age of data now      = 0 while covered, else t - end[cur]  (undefined: never seen)
    max revisit so far   = max(gap_max[cur], t - end[cur] if not covered now)
                           (undefined, NaN: never seen; sim.coverage's never-seen rule)

where a gap is the time between one access's end and the next access's start (the first gap
runs from 0 to the first start), as in sim.coverage (gaps touching the window's ends count).
Advancing from t0 to t1 > t0 only touches the intervals whose start lies in (t0, t1]: one
searchsorted on the starts sorted once. Going back in time rebuilds `cur` from scratch.
References: figure definitions in sim/coverage.py (SMAD 3rd ed. sec. 7.2).
"""
from __future__ import annotations

import numpy as np

from sim.access import segmented_cummax
from sim.coverage import _GAP_EPS_S

LAYERS = ("footprints", "ever", "time_covered", "age", "max_revisit", "accesses")


class IncrementalLayers:
    """Per-cell figures over [0, t] from a merged union of intervals (K intervals, M cells).

    union: sim.access.Intervals merged per cell (sorted by (cell, start), disjoint).
    """

    def __init__(self, union, n_cells: int):
        self.n_cells = int(n_cells)
        cell = np.asarray(union.cell, dtype=np.int64)
        self.start_s = np.asarray(union.start_s, dtype=np.float64)
        self.end_s = np.asarray(union.end_s, dtype=np.float64)
        k = cell.size
        first = np.ones(k, dtype=bool)
        first[1:] = cell[1:] != cell[:-1]
        first_idx = np.flatnonzero(first)
        group = np.cumsum(first) - 1                       # (K,) which run of cells
        self.rank = (np.arange(k) - first_idx[group]).astype(np.int32) if k else np.zeros(0, np.int32)
        duration = self.end_s - self.start_s
        csum = np.cumsum(duration)
        before_run = (csum - duration)[first_idx] if k else np.zeros(0)
        self.covered_before_s = csum - duration - before_run[group] if k else np.zeros(0)
        prev_end = np.empty(k)
        if k:
            prev_end[1:] = self.end_s[:-1]
            prev_end[first_idx] = 0.0
        gap = self.start_s - prev_end
        gap = np.where(gap > _GAP_EPS_S, gap, 0.0)
        self.gap_max_s = segmented_cummax(gap, cell) if k else gap
        self.cell = cell
        self.order = np.argsort(self.start_s, kind="stable")   # events: starts in time order
        self.sorted_start_s = self.start_s[self.order]
        self.t_s = -np.inf
        self.cur = np.full(self.n_cells, -1, dtype=np.int64)
        # end of the last started interval per cell (NaN: none yet), kept up to date by seek
        # for the cells that change: the age layer is then one vector operation per frame
        self.end_cur_s = np.full(self.n_cells, np.nan)
        self.seek(0.0)

    @property
    def n_intervals(self) -> int:
        return int(self.cell.size)

    def seek(self, t_s: float) -> None:
        """Move to time t_s: forward by the starts in (t, t_s], backward by a rebuild."""
        t_s = float(t_s)
        if t_s >= self.t_s:
            lo = np.searchsorted(self.sorted_start_s, self.t_s, side="right")
        else:
            self.cur.fill(-1)
            self.end_cur_s.fill(np.nan)
            lo = 0
        hi = np.searchsorted(self.sorted_start_s, t_s, side="right")
        if hi > lo:
            idx = self.order[lo:hi]
            cells = self.cell[idx]
            # Within a cell, later starts have larger indices: the maximum is the last one.
            np.maximum.at(self.cur, cells, idx)
            self.end_cur_s[cells] = self.end_s[self.cur[cells]]
        self.t_s = t_s

    # ------------------------------------------------------------------ figures at t
    def _parts(self):
        seen = self.cur >= 0
        safe = np.where(seen, self.cur, 0) if self.n_intervals else None
        return seen, safe

    def ever(self) -> np.ndarray:
        """(M,) bool: seen at least once in [0, t]."""
        return self.cur >= 0

    def covered_now(self) -> np.ndarray:
        """(M,) bool: in view at t (start <= t < end)."""
        seen, safe = self._parts()
        if safe is None:
            return seen
        return seen & (self.end_s[safe] > self.t_s)

    def accesses(self) -> np.ndarray:
        """(M,) accesses started in [0, t]."""
        seen, safe = self._parts()
        if safe is None:
            return np.zeros(self.n_cells)
        return np.where(seen, self.rank[safe] + 1.0, 0.0)

    def time_covered_s(self) -> np.ndarray:
        """(M,) seconds in view during [0, t]."""
        seen, safe = self._parts()
        if safe is None:
            return np.zeros(self.n_cells)
        t = self.t_s
        now = np.minimum(self.end_s[safe], t) - self.start_s[safe]
        return np.where(seen, self.covered_before_s[safe] + now, 0.0)

    def age_s(self) -> np.ndarray:
        """(M,) age of the data at t: 0 while covered (the last access ends after t), else
        t - end of the last access; NaN where never seen."""
        return np.maximum(self.t_s - self.end_cur_s, 0.0)

    def max_revisit_s(self) -> np.ndarray:
        """(M,) longest gap in [0, t], the open one at t included; NaN where never seen."""
        seen, safe = self._parts()
        t = self.t_s
        if safe is None:
            return np.full(self.n_cells, np.nan)
        trailing = np.maximum(t - self.end_s[safe], 0.0)
        trailing = np.where(trailing > _GAP_EPS_S, trailing, 0.0)
        return np.where(seen, np.maximum(self.gap_max_s[safe], trailing), np.nan)

    def accesses_of(self, cell: int) -> tuple[np.ndarray, np.ndarray]:
        """All (start_s, end_s) of one cell over the whole window (the access timeline)."""
        lo, hi = np.searchsorted(self.cell, [cell, cell + 1])
        return self.start_s[lo:hi], self.end_s[lo:hi]

