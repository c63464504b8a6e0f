"""A sweep's runs use one BLAS thread, in worker processes and in the sweep's own process
(sim/sweep/blas_threads.py says why: OpenBLAS helper threads busy-wait and made each run in
a forked worker 2-3x slower), and the region figures do not depend on BLAS's thread count
(a long np.dot is split over the threads, which changes its last digits)."""
import time

import numpy as np

from sim.engine.coverage import FIGURE_KEYS, region_figures
from sim.sweep import executors
from sim.sweep.blas_threads import one_blas_thread, thread_controls
from sim.sweep.spec import build_sweep
from tests.test_sweep_runs import RACETRACK, SMALL

LONG = 50_000          # elements: OpenBLAS splits a dot product this long over its threads


def blas_threads() -> list[int]:
    return [get() for _, _, get in thread_controls()]


def dot_cpu_s() -> tuple[float, float]:
    """CPU seconds of the whole process and of the calling thread over long dot products."""
    a = np.random.default_rng(0).random(LONG)
    process_s, thread_s = time.process_time(), time.thread_time()
    for _ in range(2000):
        np.dot(a, a)
    return time.process_time() - process_s, time.thread_time() - thread_s


def test_numpys_blas_is_found():
    # numpy's wheels bundle OpenBLAS: without its control the other tests would prove nothing
    assert any("openblas" in name for name, _, _ in thread_controls())


def test_worker_processes_run_blas_on_one_thread():
    with executors.process_pool(2) as pool:
        counts = [pool.submit(blas_threads).result() for _ in range(2)]
        process_s, thread_s = pool.submit(dot_cpu_s).result()
    assert counts == [[1] * len(counts[0])] * 2
    # no other thread of the worker burns CPU beside the one doing the work
    assert process_s <= 1.2 * thread_s + 0.01, (process_s, thread_s)


def test_the_in_process_sweep_runs_blas_on_one_thread_then_restores_it():
    _, runs = build_sweep(RACETRACK, SMALL, None)
    before = blas_threads()
    during = []
    executors.local(1)(runs[:2], lambda record: during.append(blas_threads()))
    assert during == [[1] * len(before)] * 2
    assert blas_threads() == before


def test_region_figures_do_not_depend_on_the_blas_thread_count():
    rng = np.random.default_rng(7)
    area_m2 = rng.uniform(1e7, 2e7, LONG)
    cells = {key: rng.random(LONG) for key in FIGURE_KEYS}
    default = region_figures(cells, area_m2)
    with one_blas_thread():
        single = region_figures(cells, area_m2)
        single_dot = np.dot(cells["time_covered_frac"], area_m2)
    assert default == single
    if max(blas_threads()) > 1:
        # the premise: np.dot itself differs with the thread count on these numbers
        assert np.dot(cells["time_covered_frac"], area_m2) != single_dot
