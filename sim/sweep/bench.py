"""The sweep targets of `isr-sim bench` (issue 13), on scenarios/examples/one-recon-racetrack.yaml
swept over altitude (5 values) and phase (4 values): 20 runs.

- parallel: the sweep's runs on 2 local worker processes against 1 (in the sweep's own
  process). Timed is the run phase as a user waits for it: from handing the runs to the
  executor until the last record is stored, so the pool's start (forking the workers,
  each building its World) and its shut-down are counted; the import and the
  scenario's loading are not. Each measurement in a fresh interpreter; 1 and 2 workers
  alternate REPEATS times, so that a change in the machine's load falls on both, and the
  best of each is compared. With each: the CPU time of every process of the sweep (workers
  included), the mean wall time of one run where it ran, and the 1-minute load average.
  Other programs running meanwhile depress the 2-worker figure more than the 1-worker one:
  Linux's autogroup scheduler (when enabled) shares the CPU between sessions, so the
  sweep's processes together get one session's share however many they are. So also
  reported, as an estimate that load changes much less: the CPU-time speed-up, the 1-worker
  runs' CPU time over the busiest worker's (the tasks' own CPU, World builds included; pool
  start, the parent's work and any waiting left out), the speed-up if each process had a
  core of its own;
- one sweep against 20 separate `isr-sim run` processes: wall time of `isr-sim sweep
  --workers 1` (one import, the World reused, the summary and charts included) against the
  sum of the 20 runs' wall times, each its own process with the same --set values.

Run as `python -m sim.sweep.bench WORKERS` it prints one run phase's measurement as JSON.
"""
from __future__ import annotations

import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from sim.paths import SCENARIOS_DIR

SCENARIO = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"
SETS = ("platforms.0.altitude=5km..25km:5km", "platforms.0.phase=0,0.25,0.5,0.75")
SEPARATE = [(f"platforms.0.altitude={a}km", f"platforms.0.phase={p}")
            for a, p in itertools.product((5, 10, 15, 20, 25), (0, 0.25, 0.5, 0.75))]
REPEATS = 3


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def _run_phase(workers: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "sim.sweep.bench", str(workers)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sweep_bench(progress=print) -> dict:
    """The measurements and the two ratios (see the module docstring)."""
    progress(f"[bench] sweep: 20 runs on 1 and 2 worker processes, best of {REPEATS} ...")
    one, two = [], []
    for _ in range(REPEATS):
        one.append(_run_phase(1))
        two.append(_run_phase(2))
    best_one, best_two = (min(m, key=lambda r: r["run_s"]) for m in (one, two))
    cpu_one, cpu_two = (min(r["busiest_cpu_s"] for r in m) for m in (one, two))
    progress("[bench] sweep: one sweep against 20 separate isr-sim run processes ...")
    exe = [sys.executable, "-m", "sim"]
    with tempfile.TemporaryDirectory(prefix="isr-bench-sweep-") as tmp:
        sweep_s = _timed(exe + ["sweep", str(SCENARIO), "--out", tmp, "--workers", "1", "--quiet"]
                         + [a for s in SETS for a in ("--set", s)])
    separate_s = sum(_timed(exe + ["run", str(SCENARIO), "--quiet"] + [a for s in sets for a in ("--set", s)])
                     for sets in SEPARATE)
    return {"runs": len(SEPARATE), "repeats": REPEATS, "pool_start_counted": True,
            "one_worker": one, "two_workers": two,
            "one_worker_s": best_one["run_s"], "two_workers_s": best_two["run_s"],
            "two_worker_speedup": best_one["run_s"] / best_two["run_s"],
            "two_worker_cpu_speedup": cpu_one / cpu_two,
            "sweep_s": sweep_s, "separate_runs_s": separate_s,
            "sweep_over_separate": sweep_s / separate_s}


def _cpu_s() -> float:
    """CPU time (user + system) of this process's threads and of its waited-for children."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def _main(workers: int) -> None:
    from sim.sweep import executors
    from sim.sweep.runs import run_sweep
    from sim.sweep.spec import build_sweep
    spec, runs = build_sweep(str(SCENARIO), SETS, None)
    with tempfile.TemporaryDirectory(prefix="isr-bench-sweep-") as tmp:
        load = os.getloadavg()[0]
        cpu0, t0 = _cpu_s(), time.perf_counter()
        records = run_sweep(spec, runs, tmp, executors.local(workers))
        run_s, cpu_s = time.perf_counter() - t0, _cpu_s() - cpu0
    per_process = {}
    for r in records:
        per_process[r["pid"]] = per_process.get(r["pid"], 0.0) + r["cpu_s"]
    print(json.dumps({"workers": workers, "run_s": run_s, "cpu_s": cpu_s,
                      "busiest_cpu_s": max(per_process.values()),
                      "run_mean_s": sum(r["wall_s"] for r in records) / len(records),
                      "load_1min": load}))


if __name__ == "__main__":
    _main(int(sys.argv[1]))
