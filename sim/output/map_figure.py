"""The coverage map: one per-cell figure of a run on the grid's equal-area plane (km), with
what a reader needs to read it: cells coloured on a scale fitted to the figure, never-seen
cells grey and labelled, the border, coasts, country names, a lat/lon graticule, the
depth-band lines, the territorial-sea limit, each platform's ground track in its own
colour, every airspace violation, a scale bar and a legend.

Front-end code: matplotlib is imported inside the functions (importing this module loads
none of it). Geometry (projection, polylines, track sampling): sim/output/map_geometry.py. The
figures themselves are defined in docs/figures.md.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from sim.output.files import atomic_file
from sim.output.formats import KEY_INFO, format_duration
from sim.output.map_geometry import (densify, grid_centre_reach, grid_projector, is_satellite,
                                     lat_lon_arrays, nice_length_km, runs_in_box, sample_track,
                                     split_polyline)
from sim.world.earth import unit_vector
from sim.world.geography import AIRSPACE_INTERNATIONAL, AIRSPACE_NEIGHBOUR, AIRSPACE_OWN
from sim.world.grid import laea_inverse

MAP_FORMATS = ("png", "svg", "pdf")          # matplotlib writes these without extra packages

SEA_COLOUR = "#dfe9f3"
NEVER_SEEN_COLOUR = "#9a9a9a"
NO_VALUE_COLOUR = "#d4d4d4"
BORDER_STYLE = dict(color="#c0392b", linewidth=2.0, zorder=5)
COAST_STYLE = dict(color="#1f5fa8", linewidth=1.0, zorder=4)
LAND_STYLE = dict(color="#6b4f2a", linewidth=0.8, linestyle=":", zorder=3)
BAND_STYLE = dict(colors="#202020", linewidths=0.7, linestyles="--", zorder=3.5)
SEA_LIMIT_STYLE = dict(color="#1f5fa8", linewidth=1.0, linestyle=(0, (4, 2)), zorder=4)
GRATICULE_STYLE = dict(color="#5a5a5a", linewidth=0.5, linestyle=":", alpha=0.7, zorder=2.5)
# One colour per platform (none of them the border's red or the never-seen grey); each
# track gets a white halo so it stands out on any cell colour.
TRACK_COLOURS = ("#000000", "#ff7f0e", "#e040fb", "#00bcd4", "#8c564b", "#3f51b5",
                 "#cddc39", "#f48fb1")
AIRCRAFT_LINEWIDTH = 1.3
SATELLITE_TRACK_STYLE = dict(linewidth=0.6, alpha=0.55, zorder=6)


def map_format(path) -> str:
    """The image format of a map file from its suffix ('png', 'svg' or 'pdf'); ValueError
    naming the formats for any other suffix (a '.jpg' name must not get PNG bytes). '-'
    (standard output) is PNG."""
    if os.fspath(path) == "-":
        return "png"
    suffix = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if suffix not in MAP_FORMATS:
        raise ValueError(f"unknown map format {('.' + suffix) if suffix else '(no suffix)'}: "
                         f"give a name ending in {', '.join('.' + f for f in MAP_FORMATS)}")
    return suffix


# ------------------------------------------------------------------------ colour scale

@dataclass
class ColourScale:
    """Display values (M,), their label and unit, and the colour range."""
    values: np.ndarray
    label: str
    unit: str
    vmin: float
    vmax: float
    cmap: str = "viridis"


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k that is >= x (x > 0): a
    round top of a scale that leaves at most a fifth of it unused."""
    if not x > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(x))
    for f in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if f * power >= x * (1 - 1e-12):
            return f * power
    return 10.0 * power


def colour_scale(result, key: str, values=None, label=None) -> ColourScale:
    """The colour scale of a figure, fitted to its values: fractions in % from 0 to a round
    value at or above the largest (not always 100 %), times in min or h from 0, counts from
    0 to the largest, lengths between the smallest and largest. Explicit `values` (a
    difference of two runs) get a diverging scale centred on 0."""
    if values is not None:
        values = np.asarray(values, dtype=float)
        finite = np.abs(values[np.isfinite(values)])
        reach = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        return ColourScale(values, label or key, "", -reach, reach, "RdBu")
    name, kind = KEY_INFO.get(key, (key, "count"))
    values = np.asarray(result.cells[key], dtype=float)
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    if kind == "frac":
        return ColourScale(values * 100.0, name, "%", 0.0, min(nice_ceiling(top * 100.0), 100.0))
    if kind == "time":
        scale, unit = (60.0, "min") if top < 2 * 3600.0 else (3600.0, "h")
        return ColourScale(values / scale, name, unit, 0.0, nice_ceiling(top / scale))
    if kind == "length":
        low = float(finite.min()) if finite.size else 0.0
        return ColourScale(values, name, "m", low, top if top > low else low + 1.0)
    return ColourScale(values, name, "", 0.0, max(top, 1.0))


