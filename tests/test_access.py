"""The exact access engine against dense brute-force sampling of the same sensor rule.

Expected values come from an independent computation: Sensor.visible sampled every DT_S
over the segment; every interval edge of the exact engine must lie within DT_S of a
sampled transition, and the number of intervals must match (short accesses included).
"""
import math
from datetime import datetime, timezone

import numpy as np
from scipy.spatial import cKDTree

from sim.world import earth
from sim.engine.access import arc_segment_intervals, orbit_segment_intervals, replicate_laps
from sim.engine.intervals import Intervals
from sim.platforms.segments import great_circle_leg, orbit_segment, small_circle_arc
from sim.schema import EarthSpec, OrbitTrack, SensorSpec
from sim.platforms.sensors import Sensor

R = 6_371_000.0
EARTH = EarthSpec()
DT_S = 0.05


def _cells_near(center_u, radius_rad, n, seed):
    """n random cells within radius of center (uniform in angle, enough for coverage)."""
    rng = np.random.default_rng(seed)
    bearings = rng.uniform(0, 2 * np.pi, n)
    dist = radius_rad * np.sqrt(rng.uniform(0, 1, n))
    return earth.destination(np.broadcast_to(center_u, (n, 3)), bearings, dist)


def _brute(segment, sensor, cells_u, dt_s=DT_S):
    """Intervals per cell from Sensor.visible sampled every dt_s over the segment."""
    t = np.arange(segment.t0_s, segment.t1_s + dt_s / 2, dt_s)
    t = np.minimum(t, segment.t1_s)
    pos = segment.position_u(t)
    vel = segment.velocity_m_s(t, R)
    vel = vel / np.linalg.norm(vel, axis=1, keepdims=True)
    seen = sensor.visible(pos[:, None, :], segment.altitude_m, vel[:, None, :], cells_u[None, :, :])
    out = []
    for j in range(cells_u.shape[0]):
        s = seen[:, j].astype(np.int8)
        edges = np.diff(np.r_[0, s, 0])
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
        out.append([(t[a], t[b]) for a, b in zip(starts, ends)])
    return out


def _compare(exact: Intervals, brute, n_cells, tol_s):
    merged = exact.merged()
    for j in range(n_cells):
        mine = [(s, e) for c, s, e in zip(merged.cell, merged.start_s, merged.end_s) if c == j]
        ref = brute[j]
        assert len(mine) == len(ref), (j, mine, ref)
        for (s, e), (rs, re_) in zip(mine, ref):
            assert abs(s - rs) <= tol_s and abs(e - re_) <= tol_s, (j, (s, e), (rs, re_))


def _run_arc(segment, sensor, cells_u):
    tree = cKDTree(cells_u)
    return arc_segment_intervals(segment, sensor, cells_u, tree)


def test_leg_conic_matches_brute_force():
    a = earth.unit_vector(31.0, -112.0)
    b = earth.destination(a, math.radians(80), 120e3 / R)
    leg = great_circle_leg(a, b, 10.0, 183.0, R, 21_000.0)
    sensor = Sensor(SensorSpec("cam", "conic", min_elevation_rad=math.radians(10),
                               max_off_nadir_rad=math.radians(60)), EARTH)
    cells = _cells_near(a, 220e3 / R, 250, 1)
    exact = _run_arc(leg, sensor, cells)
    _compare(exact, _brute(leg, sensor, cells), cells.shape[0], DT_S)
    assert exact.size > 15     # the case is not vacuous


def test_turn_side_looking_squint_matches_brute_force():
    center = earth.unit_vector(32.0, -110.0)
    start = earth.destination(center, math.radians(0), 15e3 / R)
    turn = small_circle_arc(start, center, math.pi, True, 0.0, 150.0, R, 9_000.0, "turn")
    sensor = Sensor(SensorSpec("sar", "side-looking", near_range_m=20e3, far_range_m=120e3,
                               sides="right", max_squint_rad=math.radians(10)), EARTH)
    cells = _cells_near(center, 140e3 / R, 300, 2)
    exact = _run_arc(turn, sensor, cells)
    _compare(exact, _brute(turn, sensor, cells), cells.shape[0], DT_S)
    assert exact.size > 20


def test_loiter_nadir_swath_both_sides_matches_brute_force():
    center = earth.unit_vector(30.0, -100.0)
    start = earth.destination(center, math.radians(90), 30e3 / R)
    circle = small_circle_arc(start, center, 2 * math.pi, False, 0.0, 120.0, R, 7_500.0, "loiter")
    sensor = Sensor(SensorSpec("frame", "nadir-swath", half_angle_rad=math.radians(30),
                               along_half_angle_rad=math.radians(10)), EARTH)
    cells = _cells_near(center, 45e3 / R, 300, 3)
    exact = _run_arc(circle, sensor, cells)
    _compare(exact, _brute(circle, sensor, cells), cells.shape[0], DT_S)
    assert exact.size > 50


def test_side_looking_both_sides_leg():
    a = earth.unit_vector(20.0, 10.0)
    b = earth.destination(a, math.radians(200), 90e3 / R)
    leg = great_circle_leg(a, b, 0.0, 200.0, R, 15_000.0)
    sensor = Sensor(SensorSpec("slar", "side-looking", near_range_m=10e3, far_range_m=80e3,
                               sides="both", max_squint_rad=math.radians(5)), EARTH)
    cells = _cells_near(earth.destination(a, math.radians(200), 45e3 / R), 100e3 / R, 300, 4)
    exact = _run_arc(leg, sensor, cells)
    _compare(exact, _brute(leg, sensor, cells), cells.shape[0], DT_S)
    assert exact.size > 20


