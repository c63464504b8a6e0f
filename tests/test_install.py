"""isr-sim installs anywhere pip does: a built wheel, installed into a fresh virtual
environment, runs a shipped scenario from an unrelated directory (the data is package data,
found through importlib.resources, not files beside a clone); and without a C compiler the
install still succeeds and runs the numpy versions of the compiled loops.

To stay quick the fresh environment gets only isr-sim from pip (--no-deps); its
dependencies are made visible from the test environment by a .pth line, written after the
install so that pip never sees (or touches) the test environment's own isr-sim. The tests
check that `sim` is imported from the fresh environment, not from the source tree.
These tests build the package (about a minute with the compiler, less without): marked
slow, and run by .ci/run with everything else.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
from sim.loops import MODULES

LOOPS = tuple(MODULES.values())      # dotted names of the compiled modules
DATA_DIRS = {"assets": "sim/assets", "scenarios": "sim/scenarios"}
# Everything a build must not see from the working tree: its own outputs and environments.
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "out",
                                     "__pycache__", ".pytest_cache", ".hypothesis", "*.so",
                                     "*.c", "*.whl")

pytestmark = pytest.mark.slow


def source_copy(tmp: Path) -> Path:
    """A copy of the source tree without build outputs (so the build starts clean)."""
    dest = tmp / "src"
    shutil.copytree(ROOT, dest, ignore=_NOT_SOURCE)
    return dest


def pip(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, f"pip {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out


def fresh_env(tmp: Path, name: str) -> Path:
    """A new virtual environment without pip; returns its directory."""
    home = tmp / name
    venv.EnvBuilder(with_pip=False).create(home)
    return home


def env_python(home: Path) -> Path:
    return home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def env_site_packages(home: Path) -> Path:
    return Path(sysconfig.get_path("purelib", vars={"base": str(home), "platbase": str(home)}))


def share_test_dependencies(home: Path) -> None:
    """Make numpy, scipy, PyYAML ... of this test environment importable in `home`
    (appended to sys.path after home's own site-packages, so home's isr-sim wins)."""
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (env_site_packages(home) / "_test_dependencies.pth").write_text(
        "\n".join(sorted(ours)) + "\n", encoding="utf-8")


def clean_environ(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "ISR_SIM_PURE_PYTHON")}
    env.update(extra)
    return env


def run_tool(home: Path, cwd: Path, *args: str, env: dict | None = None):
    """`isr-sim ARGS` through the environment's own console script, from cwd."""
    script = home / ("Scripts/isr-sim.exe" if os.name == "nt" else "bin/isr-sim")
    return subprocess.run([str(script), *args], capture_output=True, text=True, cwd=cwd,
                          env=env or clean_environ(), timeout=300)


def data_files_in_tree() -> set[str]:
    """The wheel paths every file of assets/ and scenarios/ must have."""
    want = set()
    for top, inside in DATA_DIRS.items():
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                want.add(f"{inside}/{path.relative_to(ROOT / top).as_posix()}")
    return want


def check_installed_tool(home: Path, tmp: Path, env: dict | None = None) -> tuple[str, str]:
    """Runs the installed tool from an unrelated directory: it imports its own copy, finds
    its platform classes, and runs a shipped scenario that reads the geography and terrain
    files. Returns the `--version` line and the run's stderr."""
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    where = subprocess.run([str(env_python(home)), "-c", "import sim; print(sim.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere,
                           env=env or clean_environ(), timeout=60)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(env_site_packages(home)), where.stdout
    classes = run_tool(home, elsewhere, "classes", env=env)
    assert classes.returncode == 0, classes.stderr
    assert "high-altitude-recon" in classes.stdout
    shipped = env_site_packages(home) / "sim" / "scenarios" / "benchmarks" / "terrain-day.yaml"
    run = run_tool(home, elsewhere, "run", str(shipped), "--set", "time.duration=20min",
                   "--set", "grid.cell=16km", env=env)
    assert run.returncode == 0, run.stderr
    assert "Border:    map length 2,640 km" in run.stdout      # us_mexico.npz was read
    assert "ever covered" in run.stdout
    docs = subprocess.run([str(env_python(home)), "-c",
                           "from sim.output.html import doc_text; print(doc_text('figures.md')[:40])"],
                          capture_output=True, text=True, cwd=elsewhere,
                          env=env or clean_environ(), timeout=60)
    assert docs.returncode == 0 and docs.stdout.startswith("#"), docs.stderr   # the report's pages
    version = run_tool(home, elsewhere, "--version", env=env)
    assert version.returncode == 0, version.stderr
    assert sim.__version__ in version.stdout
    return version.stdout.strip(), run.stderr


def test_wheel_installs_and_runs_a_shipped_scenario_from_anywhere(tmp_path):
    src = source_copy(tmp_path)
    pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path / "dist"), str(src))
    (wheel,) = (tmp_path / "dist").glob("isr_sim-*.whl")
    assert wheel.name.startswith(f"isr_sim-{sim.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = data_files_in_tree() - names
    missing |= {f"sim/docs/{page.name}" for page in (ROOT / "docs").glob("*.md")} - names
    assert not missing, f"data files missing from the wheel: {sorted(missing)}"
    for loop in LOOPS:
        assert any(n.startswith(loop.replace(".", "/") + ".") and n.endswith((".so", ".pyd")) for n in names), loop
    home = fresh_env(tmp_path, "fresh")
    pip("--python", str(env_python(home)), "install", "--quiet", "--no-deps", "--no-index",
        str(wheel))
    share_test_dependencies(home)
    version, stderr = check_installed_tool(home, tmp_path)
    assert version.endswith("(loops: compiled)")
    assert "numpy fallback" not in stderr


def test_install_without_a_compiler_runs_the_numpy_loops(tmp_path):
    """CC=false makes every compile fail, as on a machine without a C compiler: pip
    install still succeeds, no compiled module is installed, and the tool runs the numpy
    versions of the loops, saying so once per run and in --version."""
    src = source_copy(tmp_path)
    home = fresh_env(tmp_path, "no-compiler")
    pip("--python", str(env_python(home)), "install", "--quiet", "--no-deps", str(src),
        env=clean_environ(CC="false"))
    installed = env_site_packages(home) / "sim"
    assert (installed / "engine" / "_sweep_numpy.py").is_file()
    assert not [p.name for p in installed.rglob("*") if p.suffix in (".so", ".pyd")]
    share_test_dependencies(home)
    version, stderr = check_installed_tool(home, tmp_path)
    assert "(loops: numpy fallback, compiled module sim." in version
    notices = [line for line in stderr.splitlines() if "numpy fallback" in line]
    assert len(notices) == 1 and notices[0].startswith("isr-sim: note: "), stderr
