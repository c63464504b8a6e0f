"""The compiled bilinear lookup of sim/world/_terrain_los.pyx against scipy's
RegularGridInterpolator (the independent reference), on even and uneven grids, inside and
outside (0 there)."""
import numpy as np
from scipy.interpolate import RegularGridInterpolator

from sim.world import _terrain_los


def test_bilinear_matches_scipy_on_even_and_uneven_grids():
    rng = np.random.default_rng(0)
    q_lat, q_lon = rng.uniform(9.9, 12.1, 5000), rng.uniform(-0.1, 3.1, 5000)
    uneven_lat = np.unique(np.r_[10.0, rng.uniform(10, 12, 30), 12.0])
    uneven_lon = np.unique(np.r_[0.0, rng.uniform(0, 3, 40), 3.0])
    for lat, lon, even in ((np.linspace(10, 12, 21), np.linspace(0, 3, 31), True),
                           (uneven_lat, uneven_lon, False)):
        elev = rng.uniform(0.0, 3000.0, (lat.size, lon.size))
        want = RegularGridInterpolator((lat, lon), elev, bounds_error=False,
                                       fill_value=0.0)(np.c_[q_lat, q_lon])
        got = _terrain_los.elevations(q_lat, q_lon, lat, lon, even, even, elev)
        assert np.abs(got - want).max() < 1e-6
        assert np.any(want == 0.0)                  # some queries fell outside the grid
