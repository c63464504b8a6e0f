"""Figures that agree with each other (docs/figures.md): one rule for never-seen cells,
N-asset coverage counted in platforms, mean response against its analytic definition, and
the day-by-day table of `run --timeline`."""
from __future__ import annotations

import numpy as np
import pytest

from sim.engine.intervals import Intervals
from sim.cli.main import main
from sim.engine.coverage import NEVER_SEEN_NAN_KEYS, cell_figures, region_figures
from sim.paths import SCENARIOS_DIR
from sim.engine.runner import run
from sim.scenario.load import load_scenario

RECON = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"
DRONES = SCENARIOS_DIR / "examples" / "two-drones-phased.yaml"
COARSE = ("grid.cell=20km",)


def iv(rows):
    """Intervals from (cell, start, end) rows."""
    rows = list(rows)
    return Intervals(np.array([r[0] for r in rows], dtype=np.int64),
                     np.array([r[1] for r in rows], float), np.array([r[2] for r in rows], float),
                     np.ones(len(rows)))


@pytest.fixture(scope="module")
def recon():
    return run(load_scenario(RECON, overrides=COARSE))


@pytest.fixture(scope="module")
def drones():
    return run(load_scenario(DRONES, overrides=COARSE))


def test_mean_revisit_is_never_above_max_revisit(recon):
    # A mean of gaps cannot exceed their maximum, cell by cell and over a region, when both
    # are taken over the same cells. Before: never-seen cells entered the mean as one gap of
    # the whole run (6 h) but were left out of the max (51 min).
    cells, summary = recon.cells, recon.summary
    seen = cells["ever_covered_frac"] > 0
    assert 0 < seen.mean() < 1                       # both kinds of cell are present
    assert np.all(cells["mean_revisit_s"][seen] <= cells["max_revisit_s"][seen] + 1e-9)
    assert summary["mean_revisit_s"] <= summary["max_revisit_s"]
    for band in recon.bands:
        if band["max_revisit_s"] is not None:
            assert band["mean_revisit_s"] <= band["max_revisit_s"]


def test_never_seen_cells_have_no_gap_figures_and_their_area_is_reported(recon):
    cells, area = recon.cells, recon.grid.area_m2
    never = cells["ever_covered_frac"] == 0
    for key in NEVER_SEEN_NAN_KEYS:
        assert np.all(np.isnan(cells[key][never])), key
        assert np.all(np.isfinite(cells[key][~never])), key
    assert recon.summary["never_seen_km2"] == pytest.approx(area[never].sum() / 1e6)
    assert sum(b["never_seen_km2"] for b in recon.bands) == pytest.approx(area[never].sum() / 1e6)
    # region gap figures are the area-weighted means over the seen cells alone
    want = np.average(cells["mean_response_s"][~never], weights=area[~never])
    assert recon.summary["mean_response_s"] == pytest.approx(want)


def test_region_of_cells_never_seen_has_no_revisit():
    f = cell_figures(2, 100.0, [])
    r = region_figures(f, np.ones(2) * 1e6)
    assert r["max_revisit_s"] is None and r["mean_response_s"] is None
    assert r["never_seen_km2"] == pytest.approx(2.0)


def test_max_simultaneous_counts_platforms_not_sensors(recon, drones):
    # One aircraft (camera + radar) is one asset; two drones (each camera + radar) at most
    # two (STK's N-asset coverage counts assets). Before: 2 and 4.
    assert len(recon.scenario.platforms) == 1
    assert max(len(p.sensors) for p in recon.scenario.platforms) >= 2
    assert recon.summary["max_simultaneous"] == 1
    assert len(drones.scenario.platforms) == 2
    assert drones.summary["max_simultaneous"] == 2


def test_overlapping_sensors_of_one_platform_count_once():
    # platform 0: two sensors overlapping on [10, 40]; platform 1: [30, 50]. At 30-40 s
    # three sensors but two platforms see the cell.
    sources = [iv([(0, 0, 40)]), iv([(0, 10, 60)]), iv([(0, 30, 50)])]
    by_platform = cell_figures(1, 100.0, sources, platform_of=[0, 0, 1])
    assert by_platform["max_simultaneous"][0] == 2
    # the union (hence every other figure) does not depend on the grouping
    by_source = cell_figures(1, 100.0, sources)
    assert by_source["max_simultaneous"][0] == 3
    for key in ("time_covered_frac", "accesses", "max_revisit_s", "mean_response_s"):
        assert by_platform[key][0] == by_source[key][0]


def test_mean_response_is_the_mean_wait_of_a_random_request():
    # Window [0, 100] s, one access [20, 30] s. A request at a uniformly random time t
    # waits 20 - t before the access, 0 during it, and after it (STK's "optimistic" rule:
    # a gap touching the window's end is measured to the end) 100 - t. Mean wait:
    # (20^2 / 2 + 70^2 / 2) / 100 = 26.5 s. The age of data (t since the last access ended,
    # t - 0 before the first) integrates to the same 20^2 / 2 + 70^2 / 2: equal by definition.
    f = cell_figures(1, 100.0, [iv([(0, 20.0, 30.0)])])
    assert f["mean_response_s"][0] == pytest.approx(26.5)
    assert f["mean_age_of_data_s"][0] == pytest.approx(26.5)
    # two accesses: gaps 10, 30 (inner), 20 (to the end): (100 + 900 + 400) / 200 = 7 s
    f = cell_figures(1, 100.0, [iv([(0, 10.0, 40.0), (0, 70.0, 80.0)])])
    assert f["mean_response_s"][0] == pytest.approx(7.0)


def run_text(capsys, *argv):
    rc = main(["run", *map(str, argv), "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0
    return out


def test_default_tables_show_response_once_and_the_never_seen_area(capsys, recon):
    text = run_text(capsys, RECON, "--set", *COARSE)
    labels = [line.split("  ")[1] for line in text.splitlines() if line.startswith("  ")
              and len(line.split("  ")) > 1]
    assert "mean response" in labels and "mean age of data" not in labels    # shown once
    assert "= mean age of data" in text                # ... and the coincidence is said
    assert "never seen" in text and "cells ever seen" in text
    assert "max platforms at once" in text


def test_timeline_prints_the_day_by_day_table(capsys):
    # 15:00 UTC + 12 h: 9 h on 2025-02-03 and 3 h on 2025-02-04
    plain = run_text(capsys, RECON, "--set", *COARSE, "--set", "time.duration=12h")
    text = run_text(capsys, RECON, "--set", *COARSE, "--set", "time.duration=12h", "--timeline")
    assert "Day by day" not in plain and "Day by day" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("  2025-02-0")]
    assert [r[0] for r in rows] == ["2025-02-03", "2025-02-04"]
    assert [" ".join(r[1:3]) for r in rows] == ["9 h", "3 h"]
    result = run(load_scenario(RECON, overrides=COARSE + ("time.duration=12h",)), timeline=True)
    for row, day in zip(rows, result.timeline["days"]):
        assert row[3] == f"{100 * day['ever_covered_frac']:.1f}"
        assert row[5] == f"{100 * day['time_covered_frac']:.1f}"
