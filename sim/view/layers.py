"""Coverage layers at an instant t, advanced incrementally from the engine's exact intervals.

No pygame here: this module turns the union of access intervals (sim.engine.coverage.union_intervals,
sorted by (cell, start), disjoint per cell) into per-cell figures over [0, t] for any t, at
frame rate. Everything follows from one (M,) array: `cur[c]`, the index of the last interval
of cell c that has started by t (-1: none yet). With per-interval prefix sums computed once:

    accesses so far      = rank[cur] + 1                       (intervals started by t)
    covered now          = end[cur] > t
    time covered so far  = covered_before[cur] + min(end[cur], t) - start[cur]
    age of data now      = 0 while covered, else t - end[cur]  (undefined: never seen)
    max revisit so far   = max(gap_max[cur], t - end[cur] if not covered now)
                           (undefined, NaN: never seen; sim.engine.coverage's never-seen rule)

where a gap is the time between one access's end and the next access's start (the first gap
runs from 0 to the first start), as in sim.engine.coverage (gaps touching the window's ends count).
Advancing from t0 to t1 > t0 only touches the intervals whose start lies in (t0, t1]: one
searchsorted on the starts sorted once. Going back in time rebuilds `cur` from scratch.
References: figure definitions in sim/engine/coverage.py (SMAD 3rd ed. sec. 7.2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from sim import loops
from sim.engine.coverage import sweep_columns, union_rows_of
from sim.engine.intervals import TOUCH_S, concatenated_ranges, segmented_cummax

LAYERS = ("footprints", "ever", "time_covered", "age", "max_revisit", "accesses")


@dataclass
class _Rows:
    """Per-interval arrays of a merged union (K,), sorted by (cell, start): the interval's
    cell, start and end, its rank within its cell, the covered time of the cell's earlier
    intervals, and the longest gap up to its start (the first gap runs from 0)."""
    cell: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    rank: np.ndarray
    covered_before_s: np.ndarray
    gap_max_s: np.ndarray

    @staticmethod
    def of(union) -> "_Rows":
        cell = np.asarray(union.cell, dtype=np.int64)
        start = np.asarray(union.start_s, dtype=np.float64)
        end = np.asarray(union.end_s, dtype=np.float64)
        k = cell.size
        if k == 0:
            z = np.zeros(0)
            return _Rows(cell, start, end, np.zeros(0, np.int64), z, z.copy())
        first = np.ones(k, dtype=bool)
        first[1:] = cell[1:] != cell[:-1]
        first_idx = np.flatnonzero(first)
        group = np.cumsum(first) - 1                       # (K,) which run of cells
        rank = np.arange(k) - first_idx[group]
        duration = end - start
        before = np.cumsum(duration) - duration
        covered_before = before - before[first_idx][group]
        prev_end = np.empty(k)
        prev_end[1:] = end[:-1]
        prev_end[first_idx] = 0.0
        gap = start - prev_end
        gap = np.where(gap > TOUCH_S, gap, 0.0)
        return _Rows(cell, start, end, rank, covered_before, segmented_cummax(gap, cell))

    @staticmethod
    def union_of(sources: list) -> "_Rows":
        """The rows of the union of several sources (sim.engine.intervals.Intervals), the same
        as _Rows.of(union_intervals(sources)) in one pass that merges the sources as they
        come (sim.loops.sweep.union_rows, compiled: no sort, no intermediate arrays, and
        it releases the GIL, so the window keeps drawing meanwhile). Each source must be
        sorted by (cell, start), as the engine's are; one that is not is sorted first."""
        return _Rows(*union_rows_of(sources))

    FIELDS = ("cell", "start_s", "end_s", "rank", "covered_before_s", "gap_max_s")


@dataclass(frozen=True)
class UnionOnCells:
    """The rows of the union of some sources on some cells only, as replaced takes them
    for a what-if edit: each source (sim.engine.intervals.Intervals, in (cell, start)
    order: sorted_by_cell_start there) is read through the row ranges of `cells` (C,)
    (sorted int64) found by binary search, and the compiled merge (sim.loops.sweep.union_rows)
    writes the rows straight into the layers' spare room: no copy of the sources' rows on
    those cells and no intermediate arrays, however much of the grid the edit touches."""
    sources: list
    cells: np.ndarray

    def ranges(self) -> list:
        """Per source (lo, hi) (C,): its rows of cells[i] are lo[i] .. hi[i] - 1."""
        return [(np.searchsorted(iv.cell, self.cells, side="left"),
                 np.searchsorted(iv.cell, self.cells, side="right")) for iv in self.sources]

    def write(self, ranges: list, out: Optional[tuple]) -> _Rows:
        """The rows, written into out (six arrays as _Rows.FIELDS, of one length; None: new
        arrays; OverflowError when they are too short); returns views of out."""
        return _Rows(*loops.sweep.union_rows(*sweep_columns(self.sources), TOUCH_S, TOUCH_S,
                                             ranges, out))


