"""Terrain line of sight cut out of a platform's access intervals (exact engine).

Terrain depends only on where the platform is, so the engine applies it to one lap (and to
the one-off transit legs) before laps are replicated or compressed. Every access is sampled
until, between any two neighbouring samples, visibility is either proven constant or can
change only within a stretch shorter than FLOOR_S (1 s); every change is then bisected to
TERRAIN_TOL_S (sim.engine.access.refine_at_samples). No window of visibility or of blockage
longer than FLOOR_S can be missed.

The bound. The line of sight test (sim/world/terrain.py, sim/world/_terrain_los.pyx) compares the
straight ray from the platform (altitude h) to the observer point above the cell with the
terrain at samples j fixed at ground distances s_j = j * step from the cell, towards the
platform. Let f_j(t) be the ray's height above the terrain at sample j (metres) and
n_j = f_j / s_j its clearance slope (the sea surface counts as a continuous profile at
0 m): the ray is blocked exactly where some n_j < 0. With angles measured on the effective
sphere of radius r_e = k R (k = 1, or 4/3 for radio), lam the central angle platform-cell,
y_j = s_j / r_e, r_p = r_e + h and r_c = r_e + (cell elevation + observer height), the
ray is 1 / r(y) = cos(y) / r_c + sin(y) (1 / r_p - cos(lam) / r_c) / sin(lam), so

    d r(y_j) / d lam = -r^2 sin(y_j) (r_p - r_c cos lam) / (r_p r_c sin^2 lam).

The platform's ground velocity (at most omega R, omega the fastest segment's angular rate)
splits into a part along the great circle to the cell, which changes lam, and a part
across it, which turns the platform's azimuth seen from the cell; their rates satisfy
(d lam / dt)^2 + (sin(lam) d psi / dt)^2 <= omega^2. Along: |d lam_e / dt| <= omega / k,
and r <= max(r_p, r_c) on the chord, sin y <= y, so the ray's height at j changes by at
most s_j kr per unit of the along rate / omega, with

    kr = max(r_p, r_c)^2 |r_p - r_c cos lam| omega / (k r_e r_p r_c sin^2 lam).

Across: sample j's ground point turns with the azimuth, moving at most s_j omega /
sin(lam_true) for the full rate, and the bilinear terrain (continuous: a ring of 0 m nodes
surrounds the grid) changes by at most s_j its local slope bound s times that: kg s with
kg = omega / sin(lam_true). By Cauchy-Schwarz over the two parts,

    |d n_j / dt| <= kappa_j = hypot(kr, kg s_j),

s_j the largest slope within the distance the sample can move (ClearanceBound: the slope
tables of Terrain.slope_tables, or the slope anywhere). Each sample's margin is
tau_j = n_j / kappa_j (seconds); tau = min_j tau_j (Terrain.margin), and the
cell's own horizon and slant-range limit adds (own reach - lam) / omega. Every evaluation
of the line of sight at a time t_i has a horizon H_i: its rates are taken at the worse end
of lam +- omega H_i and its slope bounds over the distance a profile sample can move in
H_i, so they hold for |t - t_i| <= H_i, and its sign is used no farther than that:
held_i = min(|tau_i|, H_i) (held_s; with the entry margin below where tau_i >= 0). A
shorter horizon gives tighter rates and a smaller slope reach. (RATE_MARGIN, 5 %, covers
the test's linear interpolation of latitude and longitude between exact points three grid
spacings apart, off the great circle by under 1 % of a sample spacing.)

Proof sketch. Every access is first sampled at most FIRST_STEP_S apart, both ends
included, each sample with the horizon half the longer gap beside it. If tau_a >= 0,
tau_b >= 0 at the ends of a gap [t_a, t_b] and held_a + held_b >= t_b - t_a, every sample
present at t_a stays clear on [t_a, t_a + held_a) and every sample present at t_b on
(t_b - held_b, t_b] (both within their horizons, where the rates hold), which together
cover the gap. Samples also appear and disappear at the platform's end of the ray
(s_j = ground distance to the platform); there f_j = h - terrain under the platform
>= h - H (H the highest terrain the ray can pass), so with the entry margin
e = (h - H) / (R lam_hi) / hypot(kr, kg G) in place of tau_a and tau_b where smaller, those
samples are covered as well. If tau_a < 0 and tau_b < 0, the blocking samples found stay
blocking for held_a and held_b (they cannot leave the ray while below it when h > H), and
held_a + held_b >= t_b - t_a covers the gap. Otherwise the known parts are
[t_a, t_a + held_a) and (t_b - held_b, t_b]; while the unknown middle is longer than
FLOOR_S it is sampled at its midpoint, with a horizon of half its length (the most that
sample can contribute to either half: a larger margin would not close them sooner), and
both halves are examined again. So any window missed lies inside an unknown stretch shorter
than FLOOR_S, and an edge found by bisection is off by at most FLOOR_S (only where such a
short window sits next to it; else by TERRAIN_TOL_S). Where a gap's ends differ in sign the
change lies between the ends of their held spans, so the bisection starts there (_Gaps.brackets),
not at the gap's ends: a third fewer lines of sight. When h <= H no gap is proven and the
access is sampled every FLOOR_S (correct, slower).

Why the first samples are FIRST_STEP_S = 240 s apart with horizons of 120 s rather than
120 s apart with horizons of 120 s: where a stretch is clear or blocked for minutes, two
samples 240 s apart whose signs each hold for 120 s prove it alone, and elsewhere the
split lands near the old middle sample. On the bench's terrain case (Sigint-Texas, 44,288
accesses) it takes 747,000 evaluations instead of 865,000, the same edges within
TERRAIN_TOL_S.

The proof is about the line of sight test as sampled (profile samples a third of a terrain
spacing apart), not about the continuous terrain between samples; sim/world/terrain.py
states what that sampling can miss (grazes of a few metres).

References: straight line in polar coordinates (Bronshtein, Handbook of Mathematics,
sec. 3.5.2); Lipschitz bounds for root isolation (e.g. Hansen, Jaumard and Lu, "Global
optimization of univariate Lipschitz functions", Math. Programming 55, 1992); the
Cauchy-Schwarz inequality.

Shapes: intervals are sim.engine.intervals.Intervals (K rows); times in seconds from time.start.
"""
from __future__ import annotations

