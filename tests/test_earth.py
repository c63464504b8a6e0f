"""Spherical-Earth geometry (sim/world/earth.py) against textbook values and identities.

Authorities: tests/authorities/ground_range_smad.csv (SMAD sec. 5.2 via docs/model.md),
Bowditch's horizon rule, Skolnik's 4/3-Earth radio horizon, Vallado example 3-5 (GMST).
"""
from __future__ import annotations

import csv
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from sim.world import earth

R = 6_371_000.0                      # docs/model.md mean radius
ONE_KM = 1_000.0
AUTHORITIES = Path(__file__).parent / "authorities"


def _rows(name):
    with open(AUTHORITIES / name, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


# ----------------------------------------------------------------------- ground range, horizon

def test_ground_range_table_smad():
    rows = _rows("ground_range_smad.csv")
    assert len(rows) == 16           # 4 altitudes x 4 elevations
    for row in rows:
        h = float(row["altitude_km"]) * ONE_KM
        eps = math.radians(float(row["elevation_deg"]))
        got = R * earth.central_angle_for_elevation_rad(R, h, eps)
        assert abs(got - float(row["ground_range_km"]) * ONE_KM) <= ONE_KM, row


def test_horizon_21km():
    # docs/model.md: h = 21.3 km gives about 521 km of ground arc; hand calculation
    # R acos(6371/6392.3) = 6371 km * 0.081658 = 520.2 km.
    got = R * earth.horizon_central_angle_rad(R, 21_300.0)
    assert abs(got - 520.2e3) < 0.2e3
    assert abs(got - 521e3) < ONE_KM


@pytest.mark.parametrize("h_m", [10.0, 100.0, 1_000.0, 7_600.0, 21_300.0])
def test_bowditch_horizon(h_m):
    # Bowditch, American Practical Navigator: geometric horizon d_km = 3.57 sqrt(h_m)
    # (= sqrt(2 R h) with R = 6371 km: 3.5696); within 1 %.
    got_km = R * earth.horizon_central_angle_rad(R, h_m) / ONE_KM
    assert got_km == pytest.approx(3.57 * math.sqrt(h_m), rel=0.01)


@pytest.mark.parametrize("h_m", [10.0, 100.0, 1_000.0, 7_600.0, 21_300.0])
def test_radio_horizon(h_m):
    # Skolnik, Introduction to Radar Systems, sec. 8.2: effective radius kR, k = 4/3,
    # d = sqrt(2 k R h) = 4.12 sqrt(h_m) km. The effective-Earth model keeps ground distance,
    # so distance = kR * (central angle on the kR sphere).
    k = 4.0 / 3.0
    got_km = k * R * earth.horizon_central_angle_rad(k * R, h_m) / ONE_KM
    assert got_km == pytest.approx(4.12 * math.sqrt(h_m), rel=0.01)
    assert got_km == pytest.approx(math.sqrt(2 * k * R * h_m) / ONE_KM, rel=0.01)


def test_horizon_target_height_adds_its_own_horizon():
    # docs/model.md: to a target of height h_t add its own horizon distance; geometric
    # 3.57 sqrt(h_t) km (Bowditch): 100 m -> 35.7 km more than to the ground.
    base = R * earth.horizon_central_angle_rad(R, 10_000.0)
    with_target = R * earth.horizon_central_angle_rad(R, 10_000.0, 100.0)
    assert (with_target - base) / ONE_KM == pytest.approx(3.57 * 10.0, rel=0.01)


# --------------------------------------------------- slant / elevation / off-nadir consistency

def test_slant_elevation_off_nadir_consistency():
    # SMAD eqs. 5-17..5-19: sin(eta) = cos(eps) sin(rho), eta + lambda + eps = 90 deg,
    # D = R sin(lambda) / sin(eta); inverse functions return lambda.
    rng = np.random.default_rng(1)
    h = rng.uniform(1_000.0, 800_000.0, 500)
    sin_rho = R / (R + h)
    lam = rng.uniform(1e-4, 0.999, 500) * np.arccos(sin_rho)   # inside the horizon
    eps = earth.elevation_rad(R, h, lam)
    eta = earth.off_nadir_rad(R, h, lam)
    np.testing.assert_allclose(np.sin(eta), np.cos(eps) * sin_rho, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(eta + lam + eps, np.pi / 2, atol=1e-12)
    slant = earth.slant_range_m(R, h, lam)
    np.testing.assert_allclose(slant, R * np.sin(lam) / np.sin(eta), rtol=1e-9)
    np.testing.assert_allclose(earth.central_angle_for_elevation_rad(R, h, eps), lam, atol=1e-11)
    np.testing.assert_allclose(earth.central_angle_for_off_nadir_rad(R, h, eta), lam, atol=1e-7)
    np.testing.assert_allclose(earth.central_angle_for_slant_range_rad(R, h, slant), lam, atol=1e-7)


def test_slant_range_nadir_and_horizon():
    # Hand calculations: at lambda = 0 the slant range is h; at the horizon it is the tangent
    # length sqrt(2 R h + h^2) (docs/model.md, Geometry).
    h = 21_300.0
    assert earth.slant_range_m(R, h, 0.0) == pytest.approx(h, rel=1e-9)
    lam0 = earth.horizon_central_angle_rad(R, h)
    assert earth.slant_range_m(R, h, lam0) == pytest.approx(math.sqrt(2 * R * h + h * h), rel=1e-9)
    # elevation 0 at the horizon, 90 deg at nadir (definitions)
    assert earth.elevation_rad(R, h, lam0) == pytest.approx(0.0, abs=1e-12)
    assert earth.elevation_rad(R, h, 0.0) == pytest.approx(math.pi / 2)


# ------------------------------------------------------------- positions and great circles

def test_destination_simple_cases():
    # Hand calculations on the equator: 10 deg east of (0, 0) is (0, 10); 10 deg north is (10, 0).
    o = earth.unit_vector(0.0, 0.0)
    lat, lon = earth.lat_lon_deg(earth.destination(o, math.radians(90.0), math.radians(10.0)))
    assert (float(lat), float(lon)) == pytest.approx((0.0, 10.0), abs=1e-12)
    lat, lon = earth.lat_lon_deg(earth.destination(o, 0.0, math.radians(10.0)))
    assert (float(lat), float(lon)) == pytest.approx((10.0, 0.0), abs=1e-12)


def test_destination_bearing_round_trip():
    # destination(u, b, a) lies at central angle a and initial bearing b from u (definitions).
    rng = np.random.default_rng(2)
    u = earth.unit_vector(rng.uniform(-80, 80, 1000), rng.uniform(-180, 180, 1000))
    b = rng.uniform(-math.pi, math.pi, 1000)
    a = rng.uniform(1e-6, 2.5, 1000)
    v = earth.destination(u, b, a)
    np.testing.assert_allclose(np.linalg.norm(v, axis=-1), 1.0, atol=1e-14)
    np.testing.assert_allclose(earth.central_angle_rad(u, v), a, atol=1e-12)
    db = np.angle(np.exp(1j * (earth.bearing_rad(u, v) - b)))   # wrapped difference
    np.testing.assert_allclose(db, 0.0, atol=1e-9)


def test_central_angle_accuracy_near_zero():
    # atan2 form: two points 1 mm apart (angle 1e-3 / R = 1.57e-10 rad) keep ~1e-6 relative
    # accuracy, where acos(u1 . u2) would return 0 or ~2e-8 (float64 epsilon limit).
    u = earth.unit_vector(31.0, -111.0)
    angle = 1e-3 / R
    v = earth.destination(u, 0.7, angle)
    assert float(earth.central_angle_rad(u, v)) == pytest.approx(angle, rel=1e-6)
    assert float(earth.central_angle_rad(u, u)) == 0.0
    assert float(earth.central_angle_rad(u, -u)) == pytest.approx(math.pi)


def test_rotate_quarter_turn():
    # Rodrigues' formula, hand check: x rotated +90 deg about z is y.
    got = earth.rotate(np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0]), math.pi / 2)
    np.testing.assert_allclose(got, [0.0, 1.0, 0.0], atol=1e-15)


