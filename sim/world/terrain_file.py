"""Read a user's terrain grid file (`terrain: PATH` in a scenario): one reader shared by
`isr-sim check` (through the scenario loader) and the run, so both accept the same files.

Format (scenarios/FORMAT.md): a NumPy .npz archive with lat_deg (A,) and lon_deg (B,),
both strictly increasing, and elevation_m (A, B), finite, in metres (sea floor negative).
"""
from __future__ import annotations

import math
import os
import stat
import zipfile
from pathlib import Path

import numpy as np

from sim.memory import DEFAULT_LIMIT_BYTES, format_bytes

TERRAIN_FILE_FIX = ("give a .npz with lat_deg (A,) and lon_deg (B,) increasing and "
                    "elevation_m (A, B) in metres")


TERRAIN_COPIES = 3                   # the terrain grid as read, as float64, and its tiles


def npz_array_shapes(path) -> dict[str, tuple[tuple[int, ...], int]]:
    """Shapes and item sizes of the arrays of an .npz file, from the .npy headers alone
    (nothing loaded): name -> (shape, itemsize). Raises ValueError for a file that is not
    a regular file or not an .npz of plain arrays."""
    from numpy.lib import format as npy
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("not a regular file")
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                with archive.open(info) as member:
                    version = npy.read_magic(member)
                    if version == (1, 0):
                        shape, _, dtype = npy.read_array_header_1_0(member)
                    else:
                        shape, _, dtype = npy.read_array_header_2_0(member)
                out[name] = (tuple(int(n) for n in shape), int(dtype.itemsize))
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"not a readable .npz file ({error})") from None
    return out


def terrain_bytes(scenario) -> float:
    """Memory of the terrain grid the run will load (0 without terrain): the float64 size of
    every array in its .npz, times TERRAIN_COPIES."""
    spec = scenario.terrain
    if spec.source == "none":
        return 0.0
    if spec.source == "etopo5":
        from sim.world.geography import ETOPO5_FILE
        path = ETOPO5_FILE
    else:
        path = spec.path
    try:
        shapes = npz_array_shapes(path)
    except (OSError, ValueError):
        return 0.0           # unreadable: the terrain loader reports it, located
    return TERRAIN_COPIES * sum(8.0 * math.prod(shape) for shape, _ in shapes.values())


class TerrainFileError(ValueError):
    """The file cannot be used; `rule` says why (the fix is TERRAIN_FILE_FIX)."""

    def __init__(self, rule: str):
        super().__init__(rule)
        self.rule = rule


def _check_declared_size(path: Path, max_bytes: float) -> None:
    """Refuse a file whose arrays, as float64, would take more than max_bytes (with the
    copies the run makes), from the .npy headers alone: a small compressed file can
    declare an enormous grid."""
    try:
        shapes = npz_array_shapes(path)
    except (OSError, ValueError) as error:
        raise TerrainFileError(f"cannot read the terrain grid ({error})") from None
    points = sum(math.prod(shape) for shape, _ in shapes.values())
    need = TERRAIN_COPIES * 8.0 * points
    if need > max_bytes:
        grid = shapes.get("elevation_m", ((points,), 8))[0]
        raise TerrainFileError(
            f"the terrain grid declares {' x '.join(f'{n:,}' for n in grid)} points, about "
            f"{format_bytes(need)} in memory, more than the limit of {format_bytes(max_bytes)}; "
            "use a coarser or smaller terrain grid")


def read_terrain_grid(path, max_bytes: float = DEFAULT_LIMIT_BYTES
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat_deg (A,), lon_deg (B,), elevation_m (A, B)) float arrays from the .npz at
    `path`. Raises TerrainFileError when the file is missing, unreadable, malformed, or
    declares arrays needing more than max_bytes of memory (checked before loading)."""
    path = Path(path)
    if not path.is_file():
        raise TerrainFileError("the terrain file does not exist" if not path.exists()
                               else "the terrain path is not a file")
    _check_declared_size(path, max_bytes)
    try:
        with np.load(path, allow_pickle=False) as z:
            lat = np.array(z["lat_deg"], dtype=float).reshape(-1)
            lon = np.array(z["lon_deg"], dtype=float).reshape(-1)
            elev = np.array(z["elevation_m"], dtype=float)
    except (OSError, KeyError, ValueError, EOFError) as exc:
        raise TerrainFileError(f"cannot read the terrain grid ({exc})") from None
    good = (lat.size >= 2 and lon.size >= 2 and elev.shape == (lat.size, lon.size)
            and np.all(np.diff(lat) > 0) and np.all(np.diff(lon) > 0)
            and np.all(np.isfinite(elev)))
    if not good:
        raise TerrainFileError("terrain grid has the wrong shape, order or values")
    return lat, lon, elev
