"""Golden outputs of the `isr-sim run` command line, and its behaviour on user errors.

The text report and the `--json` result of two shipped examples are compared with files in
tests/golden/ (the pattern of SimPy's example outputs and Pygame Zero's reference images).
Text is compared exactly; JSON is parsed and numbers are compared with a relative tolerance
of 1e-6 (JSON_REL_TOL) so that float noise in the last printed digit does not fail.
On a mismatch the failure shows a unified diff. To regenerate the files after an intended
change, run

    ISR_SIM_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py -q

and review `git diff tests/golden/` before committing.

Also: exit status 2 with a one-paragraph message (no traceback) for a bad scenario, an
unwritable --csv path and a bad --set, with no output file left behind; the --csv columns;
the --timeline structure. Those use 20 km cells (--set grid.cell=20km) to stay fast.
"""
from __future__ import annotations

import csv
import difflib
import json
import math
import os
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.paths import SCENARIOS_DIR

GOLDEN_DIR = Path(__file__).parent / "golden"
BAD_DIR = Path(__file__).parent / "scenarios" / "bad"
UPDATE = os.environ.get("ISR_SIM_UPDATE_GOLDEN") == "1"
JSON_REL_TOL = 1e-6
JSON_ABS_TOL = 1e-9     # numbers printed as 0 (rounded to 6 decimals) vs a tiny remainder

RECON = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"
DRONES = SCENARIOS_DIR / "examples" / "two-drones-phased.yaml"
COARSE = ["--set", "grid.cell=20km"]

# The per-cell figures of docs/figures.md, in the order the CSV writes them.
CELL_KEYS = ["ever_covered_frac", "time_covered_frac", "accesses", "max_revisit_s",
             "mean_revisit_s", "time_average_gap_s", "mean_response_s",
             "mean_age_of_data_s", "max_simultaneous", "best_gsd_m"]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["run", *map(str, argv), "--quiet"])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def unified_diff(expected: str, actual: str, name: str) -> str:
    return "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                        actual.splitlines(keepends=True),
                                        fromfile=f"golden/{name}", tofile="actual"))


def json_mismatches(expected, actual, path: str = "$") -> list[str]:
    """Paths where two parsed JSON values differ (numbers within JSON_REL_TOL)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return [] if expected is actual else [f"{path}: {expected!r} != {actual!r}"]
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if math.isclose(expected, actual, rel_tol=JSON_REL_TOL, abs_tol=JSON_ABS_TOL):
            return []
        return [f"{path}: {expected!r} != {actual!r}"]
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        if list(expected) != list(actual):
            out.append(f"{path}: keys {list(expected)} != {list(actual)}")
        for key in expected:
            if key in actual:
                out += json_mismatches(expected[key], actual[key], f"{path}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: length {len(expected)} != {len(actual)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += json_mismatches(e, a, f"{path}[{i}]")
        return out
    return [] if expected == actual else [f"{path}: {expected!r} != {actual!r}"]


def golden_text(name: str, actual: str) -> str:
    """The golden file's text; with ISR_SIM_UPDATE_GOLDEN=1 it is (re)written first."""
    path = GOLDEN_DIR / name
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), (f"missing golden file {path}; create it with "
                           f"ISR_SIM_UPDATE_GOLDEN=1 and review it")
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------- golden files

GOLDEN_CASES = [(RECON, "one-recon-racetrack"), (DRONES, "two-drones-phased")]


@pytest.mark.parametrize("scenario,stem", GOLDEN_CASES, ids=[s for _, s in GOLDEN_CASES])
def test_text_report_matches_golden(capsys, scenario, stem):
    rc, out, err = run_cli(capsys, scenario)
    assert rc == 0, err
    expected = golden_text(f"{stem}.txt", out)
    if out != expected:
        pytest.fail("text report differs from the golden file (set ISR_SIM_UPDATE_GOLDEN=1 "
                    "to accept):\n" + unified_diff(expected, out, f"{stem}.txt"))


