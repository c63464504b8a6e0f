"""numpy version of sim/engine/_sweep.pyx: per-cell union, gaps and overlap depth of the access
intervals of several sources (see that file's docstring for the rules and sources).

Whole-array steps instead of one merged pass:
- the sources are merged by one stable sort on (cell, start, source);
- the union: an interval opens a new access where it starts more than touch_s after the
  running maximum of the ends before it in its cell (the compiled loop's running end; the
  two agree because a new access only opens past that maximum, touch_s >= 0);
- the gaps: before each access (from 0 for the first), after the last (to the window end);
- the overlap depth of interval j: 1 + the intervals before j in its cell still open at its
  start (end > start_j); counted with one sort of the start and end events, where an end
  at the same time as a start comes first only if its interval came first (the compiled
  loop drops ends at or before a new start, and adds the new interval after).
"""
from __future__ import annotations

import numpy as np

from sim.engine._segments_numpy import running_max, segment_starts
from sim.engine.intervals import concatenated_ranges

MAX_DEPTH = 4096          # the compiled loop's capacity for open intervals


def _merged(cells, starts, ends):
    """The sources' intervals in (cell, start, source) order: (cell, start, end) (N,)."""
    if len(cells) != len(starts) or len(cells) != len(ends):
        raise ValueError("one cell, start and end array per source")
    for c, s, e in zip(cells, starts, ends):
        if not (len(c) == len(s) == len(e)):
            raise ValueError("cell, start and end arrays differ in length")
    cell = np.concatenate([np.asarray(c, dtype=np.int64) for c in cells] or [np.zeros(0, np.int64)])
    start = np.concatenate([np.asarray(s, dtype=np.float64) for s in starts] or [np.zeros(0)])
    end = np.concatenate([np.asarray(e, dtype=np.float64) for e in ends] or [np.zeros(0)])
    source = np.repeat(np.arange(len(cells)), [len(c) for c in cells]) if cells else cell
    order = np.lexsort((source, start, cell))
    return cell[order], start[order], end[order]


