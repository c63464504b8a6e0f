"""sim/engine/terrain_refine.py: terrain cut out of access intervals without missing windows.

1. A ridge whose plateau the line of sight clears only while the platform is within a
   central angle lam* of the cell: a straight pass gives one window of a few seconds,
   computed by hand (spherical right triangle and a 3-D line, not the module's formulas),
   found to 0.05 s.
2. Property (hypothesis): random loiters and racetracks over random synthetic terrain,
   against a dense reference (the line of sight test every 0.1 s): no window of
   visibility or blockage longer than 1 s is missed, covered time within 2 s per access,
   and every margin the refinement trusts holds on the dense reference.
3. Each cell's own horizon (its elevation counted) cut in closed form along a loiter,
   against the rule checked every 0.1 s.
Kept small (tens of cells, short laps) so that the dense reference stays cheap.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from sim.world import earth as E
from sim.engine.access import source_intervals
from sim.engine.intervals import Intervals
from sim.engine.environment import Environment
from sim.world.terrain import OBSERVER_HEIGHT_M, TERRAIN_SAMPLES_PER_SPACING, observer_height_m
from sim.platforms.segments import great_circle_leg, small_circle_arc
from sim.engine.runner import Engine
from sim.scenario.load import load_scenario_text
from sim.schema import SensorSpec, TerrainSpec
from sim.engine.terrain_refine import (FIRST_STEP_S, ClearanceBound, ground_rate_rad_s,
                                       held_s, own_reach_cut, positions_along, terrain_cut)
from tests.test_environment import make_grid, make_scenario

R = 6_371_000.0
PLAIN = SensorSpec(name="plain", kind="horizon")


# ============================================================ 1. a window of a few seconds

def _chord_height_m(lam_rad, y_rad, r_p, r_c):
    """Height above the sphere (radius R) of the straight 3-D line from C = r_c (1, 0) to
    P = r_p (cos lam, sin lam) where its direction from the centre is at angle y from C:
    X = C + u (P - C) with X_y = tan(y) X_x."""
    u = math.tan(y_rad) * r_c / (r_p * math.sin(lam_rad)
                                 - math.tan(y_rad) * (r_p * math.cos(lam_rad) - r_c))
    x = r_c + u * (r_p * math.cos(lam_rad) - r_c)
    y = u * r_p * math.sin(lam_rad)
    return math.hypot(x, y) - R


def test_short_window_over_a_ridge_found_to_tolerance(tmp_path):
    h, v, window_s = 7500.0, 100.0, 4.0
    dlon = 0.005
    lat = np.round(np.arange(-1.0, 1.0 + 1e-9, dlon), 6)
    lon = np.round(np.arange(-0.2, 1.5 + 1e-9, dlon), 6)
    # Profile samples lie s_j = j * step from the cell, step a third of the terrain spacing
    # (sim/world/terrain.py); the spacing is the east spacing at the grid's highest latitude.
    spacing = R * math.radians(dlon * math.cos(math.radians(1.0)))
    step = spacing / TERRAIN_SAMPLES_PER_SPACING
    # A north-south plateau (lon 0.18 .. 0.23 deg, the same at every latitude). The cell
    # on the equator is placed so that sample j* lies half a step beyond the plateau's near
    # edge: it is the first sample on the plateau, and the sample before it, half a step
    # short of the edge, is on the edge's slope at 5/6 of the plateau's height (far below
    # the ray there, which is only about 15 m lower).
    edge_deg = 0.18
    j_star = int(math.ceil(R * math.radians(edge_deg) / step)) + 1
    s_star = j_star * step
    cell_lon = edge_deg - math.degrees((s_star - 0.5 * step) / R)
    # The platform flies north along lon 0.9 deg: closest central angle lam_min at the
    # equator, and cos(lam) = cos(lam_min) cos(v (t - t_c) / R) (spherical right triangle).
    lam_min = math.radians(0.9 - cell_lon)
    half = 0.5 * window_s * v / R
    lam_star = math.acos(math.cos(lam_min) * math.cos(half))
    # The plateau's height: the ray's height at s* when lam = lam*, so that the cell is
    # seen exactly while lam <= lam*, i.e. for window_s around the closest approach.
    r_c = R + OBSERVER_HEIGHT_M
    plateau_m = _chord_height_m(lam_star, s_star / R, R + h, r_c)
    assert 500.0 < plateau_m < 2500.0
    elev = np.zeros((lat.size, lon.size))
    elev[:, (lon >= edge_deg - 1e-9) & (lon <= edge_deg + 0.05 + 1e-9)] = plateau_m
    path = tmp_path / "plateau.npz"
    np.savez(path, lat_deg=lat, lon_deg=lon, elevation_m=elev)
    env = Environment(make_scenario(terrain=TerrainSpec(source="file", path=str(path))),
                      make_grid([0.0], [cell_lon]))
    assert env.terrain.spacing_m == pytest.approx(spacing, rel=1e-12)
    leg = great_circle_leg(E.unit_vector(-1.5, 0.9), E.unit_vector(1.5, 0.9), 0.0, v, R, h)
    t_c = math.radians(1.5) * R / v                     # the equator crossing
    # Within 60 s of it the platform's azimuth from the cell stays within 6 km / 100 km,
    # which moves sample j* across the plateau's edge by at most s* (1 / cos - 1) = 36 m,
    # less than the half step (93 m) that separates them: j* stays the first sample on
    # the plateau. (Farther out, j* slides onto the edge's slope and the cell is seen over
    # the plateau through sample j* + 1: other, real windows of the sampled profile.)
    iv = Intervals(np.array([0]), np.array([t_c - 60.0]), np.array([t_c + 60.0]), np.ones(1))
    got = terrain_cut(env, PLAIN, [leg], iv)
    assert got.size == 1
    assert abs(got.start_s[0] - (t_c - 0.5 * window_s)) <= 0.05
    assert abs(got.end_s[0] - (t_c + 0.5 * window_s)) <= 0.05


# ============================================================ 2. property against 0.1 s

SCENARIO = """
name: property
time: {{start: 2025-03-20T12:00:00Z, duration: 1 h, step: 10 s}}
geography:
  synthetic: {{origin: {{lat: -0.25, lon: 0.0}}, azimuth: 0 deg, length: 60 km, own_side: left}}