# ------------------------------------------------------------------------------ time, Sun

def test_gmst_vallado_example_3_5():
    # Vallado, Fundamentals of Astrodynamics and Applications, example 3-5:
    # 1992 August 20, 12:14 UT1 -> GMST = 152.578 787 886 deg.
    jd = earth.julian_date(datetime(1992, 8, 20, 12, 14, tzinfo=timezone.utc))
    assert jd == pytest.approx(2448855.009722, abs=1e-6)      # Vallado example 3-5 JD_UT1
    assert math.degrees(float(earth.gmst_rad(jd))) == pytest.approx(152.578788, abs=1e-5)


def test_sun_equinox_noon_overhead_on_equator():
    # March equinox 2024-03-20 03:06 UTC (USNO): declination ~0. At 12:00 UTC the Sun is near
    # the meridian of lon 0 (equation of time -7.5 min: hour angle ~1.9 deg), so its elevation
    # at (0, 0) is about 88 deg, and about -88 deg at (0, 180).
    jd = earth.julian_date(datetime(2024, 3, 20, 12, 0, tzinfo=timezone.utc))
    s = earth.sun_unit_vector_ecef(jd)
    assert math.degrees(float(earth.sun_elevation_rad(earth.unit_vector(0.0, 0.0), s))) > 87.0
    assert math.degrees(float(earth.sun_elevation_rad(earth.unit_vector(0.0, 180.0), s))) < -87.0


def test_sun_solstice_declination():
    # June solstice 2024-06-20 20:51 UTC (USNO): declination = obliquity = 23.44 deg
    # (Astronomical Almanac; the low-precision formula is good to ~0.01 deg).
    jd = earth.julian_date(datetime(2024, 6, 20, 20, 51, tzinfo=timezone.utc))
    s = earth.sun_unit_vector_ecef(jd)
    assert np.linalg.norm(s) == pytest.approx(1.0)
    assert math.degrees(math.asin(float(s[2]))) == pytest.approx(23.44, abs=0.02)
