"""The lap compression of sim.engine.figures.exact_cell_figures gives the same figures as the
full expansion of every interval (the definition), on scenarios built to exercise it:
overlapping platforms, phases, partial first/last laps, an on-station window, a base
transit before and after station, and two sensors on one platform."""
import numpy as np
import pytest

from sim.engine.coverage import cell_figures
from sim.engine.access import REFINE_TOL_S
from sim.engine.figures import exact_cell_figures
from sim.engine.laps import compress
from sim.engine.runner import Engine
from sim.scenario.load import load_scenario_text

BASE = """
name: compression
time: {start: 2025-03-20T12:00:00Z, duration: DURATION, step: 10 s}
geography:
  synthetic: {origin: {lat: 10.0, lon: 0.0}, azimuth: 90 deg, length: 700 km, own_side: left}
grid: {cell: 5 km, extent: 250 km, side: both, land_only: false}
airspace: {overflight: permitted}
platforms:
  - name: A
    class: medium-altitude-drone
    track: {racetrack: {center: {lat: 10.4, lon: 1.5}, length: 120 km, heading: 90 deg, width: 20 km}}
    phase: 0.37
    on_station: {start: 1234 s, duration: 15 h}
  - name: B
    class: medium-altitude-drone
    sensors:
      - {name: wide, kind: conic, min_elevation: 5 deg}
      - {name: slar, kind: side-looking, near_range: 10 km, far_range: 90 km, sides: right, max_squint: 10 deg}
    track: {loiter: {center: {lat: 10.2, lon: 3.0}, radius: 25 km, direction: ccw}}
    phase: 0.8
    base: {lat: 11.5, lon: 3.2}
    on_station: {start: 2 h, duration: 12 h}
  - name: C
    class: high-altitude-drone
    track: {racetrack: {center: {lat: 10.6, lon: 5.0}, length: 200 km, heading: 95 deg, width: 30 km}}
"""


def _full_figures(eng: Engine):
    """The definition: every interval of every source expanded over the whole window (with
    the environment's masks), then the figures of sim.engine.coverage.cell_figures."""
    srcs, gsds, owners = [], [], []
    for i in range(len(eng.tracks)):
        for j in range(len(eng.sensors[i])):
            iv = eng.full_intervals(i, j)
            srcs.append(iv)
            gsds.append(eng.gsd_of(i, j, iv))
            owners.append(i)
    return cell_figures(eng.n_cells, eng.scenario.time.duration_s, srcs, gsds, owners)


SPARSE = """
  - name: D
    class: leo-imaging-satellite
    sensors:
      - {name: wide, kind: nadir-swath, half_angle: 40 deg}
    track: {orbit: {altitude: 617 km, inclination: 97.9 deg, raan: 190 deg, phase: 30 deg}}
  - name: E
    class: medium-altitude-drone
    sensors:
      - {name: day-cam, kind: conic, min_elevation: 20 deg, needs_daylight: true}
      - {name: radar, kind: side-looking, near_range: 5 km, far_range: 70 km}
    track: {racetrack: {center: {lat: 10.1, lon: 2.2}, length: 90 km, heading: 80 deg, width: 15 km}}
"""


@pytest.mark.parametrize("duration,extra", [("20 h", ""), ("16 h", ""), ("1 d", ""),
                                            ("1 d", SPARSE), ("40 h", SPARSE)])
def test_compressed_figures_equal_full_expansion(duration, extra):
    eng = Engine(load_scenario_text(BASE.replace("DURATION", duration) + extra))
    assert any(eng.lap_copies(i) is not None for i in range(3))   # compression is exercised
    got, _ = exact_cell_figures(eng)
    want = _full_figures(eng)
    for key in want:
        a, b = got[key], want[key]
        assert np.array_equal(np.isnan(a), np.isnan(b)), key
        ok = ~np.isnan(b)
        # Without night or cloud the two paths do the same arithmetic on shifted times
        # (1e-6 s); with them, both bisect the same sunrise/sunset edges to REFINE_TOL_S
        # from different brackets, so edges may differ by up to that tolerance.
        atol = REFINE_TOL_S if extra else 1e-6
        assert np.allclose(a[ok], b[ok], rtol=1e-9, atol=atol), (key, np.max(np.abs(a[ok] - b[ok])))


def test_compressed_intervals_do_not_grow_with_the_number_of_laps():
    # Cells whose only coverage is one lapped platform keep a few copies of its lap (head,
    # one interior copy, tail), however long the scenario: a week costs what a day costs.
    for duration in ("1 d", "7 d"):
        eng = Engine(load_scenario_text(BASE.replace("DURATION", duration)))
        copies = eng.lap_copies(2)
        src = eng.lap_and_once_intervals(2)
        cells = np.unique(np.concatenate([s.lap.cell for s in src]))
        comp = compress(eng.n_cells, eng.scenario.time.duration_s, copies, cells,
                        [s.lap for s in src], [])
        one_lap = sum(s.lap.size for s in src)
        kept = sum(iv.size for iv in comp.sources)
        full = sum(s.full().size for s in src)
        assert kept <= 6 * one_lap
        assert full > (25 if duration == "1 d" else 190) * one_lap * 0.9


def test_sparse_intervals_keep_their_neighbouring_laps():
    # A sparse interval in the middle of the window keeps the copies around it; with it the
    # compressed figures still equal the full expansion (checked above); here: the copies.
    from sim.engine.laps import LapCopies, kept_copies
    from sim.engine.intervals import Intervals
    copies = LapCopies.of(100.0, 0.0, (0.0, 1000.0))          # copies 0..9, all whole
    sparse = Intervals(np.array([7]), np.array([450.0]), np.array([460.0]), np.array([1.0]))
    keep = kept_copies(copies, np.array([3, 7]), sparse)
    assert keep[0].tolist() == [True, False, False, False, False, False, False, False, False, True]
    # Cell 7: the copy its sparse interval touches (4) and the one after (5) are kept.
    assert keep[1].tolist() == [True, False, False, False, True, True, False, False, False, True]
