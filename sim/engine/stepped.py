"""The time-stepped reference engine: an independent oracle for the exact engine, and a way
for users to see discretisation error for themselves (`--engine stepped --step 10s`).

Time is sampled at t_i = i * step (i = 0..n, n = ceil(T / step)). Sample i stands for the
interval [t_i - step/2, t_i + step/2] clipped to the window [0, T] (the midpoint rule); the
weights w_i are the clipped lengths and sum to T exactly. Samples of zero weight are
dropped, and the state of the last sample is taken at min(t_n, T) so that a platform is
never evaluated outside the window. A cell is *covered* at a sample when at least one
(platform, sensor) pair sees it there (`Sensor.visible` at the platform's state, the
platform active, and the Sun above the cell's horizon for `needs_daylight` sensors); it is
then taken as covered for the sample's whole interval.

The per-cell figures are computed from that boolean series alone, never from access
intervals, so they check the exact engine (sim/engine/access.py, sim/engine/coverage.py) independently:

- ever_covered_frac  1 if any sample is covered, else 0
- time_covered_frac  sum of covered weights / T
- accesses           number of runs of covered samples
- max_revisit_s      longest run of uncovered samples (sum of their weights), runs touching
                     the window ends included (measured to the window's end)
- mean_revisit_s     mean gap (0 for a cell covered throughout: it has no gap)
- time_average_gap_s sum of squared gaps / T
- mean_response_s    sum of squared gaps / (2 T)
- mean_age_of_data_s time-average of the age itself: 0 on covered samples, t - (end of the
                     last covered sample) on uncovered ones, t - 0 before the first access.
                     The age is linear in t on each sample interval, so its integral there is
                     w_i * (m_i - e), m_i the midpoint of the clipped interval (exact); the
                     sum over a gap is taken with prefix sums of w_i and w_i m_i, not with the
                     squared-gap formula, so it independently checks mean_response_s (for a
                     gap G the integral of the age is G^2 / 2, SMAD sec. 7.2).
- max_simultaneous   most platforms seeing the cell at one sample (a platform counts once,
                     however many of its sensors see the cell)
- best_gsd_m         finest GSD over covered samples of sensors with an imaging model, NaN
                     where none saw the cell
A never-seen cell gets NaN for the gap figures (sim.engine.coverage.apply_never_seen_rule, the
same rule as the exact engine's).

Algorithm (sparse, streaming): only covered (sample, cell) pairs are ever materialised.
For each chunk of samples and each platform, candidate cells near the sub-platform point
come from a cKDTree on the cell unit vectors: one query per short block of samples, with the
chord of a cap holding every footprint of the block (sensors' maximum central angle plus
the platform's motion within the block); `visible` is evaluated densely on (block samples x
candidate cells) by broadcasting;
the pairs of all sensors are merged (np.unique) and folded into per-cell running state (the
index of the last covered sample, gap statistics, age integral). Memory is bounded by the
candidate budget per chunk, never by steps x cells.

References: midpoint rule (e.g. Press et al., Numerical Recipes, 3rd ed., sec. 4.1);
figures of merit: Wertz & Larson, SMAD 3rd ed., sec. 7.2, and docs/figures.md
"Figures of merit"; Sun elevation: sim.world.earth.sun_unit_vector_ecef (Vallado alg. 29);
chord of a central angle: c = 2 sin(lambda / 2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

import numpy as np
from scipy.spatial import cKDTree

from sim.world import earth
from sim.engine.coverage import FIGURE_KEYS, apply_never_seen_rule

# Upper bound of candidate (sample, cell) pairs evaluated at once, per chunk of samples.
_CANDIDATE_BUDGET = 1_500_000


# --------------------------------------------------------------------------- sampling

def sample_times(duration_s: float, step_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Midpoint-rule samples of the window [0, T].

    Returns (t_s (S,), edges_s (S+1,), weight_s (S,)): sample times t_i = i * step (the last
    clipped to T), interval edges (sample i stands for [edges[i], edges[i+1]], edges[0] = 0,
    edges[S] = T) and weights (edges[i+1] - edges[i] > 0, summing to T). Samples whose
    clipped interval is empty are dropped.
    References: midpoint rule, Numerical Recipes 3rd ed. sec. 4.1.
    """
    duration_s = float(duration_s)
    step_s = float(step_s)
    if not (duration_s > 0.0 and math.isfinite(duration_s)):
        raise ValueError(f"duration must be positive and finite, got {duration_s!r}")
    if not (step_s > 0.0 and math.isfinite(step_s)):
        raise ValueError(f"step must be positive and finite, got {step_s!r}")
    n = int(math.ceil(duration_s / step_s - 1e-12))
    t = np.arange(n + 1, dtype=float) * step_s
    lo = np.clip(t - 0.5 * step_s, 0.0, duration_s)
    hi = np.clip(t + 0.5 * step_s, 0.0, duration_s)
    keep = hi > lo
    t, lo, hi = t[keep], lo[keep], hi[keep]
    edges = np.append(lo, duration_s)
    edges[0] = 0.0
    # consecutive intervals share their edges exactly: lo[i+1] == hi[i] by construction
    return np.minimum(t, duration_s), edges, np.diff(edges)


