"""Plausibility warnings (sim/scenario/plausibility.py): valid but implausible values are
reported, never fatal, by `check` and `run` (and in --json "warnings"); a base too far
for the endurance is a located error of `check`.

Sources of the numbers: lap of a racetrack = 2 legs + 2 half-turns at the class speed
(sim.platforms.tracks, checked against the analytic geometry in tests/test_motion.py); ground reach of
a slant range s from altitude h on a sphere by the law of cosines,
cos(lambda) = (R^2 + (R + h)^2 - s^2) / (2 R (R + h)); transit time = great-circle distance /
speed, the distance between two points on one meridian = R x difference of latitude.
"""
from __future__ import annotations

import json
import math

import pytest

from sim.cli import main as cli
from sim.errors import ScenarioError
from sim.scenario.load import load_scenario_text

R = 6_371_000.0

BASE = """\
name: Plausibility
time: {start: 2025-02-03T15:00:00Z, duration: DURATION}
geography:
  synthetic: {origin: {lat: 0.0, lon: 0.0}, azimuth: 90 deg, length: 800 km}
grid: {cell: 10 km, extent: 100 km}
platforms:
  - name: P1
    class: CLASS
    EXTRA
    track: TRACK
"""
RACETRACK = "{racetrack: {center: {along: 400 km, offset: -40 km}, length: 150 km, heading: along_border}}"


def text(duration="6 h", cls="high-altitude-recon", extra="", track=RACETRACK) -> str:
    return (BASE.replace("DURATION", duration).replace("CLASS", cls)
            .replace("EXTRA", extra or "phase: 0").replace("TRACK", track))


def warnings(**kw) -> tuple[str, ...]:
    return load_scenario_text(text(**kw), "t.yaml").warnings


def test_a_plausible_scenario_has_no_warning():
    assert warnings() == ()


def test_a_run_shorter_than_one_lap_suggests_the_unit():
    found = warnings(duration="12")
    assert len(found) == 1
    assert found[0].startswith("t.yaml:2:47: warning: time.duration: 12: the run (12 s) is "
                               "shorter than one lap of any platform: P1 (")
    # the recon's lap: two 150 km legs and two half-turns of r = v^2 / (g tan 25 deg) at
    # 660 km/h (FAA-H-8083-3 coordinated turn), about 31 min: 12 min is still too short,
    # 12 h is the first plausible reading
    v = 660 / 3.6
    r = v ** 2 / (9.80665 * math.tan(math.radians(25.0)))
    lap_min = (2 * 150_000.0 + 2 * math.pi * r) / v / 60
    assert f"P1 ({lap_min:.0f} min)" in found[0]
    assert 'did you mean "12 h"?' in found[0]
    assert warnings(duration="45 min") == ()


def test_a_run_longer_than_some_platform_s_lap_is_not_short():
    # A whole-border patrol takes hours per lap; with the 31 min racetrack beside it a
    # 2 h run is plausible (it is the racetrack alone that is warned about below 31 min).
    patrol = "{border_parallel: {offset: 40 km}}"
    two = text(duration="2 h") + (
        "  - name: P2\n    class: high-altitude-drone\n    track: " + patrol + "\n")
    assert load_scenario_text(two, "t.yaml").warnings == ()
    alone = text(duration="2 h", track=patrol)
    assert "shorter than one lap of any platform" in load_scenario_text(alone).warnings[0]


def test_a_huge_loiter_radius_from_a_bare_number():
    track = "{loiter: {center: {along: 400 km, offset: -40 km}, radius: RADIUS}}"
    found = warnings(track=track.replace("RADIUS", "8000"))
    assert any("platforms.0.track.loiter.radius: 8000: a loiter radius of 8,000 km is larger "
               "than 1,000 km; expected a few km to a few hundred km; did you mean \"8000 m\"?"
               in w for w in found)
    assert warnings(track=track.replace("RADIUS", "8000 m")) == ()
    found = warnings(track=track.replace("RADIUS", "1500 km"))
    assert any("loiter radius of 1,500 km" in w and "check the number and its unit" in w
               for w in found)


def test_a_long_racetrack_leg():
    found = warnings(track=RACETRACK.replace("length: 150 km", "length: 2000"))
    assert any("platforms.0.track.racetrack.length: 2000: a racetrack length of 2,000 km"
               in w and 'did you mean "2000 m"?' in w for w in found)


