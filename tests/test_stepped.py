"""Tests of the time-stepped reference engine (sim/engine/stepped.py).

Platforms are small fakes (fixed or uniformly moving sub-platform points with an activity
window) so that every expected number is a hand calculation; sensors are the real
sim.platforms.sensors.Sensor where the geometry matters and a trivial central-angle fake elsewhere.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from types import SimpleNamespace

import numpy as np
import pytest

from sim.world import earth
from sim.engine import stepped
from sim.schema import EarthSpec, SensorSpec
from sim.platforms.sensors import Sensor

R_M = 6_371_000.0
START = datetime(2025, 3, 20, 12, 0, tzinfo=timezone.utc)


# ------------------------------------------------------------------------------ fakes

class FixedTrack:
    """Sub-platform point fixed at (lat, lon), altitude h, active where window(t) is True."""

    def __init__(self, lat_deg, lon_deg, altitude_m=20_000.0, window=None):
        self.u = earth.unit_vector(lat_deg, lon_deg)
        self.altitude_m = altitude_m
        self.window = window or (lambda t: np.ones(np.shape(t), dtype=bool))

    def state(self, t_s):
        t_s = np.asarray(t_s, dtype=float)
        n = len(t_s)
        vel = np.tile([0.0, 0.0, 1.0], (n, 1))          # northward-ish, irrelevant here
        return (np.tile(self.u, (n, 1)), vel, np.full(n, self.altitude_m),
                np.asarray(self.window(t_s), dtype=bool))


class EquatorTrack:
    """Moves east along the equator from lon0 at angular rate omega (rad/s)."""

    def __init__(self, lon0_deg, omega_rad_s, altitude_m=20_000.0):
        self.lon0 = math.radians(lon0_deg)
        self.omega = omega_rad_s
        self.altitude_m = altitude_m

    def state(self, t_s):
        lon = self.lon0 + self.omega * np.asarray(t_s, dtype=float)
        pos = np.stack([np.cos(lon), np.sin(lon), np.zeros_like(lon)], axis=-1)
        vel = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], axis=-1) * self.omega * R_M
        return pos, vel, np.full(len(lon), self.altitude_m), np.ones(len(lon), dtype=bool)


def make_scenario(duration_s, start=START):
    return SimpleNamespace(
        time=SimpleNamespace(duration_s=duration_s, start=start, step_s=10.0),
        earth=EarthSpec(radius_m=R_M), platforms=())


def make_grid(lat_deg, lon_deg, area_m2=None):
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=float))
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=float))
    area = np.full(len(lat), 4e6) if area_m2 is None else np.asarray(area_m2, dtype=float)
    return SimpleNamespace(u=earth.unit_vector(lat, lon), lat_deg=lat, lon_deg=lon, area_m2=area)


def conic(name="cam", max_range_m=50_000.0, **kw):
    return Sensor(SensorSpec(name=name, kind="conic", max_range_m=max_range_m, **kw),
                  EarthSpec(radius_m=R_M))


# ---------------------------------------------------------------------------- sampling

@pytest.mark.parametrize("duration_s,step_s", [(100.0, 30.0), (100.0, 60.0), (3600.0, 10.0),
                                                (86400.0, 7.0), (1.0, 10.0), (123.4, 0.7)])
def test_midpoint_weights_sum_to_duration(duration_s, step_s):
    t, edges, w = stepped.sample_times(duration_s, step_s)
    # the weights are the clipped lengths of [t_i - s/2, t_i + s/2] within [0, T]: sum = T
    assert w.sum() == pytest.approx(duration_s, rel=1e-12)
    assert np.all(w > 0) and edges[0] == 0.0 and edges[-1] == duration_s
    assert np.all(t >= edges[:-1]) and np.all(t <= edges[1:])


def test_midpoint_weights_hand_case():
    # T = 100 s, step 30 s: n = ceil(100/30) = 4, t = 0, 30, 60, 90, 120; intervals clipped
    # to [0,100]: [0,15], [15,45], [45,75], [75,100], [105,135] -> empty (dropped).
    t, edges, w = stepped.sample_times(100.0, 30.0)
    np.testing.assert_allclose(t, [0, 30, 60, 90])
    np.testing.assert_allclose(w, [15, 30, 30, 25])
    # T = 100 s, step 60 s: t = 0, 60, 120 -> [0,30], [30,90], [90,100]; the last sample's
    # state is taken at min(120, 100) = 100 s.
    t, edges, w = stepped.sample_times(100.0, 60.0)
    np.testing.assert_allclose(t, [0, 60, 100])
    np.testing.assert_allclose(w, [30, 60, 10])


# -------------------------------------------------------------------- hand-checked figures

def test_stationary_platform_covers_cell_all_the_time():
    # Platform fixed above cell 0 at 20 km; camera range 50 km. Cell 1 is 1 deg away
    # (111 km ground distance, slant > 50 km): never seen.
    T = 3600.0
    grid = make_grid([30.0, 31.0], [-110.0, -110.0])
    cells = stepped.stepped_cell_figures(make_scenario(T), grid, [FixedTrack(30.0, -110.0)],
                                         [(conic(),)], step_s=10.0)
    assert set(cells) == set(stepped.FIGURE_KEYS)
    assert all(v.shape == (2,) and v.dtype == np.float64 for v in cells.values())
    # cell 0: covered at every sample -> 100 %, one access, no gap, age always 0
    assert cells["ever_covered_frac"][0] == 1.0
    assert cells["time_covered_frac"][0] == pytest.approx(1.0, abs=1e-12)
    assert cells["accesses"][0] == 1
    assert cells["max_revisit_s"][0] == 0.0 and cells["mean_revisit_s"][0] == 0.0
    assert cells["time_average_gap_s"][0] == 0.0 and cells["mean_age_of_data_s"][0] == 0.0
    assert cells["max_simultaneous"][0] == 1
    # cell 1: never seen -> no revisit, response or age is defined (docs/figures.md): NaN
    assert cells["ever_covered_frac"][1] == 0.0 and cells["accesses"][1] == 0
    for key in ("max_revisit_s", "mean_revisit_s", "time_average_gap_s", "mean_response_s",
                "mean_age_of_data_s"):
        assert np.isnan(cells[key][1]), key
    assert cells["max_simultaneous"][1] == 0
    assert np.isnan(cells["best_gsd_m"]).all()      # no imaging model


def test_known_window_gives_hand_computed_figures():
    # Active for 300 <= t <= 500 s only, T = 1000 s, step 10 s: covered samples are
    # t = 300..500 (21 samples) standing for [295, 505] -> covered 210 s (21 %).
    # Gaps: [0, 295] = 295 s and [505, 1000] = 495 s. Mean gap 395 s; sum of squares
    # 295^2 + 495^2 = 87025 + 245025 = 332050 s^2 -> time-average gap 332.05 s,
    # mean response 166.025 s. Age: rises from 0 to 295 before the access and from 0 to 495
    # after it: integral (295^2 + 495^2)/2 = 166025 s^2 -> mean age 166.025 s.
    T = 1000.0
    track = FixedTrack(30.0, -110.0, window=lambda t: (t >= 300.0) & (t <= 500.0))
    cells = stepped.stepped_cell_figures(make_scenario(T), make_grid(30.0, -110.0), [track],
                                         [(conic(),)], step_s=10.0)
    assert cells["time_covered_frac"][0] == pytest.approx(0.21)
    assert cells["accesses"][0] == 1
    assert cells["max_revisit_s"][0] == pytest.approx(495.0)
    assert cells["mean_revisit_s"][0] == pytest.approx(395.0)
    assert cells["time_average_gap_s"][0] == pytest.approx(332.05)
    assert cells["mean_response_s"][0] == pytest.approx(166.025)
    assert cells["mean_age_of_data_s"][0] == pytest.approx(166.025)


def test_two_windows_two_sensors():
    # Step 5 s, so each sample stands for +-2.5 s. Sensor A active 100..190 s (samples
    # 100..190 -> [97.5, 192.5]); sensor B on a second platform active 150..400 s
    # ([147.5, 402.5]) and 700..800 s ([697.5, 802.5]); T = 1000 s.
    # Union: [97.5, 402.5] and [697.5, 802.5] -> covered 305 + 105 = 410 s, 2 accesses.
    # Gaps 97.5, 295, 197.5 s: max 295, mean 590/3; squares 9506.25 + 87025 + 39006.25
    # = 135537.5 -> time-average gap 135.5375 s, response and age 67.76875 s.
    # Both see the cell on 150..190 s: max_simultaneous 2.
    T = 1000.0
    a = FixedTrack(30.0, -110.0, window=lambda t: (t >= 100) & (t <= 190))
    b = FixedTrack(30.0, -110.0, window=lambda t: ((t >= 150) & (t <= 400)) | ((t >= 700) & (t <= 800)))
    cells = stepped.stepped_cell_figures(make_scenario(T), make_grid(30.0, -110.0), [a, b],
                                         [(conic("a"),), (conic("b"),)], step_s=5.0)
    assert cells["time_covered_frac"][0] == pytest.approx(0.41)
    assert cells["accesses"][0] == 2
    assert cells["max_revisit_s"][0] == pytest.approx(295.0)
    assert cells["mean_revisit_s"][0] == pytest.approx(590.0 / 3)
    assert cells["time_average_gap_s"][0] == pytest.approx(135.5375)
    assert cells["mean_response_s"][0] == pytest.approx(67.76875)
    assert cells["mean_age_of_data_s"][0] == pytest.approx(67.76875)
    assert cells["max_simultaneous"][0] == 2


def test_best_gsd_at_nadir():
    # Platform 20 km above the cell; GSD = slant * p / f = 20000 m * 10e-6 / 1.0 = 0.2 m
    # (docs/model.md, Sensors). A second cell 0.2 deg north (about 22.2 km ground
    # distance) has slant ~ sqrt(20^2 + 22.2^2) ~ 29.9 km -> GSD ~ 0.30 m (law of cosines).
    cam = conic(focal_length_m=1.0, pixel_pitch_m=10e-6)
    grid = make_grid([30.0, 30.2], [-110.0, -110.0])
    cells = stepped.stepped_cell_figures(make_scenario(600.0), grid, [FixedTrack(30.0, -110.0)],
                                         [(cam,)], step_s=60.0)
    lam = math.radians(0.2)
    slant = math.sqrt(R_M ** 2 + (R_M + 20_000.0) ** 2 - 2 * R_M * (R_M + 20_000.0) * math.cos(lam))
    np.testing.assert_allclose(cells["best_gsd_m"], [0.2, slant * 1e-5], rtol=1e-9)
    assert 0.29 < cells["best_gsd_m"][1] < 0.31


def test_daylight_sensor_sees_nothing_at_night():
    # Cell at lat 0, lon 0 at 00:00 UTC on the March equinox: the Sun is near the nadir of
    # the antimeridian, far below the horizon (hand: hour angle 180 deg). At 12:00 UTC it
    # is near the zenith.
    cam = conic(needs_daylight=True)
    grid = make_grid(0.0, 0.0)
    night = datetime(2025, 3, 20, 0, 0, tzinfo=timezone.utc)
    args = (grid, [FixedTrack(0.0, 0.0)], [(cam,)])
    dark = stepped.stepped_cell_figures(make_scenario(3600.0, night), *args, step_s=60.0)
    light = stepped.stepped_cell_figures(make_scenario(3600.0, START), *args, step_s=60.0)
    assert dark["time_covered_frac"][0] == 0.0
    assert light["time_covered_frac"][0] == pytest.approx(1.0)


# ----------------------------------------------------------------- convergence and oracle

def test_step_refinement_converges_to_analytic_access():
    # Platform moving east along the equator at 200 m/s (omega = 200/R) from lon -1 deg;
    # cell at lon 0 on the equator; camera range 50 km at 20 km altitude -> central angle
    # lam = acos((R^2 + (R+h)^2 - D^2) / (2 R (R+h))) (law of cosines). Exact access:
    # |omega t - 1 deg| <= lam, i.e. duration 2 lam / omega, centred at t = (1 deg)/omega.
    h, D = 20_000.0, 50_000.0
    omega = 200.0 / R_M
    lam = math.acos((R_M ** 2 + (R_M + h) ** 2 - D ** 2) / (2 * R_M * (R_M + h)))
    T = 1200.0
    exact_frac = 2 * lam / omega / T
    errors = []
    for step in (40.0, 10.0, 2.5, 0.625):
        cells = stepped.stepped_cell_figures(
            make_scenario(T), make_grid(0.0, 0.0), [EquatorTrack(-1.0, omega, h)],
            [(conic(max_range_m=D),)], step_s=step)
        err = abs(cells["time_covered_frac"][0] - exact_frac)
        # each access edge is off by at most half a step
        assert err <= step / T + 1e-12
        errors.append(err)
    assert errors[-1] < 1e-3 and errors[-1] <= errors[0]


def _dense_reference(duration_s, step_s, covered_counts, gsd=None):
    """Brute force from the definitions over a (samples, cells) matrix: small cases only."""
    t, edges, w = stepped.sample_times(duration_s, step_s)
    covered = covered_counts > 0
    out = {k: [] for k in stepped.FIGURE_KEYS}
    for c in range(covered.shape[1]):
        col = covered[:, c]
        gaps, runs, cur, age_int, last_end = [], 0, 0.0, 0.0, 0.0
        for i in range(len(t)):
            if col[i]:
                if cur > 0:
                    gaps.append(cur)
                if i == 0 or not col[i - 1]:
                    runs += 1
                cur = 0.0
                last_end = edges[i + 1]
            else:
                cur += w[i]
                mid = 0.5 * (edges[i] + edges[i + 1])
                age_int += w[i] * (mid - last_end)
        if cur > 0:
            gaps.append(cur)
        sq = sum(g * g for g in gaps)
        out["ever_covered_frac"].append(float(col.any()))
        out["time_covered_frac"].append(float(w[col].sum()) / duration_s)
        out["accesses"].append(runs)
        out["max_revisit_s"].append(max(gaps) if gaps else 0.0)
        out["mean_revisit_s"].append(sum(gaps) / len(gaps) if gaps else 0.0)
        out["time_average_gap_s"].append(sq / duration_s)
        out["mean_response_s"].append(sq / (2 * duration_s))
        out["mean_age_of_data_s"].append(age_int / duration_s)
        out["max_simultaneous"].append(float(covered_counts[:, c].max()))
        out["best_gsd_m"].append(np.nan)
    out = {k: np.asarray(v, dtype=float) for k, v in out.items()}
    never = out["ever_covered_frac"] == 0          # no access: gap figures undefined
    for key in ("max_revisit_s", "mean_revisit_s", "time_average_gap_s", "mean_response_s",
                "mean_age_of_data_s"):
        out[key][never] = np.nan
    return out


def test_streaming_matches_dense_reference_with_tiny_chunks(monkeypatch):
    # Two platforms crossing a 9 x 9 cell block with on/off windows; the dense brute force
    # (definitions applied sample by sample) must agree to round-off, also when the
    # candidate budget forces one-sample chunks (running state carried across chunks).
    T, step = 900.0, 7.0
    lat, lon = np.meshgrid(np.linspace(-0.4, 0.4, 9), np.linspace(-0.4, 0.4, 9))
    grid = make_grid(lat.ravel(), lon.ravel())
    omega = 250.0 / R_M
    tracks = [EquatorTrack(-1.5, omega), FixedTrack(0.1, 0.1, window=lambda t: (t % 300) < 120)]
    sensors = [(conic("a", 40_000.0),), (conic("b", 35_000.0), conic("c", 30_000.0))]
    t, _, _ = stepped.sample_times(T, step)
    counts = np.zeros((len(t), len(grid.u)))       # platforms seeing each (sample, cell)
    for track, sens in zip(tracks, sensors):
        pos, vel, alt, act = track.state(t)
        seen = np.zeros((len(t), len(grid.u)), dtype=bool)
        for s in sens:
            seen |= s.visible(pos[:, None, :], alt[:, None], vel[:, None, :], grid.u[None, :, :])
        counts += seen & act[:, None]
    expected = _dense_reference(T, step, counts)
    # two platforms (the second with two sensors seeing the same cells): at most 2 at once
    assert expected["accesses"].max() >= 2 and expected["max_simultaneous"].max() == 2
    for budget in (10**9, 1):
        monkeypatch.setattr(stepped, "_CANDIDATE_BUDGET", budget)
        fractions = []
        got = stepped.stepped_cell_figures(make_scenario(T), grid, tracks, sensors, step,
                                           progress=fractions.append)
        for key in stepped.FIGURE_KEYS:
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, atol=1e-9,
                                       err_msg=key)
        assert fractions[-1] == 1.0 and fractions == sorted(fractions)
        # independence check: the age integral equals sum G^2/2 (SMAD 7.2) -> same as response
        np.testing.assert_allclose(got["mean_age_of_data_s"], got["mean_response_s"], rtol=1e-9)


# -------------------------------------------------------------- with the real motion module

def _loiter_platform(on_station):
    from sim.schema import LatLon, LoiterTrack, PlatformSpec
    return PlatformSpec(
        name="L", class_id="test", kind="aircraft", altitude_m=20_000.0, speed_m_s=100.0,
        endurance_s=None, bank_angle_rad=None,
        sensors=(SensorSpec(name="cam", kind="conic", max_range_m=50_000.0),),
        track=LoiterTrack(center=LatLon(30.0, -110.0), radius_m=100.0), on_station=on_station)


def test_real_loiter_of_tiny_radius_covers_its_cell():
    # A 100 m loiter at 20 km altitude stays within 0.1 km of the cell: slant ~ 20 km < 50 km
    # -> the cell is covered at every sample (100 %); a cell 1 deg away (111 km) never.
    from sim.platforms.tracks import build_track
    from sim.schema import OnStation
    from sim.platforms.sensors import build_sensors
    platform = _loiter_platform(OnStation())
    scenario = SimpleNamespace(time=SimpleNamespace(duration_s=7200.0, start=START),
                               earth=EarthSpec(radius_m=R_M), platforms=(platform,))
    track = build_track(platform, scenario)
    grid = make_grid([30.0, 31.0], [-110.0, -110.0])
    cells = stepped.stepped_cell_figures(scenario, grid, [track],
                                         [build_sensors(platform.sensors, scenario.earth)], 30.0)
    np.testing.assert_allclose(cells["time_covered_frac"], [1.0, 0.0])
    np.testing.assert_allclose(cells["max_revisit_s"], [0.0, np.nan])     # cell 1: never seen


def test_real_on_station_window_within_a_step():
    # On station 1 h .. 3 h of a 4 h scenario (exact: 50 % covered, one access, gaps of
    # 3600 s before and after). The stepped engine may be off by half a step per edge.
    from sim.platforms.tracks import build_track
    from sim.schema import OnStation
    from sim.platforms.sensors import build_sensors
    platform = _loiter_platform(OnStation(start_s=3600.0, duration_s=7200.0))
    T, step = 14400.0, 60.0
    scenario = SimpleNamespace(time=SimpleNamespace(duration_s=T, start=START),
                               earth=EarthSpec(radius_m=R_M), platforms=(platform,))
    track = build_track(platform, scenario)
    cells = stepped.stepped_cell_figures(scenario, make_grid(30.0, -110.0), [track],
                                         [build_sensors(platform.sensors, scenario.earth)], step)
    assert abs(cells["time_covered_frac"][0] - 0.5) <= step / T
    assert cells["accesses"][0] == 1
    assert abs(cells["max_revisit_s"][0] - 3600.0) <= step / 2
    assert abs(cells["mean_revisit_s"][0] - 3600.0) <= step / 2
    # mean age: two gaps of ~3600 s -> (2 * 3600^2 / 2) / T = 900 s (SMAD 7.2 identity)
    assert cells["mean_age_of_data_s"][0] == pytest.approx(900.0, rel=2 * step / 3600.0)


def test_converges_to_the_exact_engine_on_a_racetrack():
    # Oracle check both ways: a real racetrack (motion) with a real side-looking radar and a
    # conic camera (sensors) over a 20 x 20 block of cells; the exact engine (access +
    # coverage) and the stepped engine at a 2 s step must agree within the stepped
    # engine's discretisation: every access edge within half a step (time covered within
    # accesses x step / T per cell), gaps within a step.
    from scipy.spatial import cKDTree
    from sim.engine.access import track_intervals
    from sim.engine.coverage import cell_figures
    from sim.platforms.tracks import build_track
    from sim.schema import LatLon, PlatformSpec, RacetrackTrack
    from sim.platforms.sensors import build_sensors
    specs = (SensorSpec(name="radar", kind="side-looking", near_range_m=20_000.0,
                        far_range_m=90_000.0, sides="left", max_squint_rad=math.radians(20)),
             SensorSpec(name="cam", kind="conic", max_range_m=40_000.0))
    platform = PlatformSpec(
        name="R", class_id="test", kind="aircraft", altitude_m=15_000.0, speed_m_s=200.0,
        endurance_s=None, bank_angle_rad=None, sensors=specs,
        track=RacetrackTrack(center=LatLon(31.0, -110.0), length_m=100_000.0,
                             heading_rad=math.radians(90), width_m=20_000.0))
    T, step = 7200.0, 2.0
    scenario = SimpleNamespace(time=SimpleNamespace(duration_s=T, start=START),
                               earth=EarthSpec(radius_m=R_M), platforms=(platform,))
    lat, lon = np.meshgrid(np.linspace(31.0, 31.9, 20), np.linspace(-110.6, -109.4, 20))
    grid = make_grid(lat.ravel(), lon.ravel())
    track = build_track(platform, scenario)
    sensors = build_sensors(specs, scenario.earth)
    tree = cKDTree(grid.u)
    sources = [track_intervals(track, s, grid.u, tree, (0.0, T)) for s in sensors]
    exact = cell_figures(len(grid.u), T, sources, [None, None])
    got = stepped.stepped_cell_figures(scenario, grid, [track], [sensors], step)
    assert 0.2 < exact["ever_covered_frac"].mean() < 1.0     # a meaningful mix of cells
    np.testing.assert_array_equal(got["ever_covered_frac"], exact["ever_covered_frac"])
    tol = np.maximum(exact["accesses"], 1) * step / T + 1e-9
    assert np.all(np.abs(got["time_covered_frac"] - exact["time_covered_frac"]) <= tol)
    seen = exact["ever_covered_frac"] > 0
    assert np.array_equal(np.isnan(got["max_revisit_s"]), ~seen)       # the same rule
    assert np.all(np.abs(got["max_revisit_s"] - exact["max_revisit_s"])[seen] <= step + 1e-6)
    assert np.mean(got["accesses"] == exact["accesses"]) > 0.95
    np.testing.assert_allclose(got["mean_age_of_data_s"], exact["mean_age_of_data_s"],
                               rtol=0.02, atol=step)
