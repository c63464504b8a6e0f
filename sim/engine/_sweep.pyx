# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""One pass over a cell's access intervals: union, gaps and overlap depth (Cython).

Input: the intervals of several sources, each sorted by (cell, start) and not overlapping
itself (merged per source). The sources are merged on the fly (a small heap keyed by
(cell, start), ties by source order) into one stream in (cell, start) order, and for each
cell the pass keeps
- the union: a new access starts where an interval begins more than touch_s after the
  running end of the previous ones (the rule of sim.engine.intervals.Intervals.merged);
- the gaps: before each access (from 0 for the first) and after the last (to the cell's
  window end), counted when longer than gap_eps_s (sim.engine.coverage's rule);
- the overlap depth: the ends of the intervals still open, in a small array; at a new
  start the ends at or before it are dropped first (touching intervals count once), and
  the depth is the number left plus one.
Sums per cell are added into the (M,) output arrays, which the caller zeroed.

Why compiled: these are the sums behind every figure of merit, over millions of intervals
per run; in numpy the union, the gaps and the depth each needed a sort or a scan of their
own, and merging presorted sources avoids sorting at all.
References: k-way merge with a heap (Knuth, TAOCP vol. 3, sec. 5.4.1); interval union and
sweep-line depth (Cormen et al., Introduction to Algorithms, 3rd ed., sec. 14.3 and
problem 14-1; de Berg et al., Computational Geometry, ch. 2).
"""
import numpy as np

from libc.stdlib cimport free, malloc

DEF MAX_DEPTH = 4096


cdef struct Source:
    const long long* cell
    const double* start
    const double* end
    Py_ssize_t n, pos


cdef inline bint _before(Source* s, int a, int b) noexcept nogil:
    """Heap order: source a's head before source b's (cell, then start, then index)."""
    cdef long long ca = s[a].cell[s[a].pos], cb = s[b].cell[s[b].pos]
    if ca != cb:
        return ca < cb
    cdef double ta = s[a].start[s[a].pos], tb = s[b].start[s[b].pos]
    if ta != tb:
        return ta < tb
    return a < b


cdef void _sift_down(int* heap, int size, int i, Source* s) noexcept nogil:
    cdef int child, tmp
    while True:
        child = 2 * i + 1
        if child >= size:
            return
        if child + 1 < size and _before(s, heap[child + 1], heap[child]):
            child += 1
        if not _before(s, heap[child], heap[i]):
            return
        tmp = heap[i]
        heap[i] = heap[child]
        heap[child] = tmp
        i = child


cdef inline void _add_gap(long long c, double gap, double gap_eps_s, double[::1] n_gaps,
                          double[::1] sum_gap_s, double[::1] sum_gap_sq) noexcept nogil:
    """Count a gap of cell c when it is longer than gap_eps_s."""
    if gap > gap_eps_s:
        n_gaps[c] += 1.0
        sum_gap_s[c] += gap
        sum_gap_sq[c] += gap * gap


def sweep(list cells, list starts, list ends, const double[::1] window_end_s,
          double touch_s, double gap_eps_s,
          double[::1] covered_s, double[::1] accesses, double[::1] n_gaps,
          double[::1] sum_gap_s, double[::1] sum_gap_sq, double[::1] max_gap_s,
          double[::1] max_depth):
    """Accumulate per-cell sums over the sources' intervals: cells[k] (N_k,) int64,
    starts[k], ends[k] (N_k,) float64, each source sorted by (cell, start); see the module
    docstring. Cells with no interval are left untouched."""
    cdef int n_src = len(cells), k, size = 0, top
    cdef Source* src = <Source*>malloc(max(n_src, 1) * sizeof(Source))
    cdef int* heap = <int*>malloc(max(n_src, 1) * sizeof(int))
    cdef const long long[::1] c_mv
    cdef const double[::1] s_mv, e_mv
    keep = []                                    # the memoryviews stay alive while we run
    cdef long long c = -1
    cdef double run_start = 0.0, run_end = 0.0, gap, longest = 0.0, s, e, T = 0.0, depth_max = 0.0
    cdef double ends_open[MAX_DEPTH]
    cdef Py_ssize_t live = 0, a
    cdef bint first_of_cell
    try:
        for k in range(n_src):
            c_mv = cells[k]
            s_mv = starts[k]
            e_mv = ends[k]
            if c_mv.shape[0] != s_mv.shape[0] or c_mv.shape[0] != e_mv.shape[0]:
                raise ValueError("cell, start and end arrays differ in length")
            keep.append((c_mv, s_mv, e_mv))
            src[k].n = c_mv.shape[0]
            src[k].pos = 0
            if src[k].n:
                src[k].cell = &c_mv[0]
                src[k].start = &s_mv[0]
                src[k].end = &e_mv[0]
                heap[size] = k
                size += 1
        with nogil:
            for k in range(size // 2 - 1, -1, -1):
                _sift_down(heap, size, k, src)
            while size > 0:
                top = heap[0]
                first_of_cell = src[top].cell[src[top].pos] != c
                if first_of_cell:
                    if c >= 0:
                        _close_cell(c, run_start, run_end, T, longest, depth_max, gap_eps_s,
                                    covered_s, accesses, n_gaps, sum_gap_s, sum_gap_sq,
                                    max_gap_s, max_depth)
                    c = src[top].cell[src[top].pos]
                    T = window_end_s[c]
                    s = src[top].start[src[top].pos]
                    run_start = s
                    run_end = src[top].end[src[top].pos]
                    live = 0
                    depth_max = 0.0
                    longest = s                           # the gap before the first access
                    _add_gap(c, s, gap_eps_s, n_gaps, sum_gap_s, sum_gap_sq)
                s = src[top].start[src[top].pos]
                e = src[top].end[src[top].pos]
                if not first_of_cell:
                    if s > run_end + touch_s:             # a new access: close the current one
                        covered_s[c] += run_end - run_start
                        accesses[c] += 1.0
                        gap = s - run_end
                        if gap > longest:
                            longest = gap
                        _add_gap(c, gap, gap_eps_s, n_gaps, sum_gap_s, sum_gap_sq)
                        run_start = s
                        run_end = e
                    elif e > run_end:
                        run_end = e
                # overlap depth: drop the ends at or before s, then add this interval
                a = 0
                while a < live:
                    if ends_open[a] <= s:
                        live -= 1
                        ends_open[a] = ends_open[live]
                    else:
                        a += 1
                if live < MAX_DEPTH:
                    ends_open[live] = e
                    live += 1
                if live > depth_max:
                    depth_max = live
                # advance the source; drop it from the heap when it runs out
                src[top].pos += 1
                if src[top].pos >= src[top].n:
                    size -= 1
                    heap[0] = heap[size]
                _sift_down(heap, size, 0, src)
            if c >= 0:
                _close_cell(c, run_start, run_end, T, longest, depth_max, gap_eps_s,
                            covered_s, accesses, n_gaps, sum_gap_s, sum_gap_sq, max_gap_s,
                            max_depth)
    finally:
        free(src)
        free(heap)


cdef void _close_cell(long long c, double run_start, double run_end, double T, double longest,
                      double depth_max, double gap_eps_s, double[::1] covered_s,
                      double[::1] accesses, double[::1] n_gaps, double[::1] sum_gap_s,
                      double[::1] sum_gap_sq, double[::1] max_gap_s,
                      double[::1] max_depth) noexcept nogil:
    """The last access of cell c and the gap after it (to the window end T)."""
    covered_s[c] += run_end - run_start
    accesses[c] += 1.0
    cdef double gap = T - run_end
    if gap > longest:
        longest = gap
    _add_gap(c, gap, gap_eps_s, n_gaps, sum_gap_s, sum_gap_sq)
    if longest > gap_eps_s and longest > max_gap_s[c]:
        max_gap_s[c] = longest
    if depth_max > max_depth[c]:
        max_depth[c] = depth_max