import math

import numpy as np

from sim.engine.access import refine_at_samples
from sim.engine.intervals import Intervals
from sim.rowpool import map_rows
from sim.platforms.segments import ArcSegment
from sim.world import earth as E
from sim.world.terrain import TERRAIN_SPLIT_ROWS, observer_height_m

FIRST_STEP_S = 240.0     # first samples along each access, before any gap is split
FLOOR_S = 1.0            # unknown stretches shorter than this are not split further
RATE_MARGIN = 1.05       # on the rate bound (chunked lat/lon interpolation, see above)
MAX_LEVELS = 40          # splits per gap: FIRST_STEP_S / 2^40 is far below FLOOR_S
TERRAIN_TOL_S = 0.05     # terrain edges are bisected to this (well inside FLOOR_S)


def positions_along(segments):
    """where(t_s (N,)) -> (positions (N, 3) unit vectors, altitudes (N,) m) on a track made
    of `segments` (sorted by start time). When every segment is a rotation (ArcSegment),
    one vectorised Rodrigues formula serves all rows: v cos a + (k x v) sin a + k (k . v)
    (1 - cos a), with the per-segment constants gathered rather than recomputed per row
    (References: Rodrigues' rotation formula, as sim.world.earth.rotate)."""
    starts = np.array([seg.t0_s for seg in segments])
    altitude = np.array([seg.altitude_m for seg in segments], dtype=float)
    arcs = all(isinstance(seg, ArcSegment) for seg in segments)
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


def ground_rate_rad_s(segments) -> float:
    """Upper bound (rad/s) on the angular speed of the sub-platform point on `segments`:
    an arc's point turns about its axis at rate * sin(angle point-axis), an orbit's bound
    is max_ground_rate_rad_s."""
    def rate(seg):
        if isinstance(seg, ArcSegment):
            sin_rho = np.linalg.norm(np.cross(seg.axis_u, seg.start_u))
            return abs(seg.rate_rad_s) * float(sin_rho)
        return seg.max_ground_rate_rad_s()
    rates = [rate(seg) for seg in segments]
    return max(rates) if rates else 0.0


