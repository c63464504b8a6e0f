"""Geometry for drawing maps: the grid's own equal-area plane, polylines cut where they must
not be joined, and ground tracks sampled finely enough to draw.

Pure numpy (no matplotlib): sim/output/map_figure.py draws with it.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from sim.platforms.segments import OrbitSegment
from sim.units import EARTH_RADIUS_M
from sim.world.earth import central_angle_rad, lat_lon_deg, normalize, unit_vector
from sim.world.grid import laea_forward


def lat_lon_arrays(obj) -> list[np.ndarray]:
    """Flatten a (K,2) [lat, lon] array or (nested) lists of them into a list of (K,2)."""
    if obj is None:
        return []
    if isinstance(obj, np.ndarray) and obj.ndim == 2 and obj.shape[1] == 2:
        return [obj.astype(float)]
    if isinstance(obj, (list, tuple)):
        try:
            arr = np.asarray(obj, dtype=float)
            if arr.ndim == 2 and arr.shape[1] == 2:
                return [arr]
        except (ValueError, TypeError):
            pass
        out = []
        for item in obj:
            out.extend(lat_lon_arrays(item))
        return out
    return []


def wrap180(deg):
    """Angles in degrees wrapped to [-180, 180)."""
    return (np.asarray(deg, dtype=float) + 180.0) % 360.0 - 180.0


def densify(arr: np.ndarray, max_step_deg: float) -> np.ndarray:
    """Insert points linearly in (lat, lon) so that no step exceeds max_step_deg, taking the
    short way in longitude (a step from 179.9 E to 179.9 W is 0.2 deg, not 359.8). NaN rows,
    which break lines, are kept. (K,2) -> (K',2), longitudes in [-180, 180)."""
    arr = np.asarray(arr, dtype=float)
    if len(arr) < 2:
        return arr
    d = np.diff(arr, axis=0)
    d[:, 1] = wrap180(d[:, 1])
    step = np.abs(d).max(axis=1)
    pieces = np.where(np.isfinite(step), np.ceil(step / max_step_deg), 1).astype(int)
    pieces = np.maximum(pieces, 1)
    if pieces.max() == 1:
        return arr
    idx = np.repeat(np.arange(len(d)), pieces)
    j = np.arange(idx.size) - np.repeat(np.cumsum(pieces) - pieces, pieces) + 1
    f = (j / pieces[idx])[:, None]
    pts = np.where(f >= 1.0, arr[1:][idx], arr[:-1][idx] + d[idx] * f)
    pts[:, 1] = np.where(np.isfinite(pts[:, 1]), wrap180(pts[:, 1]), pts[:, 1])
    return np.concatenate([arr[:1], pts])


def split_polyline(arr, max_step_m: Optional[float] = None,
                   radius_m: float = EARTH_RADIUS_M) -> list[np.ndarray]:
    """Split a (K,2) [lat, lon] polyline into the pieces that may be drawn as one line: it
    is cut at NaN rows (platform inactive) and wherever two consecutive points are more
    than max_step_m apart on the sphere (a jump: a gap in the sampling, another pass, a
    teleport); default max_step_m: 3 x the median of the non-zero steps. Crossing the
    antimeridian is not a cut (the points are close on the sphere). Returns a list of
    (K_i, 2) arrays with K_i >= 2 and no NaN.
    References: great-circle distance R * central angle (atan2 form, sim.world.earth).
    """
    arr = np.asarray(arr, dtype=float).reshape(-1, 2)
    if len(arr) < 2:
        return []
    u = unit_vector(arr[:, 0], arr[:, 1])
    d = radius_m * central_angle_rad(u[1:], u[:-1])          # NaN next to NaN rows
    if max_step_m is None:
        fin = d[np.isfinite(d) & (d > 0)]
        max_step_m = 3.0 * float(np.median(fin)) if fin.size else math.inf
    cut = np.nonzero(~(d <= max_step_m))[0] + 1
    bounds = np.concatenate([[0], cut, [len(arr)]])
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        piece = arr[a:b]
        if len(piece) >= 2 and np.isfinite(piece).all():
            out.append(piece)
    return out


def runs_in_box(x, y, box) -> list[tuple[np.ndarray, np.ndarray]]:
    """Runs of a projected polyline (x, y) (N,) that are drawn in box (x0, x1, y0, y1): a
    point is kept if it or a neighbour is finite and inside, so a line runs on to just past
    the edge (the axes clip it there) and is broken where it leaves the box and comes back
    elsewhere, instead of joining the two places with a straight line."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    fin = np.isfinite(x) & np.isfinite(y)
    inside = fin & (x >= box[0]) & (x <= box[1]) & (y >= box[2]) & (y <= box[3])
    keep = inside.copy()
    keep[1:] |= inside[:-1]
    keep[:-1] |= inside[1:]
    keep &= fin
    out = []
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
        if b - a >= 2:
            out.append((x[a:b], y[a:b]))
    return out


def grid_centre_reach(grid) -> tuple[np.ndarray, float]:
    """Unit vector of the grid's centre (normalised sum of the cells' vectors) and the
    largest central angle (rad) from it to a cell."""
    u = np.asarray(grid.u, dtype=float).reshape(-1, 3)
    if not len(u):
        return np.array([1.0, 0.0, 0.0]), 0.0
    centre = normalize(u.sum(axis=0))
    return centre, float(central_angle_rad(centre, u).max())


def grid_projector(grid) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(lat_deg, lon_deg) -> (x_m, y_m) in the plane of grid (a sim.world.grid.Grid): its
    own Lambert azimuthal equal-area map, the one its cells' x_m, y_m come from, so lines
    (border, coasts, tracks) land exactly on the cells. Points farther from the grid's
    centre than 1.6 x its reach plus 1 deg (the corners of the widest view) become NaN, so
    lines break there instead of running towards the antipode, where the map tears.
    References: Snyder, Map Projections: A Working Manual (1987), ch. 24 (LAEA, eqs.
    24-2..24-4 in sim.world.grid.laea_forward).
    """
    centre, reach = grid_centre_reach(grid)
    limit = reach * 1.6 + math.radians(1.0)

    def project(lat_deg, lon_deg):
        la = np.asarray(lat_deg, dtype=float)
        lo = np.asarray(lon_deg, dtype=float)
        px, py = laea_forward(la, lo, grid.center_lat_deg, grid.center_lon_deg, grid.radius_m)
        far = central_angle_rad(centre, unit_vector(la, lo)) > limit
        return np.where(far, np.nan, px), np.where(far, np.nan, py)

    return project


