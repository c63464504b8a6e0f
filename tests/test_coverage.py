"""Figures of merit from intervals, against hand calculations (definitions in
docs/figures.md)."""
import numpy as np
import pytest

from sim.engine.intervals import Intervals
from sim.engine.coverage import (CoverageState, band_table, binned_profile, cell_figures,
                          covered_area_series, daily_figures, region_figures,
                          union_intervals)


def iv(rows):
    """Intervals from (cell, start, end) rows."""
    rows = list(rows)
    return Intervals(np.array([r[0] for r in rows], dtype=np.int64),
                     np.array([r[1] for r in rows], float), np.array([r[2] for r in rows], float),
                     np.ones(len(rows)))


def test_single_cell_hand_calculation():
    # T = 100 s, cell 0 seen [10, 30] and [60, 70]: gaps 10, 30, 30 (to T).
    f = cell_figures(2, 100.0, [iv([(0, 10, 30), (0, 60, 70)])])
    assert f["ever_covered_frac"].tolist() == [1.0, 0.0]
    assert f["time_covered_frac"][0] == pytest.approx(0.30)
    assert f["accesses"][0] == 2
    assert f["max_revisit_s"][0] == pytest.approx(30.0)
    assert f["mean_revisit_s"][0] == pytest.approx(70.0 / 3)
    # sum of squared gaps = 100 + 900 + 900 = 1900
    assert f["time_average_gap_s"][0] == pytest.approx(19.0)
    assert f["mean_response_s"][0] == pytest.approx(9.5)
    assert f["mean_age_of_data_s"][0] == pytest.approx(9.5)
    # Never-seen cell: no revisit, response or age is defined (docs/figures.md)
    for key in ("max_revisit_s", "mean_revisit_s", "time_average_gap_s", "mean_response_s",
                "mean_age_of_data_s"):
        assert np.isnan(f[key][1]), key
    assert f["max_simultaneous"].tolist() == [1.0, 0.0]
    assert np.isnan(f["best_gsd_m"]).all()


def test_union_of_sources_and_simultaneity():
    # Two sources on cell 0: [0, 50] and [40, 100] -> union [0, 100], no gap, 2 at once
    # during [40, 50]. Touching intervals of different sources count once: cell 1.
    a = iv([(0, 0, 50), (1, 0, 20)])
    b = iv([(0, 40, 100), (1, 20, 30)])
    f = cell_figures(2, 100.0, [a, b])
    assert f["time_covered_frac"][0] == 1.0
    assert f["accesses"][0] == 1
    assert f["max_revisit_s"][0] == 0.0 and f["mean_revisit_s"][0] == 0.0
    assert f["max_simultaneous"][0] == 2
    assert f["max_simultaneous"][1] == 1
    assert f["accesses"][1] == 1 and f["time_covered_frac"][1] == pytest.approx(0.3)


def test_best_gsd_is_the_minimum_over_sources():
    a, b = iv([(0, 0, 10), (1, 0, 10)]), iv([(0, 20, 30)])
    f = cell_figures(3, 100.0, [a, b], [np.array([2.0, 5.0]), np.array([0.5])])
    assert f["best_gsd_m"][0] == 0.5 and f["best_gsd_m"][1] == 5.0 and np.isnan(f["best_gsd_m"][2])


def test_region_weights_and_special_keys():
    f = cell_figures(3, 100.0, [iv([(0, 0, 100), (1, 0, 50)])])
    area = np.array([1.0, 1.0, 2.0])
    r = region_figures(f, area)
    # area-weighted time fraction: (1*1 + 1*0.5 + 2*0) / 4
    assert r["time_covered_frac"] == pytest.approx(0.375)
    assert r["ever_covered_frac"] == pytest.approx(0.5)
    # max revisit over ever-covered cells only: cell 1 has a 50 s gap; cell 2 is ignored.
    assert r["max_revisit_s"] == pytest.approx(50.0)
    assert r["max_simultaneous"] == 1.0


def test_bands_and_bins():
    f = cell_figures(4, 10.0, [iv([(0, 0, 10), (3, 0, 5)])])
    area = np.ones(4)
    depth = np.array([1e3, 30e3, 120e3, 260e3])
    rows = band_table(f, area, depth, [25e3, 100e3, 250e3, 400e3])
    assert [r["time_covered_frac"] for r in rows] == [1.0, 0.0, 0.0, 0.5]
    assert rows[0]["area_km2"] == pytest.approx(1e-6)
    prof = binned_profile(f, area, depth, 100e3, ("time_covered_frac",), center_key="depth_km")
    assert [p["depth_km"] for p in prof] == [50.0, 150.0, 250.0]
    assert prof[0]["time_covered_frac"] == pytest.approx(0.5)


def test_timeline_series_and_days():
    union = union_intervals([iv([(0, 0, 50), (1, 25, 150)])])
    area = np.array([1.0, 3.0])
    s = covered_area_series(union, area, np.array([0.0, 30.0, 60.0, 149.0, 150.0]))
    assert s.tolist() == [0.25, 1.0, 0.75, 0.75, 0.0]
    days = daily_figures(union, area, np.array([0.0, 100.0, 200.0]))
    # day 1: cell 0 covered 50 s, cell 1 75 s -> (50*1 + 75*3) / (4 * 100)
    assert days[0]["time_covered_frac"] == pytest.approx(275 / 400)
    assert days[0]["ever_covered_frac"] == 1.0
    assert days[1]["ever_covered_frac"] == pytest.approx(0.75)
    assert days[1]["time_covered_frac"] == pytest.approx(50 * 3 / 400)


def test_state_at_an_instant():
    union = union_intervals([iv([(0, 10, 20), (0, 40, 50), (2, 0, 5)])])
    st = CoverageState.from_union(union, 3)
    assert st.covered_at(15.0).tolist() == [True, False, False]
    assert st.covered_at(30.0).tolist() == [False, False, False]
    assert st.ever_by(12.0).tolist() == [True, False, True]
    assert st.age_at(30.0).tolist() == [10.0, 30.0, 25.0]
    assert st.age_at(45.0).tolist() == [0.0, 45.0, 40.0]


def test_union_of_sorted_sources_equals_merging_them():
    """coverage._union (the compiled merge of a platform's sensors, no sort) gives the same
    cells, starts and ends as Intervals.concat(...).merged(), touching intervals joined."""
    from sim.engine.coverage import _union
    rng = np.random.default_rng(3)
    sources = []
    for _ in range(3):
        cell = rng.integers(0, 40, 300)
        start = np.round(rng.uniform(0.0, 5000.0, 300), 1)     # ties and exact touches
        iv = Intervals(cell, start, start + np.round(rng.uniform(1.0, 300.0, 300), 1),
                       np.ones(300)).merged()
        sources.append(iv)
    sources.append(sources[0].take(np.arange(sources[0].size)[::-1]))   # one not sorted
    got, want = _union(sources), Intervals.concat(sources).merged()
    for field in ("cell", "start_s", "end_s"):
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field))
