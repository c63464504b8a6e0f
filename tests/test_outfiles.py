"""No file the user had is damaged (sim/output/files.py): outputs that are inputs or twice the
same file are refused before any work, writes go through symlinks and keep modes, only
regular files are replaced, `-` is standard output, and SIGTERM/SIGHUP clean up."""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main as cli
from sim.output import files as outfiles
from sim.engine import runner
from sim.paths import SCENARIOS_DIR

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ONE = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "s.yaml"
    shutil.copy(ONE, path)
    return path


@pytest.fixture
def no_work(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the computation started before the outputs were checked")
    monkeypatch.setattr(runner, "run", refuse)


def _refused(capsys, argv) -> str:
    assert cli.main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    return err


def test_output_that_is_the_scenario_is_refused_before_work(scenario, capsys, no_work):
    before = scenario.read_bytes()
    err = _refused(capsys, ["run", scenario, "--csv", scenario])
    assert f"--csv: '{scenario}': this is an input of the run" in err
    assert scenario.read_bytes() == before


def test_output_through_a_symlink_to_the_scenario_is_refused(scenario, tmp_path, capsys, no_work):
    link = tmp_path / "link.csv"
    link.symlink_to(scenario)
    assert "this is an input of the run" in _refused(capsys, ["run", scenario, "--png", link])


def test_output_that_is_the_terrain_file_is_refused(scenario, tmp_path, capsys, no_work):
    terrain = tmp_path / "t.npz"
    np.savez(terrain, lat_deg=np.array([30.0, 32.0]), lon_deg=np.array([-113.0, -106.0]),
             elevation_m=np.zeros((2, 2)))
    err = _refused(capsys, ["run", scenario, "--set", f"terrain={terrain}", "--csv", terrain])
    assert "this is an input of the run" in err


def test_two_outputs_to_one_file_are_refused(scenario, tmp_path, capsys, no_work):
    out = tmp_path / "out"
    err = _refused(capsys, ["run", scenario, "--csv", out, "--png", tmp_path / "." / "out"])
    assert "--csv already writes to the same file" in err


@pytest.mark.parametrize("path, words", [
    ("/dev/null", "not a regular file (a device, FIFO or socket)"),
    ("FIFO", "not a regular file (a device, FIFO or socket)"),
    ("MISSING/out.csv", "does not exist"),
    ("x" * 300 + ".csv", "the file name is too long"),
])
def test_unwritable_outputs_are_found_before_work(scenario, tmp_path, capsys, no_work, path, words):
    if path == "FIFO":
        path = tmp_path / "fifo"
        os.mkfifo(path)
    elif not path.startswith("/"):
        path = tmp_path / path
    assert words in _refused(capsys, ["run", scenario, "--csv", path])


def test_json_and_csv_to_standard_output_are_refused(scenario, capsys, no_work):
    assert "--json already writes to standard output" in _refused(
        capsys, ["run", scenario, "--json", "--csv", "-"])


def test_csv_to_standard_output(scenario, capsys):
    assert cli.main(["run", str(scenario), "--quiet", "--csv", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("lat,lon,depth_km,along_km,area_km2,") and "Bands" not in out


def test_png_to_standard_output(scenario, capfdbinary):
    assert cli.main(["run", str(scenario), "--quiet", "--png", "-"]) == 0
    assert capfdbinary.readouterr().out.startswith(b"\x89PNG\r\n\x1a\n")


def test_writes_go_through_symlinks_and_keep_the_mode(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old")
    os.chmod(target, 0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with outfiles.atomic_file(link) as f:
        f.write("new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "real.csv"]


def test_a_new_file_gets_the_usual_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        with outfiles.atomic_file(tmp_path / "new.csv") as f:
            f.write("x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644


def test_never_replaces_anything_but_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        with outfiles.atomic_file(fifo) as f:
            f.write("x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["fifo"]


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_during_a_write_leaves_no_temporary_file(tmp_path, name):
    number = getattr(signal, name)
    old = cli._catch_signals()
    try:
        with pytest.raises(cli._Terminated):
            with outfiles.atomic_file(tmp_path / "out.csv") as f:
                f.write("partial")
                os.kill(os.getpid(), number)
                time.sleep(5)              # the handler raises before this ends
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    assert os.listdir(tmp_path) == []


def test_sigterm_ends_a_run_with_one_line_and_128_plus_n(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(ONE), "--quiet",
                             "--engine", "stepped", "--step", "1s", "--csv", str(tmp_path / "c.csv")],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err.strip() == "isr-sim: interrupted (SIGTERM)"
    assert os.listdir(tmp_path) == []
