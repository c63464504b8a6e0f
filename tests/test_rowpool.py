"""sim/rowpool.py: slices cover the rows once, in order; nested calls run serially."""
import threading

import numpy as np

from sim import rowpool


def test_slices_cover_every_row_once_in_order(monkeypatch):
    monkeypatch.setattr(rowpool.os, "cpu_count", lambda: 3)
    rows = np.arange(10_000)
    parts = rowpool.map_rows(lambda sl: rows[sl] * 2, rows.size, 1_000)
    assert len(parts) == 3                                   # one slice per core
    np.testing.assert_array_equal(np.concatenate(parts), rows * 2)


def test_small_batches_and_nested_calls_stay_serial(monkeypatch):
    monkeypatch.setattr(rowpool.os, "cpu_count", lambda: 4)
    assert len(rowpool.map_rows(lambda sl: sl, 500, 1_000)) == 1     # below the minimum
    inner_threads = []

    def outer(sl):
        def inner(s):
            inner_threads.append(threading.get_ident())
            return s
        assert len(rowpool.map_rows(inner, 8_000, 1_000)) == 1     # nested: not split again
        return threading.get_ident()
    outer_threads = rowpool.map_rows(outer, 8_000, 1_000)
    assert len(outer_threads) == 4
    assert set(inner_threads) <= set(outer_threads)                # ran in the caller's thread
