# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""One pass over a cell's access intervals: union, gaps and overlap depth (Cython).

Input: the intervals of all sources, sorted by (cell, start); each source's own intervals
do not overlap (they are merged per source). For each cell the pass keeps
- the union: a new access starts where an interval begins more than touch_s after the
  running end of the previous ones (the rule of sim.access.Intervals.merged);
- the gaps: before each access (from 0 for the first) and after the last (to the cell's
  window end), counted when longer than gap_eps_s (sim.coverage's rule);
- the overlap depth: the ends of the intervals still open, in a small array; at a new
  start the ends at or before it are dropped first (touching intervals count once, as in
  sim.coverage.max_simultaneous's sweep), and the depth is the number left plus one.
Sums per cell are written into the (M,) output arrays, which the caller zeroed.

Why compiled: these are the sums behind every figure of merit and the engine evaluates
them for millions of intervals per run; in numpy the union, the gaps and the depth each
needed a sort or a scan of their own.
References: interval union and sweep-line depth (Cormen et al., Introduction to
Algorithms, 3rd ed., sec. 14.3 and problem 14-1; de Berg et al., Computational Geometry,
ch. 2).
"""
import numpy as np

DEF MAX_DEPTH = 4096


def sweep(const long long[::1] cell, const double[::1] start, const double[::1] end,
          const double[::1] window_end_s, double touch_s, double gap_eps_s,
          double[::1] covered_s, double[::1] accesses, double[::1] n_gaps,
          double[::1] sum_gap_s, double[::1] sum_gap_sq, double[::1] max_gap_s,
          double[::1] max_depth):
    """Accumulate per-cell sums over intervals sorted by (cell, start); see the module
    docstring. Cells with no interval are left untouched."""
    cdef Py_ssize_t n = cell.shape[0], q = 0, q0, a, live
    cdef long long c
    cdef double run_start, run_end, gap, longest, s, e, T, depth_max
    cdef double ends[MAX_DEPTH]
    if n == 0:
        return
    with nogil:
        while q < n:
            c = cell[q]
            T = window_end_s[c]
            q0 = q
            run_start = start[q]
            run_end = end[q]
            live = 0
            depth_max = 0.0
            # gap before the first access
            gap = run_start
            longest = gap
            if gap > gap_eps_s:
                n_gaps[c] += 1.0
                sum_gap_s[c] += gap
                sum_gap_sq[c] += gap * gap
            while q < n and cell[q] == c:
                s = start[q]
                e = end[q]
                if q > q0:
                    if s > run_end + touch_s:         # a new access: close the current one
                        covered_s[c] += run_end - run_start
                        accesses[c] += 1.0
                        gap = s - run_end
                        if gap > longest:
                            longest = gap
                        if gap > gap_eps_s:
                            n_gaps[c] += 1.0
                            sum_gap_s[c] += gap
                            sum_gap_sq[c] += gap * gap
                        run_start = s
                        run_end = e
                    elif e > run_end:
                        run_end = e
                # overlap depth: drop the ends at or before s, then add this interval
                a = 0
                while a < live:
                    if ends[a] <= s:
                        live -= 1
                        ends[a] = ends[live]
                    else:
                        a += 1
                if live < MAX_DEPTH:
                    ends[live] = e
                    live += 1
                if live > depth_max:
                    depth_max = live
                q += 1
            covered_s[c] += run_end - run_start
            accesses[c] += 1.0
            gap = T - run_end
            if gap > longest:
                longest = gap
            if gap > gap_eps_s:
                n_gaps[c] += 1.0
                sum_gap_s[c] += gap
                sum_gap_sq[c] += gap * gap
            if longest > gap_eps_s and longest > max_gap_s[c]:
                max_gap_s[c] = longest
            if depth_max > max_depth[c]:
                max_depth[c] = depth_max
