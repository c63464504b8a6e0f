"""Rebuild assets/terrain/etopo5_us_mexico.npz from NOAA ETOPO5 (5 arc-minute relief).

Source: `etopo5.cdf` in Debian's ferret-datasets package (public domain NOAA data)::

    apt-get install -y ferret-datasets
    dpkg -L ferret-datasets | grep etopo5.cdf     # /usr/share/ferret-vis/data/etopo5.cdf
    .venv/bin/python tools/build_terrain.py [path/to/etopo5.cdf]

The file holds ETOPO05_X (longitude 0..360 east, 4320 values), ETOPO05_Y (latitude -90..90,
2161 values) and ROSE (relief in metres, bathymetry negative). This script takes the region
box of the us-mexico preset (14..42 N, 125..85 W), converts longitudes to -180..180 and writes
lat_deg (A,), lon_deg (B,), elevation_m (A, B) int16 (rows south to north), compressed.
"""
from __future__ import annotations

import os
import sys

import numpy as np
from scipy.io import netcdf_file

REGION_BOX = (14.0, 42.0, -125.0, -85.0)  # lat_min, lat_max, lon_min, lon_max
DEFAULT_SOURCE = "/usr/share/ferret-vis/data/etopo5.cdf"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "assets", "terrain", "etopo5_us_mexico.npz")


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE
    lat_min, lat_max, lon_min, lon_max = REGION_BOX
    with netcdf_file(path, "r", mmap=False) as f:
        lon360 = np.array(f.variables["ETOPO05_X"][:], dtype=float)
        lat = np.array(f.variables["ETOPO05_Y"][:], dtype=float)
        rose = f.variables["ROSE"]
        lon = np.where(lon360 > 180.0, lon360 - 360.0, lon360)
        rows = np.nonzero((lat >= lat_min - 1e-6) & (lat <= lat_max + 1e-6))[0]
        cols = np.nonzero((lon >= lon_min - 1e-6) & (lon <= lon_max + 1e-6))[0]
        cols = cols[np.argsort(lon[cols])]
        block = np.array(rose[rows.min():rows.max() + 1, :], dtype=float)[:, cols]
        missing = float(rose._attributes.get("missing_value", -1e34))
    if np.any(block <= missing / 2):
        sys.exit("missing values inside the region")
    elevation = np.round(block).astype(np.int16)
    lat_out, lon_out = lat[rows.min():rows.max() + 1], lon[cols]
    if lat_out[0] > lat_out[-1]:
        lat_out, elevation = lat_out[::-1], elevation[::-1]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp_out = OUT + ".tmp.npz"
    np.savez_compressed(tmp_out, lat_deg=lat_out, lon_deg=lon_out, elevation_m=elevation,
                        source=np.array("NOAA ETOPO5 5-arc-minute global relief (public domain), "
                                        "etopo5.cdf from Debian ferret-datasets; derived by "
                                        "tools/build_terrain.py"))
    os.replace(tmp_out, OUT)
    print(f"lat {lat_out[0]}..{lat_out[-1]} ({lat_out.size}), lon {lon_out[0]:.4f}..{lon_out[-1]:.4f} "
          f"({lon_out.size}); elevation {elevation.min()}..{elevation.max()} m")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
