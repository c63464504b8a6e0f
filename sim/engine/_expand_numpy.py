"""numpy version of sim/engine/_expand.pyx: kept lap copies of a base platform on a compressed
timeline (see that file's docstring for the rule and its source).

The merge of consecutive intervals of a cell (the loop's "join the last output when it
starts within touch_s of its end") is a running maximum of the ends within each cell's
block: a new interval opens only past the running end, so the running end of the current
merged interval is always the running maximum over the whole block (touch_s >= 0).
"""
from __future__ import annotations

import numpy as np

from sim.engine._segments_numpy import running_max, segment_starts


def kept_copies_compressed(lap_cell, lap_start, lap_end, lap_best, cells, rows, ks,
                           removed_before, origin_s: float, period_s: float, k_lo: int,
                           w0: float, w1: float, touch_s: float):
    """Intervals (cell, start, end, best) of every kept (rows[q], ks[q]) copy of the lap,
    in compressed time, as sim.engine._expand.kept_copies_compressed. Returns four (N,) arrays."""
    lap_cell = np.asarray(lap_cell, dtype=np.int64)
    cells, rows, ks = (np.asarray(a, dtype=np.int64) for a in (cells, rows, ks))
    first = np.searchsorted(lap_cell, cells, side="left")
    last = np.searchsorted(lap_cell, cells, side="right")
    counts = (last - first)[rows]                       # lap intervals per kept pair
    pair = np.repeat(np.arange(rows.shape[0]), counts)
    within = np.arange(pair.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    i = first[rows][pair] + within                      # the lap interval of each output
    r, k = rows[pair], ks[pair]
    base = origin_s + (k_lo + k) * period_s
    shift = np.asarray(removed_before)[r, k] * period_s
    start = np.maximum(np.asarray(lap_start)[i] + base, w0)
    end = np.minimum(np.asarray(lap_end)[i] + base, w1)
    keep = end > start
    cell = cells[r][keep]
    start, end = start[keep] - shift[keep], end[keep] - shift[keep]
    best = np.asarray(lap_best, dtype=np.float64)[i][keep]
    opens = segment_starts(cell)                        # consecutive intervals of one cell
    end_so_far = running_max(np.cumsum(opens), end)
    opens[1:] |= ~(start[1:] <= end_so_far[:-1] + touch_s)
    first_of = np.flatnonzero(opens)
    last_of = np.append(first_of[1:], cell.shape[0]) - 1
    if not first_of.shape[0]:
        return cell, start, end, best
    return (cell[first_of], start[first_of], end_so_far[last_of],
            np.maximum.reduceat(best, first_of))
