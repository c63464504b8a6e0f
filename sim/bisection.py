"""Bisection: the point where a monotone yes/no question changes its answer, found by
halving a bracket. Every such edge the simulator needs (an orbit's access edges, a change
of terrain, daylight or cloud, an airspace entry, the station time an endurance allows, the
edge of a footprint drawn in the window) is found here, each caller with its tolerance.

References: Burden & Faires, Numerical Analysis (9th ed., 2011), sec. 2.1 (the bisection
method; after n halvings the bracket is (b - a) / 2^n).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np


def halvings(span: float, tol: float) -> int:
    """Halvings that shrink a bracket of length `span` to tol / 2 or less (at least 1):
    ceil(log2(span / tol)) + 1, so the answer is within half the tolerance."""
    return max(int(math.ceil(math.log2(max(span, tol) / tol))) + 1, 1)


def bisect(holds: Callable, x_true, x_false, tol: float = None, *, steps: int = None):
    """The last x found on the true side of a change of `holds` between x_true (where
    holds) and x_false (where not), for many brackets at once.

    holds(x (K,)) -> (K,) bool; x_true, x_false: (K,) float (or scalars: the result is then
    a 0-d array). Runs `steps` halvings, or halvings(longest bracket, tol) when steps is not
    given; the result is within tol / 2 of a change for every bracket (exact when holds
    changes once inside it). Each step evaluates holds once on all K midpoints.
    """
    a = np.array(x_true, dtype=np.float64)
    b = np.array(x_false, dtype=np.float64)
    if steps is None:
        steps = halvings(float(np.max(np.abs(b - a), initial=0.0)), tol)
    for _ in range(steps):
        m = 0.5 * (a + b)
        ok = np.asarray(holds(m), dtype=bool)
        a = np.where(ok, m, a)
        b = np.where(ok, b, m)
    return a
