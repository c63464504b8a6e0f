"""Sweep specifications (sim/sweep/spec.py): ranges, lists and seeds expand to the expected
points, and bad specifications are refused before any run with a located error naming the
--set item (through the command line: exit 2, nothing written)."""
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.sweep.spec import build_sweep, parse_set

ROOT = Path(__file__).resolve().parent.parent
RACETRACK = str(ROOT / "scenarios" / "examples" / "one-recon-racetrack.yaml")


def test_range_includes_its_end_when_it_falls_on_a_step():
    _, axis = parse_set("platforms.0.altitude=5km..25km:5km")
    assert axis.texts == ("5 km", "10 km", "15 km", "20 km", "25 km")
    assert axis.numbers == (5.0, 10.0, 15.0, 20.0, 25.0) and axis.unit == "km"
    _, axis = parse_set("platforms.0.altitude=5km..24km:5km")        # 24 is not on a step
    assert axis.texts[-1] == "20 km"


def test_range_in_mixed_units_of_one_quantity_and_decimal_steps():
    _, axis = parse_set("platforms.0.altitude=5km..15000m:5000m")
    assert axis.texts == ("5 km", "10 km", "15 km")
    _, axis = parse_set("platforms.0.phase=0..0.9:0.1")             # no binary noise in the text
    assert axis.texts == tuple(f"{k / 10:g}" for k in range(10))


def test_lists_and_fixed_values():
    _, axis = parse_set("platforms.0.phase=0,0.25,0.5")
    assert axis.texts == ("0", "0.25", "0.5") and axis.numbers == (0.0, 0.25, 0.5)
    _, axis = parse_set("platforms.0.class=high-altitude-recon,medium-altitude-drone")
    assert axis.numbers is None                                      # categorical
    assert parse_set("grid.bands=[25 km, 50 km]") == ("grid.bands", None)   # one YAML list
    assert parse_set("time.duration=2h") == ("time.duration", None)


def test_cartesian_product_times_seeds_with_stable_ids():
    spec, runs = build_sweep(RACETRACK, ["platforms.0.altitude=5km..15km:5km",
                                         "platforms.0.phase=0,0.5", "time.duration=1h"], 2)
    assert len(runs) == 3 * 2 * 2
    assert [r.seed for r in runs[:4]] == [1, 2, 1, 2]                # the file's seed is 1
    assert runs[0].values == {"platforms.0.altitude": "5 km", "platforms.0.phase": "0"}
    assert runs[0].scenario.platforms[0].altitude_m == 5000.0
    assert runs[-1].scenario.platforms[0].phase == 0.5 and runs[-1].scenario.seed == 2
    assert all(r.scenario.time.duration_s == 3600.0 for r in runs)
    assert len({r.id for r in runs}) == len(runs)
    assert [r.id for r in build_sweep(RACETRACK, ["platforms.0.altitude=5km..15km:5km",
                                                  "platforms.0.phase=0,0.5", "time.duration=1h"],
                                      2)[1]] == [r.id for r in runs]


@pytest.mark.parametrize("sets, message", [
    (["platforms.0.altitude=5km..1km:1km"], "--set: 'platforms.0.altitude=5km..1km:1km': the range runs backwards"),
    (["platforms.0.altitude=5km..25km:0km"], "the step must be greater than 0"),
    (["platforms.0.altitude=5km..25km:-5km"], "the step must be greater than 0"),
    (["platforms.0.altitude=5km..25s:5km"], "are not one quantity"),
    (["platforms.0.altitude=5km..25km"], "a range is START..STOP:STEP"),
    (["platforms.0.altitud=5km..25km:5km"],
     "--set platforms.0.altitud=5km..25km:5km: platforms.0.altitud: unknown key"),
    (["platforms.3.altitude=5km..25km:5km"], "has 1 item(s): no index 3"),
    (["platforms.0.altitude=5km..95km:30km"], "--set platforms.0.altitude=5km..95km:30km: "
                                              "platforms.0.altitude: '35 km': must be in (0, 30] km"),
    (["platforms.0.phase=0,,0.5"], "an empty item in the list"),
    (["platforms.0.phase=0,0.5", "platforms.0.phase=0.25"], "platforms.0.phase is given twice"),
    (["seed=1,2"], "--seeds sets the seed of every run"),
])
def test_bad_specifications_are_refused_before_any_run(sets, message, tmp_path, capsys):
    seeds = 2 if sets == ["seed=1,2"] else None
    with pytest.raises(ScenarioError) as error:
        build_sweep(RACETRACK, sets, seeds)
    assert message in str(error.value)
    out = tmp_path / "out"
    argv = ["sweep", RACETRACK, "--out", str(out), "--quiet"] + [a for s in sets for a in ("--set", s)]
    assert main(argv + (["--seeds", "2"] if seeds else [])) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()                                  # nothing ran, nothing written


def test_bad_seeds_and_workers_are_refused(tmp_path, capsys):
    base = ["sweep", RACETRACK, "--out", str(tmp_path / "o"), "--set", "platforms.0.phase=0,0.5"]
    assert main(base + ["--seeds", "0"]) == 2
    assert "--seeds: 0: must be at least 1" in capsys.readouterr().err
    assert main(base + ["--workers", "0"]) == 2
    assert main(base + ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert not (tmp_path / "o").exists()


def test_an_unreachable_scheduler_is_refused_before_anything_is_written(tmp_path, capsys,
                                                                         monkeypatch):
    monkeypatch.setattr("sim.sweep.executors.CONNECT_TIMEOUT_S", 2.0)
    assert main(["sweep", RACETRACK, "--out", str(tmp_path / "o"), "--set",
                 "platforms.0.phase=0,0.5", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "--scheduler: 'tcp://127.0.0.1:9': cannot reach the scheduler" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
