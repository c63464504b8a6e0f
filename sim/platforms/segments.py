"""Segments: the pieces a platform's path is made of, each with analytic position and
velocity vectorised over times, and the constructors that make them.

* ArcSegment: constant-altitude motion of the sub-platform point by a rotation about a fixed
  axis of the Earth-fixed frame. Great-circle legs (axis . start = 0) and small-circle arcs
  (racetrack turns, loiter circles) are both this.
* OrbitSegment: a circular orbit with J2 secular drift of the node and argument of latitude,
  mapped to the Earth-fixed frame with Greenwich mean sidereal time.

Times are seconds from `time.start`; positions are unit vectors of the sub-platform point in
the Earth-fixed frame (x to lat 0 lon 0, z to the north pole), shape (N, 3). Speeds are
ground speeds at the surface of the spherical Earth (no wind): an arc of angular radius rho
about its axis is flown at rate v / (R sin rho) rad/s (rho = pi/2 for a great circle).
sim/platforms/tracks.py joins segments into a platform's whole path.

References: Rodrigues' rotation formula (positions on arcs); Bowditch, American Practical
Navigator, ch. 24 (great-circle sailing); coordinated turn radius r = V^2 / (g tan(bank))
(e.g. FAA Airplane Flying Handbook, ch. 3; docs/model.md); Vallado, Fundamentals of
Astrodynamics and Applications, 4th ed., eq. 9-41 (secular J2 rates) and eq. 3-45 (GMST).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from sim.loops import orbit as _orbit
from sim.schema import OrbitTrack
from sim.units import EQUATORIAL_RADIUS_M, G0_M_S2, J2_EARTH, MU_EARTH_M3_S2
from sim.world import earth

TWO_PI = 2.0 * math.pi
# d(GMST)/dt in rad/s from the linear term of Vallado eq. 3-45:
# (876600 h + 8640184.812866 s) per Julian century of UT1, in seconds of sidereal time.
GMST_RATE_RAD_S = (876600.0 * 3600.0 + 8640184.812866) / 36525.0 / 86400.0 * TWO_PI / 86400.0
_SWEEP_TOL_RAD = 1e-9
# Smallest small-circle radius flown: below it the rate v / (R sin rho) loses its precision
# (rho is computed from unit vectors to about 1e-16 rad, 0.6 nm on the Earth) or divides by 0.
MIN_TURN_RADIUS_M = 1e-3


def _times(t_s) -> np.ndarray:
    return np.atleast_1d(np.asarray(t_s, dtype=float))


def _frozen_vector(v) -> np.ndarray:
    a = np.array(v, dtype=float).reshape(3)
    a.setflags(write=False)
    return a


# ================================================================================ segments

@dataclass(frozen=True)
class ArcSegment:
    """Constant-altitude motion of the sub-platform point by a rotation about a fixed axis of
    the Earth-fixed frame. Great-circle legs (axis . start = 0) and small-circle arcs (turns,
    loiters) are both this. Position at t: earth.rotate(start_u, axis_u, rate_rad_s*(t - t0_s)).

    Times are absolute (s from time.start) or lap-relative (see Track). start_u and axis_u
    are (3,) unit vectors; the motion is right-handed (counter-clockwise seen from +axis);
    rate_rad_s > 0 and rate_rad_s * (t1_s - t0_s) <= 2 pi.

    References: Rodrigues' rotation formula.
    """
    t0_s: float
    t1_s: float
    start_u: np.ndarray
    axis_u: np.ndarray
    rate_rad_s: float
    altitude_m: float
    kind: str                      # "leg" | "turn" | "loiter" | "transit"

    def __post_init__(self):
        object.__setattr__(self, "start_u", _frozen_vector(self.start_u))
        object.__setattr__(self, "axis_u", _frozen_vector(self.axis_u))

    @property
    def sweep_rad(self) -> float:
        """Angle swept about the axis over the whole segment."""
        return self.rate_rad_s * (self.t1_s - self.t0_s)

    def position_u(self, t_s) -> np.ndarray:
        """Sub-platform unit vectors at times t_s (N,) -> (N, 3). Times outside [t0, t1] are
        extrapolated along the same rotation."""
        t = _times(t_s)
        return earth.rotate(self.start_u, self.axis_u, self.rate_rad_s * (t - self.t0_s))

    def velocity_m_s(self, t_s, radius_m) -> np.ndarray:
        """Ground velocity of the sub-platform point at the surface of a sphere of radius_m,
        (N,) -> (N, 3) m/s: v = R * rate * (axis x p); |v| = R * rate * sin(rho).

        References: derivative of Rodrigues' rotation, d p/dt = omega x p.
        """
        p = self.position_u(t_s)
        return radius_m * self.rate_rad_s * np.cross(self.axis_u, p)

    def shifted(self, dt_s: float) -> "ArcSegment":
        """The same motion with all times moved by dt_s."""
        return ArcSegment(self.t0_s + dt_s, self.t1_s + dt_s, self.start_u, self.axis_u,
                          self.rate_rad_s, self.altitude_m, self.kind)

    def clipped(self, ta_s: float, tb_s: float) -> Optional["ArcSegment"]:
        """The part of the segment inside [ta_s, tb_s] (start_u moved to the new t0), or None
        when the overlap is empty or a single instant."""
        a = max(self.t0_s, ta_s)
        b = min(self.t1_s, tb_s)
        if not b > a:
            return None
        if a == self.t0_s and b == self.t1_s:
            return self
        start = self.start_u if a == self.t0_s else self.position_u(a)[0]
        return ArcSegment(a, b, start, self.axis_u, self.rate_rad_s, self.altitude_m, self.kind)


@dataclass(frozen=True)
class OrbitSegment:
    """Circular orbit under Earth rotation with J2 secular drift. Sub-satellite point in the
    Earth-fixed frame = R3(GMST(t)) applied to the inertial direction

        r_I(t) = [cos O cos u - sin O cos i sin u,  sin O cos u + cos O cos i sin u,  sin i sin u]

    with O(t) = raan0 + raan_rate * t, u(t) = arglat0 + arglat_rate * t and
    GMST(t) = GMST(jd0) + GMST_RATE_RAD_S * t (t in s from time.start, jd0 its Julian date). The dynamics (rates) use the semi-major axis above the
    equatorial radius; `altitude_m` is the height used for viewing geometry above the
    spherical Earth of the scenario (the same number, see build_track).

    References: Vallado, 4th ed., algorithm 10 (COE2RV: perifocal to inertial by
    R3(-O) R1(-i) R3(-w), here e = 0 and w + nu = u), eq. 3-45 (GMST, via
    sim.world.earth.gmst_rad), eq. 9-41 (J2 secular rates).
    """
    t0_s: float
    t1_s: float
    altitude_m: float
    inclination_rad: float
    raan0_rad: float
    arglat0_rad: float
    raan_rate_rad_s: float
    arglat_rate_rad_s: float
    jd0: float
    kind: str = "orbit"

    def _angles(self, t):
        raan = self.raan0_rad + self.raan_rate_rad_s * t
        u = self.arglat0_rad + self.arglat_rate_rad_s * t
        # GMST linearised about the epoch: adding t/86400 to a Julian date of ~2.46e6 would
        # lose ~4e-5 s of time resolution; the dropped T^2 term of eq. 3-45 is < 1e-7 rad
        # over a year.
        theta = float(earth.gmst_rad(self.jd0)) + GMST_RATE_RAD_S * t
        return raan, u, theta

    def position_u(self, t_s) -> np.ndarray:
        """Earth-fixed unit vectors of the sub-satellite point, (N,) -> (N, 3)."""
        t = _times(t_s)
        raan, u, theta = self._angles(t)
        ci, si = math.cos(self.inclination_rad), math.sin(self.inclination_rad)
        # longitude of the node measured from Greenwich: the Earth-fixed node direction
        lan = raan - theta
        cl, sl, cu, su = np.cos(lan), np.sin(lan), np.cos(u), np.sin(u)
        return np.stack([cl * cu - sl * ci * su, sl * cu + cl * ci * su, si * su], axis=-1)

    def state_u(self, t_s) -> tuple[np.ndarray, np.ndarray]:
        """Position (N, 3) and angular velocity (N, 3) in rad/s of the sub-satellite point,
        sharing one set of sines and cosines (the exact engine needs both at every
        refinement step): d/dt = u_dot * dr/du + (O_dot - GMST_dot) * (z x r). Computed by
        the compiled loop of sim/platforms/_orbit.pyx (the same formulas as _angles and position_u)."""
        t = np.ascontiguousarray(_times(t_s), dtype=np.float64)
        return _orbit.orbit_state(t, self.raan0_rad, self.raan_rate_rad_s, self.arglat0_rad,
                                  self.arglat_rate_rad_s, float(earth.gmst_rad(self.jd0)),
                                  GMST_RATE_RAD_S, self.inclination_rad)

    def velocity_m_s(self, t_s, radius_m) -> np.ndarray:
        """Earth-fixed ground-track velocity of the sub-satellite point at the surface of a
        sphere of radius_m, (N,) -> (N, 3) m/s: radius * d(position_u)/dt, with
        d/dt = u_dot * dr/du + (O_dot - GMST_dot) * (z x r).

        References: time derivative of the rotation above; GMST rate from Vallado eq. 3-45.
        """
        return radius_m * self.state_u(t_s)[1]

    def period_s(self) -> float:
        """Nodal period 2 pi / (d u / dt)."""
        return TWO_PI / self.arglat_rate_rad_s

    def max_ground_rate_rad_s(self) -> float:
        """Upper bound on the angular rate of the sub-satellite point (rad/s):
        |u_dot| + |GMST_dot - O_dot| (triangle inequality on the two terms of the velocity)."""
        return abs(self.arglat_rate_rad_s) + abs(GMST_RATE_RAD_S - self.raan_rate_rad_s)

    def clipped(self, ta_s: float, tb_s: float) -> Optional["OrbitSegment"]:
        """The part inside [ta_s, tb_s] (elements stay referred to t = 0), or None if empty."""
        a = max(self.t0_s, ta_s)
        b = min(self.t1_s, tb_s)
        if not b > a:
            return None
        return OrbitSegment(a, b, self.altitude_m, self.inclination_rad, self.raan0_rad,
                            self.arglat0_rad, self.raan_rate_rad_s, self.arglat_rate_rad_s,
                            self.jd0, self.kind)

    def shifted(self, dt_s: float) -> "OrbitSegment":
        """Not meaningful for an orbit tied to the Earth's rotation: only dt_s = 0 allowed."""
        if dt_s != 0.0:
            raise ValueError("an OrbitSegment cannot be shifted in time")
        return self


