"""The sweep targets of `isr-sim bench` (issue 13), on scenarios/examples/one-recon-racetrack.yaml
swept over altitude (5 values) and phase (4 values): 20 runs.

- parallel: the sweep's runs on 2 local worker processes against 1 (the runs only: the
  same process, after the import; each measured in a fresh interpreter);
- one sweep against 20 separate `isr-sim run` processes: wall time of `isr-sim sweep
  --workers 1` (one import, the World reused, the summary and charts included) against the
  sum of the 20 runs' wall times, each its own process with the same --set values.

Run as `python -m sim.sweep.bench WORKERS` it prints the run phase's wall time as JSON.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
import time

from sim.paths import SCENARIOS_DIR

SCENARIO = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"
SETS = ("platforms.0.altitude=5km..25km:5km", "platforms.0.phase=0,0.25,0.5,0.75")
SEPARATE = [(f"platforms.0.altitude={a}km", f"platforms.0.phase={p}")
            for a, p in itertools.product((5, 10, 15, 20, 25), (0, 0.25, 0.5, 0.75))]


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def _run_phase_s(workers: int) -> float:
    out = subprocess.run([sys.executable, "-m", "sim.sweep.bench", str(workers)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["run_s"]


def sweep_bench(progress=print) -> dict:
    """The measurements and the two ratios (see the module docstring)."""
    progress("[bench] sweep: 20 runs on 1 and 2 worker processes ...")
    one, two = _run_phase_s(1), _run_phase_s(2)
    progress("[bench] sweep: one sweep against 20 separate isr-sim run processes ...")
    exe = [sys.executable, "-m", "sim"]
    with tempfile.TemporaryDirectory(prefix="isr-bench-sweep-") as tmp:
        sweep_s = _timed(exe + ["sweep", str(SCENARIO), "--out", tmp, "--workers", "1", "--quiet"]
                         + [a for s in SETS for a in ("--set", s)])
    separate_s = sum(_timed(exe + ["run", str(SCENARIO), "--quiet"] + [a for s in sets for a in ("--set", s)])
                     for sets in SEPARATE)
    return {"runs": len(SEPARATE), "one_worker_s": one, "two_workers_s": two,
            "sweep_s": sweep_s, "separate_runs_s": separate_s,
            "two_worker_speedup": one / two, "sweep_over_separate": sweep_s / separate_s}


def _main(workers: int) -> None:
    from sim.sweep import executors
    from sim.sweep.runs import run_sweep
    from sim.sweep.spec import build_sweep
    spec, runs = build_sweep(str(SCENARIO), SETS, None)
    with tempfile.TemporaryDirectory(prefix="isr-bench-sweep-") as tmp:
        t0 = time.perf_counter()
        run_sweep(spec, runs, tmp, executors.local(workers))
        print(json.dumps({"run_s": time.perf_counter() - t0}))


if __name__ == "__main__":
    _main(int(sys.argv[1]))
