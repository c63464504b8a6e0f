"""From intervals to the Result's figures: the exact engine's per-cell figures (with lap
compression), then the tables: the region's summary, the distance bands, the depth and
along-border profiles, one row per platform, the run's warnings, and the timeline (covered
area over time and per UTC day).

The intervals come from the Engine (sim/engine/runner.py), which keeps them in its
IntervalCache (sim/engine/interval_cache.py); the stepped engine
(sim/engine/stepped.py) gives per-cell figures of its own; the formulas of every figure
are sim/engine/coverage.py's, the lap compression sim/engine/laps.py's.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Callable, Optional

import numpy as np

from sim.engine.airspace import airspace_violations, violations_warning
from sim.engine.coverage import (FIGURE_KEYS, GapSums, band_table, binned_profile,
                                 covered_area_series, daily_figures, figures_from_sums,
                                 gap_sums, lap_sums, region_figures, union_intervals)
from sim.engine.intervals import Intervals
from sim.engine.laps import LapCopies, compress
from sim.schema import Scenario
from sim.world.daylight import utc_day_edges_s

ALONG_BIN_M = 50_000.0          # width of the along-border profile's bins
_PROFILE_KEYS = ("ever_covered_frac", "time_covered_frac")


def region_tables(cells: dict, grid, bands_m) -> tuple[dict, list, list, list]:
    """(summary, bands, depth_profile, along_border) of per-cell figures `cells` (each
    (M,)) over `grid`; bands_m: the distance band edges (m). An empty grid's summary has
    every figure None and no never-seen area."""
    area = grid.area_m2
    summary = (region_figures(cells, area) if grid.u.shape[0]
               else dict({k: None for k in FIGURE_KEYS}, never_seen_km2=0.0))
    bands = band_table(cells, area, np.abs(grid.depth_m), list(bands_m))
    depth_profile = binned_profile(cells, area, grid.depth_m, grid.cell_m, _PROFILE_KEYS,
                                   center_key="depth_km")
    along = binned_profile(cells, area, grid.along_m, ALONG_BIN_M, _PROFILE_KEYS,
                           start_at_zero=True)
    return summary, bands, depth_profile, along


def platform_rows(scenario: Scenario, tracks: list, geography, area_m2: np.ndarray,
                  seen: list[np.ndarray]) -> list[dict]:
    """One row per platform: name, class, time on station, the area its sensors saw
    (seen[i]: (M,) bool) and, when overflight is forbidden, its airspace entries."""
    duration_s = float(scenario.time.duration_s)
    rows = []
    for spec, track, seen_cells in zip(scenario.platforms, tracks, seen):
        # Orbits are outside national airspace (Outer Space Treaty, art. II).
        checked = scenario.airspace.overflight == "forbidden" and spec.kind != "satellite"
        rows.append({
            "name": spec.name, "class": spec.class_id,
            "time_on_station_s": float(track.time_on_station_s),
            "covered_km2": float(area_m2[seen_cells].sum()) / 1e6,
            "airspace_violations": (airspace_violations(track, geography, duration_s)
                                    if checked else []),
        })
    return rows


def run_warnings(scenario: Scenario, tracks: list, n_cells: int, platforms: list[dict]) -> list[str]:
    """The warnings of a run, in order: the loader's (as `isr-sim check` shows them), each
    track's (once each), an empty grid, and each platform's airspace entries."""
    warnings = list(scenario.warnings)
    for track in tracks:
        warnings.extend(w for w in track.warnings if w not in warnings)
    if n_cells == 0:
        warnings.append("the grid has no cells: check grid.side, grid.extent and land_only")
    warnings.extend(violations_warning(p["name"], p["airspace_violations"])
                    for p in platforms if p["airspace_violations"])
    return warnings


def build_timeline(scenario: Scenario, grid, sources: list[Intervals]) -> dict:
    """Covered-area fraction at every time.step, and per UTC calendar day."""
    T = float(scenario.time.duration_s)
    step = float(scenario.time.step_s)
    times = np.arange(0.0, T + 1e-9, step)
    union = union_intervals(sources)
    series = covered_area_series(union, grid.area_m2, times)
    start = scenario.time.start.astimezone(timezone.utc)
    edges = utc_day_edges_s(start, T)
    days = daily_figures(union, grid.area_m2, edges)
    for row in days:
        row["date"] = (start + timedelta(seconds=row["start_s"])).date().isoformat()
    return {"step_s": step, "t_s": times.tolist(), "covered_frac": series.tolist(), "days": days}


# ------------------------------------------------------------ per-cell figures (exact)

@dataclass
class _PlatformLaps:
    """How the lap compression treats one platform.

    copies: its lap copies, or None when its laps are not compressed (no lap, or too few
    copies to remove); steady: its sensors no time-dependent mask hides (their laps repeat
    exactly); day_only: its sensors hidden only by night, with laps short enough to hold at
    most one sunrise or sunset; seen: (M,) bool, the cells any of its sensors saw.
    """
    copies: Optional[LapCopies]
    steady: list[int]
    day_only: list[int]
    seen: np.ndarray

    @property
    def lapped(self) -> list[int]:
        """The sensors whose laps the compression uses (steady, then day-only)."""
        return self.steady + self.day_only


def _platform_laps(engine, i: int) -> _PlatformLaps:
    copies = engine.lap_copies(i)
    js = range(len(engine.sensors[i])) if copies is not None else []
    return _PlatformLaps(copies,
                         [j for j in js if not engine.night_or_cloud_applies(i, j)],
                         [j for j in js if engine.night_or_cloud_applies(i, j)
                          and engine.only_night_hides(i, j, copies)],
                         np.zeros(engine.n_cells, dtype=bool))


def exact_cell_figures(engine, progress: Optional[Callable[[float], None]] = None):
    """Per-cell figures of the exact engine (an Engine of sim/engine/runner.py) and, per
    platform, which cells it sees: (figures dict of (M,) arrays, [(M,) bool per platform]).

    Each cell that some lapped platform sees during its lap gets that platform (the one
    with the most lap intervals there) as its periodic base; every other source there
    is sparse, and sim/engine/laps.py removes the base's interior laps far from sparse
    intervals and from sunrise and sunset, adding one lap's sums per removed copy (a
    daylight lap's, with the base's daylight-only sensors, or a night lap's, without).
    Cells no lap sees are computed from the full union. Both equal the full expansion
    (tests/test_runner.py)."""
    m, T = engine.n_cells, float(engine.scenario.time.duration_s)
    engine.solve_all()
    plans = [_platform_laps(engine, i) for i in range(len(engine.tracks))]
    # Score: the intervals a platform's laps add over the window (lap intervals times
    # copies), so that the base, whose copies are compressed, is the one that would
    # cost most to expand (any base gives the same figures).
    score = np.zeros((len(plans), m))
    for i, plan in enumerate(plans):
        for j in plan.lapped:
            score[i] += plan.copies.n * np.bincount(engine.lap_and_once_intervals(i)[j].lap.cell,
                                                    minlength=m)
    base = np.argmax(score, axis=0) if plans else np.zeros(m, dtype=np.int64)
    has_base = score.max(axis=0) > 0 if plans else np.zeros(m, dtype=bool)

    total = GapSums.zeros(m)
    explicit = ~has_base
    if explicit.any():
        pairs = _intervals_on(engine, plans, explicit)
        _mark_seen(plans, pairs)
        total.add(gap_sums(m, T, [iv for _, iv in pairs], explicit,
                           [engine.gsd_of(i, j, iv) for (i, j), iv in pairs],
                           platform_of=[i for (i, _), _ in pairs]))
    env = engine.environment if any(plan.day_only for plan in plans) else None
    groups = [b for b, plan in enumerate(plans)
              if plan.copies is not None and (has_base & (base == b)).any()]
    # Largest first (by lap intervals), so that the threads finish together.
    groups.sort(key=lambda b: -score[b][has_base & (base == b)].sum())
    # Groups are independent: run them in threads, after computing what they share (the
    # cached expansions of lapless platforms). With clouds they run one after the other:
    # whether threads pay off around the cloud field's locked knot cache is not measured.
    for i, plan in enumerate(plans):
        if plan.copies is None:
            for j in range(len(engine.sensors[i])):
                engine.full_intervals(i, j)

    def group(b):
        return _base_group_sums(engine, plans, b, has_base & (base == b), env)
    weather = engine.scenario.weather
    clouds = weather is not None and weather.cloud_fraction > 0
    workers = 1 if clouds else min(len(groups), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(group, groups))
    else:
        results = [group(b) for b in groups]
    for k, (sums, pairs) in enumerate(results):
        total.add(sums)
        _mark_seen(plans, pairs)
        if progress:
            progress(0.2 + 0.8 * (k + 1) / len(results))
    if progress:
        progress(1.0)
    return figures_from_sums(total, T), [plan.seen for plan in plans]


def _mark_seen(plans: list[_PlatformLaps], pairs) -> None:
    """Mark the cells of each ((platform, sensor), Intervals) pair as seen by its platform."""
    for (i, _), iv in pairs:
        plans[i].seen[iv.cell] = True


def _intervals_on(engine, plans: list[_PlatformLaps], mask: np.ndarray, skip_base_of=None):
    """((platform, sensor), full Intervals) of every sensor on the cells of mask (M,) bool;
    the lapped sensors of platform skip_base_of contribute only their one-off intervals."""
    out = []
    for i, plan in enumerate(plans):
        for j in range(len(engine.sensors[i])):
            if i == skip_base_of and j in plan.lapped:
                once = engine.lap_and_once_intervals(i)[j].once
                iv = once.take(mask[once.cell])
                if j in plan.day_only:
                    iv = engine.apply_night_and_cloud(i, j, iv)
            elif plan.copies is None:                   # no lap: cached, filter it
                iv = engine.full_intervals(i, j)
                iv = iv.take(mask[iv.cell])
            else:                                       # expand these cells only
                iv = engine.full_intervals(i, j, mask)
            out.append(((i, j), iv))
    return out


def _base_group_sums(engine, plans: list[_PlatformLaps], b: int, mask: np.ndarray, env):
    """Sums of the cells (mask, (M,) bool) whose base is platform b, and what each sensor
    saw there: (GapSums, [((platform, sensor), Intervals)])."""
    m, T = engine.n_cells, float(engine.scenario.time.duration_s)
    plan = plans[b]
    cells = np.flatnonzero(mask)
    src = engine.lap_and_once_intervals(b)
    laps = [src[j].lap.take(mask[src[j].lap.cell]) for j in plan.steady]
    day_laps = [src[j].lap.take(mask[src[j].lap.cell]) for j in plan.day_only]
    sparse = _intervals_on(engine, plans, mask, skip_base_of=b)
    day_keys = [(b, j) for j in plan.day_only]
    comp = compress(m, T, plan.copies, cells, laps, [iv for _, iv in sparse], day_laps,
                    sun_up=env.daylight.sunlit_table if env else None,
                    daylight=[lambda iv, k=k: engine.apply_night_and_cloud(*k, iv)
                              for k in day_keys])
    keys = [(b, j) for j in plan.steady] + day_keys + [k for k, _ in sparse]
    sums = gap_sums(m, comp.window_end_s, comp.sources, mask,
                    [engine.gsd_of(i, j, iv) for (i, j), iv in zip(keys, comp.sources)],
                    platform_of=[i for i, _ in keys])
    night_union = Intervals.concat(laps).merged()
    day_union = Intervals.concat(laps + day_laps).merged()
    sums.add_scaled(lap_sums(m, day_union, plan.copies.period_s), comp.removed_day)
    sums.add_scaled(lap_sums(m, night_union, plan.copies.period_s), comp.removed_night)
    return sums, list(zip(keys, comp.sources))