@dataclass(frozen=True)
class _Sorted:
    """An event stream: row numbers (n,) in the order of their starts (n,), ascending."""
    rows: np.ndarray
    starts: np.ndarray

    def started(self, t0_s: float, t1_s: float) -> np.ndarray:
        """Row numbers whose start lies in (t0_s, t1_s]: two binary searches."""
        lo = np.searchsorted(self.starts, t0_s, side="right")
        hi = np.searchsorted(self.starts, t1_s, side="right")
        return self.rows[lo:hi]

    def sorted(self) -> "_Sorted":
        return self


@dataclass(frozen=True)
class _Unsorted:
    """An edit's rows first .. first + n - 1 before their starts (n,) are sorted: found
    by one pass over the starts. Sorting n rows takes longer than the few frames it takes
    the window to sort them in the background after the edit is shown (sorted())."""
    first: int
    starts: np.ndarray

    def started(self, t0_s: float, t1_s: float) -> np.ndarray:
        """Row numbers whose start lies in (t0_s, t1_s]."""
        return self.first + np.flatnonzero((self.starts > t0_s) & (self.starts <= t1_s))

    def sorted(self) -> _Sorted:
        order = _by_start(self.starts)
        return _Sorted(self.first + order, self.starts[order])


class IncrementalLayers:
    """Per-cell figures over [0, t] from a merged union of intervals (K intervals, M cells).

    union: sim.engine.intervals.Intervals merged per cell (sorted by (cell, start), disjoint),
    or its _Rows (_Rows.union_of).
    Rows live in buffers with spare room at the end, so a what-if edit (replaced) appends
    the affected cells' new intervals without copying the others. A cell's live rows are
    one block, first_row[c] .. first_row[c] + n_rows[c] - 1; an edit points the cell at its
    new block, and the rows it replaced (outside every block) are skipped (_live). Events: one or more streams of row numbers by
    start (the original union, then one per edit: _Sorted, or _Unsorted until the window
    sorts it in the background, with_sorted_streams).
    """

    def __init__(self, union, n_cells: int, _state=None, room_rows: int = 0):
        """room_rows: spare rows to leave at least (else half the rows), for edits."""
        self.n_cells = int(n_cells)
        if _state is None:
            rows = union if isinstance(union, _Rows) else _Rows.of(union)
            k = rows.cell.size
            self._buffers = _Rows(*(_with_room(getattr(rows, f), room_rows=room_rows)
                                    for f in _Rows.FIELDS))
            self._k = k
            self.n_rows = np.bincount(rows.cell, minlength=self.n_cells)
            self.first_row = np.cumsum(self.n_rows) - self.n_rows
            self.streams = [_Unsorted(0, rows.start_s).sorted()]
        else:
            self._buffers, self._k, self.first_row, self.n_rows, self.streams = _state
        self._views()
        self.t_s = -np.inf
        self.cur = np.full(self.n_cells, -1, dtype=np.int64)
        # end of the last started interval per cell (NaN: none yet), kept up to date by seek
        # for the cells that change: the age layer is then one vector operation per frame
        self.end_cur_s = np.full(self.n_cells, np.nan)
        if _state is None:
            self.seek(0.0)

    def _views(self) -> None:
        k = self._k
        b = self._buffers
        self.cell, self.start_s, self.end_s = b.cell[:k], b.start_s[:k], b.end_s[:k]
        self.rank, self.covered_before_s, self.gap_max_s = (b.rank[:k], b.covered_before_s[:k],
                                                            b.gap_max_s[:k])

    def replaced(self, affected: np.ndarray, sub) -> "IncrementalLayers":
        """New layers equal to layers built from this union with the intervals of the
        affected cells (M,) bool replaced by `sub` (a merged union on those cells only, or
        its _Rows), at this one's time: what a what-if edit of one platform needs.

        The new rows go into the buffers' spare room after this object's K rows (which this
        object never reads), the affected cells point at their new blocks (their old rows
        are no longer live), and the new rows become one more event stream, unsorted (with_sorted_streams
        sorts it later): within every cell later starts keep larger row numbers, and the
        work is O(k) in the k new intervals plus O(M) per-cell copies, with no pass over all
        K rows. Safe while another thread seeks this object: it reads a snapshot of (t, cur);
        cells a concurrent seek moved past that t are moved again by the next seek
        (np.maximum over the same starts)."""
        t_snap, cur_snap, _ = self._snapshot()
        base = self._k
        buffers = self._buffers
        in_place = False
        if isinstance(sub, UnionOnCells):
            ranges = sub.ranges()
            try:                                        # straight into the spare room
                new = sub.write(ranges, tuple(getattr(buffers, f)[base:]
                                              for f in _Rows.FIELDS))
                in_place = True
            except OverflowError:                       # out of room: grow (rare)
                new = sub.write(ranges, None)
        else:
            new = sub if isinstance(sub, _Rows) else _Rows.of(sub)
        k_new = new.cell.size
        if not in_place:
            buffers = self._with_room_for(k_new)
            for f in _Rows.FIELDS:
                getattr(buffers, f)[base:base + k_new] = getattr(new, f)
        first_row = self.first_row.copy()
        n_rows = self.n_rows.copy()
        n_rows[affected] = 0
        if k_new:
            heads = np.flatnonzero(new.rank == 0)
            first_row[new.cell[heads]] = base + heads
            n_rows += np.bincount(new.cell, minlength=self.n_cells)
        streams = self.streams + [_Unsorted(base, buffers.start_s[base:base + k_new])]
        out = IncrementalLayers(None, self.n_cells,
                                (buffers, base + k_new, first_row, n_rows, streams))
        out.cur = np.where(affected, -1, cur_snap)
        due = new.start_s <= t_snap
        np.maximum.at(out.cur, new.cell[due], base + np.flatnonzero(due))
        out.end_cur_s = np.where(affected, np.nan, self.end_cur_s)
        done = affected & (out.cur >= 0)
        out.end_cur_s[done] = out.end_s[out.cur[done]]
        out.t_s = t_snap
        return out

    def _with_room_for(self, rows: int) -> _Rows:
        """The buffers, or copies grown to take `rows` more after the K rows (rare: the
        window compacts in the background before room runs short)."""
        if self._k + rows <= self._buffers.cell.size:
            return self._buffers
        return _Rows(*(_with_room(getattr(self._buffers, f)[:self._k], self._k + rows)
                       for f in _Rows.FIELDS))

    @property
    def spare_rows(self) -> int:
        """Rows the buffers can still take before an edit must copy every row."""
        return int(self._buffers.cell.size - self._k)

    def compacted(self, room_rows: int = 0) -> "IncrementalLayers":
        """The same layers with only the live rows, in new buffers with fresh spare room and
        one event stream (at least room_rows spare, else half the rows), at this one's
        time: what the window builds in the background after an edit, so that the next
        edits find room (replaced then never copies every
        row while the user waits). Safe while another thread seeks this object, as
        replaced is (a snapshot of (t, cur); the next seek moves the rest).

        Dropping rows keeps their order, so each cell's rows stay contiguous and within a
        cell later starts keep larger row numbers; the streams, each sorted by start,
        merge into one without a sort (_merge_streams). O(K) copies."""
        t_snap, cur_snap, end_cur = self._snapshot()
        has_rows = self.n_rows > 0           # an empty cell's first_row may name an old row
        blocks = np.argsort(self.first_row[has_rows], kind="stable")    # in row order
        kept = concatenated_ranges(self.first_row[has_rows][blocks],
                                   self.n_rows[has_rows][blocks])       # ascending
        new_row = np.full(self._k, -1, dtype=np.int64)
        new_row[kept] = np.arange(kept.size)
        buffers = _Rows(*(_with_room(getattr(self, f)[kept], room_rows=room_rows)
                          for f in _Rows.FIELDS))
        streams = []
        for stream in self.streams:
            stream = stream.sorted()
            live = self._live(stream.rows)
            streams.append(_Sorted(new_row[stream.rows[live]], stream.starts[live]))
        first_row = np.zeros(self.n_cells, dtype=np.int64)
        first_row[has_rows] = new_row[self.first_row[has_rows]]
        out = IncrementalLayers(None, self.n_cells,
                                (buffers, kept.size, first_row, self.n_rows.copy(),
                                 [_merge_streams(streams)]))
        out.cur = np.where(cur_snap >= 0, new_row[cur_snap], -1)
        out.end_cur_s = end_cur
        out.t_s = t_snap
        return out

    def with_sorted_streams(self) -> "IncrementalLayers":
        """The same layers (the same buffers) with every event stream sorted by start, at
        this one's time: a frame then finds an edit's rows that start by binary search
        instead of a pass over them. What the window builds in the background after an
        edit is shown; safe while another thread seeks this object, as replaced is."""
        if all(isinstance(stream, _Sorted) for stream in self.streams):
            return self
        streams = [stream.sorted() for stream in self.streams]
        t_snap, cur_snap, end_cur = self._snapshot()
        out = IncrementalLayers(None, self.n_cells, (self._buffers, self._k, self.first_row,
                                                     self.n_rows, streams))
        out.cur, out.end_cur_s, out.t_s = cur_snap, end_cur, t_snap
        return out

    def _live(self, rows: np.ndarray) -> np.ndarray:
        """(n,) bool: which rows (n,) are in their cell's block (not replaced by an edit)."""
        cells = self.cell[rows]
        offset = rows - self.first_row[cells]
        return (offset >= 0) & (offset < self.n_rows[cells])

    def _snapshot(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(t, copy of cur, copy of end_cur_s), the time read first (see replaced)."""
        t_snap = self.t_s
        return t_snap, self.cur.copy(), self.end_cur_s.copy()

    @property
    def n_intervals(self) -> int:
        return int(self._k)

    def seek(self, t_s: float) -> None:
        """Move to time t_s: forward by the starts in (t, t_s], backward by a rebuild."""
        t_s = float(t_s)
        forward = t_s >= self.t_s
        if not forward:
            self.cur.fill(-1)
            self.end_cur_s.fill(np.nan)
        for stream in self.streams:
            idx = stream.started(self.t_s if forward else -np.inf, t_s)
            if idx.size == 0:
                continue
            if len(self.streams) > 1:       # after an edit: some rows were replaced
                idx = idx[self._live(idx)]
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
        trailing = np.where(trailing > TOUCH_S, trailing, 0.0)
        return np.where(seen, np.maximum(self.gap_max_s[safe], trailing), np.nan)

    def accesses_of(self, cell: int) -> tuple[np.ndarray, np.ndarray]:
        """All (start_s, end_s) of one cell over the whole window (the access timeline)."""
        lo = self.first_row[cell]
        hi = lo + self.n_rows[cell]
        return self.start_s[lo:hi], self.end_s[lo:hi]



def _by_start(start_s: np.ndarray) -> np.ndarray:
    """Row order (K,) by start time, for an event stream. The order among equal starts is
    free: seek takes every row of a tie at once (searchsorted side="right" on both ends)
    and keeps each cell's largest row (np.maximum.at), so an unstable sort serves and is
    about twice as fast as a stable one on millions of rows."""
    return np.argsort(start_s, kind="quicksort")


def _merge_streams(streams: list) -> _Sorted:
    """One stream from several _Sorted: pairwise merges, a binary search per row of the
    later stream (its rows go after the earlier's equal starts) and one copy of all rows,
    instead of sorting them all again."""
    order, starts = streams[0].rows, streams[0].starts
    for more in streams[1:]:
        more_order, more_starts = more.rows, more.starts
        at = np.searchsorted(starts, more_starts, side="right") + np.arange(more_starts.size)
        merged = np.ones(starts.size + more_starts.size, dtype=bool)
        merged[at] = False
        new_order = np.empty(merged.size, dtype=np.int64)
        new_starts = np.empty(merged.size)
        new_order[merged], new_starts[merged] = order, starts
        new_order[at], new_starts[at] = more_order, more_starts
        order, starts = new_order, new_starts
    return _Sorted(order, starts)


def _with_room(values: np.ndarray, size: Optional[int] = None, room_rows: int = 0
               ) -> np.ndarray:
    """A copy of values (K,) in a buffer with room for half as many rows again (after
    `size` rows when given), or for room_rows when that is more. The room
    is written once here (in the background build), so that an edit's rows later land on
    memory the system has already mapped instead of faulting in fresh pages while the
    user waits."""
    size = values.size if size is None else size
    out = np.empty(max(int(size * 1.5) + 1024, size + int(room_rows)), dtype=values.dtype)
    out[:values.size] = values
    out[values.size:] = 0
    return out
