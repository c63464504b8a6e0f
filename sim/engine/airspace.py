"""Entries of a platform's track into the neighbour's national airspace (land plus
territorial sea), and the warning that reports them.

The track is sampled every VIOLATION_SAMPLE_S; each change between outside and inside is
bisected to VIOLATION_TOL_S, and each entry's deepest point is found on a 1 s sampling of
the entry. A run reports them when airspace.overflight is "forbidden" (docs/figures.md);
the window shows them while a track is edited.
"""
from __future__ import annotations

import math

import numpy as np

from sim.bisection import bisect, halvings
from sim.world.earth import lat_lon_deg
from sim.world.geography import AIRSPACE_NEIGHBOUR

VIOLATION_SAMPLE_S = 5.0
VIOLATION_TOL_S = 0.1


def airspace_violations(track, geography, duration_s: float) -> list[dict]:
    """Entries of the track into the neighbour's national airspace: start and end time
    (bisected to VIOLATION_TOL_S), the deepest point's position and distance inside."""
    n = int(math.ceil(duration_s / VIOLATION_SAMPLE_S)) + 1
    t = np.minimum(np.arange(n) * VIOLATION_SAMPLE_S, duration_s)
    inside = _is_inside(track, geography, t)
    if not inside.any():
        return []

    def refine(t_in, t_out):
        # brackets are one sample step long (or shorter at the window's end)
        steps = halvings(VIOLATION_SAMPLE_S, VIOLATION_TOL_S)
        return bisect(lambda times: _is_inside(track, geography, times), [t_in], [t_out],
                      steps=steps)[0]

    rows = []
    edges = np.diff(inside.astype(np.int8))
    starts = list(np.flatnonzero(edges == 1) + 1)
    ends = list(np.flatnonzero(edges == -1))
    if inside[0]:
        starts.insert(0, 0)
    if inside[-1]:
        ends.append(n - 1)
    for a, b in zip(starts, ends):
        t0 = t[a] if a == 0 else refine(t[a], t[a - 1])
        t1 = t[b] if b == n - 1 else refine(t[b], t[b + 1])
        span = np.linspace(t0, t1, max(int((t1 - t0) / 1.0), 2))
        p, _, _, act = track.state(span)
        depth = np.full(span.size, -np.inf)
        if act.any():
            depth[act] = geography.airspace_inside_m(p[act])
        k = int(np.argmax(depth))
        lat, lon = lat_lon_deg(p[k])
        rows.append({"start_s": float(t0), "end_s": float(t1), "lat": round(float(lat), 4),
                     "lon": round(float(lon), 4), "max_inside_km": round(float(depth[k]) / 1000.0, 3)})
    return rows


def _is_inside(track, geography, t_s) -> np.ndarray:
    """(N,) bool: the platform is flying and inside the neighbour's airspace at t_s (N,)."""
    pos, _, _, active = track.state(np.atleast_1d(t_s))
    out = np.zeros(pos.shape[0], dtype=bool)
    if active.any():
        out[active] = geography.airspace(pos[active]) == AIRSPACE_NEIGHBOUR
    return out


def violations_warning(platform_name: str, violations: list) -> str:
    """The run's warning for a platform's entries into the neighbour's airspace."""
    n = len(violations)
    return (f"{platform_name}: {n} entr{'y' if n == 1 else 'ies'} into the "
            f"neighbour's airspace (overflight: forbidden)")
