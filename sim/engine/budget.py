"""Resource budget: how much memory a run will need, estimated before the heavy work.

`estimate(scenario, engine, step_s, timeline)` builds only what is cheap (the geography, a
coarse copy of the grid, the tracks and sensors) and counts the sizes that drive memory:

- cells: the grid is built at a coarse cell (at most COARSE_CELLS cells) with the real
  geography, side, land mask and border ends, and the count scaled by (coarse / cell)^2
  (an equal-area lattice: each cell has the same area);
- intervals per lap: coarse cells within each sensor's reach of the lap's ground track,
  times two passes (out and back), scaled like the cells; laps: the lap window / the lap
  period; one-off paths (transits, routes flown once) the same way for one pass; satellites:
  every cell of the grid times the passes a swath of width 2 x reach makes over the sphere
  in the time on station (uniform coverage, area swept / area of the sphere);
- samples: duration / step for the stepped engine and for --timeline;
- evaluations (the stepped engine's running time): samples x, per platform and sensor, the
  cells of one footprint (the cap of the sensor's reach, 2 pi R^2 (1 - cos reach), over the
  cell area, at most every cell), i.e. the (sample, cell, sensor) visibility tests it makes;
- terrain: the array shapes of the terrain .npz, read from the .npy headers without
  loading the arrays.

Memory is then bytes-per-item coefficients times those counts (BYTES_* below: measured
with ru_maxrss on the benchmark cases and small variations of them; tests/test_budget.py
checks the estimate against a measured peak within a factor 2), plus what the process
already holds. `enforce` raises ScenarioError (exit 2) when the estimate exceeds a limit,
saying what was asked, the estimate, the limit and how to reduce it. `enforce_work` does the
same for the stepped engine's evaluations against DEFAULT_WORK_LIMIT (a bound on time).

Core module: no printing, no argparse.
References: spherical zone area 2 pi R^2 (1 - cos a) (e.g. Weisstein, "Spherical Cap");
chord of a central angle c = 2 sin(a / 2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from sim.errors import Problem, ScenarioError
from sim.memory import DEFAULT_LIMIT_BYTES, format_bytes, process_bytes
from sim.world.terrain_file import terrain_bytes

# Stepped engine: evaluations per second, measured on a 2-core machine under load (6 million
# on one-recon at 2 s, 19 million on border-day at 60 s and at 10 s with 1 km cells, 44 million
# on border-week at 10 s); a round middle figure for the minutes shown in messages.
STEPPED_EVALUATIONS_PER_S = 1e7
# About 50 minutes at that rate. Above every documented stepped run (the largest: the bench's
# border-week at 10 s, 2.2e10; its 1 km case at 10 s, 1.3e10); below one-recon at 1 ms, even
# over 1 h (3.4e10).
DEFAULT_WORK_LIMIT = 3e10
COARSE_CELLS = 8_000                 # cells of the coarse grid that counts the real one
PATH_POINTS_MAX = 4_000              # ground-track samples per path when counting reach

# Bytes per item at the peak. Those marked "counted" add up the arrays the code holds per
# item; the others were fitted to peaks measured (ru_maxrss) on the benchmark cases and
# variations of them (longer, finer, single platform, timeline, stepped).
BYTES_GRID_BUILD_PER_CELL = 600      # lattice candidates, projections, distances (measured)
BYTES_PER_CELL = 250                 # counted: grid arrays 90, k-d tree 40, sums and figures 120
BYTES_PER_CELL_PLATFORM = 10         # counted: per-platform score (8) and seen mask (1)
BYTES_PER_LAP_INTERVAL = 500         # one lap's intervals: solving, sorting, masks
BYTES_PER_LAP_COPY_INTERVAL = 10     # lap compression: kept copies and (cell, copy) tables
BYTES_PER_ONCE_INTERVAL = 150        # one-off intervals, held whole and merged
BYTES_PER_TIMELINE_INTERVAL = 60     # --timeline: every interval expanded and merged
BYTES_PER_SAMPLE = 64                # counted: stepped engine times, edges, weights, sums
BYTES_PER_SAMPLE_PLATFORM = 180      # counted: a platform's state per sample (22 arrays)
STEPPED_CHUNK_BYTES = 80 * 2 ** 20   # stepped engine: one chunk of candidate pairs
BYTES_PER_TERRAIN_INTERVAL = 1000    # line-of-sight samples of one lap interval


@dataclass(frozen=True)
class Estimate:
    """What a run will hold at its peak. peak_bytes includes the process's own footprint
    (base_bytes). parts: label -> bytes of each term (the peak is base + the larger of the
    grid build and everything else). `source` names the scenario in messages."""
    peak_bytes: float
    base_bytes: float
    cells: float
    intervals: float
    samples: int
    parts: dict = field(default_factory=dict)
    source: str = ""
    cell_m: float = 0.0
    dominant: str = ""            # the largest part's label
    evaluations: float = 0.0      # stepped engine: (sample, cell, sensor) visibility tests
    step_s: float = 0.0           # stepped engine: the step those evaluations are for


# -------------------------------------------------------------------------------- cells

def _coarse_grid(scenario, geography):
    """The grid built at a coarse cell (about COARSE_CELLS cells or fewer) and the factor
    from its cell count to the real one's."""
    from sim.world.grid import build_grid
    spec, radius = scenario.grid, scenario.earth.radius_m
    sides = 2 if spec.side == "both" else 1
    a = min(spec.extent_m / radius, math.pi)
    length = geography.map_border_length_m
    # strip along the border plus the disc beyond its ends (a half disc per side)
    area = sides * (length * radius * math.sin(min(a, math.pi / 2)) +
                    math.pi * radius ** 2 * (1.0 - math.cos(a)))
    coarse_m = max(spec.cell_m, math.sqrt(area / COARSE_CELLS))
    grid = build_grid(replace(spec, cell_m=coarse_m), geography, scenario.earth)
    return grid, (coarse_m / spec.cell_m) ** 2


