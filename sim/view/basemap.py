"""The map's background images, without pygame: land, sea and territorial sea codes and,
when the scenario has terrain, the relief's hillshade, over a rectangle of the world.

The window keeps two kinds: one coarse image over twice the map (computed once per scene)
and, when the view is zoomed in past that image's resolution, one at the screen's own
resolution over the view (computed per view). Both are computed in background threads, so
frames never wait for them; `MapJobs` runs one view image at a time and always computes the
newest view asked for.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

import numpy as np

from scipy.interpolate import RegularGridInterpolator

from sim.view.hillshade import flat_shade, hillshade

# Relief exaggeration: the terrain grids (ETOPO5: about 9 km between nodes) smooth mountains
# into slopes of a few degrees, which a true-scale hillshade barely shows (a z-factor,
# as cartographers use it).
RELIEF_Z_FACTOR = 5.0


@dataclass
class MapImage:
    """One background image: world bounds (x0, x1, y0, y1) metres; codes (nx, ny) uint8 of
    sim.view.model.AIRSPACE_CODES, column 0 west, row 0 north; shade (nx, ny) hillshade in
    [0, 1] (None without terrain); key: what it was computed for (a view key or None)."""
    bounds_m: tuple
    codes: np.ndarray
    shade: Optional[np.ndarray]
    key: object = None

    @property
    def pixel_m(self) -> float:
        """The image's pixel width in metres."""
        return (self.bounds_m[1] - self.bounds_m[0]) / self.codes.shape[0]


def pixel_centres(bounds_m, nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    """World x (nx, ny), y (nx, ny) of the pixel centres of an image over bounds
    (x0, x1, y0, y1), column 0 west, row 0 north."""
    x0, x1, y0, y1 = bounds_m
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y1 - (np.arange(ny) + 0.5) * (y1 - y0) / ny
    return np.meshgrid(xs, ys, indexing="ij")


def terrain_shade(terrain_nodes, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hillshade at the nodes of a terrain grid: (lat_deg (A,), lon_deg (B,), shade (A, B)),
    from terrain_nodes (lat_deg (A,) south to north, lon_deg (B,) west to east, elevation_m
    (A, B)) on a sphere of radius_m; each row's east spacing is R cos(lat) dlon, the north
    spacing R dlat (the grid's mean spacing: grids are uniform or nearly so)."""
    lat, lon, elevation_m = terrain_nodes
    north_m = radius_m * np.radians(float(np.mean(np.diff(lat))))
    east_m = radius_m * np.radians(float(np.mean(np.diff(lon)))) * np.cos(np.radians(lat))
    image = np.asarray(elevation_m, dtype=float)[::-1]          # row 0 north
    shade = hillshade(image, np.maximum(east_m[::-1], 1.0)[:, None], z_factor=RELIEF_Z_FACTOR,
                      cell_north_m=north_m)
    return lat, lon, shade[::-1]


def relief_shade(scene, bounds_m, nx: int, ny: int) -> Optional[np.ndarray]:
    """(nx, ny) hillshade of the scenario's terrain over an image (pixel_centres), or None
    when the scenario has no terrain: the shade found at the terrain grid's nodes
    (terrain_shade, computed once per scene) interpolated bilinearly to each pixel, so it
    stays smooth however far the view zooms in; level ground's shade outside the grid."""
    if scene.scenario.terrain.source == "none":
        return None
    nodes = getattr(scene, "_terrain_shade", None)
    if nodes is None:
        env = scene.engine.environment
        nodes = scene._terrain_shade = terrain_shade(env.terrain.nodes, env.terrain.radius_m)
    lat_n, lon_n, shade_n = nodes
    x, y = pixel_centres(bounds_m, nx, ny)
    lat, lon = scene.unproject(x.ravel(), y.ravel())
    if lon_n.max() > 180.0:
        lon = np.mod(lon, 360.0)
    interpolate = RegularGridInterpolator((lat_n, lon_n), shade_n, bounds_error=False,
                                          fill_value=flat_shade())
    return interpolate(np.stack([lat, lon], axis=-1)).reshape(nx, ny)


def map_image(scene, bounds_m, nx: int, ny: int, key=None) -> MapImage:
    """The codes and relief of the world rectangle bounds_m at nx x ny pixels."""
    bounds_m = tuple(float(b) for b in bounds_m)
    return MapImage(bounds_m, scene.airspace_raster(bounds_m, nx, ny),
                    relief_shade(scene, bounds_m, nx, ny), key)


class MapJobs:
    """Map images of views, computed in a daemon thread one at a time; a request made while
    one is computing replaces any earlier waiting request. `latest` is the newest finished
    image (None before the first); `error` the last failure's message."""

    def __init__(self, scene):
        self.scene = scene
        self.latest: Optional[MapImage] = None
        self.error: Optional[str] = None
        self._lock = threading.Lock()
        self._waiting = None
        self._running_key = None
        self._thread: Optional[threading.Thread] = None

    def request(self, key, bounds_m, nx: int, ny: int) -> None:
        """Ask for the image of a view (nothing to do if it is done or being done)."""
        with self._lock:
            if (self.latest is not None and self.latest.key == key) or self._running_key == key:
                self._waiting = None
                return
            self._waiting = (key, bounds_m, nx, ny)
            if self._thread is None:          # the worker clears it, under the lock, on leaving
                self._thread = threading.Thread(target=self._work, daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                job, self._waiting = self._waiting, None
                self._running_key = None if job is None else job[0]
                if job is None:
                    self._thread = None
                    return
            key, bounds_m, nx, ny = job
            try:
                self.latest = map_image(self.scene, bounds_m, nx, ny, key)
            except Exception as error:          # the coarse map stays; say why
                self.error = f"map at this zoom: {type(error).__name__}: {error}"

    def wait(self, timeout_s: Optional[float] = None) -> None:
        """Wait until no image is being computed or waiting."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
