# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Kept lap copies of a base platform on a compressed timeline, in one pass (Cython).

sim/engine/laps.py keeps, per cell, some copies of a repeating lap and removes the rest; the
kept copies' intervals are moved back in time by the removed copies before them (the
compressed timeline), clipped to the lap window and merged where they touch (a lap that
ends covered joins the next kept copy that starts covered). This loop does exactly what
laps._kept_copies_real, shift_back and Intervals.merged(presorted=True) did in numpy, for
the base laps, without the intermediate arrays.

Inputs are in the order the numpy path produced: kept (row, copy) pairs by row then copy,
and each cell's lap intervals (sorted, merged) within one lap [0, P].
References: interval merging as in sim.engine.intervals.Intervals.merged (Cormen et al., 3rd ed.,
problem 14-1 for the sweep).
"""
import numpy as np


def kept_copies_compressed(const long long[::1] lap_cell, const double[::1] lap_start,
                           const double[::1] lap_end, const double[::1] lap_best,
                           const long long[::1] cells, const long long[::1] rows,
                           const long long[::1] ks, const int[:, ::1] removed_before,
                           double origin_s, double period_s, long long k_lo, double w0,
                           double w1, double touch_s):
    """Intervals (cell, start, end, best) of every kept (rows[q], ks[q]) copy of the lap,
    in compressed time: copy k of cell row r starts at origin + (k_lo + k) P minus
    removed_before[r, k] P, clipped to [w0, w1] (real time, before the shift), merged per
    cell where they overlap or touch within touch_s. Returns four (N,) arrays."""
    cdef Py_ssize_t n_pairs = rows.shape[0], n_lap = lap_cell.shape[0], n_cells = cells.shape[0]
    first_a = np.searchsorted(np.asarray(lap_cell), np.asarray(cells), side="left")
    last_a = np.searchsorted(np.asarray(lap_cell), np.asarray(cells), side="right")
    cdef const long long[::1] first = first_a, last = last_a
    cdef Py_ssize_t cap = 0, q
    for q in range(n_pairs):
        cap += last[rows[q]] - first[rows[q]]
    cell_a = np.empty(cap, dtype=np.int64)
    times_a = np.empty((3, cap))                 # start, end, best_cos
    cdef long long[::1] o_cell = cell_a
    cdef double[::1] o_start = times_a[0], o_end = times_a[1], o_best = times_a[2]
    cdef Py_ssize_t n_out = 0, i, r
    cdef long long c
    cdef double base, shift, s, e
    with nogil:
        for q in range(n_pairs):
            r = rows[q]
            c = cells[r]
            base = origin_s + (k_lo + ks[q]) * period_s
            shift = removed_before[r, ks[q]] * period_s
            for i in range(first[r], last[r]):
                s = lap_start[i] + base
                e = lap_end[i] + base
                if s < w0:
                    s = w0
                if e > w1:
                    e = w1
                if not e > s:
                    continue
                s -= shift
                e -= shift
                if n_out > 0 and o_cell[n_out - 1] == c and s <= o_end[n_out - 1] + touch_s:
                    if e > o_end[n_out - 1]:
                        o_end[n_out - 1] = e
                    if lap_best[i] > o_best[n_out - 1]:
                        o_best[n_out - 1] = lap_best[i]
                    continue
                o_cell[n_out] = c
                o_start[n_out] = s
                o_end[n_out] = e
                o_best[n_out] = lap_best[i]
                n_out += 1
    return cell_a[:n_out], times_a[0, :n_out], times_a[1, :n_out], times_a[2, :n_out]