# ------------------------------------------------------------------ covered pair stream

def _lam_max(sensor, altitude_m: np.ndarray) -> np.ndarray:
    """Largest central angle a sensor can see from each altitude (S,) -> (S,)."""
    limits = sensor.central_angle_limits_rad(altitude_m)
    return np.broadcast_to(np.asarray(limits[1], dtype=float), altitude_m.shape)


@dataclass
class _PlatformSamples:
    """One platform at every sample (S samples): pos_u (S,3) sub-platform unit vectors,
    vel_u (S,3) unit ground-track directions, alt_m (S,), active (S,) bool, lam_rad (S,)
    the largest central angle any of its sensors sees (0 while inactive), pairs_estimate
    (S,) candidate (sample, cell) pairs per sample (for chunk sizing), block samples per
    KD-tree query."""
    pos_u: np.ndarray
    vel_u: np.ndarray
    alt_m: np.ndarray
    active: np.ndarray
    lam_rad: np.ndarray
    pairs_estimate: np.ndarray
    block: int


def _platform_samples(track, sensors, t_s: np.ndarray, n_cells: int, mean_cell_area_m2: float,
                      radius_m: float) -> _PlatformSamples:
    """The platform's state at every sample and how to query cells for it: the block of
    samples per tree query is as long as the platform moves at most half its footprint
    radius and block x cells stays within the candidate budget."""
    n_samples = len(t_s)
    pos_u, vel, alt, active = track.state(t_s)
    pos_u = np.asarray(pos_u, dtype=float)
    vel = np.asarray(vel, dtype=float)
    alt = np.broadcast_to(np.asarray(alt, dtype=float), (n_samples,)).copy()
    active = np.broadcast_to(np.asarray(active, dtype=bool), (n_samples,))
    speed = np.linalg.norm(vel, axis=-1, keepdims=True)
    vel_u = np.divide(vel, speed, out=np.zeros_like(vel), where=speed > 0.0)
    lam = np.zeros(n_samples)
    for sensor in sensors:
        lam = np.maximum(lam, _lam_max(sensor, alt))
    lam = np.where(active, np.clip(np.nan_to_num(lam, nan=0.0), 0.0, math.pi), 0.0)
    # cells per footprint ~ cap area / cell area (for chunk sizing only)
    cap_cells = 2.0 * math.pi * radius_m ** 2 * (1.0 - np.cos(lam)) / mean_cell_area_m2
    estimate = np.where(active, np.minimum(cap_cells, n_cells) + 1.0, 0.0)
    # (inactive rows may be NaN: only consecutive active samples count)
    both = active[1:] & active[:-1]
    motion = earth.central_angle_rad(pos_u[1:][both], pos_u[:-1][both])
    step_angle = float(np.max(motion)) if motion.size else 0.0
    lam_top = float(np.max(lam[active])) if active.any() else 0.0
    by_motion = 0.5 * lam_top / step_angle if step_angle > 0.0 else math.inf
    footprint = 2.0 * math.pi * radius_m ** 2 * (1.0 - math.cos(min(1.5 * lam_top, math.pi)))
    by_budget = _CANDIDATE_BUDGET / (min(footprint / mean_cell_area_m2, n_cells) + 1.0)
    block = int(max(1, min(by_motion, by_budget, n_samples)))
    return _PlatformSamples(pos_u, vel_u, alt, active, lam, estimate, block)


