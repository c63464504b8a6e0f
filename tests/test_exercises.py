"""The graded exercises (scenarios/exercises/, sim/exercises/, `isr-sim exercise`).

Every start fails with the expected feedback, every solution passes, and for each exercise
at least one cheating answer (a broken rule, a changed fixed part) fails with the rule
named. Where an analytic answer exists (radio horizon, slant range and elevation limits,
racetrack lap time, phasing, on-station fraction) the engine's figure, as graded, is checked
against the formula. Each start and solution is run once per session.
"""
from __future__ import annotations

import json
import math

import pytest

from sim.cli.main import main
from sim.exercises import ExerciseGoal, grade_file, list_exercises, load_exercise
from sim.exercises.definition import FIXED_SECTIONS, format_value
from sim.exercises.grader import grade_scenario
from sim.scenario.load import load_scenario, load_scenario_text

COURSE = list_exercises()
IDS = [e.id for e in COURSE]
R_KM = 6371.0                      # the scenarios' default earth.radius
FT_KM = 0.0003048

# The first rule each start breaks on purpose (exercise 9 starts inside the territorial sea).
START_RULES = {"09-territorial-sea": ["airspace"]}


@pytest.fixture(scope="module")
def starts():
    return {e.id: grade_file(e, e.start_path) for e in COURSE}


@pytest.fixture(scope="module")
def solutions():
    return {e.id: grade_file(e, e.solution_path) for e in COURSE}


def test_the_course_has_the_topics_in_order():
    assert IDS == ["01-horizon", "02-slant-range", "03-standoff", "04-racetrack",
                   "05-phasing", "06-satellite-vs-drone", "07-night-and-cloud",
                   "08-terrain", "09-territorial-sea", "10-surge", "11-design-challenge"]
    assert [e.number for e in COURSE] == list(range(1, 12))


@pytest.mark.parametrize("ex_id", IDS)
def test_exercise_files_are_complete(ex_id):
    e = load_exercise(ex_id)
    readme = e.readme_path.read_text()
    for heading in ("## Learning goal", "## Background", "## Task", "### Hint 1", "### Hint 2"):
        assert heading in readme
    assert "source" in readme.lower()               # the formulas cite public sources
    assert "TODO" in e.start_path.read_text()
    assert e.learning_goal and e.task and all(e.hints) and e.minutes > 0


@pytest.mark.parametrize("ex_id", IDS)
def test_start_fails_with_feedback_that_grades(ex_id, starts):
    grade = starts[ex_id]
    e = grade.exercise
    assert not grade.passed
    assert [b.rule for b in grade.broken] == START_RULES.get(ex_id, [])
    text = "\n".join(grade.lines)
    assert text.startswith("asked: " + e.targets[0].asked())
    assert f"achieved: {e.targets[0].what}: " in text
    if not START_RULES.get(ex_id):
        assert "misses by" in text
        assert f"hint 1: {e.hints[0]}" in text       # far from the target: the first hint
        assert grade.lines[-1] == "NOT YET"


@pytest.mark.parametrize("ex_id", IDS)
def test_solution_passes(ex_id, solutions):
    grade = solutions[ex_id]
    assert grade.passed, grade.lines
    assert grade.lines[-1] == "PASSED" and not grade.broken
    assert not [line for line in grade.lines if line.startswith("note:")]   # plausible answer


def _variant(ex_id: str, overrides: list[str]):
    """The solution with overrides; an override "+ITEM" appends ITEM to the platforms."""
    e = load_exercise(ex_id)
    text = e.solution_path.read_text()
    text += "".join(f"  - {o[1:]}\n" for o in overrides if o.startswith("+"))
    scenario = load_scenario_text(text, str(e.solution_path),
                                  overrides=[o for o in overrides if not o.startswith("+")])
    return grade_scenario(e, scenario, load_scenario(e.start_path))


DRONE = "+{name: Extra, class: medium-altitude-drone, track: {loiter: {center: {lat: 0.3, lon: 11}}}}"
CHEATS = [
    ("01-horizon", ["platforms.0.altitude=40000ft"], "class_altitude"),
    ("01-horizon", ["time.duration=2h"], "fixed:time"),
    ("02-slant-range", ["platforms.0.sensors=[{name: wide-area-camera, kind: conic, max_range: 400 km}]"],
     "class_sensors"),
    ("02-slant-range", ["grid.cell=20km"], "fixed:grid"),
    ("03-standoff", ["platforms.0.track.racetrack.center={lat: 0.0, lon: 10.9}"], "airspace"),
    ("03-standoff", ["platforms.0.speed=600km/h"], "class_speed"),
    ("04-racetrack", ["platforms.0.track.racetrack.width=2km"], "class_turn"),
    ("04-racetrack", ["geography.synthetic.length=100km"], "fixed:geography"),
    ("05-phasing", ["platforms.1.track.racetrack.length=60km"], "fixed:platforms.track"),
    ("05-phasing", [DRONE], "max_platforms"),
    ("06-satellite-vs-drone", ["platforms.1.class=high-altitude-recon"], "class_endurance"),
    ("06-satellite-vs-drone", [DRONE], "max_platforms"),
    ("07-night-and-cloud", ["weather.cloud_fraction=0"], "fixed:weather"),
    ("07-night-and-cloud", ["platforms.0.class=high-altitude-drone", "platforms.0.sensors=[side-looking-radar]"],
     "classes"),
    ("08-terrain", ["terrain=none"], "fixed:terrain"),
    ("08-terrain", ["platforms.0.altitude=40000ft"], "class_altitude"),
    ("09-territorial-sea", ["airspace.overflight=permitted"], "fixed:airspace"),
    ("09-territorial-sea", ["platforms.0.endurance=20h"], "class_endurance"),
    ("10-surge", ["platforms.0.on_station.duration=72h"], "class_endurance"),
    ("10-surge", ["time.start=2025-06-01T00:00:00Z"], "fixed:time"),
    ("11-design-challenge", ["platforms.2.class=signals-collection"], "classes"),
    ("11-design-challenge", ["platforms.0.track.racetrack.center={lat: 0.0, lon: 11.35}"], "airspace"),
    ("11-design-challenge", [DRONE], "max_platforms"),
]


