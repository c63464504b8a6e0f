"""Tests of sim/engine/environment.py: daylight, clouds and terrain line of sight.

Every expected number has its source in a comment. Terrain expectations are computed by an
independent method (a 3-D Cartesian line/sphere intersection), not by the polar-line formula
the module uses.
"""
import math
from datetime import datetime, timezone
from types import SimpleNamespace

import numpy as np
import pytest

from sim.world import earth as E
from sim.engine.environment import (DAYLIGHT_STEP_S, OBSERVER_HEIGHT_M, TERRAIN_SAMPLES_PER_SPACING,
                             Environment)
from sim.errors import ScenarioError
from sim.schema import (GeographySpec, LatLon, PlatformSpec, RacetrackTrack, Scenario,
                                 SensorSpec, SyntheticBorder, TerrainSpec, TimeSpec, WeatherSpec)

R = 6_371_000.0
K43 = 4.0 / 3.0

CAMERA = SensorSpec(name="cam", kind="conic", needs_daylight=True, blocked_by_clouds=True)
DAY_ONLY = SensorSpec(name="day", kind="conic", needs_daylight=True)
CLOUD_ONLY = SensorSpec(name="cloud", kind="conic", blocked_by_clouds=True)
RADAR = SensorSpec(name="radar", kind="horizon", radio=True)
PLAIN = SensorSpec(name="plain", kind="horizon")


def make_scenario(start="2024-06-21T00:00:00", seed=0, weather=None, terrain=TerrainSpec(),
                  platforms=()):
    start_dt = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    geo = GeographySpec(synthetic=SyntheticBorder(origin=LatLon(0.0, 0.0), azimuth_rad=0.0,
                                                  length_m=500_000.0))
    return Scenario(name="env-test", time=TimeSpec(start=start_dt, duration_s=86_400.0),
                    geography=geo, platforms=tuple(platforms), seed=seed, weather=weather,
                    terrain=terrain)


def make_grid(lat_deg, lon_deg):
    lat = np.asarray(lat_deg, dtype=float).reshape(-1)
    lon = np.asarray(lon_deg, dtype=float).reshape(-1)
    return SimpleNamespace(u=E.unit_vector(lat, lon), lat_deg=lat, lon_deg=lon)


# ================================================================================ affects

def test_affects_each_mask():
    env = Environment(make_scenario(), make_grid([0.0], [0.0]), None)
    assert env.affects(DAY_ONLY)
    assert not env.affects(CLOUD_ONLY)        # no weather: clouds do not exist
    assert not env.affects(PLAIN)
    assert env.refine_step_s(PLAIN) == math.inf
    # On the equator the shortest day is 12 h: half of it, capped at 3 h.
    assert env.refine_step_s(DAY_ONLY) == 3 * 3600.0
    # At 60 N: shortest day 2 acos(tan 60 tan 23.44) / 2 pi days = 2 (0.72134) / 2 pi d
    # = 19,838 s; half: 9,919 s.
    north = Environment(make_scenario(), make_grid([60.0], [0.0]), None)
    assert north.refine_step_s(DAY_ONLY) == pytest.approx(9919.0, abs=2.0)
    # Inside the polar circle days can be minutes long: the fixed short step.
    polar = Environment(make_scenario(), make_grid([70.0], [0.0]), None)
    assert polar.refine_step_s(DAY_ONLY) == DAYLIGHT_STEP_S
    cloudy = Environment(make_scenario(weather=WeatherSpec(cloud_fraction=0.3)),
                         make_grid([0.0], [0.0]), None)
    assert cloudy.affects(CLOUD_ONLY) and not cloudy.affects(PLAIN)
    clear = Environment(make_scenario(weather=WeatherSpec(cloud_fraction=0.0)),
                        make_grid([0.0], [0.0]), None)
    assert not clear.affects(CLOUD_ONLY)


# ================================================================================ daylight

