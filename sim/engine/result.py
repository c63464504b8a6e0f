"""What a run returns: `Result`, and its JSON form (the contract of docs/figures.md).

The engine fills a Result (sim/engine/runner.py); the reports (sim/output/), the notebook
API (sim/notebook.py, which adds cell tables and plots), the window and the sweeps read it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from sim.schema import Scenario


@dataclass
class Result:
    """Everything a run computed.

    cells: figure name -> (M,) float64 per-cell array in grid order (sim.engine.coverage);
    summary: the region's figures; bands, depth_profile, along_border: rows (dicts) of the
    tables of docs/figures.md; platforms: one row per platform (name, class, time on
    station, covered area, airspace entries); warnings: texts for the reader; timeline: the
    covered area over time and per day, when asked for; wall_s: the run's wall time (s);
    tracks: the platforms' sim.platforms.tracks.Track objects, for maps.
    """
    scenario: Scenario
    engine: str
    step_s: Optional[float]
    geography: object
    grid: object
    cells: dict
    summary: dict
    bands: list
    depth_profile: list
    along_border: list
    platforms: list
    warnings: list
    timeline: Optional[dict] = None
    wall_s: float = 0.0
    tracks: list = field(default_factory=list)

    def to_json_dict(self) -> dict:
        """The contract of docs/figures.md (`isr-sim run --json`)."""
        grid = self.grid
        out = {
            "scenario": self.scenario.name,
            "duration_s": float(self.scenario.time.duration_s),
            "engine": self.engine,
            "grid": {"cell_km": grid.cell_m / 1000.0, "cells": int(grid.u.shape[0]),
                     "area_km2": round(float(grid.area_m2.sum()) / 1e6, 3)},
            "border": border_summary(self.geography),
            "summary": self.summary,
            "bands": self.bands,
            "depth_profile": self.depth_profile,
            "along_border": self.along_border,
            "platforms": self.platforms,
            "warnings": self.warnings,
        }
        if self.engine == "stepped":
            out["step_s"] = self.step_s
        if self.timeline is not None:
            out["timeline"] = self.timeline
        return _clean(out)

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=2, allow_nan=False)


def _clean(value):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python, floats rounded to 6 decimals."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return round(v, 6) if math.isfinite(v) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def border_summary(geography) -> dict:
    """The border's length on the map and, when the geography states one, the official one
    (km, to 0.1 km)."""
    return {"map_length_km": round(geography.map_border_length_m / 1000.0, 1),
            "official_length_km": (None if geography.official_border_length_m is None
                                   else round(geography.official_border_length_m / 1000.0, 1))}
