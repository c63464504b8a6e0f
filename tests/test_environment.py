"""Tests of sim/engine/environment.py: which of night, cloud and terrain stop which sensor,
and what they allow together (the models themselves: tests/test_daylight.py,
test_clouds.py, test_terrain.py).

Every expected number has its source in a comment. Terrain expectations are computed by an
independent method (a 3-D Cartesian line/sphere intersection), not by the polar-line formula
the module uses.
"""
import math
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.engine.environment import Environment
from sim.errors import ScenarioError
from sim.schema import (GeographySpec, LatLon, Scenario, SensorSpec, SyntheticBorder,
                        TerrainSpec, TimeSpec, WeatherSpec)
from sim.world import earth as E
from sim.world.terrain import OBSERVER_HEIGHT_M, TERRAIN_SAMPLES_PER_SPACING

R = 6_371_000.0
K43 = 4.0 / 3.0

CAMERA = SensorSpec(name="cam", kind="conic", needs_daylight=True, blocked_by_clouds=True)
DAY_ONLY = SensorSpec(name="day", kind="conic", needs_daylight=True)
CLOUD_ONLY = SensorSpec(name="cloud", kind="conic", blocked_by_clouds=True)
RADAR = SensorSpec(name="radar", kind="horizon", radio=True)
PLAIN = SensorSpec(name="plain", kind="horizon")


def make_scenario(start="2024-06-21T00:00:00", seed=0, weather=None, terrain=TerrainSpec()):
    start_dt = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    geo = GeographySpec(synthetic=SyntheticBorder(origin=LatLon(0.0, 0.0), azimuth_rad=0.0,
                                                  length_m=500_000.0))
    return Scenario(name="env-test", time=TimeSpec(start=start_dt, duration_s=86_400.0),
                    geography=geo, platforms=(), seed=seed, weather=weather, terrain=terrain)


def make_grid(lat_deg, lon_deg):
    lat = np.asarray(lat_deg, dtype=float).reshape(-1)
    lon = np.asarray(lon_deg, dtype=float).reshape(-1)
    return SimpleNamespace(u=E.unit_vector(lat, lon), lat_deg=lat, lon_deg=lon)


# ================================================================================ which masks apply

def test_which_masks_apply_to_which_sensor(tmp_path):
    env = Environment(make_scenario(), make_grid([0.0], [0.0]))
    assert env.night_or_cloud_applies(DAY_ONLY) and env.any_mask_applies(DAY_ONLY)
    assert not env.night_or_cloud_applies(CLOUD_ONLY)     # no weather: clouds do not exist
    assert not env.any_mask_applies(PLAIN)
    # The sampling step is the applying models' (sim/world/daylight.py, clouds.py).
    assert env.night_and_cloud_step_s(PLAIN) == math.inf
    assert env.night_and_cloud_step_s(DAY_ONLY) == env.daylight.step_s
    cloudy = Environment(make_scenario(weather=WeatherSpec(cloud_fraction=0.3)),
                         make_grid([0.0], [0.0]))
    assert cloudy.night_or_cloud_applies(CLOUD_ONLY) and not cloudy.any_mask_applies(PLAIN)
    assert cloudy.night_and_cloud_step_s(CLOUD_ONLY) == cloudy.clouds.step_s
    assert cloudy.night_and_cloud_step_s(CAMERA) == min(cloudy.clouds.step_s,
                                                        cloudy.daylight.step_s)
    clear = Environment(make_scenario(weather=WeatherSpec(cloud_fraction=0.0)),
                        make_grid([0.0], [0.0]))
    assert clear.clouds is None and not clear.night_or_cloud_applies(CLOUD_ONLY)
    # Terrain applies to every sensor, but does not change with time.
    hills = Environment(make_scenario(terrain=TerrainSpec(source="file",
                                                          path=str(_ridge_file(tmp_path)))),
                        make_grid([0.0], [1.0]))
    assert hills.any_mask_applies(PLAIN) and not hills.night_or_cloud_applies(PLAIN)


# ================================================================================ daylight

def test_daylight_noon_allowed_midnight_blocked():
    # Solar noon at longitude lon is 12:00 - lon/15 h UTC, within the equation of time
    # (|EoT| < 17 min; on 21 June about -1.7 min; NOAA solar calculator / Meeus ch. 28).
    # Tucson (32.2 N, 110.9 W): noon ~19:24 UTC, midnight ~07:24 UTC. At noon the Sun is
    # 90 - 32.2 + 23.44 = 81 deg high, at midnight -(90 - 32.2 - 23.44) = -34 deg.
    grid = make_grid([32.2], [-110.9])
    env = Environment(make_scenario(start="2024-06-21T00:00:00"), grid)
    t = np.array([19.4 * 3600.0, 7.4 * 3600.0])
    ok = env.allows(DAY_ONLY, t, E.unit_vector([32.0, 32.0], [-111.0, -111.0]), 20_000.0, [0, 0])
    assert ok.tolist() == [True, False]
    # A sensor without the daylight need is not affected at midnight.
    assert env.allows(PLAIN, t, E.unit_vector([32.0, 32.0], [-111.0, -111.0]),
                      20_000.0, [0, 0]).tolist() == [True, True]


