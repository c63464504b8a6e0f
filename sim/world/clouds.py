"""Clouds over the grid: a seeded random field that drifts with the wind.

A seeded Gaussian random field z(x, y, t) over the grid's Lambert azimuthal equal-area plane
(centred on the grid):
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

Sampling step (`CloudField.step_s`): half the smaller of the time the drift needs to cross
one lattice spacing (a / |w|) and half a knot period (the field is a smooth function of
position on the scale 2a, read at a point moving at |w|, and morphs linearly between
knots), so that a cell's state changes at most once between samples that far apart.

Shapes: t_s (K,) seconds from time.start, cell_index (K,) ints into the grid; results (K,).

References: Lambert azimuthal equal-area projection, spherical form (Snyder, Map
Projections - A Working Manual, USGS PP 1395, 1987, eqs. 24-2..24-4); Gaussian random
fields by filtered white noise and exceedance thresholds (Adler & Taylor, Random Fields
and Geometry, 2007, ch. 1).
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np
from scipy.ndimage import gaussian_filter, gaussian_filter1d
from scipy.special import ndtri

from sim.schema import WeatherSpec
from sim.world import earth as E

CLOUD_LATTICE_PER_SCALE = 8      # lattice spacing a = cloud_scale / 8
CLOUD_SIGMA_CELLS = 2.0          # Gaussian smoothing sigma in lattice spacings (= scale / 4)
CLOUD_TRUNCATE = 4.0             # gaussian_filter truncation (sigmas)
CLOUD_WIND_KMH = (20.0, 40.0)    # wind speed range drawn from the seed
CLOUD_MAX_NODES = 1 << 20        # lattice nodes per knot; beyond, the spacing grows
CLOUD_CACHE_KNOTS = 64           # knot fields kept in memory (least recently used dropped)
_MIN_LATTICE = 4 * int(CLOUD_TRUNCATE * CLOUD_SIGMA_CELLS + 0.5) + 2   # wrap-safe size

_PURPOSE_WIND, _PURPOSE_KNOT = 1, 2


def _dot(a, b) -> np.ndarray:
    """a . b along the last axis. (..., 3) x (..., 3) -> (...)."""
    return np.einsum("...i,...i->...", a, b)


class CloudField:
    """The cloud field of the module docstring over a grid's cells. Built once per run.

    cells_u (M, 3): the grid's unit vectors (M > 0); weather: the scenario's weather (cloud
    fraction, scale, period); seed: the scenario's seed; radius_m: the Earth's radius.
    Attributes: fraction, period_s, threshold (the z above which a cell is under cloud),
    wind_m_s (2,) (drift in the LAEA plane: east, north at the centre), spacing_m (the
    lattice spacing a), step_s, cell_xy_m (M, 2).

    Knot fields are made on demand (a long window has too many to hold at once) and the
    last CLOUD_CACHE_KNOTS kept; a lock guards that cache, so threads may share one field
    (each knot is a pure function of the seed: who makes it first does not matter)."""

    def __init__(self, cells_u: np.ndarray, weather: WeatherSpec, seed: int, radius_m: float):
        self.cells_u = np.asarray(cells_u, dtype=float).reshape(-1, 3)
        self.radius_m = float(radius_m)
        self.fraction = float(weather.cloud_fraction)
        self.period_s = float(weather.cloud_period_s)
        self.threshold = (-math.inf if self.fraction >= 1.0
                          else float(ndtri(1.0 - self.fraction)))
        self._seed = int(seed)
        self._knots: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        # LAEA plane centred on the grid (Snyder eqs. 24-2..24-4, vector form).
        centre = E.normalize(self.cells_u.sum(axis=0))
        east, north = E.local_frame(centre)
        self._laea = (centre, east, north)
        self.cell_xy_m = self._project(self.cells_u)

        rng = np.random.default_rng([self._seed, _PURPOSE_WIND])
        speed = rng.uniform(*CLOUD_WIND_KMH) / 3.6
        heading = rng.uniform(0.0, 2.0 * math.pi)          # direction the wind blows towards
        self.wind_m_s = speed * np.array([math.sin(heading), math.cos(heading)])

        lo = self.cell_xy_m.min(axis=0)
        hi = self.cell_xy_m.max(axis=0)
        spacing = float(weather.cloud_scale_m) / CLOUD_LATTICE_PER_SCALE
        margin_m = speed * self.period_s                    # knot fields are read +-1 period
        while True:
            pad = margin_m + 3.0 * spacing
            n = np.maximum(np.ceil((hi - lo + 2 * pad) / spacing).astype(int) + 1, _MIN_LATTICE)
            if n[0] * n[1] <= CLOUD_MAX_NODES:
                break
            spacing *= 1.25      # very large regions: coarser clouds rather than no memory
        self.spacing_m = spacing
        self._lattice_origin = lo - pad
        self._lattice_n = (int(n[0]), int(n[1]))             # (nx, ny)
        # Lag-1 correlation of the filtered lattice: autocorrelation of the 1-D kernel.
        delta = np.zeros(_MIN_LATTICE * 2)
        delta[0] = 1.0
        kern = gaussian_filter1d(delta, CLOUD_SIGMA_CELLS, mode="wrap", truncate=CLOUD_TRUNCATE)
        energy = float(np.sum(kern * kern))
        self._lattice_std = energy                  # 2-D: sqrt((sum k^2)^2) = sum k^2
        self._c1 = float(np.sum(kern * np.roll(kern, 1))) / energy
        self.step_s = 0.5 * min(spacing / speed, 0.5 * self.period_s)

    def _project(self, u) -> np.ndarray:
        """LAEA x, y (..., 2) in metres of unit vectors u (..., 3): k' = sqrt(2 / (1 + u.c)),
        x = R k' u.e, y = R k' u.n (Snyder eqs. 24-2..24-4, sphere)."""
        centre, east, north = self._laea
        kp = np.sqrt(2.0 / np.maximum(1.0 + _dot(u, centre), 1e-12))
        return self.radius_m * np.stack([kp * _dot(u, east), kp * _dot(u, north)], axis=-1)

    def _knot_field(self, knot: int) -> np.ndarray:
        """Unit-variance smoothed white-noise lattice (ny, nx) of time knot `knot` (cached)."""
        with self._lock:
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
        xi = xy - np.outer(t - knot * self.period_s, self.wind_m_s)
        g = (xi - self._lattice_origin) / self.spacing_m
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

    def z(self, t_s, cell_index) -> np.ndarray:
        """(K,) the N(0,1) cloud field at the cells and times (paired rows)."""
        t = np.asarray(t_s, dtype=float).reshape(-1)
        xy = self.cell_xy_m[np.asarray(cell_index, dtype=np.int64).reshape(-1)]
        phase = t / self.period_s
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
        """(K,) bool: the cell is under cloud at t (z > Phi^-1(1 - cloud_fraction))."""
        return self.z(t_s, cell_index) > self.threshold
