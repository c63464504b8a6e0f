"""Sensor visibility geometry (sim/platforms/sensors.py): limits by hand calculation, visible() against
independent central angles and hand-built geometry, broadcasting shapes."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from sim.world import earth
from sim.schema import EarthSpec, SensorSpec
from sim.platforms.sensors import Sensor, build_sensors

R = 6_371_000.0
EARTH = EarthSpec(radius_m=R, refraction_k=4.0 / 3.0)
H = 21_300.0                          # high-altitude reconnaissance aircraft (docs/model.md)
DEG = math.pi / 180.0

# Hand-built frame at (0, 0) heading north: p = x, t = z (north), left normal n = p x t = -y (west).
P0 = np.array([1.0, 0.0, 0.0])
NORTH = np.array([0.0, 0.0, 1.0])
WEST = np.array([0.0, -1.0, 0.0])


def sensor(kind, **kw):
    return Sensor(SensorSpec(name="s", kind=kind, **kw), EARTH)


def random_cells(n, seed=0, lat=(28.0, 36.0), lon=(-115.0, -107.0)):
    rng = np.random.default_rng(seed)
    return earth.unit_vector(rng.uniform(*lat, n), rng.uniform(*lon, n))


def at(bearing_deg, ground_m, origin=P0):
    """Cell at a ground distance along a bearing from origin (great circle)."""
    return earth.destination(origin, math.radians(bearing_deg), ground_m / R)


# ------------------------------------------------------------------------------------ limits

def test_horizon_geometric_limit():
    # R acos(R/(R+h)) = 6371 km * acos(6371/6392.3) = 520.2 km (hand; docs/model.md ~521 km)
    lam_min, lam_max = sensor("horizon").central_angle_limits_rad(H)
    assert lam_min == 0.0
    assert R * lam_max == pytest.approx(520.2e3, abs=0.2e3)


def test_radio_horizon_limit_and_target_height():
    # Skolnik 4/3 Earth: d = sqrt(2 k R h) ~ 4.12 sqrt(h_m) km = 4.12 * 145.9 = 601.3 km at 21.3 km
    # (exact arc is 0.05 % shorter); a 100 m emitter adds 4.12 sqrt(100) = 41.2 km.
    lam = sensor("horizon", radio=True).central_angle_limits_rad(H)[1]
    assert R * lam / 1e3 == pytest.approx(4.12 * math.sqrt(H), rel=0.005)
    lam_t = sensor("horizon", radio=True, target_height_m=100.0).central_angle_limits_rad(H)[1]
    assert R * (lam_t - lam) / 1e3 == pytest.approx(41.2, rel=0.01)
    # min_elevation 0 (default) must not cut the radio horizon back to the geometric 520 km
    assert R * lam > 590e3


def test_min_elevation_limit():
    # SMAD 5.2 / docs/model.md table: h 21.3 km, eps 5 deg -> 205 km ground range
    lam = sensor("conic", min_elevation_rad=5 * DEG).central_angle_limits_rad(H)[1]
    assert R * lam == pytest.approx(205e3, abs=1e3)
    # geometric R even for radio sensors: same limit
    lam_r = sensor("horizon", radio=True, min_elevation_rad=5 * DEG).central_angle_limits_rad(H)[1]
    assert lam_r == pytest.approx(lam, rel=1e-12)


def test_max_range_limit():
    # Law of cosines, hand numbers: a = R, b = R + h, D = 150 km:
    # cos(lam) = (a^2 + b^2 - D^2) / (2ab); flat-Earth check sqrt(150^2 - 21.3^2) = 148.5 km.
    D = 150e3
    a, b = R, R + H
    expected = math.acos((a * a + b * b - D * D) / (2 * a * b))
    lam = sensor("conic", max_range_m=D).central_angle_limits_rad(H)[1]
    assert lam == pytest.approx(expected, rel=1e-12)
    assert R * lam == pytest.approx(148.5e3, rel=0.01)


def test_max_range_below_altitude_is_empty():
    # A 10 km slant range cannot reach the ground from 21.3 km: nothing visible.
    s = sensor("conic", max_range_m=10e3)
    lam_min, lam_max = s.central_angle_limits_rad(H)
    assert lam_max == -math.inf and lam_max < lam_min
    assert not s.visible(P0, H, None, random_cells(100)).any()
    # ... but from 5 km altitude it reaches 8.66 km (flat: sqrt(10^2 - 5^2), hand)
    lam_min, lam_max = s.central_angle_limits_rad(np.array([H, 5e3]))
    assert lam_max[0] == -math.inf and R * lam_max[1] == pytest.approx(8.66e3, rel=0.01)


def test_off_nadir_limit():
    # SMAD 5-17..5-19 by hand: sin(rho) = 6371/6392.3 = 0.996668, cos(eps) = sin 60 / sin rho
    # = 0.868921, eps = 29.67 deg, lam = 90 - 60 - 29.67 = 0.33 deg; flat Earth h tan 60 = 36.9 km.
    lam = sensor("conic", max_off_nadir_rad=60 * DEG).central_angle_limits_rad(H)[1]
    sin_rho = R / (R + H)
    eps = math.acos(math.sin(60 * DEG) / sin_rho)
    assert lam == pytest.approx(math.pi / 2 - 60 * DEG - eps, rel=1e-12)
    assert R * lam == pytest.approx(H * math.tan(60 * DEG), rel=0.01)
    # 89 deg is past the limb (rho = 85.3 deg): the horizon, not less
    lam89 = sensor("conic", max_off_nadir_rad=89 * DEG).central_angle_limits_rad(H)[1]
    assert lam89 == pytest.approx(math.acos(sin_rho), rel=1e-9)


def test_gsd_limit_equals_slant_limit():
    # GSD = D p / f <= 1 m with f = 1.5 m, p = 10 um  <=>  D <= 1 * 1.5 / 1e-5 = 150 km (hand)
    s = sensor("conic", focal_length_m=1.5, pixel_pitch_m=10e-6, max_gsd_m=1.0)
    ref = sensor("conic", max_range_m=150e3)
    assert s.central_angle_limits_rad(H)[1] == pytest.approx(ref.central_angle_limits_rad(H)[1],
                                                             rel=1e-12)
    assert float(s.gsd_m(150e3)) == pytest.approx(1.0)          # 150e3 * 1e-5 / 1.5
    assert sensor("conic").gsd_m(150e3) is None
    # no max_gsd: imaging model but no limit -> horizon
    s2 = sensor("conic", focal_length_m=1.5, pixel_pitch_m=10e-6)
    assert s2.central_angle_limits_rad(H) == sensor("conic").central_angle_limits_rad(H)


def test_slant_m_law_of_cosines():
    # nadir: slant = h; horizon: sqrt(2 R h + h^2) (docs/model.md)
    s = sensor("conic")
    assert float(s.slant_m(H, 1.0)) == pytest.approx(H, rel=1e-9)
    cos0 = R / (R + H)
    assert float(s.slant_m(H, cos0)) == pytest.approx(math.sqrt(2 * R * H + H * H), rel=1e-9)


def test_side_looking_band():
    # ground ranges -> lam = range / R: 20/6371 and 160/6371 rad
    lam_min, lam_max = sensor("side-looking", near_range_m=20e3,
                              far_range_m=160e3).central_angle_limits_rad(H)
    assert lam_min == pytest.approx(20e3 / R) and lam_max == pytest.approx(160e3 / R)
    # far range beyond the horizon: the horizon (520.2 km) wins
    assert R * sensor("side-looking", far_range_m=900e3).central_angle_limits_rad(H)[1] == \
        pytest.approx(520.2e3, abs=0.2e3)
    # near range beyond everything: empty
    assert sensor("side-looking", near_range_m=600e3).central_angle_limits_rad(H)[1] == -math.inf


def test_nadir_swath_limits():
    # Landsat-like, h = 705 km, half_angle 7.5 deg: flat Earth h tan(7.5) = 92.8 km half swath
    # (docs/model.md: 185 km swath); sphere within 1 %. Outer bound = frame corner
    # acos(cos lam_c cos lam_a) (Napier's rule for a right spherical triangle).
    s = sensor("nadir-swath", half_angle_rad=7.5 * DEG, along_half_angle_rad=2.5 * DEG)
    lam_c, lam_a = s.swath_central_angles_rad(705e3)
    assert R * lam_c == pytest.approx(705e3 * math.tan(7.5 * DEG), rel=0.01)
    assert R * lam_a == pytest.approx(705e3 * math.tan(2.5 * DEG), rel=0.01)
    lam_min, lam_max = s.central_angle_limits_rad(705e3)
    assert lam_min == 0.0
    assert lam_max == pytest.approx(math.acos(math.cos(lam_c) * math.cos(lam_a)), rel=1e-12)
    # along None -> same as half_angle
    lc, la = sensor("nadir-swath", half_angle_rad=7.5 * DEG).swath_central_angles_rad(705e3)
    assert lc == la == pytest.approx(lam_c)


def test_limits_vectorised_over_altitude():
    s = sensor("conic", min_elevation_rad=5 * DEG)
    hs = np.array([7.6e3, 15.2e3, 21.3e3, 617e3])
    lam_min, lam_max = s.central_angle_limits_rad(hs)
    assert lam_max.shape == (4,)
    # docs/model.md table, eps 5 deg column: 81, 153, 205, 2195 km (within 1 km)
    np.testing.assert_allclose(R * lam_max, [81e3, 153e3, 205e3, 2195e3], atol=1e3)
    for h, lm in zip(hs, lam_max):
        assert s.central_angle_limits_rad(float(h))[1] == pytest.approx(lm)


# -------------------------------------------------------------------------------- visible

@pytest.mark.parametrize("spec_kw", [
    dict(kind="horizon"),
    dict(kind="horizon", radio=True),
    dict(kind="conic", min_elevation_rad=5 * DEG, max_range_m=150e3, max_off_nadir_rad=80 * DEG),
    dict(kind="conic", max_off_nadir_rad=60 * DEG),
])
def test_visible_matches_central_angles(spec_kw):
    # Independent check: central angle by the atan2 form (sim.world.earth) against the limit band.
    s = Sensor(SensorSpec(name="s", **spec_kw), EARTH)
    p = earth.unit_vector(32.0, -111.0)
    cells = random_cells(20_000, seed=3)
    h = 15_000.0
    lam = earth.central_angle_rad(p, cells)
    lam_min, lam_max = s.central_angle_limits_rad(h)
    got = s.visible(p, h, None, cells)
    expected = (lam >= lam_min) & (lam <= lam_max)
    assert got.dtype == bool and got.shape == (20_000,)
    assert 0 < expected.sum() < expected.size           # the test discriminates
    np.testing.assert_array_equal(got, expected)


def test_radio_vs_geometric_horizon_cell():
    # A cell 560 km away from a 21.3 km platform: beyond the geometric horizon (520 km),
    # inside the radio horizon (~601 km, Skolnik 4.12 sqrt(h)).
    cell = at(45.0, 560e3)
    assert not sensor("horizon").visible(P0, H, None, cell)
    assert sensor("horizon", radio=True).visible(P0, H, None, cell)


def test_gsd_limit_in_visible():
    # D <= 150 km (see test_gsd_limit_equals_slant_limit): ground 148.5 km just in, 149.5 km out
    s = sensor("conic", focal_length_m=1.5, pixel_pitch_m=10e-6, max_gsd_m=1.0)
    lam_max = s.central_angle_limits_rad(H)[1]
    inside, outside = at(10.0, R * lam_max - 500.0), at(10.0, R * lam_max + 500.0)
    assert s.visible(P0, H, None, inside) and not s.visible(P0, H, None, outside)
    assert float(s.gsd_m(s.slant_m(H, inside @ P0))) <= 1.0 < float(s.gsd_m(s.slant_m(H, outside @ P0)))


def test_side_looking_sides_and_squint():
    # Heading north at (0, 0): left is west (bearing 270). A cell 100 km away at bearing
    # 274 deg has azimuth 4 deg from left broadside: tan psi = (u.t)/|u.n| = cos274/|sin274|
    # (u = cos a p + sin a (cos b north + sin b east)). Squint limit 5 deg.
    kw = dict(near_range_m=20e3, far_range_m=160e3, max_squint_rad=5 * DEG)
    left4, left6 = at(274.0, 100e3), at(276.0, 100e3)
    left_back4 = at(266.0, 100e3)                     # 4 deg behind broadside
    right4 = at(86.0, 100e3)
    too_near, too_far = at(270.0, 10e3), at(270.0, 170e3)
    cells = np.stack([left4, left6, left_back4, right4, too_near, too_far])
    both = sensor("side-looking", **kw).visible(P0, H, NORTH, cells)
    np.testing.assert_array_equal(both, [True, False, True, True, False, False])
    left = sensor("side-looking", sides="left", **kw).visible(P0, H, NORTH, cells)
    np.testing.assert_array_equal(left, [True, False, True, False, False, False])
    right = sensor("side-looking", sides="right", **kw).visible(P0, H, NORTH, cells)
    np.testing.assert_array_equal(right, [False, False, False, True, False, False])
    # no squint limit (90 deg): the 6 deg cell and a cell straight ahead at 100 km are in
    nolimit = sensor("side-looking", near_range_m=20e3, far_range_m=160e3)
    np.testing.assert_array_equal(nolimit.visible(P0, H, NORTH, np.stack([left6, at(0.0, 100e3)])),
                                  [True, True])
    # reversing the velocity swaps left and right
    np.testing.assert_array_equal(
        sensor("side-looking", sides="left", **kw).visible(P0, H, -NORTH, cells),
        [False, False, False, True, False, False])


def test_side_looking_squint_random_cells():
    # Squint rule against an independent azimuth: the bearing b of the cell from p
    # (sim.world.earth.bearing_rad, clockwise from north). Heading north, broadside is b = +-90 deg,
    # so the azimuth from broadside is psi = |90 - |b|| (hand geometry).
    s = sensor("side-looking", near_range_m=20e3, far_range_m=400e3, max_squint_rad=10 * DEG)
    cells = random_cells(20_000, seed=5, lat=(-4, 4), lon=(-4, 4))
    b = np.degrees(earth.bearing_rad(P0, cells))            # (-180, 180], 0 = north = ahead
    psi = np.abs(90.0 - np.abs(b))                           # off broadside on either side
    lam = earth.central_angle_rad(P0, cells)
    expected = (psi <= 10.0) & (lam >= 20e3 / R) & (lam <= 400e3 / R)
    got = s.visible(P0, H, NORTH, cells)
    assert 0 < expected.sum()
    np.testing.assert_array_equal(got, expected)


def test_velocity_is_projected_and_normalised():
    # A non-unit velocity with a radial component gives the same answer (documented rule).
    s = sensor("side-looking", sides="left", near_range_m=20e3, far_range_m=160e3,
               max_squint_rad=5 * DEG)
    cells = random_cells(5_000, seed=6, lat=(-2, 2), lon=(-2, 2))
    a = s.visible(P0, H, NORTH, cells)
    b = s.visible(P0, H, 250.0 * NORTH + 30.0 * P0, cells)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        s.visible(P0, H, None, cells)


def test_nadir_swath_frame():
    # Frame cells built from cross-track angle c and along-track angle a:
    # u = cos c (cos a p + sin a t) + sin c n, so u.n = sin c and atan2(u.t, u.p) = a.
    s = sensor("nadir-swath", half_angle_rad=7.5 * DEG, along_half_angle_rad=2.5 * DEG)
    h = 705e3
    lam_c, lam_a = s.swath_central_angles_rad(h)

    def cell(fc, fa):
        c, a = fc * lam_c, fa * lam_a
        return math.cos(c) * (math.cos(a) * P0 + math.sin(a) * NORTH) + math.sin(c) * WEST

    fracs = [(0.0, 0.0), (0.99, 0.99), (-0.99, -0.99), (0.5, -0.9), (1.01, 0.0), (0.0, 1.01),
             (-1.01, 0.5), (0.5, -1.01)]
    cells = np.stack([cell(fc, fa) for fc, fa in fracs])
    np.testing.assert_array_equal(s.visible(P0, h, NORTH, cells),
                                  [True, True, True, True, False, False, False, False])


def test_nadir_swath_matches_atan2_rule_random():
    # The docstring rule with atan2 evaluated independently.
    s = sensor("nadir-swath", half_angle_rad=20 * DEG, along_half_angle_rad=5 * DEG)
    h = 617e3
    cells = random_cells(20_000, seed=7, lat=(-8, 8), lon=(-8, 8))
    lam_c, lam_a = s.swath_central_angles_rad(h)
    u_n, u_t, u_p = cells @ WEST, cells @ NORTH, cells @ P0
    expected = (np.abs(u_n) <= math.sin(lam_c)) & (np.abs(np.arctan2(u_t, u_p)) <= lam_a)
    got = s.visible(P0, h, NORTH, cells)
    assert 0 < expected.sum() < expected.size
    np.testing.assert_array_equal(got, expected)


def test_nadir_swath_limited_by_min_elevation():
    # A wide 60 deg swath from 617 km is cut by min_elevation 20 deg to the band of
    # 1229 km (docs/model.md table): a cell 1300 km cross-track is inside the swath angle
    # (lam(60 deg) > lam(eps 20)) but not visible.
    s = sensor("nadir-swath", half_angle_rad=60 * DEG, min_elevation_rad=20 * DEG)
    assert R * s.central_angle_limits_rad(617e3)[1] == pytest.approx(1229e3, abs=1e3)
    far = at(270.0, 1300e3)
    near = at(270.0, 1200e3)
    np.testing.assert_array_equal(s.visible(P0, 617e3, NORTH, np.stack([near, far])), [True, False])


# ------------------------------------------------------------------------------ broadcasting

def test_broadcasting_grid_and_paired():
    s = sensor("side-looking", near_range_m=20e3, far_range_m=200e3, max_squint_rad=30 * DEG)
    rng = np.random.default_rng(8)
    n, m = 7, 300
    plats = earth.unit_vector(rng.uniform(30, 34, n), rng.uniform(-112, -110, n))
    vel = earth.direction_at(plats, rng.uniform(-math.pi, math.pi, n))
    alts = rng.uniform(5e3, 20e3, n)
    cells = random_cells(m, seed=9, lat=(29, 35), lon=(-114, -108))

    grid = s.visible(plats[:, None, :], alts[:, None], vel[:, None, :], cells[None, :, :])
    assert grid.shape == (n, m) and grid.dtype == bool
    assert grid.any()
    # each row equals the single-platform call with a scalar altitude
    for i in range(n):
        np.testing.assert_array_equal(grid[i], s.visible(plats[i], float(alts[i]), vel[i], cells))
    # paired (K, 3) x (K, 3) with per-pair altitude (K,)
    ii, jj = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    paired = s.visible(plats[ii], alts[ii], vel[ii], cells[jj])
    assert paired.shape == (n * m,)
    np.testing.assert_array_equal(paired, grid.ravel())


def test_broadcasting_without_direction_and_empty_rows():
    # Per-platform altitude where one platform's max_range cannot reach the ground: that row
    # is all False, the other equals the scalar call.
    s = sensor("conic", max_range_m=12e3)
    plats = np.stack([P0, P0])
    cells = np.stack([at(b, g) for b in (0.0, 90.0) for g in (1e3, 5e3, 11e3)])
    grid = s.visible(plats[:, None, :], np.array([[15e3], [5e3]]), None, cells[None])
    assert grid.shape == (2, 6)
    assert not grid[0].any()
    # from 5 km: reach sqrt(12^2 - 5^2) = 10.9 km (flat, hand); 1 and 5 km in, 11 km out
    np.testing.assert_array_equal(grid[1], [True, True, False, True, True, False])
    np.testing.assert_array_equal(grid[1], s.visible(P0, 5e3, None, cells))


# ---------------------------------------------------------------------------------- misc

def test_build_sensors_and_needs_direction():
    specs = [SensorSpec(name=k, kind=k) for k in ("horizon", "conic", "side-looking", "nadir-swath")]
    sensors = build_sensors(specs, EARTH)
    assert [x.spec.name for x in sensors] == ["horizon", "conic", "side-looking", "nadir-swath"]
    assert [x.needs_direction for x in sensors] == [False, False, True, True]
    with pytest.raises(ValueError):
        Sensor(SensorSpec(name="x", kind="lidar"), EARTH)


def test_core_module_imports_no_front_end():
    # The architecture rule (README.md): core modules never import yaml, argparse, matplotlib or pygame.
    code = ("import sys, sim.platforms.sensors; bad = [m for m in ('yaml', 'argparse', 'matplotlib', "
            "'pygame') if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_own_reach_adds_the_cell_elevation_to_horizon_and_slant_range():
    # max_range 300 km from 10 km up. A cell 1,500 m up: slant range by the law of cosines
    # D^2 = a^2 + b^2 - 2ab cos(lam), a = R + 1500, b = R + 10000 (MODEL_REFERENCE), solved
    # for lam; the horizon to it (acos(R/b) + acos(R/a) = 4.452 deg) is farther than that.
    spec = SensorSpec(name="r", kind="horizon", max_range_m=300_000.0)
    r = EARTH.radius_m
    a, b = r + 1500.0, r + 10_000.0
    lam_cell = math.acos((a * a + b * b - 300_000.0 ** 2) / (2 * a * b))
    lam_sea = math.acos(((r * r) + b * b - 300_000.0 ** 2) / (2 * r * b))
    assert lam_cell > lam_sea                      # nearer the platform's height: farther
    sensor = Sensor(spec, EARTH)
    assert float(sensor.own_reach_rad(10_000.0, 1500.0)) == pytest.approx(lam_cell, rel=1e-12)
    cos = np.cos([lam_cell * 0.999, lam_cell * 1.001])
    assert sensor.within_own_reach(cos, 10_000.0, np.full(2, 1500.0)).tolist() == [True, False]
    # The geometry with terrain up to 1,500 m reaches exactly that far; without, the sea's.
    assert Sensor(spec, EARTH, 1500.0).central_angle_limits_rad(10_000.0)[1] == \
        pytest.approx(lam_cell, rel=1e-12)
    assert sensor.central_angle_limits_rad(10_000.0)[1] == pytest.approx(lam_sea, rel=1e-12)
