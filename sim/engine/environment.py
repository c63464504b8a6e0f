"""What the world adds to a sensor's geometry: night, cloud and terrain masks.

An `Environment` is built once per run from the scenario and the grid (and shared by runs
that differ only in platforms). It holds the three world models (sim/world/daylight.py,
clouds.py, terrain.py) and knows which of them can stop which sensor. The access engines
first find where a sensor's geometry (sim/platforms/sensors.py) sees a cell, then ask
`Environment.allows(spec, t, platform_u, altitude_m, cell_index)` on paired samples and
refine every change of the answer:

1. Daylight applies to sensors with needs_daylight (the cell must be sunlit).
2. Clouds apply to sensors blocked_by_clouds when the weather has a cloud fraction > 0.
3. Terrain (scenario.terrain "etopo5" or a file) applies to every sensor: the line of sight
   must clear the terrain, and each cell's own horizon and slant-range limits apply with its
   elevation added to the target height (Sensor.within_own_reach): the sensor geometry
   admits cells out to the limits of the highest cell, and a cell on a plateau is then
   seen as far as its own height allows.

The engines treat the two kinds of mask differently. Night and cloud change with time (they
break the repetition of laps): `night_and_cloud_allow`, refined by sampling at
`night_and_cloud_step_s` (the smaller of the models' steps: the mask changes at most once
between samples) and bisecting. Terrain depends only on where the platform is (a lap
repeats it exactly): `terrain_allows`, cut out of one lap before the laps are shifted by
sim/engine/terrain_refine.py, with a proven rate bound.

Shapes: t_s (K,), platform_u (K, 3) unit sub-platform vectors, altitude_m (K,) or scalar,
cell_index (K,) ints into the grid; results (K,) bool.
"""
from __future__ import annotations

import math
import threading

import numpy as np

from sim.errors import Problem, ScenarioError
from sim.platforms.sensors import Sensor
from sim.schema import Scenario, SensorSpec, TerrainSpec
from sim.world import earth as E
from sim.world.clouds import CloudField
from sim.world.daylight import Daylight
from sim.world.terrain import Terrain, observer_height_m
from sim.world.terrain_file import TERRAIN_FILE_FIX, TerrainFileError