Segment = Union[ArcSegment, OrbitSegment]


# ============================================================================ constructors

def turn_radius_m(speed_m_s, bank_rad):
    """Ground radius of a level coordinated turn, r = V^2 / (g tan(bank)) in m.

    References: FAA Airplane Flying Handbook (FAA-H-8083-3), ch. 3; docs/model.md
    (200 kt at 20 deg: 3.0 km; 450 kt at 25 deg: 11.7 km).
    """
    return np.asarray(speed_m_s, dtype=float) ** 2 / (G0_M_S2 * np.tan(bank_rad))


def split_arc(seg: ArcSegment) -> list[ArcSegment]:
    """Split an ArcSegment whose sweep exceeds 2 pi into pieces of at most 2 pi each."""
    sweep = seg.sweep_rad
    if sweep <= TWO_PI + _SWEEP_TOL_RAD:
        return [seg]
    pieces = math.ceil(sweep / TWO_PI - _SWEEP_TOL_RAD)
    edges = np.linspace(seg.t0_s, seg.t1_s, pieces + 1)
    return [seg.clipped(a, b) for a, b in zip(edges[:-1], edges[1:])]


def great_circle_leg(u_from, u_to, t0_s, speed_m_s, radius_m, altitude_m,
                     kind="leg") -> Optional[ArcSegment]:
    """Great-circle ArcSegment from u_from to u_to starting at t0_s at ground speed speed_m_s.
    Returns None for coincident points; raises ValueError for antipodal ones (ambiguous).

    References: great-circle sailing (Bowditch ch. 24); rate = v / R.
    """
    a = np.asarray(u_from, dtype=float)
    b = np.asarray(u_to, dtype=float)
    angle = float(earth.central_angle_rad(a, b))
    if angle < 1e-12:
        return None
    normal = np.cross(a, b)
    norm = np.linalg.norm(normal)
    if norm < 1e-12:
        raise ValueError("a great-circle leg between antipodal points is ambiguous; "
                         "add a waypoint between them")
    rate = speed_m_s / radius_m
    return ArcSegment(t0_s, t0_s + angle / rate, a, normal / norm, rate, altitude_m, kind)


