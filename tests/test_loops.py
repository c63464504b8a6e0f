"""sim/loops.py chooses the compiled loops or their numpy versions; the command line says
which (--version) and prints one notice line per run when the numpy ones are in use.
ISR_SIM_PURE_PYTHON=1 forces them. (That both give the same results is
tests/test_fallback.py; that an install without a compiler gets them is
tests/test_install.py.)"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sim.paths import SCENARIOS_DIR

EXAMPLE = str(SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml")


def _env(force: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "ISR_SIM_PURE_PYTHON"}
    if force:
        env["ISR_SIM_PURE_PYTHON"] = "1"
    return env


def _sim(*args: str, force: bool):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True,
                          text=True, env=_env(force), cwd=Path(EXAMPLE).parent, timeout=300)


def test_the_variable_forces_the_numpy_loops_and_version_says_so():
    forced = _sim("--version", force=True)
    assert forced.returncode == 0
    assert forced.stdout.strip().endswith("(loops: numpy fallback, forced by ISR_SIM_PURE_PYTHON=1)")
    built = _sim("--version", force=False)              # CI installs with a compiler
    assert built.stdout.strip().endswith("(loops: compiled)")


def test_one_notice_line_per_run_with_the_numpy_loops_and_none_when_compiled():
    args = ("run", EXAMPLE, "--quiet", "--set", "grid.cell=20 km", "--set", "time.duration=1h")
    forced = _sim(*args, force=True)
    assert forced.returncode == 0, forced.stderr
    assert forced.stderr.splitlines() == [
        "isr-sim: note: loops: numpy fallback, forced by ISR_SIM_PURE_PYTHON=1; same results, "
        "slower (README: Install)"]
    built = _sim(*args, force=False)
    assert built.returncode == 0 and built.stderr == ""
    assert built.stdout == forced.stdout                # the same figures, to the printed digit


def test_modules_are_the_chosen_kind():
    code = ("from sim import loops; import sim.engine.coverage as c, sim.world.terrain as e; "
            "print(loops.BACKEND, c._sweep.__name__, e._los.__name__)")
    for force, want in ((True, "numpy fallback sim.engine._sweep_numpy sim.world._terrain_los_numpy"),
                        (False, "compiled sim.engine._sweep sim.world._terrain_los")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=_env(force), timeout=120)
        assert out.stdout.strip() == want, out.stderr
