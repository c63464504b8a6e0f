"""Exact access intervals per (sensor, cell).

For every source (one sensor of one platform) and every grid cell this module returns the
time intervals in which the cell is in view, with edges accurate to far better than 1 s.

Two methods, chosen by segment type:

* ArcSegment (constant altitude, rotation of the sub-platform point p about a fixed axis a:
  great-circle legs, turns, loiters, routes). With theta the angle swept since the segment
  start, every quantity a sensor rule depends on is a sinusoid in theta:
      u.p(theta)        = (u.p0 - (a.p0)(a.u)) cos theta + u.(a x p0) sin theta + (a.p0)(a.u)
      u.(a x p(theta))  = u.(a x p0) cos theta + ((a.p0)(a.u) - u.p0) sin theta
  (Rodrigues' rotation formula). The left normal of the track is n = (a - p cos rho)/sin rho
  and the along-track unit vector t = (a x p)/sin rho, so u.n and u.t are sinusoids too. Each
  rule of sim/platforms/sensors.py (cap lam_min <= lam <= lam_max, side of track, squint
  |u.t| <= tan(squint)|u.n|, swath |u.n| <= sin lam_c, frame |u.t| <= tan(lam_a) u.p) changes
  truth only where one of these sinusoids crosses a threshold, at the roots
      A cos theta + B sin theta + C = 0  ->  theta = atan2(B, A) +- acos(-C / hypot(A, B)).
  The roots split the segment into pieces on which visibility is constant; the sensor's own
  `visible` rule is evaluated once at each piece's midpoint. Edges are therefore exact
  (floating point), and the truth comes from the same rule the stepped engine samples.

* OrbitSegment (satellite under Earth rotation): no closed form. The sub-satellite point is
  sampled every COARSE_STEP_S; a cell can only be inside the cap lam_max during a sample's
  half-step if it lies within lam_max + w*step/2 of the sample, where w bounds the ground
  angular rate (a Lipschitz bound: no access is missed). Consecutive candidate samples form a
  bracket per cell and pass; golden-section search finds the closest approach, bisection the
  cap edges, and the full rule is then refined inside on a fine grid plus bisection. Edges
  are refined to REFINE_TOL_S.

Repeating tracks: one lap is computed, merged, and shifted by whole lap periods
(`replicate_laps`), so a week costs little more than a day.

References: Rodrigues' rotation formula; SMAD 3rd ed. sec. 5.2 (viewing geometry); the
bracketing + refinement scheme follows the event-finding approach described for coverage
tools in docs/model.md ("Known traps": sampling misses short accesses).
"""
from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from sim.bisection import bisect
from sim.engine.intervals import Intervals, sort_by_cell_then_time
from sim.platforms.segments import ArcSegment
from sim.loops import arcs as _arcs
from sim.loops import expand as _expand


COARSE_STEP_S = 30.0          # orbit screening step; safe by the Lipschitz bound
REFINE_TOL_S = 1e-3           # orbit edge refinement tolerance
FINE_STEP_S = 1.0             # orbit full-rule sampling inside a cap window
ORBIT_CHUNK_S = 86_400.0      # long orbits are solved in chunks of this length, in parallel
_TWO_PI = 2.0 * math.pi


# ----------------------------------------------------------------------------- geometry

def _chord(angle_rad: float) -> float:
    """Straight-line distance between unit vectors separated by a central angle."""
    return 2.0 * math.sin(min(angle_rad, math.pi) / 2.0)


def candidate_cells(tree: cKDTree, center_u: np.ndarray, radius_rad: float) -> np.ndarray:
    """Indices of cells within a central angle of center_u (3,), via the KD-tree on unit
    vectors (chord metric). Returns a sorted int64 array."""
    if radius_rad >= math.pi:
        return np.arange(tree.n, dtype=np.int64)
    idx = tree.query_ball_point(center_u, _chord(radius_rad) + 1e-12, return_sorted=False)
    return np.sort(np.asarray(idx, dtype=np.int64))


def _max_on_range(amp, phase, offset, theta_a, theta_b):
    """Max of amp*cos(theta - phase) + offset over [theta_a, theta_b] (b - a <= 2 pi)."""
    inside = np.mod(phase - theta_a, _TWO_PI) <= (theta_b - theta_a)
    ends = np.maximum(amp * np.cos(theta_a - phase), amp * np.cos(theta_b - phase))
    return np.where(inside, amp, ends) + offset


