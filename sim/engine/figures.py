"""From per-cell figures to the Result's tables: the region's summary, the distance bands,
the depth and along-border profiles, one row per platform, the run's warnings, and the
timeline (covered area over time and per UTC day).

The per-cell figures come from the exact engine (sim/engine/runner.py) or the stepped one
(sim/engine/stepped.py); the formulas of every figure are sim/engine/coverage.py's.
"""
from __future__ import annotations

from datetime import timedelta, timezone

import numpy as np

from sim.engine.airspace import airspace_violations, violations_warning
from sim.engine.coverage import (FIGURE_KEYS, band_table, binned_profile, covered_area_series,
                                 daily_figures, day_edges, region_figures, union_intervals)
from sim.engine.intervals import Intervals
from sim.schema import Scenario

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
    since_midnight = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond / 1e6
    edges = day_edges(since_midnight, T)
    days = daily_figures(union, grid.area_m2, edges)
    for row in days:
        row["date"] = (start + timedelta(seconds=row["start_s"])).date().isoformat()
    return {"step_s": step, "t_s": times.tolist(), "covered_frac": series.tolist(), "days": days}
