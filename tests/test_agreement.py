"""The exact engine agrees with the time-stepped engine at a 1 s step on EVERY shipped scenario.

Every scenarios/**/*.yaml except scenarios/benchmarks/ (which `isr-sim bench` measures at
full size) is found when the tests are collected, so new files (e.g. scenarios/seeds/) are
checked without editing this file. Tolerances (issue 3):

- ever-covered: the cells on which the engines disagree cover at most 0.5 % of the area;
- time-covered: the area-weighted time_covered_frac of the region differs by at most 0.01
  (1 % of the time, absolute).

To keep this a fast test (the heavy comparison belongs to `isr-sim bench`, case
"agreement"), each scenario is COARSENED with overrides before both engines run:
grid.cell = max(20 km, the file's cell) and time.duration = min(duration, 2 h), lengthened
only as far as needed to contain every platform's fixed time on station (the loader rejects
an on_station window outside time.duration). See `coarse_overrides`.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from sim.paths import SCENARIOS_DIR
from sim.runner import run
from sim.scenario.load import load_scenario

EXCLUDED_DIRS = {"benchmarks"}
SHIPPED = sorted(p for p in SCENARIOS_DIR.rglob("*.yaml")
                 if not EXCLUDED_DIRS & set(p.relative_to(SCENARIOS_DIR).parts[:-1]))

COARSE_CELL_M = 20_000.0
MAX_WINDOW_S = 2 * 3600.0
STEP_S = 1.0
EVER_AREA_TOL = 0.005        # issue 3: ever-covered within 0.5 % of the area
TIME_COVERED_TOL = 0.01      # issue 3: time-covered region value within 1 %


def coarse_overrides(path) -> list[str]:
    """--set overrides that make a scenario cheap: cells of at least 20 km, a window of at
    most 2 h (longer only to contain a fixed on_station window, never longer than the file's)."""
    sc = load_scenario(path)
    T = float(sc.time.duration_s)
    window = MAX_WINDOW_S
    for p in sc.platforms:
        start = float(p.on_station.start_s)
        end = start + (MAX_WINDOW_S if p.on_station.duration_s is None
                       else float(p.on_station.duration_s))
        window = max(window, end)
    window = min(T, window)
    cell_km = max(COARSE_CELL_M, float(sc.grid.cell_m)) / 1000.0
    return [f"grid.cell={cell_km:g}km", f"time.duration={window:g}s"]


@functools.lru_cache(maxsize=None)
def exact_and_stepped(path, step_s: float = STEP_S):
    scenario = load_scenario(path, overrides=coarse_overrides(path))
    return run(scenario, engine="exact"), run(scenario, engine="stepped", step_s=step_s)


def agreement(exact, stepped) -> tuple[float, float]:
    """(area fraction of cells whose ever-covered differs, |difference of the region's
    area-weighted time_covered_frac|)."""
    area = np.asarray(exact.grid.area_m2, dtype=float)
    total = float(area.sum())
    differ = exact.cells["ever_covered_frac"] != stepped.cells["ever_covered_frac"]
    ever = float(area[differ].sum()) / total
    time = abs(float(np.dot(exact.cells["time_covered_frac"] - stepped.cells["time_covered_frac"],
                            area))) / total
    return ever, time


def test_every_example_is_included():
    names = {str(p.relative_to(SCENARIOS_DIR)) for p in SHIPPED}
    assert {"examples/one-recon-racetrack.yaml", "examples/two-drones-phased.yaml"} <= names
    assert not any(n.startswith("benchmarks/") for n in names)


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(SCENARIOS_DIR)) for p in SHIPPED])
def test_exact_agrees_with_stepped_at_1s(path):
    exact, stepped = exact_and_stepped(path)
    assert exact.grid.u.shape[0] > 0
    assert stepped.step_s == STEP_S
    ever, time = agreement(exact, stepped)
    assert ever <= EVER_AREA_TOL, f"ever-covered differs on {100 * ever:.3f} % of the area"
    assert time <= TIME_COVERED_TOL, f"time-covered region values differ by {time:.5f}"


def test_stepped_converges_to_exact_as_the_step_shrinks():
    """On the recon example, per cell: the stepped engine's time_covered_frac is within
    accesses * step / T of the exact one (midpoint rule: each access has two ends, each in
    one sample interval, costing at most step/2; an access shorter than a step costs less
    than a step), and the area-weighted error shrinks with the step (O(step): about 10x
    from 10 s to 1 s; at least 3x asserted). So the exact engine is the stepped one's limit."""
    path = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"
    errors = {}
    for step in (10.0, 1.0):
        exact, stepped = exact_and_stepped(path, step)
        T = float(exact.scenario.time.duration_s)
        diff = np.abs(exact.cells["time_covered_frac"] - stepped.cells["time_covered_frac"])
        bound = exact.cells["accesses"] * step / T
        assert np.all(diff <= bound + 1e-12)
        area = exact.grid.area_m2
        errors[step] = float(np.dot(diff, area) / area.sum())
    assert errors[10.0] > 0.0
    assert errors[1.0] <= errors[10.0] / 3.0