def arc_intervals(segment, sensor, cells_u: np.ndarray, cell_index: np.ndarray) -> Intervals:
    """Exact intervals of one sensor over candidate cells during one ArcSegment.

    segment: ArcSegment (t0_s, t1_s, start_u, axis_u, rate_rad_s, altitude_m);
    sensor: sim.platforms.sensors.Sensor; cells_u: (M, 3) candidate cell vectors; cell_index: (M,)
    their grid indices. Returns Intervals in the segment's own time base.

    Steps: the sinusoids in theta of each cell (`_arc_sinusoids`); cells the arc never
    brings within lam_max dropped (the largest u.p over the arc is closed-form: a
    sinusoid's maximum on a range); the sinusoids whose roots can change the rule's truth
    (`_arc_crossings`); then roots, pieces, the rule at each piece's midpoint and runs of
    visible pieces in one compiled loop per cell (sim/engine/_arcs.pyx).
    """
    if cell_index.size == 0 or segment.t1_s <= segment.t0_s:
        return Intervals.empty()
    lam_min, lam_max = sensor.central_angle_limits_rad(segment.altitude_m)
    if not lam_max >= lam_min:      # a limit leaves nothing visible (e.g. max_range < altitude)
        return Intervals.empty()
    theta_max = segment.rate_rad_s * (segment.t1_s - segment.t0_s)
    d_abc, g_abc, f_abc, sin_rho = _arc_sinusoids(segment, cells_u)
    reach = _max_on_range(np.hypot(d_abc[0], d_abc[1]), np.arctan2(d_abc[1], d_abc[0]),
                          d_abc[2], 0.0, theta_max) >= math.cos(lam_max)
    if not reach.all():
        d_abc, g_abc, f_abc = ([x[reach] for x in abc] for abc in (d_abc, g_abc, f_abc))
        cell_index = cell_index[reach]
        if cell_index.size == 0:
            return Intervals.empty()
    rule = _ArcRule.of(sensor, segment.altitude_m)
    crossings = _arc_crossings(rule, d_abc, g_abc, f_abc, lam_min, lam_max, sin_rho)
    stack = lambda abc: np.ascontiguousarray(np.array([np.broadcast_to(x, cell_index.shape)
                                                       for x in abc]))
    row, theta_a, theta_b, best = _arcs.arc_cell_intervals(
        stack(d_abc), stack(g_abc), stack(f_abc),
        np.ascontiguousarray(np.array([[np.broadcast_to(x, cell_index.shape) for x in c]
                                       for c in crossings])),
        theta_max, math.cos(lam_max), math.cos(lam_min) if lam_min > 0.0 else 2.0, rule.kind,
        rule.sides, rule.tan_squint, sin_rho, rule.sin_lam_c, rule.tan_lam_a)
    t0, rate = segment.t0_s, segment.rate_rad_s
    return Intervals(cell_index[row], t0 + theta_a / rate, t0 + theta_b / rate, best)


def _arc_sinusoids(segment, cells_u: np.ndarray):
    """The three quantities every rule reads, as sinusoids A cos theta + B sin theta + C of
    the angle theta swept since the segment's start (module docstring): d = u.p,
    g = u.(a x p) = sin(rho) u.t and f = sin(rho) u.n (n the track's left normal). Returns
    (d, g, f, sin_rho), each of d, g, f a list [A, B, C] of (M,) arrays for cells_u (M, 3);
    rho is the arc's radius (angle between the rotation axis a and the path)."""
    a_vec = np.asarray(segment.axis_u, float)
    p0 = np.asarray(segment.start_u, float)
    cos_rho = float(a_vec @ p0)
    sin_rho = math.sqrt(max(1.0 - cos_rho * cos_rho, 0.0))
    ua = cells_u @ a_vec
    up0 = cells_u @ p0
    uap0 = cells_u @ np.cross(a_vec, p0)
    d_abc = [up0 - cos_rho * ua, uap0, cos_rho * ua]
    g_abc = [uap0, cos_rho * ua - up0, np.zeros_like(ua)]
    f_abc = [-cos_rho * d_abc[0], -cos_rho * d_abc[1], ua - cos_rho * d_abc[2]]
    return d_abc, g_abc, f_abc, sin_rho


@dataclass(frozen=True)
class _ArcRule:
    """A sensor's rule as the compiled arc loop reads it: kind (0 cap only, 1 side-looking,
    2 nadir-swath), sides (0 both, 1 left, 2 right), tan_squint (tan of the largest squint,
    -1 when unlimited), and for a swath sin(lam_c) (cross-track) and tan(lam_a)
    (along-track) of its central half-angles (0 otherwise)."""
    kind: int
    sides: int
    tan_squint: float
    sin_lam_c: float
    tan_lam_a: float

    @staticmethod
    def of(sensor, altitude_m: float) -> "_ArcRule":
        spec = sensor.spec
        kind = {"side-looking": 1, "nadir-swath": 2}.get(spec.kind, 0)
        sides = {"left": 1, "right": 2}.get(getattr(spec, "sides", "both"), 0)
        tan_squint = -1.0
        sin_lam_c = tan_lam_a = 0.0
        if kind == 1 and spec.max_squint_rad < math.pi / 2 - 1e-9:   # narrower than +-90 deg
            tan_squint = math.tan(spec.max_squint_rad)
        if kind == 2:
            lam_c, lam_a = sensor.swath_central_angles_rad(altitude_m)
            sin_lam_c, tan_lam_a = math.sin(lam_c), math.tan(lam_a)
        return _ArcRule(kind, sides, tan_squint, sin_lam_c, tan_lam_a)


