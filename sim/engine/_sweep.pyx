# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""One pass over a cell's access intervals: union, gaps and overlap depth (Cython); and
the union alone, one row per access, for the window's layers (union_rows).

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
    Py_ssize_t n, pos          # rows pos .. n - 1 of the current range are still to come
    const long long* lo        # the source's row ranges lo[r] .. hi[r] - 1 (NULL: all rows)
    const long long* hi
    Py_ssize_t n_ranges, r


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


cdef inline int _advance(int* heap, int size, Source* src) noexcept nogil:
    """Move the heap's top source to its next interval, dropping it from the heap when it
    runs out; returns the heap's new size."""
    cdef int top = heap[0]
    src[top].pos += 1
    if src[top].pos >= src[top].n and not _next_range(&src[top]):
        size -= 1
        heap[0] = heap[size]
    _sift_down(heap, size, 0, src)
    return size


cdef inline bint _next_range(Source* s) noexcept nogil:
    """Move a source with row ranges to its next non-empty range; False when none is left
    (or it has no ranges)."""
    if s.lo == NULL:
        return False
    s.r += 1
    while s.r < s.n_ranges and s.lo[s.r] >= s.hi[s.r]:
        s.r += 1
    if s.r >= s.n_ranges:
        return False
    s.pos = s.lo[s.r]
    s.n = s.hi[s.r]
    return True


