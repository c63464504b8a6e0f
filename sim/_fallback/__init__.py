"""numpy versions of the five compiled loops (sim/_*.pyx), used when the compiled modules
were not built (no C compiler at install) or ISR_SIM_PURE_PYTHON=1 asks for them;
sim/loops.py chooses, and the engine imports the loops only from there. Each module here
has the same functions, arguments and results as its .pyx:

    sim/_terrain_los.pyx  ->  terrain_los.py      sim/_sweep.pyx  ->  sweep.py
    sim/_arcs.pyx         ->  arcs.py             sim/_orbit.pyx  ->  orbit.py
    sim/_expand.pyx       ->  expand.py

They do the same arithmetic in whole-array steps instead of per-element loops (slower, see
the README); tests/test_fallback.py runs both on random input and compares.

Changing a loop: edit the .pyx and its module here together (same name, arguments,
results and rule), extend its test in tests/test_fallback.py, reinstall (`pip install -e .`
rebuilds the .pyx). Adding a loop Y: sim/_Y.pyx and sim/_fallback/Y.py, "_Y" in setup.py's
LOOPS and tests/test_install.py's LOOPS, "Y" in sim/loops.py's NAMES (and its module
attribute), a test in tests/test_fallback.py; callers write `from sim.loops import Y`.
"""
