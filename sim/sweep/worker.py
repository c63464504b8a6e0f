"""One run of a sweep, as a worker executes it (a local process, a Dask worker or the
sweep's own process): the scenario in, a JSON-safe record out.

Each worker thread keeps the Worlds it built (sim.engine.runner.World: geography, grid, KD-tree,
environment), so that runs differing only in platforms build them once. Per thread, since a
Dask worker may run tasks in several threads.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict

from sim.engine.runner import World, run

WORLDS_KEPT = 2                # a sweep over the seed alternates at most between a few
_local = threading.local()


def world_for(scenario) -> World:
    """This thread's World for the scenario, built on first need (least recently used
    dropped beyond WORLDS_KEPT)."""
    worlds = getattr(_local, "worlds", None)
    if worlds is None:
        worlds = _local.worlds = OrderedDict()
    key = World.key_of(scenario)
    if key in worlds:
        worlds.move_to_end(key)
    else:
        worlds[key] = World(scenario)
        while len(worlds) > WORLDS_KEPT:
            worlds.popitem(last=False)
    return worlds[key]


def run_task(task) -> dict:
    """task: a sim.sweep.spec.Run. Returns its record for results.jsonl: id, index, values
    (key -> --set text), seed, summary, bands, platforms, warnings, wall_s (the run's),
    cpu_s (CPU seconds of the thread that ran the task, a World built for it included), pid."""
    cpu_s = time.thread_time()
    result = run(task.scenario, world=world_for(task.scenario))
    out = result.to_json_dict()
    cpu_s = time.thread_time() - cpu_s
    return {"id": task.id, "index": task.index, "values": task.values, "seed": task.seed,
            "summary": out["summary"], "bands": out["bands"], "platforms": out["platforms"],
            "warnings": out["warnings"], "wall_s": round(result.wall_s, 4),
            "cpu_s": round(cpu_s, 4), "pid": os.getpid()}
