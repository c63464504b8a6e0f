"""Terrain: elevation over a lat/lon grid and line of sight over it.

Elevation is interpolated bilinearly on the lat/lon grid (as scipy's RegularGridInterpolator
would), sea floor clamped to 0 (the sea surface); outside the grid it is 0. Each cell of the
coverage grid takes its elevation (`Terrain.cell_elevation_m`).

Line of sight from the platform at altitude h above the sphere (sea level) to the observer
point at the cell's elevation + the observer height (`observer_height_m`: at least 2 m) is
blocked when the terrain profile rises above the straight ray anywhere between them. The ray
is a straight chord in the plane of the great circle through the sub-platform point p and the
cell c; in polar coordinates (radius r, central angle x from p) a straight line satisfies
    1 / r(x) = A cos x + B sin x,   A = 1 / r_p,   B = (1 / r_c - cos(L) / r_p) / sin(L)
(r_p = R + h, r_c = R + h_c, L the central angle p-c), so the ray's height above the sphere is
exactly r(x) - R. The ray is below the highest terrain H_max only where
A cos x + B sin x >= 1 / (R + H_max), a single arc of half-width
acos(1 / ((R + H_max) hypot(A, B))) about x = atan2(B, A) (H_max the highest terrain within
REGION_RADIUS_M of the cell when that arc lies within it, else anywhere); the profile is
sampled only on that arc's intersection with [0, L], at fixed ground distances from the cell
a third of the terrain spacing apart (so samples slide continuously over the terrain as the
platform moves), from the cell outwards, skipping chunks and sub-chunks where the ray is
above the highest terrain near them (dilated maxima of 3-node tiles and of single grid
cells), and stopping at the first sample above the ray. The loop is compiled
(sim/world/_terrain_los.pyx, Cython; its numpy twin is sim/world/_terrain_los_numpy.py).
Sampling the bilinear surface can miss a graze of a peak between samples; against a dense
oracle on ETOPO5 the misses are grazes of a few metres (median about 1 m, rarely tens of
metres), far inside the data's own error (5 arc-minute cells).

Radio paths (radio=True) use the 4/3 Earth: the sphere has radius k R and central angles
are divided by k (ground distances kept), consistent with sim/platforms/sensors.py.

For the engine's bound on how fast a line of sight's clearance can change
(sim/engine/terrain_refine.py, `Terrain.margin`), the grid gets a ring of 0 m nodes one
spacing outside its edge, so that the surface falls to the sea over one spacing rather
than by a cliff (continuous, with a bounded slope), and slope bounds per grid cell.

Everything is built at construction except the slope tables, which depend on how far the
platform can move (`Terrain.slope_tables`) and are kept behind a lock: threads may share one
Terrain.

Shapes: platform_u (K, 3) unit sub-platform vectors, altitude_m (K,) or scalar, cell_index
(K,) ints into the coverage grid; results (K,).

References: straight line in polar coordinates (1/r linear in cos and sin of the polar
angle, e.g. Bronshtein, Handbook of Mathematics, sec. 3.5.2); effective Earth radius k = 4/3
for radio paths (Skolnik, Introduction to Radar Systems, 3rd ed., sec. 8.2); NOAA ETOPO5
relief.
"""
from __future__ import annotations

import math
import threading

import numpy as np
from scipy.ndimage import maximum_filter

from sim.loops import terrain_los as _los
from sim.rowpool import map_rows
from sim.schema import TerrainSpec
from sim.world.terrain_file import read_terrain_grid

OBSERVER_HEIGHT_M = 2.0          # eye height of the line of sight above the cell's terrain
TERRAIN_SAMPLES_PER_SPACING = 3  # profile samples per terrain grid spacing
TERRAIN_TILE_NODES = 3           # nodes per side of a max-elevation tile
TERRAIN_CHUNK_SAMPLES = TERRAIN_TILE_NODES * TERRAIN_SAMPLES_PER_SPACING   # spans < one tile
TERRAIN_SPLIT_ROWS = 4_000       # rays per thread below which a batch is not split
REGION_RADIUS_M = 200_000.0      # radius of the regional terrain maximum


