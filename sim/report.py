"""Report formats of a run Result: plain-text tables, JSON, CSV (one row per cell) and a PNG map.

Front-end code (formatting only; may import matplotlib, lazily). Every writer is atomic: it
writes a temporary file in the destination's folder and renames it over the destination
with os.replace, so a failure never leaves a half-written or stray file.

The Result is sim.runner.Result: scenario, engine, step_s, geography, grid, cells (per-cell
(M,) arrays), summary, bands, depth_profile, along_border, platforms, warnings, timeline,
to_json_dict().
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from typing import Callable, Optional, Sequence

import numpy as np

FIGURE_KEYS = ("ever_covered_frac", "time_covered_frac", "accesses", "max_revisit_s",
               "mean_revisit_s", "time_average_gap_s", "mean_response_s",
               "mean_age_of_data_s", "max_simultaneous", "best_gsd_m")

# key -> (label, kind); kind: frac (shown in %), time (s), count, length (m)
KEY_INFO = {
    "ever_covered_frac": ("ever covered", "frac"),
    "time_covered_frac": ("time covered", "frac"),
    "accesses": ("accesses", "count"),
    "max_revisit_s": ("max revisit", "time"),
    "mean_revisit_s": ("mean revisit", "time"),
    "time_average_gap_s": ("time-average gap", "time"),
    "mean_response_s": ("mean response", "time"),
    "mean_age_of_data_s": ("mean age of data", "time"),
    "max_simultaneous": ("max platforms at once", "count"),
    "best_gsd_m": ("best GSD", "length"),
}

CSV_LEAD_COLUMNS = ("lat", "lon", "depth_km", "along_km", "area_km2")


# ------------------------------------------------------------------------ number formats

def _missing(value) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and not math.isfinite(value))


def format_duration(seconds) -> str:
    """Human-readable duration: '45 s', '2 min 5 s', '3 h 20 min', '1 d 2 h 5 min'.
    Under a minute: whole seconds (one decimal under 10 s); under an hour: minutes and
    seconds; beyond: rounded to the minute. None/NaN -> '-'."""
    if _missing(seconds):
        return "-"
    s = float(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s < 10.0 and round(s, 1) != round(s):
        return f"{sign}{s:.1f} s"
    if round(s) < 60:
        return f"{sign}{round(s):.0f} s"
    if round(s) < 3600:
        total = int(round(s))
        m, sec = divmod(total, 60)
        return f"{sign}{m} min" + (f" {sec} s" if sec else "")
    total_min = int(round(s / 60.0))
    d, rest = divmod(total_min, 1440)
    h, m = divmod(rest, 60)
    parts = ([f"{d} d"] if d else []) + ([f"{h} h"] if h or (d and m) else []) + \
        ([f"{m} min"] if m else [])
    return sign + " ".join(parts)


def format_percent(fraction) -> str:
    return "-" if _missing(fraction) else f"{100.0 * float(fraction):.1f} %"


def format_value(key: str, value) -> str:
    """A figure of merit in its display unit (fractions %, times human-readable)."""
    if _missing(value):
        return "-"
    kind = KEY_INFO.get(key, (key, "count"))[1]
    if kind == "frac":
        return format_percent(value)
    if kind == "time":
        return format_duration(value)
    if kind == "length":
        return f"{float(value):.2f} m"
    v = float(value)
    return f"{v:.0f}" if v == round(v) else f"{v:.2f}"


def _km(value_km, decimals=1) -> str:
    return "-" if _missing(value_km) else f"{float(value_km):,.{decimals}f}"


def border_lengths_m(geography, radius_m: float = 6_371_000.0) -> tuple[Optional[float], Optional[float]]:
    """(map length, official length) of the border in metres. Map length: the geography's
    own figure, else the sum of great-circle arcs between border vertices (R * central
    angle). Official: the geography's figure (e.g. IBWC 3,145 km for us-mexico) or None."""
    map_m = getattr(geography, "map_border_length_m", None)
    if map_m is None:
        lat = getattr(geography, "border_lat_deg", None)
        lon = getattr(geography, "border_lon_deg", None)
        if lat is not None and lon is not None and len(lat) > 1:
            from sim.earth import central_angle_rad, unit_vector
            u = unit_vector(np.asarray(lat), np.asarray(lon))
            map_m = float(radius_m * central_angle_rad(u[1:], u[:-1]).sum())
    return map_m, getattr(geography, "official_border_length_m", None)


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
    start = sc.time.start
    start_text = start.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(start, "strftime") else str(start)
    lines.append(f"Duration:  {format_duration(sc.time.duration_s)} from {start_text}")
    lines.append(f"Engine:    {engine}")
    lines.append(f"Grid:      {n_cells:,} cells of {grid.cell_m / 1000.0:g} km, "
                 f"{area_km2:,.0f} km2")
    map_m, official_m = border_lengths_m(result.geography, sc.earth.radius_m)
    if map_m is not None:
        text = f"map length {map_m / 1000.0:,.0f} km"
        if official_m is not None:
            text += f" (official {official_m / 1000.0:,.0f} km)"
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


