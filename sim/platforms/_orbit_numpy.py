"""numpy version of sim/platforms/_orbit.pyx: sub-satellite point and its angular velocity on a
circular orbit. The formulas and their sources are in sim/platforms/_orbit.pyx's docstring."""
from __future__ import annotations

import math

import numpy as np


def orbit_state(t_s, raan0: float, raan_rate: float, arglat0: float, arglat_rate: float,
                theta0: float, theta_rate: float, inclination: float):
    """(pos (N, 3), vel (N, 3) rad/s) of the sub-satellite point at times t_s (N,)."""
    t = np.asarray(t_s, dtype=np.float64)
    ci, si = math.cos(inclination), math.sin(inclination)
    w = raan_rate - theta_rate
    lan = (raan0 + raan_rate * t) - (theta0 + theta_rate * t)
    u = arglat0 + arglat_rate * t
    cl, sl, cu, su = np.cos(lan), np.sin(lan), np.cos(u), np.sin(u)
    x = cl * cu - sl * ci * su
    y = sl * cu + cl * ci * su
    pos = np.stack([x, y, si * su], axis=1)
    vel = np.stack([arglat_rate * (-cl * su - sl * ci * cu) - w * y,
                    arglat_rate * (-sl * su + cl * ci * cu) + w * x,
                    arglat_rate * si * cu], axis=1)
    return pos, vel
