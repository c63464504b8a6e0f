"""Tests of sim/world/clouds.py: the seeded, drifting cloud field.

Every expected number has its source in a comment.
"""
import numpy as np

from sim.schema import WeatherSpec
from sim.world import earth as E
from sim.world.clouds import CloudField

R = 6_371_000.0


def _cloud_field(seed, fraction=0.3, scale_m=30_000.0, period_s=3 * 3600.0, n=60, span_deg=6.0):
    lat, lon = np.meshgrid(np.linspace(30.0, 30.0 + span_deg, n),
                           np.linspace(-110.0, -110.0 + span_deg, n), indexing="ij")
    weather = WeatherSpec(cloud_fraction=fraction, cloud_scale_m=scale_m, cloud_period_s=period_s)
    return CloudField(E.unit_vector(lat, lon).reshape(-1, 3), weather, seed, R)


def _cloud_mask(field, t_s):
    m = field.cells_u.shape[0]
    return field.cloudy(np.full(m, float(t_s)), np.arange(m))


def test_clouds_same_seed_same_mask_other_seed_different():
    a, b, c = _cloud_field(7), _cloud_field(7), _cloud_field(8)
    for t in (0.0, 5_000.0, 40_000.0):
        assert np.array_equal(_cloud_mask(a, t), _cloud_mask(b, t))
        # Independent fields at fraction 0.3 disagree on 2 f (1 - f) = 42 % of cells.
        assert np.mean(_cloud_mask(a, t) != _cloud_mask(c, t)) > 0.2
    assert np.array_equal(a.wind_m_s, b.wind_m_s)
    # Wind speed drawn in 20-40 km/h (module rule).
    assert 20 / 3.6 <= np.hypot(*a.wind_m_s) <= 40 / 3.6


def test_cloud_fraction_matches_over_many_cells_and_times():
    # The threshold Phi^-1(1 - f) on an exactly N(0, 1) field gives P(cloud) = f. Samples:
    # 3600 cells x 40 times over 5 days (40 knots of 3 h), ~600 km square with 30 km clouds:
    # thousands of independent blobs, so the sampling error is well under 0.02.
    for seed, fraction in ((1, 0.3), (2, 0.7)):
        field = _cloud_field(seed, fraction=fraction)
        m = field.cells_u.shape[0]
        times = np.linspace(0.0, 5 * 86_400.0, 40)
        t = np.repeat(times, m)
        cells = np.tile(np.arange(m), times.size)
        observed = field.cloudy(t, cells).mean()
        assert abs(observed - fraction) < 0.02, (seed, observed)


def test_cloud_field_changes_over_time():
    # Knots 3 periods apart are independent: a cell's state differs with probability
    # 2 f (1 - f) = 0.42 for f = 0.3; and every cell's state changes at least once in a few
    # periods for most cells (P(no change over 6 independent knots) is small).
    field = _cloud_field(3)
    assert np.mean(_cloud_mask(field, 0.0) != _cloud_mask(field, 3 * 3 * 3600.0)) > 0.3
    times = np.arange(0.0, 6 * 3 * 3600.0, 600.0)
    states = np.array([_cloud_mask(field, t) for t in times])       # (T, M)
    changed = np.any(states != states[0], axis=0)
    assert changed.mean() > 0.8
    # Continuity: over one 600 s step far fewer cells change than between independent
    # fields (0.42 above): the field is continuous in time.
    assert np.mean(states[1:] != states[:-1]) < 0.21


def test_cloud_step_is_honest():
    # step_s promises at most one change of the mask between samples at that step.
    # Sample 400 cells at step/10 over half a day and count changes inside each step window.
    field = _cloud_field(5, n=20)
    step = field.step_s
    assert 60.0 < step < 3 * 3600.0
    m = field.cells_u.shape[0]
    times = np.arange(0.0, 43_200.0, step / 10.0)
    states = np.array([_cloud_mask(field, t) for t in times]).astype(int)   # (T, M)
    changes = np.abs(np.diff(states, axis=0))
    windows = changes[: (changes.shape[0] // 10) * 10].reshape(-1, 10, m).sum(axis=1)
    assert windows.max() >= 1               # the field does change inside some windows
    assert np.mean(windows > 1) < 0.002     # two changes within one step: (almost) never