@pytest.mark.parametrize("ex_id, overrides, rule", CHEATS,
                         ids=[f"{c[0]}-{c[2]}" for c in CHEATS])
def test_cheating_answer_fails_with_the_rule_named(ex_id, overrides, rule):
    grade = _variant(ex_id, overrides)
    assert not grade.passed
    assert rule in [b.rule for b in grade.broken], grade.lines
    assert any(line.startswith(f"rule broken ({rule}): ") for line in grade.lines)
    if rule == "max_platforms" or rule in [f"fixed:{name}" for name in FIXED_SECTIONS]:
        assert grade.figure is None                    # not even run


def test_every_exercise_has_a_cheat():
    assert {c[0] for c in CHEATS} == set(IDS)


# Near misses a student makes on the way (from working the course): the second hint.
NEAR_MISSES = [
    ("01-horizon", ["platforms.0.altitude=15000ft"]),
    ("04-racetrack", ["platforms.0.track.racetrack.length=150km"]),
    ("05-phasing", ["platforms.1.phase=0.25"]),
    ("09-territorial-sea", ["platforms.0.track.route.waypoints.5={lat: 22.5, lon: -110.0}"]),
]


@pytest.mark.parametrize("ex_id, overrides", NEAR_MISSES, ids=[m[0] for m in NEAR_MISSES])
def test_a_near_miss_gets_the_second_hint(ex_id, overrides):
    grade = _variant(ex_id, overrides)
    assert not grade.passed and not grade.broken
    assert grade.lines[-2] == f"hint 2: {grade.exercise.hints[1]}"


# ------------------------------------------------------------------ analytic answers

def _radio_horizon_km(altitude_ft: float) -> float:
    """d = sqrt(2 k R h), k = 4/3 (Skolnik, Introduction to Radar Systems, sec. 8.2)."""
    return math.sqrt(2 * (4 / 3) * R_KM * altitude_ft * FT_KM)


@pytest.mark.parametrize("which, altitude_ft", [("start", 8000), ("solution", 25000)])
def test_horizon_depth_matches_sqrt_2kRh(which, altitude_ft, starts, solutions):
    grade = (starts if which == "start" else solutions)["01-horizon"]
    expected_km = _radio_horizon_km(altitude_ft) - 40.0     # 40 km standoff
    assert abs(grade.figure - expected_km) <= 5.0 + 0.5     # reach is within half a 10 km cell


def _slant_limit_km(h_km: float, r_km: float) -> float:
    """Ground distance at slant range r: law of cosines (SMAD sec. 5.2)."""
    cos_l = (R_KM ** 2 + (R_KM + h_km) ** 2 - r_km ** 2) / (2 * R_KM * (R_KM + h_km))
    return R_KM * math.acos(cos_l)


def _elevation_limit_km(h_km: float, e_deg: float) -> float:
    """Ground distance at elevation e: lambda = acos(R cos e / (R + h)) - e (SMAD sec. 5.2)."""
    e = math.radians(e_deg)
    return R_KM * (math.acos(R_KM * math.cos(e) / (R_KM + h_km)) - e)


@pytest.mark.parametrize("which, altitude_ft", [("start", 15000), ("solution", 50000)])
def test_camera_depth_matches_slant_range_and_elevation(which, altitude_ft, starts, solutions):
    grade = (starts if which == "start" else solutions)["02-slant-range"]
    h_km = altitude_ft * FT_KM
    ground_km = min(_slant_limit_km(h_km, 150.0), _elevation_limit_km(h_km, 5.0))
    assert abs(grade.figure - (ground_km - 20.0)) <= 2.5 + 0.5    # half a 5 km cell


def _lap_min(length_km: float, width_km: float, speed_km_h: float) -> float:
    """Racetrack lap time P = (2 L + pi W) / v (stadium perimeter over speed)."""
    return (2 * length_km + math.pi * width_km) / speed_km_h * 60.0


