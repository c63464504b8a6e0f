"""Tracks: one platform's whole path, a repeating `lap` flown on station and `once`
segments in absolute time (transits from and to a base, routes flown once, orbits), built
from the scenario's track specs (racetrack, loiter, route, border_parallel, orbit) out of
the segments of sim/platforms/segments.py.

Times are seconds from `time.start`; positions are unit vectors of the sub-platform point in
the Earth-fixed frame, shape (N, 3).

References: holding-pattern geometry (FAA AIM 5-3-8); Douglas & Peucker (1973) for the
simplified border_parallel path; the segments' own references (segments.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.bisection import bisect
from sim.platforms.segments import (TWO_PI, ArcSegment, Segment, great_circle_leg,
                                    orbit_segment, small_circle_arc, split_arc, turn_radius_m)
from sim.schema import (BorderParallelTrack, LoiterTrack, OrbitTrack, PlatformSpec,
                        RacetrackTrack, RouteTrack, Scenario)
from sim.units import EARTH_RADIUS_M
from sim.world import earth


# ================================================================================ the track

@dataclass(frozen=True)
class Track:
    """One platform's whole path. Repeating part: `lap` segments have times in [0, lap_period_s)
    relative to a lap start, contiguous, covering exactly one lap; lap k is flown over
    [lap_origin_s + k*lap_period_s, lap_origin_s + (k+1)*lap_period_s) but only inside
    `lap_window_s` (absolute start, end). One-off part: `once` segments in absolute time
    (transits from/to a base, route with repeat once, orbits), sorted and not overlapping.
    The engine computes one lap and shifts it, so a 7-day run costs about the same as a
    1-day run.

    `radius_m` is the Earth radius used for ground velocities in state() (the scenario's;
    the mean radius by default).
    """
    platform_name: str
    lap: tuple[ArcSegment, ...]
    lap_period_s: float
    lap_origin_s: float
    lap_window_s: tuple[float, float]
    once: tuple[Segment, ...]
    time_on_station_s: float
    warnings: tuple[str, ...]
    radius_m: float = EARTH_RADIUS_M
    _tables: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    # ----------------------------------------------------------------- segment listing
    def _has_lap(self) -> bool:
        return bool(self.lap) and self.lap_period_s > 0.0 and \
            self.lap_window_s[1] > self.lap_window_s[0]

    def segments(self, ta_s: float, tb_s: float) -> list[Segment]:
        """Absolute-time segments inside [ta_s, tb_s]: laps expanded (shifted) and clipped to
        the lap window, once-segments clipped; sorted by start time."""
        out: list[Segment] = []
        if self._has_lap():
            a = max(ta_s, self.lap_window_s[0])
            b = min(tb_s, self.lap_window_s[1])
            if b > a:
                p = self.lap_period_s
                k0 = math.floor((a - self.lap_origin_s) / p)
                k1 = math.ceil((b - self.lap_origin_s) / p)
                for k in range(k0, k1):
                    shift = self.lap_origin_s + k * p
                    for seg in self.lap:
                        if seg.t1_s + shift <= a or seg.t0_s + shift >= b:
                            continue
                        c = seg.shifted(shift).clipped(a, b)
                        if c is not None:
                            out.append(c)
        for seg in self.once:
            c = seg.clipped(ta_s, tb_s)
            if c is not None:
                out.append(c)
        out.sort(key=lambda s: s.t0_s)
        return out

    # ------------------------------------------------------------------------ state
    def _table(self, name: str) -> dict:
        """Per-segment arrays of the lap or once segments (cached). Orbit rows get NaNs."""
        if name not in self._tables:
            segs = self.lap if name == "lap" else self.once
            arc = [isinstance(s, ArcSegment) for s in segs]
            nan3 = np.full(3, np.nan)
            self._tables[name] = {
                "t0": np.array([s.t0_s for s in segs], dtype=float),
                "t1": np.array([s.t1_s for s in segs], dtype=float),
                "start": np.array([s.start_u if a else nan3 for s, a in zip(segs, arc)],
                                  dtype=float).reshape(-1, 3),
                "axis": np.array([s.axis_u if a else nan3 for s, a in zip(segs, arc)],
                                 dtype=float).reshape(-1, 3),
                "rate": np.array([s.rate_rad_s if a else np.nan for s, a in zip(segs, arc)],
                                 dtype=float),
                "alt": np.array([s.altitude_m for s in segs], dtype=float),
                "is_arc": np.array(arc, dtype=bool),
            }
        return self._tables[name]

    def state(self, t_s) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Platform state at times t_s (N,): position_u (N, 3) unit vectors, velocity_m_s
        (N, 3) ground velocity at the surface, altitude_m (N,), active (N,) bool. Inactive
        rows have NaN position, velocity and altitude. Lap times: searchsorted on the lap's
        segment start times, then one vectorised rotation for all rows."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        n = t.size
        pos = np.full((n, 3), np.nan)
        vel = np.full((n, 3), np.nan)
        alt = np.full(n, np.nan)
        active = np.zeros(n, dtype=bool)

        if self._has_lap():
            tab = self._table("lap")
            w0, w1 = self.lap_window_s
            rows = np.nonzero((t >= w0) & (t <= w1))[0]
            if rows.size:
                tau = np.mod(t[rows] - self.lap_origin_s, self.lap_period_s)
                idx = np.clip(np.searchsorted(tab["t0"], tau, side="right") - 1,
                              0, len(self.lap) - 1)
                self._fill_arcs(tab, idx, tau, rows, pos, vel, alt)
                active[rows] = True

        if self.once:
            tab = self._table("once")
            idx = np.searchsorted(tab["t0"], t, side="right") - 1
            ok = (idx >= 0) & ~active
            ok &= t <= tab["t1"][np.maximum(idx, 0)]
            rows = np.nonzero(ok)[0]
            if rows.size:
                idx = idx[rows]
                arc = tab["is_arc"][idx]
                if arc.any():
                    self._fill_arcs(tab, idx[arc], t[rows[arc]], rows[arc], pos, vel, alt)
                for j in np.unique(idx[~arc]):
                    seg = self.once[j]
                    r = rows[idx == j]
                    pos[r] = seg.position_u(t[r])
                    vel[r] = seg.velocity_m_s(t[r], self.radius_m)
                    alt[r] = seg.altitude_m
                active[rows] = True
        return pos, vel, alt, active

    def _fill_arcs(self, tab, idx, tt, rows, pos, vel, alt):
        axis = tab["axis"][idx]
        rate = tab["rate"][idx]
        p = earth.rotate(tab["start"][idx], axis, rate * (tt - tab["t0"][idx]))
        pos[rows] = p
        vel[rows] = (self.radius_m * rate)[:, None] * np.cross(axis, p)
        alt[rows] = tab["alt"][idx]


# ============================================================================ patterns

PATH_TOLERANCE_M = 100.0   # border_parallel paths: legs within this of the offset curve


def simplify_path_u(path_u: np.ndarray, tolerance_rad: float) -> np.ndarray:
    """Fewest vertices of a polyline (K, 3) such that every dropped vertex lies within
    tolerance_rad (central angle) of the great-circle leg that replaces it.

    A dense offset polyline would make hundreds of short legs, each of which the coverage
    engine must solve over every cell in view; a 40 km offset from a straight border
    deviates only ~44 m from one 600 km great-circle chord (sagitta L^2 d / 8 R^2).
    References: Douglas & Peucker (1973), Cartographica 10(2), with the cross-track
    distance asin(|u . n|) to the great circle of unit normal n as the deviation.
    """
    path_u = np.asarray(path_u, dtype=float)
    if path_u.shape[0] <= 2:
        return path_u
    keep = np.zeros(path_u.shape[0], dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, path_u.shape[0] - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        normal = np.cross(path_u[i], path_u[j])
        norm = np.linalg.norm(normal)
        inner = path_u[i + 1:j]
        if norm < 1e-15:
            dev = earth.central_angle_rad(inner, path_u[i])
        else:
            dev = np.abs(np.arcsin(np.clip(inner @ (normal / norm), -1.0, 1.0)))
            # Points beyond the leg's ends are measured to the nearer end.
            along_i = np.einsum("ij,j->i", np.cross(path_u[i], inner), normal) < 0
            along_j = np.einsum("ij,j->i", np.cross(inner, path_u[j]), normal) < 0
            beyond = along_i | along_j
            if beyond.any():
                dev[beyond] = np.minimum(earth.central_angle_rad(inner[beyond], path_u[i]),
                                         earth.central_angle_rad(inner[beyond], path_u[j]))
        k = int(np.argmax(dev))
        if dev[k] > tolerance_rad:
            keep[i + 1 + k] = True
            stack.extend([(i, i + 1 + k), (i + 1 + k, j)])
    return path_u[keep]


def _chain(pieces) -> tuple[ArcSegment, ...]:
    return tuple(p for p in pieces if p is not None)


def _ll(p) -> np.ndarray:
    return earth.unit_vector(p.lat_deg, p.lon_deg)


@dataclass(frozen=True)
class _Pattern:
    """A flight pattern in lap-relative time: segments from 0 to period_s, repeated if
    `repeats`, else flown once."""
    segments: tuple[ArcSegment, ...]
    period_s: float
    repeats: bool

    def position_u(self, tau_s: float) -> np.ndarray:
        """(3,) position at lap-relative time tau (wrapped for repeating patterns)."""
        if self.repeats:
            tau_s = tau_s % self.period_s
        tau_s = min(max(tau_s, 0.0), self.period_s)
        starts = np.array([s.t0_s for s in self.segments])
        j = int(np.clip(np.searchsorted(starts, tau_s, side="right") - 1,
                        0, len(self.segments) - 1))
        return self.segments[j].position_u(tau_s)[0]


def _sequence(points, speed_m_s, radius_m, altitude_m, kind="leg") -> list[ArcSegment]:
    """Great-circle legs through consecutive points, contiguous in time from 0."""
    segs: list[ArcSegment] = []
    t = 0.0
    for a, b in zip(points[:-1], points[1:]):
        leg = great_circle_leg(a, b, t, speed_m_s, radius_m, altitude_m, kind)
        if leg is not None:
            segs.append(leg)
            t = leg.t1_s
    return segs


def racetrack_pattern(track: RacetrackTrack, speed_m_s, bank_rad, radius_m,
                      altitude_m) -> _Pattern:
    """Racetrack lap: leg 1, turn, leg 2, turn. The centre line is the great circle through
    the centre with bearing `heading`; its ends E1, E2 lie at -L/2 and +L/2. For cw (right
    turns) the first leg lies W/2 left of the centre line, for ccw W/2 right; turns are
    semicircles of angular radius (W/2)/R about E2 and E1. Width None: 2 x turn radius.

    References: holding-pattern geometry (FAA AIM 5-3-8: standard pattern uses right turns);
    coordinated turn radius (turn_radius_m).
    """
    if speed_m_s <= 0:
        raise ValueError("racetrack needs a positive speed")
    width = track.width_m
    if width is None:
        if bank_rad is None:
            raise ValueError("racetrack width not given and the platform has no bank angle")
        width = 2.0 * float(turn_radius_m(speed_m_s, bank_rad))
    if track.direction not in ("cw", "ccw"):
        raise ValueError(f"racetrack direction must be cw or ccw, not {track.direction!r}")
    cw = track.direction == "cw"
    c = _ll(track.center)
    half_l = 0.5 * track.length_m / radius_m
    rho = 0.5 * width / radius_m
    e1 = earth.destination(c, track.heading_rad + math.pi, half_l)
    e2 = earth.destination(c, track.heading_rad, half_l)
    fwd1 = float(earth.bearing_rad(e1, e2))           # along the centre line at E1
    fwd2 = float(earth.bearing_rad(e2, e1)) + math.pi  # along the centre line at E2
    side = -0.5 * math.pi if cw else 0.5 * math.pi      # first leg: left for cw
    a1 = earth.destination(e1, fwd1 + side, rho)
    a2 = earth.destination(e2, fwd2 + side, rho)
    b1 = earth.destination(e1, fwd1 - side, rho)
    b2 = earth.destination(e2, fwd2 - side, rho)
    leg1 = great_circle_leg(a1, a2, 0.0, speed_m_s, radius_m, altitude_m, "leg")
    t = leg1.t1_s if leg1 else 0.0
    turn1 = small_circle_arc(a2, e2, math.pi, cw, t, speed_m_s, radius_m, altitude_m, "turn")
    leg2 = great_circle_leg(b2, b1, turn1.t1_s, speed_m_s, radius_m, altitude_m, "leg")
    t = leg2.t1_s if leg2 else turn1.t1_s
    turn2 = small_circle_arc(b1, e1, math.pi, cw, t, speed_m_s, radius_m, altitude_m, "turn")
    segs = _chain([leg1, turn1, leg2, turn2])
    return _Pattern(segs, segs[-1].t1_s, True)


def loiter_pattern(track: LoiterTrack, speed_m_s, bank_rad, radius_m, altitude_m) -> _Pattern:
    """One full circle per lap about the centre, starting due north of it; ground radius
    `radius_m` of the track (None: the coordinated turn radius). cw = right turns.

    References: coordinated turn radius (turn_radius_m); rate = v / (R sin rho).
    """
    r = track.radius_m
    if r is None:
        if bank_rad is None:
            raise ValueError("loiter radius not given and the platform has no bank angle")
        r = float(turn_radius_m(speed_m_s, bank_rad))
    if track.direction not in ("cw", "ccw"):
        raise ValueError(f"loiter direction must be cw or ccw, not {track.direction!r}")
    c = _ll(track.center)
    start = earth.destination(c, 0.0, r / radius_m)
    seg = small_circle_arc(start, c, TWO_PI, track.direction == "cw", 0.0, speed_m_s,
                           radius_m, altitude_m, "loiter")
    return _Pattern((seg,), seg.t1_s, True)


def route_pattern(points, repeat, speed_m_s, radius_m, altitude_m) -> _Pattern:
    """Great-circle legs between waypoints (K, 3), instantaneous turns. repeat: "loop" (back
    to the first waypoint), "reverse" (there and back), "once" (flown once)."""
    pts = [np.asarray(p, dtype=float) for p in points]
    if len(pts) < 2:
        raise ValueError("a route needs at least two waypoints")
    if repeat == "loop":
        seq = pts + [pts[0]]
    elif repeat == "reverse":
        seq = pts + pts[-2::-1]
    elif repeat == "once":
        seq = pts
    else:
        raise ValueError(f"route repeat must be loop, reverse or once, not {repeat!r}")
    segs = _sequence(seq, speed_m_s, radius_m, altitude_m)
    if not segs:
        raise ValueError("all route waypoints coincide")
    return _Pattern(tuple(segs), segs[-1].t1_s, repeat != "once")


# =============================================================================== build

def _fmt_h(seconds: float) -> str:
    return f"{seconds / 3600.0:.1f} h"


def _aircraft_pattern(platform: PlatformSpec, scenario: Scenario, geography=None) -> _Pattern:
    """The repeating (or once-flown) pattern of an aircraft's track, lap time 0 at its start."""
    radius = scenario.earth.radius_m
    spec = platform.track
    v, alt = platform.speed_m_s, platform.altitude_m
    if not v > 0.0:
        raise ValueError(f"{platform.name}: an aircraft track needs a positive ground speed, "
                         f"not {v}")
    if isinstance(spec, RacetrackTrack):
        return racetrack_pattern(spec, v, platform.bank_angle_rad, radius, alt)
    if isinstance(spec, LoiterTrack):
        return loiter_pattern(spec, v, platform.bank_angle_rad, radius, alt)
    if isinstance(spec, RouteTrack):
        return route_pattern([_ll(w) for w in spec.waypoints], spec.repeat, v, radius, alt)
    if isinstance(spec, BorderParallelTrack):
        if geography is None:
            raise ValueError("a border_parallel track needs the geography object")
        path = np.asarray(geography.offset_path_u(spec.offset_m, spec.from_m, spec.to_m),
                          dtype=float)
        path = simplify_path_u(path, PATH_TOLERANCE_M / radius)
        return route_pattern(list(path), "reverse", v, radius, alt)
    raise ValueError(f"unknown track type {type(spec).__name__}")