def _combine(k1, s1, k2=0.0, s2=None, const=0.0):
    """k1*s1 + k2*s2 + const as a sinusoid [A, B, C] (s1, s2: [A, B, C] of (M,) arrays)."""
    out = [k1 * s1[i] for i in range(3)]
    if s2 is not None:
        out = [out[i] + k2 * s2[i] for i in range(3)]
    out[2] = out[2] + const
    return out


def _arc_crossings(rule: _ArcRule, d_abc, g_abc, f_abc, lam_min: float, lam_max: float,
                   sin_rho: float) -> list:
    """The sinusoids whose roots are the only angles where the rule can change truth:
    the cap's edges d = cos(lam_max) (and cos(lam_min) with an inner limit); for a
    side-looking sensor the track's side f = 0 and the squint limits g = +-tan(squint) f;
    for a nadir swath the cross-track edges f = +-sin(rho) sin(lam_c) and the along-track
    edges g = +-sin(rho) tan(lam_a) d (module docstring). Each [A, B, C] of (M,) arrays."""
    crossings = [_combine(1.0, d_abc, const=-math.cos(lam_max))]
    if lam_min > 0.0:
        crossings.append(_combine(1.0, d_abc, const=-math.cos(lam_min)))
    if rule.kind == 1:
        if rule.sides != 0:
            crossings.append(f_abc)
        if rule.tan_squint >= 0.0:
            k = rule.tan_squint
            crossings.append(_combine(1.0, g_abc, -k, f_abc))
            crossings.append(_combine(1.0, g_abc, k, f_abc))
    elif rule.kind == 2:
        crossings.append(_combine(1.0, f_abc, const=-sin_rho * rule.sin_lam_c))
        crossings.append(_combine(1.0, f_abc, const=sin_rho * rule.sin_lam_c))
        k = sin_rho * rule.tan_lam_a
        crossings.append(_combine(1.0, g_abc, -k, d_abc))
        crossings.append(_combine(1.0, g_abc, k, d_abc))
    return crossings


def _arc_bounding_cap(segment) -> tuple[np.ndarray, float]:
    """Centre (3,) and central-angle radius of a cap containing the whole arc."""
    theta_max = segment.rate_rad_s * (segment.t1_s - segment.t0_s)
    p0 = np.asarray(segment.start_u, float)
    a_vec = np.asarray(segment.axis_u, float)
    half = 0.5 * theta_max
    mid = p0 * math.cos(half) + np.cross(a_vec, p0) * math.sin(half) \
        + a_vec * float(a_vec @ p0) * (1.0 - math.cos(half))
    reach = math.acos(max(-1.0, min(1.0, float(mid @ p0))))
    return mid, reach


def arc_segment_intervals(segment, sensor, grid_u: np.ndarray, tree: cKDTree) -> Intervals:
    """Intervals of one sensor over the whole grid during one ArcSegment: candidate cells
    from the KD-tree (cap around the arc enlarged by lam_max), then `arc_intervals`."""
    lam_min, lam_max = sensor.central_angle_limits_rad(segment.altitude_m)
    if not lam_max >= lam_min:
        return Intervals.empty()
    center, reach = _arc_bounding_cap(segment)
    idx = candidate_cells(tree, center, reach + lam_max)
    return arc_intervals(segment, sensor, grid_u[idx], idx)


# ------------------------------------------------------------------------------ orbits

def _orbit_state(segment, t_s):
    """Sub-satellite unit vectors (K,3) and Earth-fixed angular velocity vectors (K,3) in
    rad/s (ground velocity on the unit sphere) at times t_s (K,)."""
    return segment.state_u(t_s)