def small_circle_arc(start_u, center_u, sweep_rad, clockwise, t0_s, speed_m_s, radius_m,
                     altitude_m, kind) -> ArcSegment:
    """Arc about center_u (unit vector) through start_u, swept by sweep_rad (<= 2 pi) at
    ground speed speed_m_s; clockwise as seen from above the Earth (right turns).

    References: rate = v / (R sin rho), rho = central angle between centre and start.
    """
    c = earth.normalize(center_u)
    rho = float(earth.central_angle_rad(c, start_u))
    if radius_m * math.sin(rho) < MIN_TURN_RADIUS_M:
        raise ValueError(f"a turn or circle of radius {radius_m * math.sin(rho):.3g} m cannot "
                         f"be flown (at least {MIN_TURN_RADIUS_M:g} m)")
    rate = speed_m_s / (radius_m * math.sin(rho))
    axis = -c if clockwise else c
    return ArcSegment(t0_s, t0_s + sweep_rad / rate, start_u, axis, rate, altitude_m, kind)


def j2_secular_rates(altitude_m, inclination_rad) -> tuple[float, float]:
    """(dO/dt, du/dt) in rad/s of a circular orbit at altitude above the equatorial radius:
    n = sqrt(mu / a^3), k = (3/4) J2 (Re/a)^2,
    dO/dt = -2 k n cos i,  du/dt = dw/dt + dM/dt = n [1 + k (8 cos^2 i - 2)]
    (from dw/dt = k n (4 - 5 sin^2 i), dM/dt = n [1 + k (2 - 3 sin^2 i)] with e = 0).

    References: Vallado, Fundamentals of Astrodynamics and Applications, 4th ed., eq. 9-41
    (secular J2 rates of O, w and M, p = a for e = 0); SMAD 3rd ed. eq. 6-19 (nodal regression).
    """
    a = EQUATORIAL_RADIUS_M + altitude_m
    n = math.sqrt(MU_EARTH_M3_S2 / a ** 3)
    k = 0.75 * J2_EARTH * (EQUATORIAL_RADIUS_M / a) ** 2
    ci = math.cos(inclination_rad)
    return -2.0 * k * n * ci, n * (1.0 + k * (8.0 * ci * ci - 2.0))


