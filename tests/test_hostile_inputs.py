"""Hostile inputs end in a located error (exit 2) or a correct result, never "internal error":
control characters, geometry that wraps the planet, a grid of no cells, antipodal waypoints,
paths that are not regular files, wrong types through the Python API."""
from __future__ import annotations

import math
import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import sim
from sim.cli import main as cli
from sim.engine import runner
from sim.errors import ScenarioError
from sim.world.geography import build_geography
from sim.world.grid import build_grid
from sim.paths import SCENARIOS_DIR
from sim.scenario.load import load_scenario, load_scenario_text

ONE = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"
ONE_TEXT = ONE.read_text(encoding="utf-8")


def _exit_and_err(capsys, argv) -> tuple[int, str]:
    code = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    return code, err


# ------------------------------------------------------------------ control characters

@pytest.mark.parametrize("char, where", [("\x07", "value"), ("\x7f", "comment"),
                                         ("\x1b", "value"), ("\x9b", "comment")])
def test_control_characters_anywhere_are_located(tmp_path, capsys, char, where):
    lines = ONE_TEXT.splitlines()
    lines[9] = lines[9] + (f"  # a note {char}" if where == "comment" else "")
    if where == "value":
        lines[0] = f"name: One{char}recon"
    path = tmp_path / "s.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = _exit_and_err(capsys, ["check", path])
    line = 10 if where == "comment" else 1
    assert code == 2
    assert err.startswith(f"{path}:{line}:") and f"U+{ord(char):04X} is not allowed" in err


def test_unpaired_surrogate_in_text_is_located():
    with pytest.raises(ScenarioError, match=r"<string>:1:9: the character U\+D800"):
        load_scenario_text("name: ab\ud800c\n")


# -------------------------------------------------------------- planet-wrapping geometry

def test_the_issue_example_of_198_million_km2_is_refused(capsys):
    code, err = _exit_and_err(capsys, [
        "check", ONE, "--set", "earth.radius=1000km", "--set", "geography.synthetic.length=20000km",
        "--set", "grid.cell=100km", "--set", "grid.extent=5000km", "--set", "grid.bands=[5000 km]"])
    assert code == 2
    assert "geography.synthetic.length: longer than half the circumference" in err


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(radius_km=st.floats(1000, 100_000), length_frac=st.floats(0.001, 1.2),
       extent_frac=st.floats(0.001, 1.2), side=st.sampled_from(["neighbour", "own", "both"]))
def test_no_grid_has_more_area_than_the_sphere(radius_km, length_frac, extent_frac, side):
    """Whatever the loader accepts builds a grid of at most the sphere's area (4 pi R^2).
    Lengths are drawn as fractions of half the circumference; the cell is chosen for a few
    thousand cells."""
    half_km = math.pi * radius_km
    length_km = min(length_frac * half_km, 20_000)
    extent_km = min(extent_frac * half_km, 5_000)
    area_km2 = 2 * (length_km + math.pi * extent_km) * extent_km
    cell_km = max(0.1, math.sqrt(area_km2 / 3000), extent_km / 50)
    overrides = [f"earth.radius={radius_km}km", f"geography.synthetic.length={length_km}km",
                 f"grid.extent={extent_km}km", f"grid.cell={min(cell_km, extent_km)}km",
                 f"grid.bands=[{extent_km} km]", f"grid.side={side}"]
    try:
        scenario = load_scenario_text(ONE_TEXT, "s.yaml", overrides=overrides)
    except ScenarioError as error:
        assert all(p.file == "--set" for p in error.problems)
        return
    geography = build_geography(scenario.geography, scenario.earth)
    grid = build_grid(scenario.grid, geography, scenario.earth)
    sphere_m2 = 4 * math.pi * scenario.earth.radius_m ** 2
    assert grid.total_area_m2 <= sphere_m2


# ----------------------------------------------------------------- degenerate geometry

@pytest.mark.parametrize("extra", [[], ["--json"], ["--timeline", "--json"],
                                   ["--engine", "stepped"], ["--csv", "CSV"], ["--png", "PNG"]])