def test_daylight_noon_allowed_midnight_blocked():
    # Solar noon at longitude lon is 12:00 - lon/15 h UTC, within the equation of time
    # (|EoT| < 17 min; on 21 June about -1.7 min; NOAA solar calculator / Meeus ch. 28).
    # Tucson (32.2 N, 110.9 W): noon ~19:24 UTC, midnight ~07:24 UTC. At noon the Sun is
    # 90 - 32.2 + 23.44 = 81 deg high, at midnight -(90 - 32.2 - 23.44) = -34 deg.
    grid = make_grid([32.2], [-110.9])
    env = Environment(make_scenario(start="2024-06-21T00:00:00"), grid, None)
    t = np.array([19.4 * 3600.0, 7.4 * 3600.0])
    ok = env.allows(DAY_ONLY, t, E.unit_vector([32.0, 32.0], [-111.0, -111.0]), 20_000.0, [0, 0])
    assert ok.tolist() == [True, False]
    # A sensor without the daylight need is not affected at midnight.
    assert env.allows(PLAIN, t, E.unit_vector([32.0, 32.0], [-111.0, -111.0]),
                      20_000.0, [0, 0]).tolist() == [True, True]


def test_daylight_sunrise_at_equinox_equator():
    # At an equinox at (0 N, 0 E) the Sun rises at 06:00 UTC minus the equation of time
    # (20 March 2024: EoT about -7.5 min, so about 06:07 UTC; geometric centre, no
    # refraction). The transition must lie within 06:07 +- 6 min.
    env = Environment(make_scenario(start="2024-03-20T00:00:00"), make_grid([0.0], [0.0]), None)
    t = np.arange(5.5 * 3600.0, 6.7 * 3600.0, 10.0)
    day = env.allows(DAY_ONLY, t, np.tile(E.unit_vector(0.0, 0.0), (t.size, 1)), 1e4,
                     np.zeros(t.size, int))
    change = np.nonzero(np.diff(day.astype(int)))[0]
    assert change.size == 1 and not day[0] and day[-1]
    t_rise = t[change[0] + 1]
    assert abs(t_rise - (6 * 3600.0 + 7.5 * 60.0)) < 6 * 60.0


# ================================================================================ clouds

def _cloud_env(seed, fraction=0.3, scale_m=30_000.0, period_s=3 * 3600.0, n=60, span_deg=6.0):
    lat, lon = np.meshgrid(np.linspace(30.0, 30.0 + span_deg, n),
                           np.linspace(-110.0, -110.0 + span_deg, n), indexing="ij")
    weather = WeatherSpec(cloud_fraction=fraction, cloud_scale_m=scale_m, cloud_period_s=period_s)
    return Environment(make_scenario(seed=seed, weather=weather), make_grid(lat, lon), None)


def _cloud_mask(env, t_s):
    m = env.cells_u.shape[0]
    return env.cloudy(np.full(m, float(t_s)), np.arange(m))


def test_clouds_same_seed_same_mask_other_seed_different():
    a, b, c = _cloud_env(7), _cloud_env(7), _cloud_env(8)
    for t in (0.0, 5_000.0, 40_000.0):
        assert np.array_equal(_cloud_mask(a, t), _cloud_mask(b, t))
        # Independent fields at fraction 0.3 disagree on 2 f (1 - f) = 42 % of cells.
        assert np.mean(_cloud_mask(a, t) != _cloud_mask(c, t)) > 0.2
    assert np.array_equal(a.wind_m_s, b.wind_m_s)
    # Wind speed drawn in 20-40 km/h (module rule).
    assert 20 / 3.6 <= np.hypot(*a.wind_m_s) <= 40 / 3.6


def test_cloud_fraction_matches_over_many_cells_and_times():
    # The threshold Phi^-1(1 - f) on an exactly N(0, 1) field gives P(cloud) = f. Samples:
    # 3600 cells x 40 times over 5 days (40 knots of 3 h), ~600 km square with 30 km clouds:
    # thousands of independent blobs, so the sampling error is well under 0.02.
    for seed, fraction in ((1, 0.3), (2, 0.7)):
        env = _cloud_env(seed, fraction=fraction)
        m = env.cells_u.shape[0]
        times = np.linspace(0.0, 5 * 86_400.0, 40)
        t = np.repeat(times, m)
        cells = np.tile(np.arange(m), times.size)
        observed = env.cloudy(t, cells).mean()
        assert abs(observed - fraction) < 0.02, (seed, observed)