# ================================================================================ clouds

def _cloud_env(seed, fraction=0.3, scale_m=30_000.0, period_s=3 * 3600.0, n=60, span_deg=6.0):
    lat, lon = np.meshgrid(np.linspace(30.0, 30.0 + span_deg, n),
                           np.linspace(-110.0, -110.0 + span_deg, n), indexing="ij")
    weather = WeatherSpec(cloud_fraction=fraction, cloud_scale_m=scale_m, cloud_period_s=period_s)
    return Environment(make_scenario(seed=seed, weather=weather), make_grid(lat, lon))


def test_clouds_block_only_cloud_sensors():
    env = _cloud_env(4, fraction=0.5, n=10)
    m = env.cells_u.shape[0]
    t = np.full(m, 1000.0)
    cells = np.arange(m)
    p = env.cells_u                                         # platform overhead
    cloudy = env.clouds.cloudy(t, cells)
    assert 0 < cloudy.sum() < m
    assert np.array_equal(env.allows(CLOUD_ONLY, t, p, 7000.0, cells), ~cloudy)
    assert env.allows(RADAR, t, p, 7000.0, cells).all()


# ================================================================================ terrain

RIDGE_H = 1000.0
RIDGE_TOP = (0.50, 0.52)        # plateau in longitude (deg), linear to 0 over 0.01 deg each side
DLON = 0.01


def _ridge_file(tmp_path, lon_top=RIDGE_TOP):
    lat = np.arange(-0.5, 0.5 + 1e-9, 0.05)
    lon = np.round(np.arange(-0.2, 4.0 + 1e-9, DLON), 6)
    prof = np.zeros(lon.size)
    prof[(lon >= lon_top[0] - 1e-9) & (lon <= lon_top[1] + 1e-9)] = RIDGE_H
    elev = np.tile(prof, (lat.size, 1))
    elev[:, 0] = -50.0                                   # a sea node: clamped to 0
    path = tmp_path / "ridge.npz"
    np.savez(path, lat_deg=lat, lon_deg=lon, elevation_m=elev)
    return path


def _shadow_end_deg(h_platform, ridge_lon_deg, ridge_h, radius, k=1.0, target_h=OBSERVER_HEIGHT_M):
    """Independent hand geometry: the 3-D line from the platform (radius r+h above lon 0 on
    the equator) through the ridge's far top corner meets the sphere of radius r + target_h
    beyond the ridge; solve |P + s (T - P)|^2 = (r + h_t)^2 for the smaller root (entry). With the
    4/3 Earth (k), the sphere has radius k R and central angles are divided by k."""
    r = k * radius
    phi = math.radians(ridge_lon_deg) / k
    p = np.array([r + h_platform, 0.0])
    t = (r + ridge_h) * np.array([math.cos(phi), math.sin(phi)])
    d = t - p
    a, b, c = d @ d, 2 * p @ d, p @ p - (r + target_h) ** 2
    s = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)      # first crossing beyond the ridge
    g = p + s * d
    return math.degrees(math.atan2(g[1], g[0]) * k)


def _terrain_env(tmp_path, lons):
    grid = make_grid(np.zeros(len(lons)), lons)
    sc = make_scenario(terrain=TerrainSpec(source="file", path=str(_ridge_file(tmp_path))))
    return Environment(sc, grid)


def _one_sample_deg(env):
    """One profile sample: terrain spacing / TERRAIN_SAMPLES_PER_SPACING (module rule), as a
    true central angle (the sampled arc is divided evenly, so samples are at most this far
    apart)."""
    return math.degrees(env.terrain.spacing_m / TERRAIN_SAMPLES_PER_SPACING / R)