def _block_pairs(ps: _PlatformSamples, p: int, sensors, idx: np.ndarray, tree, cell_u,
                 t_s, sun_u, mask, platform_seen, gsd_out: tuple) -> Optional[np.ndarray]:
    """The covered pairs of platform p over the active samples idx (one block), as keys
    cell * S + sample (unique: a platform counts once however many sensors see), or None;
    every imaging sighting's (cells, samples, GSD) appended to the three lists gsd_out."""
    n_samples = len(t_s)
    # one cap holding every footprint of the block: centred on the mean sub-platform
    # point, radius max(angle to the point + its lam_max)
    centre = earth.normalize(ps.pos_u[idx].sum(axis=0))
    reach = float(np.max(earth.central_angle_rad(centre, ps.pos_u[idx]) + ps.lam_rad[idx]))
    chord = 2.0 * math.sin(0.5 * min(reach, math.pi)) * (1.0 + 1e-9) + 1e-12
    cand = np.asarray(tree.query_ball_point(centre, chord), dtype=np.int64)
    if len(cand) == 0:
        return None
    cu = cell_u[cand]
    pu = ps.pos_u[idx]
    platform_pairs = []
    for j, sensor in enumerate(sensors):
        seen = np.asarray(sensor.visible(pu[:, None, :], ps.alt_m[idx][:, None],
                                         ps.vel_u[idx][:, None, :], cu[None, :, :]),
                          dtype=bool)
        if sensor.spec.needs_daylight:
            seen = seen & ((sun_u[idx] @ cu.T) > 0.0)
        rows, cols = np.nonzero(seen)
        s_rep, s_cand = idx[rows], cand[cols]
        if mask is not None and len(s_rep):
            keep = np.asarray(mask(p, j, t_s[s_rep], s_cand), dtype=bool)
            s_rep, s_cand = s_rep[keep], s_cand[keep]
        if len(s_rep) == 0:
            continue
        if platform_seen is not None:
            platform_seen[p][s_cand] = True
        platform_pairs.append(s_cand * np.int64(n_samples) + s_rep)
        if sensor.gsd_m(np.zeros(1)) is None:
            continue
        cos_lam = np.clip(np.einsum("ij,ij->i", ps.pos_u[s_rep], cell_u[s_cand]), -1.0, 1.0)
        gsd = sensor.gsd_m(sensor.slant_m(ps.alt_m[s_rep], cos_lam))
        gsd_out[0].append(s_cand)
        gsd_out[1].append(s_rep)
        gsd_out[2].append(np.broadcast_to(np.asarray(gsd, dtype=float), s_cand.shape))
    if not platform_pairs:
        return None
    return (platform_pairs[0] if len(platform_pairs) == 1
            else np.unique(np.concatenate(platform_pairs)))


def _covered_pairs(scenario, grid, tracks, sensors, step_s, progress, mask,
                   platform_seen=None) -> Iterator[tuple]:
    """Yield, per chunk of samples, the covered (sample, cell) pairs of all sensors.

    Yields (samples, cells, counts, gsd_cells, gsd_samples, gsd_values): `samples`/`cells`
    (K,) unique covered pairs sorted by cell then sample, `counts` (K,) how many platforms
    see each; `gsd_*` (G,) the GSD of every imaging sensor's sighting.
    """
    if len(tracks) != len(sensors):
        raise ValueError(f"{len(tracks)} tracks but {len(sensors)} sensor tuples")
    t_s, _, _ = sample_times(float(scenario.time.duration_s), step_s)
    n_samples = len(t_s)
    cell_u = np.asarray(grid.u, dtype=float)
    n_cells = len(cell_u)
    tree = cKDTree(cell_u) if n_cells else None
    mean_cell_area = float(np.mean(grid.area_m2)) if n_cells else 1.0
    # Platform states at every sample: O(S) memory, cheap next to the cell work.
    radius_m = float(scenario.earth.radius_m)
    states = [_platform_samples(track, sensors[p], t_s, n_cells, mean_cell_area, radius_m)
              if sensors[p] and n_cells else None for p, track in enumerate(tracks)]
    sun_u = None
    if any(s.spec.needs_daylight for p, ps in enumerate(states) if ps is not None
           for s in sensors[p]):
        start_jd = earth.julian_date(scenario.time.start)
        sun_u = earth.sun_unit_vector_ecef(start_jd + t_s / 86400.0)

    per_sample = np.zeros(n_samples)
    for ps in states:
        if ps is not None:
            per_sample += ps.pairs_estimate
    cumulative = np.concatenate([[0.0], np.cumsum(per_sample)])

    i0 = 0
    while i0 < n_samples:
        # largest chunk [i0, i1) within the pair budget (at least one sample)
        i1 = int(np.searchsorted(cumulative, cumulative[i0] + _CANDIDATE_BUDGET, side="right")) - 1
        i1 = min(max(i1, i0 + 1), n_samples)
        all_samples, all_cells = [], []
        gsd_out = ([], [], [])
        for p, ps in enumerate(states):
            if ps is None:
                continue
            for b0 in range(i0, i1, ps.block):
                idx = np.nonzero(ps.active[b0:min(b0 + ps.block, i1)])[0] + b0
                if len(idx) == 0:
                    continue
                key = _block_pairs(ps, p, sensors[p], idx, tree, cell_u, t_s, sun_u, mask,
                                   platform_seen, gsd_out)
                if key is not None:
                    c, smp = np.divmod(key, np.int64(n_samples))
                    all_samples.append(smp)
                    all_cells.append(c)
        if all_samples:
            samples = np.concatenate(all_samples)
            cells = np.concatenate(all_cells)
            key = cells * np.int64(n_samples) + samples          # sorted by cell, then sample
            ukey, counts = np.unique(key, return_counts=True)
            u_cells, u_samples = np.divmod(ukey, np.int64(n_samples))
        else:
            u_cells = u_samples = counts = np.zeros(0, dtype=np.int64)
        gsd_cells, gsd_samples, gsd_values = gsd_out
        yield (u_samples, u_cells, counts,
               np.concatenate(gsd_cells) if gsd_cells else np.zeros(0, dtype=np.int64),
               np.concatenate(gsd_samples) if gsd_samples else np.zeros(0, dtype=np.int64),
               np.concatenate(gsd_values) if gsd_values else np.zeros(0))
        i0 = i1
        if progress is not None:
            progress(i0 / n_samples)