# ---------------------------------------------------------------------------- intervals

def _path_points(segments, spacing_m: float, radius_m: float) -> np.ndarray:
    """(K, 3) points along ArcSegments at most about spacing_m apart (capped in number)."""
    lengths = [abs(s.rate_rad_s) * (s.t1_s - s.t0_s) * radius_m for s in segments]
    total = sum(lengths)
    per_m = min(1.0 / max(spacing_m, 1.0), PATH_POINTS_MAX / max(total, 1.0))
    points = []
    for seg, length in zip(segments, lengths):
        n = max(2, int(math.ceil(length * per_m)) + 1)
        points.append(seg.position_u(np.linspace(seg.t0_s, seg.t1_s, n)))
    return np.concatenate(points) if points else np.zeros((0, 3))


def _path_angles(cells_u: np.ndarray, points: np.ndarray, within_rad: float) -> np.ndarray:
    """(N,) central angle from each cell to the nearest of the path points (K, 3); inf
    beyond within_rad (a bound that makes the search fast)."""
    from scipy.spatial import cKDTree
    if points.shape[0] == 0 or cells_u.shape[0] == 0:
        return np.full(cells_u.shape[0], np.inf)
    bound = 2.0 * math.sin(0.5 * min(within_rad, math.pi)) * (1 + 1e-9) + 1e-12
    chord, _ = cKDTree(points).query(cells_u, k=1, distance_upper_bound=bound)
    return 2.0 * np.arcsin(np.clip(0.5 * chord, 0.0, 1.0))


def _reaches_rad(track, sensors, platform) -> list[float]:
    """Each sensor's largest central angle of view (rad) at the platform's altitude; sensors
    that see nothing are left out."""
    altitude = track.lap[0].altitude_m if track.lap else platform.altitude_m
    reaches = [float(s.central_angle_limits_rad(altitude)[1]) for s in sensors]
    return [r for r in reaches if math.isfinite(r) and r > 0]


def _footprint_cells(reaches_rad: list[float], cells: float, cell_m: float,
                     radius_m: float) -> float:
    """Cells the stepped engine tests per sample for one platform: per sensor, the cells of
    the cap of its reach (area 2 pi R^2 (1 - cos reach) over the cell area), at most every
    cell."""
    cap_m2 = [2.0 * math.pi * radius_m ** 2 * (1.0 - math.cos(min(r, math.pi))) for r in reaches_rad]
    return sum(min(cells, a / cell_m ** 2) for a in cap_m2)


