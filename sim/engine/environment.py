"""What the world adds to geometry: night, cloud and terrain masks.

An `Environment` is built once per run from the scenario, the grid and the geography. The
access engines first find where a sensor's geometry (sim/platforms/sensors.py) sees a cell, then ask
`Environment.allows(spec, t, platform_u, altitude_m, cell_index)` on paired samples and
refine every change of the answer. Three independent masks, each only where it applies:

1. Daylight (spec.needs_daylight). The cell sees daylight when the Sun's centre is above its
   geometric horizon: u_cell . s_sun > 0, i.e. sun elevation > 0 deg. Geometric, no
   atmospheric refraction (which would lift the Sun by about 0.57 deg at the horizon) and no
   twilight. The Sun is the Astronomical Almanac low-precision Sun of sim.world.earth
   (about 0.01 deg) at JD = julian_date(time.start) + t / 86400.

2. Clouds (spec.blocked_by_clouds and weather.cloud_fraction > 0). A seeded Gaussian random
   field z(x, y, t) over the grid's Lambert azimuthal equal-area plane (centred on the grid):
   - at time knots t_k = k * cloud_period an independent white-noise lattice of spacing
     a = cloud_scale / 8 is smoothed by a Gaussian filter of sigma = 2 a = cloud_scale / 4
     (periodic boundary), so the correlation is exp(-r^2 / (4 sigma^2)) = exp(-4 r^2 / L^2):
     clouds about cloud_scale across;
   - the pattern drifts with a constant wind (speed uniform in 20-40 km/h, direction uniform,
     drawn from the seed): knot k's field is read at x - w (t - t_k);
   - the space interpolation is bilinear and the time interpolation linear between knots k
     and k+1; each is divided by its exact standard deviation (the lattice correlation of a
     separable filter is separable: var = v(fx) v(fy), v(f) = (1-f)^2 + f^2 + 2 f (1-f) c1,
     c1 the lag-1 correlation; independent knots: var = (1-alpha)^2 + alpha^2), so z is
     exactly N(0, 1) at every point and time;
   - a cell is under cloud when z > Phi^-1(1 - cloud_fraction): the expected covered fraction
     is exactly cloud_fraction.
   The vertical slant path is ignored: the cell is blocked when the cell itself is under cloud.
   All randomness comes from numpy.random.default_rng seeded by (scenario.seed, purpose,
   knot): the same seed gives the same clouds, another seed other clouds.

3. Terrain (scenario.terrain.source "etopo5" or "file"). Elevation is interpolated
   bilinearly (scipy RegularGridInterpolator) on the lat/lon grid, sea floor clamped to 0
   (the sea surface). Cells take their elevation (`cell_elevation_m`). Line of sight from the
   platform at altitude h above the sphere (sea level) to the observer point at the cell's
   elevation + max(2 m, spec.target_height_m) is blocked when the terrain profile rises above
   the straight ray anywhere between them. The ray is a straight chord in the plane of the
   great circle through the sub-platform point p and the cell c; in polar coordinates
   (radius r, central angle x from p) a straight line satisfies
       1 / r(x) = A cos x + B sin x,   A = 1 / r_p,   B = (1 / r_c - cos(L) / r_p) / sin(L)
   (r_p = R + h, r_c = R + h_c, L the central angle p-c), so the ray's height above the
   sphere is exactly r(x) - R. The ray is below the highest terrain H_max only where
   A cos x + B sin x >= 1 / (R + H_max), a single arc of half-width
   acos(1 / ((R + H_max) hypot(A, B))) about x = atan2(B, A) (H_max the highest terrain
   within 200 km of the cell when that arc lies within it, else anywhere); the profile is
   sampled only on that arc's intersection with [0, L], at fixed ground distances from the
   cell a third of the terrain spacing apart (so samples slide continuously over the
   terrain as the platform moves), from the cell outwards, skipping chunks and sub-chunks
   where the ray is above the highest terrain near them (dilated maxima of 3-node tiles and
   of single grid cells), and stopping at the first sample above the ray. The loop is
   compiled (sim/world/_terrain_los.pyx, Cython). Sampling the bilinear surface can miss a graze
   of a peak between samples; against a dense oracle on ETOPO5 the misses are grazes of a
   few metres (median about 1 m, rarely tens of metres), far inside the data's own error
   (5 arc-minute cells).
   Radio sensors (spec.radio) use the 4/3 Earth: the sphere has radius k R and central
   angles are divided by k (ground distances kept), consistent with sim/platforms/sensors.py.
   The terrain mask also applies each cell's own horizon and slant-range limits, with its
   elevation added to the target height (Sensor.within_own_reach): the sensor geometry
   admits cells out to the limits of the highest cell, and a cell on a plateau is then
   seen as far as its own height allows.

Time step for refinement (`refine_step_s`): the engines sample each access at this step and
bisect every change, so the step must be short enough that the mask changes at most once
between samples. Daylight: 600 s (sunrise and sunset are hours apart except near the poles).
Clouds: half the smaller of the time the drift needs to cross one lattice spacing (a / |w|)
and half a knot period (the field is a smooth function of position on the scale 2a, read at
a point moving at |w|, and morphs linearly between knots). Terrain: half the time the fastest
platform carrying the sensor needs to cross one terrain spacing (a rule of thumb for the
stepped engine's users). The exact engine does not use it for terrain: sim/engine/terrain_refine.py
bounds how fast each line of sight's clearance can change (terrain_margin, with the surface's
slope bounds) and proves that no window longer than 1 s is missed; terrain
edges are bisected to 0.05 s. For that bound the terrain grid gets a ring of 0 m nodes one
spacing outside its edge, so that the surface falls to the sea over one spacing rather than
by a cliff (continuous, with a bounded slope).

Shapes: t_s (K,), platform_u (K, 3) unit sub-platform vectors, altitude_m (K,) or scalar,
cell_index (K,) ints into the grid; results (K,) bool.

References: Astronomical Almanac low-precision solar coordinates (Vallado, Fundamentals of
Astrodynamics and Applications, 4th ed., algorithm 29) and GMST IAU-1982 (Vallado eq. 3-45);
Lambert azimuthal equal-area projection, spherical form (Snyder, Map Projections - A Working
Manual, USGS PP 1395, 1987, eqs. 24-2..24-4); Gaussian random fields by filtered white noise
and exceedance thresholds (Adler & Taylor, Random Fields and Geometry, 2007, ch. 1); straight
line in polar coordinates (1/r linear in cos and sin of the polar angle, e.g. Bronshtein,
Handbook of Mathematics, sec. 3.5.2); effective Earth radius k = 4/3 for radio paths
(Skolnik, Introduction to Radar Systems, 3rd ed., sec. 8.2); NOAA ETOPO5 relief.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from scipy.ndimage import gaussian_filter, gaussian_filter1d
from scipy.special import ndtri

from sim.loops import terrain_los as _los
from sim.world import earth as E
from sim.errors import Problem, ScenarioError
from sim.rowpool import map_rows
from sim.schema import Scenario, SensorSpec
from sim.platforms.sensors import Sensor
from sim.world.terrain_file import TERRAIN_FILE_FIX, TerrainFileError, read_terrain_grid

SUN_TABLE_STEP_S = 60.0          # Sun direction table spacing (see Environment.sun_u)
DAYLIGHT_STEP_S = 600.0          # sunrise/sunset are hours apart away from the poles
OBSERVER_HEIGHT_M = 2.0          # eye height of the line of sight above the cell's terrain
EARTH_ROTATION_M_S = 465.1       # equatorial surface speed, added to satellite ground speeds
FALLBACK_SPEED_M_S = 7_800.0 + EARTH_ROTATION_M_S   # LEO, when no platform carries the spec

CLOUD_LATTICE_PER_SCALE = 8      # lattice spacing a = cloud_scale / 8
CLOUD_SIGMA_CELLS = 2.0          # Gaussian smoothing sigma in lattice spacings (= scale / 4)
CLOUD_TRUNCATE = 4.0             # gaussian_filter truncation (sigmas)
CLOUD_WIND_KMH = (20.0, 40.0)    # wind speed range drawn from the seed
CLOUD_MAX_NODES = 1 << 20        # lattice nodes per knot; beyond, the spacing grows
CLOUD_CACHE_KNOTS = 64           # knot fields kept in memory (least recently used dropped)
_MIN_LATTICE = 4 * int(CLOUD_TRUNCATE * CLOUD_SIGMA_CELLS + 0.5) + 2   # wrap-safe size

TERRAIN_SAMPLES_PER_SPACING = 3  # profile samples per terrain grid spacing
TERRAIN_TILE_NODES = 3           # nodes per side of a max-elevation tile
TERRAIN_CHUNK_SAMPLES = TERRAIN_TILE_NODES * TERRAIN_SAMPLES_PER_SPACING   # spans < one tile
TERRAIN_SPLIT_ROWS = 4_000       # rays per thread below which a batch is not split
TERRAIN_TOL_S = 0.05             # terrain edges are bisected to this (issue: within 1 s)
REGION_RADIUS_M = 200_000.0      # radius of the regional terrain maximum

_PURPOSE_WIND, _PURPOSE_KNOT = 1, 2


def _dot(a, b) -> np.ndarray:
    """a . b along the last axis. (..., 3) x (..., 3) -> (...)."""
    return np.einsum("...i,...i->...", a, b)


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
    from scipy.ndimage import maximum_filter
    na = max(1, math.ceil((values.shape[0] - 1) / t))
    nb = max(1, math.ceil((values.shape[1] - 1) / t))
    rows = np.stack([values[i * t: i * t + t + 1].max(axis=0) for i in range(na)])
    tiles = np.stack([rows[:, j * t: j * t + t + 1].max(axis=1) for j in range(nb)], axis=1)
    return np.ascontiguousarray(maximum_filter(tiles, size=3, mode="nearest"))


class Environment:
    """What the world adds to geometry: night, cloud, terrain. Built once per run.

    Attributes:
      cell_elevation_m (M,): terrain elevation of each grid cell in metres (0 without
        terrain; sea clamped to 0).
      terrain_on, clouds_on: bool.
      terrain_spacing_m: smallest ground spacing of the terrain grid (inf without terrain).
      terrain_nodes: (lat_deg (A,), lon_deg (B,), elevation_m (A, B), sea at 0 m) of the
        terrain grid, or None without terrain.
      wind_m_s (2,): cloud drift in the LAEA plane (east, north components at the centre).
    See the module docstring for every rule.
    """

    def __init__(self, scenario: Scenario, grid, geography=None):
        self.scenario = scenario
        self.geography = geography
        self.radius_m = float(scenario.earth.radius_m)
        self.refraction_k = float(scenario.earth.refraction_k)
        self.cells_u = np.asarray(grid.u, dtype=float).reshape(-1, 3)
        m = self.cells_u.shape[0]
        self.jd0 = E.julian_date(scenario.time.start)

        # ---------------------------------------------------------------- terrain
        self.terrain_on = scenario.terrain.source != "none"
        self.cell_elevation_m = np.zeros(m)
        self.terrain_spacing_m = math.inf
        self.terrain_tol_s = TERRAIN_TOL_S
        self._region_max = None
        self._terrain_max_m = 0.0
        self.terrain_slope_max = 0.0
        self.terrain_nodes = None
        self._sensors: dict[SensorSpec, Sensor] = {}
        self._slope_tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if self.terrain_on:
            lat, lon, elev = self._load_terrain(scenario)
            self._terrain_lon_360 = bool(lon.max() > 180.0)
            elev = np.maximum(np.asarray(elev, dtype=float), 0.0)   # sea surface, not floor
            self.terrain_nodes = (lat, lon, elev)     # the grid as used (the window's relief)
            self._terrain_max_m = float(elev.max())
            dlat = float(np.min(np.diff(lat)))
            dlon = float(np.min(np.diff(lon)))
            cos_max = math.cos(math.radians(min(89.0, float(np.max(np.abs(lat))))))
            self.terrain_spacing_m = self.radius_m * math.radians(min(dlat, dlon * cos_max))
            lat, lon, elev = _zero_ring(lat, lon, elev)
            self._build_los_grid(lat, lon, elev)
            self._cell_slope = _bilinear_slopes(lat, lon, elev, self.radius_m)
            self.terrain_slope_max = float(self._cell_slope.max())
            if m:
                self.cell_elevation_m = self._elevation(self.cells_u)

        # ---------------------------------------------------------------- clouds
        weather = scenario.weather
        self.clouds_on = weather is not None and weather.cloud_fraction > 0.0 and m > 0
        self.wind_m_s = np.zeros(2)
        self._knots: OrderedDict[int, np.ndarray] = OrderedDict()
        if self.clouds_on:
            self._setup_clouds(weather, int(scenario.seed))

    def for_platforms(self, scenario: Scenario) -> "Environment":
        """This environment for a scenario that differs from its own only in platforms (a
        sweep over altitude or phase): terrain, daylight and cloud set-up are shared, the
        platforms (read for the terrain step) are the new scenario's, and the cloud knot
        cache is the copy's own, so that copies used in parallel never share a cache."""
        from copy import copy
        view = copy(self)
        view.scenario = scenario
        view._knots = OrderedDict()
        return view

    # ==================================================================== public API

    def affects(self, spec: SensorSpec) -> bool:
        """True when some mask can stop this sensor: it needs daylight, or it is blocked by
        clouds and the weather has clouds, or terrain is on."""
        return bool(spec.needs_daylight or (spec.blocked_by_clouds and self.clouds_on)
                    or self.terrain_on)

    def allows(self, spec: SensorSpec, t_s, platform_u, altitude_m, cell_index) -> np.ndarray:
        """True where daylight, clouds and terrain do not stop `spec` seeing the cell at t.

        Paired rows: t_s (K,) seconds from time.start, platform_u (K, 3) unit sub-platform
        vectors, altitude_m (K,) or scalar metres above the sphere (sea level), cell_index
        (K,) int grid indices. Returns (K,) bool. Rows that no mask applies to are True.
        References: see the module docstring (Almanac Sun, LAEA, polar line, 4/3 Earth).
        """
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        ok = self.allows_in_time(spec, t_s, cell_index)
        if self.terrain_on:
            rows = np.nonzero(ok)[0]
            if rows.size:
                k = cell_index.size
                p = np.broadcast_to(np.asarray(platform_u, dtype=float), (k, 3))[rows]
                h = np.broadcast_to(np.asarray(altitude_m, dtype=float), (k,))[rows]
                ok[rows] = self.allows_in_space(spec, p, h, cell_index[rows])
        return ok

    # The engines treat the two kinds of mask differently: night and cloud change with time
    # (they break the repetition of laps), terrain depends only on where the platform is
    # (a lap repeats it exactly, so it is applied to one lap before the laps are shifted).

    def in_time(self, spec: SensorSpec) -> bool:
        """Whether a time-dependent mask (daylight, clouds) applies to this sensor."""
        return bool(spec.needs_daylight or (spec.blocked_by_clouds and self.clouds_on))

    def in_space(self, spec: SensorSpec) -> bool:
        """Whether the position-dependent mask (terrain line of sight) applies."""
        return bool(self.terrain_on)

    def allows_in_time(self, spec: SensorSpec, t_s, cell_index) -> np.ndarray:
        """(K,) bool: daylight and clouds allow the paired (t_s, cell_index) rows."""
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        t = np.broadcast_to(np.asarray(t_s, dtype=float), cell_index.shape)
        ok = np.ones(cell_index.size, dtype=bool)
        if cell_index.size == 0:
            return ok
        if spec.needs_daylight:
            ok &= self.daylight(t, cell_index)
        if spec.blocked_by_clouds and self.clouds_on:
            rows = np.nonzero(ok)[0]
            if rows.size:
                ok[rows] = ~self.cloudy(t[rows], cell_index[rows])
        return ok

    def allows_in_space(self, spec: SensorSpec, platform_u, altitude_m, cell_index) -> np.ndarray:
        """(K,) bool: terrain does not block the line of sight of the paired rows."""
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        if not self.terrain_on or cell_index.size == 0:
            return np.ones(cell_index.size, dtype=bool)
        k = cell_index.size
        p = np.broadcast_to(np.asarray(platform_u, dtype=float), (k, 3))
        h = np.broadcast_to(np.asarray(altitude_m, dtype=float), (k,))
        h_obs = max(OBSERVER_HEIGHT_M, float(spec.target_height_m))
        ok = self.sensor_of(spec).within_own_reach(_dot(p, self.cells_u[cell_index]), h,
                                                   self.cell_elevation_m[cell_index])
        rows = np.flatnonzero(ok)
        if rows.size:
            ok[rows] = ~self.terrain_blocked(p[rows], h[rows], cell_index[rows], h_obs,
                                             spec.radio)
        return ok

    def sensor_of(self, spec: SensorSpec) -> Sensor:
        """The sensor geometry of spec (sim.platforms.sensors), for each cell's own horizon and slant
        range with terrain (Sensor.within_own_reach)."""
        sensor = self._sensors.get(spec)
        if sensor is None:
            sensor = self._sensors[spec] = Sensor(spec, self.scenario.earth)
        return sensor

    def time_step_s(self, spec: SensorSpec) -> float:
        """Refinement step of the time-dependent masks (inf when none applies)."""
        steps = [math.inf]
        if spec.needs_daylight:
            steps.append(self.daylight_step_s)
        if spec.blocked_by_clouds and self.clouds_on:
            steps.append(self.cloud_step_s)
        return float(min(steps))

    def refine_step_s(self, spec: SensorSpec) -> float:
        """Sampling step (s) at which `allows` changes at most once between samples along
        one access: the smallest of the active masks' steps (module docstring); inf when no
        mask applies to this sensor."""
        steps = [math.inf]
        if spec.needs_daylight:
            steps.append(self.daylight_step_s)
        if spec.blocked_by_clouds and self.clouds_on:
            steps.append(self.cloud_step_s)
        if self.terrain_on:
            steps.append(0.5 * self.terrain_spacing_m / self._max_ground_speed_m_s(spec))
        return float(min(steps))

    # ==================================================================== daylight

    @property
    def daylight_step_s(self) -> float:
        """Half the shortest day or night anywhere on the grid over the year (at most 3 h):
        between two samples that far apart the Sun can rise or set at most once. The
        shortest day at latitude phi lasts 2 acos(tan|phi| tan(eps)) / (2 pi) days, with eps
        = 23.44 deg the obliquity (sunrise equation, Meeus, Astronomical Algorithms, ch. 15);
        inside the polar circles DAYLIGHT_STEP_S."""
        if not hasattr(self, "_daylight_step"):
            lat = np.degrees(np.arcsin(np.clip(np.abs(self.cells_u[:, 2]), 0, 1))) \
                if len(self.cells_u) else np.zeros(1)
            x = math.tan(math.radians(float(lat.max()))) * math.tan(math.radians(23.44))
            if x >= 0.99:
                self._daylight_step = DAYLIGHT_STEP_S
            else:
                shortest_s = 2.0 * math.acos(x) / (2.0 * math.pi) * 86400.0
                self._daylight_step = max(DAYLIGHT_STEP_S, min(3 * 3600.0, 0.5 * shortest_s))
        return self._daylight_step

    def sun_u(self, t_s, normalised: bool = True) -> np.ndarray:
        """(K, 3) Earth-fixed unit vectors to the Sun at t_s (K,) seconds from time.start.

        Interpolated linearly (then normalised) in a table of the Almanac Sun every
        SUN_TABLE_STEP_S: the direction turns 0.25 deg a minute, so the chord error is
        about (0.0044 rad)^2 / 8 = 2.4e-6 rad, far below the Almanac's own 0.01 deg
        (1.7e-4 rad). Times outside the table are computed directly. normalised=False
        skips the normalisation (a positive scale): enough for the sign of a dot product."""
        t = np.asarray(t_s, dtype=float)
        if not hasattr(self, "_sun_table"):
            t_end = float(self.scenario.time.duration_s)
            knots = np.arange(-SUN_TABLE_STEP_S, t_end + 2 * SUN_TABLE_STEP_S, SUN_TABLE_STEP_S)
            self._sun_table = (knots, E.sun_unit_vector_ecef(self.jd0 + knots / 86400.0))
        knots, table = self._sun_table
        inside = (t >= knots[0]) & (t <= knots[-1])
        if t.ndim == 1 and inside.all():      # the usual case: no masked copies (faster)
            return self._sun_from_table(t, normalised)
        out = np.empty(t.shape + (3,))
        if inside.any():
            out[inside] = self._sun_from_table(t[inside], normalised)
        out[~inside] = E.sun_unit_vector_ecef(self.jd0 + t[~inside] / 86400.0)
        return out

    def _sun_from_table(self, t_s: np.ndarray, normalised: bool) -> np.ndarray:
        """(K, 3) Sun vectors at t_s (K,), all inside the table: linear interpolation
        (the doc of sun_u)."""
        knots, table = self._sun_table
        x = (t_s - knots[0]) / SUN_TABLE_STEP_S
        i = np.minimum(x.astype(np.int64), knots.size - 2)
        f = (x - i)[:, None]
        v = table[i] * (1.0 - f) + table[i + 1] * f
        return v / np.linalg.norm(v, axis=1, keepdims=True) if normalised else v

    def daylight_table(self, t_s, cell_index) -> np.ndarray:
        """(C, N) bool: daylight at every one of N times t_s for each of C cells: the same
        rule as `daylight`, as one matrix product of cell and Sun vectors."""
        sun = self.sun_u(np.asarray(t_s, dtype=float), normalised=False)
        return (self.cells_u[np.asarray(cell_index)] @ sun.T) > 0.0

    def daylight(self, t_s, cell_index) -> np.ndarray:
        """(K,) bool: the Sun's centre is above the cell's geometric horizon at t_s (K,).
        sin(sun elevation) = u_cell . s_sun (References: Vallado alg. 29, eq. 3-45)."""
        return _dot(self.cells_u[cell_index], self.sun_u(t_s, normalised=False)) > 0.0

    # ==================================================================== clouds

    def _setup_clouds(self, weather, seed: int) -> None:
        self.cloud_fraction = float(weather.cloud_fraction)
        self.cloud_period_s = float(weather.cloud_period_s)
        self.cloud_threshold = (-math.inf if self.cloud_fraction >= 1.0
                                else float(ndtri(1.0 - self.cloud_fraction)))
        self._seed = seed
        # LAEA plane centred on the grid (Snyder eqs. 24-2..24-4, vector form).
        centre = E.normalize(self.cells_u.sum(axis=0))
        east, north = E.local_frame(centre)
        self._laea = (centre, east, north)
        self.cell_xy_m = self._project(self.cells_u)

        rng = np.random.default_rng([seed, _PURPOSE_WIND])
        speed = rng.uniform(*CLOUD_WIND_KMH) / 3.6
        heading = rng.uniform(0.0, 2.0 * math.pi)          # direction the wind blows towards
        self.wind_m_s = speed * np.array([math.sin(heading), math.cos(heading)])

        lo = self.cell_xy_m.min(axis=0)
        hi = self.cell_xy_m.max(axis=0)
        spacing = float(weather.cloud_scale_m) / CLOUD_LATTICE_PER_SCALE
        margin_m = speed * self.cloud_period_s              # knot fields are read +-1 period
        while True:
            pad = margin_m + 3.0 * spacing
            n = np.maximum(np.ceil((hi - lo + 2 * pad) / spacing).astype(int) + 1, _MIN_LATTICE)
            if n[0] * n[1] <= CLOUD_MAX_NODES:
                break
            spacing *= 1.25      # very large regions: coarser clouds rather than no memory
        self.cloud_spacing_m = spacing
        self._lattice_origin = lo - pad
        self._lattice_n = (int(n[0]), int(n[1]))             # (nx, ny)
        # Lag-1 correlation of the filtered lattice: autocorrelation of the 1-D kernel.
        delta = np.zeros(_MIN_LATTICE * 2)
        delta[0] = 1.0
        kern = gaussian_filter1d(delta, CLOUD_SIGMA_CELLS, mode="wrap", truncate=CLOUD_TRUNCATE)
        energy = float(np.sum(kern * kern))
        self._lattice_std = energy                  # 2-D: sqrt((sum k^2)^2) = sum k^2
        self._c1 = float(np.sum(kern * np.roll(kern, 1))) / energy
        self.cloud_step_s = 0.5 * min(spacing / speed, 0.5 * self.cloud_period_s)

    def _project(self, u) -> np.ndarray:
        """LAEA x, y (..., 2) in metres of unit vectors u (..., 3): k' = sqrt(2 / (1 + u.c)),
        x = R k' u.e, y = R k' u.n (Snyder eqs. 24-2..24-4, sphere)."""
        centre, east, north = self._laea
        kp = np.sqrt(2.0 / np.maximum(1.0 + _dot(u, centre), 1e-12))
        return self.radius_m * np.stack([kp * _dot(u, east), kp * _dot(u, north)], axis=-1)

    def _knot_field(self, knot: int) -> np.ndarray:
        """Unit-variance smoothed white-noise lattice (ny, nx) of time knot `knot` (cached)."""
        field = self._knots.get(knot)
        if field is not None:
            self._knots.move_to_end(knot)
            return field
        code = 2 * knot if knot >= 0 else -2 * knot - 1        # non-negative seed word
        rng = np.random.default_rng([self._seed, _PURPOSE_KNOT, code])
        nx, ny = self._lattice_n
        field = gaussian_filter(rng.standard_normal((ny, nx)), CLOUD_SIGMA_CELLS,
                                mode="wrap", truncate=CLOUD_TRUNCATE) / self._lattice_std
        self._knots[knot] = field
        if len(self._knots) > CLOUD_CACHE_KNOTS:
            self._knots.popitem(last=False)
        return field

    def _sample_knot(self, knot: int, xy: np.ndarray, t: np.ndarray) -> np.ndarray:
        """N(0,1) value of knot `knot`'s field at positions xy (K, 2) and times t (K,):
        bilinear at x - w (t - t_k), divided by the interpolation's exact std."""
        field = self._knot_field(knot)
        nx, ny = self._lattice_n
        xi = xy - np.outer(t - knot * self.cloud_period_s, self.wind_m_s)
        g = (xi - self._lattice_origin) / self.cloud_spacing_m
        gx = np.clip(g[:, 0], 0.0, nx - 1.000001)
        gy = np.clip(g[:, 1], 0.0, ny - 1.000001)
        ix = gx.astype(np.int64)
        iy = gy.astype(np.int64)
        fx = gx - ix
        fy = gy - iy
        v = ((1 - fx) * (1 - fy) * field[iy, ix] + fx * (1 - fy) * field[iy, ix + 1]
             + (1 - fx) * fy * field[iy + 1, ix] + fx * fy * field[iy + 1, ix + 1])
        c1 = self._c1
        var_x = (1 - fx) ** 2 + fx ** 2 + 2 * fx * (1 - fx) * c1
        var_y = (1 - fy) ** 2 + fy ** 2 + 2 * fy * (1 - fy) * c1
        return v / np.sqrt(var_x * var_y)

    def cloud_z(self, t_s, cell_index) -> np.ndarray:
        """(K,) the N(0,1) cloud field at the cells and times (paired rows)."""
        t = np.asarray(t_s, dtype=float).reshape(-1)
        xy = self.cell_xy_m[np.asarray(cell_index, dtype=np.int64).reshape(-1)]
        phase = t / self.cloud_period_s
        knot = np.floor(phase).astype(np.int64)
        alpha = phase - knot
        z = np.zeros(t.size)
        for k in np.unique(knot):
            rows = np.nonzero(knot == k)[0]
            a = alpha[rows]
            z0 = self._sample_knot(int(k), xy[rows], t[rows])
            z1 = self._sample_knot(int(k) + 1, xy[rows], t[rows])
            z[rows] = ((1 - a) * z0 + a * z1) / np.sqrt((1 - a) ** 2 + a ** 2)
        return z

    def cloudy(self, t_s, cell_index) -> np.ndarray:
        """(K,) bool: the cell is under cloud at t (z > Phi^-1(1 - cloud_fraction));
        all False without clouds."""
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        if not self.clouds_on:
            return np.zeros(cell_index.size, dtype=bool)
        return self.cloud_z(t_s, cell_index) > self.cloud_threshold

    # ==================================================================== terrain

    @staticmethod
    def _load_terrain(scenario: Scenario):
        spec = scenario.terrain
        if spec.source == "etopo5":
            from sim.world.geography import load_etopo5_region
            return load_etopo5_region()
        if spec.source != "file":
            raise ScenarioError(Problem(scenario.source, 0, 0, "terrain", repr(spec.source),
                                        "unknown terrain source",
                                        "write none, etopo5 or a path to a .npz file"))
        try:
            return read_terrain_grid(spec.path or "")
        except TerrainFileError as exc:
            raise ScenarioError(Problem(scenario.source, 0, 0, "terrain", repr(str(spec.path)),
                                        exc.rule, TERRAIN_FILE_FIX)) from None

    def _elevation(self, u) -> np.ndarray:
        """Terrain elevation (metres, >= 0) at unit vectors u (..., 3), bilinear in lat/lon;
        0 outside the terrain grid."""
        u = np.asarray(u, dtype=float)
        return self._elevation_xyz(u[..., 0], u[..., 1], u[..., 2])

    def _elevation_xyz(self, x, y, z) -> np.ndarray:
        """As _elevation for unit-vector components x, y, z (...): lat = asin z,
        lon = atan2(y, x)."""
        lat = np.degrees(np.arcsin(np.clip(z, -1.0, 1.0)))
        lon = np.degrees(np.arctan2(y, x))
        if self._terrain_lon_360:
            lon = np.mod(lon, 360.0)
        g = self._los_grid
        shape = np.shape(lat)
        flat = _los.elevations(np.ascontiguousarray(lat, dtype=float).reshape(-1),
                          np.ascontiguousarray(lon, dtype=float).reshape(-1), g["lat"], g["lon"],
                          g["lat_uniform"], g["lon_uniform"], g["elev"])
        return flat.reshape(shape)

    def terrain_blocked(self, platform_u, altitude_m, cell_index,
                        observer_height_m: float = OBSERVER_HEIGHT_M,
                        radio: bool = False) -> np.ndarray:
        """(K,) bool: the terrain profile rises above the straight ray from the platform
        (platform_u (K, 3), altitude_m (K,) above the sphere) to the point observer_height_m
        above the cell's terrain. Exact ray height from the polar line equation, profile
        sampled by the compiled loop of sim/world/_terrain_los.pyx; radio: 4/3 Earth (radius k R,
        central angles / k). Large batches are split over the machine's cores (the loop
        releases the GIL). References: module docstring and sim/world/_terrain_los.pyx."""
        p = np.ascontiguousarray(np.asarray(platform_u, dtype=float).reshape(-1, 3))
        h = np.ascontiguousarray(np.broadcast_to(np.asarray(altitude_m, dtype=float), (p.shape[0],)))
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        if not self.terrain_on or p.shape[0] == 0:
            return np.zeros(p.shape[0], dtype=bool)
        k = self.refraction_k if radio else 1.0
        r_e = k * self.radius_m
        c = self.cells_u[cell_index]
        r_c = r_e + self.cell_elevation_m[cell_index] + observer_height_m
        step_e = self.terrain_spacing_m / (TERRAIN_SAMPLES_PER_SPACING * r_e)  # as an angle
        top = self._regional_max_m()[cell_index]
        g = self._los_grid

        def rays(rows: slice) -> np.ndarray:
            return _los.rays_blocked(
                p[rows], h[rows], c[rows], r_c[rows], k, self.radius_m, self._terrain_max_m,
                top[rows], REGION_RADIUS_M, step_e, g["lat"], g["lon"], g["lat_uniform"], g["lon_uniform"],
                self._terrain_lon_360, g["elev"], g["tile_max"], TERRAIN_TILE_NODES,
                g["fine_max"], TERRAIN_CHUNK_SAMPLES, TERRAIN_SAMPLES_PER_SPACING)
        return np.concatenate(map_rows(rays, p.shape[0], TERRAIN_SPLIT_ROWS))

    def terrain_margin(self, spec: SensorSpec, platform_u, altitude_m, cell_index, kr, kg,
                       slope_min, tau_cap_s: float, reach_cells: int, near_m=0.0) -> np.ndarray:
        """(K,) signed time margins (s) of the lines of sight of the paired rows
        (platform_u (K, 3), altitude_m (K,), cell_index (K,)): the least, over the profile
        samples of terrain_blocked, of n / hypot(kr, kg s), n the sample's clearance slope
        ((ray height - terrain) / ground distance from the cell), s the terrain's slope
        within reach_cells grid cells of the sample (at least slope_min (K,)), or within
        one cell for samples at most near_m (K,) metres from the cell; kr, kg (K,) 1/s. Negative exactly where terrain_blocked is True; known to within tau_cap_s.
        See sim/world/_terrain_los.pyx (rays_margin) and sim/engine/terrain_refine.py."""
        p = np.ascontiguousarray(np.asarray(platform_u, dtype=float).reshape(-1, 3))
        n = p.shape[0]

        def rows_of(x):
            return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), (n,)))
        h, kr, kg, slope_min = rows_of(altitude_m), rows_of(kr), rows_of(kg), rows_of(slope_min)
        near_m = rows_of(near_m)
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        if not self.terrain_on or n == 0:
            return np.full(n, float(tau_cap_s))
        k = self.refraction_k if spec.radio else 1.0
        r_e = k * self.radius_m
        c = self.cells_u[cell_index]
        r_c = r_e + self.cell_elevation_m[cell_index] + self.observer_height_m(spec)
        step_e = self.terrain_spacing_m / (TERRAIN_SAMPLES_PER_SPACING * r_e)
        top = self._regional_max_m()[cell_index]
        g = self._los_grid
        fine, tile = self.slope_tables(reach_cells)
        fine_near, tile_near = self.slope_tables(1)

        def rays(rows: slice) -> np.ndarray:
            return _los.rays_margin(
                p[rows], h[rows], c[rows], r_c[rows], k, self.radius_m, self._terrain_max_m,
                top[rows], REGION_RADIUS_M, step_e, g["lat"], g["lon"], g["lat_uniform"],
                g["lon_uniform"], self._terrain_lon_360, g["elev"], g["tile_max"],
                TERRAIN_TILE_NODES, g["fine_max"], TERRAIN_CHUNK_SAMPLES,
                TERRAIN_SAMPLES_PER_SPACING, fine, tile, fine_near, tile_near,
                self.terrain_slope_max, kr[rows], kg[rows], slope_min[rows], near_m[rows],
                float(tau_cap_s))
        return np.concatenate(map_rows(rays, n, TERRAIN_SPLIT_ROWS))

    def slope_tables(self, reach_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """(fine (A, B), tile) bounds on the terrain slope (m/m) within reach_cells + 1 grid
        cells of each grid cell (indexed by its lower node), and within that of each tile
        and its neighbours (as tile_max): what a profile sample, or a sub-chunk or chunk of
        them, can meet while it moves at most reach_cells terrain spacings (cached)."""
        if reach_cells not in self._slope_tables:
            from scipy.ndimage import maximum_filter
            size = 2 * (int(reach_cells) + 1) + 1
            fine = np.ascontiguousarray(maximum_filter(self._cell_slope, size=size,
                                                       mode="nearest"))
            self._slope_tables[reach_cells] = (fine, _tile_maxima(fine, TERRAIN_TILE_NODES))
        return self._slope_tables[reach_cells]

    @staticmethod
    def observer_height_m(spec: SensorSpec) -> float:
        """Height (m) of the line of sight's end above the cell's terrain."""
        return max(OBSERVER_HEIGHT_M, float(spec.target_height_m))

    def terrain_top_m(self, cell_index, reach_m) -> np.ndarray:
        """(K,) highest terrain (m) a line of sight from cell_index (K,) reaching reach_m
        (K,) metres of ground can pass over: the regional maximum where the whole line lies
        within REGION_RADIUS_M of the cell, else the highest terrain anywhere."""
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        if not self.terrain_on:
            return np.zeros(cell_index.size)
        return np.where(np.asarray(reach_m) <= REGION_RADIUS_M,
                        self._regional_max_m()[cell_index], self._terrain_max_m)

    def _regional_max_m(self) -> np.ndarray:
        """(M,) highest terrain within REGION_RADIUS_M of each cell (built on first use):
        the maximum over a window of nodes reaching at least that far plus one node."""
        if self._region_max is None:
            from scipy.ndimage import maximum_filter
            g = self._los_grid
            n = int(math.ceil(REGION_RADIUS_M / self.terrain_spacing_m)) + 1
            window = maximum_filter(g["elev"], size=2 * n + 1, mode="nearest")
            c = self.cells_u
            lat = np.degrees(np.arcsin(np.clip(c[:, 2], -1.0, 1.0)))
            lon = np.degrees(np.arctan2(c[:, 1], c[:, 0]))
            if self._terrain_lon_360:
                lon = np.mod(lon, 360.0)
            i = np.clip(np.searchsorted(g["lat"], lat, side="right") - 1, 0, g["lat"].size - 1)
            j = np.clip(np.searchsorted(g["lon"], lon, side="right") - 1, 0, g["lon"].size - 1)
            # Cells outside the terrain grid see 0 m there but may face its edge: keep the
            # global maximum for them.
            inside = ((lat >= g["lat"][0]) & (lat <= g["lat"][-1])
                      & (lon >= g["lon"][0]) & (lon <= g["lon"][-1]))
            self._region_max = np.where(inside, window[i, j], self._terrain_max_m)
        return self._region_max

    def _build_los_grid(self, lat, lon, elev) -> None:
        """Arrays for sim.world._terrain_los: nodes, whether each axis is evenly spaced, the
        elevations, and max-elevation tiles of TERRAIN_TILE_NODES nodes a side (edges shared,
        so every bilinear value inside a tile is <= its max) dilated by one tile (3 x 3
        maximum): the dilated value at a point bounds the terrain within one tile of it."""
        from scipy.ndimage import maximum_filter

        def uniform(nodes):
            d = (nodes[-1] - nodes[0]) / (nodes.size - 1)
            return bool(np.allclose(np.diff(nodes), d, rtol=1e-9, atol=0.0))
        self._los_grid = {"lat": np.ascontiguousarray(lat, dtype=float),
                          "lon": np.ascontiguousarray(lon, dtype=float),
                          "lat_uniform": uniform(lat), "lon_uniform": uniform(lon),
                          "elev": np.ascontiguousarray(elev, dtype=float),
                          "tile_max": _tile_maxima(elev, TERRAIN_TILE_NODES),
                          # per grid cell (the max of its 4 nodes), dilated by one cell
                          "fine_max": np.ascontiguousarray(
                              maximum_filter(elev, size=(4, 4), origin=(-1, -1), mode="nearest"),
                              dtype=float)}

    def _max_ground_speed_m_s(self, spec: SensorSpec) -> float:
        """Fastest ground speed (m/s) of the platforms carrying `spec` (all platforms if none
        does; FALLBACK_SPEED_M_S if there are none). Satellites add the Earth's equatorial
        rotation speed, a bound on the ground-track speed change it causes."""
        def speed(p):
            v = float(p.speed_m_s)
            return v + EARTH_ROTATION_M_S if p.kind == "satellite" else v
        carriers = [speed(p) for p in self.scenario.platforms if spec in p.sensors]
        if not carriers:
            carriers = [speed(p) for p in self.scenario.platforms]
        carriers = [v for v in carriers if v > 0 and math.isfinite(v)]
        return max(carriers) if carriers else FALLBACK_SPEED_M_S