# ------------------------------------------------------------------------ atomic writes

@contextlib.contextmanager
def _atomic_file(path, binary: bool = False):
    """Open a temporary file beside `path`; on success rename it to `path`, on any error
    remove it and re-raise (the destination is left untouched)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it the usual mode of a new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else
                                                        {"encoding": "utf-8", "newline": ""})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_json(result, path) -> None:
    """result.to_json_dict() as indented JSON (NaN/inf as null), written atomically."""
    data = _json_safe(result.to_json_dict())
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    with _atomic_file(path) as f:
        f.write(text)


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
    with _atomic_file(path) as f:
        f.write(header + "\n")
        if len(columns[0]):
            f.write("\n".join(",".join(row) for row in zip(*columns)) + "\n")


# ------------------------------------------------------------------------------ PNG map

def _lat_lon_arrays(obj) -> list[np.ndarray]:
    """Flatten a (K,2) [lat, lon] array or (nested) lists of them into a list of (K,2)."""
    if obj is None:
        return []
    if isinstance(obj, np.ndarray) and obj.ndim == 2 and obj.shape[1] == 2:
        return [obj.astype(float)]
    if isinstance(obj, (list, tuple)):
        try:
            arr = np.asarray(obj, dtype=float)
            if arr.ndim == 2 and arr.shape[1] == 2:
                return [arr]
        except (ValueError, TypeError):
            pass
        out = []
        for item in obj:
            out.extend(_lat_lon_arrays(item))
        return out
    return []


def _wrap180(deg):
    """Angles in degrees wrapped to [-180, 180)."""
    return (np.asarray(deg, dtype=float) + 180.0) % 360.0 - 180.0


def _densify(arr: np.ndarray, max_step_deg: float) -> np.ndarray:
    """Insert points linearly in (lat, lon) so that no step exceeds max_step_deg, taking the
    short way in longitude (a step from 179.9 E to 179.9 W is 0.2 deg, not 359.8). NaN rows,
    which break lines, are kept. (K,2) -> (K',2), longitudes in [-180, 180)."""
    arr = np.asarray(arr, dtype=float)
    if len(arr) < 2:
        return arr
    d = np.diff(arr, axis=0)
    d[:, 1] = _wrap180(d[:, 1])
    step = np.abs(d).max(axis=1)
    pieces = np.where(np.isfinite(step), np.ceil(step / max_step_deg), 1).astype(int)
    pieces = np.maximum(pieces, 1)
    if pieces.max() == 1:
        return arr
    idx = np.repeat(np.arange(len(d)), pieces)
    j = np.arange(idx.size) - np.repeat(np.cumsum(pieces) - pieces, pieces) + 1
    f = (j / pieces[idx])[:, None]
    pts = np.where(f >= 1.0, arr[1:][idx], arr[:-1][idx] + d[idx] * f)
    pts[:, 1] = np.where(np.isfinite(pts[:, 1]), _wrap180(pts[:, 1]), pts[:, 1])
    return np.concatenate([arr[:1], pts])


def split_polyline(arr, max_step_m: Optional[float] = None,
                   radius_m: float = 6_371_000.0) -> list[np.ndarray]:
    """Split a (K,2) [lat, lon] polyline into the pieces that may be drawn as one line: it
    is cut at NaN rows (platform inactive) and wherever two consecutive points are more
    than max_step_m apart on the sphere (a jump: a gap in the sampling, another pass, a
    teleport); default max_step_m: 3 x the median of the non-zero steps. Crossing the
    antimeridian is not a cut (the points are close on the sphere). Returns a list of
    (K_i, 2) arrays with K_i >= 2 and no NaN.
    References: great-circle distance R * central angle (atan2 form, sim.earth).
    """
    from sim.earth import central_angle_rad, unit_vector
    arr = np.asarray(arr, dtype=float).reshape(-1, 2)
    if len(arr) < 2:
        return []
    u = unit_vector(arr[:, 0], arr[:, 1])
    d = radius_m * central_angle_rad(u[1:], u[:-1])          # NaN next to NaN rows
    if max_step_m is None:
        fin = d[np.isfinite(d) & (d > 0)]
        max_step_m = 3.0 * float(np.median(fin)) if fin.size else math.inf
    cut = np.nonzero(~(d <= max_step_m))[0] + 1
    bounds = np.concatenate([[0], cut, [len(arr)]])
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        piece = arr[a:b]
        if len(piece) >= 2 and np.isfinite(piece).all():
            out.append(piece)
    return out


def _runs_in_box(x, y, box) -> list[tuple[np.ndarray, np.ndarray]]:
    """Runs of a projected polyline (x, y) (N,) that are drawn in box (x0, x1, y0, y1): a
    point is kept if it or a neighbour is finite and inside, so a line runs on to just past
    the edge (the axes clip it there) and is broken where it leaves the box and comes back
    elsewhere, instead of joining the two places with a straight line."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    fin = np.isfinite(x) & np.isfinite(y)
    inside = fin & (x >= box[0]) & (x <= box[1]) & (y >= box[2]) & (y <= box[3])
    keep = inside.copy()
    keep[1:] |= inside[:-1]
    keep[:-1] |= inside[1:]
    keep &= fin
    out = []
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
        if b - a >= 2:
            out.append((x[a:b], y[a:b]))
    return out


def _grid_centre_reach(grid) -> tuple[np.ndarray, float]:
    """Unit vector of the grid's centre (normalised sum of the cells' vectors) and the
    largest central angle (rad) from it to a cell."""
    from sim.earth import central_angle_rad, normalize
    u = np.asarray(grid.u, dtype=float).reshape(-1, 3)
    if not len(u):
        return np.array([1.0, 0.0, 0.0]), 0.0
    centre = normalize(u.sum(axis=0))
    return centre, float(central_angle_rad(centre, u).max())


def grid_projector(grid) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(lat_deg, lon_deg) -> (x_m, y_m) in the grid's own equal-area plane.

    A sim.grid.Grid (center_lat_deg, center_lon_deg, radius_m) is projected exactly with
    its Lambert azimuthal equal-area map (sim.grid.laea_forward, Snyder eqs. 24-2..24-4).
    A grid giving only x_m/y_m of its cells gets a map fitted to them: a least-squares
    bivariate cubic in (lat - lat0, lon - lon0) (degree lowered for small grids), accurate
    to far below a cell over a grid's region, used to place lines (border, coasts, tracks)
    on the cells. Points much farther from the grid than its own radius (1.25 x, or 1.6 x
    with the exact map, plus 1 deg) become NaN (lines break there) rather than being
    extrapolated. A grid with `project_xy_m(lat, lon)` is
    used directly.
    References: Snyder, Map Projections: A Working Manual (1987), ch. 24 (LAEA); linear
    least squares (numpy.linalg.lstsq) for the fitted map.
    """
    if hasattr(grid, "project_xy_m"):
        return grid.project_xy_m
    from sim.earth import central_angle_rad, normalize, unit_vector
    lat = np.asarray(grid.lat_deg, dtype=float)
    lon = np.asarray(grid.lon_deg, dtype=float)
    x = np.asarray(grid.x_m, dtype=float)
    y = np.asarray(grid.y_m, dtype=float)
    m = len(lat)
    u = np.asarray(grid.u, dtype=float)
    centre = normalize(u.sum(axis=0)) if m else np.array([1.0, 0.0, 0.0])
    reach = float(central_angle_rad(centre, u).max()) if m else 0.0
    limit = reach * 1.25 + math.radians(1.0)
    lat0 = float(np.mean(lat)) if m else 0.0
    lon0 = float(np.degrees(np.arctan2(centre[1], centre[0])))
    degree = 3 if m >= 40 else (1 if m >= 3 else 0)
    sel = np.linspace(0, m - 1, min(m, 20_000)).astype(int) if m else np.zeros(0, int)

    def design(a, b):
        return np.stack([a ** i * b ** j for i in range(degree + 1)
                         for j in range(degree + 1 - i)], axis=-1)

    def wrap(lo):
        return (np.asarray(lo, dtype=float) - lon0 + 180.0) % 360.0 - 180.0

    laea = all(hasattr(grid, a) for a in ("center_lat_deg", "center_lon_deg", "radius_m"))
    if laea:
        from sim.grid import laea_forward
        limit = reach * 1.6 + math.radians(1.0)    # exact map: reach the corners of the view

    if degree > 0 and not laea:
        A = design(lat[sel] - lat0, wrap(lon[sel]))
        scale = np.abs(A).max(axis=0)
        scale[scale == 0] = 1.0
        cx = np.linalg.lstsq(A / scale, x[sel], rcond=None)[0] / scale
        cy = np.linalg.lstsq(A / scale, y[sel], rcond=None)[0] / scale

    def project(lat_deg, lon_deg):
        la = np.asarray(lat_deg, dtype=float)
        lo = np.asarray(lon_deg, dtype=float)
        if laea:
            px, py = laea_forward(la, lo, grid.center_lat_deg, grid.center_lon_deg, grid.radius_m)
        elif degree == 0:
            # a lone cell: a local equirectangular plane about it (km per degree)
            k = math.pi * 6_371_000.0 / 180.0
            px = (x[0] if m else 0.0) + wrap(lo) * k * math.cos(math.radians(lat0))
            py = (y[0] if m else 0.0) + (la - lat0) * k
        else:
            D = design(la - lat0, wrap(lo))
            px, py = D @ cx, D @ cy
        far = central_angle_rad(centre, unit_vector(la, lo)) > limit
        return np.where(far, np.nan, px), np.where(far, np.nan, py)

    return project


