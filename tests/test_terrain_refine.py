"""sim/terrain_refine.sample_times: every access sampled from its start to its end, in
order, never more than the base step times the smaller factor of the checks around."""
import numpy as np

from sim.access import Intervals
from sim.terrain_refine import CHECK_STEPS, sample_times


def test_samples_span_each_interval_at_the_allowed_step():
    rng = np.random.default_rng(3)
    start = rng.uniform(0.0, 1000.0, 200)
    iv = Intervals(np.arange(200), start, start + rng.uniform(0.5, 3000.0, 200), np.zeros(200))
    base = 10.0

    def factor_at(t, owner):            # smooth in time, different per interval, in [1, 8]
        return 1.0 + 7.0 * (0.5 + 0.5 * np.sin(t / 300.0 + owner))
    owner, t = sample_times(iv, base, factor_at)
    assert np.all(np.diff(owner) >= 0)
    for k in range(iv.size):
        tk = t[owner == k]
        assert tk[0] == iv.start_s[k] and tk[-1] == iv.end_s[k]
        assert np.all(np.diff(tk) > 0)
        # no gap longer than the step allowed at the check points around it (checks are
        # CHECK_STEPS base steps apart at most, the factor at most 8)
        assert np.diff(tk).max() <= min(CHECK_STEPS, 8.0) * base + 1e-9
    # constant factor 1: the gaps are at most the base step
    owner1, t1 = sample_times(iv, base, lambda t, o: np.ones(t.size))
    gaps = np.diff(t1)[np.diff(owner1) == 0]
    assert gaps.max() <= base + 1e-9
