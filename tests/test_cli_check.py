"""`isr-sim check`: exit 0 on a good file, 2 with located messages on stderr on a bad one."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sim.cli import main as cli
from sim.paths import SCENARIOS_DIR

PROJECT_ROOT = Path(__file__).resolve().parent.parent

GOOD = str(SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml")
BAD = str(Path(__file__).parent / "scenarios" / "bad" / "typo-key.yaml")


def test_check_good_file(capsys):
    assert cli.main(["check", GOOD]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{GOOD}: ok: 'One high-altitude recon aircraft on a racetrack'")
    assert err == ""


def test_check_bad_file(capsys):
    assert cli.main(["check", BAD]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == (f"{BAD}:16:5: platforms.0.altitud: unknown key; did you mean 'altitude'? "
                           "keys here: name, class, altitude, speed, endurance, bank_angle, sensors, "
                           "track, phase, on_station, base")
    assert "Traceback" not in err


def test_check_with_overrides(capsys):
    assert cli.main(["check", GOOD, "--set", "grid.cell=50m"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("--set: grid.cell: '50m': must be at least 100 m; cells smaller than "
                           "100 m are not supported; try '2 km'")
    assert cli.main(["check", GOOD, "--set", "grid.cell=8km"]) == 0


def test_check_as_a_subprocess():
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    bad = subprocess.run([sys.executable, "-m", "sim", "check", GOOD, BAD], capture_output=True,
                         text=True, env=env, cwd=PROJECT_ROOT, timeout=60)
    assert bad.returncode == 2
    assert "ok:" in bad.stdout
    assert "platforms.0.altitud: unknown key" in bad.stderr and "Traceback" not in bad.stderr
    good = subprocess.run([sys.executable, "-m", "sim", "check", GOOD], capture_output=True,
                          text=True, env=env, cwd=PROJECT_ROOT, timeout=60)
    assert good.returncode == 0 and good.stderr == ""