def test_a_grid_of_no_cells_gives_its_warning(tmp_path, capsys, extra):
    extra = [str(tmp_path / f"out.{e.lower()}") if e in ("CSV", "PNG") else e for e in extra]
    code = cli.main(["run", str(ONE), "--quiet", "--set", "geography.synthetic.coast={offset: 1 m}",
                     *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "the grid has no cells" in out


def test_a_route_between_antipodal_waypoints_is_located(capsys):
    route = "platforms.0.track={route: {waypoints: [{lat: 10, lon: 20}, {lat: -10, lon: -160}]}}"
    code, err = _exit_and_err(capsys, ["run", ONE, "--set", route])
    assert code == 2
    assert err.strip().startswith("--set: platforms.0.track.route.waypoints.1: ")
    assert "opposite waypoint 0 on the globe" in err


def test_a_loop_closing_on_the_antipode_is_located():
    route = ("platforms.0.track={route: {waypoints: [{lat: 10, lon: 20}, {lat: 0, lon: 100}, "
             "{lat: -10, lon: -160}]}}")
    with pytest.raises(ScenarioError, match="the loop's closing great circle is not defined"):
        load_scenario(ONE, overrides=[route])
    load_scenario(ONE, overrides=[route.replace("}]}}", "}], repeat: reverse}}")])


@pytest.mark.parametrize("kind", ["{a: 1}", "[conic]"])
def test_a_sensor_kind_that_is_not_a_word_is_located(capsys, kind):
    code, err = _exit_and_err(capsys, ["check", ONE, "--set",
                                       f"platforms.0.sensors=[{{name: cam, kind: {kind}}}]"])
    assert code == 2
    assert "platforms.0.sensors.0.kind" in err and "must be one of horizon, conic" in err


# -------------------------------------------------------------- paths that are not files

def test_a_fifo_as_the_scenario_does_not_block(tmp_path, capsys):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    done: list = []
    worker = threading.Thread(target=lambda: done.append(cli.main(["check", str(fifo)])))
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():                 # unblock the reader before failing
        with open(fifo, "w"):
            pass
        worker.join()
        pytest.fail("reading a FIFO blocked")
    assert done == [2]
    assert "not a regular file (a FIFO, device or socket)" in capsys.readouterr().err


def test_a_folder_as_the_scenario_is_located(tmp_path, capsys):
    code, err = _exit_and_err(capsys, ["check", tmp_path])
    assert code == 2 and "not a regular file (a folder)" in err


# ----------------------------------------------------------------------- Python API

@pytest.mark.parametrize("value, error, words", [
    ({"name": "x"}, TypeError, "not dict: for a mapping, write it as YAML text"),
    (ONE_TEXT, ScenarioError, "this is YAML text, not a file name"),
    (42, TypeError, r"path of a YAML file \(str or Path\), not int"),
])
def test_load_scenario_says_what_to_pass(value, error, words):
    with pytest.raises(error, match=words):
        sim.load_scenario(value)


def test_overrides_must_be_a_list_of_strings():
    with pytest.raises(TypeError, match="a list of 'KEY=VALUE' strings"):
        sim.load_scenario(ONE, overrides="grid.cell=4km")
    with pytest.raises(TypeError, match="each override is a 'KEY=VALUE' string, not int"):
        load_scenario_text(ONE_TEXT, overrides=[3])
    with pytest.raises(TypeError, match="takes YAML text"):
        load_scenario_text(ONE)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"engine": "fast"}, ValueError, "use engine='exact' or engine='stepped'"),
    ({"step_s": "10s"}, TypeError, r"run\(step_s=...\) takes a number, not str"),
    ({"step_s": -1.0}, ValueError, "must be a positive finite number"),
    ({"timeline": "yes"}, TypeError, "takes True or False"),
    ({"progress": 3}, TypeError, "takes a function"),
    ({"max_memory_bytes": float("nan")}, ValueError, "positive finite"),
])
def test_run_says_what_to_pass(kwargs, error, words):
    scenario = sim.load_scenario(ONE)
    with pytest.raises(error, match=words):
        sim.run(scenario, **kwargs)


def test_run_of_something_else_than_a_scenario():
    with pytest.raises(TypeError, match="expected a scenario file path or a Scenario, got int"):
        sim.run(42)
    with pytest.raises(TypeError, match="pass sim.load_scenario"):
        runner.run(str(ONE))
