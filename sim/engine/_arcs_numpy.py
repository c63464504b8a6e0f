"""numpy version of sim/engine/_arcs.pyx: access intervals of cells along one arc. The rule, the
root finding (harmonic addition) and the sources are in sim/engine/_arcs.pyx's docstring.

Whole-array steps over (cells, points): the roots of every boundary padded with theta_max
(a root that does not exist adds an empty piece at the end, which changes nothing), sorted
per cell; the rule at each piece's midpoint; an empty piece takes the state of the piece
before it (it does not break a run, as in the loop); runs open where the state turns on
and close where it turns off or at the arc's end.
"""
from __future__ import annotations

import numpy as np

MAX_ROOTS = 16
TWO_PI = 6.283185307179586


def _wrap(x: np.ndarray) -> np.ndarray:
    x = np.fmod(x, TWO_PI)
    return np.where(x < 0.0, x + TWO_PI, x)


def _max_on_range(a, b, c, ta, tb):
    """Max of a cos(x) + b sin(x) + c over [ta, tb] (tb - ta <= 2 pi), elementwise."""
    amp = np.hypot(a, b)
    phase = np.arctan2(b, a)
    ea, eb = amp * np.cos(ta - phase), amp * np.cos(tb - phase)
    return np.where(_wrap(phase - ta) <= tb - ta, amp, np.where(ea > eb, ea, eb)) + c


def _visible(d, g, f, cos_max, cos_min, kind, sides, tan_squint, inv_sin_rho, sin_lam_c,
             tan_lam_a):
    """The loop's _rule, elementwise."""
    seen = ~((d < cos_max) | (d > cos_min))
    if kind == 1:                                        # side-looking
        if sides == 1:
            seen &= ~(f < 0.0)
        elif sides == 2:
            seen &= ~(f > 0.0)
        if tan_squint >= 0.0:
            seen &= ~(np.abs(g) > tan_squint * np.abs(f))
    elif kind == 2:                                      # nadir-swath frame
        seen &= ~(np.abs(f) * inv_sin_rho > sin_lam_c)
        seen &= ~(np.abs(g) * inv_sin_rho > tan_lam_a * d)
    return seen


def _points(crossings: np.ndarray, theta_max: float) -> np.ndarray:
    """(M, 2 + 2K) sorted piece ends per cell: 0, theta_max and the roots in between."""
    n_cross, _, m = crossings.shape
    a, b, c = crossings[:, 0, :], crossings[:, 1, :], crossings[:, 2, :]   # (K, M)
    r = np.hypot(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = -c / r
    real = (r > 0.0) & ~((ratio > 1.0) | (ratio < -1.0))
    phi = np.arctan2(b, a)
    alpha = np.arccos(np.where(real, ratio, 0.0))
    pts = np.full((m, 2 + 2 * n_cross), theta_max)
    pts[:, 0] = 0.0
    for col, root in ((2, _wrap(phi - alpha)), (2 + n_cross, _wrap(phi + alpha))):
        pts[:, col:col + n_cross] = np.where(real & (root <= theta_max), root, theta_max).T
    pts.sort(axis=1)
    return pts


def arc_cell_intervals(d_abc, g_abc, f_abc, crossings, theta_max: float, cos_max: float,
                       cos_min: float, kind: int, sides: int, tan_squint: float,
                       sin_rho: float, sin_lam_c: float, tan_lam_a: float):
    """Intervals per cell along one arc, as sim.engine._arcs.arc_cell_intervals: d_abc, g_abc,
    f_abc (3, M), crossings (K, 3, M). Returns (row (N,) int64, theta_a (N,), theta_b (N,),
    best_cos (N,)) in row order."""
    d_abc, g_abc, f_abc, crossings = (np.asarray(x, dtype=np.float64)
                                      for x in (d_abc, g_abc, f_abc, crossings))
    if crossings.shape[0] + 2 > MAX_ROOTS // 2:
        raise ValueError("too many rule boundaries for one arc")
    pts = _points(crossings, theta_max)                              # (M, P)
    lo, hi = pts[:, :-1], pts[:, 1:]                                 # pieces (M, P - 1)
    mid = 0.5 * (lo + hi)
    cm, sm = np.cos(mid), np.sin(mid)
    dm, gm, fm = (x[0][:, None] * cm + x[1][:, None] * sm + x[2][:, None]
                  for x in (d_abc, g_abc, f_abc))
    inv = 1.0 / (sin_rho if sin_rho > 1e-15 else 1e-15)
    seen = _visible(dm, gm, fm, cos_max, cos_min, kind, sides, tan_squint, inv, sin_lam_c,
                    tan_lam_a)
    # an empty piece keeps the state of the last non-empty one before it (off at first)
    piece = np.where(hi > lo, np.arange(lo.shape[1]), -1)
    piece = np.maximum.accumulate(piece, axis=1)
    state = np.where(piece >= 0, np.take_along_axis(seen, np.maximum(piece, 0), axis=1), False)
    before = np.zeros_like(state)
    before[:, 1:] = state[:, :-1]
    opens = state & ~before                                          # run starts at lo
    closes = np.zeros(pts.shape, dtype=bool)                         # run ends at pts
    closes[:, :-1] = ~state & before
    closes[:, -1] = state[:, -1]
    row, q_open = np.nonzero(opens)
    _, q_close = np.nonzero(closes)
    theta_a, theta_b = pts[row, q_open], pts[row, q_close]
    best = _max_on_range(d_abc[0, row], d_abc[1, row], d_abc[2, row], theta_a, theta_b)
    return row.astype(np.int64), theta_a, theta_b, best
