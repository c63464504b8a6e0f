"""Tests of sim/world/daylight.py: the sampling step, the Sun table, sunrise, UTC days.

Every expected number has its source in a comment.
"""
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from sim.world import earth as E
from sim.world.daylight import DAYLIGHT_STEP_S, Daylight, utc_day_edges_s

START = datetime(2024, 6, 21, tzinfo=timezone.utc)


def daylight_at(lat_deg, lon_deg, start=START, duration_s=86_400.0):
    cells = E.unit_vector(np.asarray(lat_deg, float), np.asarray(lon_deg, float)).reshape(-1, 3)
    return Daylight(cells, E.julian_date(start), duration_s)


def test_step_is_half_the_shortest_day_or_night():
    # On the equator the shortest day is 12 h: half of it, capped at 3 h.
    assert daylight_at([0.0], [0.0]).step_s == 3 * 3600.0
    # At 60 N: shortest day 2 acos(tan 60 tan 23.44) / 2 pi days = 2 (0.72134) / 2 pi d
    # = 19,838 s; half: 9,919 s.
    assert daylight_at([60.0], [0.0]).step_s == pytest.approx(9919.0, abs=2.0)
    # Inside the polar circle days can be minutes long: the fixed short step.
    assert daylight_at([70.0], [0.0]).step_s == DAYLIGHT_STEP_S
    # The highest latitude of the grid decides.
    assert daylight_at([0.0, 60.0], [0.0, 0.0]).step_s == pytest.approx(9919.0, abs=2.0)


def test_sunrise_at_equinox_equator():
    # At an equinox at (0 N, 0 E) the Sun rises at 06:00 UTC minus the equation of time
    # (20 March 2024: EoT about -7.5 min, so about 06:07 UTC; geometric centre, no
    # refraction). The transition must lie within 06:07 +- 6 min.
    day = daylight_at([0.0], [0.0], start=datetime(2024, 3, 20, tzinfo=timezone.utc))
    t = np.arange(5.5 * 3600.0, 6.7 * 3600.0, 10.0)
    up = day.sunlit(t, np.zeros(t.size, int))
    change = np.nonzero(np.diff(up.astype(int)))[0]
    assert change.size == 1 and not up[0] and up[-1]
    t_rise = t[change[0] + 1]
    assert abs(t_rise - (6 * 3600.0 + 7.5 * 60.0)) < 6 * 60.0
    # The table form answers the same for every cell and time.
    np.testing.assert_array_equal(day.sunlit_table(t, [0])[0], up)


def test_sun_table_matches_the_almanac():
    # The interpolated table against the Almanac formula itself, at random times inside
    # the table and beyond its ends (computed directly there): well under the Almanac's
    # own 0.01 deg (1.7e-4 rad).
    day = daylight_at([0.0], [0.0])
    for t in (np.random.default_rng(3).uniform(0.0, 86_400.0, 500),
              np.array([-7200.0, 10.0, 90_000.0])):
        direct = E.sun_unit_vector_ecef(day.jd0 + t / 86400.0)
        angle = np.arccos(np.clip(np.sum(day.sun_u(t) * direct, axis=1), -1, 1))
        assert angle.max() < 1e-5


def test_utc_day_edges_follow_utc_midnight():
    # A 30 h window from 18:00 UTC: midnight 6 h in, then the window's end.
    start = datetime(2025, 1, 1, 18, tzinfo=timezone.utc)
    assert utc_day_edges_s(start, 30 * 3600.0).tolist() == [0.0, 6 * 3600.0, 30 * 3600.0]
    # The same instant written in another zone (20:00 at UTC+2) has the same UTC days.
    plus_two = start.astimezone(timezone(timedelta(hours=2)))
    assert utc_day_edges_s(plus_two, 30 * 3600.0).tolist() == [0.0, 6 * 3600.0, 30 * 3600.0]
    # Starting at midnight: the first edge is a day later; 48 h holds two whole days.
    midnight = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert utc_day_edges_s(midnight, 48 * 3600.0).tolist() == [0.0, 86_400.0, 172_800.0]