def orbit_segment_intervals(segment, sensor, grid_u: np.ndarray, tree: cKDTree,
                            sample_ok=None) -> Intervals:
    """Intervals of one sensor over the grid during an OrbitSegment, in four steps:

    1. `_screen_passes` (Lipschitz-safe): sub-satellite points every COARSE_STEP_S; a cell
       can be inside the cap lam_max during a sample's half-step only if it lies within
       lam_max + w*step/2 of the sample, w bounding the ground angular rate. Runs of
       candidate samples of a cell form a bracket (one pass).
    2. `_closest_approach` by Newton steps on d(t) = u.p(t): over a pass the sub-satellite
       point moves almost on a great circle at rate w, for which d'' = -w^2 d exactly, so
       t <- t + d' / (w^2 d) converges in a few steps; kept inside the bracket. Passes
       that never reach the cap are dropped.
    3. `_cap_windows`: cap edges d(t) = cos(lam_max) by Newton steps (d' = u.p'), started
       from the same local model t* +- acos(cos(lam_max)/d*)/w, and checked: an edge that
       does not reach REFINE_TOL_S falls back to bisection (`_edge`).
    4. `_rule_inside_cap`, the rules beyond the cap: nadir-swath frames by the same method
       on the along-track margin and a bracketed search on the cross-track one
       (`_orbit_frame`); other kinds by sampling + bisection (`refine_intervals`).

    sample_ok(t_s (K,), sub_u (K, 3), radius_rad) -> (K,) bool, optional: False where a
    coarse sample cannot matter (e.g. night over the whole footprint of a daylight imager).
    """
    if float(segment.t1_s) <= float(segment.t0_s) or grid_u.shape[0] == 0:
        return Intervals.empty()
    lam_min, lam_max = sensor.central_angle_limits_rad(segment.altitude_m)
    if not lam_max >= lam_min:
        return Intervals.empty()
    cos_max = math.cos(lam_max)
    passes, t_start = _screen_passes(segment, grid_u, tree, lam_max, sample_ok)
    found = _closest_approach(segment, passes, t_start, cos_max)
    if found is None:
        return Intervals.empty()
    passes, t_best, c_best, omega = found
    cap = _cap_windows(segment, passes, t_best, c_best, omega, cos_max)
    return _rule_inside_cap(segment, sensor, cap, grid_u, t_best, lam_min)


@dataclass(frozen=True)
class _Passes:
    """One row per pass of a cell near an orbit segment's ground track (B rows): cell (B,)
    grid index, u (B, 3) the cell's unit vector, lo_s and hi_s (B,) the bracket that holds
    the pass (s, in the segment's time base)."""
    cell: np.ndarray
    u: np.ndarray
    lo_s: np.ndarray
    hi_s: np.ndarray

    @staticmethod
    def none() -> "_Passes":
        return _Passes(np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0), np.zeros(0))

    def take(self, rows: np.ndarray) -> "_Passes":
        """The rows selected by rows ((B,) bool)."""
        return _Passes(self.cell[rows], self.u[rows], self.lo_s[rows], self.hi_s[rows])


def _screen_passes(segment, grid_u: np.ndarray, tree: cKDTree, lam_max: float,
                   sample_ok) -> tuple[_Passes, np.ndarray]:
    """Step 1 of orbit_segment_intervals: every (cell, pass) bracket, and (B,) the time of
    the coarse sample nearest the cell in each (s), where the search for the closest
    approach starts. No rows when no sample has a candidate cell."""
    t0, t1 = float(segment.t0_s), float(segment.t1_s)
    rate = float(segment.max_ground_rate_rad_s())
    step = COARSE_STEP_S
    n = int(math.ceil((t1 - t0) / step)) + 1
    times = np.minimum(t0 + step * np.arange(n), t1)
    subs = segment.position_u(times)
    radius = lam_max + rate * step * 0.5 + 1e-6
    if sample_ok is not None:
        # Samples that cannot matter are not screened: their candidate lists stay empty.
        keep = np.asarray(sample_ok(times, subs, radius), dtype=bool)
        subs_q = np.where(keep[:, None], subs, np.array([0.0, 0.0, 0.0]))
    else:
        keep, subs_q = None, subs
    hits = tree.query_ball_point(subs_q, _chord(radius), return_sorted=False)
    if keep is not None:
        hits = [h if k else [] for h, k in zip(hits, keep)]
    counts = np.fromiter(map(len, hits), dtype=np.int64, count=n)
    if counts.sum() == 0:
        return _Passes.none(), np.zeros(0)
    sample = np.repeat(np.arange(n), counts)
    cell = np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64, count=int(counts.sum()))
    order = sort_by_cell_then_time(cell, sample.astype(np.float64))
    sample, cell = sample[order], cell[order]
    # A bracket = a run of consecutive candidate samples of one cell (one pass).
    new = np.ones(cell.size, dtype=bool)
    new[1:] = (cell[1:] != cell[:-1]) | (sample[1:] != sample[:-1] + 1)
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, cell.size - 1)
    # Start from the candidate sample nearest the cell in each bracket.
    d_samples = np.einsum("ij,ij->i", subs[sample], grid_u[cell])
    best_at = np.maximum.reduceat(d_samples, first)
    is_best = d_samples == np.repeat(best_at, last - first + 1)
    pick = np.maximum.reduceat(np.where(is_best, np.arange(cell.size), -1), first)
    passes = _Passes(cell[first], grid_u[cell[first]],
                     np.maximum(times[sample[first]] - 0.5 * step, t0),
                     np.minimum(times[sample[last]] + 0.5 * step, t1))
    return passes, times[sample[pick]]


