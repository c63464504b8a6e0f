"""The numpy fallback of each compiled loop (sim/_fallback/) against the compiled module
(sim/_*.pyx) on random input drawn by hypothesis: the same intervals, sums and answers.
Every input honours the preconditions in the .pyx docstrings (sorted, merged per source,
touch_s >= 0); the expected values are the compiled loop's own, the independent
implementation being the point. Tolerances are a few ulps of the values compared: the two
do the same arithmetic, in a different order only where a sum is regrouped."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sim.engine import _arcs, _expand, _sweep
from sim.platforms import _orbit
from sim.world import _terrain_los
from sim.engine import _arcs_numpy as arcs, _expand_numpy as expand, _sweep_numpy as sweep
from sim.platforms import _orbit_numpy as orbit
from sim.world import _terrain_los_numpy as terrain_los
from scipy.ndimage import maximum_filter

from sim.world.terrain import (TERRAIN_CHUNK_SAMPLES, TERRAIN_SAMPLES_PER_SPACING,
                               TERRAIN_TILE_NODES, _tile_maxima, los_grid)

SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=40, deadline=None)


def _close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)


@FEW
@given(SEEDS, st.integers(0, 50))
def test_orbit_state(seed, n):
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1e6, 1e6, n)
    args = (*rng.uniform(-7, 7, 2) * [1, 1e-6], *rng.uniform(-7, 7, 1), 1e-3 * rng.uniform(0.5, 1.5),
            rng.uniform(0, 7), 7.29e-5, rng.uniform(0, math.pi))
    for got, want in zip(orbit.orbit_state(t, *args), _orbit.orbit_state(t, *args)):
        _close(got, want)


def _sorted_merged(rng, n, lo, hi, grid=0.25):
    """n non-overlapping sorted intervals in [lo, hi] on a coarse time grid (ties happen)."""
    pts = np.sort(rng.choice(np.arange(lo, hi + grid, grid), size=2 * n, replace=False))
    return pts[0::2], pts[1::2]


@FEW
@given(SEEDS, st.integers(1, 12), st.integers(1, 6), st.sampled_from([0.0, 0.25, 1.0]))
def test_kept_copies_compressed(seed, n_cells, n_copies, touch_s):
    rng = np.random.default_rng(seed)
    period = 40.0
    cells = np.sort(rng.choice(1000, n_cells, replace=False)).astype(np.int64)
    lap_cell, lap_start, lap_end = [], [], []
    for c in cells:
        if rng.random() < 0.2:
            continue                                   # a cell the lap never sees
        s, e = _sorted_merged(rng, int(rng.integers(1, 5)), 0.0, period)
        lap_cell += [c] * s.size
        lap_start.append(s)
        lap_end.append(e)
    lap_cell = np.array(lap_cell, dtype=np.int64)
    lap_start = np.concatenate(lap_start) if lap_start else np.zeros(0)
    lap_end = np.concatenate(lap_end) if lap_end else np.zeros(0)
    lap_best = rng.uniform(0, 1, lap_cell.size)
    kept = rng.random((n_cells, n_copies)) < 0.6
    removed_before = (np.cumsum(~kept, axis=1) - ~kept).astype(np.int32)
    rows, ks = (a.astype(np.int64) for a in np.nonzero(kept))
    args = (lap_cell, lap_start, lap_end, lap_best, cells, rows, ks,
            np.ascontiguousarray(removed_before), rng.uniform(-100, 100), period,
            int(rng.integers(-3, 3)), rng.uniform(-200, 0), rng.uniform(0, 400), touch_s)
    got, want = expand.kept_copies_compressed(*args), _expand.kept_copies_compressed(*args)
    np.testing.assert_array_equal(got[0], want[0])
    for g, w in zip(got[1:], want[1:]):
        _close(g, w)


@FEW
@given(SEEDS, st.integers(1, 4), st.integers(1, 15), st.sampled_from([0.0, 0.25]),
       st.sampled_from([0.0, 0.5]))
def test_sweep(seed, n_sources, n_cells, touch_s, gap_eps_s):
    rng = np.random.default_rng(seed)
    m = n_cells + 3
    window_end = rng.choice([20.0, 50.0], m)
    cells, starts, ends = _random_sources(rng, n_sources, n_cells, window_end)
    init = rng.choice([0.0, 3.0], (7, m))               # the sums add to what is there
    out_got, out_want = init.copy(), init.copy()
    sweep.sweep(cells, starts, ends, window_end, touch_s, gap_eps_s, *out_got)
    _sweep.sweep(cells, starts, ends, window_end, touch_s, gap_eps_s, *out_want)
    _close(out_got, out_want)


def _random_sources(rng, n_sources, n_cells, window_end):
    """Sources of intervals, each sorted by (cell, start) and merged, on some of the cells."""
    cells, starts, ends = [], [], []
    for _ in range(n_sources):
        c_list, s_list, e_list = [], [], []
        for c in np.sort(rng.choice(window_end.size, n_cells, replace=False)):
            if rng.random() < 0.3:
                continue
            s, e = _sorted_merged(rng, int(rng.integers(1, 5)), 0.0, window_end[c])
            c_list += [c] * s.size
            s_list.append(s)
            e_list.append(e)
        cells.append(np.array(c_list, dtype=np.int64))
        starts.append(np.concatenate(s_list) if s_list else np.zeros(0))
        ends.append(np.concatenate(e_list) if e_list else np.zeros(0))
    return cells, starts, ends


@FEW
@given(SEEDS, st.integers(1, 4), st.integers(1, 15), st.sampled_from([0.0, 0.25]),
       st.sampled_from([0.0, 0.5]))
def test_union_rows(seed, n_sources, n_cells, touch_s, gap_eps_s):
    rng = np.random.default_rng(seed)
    cells, starts, ends = _random_sources(rng, n_sources, n_cells,
                                          rng.choice([20.0, 50.0], n_cells + 3))
    got = sweep.union_rows(cells, starts, ends, touch_s, gap_eps_s)
    want = _sweep.union_rows(cells, starts, ends, touch_s, gap_eps_s)
    for k in (0, 3):                                   # cell and rank: integers
        np.testing.assert_array_equal(got[k], want[k])
    for k in (1, 2, 4, 5):
        _close(got[k], want[k])


@FEW
@given(SEEDS, st.integers(1, 4), st.integers(1, 15), st.sampled_from([0.0, 0.25]))
def test_union_rows_on_some_cells_into_given_arrays(seed, n_sources, n_cells, touch_s):
    """union_rows reading each source only through the row ranges of some cells (found by
    binary search) and writing into given longer arrays gives, in both loops, exactly
    union_rows of the sources cut to those cells; arrays one row too short raise
    OverflowError without a write past their end."""
    rng = np.random.default_rng(seed)
    cells, starts, ends = _random_sources(rng, n_sources, n_cells,
                                          rng.choice([20.0, 50.0], n_cells + 3))
    some = np.sort(rng.choice(n_cells + 3, int(rng.integers(0, n_cells + 4)), replace=False))
    ranges = [(np.searchsorted(c, some, side="left"), np.searchsorted(c, some, side="right"))
              for c in cells]
    keep = [np.isin(c, some) for c in cells]
    room = sum(int(k.sum()) for k in keep) + 3
    for loop in (sweep, _sweep):
        want = loop.union_rows([c[k] for c, k in zip(cells, keep)],
                               [s[k] for s, k in zip(starts, keep)],
                               [e[k] for e, k in zip(ends, keep)], touch_s, 0.0)
        out = (np.full(room, -7, np.int64), np.full(room, -7.0), np.full(room, -7.0),
               np.full(room, -7, np.int64), np.full(room, -7.0), np.full(room, -7.0))
        got = loop.union_rows(cells, starts, ends, touch_s, 0.0, ranges, out)
        for k in range(6):
            assert got[k].size == 0 or np.shares_memory(got[k], out[k])
            np.testing.assert_array_equal(got[k], want[k])
        with pytest.raises(ValueError):                # a range ending before it starts
            loop.union_rows(cells, starts, ends, touch_s, 0.0,
                            [(np.array([1]), np.array([0]))] * len(cells), out)
        if want[0].size:                               # one row short: said, not overrun
            exact = tuple(np.full(want[0].size, -7, a.dtype) for a in out)
            with pytest.raises(OverflowError):
                loop.union_rows(cells, starts, ends, touch_s, 0.0, ranges,
                                tuple(a[:-1] for a in exact))
            assert all(a[-1] == -7 for a in exact)


@FEW
@given(SEEDS, st.integers(0, 60), st.integers(0, 6), st.sampled_from([0, 1, 2]),
       st.sampled_from([0, 1, 2]), st.booleans(), st.booleans())
def test_arc_cell_intervals(seed, m, n_cross, kind, sides, squint, min_angle):
    rng = np.random.default_rng(seed)
    d_abc = np.ascontiguousarray(np.r_[rng.uniform(-0.3, 0.3, (2, m)), rng.uniform(0.6, 1.0, (1, m))])
    g_abc, f_abc = (rng.uniform(-0.2, 0.2, (3, m)) for _ in range(2))
    crossings = rng.uniform(-1, 1, (n_cross, 3, m))
    crossings[:, 2] *= rng.uniform(0, 2)                # some boundaries have no root
    args = (d_abc, np.ascontiguousarray(g_abc), np.ascontiguousarray(f_abc),
            np.ascontiguousarray(crossings), rng.uniform(0.01, 2 * math.pi),
            rng.uniform(0.6, 0.95), rng.uniform(0.95, 1.0) if min_angle else 2.0, kind, sides,
            rng.uniform(0, 2) if squint else -1.0, rng.uniform(0.05, 0.3),
            rng.uniform(0.01, 0.2), rng.uniform(0.01, 0.5))
    got, want = arcs.arc_cell_intervals(*args), _arcs.arc_cell_intervals(*args)
    np.testing.assert_array_equal(got[0], want[0])
    for g, w in zip(got[1:], want[1:]):
        _close(g, w)


def _terrain(rng, even: bool, lon_360: bool, seam: bool = False):
    """A random rough surface of 21 x 25 nodes over 4 x 4 degrees, as the engine hands it
    to the loop (sim.world.terrain.los_grid); seam: its east edge on the seam of its
    longitudes (180 deg, or 360 deg with lon_360)."""
    lat0, lon0 = 30.0, (250.0 if lon_360 else -110.0)
    if seam:
        lon0 = 356.0 if lon_360 else 176.0
    lat, lon = np.linspace(lat0, lat0 + 4, 21), np.linspace(lon0, lon0 + 4, 25)
    if not even:                                         # nodes moved by up to 30 % of a spacing
        lat[1:-1] += rng.uniform(-0.3, 0.3, lat.size - 2) * (4 / 20)
        lon[1:-1] += rng.uniform(-0.3, 0.3, lon.size - 2) * (4 / 24)
    elev = rng.uniform(0, 1, (lat.size, lon.size)) ** 3 * 3000.0
    return los_grid(lat, lon, elev)


def _unit(lat_deg, lon_deg):
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    return np.ascontiguousarray(np.c_[np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _rays(rng, g, lon_360: bool, k: float, n: int = 400):
    """Arguments of rays_blocked for n random rays from platforms around the terrain to
    cells on it, and n."""
    lon0 = g["lon"][0]
    cells = _unit(rng.uniform(30.2, 33.8, n), rng.uniform(lon0 + 0.2, lon0 + 3.8, n))
    platform = _unit(rng.uniform(29, 35, n), rng.uniform(lon0 - 1, lon0 + 5, n))
    h = rng.uniform(50.0, 20_000.0, n)
    radius = 6_371_000.0
    lat_c = np.degrees(np.arcsin(cells[:, 2]))
    lon_c = np.degrees(np.arctan2(cells[:, 1], cells[:, 0]))
    cell_elev = terrain_los.elevations(lat_c, np.mod(lon_c, 360.0) if lon_360 else lon_c,
                                       g["lat"], g["lon"], g["lat_uniform"], g["lon_uniform"],
                                       g["elev"])
    r_c = k * radius + cell_elev + 2.0
    # the loop's precondition: samples a third of the smallest node spacing apart (as
    # Terrain computes spacing_m)
    spacing_m = radius * math.radians(min(np.diff(g["lat"]).min(),
                                          np.diff(g["lon"]).min() * math.cos(math.radians(34))))
    step_e = spacing_m / (TERRAIN_SAMPLES_PER_SPACING * k * radius)
    top = np.full(n, g["elev"].max())
    return (platform, h, cells, r_c, k, radius, float(g["elev"].max()), top, 100_000.0, step_e,
            g["lat"], g["lon"], g["lat_uniform"], g["lon_uniform"], lon_360, g["elev"],
            g["tile_max"], TERRAIN_TILE_NODES, g["fine_max"], TERRAIN_CHUNK_SAMPLES,
            TERRAIN_SAMPLES_PER_SPACING), n


@settings(max_examples=15, deadline=None)
@given(SEEDS, st.booleans(), st.booleans(), st.sampled_from([1.0, 4.0 / 3.0]))
def test_rays_blocked_and_elevations(seed, even, lon_360, k):
    rng = np.random.default_rng(seed)
    g = _terrain(rng, even, lon_360)
    args, n = _rays(rng, g, lon_360, k)
    lon0 = g["lon"][0]
    got, want = terrain_los.rays_blocked(*args), _terrain_los.rays_blocked(*args)
    assert 0 < want.sum() < n                           # both answers occur
    np.testing.assert_array_equal(got, want)
    q_lat, q_lon = rng.uniform(29.9, 34.1, 500), rng.uniform(lon0 - 0.1, lon0 + 4.1, 500)
    _close(terrain_los.elevations(q_lat, q_lon, g["lat"], g["lon"], g["lat_uniform"],
                                  g["lon_uniform"], g["elev"]),
           _terrain_los.elevations(q_lat, q_lon, g["lat"], g["lon"], g["lat_uniform"],
                                   g["lon_uniform"], g["elev"]))


def _margin_args(rng, g, n: int):
    """The arguments rays_margin adds to rays_blocked's for n rays over the terrain g, with
    tau_cap 0.5-2 s (one per ray): slope tables built as the engine builds them (a dilated per-cell slope,
    then tile maxima), so that the loop's skips are exact."""
    raw = rng.uniform(0.0, 0.6, g["elev"].shape)
    fine, near = (np.ascontiguousarray(maximum_filter(raw, size=size, mode="nearest"))
                  for size in (5, 3))                   # far and near reach
    tiles = [np.ascontiguousarray(_tile_maxima(x, TERRAIN_TILE_NODES)) for x in (fine, near)]
    return (fine, tiles[0], near, tiles[1], float(fine.max()), rng.uniform(1e-3, 0.05, n),
            rng.uniform(1e-3, 0.05, n), rng.uniform(0.0, 0.1, n), rng.uniform(0, 40e3, n),
            rng.uniform(0.5, 2.0, n))