def test_orbit_conic_and_swath_match_brute_force():
    start = datetime(2025, 2, 3, tzinfo=timezone.utc)
    seg = orbit_segment(OrbitTrack(617e3, math.radians(97.9), math.radians(15), 0.0),
                        earth.julian_date(start), 0.0, 900.0)
    mid = seg.position_u(np.array([450.0]))[0]
    cells = _cells_near(mid, 900e3 / R, 300, 5)
    tree = cKDTree(cells)
    for spec in (SensorSpec("cone", "conic", min_elevation_rad=math.radians(30)),
                 SensorSpec("swath", "nadir-swath", half_angle_rad=math.radians(20))):
        sensor = Sensor(spec, EARTH)
        exact = orbit_segment_intervals(seg, sensor, cells, tree)
        _compare(exact, _brute(seg, sensor, cells, dt_s=0.05), cells.shape[0], 0.06)
        assert exact.size > 10


def test_replicate_laps_shifts_and_merges_across_laps():
    # One lap of 100 s with a cell seen over [90, 100] and [0, 5]: across lap joins the two
    # pieces touch and must merge into [90 + 100 k, 105 + 100 k].
    lap = Intervals(np.array([0, 0]), np.array([0.0, 90.0]), np.array([5.0, 100.0]),
                    np.array([1.0, 1.0]))
    out = replicate_laps(lap, 100.0, 0.0, (0.0, 350.0))
    got = list(zip(out.start_s.tolist(), out.end_s.tolist()))
    assert got == [(0.0, 5.0), (90.0, 105.0), (190.0, 205.0), (290.0, 305.0)]


def test_replicate_laps_equals_a_loop_over_copies():
    """Several cells, an origin and a window off the lap grid, pieces that touch across the
    joins (best_cos the max of the merged parts): the same as shifting every lap copy by
    hand, clipping to the window and merging in a plain loop."""
    rng = np.random.default_rng(3)
    period, origin, window = 50.0, -7.5, (3.0, 412.0)
    cells, starts, ends = [], [], []
    for c in (2, 5, 9):
        cuts = np.sort(rng.choice(np.arange(1, 50), 6, replace=False)).astype(float)
        cuts = np.r_[0.0, cuts, 50.0] if c == 5 else cuts       # cell 5 touches both ends
        for a, b in zip(cuts[::2], cuts[1::2]):
            cells.append(c), starts.append(a), ends.append(b)
    lap = Intervals(np.array(cells), np.array(starts), np.array(ends),
                    rng.uniform(0.5, 1.0, len(cells)))
    expected = []
    for c in (2, 5, 9):
        pieces = []
        for k in range(-2, 12):
            for i in np.flatnonzero(lap.cell == c):
                a = max(lap.start_s[i] + origin + k * period, window[0])
                b = min(lap.end_s[i] + origin + k * period, window[1])
                if b > a:
                    pieces.append([a, b, lap.best_cos[i]])
        pieces.sort()
        merged = [pieces[0]]
        for a, b, best in pieces[1:]:
            if a <= merged[-1][1] + 1e-6:
                merged[-1][1] = max(merged[-1][1], b)
                merged[-1][2] = max(merged[-1][2], best)
            else:
                merged.append([a, b, best])
        expected += [(c, a, b, best) for a, b, best in merged]
    out = replicate_laps(lap, period, origin, window)
    got = list(zip(out.cell.tolist(), out.start_s.tolist(), out.end_s.tolist(),
                   out.best_cos.tolist()))
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=0, atol=1e-9)


def test_empty_band_gives_no_intervals():
    a = earth.unit_vector(0.0, 0.0)
    leg = great_circle_leg(a, earth.destination(a, 0.0, 0.01), 0.0, 200.0, R, 20_000.0)
    sensor = Sensor(SensorSpec("short", "conic", max_range_m=10_000.0), EARTH)  # < altitude
    cells = _cells_near(a, 0.01, 20, 6)
    assert _run_arc(leg, sensor, cells).size == 0


def test_segmented_cummax_matches_a_loop():
    from sim.engine.intervals import segmented_cummax
    rng = np.random.default_rng(7)
    cell = np.sort(rng.integers(0, 50, 2000))
    values = rng.uniform(0, 1e5, 2000)
    want = values.copy()
    for k in range(1, values.size):
        if cell[k] == cell[k - 1]:
            want[k] = max(want[k], want[k - 1])
    assert np.array_equal(segmented_cummax(values, cell), want)


def test_touching_intervals_merge_at_large_cell_indices():
    # A lap join at t = 6e5 s (a week) in cell 5e6: the two pieces touch to 1e-7 s. With a
    # cell * span offset, float64 near 5e6 * 2.4e6 s resolves only ~2e-3 s and they did not
    # merge (one access counted twice).
    t = 604_800.0 / 7 * 6.9999999
    iv = Intervals(np.array([5_000_000, 5_000_000]), np.array([t - 500.0, t + 1e-7]),
                   np.array([t, t + 300.0]), np.ones(2)).merged()
    assert iv.size == 1 and iv.start_s[0] == t - 500.0 and iv.end_s[0] == t + 300.0