def nice_length_km(span_km: float) -> float:
    """A round scale-bar length about a fifth of the span: 1, 2 or 5 x 10^k km."""
    target = max(span_km / 5.0, 1e-3)
    power = 10.0 ** math.floor(math.log10(target))
    for f in (5.0, 2.0, 1.0):
        if f * power <= target:
            return f * power
    return power


def sample_track(track, duration_s: float, step_m: float, centre_u=None,
                 near_rad: float = math.inf, max_points: int = 300_000
                 ) -> tuple[np.ndarray, float]:
    """A platform's ground track sampled for drawing: (K,2) [lat, lon] with NaN rows where
    the platform is inactive or the track leaves the region of interest, and the bound on
    the ground distance (m) between consecutive samples.

    `track`: a sim.platforms.tracks.Track (state(t_s) -> position_u (N,3), velocity_m_s
    (N,3), altitude_m (N,), active (N,); radius_m). A coarse pass (4001 times over
    [0, duration_s]) finds the top ground speed v and the coarse intervals with an active end within near_rad +
    v dt / R of centre_u (every interval when centre_u is None); only those are refined,
    each into m equal steps so that v dt / m <= step_m (fewer if the total would pass
    max_points). A ten-day satellite run is thus sampled finely only on its passes over
    the map. Each interval gives its m + 1 samples and then a NaN row where the next
    interval is not refined (a duplicate point otherwise).
    References: distance bound |step| <= v dt (mean-value theorem on the ground path).
    """
    T = float(duration_s)
    if not T > 0.0:
        return np.zeros((0, 2)), 0.0
    n0 = 4001
    t0 = np.linspace(0.0, T, n0)
    dtc = T / (n0 - 1)
    pos, vel, _, active = track.state(t0)
    active = np.asarray(active, dtype=bool)
    if not active.any():
        return np.zeros((0, 2)), 0.0
    speed = float(np.nanmax(np.linalg.norm(np.asarray(vel)[active], axis=-1)))
    speed = speed if math.isfinite(speed) and speed > 0.0 else 0.0
    radius = float(track.radius_m)
    near = active.copy()
    if centre_u is not None and math.isfinite(near_rad):
        ang = central_angle_rad(np.asarray(centre_u, dtype=float), np.asarray(pos)[active])
        near[active] = ang <= near_rad + speed * dtc / radius
    kept = np.nonzero(near[:-1] | near[1:])[0]
    if not kept.size:
        return np.zeros((0, 2)), 0.0
    m = max(1, int(math.ceil(speed * dtc / max(step_m, 1e-9))))
    m = max(1, min(m, max_points // kept.size - 1))
    t = np.minimum(t0[kept][:, None] + dtc * np.arange(m + 1)[None, :] / m, T)
    p, _, _, act = track.state(t.ravel())
    lat, lon = lat_lon_deg(np.where(np.asarray(act, dtype=bool)[:, None], p, np.nan))
    ll = np.stack([lat, lon], axis=-1).reshape(kept.size, m + 1, 2)
    last = ll[:, m:, :].copy()
    brk = np.ones(kept.size, dtype=bool)
    brk[:-1] = kept[1:] != kept[:-1] + 1
    last[brk] = np.nan
    return np.concatenate([ll, last], axis=1).reshape(-1, 2), speed * dtc / m


def is_satellite(track) -> bool:
    """Whether the track (sim.platforms.tracks.Track) flies an orbit."""
    return any(isinstance(s, OrbitSegment) for s in track.once)
