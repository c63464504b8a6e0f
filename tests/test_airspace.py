"""Airspace violations on the real us-mexico preset (issue 4).

A route 10 nmi off the Pacific coast of Baja California is inside Mexico's 12 nmi territorial
sea and must be flagged; the same route 15 nmi off must not; `overflight: permitted` reports
nothing. The expected numbers come from an independent brute-force computation: the Mexican
coastlines of the preset densified to 100 m, and the distance from a great-circle leg to each
coast point by cross-track / along-track angles (Williams, Aviation Formulary, "cross track
error"), not from the geography's KD-tree code under test.

Sources: UNCLOS art. 3 (territorial sea up to 12 nmi from the coast) and art. 2 (sovereignty
over the airspace above it); 1 nmi = 1,852 m exactly (International Hydrographic Conference
1929). Outer Space Treaty (1967) art. II: outer space is not subject to national
appropriation, so an orbiting satellite is never in national airspace.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.spatial import cKDTree

from sim.world import earth as E
from sim.world.geography import build_geography
from sim.platforms.tracks import build_track
from sim.engine.airspace import airspace_violations
from sim.engine.runner import run
from sim.scenario.load import load_scenario_text

NMI_M = 1852.0                      # international nautical mile, exact
TERRITORIAL_SEA_M = 12 * NMI_M      # UNCLOS art. 3: 22,224 m

# A leg parallel to the Pacific coast of northern Baja California (El Rosario stretch),
# before it is shifted seaward: 30.6 N 116.6 W to 29.3 N 115.4 W, bearing about 141 deg.
LEG_A = (30.6, -116.6)
LEG_B = (29.3, -115.4)


def _scenario_text(waypoints, overflight="forbidden", duration="1 h", cls="maritime-patrol",
                   track=None):
    if track is None:
        wps = ", ".join(f"{{lat: {la!r}, lon: {lo!r}}}" for la, lo in waypoints)
        track = f"{{route: {{repeat: once, waypoints: [{wps}]}}}}"
    return f"""
name: airspace test
time: {{start: 2025-02-03T00:00:00Z, duration: {duration}}}
geography: {{preset: us-mexico, own: us}}
grid: {{cell: 20 km, extent: 40 km, side: neighbour}}
airspace: {{overflight: {overflight}}}
platforms:
  - name: P
    class: {cls}
    track: {track}