def circular_orbit_ground_speed_m_s(radius_m: float, altitude_m: float) -> float:
    """Speed of the sub-satellite point of a circular orbit over a non-rotating sphere of
    radius radius_m: v = sqrt(mu / a) * R / a, a = R + h (the orbital speed scaled down to
    the ground).

    References: Vallado, Fundamentals of Astrodynamics and Applications, eq. 1-28 (circular
    orbit speed v = sqrt(mu / a)); SMAD 3rd ed. sec. 6.1.
    """
    a = radius_m + altitude_m
    return math.sqrt(MU_EARTH_M3_S2 / a) * radius_m / a


def keplerian_period_s(altitude_m) -> float:
    """Two-body period P = 2 pi sqrt(a^3 / mu), a = equatorial radius + altitude.

    References: SMAD 3rd ed. eq. 6-2 (Kepler's third law); docs/model.md.
    """
    a = EQUATORIAL_RADIUS_M + altitude_m
    return TWO_PI * math.sqrt(a ** 3 / MU_EARTH_M3_S2)


def orbit_segment(track: OrbitTrack, jd0: float, t0_s: float, t1_s: float) -> OrbitSegment:
    """The OrbitSegment of an orbit track over [t0_s, t1_s]. Dynamics use a = equatorial
    radius + altitude (public orbit altitudes are quoted above the equatorial radius); the
    viewing geometry uses the same altitude above the scenario's spherical Earth."""
    raan_rate, u_rate = j2_secular_rates(track.altitude_m, track.inclination_rad)
    return OrbitSegment(t0_s, t1_s, track.altitude_m, track.inclination_rad, track.raan_rad,
                        track.phase_rad, raan_rate, u_rate, jd0)