def station_entry_u(platform: PlatformSpec, scenario: Scenario, geography=None) -> np.ndarray:
    """(3,) the point where an aircraft joins its pattern at on_station.start (lap
    position phase * period): the end of the transit out from its base."""
    pat = _aircraft_pattern(platform, scenario, geography)
    return pat.position_u((platform.phase % 1.0) * pat.period_s)


def build_track(platform: PlatformSpec, scenario: Scenario, geography=None) -> Track:
    """Build a platform's Track from its spec.

    The pattern (racetrack, loiter, route, border_parallel) is flown from on_station.start_s,
    starting at lap position phase * P, to the end of station (default: end of scenario).
    With a base, transits out and back along great circles at cruise speed are added in
    `once` (kind "transit"), arriving on station exactly at on_station.start_s, and the
    on-station time is capped so that out + on-station + back <= endurance. All segments are
    clipped to the scenario window [0, duration]. Orbits: one OrbitSegment over the on-station
    window (the platform `phase` and `base` are ignored).

    border_parallel needs `geography` with offset_path_u(offset_m, from_m, to_m) -> (K, 3);
    it is flown as a reverse route. Raises ValueError when geography is missing.
    """
    radius = scenario.earth.radius_m
    end_s = scenario.time.duration_s
    name = platform.name
    st0 = platform.on_station.start_s
    st1 = end_s if platform.on_station.duration_s is None else st0 + platform.on_station.duration_s
    if isinstance(platform.track, OrbitTrack):
        return _orbit_track(platform, scenario, st0, st1)

    warnings: list[str] = []
    pat = _aircraft_pattern(platform, scenario, geography)
    period = pat.period_s
    tau0 = (platform.phase % 1.0) * period
    if not pat.repeats:                        # a route flown once ends at its last point
        st1 = min(st1, st0 + period - tau0)
    origin = st0 - tau0

    once: list[Segment] = []
    if platform.base is not None:
        st1 = _fly_from_base(platform, radius, pat, origin, tau0, st0, st1, once, warnings)
        if st1 is None:                       # transit alone exceeds the endurance
            return Track(name, (), 0.0, 0.0, (st0, st0), (), 0.0, tuple(warnings), radius)
    elif platform.endurance_s is not None and st1 - st0 > platform.endurance_s:
        warnings.append(f"{name}: on-station time {_fmt_h(st1 - st0)} exceeds the class "
                        f"endurance of {_fmt_h(platform.endurance_s)} (no base given: not capped)")

    w0, w1 = max(st0, 0.0), min(st1, end_s)
    if pat.repeats:
        lap = tuple(s for seg in pat.segments for s in split_arc(seg))
        window = (w0, max(w1, w0))
        lap_period = period
    else:                                     # route flown once: absolute segments in `once`
        for seg in pat.segments:
            c = seg.shifted(origin).clipped(st0, st1)
            if c is not None:
                once.append(c)
        lap, window, lap_period = (), (w0, w0), 0.0

    clipped_once = []
    for seg in once:
        for piece in split_arc(seg):
            c = piece.clipped(0.0, end_s)
            if c is not None:
                clipped_once.append(c)
    clipped_once.sort(key=lambda s: s.t0_s)
    return Track(name, lap, lap_period, origin, window, tuple(clipped_once),
                 max(w1 - w0, 0.0), tuple(warnings), radius)


