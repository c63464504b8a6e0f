"""The five hot loops, compiled or numpy: the one place that chooses.

    from sim.loops import arcs, expand, orbit, sweep, terrain_los

Each name is a module with the same functions: the compiled Cython module (sim/_arcs.pyx,
...) when it was built at install, else its numpy version (sim/_fallback/arcs.py, ...),
which gives the same results more slowly. Setting ISR_SIM_PURE_PYTHON=1 in the environment
forces the numpy versions (to compare, or to rule out a build problem). The choice is all
or nothing: one missing compiled module means the install has no compiler, and mixing
would only confuse what `isr-sim --version` reports.

BACKEND is "compiled" or "numpy fallback"; WHY says why the fallback is in use ("" when
compiled). Front ends print a notice; this module never prints.
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType

FORCE_VARIABLE = "ISR_SIM_PURE_PYTHON"
NAMES = ("arcs", "expand", "orbit", "sweep", "terrain_los")
COMPILED, FALLBACK = "compiled", "numpy fallback"


def _choose() -> tuple[dict[str, ModuleType], str, str]:
    """(modules by name, BACKEND, WHY)."""
    forced = os.environ.get(FORCE_VARIABLE, "").strip()
    if forced not in ("", "0"):
        why = f"forced by {FORCE_VARIABLE}={forced}"
    else:
        try:
            return ({name: importlib.import_module(f"sim._{name}") for name in NAMES},
                    COMPILED, "")
        except ImportError as error:
            why = f"compiled module {error.name or error} not built"
    return ({name: importlib.import_module(f"sim._fallback.{name}") for name in NAMES},
            FALLBACK, why)


_MODULES, BACKEND, WHY = _choose()
arcs = _MODULES["arcs"]
expand = _MODULES["expand"]
orbit = _MODULES["orbit"]
sweep = _MODULES["sweep"]
terrain_los = _MODULES["terrain_los"]


def describe() -> str:
    """One line for `isr-sim --version` and the notice: which loops run, and why."""
    return f"loops: {BACKEND}" + (f", {WHY}" if WHY else "")
