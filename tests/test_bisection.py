"""The one bisection (sim/bisection.py) on brackets whose answers are known exactly."""
import math

import numpy as np

from sim.bisection import bisect, halvings


def test_halvings_reach_half_the_tolerance():
    # ceil(log2(span / tol)) + 1 halvings: a 5 s bracket to 0.1 s takes ceil(5.64) + 1 = 7
    assert halvings(5.0, 0.1) == 7
    assert halvings(1.0, 1.0) == 1 and halvings(0.0, 1e-3) == 1
    for span, tol in ((5.0, 0.1), (86_400.0, 1e-3), (3.0, 0.7)):
        assert span / 2 ** halvings(span, tol) <= tol / 2


def test_square_roots_from_either_side():
    # x^2 >= c holds above sqrt(c): brackets from the true side (above) and the false side
    c = np.array([2.0, 3.0, 10.0, 0.25])
    root = np.sqrt(c)
    x = bisect(lambda x: x * x >= c, np.full(4, 4.0), np.zeros(4), 1e-9)
    assert np.all(x >= root) and np.all(x - root <= 0.5e-9)
    # the reverse question (x^2 < c) from below: the result stays on the true side
    y = bisect(lambda x: x * x < c, np.zeros(4), np.full(4, 4.0), 1e-9)
    assert np.all(y < root) and np.all(root - y <= 0.5e-9)


def test_fixed_steps_and_scalars():
    # 60 halvings of [0, 1] for x <= 1/3: within 2^-60 of 1/3, on the true side
    x = float(bisect(lambda x: x <= 1.0 / 3.0, 0.0, 1.0, steps=60))
    assert 0.0 <= 1.0 / 3.0 - x <= 2.0 ** -60
    # a change at an exact midpoint is found exactly: 0.5 after the first halving
    assert float(bisect(lambda x: x <= 0.5, 0.0, 1.0, steps=10)) == 0.5
    assert math.isclose(float(bisect(lambda x: x >= 0.75, 1.0, 0.0, 1e-12)), 0.75,
                        abs_tol=1e-12)