@pytest.mark.parametrize("scenario,stem", GOLDEN_CASES, ids=[s for _, s in GOLDEN_CASES])
def test_json_result_matches_golden(capsys, scenario, stem):
    rc, out, err = run_cli(capsys, scenario, "--json")
    assert rc == 0, err
    actual = json.loads(out)
    expected_text = golden_text(f"{stem}.json", out)
    expected = json.loads(expected_text)
    problems = json_mismatches(expected, actual)
    if problems:
        pretty = json.dumps(actual, indent=2) + "\n"
        pytest.fail(f"JSON result differs from golden/{stem}.json beyond rel {JSON_REL_TOL} at:\n  "
                    + "\n  ".join(problems[:30]) + "\n"
                    + unified_diff(json.dumps(expected, indent=2) + "\n", pretty, f"{stem}.json"))


def test_json_comparison_can_fail():
    """The tolerance compare itself: 1e-6 relative passes, 1e-5 fails, keys and types count."""
    base = {"a": 1.0, "b": [1, 2.5], "c": None, "d": "x"}
    assert json_mismatches(base, {"a": 1.0 + 5e-7, "b": [1, 2.5], "c": None, "d": "x"}) == []
    assert json_mismatches(base, {"a": 1.0 + 1e-5, "b": [1, 2.5], "c": None, "d": "x"})
    assert json_mismatches(base, {"a": 1.0, "b": [1, 2.5, 3], "c": None, "d": "x"})
    assert json_mismatches(base, {"a": 1.0, "b": [1, 2.5], "c": 0.0, "d": "x"})
    assert json_mismatches(base, {"b": [1, 2.5], "a": 1.0, "c": None, "d": "x"})
    assert json_mismatches({"t": True}, {"t": 1})


def test_golden_files_are_what_the_examples_teach():
    """Guards against accepting a broken golden file: the recon example's JSON must show
    coverage in the first band and none in the last. Sources: the example's description
    (camera 150 km slant, radar up to 160 km ground range, track 40 km behind the border,
    so nothing beyond 40 + 160 = 200 km can be seen)."""
    data = json.loads((GOLDEN_DIR / "one-recon-racetrack.json").read_text(encoding="utf-8"))
    bands = {(b["from_km"], b["to_km"]): b for b in data["bands"]}
    assert bands[(0.0, 25.0)]["ever_covered_frac"] > 0.5
    assert bands[(200.0, 300.0)]["ever_covered_frac"] == 0.0
    assert data["duration_s"] == 6 * 3600.0          # time.duration: 6 h
    assert data["engine"] == "exact"


# ------------------------------------------------------------------------- user errors

def assert_one_paragraph_error(rc: int, out: str, err: str, *needles: str) -> None:
    assert rc == 2
    assert out == ""
    text = err.strip()
    assert text and "Traceback" not in err and "internal error" not in err
    assert "\n\n" not in text, "one paragraph, no blank lines"
    for needle in needles:
        assert needle in text, (needle, text)


def test_bad_scenario_exits_2_without_traceback_nor_output(capsys, tmp_path):
    target = tmp_path / "cells.csv"
    rc, out, err = run_cli(capsys, BAD_DIR / "enum-typo.yaml", "--csv", target)
    # the located message of tests/scenarios/bad/expected.txt for this file
    assert_one_paragraph_error(rc, out, err, "enum-typo.yaml:", "grid.side", "'neighbor'",
                               "did you mean 'neighbour'")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [], "no temporary file left behind"


def test_missing_scenario_file_exits_2(capsys, tmp_path):
    rc, out, err = run_cli(capsys, tmp_path / "nowhere.yaml")
    assert_one_paragraph_error(rc, out, err, "nowhere.yaml", "cannot read the file")


