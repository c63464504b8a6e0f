"""What the window shows, without pygame: the scenario, its engine, the map's geometry in the
grid's own equal-area plane (metres), the cell lattice, and the coverage layers computed in a
background thread so that the map appears at once and the layers fill in.

World coordinates are the grid's Lambert azimuthal equal-area (x_m, y_m) (sim.world.grid.laea_forward,
Snyder 1987 eqs. 24-2..24-4): cells are squares of cell_m there, with integer lattice columns
and rows, so a per-cell array is an image of nx x ny pixels.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from sim.world import earth as E
from sim.world.grid import laea_forward
from sim.engine.airspace import airspace_violations
from sim.engine.intervals import sorted_by_cell_start
from sim.engine.runner import Engine
from sim.view.footprint import footprint_shape, reference_polygons
from sim.view.layers import IncrementalLayers, UnionOnCells, _Rows

# Okabe & Ito (2008) colour-blind-safe qualitative palette, without its black and yellow
# (black is the map's ink; yellow vanishes on the light land), then Paul Tol's wine and a
# brown (no grey: it would read as "never seen").
PLATFORM_COLOURS = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (0, 114, 178),
                    (204, 121, 167), (213, 94, 0), (136, 34, 85), (150, 110, 40))
TRAIL_S = 1800.0            # simulated seconds of trail behind each platform
TRAIL_N = 40                # trail points
# The layers keep spare room for the largest edit any one platform could make: the rows of
# every platform on the cells that platform sees, times EDIT_ROOM_FACTOR (its new position
# may see more). They are built, and compacted in the background after an edit when less
# than that is left, with room for ROOM_EDITS such edits (so not after every edit).
EDIT_ROOM_FACTOR = 1.5
ROOM_EDITS = 2
AIRSPACE_CODES = ("international sea", "own land", "neighbour land", "own territorial sea",
                  "neighbour territorial sea")


@dataclass
class Lattice:
    """Integer positions of the cells in the LAEA lattice: column ix (M,), row iy (M,) (row 0
    south), nx x ny cells, the lattice origin (x0_m, y0_m) at the centre of cell (0, 0)."""
    ix: np.ndarray
    iy: np.ndarray
    nx: int
    ny: int
    x0_m: float
    y0_m: float
    cell_m: float

    @staticmethod
    def of(grid) -> "Lattice":
        if grid.size == 0:
            return Lattice(np.zeros(0, int), np.zeros(0, int), 1, 1, 0.0, 0.0, float(grid.cell_m))
        cell = float(grid.cell_m)
        x0, y0 = float(grid.x_m.min()), float(grid.y_m.min())
        ix = np.rint((grid.x_m - x0) / cell).astype(np.int64)
        iy = np.rint((grid.y_m - y0) / cell).astype(np.int64)
        return Lattice(ix, iy, int(ix.max()) + 1, int(iy.max()) + 1, x0, y0, cell)

    def cell_at(self, x_m: float, y_m: float, index: np.ndarray) -> int:
        """The cell index at a world point, or -1; index: (nx, ny) int array of cell
        numbers (-1 outside the region)."""
        i = int(round((x_m - self.x0_m) / self.cell_m))
        j = int(round((y_m - self.y0_m) / self.cell_m))
        if 0 <= i < self.nx and 0 <= j < self.ny:
            return int(index[i, j])
        return -1


@dataclass
class Coverage:
    """The layers' data once the engine has finished: union of every source's intervals."""
    layers: IncrementalLayers
    per_platform_cells: list = field(default_factory=list)
    wall_s: float = 0.0


class Scene:
    """One loaded scenario. The constructor is quick (geography, grid, tracks); start()
    launches the interval computation in a thread; `coverage` is None until it is done."""

    def __init__(self, scenario, path: Optional[str] = None):
        self.scenario = scenario
        self.path = path
        self.engine = Engine(scenario)
        self.grid = self.engine.grid
        self.geography = self.engine.geography
        self.lattice = Lattice.of(self.grid)
        self.cell_index = np.full((self.lattice.nx, self.lattice.ny), -1, dtype=np.int64)
        self.cell_index[self.lattice.ix, self.lattice.iy] = np.arange(self.grid.size)
        self.duration_s = float(scenario.time.duration_s)
        self.colours = [PLATFORM_COLOURS[i % len(PLATFORM_COLOURS)]
                        for i in range(len(scenario.platforms))]
        self._shapes: dict = {}
        self._states = None
        self._centre_reach = None
        self._sorted_by_cell: dict = {}
        self._bounds = None
        self.land = None          # sim.view.basemap.MapImage over twice the map, once computed
        self.coverage: Optional[Coverage] = None
        self.progress = 0.0
        self.error: Optional[str] = None
        self._thread: Optional[threading.Thread] = None
        self.violations = [self._violations(i) for i in range(len(scenario.platforms))]

    # ------------------------------------------------------------------ projection
    def project(self, lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray]:
        """(lat, lon) degrees -> world (x_m, y_m) in the grid's LAEA plane."""
        g = self.grid
        return laea_forward(lat_deg, lon_deg, g.center_lat_deg, g.center_lon_deg, g.radius_m)

    def project_u(self, u: np.ndarray) -> np.ndarray:
        """Unit vectors (..., 3) -> world (..., 2) metres."""
        lat, lon = E.lat_lon_deg(u)
        x, y = self.project(lat, lon)
        return np.stack([x, y], axis=-1)

    def unproject(self, x_m, y_m):
        from sim.world.grid import laea_inverse
        g = self.grid
        return laea_inverse(x_m, y_m, g.center_lat_deg, g.center_lon_deg, g.radius_m)

    # ------------------------------------------------------------------ computing
    def start(self) -> None:
        """Compute every platform's intervals and the layers in a background thread."""
        self._thread = threading.Thread(target=self._compute, daemon=True)
        self._thread.start()

    def wait(self, timeout_s: Optional[float] = None) -> bool:
        """Wait for the background work (layers and land map)."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        if getattr(self, "_land_thread", None) is not None:
            self._land_thread.join(timeout_s)
        return self.coverage is not None

    def wait_land(self) -> None:
        """Wait for the land/sea map only (start_land)."""
        if getattr(self, "_land_thread", None) is not None:
            self._land_thread.join()

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _compute(self) -> None:
        try:
            t0 = time.perf_counter()
            self.progress = 0.05
            self.engine.solve_all()
            self.progress = 0.5
            self.coverage = self.build_coverage(t0)
            self.progress = 1.0
        except Exception as error:     # shown in the window; the map stays usable
            self.error = f"{type(error).__name__}: {error}"

    def build_coverage(self, t0: float) -> Coverage:
        """Union of all sources' intervals -> IncrementalLayers (engine intervals cached)."""
        sources = self.engine.all_full_intervals(lambda f: setattr(self, "progress", 0.5 + 0.3 * f))
        per_platform = [np.zeros(self.grid.size, dtype=bool) for _ in self.scenario.platforms]
        for i, _, iv in sources:
            per_platform[i][iv.cell] = True
        rows = _Rows.union_of([iv for _, _, iv in sources])
        for _, _, iv in sources:            # a what-if then reads them without checking
            self._sorted_by_cell[id(iv)] = (iv, sorted_by_cell_start(iv))
        self.progress = 0.9
        n_rows = np.bincount(rows.cell, minlength=self.grid.size)
        return Coverage(IncrementalLayers(rows, self.grid.size,
                                          room_rows=ROOM_EDITS * _edit_room_rows(
                                              n_rows, per_platform)),
                        per_platform, time.perf_counter() - t0)

    # ------------------------------------------------------------------ platforms
    def states(self, t_s: float):
        """Per platform: (position_u (3,), velocity (3,), altitude_m, active, trail) at t_s,
        trail: world (TRAIL_N, 2) positions over the last TRAIL_S seconds (NaN inactive).
        One track.state call per platform and one projection for all trails (this runs
        every frame, on the drawing thread); the last answer is kept (asked several times
        per frame)."""
        if self._states is not None and self._states[0] == t_s:
            return self._states[1]
        times = np.linspace(max(t_s - TRAIL_S, 0.0), t_s, TRAIL_N)
        states = [track.state(times) for track in self.engine.tracks]
        trails = np.full((len(states), TRAIL_N, 2), np.nan)
        if states:
            active = np.stack([act for _, _, _, act in states])
            if active.any():
                trails[active] = self.project_u(np.stack([pos for pos, _, _, _ in states])[active])
        out = [(pos[-1], vel[-1], float(alt[-1]), bool(act[-1]), trails[i])
               for i, (pos, vel, alt, act) in enumerate(states)]
        self._states = (t_s, out)
        return out

    def footprint(self, i: int, j: int, altitude_m: float) -> list[np.ndarray]:
        """Reference polygons of sensor j of platform i at an altitude (cached)."""
        key = (i, j, round(altitude_m, 1), id(self.engine.sensors[i][j]))
        if key not in self._shapes:
            shape = footprint_shape(self.engine.sensors[i][j], altitude_m)
            self._shapes[key] = reference_polygons(shape)
        return self._shapes[key]

    def phase(self, i: int, t_s: float, active: bool) -> str:
        """What platform i is doing at t: transit, on station, returning, in orbit, ..."""
        spec, track = self.scenario.platforms[i], self.engine.tracks[i]
        if spec.kind == "satellite":
            return "in orbit"
        if not active:
            return "on the ground" if t_s > 0 else "not yet flying"
        for a, b in self.violations[i]:
            if a <= t_s <= b:
                return "VIOLATION"
        if track.lap and track.lap_window_s[0] <= t_s <= track.lap_window_s[1]:
            return "on station"
        if track.lap and t_s < track.lap_window_s[0]:
            return "transit"
        if track.lap and t_s > track.lap_window_s[1]:
            return "returning"
        return "on route"

    def _violations(self, i: int) -> list[tuple[float, float]]:
        spec = self.scenario.platforms[i]
        if spec.kind == "satellite" or self.scenario.airspace.overflight != "forbidden":
            return []
        rows = airspace_violations(self.engine.tracks[i], self.geography, self.duration_s)
        return [(r["start_s"], r["end_s"]) for r in rows]

    def swath_half_width_m(self, i: int) -> float:
        """Ground half-width (m) of the widest sensor of platform i at its altitude: the
        largest central angle it can see (Sensor.central_angle_limits_rad) times R."""
        alt = self.scenario.platforms[i].altitude_m
        reach = [s.central_angle_limits_rad(alt)[1] for s in self.engine.sensors[i]]
        reach = [r for r in reach if np.isfinite(r)]
        return float(max(reach)) * self.grid.radius_m if reach else 0.0

    def planned_track(self, i: int, step_m: float) -> np.ndarray:
        """World (K, 2) polyline of platform i's path over the window, NaN rows at breaks;
        satellites only where they pass near the map."""
        from sim.output.map_geometry import grid_centre_reach, sample_track
        track = self.engine.tracks[i]
        sat = self.scenario.platforms[i].kind == "satellite"
        if self._centre_reach is None:
            self._centre_reach = grid_centre_reach(self.grid)
        centre, reach = self._centre_reach
        ll, _ = sample_track(track, self.duration_s, step_m, centre_u=centre if sat else None,
                             near_rad=reach * 1.3 + math.radians(1.0))
        if not len(ll):
            return np.zeros((0, 2))
        x, y = self.project(ll[:, 0], ll[:, 1])
        return np.stack([x, y], axis=-1)

    def band_edges(self) -> list[tuple[float, np.ndarray]]:
        """Depth-band limits as map lines: per band edge (km from the border), (S, 2, 2)
        world segments, the cell sides between lattice neighbours on either side of it."""
        lat, g = self.lattice, self.grid
        edges_m = list(self.scenario.grid.bands_m)[:-1]
        band = np.searchsorted(edges_m, np.abs(g.depth_m), side="right")
        out = []
        half = 0.5 * lat.cell_m
        for k, edge_m in enumerate(edges_m):
            segments = []
            for di, dj in ((1, 0), (0, 1)):
                i2, j2 = lat.ix + di, lat.iy + dj
                ok = (i2 < lat.nx) & (j2 < lat.ny)
                other = np.full(g.size, -1)
                other[ok] = self.cell_index[i2[ok], j2[ok]]
                has = other >= 0
                cross = np.zeros(g.size, dtype=bool)
                cross[has] = (band[has] <= k) != (band[other[has]] <= k)
                c = np.flatnonzero(cross)
                x = lat.x0_m + lat.ix[c] * lat.cell_m + di * half
                y = lat.y0_m + lat.iy[c] * lat.cell_m + dj * half
                a = np.stack([x - dj * half, y - di * half], axis=-1)
                b = np.stack([x + dj * half, y + di * half], axis=-1)
                segments.append(np.stack([a, b], axis=1))
            out.append((edge_m / 1000.0, np.concatenate(segments)))
        return out

    # ------------------------------------------------------------------ map background
    def airspace_raster(self, bounds_m: tuple[float, float, float, float], nx: int, ny: int
                        ) -> np.ndarray:
        """(nx, ny) uint8 codes of AIRSPACE_CODES over world bounds (x0, x1, y0, y1), column
        0 west, row 0 north (image order): land of each country, its territorial sea
        (national airspace over the sea, UNCLOS arts. 2-3), international sea."""
        x0, x1, y0, y1 = bounds_m
        xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
        ys = y1 - (np.arange(ny) + 0.5) * (y1 - y0) / ny
        X, Y = np.meshgrid(xs, ys, indexing="ij")
        lat, lon = self.unproject(X.ravel(), Y.ravel())
        u = E.unit_vector(lat, lon)
        land = self.geography._classify(u)
        air = self.geography.airspace(u)
        code = np.zeros(u.shape[0], dtype=np.uint8)
        code[land == 1] = 1
        code[land == 2] = 2
        code[(land == 0) & (air == 0)] = 3
        code[(land == 0) & (air == 2)] = 4
        return code.reshape(nx, ny)

    def start_land(self, samples: int) -> None:
        """Compute the land/sea raster (and the terrain's relief) over twice the map's bounds
        in a thread (`samples` along its longer side); `land` is None until it is done."""
        from sim.view.basemap import map_image
        b = self.map_bounds_m()
        pad = 0.5 * max(b[1] - b[0], b[3] - b[2])
        bounds = (b[0] - pad, b[1] + pad, b[2] - pad, b[3] + pad)
        span = max(bounds[1] - bounds[0], bounds[3] - bounds[2])
        nx = max(int(samples * (bounds[1] - bounds[0]) / span), 2)
        ny = max(int(samples * (bounds[3] - bounds[2]) / span), 2)

        def work():
            try:
                self.land = map_image(self, bounds, nx, ny)
            except Exception as error:       # the map stays usable without it
                self.error = f"land/sea map: {type(error).__name__}: {error}"
        self._land_thread = threading.Thread(target=work, daemon=True)
        self._land_thread.start()

    def map_bounds_m(self) -> tuple[float, float, float, float]:
        """World bounds holding the grid, the border and every aircraft's track, plus 5 %."""
        if self._bounds is None:
            self._bounds = self._compute_bounds()
        return self._bounds

    def _compute_bounds(self) -> tuple[float, float, float, float]:
        xs, ys = [], []
        if self.grid.size:
            xs += [self.grid.x_m.min(), self.grid.x_m.max()]
            ys += [self.grid.y_m.min(), self.grid.y_m.max()]
        bx, by = self.project(self.geography.border_lat_deg, self.geography.border_lon_deg)
        xs += [np.nanmin(bx), np.nanmax(bx)]
        ys += [np.nanmin(by), np.nanmax(by)]
        for i, spec in enumerate(self.scenario.platforms):
            if spec.kind == "satellite":
                continue
            pos, _, _, act = self.engine.tracks[i].state(np.linspace(0, self.duration_s, 400))
            if act.any():
                xy = self.project_u(pos[act])
                xs += [xy[:, 0].min(), xy[:, 0].max()]
                ys += [xy[:, 1].min(), xy[:, 1].max()]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        pad = 0.05 * max(x1 - x0, y1 - y0, 1.0)
        return x0 - pad, x1 + pad, y0 - pad, y1 + pad

    # ------------------------------------------------------------------ what-if
    def start_whatif(self, index: int, scenario) -> None:
        """Replace platform `index` by scenario.platforms[index] and rebuild the layers in a
        thread: only that platform's intervals are recomputed (Engine.replace_platform);
        the others come from the engine's cache. The old layers show until then."""
        self._thread = threading.Thread(target=self._whatif, args=(index, scenario), daemon=True)
        self._thread.start()

    def _whatif(self, index: int, scenario) -> None:
        try:
            t0 = time.perf_counter()
            engine = self.engine
            old_mask = self.coverage.per_platform_cells[index]    # the cells it saw
            engine.replace_platform(index, scenario.platforms[index])
            self.scenario = engine.scenario
            self._states = None
            self._shapes = {k: v for k, v in self._shapes.items() if k[0] != index}
            new = [engine.full_intervals(index, j) for j in range(len(engine.sensors[index]))]
            new_mask = self._cells_of(new)
            affected = old_mask | new_mask
            sources = [self._sorted_source(engine.full_intervals(i, j), affected)
                       for i in range(len(engine.tracks)) for j in range(len(engine.sensors[i]))]
            old = self.coverage
            layers = old.layers.replaced(affected, UnionOnCells(sources, np.flatnonzero(affected)))
            per_platform = list(old.per_platform_cells)
            per_platform[index] = new_mask
            installed = Coverage(layers, per_platform, time.perf_counter() - t0)
            self.coverage = installed
            self.layers_ready_s = time.perf_counter()        # what-if time ends here
            self.violations[index] = self._violations(index)
            # While the user looks at the result (the scene stays busy, so no drag starts
            # meanwhile): sort the edit's event stream, and when the largest edit may no
            # longer fit the buffers, make room.
            room = _edit_room_rows(layers.n_rows, per_platform)
            if layers.spare_rows < room:
                finished = layers.compacted(room_rows=ROOM_EDITS * room)
            else:
                finished = layers.with_sorted_streams()
            if self.coverage is installed:
                self.coverage = replace(installed, layers=finished)
        except Exception as error:
            self.error = f"{type(error).__name__}: {error}"

    def _sorted_source(self, iv, mask: np.ndarray):
        """iv when it is sorted by (cell, start) (checked once per cached object: the
        engine's are), else its intervals on the mask's cells, sorted: a source for
        UnionOnCells."""
        key = id(iv)
        if key not in self._sorted_by_cell:
            self._sorted_by_cell[key] = (iv, sorted_by_cell_start(iv))
        return iv if self._sorted_by_cell[key][1] else iv.take(mask[iv.cell]).merged()

    def _cells_of(self, intervals) -> np.ndarray:
        """(M,) bool: cells that any of these intervals covers."""
        mask = np.zeros(self.grid.size, dtype=bool)
        for iv in intervals:
            mask[iv.cell] = True
        return mask


def _edit_room_rows(n_rows: np.ndarray, per_platform_cells: list) -> int:
    """Spare rows for the largest edit one platform could make: EDIT_ROOM_FACTOR times
    the most rows (n_rows (M,) per cell) on the cells any one platform sees (M,) bool."""
    most = max((int(n_rows[cells].sum()) for cells in per_platform_cells), default=0)
    return int(EDIT_ROOM_FACTOR * most)