@pytest.mark.parametrize("altitude, warned", [("25", True), ("2 km", True), ("8 km", False),
                                              ("15 km", False)])
def test_altitude_more_than_a_factor_two_from_the_class(altitude, warned):
    # medium-altitude-drone: 25,000 ft = 7.62 km (assets/platforms.yaml): 3.81 to 15.24 km
    found = warnings(cls="medium-altitude-drone", extra=f"altitude: {altitude}")
    hits = [w for w in found if "platforms.0.altitude" in w]
    assert bool(hits) == warned
    if warned:
        assert "expected 3.81 km to 15 km" in hits[0]


def test_satellite_orbit_altitude_far_from_the_class():
    orbit = "{orbit: {altitude: 1800 km, inclination: 98 deg}}"
    found = warnings(cls="leo-imaging-satellite", extra="sensors: [swath-imager]", track=orbit)
    assert any("platforms.0.track.orbit.altitude: '1800 km': P1 flies at 1,800 km" in w
               for w in found)


SENSOR = ("sensors: [{name: cam, kind: conic, max_range: 50 km}]\n"
          "    altitude: 10 km")


def _ground_reach_km(slant_m: float, altitude_m: float) -> float:
    c = (R ** 2 + (R + altitude_m) ** 2 - slant_m ** 2) / (2 * R * (R + altitude_m))
    return R * math.acos(c) / 1000.0


@pytest.mark.parametrize("offset_km, warned", [(-60, True), (-50, False), (-140, True)])
def test_a_track_out_of_sensor_reach_of_the_grid(offset_km, warned):
    reach_km = _ground_reach_km(50_000.0, 10_000.0)        # 48.99 km
    track = f"{{loiter: {{center: {{along: 400 km, offset: {offset_km} km}}, radius: 5 km}}}}"
    found = [w for w in warnings(cls="medium-altitude-drone", extra=SENSOR, track=track)
             if "sensor reach" in w]
    assert bool(found) == warned        # closest approach |offset| - 5 km vs 48.99 km
    if warned:
        assert f"its track stays {abs(offset_km) - 5} km from the grid" in found[0]
        assert f"its sensors reach {reach_km:.0f} km" in found[0]


ENDURANCE = ("speed: 360 km/h\n    endurance: 2 h\n"
             "    base: {along: 400 km, offset: OFFSET}")
LOITER = "{loiter: {center: {along: 400 km, offset: -40 km}, radius: 1 km}}"


def test_a_base_too_far_to_reach_within_endurance_is_an_error():
    # 760 km on the meridian less the 1 km loiter radius, at 360 km/h: 2.1 h out > 2 h
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text(cls="medium-altitude-drone", track=LOITER,
                                extra=ENDURANCE.replace("OFFSET", "-800 km")), "t.yaml")
    message = str(info.value)
    assert message.startswith("t.yaml:11:11: platforms.0.base: P1 cannot reach its station: "
                              "the transit out is 759 km, 2.1 h at 360 km/h, longer than its "
                              "endurance of 2.0 h")


def test_a_base_that_leaves_no_time_on_station_is_a_warning():
    # 400 km away (1.1 h each way, 2.2 h > 2 h): it reaches the station but must turn back
    found = warnings(cls="medium-altitude-drone", track=LOITER,
                     extra=ENDURANCE.replace("OFFSET", "-440 km"))
    assert any(w.startswith("t.yaml:11:11: warning: platforms.0.base: P1 has no time on "
                            "station") for w in found)
    # 160 km away (0.44 h each way): on station for 2 - 2 x 0.44 = 1.1 h of the 6 h asked
    assert warnings(cls="medium-altitude-drone", track=LOITER,
                    extra=ENDURANCE.replace("OFFSET", "-200 km")) == (
        "P1: on-station time capped by endurance to 1.1 h (requested 6.0 h; transit 0.4 h out, "
        "0.4 h back; endurance 2.0 h)",)


def test_check_prints_and_run_json_lists_the_same_warnings(tmp_path, capsys):
    path = tmp_path / "short.yaml"
    path.write_text(text(duration="12").replace("extent: 100 km", "extent: 30 km"))
    assert cli.main(["check", str(path)]) == 0
    printed = capsys.readouterr().err.strip().splitlines()
    assert len(printed) == 1 and "warning: time.duration: 12" in printed[0]
    assert cli.main(["run", "--json", "--quiet", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert printed[0] in result["warnings"]
