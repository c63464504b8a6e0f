"""One benchmark measurement in a fresh process (see sim/bench/main.py).

usage: python -m sim.bench.worker SCENARIO ENGINE STEP_S OUT.npz [KEY=VALUE ...]
Prints one JSON line: wall_s (loading the scenario and computing every figure, after the
interpreter has started and imported the package: import_s, reported apart), peak_mib,
estimate_mib (sim/engine/budget.py's estimate of that peak), cells; saves the per-cell figures to
OUT.npz.
"""
from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    path, engine, step, out = argv[:4]
    overrides = argv[4:]
    t_import = time.perf_counter()
    from sim.engine.runner import run
    from sim.scenario.load import load_scenario
    import numpy as np
    from sim.engine import budget
    from sim import memory
    # the memory estimate run() checks first, made here outside the timed part
    estimate_mib = budget.estimate(load_scenario(path, overrides=overrides), engine,
                                   float(step) or None).peak_bytes / 2 ** 20
    t0 = time.perf_counter()
    scenario = load_scenario(path, overrides=overrides)
    result = run(scenario, engine=engine, step_s=float(step) or None)
    wall = time.perf_counter() - t0
    peak_mib = memory.peak_process_bytes() / 2 ** 20
    np.savez(out, area_m2=result.grid.area_m2, **result.cells)
    print(json.dumps({"wall_s": wall, "import_s": t0 - t_import, "peak_mib": peak_mib,
                      "estimate_mib": estimate_mib,
                      "cells": int(result.grid.u.shape[0]),
                      "summary": result.to_json_dict()["summary"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
