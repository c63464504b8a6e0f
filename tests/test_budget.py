"""The resource budget (sim/engine/budget.py): runs that would take the machine's memory are refused
before the heavy work, with what was asked, the estimate, the limit and how to reduce it
(exit 2); --max-memory raises the limit; the estimate is checked against measured peaks.

The refusal tests replace the engine with one that fails if constructed, so a wrong estimate
fails the test instead of taking the machine's memory.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy

from sim.engine import budget, runner
from sim.cli import main as cli
from sim import memory
from sim.world import terrain_file
from sim.errors import ScenarioError
from sim.world.geography import build_geography
from sim.world.grid import build_grid
from sim.paths import SCENARIOS_DIR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
from sim.scenario.load import load_scenario
from sim.platforms.sensors import build_sensors

ONE = str(SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml")
LOITER = "platforms.0.track={loiter: {center: {lat: 31.29, lon: -107.79}, radius: %s}}"


@pytest.fixture
def no_heavy_work(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the heavy work started: the budget let this run through")
    monkeypatch.setattr(runner, "Engine", refuse)


def _refused(capsys, argv, part_key: str) -> str:
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert f"{ONE}: {part_key}: this run would need about " in err
    assert "more than the limit of 4.0 GiB" in err and "--max-memory" in err
    return err


# ------------------------------------------------------------- the examples of the issue

def test_grid_with_the_discs_beyond_the_border_ends_is_refused(capsys, no_heavy_work):
    err = _refused(capsys, ["run", ONE, "--quiet", "--set", "geography.synthetic.length=1km",
                            "--set", "grid.cell=1km", "--set", "grid.extent=5000km",
                            "--set", "grid.bands=[5000 km]"], "grid.cell")
    # Half a spherical cap of 5,000 km radius (two quarter discs, one beyond each end):
    # pi R^2 (1 - cos(E/R)) / cell^2 = 37.3 million 1 km cells.
    r_km = 6371.0
    cells = math.pi * r_km ** 2 * (1 - math.cos(5000 / r_km))
    shown = float(err.split("(")[1].split(" cells")[0].replace(",", ""))
    assert shown == pytest.approx(cells, rel=0.03)
    assert "use a larger grid.cell or a smaller grid.extent" in err


def test_the_check_command_refuses_it_too(capsys):
    argv = ["check", ONE, "--set", "geography.synthetic.length=1km", "--set", "grid.cell=1km",
            "--set", "grid.extent=5000km", "--set", "grid.bands=[5000 km]"]
    assert cli.main(argv) == 2
    assert "more than the limit of 4.0 GiB" in capsys.readouterr().err
    assert cli.main(argv + ["--max-memory", "1TiB"]) == 0


def test_timeline_over_400_days_is_refused(capsys, no_heavy_work):
    err = _refused(capsys, ["run", ONE, "--quiet", "--timeline", "--set", "time.duration=400d"],
                   "time.step")
    assert "--timeline holds every interval" in err


@pytest.mark.parametrize("radius", ["1 m", "1 mm"])
def test_loiter_of_a_tiny_radius_is_refused(capsys, no_heavy_work, radius):
    _refused(capsys, ["run", ONE, "--quiet", "--set", LOITER % radius], "time.duration")


def test_stepped_engine_at_a_millisecond_is_refused(capsys, no_heavy_work):
    err = _refused(capsys, ["run", ONE, "--quiet", "--engine", "stepped", "--step", "0.001s"],
                   "time.step")
    # 6 h / 1 ms + 1 samples
    assert "21,600,001 time samples" in err


def _npz_declaring(path, shapes: dict) -> None:
    """An .npz whose members' headers declare `shapes` (float64) but hold no data: the
    budget must read the shapes without loading the arrays."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, shape in shapes.items():
            with archive.open(name + ".npy", "w") as member:
                npy.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False,
                                                    "shape": shape})


def test_terrain_file_declaring_a_huge_array_is_refused_from_its_header(capsys, no_heavy_work,
                                                                      tmp_path):
    path = tmp_path / "huge.npz"
    _npz_declaring(path, {"lat_deg": (30000,), "lon_deg": (30000,), "elevation_m": (30000, 30000)})
    assert path.stat().st_size < 10_000
    for command in ("check", "run"):
        code = cli.main([command, ONE, "--set", f"terrain={path}"])
        err = capsys.readouterr().err
        assert code == 2 and "internal error" not in err
        assert ": terrain: " in err and "the terrain grid declares 30,000 x 30,000 points" in err
        assert "more than the limit of 4.0 GiB" in err


def test_npz_shapes_come_from_the_headers(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, lat_deg=np.zeros(3), elevation_m=np.zeros((3, 4), dtype=np.float32))
    assert terrain_file.npz_array_shapes(path) == {"lat_deg": ((3,), 8), "elevation_m": ((3, 4), 4)}


def test_max_memory_raises_or_lowers_the_limit(capsys):
    assert cli.main(["run", ONE, "--quiet", "--max-memory", "1MiB"]) == 2
    assert "more than the limit of 1.0 MiB" in capsys.readouterr().err
    assert cli.main(["run", ONE, "--quiet", "--json", "--max-memory", "8GiB"]) == 0
    assert json.loads(capsys.readouterr().out)["grid"]["cells"] > 0