def _closest_approach(segment, passes: _Passes, t_start: np.ndarray, cos_max: float):
    """Step 2 of orbit_segment_intervals: Newton steps from t_start (B,) to each pass's
    closest approach. Returns (the passes that reach the cap; t_best, their closest
    approach, s; c_best, u.p there; omega, the ground angular rate there, rad/s), each
    (B',), or None when no pass reaches the cap."""
    # After the first step, drop brackets whose d is more than 5e-4 below the cap: one
    # more step raises d by about d'^2 / (2 w^2 d) <= (w tau)^2 / 2, and one step from a
    # sample within half a coarse step (15 s, w tau < 0.017) leaves |tau| below a few
    # seconds, so the remaining gain is < 1e-5, far below the margin.
    if passes.cell.size == 0:
        return None
    t_best = t_start
    for it in range(4):
        p, w = _orbit_state(segment, t_best)
        d, dd = np.einsum("ij,ij->i", p, passes.u), np.einsum("ij,ij->i", w, passes.u)
        w2 = np.einsum("ij,ij->i", w, w)
        if it == 1:
            near = d >= cos_max - 5e-4
            passes, t_best = passes.take(near), t_best[near]
            d, dd, w2 = d[near], dd[near], w2[near]
            if passes.cell.size == 0:
                return None
        t_best = np.clip(t_best + dd / np.maximum(w2 * np.maximum(d, 1e-3), 1e-30),
                         passes.lo_s, passes.hi_s)
    p, w = _orbit_state(segment, t_best)
    c_best = np.einsum("ij,ij->i", p, passes.u)
    hit = c_best >= cos_max
    if not hit.any():
        return None
    omega = np.sqrt(np.einsum("ij,ij->i", w[hit], w[hit]))
    return passes.take(hit), t_best[hit], c_best[hit], omega


def _cap_windows(segment, passes: _Passes, t_best: np.ndarray, c_best: np.ndarray,
                 omega: np.ndarray, cos_max: float) -> Intervals:
    """Step 3 of orbit_segment_intervals: each pass's window inside the cap lam_max
    (Intervals, best_cos = c_best), its edges from the local model
    t_best +- acos(cos_max / c_best) / omega refined by `_edge` (all (B,))."""
    u = passes.u
    half = np.arccos(np.clip(cos_max / c_best, -1.0, 1.0)) / np.maximum(omega, 1e-12)

    def margin(t):
        return np.einsum("ij,ij->i", segment.position_u(t), u) - cos_max

    start = _edge(segment, u, cos_max, t_best - half, t_best, passes.lo_s, margin)
    end = _edge(segment, u, cos_max, t_best + half, t_best, passes.hi_s, margin)
    return Intervals(passes.cell, start, end, c_best)


def _rule_inside_cap(segment, sensor, cap: Intervals, grid_u: np.ndarray, t_best: np.ndarray,
                     lam_min: float) -> Intervals:
    """Step 4 of orbit_segment_intervals: the sensor's whole rule inside each cap window
    (t_best (B,): each window's closest approach)."""
    if sensor.spec.kind in ("horizon", "conic") and lam_min <= 0.0:
        return cap   # the cap is the whole rule for these kinds
    if sensor.spec.kind == "nadir-swath":
        return _orbit_frame(segment, sensor, cap, grid_u, t_best)
    return _refine_full_rule(segment, sensor, cap, grid_u)


def _edge(segment, u, cos_max, guess, t_best, limit, margin):
    """The time where u.p(t) falls to cos_max between the closest approach t_best and the
    bracket end `limit` (before or after t_best, whichever side limit is). Newton steps from the
    local-model guess; rows not converged to REFINE_TOL_S are bisected."""
    inside_at_limit = margin(limit) >= 0.0
    t = np.clip(guess, np.minimum(t_best, limit), np.maximum(t_best, limit))
    for _ in range(4):
        p, w = _orbit_state(segment, t)
        f = np.einsum("ij,ij->i", p, u) - cos_max
        df = np.einsum("ij,ij->i", w, u)
        step = np.where(np.abs(df) > 1e-12, -f / np.where(np.abs(df) > 1e-12, df, 1.0), 0.0)
        t_new = np.clip(t + step, np.minimum(t_best, limit), np.maximum(t_best, limit))
        moved = np.abs(t_new - t)
        t = t_new
    bad = (moved > REFINE_TOL_S) | (np.abs(margin(t)) > 1e-9)
    if bad.any():
        rows = np.flatnonzero(bad)
        sub_u = u[rows]

        def inside(tt):
            return np.einsum("ij,ij->i", segment.position_u(tt), sub_u) - cos_max >= 0.0
        t[rows] = bisect(inside, t_best[rows], limit[rows], REFINE_TOL_S)
    return np.where(inside_at_limit, limit, t)