# ------------------------------------------------------------------------------ frame

@dataclass
class MapFrame:
    """What every layer needs: the axes, the cells' raster and the projection to km.

    ix, iy: (M,) raster column and row of each cell; pix_km: raster pixel side; extent:
    (x0, x1, y0, y1) km of the raster; project_km(lat_lon (K,2)) -> (x_km (K,), y_km (K,))."""
    ax: object
    result: object
    ix: np.ndarray
    iy: np.ndarray
    nx: int
    ny: int
    pix_km: float
    extent: tuple
    project_km: Callable
    radius_m: float
    obstacles: list = field(default_factory=list)    # (K,2) km: drawn lines labels avoid

    def raster(self, values: np.ndarray) -> np.ndarray:
        """(ny, nx) raster of per-cell values, NaN off the grid."""
        out = np.full((self.ny, self.nx), np.nan)
        out[self.iy, self.ix] = values
        return out

    def pixel_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x_km (nx,), y_km (ny,) of the raster's pixel centres."""
        x0, _, y0, _ = self.extent
        return (x0 + self.pix_km * (np.arange(self.nx) + 0.5),
                y0 + self.pix_km * (np.arange(self.ny) + 0.5))


def make_frame(ax, result) -> MapFrame:
    """The raster layout (one pixel per cell, coarser if it would pass 16 million pixels)
    and the grid's projection."""
    grid = result.grid
    x_km = np.asarray(grid.x_m, dtype=float) / 1000.0
    y_km = np.asarray(grid.y_m, dtype=float) / 1000.0
    pix = float(grid.cell_m) / 1000.0

    def size(p):
        return (int(round((x_km.max() - x_km.min()) / p)) + 1,
                int(round((y_km.max() - y_km.min()) / p)) + 1)
    nx, ny = size(pix)
    while nx * ny > 16_000_000:
        pix *= 2.0
        nx, ny = size(pix)
    ix = np.rint((x_km - x_km.min()) / pix).astype(int)
    iy = np.rint((y_km - y_km.min()) / pix).astype(int)
    extent = (x_km.min() - pix / 2, x_km.max() + pix / 2, y_km.min() - pix / 2, y_km.max() + pix / 2)
    project = grid_projector(grid)

    def project_km(lat_lon):
        arr = densify(lat_lon, 0.2)
        px, py = project(arr[:, 0], arr[:, 1])
        return np.asarray(px, dtype=float) / 1000.0, np.asarray(py, dtype=float) / 1000.0

    return MapFrame(ax, result, ix, iy, nx, ny, pix, extent, project_km,
                    float(result.scenario.earth.radius_m))


# ------------------------------------------------------------------------------ layers

def draw_cells(frame: MapFrame, scale: ColourScale, never_seen: Optional[np.ndarray]):
    """The cells: never-seen ones grey, seen cells without a value (NaN: e.g. no imaging
    sensor for best GSD) light grey, the rest on the colour scale. Returns (image,
    legend handles)."""
    import matplotlib
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    ax, handles = frame.ax, []
    values = np.array(scale.values, dtype=float)
    never = np.zeros(values.size, bool) if never_seen is None else np.asarray(never_seen, bool)
    no_value = ~never & ~np.isfinite(values)
    values[never] = np.nan
    area_km2 = np.asarray(frame.result.grid.area_m2, dtype=float) / 1e6
    for mask, colour, text in ((never, NEVER_SEEN_COLOUR,
                                f"never seen ({area_km2[never].sum():,.0f} km2)"),
                               (no_value, NO_VALUE_COLOUR, "seen, no value for this figure")):
        if mask.any():
            ax.imshow(np.ma.masked_invalid(frame.raster(np.where(mask, 1.0, np.nan))),
                      origin="lower", extent=frame.extent, cmap=ListedColormap([colour]),
                      interpolation="nearest", zorder=1)
            handles.append(Patch(facecolor=colour, edgecolor="none", label=text))
    image = ax.imshow(np.ma.masked_invalid(frame.raster(values)), origin="lower",
                      extent=frame.extent, cmap=matplotlib.colormaps[scale.cmap],
                      vmin=scale.vmin, vmax=scale.vmax, interpolation="nearest", zorder=2)
    return image, handles


