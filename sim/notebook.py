"""The Python API for notebooks: `sim.run(path, **overrides)` and a Result made for a reader.

    import sim
    result = sim.run("scenarios/examples/one-recon-racetrack.yaml",
                     **{"platforms.0.altitude": "15 km"})
    result                      # a short summary: scenario, engine, cells, headline figures
    result.cell_table()         # one row per cell; .to_pandas() when pandas is installed
    result.plot("time_covered_frac")    # a matplotlib Axes (map of a per-cell figure)
    result.bands                # one dict per depth band

Front-end code: matplotlib and pandas are imported only when a method needs them (pandas is
not a dependency of the project). Overrides are the command line's `--set KEY=VALUE`
(dotted paths, values with units as strings); they are checked like the file itself and a
bad one raises ScenarioError naming it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from typing import Callable, Iterator, Optional

import numpy as np

from sim.engine import budget, runner
from sim.engine.result import Result as EngineResult
from sim import memory
from sim.schema import Scenario

# Headline figures in the repr (a reader's first questions: how much, how often).
HEADLINE_KEYS = ("ever_covered_frac", "time_covered_frac", "mean_revisit_s", "max_revisit_s")


def override_text(key: str, value) -> str:
    """One `--set` string from a keyword override: strings as written ("15 km"), booleans
    as YAML words, numbers, lists and mappings as JSON (a subset of YAML)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = json.dumps(value)
    return f"{key}={text}"


def load(source, **overrides) -> Scenario:
    """A Scenario from a file path (str or os.PathLike) with `--set`-style overrides, or a
    Scenario object as it is (overrides need the file: a Scenario is already checked)."""
    if isinstance(source, Scenario):
        if overrides:
            raise ValueError("overrides apply to a scenario file: pass its path, or change "
                             "the Scenario with dataclasses.replace")
        return source
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"expected a scenario file path or a Scenario, got {type(source).__name__}")
    from sim.scenario.load import load_scenario
    return load_scenario(source, overrides=[override_text(k, v) for k, v in overrides.items()])


class CellTable:
    """One row per grid cell, as columns: lat, lon (deg), depth_km (signed distance from
    the border, positive on the neighbour's side), along_km (distance along the border),
    area_km2, then every per-cell figure of the run. Each column is an (M,) numpy array."""

    def __init__(self, columns: dict):
        self.columns = columns

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __iter__(self) -> Iterator[dict]:
        """Rows as dicts (slow for big grids: prefer the columns)."""
        names = list(self.columns)
        for values in zip(*self.columns.values()):
            yield dict(zip(names, (v.item() for v in values)))

    def __repr__(self) -> str:
        return f"CellTable({len(self)} cells; columns {', '.join(self.columns)})"

    def to_pandas(self):
        """A pandas DataFrame of the columns (needs pandas: `pip install pandas`)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError("to_pandas() needs pandas, which isr-sim does not install: "
                              "pip install pandas") from error
        return pandas.DataFrame(self.columns)


@dataclass(repr=False)
class Result(EngineResult):
    """A run's Result (sim.engine.result.Result: cells, summary, bands, depth_profile,
    along_border, platforms, warnings, ...) with notebook conveniences."""

    @classmethod
    def of(cls, result: EngineResult) -> "Result":
        return cls(**{f.name: getattr(result, f.name) for f in fields(EngineResult)})

    def __repr__(self) -> str:
        from sim.output.formats import KEY_INFO, format_value
        heads = ", ".join(f"{KEY_INFO[k][0]} {format_value(k, self.summary.get(k))}"
                          for k in HEADLINE_KEYS)
        engine = self.engine + (f" {self.step_s:g} s" if self.step_s else "")
        return (f"<Result {self.scenario.name!r}: {engine} engine, {self.grid.u.shape[0]:,} "
                f"cells, {len(self.scenario.platforms)} platform(s); {heads}; "
                f"wall {self.wall_s:.2f} s>")

    def cell_table(self) -> CellTable:
        from sim.output.formats import FIGURE_KEYS
        from sim.output.report import CSV_LEAD_COLUMNS
        grid = self.grid
        lead = (grid.lat_deg, grid.lon_deg, np.asarray(grid.depth_m) / 1000.0,
                np.asarray(grid.along_m) / 1000.0, np.asarray(grid.area_m2) / 1e6)
        columns = {name: np.asarray(v, dtype=float) for name, v in zip(CSV_LEAD_COLUMNS, lead)}
        keys = [k for k in FIGURE_KEYS if k in self.cells]
        keys += sorted(k for k in self.cells if k not in FIGURE_KEYS)
        columns.update({k: np.asarray(self.cells[k]) for k in keys})
        return CellTable(columns)

    def to_csv(self, path) -> None:
        """The cell table as CSV (the format of `isr-sim run --csv`), written atomically."""
        from sim.output.report import write_csv
        write_csv(self, path)

    def plot(self, figure: str = "time_covered_frac", ax=None):
        """A map of one per-cell figure (the `isr-sim run --png` map) on `ax`, or on a new
        Figure's Axes; returns the Axes."""
        from sim.output.map_figure import draw_map
        return draw_map(self, figure, ax=ax)


def run(source, engine: str = "exact", step_s: Optional[float] = None, *,
        timeline: bool = False, progress: Optional[Callable[[float], None]] = None,
        max_memory_bytes: Optional[float] = memory.DEFAULT_LIMIT_BYTES,
        max_work: Optional[float] = budget.DEFAULT_WORK_LIMIT, **overrides) -> Result:
    """Compute coverage of a scenario file (with `--set`-style overrides) or a Scenario.
    engine "exact" (default) or "stepped" (step_s defaulting to time.step). A run estimated
    to need more than max_memory_bytes (None: no limit) is refused (sim/engine/budget.py), and so
    is a stepped run of more than max_work evaluations (None: no limit)."""
    scenario = load(source, **overrides)
    return Result.of(runner.run(scenario, engine=engine, step_s=step_s, timeline=timeline,
                                progress=progress, max_memory_bytes=max_memory_bytes,
                                max_work=max_work))