def observer_height_m(target_height_m: float) -> float:
    """Height (m) of the line of sight's end above the cell's terrain, for a sensor whose
    target stands target_height_m high: never below OBSERVER_HEIGHT_M."""
    return max(OBSERVER_HEIGHT_M, float(target_height_m))


def load_grid(spec: TerrainSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat_deg (A,), lon_deg (B,), elevation_m (A, B)) of a scenario's terrain: ETOPO5's
    region or the user's file (sim.world.terrain_file; raises its TerrainFileError)."""
    if spec.source == "etopo5":
        from sim.world.geography import load_etopo5_region
        return load_etopo5_region()
    if spec.source != "file":
        raise ValueError(f"TerrainSpec.source is {spec.source!r}: use 'etopo5' or 'file' "
                         "(no Terrain for 'none')")
    return read_terrain_grid(spec.path or "")


def _zero_ring(lat, lon, elev):
    """The terrain grid (lat (A,), lon (B,), elev (A, B)) with one more node on every side,
    one end spacing out, at 0 m: the bilinear surface then falls to the sea surface over
    one spacing at the grid's edge instead of by a cliff, so it is continuous everywhere
    and its slope is bounded (what sim/engine/terrain_refine.py's bound needs)."""
    lat = np.r_[2 * lat[0] - lat[1], lat, 2 * lat[-1] - lat[-2]]
    lon = np.r_[2 * lon[0] - lon[1], lon, 2 * lon[-1] - lon[-2]]
    return lat, lon, np.pad(elev, 1)


def _bilinear_slopes(lat, lon, elev, radius_m: float) -> np.ndarray:
    """(A, B) bound on the slope (metres per metre) of the bilinear surface over the grid
    (lat (A,), lon (B,) degrees, elev (A, B) m) in each grid cell, indexed by its lower
    node (the last row and column repeat their neighbours): in a cell the north and east
    derivatives are at most the larger difference of its two north-south (east-west) edges
    over the cell's size, the east size taken at the cell's poleward edge, and the slope
    at most the hypotenuse of the two."""
    e = np.asarray(elev, dtype=float)
    north_m = radius_m * np.radians(np.diff(lat))[:, None]
    pole = np.maximum(np.abs(lat[:-1]), np.abs(lat[1:]))
    cos_pole = np.maximum(np.cos(np.radians(np.minimum(pole, 90.0))), 1e-3)[:, None]
    east_m = radius_m * np.radians(np.diff(lon))[None, :] * cos_pole
    d_north = np.maximum(np.abs(e[1:, :-1] - e[:-1, :-1]), np.abs(e[1:, 1:] - e[:-1, 1:]))
    d_east = np.maximum(np.abs(e[:-1, 1:] - e[:-1, :-1]), np.abs(e[1:, 1:] - e[1:, :-1]))
    return np.pad(np.hypot(d_north / north_m, d_east / east_m), ((0, 1), (0, 1)), mode="edge")


def _tile_maxima(values: np.ndarray, t: int) -> np.ndarray:
    """Maxima of `values` (A, B) over tiles of t + 1 nodes a side (edges shared) dilated by
    one tile (3 x 3 maximum): at a point, a bound over everything within one tile."""
    na = max(1, math.ceil((values.shape[0] - 1) / t))
    nb = max(1, math.ceil((values.shape[1] - 1) / t))
    rows = np.stack([values[i * t: i * t + t + 1].max(axis=0) for i in range(na)])
    tiles = np.stack([rows[:, j * t: j * t + t + 1].max(axis=1) for j in range(nb)], axis=1)
    return np.ascontiguousarray(maximum_filter(tiles, size=3, mode="nearest"))