grid: {{cell: 8 km, extent: 40 km, side: neighbour, land_only: false}}
terrain: '{terrain}'
airspace: {{overflight: permitted}}
platforms:
  - name: P
    class: medium-altitude-drone
    altitude: {altitude_m:.0f} m
    sensors:
      - {{name: eye, kind: horizon}}
    track: {track}
"""
DENSE_S = 0.1


def _bumps(path, seed):
    """Random terrain: 24 Gaussian hills of 300-3500 m, 2-10 km wide, on 0.01 deg nodes."""
    rng = np.random.default_rng(seed)
    lat = np.round(np.arange(-0.7, 0.7 + 1e-9, 0.01), 6)
    lon = np.round(np.arange(-0.3, 1.2 + 1e-9, 0.01), 6)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    elev = np.zeros(la.shape)
    for _ in range(24):
        c_lat, c_lon = rng.uniform(-0.5, 0.5), rng.uniform(0.0, 0.8)
        width = rng.uniform(2e3, 10e3) / 111e3
        elev += rng.uniform(300, 3500) * np.exp(-((la - c_lat) ** 2 + (lo - c_lon) ** 2)
                                                / (2 * width ** 2))
    np.savez(path, lat_deg=lat, lon_deg=lon, elevation_m=elev)


def _dense(env, spec, where, iv, k):
    """Dense reference for interval k: times every DENSE_S from its start, and the line of
    sight test there."""
    t = np.arange(iv.start_s[k], iv.end_s[k], DENSE_S)
    pos, alt = where(t)
    return t, env.terrain_allows(spec, pos, alt, np.full(t.size, iv.cell[k]))


def _runs(seen):
    """(start index, end index exclusive, value) of the runs of equal values."""
    edges = np.flatnonzero(np.diff(seen.astype(np.int8))) + 1
    starts, ends = np.r_[0, edges], np.r_[edges, seen.size]
    return list(zip(starts, ends, seen[starts]))


def _inside(cut: Intervals, cell, t):
    """(N,) bool: times t inside an interval of cut for this cell."""
    rows = cut.cell == cell
    a, b = cut.start_s[rows], cut.end_s[rows]
    return ((t[:, None] >= a[None, :]) & (t[:, None] <= b[None, :])).any(axis=1)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), loiter=st.booleans(), offset_km=st.floats(5.0, 60.0),
       size_km=st.floats(8.0, 40.0), heading=st.floats(0.0, 180.0),
       altitude_m=st.floats(4500.0, 9000.0))
def test_no_window_longer_than_a_second_is_missed(tmp_path, seed, loiter, offset_km,
                                                  size_km, heading, altitude_m):
    path = tmp_path / f"bumps{seed}.npz"
    _bumps(path, seed)
    centre = f"{{lat: 0.0, lon: {offset_km / 111.2 + 0.05:.5f}}}"
    track = (f"{{loiter: {{center: {centre}, radius: {size_km:.3f} km}}}}" if loiter else
             f"{{racetrack: {{center: {centre}, length: {2 * size_km:.3f} km, "
             f"heading: {heading:.2f} deg, width: 12 km}}}}")
    eng = Engine(load_scenario_text(SCENARIO.format(terrain=path, track=track,
                                                              altitude_m=altitude_m)))
    env, sensor, lap = eng.environment, eng.sensors[0][0], list(eng.tracks[0].lap)
    iv = source_intervals(eng.tracks[0], sensor, eng.grid.u, eng.tree, eng.window_s).lap
    iv = iv.take(np.random.default_rng(seed).permutation(iv.size)[:20])
    cut = terrain_cut(env, sensor.spec, lap, iv)
    where = positions_along(lap)
    bound = ClearanceBound(env, sensor.spec, ground_rate_rad_s(lap), iv.cell)
    for k in range(iv.size):
        t, seen = _dense(env, sensor.spec, where, iv, k)
        exact = _inside(cut, iv.cell[k], t)
        runs = _runs(seen)
        for a, b, value in runs:                 # every window over 1 s is found
            if (b - a) * DENSE_S > 1.0:
                assert exact[(a + b) // 2] == value
        # Covered time within 2 s per access.
        rows = cut.cell == iv.cell[k]
        covered = np.sum(np.clip(cut.end_s[rows], iv.start_s[k], iv.end_s[k])
                         - np.clip(cut.start_s[rows], iv.start_s[k], iv.end_s[k]))
        assert abs(covered - seen.sum() * DENSE_S) <= 2.0
        # The margins the proof relies on: a sample's sign holds for |tau| (and, when
        # visible, at most the entry margin) on both sides, on the dense reference.
        # Horizons of the first samples' (half their spacing) and of later ones (shorter).
        probe = t[:: max(1, t.size // 8)]
        pos, alt = where(probe)
        own = np.full(probe.size, k)
        lam = E.central_angle_rad(pos, env.cells_u[iv.cell[own]])
        horizon = np.where(np.arange(probe.size) % 2 == 0, 0.5 * FIRST_STEP_S, 7.5)
        kr, kg, slope_min = bound.rates(own, lam, alt, horizon)
        longest = float(horizon.max())
        tau = env.terrain.margin(pos, alt, iv.cell[own],
                                 observer_height_m(sensor.spec.target_height_m),
                                 sensor.spec.radio, kr, kg, slope_min, horizon,
                                 bound.reach_cells(longest), bound.near_m(lam, horizon))
        held = held_s(tau, bound.entry(own, lam, alt, kr, kg, horizon), horizon)
        for tp, sign, span in zip(probe, tau >= 0, held):
            near = np.abs(t - tp) < span
            assert (seen[near] == sign).all()


def test_own_reach_cut_in_closed_form_matches_dense_checks(tmp_path):
    # Cells 2,000 m up (flat plateau) around a loiter's horizon: the closed-form cut of
    # own_reach_cut against Sensor.within_own_reach every 0.1 s (edges within 0.1 s).
    lat = np.round(np.arange(-4.0, 4.0 + 1e-9, 0.1), 6)
    lon = np.round(np.arange(-1.0, 8.0 + 1e-9, 0.1), 6)
    path = tmp_path / "flat2000.npz"
    np.savez(path, lat_deg=lat, lon_deg=lon, elevation_m=np.full((lat.size, lon.size), 2000.0))
    rng = np.random.default_rng(4)
    cell_lat, cell_lon = rng.uniform(-1.0, 1.0, 40), rng.uniform(3.5, 5.0, 40)
    env = Environment(make_scenario(terrain=TerrainSpec(source="file", path=str(path))),
                      make_grid(cell_lat, cell_lon))
    loiter = small_circle_arc(E.unit_vector(0.3, 0.0), E.unit_vector(0.0, 0.0), 2 * math.pi,
                              True, 0.0, 150.0, R, 10_000.0, "loiter")
    iv = Intervals(np.arange(40), np.zeros(40), np.full(40, loiter.t1_s), np.ones(40))
    cut = own_reach_cut(env, PLAIN, [loiter], iv)
    sensor = env.sensor_of(PLAIN)
    t = np.arange(0.0, loiter.t1_s, DENSE_S)
    pos = loiter.position_u(t)
    changes = 0
    for k in range(40):
        inside = sensor.within_own_reach(pos @ env.cells_u[k], 10_000.0,
                                         np.full(t.size, env.cell_elevation_m[k]))
        changes += int(np.sum(inside[1:] != inside[:-1]))
        got = _inside(cut, k, t)
        far = np.ones(t.size, dtype=bool)        # 0.1 s from every dense change
        for edge in np.flatnonzero(inside[1:] != inside[:-1]):
            far[max(edge - 1, 0): edge + 3] = False
        assert (got[far] == inside[far]).all()
    assert changes > 20                          # the reach limit is crossed many times
