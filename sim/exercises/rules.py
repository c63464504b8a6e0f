"""The rules of an exercise that need no run: the fixed parts of the scenario, the number
and classes of platforms, and each platform within its class's limits.

Each broken rule is a `Broken(rule, message)`: `rule` is a short stable name (tests and the
teacher's JSON use it), `message` says what is wrong and what to do. Classes come from the
catalog (`isr-sim classes`): the class's altitude, speed, endurance and bank angle are the
most this course allows, and a sensor counts only if it is one of the class's own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

from sim.exercises.definition import FIXED_SECTIONS, Exercise
from sim.platforms.segments import turn_radius_m
from sim.scenario.catalog import load_catalog
from sim.schema import LoiterTrack, RacetrackTrack, Scenario

_M_PER_FT = 0.3048
_TOL = 1e-6                      # relative: a value equal to the class's after unit conversion


@dataclass(frozen=True)
class Broken:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"rule broken ({self.rule}): {self.message}"


def fixed_parts(exercise: Exercise, student: Scenario, start: Scenario) -> list[Broken]:
    """The sections the exercise fixes (time, earth, geography, grid, terrain, weather,
    airspace, seed) must equal the start's."""
    out = []
    for section in FIXED_SECTIONS:
        mine, theirs = getattr(student, section), getattr(start, section)
        if mine != theirs:
            out.append(Broken(f"fixed:{section}", f"the exercise fixes `{section}`"
                              f"{_differences(mine, theirs)}; put back the start's `{section}`"
                              f" (see {exercise.start_path.name})"))
    return out


def _differences(mine, theirs) -> str:
    """' (duration_s is 7200, the exercise's 3600)' for dataclasses; '' otherwise."""
    if mine is None or theirs is None or not hasattr(mine, "__dataclass_fields__"):
        return f" ({_short(mine)} instead of {_short(theirs)})"
    diffs = [f"{f.name} is {_short(getattr(mine, f.name))}, the exercise's "
             f"{_short(getattr(theirs, f.name))}" for f in fields(mine)
             if getattr(mine, f.name) != getattr(theirs, f.name)]
    return f" ({'; '.join(diffs[:3])})" if diffs else ""


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def platform_rules(exercise: Exercise, student: Scenario, start: Scenario) -> list[Broken]:
    """Number and classes of platforms, fixed platform keys, and the class limits."""
    rules, out = exercise.rules, []
    n = len(student.platforms)
    if rules.max_platforms is not None and n > rules.max_platforms:
        out.append(Broken("max_platforms", f"{n} platforms, the exercise allows at most "
                          f"{rules.max_platforms}; remove {n - rules.max_platforms}"))
    catalog = load_catalog()
    start_by_name = {p.name: p for p in start.platforms}
    for p in student.platforms:
        if rules.classes is not None and p.class_id not in rules.classes:
            out.append(Broken("classes", f"{p.name} is a {p.class_id}; this exercise allows "
                              f"{', '.join(rules.classes)}"))
        out.extend(_fixed_keys(rules.fixed_platform_keys, p, start_by_name.get(p.name)))
        out.extend(class_limits(p, catalog[p.class_id], student.time.duration_s))
    return out


def _fixed_keys(keys, platform, start_platform) -> list[Broken]:
    if not keys:
        return []
    if start_platform is None:
        return [Broken("fixed:platforms", f"{platform.name} is not a platform of the start; "
                       f"the exercise fixes {', '.join(keys)} of the start's platforms, keep "
                       f"their names")]
    return [Broken(f"fixed:platforms.{key}", f"the exercise fixes {platform.name}'s "
                   f"{key.removesuffix('_m').removesuffix('_id')}; put back the start's")
            for key in keys if getattr(platform, key) != getattr(start_platform, key)]


def class_limits(platform, cls, duration_s: float) -> list[Broken]:
    """An aircraft may not fly higher, faster, longer or bank harder than its class, nor
    turn tighter than its class can at that speed and bank, nor carry other sensors."""
    out = []
    name = platform.name
    own = {s.name: s for s in cls.sensors}
    for s in platform.sensors:
        if own.get(s.name) != s:
            out.append(Broken("class_sensors", f"{name}'s sensor {s.name!r} is not one of the "
                              f"{cls.id}'s own ({', '.join(own)}); name one of them, no "
                              f"inline definition"))
    if platform.kind != "aircraft":
        return out
    if platform.altitude_m > cls.altitude_m * (1 + _TOL):
        out.append(Broken("class_altitude", f"{name} flies at {_alt(platform.altitude_m)}, "
                          f"above the {cls.id}'s {_alt(cls.altitude_m)}; fly at or below it"))
    if platform.speed_m_s > cls.speed_m_s * (1 + _TOL):
        out.append(Broken("class_speed", f"{name} flies at {platform.speed_m_s * 3.6:.0f} km/h,"
                          f" faster than the {cls.id}'s {cls.speed_m_s * 3.6:.0f} km/h; "
                          f"remove `speed` or lower it"))
    out.extend(_endurance(platform, cls, duration_s))
    if platform.bank_angle_rad > cls.bank_angle_rad * (1 + _TOL):
        out.append(Broken("class_bank_angle", f"{name} banks {math.degrees(platform.bank_angle_rad):.0f}"
                          f" deg, more than the {cls.id}'s {math.degrees(cls.bank_angle_rad):.0f} "
                          f"deg; remove `bank_angle`"))
    tightest_m = float(turn_radius_m(platform.speed_m_s, cls.bank_angle_rad))
    track = platform.track
    if isinstance(track, RacetrackTrack) and track.width_m is not None \
            and track.width_m < 2 * tightest_m * (1 - 1e-3):
        out.append(Broken("class_turn", f"{name}'s racetrack is {track.width_m / 1000:.1f} km "
                          f"wide; at {platform.speed_m_s * 3.6:.0f} km/h and "
                          f"{math.degrees(cls.bank_angle_rad):.0f} deg of bank it cannot turn in"
                          f" less than {2 * tightest_m / 1000:.1f} km (2 V^2 / (g tan bank))"))
    if isinstance(track, LoiterTrack) and track.radius_m is not None \
            and track.radius_m < tightest_m * (1 - 1e-3):
        out.append(Broken("class_turn", f"{name}'s loiter radius {track.radius_m / 1000:.1f} km"
                          f" is tighter than the {tightest_m / 1000:.1f} km it can turn in"))
    return out


def _endurance(platform, cls, duration_s: float) -> list[Broken]:
    name, out = platform.name, []
    if platform.endurance_s > cls.endurance_s * (1 + _TOL):
        out.append(Broken("class_endurance", f"{name} is given {platform.endurance_s / 3600:.1f}"
                          f" h of endurance, the {cls.id} has {cls.endurance_s / 3600:.1f} h; "
                          f"remove `endurance`"))
    station = platform.on_station
    span_s = (station.duration_s if station.duration_s is not None
              else duration_s - station.start_s)
    if platform.base is None and span_s > cls.endurance_s * (1 + _TOL):
        out.append(Broken("class_endurance", f"{name} stays on station {span_s / 3600:.1f} h,"
                          f" longer than the {cls.id}'s endurance of "
                          f"{cls.endurance_s / 3600:.1f} h; split it into sorties "
                          f"(on_station: {{start, duration}}) of at most that"))
    return out


def _alt(altitude_m: float) -> str:
    return f"{altitude_m / 1000:.2f} km ({altitude_m / _M_PER_FT:,.0f} ft)"