def test_cloud_field_changes_over_time():
    # Knots 3 periods apart are independent: a cell's state differs with probability
    # 2 f (1 - f) = 0.42 for f = 0.3; and every cell's state changes at least once in a few
    # periods for most cells (P(no change over 6 independent knots) is small).
    env = _cloud_env(3)
    assert np.mean(_cloud_mask(env, 0.0) != _cloud_mask(env, 3 * 3 * 3600.0)) > 0.3
    times = np.arange(0.0, 6 * 3 * 3600.0, 600.0)
    states = np.array([_cloud_mask(env, t) for t in times])       # (T, M)
    changed = np.any(states != states[0], axis=0)
    assert changed.mean() > 0.8
    # Continuity: over one 600 s step far fewer cells change than between independent
    # fields (0.42 above): the field is continuous in time.
    assert np.mean(states[1:] != states[:-1]) < 0.21


def test_cloud_refine_step_is_honest():
    # refine_step_s promises at most one change of the mask between samples at that step.
    # Sample 400 cells at step/10 over half a day and count changes inside each step window.
    env = _cloud_env(5, n=20)
    step = env.refine_step_s(CLOUD_ONLY)
    assert 60.0 < step < 3 * 3600.0
    m = env.cells_u.shape[0]
    times = np.arange(0.0, 43_200.0, step / 10.0)
    states = np.array([_cloud_mask(env, t) for t in times]).astype(int)   # (T, M)
    changes = np.abs(np.diff(states, axis=0))
    windows = changes[: (changes.shape[0] // 10) * 10].reshape(-1, 10, m).sum(axis=1)
    assert windows.max() >= 1               # the field does change inside some windows
    assert np.mean(windows > 1) < 0.002     # two changes within one step: (almost) never


def test_clouds_block_only_cloud_sensors():
    env = _cloud_env(4, fraction=0.5, n=10)
    m = env.cells_u.shape[0]
    t = np.full(m, 1000.0)
    cells = np.arange(m)
    p = env.cells_u                                         # platform overhead
    cloudy = env.cloudy(t, cells)
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
    return Environment(sc, grid, None)


def test_cell_elevation_bilinear_and_sea_clamped(tmp_path):
    # Bilinear interpolation of the ridge: plateau 1000 m, halfway down the 0.01-deg slope
    # 500 m, flat ground 0, the sea node (-50 m) clamped to 0, outside the file 0.
    env = _terrain_env(tmp_path, [0.51, 0.525, 0.495, 1.0, -0.2, 10.0])
    assert np.allclose(env.cell_elevation_m, [1000, 500, 500, 0, 0, 0], atol=1e-6)
    # Terrain spacing: the smaller of 0.05 deg lat and 0.01 deg lon x cos(0.5 deg), in metres.
    spacing = R * math.radians(0.01 * math.cos(math.radians(0.5)))
    assert env.terrain_spacing_m == pytest.approx(spacing)


def _one_sample_deg(env):
    """One profile sample: terrain spacing / TERRAIN_SAMPLES_PER_SPACING (module rule), as a
    true central angle (the sampled arc is divided evenly, so samples are at most this far
    apart)."""
    return math.degrees(env.terrain_spacing_m / TERRAIN_SAMPLES_PER_SPACING / R)


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
    env = Environment(sc, grid, None)
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


def test_terrain_refine_step_from_fastest_carrier(tmp_path):
    # 0.5 * terrain spacing / ground speed (module rule); spacing as in the elevation test.
    spacing = R * math.radians(0.01 * math.cos(math.radians(0.5)))
    drone = PlatformSpec(name="d", class_id="x", kind="aircraft", altitude_m=7500.0,
                         speed_m_s=100.0, endurance_s=None, bank_angle_rad=0.3,
                         sensors=(RADAR,), track=RacetrackTrack(center=LatLon(0, 0),
                                                                length_m=1e5, heading_rad=0.0))
    sc = make_scenario(terrain=TerrainSpec(source="file", path=str(_ridge_file(tmp_path))),
                       platforms=(drone,))
    env = Environment(sc, make_grid([0.0], [1.0]), None)
    assert env.refine_step_s(RADAR) == pytest.approx(0.5 * spacing / 100.0)
    assert env.affects(PLAIN)        # terrain on: every sensor is affected
    # A sensor nobody carries falls back to the fastest platform (the same drone here).
    assert env.refine_step_s(PLAIN) == pytest.approx(0.5 * spacing / 100.0)


def test_bad_terrain_file_is_a_scenario_error(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, lat_deg=np.array([0.0, 1.0]), lon_deg=np.array([0.0, 1.0]),
             elevation_m=np.zeros((3, 3)))
    for path in (bad, tmp_path / "missing.npz"):
        sc = make_scenario(terrain=TerrainSpec(source="file", path=str(path)))
        with pytest.raises(ScenarioError, match="terrain"):
            Environment(sc, make_grid([0.0], [0.0]), None)


def test_etopo5_sea_clamped_and_high_plateau():
    # Gulf of Mexico (25 N, 90 W, about 3 km deep): clamped to sea level 0.
    # Mexico City (19.43 N, 99.13 W) lies at about 2240 m (encyclopedic figure); ETOPO5's
    # 5-arc-minute cells smooth the valley, so allow +-600 m.
    sc = make_scenario(terrain=TerrainSpec(source="etopo5"))
    env = Environment(sc, make_grid([25.0, 19.43], [-90.0, -99.13]), None)
    assert env.cell_elevation_m[0] == 0.0
    assert abs(env.cell_elevation_m[1] - 2240.0) < 600.0


def test_terrain_agrees_with_dense_cartesian_oracle():
    # Independent oracle: walk the 3-D chord P + s (C - P) every ~330 m (ten times finer than
    # the module's profile) and block where ETOPO5 at the point below, X / |X|, is higher
    # than |X| - R. Sampling the exact bilinear surface never invents an obstacle, so the
    # module blocks nothing the oracle clears; it may miss grazes of a peak between its
    # samples, which we bound at 25 m (ETOPO5's 5' cells carry errors of order 100 m).
    rng = np.random.default_rng(11)
    n = 600
    lat = rng.uniform(25.0, 33.0, n)
    lon = rng.uniform(-112.0, -100.0, n)
    sc = make_scenario(terrain=TerrainSpec(source="etopo5"))
    env = Environment(sc, make_grid(lat, lon), None)
    cell_u = env.cells_u
    plat_u = E.destination(cell_u, rng.uniform(0, 2 * np.pi, n), rng.uniform(30e3, 200e3, n) / R)
    h = 4500.0
    ours = env.terrain_blocked(plat_u, h, np.arange(n))

    big_p = (R + h) * plat_u
    big_c = (R + env.cell_elevation_m + OBSERVER_HEIGHT_M)[:, None] * cell_u
    steps = 600                                                    # <= 200 km / 600
    s = np.linspace(0.0, 1.0, steps + 1)[None, :, None]
    x = big_p[:, None, :] + s * (big_c - big_p)[:, None, :]          # (n, steps+1, 3)
    height = np.linalg.norm(x, axis=-1) - R
    terrain = env._elevation(x / np.linalg.norm(x, axis=-1, keepdims=True))
    excess = np.max(terrain[:, :-1] - height[:, :-1], axis=1)     # the cell itself excluded
    oracle = excess > 0
    assert 0.1 < oracle.mean() < 0.9                               # a meaningful mix
    assert not np.any(ours & ~oracle)
    missed = ~ours & oracle
    assert missed.mean() < 0.03 and np.all(excess[missed] < 25.0)


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
                      make_grid(cell_lat, cell_lon), None)
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


def test_sun_table_matches_the_almanac():
    # The interpolated table against the Almanac formula itself, at random times: well
    # under the Almanac's own 0.01 deg (1.7e-4 rad).
    env = Environment(make_scenario(), make_grid([0.0], [0.0]), None)
    t = np.random.default_rng(3).uniform(0.0, 86_400.0, 500)       # inside the table
    direct = E.sun_unit_vector_ecef(env.jd0 + t / 86400.0)
    angle = np.arccos(np.clip(np.sum(env.sun_u(t) * direct, axis=1), -1, 1))
    assert angle.max() < 1e-5
