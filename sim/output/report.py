"""Report formats of a run Result: plain-text tables and CSV (one row per cell); the JSON
is the Result's own (sim.engine.result.Result.to_json), the map file
sim/output/map_figure.py's write_png.

Front-end code (formatting only; may import matplotlib, lazily). Every writer is atomic
(sim/output/files.py): a temporary file in the destination's folder renamed over it, so a
failure never leaves a half-written or stray file; `-` writes to standard output.

The Result is sim.engine.result.Result: scenario, engine, step_s, geography, grid, cells (per-cell
(M,) arrays), summary, bands, depth_profile, along_border, platforms, warnings, timeline,
to_json_dict().
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from sim.output.files import atomic_file
from sim.output.formats import FIGURE_KEYS, KEY_INFO, _missing, format_duration, format_percent, format_value

CSV_LEAD_COLUMNS = ("lat", "lon", "depth_km", "along_km", "area_km2")


def _km(value_km, decimals=1) -> str:
    return "-" if _missing(value_km) else f"{float(value_km):,.{decimals}f}"


# ----------------------------------------------------------------------------- tables

def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """Fixed-width text table; align: one 'l'/'r' per column."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        out = [c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align)]
        return "  " + "  ".join(out).rstrip()

    return [line(headers), "  " + "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def format_tables(result) -> str:
    """The plain-text report of a run: header, summary, bands, platforms, warnings.
    Deterministic (no wall-clock values) so that golden-output tests can compare it."""
    sc = result.scenario
    grid = result.grid
    n_cells = int(np.asarray(grid.u).shape[0])
    area_km2 = float(np.sum(grid.area_m2)) / 1e6
    engine = result.engine
    if engine == "stepped" and result.step_s:
        engine += f" (time step {format_duration(result.step_s)})"
    lines = [f"Scenario:  {sc.name}"]
    lines.append(f"Duration:  {format_duration(sc.time.duration_s)} from "
                 f"{sc.time.start.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    lines.append(f"Engine:    {engine}")
    lines.append(f"Grid:      {n_cells:,} cells of {grid.cell_m / 1000.0:g} km, "
                 f"{area_km2:,.0f} km2")
    geography = result.geography
    text = f"map length {geography.map_border_length_m / 1000.0:,.0f} km"
    if geography.official_border_length_m is not None:
        text += f" (official {geography.official_border_length_m / 1000.0:,.0f} km)"
    lines.append(f"Border:    {text}")

    lines += _summary_lines(result.summary or {}, area_km2)
    lines += _band_lines(result.bands)
    lines += _day_lines(result.timeline)

    if result.platforms:
        lines += ["", "Platforms"]
        rows = [[p.get("name", ""), p.get("class", ""), format_duration(p.get("time_on_station_s")),
                 _km(p.get("covered_km2"), 0), str(len(p.get("airspace_violations") or []))]
                for p in result.platforms]
        lines += _table(["name", "class", "on station", "covered km2", "airspace violations"],
                        rows, "llrrr")
        for p in result.platforms:
            for v in p.get("airspace_violations") or []:
                lines.append(f"  {p.get('name', '')}: inside the neighbour's airspace "
                             f"{format_duration(v.get('start_s'))} to {format_duration(v.get('end_s'))}"
                             f" after start, up to {v.get('max_inside_km', float('nan')):.1f} km "
                             f"(at {v.get('lat', float('nan')):.3f}, {v.get('lon', float('nan')):.3f})")

    lines += ["", "Warnings"]
    lines += [f"  - {w}" for w in result.warnings] if result.warnings else ["  (none)"]
    return "\n".join(lines) + "\n"


# Figures of the default tables. mean_age_of_data_s is left out: it equals mean_response_s
# by definition (docs/figures.md); JSON and CSV keep both.
SUMMARY_WHOLE_GRID_KEYS = ("ever_covered_frac", "time_covered_frac", "accesses",
                           "max_simultaneous")
SUMMARY_SEEN_KEYS = ("max_revisit_s", "mean_revisit_s", "time_average_gap_s", "mean_response_s")
BAND_KEYS = ("ever_covered_frac", "time_covered_frac", "accesses", "max_revisit_s",
             "mean_response_s")


def _summary_lines(summary: dict, area_km2: float) -> list[str]:
    """The summary table: each figure with the cells it is taken over (docs/figures.md)."""
    never_km2 = summary.get("never_seen_km2")
    seen_km2 = None if _missing(never_km2) else max(area_km2 - float(never_km2), 0.0)
    rows = [[KEY_INFO[k][0], format_value(k, summary.get(k)),
             "whole grid" + (" (maximum)" if k == "max_simultaneous" else "")]
            for k in SUMMARY_WHOLE_GRID_KEYS]
    rows.append(["never seen", f"{_km(never_km2, 0)} km2",
                 f"{format_percent(float(never_km2) / area_km2)} of the grid"
                 if area_km2 > 0 and not _missing(never_km2) else ""])
    seen_text = f"cells ever seen ({_km(seen_km2, 0)} km2)"
    rows += [[KEY_INFO[k][0], format_value(k, summary.get(k)),
              seen_text + (", maximum" if k == "max_revisit_s" else "")
              + (", = mean age of data" if k == "mean_response_s" else "")]
             for k in SUMMARY_SEEN_KEYS]
    rows.append([KEY_INFO["best_gsd_m"][0], format_value("best_gsd_m", summary.get("best_gsd_m")),
                 "cells seen by an imaging sensor"])
    return (["", "Summary (area-weighted means over the cells named; definitions: "
                 "docs/figures.md)"]
            + _table(["figure", "value", "over"], rows, "lrl"))


def _band_lines(bands: list) -> list[str]:
    """Depth bands: covered fractions over each band, revisit and response over its cells
    ever seen, and the band's never-seen area."""
    if not bands:
        return []
    rows = [[f"{_km(b.get('from_km'), 0)}-{_km(b.get('to_km'), 0)}", _km(b.get("area_km2"), 0),
             _km(b.get("never_seen_km2"), 0)] + [format_value(k, b.get(k)) for k in BAND_KEYS]
            for b in bands]
    return (["", "Bands by distance from the border (max revisit and mean response: over the "
                 "band's cells ever seen)"]
            + _table(["band km", "area km2", "never seen km2"] + [KEY_INFO[k][0] for k in BAND_KEYS],
                     rows, "lrr" + "r" * len(BAND_KEYS)))


def _day_lines(timeline: Optional[dict]) -> list[str]:
    """Day by day (UTC calendar days; `run --timeline`): the share of the grid seen at
    least once that day and the time-covered fraction over that day's part of the window."""
    days = (timeline or {}).get("days") or []
    if not days:
        return []
    rows = [[d.get("date", ""), format_duration(d["end_s"] - d["start_s"]),
             format_percent(d.get("ever_covered_frac")), format_percent(d.get("time_covered_frac"))]
            for d in days]
    return (["", "Day by day (UTC calendar days within the window)"]
            + _table(["date", "in window", "ever covered", "time covered"], rows, "lrrr"))


def _csv_column(values: np.ndarray, fmt: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    out = np.char.mod(fmt, values).astype(object)
    out[~np.isfinite(values)] = ""
    return out


def write_csv(result, path) -> None:
    """One row per cell: lat, lon, depth_km, along_km, area_km2, then every per-cell key
    (FIGURE_KEYS order, then any others sorted). Empty field for NaN (e.g. best_gsd_m of a
    cell without imaging). Written atomically."""
    grid = result.grid
    keys = [k for k in FIGURE_KEYS if k in result.cells]
    keys += sorted(k for k in result.cells if k not in FIGURE_KEYS)
    columns = [
        _csv_column(grid.lat_deg, "%.6f"),
        _csv_column(grid.lon_deg, "%.6f"),
        _csv_column(np.asarray(grid.depth_m) / 1000.0, "%.3f"),
        _csv_column(np.asarray(grid.along_m) / 1000.0, "%.3f"),
        _csv_column(np.asarray(grid.area_m2) / 1e6, "%.6g"),
    ] + [_csv_column(result.cells[k], "%.10g") for k in keys]
    header = ",".join(list(CSV_LEAD_COLUMNS) + keys)
    with atomic_file(path) as f:
        f.write(header + "\n")
        if len(columns[0]):
            f.write("\n".join(",".join(row) for row in zip(*columns)) + "\n")
