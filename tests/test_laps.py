"""Lap compression (sim/engine/laps.py) against full expansion, on random cases (hypothesis).

The definition is the full expansion: every copy of the lap over the window, plus the sparse
intervals, merged, then the figures of sim.engine.coverage. The compressed timeline plus whole-lap
sums times the removed copies (day and night kinds) must give the same sums.
"""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.access import replicate_laps
from sim.engine.intervals import Intervals
from sim.engine.coverage import GapSums, gap_sums, lap_sums
from sim.engine.laps import LapCopies, compress


def _lap(rng, n_cells, period, wrap):
    """Random merged lap intervals (lap-relative) for cells 0..n-1; optionally touching
    both 0 and P so that copies join across lap boundaries."""
    cells, s0, s1 = [], [], []
    for c in range(n_cells):
        cuts = np.sort(rng.uniform(0, period, 2 * rng.integers(0, 3)))
        pairs = list(zip(cuts[0::2], cuts[1::2]))
        if wrap and c % 2 == 0:
            pairs = [(0.0, period * 0.1)] + [p for p in pairs if p[0] > period * 0.1] + [(period * 0.9, period)]
            pairs = [p for i, p in enumerate(pairs) if i == 0 or i == len(pairs) - 1 or p[1] < period * 0.9]
        for a, b in pairs:
            if b > a:
                cells.append(c)
                s0.append(a)
                s1.append(b)
    iv = Intervals(np.array(cells, dtype=np.int64), np.array(s0), np.array(s1), np.ones(len(cells)))
    return iv.merged()


def _sums_equal(a: GapSums, b: GapSums, cells):
    for key in ("covered_s", "accesses", "n_gaps", "sum_gap_s", "sum_gap_sq", "max_gap_s",
                "max_simultaneous"):
        x, y = getattr(a, key)[cells], getattr(b, key)[cells]
        assert np.allclose(x, y, rtol=1e-9, atol=1e-6), (key, x, y)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_laps=st.floats(3.2, 40.0), phase=st.floats(0.0, 1.0),
       start=st.floats(0.0, 500.0), n_sparse=st.integers(0, 12), wrap=st.booleans(),
       with_day=st.booleans())
def test_compression_equals_full_expansion(seed, n_laps, phase, start, n_sparse, wrap, with_day):
    rng = np.random.default_rng(seed)
    n_cells, period = 6, 100.0
    origin = start - phase * period
    window = (start, start + n_laps * period)
    T = window[1] + rng.uniform(0, 300.0)
    copies = LapCopies.of(period, origin, window)
    if copies is None or not copies.removable:
        return
    base = _lap(rng, n_cells, period, wrap)
    day = _lap(rng, n_cells, period, False) if with_day else Intervals.empty()
    # Sparse intervals anywhere in [0, T], merged (like another platform's full intervals).
    sc = rng.integers(0, n_cells, n_sparse)
    ss = rng.uniform(0, T, n_sparse)
    sparse = Intervals(sc.astype(np.int64), ss, np.minimum(ss + rng.uniform(1, 80, n_sparse), T),
                       np.ones(n_sparse)).merged()
    # "Sun up" by cell: a day of 700 s and a night of 500 s, offset per cell (a lap of 100 s
    # is shorter than half of either, as compress requires).
    offset = rng.uniform(0, 1200, n_cells)

    def up(t, c):
        return np.mod(np.asarray(t) + offset[np.asarray(c)], 1200.0) < 700.0

    def sun_up(times, cells):
        return up(np.asarray(times)[None, :], np.asarray(cells)[:, None])

    def daylight(iv):
        # The exact day mask of this toy sun: cut intervals at day/night edges.
        out_c, out_s, out_e = [], [], []
        for c, s, e in zip(iv.cell, iv.start_s, iv.end_s):
            edges = np.sort(np.r_[s, e, [x for x in (np.arange(-2, int(T / 1200) + 3) * 1200.0 - offset[c])
                                         for x in (x, x + 700.0) if s < x < e]])
            for a, b in zip(edges[:-1], edges[1:]):
                if b > a and up(0.5 * (a + b), c):
                    out_c.append(c); out_s.append(a); out_e.append(b)
        return Intervals(np.array(out_c, dtype=np.int64), np.array(out_s), np.array(out_e),
                         np.ones(len(out_c)))

    cells = np.arange(n_cells)
    # Full expansion: the definition.
    full_base = replicate_laps(base, period, origin, window)
    full_day = daylight(replicate_laps(day, period, origin, window)) if with_day else Intervals.empty()
    want = gap_sums(n_cells, T, [full_base, full_day, sparse])
    # Compressed.
    comp = compress(n_cells, T, copies, cells, [base], [sparse],
                    [day] if with_day else [], sun_up=sun_up if with_day else None,
                    daylight=[daylight] if with_day else [])
    got = gap_sums(n_cells, comp.window_end_s, comp.sources)
    got.add_scaled(lap_sums(n_cells, Intervals.concat([base, day]).merged(), period), comp.removed_day)
    got.add_scaled(lap_sums(n_cells, base, period), comp.removed_night)
    _sums_equal(got, want, cells)
