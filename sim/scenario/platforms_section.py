"""The `platforms:` list -> PlatformSpecs: each entry's class from the catalog, the values
it overrides, its sensors (the class's by name, or inline), its track, its time on station
and base; a satellite's speed follows from its orbit. Names must be unique.
"""
from __future__ import annotations

from typing import Any, Optional

from sim.platforms.segments import circular_orbit_ground_speed_m_s
from sim.schema import OnStation, PlatformClass, PlatformSpec
from sim.scenario.fields import (
    BAD, MISSING, Checker, Field, choices_text, did_you_mean, number, ok, position, quantity,
    raw, read_mapping, text,
)
from sim.scenario.sensor_mapping import parse_sensor
from sim.scenario.track_mapping import read_track


def _parse_on_station(ck: Checker, path: tuple, value: Any):
    parts = read_mapping(ck, value, path, {
        "start": quantity("time", "s", 0, default=0.0, fix="time after time.start"),
        "duration": quantity("time", "s", 0, lo_open=True, default=None,
                             fix="omit it to stay until the end of the scenario"),
    }, what="{start, duration}")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return OnStation(parts["start"], parts["duration"])


def _read_sensors(ck: Checker, value: Any, path: tuple, cls: Optional[PlatformClass]):
    if not isinstance(value, list) or not value:
        return ck.add(path, value, "expected a non-empty list of sensors",
                      "list sensor names of the class or inline sensors; omit 'sensors' for all "
                      "of the class's sensors")
    by_name = {s.name: s for s in cls.sensors} if cls is not None else {}
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            if cls is None:
                out.append(BAD)
            elif item in by_name:
                out.append(by_name[item])
            else:
                out.append(ck.add(path + (i,), item, f"not a sensor of class {cls.id}",
                                  f"{did_you_mean(item, by_name)}its sensors: "
                                  f"{choices_text(by_name)}"))
        else:
            out.append(parse_sensor(ck, path + (i,), item))
    if not ok(*out):
        return BAD
    seen: set = set()
    for i, sensor in enumerate(out):
        if sensor.name in seen:
            return ck.add(path + (i,), value[i] if isinstance(value[i], str) else sensor.name,
                          "the same sensor name twice", "give each sensor of a platform its own name")
        seen.add(sensor.name)
    return tuple(out)


# Keys of an aircraft that a satellite has not (its orbit decides them), with the fix for each.
_NOT_FOR_SATELLITE = {
    "altitude": "set it with track.orbit.altitude",
    "speed": "it follows from the orbit's altitude; remove it",
    "endurance": "remove it",
    "bank_angle": "remove it",
    "phase": "set it with track.orbit.phase (an angle)",
    "base": "remove it",
}


def _not_for_satellite(key: str, fix: str) -> Field:
    def parse(ck: Checker, path: tuple, value: Any):
        return ck.add(path, value, f"'{key}' does not apply to a satellite", fix, key=True)
    return Field(parse)


def _platform_fields(satellite: bool) -> dict[str, Field]:
    """The keys of a platform entry; a value given overrides the class's."""
    fields = {
        "name": text(required=True, example="Recon-1"),
        "class": raw(required=True, example="high-altitude-recon"),
        "altitude": quantity("length", "km", 0, 30, lo_open=True, default=None,
                             fix="aircraft fly up to 30 km; default unit km (e.g. '70000 ft')"),
        "speed": quantity("speed", "km/h", 0, 4000, lo_open=True, default=None,
                          fix="ground speed; default unit km/h (e.g. '660 km/h' or '350 kt')"),
        "endurance": quantity("time", "s", 0, 400, lo_open=True, range_unit="d", default=None),
        "bank_angle": quantity("angle", "deg", 0, 60, lo_open=True, default=None,
                               fix="bank angle in turns, e.g. 25 deg"),
        "sensors": raw(example="[...]"),
        "track": raw(required=True, example="{racetrack: {...}}"),
        "phase": number(0, 1, hi_open=True, default=0.0, example="0.25",
                        fix="the fraction of a lap at the start, 0 <= phase < 1"),
        "on_station": Field(_parse_on_station, False, None, "{start: 2 h, duration: 10 h}"),
        "base": position(),
    }
    if satellite:
        fields.update({key: _not_for_satellite(key, fix)
                       for key, fix in _NOT_FOR_SATELLITE.items()})
    return fields


