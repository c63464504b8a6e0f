"""Scenario loading: units to SI, defaults, class values, overrides, positions, guards.

Expected numbers are hand conversions with the exact factors of NIST SP 811 (ft = 0.3048 m,
nmi = 1852 m, kt = 1852/3600 m/s) or formulas cited beside them.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.paths import SCENARIOS_DIR
from sim.scenario.load import load_scenario, load_scenario_text
from sim.scenario.yaml_reader import parse_yaml_text
from sim.schema import (BorderParallelTrack, LatLon, LoiterTrack, OrbitTrack,
                                 RacetrackTrack, RouteTrack)
from sim.units import MU_EARTH_M3_S2

EXAMPLE = SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml"
DEG = math.pi / 180.0

BASE = """\
name: Test
time: {start: 2025-02-03T00:00:00Z, duration: 6 h}
geography:
  synthetic: {origin: {lat: 31.0, lon: -112.0}, azimuth: 90 deg, length: 800 km}
grid: {cell: 4 km, extent: 300 km}
platforms:
  - name: P1
    class: high-altitude-recon
    track:
      racetrack: {center: {lat: 31.3, lon: -108.0}, length: 250 km, heading: 92 deg}
"""


def load(text: str = BASE, overrides=()):
    return load_scenario_text(text, "t.yaml", overrides)


def messages(text: str = BASE, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load(text, overrides)
    return str(info.value)


def test_example_file_in_si_units():
    s = load_scenario(EXAMPLE)
    assert s.time.start == datetime(2025, 2, 3, 15, 0, tzinfo=timezone.utc)
    assert s.time.duration_s == 6 * 3600.0            # 6 h
    assert s.time.step_s == 10.0
    assert s.grid.cell_m == 4000.0 and s.grid.extent_m == 300_000.0
    assert s.grid.bands_m == (25e3, 100e3, 200e3, 300e3)
    synth = s.geography.synthetic
    assert synth.origin == LatLon(31.0, -112.0)
    assert synth.azimuth_rad == pytest.approx(math.pi / 2)
    assert synth.length_m == 800_000.0 and synth.own_side == "left" and synth.coast is None
    p = s.platforms[0]
    assert p.altitude_m == pytest.approx(70000 * 0.3048)      # class altitude 70000 ft
    assert p.speed_m_s == pytest.approx(660 / 3.6)             # class speed 660 km/h
    assert p.endurance_s == 12 * 3600.0 and p.bank_angle_rad == pytest.approx(25 * DEG)
    assert [x.name for x in p.sensors] == ["wide-area-camera", "side-looking-radar"]
    assert isinstance(p.track, RacetrackTrack)
    assert p.track.width_m == 20_000.0 and p.track.heading_rad == pytest.approx(92 * DEG)
    assert s.source == str(EXAMPLE)


def test_defaults_from_schema():
    s = load()
    assert s.earth.radius_m == 6_371_000.0 and s.earth.refraction_k == pytest.approx(4 / 3)
    assert s.geography.territorial_sea_m == 12 * 1852.0        # 12 nmi
    assert s.grid.side == "neighbour" and s.grid.land_only is True
    assert s.terrain.source == "none" and s.weather is None
    assert s.airspace.overflight == "forbidden"
    assert s.seed == 0 and s.description == ""
    p = s.platforms[0]
    assert p.phase == 0.0 and p.on_station.start_s == 0.0 and p.on_station.duration_s is None
    assert p.track.width_m is None and p.track.direction == "cw"


def test_units_are_converted_per_key():
    text = BASE.replace("class: high-altitude-recon",
                        "class: high-altitude-recon\n    altitude: 60000 ft\n    speed: 350 kt\n"
                        "    endurance: 600 min\n    bank_angle: 0.5 rad")
    text = text.replace("grid: {cell: 4 km, extent: 300 km}",
                        "grid: {cell: 2000 m, extent: 100 nmi}\nearth: {radius: 6378.137}")
    s = load(text)
    p = s.platforms[0]
    assert p.altitude_m == pytest.approx(60000 * 0.3048)
    assert p.speed_m_s == pytest.approx(350 * 1852 / 3600)
    assert p.endurance_s == 36000.0 and p.bank_angle_rad == 0.5
    assert s.grid.cell_m == 2000.0 and s.grid.extent_m == pytest.approx(185_200.0)
    assert s.earth.radius_m == pytest.approx(6_378_137.0)      # bare number: km


def test_overrides_apply_before_validation():
    s = load(overrides=["time.duration=2h", "platforms.0.altitude=15km", "grid.cell=4 km",
                        "weather.cloud_fraction=0.3", "grid.bands=[25 km, 50 km]"])
    assert s.time.duration_s == 7200.0
    assert s.platforms[0].altitude_m == 15000.0
    assert s.grid.cell_m == 4000.0 and s.grid.bands_m == (25e3, 50e3)
    assert s.weather.cloud_fraction == 0.3 and s.weather.cloud_scale_m == 50_000.0


def test_override_problems_name_the_override():
    text = messages(overrides=["platforms.4.altitude=15km", "platforms.0.altitude=45km",
                               "time.durration=2h", "grid", "grid.cell.x=1"])
    assert text.splitlines() == [
        "--set: 'platforms.4.altitude=15km': 'platforms' has 1 item(s): no index 4; use an index from 0 to 0",
        "--set: 'grid': expected KEY=VALUE; write e.g. --set time.duration=2h",
        "--set: 'grid.cell.x=1': 'grid.cell' is a single value, not a section; set 'grid.cell' itself",
        "--set: time.durration: unknown key; did you mean 'duration'? keys here: start, duration, step",
        "--set: platforms.0.altitude: '45km': must be in (0, 30] km; aircraft fly up to 30 km; default unit km (e.g. '70000 ft')",
    ]


def test_start_with_an_offset_is_converted_to_utc():
    s = load(BASE.replace("2025-02-03T00:00:00Z", "'2025-02-03T02:00:00+02:00'"))
    assert s.time.start == datetime(2025, 2, 3, 0, 0, tzinfo=timezone.utc)


def test_preset_geography_and_etopo5_terrain():
    text = BASE.replace(
        "  synthetic: {origin: {lat: 31.0, lon: -112.0}, azimuth: 90 deg, length: 800 km}",
        "  preset: us-mexico\n  own: mexico\n  territorial_sea: 12 nmi") + "terrain: etopo5\n"
    s = load(text)
    assert s.geography.preset == "us-mexico" and s.geography.own == "mexico"
    assert s.terrain.source == "etopo5"
    assert "own: missing required key with a preset" in messages(text.replace("  own: mexico\n", ""))


def test_terrain_path_is_resolved_beside_the_scenario(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE + "terrain: grids/hills.npz\n")
    (tmp_path / "grids").mkdir()
    np.savez(tmp_path / "grids" / "hills.npz", lat_deg=np.array([30.0, 32.0]),
             lon_deg=np.array([-113.0, -111.0]), elevation_m=np.zeros((2, 2)))
    s = load_scenario(path)
    assert s.terrain.source == "file"
    assert Path(s.terrain.path) == tmp_path.resolve() / "grids" / "hills.npz"


def test_coast_weather_airspace():
    text = BASE.replace("length: 800 km}", "length: 800 km, own_side: right, coast: {offset: 300 km}}")
    text += "weather: {cloud_fraction: 0.4, cloud_scale: 30 km, cloud_period: 2 h}\n"
    text += "airspace: {overflight: permitted}\n"
    s = load(text)
    assert s.geography.synthetic.coast.offset_m == 300_000.0
    assert s.geography.synthetic.own_side == "right"
    assert (s.weather.cloud_fraction, s.weather.cloud_scale_m, s.weather.cloud_period_s) == (0.4, 30e3, 7200.0)
    assert s.airspace.overflight == "permitted"


TRACK = "      racetrack: {center: {lat: 31.3, lon: -108.0}, length: 250 km, heading: 92 deg}"


def test_every_track_kind():
    loiter = load(BASE.replace(TRACK, "      loiter: {center: {lat: 31.3, lon: -108.0}, radius: 10 km, direction: ccw}"))
    assert loiter.platforms[0].track == LoiterTrack(LatLon(31.3, -108.0), 10_000.0, "ccw")
    route = load(BASE.replace(TRACK, "      route: {waypoints: [{lat: 31.3, lon: -110}, {lat: 31.4, lon: -109}], repeat: reverse}"))
    assert route.platforms[0].track == RouteTrack((LatLon(31.3, -110.0), LatLon(31.4, -109.0)), "reverse")
    border = load(BASE.replace(TRACK, "      border_parallel: {offset: 40 km, from: 100 km, to: 600 km}"))
    assert border.platforms[0].track == BorderParallelTrack(40e3, 100e3, 600e3)
    beyond = messages(BASE.replace(TRACK, "      border_parallel: {offset: 40 km, to: 900 km}"))
    assert "beyond the end of the border (800 km)" in beyond


def test_satellite_platform_takes_orbit_altitude_and_derived_speed():
    text = BASE.replace("class: high-altitude-recon", "class: leo-imaging-satellite").replace(
        TRACK, "      orbit: {altitude: 705 km, inclination: 98.2 deg, raan: 15 deg, phase: 30 deg}")
    p = load(text).platforms[0]
    assert p.track == OrbitTrack(705e3, pytest.approx(98.2 * DEG), pytest.approx(15 * DEG),
                                 pytest.approx(30 * DEG))
    assert p.altitude_m == 705e3 and p.endurance_s is None and p.bank_angle_rad is None
    a = 6_371e3 + 705e3
    # ground-track speed of a circular orbit: sqrt(mu/a) R/a (Vallado eq. 1-28): ~6.758 km/s
    assert p.speed_m_s == pytest.approx(math.sqrt(MU_EARTH_M3_S2 / a) * 6_371e3 / a)
    assert p.speed_m_s == pytest.approx(6758.0, rel=1e-3)


def test_sensor_subset_and_inline_sensors():
    text = BASE.replace("class: high-altitude-recon", """class: high-altitude-recon
    sensors:
      - side-looking-radar
      - {name: strip, kind: nadir-swath, half_angle: 30 deg, along_half_angle: 2 deg,
         focal_length: 1000 mm, pixel_pitch: 0.01 mm, max_gsd: 2}
      - {name: rx, kind: horizon, radio: true, target_height: 10}""")
    sensors = load(text).platforms[0].sensors
    assert [s.name for s in sensors] == ["side-looking-radar", "strip", "rx"]
    strip = sensors[1]
    assert strip.half_angle_rad == pytest.approx(30 * DEG)
    assert strip.along_half_angle_rad == pytest.approx(2 * DEG)
    assert strip.focal_length_m == 1.0 and strip.pixel_pitch_m == pytest.approx(1e-5)
    assert strip.max_gsd_m == 2.0                      # max_gsd default unit m
    assert sensors[2].radio is True and sensors[2].target_height_m == 10.0   # target_height: m


def test_bare_pixel_pitch_is_micrometres_and_focal_length_metres():
    text = BASE.replace("class: high-altitude-recon", """class: high-altitude-recon
    sensors: [{name: cam, kind: conic, focal_length: 1.5, pixel_pitch: 10}]""")
    cam = load(text).platforms[0].sensors[0]
    assert cam.focal_length_m == 1.5 and cam.pixel_pitch_m == pytest.approx(10e-6)


def test_anchors_and_merge_keys():
    text = BASE + """  - name: P2
    class: high-altitude-recon
    phase: 0.5
    track:
      racetrack:
        <<: {center: {lat: 31.3, lon: -108.0}, length: 250 km}
        heading: 92 deg
