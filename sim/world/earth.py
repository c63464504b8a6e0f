"""Spherical-Earth geometry: positions, great circles, horizon, slant range, elevation,
sidereal time and the Sun. All functions are pure and vectorised with numpy broadcasting.

Conventions: a ground point is a unit vector in the Earth-fixed frame (x to lat 0 lon 0,
z to the north pole), shape (..., 3). Angles inside are radians unless the name says _deg.
Notation follows docs/model.md: R radius, h platform altitude, lambda Earth central
angle between the sub-platform point and a ground point, eps elevation angle at the ground
point, eta off-nadir angle at the platform.

References: Wertz & Larson, Space Mission Analysis and Design (SMAD), 3rd ed., sec. 5.2
(eqs. 5-15 to 5-28); Vallado, Fundamentals of Astrodynamics and Applications, 4th ed.,
eq. 3-45 (GMST, IAU 1982) and algorithm 29 (Sun position, Astronomical Almanac).
"""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

# --------------------------------------------------------------------------- positions

def unit_vector(lat_deg, lon_deg) -> np.ndarray:
    """Unit vector(s) of geocentric latitude/longitude in degrees. Shapes (...) -> (..., 3)."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


def lat_lon_deg(u) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude in degrees of vectors (..., 3) (need not be unit length)."""
    u = np.asarray(u, dtype=float)
    lat = np.degrees(np.arctan2(u[..., 2], np.hypot(u[..., 0], u[..., 1])))
    lon = np.degrees(np.arctan2(u[..., 1], u[..., 0]))
    return lat, lon


def normalize(v) -> np.ndarray:
    """v / |v| along the last axis. Shape (..., 3)."""
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def central_angle_rad(u1, u2) -> np.ndarray:
    """Earth central angle between unit vectors (..., 3); atan2 form, accurate at 0 and pi."""
    u1 = np.asarray(u1, dtype=float)
    u2 = np.asarray(u2, dtype=float)
    cross = np.linalg.norm(np.cross(u1, u2), axis=-1)
    return np.arctan2(cross, np.sum(u1 * u2, axis=-1))


def local_frame(u) -> tuple[np.ndarray, np.ndarray]:
    """East and north unit vectors at ground points u (..., 3). Undefined at the poles."""
    u = np.asarray(u, dtype=float)
    z = np.zeros_like(u)
    z[..., 2] = 1.0
    east = normalize(np.cross(z, u))
    north = np.cross(u, east)
    return east, north


def direction_at(u, bearing_rad) -> np.ndarray:
    """Unit tangent vector at u (..., 3) pointing along a bearing (clockwise from north)."""
    east, north = local_frame(u)
    b = np.asarray(bearing_rad, dtype=float)[..., None]
    return np.cos(b) * north + np.sin(b) * east


def destination(u, bearing_rad, angle_rad) -> np.ndarray:
    """Point reached from u along a great circle with initial bearing, after a central angle.

    Shapes broadcast: u (..., 3), bearing and angle (...). Returns (..., 3).
    References: great-circle navigation, e.g. Bowditch, American Practical Navigator, ch. 24.
    """
    u = np.asarray(u, dtype=float)
    d = direction_at(u, bearing_rad)
    a = np.asarray(angle_rad, dtype=float)[..., None]
    return np.cos(a) * u + np.sin(a) * d


def bearing_rad(u_from, u_to) -> np.ndarray:
    """Initial great-circle bearing from u_from to u_to, clockwise from north, in (-pi, pi]."""
    east, north = local_frame(u_from)
    u_to = np.asarray(u_to, dtype=float)
    return np.arctan2(np.sum(u_to * east, axis=-1), np.sum(u_to * north, axis=-1))


def rotate(v, axis, angle_rad) -> np.ndarray:
    """Rotate vectors v (..., 3) about unit axis (..., 3) by angle (right-hand rule).

    References: Rodrigues' rotation formula.
    """
    v = np.asarray(v, dtype=float)
    k = np.asarray(axis, dtype=float)
    a = np.asarray(angle_rad, dtype=float)[..., None]
    kv = np.sum(k * v, axis=-1, keepdims=True)
    return v * np.cos(a) + np.cross(k, v) * np.sin(a) + k * kv * (1.0 - np.cos(a))


# --------------------------------------------------------------- viewing geometry (SMAD 5.2)

def horizon_central_angle_rad(radius_m, altitude_m, target_height_m=0.0):
    """Central angle to the line-of-sight horizon, lambda_0 = acos(R/(R+h)) (SMAD eq. 5-16),
    plus the target's own horizon term acos(R/(R+h_t)) for a target above the surface.
    For radio sensors call it with radius k*R (Skolnik: effective Earth radius, k = 4/3):
    the result is a central angle of that enlarged Earth, and the true central angle is k
    times it (the model keeps ground distances: d = sqrt(2 k R h) to first order)."""
    r = np.asarray(radius_m, dtype=float)
    return (np.arccos(r / (r + np.asarray(altitude_m, dtype=float)))
            + np.arccos(r / (r + np.asarray(target_height_m, dtype=float))))


def central_angle_for_elevation_rad(radius_m, altitude_m, elevation_rad):
    """lambda for a given elevation angle eps at the ground point (SMAD eqs. 5-17..5-19):
    sin(eta) = cos(eps) sin(rho), sin(rho) = R/(R+h), lambda = 90 deg - eta - eps."""
    sin_rho = np.asarray(radius_m, dtype=float) / (np.asarray(radius_m, dtype=float) + altitude_m)
    eps = np.asarray(elevation_rad, dtype=float)
    eta = np.arcsin(np.cos(eps) * sin_rho)
    return np.pi / 2 - eta - eps