def _group_reduce(target: np.ndarray, cells_sorted: np.ndarray, values: np.ndarray,
                  op=np.add) -> None:
    """target[c] = op(target[c], op-reduction of values of cell c), for cells given sorted
    (grouped) so that the work is O(K) and not O(M) per chunk."""
    if len(cells_sorted) == 0:
        return
    starts = np.flatnonzero(np.r_[True, cells_sorted[1:] != cells_sorted[:-1]])
    unique = cells_sorted[starts]
    target[unique] = op(target[unique], op.reduceat(values, starts))


class _RunningSums:
    """Per-cell sums over the covered-sample series, folded chunk by chunk (arrays (M,)):
    the last covered sample (-1: none yet), covered weight, accesses, gaps (count, sum,
    sum of squares, max), the integral of the age over gaps, most platforms at once and
    the best GSD. Prefix sums of the weights w_i and of w_i m_i (m_i the sample interval's
    midpoint) give the age integral over any run of samples in O(1)."""

    def __init__(self, n_cells: int, edges: np.ndarray, weights: np.ndarray):
        self.edges, self.weights = edges, weights
        self.n_samples = len(weights)
        mid = 0.5 * (edges[:-1] + edges[1:])
        # prefix sums for the age integral: P0[k] = sum_{j<k} w_j, P1[k] = sum_{j<k} w_j m_j
        self.p0 = np.concatenate([[0.0], np.cumsum(weights)])
        self.p1 = np.concatenate([[0.0], np.cumsum(weights * mid)])
        self.last = np.full(n_cells, -1, dtype=np.int64)   # index of the last covered sample
        self.covered_w = np.zeros(n_cells)
        self.accesses = np.zeros(n_cells)
        self.n_gaps = np.zeros(n_cells)
        self.max_gap = np.zeros(n_cells)
        self.sum_gap = np.zeros(n_cells)
        self.sum_gap_sq = np.zeros(n_cells)
        self.age_integral = np.zeros(n_cells)
        self.max_sim = np.zeros(n_cells)
        self.best_gsd = np.full(n_cells, np.inf)

    def age_between(self, first, stop, since):
        """Integral of the age (t - since) over samples first..stop-1 (all uncovered)."""
        return (self.p1[stop] - self.p1[first]) - since * (self.p0[stop] - self.p0[first])

    def fold(self, samples: np.ndarray, cells: np.ndarray, counts: np.ndarray) -> None:
        """Add one chunk's covered pairs (K,), sorted by cell then sample, later in time
        than every chunk folded before."""
        edges = self.edges
        # previous covered sample of each pair: the preceding pair of the same cell in this
        # chunk, else the running state carried over from earlier chunks
        prev = np.empty_like(samples)
        prev[1:] = samples[:-1]
        first_of_cell = np.ones(len(cells), dtype=bool)
        first_of_cell[1:] = cells[1:] != cells[:-1]
        prev[first_of_cell] = self.last[cells[first_of_cell]]
        new_run = (samples != prev + 1) | (prev < 0)
        _group_reduce(self.accesses, cells[new_run], np.ones(int(new_run.sum())))
        has_gap = samples != prev + 1                   # uncovered samples prev+1..samples-1
        g_cells_ = cells[has_gap]
        g_first = prev[has_gap] + 1
        g_stop = samples[has_gap]
        gap = edges[g_stop] - edges[g_first]
        _group_reduce(self.n_gaps, g_cells_, np.ones(len(gap)))
        _group_reduce(self.sum_gap, g_cells_, gap)
        _group_reduce(self.sum_gap_sq, g_cells_, gap * gap)
        _group_reduce(self.max_gap, g_cells_, gap, np.maximum)
        _group_reduce(self.age_integral, g_cells_,
                      self.age_between(g_first, g_stop, edges[g_first]))
        _group_reduce(self.covered_w, cells, self.weights[samples])
        _group_reduce(self.max_sim, cells, counts.astype(float), np.maximum)
        last_of_cell = np.ones(len(cells), dtype=bool)
        last_of_cell[:-1] = cells[1:] != cells[:-1]
        self.last[cells[last_of_cell]] = samples[last_of_cell]

    def figures(self, duration_s: float) -> dict[str, np.ndarray]:
        """The figures of the module docstring, after the final gap of every cell (from its
        last covered sample to the window's end) is added."""
        edges, n_samples = self.edges, self.n_samples
        tail_first = self.last + 1
        has_tail = tail_first < n_samples
        tail = np.where(has_tail, duration_s - edges[tail_first], 0.0)
        self.n_gaps += has_tail
        self.sum_gap += tail
        self.sum_gap_sq += tail * tail
        self.max_gap = np.maximum(self.max_gap, tail)
        tail_c = np.nonzero(has_tail)[0]
        self.age_integral[tail_c] += self.age_between(tail_first[tail_c], n_samples,
                                                      edges[tail_first[tail_c]])
        ever = (self.last >= 0).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_gap = np.where(self.n_gaps > 0, self.sum_gap / np.maximum(self.n_gaps, 1), 0.0)
        best_gsd = self.best_gsd.copy()
        best_gsd[~np.isfinite(best_gsd)] = np.nan
        return apply_never_seen_rule({
            "ever_covered_frac": ever,
            "time_covered_frac": self.covered_w / duration_s,
            "accesses": self.accesses.astype(float),
            "max_revisit_s": self.max_gap,
            "mean_revisit_s": mean_gap,
            "time_average_gap_s": self.sum_gap_sq / duration_s,
            "mean_response_s": self.sum_gap_sq / (2.0 * duration_s),
            "mean_age_of_data_s": self.age_integral / duration_s,
            "max_simultaneous": self.max_sim,
            "best_gsd_m": best_gsd,
        })


