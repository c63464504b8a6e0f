"""Split a large batch of independent rows over the machine's cores.

numpy's large array operations and the compiled terrain loop (sim/world/_terrain_los.pyx)
release the GIL, so threads run them in parallel. A call made from inside another
map_rows runs serially: nesting would only add threads to the same two cores.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_state = threading.local()


def map_rows(fn, n_rows: int, min_rows_per_part: int) -> list:
    """[fn(slice), ...] over consecutive slices covering range(n_rows): one slice per core
    but at least min_rows_per_part rows each (one slice when the batch is small)."""
    parts = min(os.cpu_count() or 1, n_rows // max(min_rows_per_part, 1))
    if parts <= 1 or getattr(_state, "inside", False):
        return [fn(slice(0, n_rows))]
    bounds = np.linspace(0, n_rows, parts + 1).astype(int)

    def run(rows: slice):
        _state.inside = True
        try:
            return fn(rows)
        finally:
            _state.inside = False
    with ThreadPoolExecutor(max_workers=parts) as pool:
        return list(pool.map(run, [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]))
