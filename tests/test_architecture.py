"""The direction of imports (README.md, Architecture): the core never imports yaml, argparse,
matplotlib or pygame, and never prints. Checked two ways: a fresh interpreter imports each
core module and must not have loaded yaml/matplotlib/pygame (scipy.spatial itself loads
argparse, so argparse is checked in the modules' own source instead), and each core
module's source has no such import and no print() call."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
CORE = ["units", "earth", "errors", "paths", "geography", "grid", "motion", "sensors", "budget",
        "access", "coverage", "runner", "stepped", "environment", "scenario.schema",
        "loops", "_fallback.arcs", "_fallback.expand", "_fallback.orbit", "_fallback.sweep",
        "_fallback.terrain_los"]
FORBIDDEN = {"yaml", "argparse", "matplotlib", "pygame", "tqdm"}


def _source(module: str) -> Path:
    return SIM.joinpath(*module.split(".")).with_suffix(".py")


@pytest.mark.parametrize("module", CORE)
def test_core_module_loads_no_front_end_library(module):
    code = (f"import sys, sim.{module}; "
            "bad = sorted(m for m in ('yaml', 'matplotlib', 'pygame', 'tqdm') if m in sys.modules); "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"sim.{module} loads {out.stdout.strip()}"


@pytest.mark.parametrize("module", CORE)
def test_core_module_source_imports_and_prints_nothing_forbidden(module):
    tree = ast.parse(_source(module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            names = []
        assert not FORBIDDEN.intersection(names), f"sim.{module} imports {names}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "print", f"sim.{module} calls print()"


def _imported_roots(path: Path) -> set:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_view_package_imports_pygame():
    """pygame is imported under sim/view/ and nowhere else in the package."""
    offenders = [str(p.relative_to(SIM)) for p in SIM.rglob("*.py")
                 if "view" not in p.relative_to(SIM).parts[:1] and "pygame" in _imported_roots(p)]
    assert offenders == []
    assert any("pygame" in _imported_roots(p) for p in (SIM / "view").glob("*.py"))


# The window's modules that compute (layers, footprints, palettes, the scene, edits) stay
# free of pygame, so they can be tested and reused without a display.
VIEW_PURE = ["view", "view.layers", "view.footprint", "view.palette", "view.model",
             "view.edits", "view.script"]


@pytest.mark.parametrize("module", VIEW_PURE)
def test_view_computing_modules_do_not_load_pygame(module):
    code = f"import sys, sim.{module}; print('pygame' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"sim.{module} loads pygame"