@pytest.mark.parametrize("where", ["missing-folder", "file-as-folder", "folder", "unwritable-folder"])
def test_unwritable_csv_path_exits_2_and_writes_nothing(capsys, tmp_path, where):
    if where == "missing-folder":
        target = tmp_path / "no-such-folder" / "cells.csv"
    elif where == "file-as-folder":
        (tmp_path / "plain-file").write_text("x")
        target = tmp_path / "plain-file" / "cells.csv"
    elif where == "folder":
        (tmp_path / "a-folder").mkdir()
        target = tmp_path / "a-folder"
    else:
        # /proc exists but no file can be created in it, even by root.
        target = Path("/proc/cells.csv")
    before = sorted(p.name for p in tmp_path.iterdir())
    rc, out, err = run_cli(capsys, RECON, *COARSE, "--csv", target)
    assert_one_paragraph_error(rc, out, err, "--csv:", repr(str(target)))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if where != "folder":
        assert not target.exists()


@pytest.mark.parametrize("override,needles", [
    ("grid.cell=banana", ("--set: grid.cell: 'banana'", "expected a length")),
    ("no_such_key=1", ("--set: no_such_key: unknown key",)),
    ("grid.cell", ("--set",)),
    ("platforms.7.phase=0.5", ("--set:", "no index 7")),
])
def test_bad_set_exits_2_and_writes_nothing(capsys, tmp_path, override, needles):
    target = tmp_path / "cells.csv"
    rc, out, err = run_cli(capsys, RECON, "--set", override, "--csv", target)
    assert_one_paragraph_error(rc, out, err, *needles)
    assert list(tmp_path.iterdir()) == []


def test_later_bad_option_leaves_earlier_output_unwritten(capsys, tmp_path):
    """Every output path is checked before anything is computed or written: a bad --png
    path means the (valid) --csv is not written either."""
    csv_path = tmp_path / "cells.csv"
    png_path = tmp_path / "missing" / "map.png"
    rc, out, err = run_cli(capsys, RECON, *COARSE, "--csv", csv_path, "--png", png_path)
    assert_one_paragraph_error(rc, out, err, "--png:")
    assert list(tmp_path.iterdir()) == []
    rc, out, err = run_cli(capsys, RECON, *COARSE, "--csv", csv_path, "--png",
                           tmp_path / "map.png", "--map-key", "no_such_figure")
    assert_one_paragraph_error(rc, out, err, "--map-key:", "time_covered_frac")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------- --csv, --timeline

