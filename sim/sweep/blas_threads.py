"""One BLAS thread while a sweep runs, in its own process and in its worker processes.

Why: numpy's OpenBLAS splits a long enough product (e.g. a dot product over tens of
thousands of cells) between the calling thread and a helper thread per extra core, and the
helper busy-waits for the next call. In a sweep the processes are the parallelism: with two
worker processes on two cores, each process's helper competes with the other process for a
core, the calling thread waits for its helper to be scheduled, and every run took 2-3 times
as long in a worker as alone (the 2-worker sweep was slower than 1 worker). One BLAS
thread per process gives each run a core of its own; a lone run is no slower with it.

OpenBLAS reads OPENBLAS_NUM_THREADS only when it is loaded, so this calls the library's own
set/get-num-threads functions (through ctypes) in every OpenBLAS this process has loaded
(numpy's and scipy's), found in /proc/self/maps (Linux). Worker processes forked while the
count is 1 keep it. Elsewhere, or with another BLAS, it does nothing (the results are the
same, the parallel sweep slower). No OpenMP runtime is loaded by numpy's or scipy's wheels.
"""
from __future__ import annotations

import ctypes
from contextlib import contextmanager
from pathlib import Path

MAPS = Path("/proc/self/maps")
# OpenBLAS's (set, get) thread-count functions under its plain, 64-bit-integer and
# scipy-openblas (numpy's and scipy's wheels) names; the first pair a library has is used.
OPENBLAS = (("openblas_set_num_threads", "openblas_get_num_threads"),
            ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
            ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
            ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"))


def loaded_libraries() -> list[str]:
    """Paths of the shared libraries this process has mapped (empty without /proc)."""
    try:
        text = MAPS.read_text()
    except OSError:
        return []
    paths = set()
    for line in text.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith("/") and ".so" in fields[5]:
            paths.add(fields[5])
    return sorted(paths)


def thread_controls() -> list[tuple[str, object, object]]:
    """(library name, set(n), get() -> n) of every OpenBLAS this process has loaded."""
    controls = []
    for path in loaded_libraries():
        name = Path(path).name
        if "openblas" not in name:
            continue
        library = ctypes.CDLL(path)       # already loaded: the same handle, nothing re-run
        for set_name, get_name in OPENBLAS:
            setter, getter = getattr(library, set_name, None), getattr(library, get_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype, getter.restype = [ctypes.c_int], None, ctypes.c_int
                controls.append((name, setter, getter))
                break
    return controls


@contextmanager
def one_blas_thread():
    """One BLAS thread in this process inside the block (and in processes forked in it);
    the previous counts after it."""
    controls = thread_controls()
    before = [getter() for _, _, getter in controls]
    for _, setter, _ in controls:
        setter(1)
    try:
        yield
    finally:
        for (_, setter, _), n in zip(controls, before):
            setter(n)