# A place seen once a lap waits the lap less its time in view: at most 2 x 60 km x tan(10 deg)
# of track inside the radar's squint window at 370 km/h, 3.4 min.
DWELL_MIN = 2 * 60.0 * math.tan(math.radians(10)) / 370.0 * 60.0


@pytest.mark.parametrize("which, length_km, width_km", [("start", 250, 30), ("solution", 120, 6)])
def test_racetrack_revisit_is_the_lap_time(which, length_km, width_km, starts, solutions):
    grade = (starts if which == "start" else solutions)["04-racetrack"]
    lap = _lap_min(length_km, width_km, 370.0)
    assert lap - DWELL_MIN <= grade.figure <= lap + 1e-6


def test_two_phased_drones_halve_the_revisit(starts, solutions):
    lap = _lap_min(150, 6, 370.0)
    assert lap - DWELL_MIN <= starts["05-phasing"].figure <= lap + 1e-6
    assert lap / 2 - DWELL_MIN <= solutions["05-phasing"].figure <= lap / 2 + 1e-6


def test_surge_time_covered_is_the_on_station_fraction(starts, solutions):
    # The receiver hears the whole band whenever it is on station (horizon about 420 km).
    assert starts["10-surge"].figure == pytest.approx(100 * 10 / 72, abs=0.2)
    assert solutions["10-surge"].figure == pytest.approx(100 * 60 / 72, abs=0.2)


# ------------------------------------------------------------------ the command line

def test_list_json(capsys):
    assert main(["exercise", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == IDS and all(r["learning_goal"] for r in rows)


def test_show_prints_the_task(capsys):
    assert main(["exercise", "show", "4"]) == 0
    out = capsys.readouterr().out
    assert "## Task" in out and "exercise start 04-racetrack" in out


def test_unknown_exercise_is_exit_2(capsys):
    assert main(["exercise", "show", "99"]) == 2
    assert "no such exercise" in capsys.readouterr().err


def test_start_copies_and_never_overwrites(tmp_path, capsys):
    assert main(["exercise", "start", "1", str(tmp_path / "work")]) == 0
    copied = tmp_path / "work" / "01-horizon.yaml"
    assert copied.read_text() == load_exercise("1").start_path.read_text()
    assert (tmp_path / "work" / "01-horizon.md").is_file()
    copied.write_text("my edits\n")
    assert main(["exercise", "start", "1", str(tmp_path / "work")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert copied.read_text() == "my edits\n"


def test_start_where_nothing_can_be_written_is_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["exercise", "start", "1", str(blocker / "sub")]) == 2
    assert "cannot write there" in capsys.readouterr().err


def test_check_exit_codes_and_a_class_in_json(tmp_path, capsys):
    e = load_exercise("1")
    good, start = str(e.solution_path), str(e.start_path)
    assert main(["exercise", "check", "1", good]) == 0
    assert main(["exercise", "check", "1", start]) == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nplatforms: [\n")
    capsys.readouterr()
    assert main(["exercise", "check", "1", str(broken)]) == 2
    assert str(broken) in capsys.readouterr().err            # the located error, as `check`
    assert main(["exercise", "check", "1", start, str(broken), good, "--json"]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["file"], r["passed"]) for r in lines] == [(start, False), (str(broken), False),
                                                         (good, True)]
    assert lines[0]["figure"] < 300 <= lines[2]["figure"] and lines[1]["figure"] is None
    assert all(r["feedback"] for r in lines)


def test_goal_for_the_window_grades_a_result(solutions):
    import sim
    e = load_exercise("5")
    goal = ExerciseGoal(e)
    result = sim.run(load_scenario(e.start_path))
    assert not goal.passed(result)
    assert goal.describe(result) == [f"max revisit 0-40 km: "
                                     f"{format_value(starts_figure(result), 'min')} "
                                     f"(need <= 30.0 min)"]
    passed = sim.run(load_scenario(e.solution_path))
    assert goal.passed(passed) and goal.grade(passed).lines == solutions[e.id].lines


def starts_figure(result) -> float:
    """The band's max revisit straight from the result, in minutes."""
    row = [b for b in result.to_json_dict()["bands"] if b["to_km"] == 40][0]
    return row["max_revisit_s"] / 60.0


@pytest.mark.parametrize("ex_id, which, passed, shown", [
    ("9", "start", False, "rule broken: airspace"),
    ("5", "solution", True, "max revisit 0-40 km: ")])
def test_exercise_view_headless_shows_the_goal(ex_id, which, passed, shown, tmp_path, capsys):
    """`isr-sim exercise view` with SDL's dummy drivers (tests/conftest.py): the window runs
    with the goal, grades the scenario as it stands and saves the frame."""
    e = load_exercise(ex_id)
    path = str(e.start_path if which == "start" else e.solution_path)
    png = tmp_path / "frame.png"
    code = main(["exercise", "view", ex_id, path, "--frames", "3", "--screenshot", str(png)])
    out = capsys.readouterr().out
    assert code == (0 if passed else 1)
    assert png.stat().st_size > 10_000
    assert shown in out and ("PASSED" if passed else "NOT YET") in out
    for line in out.splitlines()[1:]:
        assert len(line.strip()) < 50                        # fits the window's panel
