"""Where a sweep's runs execute: `local(workers)` (this process, or a pool of worker
processes) or `dask(address)` (a user's Dask distributed cluster; isr-sim only submits
work). Both are callables execute(tasks, on_record): they run sim.sweep.worker.run_task on
every task and call on_record(record) in this process as each run finishes, in any order.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager

from sim.errors import Problem, ScenarioError
from sim.sweep.blas_threads import one_blas_thread
from sim.sweep.worker import run_task

CONNECT_TIMEOUT_S = 20.0


@contextmanager
def process_pool(workers: int):
    """A ProcessPoolExecutor of `workers` processes, forked where the system allows (they
    start with the package already imported) while this process has one BLAS thread, which
    they keep (sim.sweep.blas_threads says why)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with one_blas_thread(), ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


def local(workers: int):
    """Runs in this process (workers == 1) or in a process_pool(workers), with one BLAS
    thread in either case: every local run computes the same way."""
    def execute(tasks, on_record) -> None:
        if workers <= 1:
            with one_blas_thread():
                for task in tasks:
                    on_record(run_task(task))
            return
        with process_pool(workers) as pool:
            futures = [pool.submit(run_task, task) for task in tasks]
            try:
                for future in as_completed(futures):
                    on_record(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return execute


def dask(address: str):
    """Runs on the Dask distributed scheduler at `address` (e.g. tcp://host:8786). The
    cluster's workers need isr-sim installed (the same version). Connects at once, so that
    a wrong address is refused before the sweep writes anything."""
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError:
        raise ScenarioError(Problem("--scheduler", 0, 0, "", repr(address),
                                    "Dask distributed is not installed",
                                    "pip install 'isr-sim[cluster]'")) from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as error:
        raise ScenarioError(Problem("--scheduler", 0, 0, "", repr(address),
                                    f"cannot reach the scheduler ({error})",
                                    "check the address (tcp://HOST:PORT) and that the "
                                    "scheduler is running")) from None

    def execute(tasks, on_record) -> None:
        with client:
            futures = client.map(run_task, tasks, pure=False)
            try:
                for future in dask_completed(futures):
                    on_record(future.result())
            except BaseException:
                client.cancel(futures)
                raise
    return execute
