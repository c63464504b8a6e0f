"""Unit strings ("70000 ft", "12 nmi") to SI numbers, and physical constants.

Every dimensional value in a scenario is either a bare number in the key's default unit or
a string "<number> <unit>". This module knows the units; the scenario loader decides which
quantity and default unit a key has. Pure functions, no I/O.

References: NIST SP 811 (2008), appendix B (conversion factors: ft = 0.3048 m exactly,
nmi = 1852 m exactly, mi = 1609.344 m exactly, kt = 1852/3600 m/s).
"""
from __future__ import annotations

import math
import re

# --- constants (SI) -------------------------------------------------------------------
EARTH_RADIUS_M = 6_371_000.0          # mean radius, IUGG; docs/model.md uses 6371 km
MU_EARTH_M3_S2 = 3.986004418e14        # WGS84 / IERS gravitational parameter
J2_EARTH = 1.08263e-3                  # Vallado, Fundamentals of Astrodynamics, table D-3
EQUATORIAL_RADIUS_M = 6_378_137.0      # WGS84 a, used with J2 (Vallado eq. 9-41)
EARTH_ROTATION_RAD_S = 7.292115e-5     # IERS nominal mean angular velocity
G0_M_S2 = 9.80665                      # standard gravity (CGPM 1901)
SIDEREAL_DAY_S = 86_164.0905           # 2 pi / EARTH_ROTATION_RAD_S, rounded
RADIO_K_DEFAULT = 4.0 / 3.0            # effective-Earth-radius factor, Skolnik ch. 8

# --- units per quantity: name -> factor to SI ------------------------------------------
LENGTH_UNITS = {"m": 1.0, "km": 1000.0, "ft": 0.3048, "nmi": 1852.0, "mi": 1609.344,
                "mm": 1e-3, "um": 1e-6}
SPEED_UNITS = {"m/s": 1.0, "km/h": 1000.0 / 3600.0, "kt": 1852.0 / 3600.0,
               "mph": 1609.344 / 3600.0}
TIME_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
ANGLE_UNITS = {"deg": math.pi / 180.0, "rad": 1.0}

QUANTITY_UNITS = {
    "length": LENGTH_UNITS,
    "speed": SPEED_UNITS,
    "time": TIME_UNITS,
    "angle": ANGLE_UNITS,
}

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/]+)?\s*$")


class UnitError(ValueError):
    """A value could not be read as a quantity. `rule` and `fix` are user-facing text."""

    def __init__(self, rule: str, fix: str):
        super().__init__(f"{rule}; {fix}")
        self.rule = rule
        self.fix = fix


def to_si(value: object, quantity: str, default_unit: str) -> float:
    """Convert a scenario value to SI.

    Args:
        value: an int/float (taken in `default_unit`) or a string "<number> <unit>".
        quantity: "length", "speed", "time" or "angle".
        default_unit: the unit of a bare number, one of QUANTITY_UNITS[quantity].
    Returns:
        float in m, m/s, s or rad. Raises UnitError (with rule and fix) on bad input.
    """
    units = QUANTITY_UNITS[quantity]
    if isinstance(value, bool) or value is None:
        raise UnitError(f"expected a {quantity}", f"write a number or a string like '10 {default_unit}'")
    if isinstance(value, (int, float)):
        number, unit = float(value), default_unit
    elif isinstance(value, str):
        match = _NUMBER_UNIT.match(value)
        if not match:
            raise UnitError(f"expected a {quantity} as '<number> <unit>'",
                            f"write e.g. '10 {default_unit}' (units: {', '.join(units)})")
        number, unit = float(match.group(1)), match.group(2) or default_unit
    else:
        raise UnitError(f"expected a {quantity}, got a {type(value).__name__}",
                        f"write a number or a string like '10 {default_unit}'")
    if unit not in units:
        from difflib import get_close_matches
        guess = get_close_matches(unit, list(units), n=1, cutoff=0.4)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        other = [q for q, table in QUANTITY_UNITS.items() if unit in table]
        kind = f"'{unit}' is a unit of {other[0]}, not {quantity}" if other else f"unknown unit '{unit}'"
        raise UnitError(kind, f"{hint}use one of {', '.join(units)}")
    if not math.isfinite(number):
        raise UnitError("the number must be finite", "write an ordinary number")
    return number * units[unit]


def format_length_km(length_m: float) -> str:
    """'123.4 km' for reports."""
    return f"{length_m / 1000.0:,.1f} km"