def _orbit_track(platform: PlatformSpec, scenario: Scenario, st0: float, st1: float) -> Track:
    """An orbiting platform's Track: one OrbitSegment over its on-station window clipped
    to the scenario's."""
    end_s = scenario.time.duration_s
    warnings = []
    if platform.base is not None:
        warnings.append(f"{platform.name}: base ignored for an orbiting platform")
    a, b = max(st0, 0.0), min(st1, end_s)
    once = ()
    if b > a:
        jd0 = earth.julian_date(scenario.time.start)
        once = (orbit_segment(platform.track, jd0, a, b),)
    return Track(platform.name, (), 0.0, 0.0, (a, a), once, max(b - a, 0.0), tuple(warnings),
                 scenario.earth.radius_m)


def _fly_from_base(platform: PlatformSpec, radius: float, pat: _Pattern, origin: float,
                   tau0: float, st0: float, st1: float, once: list, warnings: list):
    """The transits out from the base to the pattern (joined at lap time tau0) and back,
    appended to `once`, with the time on station capped by the endurance (a warning says
    so). Returns the end of
    station, or None when the transits alone exceed the endurance (the platform does not
    fly; a warning says so)."""
    name, v, alt = platform.name, platform.speed_m_s, platform.altitude_m
    base = _ll(platform.base)
    start_u = pat.position_u(tau0)                  # where the pattern is joined

    def station_end_u(t_end):
        return pat.position_u(t_end - origin)

    out_s = radius * float(earth.central_angle_rad(base, start_u)) / v

    def back_s(t_end):
        return radius * float(earth.central_angle_rad(station_end_u(t_end), base)) / v

    endurance = platform.endurance_s
    requested = st1 - st0
    if endurance is not None and out_s + requested + back_s(st1) > endurance:
        if out_s + back_s(st0) >= endurance:
            warnings.append(
                f"{name}: on-station time is 0: transit alone ({_fmt_h(out_s)} out, "
                f"{_fmt_h(back_s(st0))} back) exceeds the endurance of "
                f"{_fmt_h(endurance)}; the platform does not fly")
            return None
        # f(D) = out + D + back(D) - endurance is non-decreasing in D (back changes by at
        # most 1 s per s of station time at the same speed): bisect for the largest D.
        # 60 halvings: to the last bits of a double for any station time.
        lo = float(bisect(lambda d: out_s + float(d) + back_s(st0 + float(d)) <= endurance,
                          0.0, requested, steps=60))
        st1 = st0 + lo
        warnings.append(
            f"{name}: on-station time capped by endurance to {_fmt_h(lo)} "
            f"(requested {_fmt_h(requested)}; transit {_fmt_h(out_s)} out, "
            f"{_fmt_h(back_s(st1))} back; endurance {_fmt_h(endurance)})")
    out = great_circle_leg(base, start_u, st0 - out_s, v, radius, alt, "transit")
    if out is not None:                   # force exact arrival at on-station start
        once.append(ArcSegment(st0 - out_s, st0, out.start_u, out.axis_u, out.rate_rad_s,
                               alt, "transit"))
    back = great_circle_leg(station_end_u(st1), base, st1, v, radius, alt, "transit")
    if back is not None:
        once.append(back)
    return st1
