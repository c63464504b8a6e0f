"""What a sweep runs: `--set KEY=A..B:STEP` ranges, `--set KEY=a,b,c` lists and plain
`--set KEY=VALUE` overrides, times `--seeds N`, expanded to the cartesian product of points.

Every point is built into a Scenario here, before any run, so that a bad range (backwards,
zero step, mixed units), an unknown key or a value the scenario refuses (a ceiling, a
range) stops the sweep with a located error naming the --set item (ScenarioError, exit 2).
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from sim.errors import Problem, ScenarioError
from sim.units import QUANTITY_UNITS

MAX_POINTS = 100_000              # runs in one sweep (points x seeds)
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/]*)\s*$")


@dataclass(frozen=True)
class Axis:
    """One swept key: its values as --set text, and as numbers (in `unit`) when they are
    numbers of one unit, else None (a categorical axis such as class names)."""
    key: str
    texts: tuple[str, ...]
    numbers: Optional[tuple[float, ...]]
    unit: str
    spec: str                      # the --set item as the user wrote it

    @property
    def label(self) -> str:
        return f"{self.key} ({self.unit})" if self.unit else self.key


@dataclass(frozen=True)
class Run:
    """One run of the sweep: the swept values (key -> --set text), the seed, the Scenario
    built with them, and a stable id (the same point and seed give the same id)."""
    id: str
    index: int
    values: dict
    seed: int
    scenario: object = field(repr=False)


def _problem(spec: str, rule: str, fix: str) -> ScenarioError:
    return ScenarioError(Problem("--set", 0, 0, "", repr(spec), rule, fix))


def _number_unit(text: str) -> Optional[tuple[float, str]]:
    match = _NUMBER_UNIT.match(text)
    if not match:
        return None
    return float(match.group(1)), match.group(2)


def _unit_factor(units: Iterable[str]) -> Optional[dict]:
    """A table unit -> factor in which every one of `units` is ('' is a bare number)."""
    units = set(units)
    if units <= {""}:
        return {"": 1.0}
    for table in QUANTITY_UNITS.values():
        if units <= set(table):
            return table
    return None


def _fmt(value: float) -> str:
    # 12 significant digits: the sum start + k * step carries no binary noise into the text
    return f"{value:.12g}"


def parse_range(spec: str, key: str, text: str) -> Axis:
    """`A..B:STEP`: A, A + STEP, ... up to B (included when it falls on a step), in A's unit.
    References: none (the arithmetic is the definition)."""
    ends, _, step_text = text.partition(":")
    a_text, _, b_text = ends.partition("..")
    parts = [_number_unit(t) for t in (a_text, b_text, step_text)]
    if not step_text.strip() or any(p is None for p in parts):
        raise _problem(spec, "a range is START..STOP:STEP, each a number with an optional unit",
                       "write e.g. platforms.0.altitude=5km..25km:5km")
    (a, ua), (b, ub), (s, us) = parts
    unit = ua or ub or us
    table = _unit_factor(u for u in (ua, ub, us) if u)
    if table is None:
        raise _problem(spec, f"the units {ua or '-'}, {ub or '-'}, {us or '-'} are not one quantity",
                       "give START, STOP and STEP in units of one quantity, e.g. 5km..25km:5km")
    factor = table.get(unit, 1.0)
    a, b, s = ((x * table.get(u or unit, 1.0)) / factor for x, u in ((a, ua), (b, ub), (s, us)))
    if not s > 0:
        raise _problem(spec, "the step must be greater than 0", "write e.g. 5km..25km:5km")
    if b < a:
        raise _problem(spec, "the range runs backwards (STOP is below START)",
                       f"write {key}={b_text.strip()}..{a_text.strip()}:{step_text.strip()}")
    n = int(math.floor((b - a) / s + 1e-9)) + 1
    if n > MAX_POINTS:
        raise _problem(spec, f"{n:,} values: more than {MAX_POINTS:,}", "use a larger step")
    numbers = tuple(float(_fmt(a + k * s)) for k in range(n))
    return Axis(key, tuple(f"{_fmt(v)} {unit}".strip() for v in numbers), numbers, unit, spec)


def parse_list(spec: str, key: str, text: str) -> Axis:
    """`a,b,c`: these values, in order (numbers when they share one unit)."""
    items = [t.strip() for t in text.split(",")]
    if any(not t for t in items):
        raise _problem(spec, "an empty item in the list", "write e.g. platforms.0.phase=0,0.25,0.5")
    if len(set(items)) != len(items):
        raise _problem(spec, "a value is listed twice", "list each value once")
    parsed = [_number_unit(t) for t in items]
    numbers, unit = None, ""
    if all(parsed):
        units = {u for _, u in parsed}
        table = _unit_factor(units - {""})
        if table is not None and len(units - {""}) <= 1:
            unit = next(iter(units - {""}), "")
            numbers = tuple(x for x, _ in parsed)
    return Axis(key, tuple(items), numbers, unit, spec)


def parse_set(spec: str) -> tuple[str, Optional[Axis]]:
    """One --set item: (key, Axis) for a range or a list, (key, None) for a fixed value."""
    key, eq, text = spec.partition("=")
    key, text = key.strip(), text.strip()
    if not eq or not key or not text:
        raise _problem(spec, "expected KEY=VALUE, KEY=START..STOP:STEP or KEY=a,b,c",
                       "write e.g. --set platforms.0.altitude=5km..25km:5km")
    if text[0] in "[{'\"":            # one YAML value (a list, a mapping, a quoted text)
        return key, None
    if ".." in text:
        return key, parse_range(spec, key, text)
    if "," in text:
        return key, parse_list(spec, key, text)
    return key, None


@dataclass
class SweepSpec:
    """A parsed sweep: the scenario file, fixed overrides, swept axes and seeds."""
    file: str
    fixed: list[str]
    axes: list[Axis]
    seeds: list[int]
    seeded: bool                   # --seeds given: the seed is an override of every run

    def describe(self) -> dict:
        """What identifies the sweep (the resume check compares it)."""
        return {"file": str(Path(self.file).resolve()), "fixed": self.fixed,
                "axes": [{"key": a.key, "values": list(a.texts)} for a in self.axes],
                "seeds": self.seeds}


def run_id(values: dict, seed: int) -> str:
    text = json.dumps({"values": values, "seed": seed}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _relabel(error: ScenarioError, spec: str) -> ScenarioError:
    """The loader's --set problems, named by the sweep's --set item."""
    return ScenarioError([Problem(f"--set {spec}" if p.file == "--set" else p.file, p.line,
                                  p.col, p.path, p.value, p.rule, p.fix) for p in error.problems])


def build_sweep(file: str, sets: Iterable[str], seeds: Optional[int]) -> tuple[SweepSpec, list[Run]]:
    """Parse the --set items and build every run's Scenario. Raises ScenarioError (nothing
    has run) for a bad item, or for a point the scenario refuses."""
    from sim.scenario.load import build_scenario
    from sim.scenario.yaml_reader import read_yaml_file
    data, marks = read_yaml_file(file)
    base_dir = Path(file).resolve().parent
    fixed, axes = [], []
    for spec in sets:
        key, axis = parse_set(spec)
        if any(a.key == key for a in axes) or any(f.partition("=")[0].strip() == key for f in fixed):
            raise _problem(spec, f"{key} is given twice", "give each key once")
        if key == "seed" and seeds is not None:
            raise _problem(spec, "--seeds sets the seed of every run", "use --set seed=... or --seeds, not both")
        (axes.append(axis) if axis else fixed.append(spec))
    if seeds is not None and seeds < 1:
        raise ScenarioError(Problem("--seeds", 0, 0, "", repr(seeds), "must be at least 1", "write e.g. --seeds 10"))
    base_seed = data.get("seed", 0) if isinstance(data, dict) else 0
    seed_list = [int(base_seed) + k for k in range(seeds)] if seeds and isinstance(base_seed, int) else [base_seed]

    def scenario(overrides, spec=None):
        try:
            return build_scenario(copy.deepcopy(data), dict(marks), file, base_dir, overrides)
        except ScenarioError as error:
            raise _relabel(error, spec) if spec else error

    scenario(fixed, " ".join(fixed) or None)        # the file and its fixed overrides
    for axis in axes:                               # each value alone: the error names its --set
        for text in axis.texts:
            scenario(fixed + [f"{axis.key}={text}"], axis.spec)
    total = math.prod(len(a.texts) for a in axes) * len(seed_list)
    if total > MAX_POINTS:
        raise _problem(" ".join(a.spec for a in axes), f"{total:,} runs: more than {MAX_POINTS:,}",
                       "use fewer values or fewer seeds")
    runs = []
    for combo in itertools.product(*(a.texts for a in axes)):
        values = {a.key: t for a, t in zip(axes, combo)}
        point = fixed + [f"{k}={t}" for k, t in values.items()]
        for seed in seed_list:
            overrides = point + ([f"seed={seed}"] if seeds else [])
            label = " ".join(f"{k}={t}" for k, t in values.items()) + (f" seed={seed}" if seeds else "")
            runs.append(Run(run_id(values, seed), len(runs), values, seed,
                            scenario(overrides, label or None)))
    spec = SweepSpec(file, fixed, axes, seed_list, seeds is not None)
    return spec, runs
