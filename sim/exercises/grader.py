"""Grade a scenario against an exercise: the rules, then the figures from a real run.

The figures are read from the result's JSON dict (`isr-sim run --json`: summary, bands,
depth_profile, platforms), computed by the same `sim.run` as `isr-sim run`; nothing is
calculated apart. A grade says what was asked, what the scenario achieved (in the
figure's unit), by how much it misses, and the next hint; or which rule it broke.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from sim.errors import ScenarioError
from sim.exercises.definition import FIXED_SECTIONS, Exercise, Target, format_value
from sim.exercises.rules import Broken, fixed_parts, platform_rules

_SCALE = {"%": 100.0, "min": 1 / 60.0, "h": 1 / 3600.0, "km": 1.0, "km2": 1.0}


@dataclass
class Grade:
    """The outcome of grading one scenario. figure: the headline figure in its unit (None
    when no run was made or nothing was seen); lines: the feedback, one line each."""
    exercise: Exercise
    passed: bool
    figure: Optional[float]
    broken: list[Broken] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    values: list[Optional[float]] = field(default_factory=list)   # every target's figure

    def to_dict(self, file: str) -> dict:
        head = self.exercise.targets[0]
        return {"file": file, "exercise": self.exercise.id, "passed": self.passed,
                "figure": None if self.figure is None else round(self.figure, 3),
                "unit": head.unit, "target": head.bound,
                "rules_broken": [b.rule for b in self.broken], "feedback": self.lines}


def measure(target: Target, result: dict) -> Optional[float]:
    """The figure of `target` from a result JSON dict, in the target's unit (None: the
    figure is undefined, e.g. the longest gap of a band never seen)."""
    scale = _SCALE[target.unit]
    if target.measure == "region":
        value = result["summary"].get(target.key)
    elif target.measure == "band":
        rows = [b for b in result["bands"] if (b["from_km"], b["to_km"]) == target.band_km]
        if not rows:
            raise ValueError(f"no band {target.band_km} in the result")
        value = rows[0].get(target.key)
    elif target.measure == "reach":
        # The far edge of the deepest depth bin (one cell wide) at least half covered: a
        # majority of the bin means the reach is past its middle, so this is the reach to
        # within half a cell. Cells beyond the ends of a border do not sway a majority.
        half_cell_km = 0.5 * result["grid"]["cell_km"]
        seen = [row["depth_km"] + half_cell_km for row in result["depth_profile"]
                if row["depth_km"] > 0 and (row.get(target.key) or 0) >= 0.5]
        return max(seen, default=0.0)
    else:
        rows = [p for p in result["platforms"]
                if target.platform is None or p["name"] == target.platform]
        value = sum(p[target.key or "covered_km2"] for p in rows)
    return None if value is None else float(value) * scale


def _meets(target: Target, value: Optional[float]) -> bool:
    if value is None:
        return False
    return value >= target.bound if target.at_least else value <= target.bound


def _miss(target: Target, value: Optional[float]) -> float:
    if value is None:
        return float("inf")
    return max(target.bound - value, 0.0) if target.at_least else max(value - target.bound, 0.0)


def static_rules(exercise: Exercise, student, start) -> list[Broken]:
    """Rules checked before running: fixed parts first (a changed grid or window is not run)."""
    return fixed_parts(exercise, student, start) + platform_rules(exercise, student, start)


def airspace_rule(result: dict) -> list[Broken]:
    """One broken rule per platform that entered the neighbour's airspace (run's figures)."""
    out = []
    for p in result["platforms"]:
        entries = p.get("airspace_violations") or []
        if not entries:
            continue
        deepest = max(entries, key=lambda v: v["max_inside_km"])
        times = ", ".join(f"{_clock(v['start_s'])}-{_clock(v['end_s'])}" for v in entries[:4])
        out.append(Broken("airspace", f"{p['name']} enters the neighbour's airspace "
                          f"{len(entries)} time{'s' if len(entries) > 1 else ''} ({times}"
                          f"{', ...' if len(entries) > 4 else ''}), up to "
                          f"{deepest['max_inside_km']:.1f} km inside at {deepest['lat']:.3f}, "
                          f"{deepest['lon']:.3f}; keep the whole track, turns included, on "
                          f"your side"))
    return out


def _clock(t_s: float) -> str:
    h, rem = divmod(int(round(t_s)), 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}"


def grade_result(exercise: Exercise, result: dict, broken: list[Broken], scenario) -> Grade:
    """Grade a run's JSON dict; `broken` holds the rules already found broken."""
    broken = list(broken) + airspace_rule(result)
    values = [measure(t, result) for t in exercise.targets]
    head, figure = exercise.targets[0], values[0]
    lines = [f"asked: {t.asked()}" for t in exercise.targets]
    lines += [f"achieved: {t.what}: {format_value(v, t.unit)}"
              + ("" if _meets(t, v) else f", misses by {format_value(_miss(t, v), t.unit)}"
                 if v is not None else " (never seen)")
              for t, v in zip(exercise.targets, values)]
    lines += _sorties(exercise, scenario)
    # The run's own warnings (plausibility, endurance caps), but not the airspace entries:
    # those are a broken rule below.
    lines += [f"note: {w}" for w in result.get("warnings", [])
              if "neighbour's airspace" not in w]
    met = all(_meets(t, v) for t, v in zip(exercise.targets, values))
    lines += [str(b) for b in broken]
    passed = met and not broken
    if passed:
        lines.append("PASSED")
    elif not met:
        worst = _miss(head, figure) if not _meets(head, figure) else 0.0
        number = 2 if worst <= exercise.hint_2_within else 1
        lines.append(f"hint {number}: {exercise.hints[number - 1]}")
        lines.append("NOT YET" if not broken else "NOT PASSED: a rule is broken")
    else:
        lines.append("NOT PASSED: the figure is met, but a rule is broken")
    return Grade(exercise, passed, figure, broken, lines, values)