def test_csv_columns_and_rows(capsys, tmp_path):
    target = tmp_path / "cells.csv"
    rc, out, err = run_cli(capsys, RECON, *COARSE, "--csv", target, "--json")
    assert rc == 0, err
    result = json.loads(out)
    with open(target, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    # lead columns, then every per-cell key (the keys of the region summary), in order
    assert header == ["lat", "lon", "depth_km", "along_km", "area_km2"] + CELL_KEYS
    # the region summary: every per-cell key, then the never-seen area (docs/figures.md)
    assert list(result["summary"]) == CELL_KEYS + ["never_seen_km2"]
    assert len(body) == result["grid"]["cells"]
    assert all(len(r) == len(header) for r in body)
    col = {name: [r[i] for i in range(len(r))] for name, r in zip(header, zip(*body))}
    area = [float(a) for a in col["area_km2"]]
    # Equal-area cells of 20 km: 400 km2 each (sim/world/grid.py: area = cell^2).
    assert all(a == pytest.approx(400.0) for a in area)
    # Hand calculation of the region: a 300 km strip along 800 km of border plus a half
    # disc of radius 300 km at each end: 800 * 300 + pi * 300^2 / 2 = 381,372 km2; 20 km
    # cells quantise the edge, so within 0.5 %.
    assert sum(area) == pytest.approx(800 * 300 + math.pi * 300 ** 2 / 2, rel=0.005)
    assert sum(area) == pytest.approx(result["grid"]["area_km2"], rel=1e-9)
    depth = [float(d) for d in col["depth_km"]]
    along = [float(a) for a in col["along_km"]]
    # grid.side: neighbour (depth positive) up to grid.extent 300 km; along 0..800 km
    assert 0.0 < min(depth) and max(depth) <= 300.0 + 1e-3
    assert min(along) >= 0.0 and max(along) <= 800.0 + 1e-3
    lat = [float(x) for x in col["lat"]]
    assert max(lat) < 31.3           # the whole strip is south of the border (31 N..31.3 N)
    assert set(col["ever_covered_frac"]) <= {"0", "1"}
    # Area-weighted mean of the time_covered_frac column is the region value (definition,
    # docs/figures.md); 1e-5 allows the CSV's 10 significant digits and the
    # JSON's 6 decimals.
    tc = sum(a * float(v) for a, v in zip(area, col["time_covered_frac"])) / sum(area)
    assert tc == pytest.approx(result["summary"]["time_covered_frac"], abs=1e-5)
    # best_gsd_m is empty exactly where no imaging sensor saw the cell (NaN -> "")
    empty_gsd = [v == "" for v in col["best_gsd_m"]]
    assert any(empty_gsd) and not all(empty_gsd)
    # a cell with a GSD was seen (a radar-only cell is seen without one)
    assert all(v == "1" for v, e in zip(col["ever_covered_frac"], empty_gsd) if not e)
    assert all(float(v) > 0 for v in col["best_gsd_m"] if v != "")
    # revisit and response are empty exactly where the cell was never seen (one rule)
    for key in ("max_revisit_s", "mean_revisit_s", "mean_response_s", "mean_age_of_data_s"):
        assert [v == "" for v in col[key]] == [v == "0" for v in col["ever_covered_frac"]], key


def test_timeline_structure(capsys):
    """30 h from 15:00Z (time.start of the recon example) crosses one UTC midnight, at
    24 - 15 = 9 h = 32,400 s: two day rows, 2025-02-03 and 2025-02-04."""
    rc, out, err = run_cli(capsys, RECON, *COARSE, "--set", "time.duration=30h",
                           "--json", "--timeline")
    assert rc == 0, err
    result = json.loads(out)
    tl = result["timeline"]
    T, step = 30 * 3600.0, 10.0                 # time.duration, time.step of the example
    assert list(tl) == ["step_s", "t_s", "covered_frac", "days"]
    assert tl["step_s"] == step
    assert tl["t_s"] == [i * step for i in range(int(T / step) + 1)]   # 0, 10, ..., T
    assert len(tl["covered_frac"]) == len(tl["t_s"])
    assert all(0.0 <= f <= 1.0 for f in tl["covered_frac"])
    assert max(tl["covered_frac"]) > 0.0
    days = tl["days"]
    assert [(d["start_s"], d["end_s"], d["date"]) for d in days] == [
        (0.0, 32_400.0, "2025-02-03"), (32_400.0, T, "2025-02-04")]
    summary = result["summary"]
    # The day rows partition the window: their length-weighted time-covered is the whole
    # run's (definition), to the JSON's 6 decimals.
    weighted = sum(d["time_covered_frac"] * (d["end_s"] - d["start_s"]) for d in days) / T
    assert weighted == pytest.approx(summary["time_covered_frac"], abs=2e-6)
    # A cell ever covered on a day is ever covered in the run, and the union of the days is
    # the run: max(day) <= run <= sum(days).
    ever = [d["ever_covered_frac"] for d in days]
    assert max(ever) <= summary["ever_covered_frac"] + 1e-6
    assert summary["ever_covered_frac"] <= sum(ever) + 1e-6
    # The trapezoid rule over the series approximates time_covered: each access has two
    # ends, each costing at most step/2 of error in one cell, so the region error is at
    # most (area-weighted mean accesses) * step / T.
    f = tl["covered_frac"]
    trapezoid = sum((a + b) * step / 2 for a, b in zip(f[:-1], f[1:])) / T
    bound = summary["accesses"] * step / T
    assert abs(trapezoid - summary["time_covered_frac"]) <= bound + 1e-6
