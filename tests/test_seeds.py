"""Every seed scenario (scenarios/seeds/) loads and runs with the exact engine, and tells its
story. The grid is coarsened with an override (`--set grid.cell=20km`) to keep the file fast;
the stories below do not depend on the cell size.

Hand calculations used below (sphere R = 6,371 km; k = 4/3 for radio):
- radio horizon from h: d = sqrt(2 k R h); signals-collection at 10.7 km: 426 km;
  maritime patrol at 7.62 km: 360 km (Skolnik, Introduction to Radar Systems, 4.12 sqrt(h_m)).
- loiter lap: 2 pi r / v; medium-altitude drone r = 10 km at 370 km/h: 10.2 min.
- transit: 1,300 km at 370 km/h = 3.51 h each way.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.world import earth as E
from sim.paths import SCENARIOS_DIR
from sim.engine.runner import run
from sim.scenario.load import load_scenario

SEEDS = Path(SCENARIOS_DIR) / "seeds"
COARSE = ("grid.cell=20km",)
HOUR = 3600.0


def _load(name: str, extra=()):
    return load_scenario(SEEDS / name, overrides=COARSE + tuple(extra))


def _alone(scenario, index: int):
    """Run platform `index` of a scenario on its own (the public run() on a one-platform
    copy): its per-cell figures and summary without the others."""
    return run(dataclasses.replace(scenario, platforms=(scenario.platforms[index],)))


def _depth_seen_km(result) -> float:
    """Greatest distance from the border (km) of a cell ever seen in a run."""
    seen = np.asarray(result.cells["ever_covered_frac"]) > 0
    return float(np.abs(result.grid.depth_m[seen]).max()) / 1000.0 if seen.any() else 0.0


def test_every_seed_is_listed_here():
    # Each seed is run by its story test below; a new seed must get one.
    assert sorted(p.name for p in SEEDS.glob("*.yaml")) == sorted(STORIES)


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.yaml")))
def test_seed_is_on_the_real_border_and_says_what_it_shows(name):
    sc = _load(name)
    assert sc.geography.preset == "us-mexico" and sc.geography.own == "us"
    assert "early 2025" in sc.description and "Generic class" in sc.description


def test_standoff_three_classes_see_to_increasing_depths():
    sc = _load("standoff-three-classes.yaml")
    result = run(sc)
    assert all(p["airspace_violations"] == [] for p in result.platforms)
    assert result.warnings == []
    depth = {p.name: _depth_seen_km(_alone(sc, i)) for i, p in enumerate(sc.platforms)}
    # Drone 25 km behind the line: radar to 60 km ground range, turret to 40 km slant ->
    # at most 60 - 25 + 3 (half the racetrack width) = 38 km, plus a cell: < 60 km.
    assert 0.0 < depth["Drone-California"] < 60.0
    # High-altitude aircraft 40 km behind: radar to 160 km ground range -> about 120 km
    # (+10 km half width, + a 20 km cell): inside the 100-250 km band.
    assert 100.0 < depth["Recon-Arizona"] < 180.0
    # Signals receiver, radio horizon 426 km from 45-100 km behind: beyond 250 km.
    assert depth["Sigint-Texas"] > 250.0
    area = {p["name"]: p["covered_km2"] for p in result.platforms}
    assert area["Drone-California"] < area["Recon-Arizona"] < area["Sigint-Texas"]


def test_baja_clean_circuit_has_no_violation():
    result = run(_load("baja-maritime-patrol.yaml"))
    assert result.platforms[0]["airspace_violations"] == []
    assert result.warnings == []
    assert result.platforms[0]["time_on_station_s"] == pytest.approx(10 * HOUR)


def test_baja_corner_cut_is_flagged_at_cabo_san_lucas():
    clean = _load("baja-maritime-patrol.yaml")
    cut = _load("baja-maritime-patrol-corner-cut.yaml")
    a, b = clean.platforms[0].track.waypoints, cut.platforms[0].track.waypoints
    # The same circuit but for one waypoint.
    assert len(a) == len(b) and sum(p != q for p, q in zip(a, b)) == 1
    result = run(cut)
    rows = result.platforms[0]["airspace_violations"]
    # The 10 h sortie passes the cape twice (lap of about 4.5 h: 3,660 km at 815 km/h).
    assert len(rows) == 2
    cabo = E.unit_vector(22.88, -109.91)
    for row in rows:
        assert 0.0 <= row["start_s"] < row["end_s"] <= 10 * HOUR
        where = E.unit_vector(row["lat"], row["lon"])
        assert float(E.central_angle_rad(where, cabo)) * 6371.0 < 60.0
    assert any("airspace" in w for w in result.warnings)


def test_cooperative_deep_orbit_gets_its_six_hours():
    sc = _load("cooperative-deep-orbit.yaml")
    result = run(sc)
    p = result.platforms[0]
    # 6 h requested; transits 2 x 3.51 h; 13 h < 27 h endurance: no cap, no warning.
    assert p["time_on_station_s"] == pytest.approx(6 * HOUR, abs=60.0)
    assert result.warnings == []
    assert p["airspace_violations"] == []           # overflight permitted
    # The orbit is 745 km from the border: cells that deep are seen.
    assert _depth_seen_km(result) > 700.0


def test_satellite_revisits_much_more_slowly_than_the_drone_persists():
    sc = _load("satellite-vs-drone.yaml")
    # max_revisit_s of a run's summary is the longest gap of its worst ever-covered cell.
    max_revisit = {p.name: _alone(sc, i).summary["max_revisit_s"]
                   for i, p in enumerate(sc.platforms)}
    # Drone: a 10 km loiter lap is 10.2 min, so a cell it sees waits at most about a lap
    # (a generous bound: 1 h).
    assert max_revisit["Drone-Persistent"] < HOUR
    # Satellite: daylight-only swath on a sun-synchronous orbit, at most one daytime pass a
    # day over a cell, and 186 km swaths leave cells unseen for days: longest gap > 2 d.
    assert max_revisit["Imager-SSO"] > 2 * 86400.0
    assert max_revisit["Imager-SSO"] > 50 * max_revisit["Drone-Persistent"]


def test_surge_has_ten_days_of_sorties():
    sc = _load("surge-ten-days.yaml")
    assert len(sc.platforms) == 18
    result = run(sc, timeline=True)
    days = result.timeline["days"]
    assert len(days) == 10
    assert [d["date"] for d in days][0] == "2025-02-03"
    # Every day has at least one sortie, so every day sees something.
    assert all(d["ever_covered_frac"] > 0.0 for d in days)
    # Each sortie flies its whole window: 6 x 9 h + 6 x 9 h + 4 x 8 h + 2 x 20 h = 180 h.
    total = sum(p["time_on_station_s"] for p in result.platforms)
    assert total == pytest.approx(180 * HOUR)
    assert all(p["airspace_violations"] == [] for p in result.platforms)
    assert result.warnings == []


# ------------------------------------------------------------- teaching examples (synthetic)

EXAMPLES = Path(SCENARIOS_DIR) / "examples"


def test_example_standoff_vs_depth_reach_falls_one_for_one():
    sc = load_scenario(EXAMPLES / "standoff-vs-depth.yaml", overrides=("grid.cell=10km",))
    result = run(sc)
    assert result.warnings == []
    depth = [_depth_seen_km(_alone(sc, i)) for i in range(3)]
    # Radar ground range 160 km from standoffs 20, 70, 120 km: reach 140, 90, 40 km
    # (within a 10 km cell; the 150 km slant-range camera reaches less: 148 km ground).
    for got, offset in zip(depth, (20.0, 70.0, 120.0)):
        assert got == pytest.approx(160.0 - offset, abs=10.0)
    area = [p["covered_km2"] for p in result.platforms]
    assert area[0] > area[1] > area[2]


def test_example_class_comparison_footprints_are_separate():
    sc = load_scenario(EXAMPLES / "class-comparison.yaml", overrides=("grid.cell=20km",))
    result = run(sc)
    assert result.warnings == []
    seen = []
    for i in range(len(sc.platforms)):
        alone = _alone(sc, i)
        seen.append(np.asarray(alone.cells["ever_covered_frac"]) > 0)
    # No cell is seen by two platforms: each covered km2 is the class's own.
    assert int(np.sum(np.sum(seen, axis=0) > 1)) == 0
    depth = {p.name: _depth_seen_km(_alone(sc, i)) for i, p in enumerate(sc.platforms)}
    # Same 40 km standoff: drone radar 60 km -> 20 km; recon 160 -> 120; HALE 180 -> 140;
    # maritime radio horizon 360 km -> 320; signals 426 km -> 386 (within a 20 km cell).
    assert depth["Male-drone"] < depth["Recon"] < depth["Hale-drone"] < depth["Maritime"] < depth["Sigint"]
    assert depth["Male-drone"] == pytest.approx(20.0, abs=20.0)
    assert depth["Sigint"] == pytest.approx(386.0, abs=25.0)


STORIES = {
    "standoff-three-classes.yaml", "baja-maritime-patrol.yaml",
    "baja-maritime-patrol-corner-cut.yaml", "cooperative-deep-orbit.yaml",
    "satellite-vs-drone.yaml", "surge-ten-days.yaml",
}