def central_angle_for_off_nadir_rad(radius_m, altitude_m, off_nadir_rad):
    """lambda for an off-nadir angle eta (SMAD 5-17..5-19): cos(eps) = sin(eta)/sin(rho);
    beyond the Earth's limb (sin eta >= sin rho) the horizon central angle is returned."""
    sin_rho = np.asarray(radius_m, dtype=float) / (np.asarray(radius_m, dtype=float) + altitude_m)
    # Past the limb (eta > rho) the line of sight misses the Earth: cap at the limb angle,
    # where eps = 0 and lambda = 90 deg - rho, the horizon central angle.
    eta = np.minimum(np.asarray(off_nadir_rad, dtype=float), np.arcsin(sin_rho))
    cos_eps = np.clip(np.sin(eta) / sin_rho, -1.0, 1.0)
    return np.pi / 2 - eta - np.arccos(cos_eps)


def slant_range_m(radius_m, altitude_m, central_angle, target_height_m=0.0):
    """Distance from platform to ground point by the law of cosines (docs/model.md):
    D^2 = (R+h_t)^2 + (R+h)^2 - 2 (R+h_t)(R+h) cos(lambda)."""
    a = np.asarray(radius_m, dtype=float) + target_height_m
    b = np.asarray(radius_m, dtype=float) + altitude_m
    return np.sqrt(np.maximum(a * a + b * b - 2.0 * a * b * np.cos(central_angle), 0.0))


def central_angle_for_slant_range_rad(radius_m, altitude_m, slant_m, target_height_m=0.0):
    """Inverse of slant_range_m: lambda with the given slant range (clipped to [0, pi])."""
    a = np.asarray(radius_m, dtype=float) + target_height_m
    b = np.asarray(radius_m, dtype=float) + altitude_m
    cos_l = (a * a + b * b - np.asarray(slant_m, dtype=float) ** 2) / (2.0 * a * b)
    return np.arccos(np.clip(cos_l, -1.0, 1.0))


def elevation_rad(radius_m, altitude_m, central_angle):
    """Elevation of the platform seen from the ground point (SMAD 5-2, law of sines form):
    tan(eps) = (cos(lambda) - R/(R+h)) / sin(lambda). Returns pi/2 at lambda = 0."""
    lam = np.asarray(central_angle, dtype=float)
    ratio = np.asarray(radius_m, dtype=float) / (np.asarray(radius_m, dtype=float) + altitude_m)
    return np.arctan2(np.cos(lam) - ratio, np.sin(lam))


def off_nadir_rad(radius_m, altitude_m, central_angle):
    """Off-nadir angle eta at the platform (SMAD 5-2): tan(eta) = sin(rho) sin(lambda) /
    (1 - sin(rho) cos(lambda))."""
    lam = np.asarray(central_angle, dtype=float)
    sin_rho = np.asarray(radius_m, dtype=float) / (np.asarray(radius_m, dtype=float) + altitude_m)
    return np.arctan2(sin_rho * np.sin(lam), 1.0 - sin_rho * np.cos(lam))


# ---------------------------------------------------------------- time, sidereal time, Sun

J2000_JD = 2451545.0


def julian_date(when: datetime) -> float:
    """Julian date (UTC, used as UT1; the <1 s difference is irrelevant here)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    unix_s = when.timestamp()
    return unix_s / 86400.0 + 2440587.5


def gmst_rad(jd_ut1) -> np.ndarray:
    """Greenwich mean sidereal time in radians, IAU 1982 model (Vallado eq. 3-45):
    GMST = 67310.54841 s + (876600 h + 8640184.812866 s) T + 0.093104 T^2 - 6.2e-6 T^3,
    T in Julian centuries of UT1 from J2000."""
    jd = np.asarray(jd_ut1, dtype=float)
    t = (jd - J2000_JD) / 36525.0
    seconds = (67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t
               + 0.093104 * t * t - 6.2e-6 * t ** 3)
    return np.mod(np.radians(np.mod(seconds, 86400.0) / 240.0), 2.0 * np.pi)


def sun_unit_vector_ecef(jd_ut1) -> np.ndarray:
    """Unit vector to the Sun in the Earth-fixed frame, shape (..., 3).

    Low-precision solar coordinates of the Astronomical Almanac (about 0.01 deg, 1950-2050),
    as in Vallado algorithm 29, rotated to Earth-fixed axes with GMST (IAU 1982).
    """
    jd = np.asarray(jd_ut1, dtype=float)
    n = jd - J2000_JD
    mean_lon = np.radians(np.mod(280.460 + 0.9856474 * n, 360.0))
    anomaly = np.radians(np.mod(357.528 + 0.9856003 * n, 360.0))
    ecl_lon = mean_lon + np.radians(1.915) * np.sin(anomaly) + np.radians(0.020) * np.sin(2 * anomaly)
    obliquity = np.radians(23.439 - 4.0e-7 * n)
    x = np.cos(ecl_lon)
    y = np.cos(obliquity) * np.sin(ecl_lon)
    z = np.sin(obliquity) * np.sin(ecl_lon)
    theta = gmst_rad(jd)
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([c * x + s * y, -s * x + c * y, z], axis=-1)


def sun_elevation_rad(ground_u, sun_u) -> np.ndarray:
    """Elevation of the Sun (at infinity) above the horizon of ground points: asin(u . s).
    Shapes broadcast: (..., 3) with (..., 3)."""
    return np.arcsin(np.clip(np.sum(np.asarray(ground_u) * np.asarray(sun_u), axis=-1), -1, 1))