def _orbit_frame(segment, sensor, cap: Intervals, grid_u, t_best) -> Intervals:
    """A nadir-swath frame inside each cap window: along-track |u.t| <= tan(lam_a) u.p by
    Newton steps from the closest approach outwards (the along-track angle changes at about
    the ground rate w), then the cross-track bound |u.n| <= sin(lam_c), n = p x t, which
    changes slowly over a pass: checked at the window's ends and closest approach, the
    crossing bisected where it changes. Falls back to sampling for rows that misbehave."""
    lam_c, lam_a = sensor.swath_central_angles_rad(segment.altitude_m)
    tan_a, sin_c = math.tan(lam_a), math.sin(lam_c)
    u = grid_u[cap.cell]

    def along(t, rows=slice(None)):
        p, w = _orbit_state(segment, t)
        t_hat = w / np.maximum(np.linalg.norm(w, axis=-1, keepdims=True), 1e-30)
        uu = u[rows]
        return np.einsum("ij,ij->i", t_hat, uu), np.einsum("ij,ij->i", p, uu), p, t_hat

    def cross_ok(t, rows=slice(None)):
        _, _, p, t_hat = along(t, rows)
        return np.abs(np.einsum("ij,ij->i", np.cross(p, t_hat), u[rows])) <= sin_c

    # Along-track: before the closest approach the cell is ahead (u.t_hat > 0), after it
    # behind: the frame's edges are g(t) = u.t_hat - s*tan(lam_a)*u.p = 0, s = +1 before
    # (start), -1 after (end).
    def solve(sign, limit):
        p, w = _orbit_state(segment, t_best)
        omega = np.linalg.norm(w, axis=-1)
        lo_t, hi_t = np.minimum(t_best, limit), np.maximum(t_best, limit)
        t = np.clip(t_best - sign * lam_a / np.maximum(omega, 1e-12), lo_t, hi_t)
        a, d, _, _ = along(t)
        g = a - sign * tan_a * d
        t_prev, g_prev = t + 0.5, None
        a, d, _, _ = along(t_prev)
        g_prev = a - sign * tan_a * d
        moved = np.full(t.shape, np.inf)
        for _ in range(6):          # secant steps: one evaluation each
            live = (np.abs(t - t_prev) > 1e-9) & (g != g_prev)   # converged rows stay put
            slope = np.where(live, (g - g_prev) / np.where(live, t - t_prev, 1.0), 1.0)
            t_new = np.where(live, np.clip(t - g / slope, lo_t, hi_t), t)
            moved = np.abs(t_new - t)
            t_prev, g_prev = t, g
            t = t_new
            a, d, _, _ = along(t)
            g = a - sign * tan_a * d
            if moved.max(initial=0.0) < 1e-6:
                break
        a, d, _, _ = along(limit)
        at_limit = np.abs(a) <= tan_a * d
        return np.where(at_limit, limit, t), moved

    f_start, m1 = solve(+1.0, cap.start_s)
    f_end, m2 = solve(-1.0, cap.end_s)
    a_mid, d_mid, _, _ = along(t_best)
    ok = (np.abs(a_mid) <= tan_a * d_mid) & (f_end > f_start)
    suspect = (m1 > REFINE_TOL_S) | (m2 > REFINE_TOL_S)
    frame = Intervals(cap.cell[ok & ~suspect], f_start[ok & ~suspect], f_end[ok & ~suspect],
                      cap.best_cos[ok & ~suspect])
    mid = t_best[ok & ~suspect]
    rows = np.flatnonzero(ok & ~suspect)
    c0, c1, cm = cross_ok(frame.start_s, rows), cross_ok(frame.end_s, rows), cross_ok(mid, rows)
    keep_all = c0 & c1 & cm
    mixed = ~keep_all & (c0 | c1 | cm)
    parts = [frame.take(keep_all)]
    if mixed.any():
        # The cross-track margin is monotonic over a pass: sample and bisect these few.
        sub = frame.take(mixed)
        sub_rows = rows[mixed]

        def pred(tt, owner):
            return cross_ok(tt, sub_rows[owner])
        parts.append(refine_intervals(sub, pred, FINE_STEP_S))
    if suspect.any():
        parts.append(_refine_full_rule(segment, sensor, cap.take(suspect), grid_u))
    return Intervals.concat(parts)