def first_samples(iv: Intervals, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(owner (S,), t (S,)): each interval of iv cut evenly into pieces of at most step_s,
    both ends included, sorted by (owner, time)."""
    length = iv.end_s - iv.start_s
    n = np.maximum(np.ceil(length / step_s).astype(np.int64), 1) + 1
    owner = np.repeat(np.arange(iv.size), n)
    k = np.arange(owner.size) - np.repeat(np.cumsum(n) - n, n)
    return owner, iv.start_s[owner] + length[owner] * k / (n[owner] - 1)


class ClearanceBound:
    """The rate bounds of the module docstring for one sensor on one track over the cells
    of some intervals. env: sim.engine.environment.Environment (with terrain); spec: the
    sensor; omega_rad_s: the track's ground_rate_rad_s; cell (K,): the intervals' cells."""

    def __init__(self, env, spec, omega_rad_s: float, cell: np.ndarray):
        self.terrain, self.spec, self.omega = env.terrain, spec, float(omega_rad_s)
        self.k = self.terrain.refraction_k if spec.radio else 1.0
        self.radius_m = self.terrain.radius_m
        self.r_e = self.k * self.radius_m
        self.cell = cell
        self.r_c = (self.r_e + self.terrain.cell_elevation_m[cell]
                    + observer_height_m(spec.target_height_m))
        self.sensor = env.sensor_of(spec)

    def reach_cells(self, horizon_s: float) -> int:
        """Terrain spacings a profile sample can move within horizon_s of its time: at
        ground distance s it moves at most s omega dt / sin(lam_lo) <= 1.5 omega R dt where
        lam_hi <= 1.5 sin(lam_lo) (elsewhere `rates` falls back on the slope anywhere)."""
        spacing = self.terrain.spacing_m
        reach_m = 1.5 * self.omega * self.radius_m * float(horizon_s)
        return int(math.ceil(reach_m / spacing)) if math.isfinite(spacing) else 0

    def rates(self, rows, lam, altitude_m, horizon_s):
        """(kr, kg, slope_min) (S,) for samples of intervals rows (S,) at central angles
        lam (S,): |d n_j/dt| <= hypot(kr, kg s_j) within horizon_s (S,) of each sample's
        time, s_j the terrain slope bound near sample j, at least slope_min (the slope
        anywhere where the sample may move beyond the slope tables' reach). kr = inf where
        the platform may pass overhead (lam may reach 0)."""
        k, r_e = self.k, self.r_e
        half = self.omega * horizon_s
        lam_lo, lam_hi = np.clip(lam - half, 0.0, math.pi), np.clip(lam + half, 0.0, math.pi)
        r_p = r_e + altitude_m
        r_c = self.r_c[rows]
        lo_e, hi_e = lam_lo / k, lam_hi / k
        lever = np.maximum(np.abs(r_p - r_c * np.cos(lo_e)), np.abs(r_p - r_c * np.cos(hi_e)))
        sin2 = np.minimum(np.sin(lo_e), np.sin(hi_e)) ** 2
        sin_true = np.minimum(np.sin(lam_lo), np.sin(lam_hi))
        ok = (sin2 > 1e-18) & (sin_true > 1e-9)
        sin2, sin_true = np.where(ok, sin2, 1.0), np.where(ok, sin_true, 1.0)
        kr = RATE_MARGIN * np.maximum(r_p, r_c) ** 2 * lever / (r_p * r_c * sin2) * self.omega / (k * r_e)
        kg = RATE_MARGIN * self.omega / sin_true
        far = lam_hi > 1.5 * sin_true
        slope_min = np.where(far, self.terrain.slope_max, 0.0)
        return np.where(ok, kr, 1e30), np.where(ok, kg, 1e30), slope_min

    def near_m(self, lam, horizon_s) -> np.ndarray:
        """(S,) ground distance from the cell (m) within which a sample moves at most one
        terrain spacing within horizon_s (S,): s omega dt / sin(lam_lo) <= spacing."""
        lam_lo = np.clip(lam - self.omega * horizon_s, 0.0, math.pi)
        with np.errstate(divide="ignore", invalid="ignore"):
            near = self.terrain.spacing_m * np.sin(lam_lo) / (self.omega * horizon_s)
        return np.nan_to_num(near, nan=0.0, posinf=0.0)

    def reach_margin(self, rows, lam, altitude_m) -> np.ndarray:
        """(S,) signed time margin (s) of the cells' own horizon and slant-range limit
        (Sensor.own_reach_rad at the cell's elevation): lam changes at most omega rad/s."""
        own = self.sensor.own_reach_rad(altitude_m, self.terrain.cell_elevation_m[self.cell[rows]])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.omega > 0, (own - lam) / self.omega,
                            np.where(own >= lam, np.inf, -np.inf))

    def entry(self, rows, lam, altitude_m, kr, kg, horizon_s) -> np.ndarray:
        """(S,) the time margin of samples appearing at the platform's end of the ray
        within horizon_s (S,), (h - H) / (R lam_hi) / hypot(kr, kg G), H the highest terrain
        the ray can pass and G the slope anywhere; -inf where h <= H (no proof)."""
        reach_m = self.radius_m * np.clip(lam + self.omega * horizon_s, 0.0, math.pi)
        top = self.terrain.top_m(self.cell[rows], reach_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            e = (altitude_m - top) / reach_m / np.hypot(kr, kg * self.terrain.slope_max)
        return np.where((altitude_m > top) & (reach_m > 0), e, -np.inf)


def held_s(tau, entry, horizon_s):
    """(G,) how long the sign of each sample's margin tau is proven to hold on either side
    of it, from tau, its entry margin and its horizon (module docstring)."""
    held = np.where(tau >= 0.0, np.minimum(tau, entry), np.where(entry > 0.0, -tau, 0.0))
    return np.clip(held, 0.0, horizon_s)


def own_reach_cut(env, spec, segments, iv: Intervals) -> Intervals:
    """iv cut to each cell's own horizon and slant-range limit (Sensor.own_reach_rad at
    the cell's elevation), in closed form on arcs: along an ArcSegment (axis a, start p0,
    swept angle theta) cos(lam) = u.p = (u.p0 - (a.p0)(u.a)) cos theta + u.(a x p0)
    sin theta + (a.p0)(u.a) (Rodrigues, as sim.engine.access), so cos(lam) >= cos(own) holds on
    theta within phi +- acos((cos(own) - C) / M). Other segments are kept whole (the
    refinement's reach margin handles them). Returns merged Intervals."""
    own = env.sensor_of(spec).own_reach_rad(segments[0].altitude_m, env.cell_elevation_m[iv.cell])
    cos_own = np.cos(np.clip(own, 0.0, math.pi))
    parts = []
    for seg in segments:
        t0, t1 = np.maximum(iv.start_s, seg.t0_s), np.minimum(iv.end_s, seg.t1_s)
        rows = np.flatnonzero(t1 > t0)
        if rows.size == 0:
            continue
        if not isinstance(seg, ArcSegment):
            parts.append(Intervals(iv.cell[rows], t0[rows], t1[rows], iv.best_cos[rows]))
            continue
        a, p0 = np.asarray(seg.axis_u, float), np.asarray(seg.start_u, float)
        u = env.cells_u[iv.cell[rows]]
        ua, cos_rho = u @ a, float(a @ p0)
        amp_a, amp_b, const = u @ p0 - cos_rho * ua, u @ np.cross(a, p0), cos_rho * ua
        amp, phi = np.hypot(amp_a, amp_b), np.arctan2(amp_b, amp_a)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = (cos_own[rows] - const) / amp
        half = np.arccos(np.clip(np.nan_to_num(q, nan=-2.0), -1.0, 1.0))
        half = np.where(q > 1.0, -1.0, half)            # never within reach: empty below
        th_a = seg.rate_rad_s * (t0[rows] - seg.t0_s)
        th_b = seg.rate_rad_s * (t1[rows] - seg.t0_s)
        for m in range(-1, 3):
            lo = np.maximum(th_a, phi - half + 2 * math.pi * m)
            hi = np.minimum(th_b, phi + half + 2 * math.pi * m)
            keep = hi > lo
            parts.append(Intervals(iv.cell[rows][keep], seg.t0_s + lo[keep] / seg.rate_rad_s,
                                   seg.t0_s + hi[keep] / seg.rate_rad_s,
                                   iv.best_cos[rows][keep]))
    return Intervals.concat(parts).merged() if parts else Intervals.empty()


class _Gaps:
    """The gaps still to examine, each with what is known at its two end samples: times
    t_a, t_b, how long each end's sign is proven to hold (held_s, within its horizon) and
    whether the end is seen (seen_a, seen_b); owner the interval. All (G,)."""

    def __init__(self, owner, t_a, t_b, held_a, held_b, seen_a, seen_b):
        self.owner, self.t_a, self.t_b = owner, t_a, t_b
        self.held_a, self.held_b, self.seen_a, self.seen_b = held_a, held_b, seen_a, seen_b

    def unknown(self):
        """(u0, u1) (G,): the part of each gap where visibility is not proven constant
        (u1 <= u0 when the whole gap is proven)."""
        return self.t_a + self.held_a, self.t_b - self.held_b

    def halves(self, keep, mid, held_mid, seen_mid) -> "_Gaps":
        """The gaps `keep` (bool (G,)) split at times mid (K,) whose samples' signs hold for
        held_mid (K,) and are seen_mid (K,): the two halves of each, 2K gaps."""
        def both(first, second):
            return np.concatenate([first, second])
        o = self.owner[keep]
        return _Gaps(both(o, o), both(self.t_a[keep], mid), both(mid, self.t_b[keep]),
                     both(self.held_a[keep], held_mid), both(held_mid, self.held_b[keep]),
                     both(self.seen_a[keep], seen_mid), both(seen_mid, self.seen_b[keep]))

    def brackets(self, done):
        """(owner, t, seen) of the points where the gaps `done` (bool (G,)) whose ends
        differ are still known to have their ends' signs, just inside each end's held span:
        the change lies between them (less than FLOOR_S apart), so the bisection starts
        there rather than at the gap's ends. Only spans longer than TERRAIN_TOL_S count."""
        differ = done & (self.seen_a != self.seen_b)
        inner = 1.0 - 1e-9                # inside the half-open held spans
        at_a = self.t_a + self.held_a * inner
        at_b = self.t_b - self.held_b * inner
        use_a = differ & (self.held_a > TERRAIN_TOL_S) & (at_a < at_b)
        use_b = differ & (self.held_b > TERRAIN_TOL_S) & (at_a < at_b)
        return (np.concatenate([self.owner[use_a], self.owner[use_b]]),
                np.concatenate([at_a[use_a], at_b[use_b]]),
                np.concatenate([self.seen_a[use_a], self.seen_b[use_b]]))


def first_horizons(owner, t) -> np.ndarray:
    """(S,) the first samples' horizons: half the longer gap next to each sample (of the
    same owner), enough for the sample to prove both gaps with its neighbours' help, and
    at least TERRAIN_TOL_S (a margin's cap must be positive: Terrain.margin)."""
    same = owner[1:] == owner[:-1]
    gaps = np.where(same, np.diff(t), 0.0)
    return np.maximum(0.5 * np.maximum(np.r_[0.0, gaps], np.r_[gaps, 0.0]), TERRAIN_TOL_S)


def terrain_cut(env, spec, segments, iv: Intervals) -> Intervals:
    """The parts of iv (intervals of sensor `spec` on a track of `segments`) where terrain
    does not block the line of sight: sampled until every gap is proven or shorter than
    FLOOR_S (module docstring), each change bisected to TERRAIN_TOL_S."""
    iv = own_reach_cut(env, spec, segments, iv)
    if iv.size == 0:
        return iv
    arcs_only = all(isinstance(seg, ArcSegment) for seg in segments)
    where = positions_along(segments)
    bound = ClearanceBound(env, spec, ground_rate_rad_s(segments), iv.cell)
    cells_u = env.cells_u
    observer_height = observer_height_m(spec.target_height_m)

    def evaluate(owner, t, horizon_s):
        """(tau (S,), held (S,)) at samples (owner, t) with horizons horizon_s (S,): the
        signed time margin and how long its sign is proven to hold (held_s). The rows are
        split over the cores whole (positions and rates are numpy work that releases the
        GIL as the compiled loop does), with one slope table for the whole batch, for its
        longest horizon (a longer reach only loosens the bound)."""
        reach = bound.reach_cells(float(horizon_s.max()))
        parts = map_rows(lambda rows: evaluate_rows(owner[rows], t[rows], horizon_s[rows], reach),
                         owner.size, TERRAIN_SPLIT_ROWS)
        return tuple(np.concatenate(x) for x in zip(*parts))

    def evaluate_rows(owner, t, horizon_s, reach_cells):
        """evaluate for one part of the rows."""
        pos, alt = where(t)
        lam = E.central_angle_rad(pos, cells_u[iv.cell[owner]])
        kr, kg, slope_min = bound.rates(owner, lam, alt, horizon_s)
        # Each ray capped at its horizon (no margin beyond it is used: held_s), so the walk
        # skips and stops sooner.
        tau = env.terrain.margin(pos, alt, iv.cell[owner], observer_height, spec.radio, kr, kg,
                                 slope_min, horizon_s, reach_cells, bound.near_m(lam, horizon_s))
        # Seen where both the line of sight and the cell's own reach allow: the margin of
        # the two is the smaller (the longer-held blockage when either blocks). On arcs
        # own_reach_cut has applied the reach exactly already.
        if not arcs_only:
            tau = np.minimum(tau, bound.reach_margin(owner, lam, alt))
        return tau, held_s(tau, bound.entry(owner, lam, alt, kr, kg, horizon_s), horizon_s)

    owner, t = first_samples(iv, FIRST_STEP_S)
    tau, held = evaluate(owner, t, first_horizons(owner, t))
    seen = tau >= 0.0
    samples = [(owner, t, seen)]
    pair = np.flatnonzero(owner[1:] == owner[:-1])
    gaps = _Gaps(owner[pair], t[pair], t[pair + 1], held[pair], held[pair + 1], seen[pair],
                 seen[pair + 1])
    for _ in range(MAX_LEVELS):
        u0, u1 = gaps.unknown()
        split = u1 - u0 > FLOOR_S
        samples.append(gaps.brackets(~split))
        if not split.any():
            break
        # The unknown stretch's middle, with the horizon that lets it close both halves.
        mid, half = 0.5 * (u0[split] + u1[split]), 0.5 * (u1[split] - u0[split])
        new_tau, new_held = evaluate(gaps.owner[split], mid, half)
        samples.append((gaps.owner[split], mid, new_tau >= 0.0))
        gaps = gaps.halves(split, mid, new_held, new_tau >= 0.0)

    owner, t, known_seen = (np.concatenate(x) for x in zip(*samples))
    # Sorted by (owner, t) with one float key, owner + the fraction of its interval (a
    # third of the time of np.lexsort; samples are far more than 1e-9 of an interval apart).
    length = iv.end_s[owner] - iv.start_s[owner]
    key = owner + 0.5 * (t - iv.start_s[owner]) / np.where(length > 0.0, length, 1.0)
    order = np.argsort(key)
    owner, t, known_seen = owner[order], t[order], known_seen[order]
    first_call = [True]

    def allowed_part(t_s, rows):
        pos, alt_s = where(t_s)
        return env.terrain_allows(spec, pos, alt_s, iv.cell[rows])

    def allowed(t_s, rows):
        if first_call[0]:                 # refine_at_samples asks for the samples first
            first_call[0] = False
            return known_seen
        # split over the cores whole, as evaluate
        return np.concatenate(map_rows(lambda part: allowed_part(t_s[part], rows[part]),
                                       rows.size, TERRAIN_SPLIT_ROWS))
    return refine_at_samples(iv, allowed, owner, t, TERRAIN_TOL_S)