def test_ridge_shadow_matches_tangent_geometry(tmp_path):
    h = 3000.0
    # Hand geometry (3-D line through the ridge's far top corner at 0.52 deg, 1000 m):
    g_deg = _shadow_end_deg(h, RIDGE_TOP[1], RIDGE_H, R)
    # Flat-Earth check of the hand geometry: 0.52 deg * h / (h - H) = 0.78 deg; the Earth's
    # curvature lengthens the shadow (drop d^2 / 2R = 0.7 km at 95 km).
    assert 0.78 < g_deg < 0.9
    lons = np.round(np.arange(0.05, 1.6, 0.002), 6)
    env = _terrain_env(tmp_path, lons)
    m = lons.size
    p = np.tile(E.unit_vector(0.0, 0.0), (m, 1))
    ok = env.allows(PLAIN, np.zeros(m), p, h, np.arange(m))
    # Sampling the exact bilinear profile can miss the corner but never invents an obstacle:
    # beyond g_deg every cell is seen; a plateau sample lies within one profile sample of the
    # corner, so every cell short of the shadow end of a corner moved back by one sample
    # is hidden.
    g_short = _shadow_end_deg(h, RIDGE_TOP[1] - _one_sample_deg(env), RIDGE_H, R)
    assert g_deg - 0.02 < g_short < g_deg
    front = lons < RIDGE_TOP[0] - DLON                       # before the ridge: seen
    assert ok[front].all()
    shadow = (lons > RIDGE_TOP[1]) & (lons < g_short)
    assert shadow.sum() > 100 and not ok[shadow].any()
    beyond = lons > g_deg
    assert beyond.sum() > 100 and ok[beyond].all()


def test_radar_sees_over_ridge_only_where_four_thirds_earth_says(tmp_path):
    # Platform at 10 km above lon 0; a 1000 m plateau ending at 2.10 deg (233 km).
    h = 10_000.0
    ridge = (2.08, 2.10)
    g_geo = _shadow_end_deg(h, ridge[1], RIDGE_H, R)                 # hand geometry, R
    g_radio = _shadow_end_deg(h, ridge[1], RIDGE_H, R, k=K43)        # hand geometry, 4/3 R
    # Flat-Earth limit 2.10 * 10 / 9 = 2.33 deg; curvature lengthens the shadow, the flatter
    # 4/3 Earth less so (computed: 2.51 and 2.70 deg).
    assert 2.33 < g_radio < g_geo
    # Geometric horizon of 10 km: acos(R / (R + h)) = 3.21 deg (SMAD eq. 5-16): stay inside.
    lons = np.round(np.arange(2.11, 3.1, 0.002), 6)
    grid = make_grid(np.zeros(lons.size), lons)
    sc = make_scenario(terrain=TerrainSpec(source="file",
                                           path=str(_ridge_file(tmp_path, lon_top=ridge))))
    env = Environment(sc, grid)
    m = lons.size
    p = np.tile(E.unit_vector(0.0, 0.0), (m, 1))
    optical = env.allows(PLAIN, np.zeros(m), p, h, np.arange(m))
    radar = env.allows(RADAR, np.zeros(m), p, h, np.arange(m))
    # As above: edges bracketed by the corner and the corner moved back one profile sample.
    back = ridge[1] - _one_sample_deg(env)
    geo_short = _shadow_end_deg(h, back, RIDGE_H, R)
    radio_short = _shadow_end_deg(h, back, RIDGE_H, R, k=K43)
    between = (lons > g_radio) & (lons < geo_short)          # radar over, optical blocked
    assert between.sum() > 20
    assert radar[between].all() and not optical[between].any()
    deep = lons < radio_short                                # both blocked
    assert deep.sum() > 20 and not radar[deep].any() and not optical[deep].any()
    far = lons > g_geo                                       # both see
    assert far.sum() > 20 and radar[far].all() and optical[far].all()


TERRAIN_SCENARIO = """\
name: Terrain file check
time: {start: 2025-02-03T00:00:00Z, duration: 1 h}
geography:
  synthetic: {origin: {lat: 0.0, lon: 0.0}, azimuth: 90 deg, length: 300 km}
terrain: hills.npz
grid: {cell: 20 km, extent: 100 km}
platforms:
  - name: P1
    class: medium-altitude-drone
    track:
      racetrack: {center: {lat: 0.3, lon: 1.0}, length: 80 km, heading: 90 deg}
"""
TERRAIN_LINE = 5          # the line of `terrain:` in TERRAIN_SCENARIO


def _malformed_terrain(path):
    """A terrain file whose elevation grid does not match its axes (3 x 3 for 2 x 2)."""
    np.savez(path, lat_deg=np.array([-1.0, 1.0]), lon_deg=np.array([0.0, 2.0]),
             elevation_m=np.zeros((3, 3)))


def test_bad_terrain_file_is_located_by_the_loader(tmp_path):
    from sim.scenario.load import load_scenario
    scenario_path = tmp_path / "s.yaml"
    scenario_path.write_text(TERRAIN_SCENARIO)
    assert TERRAIN_SCENARIO.splitlines()[TERRAIN_LINE - 1].startswith("terrain:")
    _malformed_terrain(tmp_path / "hills.npz")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario_path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (str(scenario_path), TERRAIN_LINE,
                                                          "terrain")
    assert "wrong shape" in problem.rule


