"""A sensor's footprint at one instant, in its true shape, as ground polygons (no pygame).

The visibility rule of sim.platforms.sensors.Sensor depends only on where a cell lies relative to the
platform: its central angle lam from the sub-platform point and its bearing relative to the
ground track. So the footprint is found once per (sensor, altitude) in the platform's own
frame: along each of N_AZ relative bearings, the visible range [lam_lo, lam_hi] is located by
sampling N_LAM central angles between the sensor's limits and bisecting both edges. Drawing
then turns those rays by the platform's heading: a horizon disc, a camera's cone ring, the
two side-looking bands, a nadir-swath frame all come out of the same rule the engine uses.
References: sim/platforms/sensors.py (SMAD 3rd ed. sec. 5.2); spherical destination point (sim.world.earth).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.bisection import bisect
from sim.world import earth as E

N_AZ = 144          # relative bearings (2.5 deg apart)
N_LAM = 32          # central-angle samples per bearing before bisection
N_BISECT = 12       # edge bisection steps: the edge to (lam_max - lam_min) / 48 / 4096


@dataclass(frozen=True)
class FootprintShape:
    """Visible central-angle range per relative bearing: az_rad (N_AZ,), lo_rad, hi_rad
    (N_AZ,) with NaN where nothing is visible along that bearing."""
    az_rad: np.ndarray
    lo_rad: np.ndarray
    hi_rad: np.ndarray


def _ray_points(az_rad: np.ndarray, lam_rad: np.ndarray):
    """Unit vectors of points at bearings az (relative to north) and central angles lam from
    the reference point (lat 0, lon 0), the platform there heading north."""
    origin = np.array([1.0, 0.0, 0.0])
    return E.destination(origin, az_rad, lam_rad)


def footprint_shape(sensor, altitude_m: float) -> FootprintShape:
    """The footprint of `sensor` (sim.platforms.sensors.Sensor) at altitude_m, in the platform frame."""
    az = np.linspace(0.0, 2.0 * math.pi, N_AZ, endpoint=False)
    lam_min, lam_max = sensor.central_angle_limits_rad(altitude_m)
    nan = np.full(N_AZ, np.nan)
    if not np.isfinite(lam_max) or lam_max <= lam_min:
        return FootprintShape(az, nan, nan.copy())
    origin = np.array([1.0, 0.0, 0.0])
    north = np.array([0.0, 0.0, 1.0])

    def visible(a, lam):
        pts = _ray_points(a, lam)
        return sensor.visible(np.broadcast_to(origin, pts.shape), altitude_m,
                              np.broadcast_to(north, pts.shape), pts)

    lam = np.linspace(lam_min, lam_max, N_LAM)
    grid_vis = visible(az[:, None] + 0.0 * lam[None, :], np.broadcast_to(lam, (N_AZ, N_LAM)))
    any_vis = grid_vis.any(axis=1)
    first = np.argmax(grid_vis, axis=1)
    last = N_LAM - 1 - np.argmax(grid_vis[:, ::-1], axis=1)
    step = lam[1] - lam[0] if N_LAM > 1 else 0.0

    def edge(inside, outside):
        """Refine edges between a visible angle `inside` and an invisible `outside` (N_AZ,)."""
        return bisect(lambda mid: visible(az, mid), inside, outside, steps=N_BISECT)

    lo = lam[first]
    hi = lam[last]
    lo = np.where(first > 0, edge(lo, lo - step), lo)
    hi = np.where(last < N_LAM - 1, edge(hi, hi + step), hi)
    return FootprintShape(az, np.where(any_vis, lo, np.nan), np.where(any_vis, hi, np.nan))


def reference_polygons(shape: FootprintShape) -> list[np.ndarray]:
    """Ground polygons (each (K, 3) unit vectors) of a footprint with the platform at the
    reference point (lat 0, lon 0) heading north. A full ring of bearings gives a disc
    (lo = 0) or an annulus drawn as one polygon through a seam; a partial run of bearings
    gives a band: its far edge out, then its near edge back."""
    ok = np.isfinite(shape.hi_rad)
    if not ok.any():
        return []
    az = shape.az_rad
    origin = np.array([1.0, 0.0, 0.0])
    if ok.all():
        outer = _ray_points(az, shape.hi_rad)
        if np.all(shape.lo_rad <= 1e-9):
            return [outer]
        inner = _ray_points(az, shape.lo_rad)
        outer = np.vstack([outer, outer[:1]])
        inner = np.vstack([inner, inner[:1]])
        return [np.vstack([outer, inner[::-1]])]
    polygons = []
    start = int(np.flatnonzero(~ok)[0])          # runs of visible bearings, cyclic
    order = np.roll(np.arange(ok.size), -start)
    run: list[int] = []
    for k in list(order) + [order[0]]:
        if ok[k] and (not run or k != run[0]):
            run.append(k)
            continue
        if run:
            idx = np.array(run)
            outer = _ray_points(az[idx], shape.hi_rad[idx])
            if np.all(shape.lo_rad[idx] <= 1e-9):
                polygons.append(np.vstack([origin[None, :], outer]))
            else:
                polygons.append(np.vstack([outer, _ray_points(az[idx], shape.lo_rad[idx])[::-1]]))
            run = []
    return polygons


def placed(polygons: list[np.ndarray], position_u: np.ndarray, heading: float) -> list[np.ndarray]:
    """Reference polygons moved to a sub-point with a heading: the rotation that takes the
    reference point (1, 0, 0) to p, north (0, 0, 1) to the heading direction h and east
    (0, 1, 0) to h x p (an orthonormal frame, so shapes and areas are kept exactly)."""
    east, north = _east_north(position_u)
    p = np.asarray(position_u, dtype=float)
    h = math.cos(heading) * north + math.sin(heading) * east
    right = math.cos(heading) * east - math.sin(heading) * north     # h x p
    frame = np.stack([p, right, h], axis=0)             # rows: images of x, y, z
    return [poly @ frame for poly in polygons]


def _east_north(u) -> tuple[np.ndarray, np.ndarray]:
    """East and north unit vectors at one ground point u (3,) (as sim.world.earth.local_frame,
    written out for a single point: this runs for every platform every frame)."""
    x, y, z = (float(v) for v in u)
    r = math.hypot(x, y)
    if r < 1e-12:                        # a pole: any east will do
        return np.array([0.0, 1.0, 0.0]), np.array([-1.0, 0.0, 0.0])
    east = np.array([-y / r, x / r, 0.0])
    north = np.array([-z * x / r, -z * y / r, r])
    return east, north


def heading_rad(position_u: np.ndarray, velocity_m_s: np.ndarray) -> float:
    """Bearing (rad, clockwise from north) of a ground velocity at a sub-point."""
    east, north = _east_north(position_u)
    return float(math.atan2(float(np.dot(velocity_m_s, east)), float(np.dot(velocity_m_s, north))))
