"""Terrain in the exact engine, against the independent stepped engine.

A 3,000 m ridge runs parallel to a straight border 40 km inside the neighbour's side; a
drone at 7.5 km flies a racetrack behind the border. The ridge hides the ground beyond it
from low grazing angles (the geometry of tests/test_environment.py). Expected numbers come
from the stepped engine at a 2 s step, which tests line of sight at every sample (no
refinement, no lap compression); the tolerances are the issue's (ever-covered within 0.5 %
of the area, time-covered within 1 %). Kept small (10 km cells, 40 min): terrain line of
sight is the costly part of both engines.
"""

from sim.engine.runner import run
from sim.scenario.load import load_scenario_text

SCENARIO = """
name: ridge
time: {{start: 2025-03-20T12:00:00Z, duration: 40 min, step: 10 s}}
geography:
  synthetic: {{origin: {{lat: 10.0, lon: 0.0}}, azimuth: 90 deg, length: 300 km, own_side: left}}
grid: {{cell: 10 km, extent: 100 km, side: neighbour, land_only: false}}
terrain: {terrain}
airspace: {{overflight: permitted}}
platforms:
  - name: Drone
    class: medium-altitude-drone
    sensors:
      - {{name: eye, kind: conic, min_elevation: 1 deg}}
    track: {{racetrack: {{center: {{lat: 10.3, lon: 1.3}}, length: 80 km, heading: 90 deg, width: 16 km}}}}
"""



def test_terrain_hides_cells_and_exact_agrees_with_stepped(ridge_file):
    flat = run(load_scenario_text(SCENARIO.format(terrain="none")))
    sc = load_scenario_text(SCENARIO.format(terrain=f"'{ridge_file}'"))
    exact = run(sc)
    stepped = run(sc, engine="stepped", step_s=2.0)
    area = exact.grid.area_m2
    # Not vacuous: the ridge hides a good part of what the flat case sees.
    lost = (flat.cells["ever_covered_frac"] > 0) & (exact.cells["ever_covered_frac"] == 0)
    assert area[lost].sum() > 0.05 * area[flat.cells["ever_covered_frac"] > 0].sum()
    differ = exact.cells["ever_covered_frac"] != stepped.cells["ever_covered_frac"]
    assert area[differ].sum() / area.sum() <= 0.005
    assert abs(exact.summary["time_covered_frac"] - stepped.summary["time_covered_frac"]) <= 0.01