def _nice_length_km(span_km: float) -> float:
    """A round scale-bar length about a fifth of the span: 1, 2 or 5 x 10^k km."""
    target = max(span_km / 5.0, 1e-3)
    power = 10.0 ** math.floor(math.log10(target))
    for f in (5.0, 2.0, 1.0):
        if f * power <= target:
            return f * power
    return power


def sample_track(track, duration_s: float, step_m: float, centre_u=None,
                 near_rad: float = math.inf, max_points: int = 300_000
                 ) -> tuple[np.ndarray, float]:
    """A platform's ground track sampled for drawing: (K,2) [lat, lon] with NaN rows where
    the platform is inactive or the track leaves the region of interest, and the bound on
    the ground distance (m) between consecutive samples.

    `track` has state(t_s) -> (position_u (N,3), velocity_m_s (N,3), altitude_m (N,),
    active (N,)) (sim.motion.Track). A coarse pass (4001 times over [0, duration_s]) finds
    the top ground speed v and the coarse intervals with an active end within near_rad +
    v dt / R of centre_u (every interval when centre_u is None); only those are refined,
    each into m equal steps so that v dt / m <= step_m (fewer if the total would pass
    max_points). A ten-day satellite run is thus sampled finely only on its passes over
    the map. Each interval gives its m + 1 samples and then a NaN row where the next
    interval is not refined (a duplicate point otherwise).
    References: distance bound |step| <= v dt (mean-value theorem on the ground path).
    """
    from sim.earth import central_angle_rad, lat_lon_deg
    T = float(duration_s)
    if not T > 0.0:
        return np.zeros((0, 2)), 0.0
    n0 = 4001
    t0 = np.linspace(0.0, T, n0)
    dtc = T / (n0 - 1)
    pos, vel, _, active = track.state(t0)
    active = np.asarray(active, dtype=bool)
    if not active.any():
        return np.zeros((0, 2)), 0.0
    speed = float(np.nanmax(np.linalg.norm(np.asarray(vel)[active], axis=-1)))
    speed = speed if math.isfinite(speed) and speed > 0.0 else 0.0
    radius = float(getattr(track, "radius_m", 6_371_000.0))
    near = active.copy()
    if centre_u is not None and math.isfinite(near_rad):
        ang = central_angle_rad(np.asarray(centre_u, dtype=float), np.asarray(pos)[active])
        near[active] = ang <= near_rad + speed * dtc / radius
    kept = np.nonzero(near[:-1] | near[1:])[0]
    if not kept.size:
        return np.zeros((0, 2)), 0.0
    m = max(1, int(math.ceil(speed * dtc / max(step_m, 1e-9))))
    m = max(1, min(m, max_points // kept.size - 1))
    t = np.minimum(t0[kept][:, None] + dtc * np.arange(m + 1)[None, :] / m, T)
    p, _, _, act = track.state(t.ravel())
    lat, lon = lat_lon_deg(np.where(np.asarray(act, dtype=bool)[:, None], p, np.nan))
    ll = np.stack([lat, lon], axis=-1).reshape(kept.size, m + 1, 2)
    last = ll[:, m:, :].copy()
    brk = np.ones(kept.size, dtype=bool)
    brk[:-1] = kept[1:] != kept[:-1] + 1
    last[brk] = np.nan
    return np.concatenate([ll, last], axis=1).reshape(-1, 2), speed * dtc / m


def _is_satellite(track) -> bool:
    from sim.motion import OrbitSegment
    return any(isinstance(s, OrbitSegment) for s in getattr(track, "once", ()))


def _names_label(kind: str, names: list[str], passes: Optional[int] = None) -> str:
    names = [n for n in names if n]
    text = f"{kind} ground track"
    if names:
        shown = ", ".join(names[:3]) + (f" +{len(names) - 3} more" if len(names) > 3 else "")
        text += f": {shown}"
    if passes is not None:
        text += f" ({passes} pass{'es' if passes != 1 else ''} over the map)"
    return text


SATELLITE_TRACK_STYLE = dict(color="#6e6e6e", linewidth=0.6, alpha=0.55, zorder=6)
AIRCRAFT_TRACK_STYLE = dict(color="black", linewidth=1.1, zorder=7)   # laps overlap: no dashes


def build_map_figure(result, key: str = "time_covered_frac",
                     tracks: Optional[Sequence[np.ndarray]] = None, dpi: int = 120):
    """The matplotlib Figure (Agg canvas, no window) of write_png; see there. Track lines
    carry gid 'track-aircraft' or 'track-satellite' (one Line2D per platform, pieces
    separated by NaN rows)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 7.5), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = draw_map(result, key, fig.add_subplot(1, 1, 1), tracks)
    if len(result.grid.x_m):      # the figure takes the map's aspect (a colour bar beside)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        fig.set_size_inches(10.0, float(np.clip(10.0 * (y1 - y0) / (x1 - x0), 4.0, 10.0)) + 1.0)
    return fig


def draw_map(result, key: str = "time_covered_frac", ax=None,
             tracks: Optional[Sequence[np.ndarray]] = None,
             values: Optional[np.ndarray] = None, label: Optional[str] = None):
    """Draw the map of write_png on a matplotlib Axes (a new pyplot figure when ax is None,
    as a notebook shows it) and return the Axes. `values` ((M,), optional) replaces
    result.cells[key] and is drawn on a diverging scale centred on 0 (a difference of two
    runs), titled `label`."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.transforms import ScaledTranslation
    import matplotlib
    import textwrap

    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.figure(figsize=(10, 7.5)).add_subplot(1, 1, 1)
    fig = ax.figure
    if values is None and key not in result.cells:
        raise KeyError(f"no per-cell figure {key!r}; have {sorted(result.cells)}")
    grid = result.grid
    cmap = "viridis"
    if values is not None:
        values = np.asarray(values, dtype=float)
        finite = np.abs(values[np.isfinite(values)])
        reach = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        label, kind, unit, vmin, vmax, cmap = label or key, "diff", "", -reach, reach, "RdBu"
    else:
        label, kind = KEY_INFO.get(key, (key, "count"))
        values = np.asarray(result.cells[key], dtype=float)
    if kind == "diff":
        pass
    elif kind == "frac":
        values, unit, vmin, vmax = values * 100.0, "%", 0.0, 100.0
    elif kind == "time":
        values, unit = values / 3600.0, "h"
        vmin, vmax = None, None
    elif kind == "length":
        unit, vmin, vmax = "m", None, None
    else:
        unit, vmin, vmax = "", 0.0, None
    x_km = np.asarray(grid.x_m, dtype=float) / 1000.0
    y_km = np.asarray(grid.y_m, dtype=float) / 1000.0
    cell_km = float(grid.cell_m) / 1000.0

    ax.set_facecolor("#dfe9f3")
    handles = []
    if len(x_km):
        # raster of the cells (pixel = one cell, coarser if the raster would be huge)
        pix = cell_km
        nx = int(round((x_km.max() - x_km.min()) / pix)) + 1
        ny = int(round((y_km.max() - y_km.min()) / pix)) + 1
        while nx * ny > 16_000_000:
            pix *= 2.0
            nx = int(round((x_km.max() - x_km.min()) / pix)) + 1
            ny = int(round((y_km.max() - y_km.min()) / pix)) + 1
        ix = np.rint((x_km - x_km.min()) / pix).astype(int)
        iy = np.rint((y_km - y_km.min()) / pix).astype(int)
        extent = (x_km.min() - pix / 2, x_km.max() + pix / 2, y_km.min() - pix / 2, y_km.max() + pix / 2)
        inside = np.zeros((ny, nx))
        inside[iy, ix] = 1.0
        ax.imshow(np.ma.masked_equal(inside, 0.0), origin="lower", extent=extent,
                  cmap=ListedColormap(["#c8c8c8"]), interpolation="nearest", zorder=1)
        raster = np.full((ny, nx), np.nan)
        raster[iy, ix] = values
        finite = values[np.isfinite(values)]
        if vmin is None:
            vmin = float(finite.min()) if finite.size else 0.0
        if vmax is None:
            vmax = float(finite.max()) if finite.size else 1.0
        if vmax <= vmin:
            vmax = vmin + 1.0
        image = ax.imshow(np.ma.masked_invalid(raster), origin="lower", extent=extent,
                          cmap=matplotlib.colormaps[cmap], vmin=vmin, vmax=vmax,
                          interpolation="nearest", zorder=2)
        from mpl_toolkits.axes_grid1 import make_axes_locatable
        bar = fig.colorbar(image, cax=make_axes_locatable(ax).append_axes("right", size="2.5%",
                                                                           pad=0.12))
        bar.set_label(f"{label} ({unit})" if unit else label)

        project = grid_projector(grid)
        geo = result.geography
        radius_m = float(getattr(getattr(result.scenario, "earth", None), "radius_m", 6_371_000.0))

        def project_km(arr):
            arr = _densify(arr, 0.2)
            px, py = project(arr[:, 0], arr[:, 1])
            return np.asarray(px, dtype=float) / 1000.0, np.asarray(py, dtype=float) / 1000.0

        def draw(lines, **style):
            drawn = False
            for arr in lines:
                if len(arr) < 2:
                    continue
                px, py = project_km(arr)
                ax.plot(px, py, **style)
                drawn = True
            return drawn

        land_style = dict(color="#6b4f2a", linewidth=0.8, linestyle=":", zorder=3)
        if draw(_lat_lon_arrays(getattr(geo, "own_land", None)) +
                _lat_lon_arrays(getattr(geo, "neighbour_land", None)), **land_style):
            handles.append(Line2D([], [], label="country outline", **land_style))
        coast_style = dict(color="#1f5fa8", linewidth=1.0, zorder=4)
        if draw(_lat_lon_arrays(getattr(geo, "coastlines", None)), **coast_style):
            handles.append(Line2D([], [], label="coastline", **coast_style))
        lat_b = getattr(geo, "border_lat_deg", None)
        lon_b = getattr(geo, "border_lon_deg", None)
        border_style = dict(color="#c0392b", linewidth=2.0, zorder=5)
        if lat_b is not None and draw([np.stack([np.asarray(lat_b, float),
                                                 np.asarray(lon_b, float)], axis=-1)],
                                      **border_style):
            handles.append(Line2D([], [], label="border", **border_style))

        # ground tracks: (name, satellite?, pieces in km). Cut at inactive spans and at
        # jumps > 3 x the sampling distance; aircraft tracks widen the view, satellite
        # tracks (many passes) are clipped to it.
        view = [extent[0], extent[1], extent[2], extent[3]]
        span_km = max(view[1] - view[0], view[3] - view[2], cell_km)
        centre, reach = _grid_centre_reach(grid)
        platform_tracks = []        # (name, is_satellite, [(x_km, y_km), ...])
        if tracks is not None:
            for t in tracks:
                pieces = split_polyline(np.asarray(t, dtype=float), None, radius_m)
                platform_tracks.append(("", False, [project_km(p) for p in pieces]))
        else:
            T = float(result.scenario.time.duration_s)
            for track in getattr(result, "tracks", None) or []:
                if not hasattr(track, "state"):
                    continue
                sat = _is_satellite(track)
                arr, spacing = sample_track(track, T, span_km * 1000.0 / 400.0,
                                            centre_u=centre if sat else None,
                                            near_rad=reach * 1.6 + math.radians(1.0))
                pieces = split_polyline(arr, 3.0 * spacing * (1 + 1e-6) + 1e-3, radius_m)
                platform_tracks.append((getattr(track, "platform_name", ""), sat,
                                        [project_km(p) for p in pieces]))
        for _, sat, pieces in platform_tracks:
            if sat:
                continue
            for px, py in pieces:        # keep aircraft tracks (often outside the grid) in view
                ok = np.isfinite(px) & np.isfinite(py)
                if ok.any():
                    view[0] = min(view[0], float(px[ok].min()))
                    view[1] = max(view[1], float(px[ok].max()))
                    view[2] = min(view[2], float(py[ok].min()))
                    view[3] = max(view[3], float(py[ok].max()))
        span_x = view[1] - view[0]
        span_y = view[3] - view[2]
        margin = 0.05 * max(span_x, span_y, cell_km)
        box = (view[0] - margin, view[1] + margin, view[2] - margin, view[3] + margin)
        names = {True: [], False: []}
        passes = 0
        for name, sat, pieces in platform_tracks:
            runs = [r for px, py in pieces for r in _runs_in_box(px, py, box)]
            if not runs:
                continue
            xs = np.concatenate([np.append(r[0], np.nan) for r in runs])
            ys = np.concatenate([np.append(r[1], np.nan) for r in runs])
            style = SATELLITE_TRACK_STYLE if sat else AIRCRAFT_TRACK_STYLE
            ax.plot(xs, ys, gid="track-satellite" if sat else "track-aircraft", **style)
            names[sat].append(name)
            passes += len(runs) if sat else 0
        if names[False]:
            handles.append(Line2D([], [], label=_names_label(
                "aircraft" if tracks is None else "platform", names[False]),
                **AIRCRAFT_TRACK_STYLE))
        if names[True]:
            sat_handle = dict(SATELLITE_TRACK_STYLE, linewidth=1.0, alpha=0.8)
            handles.append(Line2D([], [], label=_names_label("satellite", names[True], passes),
                                  **sat_handle))

        # view: the grid plus a margin; scale bar in the lower left
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        length = _nice_length_km(span_x + 2 * margin)
        x0 = box[0] + 0.04 * (span_x + 2 * margin)
        y0 = box[2] + 0.04 * (span_y + 2 * margin)
        ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, zorder=8,
                solid_capstyle="butt")
        ax.text(x0 + length / 2, y0 + 0.012 * (span_y + 2 * margin), f"{length:g} km",
                ha="center", va="bottom", fontsize=9, zorder=8,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.8))
    else:
        ax.text(0.5, 0.5, "the grid has no cells", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_aspect("equal")
    ax.set_xlabel("x (km, equal-area)")
    ax.set_ylabel("y (km, equal-area)")
    engine = result.engine + (f", step {format_duration(result.step_s)}"
                              if result.engine == "stepped" and result.step_s else "")
    name = textwrap.fill(str(result.scenario.name), 80)
    ax.set_title(f"{name}\n{label}, "
                 f"{format_duration(result.scenario.time.duration_s)} ({engine})", fontsize=11)
    if handles:
        # below the axes (under the x label), never over the map
        below = ax.transAxes + ScaledTranslation(0.0, -42.0 / 72.0, fig.dpi_scale_trans)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  bbox_transform=below, ncol=min(len(handles), 3 if len(handles) > 4 else 4),
                  fontsize=8, frameon=False)
    return ax


def write_png(result, path, key: str = "time_covered_frac",
              tracks: Optional[Sequence[np.ndarray]] = None, dpi: int = 120) -> None:
    """A map of one per-cell figure in the grid's equal-area x/y plane (km): cells coloured
    by `key` with a colour bar, the border, coastlines, country land outlines, platform
    ground tracks, a km scale bar, a title and a legend (below the map). Drawn with
    matplotlib's Agg canvas (no window), written atomically.

    `tracks`: (K,2) [lat, lon] arrays (drawn as aircraft tracks, cut at NaN rows and at
    steps > 3 x their median step); default: result.tracks sampled with sample_track, cut
    at inactive spans and at jumps > 3 x the sampling distance. Aircraft tracks are solid
    black and widen the view; satellite tracks (orbits: many passes over days) are thin and light,
    clipped to the grid's view, and their passes over the map counted in the legend.
    """
    fig = build_map_figure(result, key, tracks, dpi)
    with _atomic_file(path, binary=True) as f:
        fig.savefig(f, format="png", bbox_inches="tight", pad_inches=0.15)