cdef int _open_sources(list cells, list starts, list ends, Source* src, int* heap,
                       list keep, list ranges=None) except -1:
    """Point src[k] at source k's arrays (kept alive in `keep`) and heapify the non-empty
    ones into heap; returns the heap's size. ranges: None, or per source a pair (lo, hi)
    of int64 arrays: only its rows lo[r] .. hi[r] - 1 are read, range after range (ranges
    in increasing row order, so the rows still come in (cell, start) order)."""
    cdef int k, size = 0
    cdef Py_ssize_t r
    cdef const long long[::1] c_mv, lo_mv, hi_mv
    cdef const double[::1] s_mv, e_mv
    for k in range(len(cells)):
        c_mv = cells[k]
        s_mv = starts[k]
        e_mv = ends[k]
        if c_mv.shape[0] != s_mv.shape[0] or c_mv.shape[0] != e_mv.shape[0]:
            raise ValueError("cell, start and end arrays differ in length")
        keep.append((c_mv, s_mv, e_mv))
        src[k].n = c_mv.shape[0]
        src[k].pos = 0
        src[k].lo = NULL
        src[k].hi = NULL
        if ranges is not None:
            lo_mv, hi_mv = ranges[k]
            if lo_mv.shape[0] != hi_mv.shape[0]:
                raise ValueError("lo and hi of a source's ranges differ in length")
            for r in range(lo_mv.shape[0]):
                if not 0 <= lo_mv[r] <= hi_mv[r] <= c_mv.shape[0] or (
                        r and lo_mv[r] < hi_mv[r - 1]):
                    raise ValueError("a source's ranges must be increasing and within its rows")
            keep.append((lo_mv, hi_mv))
        if src[k].n and ranges is not None:
            src[k].n_ranges = lo_mv.shape[0]
            src[k].r = -1
            src[k].lo = &lo_mv[0] if lo_mv.shape[0] else NULL
            src[k].hi = &hi_mv[0] if lo_mv.shape[0] else NULL
            src[k].n = 0
            if not _next_range(&src[k]):
                continue
        if src[k].n:
            src[k].cell = &c_mv[0]
            src[k].start = &s_mv[0]
            src[k].end = &e_mv[0]
            heap[size] = k
            size += 1
    for k in range(size // 2 - 1, -1, -1):
        _sift_down(heap, size, k, src)
    return size


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
    keep = []                                    # the memoryviews stay alive while we run
    cdef long long c = -1
    cdef double run_start = 0.0, run_end = 0.0, gap, longest = 0.0, s, e, T = 0.0, depth_max = 0.0
    cdef double ends_open[MAX_DEPTH]
    cdef Py_ssize_t live = 0, a
    cdef bint first_of_cell
    try:
        size = _open_sources(cells, starts, ends, src, heap, keep)
        with nogil:
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
                size = _advance(heap, size, src)
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


def union_rows(list cells, list starts, list ends, double touch_s, double gap_eps_s,
               list ranges=None, tuple out=None):
    """The union per cell of the sources' intervals, one row per access, with what the
    window's layers need of each (sim/view/layers.py): cells[k] (N_k,) int64, starts[k],
    ends[k] (N_k,) float64, each source sorted by (cell, start), merged on the fly as in
    `sweep` (accesses: the same touch_s rule). Returns six (R,) arrays in (cell, start)
    order: cell (int64), start, end, rank (int64: accesses of the cell before this one),
    covered_before (the covered time of those accesses, summed in order) and gap_max (the
    longest gap up to this access's start, the first running from 0; gaps not longer than
    gap_eps_s count as 0).
    ranges: optionally, per source (lo, hi) int64 arrays: read only its rows lo[r] ..
    hi[r] - 1 (e.g. the rows of some cells, found by binary search), with no copy.
    out: optionally six arrays of those types, of one length, to write into (the returned
    arrays are then their first R rows); OverflowError, after writing them full, when the
    union has more rows than they hold."""
    cdef int n_src = len(cells), k, size = 0, top
    cdef Py_ssize_t total = 0
    keep = []
    for k in range(n_src):
        if ranges is None:
            total += len(cells[k])
        else:
            total += int(np.sum(np.asarray(ranges[k][1]) - np.asarray(ranges[k][0])))
    if out is None:
        times_a = np.empty((4, total))               # start, end, covered_before, gap_max
        out = (np.empty(total, dtype=np.int64), times_a[0], times_a[1],
               np.empty(total, dtype=np.int64), times_a[2], times_a[3])
    cell_a, start_a, end_a, rank_a, cov_a, gmax_a = out
    cdef Py_ssize_t room = min(len(a) for a in out)
    cdef bint overflow = False
    cdef long long[::1] o_cell = cell_a, o_rank = rank_a
    cdef double[::1] o_start = start_a, o_end = end_a, o_cov = cov_a, o_gmax = gmax_a
    cdef Source* src = <Source*>malloc(max(n_src, 1) * sizeof(Source))
    cdef int* heap = <int*>malloc(max(n_src, 1) * sizeof(int))
    cdef long long c = -1, rank = 0
    cdef double run_start = 0.0, run_end = 0.0, covered = 0.0, gap_max = 0.0, gap, s, e
    cdef Py_ssize_t n_out = 0
    try:
        size = _open_sources(cells, starts, ends, src, heap, keep, ranges)
        with nogil:
            while size > 0:
                top = heap[0]
                s = src[top].start[src[top].pos]
                e = src[top].end[src[top].pos]
                if src[top].cell[src[top].pos] != c or s > run_end + touch_s:
                    if c >= 0:                            # close the current access
                        if n_out >= room:
                            overflow = True
                            break
                        _put_row(n_out, c, run_start, run_end, rank, covered, gap_max,
                                 o_cell, o_start, o_end, o_rank, o_cov, o_gmax)
                        n_out += 1
                    if src[top].cell[src[top].pos] != c:  # a new cell
                        c = src[top].cell[src[top].pos]
                        rank = 0
                        covered = 0.0
                        gap = s                           # the gap before the first access
                        gap_max = gap if gap > gap_eps_s else 0.0
                    else:
                        rank += 1
                        covered += run_end - run_start
                        gap = s - run_end
                        if gap > gap_eps_s and gap > gap_max:
                            gap_max = gap
                    run_start = s
                    run_end = e
                elif e > run_end:
                    run_end = e
                size = _advance(heap, size, src)
            if c >= 0 and not overflow:
                if n_out >= room:
                    overflow = True
                else:
                    _put_row(n_out, c, run_start, run_end, rank, covered, gap_max,
                             o_cell, o_start, o_end, o_rank, o_cov, o_gmax)
                    n_out += 1
    finally:
        free(src)
        free(heap)
    if overflow:
        raise OverflowError("union_rows: the union has more rows than the output arrays hold")
    return (cell_a[:n_out], start_a[:n_out], end_a[:n_out], rank_a[:n_out], cov_a[:n_out],
            gmax_a[:n_out])


cdef inline void _put_row(Py_ssize_t n, long long c, double start, double end, long long rank,
                          double covered, double gap_max, long long[::1] o_cell,
                          double[::1] o_start, double[::1] o_end, long long[::1] o_rank,
                          double[::1] o_cov, double[::1] o_gmax) noexcept nogil:
    """Write row n of union_rows' output."""
    o_cell[n] = c
    o_start[n] = start
    o_end[n] = end
    o_rank[n] = rank
    o_cov[n] = covered
    o_gmax[n] = gap_max