class Environment:
    """Night, cloud and terrain for one grid. Built once; read-only after (the caches are
    locked), so threads and runs that differ only in platforms share it.

    Attributes:
      daylight: Daylight; clouds: CloudField, or None without clouds (no weather, a zero
        cloud fraction or no cells); terrain: Terrain, or None without terrain.
      cells_u (M, 3); cell_elevation_m (M,): terrain elevation of each grid cell in metres
        (0 without terrain; sea clamped to 0).
    """

    def __init__(self, scenario: Scenario, grid):
        self.earth = scenario.earth
        self.cells_u = np.asarray(grid.u, dtype=float).reshape(-1, 3)
        m = self.cells_u.shape[0]
        self.daylight = Daylight(self.cells_u, E.julian_date(scenario.time.start),
                                 float(scenario.time.duration_s))
        weather = scenario.weather
        self.clouds = (CloudField(self.cells_u, weather, int(scenario.seed), self.earth.radius_m)
                       if weather is not None and weather.cloud_fraction > 0.0 and m > 0
                       else None)
        self.terrain = None
        self.cell_elevation_m = np.zeros(m)
        if scenario.terrain.source != "none":
            self.terrain = self._load_terrain(scenario.terrain)
            self.cell_elevation_m = self.terrain.cell_elevation_m
        self._sensors: dict[SensorSpec, Sensor] = {}
        self._lock = threading.Lock()

    def _load_terrain(self, spec: TerrainSpec) -> Terrain:
        """The scenario's terrain. The loader has read a terrain file already and reported
        any problem at the `terrain:` key's line; read again here, it can fail only when the
        file changed since, or when the Scenario was built without the loader: the error
        then names the file itself (it has no lines)."""
        try:
            return Terrain.from_spec(spec, self.cells_u, self.earth.radius_m,
                                     self.earth.refraction_k)
        except TerrainFileError as exc:
            raise ScenarioError(Problem(str(spec.path), 0, 0, "", "",
                                        f"{exc.rule} (read when the run started)",
                                        TERRAIN_FILE_FIX)) from None

    # ============================================================ which masks apply

    def night_or_cloud_applies(self, spec: SensorSpec) -> bool:
        """Whether night or cloud can hide cells from this sensor: it needs daylight, or it
        is blocked by clouds and there are clouds."""
        return bool(spec.needs_daylight or (spec.blocked_by_clouds and self.clouds is not None))

    def any_mask_applies(self, spec: SensorSpec) -> bool:
        """Whether night, cloud or terrain can hide cells from this sensor (terrain, when
        there is some, applies to every sensor)."""
        return self.night_or_cloud_applies(spec) or self.terrain is not None

    # ============================================================ the masks

    def allows(self, spec: SensorSpec, t_s, platform_u, altitude_m, cell_index) -> np.ndarray:
        """True where night, clouds and terrain do not stop `spec` seeing the cell at t.

        Paired rows: t_s (K,) seconds from time.start, platform_u (K, 3) unit sub-platform
        vectors, altitude_m (K,) or scalar metres above the sphere (sea level), cell_index
        (K,) int grid indices. Returns (K,) bool. Rows that no mask applies to are True.
        """
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        ok = self.night_and_cloud_allow(spec, t_s, cell_index)
        if self.terrain is not None:
            rows = np.nonzero(ok)[0]
            if rows.size:
                k = cell_index.size
                p = np.broadcast_to(np.asarray(platform_u, dtype=float), (k, 3))[rows]
                h = np.broadcast_to(np.asarray(altitude_m, dtype=float), (k,))[rows]
                ok[rows] = self.terrain_allows(spec, p, h, cell_index[rows])
        return ok

    def night_and_cloud_allow(self, spec: SensorSpec, t_s, cell_index) -> np.ndarray:
        """(K,) bool: neither night nor cloud hides the paired (t_s, cell_index) rows from
        `spec` (True where neither applies to it)."""
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        t = np.broadcast_to(np.asarray(t_s, dtype=float), cell_index.shape)
        ok = np.ones(cell_index.size, dtype=bool)
        if cell_index.size == 0:
            return ok
        if spec.needs_daylight:
            ok &= self.daylight.sunlit(t, cell_index)
        if spec.blocked_by_clouds and self.clouds is not None:
            rows = np.nonzero(ok)[0]
            if rows.size:
                ok[rows] = ~self.clouds.cloudy(t[rows], cell_index[rows])
        return ok

    def terrain_allows(self, spec: SensorSpec, platform_u, altitude_m, cell_index) -> np.ndarray:
        """(K,) bool: the cell is within its own horizon and slant range (its elevation
        added to the target height) and terrain does not block the line of sight, for the
        paired rows (all True without terrain)."""
        cell_index = np.asarray(cell_index, dtype=np.int64).reshape(-1)
        if self.terrain is None or cell_index.size == 0:
            return np.ones(cell_index.size, dtype=bool)
        k = cell_index.size
        p = np.broadcast_to(np.asarray(platform_u, dtype=float), (k, 3))
        h = np.broadcast_to(np.asarray(altitude_m, dtype=float), (k,))
        cos_lam = np.einsum("...i,...i->...", p, self.cells_u[cell_index])
        ok = self.sensor_of(spec).within_own_reach(cos_lam, h, self.cell_elevation_m[cell_index])
        rows = np.flatnonzero(ok)
        if rows.size:
            ok[rows] = ~self.terrain.blocked(p[rows], h[rows], cell_index[rows],
                                             observer_height_m(spec.target_height_m),
                                             spec.radio)
        return ok

    def night_and_cloud_step_s(self, spec: SensorSpec) -> float:
        """Sampling step (s) at which night and cloud change at most once between samples
        for this sensor: the smaller of the steps of those that apply (inf when none)."""
        steps = [math.inf]
        if spec.needs_daylight:
            steps.append(self.daylight.step_s)
        if spec.blocked_by_clouds and self.clouds is not None:
            steps.append(self.clouds.step_s)
        return float(min(steps))

    def sensor_of(self, spec: SensorSpec) -> Sensor:
        """The sensor geometry of spec (sim.platforms.sensors), for each cell's own horizon
        and slant range with terrain (Sensor.within_own_reach)."""
        with self._lock:
            if spec not in self._sensors:
                self._sensors[spec] = Sensor(spec, self.earth)
            return self._sensors[spec]
