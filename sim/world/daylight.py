"""Daylight over the grid's cells: where the Sun is up, when, and how often that can change.

A cell is in daylight when the Sun's centre is above its geometric horizon: u_cell . s_sun > 0,
i.e. sun elevation > 0 deg. Geometric, no atmospheric refraction (which would lift the Sun by
about 0.57 deg at the horizon) and no twilight. The Sun is the Astronomical Almanac
low-precision Sun of sim.world.earth (about 0.01 deg) at JD = julian_date(time.start) + t / 86400,
read from a table (`Daylight.sun_u`) built once, at construction, so that threads can share
one Daylight without locks.

Sampling step (`Daylight.step_s`): half the shortest day or night anywhere on the grid over
the year, so that between two samples that far apart the Sun rises or sets at most once
(what the engine's refinement by sampling and bisection needs).

Shapes: t_s (K,) seconds from time.start, cell_index (K,) ints into the grid; results (K,).

References: Astronomical Almanac low-precision solar coordinates (Vallado, Fundamentals of
Astrodynamics and Applications, 4th ed., algorithm 29) and GMST IAU-1982 (Vallado eq. 3-45);
the sunrise equation (Meeus, Astronomical Algorithms, 2nd ed., ch. 15).
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np

from sim.world import earth as E

SUN_TABLE_STEP_S = 60.0          # Sun direction table spacing (see Daylight.sun_u)
DAYLIGHT_STEP_S = 600.0          # sunrise/sunset are hours apart away from the poles
MAX_DAYLIGHT_STEP_S = 3 * 3600.0
OBLIQUITY_DEG = 23.44            # of the ecliptic: the Sun's greatest declination


def daylight_step_s(cells_u: np.ndarray) -> float:
    """Half the shortest day or night anywhere among cells_u (M, 3) over the year, at most
    MAX_DAYLIGHT_STEP_S: between two samples that far apart the Sun can rise or set at most
    once. The shortest day at latitude phi lasts 2 acos(tan|phi| tan(eps)) / (2 pi) days,
    with eps the obliquity (sunrise equation, Meeus ch. 15); inside the polar circles (and
    within a quarter degree of them, where the shortest day lasts an hour or less) DAYLIGHT_STEP_S."""
    lat = np.degrees(np.arcsin(np.clip(np.abs(cells_u[:, 2]), 0, 1))) \
        if len(cells_u) else np.zeros(1)
    x = math.tan(math.radians(float(lat.max()))) * math.tan(math.radians(OBLIQUITY_DEG))
    if x >= 0.99:
        return DAYLIGHT_STEP_S
    shortest_s = 2.0 * math.acos(x) / (2.0 * math.pi) * 86400.0
    return max(DAYLIGHT_STEP_S, min(MAX_DAYLIGHT_STEP_S, 0.5 * shortest_s))


def utc_day_edges_s(start: datetime, duration_s: float) -> np.ndarray:
    """(D+1,) edges of the UTC calendar days within a window of duration_s seconds from
    `start` (timezone-aware), in seconds from start: 0, every UTC midnight inside, then
    duration_s."""
    start = start.astimezone(timezone.utc)
    since_midnight_s = (start.hour * 3600.0 + start.minute * 60.0 + start.second
                        + start.microsecond / 1e6)
    first = 86400.0 - since_midnight_s if since_midnight_s > 0 else 86400.0
    inner = np.arange(first, duration_s, 86400.0)
    return np.concatenate([[0.0], inner[inner > 0], [duration_s]])


class Daylight:
    """Where and when the Sun is up over a grid. Built once per run; read-only after.

    cells_u (M, 3): the grid's unit vectors; start_jd: Julian date of time.start;
    duration_s: the window (the Sun table covers it, one step beyond each end).
    Attributes: cells_u, jd0, step_s (see the module docstring)."""

    def __init__(self, cells_u: np.ndarray, start_jd: float, duration_s: float):
        self.cells_u = np.asarray(cells_u, dtype=float).reshape(-1, 3)
        self.jd0 = float(start_jd)
        self.step_s = daylight_step_s(self.cells_u)
        knots = np.arange(-SUN_TABLE_STEP_S, float(duration_s) + 2 * SUN_TABLE_STEP_S,
                          SUN_TABLE_STEP_S)
        self._sun_table = (knots, E.sun_unit_vector_ecef(self.jd0 + knots / 86400.0))

    def sun_u(self, t_s, normalised: bool = True) -> np.ndarray:
        """(K, 3) Earth-fixed unit vectors to the Sun at t_s (K,) seconds from time.start.

        Interpolated linearly (then normalised) in a table of the Almanac Sun every
        SUN_TABLE_STEP_S: the direction turns 0.25 deg a minute, so the chord error is
        about (0.0044 rad)^2 / 8 = 2.4e-6 rad, far below the Almanac's own 0.01 deg
        (1.7e-4 rad). Times outside the table are computed directly. normalised=False
        skips the normalisation (a positive scale): enough for the sign of a dot product."""
        t = np.asarray(t_s, dtype=float)
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

    def sunlit_table(self, t_s, cell_index) -> np.ndarray:
        """(C, N) bool: daylight at every one of N times t_s for each of C cells: the same
        rule as `sunlit`, as one matrix product of cell and Sun vectors."""
        sun = self.sun_u(np.asarray(t_s, dtype=float), normalised=False)
        return (self.cells_u[np.asarray(cell_index)] @ sun.T) > 0.0

    def sunlit(self, t_s, cell_index) -> np.ndarray:
        """(K,) bool: the Sun's centre is above the cell's geometric horizon at t_s (K,).
        sin(sun elevation) = u_cell . s_sun (References: Vallado alg. 29, eq. 3-45)."""
        return np.einsum("...i,...i->...", self.cells_u[cell_index],
                         self.sun_u(t_s, normalised=False)) > 0.0
