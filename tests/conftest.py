"""Test setup: headless SDL before anything imports pygame; shared fixtures."""
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np   # noqa: E402  (after the SDL settings above)
import pytest        # noqa: E402


@pytest.fixture(scope="module")
def ridge_file(tmp_path_factory):
    """A terrain file with one east-west ridge (tests/test_terrain_engine.py, test_world.py)."""
    lat = np.linspace(8.0, 11.0, 121)
    lon = np.linspace(-1.0, 4.0, 201)
    # Gaussian ridge along latitude 9.64 N (40 km south of the border), 3,000 m high.
    elevation = 3000.0 * np.exp(-0.5 * ((lat - 9.64) / 0.05) ** 2)[:, None] * np.ones(lon.size)
    path = tmp_path_factory.mktemp("terrain") / "ridge.npz"
    np.savez(path, lat_deg=lat, lon_deg=lon, elevation_m=elevation)
    return path
