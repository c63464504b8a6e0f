"""The compiled coverage sweep (sim/engine/_sweep.pyx, through sim.engine.coverage.gap_sums) against a
plain per-cell brute force on random sources (hypothesis).

The brute force follows the definitions of sim/engine/coverage.py's docstring directly: the
union is built by sorting each cell's intervals and joining those that overlap or touch;
gaps are the complements in [0, T]; the overlap depth is the largest number of intervals
containing the midpoint of any elementary piece between consecutive event times (so
intervals that only touch never overlap).
"""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.intervals import Intervals
from sim.engine.coverage import gap_sums

T_S = 100.0
EPS = 1e-6


def brute(n_cells, sources, window_end):
    rows = []
    for c in range(n_cells):
        ivs = sorted((s, e) for src in sources for cc, s, e in
                     zip(src.cell, src.start_s, src.end_s) if cc == c)
        union = []
        for s, e in ivs:
            if union and s <= union[-1][1] + EPS:
                union[-1][1] = max(union[-1][1], e)
            else:
                union.append([s, e])
        T = window_end[c]
        edges = [0.0] + [x for u in union for x in u] + [T]
        gaps = [b - a for a, b in zip(edges[0::2], edges[1::2])]
        real = [g for g in gaps if g > EPS]
        times = sorted({x for s, e in ivs for x in (s, e)})
        depth = 0
        for a, b in zip(times[:-1], times[1:]):
            mid = 0.5 * (a + b)
            depth = max(depth, sum(1 for s, e in ivs if s < mid < e))
        rows.append((sum(e - s for s, e in union), len(union), len(real), sum(real),
                     sum(g * g for g in real), max(real, default=0.0), depth))
    return np.array(rows)


@st.composite
def sources(draw):
    n_cells = draw(st.integers(1, 5))
    out = []
    for _ in range(draw(st.integers(1, 4))):
        k = draw(st.integers(0, 12))
        cell = np.array(draw(st.lists(st.integers(0, n_cells - 1), min_size=k, max_size=k)),
                        dtype=np.int64)
        # Times on a 0.5 s lattice, so touching and identical ends are common.
        a = np.array(draw(st.lists(st.integers(0, 200), min_size=k, max_size=k))) * 0.5
        b = np.array(draw(st.lists(st.integers(1, 40), min_size=k, max_size=k))) * 0.5
        iv = Intervals(cell, a, np.minimum(a + b, T_S), np.zeros(k))
        iv = iv.take(iv.end_s > iv.start_s)
        out.append(iv.merged() if iv.size else iv)     # sources are merged per source
    return n_cells, out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sources(), st.booleans())
def test_sweep_matches_brute_force(case, per_cell_window):
    n_cells, srcs = case
    window = np.full(n_cells, T_S)
    if per_cell_window:
        window = T_S + 1.5 * np.arange(n_cells)    # per-cell window ends (sim/engine/laps.py)
    got = gap_sums(n_cells, window, srcs)
    want = brute(n_cells, srcs, window)
    seen = want[:, 1] > 0
    np.testing.assert_allclose(got.covered_s, want[:, 0], atol=1e-9)
    np.testing.assert_array_equal(got.accesses, want[:, 1])
    # never-seen cells: one gap of the whole window
    np.testing.assert_array_equal(got.n_gaps, np.where(seen, want[:, 2], 1))
    np.testing.assert_allclose(got.sum_gap_s, np.where(seen, want[:, 3], window), atol=1e-9)
    np.testing.assert_allclose(got.sum_gap_sq, np.where(seen, want[:, 4], window ** 2), atol=1e-6)
    np.testing.assert_allclose(got.max_gap_s, np.where(seen, want[:, 5], window), atol=1e-9)
    np.testing.assert_array_equal(got.max_simultaneous, want[:, 6])
