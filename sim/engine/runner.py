"""Run a scenario: geography, grid, tracks, sensors -> intervals -> figures -> Result.

`run(scenario)` is the public entry point (re-exported as sim.run). It never prints; a
front end may pass `progress(fraction)` to show a bar. `Engine` keeps each platform's
intervals in an IntervalCache (sim/engine/interval_cache.py) so that one platform can be
recomputed while the others stay (what-if editing in the window).
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
import time as _time
from typing import Callable, Optional

import numpy as np
from scipy.spatial import cKDTree

from sim.engine import budget
from sim import memory
from sim.engine.access import SourceIntervals, refine_intervals, source_intervals
from sim.engine.intervals import Intervals
from sim.engine.environment import Environment
from sim.engine.interval_cache import IntervalCache
from sim.engine.figures import (build_timeline, exact_cell_figures, platform_rows,
                                region_tables, run_warnings)
from sim.engine.result import Result
from sim.world.geography import build_geography
from sim.world.grid import build_grid
from sim.engine.laps import LapCopies, daylight_by_copies
from sim.platforms.tracks import build_track
from sim.schema import PlatformSpec, Scenario
from sim.platforms.sensors import build_sensors
from sim.engine.terrain_refine import terrain_cut


class World:
    """What a run builds from the scenario's non-platform sections: geography, grid, the
    grid's KD-tree and the environment (daylight, clouds, terrain). Runs that differ only in
    platforms (a sweep over altitude or phase, a dragged track) share one World; nothing in
    it changes after it is built. The environment is built on first use, under a lock (one
    World may serve several threads)."""

    def __init__(self, scenario: Scenario):
        self.key = World.key_of(scenario)
        self.geography = build_geography(scenario.geography, scenario.earth)
        self.grid = build_grid(scenario.grid, self.geography, scenario.earth)
        # Unbalanced, non-compact: builds about twice as fast; the engine queries it only
        # once per track segment.
        self.tree = (cKDTree(self.grid.u, balanced_tree=False, compact_nodes=False)
                     if self.grid.u.shape[0] else None)
        self._scenario = scenario
        self._environment = None
        self._lock = threading.Lock()

    @staticmethod
    def key_of(scenario: Scenario) -> tuple:
        """Every section a World depends on: all but platforms, airspace and the texts, and
        the seed only when there are clouds (its one use)."""
        clouds = scenario.weather is not None and scenario.weather.cloud_fraction > 0
        return (scenario.earth, scenario.geography, scenario.grid, scenario.time,
                scenario.terrain, scenario.weather, scenario.seed if clouds else None)

    @property
    def environment(self) -> Environment:
        """Night, cloud and terrain of this World (shared by its runs)."""
        with self._lock:
            if self._environment is None:
                self._environment = Environment(self._scenario, self.grid)
        return self._environment


class Engine:
    """Holds the scenario's geography, grid, tracks, sensors and environment, and each
    platform's access intervals (an IntervalCache), so that changing one platform
    recomputes only that platform. `world` (optional) is a World built from a scenario with
    the same non-platform sections, reused instead of building one."""

    def __init__(self, scenario: Scenario, world: Optional[World] = None):
        if world is None:
            world = World(scenario)
        elif world.key != World.key_of(scenario):
            raise ValueError("this World was built for a scenario whose sections other than "
                             "platforms differ")
        self.scenario = scenario
        self.world = world
        self.geography, self.grid, self.tree = world.geography, world.grid, world.tree
        self.tracks = [build_track(p, scenario, self.geography) for p in scenario.platforms]
        self._cache = IntervalCache()
        self._environment = None
        self.sensors = [self._sensors_of(p) for p in scenario.platforms]

    def _sensors_of(self, platform: PlatformSpec):
        """The platform's sensors; with terrain, their geometry reaches as far as the
        highest cell could be seen (each cell's own limit is the terrain mask's)."""
        top = 0.0
        if self.scenario.terrain.source != "none" and self.n_cells:
            top = float(self.environment.cell_elevation_m.max())
        return build_sensors(platform.sensors, self.scenario.earth, top)

    @property
    def n_cells(self) -> int:
        return int(self.grid.u.shape[0])

    @property
    def window_s(self) -> tuple[float, float]:
        return 0.0, float(self.scenario.time.duration_s)

    @property
    def environment(self):
        """Daylight, clouds and terrain (built on first use)."""
        if self._environment is None:
            self._environment = self.world.environment
        return self._environment

    def night_or_cloud_applies(self, i: int, j: int) -> bool:
        """Whether night or cloud can hide cells from sensor j of platform i: masks that
        change with time, so the sensor's laps no longer repeat."""
        return self.environment.night_or_cloud_applies(self.sensors[i][j].spec)

    def lap_and_once_intervals(self, i: int) -> list[SourceIntervals]:
        """One SourceIntervals (lap + one-off intervals) per sensor of platform i (cached),
        with terrain line of sight applied: it depends only on the platform's position, so
        one lap refined once holds for every lap."""
        return self._cache.lap_and_once(i, self._solve_platform)

    def _solve_platform(self, i: int) -> list[SourceIntervals]:
        """Platform i's SourceIntervals, one per sensor, computed (not cached)."""
        out = []
        for sensor in self.sensors[i]:
            if self.tree is None:
                out.append(SourceIntervals(Intervals.empty(), Intervals.empty(), 0.0, 0.0,
                                           (0.0, 0.0)))
                continue
            src = source_intervals(self.tracks[i], sensor, self.grid.u, self.tree,
                                   self.window_s, self._night_skip(sensor.spec))
            if self.environment.terrain is not None:
                src = self._apply_terrain(i, sensor, src)
            out.append(src)
        return out

    def _night_skip(self, spec):
        """For a daylight-only sensor: a test that a satellite's coarse sample can see no
        sunlit cell. Every cell within angle r of the sub-point p has a solar elevation at
        most elev(p) + r, so samples with elev(p) + r < 0 are skipped (exact: the daylight
        mask still cuts what remains). None for other sensors."""
        if not spec.needs_daylight:
            return None
        env = self.environment

        def sample_ok(t_s, sub_u, radius_rad):
            sin_elev = np.einsum("ij,ij->i", sub_u, env.daylight.sun_u(t_s))
            return np.arcsin(np.clip(sin_elev, -1.0, 1.0)) + radius_rad >= 0.0
        return sample_ok

    def _apply_terrain(self, i: int, sensor, src: SourceIntervals) -> SourceIntervals:
        """Cut terrain line of sight out of one sensor's lap and one-off intervals
        (sim/engine/terrain_refine.py)."""
        env, spec, track = self.environment, sensor.spec, self.tracks[i]
        lap = terrain_cut(env, spec, list(track.lap), src.lap) if track.lap and src.lap.size else src.lap
        once_segments = [s for s in (seg.clipped(*self.window_s) for seg in track.once) if s is not None]
        once = (terrain_cut(env, spec, once_segments, src.once)
                if once_segments and src.once.size else src.once)
        return SourceIntervals(lap.merged(), once.merged(), src.period_s, src.origin_s, src.lap_window_s)

    def _reach_rad(self, i: int) -> float:
        """Largest central angle any sensor of platform i sees at its first segment's
        altitude (a cost proxy for ordering work)."""
        track = self.tracks[i]
        segments = list(track.lap) + list(track.once)
        if not segments or not self.sensors[i]:
            return 0.0
        alt = segments[0].altitude_m
        return max(float(s.central_angle_limits_rad(alt)[1]) for s in self.sensors[i])

    def solve_all(self) -> None:
        """Solve every platform's intervals, platforms in parallel threads (numpy releases
        the GIL in the heavy array work; each platform writes only its own cache entry)."""
        todo = self._cache.unsolved(range(len(self.tracks)))
        # Longest first, so that no long job starts last while the other cores idle:
        # satellites (new passes every orbit), then by the ground each sensor can reach.
        todo.sort(key=lambda i: (self.scenario.platforms[i].kind != "satellite",
                                 -self._reach_rad(i)))
        workers = min(len(todo), os.cpu_count() or 1)
        if workers <= 1:
            for i in todo:
                self.lap_and_once_intervals(i)
            return
        _ = self.environment     # shared by the threads: build it once before they start
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(self.lap_and_once_intervals, todo))

    def full_intervals(self, i: int, j: int, cell_mask: Optional[np.ndarray] = None) -> Intervals:
        """Every interval of sensor j of platform i over the window, with the environment's
        masks applied (terrain already in the sources; night and cloud refined here by
        sampling + bisection: sim.engine.access.refine_intervals). Cached for the whole
        grid; with a cell_mask ((M,) bool) computed afresh, only on those cells."""
        def expand() -> Intervals:
            return self.apply_night_and_cloud(
                i, j, self.lap_and_once_intervals(i)[j].full(cell_mask), True)
        return expand() if cell_mask is not None else self._cache.full(i, j, expand)

    def replace_platform(self, index: int, platform: PlatformSpec) -> None:
        """Swap one platform (e.g. a dragged track) and drop only its cached intervals."""
        from dataclasses import replace
        platforms = list(self.scenario.platforms)
        platforms[index] = platform
        # the loader's warnings described the file's platforms: stale after the swap
        self.scenario = replace(self.scenario, platforms=tuple(platforms), warnings=())
        self.tracks[index] = build_track(platform, self.scenario, self.geography)
        self.sensors[index] = self._sensors_of(platform)
        self._cache.drop_platform(index)

    def all_full_intervals(self, progress: Optional[Callable[[float], None]] = None):
        """All (platform index, sensor, full Intervals) triples."""
        out = []
        n = len(self.tracks)
        for i in range(n):
            for j, sensor in enumerate(self.sensors[i]):
                out.append((i, sensor, self.full_intervals(i, j)))
            if progress:
                progress((i + 1) / max(n, 1))
        return out

    def gsd_of(self, i: int, j: int, iv: Intervals) -> Optional[np.ndarray]:
        """GSD (m) at each interval's closest approach, or None without an imaging model."""
        sensor = self.sensors[i][j]
        if sensor.spec.focal_length_m is None or sensor.spec.pixel_pitch_m is None:
            return None
        return sensor.gsd_m(sensor.slant_m(self.tracks[i].lap[0].altitude_m if self.tracks[i].lap
                                           else self.scenario.platforms[i].altitude_m, iv.best_cos))

    def lap_copies(self, i: int) -> Optional[LapCopies]:
        """The lap copies of platform i when interior laps can be compressed, else None."""
        track = self.tracks[i]
        if not track.lap or track.lap_period_s <= 0 or not self.sensors[i]:
            return None
        copies = LapCopies.of(track.lap_period_s, track.lap_origin_s,
                              self.lap_and_once_intervals(i)[0].lap_window_s)
        return copies if copies is not None and copies.removable else None

    def only_night_hides(self, i: int, j: int, copies: LapCopies) -> bool:
        """Sensor j of platform i is hidden only by night, and its laps are short enough
        (at most half the shortest day or night) for a lap to hold one sunrise or sunset."""
        spec = self.sensors[i][j].spec
        env = self.environment
        return (spec.needs_daylight and not (spec.blocked_by_clouds and env.clouds is not None)
                and copies.period_s <= env.daylight.step_s)

    def apply_night_and_cloud(self, i: int, j: int, iv: Intervals, expanded: bool = False
                         ) -> Intervals:
        """The time-dependent masks (night, cloud) of sensor j of platform i on iv.
        expanded: iv is the sensor's full expansion (merged): for a daylight-only sensor
        with short laps, most intervals are then decided from the Sun at the lap copies'
        ends (sim.engine.laps.daylight_by_copies, the same result)."""
        if not self.night_or_cloud_applies(i, j) or iv.size == 0:
            return iv
        env, spec = self.environment, self.sensors[i][j].spec
        step_s = env.night_and_cloud_step_s(spec)

        def refine(sub: Intervals) -> Intervals:
            return refine_intervals(
                sub, lambda t_s, rows: env.night_and_cloud_allow(spec, t_s, sub.cell[rows]), step_s)
        copies = self.lap_copies(i) if expanded else None
        if copies is None or not self.only_night_hides(i, j, copies):
            return refine(iv)
        return daylight_by_copies(
            iv, copies,
            lambda t_s, cells: env.cells_u[cells] @ env.daylight.sun_u(t_s, normalised=False).T,
            step_s, refine)