def draw_colour_bar(frame: MapFrame, image, scale: ColourScale) -> None:
    from mpl_toolkits.axes_grid1 import make_axes_locatable
    cax = make_axes_locatable(frame.ax).append_axes("right", size="2.5%", pad=0.12)
    bar = frame.ax.figure.colorbar(image, cax=cax)
    bar.set_label(f"{scale.label} ({scale.unit})" if scale.unit else scale.label)


def _draw_lines(frame: MapFrame, lines, **style) -> bool:
    drawn = False
    for arr in lines:
        if len(arr) >= 2:
            px, py = frame.project_km(arr)
            frame.ax.plot(px, py, **style)
            drawn = True
    return drawn


def draw_geography(frame: MapFrame) -> list:
    """Country outlines, coastlines and the border; their legend handles."""
    from matplotlib.lines import Line2D
    geo, handles = frame.result.geography, []
    if _draw_lines(frame, lat_lon_arrays(geo.own_land) + lat_lon_arrays(geo.neighbour_land),
                   **LAND_STYLE):
        handles.append(Line2D([], [], label="country outline", **LAND_STYLE))
    if _draw_lines(frame, lat_lon_arrays(geo.coastlines), **COAST_STYLE):
        handles.append(Line2D([], [], label="coastline", **COAST_STYLE))
    border = np.stack([np.asarray(geo.border_lat_deg, float),
                       np.asarray(geo.border_lon_deg, float)], axis=-1)
    if _draw_lines(frame, [border], **BORDER_STYLE):
        handles.append(Line2D([], [], label="border", **BORDER_STYLE))
    return handles


def draw_band_lines(frame: MapFrame) -> list:
    """The depth-band edges (grid.bands) as labelled contours of the cells' distance from
    the border; edges at or beyond the grid's own extent (its outer edge) are left out."""
    from matplotlib.lines import Line2D
    grid_spec = frame.result.scenario.grid
    bands_m = grid_spec.bands_m
    extent_km = float(grid_spec.extent_m) / 1000.0
    if not bands_m or frame.nx < 2 or frame.ny < 2:
        return []
    dist_km = frame.raster(np.abs(np.asarray(frame.result.grid.depth_m, dtype=float)) / 1000.0)
    finite = dist_km[np.isfinite(dist_km)]
    if not finite.size:
        return []
    levels = [b / 1000.0 for b in bands_m if finite.min() < b / 1000.0 < finite.max()]
    levels = [v for v in levels if v < min(finite.max(), extent_km) - frame.pix_km]
    if not levels:
        return []
    xs, ys = frame.pixel_centres()
    lines = frame.ax.contour(xs, ys, np.ma.masked_invalid(dist_km), levels=levels, **BAND_STYLE)
    frame.ax.clabel(lines, fmt=lambda v: f"{v:g} km", fontsize=7, inline=True)
    frame.obstacles += [p.vertices for p in lines.get_paths() if len(p.vertices)]
    style = dict(color=BAND_STYLE["colors"], linewidth=BAND_STYLE["linewidths"],
                 linestyle=BAND_STYLE["linestyles"])
    return [Line2D([], [], label="depth bands (km from the border)", **style)]


def _view_lat_lon(frame: MapFrame, box, n: int):
    """xs (n,), ys (n,) km of an n x n lattice over the view box and its (lat_deg,
    lon_deg) (n, n) each (rows along y), by the grid's inverse map."""
    grid = frame.result.grid
    xs = np.linspace(box[0], box[1], n)
    ys = np.linspace(box[2], box[3], n)
    X, Y = np.meshgrid(xs, ys)
    lat, lon = laea_inverse(X * 1000.0, Y * 1000.0, grid.center_lat_deg, grid.center_lon_deg,
                            grid.radius_m)
    return xs, ys, lat, lon