"""


@pytest.fixture(scope="module")
def geography():
    sc = load_scenario_text(_scenario_text([LEG_A, LEG_B]))
    return build_geography(sc.geography, sc.earth)


@pytest.fixture(scope="module")
def mexican_coast(geography):
    """(K, 3) points of every Mexican coastline (islands included) near northern Baja,
    densified along great circles to at most 100 m apart."""
    g = geography
    out = []
    for line, own in zip(g.coastlines, g.coast_is_own):
        if own:
            continue
        u = E.unit_vector(line[:, 0], line[:, 1])
        for a, b in zip(u[:-1], u[1:]):
            ang = float(E.central_angle_rad(a, b))
            if ang == 0.0:
                continue
            n = max(1, int(math.ceil(ang * g.radius_m / 100.0)))
            t = (np.arange(n) / n)[:, None]
            out.append((np.sin((1 - t) * ang) * a + np.sin(t * ang) * b) / np.sin(ang))
        out.append(u[-1:])
    pts = np.vstack(out)
    lat, lon = E.lat_lon_deg(pts)
    return pts[(lat > 27.0) & (lat < 32.5) & (lon < -112.5)]


def _arc_distance_m(a, b, points, radius_m):
    """Ground distance (K,) from points (K, 3) to the great-circle arc a-b: the cross-track
    angle when the foot of the perpendicular lies on the arc, else the nearer end."""
    n = np.cross(a, b)
    n = n / np.linalg.norm(n)
    xt = np.arcsin(np.clip(points @ n, -1.0, 1.0))
    foot = E.normalize(points - (points @ n)[:, None] * n)
    ab = float(E.central_angle_rad(a, b))
    on_arc = (E.central_angle_rad(foot, a) <= ab) & (E.central_angle_rad(foot, b) <= ab)
    ends = np.minimum(E.central_angle_rad(points, a), E.central_angle_rad(points, b))
    return np.where(on_arc, np.abs(xt), ends) * radius_m


def _shifted_leg(shift_m, radius_m):
    """The leg LEG_A-LEG_B moved sideways by shift_m (negative: to the south-west, seaward)."""
    a0, b0 = E.unit_vector(*LEG_A), E.unit_vector(*LEG_B)
    a = E.destination(a0, float(E.bearing_rad(a0, b0)) - math.pi / 2, shift_m / radius_m)
    b = E.destination(b0, float(E.bearing_rad(b0, a0)) + math.pi / 2, shift_m / radius_m)
    return a, b


@pytest.fixture(scope="module")
def legs(geography, mexican_coast):
    """{clearance_nmi: (a, b)}: legs whose closest approach to any Mexican coast is exactly
    10 nmi and 15 nmi (brute force, shift found by root finding to 1 m)."""
    R = geography.radius_m

    def clearance(shift):
        a, b = _shifted_leg(shift, R)
        return _arc_distance_m(a, b, mexican_coast, R).min()

    out = {}
    for nmi in (10, 15):
        shift = brentq(lambda s: clearance(s) - nmi * NMI_M, -60_000.0, 0.0, xtol=1.0)
        out[nmi] = _shifted_leg(shift, R)
    return out


def _nearest_coast_m(points, coast, radius_m):
    """Ground distance (K,) from points (K, 3) to the nearest coast point: exact nearest
    neighbour by chord length (scipy cKDTree), chord c -> angle 2 asin(c / 2)."""
    chord, _ = cKDTree(coast).query(E.normalize(points))
    return 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0)) * radius_m


def _lat_lon(u):
    la, lo = E.lat_lon_deg(u)
    return float(la), float(lo)


def _track(geography, waypoints, **kw):
    sc = load_scenario_text(_scenario_text(waypoints, **kw))
    return sc, build_track(sc.platforms[0], sc, geography)


def _brute_force_inside(track, mexican_coast, radius_m, duration_s):
    """Times (1 s apart) and distances to the nearest Mexican coast of the flown route."""
    t = np.arange(0.0, duration_s + 0.5, 1.0)
    pos, _, _, active = track.state(t)
    t, pos = t[active], E.normalize(pos[active])
    return t, pos, _nearest_coast_m(pos, mexican_coast, radius_m)


def test_legs_have_the_intended_clearance(geography, mexican_coast, legs):
    # The construction itself: sampled every ~200 m, the closest approach is the target
    # (to the 100 m coast sampling) and the leg ends are far outside the territorial sea.
    R = geography.radius_m
    for nmi, (a, b) in legs.items():
        L = float(E.central_angle_rad(a, b))
        f = np.linspace(0.0, 1.0, int(L * R / 200.0))[:, None]
        pts = (np.sin((1 - f) * L) * a + np.sin(f * L) * b) / np.sin(L)
        d = _nearest_coast_m(pts, mexican_coast, R)
        assert d.min() == pytest.approx(nmi * NMI_M, abs=100.0)
        assert d[0] > 2 * TERRITORIAL_SEA_M and d[-1] > TERRITORIAL_SEA_M


def test_route_10_nmi_off_baja_is_flagged_with_its_times(geography, mexican_coast, legs):
    a, b = legs[10]
    sc, track = _track(geography, [_lat_lon(a), _lat_lon(b)])
    rows = airspace_violations(track, geography, sc.time.duration_s)
    t, _, d = _brute_force_inside(track, mexican_coast, geography.radius_m, sc.time.duration_s)
    inside = d < TERRITORIAL_SEA_M
    # One straight leg flown once passes the nearest headland once: one entry, from the
    # first to the last second the brute-force distance is under 12 nmi (about 140 s at
    # 815 km/h: 2 sqrt(12^2 - 10^2) nmi = 13.3 nmi = 24.6 km for a point-like headland).
    assert len(rows) == 1
    assert rows[0]["start_s"] == pytest.approx(t[inside].min(), abs=3.0)
    assert rows[0]["end_s"] == pytest.approx(t[inside].max(), abs=3.0)
    assert 100.0 < rows[0]["end_s"] - rows[0]["start_s"] < 200.0


def test_violation_reports_the_greatest_distance_inside(geography, mexican_coast, legs):
    # Closest approach 10 nmi to a coast whose territorial sea reaches 12 nmi: the track is
    # at most 12 - 10 = 2 nmi = 3.704 km inside Mexico's airspace, at the closest point.
    a, b = legs[10]
    sc, track = _track(geography, [_lat_lon(a), _lat_lon(b)])
    row = airspace_violations(track, geography, sc.time.duration_s)[0]
    assert row["max_inside_km"] == pytest.approx((TERRITORIAL_SEA_M - 10 * NMI_M) / 1000.0, abs=0.2)
    _, pos, d = _brute_force_inside(track, mexican_coast, geography.radius_m, sc.time.duration_s)
    deepest = pos[np.argmin(d)]
    reported = E.unit_vector(row["lat"], row["lon"])
    assert float(E.central_angle_rad(deepest, reported)) * geography.radius_m < 3_000.0


def test_route_15_nmi_off_baja_is_not_flagged(geography, legs):
    # Closest approach 15 nmi > 12 nmi: international airspace all the way.
    a, b = legs[15]
    sc, track = _track(geography, [_lat_lon(a), _lat_lon(b)])
    assert airspace_violations(track, geography, sc.time.duration_s) == []


def test_overflight_permitted_reports_no_violation(legs):
    # The same 10 nmi route through the whole pipeline: flagged (and warned about) when
    # overflight is forbidden, nothing at all when it is permitted (cooperative flights).
    a, b = legs[10]
    wps = [_lat_lon(a), _lat_lon(b)]
    forbidden = run(load_scenario_text(_scenario_text(wps, overflight="forbidden")))
    permitted = run(load_scenario_text(_scenario_text(wps, overflight="permitted")))
    assert len(forbidden.platforms[0]["airspace_violations"]) == 1
    assert any("airspace" in w for w in forbidden.warnings)
    assert permitted.platforms[0]["airspace_violations"] == []
    assert not any("airspace" in w for w in permitted.warnings)


def test_entry_over_land_reports_depth_past_the_border(geography):
    # South along 109.5 W across the straight border stretch (about 31.33 N), to a point 30 km
    # south of the border and back north: one entry; the deepest point is the turn point,
    # whose distance to the border (brute force over the border's great-circle arcs) is the
    # distance inside. The leg crosses the border at right angles (border bearing 89.9 deg),
    # so the time inside is 2 x 30 km / 815 km/h = 265 s.
    R = geography.radius_m
    border = geography.border_u
    north = E.unit_vector(31.60, -109.5)
    south = E.destination(E.unit_vector(31.327, -109.5), math.pi, 30_000.0 / R)
    depth_m = min(float(_arc_distance_m(p, q, south[None], R)[0])
                  for p, q in zip(border[:-1], border[1:]))
    assert depth_m == pytest.approx(30_000.0, abs=1_000.0)   # the construction
    sc, track = _track(geography, [_lat_lon(north), _lat_lon(south), _lat_lon(north)])
    rows = airspace_violations(track, geography, sc.time.duration_s)
    assert len(rows) == 1
    assert rows[0]["max_inside_km"] == pytest.approx(depth_m / 1000.0, abs=0.3)
    speed = sc.platforms[0].speed_m_s
    assert rows[0]["end_s"] - rows[0]["start_s"] == pytest.approx(2 * depth_m / speed, abs=3.0)
    t_turn = float(E.central_angle_rad(north, south)) * R / speed
    assert rows[0]["start_s"] < t_turn < rows[0]["end_s"]


def test_a_satellite_is_never_in_national_airspace(geography):
    # An imaging satellite at 705 km over one day: its sub-satellite point crosses Mexico
    # (checked below, so the test cannot pass vacuously), but outer space is not national
    # airspace (Outer Space Treaty art. II): no violation and no warning.
    track = "{orbit: {altitude: 705 km, inclination: 98.2 deg, raan: 114.4 deg, phase: 0 deg}}"
    sc = load_scenario_text(_scenario_text(None, cls="leo-imaging-satellite", duration="1 d",
                                           track=track))
    pos, _, _, active = build_track(sc.platforms[0], sc, geography).state(
        np.arange(0.0, sc.time.duration_s, 30.0))
    assert (geography.airspace(pos[active]) == 2).any()
    result = run(sc)
    assert result.platforms[0]["airspace_violations"] == []
    assert not any("airspace" in w for w in result.warnings)
