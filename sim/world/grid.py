"""Equal-area cells of the region of interest: a square lattice in a Lambert azimuthal
equal-area (LAEA) projection centred on the border's midpoint, kept where the signed ground
distance from the border (neighbour side positive) lies in the requested band.

Every cell has area cell_m**2 on the sphere because the projection preserves area (Snyder
1987, ch. 24). Cells are identified by their centres; a cell belongs to the region when its
centre does.

References: Snyder, Map Projections - A Working Manual, USGS Professional Paper 1395 (1987),
sec. 24, spherical forward eqs. 24-2..24-4 and inverse eqs. 24-16, 20-14, 20-15, 20-18.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.world import earth as E
from sim.world.geography import Geography
from sim.schema import EarthSpec, GridSpec

_BLOCK = 8            # cells per side of a coarse block in the distance prefilter
_SCALE_MARGIN = 1.05  # LAEA scale differs from 1 by < 2 % within 2,500 km of the centre


@dataclass(frozen=True)
class Grid:
    """Cells of the region. All per-cell arrays have shape (M,).

    cell_m: side of the square cells in the projection (m); area_m2 = cell_m**2.
    lat_deg, lon_deg: cell centres; u: (M, 3) unit vectors of the centres.
    x_m, y_m: LAEA projected centres about (center_lat_deg, center_lon_deg).
    depth_m: signed ground distance from the border, neighbour side positive.
    along_m: along-border distance of the nearest border point.
    land: the centre is on either country's land.
    """
    cell_m: float
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    u: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    center_lat_deg: float
    center_lon_deg: float
    radius_m: float
    area_m2: np.ndarray
    depth_m: np.ndarray
    along_m: np.ndarray
    land: np.ndarray

    @property
    def size(self) -> int:
        return int(self.lat_deg.size)

    @property
    def total_area_m2(self) -> float:
        return float(self.area_m2.sum())


def laea_forward(lat_deg, lon_deg, lat0_deg, lon0_deg, radius_m):
    """Spherical LAEA forward (Snyder eqs. 24-2, 24-3, 24-4):
    k' = sqrt(2 / (1 + sin p1 sin p + cos p1 cos p cos(l - l0))),
    x = R k' cos p sin(l - l0), y = R k' (cos p1 sin p - sin p1 cos p cos(l - l0)).
    Shapes broadcast; returns (x_m, y_m). Undefined at the antipode of the centre."""
    p = np.radians(np.asarray(lat_deg, dtype=float))
    dl = np.radians(np.asarray(lon_deg, dtype=float) - lon0_deg)
    p1 = math.radians(lat0_deg)
    cos_c = math.sin(p1) * np.sin(p) + math.cos(p1) * np.cos(p) * np.cos(dl)
    k = np.sqrt(2.0 / np.maximum(1.0 + cos_c, 1e-300))
    x = radius_m * k * np.cos(p) * np.sin(dl)
    y = radius_m * k * (math.cos(p1) * np.sin(p) - math.sin(p1) * np.cos(p) * np.cos(dl))
    return x, y


def laea_inverse(x_m, y_m, lat0_deg, lon0_deg, radius_m):
    """Spherical LAEA inverse (Snyder eqs. 20-18, 24-16, 20-14, 20-15):
    rho = sqrt(x^2 + y^2), c = 2 asin(rho / 2R), p = asin(cos c sin p1 + y sin c cos p1 / rho),
    l = l0 + atan2(x sin c, rho cos p1 cos c - y sin p1 sin c). Returns (lat_deg, lon_deg)."""
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    p1 = math.radians(lat0_deg)
    rho = np.hypot(x, y)
    c = 2.0 * np.arcsin(np.clip(rho / (2.0 * radius_m), -1.0, 1.0))
    sin_c, cos_c = np.sin(c), np.cos(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        y_over_rho = np.where(rho > 0, y * sin_c / np.where(rho > 0, rho, 1.0), 0.0)
    lat = np.arcsin(np.clip(cos_c * math.sin(p1) + y_over_rho * math.cos(p1), -1.0, 1.0))
    lon = math.radians(lon0_deg) + np.arctan2(x * sin_c, rho * math.cos(p1) * cos_c - y * math.sin(p1) * sin_c)
    lon = (lon + np.pi) % (2.0 * np.pi) - np.pi
    return np.degrees(lat), np.degrees(lon)


def build_grid(spec: GridSpec, geography: Geography, earth: EarthSpec) -> Grid:
    """Cells of cell_m whose centre's signed depth is in (0, extent] (side "neighbour"),
    [-extent, 0) ("own") or either ("both"); sea cells dropped when land_only.

    The lattice is anchored at the projection centre (the point halfway along the border)
    and covers the border's projected bounding box plus the extent. A coarse pass over
    blocks of 8 x 8 cells drops blocks farther from the border than the extent (the distance
    to a polyline is 1-Lipschitz), so only cells near the region are measured exactly.
    """
    if spec.side not in ("neighbour", "own", "both"):
        raise ValueError(f"grid side must be neighbour, own or both; got {spec.side!r}")
    radius = earth.radius_m
    cell = float(spec.cell_m)
    extent = float(spec.extent_m)
    mid = geography.point_at_along(0.5 * geography.map_border_length_m)
    lat0, lon0 = (float(v) for v in E.lat_lon_deg(mid))
    bx, by = laea_forward(geography.border_lat_deg, geography.border_lon_deg, lat0, lon0, radius)
    margin = extent * _SCALE_MARGIN + 2 * cell
    block = cell * _BLOCK
    ix0 = int(math.floor((bx.min() - margin) / block))
    ix1 = int(math.ceil((bx.max() + margin) / block))
    iy0 = int(math.floor((by.min() - margin) / block))
    iy1 = int(math.ceil((by.max() + margin) / block))

    # coarse pass: block centres and corners
    nbx, nby = ix1 - ix0, iy1 - iy0
    bxc, byc = np.meshgrid((np.arange(ix0, ix1) + 0.5) * block, (np.arange(iy0, iy1) + 0.5) * block)
    bxc, byc = bxc.ravel(), byc.ravel()
    blat, blon = laea_inverse(bxc, byc, lat0, lon0, radius)
    half_diag = block * math.sqrt(0.5) * _SCALE_MARGIN
    reach = extent + half_diag + cell
    depth_b, _, _ = geography.depth_along_land(E.unit_vector(blat, blon), max_m=reach)
    keep_b = np.isfinite(depth_b)
    if spec.side != "both":
        # Drop blocks wholly on the other side: centre beyond half a diagonal from the
        # border and all four corners of the same sign (a sign change inside the block,
        # e.g. the line beyond a border end, separates corners).
        cx, cy = np.meshgrid(np.arange(ix0, ix1 + 1) * block, np.arange(iy0, iy1 + 1) * block)
        clat, clon = laea_inverse(cx.ravel(), cy.ravel(), lat0, lon0, radius)
        depth_c, _, _ = geography.depth_along_land(E.unit_vector(clat, clon), max_m=reach + half_diag)
        depth_c = depth_c.reshape(nby + 1, nbx + 1)
        corners = np.stack([depth_c[:-1, :-1], depth_c[:-1, 1:], depth_c[1:, :-1], depth_c[1:, 1:]])
        corners = corners.reshape(4, -1)
        wrong = -1.0 if spec.side == "neighbour" else 1.0
        wholly_wrong = ((wrong * depth_b > half_diag + cell)
                        & np.all(np.isfinite(corners) & (wrong * corners > 0), axis=0))
        keep_b &= ~wholly_wrong

    # fine pass: cells of kept blocks
    offs = (np.arange(_BLOCK) + 0.5 - 0.5 * _BLOCK) * cell
    ox, oy = np.meshgrid(offs, offs)
    ox_i, oy_i = np.meshgrid(np.arange(_BLOCK), np.arange(_BLOCK))
    iy, ix = np.divmod(np.arange(nbx * nby), nbx)      # block indices of bxc, byc
    x = (bxc[keep_b][:, None] + ox.ravel()[None, :]).ravel()
    y = (byc[keep_b][:, None] + oy.ravel()[None, :]).ravel()
    lat, lon = laea_inverse(x, y, lat0, lon0, radius)
    u = E.unit_vector(lat, lon)
    depth, along, land = geography.depth_along_land(u, max_m=extent, land_only=spec.land_only)
    finite = np.isfinite(depth)
    if spec.side == "neighbour":
        keep = finite & (depth > 0) & (depth <= extent)
    elif spec.side == "own":
        keep = finite & (depth < 0) & (depth >= -extent)
    else:
        keep = finite & (depth != 0) & (np.abs(depth) <= extent)
    if spec.land_only:
        keep &= land
    # a stable order: rows south to north, then west to east in the projection (integer
    # lattice indices: the same order as sorting y then x, cells being a lattice)
    idx = np.nonzero(keep)[0]
    col = (ix[keep_b][:, None] * _BLOCK + ox_i.ravel()[None, :]).ravel()[idx]
    row = (iy[keep_b][:, None] * _BLOCK + oy_i.ravel()[None, :]).ravel()[idx]
    if idx.size:                       # (an empty grid has nothing to order)
        idx = idx[np.argsort((row - row.min()) * (col.max() - col.min() + 1) + (col - col.min()),
                             kind="stable")]
    return Grid(cell_m=cell, lat_deg=lat[idx], lon_deg=lon[idx], u=u[idx], x_m=x[idx], y_m=y[idx],
                center_lat_deg=lat0, center_lon_deg=lon0, radius_m=radius,
                area_m2=np.full(idx.size, cell * cell), depth_m=depth[idx], along_m=along[idx],
                land=land[idx])