@dataclass
class AirspaceLattice:
    """The geography's airspace code (0 own, 1 international, 2 neighbour national) on an
    n x n lattice over the view: xs (n,), ys (n,) km, code (n, n) int8 (rows along y)."""
    xs: np.ndarray
    ys: np.ndarray
    code: np.ndarray


def airspace_lattice(frame: MapFrame, box, n: int = 240) -> AirspaceLattice:
    """The geography's airspace on an n x n lattice over the view box."""
    xs, ys, lat, lon = _view_lat_lon(frame, box, n)
    code = frame.result.geography.airspace(unit_vector(lat.ravel(), lon.ravel()))
    return AirspaceLattice(xs, ys, np.asarray(code).reshape(lat.shape))


def draw_territorial_sea(frame: MapFrame, lattice: AirspaceLattice) -> list:
    """The outer limit of national airspace at sea (the territorial sea, UNCLOS arts. 2-3):
    the edge of international airspace, a contour of the airspace code on the lattice."""
    from matplotlib.lines import Line2D
    international = (lattice.code == AIRSPACE_INTERNATIONAL).astype(float)
    if international.min() == international.max():
        return []
    style = dict(SEA_LIMIT_STYLE)
    frame.ax.contour(lattice.xs, lattice.ys, international, levels=[0.5],
                     colors=style.pop("color"), linewidths=style.pop("linewidth"),
                     linestyles=[style.pop("linestyle")], zorder=style.pop("zorder"))
    nmi = float(frame.result.geography.territorial_sea_m) / 1852.0
    return [Line2D([], [], label=f"territorial-sea limit ({nmi:g} nmi): national airspace inside",
                   **SEA_LIMIT_STYLE)]


def platform_tracks(frame: MapFrame, tracks, span_km: float) -> list:
    """(name, is_satellite, pieces [(x_km, y_km)], group) per platform. Given `tracks`
    ((K,2) [lat, lon] arrays) are cut at NaN rows and long steps; else result.tracks are
    sampled (sim.output.map_geometry.sample_track) finely for the view, satellites only near the
    grid. Platforms of one class flying the same track spec (sorties of a surge, phased
    drones) share a group: their lines coincide, so they share a colour and a legend entry."""
    out = []
    if tracks is not None:
        for k, t in enumerate(tracks):
            pieces = split_polyline(np.asarray(t, dtype=float), None, frame.radius_m)
            out.append((f"track {k + 1}" if len(tracks) > 1 else "ground track", False,
                        [frame.project_km(p) for p in pieces], k))
        return out
    T = float(frame.result.scenario.time.duration_s)
    centre, reach = grid_centre_reach(frame.result.grid)
    specs = {p.name: p for p in frame.result.scenario.platforms}
    for k, track in enumerate(frame.result.tracks):
        sat = is_satellite(track)
        arr, spacing = sample_track(track, T, span_km * 1000.0 / 400.0,
                                    centre_u=centre if sat else None,
                                    near_rad=reach * 1.6 + math.radians(1.0))
        pieces = split_polyline(arr, 3.0 * spacing * (1 + 1e-6) + 1e-3, frame.radius_m)
        name = track.platform_name
        spec = specs.get(name)
        group = (spec.class_id, spec.altitude_m, spec.track) if spec is not None else k
        out.append((name, sat, [frame.project_km(p) for p in pieces], group))
    return out


def view_box(frame: MapFrame, tracks: list) -> tuple:
    """The grid's extent widened to every aircraft track (often outside the grid; satellite
    tracks are clipped to the view instead), plus a 5 % margin."""
    view = list(frame.extent)
    for _, sat, pieces, _ in tracks:
        for px, py in ([] if sat else pieces):
            ok = np.isfinite(px) & np.isfinite(py)
            if ok.any():
                view = [min(view[0], float(px[ok].min())), max(view[1], float(px[ok].max())),
                        min(view[2], float(py[ok].min())), max(view[3], float(py[ok].max()))]
    margin = 0.05 * max(view[1] - view[0], view[3] - view[2], frame.pix_km)
    return (view[0] - margin, view[1] + margin, view[2] - margin, view[3] + margin)


def _group_label(names: list[str], sat: bool, passes: int) -> str:
    if len(names) == 1:
        text = names[0]
    elif len(names) <= 3:
        text = ", ".join(names) + " (same track)"
    else:
        text = f"{names[0]} ... {names[-1]}: {len(names)} platforms on one track"
    if sat:
        text += f": satellite, {passes} pass{'es' if passes != 1 else ''} over the map"
    return text