def _check_run_arguments(scenario, engine, step_s, timeline, progress, max_memory_bytes,
                         max_work) -> None:
    """TypeError / ValueError naming the argument and what to pass, before any work."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"run() takes a Scenario, not {type(scenario).__name__}: pass "
                        "sim.load_scenario('file.yaml')")
    if engine not in ("exact", "stepped"):
        raise ValueError(f"run(engine={engine!r}): use engine='exact' or engine='stepped'")
    for name, value in (("step_s", step_s), ("max_memory_bytes", max_memory_bytes),
                        ("max_work", max_work)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"run({name}=...) takes a number, not {type(value).__name__}")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"run({name}={value!r}): must be a positive finite number")
    if not isinstance(timeline, (bool, np.bool_)):
        raise TypeError(f"run(timeline=...) takes True or False, not {type(timeline).__name__}")
    if progress is not None and not callable(progress):
        raise TypeError("run(progress=...) takes a function of one fraction, or None")


def run(scenario: Scenario, engine: str = "exact", step_s: Optional[float] = None,
        timeline: bool = False, progress: Optional[Callable[[float], None]] = None,
        world: Optional[World] = None,
        max_memory_bytes: Optional[float] = memory.DEFAULT_LIMIT_BYTES,
        max_work: Optional[float] = budget.DEFAULT_WORK_LIMIT) -> Result:
    """Compute coverage of a scenario. engine: "exact" (intervals) or "stepped" (the
    time-stepped reference, step_s defaulting to time.step). `world`: a World of a scenario
    with the same non-platform sections, reused (see World). Before any heavy work the
    memory the run needs is estimated (sim/engine/budget.py); above max_memory_bytes (None: no
    limit) a ScenarioError says what to reduce; so does a stepped run of more than max_work
    (sample, cell, sensor) evaluations (None: no limit), which bounds its time."""
    _check_run_arguments(scenario, engine, step_s, timeline, progress, max_memory_bytes, max_work)
    t_wall = _time.perf_counter()
    budget.check(scenario, engine, step_s, timeline, max_memory_bytes, max_work)
    eng = Engine(scenario, world)
    if engine == "exact":
        cells, seen = exact_cell_figures(eng, progress)
    else:
        from sim.engine.stepped import stepped_cell_figures
        step_s = float(step_s or scenario.time.step_s)
        seen = [np.zeros(eng.n_cells, dtype=bool) for _ in eng.tracks]
        cells = stepped_cell_figures(scenario, eng.grid, eng.tracks, eng.sensors, step_s,
                                     progress=progress, mask=stepped_mask(eng),
                                     platform_seen=seen)
    summary, bands, depth_profile, along = region_tables(cells, eng.grid, scenario.grid.bands_m)
    platforms = platform_rows(scenario, eng.tracks, eng.geography, eng.grid.area_m2, seen)
    tl = None
    if timeline:
        tl = build_timeline(scenario, eng.grid, [iv for _, _, iv in eng.all_full_intervals()])
    return Result(scenario=scenario, engine=engine, step_s=step_s if engine == "stepped" else None,
                  geography=eng.geography, grid=eng.grid, cells=cells, summary=summary,
                  bands=bands, depth_profile=depth_profile, along_border=along,
                  platforms=platforms,
                  warnings=run_warnings(scenario, eng.tracks, eng.n_cells, platforms),
                  timeline=tl, wall_s=_time.perf_counter() - t_wall, tracks=eng.tracks)


def stepped_mask(eng: Engine):
    """Clouds and terrain as the stepped engine's extra condition, or None when no sensor
    has them: mask(platform, sensor, t (K,), cells (K,)) -> (K,) bool. Night is left out:
    the stepped engine applies needs_daylight itself, with the Sun at every sample."""
    from dataclasses import replace
    specs = [[replace(s.spec, needs_daylight=False) for s in sensors] for sensors in eng.sensors]
    masked = [[eng.environment.any_mask_applies(spec) for spec in row] for row in specs]
    if not any(any(row) for row in masked):
        return None

    def mask(i, j, t_s, cell_index):
        if not masked[i][j]:
            return np.ones(np.shape(t_s), dtype=bool)
        t_s = np.asarray(t_s, dtype=float)
        pos, _, alt, active = eng.tracks[i].state(t_s)
        ok = np.zeros(t_s.shape[0], dtype=bool)
        if active.any():
            ok[active] = eng.environment.allows(specs[i][j], t_s[active], pos[active],
                                                alt[active], np.asarray(cell_index)[active])
        return ok
    return mask