def _depth(cell: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(N,) overlap depth at each interval's start (see the module docstring); the
    intervals (N,) in (cell, start, source) order."""
    n = start.shape[0]
    pos = np.arange(n)
    time = np.concatenate([start, end])
    # tie order at equal (cell, time): end of i before start of j exactly when i < j
    tie = np.concatenate([2 * pos + 1, 2 * pos + 2])
    order = np.lexsort((tie, time, np.concatenate([cell, cell])))
    is_end = order >= n
    ends_before = np.cumsum(is_end) - is_end            # end events before each event
    at_start = np.empty(n, dtype=np.int64)
    at_start[order[~is_end]] = ends_before[~is_end]
    # The ends sorted before start j are those of every interval of the earlier cells and
    # of the intervals of j's cell that came before j and closed by its start, so the
    # intervals before j (pos) minus them are the ones still open.
    open_before = pos - at_start
    return np.minimum(open_before + 1, MAX_DEPTH).astype(np.float64)


def _gaps(run_opens_cell, run_block, run_cell, run_start, run_end, window_end_s):
    """Every gap of every cell, in the compiled loop's order (per cell: before each access,
    from 0 for the first, then after the last, to the window end). Inputs per access (R,):
    whether it is its cell's first, the cell's block number (0, 1, ... in order), its cell,
    start and end. Returns gaps (G,), their cells (G,), and the cells seen (C,)."""
    n_runs = run_cell.shape[0]
    gap_before = run_start - np.where(run_opens_cell, 0.0,
                                      np.concatenate([[0.0], run_end[:-1]]))
    last_run = np.append(np.flatnonzero(run_opens_cell)[1:], n_runs) - 1
    cells_seen = run_cell[last_run]
    gap_after = window_end_s[cells_seen] - run_end[last_run]
    slot_before = np.arange(n_runs) + run_block          # after the earlier cells' last gaps
    slot_after = last_run + np.arange(cells_seen.shape[0]) + 1
    gaps = np.empty(n_runs + cells_seen.shape[0])
    gap_cell = np.empty(gaps.shape[0], dtype=np.int64)
    gaps[slot_before], gap_cell[slot_before] = gap_before, run_cell
    gaps[slot_after], gap_cell[slot_after] = gap_after, cells_seen
    return gaps, gap_cell, cells_seen


def sweep(cells, starts, ends, window_end_s, touch_s: float, gap_eps_s: float, covered_s,
          accesses, n_gaps, sum_gap_s, sum_gap_sq, max_gap_s, max_depth) -> None:
    """Accumulate per-cell sums over the sources' intervals into the (M,) output arrays,
    as sim.engine._sweep.sweep: cells[k] (N_k,) int64, starts[k], ends[k] (N_k,) float64, each
    source sorted by (cell, start). Cells with no interval are left untouched."""
    cell, start, end = _merged(cells, starts, ends)
    if not cell.shape[0]:
        return
    window_end_s = np.asarray(window_end_s, dtype=np.float64)
    first_in_cell = segment_starts(cell)
    block = np.cumsum(first_in_cell) - 1                 # 0, 1, ... per cell, in order
    end_so_far = running_max(block, end)
    opens = first_in_cell.copy()
    opens[1:] |= start[1:] > end_so_far[:-1] + touch_s
    run_first = np.flatnonzero(opens)
    run_last = np.append(run_first[1:], cell.shape[0]) - 1
    run_cell = cell[run_first]
    run_start, run_end = start[run_first], end_so_far[run_last]
    np.add.at(covered_s, run_cell, run_end - run_start)
    np.add.at(accesses, run_cell, 1.0)
    gaps, gap_cell, cells_seen = _gaps(first_in_cell[run_first], block[run_first], run_cell,
                                       run_start, run_end, window_end_s)
    counted = gaps > gap_eps_s
    np.add.at(n_gaps, gap_cell[counted], 1.0)
    np.add.at(sum_gap_s, gap_cell[counted], gaps[counted])
    np.add.at(sum_gap_sq, gap_cell[counted], gaps[counted] * gaps[counted])
    longest = np.maximum.reduceat(gaps, np.flatnonzero(segment_starts(gap_cell)))
    improve = (longest > gap_eps_s) & (longest > max_gap_s[cells_seen])
    max_gap_s[cells_seen[improve]] = longest[improve]
    depth = np.maximum.reduceat(_depth(cell, start, end),
                                np.flatnonzero(first_in_cell))
    deeper = depth > max_depth[cells_seen]
    max_depth[cells_seen[deeper]] = depth[deeper]


def union_rows(cells, starts, ends, touch_s: float, gap_eps_s: float, ranges=None,
               out=None):
    """The union per cell of the sources' intervals, one row per access, as
    sim.engine._sweep.union_rows: (cell, start, end, rank, covered_before, gap_max), each
    (R,) in (cell, start) order. covered_before is a running sum over all rows less the
    sum before the cell's first (equal to the compiled per-cell sum up to rounding).
    ranges (per source (lo, hi): only rows lo[r] .. hi[r] - 1) and out (six arrays to
    write into; OverflowError when the union does not fit) as the compiled loop's."""
    if ranges is not None:
        rows = [_ranges_of(np.asarray(lo, np.int64), np.asarray(hi, np.int64), len(c))
                for (lo, hi), c in zip(ranges, cells)]
        cells = [np.asarray(c)[r] for c, r in zip(cells, rows)]
        starts = [np.asarray(s)[r] for s, r in zip(starts, rows)]
        ends = [np.asarray(e)[r] for e, r in zip(ends, rows)]
    rows = _union_rows(cells, starts, ends, touch_s, gap_eps_s)
    if out is None:
        return rows
    n = rows[0].shape[0]
    if min(len(a) for a in out) < n:
        raise OverflowError("union_rows: the union has more rows than the output arrays hold")
    for target, values in zip(out, rows):
        target[:n] = values
    return tuple(target[:n] for target in out)


def _ranges_of(lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Row numbers lo[r] .. hi[r] - 1 of every range, in order; ValueError unless the
    ranges are increasing and within the n rows (as the compiled loop checks)."""
    if lo.shape != hi.shape:
        raise ValueError("lo and hi of a source's ranges differ in length")
    if lo.size and (np.any(lo < 0) or np.any(hi < lo) or np.any(hi > n)
                    or np.any(lo[1:] < hi[:-1])):
        raise ValueError("a source's ranges must be increasing and within its rows")
    return concatenated_ranges(lo, hi - lo)


def _union_rows(cells, starts, ends, touch_s: float, gap_eps_s: float):
    """union_rows on whole sources."""
    cell, start, end = _merged(cells, starts, ends)
    if not cell.shape[0]:
        z = np.zeros(0)
        return cell, z, z.copy(), np.zeros(0, np.int64), z.copy(), z.copy()
    first_in_cell = segment_starts(cell)
    block = np.cumsum(first_in_cell) - 1
    end_so_far = running_max(block, end)
    opens = first_in_cell.copy()
    opens[1:] |= start[1:] > end_so_far[:-1] + touch_s
    run_first = np.flatnonzero(opens)
    run_last = np.append(run_first[1:], cell.shape[0]) - 1
    run_cell, run_start, run_end = cell[run_first], start[run_first], end_so_far[run_last]
    new_cell = first_in_cell[run_first]
    head = np.flatnonzero(new_cell)
    run_block = np.cumsum(new_cell) - 1
    rank = np.arange(run_cell.shape[0]) - head[run_block]
    duration = run_end - run_start
    before = np.cumsum(duration) - duration
    covered_before = before - before[head][run_block]
    gap = run_start - np.where(new_cell, 0.0, np.concatenate([[0.0], run_end[:-1]]))
    gap_max = running_max(run_block, np.where(gap > gap_eps_s, gap, 0.0))
    return run_cell, run_start, run_end, rank, covered_before, gap_max
