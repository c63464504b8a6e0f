"""The five hot loops, compiled or numpy: the one place that chooses.

    from sim.loops import arcs, expand, orbit, sweep, terrain_los

Each name is a module with the same functions: the compiled Cython module, which sits
beside the module it serves (sim/engine/_arcs.pyx beside access.py, ...), when it was built
at install, else its numpy twin in the same folder (sim/engine/_arcs_numpy.py, ...), which
gives the same results more slowly (tests/test_fallback.py compares them on random input).
Setting ISR_SIM_PURE_PYTHON=1 in the environment forces the numpy versions (to compare, or
to rule out a build problem). The choice is all or nothing: one missing compiled module
means the install has no compiler, and mixing would only confuse what `isr-sim --version`
reports.

    loop         compiled                      numpy twin                          serves
    terrain_los  sim/world/_terrain_los.pyx    sim/world/_terrain_los_numpy.py     world/terrain.py
    orbit        sim/platforms/_orbit.pyx      sim/platforms/_orbit_numpy.py       platforms/segments.py
    arcs         sim/engine/_arcs.pyx          sim/engine/_arcs_numpy.py           engine/access.py
    expand       sim/engine/_expand.pyx        sim/engine/_expand_numpy.py         engine/laps.py
    sweep        sim/engine/_sweep.pyx         sim/engine/_sweep_numpy.py          engine/coverage.py

Changing a loop: edit the .pyx and its twin together (same name, arguments, results and
rule), extend its test in tests/test_fallback.py, reinstall (`pip install -e .` rebuilds
the .pyx). Adding a loop Y: the .pyx and its _numpy twin beside the module it serves, the
.pyx's dotted name in setup.py's LOOPS and tests/test_install.py, an entry in MODULES here
(and its module attribute), a test in tests/test_fallback.py; callers write
`from sim.loops import Y`.

BACKEND is "compiled" or "numpy fallback"; WHY says why the fallback is in use ("" when
compiled). Front ends print a notice; this module never prints.
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType

FORCE_VARIABLE = "ISR_SIM_PURE_PYTHON"
# loop name -> compiled module (its numpy twin is the same name + "_numpy")
MODULES = {"arcs": "sim.engine._arcs", "expand": "sim.engine._expand",
           "orbit": "sim.platforms._orbit", "sweep": "sim.engine._sweep",
           "terrain_los": "sim.world._terrain_los"}
COMPILED, FALLBACK = "compiled", "numpy fallback"


def _choose() -> tuple[dict[str, ModuleType], str, str]:
    """(modules by name, BACKEND, WHY)."""
    forced = os.environ.get(FORCE_VARIABLE, "").strip()
    if forced not in ("", "0"):
        why = f"forced by {FORCE_VARIABLE}={forced}"
    else:
        try:
            return ({name: importlib.import_module(path) for name, path in MODULES.items()},
                    COMPILED, "")
        except ImportError as error:
            why = f"compiled module {error.name or error} not built"
    return ({name: importlib.import_module(f"{path}_numpy")
             for name, path in MODULES.items()},
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