def test_terrain_file_broken_after_loading_names_the_file(tmp_path):
    # The loader accepted the file; it is then overwritten before the run reads it: the
    # error names the terrain file, not a line of the scenario.
    from sim.engine.runner import run
    from sim.scenario.load import load_scenario
    (tmp_path / "s.yaml").write_text(TERRAIN_SCENARIO)
    terrain_path = tmp_path / "hills.npz"
    np.savez(terrain_path, lat_deg=np.array([-1.0, 1.0]), lon_deg=np.array([0.0, 2.0]),
             elevation_m=np.zeros((2, 2)))
    scenario = load_scenario(tmp_path / "s.yaml")
    _malformed_terrain(terrain_path)
    with pytest.raises(ScenarioError) as caught:
        run(scenario)
    (problem,) = caught.value.problems
    assert Path(problem.file) == terrain_path.resolve() and problem.path == ""
    assert "wrong shape" in problem.rule and str(problem).startswith(problem.file + ": ")


def test_chord_below_sea_level_sphere_is_blocked(tmp_path):
    # Horizon of a 3000 m platform to a point 2 m up: acos(R/(R+3000)) + acos(R/(R+2))
    # = 1.758 + 0.045 = 1.803 deg (SMAD eq. 5-16 plus the target term). Beyond it the chord
    # passes below the sphere: blocked even over flat zero terrain; inside it, seen.
    # Platform over lon 2.0 deg; cells east of it, away from the ridge at 0.5 deg.
    # The sensor's target is 2 m up too, so that its own horizon (below) is the same.
    lons = [1.0, 3.0, 3.5, 3.78, 3.83, 3.95]
    env = _terrain_env(tmp_path, lons)
    p = np.tile(E.unit_vector(0.0, 2.0), (len(lons), 1))
    eye = SensorSpec(name="eye", kind="horizon", target_height_m=OBSERVER_HEIGHT_M)
    ok = env.allows(eye, np.zeros(len(lons)), p, 3000.0, np.arange(len(lons)))
    assert ok.tolist() == [True, True, True, True, False, False]
    # A sensor whose target is at ground level (target height 0) has its own horizon at
    # acos(R/(R+3000)) = 1.758 deg: the cell 1.78 deg away is beyond it.
    ok = env.allows(PLAIN, np.zeros(len(lons)), p, 3000.0, np.arange(len(lons)))
    assert ok.tolist() == [True, True, True, False, False, False]


def test_cell_on_a_plateau_seen_beyond_the_sea_level_horizon(tmp_path):
    # A platform at 10 km; cells 2,000 m up on the near edge of plateaus (east of it, each
    # in its own latitude band, the platform at the cell's latitude). Horizon to sea level:
    # acos(R/(R+10 km)) = 3.208 deg; to a point 2,000 m up it adds acos(R/(R+2000)) =
    # 1.435 deg: 4.644 deg (SMAD eq. 5-16 with the target term). Each plateau falls to 0 over
    # one node (0.05 deg, a 36 % slope) towards the platform, which the ray (descending
    # about 1 % from the cell) clears: cells at 3.5 and 4.6 deg are seen, 4.7 deg is not.
    lat = np.round(np.arange(-1.0, 1.0 + 1e-9, 0.05), 6)
    lon = np.round(np.arange(-0.5, 7.0 + 1e-9, 0.05), 6)
    elev = np.zeros((lat.size, lon.size))
    for (lat0, lat1), edge in (((-1.0, -0.35), 3.5), ((-0.25, 0.25), 4.6), ((0.35, 1.0), 4.7)):
        band = (lat >= lat0 - 1e-9) & (lat <= lat1 + 1e-9)
        elev[np.ix_(band, lon >= edge - 1e-9)] = 2000.0
    path = tmp_path / "plateaus.npz"
    np.savez(path, lat_deg=lat, lon_deg=lon, elevation_m=elev)
    cell_lat, cell_lon = [-0.7, 0.0, 0.7], [3.5, 4.6, 4.7]
    env = Environment(make_scenario(terrain=TerrainSpec(source="file", path=str(path))),
                      make_grid(cell_lat, cell_lon))
    assert np.allclose(env.cell_elevation_m, 2000.0)
    p = E.unit_vector(np.array(cell_lat), np.zeros(3))
    ok = env.allows(PLAIN, np.zeros(3), p, 10_000.0, np.arange(3))
    assert ok.tolist() == [True, True, False]
    # The sensor geometry with terrain reaches the highest cell's horizon (the mask then
    # applies each cell's own), without terrain the sea-level one.
    from sim.platforms.sensors import Sensor
    from sim.schema import EarthSpec
    reach = math.degrees(Sensor(PLAIN, EarthSpec(), terrain_top_m=2000.0)
                         .central_angle_limits_rad(10_000.0)[1])
    flat = math.degrees(Sensor(PLAIN, EarthSpec()).central_angle_limits_rad(10_000.0)[1])
    assert reach == pytest.approx(4.644, abs=1e-3) and flat == pytest.approx(3.208, abs=1e-3)


