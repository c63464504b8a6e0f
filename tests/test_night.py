"""Issue 4: at night a daylight-only camera sees nothing and a radar is unaffected, in
both engines, on a whole run.

The window is 04:00-10:00 UTC at 31 N, 112 W (local solar time about 20:30-02:30): the Sun
is below the horizon over the whole grid (sunset at the equinox is about 18:00 local
solar time, Meeus ch. 15), so the camera's coverage must be exactly zero and the radar's
must equal its coverage with no environment at all (the same scenario without the
camera's needs_daylight flag)."""

from sim.engine.runner import run
from sim.scenario.load import load_scenario_text

SCENARIO = """
name: night
time: {{start: 2025-03-20T04:00:00Z, duration: 6 h, step: 10 s}}
geography:
  synthetic: {{origin: {{lat: 31.0, lon: -114.0}}, azimuth: 90 deg, length: 400 km, own_side: left}}
grid: {{cell: 8 km, extent: 200 km, side: neighbour}}
platforms:
  - name: Camera
    class: high-altitude-recon
    sensors:
      - {{name: cam, kind: conic, min_elevation: 5 deg, max_range: 150 km, needs_daylight: {day}}}
    track: {{racetrack: {{center: {{lat: 31.4, lon: -112.0}}, length: 150 km, heading: 90 deg, width: 20 km}}}}
  - name: Radar
    class: high-altitude-drone
    sensors:
      - {{name: slar, kind: side-looking, near_range: 20 km, far_range: 180 km, max_squint: 10 deg}}
    track: {{racetrack: {{center: {{lat: 31.3, lon: -111.0}}, length: 150 km, heading: 90 deg, width: 20 km}}}}
"""


def test_camera_blind_at_night_radar_unaffected():
    night = load_scenario_text(SCENARIO.format(day="true"))
    no_sun = load_scenario_text(SCENARIO.format(day="false"))
    for engine, step in (("exact", None), ("stepped", 10.0)):
        res = run(night, engine=engine, step_s=step)
        ref = run(no_sun, engine=engine, step_s=step)
        camera, radar = res.platforms
        assert camera["covered_km2"] == 0.0
        assert radar["covered_km2"] == ref.platforms[1]["covered_km2"] > 0.0
        # Without the daylight flag the camera would have seen something: not vacuous.
        assert ref.platforms[0]["covered_km2"] > 0.0


def test_daylight_decided_per_lap_copy_equals_sampling_every_interval():
    """Engine.full_intervals decides a daylight-only sensor's expanded intervals from the Sun
    at the lap copies' ends (sim.engine.laps.daylight_by_copies) and refines only the copies with a
    sunrise or sunset: the result must be the full refinement's (sim.engine.access.refine_intervals
    over every interval), bit for bit. 40 h from 10:00 UTC hold three sunsets/sunrises over
    the grid, so some intervals are kept whole, some dropped and some cut."""
    import numpy as np
    from sim.engine.access import refine_intervals
    from sim.engine.runner import Engine
    text = SCENARIO.format(day="true").replace("04:00:00Z, duration: 6 h", "10:00:00Z, duration: 40 h")
    engine = Engine(load_scenario_text(text))
    camera = engine.sensors[0][0].spec
    assert engine.lap_copies(0) is not None and engine.only_night_hides(0, 0, engine.lap_copies(0))
    full = engine.lap_and_once_intervals(0)[0].full()
    env = engine.environment
    expected = refine_intervals(
        full, lambda t, rows: env.night_and_cloud_allow(camera, t, full.cell[rows]),
        env.night_and_cloud_step_s(camera))
    got = engine.full_intervals(0, 0)
    for name in ("cell", "start_s", "end_s", "best_cos"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    # not vacuous: whole intervals kept, whole ones dropped, and some cut at a sunrise/sunset
    kept = np.isin(full.start_s, got.start_s) & np.isin(full.end_s, got.end_s)
    assert 0 < kept.sum() < full.size and expected.size > 0
    ends = np.sort(full.end_s)
    k = np.clip(np.searchsorted(ends, got.end_s), 1, ends.size - 1)
    far_from_ends = np.minimum(np.abs(ends[k] - got.end_s), np.abs(ends[k - 1] - got.end_s)) > 1.0
    assert (~np.isin(got.start_s, full.start_s) | far_from_ends).any()
