"""Tests of sim/world/terrain.py: cell elevations and line of sight over the terrain grid.

Every expected number has its source in a comment; line of sight is checked against an
independent dense 3-D oracle, not the polar-line formula the module uses.
"""
import math

import numpy as np
import pytest

from sim.schema import TerrainSpec
from sim.world import earth as E
from sim.world.terrain import OBSERVER_HEIGHT_M, Terrain
from tests.test_environment import _ridge_file

R = 6_371_000.0
K43 = 4.0 / 3.0


def _ridge_terrain(path, lons):
    """The ridge file of tests/test_environment.py under cells on the equator at lons."""
    cells = E.unit_vector(np.zeros(len(lons)), np.asarray(lons, float))
    return Terrain.from_spec(TerrainSpec(source="file", path=str(path)), cells, R, K43)


def _etopo5(lat, lon):
    cells = E.unit_vector(np.asarray(lat, float), np.asarray(lon, float))
    return Terrain.from_spec(TerrainSpec(source="etopo5"), cells, R, K43)


def test_cell_elevation_bilinear_and_sea_clamped(tmp_path):
    # Bilinear interpolation of the ridge: plateau 1000 m, halfway down the 0.01-deg slope
    # 500 m, flat ground 0, the sea node (-50 m) clamped to 0, outside the file 0.
    terrain = _ridge_terrain(_ridge_file(tmp_path), [0.51, 0.525, 0.495, 1.0, -0.2, 10.0])
    assert np.allclose(terrain.cell_elevation_m, [1000, 500, 500, 0, 0, 0], atol=1e-6)
    # Terrain spacing: the smaller of 0.05 deg lat and 0.01 deg lon x cos(0.5 deg), in metres.
    spacing = R * math.radians(0.01 * math.cos(math.radians(0.5)))
    assert terrain.spacing_m == pytest.approx(spacing)


def test_etopo5_sea_clamped_and_high_plateau():
    # Gulf of Mexico (25 N, 90 W, about 3 km deep): clamped to sea level 0.
    # Mexico City (19.43 N, 99.13 W) lies at about 2240 m (encyclopedic figure); ETOPO5's
    # 5-arc-minute cells smooth the valley, so allow +-600 m.
    terrain = _etopo5([25.0, 19.43], [-90.0, -99.13])
    assert terrain.cell_elevation_m[0] == 0.0
    assert abs(terrain.cell_elevation_m[1] - 2240.0) < 600.0


def test_terrain_agrees_with_dense_cartesian_oracle():
    # Independent oracle: walk the 3-D chord P + s (C - P) every ~330 m (ten times finer than
    # the module's profile) and block where ETOPO5 at the point below, X / |X|, is higher
    # than |X| - R. Sampling the exact bilinear surface never invents an obstacle, so the
    # module blocks nothing the oracle clears; it may miss grazes of a peak between its
    # samples, which we bound at 25 m (ETOPO5's 5' cells carry errors of order 100 m).
    rng = np.random.default_rng(11)
    n = 600
    lat = rng.uniform(25.0, 33.0, n)
    lon = rng.uniform(-112.0, -100.0, n)
    terrain = _etopo5(lat, lon)
    cell_u = terrain.cells_u
    plat_u = E.destination(cell_u, rng.uniform(0, 2 * np.pi, n), rng.uniform(30e3, 200e3, n) / R)
    h = 4500.0
    ours = terrain.blocked(plat_u, h, np.arange(n))

    big_p = (R + h) * plat_u
    big_c = (R + terrain.cell_elevation_m + OBSERVER_HEIGHT_M)[:, None] * cell_u
    steps = 600                                                    # <= 200 km / 600
    s = np.linspace(0.0, 1.0, steps + 1)[None, :, None]
    x = big_p[:, None, :] + s * (big_c - big_p)[:, None, :]          # (n, steps+1, 3)
    height = np.linalg.norm(x, axis=-1) - R
    ground = terrain.elevation(x / np.linalg.norm(x, axis=-1, keepdims=True))
    excess = np.max(ground[:, :-1] - height[:, :-1], axis=1)     # the cell itself excluded
    oracle = excess > 0
    assert 0.1 < oracle.mean() < 0.9                               # a meaningful mix
    assert not np.any(ours & ~oracle)
    missed = ~ours & oracle
    assert missed.mean() < 0.03 and np.all(excess[missed] < 25.0)


def test_margin_needs_a_positive_cap(tmp_path):
    # A walk capped at 0 would stop at its first clear sample even where a later one
    # blocks: Terrain.margin refuses a cap that is not positive, and takes one per ray.
    terrain = _ridge_terrain(_ridge_file(tmp_path), [0.3, 0.3])
    platform = E.unit_vector(np.zeros(2), np.array([0.9, 0.9]))
    args = (platform, 10_000.0, np.array([0, 1]), OBSERVER_HEIGHT_M, False, 1e-3, 1e-3, 0.0)
    with pytest.raises(ValueError, match="positive"):
        terrain.margin(*args, np.array([1.0, 0.0]), 1)
    tau = terrain.margin(*args, np.array([1.0, 5.0]), 1)
    assert tau.shape == (2,) and tau[0] <= 1.0 and tau[1] <= 5.0