def _platform_intervals(track, sensors, platform, grid, scale: float, cells: float,
                        radius_m: float) -> tuple[float, float, float]:
    """(intervals of one lap, intervals over every lap, one-off intervals) of a platform,
    summed over its sensors."""
    from sim.platforms.segments import ArcSegment
    lap_iv = full_iv = once_iv = 0.0
    arcs = [s for s in track.once if isinstance(s, ArcSegment)]
    orbit_s = sum(s.t1_s - s.t0_s for s in track.once if not isinstance(s, ArcSegment))
    n_laps = 0.0
    if track.lap and track.lap_period_s > 0:
        w0, w1 = track.lap_window_s
        n_laps = max(w1 - w0, 0.0) / track.lap_period_s + 1.0
    reaches = _reaches_rad(track, sensors, platform)
    if not reaches:
        return 0.0, 0.0, 0.0
    spacing_m = 0.25 * min(reaches) * radius_m
    # the nearest sample is at most half a spacing farther than the path itself
    slack = 0.5 * spacing_m / radius_m
    within = max(reaches) + slack
    lap_angle = _path_angles(grid.u, _path_points(track.lap, spacing_m, radius_m), within) \
        if n_laps else None
    once_angle = (_path_angles(grid.u, _path_points(arcs, spacing_m, radius_m), within)
                  if arcs else None)
    for reach in reaches:
        if lap_angle is not None:
            seen = float(np.count_nonzero(lap_angle <= reach + slack)) * scale
            lap_iv += 2.0 * seen
            full_iv += 2.0 * seen * n_laps
        if once_angle is not None:
            once_iv += float(np.count_nonzero(once_angle <= reach + slack)) * scale
        if orbit_s > 0:
            swath_m2 = 2.0 * reach * radius_m * platform.speed_m_s * orbit_s
            once_iv += cells * swath_m2 / (4.0 * math.pi * radius_m ** 2)
    if orbit_s > 0 and all(s.spec.needs_daylight for s in sensors):
        once_iv *= 0.5           # passes over the night side are skipped
    return lap_iv, full_iv, once_iv


# ----------------------------------------------------------------------------- estimate

def estimate(scenario, engine: str = "exact", step_s: Optional[float] = None,
             timeline: bool = False) -> Estimate:
    """The resources a run of `scenario` will need (see the module docstring). Builds the
    geography, a coarse grid, tracks and sensors (cheap); solves nothing."""
    from sim.world.geography import build_geography
    from sim.platforms.tracks import build_track
    from sim.platforms.sensors import build_sensors
    radius = scenario.earth.radius_m
    geography = build_geography(scenario.geography, scenario.earth)
    coarse, scale = _coarse_grid(scenario, geography)
    cells = coarse.size * scale
    n_platforms = len(scenario.platforms)
    lap_iv = full_iv = once_iv = 0.0
    cells_per_sample = 0.0       # stepped engine: cells tested per sample, all sensors
    for platform in scenario.platforms:
        track = build_track(platform, scenario, geography)
        sensors = build_sensors(platform.sensors, scenario.earth)
        a, b, c = _platform_intervals(track, sensors, platform, coarse, scale, cells, radius)
        lap_iv, full_iv, once_iv = lap_iv + a, full_iv + b, once_iv + c
        cells_per_sample += _footprint_cells(_reaches_rad(track, sensors, platform), cells,
                                             scenario.grid.cell_m, radius)
    duration = float(scenario.time.duration_s)
    parts = {"grid build": cells * BYTES_GRID_BUILD_PER_CELL,
             "cells": cells * (BYTES_PER_CELL + BYTES_PER_CELL_PLATFORM * n_platforms)}
    samples, evaluations, step = 0, 0.0, 0.0
    if engine == "stepped":
        step = float(step_s or scenario.time.step_s)
        samples = int(math.ceil(duration / step)) + 1
        evaluations = samples * cells_per_sample
        parts["time steps"] = samples * (BYTES_PER_SAMPLE + BYTES_PER_SAMPLE_PLATFORM * n_platforms) \
            + STEPPED_CHUNK_BYTES
    else:
        parts["intervals"] = (lap_iv * BYTES_PER_LAP_INTERVAL + full_iv * BYTES_PER_LAP_COPY_INTERVAL
                              + once_iv * BYTES_PER_ONCE_INTERVAL)
    if timeline:
        timeline_samples = int(math.ceil(duration / float(scenario.time.step_s))) + 1
        samples = max(samples, timeline_samples)
        parts["timeline"] = ((full_iv + once_iv) * BYTES_PER_TIMELINE_INTERVAL
                             + timeline_samples * BYTES_PER_SAMPLE)
    parts["terrain"] = terrain_bytes(scenario)
    if parts["terrain"] and engine == "exact":
        parts["terrain"] += (lap_iv + once_iv) * BYTES_PER_TERRAIN_INTERVAL
    base = process_bytes()
    work = sum(v for k, v in parts.items() if k != "grid build")
    peak = base + max(parts["grid build"], work)
    dominant = max(parts, key=parts.get)
    return Estimate(peak_bytes=peak, base_bytes=base, cells=cells, intervals=full_iv + once_iv,
                    samples=samples, parts=parts, source=scenario.source,
                    cell_m=scenario.grid.cell_m, dominant=dominant, evaluations=evaluations,
                    step_s=step)


