"""World reuse: runs that differ only in platforms share geography, grid, KD-tree and
environment (sim.engine.runner.World) and give exactly the figures of a fresh run. The scenario
has every environment mask on (terrain ridge, clouds, daylight), since those are the
shared parts that could leak one run's platforms into another's."""
import numpy as np
import pytest

from sim.engine.runner import Engine, World, run
from sim.scenario.load import load_scenario_text

SCENARIO = """
name: ridge under clouds
seed: 5
time: {{start: 2025-03-20T12:00:00Z, duration: 40 min, step: 10 s}}
geography:
  synthetic: {{origin: {{lat: 10.0, lon: 0.0}}, azimuth: 90 deg, length: 300 km, own_side: left}}
grid: {{cell: 10 km, extent: 100 km, side: neighbour, land_only: false}}
terrain: '{terrain}'
weather: {{cloud_fraction: 0.4, cloud_scale: 40 km}}
airspace: {{overflight: permitted}}
platforms:
  - name: Drone
    class: medium-altitude-drone
    altitude: {altitude}
    phase: {phase}
    sensors:
      - {{name: eye, kind: conic, min_elevation: 1 deg, needs_daylight: true, blocked_by_clouds: true}}
    track: {{racetrack: {{center: {{lat: 10.3, lon: 1.3}}, length: 80 km, heading: 90 deg, width: 16 km}}}}
"""



def scenario(ridge_file, altitude="7.5 km", phase=0.0, seed=None):
    text = SCENARIO.format(terrain=ridge_file, altitude=altitude, phase=phase)
    return load_scenario_text(text if seed is None else text.replace("seed: 5", f"seed: {seed}"))


def test_runs_sharing_a_world_equal_fresh_runs(ridge_file):
    world = World(scenario(ridge_file))
    for altitude, phase in (("12 km", 0.0), ("7.5 km", 0.5), ("3 km", 0.25)):
        sc = scenario(ridge_file, altitude, phase)
        fresh = run(sc)
        reused = run(sc, world=world)
        assert reused.to_json_dict() == fresh.to_json_dict()
        for key, values in fresh.cells.items():
            np.testing.assert_array_equal(reused.cells[key], values)
    # not vacuous: the platforms' changes do change the figures
    a = run(scenario(ridge_file, "12 km"), world=world).summary
    b = run(scenario(ridge_file, "3 km"), world=world).summary
    assert a["ever_covered_frac"] != b["ever_covered_frac"]


def test_a_world_is_built_once_and_refused_for_another_world(ridge_file):
    world = World(scenario(ridge_file))
    engine = Engine(scenario(ridge_file, "12 km"), world)
    assert engine.grid is world.grid and engine.tree is world.tree
    assert engine.environment is world.environment      # night, cloud, terrain shared
    assert World.key_of(scenario(ridge_file, "3 km", 0.5)) == world.key
    with pytest.raises(ValueError, match="sections other than platforms differ"):
        Engine(scenario(ridge_file, seed=6), world)       # other clouds: another World
