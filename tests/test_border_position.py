"""Positions in border terms ({along, offset}) and the racetrack heading `along_border`.

Expected values: on a border along the equator (origin 0 N 0 E, azimuth 90 deg) the
perpendicular to the border is a meridian, so {along: a, offset: o} is exactly at
lat = -o / R, lon = a / R (radians; own side left = north, so offset < 0 is north) and the
border's direction is 90 deg everywhere. On other borders the result is checked against the
independent distance code of sim.world.geography (nearest point of the densified border).
"""
from __future__ import annotations

import math

import pytest

from sim.world import earth as E
from sim.errors import ScenarioError
from sim.world.geography import build_geography
from sim.scenario.load import load_scenario_text

R = 6_371_000.0

EQUATOR = """\
name: Border terms
time: {start: 2025-02-03T15:00:00Z, duration: 6 h}
geography:
  synthetic: {origin: {lat: 0.0, lon: 0.0}, azimuth: 90 deg, length: 800 km}
grid: {cell: 10 km, extent: 200 km}
platforms:
  - name: P1
    class: high-altitude-recon
    base: BASE
    track:
      racetrack: {center: CENTER, length: 150 km, heading: HEADING}
"""


def load(text: str, **subs):
    for key, value in subs.items():
        text = text.replace(key.upper(), value)
    return load_scenario_text(text, "t.yaml")


def test_equator_border_gives_the_closed_form_position_and_heading():
    s = load(EQUATOR, base="{along: 0 km, offset: -300 km}",
             center="{along: 300 km, offset: -40 km}", heading="along_border")
    track = s.platforms[0].track
    assert track.center.lat_deg == pytest.approx(math.degrees(40_000.0 / R), abs=1e-9)
    assert track.center.lon_deg == pytest.approx(math.degrees(300_000.0 / R), abs=1e-9)
    assert track.heading_rad == pytest.approx(math.pi / 2, abs=1e-9)
    assert s.platforms[0].base.lat_deg == pytest.approx(math.degrees(300_000.0 / R), abs=1e-9)
    assert s.platforms[0].base.lon_deg == pytest.approx(0.0, abs=1e-9)


def test_own_side_right_flips_the_sign_of_offset():
    text = EQUATOR.replace("length: 800 km}", "length: 800 km, own_side: right}")
    s = load(text, base="{lat: 0.1, lon: 0.1}", center="{along: 300 km, offset: -40 km}",
             heading="90 deg")
    assert s.platforms[0].track.center.lat_deg == pytest.approx(-math.degrees(40_000.0 / R),
                                                                abs=1e-9)


@pytest.mark.parametrize("along_km, offset_km", [(100, -40), (450, 25), (700, -150)])
def test_oblique_synthetic_border_distances_agree_with_the_geography(along_km, offset_km):
    text = EQUATOR.replace("{lat: 0.0, lon: 0.0}, azimuth: 90 deg",
                           "{lat: 31.0, lon: -112.0}, azimuth: 60 deg")
    s = load(text, base="{lat: 30.0, lon: -112.0}",
             center=f"{{along: {along_km} km, offset: {offset_km} km}}", heading="10 deg")
    geo = build_geography(s.geography, s.earth)
    c = s.platforms[0].track.center
    u = E.unit_vector(c.lat_deg, c.lon_deg)
    assert geo.signed_depth_m(u)[0] == pytest.approx(offset_km * 1000.0, abs=1.0)
    assert geo.border_distance_m(u)[1][0] == pytest.approx(along_km * 1000.0, abs=1.0)


PRESET = """\
name: Preset border terms
time: {start: 2025-02-03T15:00:00Z, duration: 6 h}
geography: {preset: us-mexico, own: OWN}
grid: {cell: 10 km, extent: 200 km}
platforms:
  - name: P1
    class: high-altitude-recon
    track:
      racetrack: {center: CENTER, length: 150 km, heading: along_border}
"""


def test_us_mexico_starts_at_the_pacific_and_runs_east_on_the_arizona_parallel():
    # along 0: the Pacific end of the land border (Tijuana / San Diego, about 117.1 W).
    s = load(PRESET, own="us", center="{along: 0 km, offset: 0 km}")
    start = s.platforms[0].track.center
    assert start.lon_deg == pytest.approx(-117.1, abs=0.1)
    assert start.lat_deg == pytest.approx(32.53, abs=0.05)
    # 800 km along lies on the border's straight run along the parallel 31 deg 20 min N
    # (31.33 N, from about 111.07 W to 108.21 W): east-bound, US (own) to the north.
    s = load(PRESET, own="us", center="{along: 800 km, offset: -40 km}")
    track = s.platforms[0].track
    assert math.degrees(track.heading_rad) == pytest.approx(90.0, abs=0.5)
    assert track.center.lat_deg == pytest.approx(31.33 + math.degrees(40_000.0 / R), abs=0.01)
    geo = build_geography(s.geography, s.earth)
    u = E.unit_vector(track.center.lat_deg, track.center.lon_deg)
    assert geo.signed_depth_m(u)[0] == pytest.approx(-40_000.0, abs=100.0)


