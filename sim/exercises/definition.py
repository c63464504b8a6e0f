"""Exercise definitions: scenarios/exercises/<ID>/ with README.md, start.yaml,
solution.yaml and goal.yaml.

goal.yaml (read with the scenario loader's safe YAML reader) says what is graded:

    title: Horizon and altitude
    minutes: 20                       # the time a student needs, for the teacher's page
    figure:                           # the headline figure and its target
      what: depth heard by the receiver
      measure: reach                  # reach | band | region | platforms
      key: ever_covered_frac          # a figure key of the result (`isr-sim run --json`)
      band: [0, 100]                  # measure band only: a band row of the grid, in km
      unit: km                        # km | km2 | % | min | h
      at_least: 300                   # or at_most
    also: [...]                       # more figures that must hold, same keys
    hint_2_within: 60                 # the second hint once the miss is at most this
    rules:
      max_platforms: 1
      classes: [signals-collection]   # allowed platform classes (default: any)
      fixed_platform_keys: [track]    # must equal the start's platform of the same name
      baseline_sorties_per_month: 1   # optional: report sorties per day against it

The hints are the README's "### Hint 1" and "### Hint 2" sections, so the text a student
reads and the text the grader prints are one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sim.errors import Problem, ScenarioError
from sim.paths import SCENARIOS_DIR

EXERCISES_DIR = SCENARIOS_DIR / "exercises"
MEASURES = ("reach", "band", "region", "platforms")
UNITS = ("km", "km2", "%", "min", "h")
FIXED_SECTIONS = ("time", "earth", "geography", "grid", "terrain", "weather", "airspace", "seed")
PLATFORM_KEYS = ("class_id", "altitude_m", "speed_m_s", "endurance_s", "bank_angle_rad",
                 "sensors", "track", "phase", "on_station", "base")
_KEY_ALIASES = {"class": "class_id", "altitude": "altitude_m", "speed": "speed_m_s",
                "endurance": "endurance_s", "bank_angle": "bank_angle_rad"}


@dataclass(frozen=True)
class Target:
    """One graded figure: what is measured, in which unit, and the bound it must meet."""
    what: str
    measure: str
    key: str
    unit: str
    bound: float
    at_least: bool                   # True: figure >= bound; False: figure <= bound
    band_km: Optional[tuple[float, float]] = None
    platform: Optional[str] = None   # measure platforms: one platform by name, else all

    def asked(self) -> str:
        relation = "at least" if self.at_least else "at most"
        return f"{self.what}: {relation} {format_value(self.bound, self.unit)}"


@dataclass(frozen=True)
class Rules:
    max_platforms: Optional[int] = None
    classes: Optional[tuple[str, ...]] = None
    fixed_platform_keys: tuple[str, ...] = ()
    baseline_sorties_per_month: Optional[float] = None


@dataclass(frozen=True)
class Exercise:
    id: str
    number: int
    title: str
    minutes: int
    folder: Path
    targets: tuple[Target, ...]      # the first is the headline figure
    rules: Rules
    hints: tuple[str, str]
    hint_2_within: float
    learning_goal: str = ""
    task: str = ""

    @property
    def start_path(self) -> Path:
        return self.folder / "start.yaml"

    @property
    def solution_path(self) -> Path:
        return self.folder / "solution.yaml"

    @property
    def readme_path(self) -> Path:
        return self.folder / "README.md"


def format_value(value: Optional[float], unit: str) -> str:
    """A figure in its display unit, e.g. 302 km, 87.5 %, 42 min, 3,200 km2."""
    if value is None:
        return "none"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "km2":
        return f"{value:,.0f} km2"
    if unit in ("min", "h"):
        return f"{value:.1f} {unit}"
    return f"{value:,.1f} {unit}"


def list_exercises(folder: Path = EXERCISES_DIR) -> list[Exercise]:
    """Every exercise of the course, in course order (the number in the folder name)."""
    ids = sorted(p.name for p in folder.iterdir() if (p / "goal.yaml").is_file())
    return [load_exercise(i, folder) for i in ids]


def resolve_id(text: str, folder: Path = EXERCISES_DIR) -> str:
    """An exercise id from its full id ("01-horizon") or its number ("1", "01")."""
    ids = sorted(p.name for p in folder.iterdir() if (p / "goal.yaml").is_file())
    if text in ids:
        return text
    if text.isdigit():
        for i in ids:
            if int(i.split("-", 1)[0]) == int(text):
                return i
    raise ScenarioError(Problem("exercise", 0, 0, "", repr(text), "no such exercise",
                                f"use a number or an id of `isr-sim exercise list`: {', '.join(ids)}"))


def load_exercise(text: str, folder: Path = EXERCISES_DIR) -> Exercise:
    from sim.scenario.yaml_reader import read_yaml_file
    ex_id = resolve_id(text, folder)
    path = folder / ex_id
    data, _ = read_yaml_file(path / "goal.yaml")
    readme = (path / "README.md").read_text(encoding="utf-8")
    hints = _sections(readme, "### Hint ")
    if len(hints) != 2:
        raise ValueError(f"{path / 'README.md'}: needs '### Hint 1' and '### Hint 2' sections")
    figures = [data["figure"]] + list(data.get("also") or [])
    rules = data.get("rules") or {}
    fixed = tuple(_KEY_ALIASES.get(k, k) for k in rules.get("fixed_platform_keys") or ())
    unknown = set(fixed) - set(PLATFORM_KEYS)
    if unknown:
        raise ValueError(f"{path / 'goal.yaml'}: unknown fixed_platform_keys {sorted(unknown)}")
    return Exercise(
        id=ex_id, number=int(ex_id.split("-", 1)[0]), title=str(data["title"]),
        minutes=int(data["minutes"]), folder=path,
        targets=tuple(_target(f, path) for f in figures),
        rules=Rules(max_platforms=rules.get("max_platforms"),
                    classes=tuple(rules["classes"]) if rules.get("classes") else None,
                    fixed_platform_keys=fixed,
                    baseline_sorties_per_month=rules.get("baseline_sorties_per_month")),
        hints=(hints[0], hints[1]), hint_2_within=float(data["hint_2_within"]),
        learning_goal=_section(readme, "## Learning goal"), task=_section(readme, "## Task"))


def _target(spec: dict, path: Path) -> Target:
    measure, unit = spec["measure"], spec["unit"]
    if measure not in MEASURES or unit not in UNITS:
        raise ValueError(f"{path / 'goal.yaml'}: measure must be one of {MEASURES} and unit "
                         f"one of {UNITS}, not {measure!r}, {unit!r}")
    if ("at_least" in spec) == ("at_most" in spec):
        raise ValueError(f"{path / 'goal.yaml'}: give exactly one of at_least, at_most")
    band = spec.get("band")
    return Target(what=str(spec["what"]), measure=measure, key=str(spec.get("key", "")),
                  unit=unit, bound=float(spec.get("at_least", spec.get("at_most"))),
                  at_least="at_least" in spec,
                  band_km=(float(band[0]), float(band[1])) if band else None,
                  platform=spec.get("platform"))


def _sections(text: str, prefix: str) -> list[str]:
    """The bodies of the headings that start with prefix, in order, as one paragraph each."""
    parts = re.split(r"^(#+ .*)$", text, flags=re.M)
    out = []
    for heading, body in zip(parts[1::2], parts[2::2]):
        if heading.startswith(prefix):
            out.append(" ".join(body.split()))
    return out


def _section(text: str, heading: str) -> str:
    found = _sections(text, heading)
    return found[0] if found else ""
