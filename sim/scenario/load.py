"""Load a scenario: a YAML file or text -> the checked, frozen Scenario of sim/schema.py.

The steps, each in its own module: read the YAML with the position of every value
(yaml_reader.py), apply the --set overrides (overrides.py), read each section with the field
readers (fields.py; sections.py, platforms_section.py with track_mapping.py and
sensor_mapping.py, the catalog of platform classes), and finally build the tracks for the
checks and warnings that need them (preflight.py). Every problem a user can cause becomes
a located sim.errors.Problem; all the problems of one file are raised together as one
ScenarioError, sorted by line. Nothing is printed.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, Iterable, Optional

from sim.errors import Problem, ScenarioError, short_value
from sim.schema import EarthSpec, Scenario
from sim.scenario.catalog import load_catalog
from sim.scenario.fields import BAD, Checker, raw, read_mapping, text
from sim.scenario.marks import Marks, in_file_order
from sim.scenario.overrides import apply_overrides, blame_overrides, override_list
from sim.scenario.platforms_section import read_platforms
from sim.scenario.preflight import preflight
from sim.scenario.sections import (
    read_airspace, read_earth, read_geography, read_grid, read_terrain, read_time, read_weather,
    refuse_wrapping,
)
from sim.scenario.yaml_reader import parse_yaml_text, read_yaml_file


def build_scenario(data: Any, marks: Marks, source: str, base_dir: Optional[Path] = None,
                   overrides: Iterable[str] = (), catalog: Optional[dict] = None) -> Scenario:
    """Check plain data (from parse_yaml_text) and build the Scenario; raises ScenarioError
    with every problem found. `overrides` ("KEY=VALUE") are applied to the data first; a
    problem they cause elsewhere in the file (e.g. bands no longer increasing after
    --set grid.bands.0=...) names them."""
    overrides = list(overrides)
    if not overrides:
        return _build_scenario(data, marks, source, base_dir, (), catalog)
    original = (copy.deepcopy(data), dict(marks))
    try:
        return _build_scenario(data, marks, source, base_dir, overrides, catalog)
    except ScenarioError as error:
        raise blame_overrides(error, overrides, lambda: _build_scenario(
            *original, source, base_dir, (), catalog)) from None


# The top level: the sections are taken as written here and read by their own readers.
_TOP_FIELDS = {
    "name": text(required=True, example="My scenario"),
    "description": text(default="", nonempty=False, example="what it teaches"),
    "seed": raw(default=0, example="7"),
    "time": raw(required=True, example="{start: .., duration: ..}"),
    "earth": raw(),
    "geography": raw(required=True, example="{preset: us-mexico, own: us}"),
    "grid": raw(),
    "terrain": raw(),
    "weather": raw(),
    "airspace": raw(),
    "platforms": raw(required=True, example="[...]"),
}


def _build_scenario(data: Any, marks: Marks, source: str, base_dir: Optional[Path],
                    overrides: Iterable[str], catalog: Optional[dict]) -> Scenario:
    if catalog is None:
        catalog = load_catalog()
    if not isinstance(data, dict):
        raise ScenarioError(Problem(source, 1, 1, "", short_value(data),
                                    "the top level must be a mapping of sections",
                                    "start with 'name:', 'time:', 'geography:', 'platforms:'"))
    ck = Checker(source, marks)
    ck.problems.extend(apply_overrides(data, marks, overrides))
    top = read_mapping(ck, data, (), _TOP_FIELDS)
    seed = top["seed"]
    if seed is not BAD and (not isinstance(seed, int) or isinstance(seed, bool)
                             or not 0 <= seed < 2 ** 63):
        seed = ck.add(("seed",), seed, "must be a whole number from 0 to 2^63 - 1", "write e.g. 7")
    time_spec = read_time(ck, data["time"]) if "time" in data else BAD
    earth = read_earth(ck, data.get("earth"))
    geography = read_geography(ck, data["geography"]) if "geography" in data else BAD
    grid = read_grid(ck, data.get("grid"))
    terrain = read_terrain(ck, data.get("terrain"), base_dir)
    if terrain is not BAD and terrain.source == "etopo5" and geography is not BAD \
            and geography.preset is None:
        terrain = ck.add(("terrain",), "etopo5", "etopo5 terrain needs a preset geography",
                         "use 'terrain: none' with a synthetic border, or a terrain file path")
    weather = read_weather(ck, data.get("weather"))
    airspace = read_airspace(ck, data.get("airspace"))
    border_length = None
    if geography is not BAD and geography.synthetic is not None:
        border_length = geography.synthetic.length_m
    radius = earth.radius_m if earth is not BAD else EarthSpec().radius_m
    ck.set_border(geography, radius)
    duration = time_spec.duration_s if time_spec is not BAD else None
    platforms = (read_platforms(ck, data["platforms"], catalog, radius, border_length, duration)
                 if "platforms" in data else BAD)
    if geography is not BAD and grid is not BAD and earth is not BAD:
        refuse_wrapping(ck, geography, grid, earth.radius_m)
    if ck.problems:
        raise ScenarioError(in_file_order(ck.problems))
    scenario = Scenario(name=top["name"], time=time_spec, geography=geography,
                        platforms=platforms, description=top["description"].strip(), seed=seed,
                        earth=earth, grid=grid, terrain=terrain, weather=weather,
                        airspace=airspace, source=source)
    scenario = preflight(scenario, ck, data, catalog)
    if ck.problems:
        raise ScenarioError(in_file_order(ck.problems))
    return scenario


def load_scenario_text(text: str, source: str = "<string>", overrides: Iterable[str] = (),
                       base_dir=None) -> Scenario:
    """A scenario from YAML text. `source` names it in messages; relative terrain paths are
    resolved against `base_dir` (default: left as written)."""
    if not isinstance(text, str):
        raise TypeError(f"load_scenario_text takes YAML text (str), not {type(text).__name__}"
                        + ("; for a file use load_scenario(path)" if isinstance(text, os.PathLike)
                           else ""))
    overrides = override_list(overrides)
    data, marks = parse_yaml_text(text, source)
    return build_scenario(data, marks, source, Path(base_dir) if base_dir else None, overrides)


def load_scenario(path, overrides: Iterable[str] = ()) -> Scenario:
    """A scenario from a YAML file, with optional "KEY=VALUE" overrides (dotted paths, e.g.
    "time.duration=2h", "platforms.0.altitude=15km"). Raises ScenarioError listing every
    problem of the file. Reads the terrain file if one is named and the preset's border line
    when a position or range needs it; builds the tracks for the checks and warnings of
    sim/scenario/preflight.py (Scenario.warnings)."""
    if not isinstance(path, (str, os.PathLike)):
        hint = (": for a mapping, write it as YAML text and use load_scenario_text(text)"
                if isinstance(path, dict) else "")
        raise TypeError(f"load_scenario takes the path of a YAML file (str or Path), not "
                        f"{type(path).__name__}{hint}")
    overrides = override_list(overrides)
    if isinstance(path, str) and "\n" in path and not os.path.exists(path):
        raise ScenarioError(Problem("<string>", 0, 0, "", "", "this is YAML text, not a file name",
                                    "use load_scenario_text(text) for text"))
    data, marks = read_yaml_file(path)
    return build_scenario(data, marks, str(path), Path(path).resolve().parent, overrides)