def test_us_mexico_with_mexico_as_own_side_puts_negative_offsets_in_mexico():
    s = load(PRESET, own="mexico", center="{along: 800 km, offset: -40 km}")
    c = s.platforms[0].track.center
    assert c.lat_deg == pytest.approx(31.33 - math.degrees(40_000.0 / R), abs=0.01)


@pytest.mark.parametrize("center, heading, message", [
    ("{along: 300 km, offset: -40 km, lat: 3}", "90 deg",
     "center.lat: a position is either {lat, lon} or {along, offset}, not both"),
    ("{along: 300 km}", "90 deg", "center.offset: missing required key"),
    ("{along: 900 km, offset: 0 km}", "90 deg", "beyond the end of the border (800 km)"),
    ("{along: -5 km, offset: 0 km}", "90 deg", "center.along: '-5 km': must be at least 0 km"),
    ("{lat: 0.1, lon: 1.0}", "alongborder", "or write 'along_border'"),
])
def test_bad_border_positions_are_located_errors(center, heading, message):
    with pytest.raises(ScenarioError) as info:
        load(EQUATOR, base="{lat: 0.1, lon: 0.1}", center=center, heading=heading)
    assert message in str(info.value)


def test_the_synthetic_origin_cannot_be_in_border_terms():
    text = EQUATOR.replace("{lat: 0.0, lon: 0.0}", "{along: 10 km, offset: 0 km}")
    with pytest.raises(ScenarioError) as info:
        load(text, base="{lat: 0.1, lon: 0.1}", center="{lat: 0.1, lon: 1.0}", heading="90 deg")
    assert "geography.synthetic.origin" in str(info.value)
    assert "needs the border, which is not defined yet here" in str(info.value)


def test_route_waypoints_and_loiter_centres_take_border_terms_too():
    route = ("route: {waypoints: [{along: 100 km, offset: -40 km}, {along: 500 km, offset: "
             "-40 km}, {lat: 0.5, lon: 2.0}]}")
    text = EQUATOR.replace("racetrack: {center: CENTER, length: 150 km, heading: HEADING}", route)
    s = load(text, base="{lat: 0.1, lon: 0.1}")
    w0, w1, w2 = s.platforms[0].track.waypoints
    assert (w0.lat_deg, w0.lon_deg) == pytest.approx((math.degrees(40e3 / R), math.degrees(100e3 / R)))
    assert (w1.lat_deg, w1.lon_deg) == pytest.approx((math.degrees(40e3 / R), math.degrees(500e3 / R)))
    assert (w2.lat_deg, w2.lon_deg) == (0.5, 2.0)
    loiter = "loiter: {center: {along: 250 km, offset: 30 km}, radius: 10 km}"
    text = EQUATOR.replace("racetrack: {center: CENTER, length: 150 km, heading: HEADING}", loiter)
    c = load(text, base="{lat: 0.1, lon: 0.1}").platforms[0].track.center
    assert (c.lat_deg, c.lon_deg) == pytest.approx((-math.degrees(30e3 / R), math.degrees(250e3 / R)))


def test_along_border_heading_for_a_lat_lon_centre_uses_the_nearest_border_point():
    text = EQUATOR.replace("{lat: 0.0, lon: 0.0}, azimuth: 90 deg",
                           "{lat: 31.0, lon: -112.0}, azimuth: 60 deg")
    s = load(text, base="{lat: 30.0, lon: -112.0}", center="{lat: 32.0, lon: -109.0}",
             heading="along_border")
    # the border's own bearing at the foot of the perpendicular from the centre
    geo = build_geography(s.geography, s.earth)
    u = E.unit_vector(32.0, -109.0)
    along = geo.border_distance_m(u)[1][0]
    foot = geo.point_at_along(along)
    ahead = geo.point_at_along(along + 1_000.0)
    expected = float(E.bearing_rad(foot, ahead))
    assert s.platforms[0].track.heading_rad == pytest.approx(expected, abs=1e-3)