# ------------------------------------------------------------------------ public API

def stepped_cell_figures(scenario, grid, tracks: Sequence, sensors: Sequence[Sequence],
                         step_s: float, progress: Optional[Callable[[float], None]] = None,
                         mask: Optional[Callable] = None,
                         platform_seen: Optional[list] = None) -> dict[str, np.ndarray]:
    """Per-cell figures of merit by time stepping (the oracle of the exact engine).

    Args:
        scenario: Scenario (uses time.duration_s, time.start, earth.radius_m).
        grid: Grid with u (M,3) cell unit vectors and area_m2 (M,).
        tracks: one Track per platform; Track.state(t_s (S,)) -> (position_u (S,3),
            velocity_m_s (S,3), altitude_m (S,), active (S,) bool).
        sensors: sensors[i] the tuple of Sensor objects of tracks[i].
        step_s: time step in seconds (> 0).
        progress: optional callable(fraction in [0, 1]) called after each chunk of samples.
        mask: optional extra condition, callable(platform_index, sensor_index, t_s (K,),
            cell_index (K,)) -> (K,) bool (e.g. clouds or terrain); None: no extra condition.
        platform_seen: optional list of (M,) bool arrays, one per track, set True where that
            platform's sensors saw the cell at some sample.
    Returns:
        dict of FIGURE_KEYS -> (M,) float64 arrays (definitions in the module docstring).
    References: SMAD 3rd ed. sec. 7.2; docs/figures.md;
        midpoint rule (Numerical Recipes 3rd ed. sec. 4.1).
    """
    duration_s = float(scenario.time.duration_s)
    _, edges, weights = sample_times(duration_s, step_s)
    sums = _RunningSums(len(np.asarray(grid.u)), edges, weights)
    for samples, cells, counts, g_cells, _, g_values in _covered_pairs(
            scenario, grid, tracks, sensors, step_s, progress, mask, platform_seen):
        if len(g_cells):
            np.minimum.at(sums.best_gsd, g_cells, g_values)
        if len(cells):
            sums.fold(samples, cells, counts)
    return sums.figures(duration_s)