"""
    s = load(text)
    assert s.platforms[1].track == s.platforms[0].track
    assert s.platforms[1].phase == 0.5


def test_a_grid_past_the_antipode_is_refused_with_the_preset_border_scaled_to_the_sphere():
    preset = BASE.replace(
        "  synthetic: {origin: {lat: 31.0, lon: -112.0}, azimuth: 90 deg, length: 800 km}",
        "  preset: us-mexico\n  own: us")
    # On a 1,000 km sphere the 2,640 km map border (Earth radius 6,371 km) is 414 km long:
    # half of it plus the extent must stay below half the circumference, pi x 1,000 km.
    small = preset.replace("name: Test", "name: Test\nearth: {radius: 1000 km}")
    assert load(small.replace("{cell: 4 km, extent: 300 km}", "{cell: 40 km, extent: 2900 km}"))
    text = messages(small.replace("{cell: 4 km, extent: 300 km}", "{cell: 40 km, extent: 3000 km}"))
    assert "grid.extent: the grid would reach past the antipode of the border's midpoint" in text
    assert "(half the border 207 km + extent 3,000 km >= half the circumference 3,142 km)" in text


def test_position_as_list_explains_the_fix():
    text = messages(BASE.replace("center: {lat: 31.3, lon: -108.0}", "center: [31.3, -108.0]"))
    assert "not a list; write {lat: 31.3, lon: -108.0}" in text


def test_parse_yaml_text_keeps_marks_and_timestamps_as_text():
    data, marks = parse_yaml_text("a:\n  b: 2025-02-03T00:00:00Z\n  c: [1, 2]\n")
    assert data == {"a": {"b": "2025-02-03T00:00:00Z", "c": [1, 2]}}
    assert (marks[("a", "b")].line, marks[("a", "b")].col) == (2, 6)
    assert (marks[("a", "c", 1)].line, marks[("a", "c", 1)].col) == (3, 10)
    assert (marks[("a", "c")].key_line, marks[("a", "c")].key_col) == (3, 3)


@pytest.mark.parametrize("edit, fragment", [
    (("duration: 6 h", "duration: 401 d"), "time.duration: '401 d': must be in (0, 400] d"),
    (("heading: 92 deg}", "heading: 92 deg}\n    on_station: {start: 1 h, duration: 6 h}"),
     "platforms.0.on_station: outside the scenario (time.duration is 6 h)"),
    (("grid: {cell: 4 km, extent: 300 km}", "grid: {cell: 4 km, extent: 0 km}"),
     "grid.extent: '0 km': must be in (0, 5000] km"),
    (("grid: {cell: 4 km, extent: 300 km}", "grid: {cell: 40 km, extent: 30 km}"),
     "grid.cell: '40 km': cell is larger than extent"),
    (("name: Test", "name: Test\nseed: -1"), "seed: -1: must be a whole number"),
    (("class: high-altitude-recon", "class: high-altitude-recon\n    speed: 0"),
     "platforms.0.speed: 0: must be in (0, 4000] km/h"),
    (("class: high-altitude-recon", "class: high-altitude-recon\n    sensors: "
      "[{name: c, kind: conic, max_off_nadir: 90 deg}]"),
     "max_off_nadir: '90 deg': must be in (0, 90) deg"),
    (("class: high-altitude-recon", "class: high-altitude-recon\n    sensors: "
      "[{name: c, kind: conic, min_elevation: 90 deg}]"),
     "min_elevation: '90 deg': must be in [0, 90) deg"),
    (("class: high-altitude-recon", "class: high-altitude-recon\n    sensors: "
      "[{name: c, kind: conic, max_gsd: 1 m}]"), "max_gsd needs focal_length and pixel_pitch"),
    (("class: high-altitude-recon", "class: high-altitude-recon\n    sensors: "
      "[{name: c, kind: sonar}]"), "kind: 'sonar': must be one of horizon, conic, side-looking, nadir-swath"),
    (("class: high-altitude-recon", "class: high-altitude-recon\n    sensors: "
      "[side-looking-radar, side-looking-radar]"), "the same sensor name twice"),
    (("length: 800 km}", "length: 800 km, coast: beach}"), "must be none or {offset: <length>}"),
    (("lon: -108.0}", "lon: 200}"), "lon: 200: must be in [-180, 180]"),
    (("start: 2025-02-03T00:00:00Z", "start: 0001-01-01T00:30:00+01:00"),
     "time.start: '0001-01-01T00:30:00+01:00': must be in the years 1900 to 2100"),
])
def test_range_rules(edit, fragment):
    assert fragment in messages(BASE.replace(*edit))