def los_grid(lat, lon, elev) -> dict:
    """Arrays for sim.world._terrain_los: nodes, whether each axis is evenly spaced, the
    elevations, and max-elevation tiles of TERRAIN_TILE_NODES nodes a side (edges shared,
    so every bilinear value inside a tile is <= its max) dilated by one tile (3 x 3
    maximum): the dilated value at a point bounds the terrain within one tile of it."""
    def uniform(nodes):
        d = (nodes[-1] - nodes[0]) / (nodes.size - 1)
        return bool(np.allclose(np.diff(nodes), d, rtol=1e-9, atol=0.0))
    return {"lat": np.ascontiguousarray(lat, dtype=float),
            "lon": np.ascontiguousarray(lon, dtype=float),
            "lat_uniform": uniform(lat), "lon_uniform": uniform(lon),
            "elev": np.ascontiguousarray(elev, dtype=float),
            "tile_max": _tile_maxima(elev, TERRAIN_TILE_NODES),
            # per grid cell (the max of its 4 nodes), dilated by one cell
            "fine_max": np.ascontiguousarray(
                maximum_filter(elev, size=(4, 4), origin=(-1, -1), mode="nearest"),
                dtype=float)}


class Terrain:
    """A terrain grid over a coverage grid's cells. Built once per run; read-only after
    (but for the locked slope-table cache).

    lat (A,), lon (B,) degrees, increasing; elev (A, B) metres (sea floor negative);
    cells_u (M, 3) the coverage grid's unit vectors; radius_m the Earth's radius;
    refraction_k the effective-radius factor of radio paths.
    Attributes: nodes (lat_deg (A,), lon_deg (B,), elevation_m (A, B) with the sea at 0 m),
    cell_elevation_m (M,) (>= 0), spacing_m (smallest ground spacing of the grid), max_m
    (highest terrain), slope_max (steepest slope, m/m), cells_u, radius_m, refraction_k. See the module docstring for every rule."""

    def __init__(self, lat, lon, elev, cells_u, radius_m: float, refraction_k: float):
        self.radius_m = float(radius_m)
        self.refraction_k = float(refraction_k)
        self.cells_u = np.asarray(cells_u, dtype=float).reshape(-1, 3)
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        self._lon_360 = bool(lon.max() > 180.0)
        elev = np.maximum(np.asarray(elev, dtype=float), 0.0)   # sea surface, not floor
        self.nodes = (lat, lon, elev)     # the grid as the engine uses it (the window's relief)
        self.max_m = float(elev.max())
        dlat = float(np.min(np.diff(lat)))
        dlon = float(np.min(np.diff(lon)))
        cos_max = math.cos(math.radians(min(89.0, float(np.max(np.abs(lat))))))
        self.spacing_m = self.radius_m * math.radians(min(dlat, dlon * cos_max))
        lat, lon, elev = _zero_ring(lat, lon, elev)
        self._grid = los_grid(lat, lon, elev)
        self._cell_slope = _bilinear_slopes(lat, lon, elev, self.radius_m)
        self.slope_max = float(self._cell_slope.max())
        self.cell_elevation_m = (self.elevation(self.cells_u) if self.cells_u.shape[0]
                                 else np.zeros(0))
        self._region_max = self._regional_max_m()
        self._slope_tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_spec(cls, spec: TerrainSpec, cells_u, radius_m: float,
                  refraction_k: float) -> "Terrain":
        """The terrain of a scenario's `terrain` section (not "none"): see load_grid."""
        return cls(*load_grid(spec), cells_u, radius_m, refraction_k)

    def elevation(self, u) -> np.ndarray:
        """Terrain elevation (metres, >= 0) at unit vectors u (..., 3), bilinear in lat/lon;
        0 outside the terrain grid."""
        u = np.asarray(u, dtype=float)
        lat = np.degrees(np.arcsin(np.clip(u[..., 2], -1.0, 1.0)))
        lon = np.degrees(np.arctan2(u[..., 1], u[..., 0]))
        if self._lon_360:
            lon = np.mod(lon, 360.0)
        g = self._grid
        shape = np.shape(lat)
        flat = _los.elevations(np.ascontiguousarray(lat, dtype=float).reshape(-1),
                               np.ascontiguousarray(lon, dtype=float).reshape(-1), g["lat"],
                               g["lon"], g["lat_uniform"], g["lon_uniform"], g["elev"])
        return flat.reshape(shape)

    def _rays(self, platform_u, altitude_m, cell_index, observer_height: float, radio: bool):
        """The per-ray inputs shared by blocked and margin: (p (K, 3), h (K,), c (K, 3),
        r_c (K,), k, step_e, top (K,)) with k the effective-radius factor, r_c the observer
        point's radius on the effective sphere, step_e the profile step as an angle on it
        and top the regional maximum of each ray's cell."""
        p = np.ascontiguousarray(np.asarray(platform_u, dtype=float).reshape(-1, 3))
        h = np.ascontiguousarray(np.broadcast_to(np.asarray(altitude_m, dtype=float),
                                                 (p.shape[0],)))
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        k = self.refraction_k if radio else 1.0
        r_e = k * self.radius_m
        c = self.cells_u[cell_index]
        r_c = r_e + self.cell_elevation_m[cell_index] + observer_height
        step_e = self.spacing_m / (TERRAIN_SAMPLES_PER_SPACING * r_e)
        return p, h, c, r_c, k, step_e, self._region_max[cell_index]

    def blocked(self, platform_u, altitude_m, cell_index,
                observer_height: float = OBSERVER_HEIGHT_M, radio: bool = False) -> np.ndarray:
        """(K,) bool: the terrain profile rises above the straight ray from the platform
        (platform_u (K, 3), altitude_m (K,) above the sphere) to the point observer_height
        metres above the cell's terrain. Exact ray height from the polar line equation,
        profile sampled by the compiled loop of sim/world/_terrain_los.pyx; radio: 4/3
        Earth (radius k R, central angles / k). Large batches are split over the machine's
        cores (the loop releases the GIL). References: module docstring."""
        p, h, c, r_c, k, step_e, top = self._rays(platform_u, altitude_m, cell_index,
                                                  observer_height, radio)
        if p.shape[0] == 0:
            return np.zeros(0, dtype=bool)
        g = self._grid

        def rays(rows: slice) -> np.ndarray:
            return _los.rays_blocked(
                p[rows], h[rows], c[rows], r_c[rows], k, self.radius_m, self.max_m,
                top[rows], REGION_RADIUS_M, step_e, g["lat"], g["lon"], g["lat_uniform"],
                g["lon_uniform"], self._lon_360, g["elev"], g["tile_max"], TERRAIN_TILE_NODES,
                g["fine_max"], TERRAIN_CHUNK_SAMPLES, TERRAIN_SAMPLES_PER_SPACING)
        return np.concatenate(map_rows(rays, p.shape[0], TERRAIN_SPLIT_ROWS))

    def margin(self, platform_u, altitude_m, cell_index, observer_height: float, radio: bool,
               kr, kg, slope_min, tau_cap_s, reach_cells: int, near_m=0.0) -> np.ndarray:
        """(K,) signed time margins (s) of the lines of sight of the paired rows
        (platform_u (K, 3), altitude_m (K,), cell_index (K,); observer_height and radio as
        in `blocked`): the least, over the profile samples of `blocked`, of
        n / hypot(kr, kg s), n the sample's clearance slope ((ray height - terrain) / ground
        distance from the cell), s the terrain's slope within reach_cells grid cells of the
        sample (at least slope_min (K,)), or within one cell for samples at most near_m (K,)
        metres from the cell; kr, kg (K,) 1/s. Negative exactly where `blocked` is True;
        known to within tau_cap_s (K,) or scalar, > 0. See sim/world/_terrain_los.pyx (rays_margin) and
        sim/engine/terrain_refine.py."""
        p, h, c, r_c, k, step_e, top = self._rays(platform_u, altitude_m, cell_index,
                                                  observer_height, radio)
        n = p.shape[0]

        def rows_of(x):
            return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), (n,)))
        kr, kg, slope_min, near_m = rows_of(kr), rows_of(kg), rows_of(slope_min), rows_of(near_m)
        tau_cap_s = rows_of(tau_cap_s)
        if n == 0:
            return np.zeros(0)
        if not (tau_cap_s > 0.0).all():
            # a walk capped at 0 would stop at its first clear sample, blocked or not
            raise ValueError("Terrain.margin: tau_cap_s must be positive")
        g = self._grid
        fine, tile = self.slope_tables(reach_cells)
        fine_near, tile_near = self.slope_tables(1)

        def rays(rows: slice) -> np.ndarray:
            return _los.rays_margin(
                p[rows], h[rows], c[rows], r_c[rows], k, self.radius_m, self.max_m,
                top[rows], REGION_RADIUS_M, step_e, g["lat"], g["lon"], g["lat_uniform"],
                g["lon_uniform"], self._lon_360, g["elev"], g["tile_max"],
                TERRAIN_TILE_NODES, g["fine_max"], TERRAIN_CHUNK_SAMPLES,
                TERRAIN_SAMPLES_PER_SPACING, fine, tile, fine_near, tile_near,
                self.slope_max, kr[rows], kg[rows], slope_min[rows], near_m[rows],
                tau_cap_s[rows])
        return np.concatenate(map_rows(rays, n, TERRAIN_SPLIT_ROWS))

    def slope_tables(self, reach_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """(fine (A, B), tile) bounds on the terrain slope (m/m) within reach_cells + 1 grid
        cells of each grid cell (indexed by its lower node), and within that of each tile
        and its neighbours (as tile_max): what a profile sample, or a sub-chunk or chunk of
        them, can meet while it moves at most reach_cells terrain spacings. Made on first
        use for each reach (it depends on the platforms' speeds) and kept, under a lock."""
        with self._lock:
            if reach_cells not in self._slope_tables:
                size = 2 * (int(reach_cells) + 1) + 1
                fine = np.ascontiguousarray(maximum_filter(self._cell_slope, size=size,
                                                           mode="nearest"))
                self._slope_tables[reach_cells] = (fine, _tile_maxima(fine, TERRAIN_TILE_NODES))
            return self._slope_tables[reach_cells]

    def top_m(self, cell_index, reach_m) -> np.ndarray:
        """(K,) highest terrain (m) a line of sight from cell_index (K,) reaching reach_m
        (K,) metres of ground can pass over: the regional maximum where the whole line lies
        within REGION_RADIUS_M of the cell, else the highest terrain anywhere."""
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        return np.where(np.asarray(reach_m) <= REGION_RADIUS_M,
                        self._region_max[cell_index], self.max_m)

    def _regional_max_m(self) -> np.ndarray:
        """(M,) highest terrain within REGION_RADIUS_M of each cell: the maximum over a
        window of nodes reaching at least that far plus one node."""
        g = self._grid
        n = int(math.ceil(REGION_RADIUS_M / self.spacing_m)) + 1
        window = maximum_filter(g["elev"], size=2 * n + 1, mode="nearest")
        c = self.cells_u
        lat = np.degrees(np.arcsin(np.clip(c[:, 2], -1.0, 1.0)))
        lon = np.degrees(np.arctan2(c[:, 1], c[:, 0]))
        if self._lon_360:
            lon = np.mod(lon, 360.0)
        i = np.clip(np.searchsorted(g["lat"], lat, side="right") - 1, 0, g["lat"].size - 1)
        j = np.clip(np.searchsorted(g["lon"], lon, side="right") - 1, 0, g["lon"].size - 1)
        # Cells outside the terrain grid see 0 m there but may face its edge: keep the
        # global maximum for them.
        inside = ((lat >= g["lat"][0]) & (lat <= g["lat"][-1])
                  & (lon >= g["lon"][0]) & (lon <= g["lon"][-1]))
        return np.where(inside, window[i, j], self.max_m)
