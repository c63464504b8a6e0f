"""Terrain line of sight cut out of a platform's access intervals (exact engine).

Terrain depends only on where the platform is, so the engine applies it to one lap (and
to the one-off transit legs) before laps are replicated or compressed. Each access is
sampled and every change of the answer is bisected (sim.access.refine_at_samples). The
sampling step is the environment's terrain step (half the time the fastest carrier needs
to cross one terrain spacing) times Environment.space_step_factor (D / L, at most 8),
evaluated at check points CHECK_STEPS base steps apart: each piece between two checks
uses the smaller factor of its two ends. The rule and its measured accuracy are in
sim/environment.py's docstring and the README.

Shapes: intervals are sim.access.Intervals (K rows); times in seconds from time.start.
"""
from __future__ import annotations

import numpy as np

from sim.access import Intervals, refine_at_samples
from sim.rowpool import map_rows

CHECK_STEPS = 8          # the step factor is read every 8 base steps along an access
SPLIT_ROWS = 4_000       # samples per thread below which a batch is not split


def positions_along(segments):
    """where(t_s (N,)) -> (positions (N, 3) unit vectors, altitudes (N,) m) on a track made
    of `segments` (sorted by start time). When every segment is a rotation (ArcSegment),
    one vectorised Rodrigues formula serves all rows: v cos a + (k x v) sin a + k (k . v)
    (1 - cos a), with the per-segment constants gathered rather than recomputed per row
    (References: Rodrigues' rotation formula, as sim.earth.rotate)."""
    starts = np.array([seg.t0_s for seg in segments])
    altitude = np.array([seg.altitude_m for seg in segments], dtype=float)
    arcs = all(hasattr(seg, "axis_u") for seg in segments)
    if arcs:
        start_u = np.array([seg.start_u for seg in segments])
        axis_u = np.array([seg.axis_u for seg in segments])
        cross_u = np.cross(axis_u, start_u)
        along_u = axis_u * np.einsum("ij,ij->i", axis_u, start_u)[:, None]
        rate = np.array([seg.rate_rad_s for seg in segments])

    def where(t_s):
        which = np.clip(np.searchsorted(starts, t_s, side="right") - 1, 0, len(segments) - 1)
        if arcs:
            angle = rate[which] * (t_s - starts[which])
            cos_a, sin_a = np.cos(angle)[:, None], np.sin(angle)[:, None]
            pos = (start_u[which] - along_u[which]) * cos_a + cross_u[which] * sin_a
            pos += along_u[which]
            return pos, altitude[which]
        pos = np.empty((t_s.size, 3))
        for k in np.unique(which):
            sel = which == k
            pos[sel] = segments[k].position_u(t_s[sel])
        return pos, altitude[which]
    return where


def sample_times(iv: Intervals, base_step_s: float, factor_at) -> tuple[np.ndarray, np.ndarray]:
    """(owner (S,), t (S,)) sample times of the intervals iv, sorted by (owner, time),
    every interval's start and end included: check points CHECK_STEPS base steps apart,
    factor_at(t (C,), owner (C,)) -> (C,) step factors there, and each piece between two
    checks cut evenly at base_step_s times the smaller factor of its ends."""
    length = iv.end_s - iv.start_s
    n = np.maximum(np.ceil(length / (CHECK_STEPS * base_step_s)).astype(np.int64), 1) + 1
    owner = np.repeat(np.arange(iv.size), n)
    frac = (np.arange(owner.size) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n - 1, n)
    t_check = iv.start_s[owner] + length[owner] * frac
    factor = factor_at(t_check, owner)
    head = np.ones(owner.size, dtype=bool)
    head[np.cumsum(n) - 1] = False                 # a piece starts at every check but the last
    idx = np.flatnonzero(head)
    step = base_step_s * np.minimum(factor[idx], factor[idx + 1])
    piece_len = t_check[idx + 1] - t_check[idx]
    m = np.maximum(np.ceil(piece_len / step).astype(np.int64), 1)
    # Each piece's start and m - 1 inner points; pieces come in interval order, so each
    # interval's end goes right after its last piece's samples.
    s_piece = np.repeat(np.arange(idx.size), m)
    s_k = np.arange(s_piece.size) - np.repeat(np.cumsum(m) - m, m)
    s_t = t_check[idx][s_piece] + piece_len[s_piece] * s_k / m[s_piece]
    s_owner = owner[idx][s_piece]
    after_last = np.searchsorted(s_owner, np.arange(iv.size), side="right")
    return (np.insert(s_owner, after_last, np.arange(iv.size)),
            np.insert(s_t, after_last, iv.end_s))


def terrain_cut(env, spec, segments, iv: Intervals) -> Intervals:
    """The parts of iv (intervals of sensor `spec` on a track of `segments`) where terrain
    does not block the line of sight, each change bisected to env.terrain_tol_s."""
    where = positions_along(segments)

    def allowed(t_s, rows):
        def part(sl):
            return env.allows_in_space(spec, *where(t_s[sl]), iv.cell[rows[sl]])
        return np.concatenate(map_rows(part, t_s.size, SPLIT_ROWS))

    def factor_at(t_s, rows):
        return env.space_step_factor(spec, *where(t_s), iv.cell[rows])
    owner, t = sample_times(iv, env.space_step_s(spec), factor_at)
    return refine_at_samples(iv, allowed, owner, t, env.terrain_tol_s)