@pytest.mark.parametrize("text", ["lots", "-1GiB", "8 parsecs", "nan", ""])
def test_a_bad_max_memory_is_located(capsys, text):
    assert cli.main(["check", ONE, f"--max-memory={text}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"--max-memory: {text!r}: ") and "write a size such as 8GiB" in err


def test_parse_size_units():
    assert memory.parse_size("8GiB") == 8 * 2 ** 30
    assert memory.parse_size("500 MB") == 500e6
    assert memory.parse_size("2e9") == 2e9
    assert memory.parse_size("1.5k") == 1536


def test_python_api_refuses_too():
    scenario = load_scenario(ONE, overrides=[LOITER % "1 m"])
    with pytest.raises(ScenarioError, match="more than the limit"):
        runner.run(scenario)


# ------------------------------------------------------------------ cells as built

@pytest.mark.parametrize("overrides", [
    ("geography.synthetic.length=1km", "grid.cell=2km", "grid.extent=300km",
     "grid.bands=[300 km]"),
    ("grid.side=both", "grid.cell=3km"),
    ("geography.synthetic.coast={offset: 100 km}",),
])
def test_cell_count_matches_the_grid_built(overrides):
    scenario = load_scenario(ONE, overrides=overrides)
    geography = build_geography(scenario.geography, scenario.earth)
    built = build_grid(scenario.grid, geography, scenario.earth).size
    assert budget.estimate(scenario).cells == pytest.approx(built, rel=0.03)


# --------------------------------------------------------------- against measured peaks

_MEASURE = """
import json, resource, sys
from sim import memory
from sim.engine import budget
from sim.engine.runner import run
from sim.scenario.load import load_scenario
from sim.platforms.sensors import build_sensors
engine, step, timeline, *overrides = sys.argv[1:]
scenario = load_scenario(%r, overrides=overrides)
found = budget.estimate(scenario, engine, float(step) or None, timeline == "1")
run(scenario, engine=engine, step_s=float(step) or None, timeline=timeline == "1")
print(json.dumps({"estimate": found.peak_bytes, "peak": memory.peak_process_bytes(),
                  "base": found.base_bytes}))
""" % ONE


@pytest.mark.parametrize("case", [
    ("exact", "0", "0", "grid.cell=2km"),                 # 95,000 cells
    ("exact", "0", "1", "time.duration=2d"),              # every interval of two days
    ("stepped", "2", "0", "time.duration=1h"),            # 1,801 samples
])
def test_estimate_within_a_factor_two_of_the_measured_peak(case):
    out = subprocess.run([sys.executable, "-c", _MEASURE, *case], capture_output=True, text=True,
                         cwd=PROJECT_ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert 0.5 <= found["estimate"] / found["peak"] <= 2.0, found
    # and the run's own part, above what the process held when the estimate was made
    assert 0.5 <= (found["estimate"] - found["base"]) / (found["peak"] - found["base"]) <= 2.0, found


# ------------------------------------------------------- time: the stepped engine's work

def test_stepped_engine_at_a_millisecond_over_an_hour_is_refused_for_its_time(capsys,
                                                                           no_heavy_work):
    """Its memory fits (3.6 million samples) but it would run for about an hour."""
    argv = ["run", ONE, "--quiet", "--engine", "stepped", "--step", "0.001s",
            "--set", "time.duration=1h"]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "internal error" not in err
    assert f"{ONE}: time.step: the stepped engine at a 0.001 s step would make about " in err
    assert "3,600,001 time samples" in err and "minutes at 10,000,000 a second" in err
    assert "more than the limit of 3e+10" in err
    assert "use a larger --step or a shorter time.duration" in err and "--max-work" in err
    scenario = load_scenario(ONE, overrides=["time.duration=1h"])
    found = budget.estimate(scenario, "stepped", 0.001)
    assert found.peak_bytes < memory.DEFAULT_LIMIT_BYTES      # the memory budget passes it
    # samples x the cells of the footprint cap (2 pi R^2 (1 - cos reach) / cell^2) per sensor
    reaches = [float(s.central_angle_limits_rad(scenario.platforms[0].altitude_m)[1])
               for s in build_sensors(scenario.platforms[0].sensors, scenario.earth)]
    cap_cells = sum(2 * math.pi * scenario.earth.radius_m ** 2 * (1 - math.cos(r))
                    / scenario.grid.cell_m ** 2 for r in reaches if r > 0)
    assert found.evaluations == pytest.approx(3_600_001 * cap_cells, rel=1e-6)


def test_max_work_raises_or_lowers_the_time_limit(capsys):
    argv = ["run", ONE, "--quiet", "--json", "--engine", "stepped", "--step", "60s",
            "--set", "time.duration=1h"]
    assert cli.main(argv + ["--max-work", "1000"]) == 2
    assert "more than the limit of 1e+03" in capsys.readouterr().err
    assert cli.main(argv) == 0          # a normal stepped run passes the default limit
    assert json.loads(capsys.readouterr().out)["grid"]["cells"] > 0


@pytest.mark.parametrize("text", ["lots", "-1", "0", "nan"])
def test_a_bad_max_work_is_located(capsys, text):
    assert cli.main(["run", ONE, f"--max-work={text}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"--max-work: {text!r}: ") and "write a number such as 1e11" in err


def test_every_documented_stepped_run_is_within_the_time_limit():
    """The bench's stepped cases at their steps (sim/bench/main.py CASES) pass the default."""
    from sim.bench.main import CASES
    for case in CASES:
        if case.stepped_step_s:
            scenario = load_scenario(str(SCENARIOS_DIR / "benchmarks" / case.file),
                                     overrides=case.overrides)
            found = budget.estimate(scenario, "stepped", case.stepped_step_s)
            assert 0 < found.evaluations <= budget.DEFAULT_WORK_LIMIT, case.name