def _refine_full_rule(segment, sensor, cap: Intervals, grid_u) -> Intervals:
    """Inside each cap window, the sensor's full rule (side, squint, swath frame)."""
    def rule(times, rows):
        pos, vel = _orbit_state(segment, times)
        vel = vel / np.maximum(np.linalg.norm(vel, axis=-1, keepdims=True), 1e-30)
        return sensor.visible(pos, segment.altitude_m, vel, grid_u[cap.cell[rows]])
    return refine_intervals(cap, rule, FINE_STEP_S)


def refine_intervals(intervals: Intervals, predicate, step_s,
                     tol_s: float = REFINE_TOL_S) -> Intervals:
    """Keep the parts of each interval where predicate holds.

    predicate(t_s (K,), rows (K,)) -> (K,) bool, rows indexing `intervals`. Each interval is
    sampled at most step_s apart (a scalar, or (N,) one per interval; both ends included)
    and every change of truth between two samples is bisected to tol_s. Exact when the
    predicate changes at most once per step (the caller's step must guarantee it). Returns
    intervals in the same order of owners.
    """
    if intervals.size == 0:
        return intervals
    length = intervals.end_s - intervals.start_s
    pieces = np.maximum(np.ceil(length / step_s).astype(np.int64), 1)
    owner = np.repeat(np.arange(intervals.size), pieces + 1)
    k = np.arange(owner.size) - np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
    t = intervals.start_s[owner] + length[owner] * k / pieces[owner]
    return refine_at_samples(intervals, predicate, owner, t, tol_s)


def refine_at_samples(intervals: Intervals, predicate, owner: np.ndarray, t: np.ndarray,
                      tol_s: float = REFINE_TOL_S) -> Intervals:
    """refine_intervals with the samples given: owner (S,) interval indices, ascending, and
    t (S,) ascending within each owner, every owner's first sample at its start and last at
    its end. Exact when the predicate changes at most once between consecutive samples."""
    seen = np.asarray(predicate(t, owner), dtype=bool)
    same_owner_next = np.zeros(owner.size, dtype=bool)
    same_owner_next[:-1] = owner[1:] == owner[:-1]
    rise = np.flatnonzero(same_owner_next & ~seen & np.r_[seen[1:], False])
    fall = np.flatnonzero(same_owner_next & seen & ~np.r_[seen[1:], True])

    def edge(idx_before, rising):
        if idx_before.size == 0:
            return np.zeros(0)
        own = owner[idx_before]
        a, b = t[idx_before], t[idx_before + 1]
        t_true, t_false = (b, a) if rising else (a, b)
        return bisect(lambda tt: predicate(tt, own), t_true, t_false, tol_s)

    # Events: opening (+1) at rises and at visible window starts, closing (-1) at falls and
    # visible window ends; sorted per owner by time they alternate open/close.
    first_idx = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    last_idx = np.flatnonzero(np.r_[owner[1:] != owner[:-1], True])
    open0, close1 = first_idx[seen[first_idx]], last_idx[seen[last_idx]]
    ev_t = np.concatenate([edge(rise, True), t[open0], edge(fall, False), t[close1]])
    ev_owner = np.concatenate([owner[rise], owner[open0], owner[fall], owner[close1]])
    ev_kind = np.concatenate([np.ones(rise.size + open0.size), -np.ones(fall.size + close1.size)])
    order = np.lexsort((-ev_kind, ev_t, ev_owner))
    ev_t, ev_owner, ev_kind = ev_t[order], ev_owner[order], ev_kind[order]
    opens = ev_kind > 0
    s_t, e_t, s_owner = ev_t[opens], ev_t[~opens], ev_owner[opens]
    keep = e_t > s_t
    return Intervals(intervals.cell[s_owner[keep]], s_t[keep], e_t[keep],
                     intervals.best_cos[s_owner[keep]])


# ------------------------------------------------------------------------ whole tracks

def segment_intervals(segment, sensor, grid_u, tree, sample_ok=None) -> Intervals:
    """Dispatch on segment type (ArcSegment: analytic; OrbitSegment: refined, optionally
    skipping coarse samples that sample_ok(t (N,), sub-points (N,3), radius_rad) rejects)."""
    if isinstance(segment, ArcSegment):
        return arc_segment_intervals(segment, sensor, grid_u, tree)
    return orbit_segment_intervals(segment, sensor, grid_u, tree, sample_ok)


