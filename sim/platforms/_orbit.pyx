# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Sub-satellite point and its angular velocity on a circular orbit, compiled.

The formulas are sim.platforms.segments.OrbitSegment.state_u's: with the right ascension of the node
O(t) = O0 + O' t, the argument of latitude u(t) = u0 + u' t, GMST theta(t) = theta0 +
theta' t and the node's Earth-fixed longitude l = O - theta,
    r = (cos l cos u - sin l cos i sin u,  sin l cos u + cos l cos i sin u,  sin i sin u)
    dr/dt = u' dr/du + (O' - theta') z x r.
Why compiled: the exact engine's Newton steps evaluate it for every (cell, pass) pair a
dozen times; in numpy each of its twenty steps was a temporary array.
References: Vallado, Fundamentals of Astrodynamics and Applications, 4th ed., sec. 2.8
(perifocal to Earth-fixed) and eq. 3-45 (GMST).
"""
import numpy as np

from libc.math cimport cos, sin


def orbit_state(const double[::1] t_s, double raan0, double raan_rate, double arglat0,
                double arglat_rate, double theta0, double theta_rate, double inclination):
    """(pos (N, 3), vel (N, 3) rad/s) of the sub-satellite point at times t_s (N,)."""
    cdef Py_ssize_t n = t_s.shape[0], q
    pos_a = np.empty((n, 3))
    vel_a = np.empty((n, 3))
    cdef double[:, ::1] pos = pos_a, vel = vel_a
    cdef double ci = cos(inclination), si = sin(inclination)
    cdef double w = raan_rate - theta_rate
    cdef double t, lan, u, cl, sl, cu, su, x, y
    with nogil:
        for q in range(n):
            t = t_s[q]
            lan = (raan0 + raan_rate * t) - (theta0 + theta_rate * t)
            u = arglat0 + arglat_rate * t
            cl = cos(lan)
            sl = sin(lan)
            cu = cos(u)
            su = sin(u)
            x = cl * cu - sl * ci * su
            y = sl * cu + cl * ci * su
            pos[q, 0] = x
            pos[q, 1] = y
            pos[q, 2] = si * su
            vel[q, 0] = arglat_rate * (-cl * su - sl * ci * cu) - w * y
            vel[q, 1] = arglat_rate * (-sl * su + cl * ci * cu) + w * x
            vel[q, 2] = arglat_rate * si * cu
    return pos_a, vel_a