def draw_tracks(frame: MapFrame, tracks: list, box) -> list:
    """Each platform's track in its group's own colour (white halo), one legend entry per
    group naming its platforms; satellites thin and light with their passes over the map
    counted. Line gids: 'track-aircraft' or 'track-satellite' (one Line2D per platform,
    NaN-separated runs)."""
    from matplotlib import patheffects
    from matplotlib.lines import Line2D
    groups: dict = {}          # group -> (style, names, [passes], is_satellite), drawing order
    for name, sat, pieces, group in tracks:
        runs = [r for px, py in pieces for r in runs_in_box(px, py, box)]
        if not runs:
            continue
        if group not in groups:
            colour = TRACK_COLOURS[len(groups) % len(TRACK_COLOURS)]
            halo = [patheffects.withStroke(linewidth=AIRCRAFT_LINEWIDTH + 1.6, foreground="white")]
            style = (dict(SATELLITE_TRACK_STYLE, color=colour) if sat else
                     dict(color=colour, linewidth=AIRCRAFT_LINEWIDTH, zorder=7, path_effects=halo))
            groups[group] = (style, [], [0], sat)
        style, names, passes, _ = groups[group]
        names.append(name)
        passes[0] += len(runs)
        xs = np.concatenate([np.append(r[0], np.nan) for r in runs])
        ys = np.concatenate([np.append(r[1], np.nan) for r in runs])
        frame.ax.plot(xs, ys, gid="track-satellite" if sat else "track-aircraft", **style)
        if not sat:
            ok = np.isfinite(xs) & np.isfinite(ys)
            frame.obstacles.append(np.stack([xs[ok], ys[ok]], axis=-1))
    return [Line2D([], [], label=_group_label(names, sat, passes[0]),
                   **dict(style, linewidth=max(style["linewidth"], 1.0), alpha=1.0))
            for style, names, passes, sat in groups.values()]


def draw_violations(frame: MapFrame) -> list:
    """Every airspace violation: a marker at its deepest point, labelled with the platform
    and how far inside it went (once per place: repeated laps enter at the same point)."""
    from matplotlib.lines import Line2D
    places: dict = {}
    for p in frame.result.platforms or []:
        for v in p.get("airspace_violations") or []:
            key = (p.get("name", ""), round(float(v["lat"]), 2), round(float(v["lon"]), 2))
            places.setdefault(key, []).append(v)
    style = dict(marker="X", markersize=9, color="#d50000", markeredgecolor="white",
                 markeredgewidth=1.0, linestyle="none", zorder=9)
    drawn = 0
    for (name, _, _), entries in places.items():
        v = max(entries, key=lambda e: e.get("max_inside_km", 0.0))
        px, py = frame.project_km(np.array([[v["lat"], v["lon"]]], dtype=float))
        if not (np.isfinite(px[0]) and np.isfinite(py[0])):
            continue
        frame.ax.plot(px, py, gid="airspace-violation", **style)
        times = f" ({len(entries)} entries)" if len(entries) > 1 else ""
        frame.ax.annotate(f"{name}: {v.get('max_inside_km', float('nan')):.1f} km inside{times}",
                          (px[0], py[0]), xytext=(6, 6), textcoords="offset points",
                          fontsize=8, color="#b00000", zorder=9,
                          bbox=dict(boxstyle="round,pad=0.15", facecolor="white",
                                    edgecolor="none", alpha=0.8))
        drawn += len(entries)
    if not drawn:
        return []
    return [Line2D([], [], label=f"airspace violation, deepest point ({drawn})", **style)]


def _nice_step_deg(span_deg: float) -> float:
    for step in (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0):
        if span_deg / step <= 7:
            return step
    return 30.0


def _lat_lon_range(frame: MapFrame, box):
    """Latitude and longitude spans of the view, from an inverse-projected lattice."""
    _, _, lat, lon = _view_lat_lon(frame, box, 60)
    return float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())