def replicate_laps(lap: Intervals, period_s: float, origin_s: float,
                   window_s: tuple[float, float]) -> Intervals:
    """Shift one lap's intervals (lap-relative times in [0, period]) to every lap that
    overlaps the window, clip to the window, and merge across lap joins.

    Lap k occupies [origin + k*period, origin + (k+1)*period). `lap` is merged (sorted by
    (cell, start), times inside one lap), so every copy of every cell, in (cell, lap) order,
    goes through the compiled kept-copies loop (sim/engine/_expand.pyx) with no copy removed: one
    pass that shifts, clips and merges, without the intermediate arrays.
    """
    w0, w1 = window_s
    if lap.size == 0 or w1 <= w0 or period_s <= 0:
        return Intervals.empty()
    k_lo = math.floor((w0 - origin_s) / period_s)
    n_laps = math.ceil((w1 - origin_s) / period_s) + 1 - k_lo
    lap_cell = np.ascontiguousarray(lap.cell, dtype=np.int64)
    cells = lap_cell[np.flatnonzero(np.r_[True, lap_cell[1:] != lap_cell[:-1]])]
    rows = np.repeat(np.arange(cells.size, dtype=np.int64), n_laps)
    ks = np.tile(np.arange(n_laps, dtype=np.int64), cells.size)
    none_removed = np.zeros((cells.size, n_laps), dtype=np.int32)
    return Intervals(*_expand.kept_copies_compressed(
        lap_cell, np.ascontiguousarray(lap.start_s, dtype=np.float64),
        np.ascontiguousarray(lap.end_s, dtype=np.float64),
        np.ascontiguousarray(lap.best_cos, dtype=np.float64), cells, rows, ks, none_removed,
        float(origin_s), float(period_s), k_lo, float(w0), float(w1), 1e-6))


@dataclass
class SourceIntervals:
    """Access intervals of one sensor of one platform, kept as one lap (lap-relative,
    merged) plus one-off intervals (absolute, merged), so that they can be expanded in
    full or compressed."""
    lap: Intervals
    once: Intervals
    period_s: float
    origin_s: float
    lap_window_s: tuple[float, float]

    def full(self, cell_mask: np.ndarray | None = None) -> Intervals:
        """Every interval over the window, merged (optionally only cells in cell_mask)."""
        lap, once = self.lap, self.once
        if cell_mask is not None:
            lap, once = lap.take(cell_mask[lap.cell]), once.take(cell_mask[once.cell])
        rep = replicate_laps(lap, self.period_s, self.origin_s, self.lap_window_s)
        if once.size == 0 or rep.size == 0:
            return rep if once.size == 0 else once     # each is merged already
        return Intervals.concat([rep, once]).merged()


def source_intervals(track, sensor, grid_u: np.ndarray, tree: cKDTree,
                     window_s: tuple[float, float], sample_ok=None) -> SourceIntervals:
    """One sensor of one platform: the lap solved once, the one-off segments in full."""
    lap = Intervals.empty()
    lw = (0.0, 0.0)
    if track.lap and track.lap_period_s > 0:
        lap = Intervals.concat([segment_intervals(s, sensor, grid_u, tree)
                                for s in track.lap]).merged()
        lw = (max(track.lap_window_s[0], window_s[0]), min(track.lap_window_s[1], window_s[1]))
    pieces = []
    for seg in track.once:
        clipped = seg.clipped(window_s[0], window_s[1])
        if clipped is None:
            continue
        if isinstance(clipped, ArcSegment) or clipped.t1_s - clipped.t0_s <= ORBIT_CHUNK_S:
            pieces.append(clipped)
            continue
        # A long orbit in day-long chunks, solved in parallel threads (numpy releases the
        # GIL); an access cut at a chunk's end touches its continuation and merges with it.
        edges = np.arange(clipped.t0_s, clipped.t1_s, ORBIT_CHUNK_S).tolist() + [clipped.t1_s]
        pieces.extend(clipped.clipped(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a)

    def solve(seg):
        return segment_intervals(seg, sensor, grid_u, tree, sample_ok)
    if len(pieces) > 1:
        with ThreadPoolExecutor(max_workers=min(len(pieces), os.cpu_count() or 1)) as pool:
            parts = list(pool.map(solve, pieces))
    else:
        parts = [solve(p) for p in pieces]
    return SourceIntervals(lap, Intervals.concat(parts).merged(), float(track.lap_period_s),
                           float(track.lap_origin_s), lw)


def track_intervals(track, sensor, grid_u: np.ndarray, tree: cKDTree,
                    window_s: tuple[float, float]) -> Intervals:
    """All intervals of one sensor of one platform over the scenario window, merged."""
    return source_intervals(track, sensor, grid_u, tree, window_s).full()
