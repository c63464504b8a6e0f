"""Terrain hillshade for the window's map (no pygame): how bright each pixel of a terrain
surface is under a sun at a given azimuth and altitude, from the elevation on a square
raster.

The slope and aspect of each pixel come from Horn's third-order finite difference over its
3 x 3 neighbourhood (Horn 1981), and the brightness is the cosine of the angle between the
surface normal and the direction of the sun (the Lambertian hillshade):

    dz/dx = ((c + 2f + i) - (a + 2d + g)) / (8 cell)      (x east)
    dz/dy = ((a + 2b + c) - (g + 2h + i)) / (8 cell)      (y north; a b c the northern row)
    slope = atan(z_factor hypot(dz/dx, dz/dy))
    aspect = atan2(-dz/dx, -dz/dy)           (compass direction the slope faces, from north)
    shade = cos(zenith) cos(slope) + sin(zenith) sin(slope) cos(azimuth - aspect)

with zenith = 90 deg - sun altitude, clipped at 0 (a slope facing away from the sun, steeper
than the sun is high, is in its own shadow; cast shadows are not modelled). A flat pixel has
shade cos(zenith) whatever the azimuth. The default sun, from the north-west (azimuth 315 deg)
at 45 deg, is the cartographic convention: light from the upper left makes relief read as
raised, not sunken.

References: B. K. P. Horn, "Hill shading and the reflectance map", Proc. IEEE 69(1), 1981,
pp. 14-47; P. A. Burrough & R. A. McDonnell, Principles of Geographical Information Systems,
Oxford 1998, ch. 8 (slope, aspect and shaded relief); ESRI ArcGIS Pro documentation, "How
Hillshade works" (the same formula, aspect counted from the x axis instead).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

SUN_AZIMUTH_DEG = 315.0       # from the north-west, the cartographic convention
SUN_ALTITUDE_DEG = 45.0


def horn_gradient(elevation_m: np.ndarray, cell_m: float, cell_north_m: Optional[float] = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(dz/dx east, dz/dy north) (ny, nx), metres per metre, of an elevation image (ny, nx)
    whose row 0 is the northern edge and whose pixels are cell_m metres wide (east; a float,
    or (ny, 1) per row for a latitude-longitude grid) and cell_north_m (default cell_m) tall. Horn's 3 x 3 weights; the edge pixels repeat their
    neighbours (the image is padded by one pixel copying its border)."""
    cell_north_m = cell_m if cell_north_m is None else cell_north_m
    z = np.pad(np.asarray(elevation_m, dtype=float), 1, mode="edge")
    north, middle, south = z[:-2], z[1:-1], z[2:]          # rows above / at / below
    east = (north[:, 2:] + 2.0 * middle[:, 2:] + south[:, 2:])
    west = (north[:, :-2] + 2.0 * middle[:, :-2] + south[:, :-2])
    top = (north[:, :-2] + 2.0 * north[:, 1:-1] + north[:, 2:])
    bottom = (south[:, :-2] + 2.0 * south[:, 1:-1] + south[:, 2:])
    return (east - west) / (8.0 * cell_m), (top - bottom) / (8.0 * cell_north_m)


def hillshade(elevation_m: np.ndarray, cell_m: float, azimuth_deg: float = SUN_AZIMUTH_DEG,
              altitude_deg: float = SUN_ALTITUDE_DEG, z_factor: float = 1.0,
              cell_north_m: Optional[float] = None) -> np.ndarray:
    """Brightness (ny, nx) in [0, 1] of an elevation image (ny, nx) (row 0 north, pixels
    cell_m metres wide and cell_north_m, default cell_m, tall) lit by a sun at azimuth_deg (clockwise from north) and
    altitude_deg above the horizon; z_factor exaggerates the relief (slopes are computed on
    z_factor x elevation). Formula and references: module docstring."""
    dzdx, dzdy = horn_gradient(elevation_m, cell_m, cell_north_m)
    dzdx, dzdy = z_factor * dzdx, z_factor * dzdy
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, -dzdy)                  # downhill direction, from north
    zenith = math.radians(90.0 - altitude_deg)
    azimuth = math.radians(azimuth_deg)
    shade = (math.cos(zenith) * np.cos(slope)
             + math.sin(zenith) * np.sin(slope) * np.cos(azimuth - aspect))
    return np.clip(shade, 0.0, 1.0)


def flat_shade(altitude_deg: float = SUN_ALTITUDE_DEG) -> float:
    """The hillshade of level ground: cos(zenith) = sin(sun altitude)."""
    return math.sin(math.radians(altitude_deg))


def relief_blend(shade: np.ndarray, strength: float = 0.6,
                 altitude_deg: float = SUN_ALTITUDE_DEG) -> tuple[np.ndarray, np.ndarray]:
    """How to lay a hillshade (...) over a map: (alpha (...) in [0, strength], lighter (...)
    bool). A pixel darker than level ground is covered by black at alpha strength x (flat -
    shade) / flat, a brighter one by white at strength x (shade - flat) / (1 - flat), so
    level ground (and the sea, at 0 m) keeps its colour exactly and full shadow or full light
    moves a colour `strength` of the way to black or white."""
    flat = flat_shade(altitude_deg)
    s = np.asarray(shade, dtype=float)
    lighter = s > flat
    alpha = np.where(lighter, (s - flat) / (1.0 - flat), (flat - s) / flat)
    return strength * np.clip(alpha, 0.0, 1.0), lighter
