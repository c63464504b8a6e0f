"""The sweep loop: open the results store, run what is missing, record each run at once.

Front-end free: progress is reported through a callback, never printed.
"""
from __future__ import annotations

from typing import Callable, Optional

from sim.sweep.spec import Run, SweepSpec
from sim.sweep.store import ResultStore, read_records


def run_sweep(spec: SweepSpec, runs: list[Run], out_dir, execute, resume: bool = False,
              progress: Optional[Callable[[int, int], None]] = None) -> list[dict]:
    """Run every run not yet in out_dir/results.jsonl with `execute` (sim.sweep.executors),
    appending each record as it finishes; progress(done, total) after each. Returns every
    record of the sweep (this call's and earlier ones'), in sweep order."""
    store = ResultStore(out_dir, spec.describe(), resume)
    try:
        wanted = {r.id for r in runs}
        # seed-major order: runs sharing a World (same seed) go to the workers together
        todo = sorted((r for r in runs if r.id not in store.done), key=lambda r: (r.seed, r.index))
        done = len(wanted & store.done)
        if progress:
            progress(done, len(runs))

        def on_record(record: dict) -> None:
            nonlocal done
            if record["id"] in store.done:      # never twice (a resubmitted task)
                return
            store.append(record)
            done += 1
            if progress:
                progress(done, len(runs))

        if todo:
            execute(todo, on_record)
    finally:
        store.close()
    records = {r["id"]: r for r in read_records(store.path) if r["id"] in wanted}
    return sorted(records.values(), key=lambda r: r["index"])