def draw_graticule(frame: MapFrame, box) -> None:
    """Parallels and meridians at a round step, labelled where they enter the view (left
    edge for latitudes, top edge for longitudes: the scale bar is at the bottom)."""
    lat0, lat1, lon0, lon1 = _lat_lon_range(frame, box)
    if lon1 - lon0 > 180.0:             # the view straddles the antimeridian: not labelled
        return
    step = _nice_step_deg(max(lat1 - lat0, lon1 - lon0))
    text = dict(fontsize=7, color="#3a3a3a", zorder=8, clip_on=True,
                bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.7))
    for along_lat in (True, False):
        lo, hi = (lat0, lat1) if along_lat else (lon0, lon1)
        for v in np.arange(math.ceil(lo / step) * step, hi + 1e-9, step):
            t = np.linspace(lon0 if along_lat else lat0, lon1 if along_lat else lat1, 200)
            ll = np.stack([np.full_like(t, v), t] if along_lat else [t, np.full_like(t, v)], axis=-1)
            px, py = frame.project_km(ll)
            for rx, ry in runs_in_box(px, py, box):
                frame.ax.plot(rx, ry, **GRATICULE_STYLE)
                inside = (rx >= box[0]) & (rx <= box[1]) & (ry >= box[2]) & (ry <= box[3])
                if not inside.any():
                    continue
                # not where a label would run off the right edge
                inside &= rx <= box[1] - 0.06 * (box[1] - box[0])
                if not inside.any():
                    continue
                k = int(np.argmin(np.where(inside, rx, np.inf)) if along_lat
                        else np.argmax(np.where(inside, ry, -np.inf)))
                hemi = ("N" if v >= 0 else "S") if along_lat else ("E" if v >= 0 else "W")
                frame.ax.text(rx[k], ry[k], f"{abs(v):g}°{hemi}", ha="left",
                              va="center" if along_lat else "top", **text)


def label_spot(lattice: AirspaceLattice, code: int,
               obstacles: Sequence[np.ndarray] = ()) -> Optional[tuple[float, float]]:
    """The lattice point of airspace `code` with the most room: farthest from any other
    code, from the view's edges (a Euclidean distance transform) and from the drawn lines
    in `obstacles` ((K,2) km arrays); None when the code is not in view."""
    from scipy.ndimage import distance_transform_edt
    from scipy.spatial import cKDTree
    mine = np.pad(lattice.code == code, 1, constant_values=False)
    if not mine.any():
        return None
    step_km = max(abs(lattice.xs[1] - lattice.xs[0]), abs(lattice.ys[1] - lattice.ys[0]))
    room = distance_transform_edt(mine)[1:-1, 1:-1] * step_km
    points = [o for o in obstacles if len(o)]
    if points:
        X, Y = np.meshgrid(lattice.xs, lattice.ys)
        rows, cols = np.nonzero(room > 0)
        gap = cKDTree(np.concatenate(points)).query(np.stack([X[rows, cols], Y[rows, cols]], -1))[0]
        room[rows, cols] = np.minimum(room[rows, cols], 2.0 * gap)
    row, col = np.unravel_index(int(np.argmax(room)), room.shape)
    return float(lattice.xs[col]), float(lattice.ys[row])


def draw_country_names(frame: MapFrame, lattice: AirspaceLattice) -> None:
    """The own and the neighbour country's names, each deep inside its own airspace."""
    geo = frame.result.geography
    for name, code in ((geo.own_name, AIRSPACE_OWN), (geo.neighbour_name, AIRSPACE_NEIGHBOUR)):
        spot = label_spot(lattice, code, frame.obstacles)
        if spot is not None:
            # under the lines and their labels (zorder 3 and up), over the cells
            frame.ax.text(spot[0], spot[1], name.upper(), ha="center", va="center", fontsize=11,
                          fontweight="bold", color="#3b2a14", zorder=2.8, gid="country-name",
                          bbox=dict(boxstyle="round,pad=0.25", facecolor="white",
                                    edgecolor="none", alpha=0.5))


def draw_scale_bar(frame: MapFrame, box) -> None:
    """A round-length km bar in the lower left (an obstacle for the country names)."""
    ax = frame.ax
    span_x, span_y = box[1] - box[0], box[3] - box[2]
    length = nice_length_km(span_x)
    x0, y0 = box[0] + 0.04 * span_x, box[2] + 0.04 * span_y
    frame.obstacles.append(np.stack([np.linspace(x0, x0 + length, 20),
                                     np.full(20, y0 + 0.03 * span_y)], axis=-1))
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, zorder=8,
            solid_capstyle="butt")
    ax.text(x0 + length / 2, y0 + 0.012 * span_y, f"{length:g} km", ha="center", va="bottom",
            fontsize=9, zorder=8,
            bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.8))


