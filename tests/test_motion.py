"""Tests of sim/platforms/segments.py and tracks.py: tracks as analytic segments.

Every expected number cites its source in a comment: docs/model.md (public figures),
an analytic formula, or a hand calculation.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import pytest

from sim.world import earth
from sim.platforms import segments
from sim.platforms.segments import ArcSegment, OrbitSegment, turn_radius_m
from sim.platforms.tracks import PATH_TOLERANCE_M, build_track, simplify_path_u
from sim.schema import (BorderParallelTrack, GeographySpec, LatLon, LoiterTrack,
                                 OnStation, OrbitTrack, PlatformSpec, RacetrackTrack,
                                 RouteTrack, Scenario, TimeSpec)

R = 6_371_000.0                      # EarthSpec default radius
START = datetime(2025, 2, 3, tzinfo=timezone.utc)
KT = 1852.0 / 3600.0                 # NIST SP 811
ONE_METRE_RAD = 1.0 / R              # an angle of one metre of ground arc


def scenario(duration_s=86400.0):
    return Scenario("test", TimeSpec(START, duration_s), GeographySpec(), ())


def aircraft(track, speed=200.0, altitude=15_000.0, endurance=None, bank=math.radians(25),
             phase=0.0, on_station=OnStation(), base=None, name="A"):
    return PlatformSpec(name, "test-class", "aircraft", altitude, speed, endurance, bank, (),
                        track, phase, on_station, base)


def satellite(track, on_station=OnStation()):
    return PlatformSpec("S", "leo", "satellite", track.altitude_m, 7500.0, None, None, (),
                        track, 0.0, on_station, None)


def angle_m(u1, u2):
    """Ground distance in m between unit vectors on the R sphere."""
    return R * earth.central_angle_rad(u1, u2)


def lap_join_errors_m(track):
    """Distance between the end of each lap segment and the start of the next (cyclic)."""
    segs = track.lap
    errs = []
    for a, b in zip(segs, segs[1:] + segs[:1]):
        end = a.position_u(a.t1_s)[0]
        errs.append(float(angle_m(end, b.start_u)))
    return errs


RACETRACK = RacetrackTrack(LatLon(32.0, -110.0), length_m=250_000.0,
                           heading_rad=math.radians(90.0), width_m=20_000.0)


# ------------------------------------------------------------------------ turn radius

def test_coordinated_turn_radius_matches_model_reference():
    # docs/model.md: r = V^2 / (g tan bank); 200 kt at 20 deg -> 3.0 km, 450 kt at 25 deg -> 11.7 km
    assert turn_radius_m(200 * KT, math.radians(20)) == pytest.approx(3000.0, abs=50.0)
    assert turn_radius_m(450 * KT, math.radians(25)) == pytest.approx(11_700.0, abs=50.0)


# ---------------------------------------------------------------------------- orbits

def landsat_segment(raan_rad=0.0, phase_rad=0.0, t1_s=86400.0):
    track = OrbitTrack(altitude_m=705_000.0, inclination_rad=math.radians(98.2),
                       raan_rad=raan_rad, phase_rad=phase_rad)
    return segments.orbit_segment(track, earth.julian_date(START), 0.0, t1_s)


def ascending_nodes(seg, t_end_s, step_s=1.0):
    """Times and longitudes (deg) of ascending-node crossings (z from - to +), linearly
    interpolated between samples."""
    t = np.arange(0.0, t_end_s, step_s)
    p = seg.position_u(t)
    z = p[:, 2]
    k = np.nonzero((z[:-1] < 0) & (z[1:] >= 0))[0]
    f = -z[k] / (z[k + 1] - z[k])
    times = t[k] + f * step_s
    p_cross = p[k] + f[:, None] * (p[k + 1] - p[k])
    _, lon = earth.lat_lon_deg(p_cross)
    return times, lon


def test_orbit_period_landsat():
    # USGS Landsat 8: 705 km, period 98.9 min; docs/model.md P = 2 pi sqrt(a^3/mu) with
    # a = 6378.137 + 705 km gives 98.88 min (hand calculation).
    assert segments.keplerian_period_s(705_000.0) / 60 == pytest.approx(98.9, abs=0.1)
    seg = landsat_segment()
    assert seg.period_s() / 60 == pytest.approx(98.9, abs=0.1)
    # Nodal period by hand from Vallado eq. 9-41 (e = 0): k = 0.75 J2 (Re/a)^2 = 6.584e-4,
    # 8 cos^2(98.2 deg) - 2 = -1.8373, P_nodal = 98.8777 min / (1 - 1.8373 k) = 98.9974 min.
    assert seg.period_s() / 60 == pytest.approx(98.9974, abs=0.001)
    # The nodal period measured from the positions (successive ascending nodes) equals
    # period_s(): z = sin i sin u crosses zero upwards exactly when u = 2 pi k.
    times, _ = ascending_nodes(seg, 6 * 3600.0)
    assert np.diff(times) == pytest.approx(seg.period_s(), abs=0.05)


def test_ground_track_shift_per_orbit():
    seg = landsat_segment()
    _, lon = ascending_nodes(seg, 6 * 3600.0)
    shift_deg = -np.diff(lon)               # westward positive
    shift_deg = np.mod(shift_deg, 360.0)
    # USGS / docs/model.md: about 360 deg * P / 86164 s = 24.7 deg for Landsat
    assert shift_deg == pytest.approx(24.7, abs=0.15)
    approx = 360.0 * seg.period_s() / 86164.0
    assert shift_deg == pytest.approx(approx, rel=0.005)
    # exact: (Earth rotation - nodal drift) x nodal period, hand formula
    exact = math.degrees((segments.GMST_RATE_RAD_S - seg.raan_rate_rad_s) * seg.period_s())
    assert shift_deg == pytest.approx(exact, abs=0.01)


def test_sun_synchronous_nodal_rate():
    # docs/model.md / SMAD: sun-synchronous needs +0.9856 deg/day; 705 km at 98.2 deg is one.
    raan_rate, _ = segments.j2_secular_rates(705_000.0, math.radians(98.2))
    assert math.degrees(raan_rate) * 86400.0 == pytest.approx(0.9856, rel=0.02)
    # prograde orbits regress (cos i > 0 -> dO/dt < 0), Vallado eq. 9-41
    assert segments.j2_secular_rates(500_000.0, math.radians(51.6))[0] < 0


def test_orbit_position_at_epoch_and_max_latitude():
    jd0 = earth.julian_date(START)
    gmst0 = float(earth.gmst_rad(jd0))
    # RAAN equal to GMST at t=0, u=0: the node is over Greenwich -> sub-point (lat 0, lon 0)
    seg = landsat_segment(raan_rad=gmst0, phase_rad=0.0)
    assert seg.position_u(0.0)[0] == pytest.approx([1.0, 0.0, 0.0], abs=1e-12)
    # u = 90 deg: the maximum latitude of a retrograde orbit is 180 - i = 81.8 deg
    seg = landsat_segment(raan_rad=gmst0, phase_rad=math.pi / 2)
    lat, _ = earth.lat_lon_deg(seg.position_u(0.0))
    assert lat[0] == pytest.approx(81.8, abs=1e-9)


def test_orbit_velocity_matches_finite_differences_and_bound():
    seg = landsat_segment(raan_rad=0.3, phase_rad=1.0)
    t = np.linspace(0.0, 20_000.0, 57)
    h = 0.01
    fd = R * (seg.position_u(t + h) - seg.position_u(t - h)) / (2 * h)   # central difference
    v = seg.velocity_m_s(t, R)
    assert np.abs(v - fd).max() < 1e-3
    # the compiled state (sim/platforms/_orbit.pyx) puts the satellite where position_u does
    assert np.abs(seg.state_u(t)[0] - seg.position_u(t)).max() < 1e-12
    # ground speed of a LEO sub-point ~ R * 2 pi / P ~ 6.7 km/s (hand calc); the bound holds
    rate = np.linalg.norm(v, axis=1) / R
    assert rate.max() <= seg.max_ground_rate_rad_s()
    assert rate.mean() == pytest.approx(2 * math.pi / seg.period_s(), rel=0.1)


def test_orbit_track_is_one_segment_over_station():
    track = OrbitTrack(705_000.0, math.radians(98.2))
    tr = build_track(satellite(track, OnStation(3600.0, 7200.0)), scenario())
    assert tr.lap == () and len(tr.once) == 1
    seg = tr.once[0]
    assert isinstance(seg, OrbitSegment)
    assert (seg.t0_s, seg.t1_s) == (3600.0, 10_800.0)
    assert tr.time_on_station_s == 7200.0
    assert seg.clipped(0.0, 5000.0).t1_s == 5000.0
    assert seg.clipped(20_000.0, 30_000.0) is None
    pos, _, alt, active = tr.state([0.0, 5000.0, 20_000.0])
    assert active.tolist() == [False, True, False]
    assert alt[1] == 705_000.0
    assert pos[1] == pytest.approx(seg.position_u(5000.0)[0])


# ------------------------------------------------------------------------- racetrack

def test_racetrack_continuity_speed_period_and_width():
    v = 200.0
    tr = build_track(aircraft(RACETRACK, speed=v), scenario())
    assert [s.kind for s in tr.lap] == ["leg", "turn", "leg", "turn"]
    # positions continuous at every join, including lap end -> lap start
    assert max(lap_join_errors_m(tr)) < 1.0
    # lap period = (2 L + 2 pi (W/2)) / v (analytic), within 0.1 %
    expect = (2 * 250_000.0 + 2 * math.pi * 10_000.0) / v
    assert tr.lap_period_s == pytest.approx(expect, rel=1e-3)
    # ground speed = v everywhere, by finite differences of the positions
    t = np.linspace(0.0, tr.lap_period_s, 4001)
    pos, vel, _, active = tr.state(t)
    assert active.all()
    dist = R * earth.central_angle_rad(pos[:-1], pos[1:])
    speed_fd = dist / np.diff(t)
    assert speed_fd == pytest.approx(v, rel=1e-4)      # chords of arcs: error ~ (dt rate)^2/24
    assert np.linalg.norm(vel, axis=1) == pytest.approx(v, rel=1e-9)
    # legs are W apart: at the ends (start of leg 1 vs end of leg 2) ...
    leg1, turn1, leg2, turn2 = tr.lap
    assert angle_m(leg1.start_u, leg2.position_u(leg2.t1_s)[0]) == pytest.approx(20_000.0, abs=1.0)
    assert angle_m(leg1.position_u(leg1.t1_s)[0], leg2.start_u) == pytest.approx(20_000.0, abs=1.0)
    # ... and at the middle of leg 1, distance to leg 2's great circle (asin |p . n|):
    # great-circle chords bulge from the constant-offset line by ~ d (L/2R)^2 / 2 ~ 2 m.
    mid = leg1.position_u(0.5 * (leg1.t0_s + leg1.t1_s))[0]
    d_mid = R * math.asin(abs(float(np.dot(mid, leg2.axis_u))))
    assert d_mid == pytest.approx(20_000.0, abs=10.0)


def _turn_sense(seg):
    """Sign of (v1 x v2) . up inside an arc: negative = clockwise seen from above (right)."""
    ta, tb = seg.t0_s + 0.3 * (seg.t1_s - seg.t0_s), seg.t0_s + 0.4 * (seg.t1_s - seg.t0_s)
    v1, v2 = seg.velocity_m_s([ta, tb], R)
    return float(np.dot(np.cross(v1, v2), seg.position_u(ta)[0]))


def test_racetrack_direction_cw_right_turns_first_leg_left():
    # heading 090 (east): left of the centre line is north
    cw = build_track(aircraft(RACETRACK), scenario())
    leg1, turn1, leg2, turn2 = cw.lap
    lat_leg1, _ = earth.lat_lon_deg(leg1.position_u(0.5 * leg1.t1_s))
    lat_leg2, _ = earth.lat_lon_deg(leg2.position_u(0.5 * (leg2.t0_s + leg2.t1_s)))
    assert lat_leg1[0] > 32.0 > lat_leg2[0]
    assert _turn_sense(turn1) < 0 and _turn_sense(turn2) < 0
    # first leg flies the heading (bearing of its velocity ~ 90 deg at its middle)
    p = leg1.position_u(0.5 * leg1.t1_s)[0]
    vel = leg1.velocity_m_s(0.5 * leg1.t1_s, R)[0]
    east, north = earth.local_frame(p)
    assert math.degrees(math.atan2(vel @ east, vel @ north)) == pytest.approx(90.0, abs=0.5)

    ccw_spec = RacetrackTrack(RACETRACK.center, RACETRACK.length_m, RACETRACK.heading_rad,
                              RACETRACK.width_m, "ccw")
    ccw = build_track(aircraft(ccw_spec), scenario())
    leg1, turn1, leg2, turn2 = ccw.lap
    lat_leg1, _ = earth.lat_lon_deg(leg1.position_u(0.5 * leg1.t1_s))
    assert lat_leg1[0] < 32.0
    assert _turn_sense(turn1) > 0 and _turn_sense(turn2) > 0
    assert max(lap_join_errors_m(ccw)) < 1.0


def test_racetrack_width_defaults_to_two_turn_radii():
    spec = RacetrackTrack(LatLon(30.0, -100.0), 100_000.0, math.radians(30.0))
    bank = math.radians(25.0)
    tr = build_track(aircraft(spec, speed=450 * KT, bank=bank), scenario())
    leg1, _, leg2, _ = tr.lap
    r = 11_720.0     # 450 kt at 25 deg bank: V^2/(g tan b) = 231.5^2/(9.80665*0.4663) (hand)
    assert angle_m(leg1.start_u, leg2.position_u(leg2.t1_s)[0]) == pytest.approx(2 * r, rel=2e-3)


# ---------------------------------------------------------------------------- loiter

def test_loiter_circle():
    center = LatLon(31.0, -111.0)
    v, r = 150.0, 8_000.0
    tr = build_track(aircraft(LoiterTrack(center, r, "ccw"), speed=v), scenario())
    assert len(tr.lap) == 1 and tr.lap[0].kind == "loiter"
    seg = tr.lap[0]
    # one full circle per lap: period = 2 pi R sin(r/R) / v (small-circle circumference)
    assert tr.lap_period_s == pytest.approx(2 * math.pi * R * math.sin(r / R) / v, rel=1e-12)
    assert seg.sweep_rad == pytest.approx(2 * math.pi, rel=1e-12)
    t = np.linspace(0.0, tr.lap_period_s, 301)
    pos, vel, _, _ = tr.state(t)
    c = earth.unit_vector(31.0, -111.0)
    assert angle_m(pos, c) == pytest.approx(r, abs=1e-3)
    # starts due north of the centre (bearing 0)
    assert float(earth.bearing_rad(c, pos[0])) == pytest.approx(0.0, abs=1e-9)
    assert _turn_sense(seg) > 0                         # ccw = left turns
    cw = build_track(aircraft(LoiterTrack(center, r, "cw"), speed=v), scenario())
    assert _turn_sense(cw.lap[0]) < 0
    # radius None: the coordinated turn radius, 200 kt at 20 deg -> ~2966 m (docs/model.md 3.0 km)
    d = build_track(aircraft(LoiterTrack(center), speed=200 * KT, bank=math.radians(20)),
                    scenario())
    assert angle_m(d.lap[0].start_u, c) == pytest.approx(3000.0, abs=50.0)


# ----------------------------------------------------------------------------- routes

TRI = (LatLon(30.0, -110.0), LatLon(30.0, -109.0), LatLon(31.0, -109.5))


def _tri_u():
    return [earth.unit_vector(p.lat_deg, p.lon_deg) for p in TRI]


def test_route_loop_visits_waypoints():
    v = 250.0
    tr = build_track(aircraft(RouteTrack(TRI, "loop"), speed=v), scenario())
    u = _tri_u()
    sides = [angle_m(u[0], u[1]), angle_m(u[1], u[2]), angle_m(u[2], u[0])]
    assert tr.lap_period_s == pytest.approx(sum(sides) / v, rel=1e-12)   # perimeter / v
    t_wp = np.array([0.0, sides[0] / v, (sides[0] + sides[1]) / v, tr.lap_period_s])
    pos, _, _, _ = tr.state(t_wp)
    for p, w in zip(pos, u + [u[0]]):
        assert angle_m(p, w) < 1e-3
    assert max(lap_join_errors_m(tr)) < 1e-3


def test_route_reverse_is_there_and_back():
    v = 250.0
    tr = build_track(aircraft(RouteTrack(TRI, "reverse"), speed=v), scenario())
    u = _tri_u()
    one_way = angle_m(u[0], u[1]) + angle_m(u[1], u[2])
    assert tr.lap_period_s == pytest.approx(2 * one_way / v, rel=1e-12)
    assert len(tr.lap) == 4
    pos, _, _, _ = tr.state([one_way / v, 2 * one_way / v])
    assert angle_m(pos[0], u[2]) < 1e-3          # turn-around at the last waypoint
    assert angle_m(pos[1], u[0]) < 1e-3          # back home after one lap


def test_route_once_then_inactive():
    v = 250.0
    tr = build_track(aircraft(RouteTrack(TRI, "once"), speed=v,
                              on_station=OnStation(600.0, None)), scenario())
    u = _tri_u()
    length = angle_m(u[0], u[1]) + angle_m(u[1], u[2])
    assert tr.lap == () and tr.lap_period_s == 0.0
    assert [s.kind for s in tr.once] == ["leg", "leg"]
    assert tr.once[0].t0_s == 600.0
    assert tr.once[-1].t1_s == pytest.approx(600.0 + length / v)
    assert tr.time_on_station_s == pytest.approx(length / v)
    pos, _, _, active = tr.state([599.0, 600.0, 600.0 + length / v - 1, 600.0 + length / v + 1])
    assert active.tolist() == [False, True, True, False]
    assert np.isnan(pos[0]).all() and np.isnan(pos[3]).all()
    assert angle_m(pos[1], u[0]) < 1e-3


# -------------------------------------------------------------------- border_parallel

class FakeGeography:
    """Stands in for sim.world.geography: a path along the parallel 31 N from 110 W to 108 W."""

    def __init__(self):
        self.calls = []

    def offset_path_u(self, offset_m, from_m, to_m):
        self.calls.append((offset_m, from_m, to_m))
        lon = np.linspace(-110.0, -108.0, 21)
        return earth.unit_vector(np.full_like(lon, 31.0), lon)


def test_border_parallel_flies_offset_path_there_and_back():
    geo = FakeGeography()
    spec = BorderParallelTrack(offset_m=40_000.0, from_m=100_000.0, to_m=600_000.0)
    v = 200.0
    tr = build_track(aircraft(spec, speed=v), scenario(), geo)
    assert geo.calls == [(40_000.0, 100_000.0, 600_000.0)]
    # The dense path is flown as the fewest great-circle legs within PATH_TOLERANCE_M.
    path = simplify_path_u(geo.offset_path_u(0, 0, 0), PATH_TOLERANCE_M / R)
    assert 2 < path.shape[0] < 21
    one_way = float(np.sum(angle_m(path[:-1], path[1:])))
    assert tr.lap_period_s == pytest.approx(2 * one_way / v, rel=1e-12)   # reverse route
    assert len(tr.lap) == 2 * (path.shape[0] - 1)
    pos, _, _, _ = tr.state([one_way / v])
    assert angle_m(pos[0], path[-1]) < 1e-3
    with pytest.raises(ValueError, match="geography"):
        build_track(aircraft(spec), scenario(), None)
    with pytest.raises(ValueError, match="speed"):
        build_track(aircraft(spec, speed=0.0), scenario(), geo)


# ---------------------------------------------------------------- phase and on-station

def test_phase_shifts_start_point():
    base = build_track(aircraft(RACETRACK), scenario())
    shifted = build_track(aircraft(RACETRACK, phase=0.25, on_station=OnStation(1000.0, None)),
                          scenario())
    p = base.lap_period_s
    # at on-station start the platform is a quarter lap along the pattern
    pos_s, _, _, _ = shifted.state([1000.0, 1000.0 + 0.5 * p])
    pos_b, _, _, _ = base.state([0.25 * p, 0.75 * p])
    assert angle_m(pos_s, pos_b) == pytest.approx([0.0, 0.0], abs=1e-3)
    assert shifted.lap_origin_s == pytest.approx(1000.0 - 0.25 * p)


def test_on_station_window():
    tr = build_track(aircraft(RACETRACK, on_station=OnStation(3600.0, 7200.0)), scenario())
    assert tr.lap_window_s == (3600.0, 10_800.0)
    assert tr.time_on_station_s == 7200.0
    _, _, alt, active = tr.state([3599.0, 3600.0, 10_800.0, 10_801.0])
    assert active.tolist() == [False, True, True, False]
    assert alt[1] == 15_000.0 and np.isnan(alt[0])
    # window clipped to the scenario
    tr = build_track(aircraft(RACETRACK, on_station=OnStation(3600.0, 7200.0)), scenario(5000.0))
    assert tr.lap_window_s == (3600.0, 5000.0) and tr.time_on_station_s == 1400.0


# ------------------------------------------------------------------------ base transit

BASE = LatLon(32.0, -113.0)        # west of the racetrack centre (32 N, 110 W)


def test_base_transit_arrives_on_time_and_returns():
    v = 200.0
    plat = aircraft(RACETRACK, speed=v, endurance=20 * 3600.0, base=BASE,
                    on_station=OnStation(3 * 3600.0, 6 * 3600.0))
    tr = build_track(plat, scenario())
    out, back = tr.once
    assert out.kind == back.kind == "transit"
    base_u = earth.unit_vector(32.0, -113.0)
    start_u = tr.lap[0].start_u                      # phase 0: start of leg 1
    dist = float(angle_m(base_u, start_u))
    assert out.t1_s == 3 * 3600.0                    # arrives exactly at on-station start
    assert out.t1_s - out.t0_s == pytest.approx(dist / v)       # great circle at cruise speed
    assert angle_m(out.start_u, base_u) < 1e-6
    assert angle_m(out.position_u(out.t1_s)[0], start_u) < 1e-3
    assert tr.warnings == ()
    # return leaves from where the platform is at the end of station, ends at base
    end_pos, _, _, _ = tr.state([9 * 3600.0])
    assert back.t0_s == 9 * 3600.0
    assert angle_m(back.start_u, end_pos[0]) < 1e-3
    assert angle_m(back.position_u(back.t1_s)[0], base_u) < 1e-3
    pos, vel, _, active = tr.state([out.t0_s + 10.0, back.t1_s - 10.0, back.t1_s + 10.0])
    assert active.tolist() == [True, True, False]
    assert np.linalg.norm(vel[:2], axis=1) == pytest.approx(v)


def test_base_transit_takeoff_before_zero_is_clipped():
    v = 200.0
    plat = aircraft(RACETRACK, speed=v, base=BASE, on_station=OnStation(300.0, None))
    tr = build_track(plat, scenario(3600.0))
    # out transit ~ 150 km / 200 m/s ~ 750 s: takeoff before 0, clipped to [0, 300];
    # the return transit starts at the scenario end and is clipped away entirely
    assert len(tr.once) == 1
    out = tr.once[0]
    assert (out.t0_s, out.t1_s) == (0.0, 300.0)
    # the clipped transit is still the great circle from the base: its point at t = 0 lies
    # v * 300 s of ground arc short of the start point, on the base -> start great circle
    start_u = tr.lap[0].start_u
    assert float(angle_m(out.start_u, start_u)) == pytest.approx(v * 300.0, abs=1e-3)
    base_u = earth.unit_vector(BASE.lat_deg, BASE.lon_deg)
    assert float(angle_m(base_u, out.start_u) + angle_m(out.start_u, start_u)) == \
        pytest.approx(float(angle_m(base_u, start_u)), abs=1e-3)


def test_endurance_caps_on_station_time():
    v = 200.0
    endurance = 5 * 3600.0
    plat = aircraft(RACETRACK, speed=v, endurance=endurance, base=BASE,
                    on_station=OnStation(2 * 3600.0, 10 * 3600.0))
    tr = build_track(plat, scenario())
    out, back = tr.once
    on = tr.time_on_station_s
    # times add up: out + on-station + back = endurance (the cap binds), to the bisection's
    # precision
    total = (out.t1_s - out.t0_s) + on + (back.t1_s - back.t0_s)
    assert total == pytest.approx(endurance, abs=1e-3)
    assert on < 10 * 3600.0
    assert tr.lap_window_s == (2 * 3600.0, pytest.approx(2 * 3600.0 + on))
    assert len(tr.warnings) == 1
    assert f"on-station time capped by endurance to {on / 3600:.1f} h" in tr.warnings[0]
    # transit alone beyond endurance: nothing flown, on-station 0, warned
    far = aircraft(RACETRACK, speed=v, endurance=1800.0, base=LatLon(40.0, -100.0))
    tr = build_track(far, scenario())
    assert tr.time_on_station_s == 0.0 and tr.once == () and tr.segments(0, 86400) == []
    assert "on-station time is 0" in tr.warnings[0]


def test_no_base_endurance_warns_but_does_not_cap():
    tr = build_track(aircraft(RACETRACK, endurance=12 * 3600.0), scenario())
    assert tr.time_on_station_s == 86400.0
    assert "exceeds the class endurance of 12.0 h" in tr.warnings[0]


# ------------------------------------------------------------ Track.segments / state

def test_segments_cover_interval_without_gaps():
    tr = build_track(aircraft(RACETRACK, phase=0.6, on_station=OnStation(500.0, None)),
                     scenario())
    ta, tb = 1234.5, 40_000.0
    segs = tr.segments(ta, tb)
    assert segs[0].t0_s == ta and segs[-1].t1_s == tb
    gaps = np.array([b.t0_s - a.t1_s for a, b in zip(segs, segs[1:])])
    assert np.abs(gaps).max() < 1e-6
    # positions continuous across every join of the expanded laps (< 1 m)
    jumps = [float(angle_m(a.position_u(a.t1_s)[0], b.start_u)) for a, b in zip(segs, segs[1:])]
    assert max(jumps) < 1.0
    # outside the lap window: nothing
    assert tr.segments(0.0, 400.0) == []


def test_state_matches_segments_and_is_fast():
    import time
    geo = FakeGeography()
    plat = aircraft(BorderParallelTrack(30_000.0), base=BASE, endurance=30 * 3600.0,
                    on_station=OnStation(4 * 3600.0, 12 * 3600.0), phase=0.3)
    tr = build_track(plat, scenario(), geo)
    segs = tr.segments(0.0, 86400.0)
    tmid = np.array([0.5 * (s.t0_s + s.t1_s) for s in segs])
    pos, vel, alt, active = tr.state(tmid)
    assert active.all()
    expect = np.array([s.position_u(t)[0] for s, t in zip(segs, tmid)])
    assert angle_m(pos, expect).max() < 1e-3
    expect_v = np.array([s.velocity_m_s(t, R)[0] for s, t in zip(segs, tmid)])
    assert np.abs(vel - expect_v).max() < 1e-6
    t = np.linspace(0.0, 86400.0, 100_000)
    t0 = time.perf_counter()
    pos, _, _, active = tr.state(t)
    assert time.perf_counter() - t0 < 1.0
    assert np.isfinite(pos[active]).all() and np.isnan(pos[~active]).all()


# ----------------------------------------------------------------- segment primitives

def test_arc_split_clip_shift():
    start = earth.unit_vector(10.0, 20.0)
    axis = earth.unit_vector(90.0, 0.0)
    # sweep 5 pi about the pole: split into 3 pieces of <= 2 pi, continuous
    seg = ArcSegment(0.0, 5 * math.pi / 1e-3, start, axis, 1e-3, 1000.0, "loiter")
    pieces = segments.split_arc(seg)
    assert len(pieces) == 3
    assert all(p.sweep_rad <= 2 * math.pi + 1e-9 for p in pieces)
    for a, b in zip(pieces, pieces[1:]):
        assert a.t1_s == b.t0_s
        assert angle_m(a.position_u(a.t1_s)[0], b.start_u) < 1e-6
    # clip moves start_u; shift keeps the motion
    c = seg.clipped(100.0, 200.0)
    assert (c.t0_s, c.t1_s) == (100.0, 200.0)
    assert c.position_u(150.0) == pytest.approx(seg.position_u(150.0))
    assert seg.clipped(-10.0, 0.0) is None
    s = seg.shifted(50.0)
    assert s.position_u(150.0) == pytest.approx(seg.position_u(100.0))
    # ground speed on a small circle: R * rate * sin(rho), rho = 80 deg here
    speed = np.linalg.norm(seg.velocity_m_s(0.0, R))
    assert speed == pytest.approx(R * 1e-3 * math.sin(math.radians(80.0)))


def test_simplify_path_keeps_every_vertex_within_tolerance():
    # A small circle 40 km from a great circle (the equator), 600 km long, sampled every
    # 1 km: the chord sagitta L^2 d / (8 R^2) is ~44 m for L = 600 km, so one leg suffices
    # at 100 m; at 10 m it must split, and every dropped vertex stays within 10 m.
    lon = np.linspace(0.0, math.degrees(600e3 / R), 601)
    lat = np.full_like(lon, math.degrees(40e3 / R))
    dense = earth.unit_vector(lat, lon)
    assert simplify_path_u(dense, 100.0 / R).shape[0] == 2
    fine = simplify_path_u(dense, 10.0 / R)
    assert 2 < fine.shape[0] < 20
    # Deviation of every dense vertex from the nearest simplified leg's great circle.
    normals = np.cross(fine[:-1], fine[1:])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    dev = np.min(np.abs(np.arcsin(dense @ normals.T)), axis=1) * R
    assert dev.max() <= 10.0 + 1e-6