@settings(max_examples=15, deadline=None)
@given(SEEDS, st.booleans(), st.booleans(), st.sampled_from([1.0, 4.0 / 3.0]))
def test_rays_margin(seed, even, lon_360, k):
    """Only the samples' own margins count (the loop's skips are exact, _margin_args)."""
    rng = np.random.default_rng(seed)
    g = _terrain(rng, even, lon_360)
    args, n = _rays(rng, g, lon_360, k)
    more = _margin_args(rng, g, n)
    got = terrain_los.rays_margin(*args, *more)
    want = _terrain_los.rays_margin(*args, *more)
    # every kind of answer occurs: capped, clear, blocked, blocked beyond the cap
    cap = more[-1]
    assert (want == cap).any() and ((want >= 0) & (want < cap)).any()
    assert ((want < 0) & (want > -cap)).any() and (want <= -cap).any()
    np.testing.assert_array_equal(got < 0, want < 0)
    _close(got, want)


@settings(max_examples=8, deadline=None)
@given(SEEDS, st.booleans(), st.sampled_from([1.0, 4.0 / 3.0]))
def test_rays_across_the_seam(seed, lon_360, k):
    """Rays from platforms beyond the seam of the grid's longitudes: chunks whose
    longitudes jump by 360 deg are sampled on the exact great circle, without skips, by
    both versions; both functions agree, and the margin is negative exactly where
    rays_blocked is True."""
    rng = np.random.default_rng(seed)
    g = _terrain(rng, True, lon_360, seam=True)
    args, n = _rays(rng, g, lon_360, k)
    platform_lon = np.degrees(np.arctan2(args[0][:, 1], args[0][:, 0])) % 360.0
    assert ((platform_lon > 0.0) & (platform_lon < g["lon"][0] - 180.0) if lon_360
            else platform_lon > 180.0).any()                 # some rays cross the seam
    got, want = terrain_los.rays_blocked(*args), _terrain_los.rays_blocked(*args)
    assert 0 < want.sum() < n
    np.testing.assert_array_equal(got, want)
    more = _margin_args(rng, g, n)
    got_m, want_m = terrain_los.rays_margin(*args, *more), _terrain_los.rays_margin(*args, *more)
    np.testing.assert_array_equal(want_m < 0, want)
    np.testing.assert_array_equal(got_m < 0, want_m < 0)
    _close(got_m, want_m)