def draw_title_and_legend(ax, result, label: str, handles: list) -> None:
    """Title (scenario, figure, duration, engine) and the legend below the map."""
    import textwrap
    from matplotlib.transforms import ScaledTranslation
    engine = result.engine + (f", step {format_duration(result.step_s)}"
                              if result.engine == "stepped" and result.step_s else "")
    name = textwrap.fill(str(result.scenario.name), 80)
    ax.set_title(f"{name}\n{label}, {format_duration(result.scenario.time.duration_s)} "
                 f"({engine})", fontsize=11)
    if handles:
        # below the axes (under the x label), never over the map
        below = ax.transAxes + ScaledTranslation(0.0, -42.0 / 72.0, ax.figure.dpi_scale_trans)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  bbox_transform=below, ncol=3 if len(handles) > 4 else min(len(handles), 4),
                  fontsize=8, frameon=False)


# --------------------------------------------------------------------------- the map

def draw_map(result, key: str = "time_covered_frac", ax=None,
             tracks: Optional[Sequence[np.ndarray]] = None,
             values: Optional[np.ndarray] = None, label: Optional[str] = None):
    """Draw the map of one per-cell figure on a matplotlib Axes (a new pyplot figure when
    ax is None, as a notebook shows it) and return the Axes. `values` ((M,), optional)
    replaces result.cells[key] and is drawn on a diverging scale centred on 0 (a difference
    of two runs), titled `label`. `tracks`: (K,2) [lat, lon] arrays drawn instead of the
    result's own tracks (cut at NaN rows and long steps)."""
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.figure(figsize=(10, 7.5)).add_subplot(1, 1, 1)
    if values is None and key not in result.cells:
        raise KeyError(f"no per-cell figure {key!r}; have {sorted(result.cells)}")
    scale = colour_scale(result, key, values, label)
    ax.set_facecolor(SEA_COLOUR)
    handles = []
    if len(result.grid.x_m):
        frame = make_frame(ax, result)
        never = None
        if values is None and "ever_covered_frac" in result.cells:
            never = ~(np.asarray(result.cells["ever_covered_frac"]) > 0)
        image, cell_handles = draw_cells(frame, scale, never)
        draw_colour_bar(frame, image, scale)
        handles += draw_geography(frame)
        handles += draw_band_lines(frame)
        span_km = max(frame.extent[1] - frame.extent[0], frame.extent[3] - frame.extent[2])
        tracks_km = platform_tracks(frame, tracks, span_km)
        box = view_box(frame, tracks_km)
        lattice = airspace_lattice(frame, box)
        handles += draw_territorial_sea(frame, lattice)
        handles += draw_tracks(frame, tracks_km, box)
        handles += draw_violations(frame)
        handles += cell_handles
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        draw_graticule(frame, box)
        draw_scale_bar(frame, box)
        draw_country_names(frame, lattice)
    else:
        ax.text(0.5, 0.5, "the grid has no cells", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_aspect("equal")
    ax.set_xlabel("x (km, equal-area)")
    ax.set_ylabel("y (km, equal-area)")
    draw_title_and_legend(ax, result, scale.label, handles)
    return ax


def build_map_figure(result, key: str = "time_covered_frac",
                     tracks: Optional[Sequence[np.ndarray]] = None, dpi: int = 120):
    """The matplotlib Figure (Agg canvas, no window) of the map of `key` (draw_map), sized
    to the map's aspect with the colour bar beside it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(10, 7.5), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = draw_map(result, key, fig.add_subplot(1, 1, 1), tracks)
    if len(result.grid.x_m):
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        fig.set_size_inches(10.0, float(np.clip(10.0 * (y1 - y0) / (x1 - x0), 4.0, 10.0)) + 1.0)
    return fig


def write_png(result, path, key: str = "time_covered_frac",
              tracks: Optional[Sequence[np.ndarray]] = None, dpi: int = 120) -> None:
    """The map of one per-cell figure in the format its name's suffix
    says (png, svg or pdf; ValueError for any other), written atomically."""
    fmt = map_format(path)
    fig = build_map_figure(result, key, tracks, dpi)
    with atomic_file(path, binary=True) as f:
        fig.savefig(f, format=fmt, bbox_inches="tight", pad_inches=0.15)
