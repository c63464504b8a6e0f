"""Shared numpy helpers of the fallback loops: runs and maxima within consecutive segments.

References: segmented scans (Blelloch, "Prefix sums and their applications", CMU-CS-90-190,
1990), here a running maximum made segmented by ranking (cell, value) pairs.
"""
from __future__ import annotations

import numpy as np


def segment_starts(key: np.ndarray) -> np.ndarray:
    """(N,) bool: True where a new segment of equal consecutive keys (N,) begins."""
    first = np.ones(key.shape[0], dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return first


def running_max(segment_id: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(N,) running maximum of values (N,) restarted at each segment.

    segment_id (N,) must be nondecreasing. Exact (no offsets added to the values): each
    value is replaced by its rank in (segment, value) order, so every rank of a segment
    exceeds every rank before it and a plain running maximum of the ranks restarts by
    itself at each segment; the ranks map back to the values."""
    order = np.lexsort((values, segment_id))
    rank = np.empty(values.shape[0], dtype=np.int64)
    rank[order] = np.arange(values.shape[0])
    return values[order[np.maximum.accumulate(rank)]] if values.shape[0] else values.copy()