def _sorties(exercise: Exercise, scenario) -> list[str]:
    baseline = exercise.rules.baseline_sorties_per_month
    if baseline is None:
        return []
    days = scenario.time.duration_s / 86400.0
    per_day = len(scenario.platforms) / days
    return [f"sorties: {len(scenario.platforms)} in {days:g} days = {per_day:.2f} a day, "
            f"{per_day / (baseline / 30.0):.0f} times the baseline of {baseline:g} a month"]


def grade_scenario(exercise: Exercise, scenario, start) -> Grade:
    """Check the static rules, run the scenario with sim.run unless a fixed part or the
    platform limit is broken, and grade."""
    from sim.engine.runner import run
    broken = static_rules(exercise, scenario, start)
    # A changed window, grid or map, or a fleet over the limit, could cost any amount of
    # time to run and cannot pass: it is not run.
    not_run = {f"fixed:{name}" for name in FIXED_SECTIONS} | {"max_platforms"}
    if any(b.rule in not_run for b in broken):
        lines = [f"asked: {t.asked()}" for t in exercise.targets]
        lines += [str(b) for b in broken] + ["NOT PASSED: not run, a fixed part of the "
                                             "exercise or its platform limit was broken"]
        return Grade(exercise, False, None, broken, lines)
    result = run(scenario)
    return grade_result(exercise, result.to_json_dict(), broken, scenario)


def grade_file(exercise: Exercise, path) -> Grade:
    """Load a student's file (ScenarioError if it is invalid) and grade it."""
    from sim.scenario.load import load_scenario
    scenario = load_scenario(path)
    return grade_scenario(exercise, scenario, load_scenario(exercise.start_path))


class ExerciseGoal:
    """The exercise as the window's goal (sim.view.open_window(path, goal=...)): a title,
    short lines with the live figures against their targets, and whether it passes.
    result: the sim Result of the scenario as edited. The window asks every frame, so the
    grade of the latest result is kept."""

    def __init__(self, exercise: Exercise):
        from sim.scenario.load import load_scenario
        self.exercise = exercise
        self.title = f"exercise {exercise.number} (isr-sim exercise show {exercise.number})"
        self._start = load_scenario(exercise.start_path)
        self._last: tuple[object, Optional[Grade]] = (None, None)

    def grade(self, result) -> Grade:
        if self._last[0] is not result:
            broken = static_rules(self.exercise, result.scenario, self._start)
            self._last = (result, grade_result(self.exercise, result.to_json_dict(), broken,
                                               result.scenario))
        return self._last[1]

    def describe(self, result) -> list[str]:
        """Short lines (under 50 characters, the panel's width): each figure now against
        its target, then the names of broken rules."""
        grade = self.grade(result)
        lines = [f"{short_label(t)}: {format_value(v, t.unit)} (need "
                 f"{'>=' if t.at_least else '<='} {format_value(t.bound, t.unit)})"
                 for t, v in zip(self.exercise.targets, grade.values)]
        lines += [f"rule broken: {b.rule}" for b in grade.broken]
        return lines

    def passed(self, result) -> bool:
        return self.grade(result).passed


_SHORT = {"ever_covered_frac": "seen", "time_covered_frac": "time covered",
          "max_revisit_s": "max revisit", "mean_age_of_data_s": "mean age",
          "mean_response_s": "mean response", "covered_km2": "area seen"}


def short_label(target: Target) -> str:
    """'max revisit 0-40 km', 'depth reached', 'area seen': a figure's name for the panel."""
    if target.measure == "reach":
        return "depth reached"
    label = _SHORT.get(target.key, target.key)
    if target.band_km is not None:
        label += f" {target.band_km[0]:g}-{target.band_km[1]:g} km"
    return label


def check_files(exercise: Exercise, paths: list[str]) -> list[tuple[str, Optional[Grade], Optional[ScenarioError]]]:
    """Grade each file; an invalid file gives its ScenarioError and never stops the others."""
    out = []
    for path in paths:
        try:
            out.append((path, grade_file(exercise, Path(path)), None))
        except ScenarioError as error:
            out.append((path, None, error))
    return out