_HOW_TO_REDUCE = {
    "grid build": ("grid.cell", "use a larger grid.cell or a smaller grid.extent"),
    "cells": ("grid.cell", "use a larger grid.cell or a smaller grid.extent"),
    "intervals": ("time.duration", "use a shorter time.duration, a larger grid.cell, or "
                  "longer laps (a loiter or racetrack of a few km at least)"),
    "timeline": ("time.step", "use a larger time.step or a shorter time.duration "
                 "(--timeline holds every interval of the run)"),
    "time steps": ("time.step", "use a larger --step or a shorter time.duration"),
    "terrain": ("terrain", "use a terrain file of fewer points (a coarser or smaller grid)"),
}


def enforce(estimate_: Estimate, limit_bytes: Optional[float] = DEFAULT_LIMIT_BYTES) -> None:
    """Raise ScenarioError when the estimate exceeds limit_bytes (None: no limit)."""
    if limit_bytes is None or estimate_.peak_bytes <= limit_bytes:
        return
    key, how = _HOW_TO_REDUCE[estimate_.dominant]
    details = ", ".join(f"{label} {format_bytes(v)}" for label, v in estimate_.parts.items() if v > 0)
    counts = f"{estimate_.cells:,.0f} cells of {estimate_.cell_m / 1000:g} km"
    if estimate_.intervals:
        counts += f", about {estimate_.intervals:,.0f} access intervals"
    if estimate_.samples:
        counts += f", {estimate_.samples:,} time samples"
    raise ScenarioError(Problem(
        estimate_.source, 0, 0, key, "",
        f"this run would need about {format_bytes(estimate_.peak_bytes)} of memory ({counts}; "
        f"{details}), more than the limit of {format_bytes(limit_bytes)}",
        f"{how}; or raise the limit with --max-memory (e.g. --max-memory "
        f"{math.ceil(estimate_.peak_bytes * 1.25 / 2 ** 30)}GiB) if the machine has the memory"))


def enforce_work(estimate_: Estimate, limit: Optional[float] = DEFAULT_WORK_LIMIT) -> None:
    """Raise ScenarioError when the stepped engine's evaluations exceed `limit` (None: no
    limit): the time a run takes, bounded like its memory."""
    if limit is None or estimate_.evaluations <= limit:
        return
    minutes = estimate_.evaluations / STEPPED_EVALUATIONS_PER_S / 60.0
    raise ScenarioError(Problem(
        estimate_.source, 0, 0, "time.step", "",
        f"the stepped engine at a {estimate_.step_s:g} s step would make about "
        f"{estimate_.evaluations:,.3g} visibility evaluations ({estimate_.samples:,} time samples "
        f"x cells in view x sensors; about {minutes:,.0f} minutes at "
        f"{STEPPED_EVALUATIONS_PER_S:,.0f} a second), more than the limit of {limit:,.3g}",
        f"use a larger --step or a shorter time.duration (or the exact engine, which does not "
        f"step); or raise the limit with --max-work (e.g. --max-work "
        f"{float(f'{estimate_.evaluations * 1.25:.2g}'):.2g}) if the time is acceptable"))


def check(scenario, engine: str = "exact", step_s: Optional[float] = None,
          timeline: bool = False, limit_bytes: Optional[float] = DEFAULT_LIMIT_BYTES,
          limit_work: Optional[float] = DEFAULT_WORK_LIMIT) -> Estimate:
    """estimate() then enforce() and enforce_work(); returns the estimate."""
    found = estimate(scenario, engine, step_s, timeline)
    enforce(found, limit_bytes)
    enforce_work(found, limit_work)
    return found