def _track_for_class(ck: Checker, path: tuple, track, cls: PlatformClass, satellite: bool):
    """track ((kind, TrackSpec) or BAD), or BAD when the class cannot fly it: an orbit
    needs a satellite, and a satellite flies only an orbit."""
    track_kind = track[0] if track is not BAD else None
    if track_kind == "orbit" and not satellite:
        ck.add(path + ("track", "orbit"), MISSING, f"an orbit needs a satellite class ({cls.id} "
               "is an aircraft)", "use class leo-imaging-satellite, or an aircraft track "
               "(racetrack, loiter, route, border_parallel)", key=True)
        return BAD
    if satellite and track_kind not in (None, "orbit"):
        ck.add(path + ("track", track_kind), MISSING, f"a satellite flies only an orbit ({cls.id})",
               "write track: {orbit: {altitude: 705 km, inclination: 98.2 deg}}", key=True)
        return BAD
    return track


def _platform_spec(parts: dict, cls: PlatformClass, sensors: tuple, spec, on_station: OnStation,
                   radius_m: float) -> PlatformSpec:
    """The PlatformSpec: the entry's values where given, the class's otherwise; a
    satellite's altitude is its orbit's, and its speed the ground speed of that orbit."""
    if cls.kind == "satellite":
        altitude = spec.altitude_m
        speed = circular_orbit_ground_speed_m_s(radius_m, altitude)
        endurance = bank = None
        phase, base = 0.0, None
    else:
        altitude = parts["altitude"] if parts["altitude"] is not None else cls.altitude_m
        speed = parts["speed"] if parts["speed"] is not None else cls.speed_m_s
        endurance = parts["endurance"] if parts["endurance"] is not None else cls.endurance_s
        bank = parts["bank_angle"] if parts["bank_angle"] is not None else cls.bank_angle_rad
        phase, base = parts["phase"], parts["base"]
    return PlatformSpec(name=parts["name"], class_id=cls.id, kind=cls.kind, altitude_m=altitude,
                        speed_m_s=speed, endurance_s=endurance, bank_angle_rad=bank,
                        sensors=sensors, track=spec, phase=phase, on_station=on_station,
                        base=base)


def _read_platform(ck: Checker, value: Any, path: tuple, catalog: dict, radius_m: float,
                   border_length_m: Optional[float], duration_s: Optional[float]):
    """One entry of the list -> PlatformSpec or BAD."""
    class_id = value.get("class") if isinstance(value, dict) else None
    cls = catalog.get(class_id) if isinstance(class_id, str) else None
    satellite = cls is not None and cls.kind == "satellite"
    parts = read_mapping(ck, value, path, _platform_fields(satellite), what="a platform")
    if parts is BAD:
        return BAD
    if cls is None and "class" in value:
        hint = did_you_mean(class_id, catalog) if isinstance(class_id, str) else ""
        ck.add(path + ("class",), class_id, "unknown platform class",
               f"{hint}classes: {choices_text(catalog)} (see `isr-sim classes`)")
    sensors = (_read_sensors(ck, value["sensors"], path + ("sensors",), cls)
               if "sensors" in value else (cls.sensors if cls else BAD))
    track = read_track(ck, value["track"], path + ("track",), border_length_m) \
        if "track" in value else BAD
    on_station = parts["on_station"] if parts["on_station"] is not None else OnStation()
    if cls is None:
        return BAD
    track = _track_for_class(ck, path, track, cls, satellite)
    if not ok(*parts.values(), on_station, sensors, track):
        return BAD
    if duration_s is not None:
        end = on_station.start_s + (on_station.duration_s or 0.0)
        if on_station.start_s >= duration_s or end > duration_s * (1 + 1e-12):
            ck.add(path + ("on_station",), MISSING,
                   f"outside the scenario (time.duration is {duration_s / 3600:g} h)",
                   "start and end the time on station within time.duration")
            return BAD
    return _platform_spec(parts, cls, sensors, track[1], on_station, radius_m)


def read_platforms(ck: Checker, value: Any, catalog: dict, radius_m: float,
                   border_length_m: Optional[float], duration_s: Optional[float]):
    """The platforms list -> tuple of PlatformSpec, or BAD. catalog: the classes by id;
    radius_m: the scenario's Earth radius; border_length_m: a synthetic border's length (None
    for a preset's, read from its map when needed); duration_s: the scenario's, None if bad."""
    path = ("platforms",)
    if not isinstance(value, list) or not value:
        return ck.add(path, value, "expected a non-empty list of platforms",
                      "write '- name: Recon-1' items with class and track")
    out = [_read_platform(ck, item, path + (i,), catalog, radius_m, border_length_m, duration_s)
           for i, item in enumerate(value)]
    seen: dict = {}
    for i, item in enumerate(value):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name.strip():
            if name.strip() in seen:
                ck.add(path + (i, "name"), name,
                       f"platform name already used by platforms.{seen[name.strip()]}",
                       "give each platform its own name")
                out[i] = BAD
            else:
                seen[name.strip()] = i
    if not ok(*out):
        return BAD
    return tuple(out)
