"""Read and validate scenario files: YAML text -> the frozen dataclasses of sim/schema.py.

The YAML is read by sim/scenario/yaml_reader.py (plain data with the position of every node)
and checked with the field readers of sim/scenario/fields.py: every problem a user can cause
becomes a sim.errors.Problem (file:line:col, key path, value, rule, fix); all the problems of
one file are raised together as one ScenarioError, sorted by line. Nothing is printed.

Units: every dimensional value is a number in the key's default unit or "<number> <unit>",
converted with sim.units.to_si. The default unit of each key is in scenarios/FORMAT.md.
"""
from __future__ import annotations

import copy
import math
import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Optional

from sim.errors import Problem, ScenarioError, short_value
from sim.platforms.segments import circular_orbit_ground_speed_m_s
from sim.schema import (
    TRACK_KINDS, AirspaceSpec, BorderParallelTrack, EarthSpec, GeographySpec,
    GridSpec, LatLon, LoiterTrack, OnStation, OrbitTrack, PlatformClass, PlatformSpec,
    RacetrackTrack, RouteTrack, Scenario, SyntheticBorder, SyntheticCoast,
    TerrainSpec, TimeSpec, WeatherSpec,
)
from sim.scenario.fields import (
    BAD, MISSING, Checker, Field, boolean, choice, choices_text, did_you_mean, number, ok,
    parse_position, position, quantity, read_mapping, text,
)
from sim.scenario.marks import OVERRIDE_FILE, Mark, Marks, dotted, in_file_order
from sim.scenario.sensors import parse_sensor
from sim.scenario.yaml_reader import parse_yaml_text, read_yaml_file
from sim.units import EARTH_RADIUS_M

US_MEXICO_MAP_LENGTH_M = 2_640_000.0   # Natural Earth 1:10m border length (docs/model.md)


# ============================================================================ sections

_ISO_FIX = "write ISO 8601 UTC, e.g. 2025-02-03T06:00:00Z"


def _parse_start(ck: Checker, path: tuple, value: Any):
    if isinstance(value, datetime):
        value = value.isoformat()
    if not isinstance(value, str):
        return ck.add(path, value, "expected a date and time", _ISO_FIX)
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return ck.add(path, value, "not an ISO 8601 date and time", _ISO_FIX)
    if when.tzinfo is None or when.utcoffset() is None:
        return ck.add(path, value, "the time zone is missing", "add Z for UTC, e.g. 2025-02-03T06:00:00Z")
    try:
        when = when.astimezone(timezone.utc)
    except OverflowError:
        when = None
    if when is None or not 1900 <= when.year <= 2100:
        return ck.add(path, value, "must be in the years 1900 to 2100",
                      "the sidereal-time and Sun models are for dates near the present")
    return when


def _read_time(ck: Checker, value: Any, path=("time",)):
    parts = read_mapping(ck, value, path, {
        "start": Field(_parse_start, True, None, "2025-02-03T00:00:00Z"),
        "duration": quantity("time", "s", 0, 400, lo_open=True, range_unit="d", required=True,
                             example="24 h", fix="write a duration like '6 h' (at most 400 d)"),
        "step": quantity("time", "s", 0, lo_open=True, default=10.0,
                         fix="write a positive step like '10 s'"),
    }, what="the time section")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    if parts["step"] > parts["duration"]:
        return ck.add(path + ("step",), value.get("step", MISSING), "step must not exceed duration",
                      "use a smaller step, e.g. '10 s'")
    return TimeSpec(parts["start"], parts["duration"], parts["step"])


def _read_earth(ck: Checker, value: Any, path=("earth",)):
    if value is None:
        return EarthSpec()
    parts = read_mapping(ck, value, path, {
        "radius": quantity("length", "km", 1000, 100_000, default=EARTH_RADIUS_M,
                           fix="the mean Earth radius is 6371 km"),
        "refraction_k": number(1, 2, default=4.0 / 3.0,
                               fix="the standard atmosphere gives 4/3 (1.333)", example="1.333"),
    }, what="the earth section")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return EarthSpec(parts["radius"], parts["refraction_k"])


def _parse_coast(ck: Checker, path: tuple, value: Any):
    if value is None or value == "none":
        return None
    if isinstance(value, str):
        return ck.add(path, value, "must be none or {offset: <length>}",
                      "write 'coast: none' or 'coast: {offset: 300 km}'")
    parts = read_mapping(ck, value, path, {
        "offset": quantity("length", "km", 0, lo_open=True, required=True, example="300 km",
                           fix="distance from the border to the coast on the neighbour side"),
    }, what="a straight coast {offset}")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return SyntheticCoast(parts["offset"])


def _parse_synthetic(ck: Checker, path: tuple, value: Any):
    parts = read_mapping(ck, value, path, {
        "origin": position(required=True),
        "azimuth": quantity("angle", "deg", -360, 360, required=True, example="90 deg"),
        "length": quantity("length", "km", 0, 20_000, lo_open=True, required=True,
                           example="800 km"),
        "own_side": choice(("left", "right"), default="left"),
        "coast": Field(_parse_coast, False, None, "none"),
    }, what="a synthetic border")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return SyntheticBorder(parts["origin"], parts["azimuth"], parts["length"],
                           parts["own_side"], parts["coast"])


def _read_geography(ck: Checker, value: Any, path=("geography",)):
    parts = read_mapping(ck, value, path, {
        "preset": choice(("us-mexico",), default=None),
        "own": choice(("us", "mexico"), default=None),
        "synthetic": Field(_parse_synthetic, False, None, "{origin: .., azimuth: .., length: ..}"),
        "territorial_sea": quantity("length", "km", 0, 500, default=12 * 1852.0,
                                    fix="UNCLOS allows up to 12 nmi"),
    }, what="the geography section")
    if parts is BAD:
        return BAD
    has_preset = isinstance(value, dict) and "preset" in value
    has_synth = isinstance(value, dict) and "synthetic" in value
    if has_preset and has_synth:
        return ck.add(path, MISSING, "both preset and synthetic are given",
                      "keep exactly one of them", key=True)
    if not has_preset and not has_synth:
        return ck.add(path + ("preset",), MISSING, "missing preset or synthetic",
                      "add 'preset: us-mexico' (with 'own: us') or a 'synthetic:' border")
    if has_preset and "own" not in value:
        return ck.add(path + ("own",), MISSING, "missing required key with a preset",
                      "add 'own: us' or 'own: mexico' (the collectors' side)")
    if has_synth and "own" in value:
        return ck.add(path + ("own",), value["own"], "own is for a preset only",
                      "for a synthetic border use synthetic.own_side: left or right", key=True)
    if not ok(*parts.values()):
        return BAD
    return GeographySpec(parts["preset"], parts["own"], parts["synthetic"],
                         parts["territorial_sea"])


def _parse_bands(ck: Checker, path: tuple, value: Any):
    if not isinstance(value, list) or not value:
        return ck.add(path, value, "expected a non-empty list of distances",
                      "write e.g. [25 km, 100 km, 250 km]")
    field = quantity("length", "km", 0, lo_open=True, fix="band edges are distances from the border")
    bands = [field.parse(ck, path + (i,), item) for i, item in enumerate(value)]
    if not ok(*bands):
        return BAD
    for i in range(1, len(bands)):
        if bands[i] <= bands[i - 1]:
            return ck.add(path + (i,), value[i], "bands must increase",
                          "list the band edges from the border outwards, each larger than the last")
    return tuple(bands)


def _read_grid(ck: Checker, value: Any, path=("grid",)):
    if value is None:
        return GridSpec()
    parts = read_mapping(ck, value, path, {
        "cell": quantity("length", "km", 100, range_unit="m", default=2_000.0,
                         fix="cells smaller than 100 m are not supported; try '2 km'"),
        "extent": quantity("length", "km", 0, 5_000, lo_open=True, default=400_000.0,
                           fix="ground distance from the border covered by the grid, e.g. 400 km"),
        "side": choice(("neighbour", "own", "both"), default="neighbour"),
        "land_only": boolean(True),
        "bands": Field(_parse_bands, False, (25_000.0, 100_000.0, 250_000.0, 400_000.0),
                       "[25 km, 100 km]"),
    }, what="the grid section")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    if parts["cell"] > parts["extent"]:
        return ck.add(path + ("cell",), value.get("cell", MISSING), "cell is larger than extent",
                      "use a cell smaller than the grid's extent, e.g. cell 4 km, extent 300 km")
    return GridSpec(parts["cell"], parts["extent"], parts["side"], parts["land_only"],
                    parts["bands"])


def _read_terrain(ck: Checker, value: Any, base_dir: Optional[Path], path=("terrain",)):
    if value is None or value == "none":
        return TerrainSpec()
    if value == "etopo5":
        return TerrainSpec(source="etopo5")
    if not isinstance(value, str) or not value.strip():
        return ck.add(path, value, "expected none, etopo5 or a path to a terrain grid file",
                      "write 'terrain: none', 'terrain: etopo5' or 'terrain: my-terrain.npz'")
    raw = Path(value.strip())
    resolved = raw if raw.is_absolute() or base_dir is None else base_dir / raw
    # Read it now, with the run's own reader, so that `check` refuses what `run` would.
    from sim.world.terrain_file import TERRAIN_FILE_FIX, TerrainFileError, read_terrain_grid
    try:
        read_terrain_grid(resolved)
    except TerrainFileError as error:
        where = "" if raw.is_absolute() else " (a relative path is read from the scenario file's folder)"
        return ck.add(path, value, error.rule + where, TERRAIN_FILE_FIX)
    return TerrainSpec(source="file", path=str(resolved))


def _read_weather(ck: Checker, value: Any, path=("weather",)):
    if value is None or value == "none":
        return None
    parts = read_mapping(ck, value, path, {
        "cloud_fraction": number(0, 1, default=0.0, example="0.3",
                                 fix="the fraction of the sky covered, 0 to 1"),
        "cloud_scale": quantity("length", "km", 0, lo_open=True, default=50_000.0),
        "cloud_period": quantity("time", "s", 0, lo_open=True, default=3 * 3600.0),
    }, what="the weather section")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return WeatherSpec(parts["cloud_fraction"], parts["cloud_scale"], parts["cloud_period"])


def _read_airspace(ck: Checker, value: Any, path=("airspace",)):
    if value is None:
        return AirspaceSpec()
    parts = read_mapping(ck, value, path, {
        "overflight": choice(("forbidden", "permitted"), default="forbidden"),
    }, what="the airspace section")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return AirspaceSpec(parts["overflight"])


# ---------------------------------------------------------------------------- tracks

_DIRECTION = ("cw", "ccw")


def _parse_waypoints(ck: Checker, path: tuple, value: Any):
    if not isinstance(value, list) or len(value) < 2:
        return ck.add(path, value, "a route needs a list of at least 2 waypoints",
                      "write [{lat: 31.5, lon: -111.0}, {lat: 31.6, lon: -110.0}]")
    points = [parse_position(ck, path + (i,), item) for i, item in enumerate(value)]
    if not ok(*points):
        return BAD
    for i in range(1, len(points)):
        if points[i] == points[i - 1]:
            return ck.add(path + (i,), value[i], "the same waypoint twice in a row",
                          "remove the repeated waypoint")
        if _nearly_antipodal(points[i - 1], points[i]):
            return ck.add(path + (i,), value[i], f"opposite waypoint {i - 1} on the globe: the "
                          "great circle between them is not defined",
                          "add a waypoint between them to choose the way round")
    return tuple(points)


ALONG_BORDER = "along_border"


def _parse_heading(ck: Checker, path: tuple, value: Any):
    """A racetrack heading: an angle, or `along_border` (resolved in _read_track)."""
    if isinstance(value, str) and value.strip() == ALONG_BORDER:
        return ALONG_BORDER
    before = len(ck.problems)
    heading = quantity("angle", "deg", -360, 360).parse(ck, path, value)
    if heading is BAD and len(ck.problems) > before:
        last = ck.problems[-1]
        ck.problems[-1] = replace(last, fix=f"{last.fix}; or write '{ALONG_BORDER}' for the "
                                  "border's local direction")
    return heading


_ANTIPODAL_RAD = math.radians(0.01)    # legs closer than this to 180 deg have no direction


def _nearly_antipodal(a: LatLon, b: LatLon) -> bool:
    """Central angle between a and b within _ANTIPODAL_RAD of pi (haversine form)."""
    p1, p2 = math.radians(a.lat_deg), math.radians(b.lat_deg)
    dl = math.radians(b.lon_deg - a.lon_deg)
    h = math.sin(0.5 * (p2 - p1)) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(0.5 * dl) ** 2
    return 2.0 * math.asin(min(1.0, math.sqrt(h))) > math.pi - _ANTIPODAL_RAD


def _track_fields(kind: str) -> dict[str, Field]:
    positive_km = dict(lo=0, lo_open=True)
    if kind == "racetrack":
        return {"center": position(required=True),
                "length": quantity("length", "km", **positive_km, required=True, example="250 km",
                                   fix="each straight leg's length"),
                "heading": Field(_parse_heading, True, None, "95 deg"),
                "width": quantity("length", "km", **positive_km, default=None,
                                  fix="distance between the legs (2 x turn radius); omit to use the bank angle"),
                "direction": choice(_DIRECTION, default="cw")}
    if kind == "loiter":
        return {"center": position(required=True),
                "radius": quantity("length", "km", **positive_km, default=None,
                                   fix="ground-track radius; omit to use the bank angle"),
                "direction": choice(_DIRECTION, default="cw")}
    if kind == "route":
        return {"waypoints": Field(_parse_waypoints, True, None, "[{lat: .., lon: ..}, ...]"),
                "repeat": choice(("loop", "reverse", "once"), default="loop")}
    if kind == "border_parallel":
        return {"offset": quantity("length", "km", **positive_km, required=True, example="40 km",
                                   fix="ground distance from the border on the own side"),
                "from": quantity("length", "km", 0, default=0.0,
                                 fix="distance along the border from its start"),
                "to": quantity("length", "km", **positive_km, default=None,
                               fix="distance along the border from its start; omit for its end")}
    return {"altitude": quantity("length", "km", 160, 2000, required=True, example="617 km",
                                 fix="low Earth orbit: 160 km to 2000 km"),
            "inclination": quantity("angle", "deg", 0, 180, required=True, example="97.9 deg"),
            "raan": quantity("angle", "deg", -360, 360, default=0.0),
            "phase": quantity("angle", "deg", -360, 360, default=0.0,
                              fix="argument of latitude at time.start")}


def _read_track(ck: Checker, value: Any, path: tuple, border_length_m: Optional[float]):
    """-> (kind, TrackSpec) or BAD."""
    if not isinstance(value, dict):
        return ck.add(path, value, "expected a mapping with one track",
                      f"write e.g. {{racetrack: {{center: .., length: .., heading: ..}}}}; "
                      f"kinds: {choices_text(TRACK_KINDS)}")
    unknown = [k for k in value if k not in TRACK_KINDS]
    for key in unknown:
        ck.add(path + (key,), MISSING, "unknown track kind",
               f"{did_you_mean(key, TRACK_KINDS)}kinds: {choices_text(TRACK_KINDS)}", key=True)
    kinds = [k for k in value if k in TRACK_KINDS]
    if len(kinds) > 1:
        return ck.add(path, MISSING, f"more than one track ({', '.join(kinds)})",
                      "a platform flies exactly one track: keep one", key=True)
    if not kinds:
        if unknown:
            return BAD
        return ck.add(path, MISSING, "no track given",
                      f"add exactly one of {choices_text(TRACK_KINDS)}", key=True)
    kind = kinds[0]
    sub = path + (kind,)
    parts = read_mapping(ck, value[kind], sub, _track_fields(kind), what=f"a {kind} track")
    if parts is BAD or not ok(*parts.values()) or unknown:
        return BAD
    if kind == "racetrack":
        heading = parts["heading"]
        if heading == ALONG_BORDER:
            border = ck.border_line()
            if border is None:          # the geography's problem is already recorded
                return BAD
            heading = border.bearing_rad(border.nearest_along_m(parts["center"]))
        return kind, RacetrackTrack(parts["center"], parts["length"], heading,
                                    parts["width"], parts["direction"])
    if kind == "loiter":
        return kind, LoiterTrack(parts["center"], parts["radius"], parts["direction"])
    if kind == "route":
        points = parts["waypoints"]
        if parts["repeat"] == "loop" and _nearly_antipodal(points[-1], points[0]):
            return ck.add(sub + ("waypoints",), MISSING, "the last waypoint is opposite the "
                          "first on the globe: the loop's closing great circle is not defined",
                          "add a waypoint to choose the way back, or use repeat: reverse",
                          key=True)
        return kind, RouteTrack(points, parts["repeat"])
    if kind == "border_parallel":
        start, end = parts["from"], parts["to"]
        if end is not None and end <= start:
            return ck.add(sub + ("to",), value[kind].get("to", MISSING), "'to' must be more than 'from'",
                          "give distances along the border with from < to")
        if border_length_m is None and ck.border_line() not in (None, MISSING):
            border_length_m = ck.border_line().length_m      # a preset's map border
        if border_length_m is not None:
            for key, dist in (("from", start), ("to", end)):
                if dist is not None and dist > border_length_m * (1 + 1e-12):
                    return ck.add(sub + (key,), value[kind].get(key, MISSING),
                                  f"beyond the end of the border ({border_length_m / 1000:g} km)",
                                  "give a distance along the border within its length")
        return kind, BorderParallelTrack(parts["offset"], start, end)
    return kind, OrbitTrack(parts["altitude"], parts["inclination"], parts["raan"], parts["phase"])


# ---------------------------------------------------------------------------- platforms

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


def _not_for_satellite(key: str, fix: str) -> Field:
    def parse(ck: Checker, path: tuple, value: Any):
        return ck.add(path, value, f"'{key}' does not apply to a satellite", fix, key=True)
    return Field(parse)


def _read_platform(ck: Checker, value: Any, path: tuple, catalog: dict, radius_m: float,
                   border_length_m: Optional[float], duration_s: Optional[float]):
    fields = {
        "name": text(required=True, example="Recon-1"),
        "class": Field(lambda c, p, v: v, True, None, "high-altitude-recon"),
        "altitude": quantity("length", "km", 0, 30, lo_open=True, default=None,
                             fix="aircraft fly up to 30 km; default unit km (e.g. '70000 ft')"),
        "speed": quantity("speed", "km/h", 0, 4000, lo_open=True, default=None,
                          fix="ground speed; default unit km/h (e.g. '660 km/h' or '350 kt')"),
        "endurance": quantity("time", "s", 0, 400, lo_open=True, range_unit="d", default=None),
        "bank_angle": quantity("angle", "deg", 0, 60, lo_open=True, default=None,
                               fix="bank angle in turns, e.g. 25 deg"),
        "sensors": Field(lambda c, p, v: v, False, None, "[...]"),
        "track": Field(lambda c, p, v: v, True, None, "{racetrack: {...}}"),
        "phase": number(0, 1, hi_open=True, default=0.0, example="0.25",
                        fix="the fraction of a lap at the start, 0 <= phase < 1"),
        "on_station": Field(_parse_on_station, False, None, "{start: 2 h, duration: 10 h}"),
        "base": position(),
    }
    class_id = value.get("class") if isinstance(value, dict) else None
    cls = catalog.get(class_id) if isinstance(class_id, str) else None
    satellite = cls is not None and cls.kind == "satellite"
    if satellite:
        fields["altitude"] = _not_for_satellite("altitude", "set it with track.orbit.altitude")
        fields["speed"] = _not_for_satellite("speed", "it follows from the orbit's altitude; remove it")
        fields["endurance"] = _not_for_satellite("endurance", "remove it")
        fields["bank_angle"] = _not_for_satellite("bank_angle", "remove it")
        fields["phase"] = _not_for_satellite("phase", "set it with track.orbit.phase (an angle)")
        fields["base"] = _not_for_satellite("base", "remove it")
    parts = read_mapping(ck, value, path, fields, what="a platform")
    if parts is BAD:
        return BAD
    if cls is None and "class" in value:
        hint = did_you_mean(class_id, catalog) if isinstance(class_id, str) else ""
        ck.add(path + ("class",), class_id, "unknown platform class",
               f"{hint}classes: {choices_text(catalog)} (see `isr-sim classes`)")
    sensors = (_read_sensors(ck, value["sensors"], path + ("sensors",), cls)
               if "sensors" in value else (cls.sensors if cls else BAD))
    track = _read_track(ck, value["track"], path + ("track",), border_length_m) \
        if "track" in value else BAD
    on_station = parts["on_station"] if parts["on_station"] is not None else OnStation()
    if cls is None:
        return BAD
    track_kind = track[0] if track is not BAD else None
    if track_kind == "orbit" and not satellite:
        ck.add(path + ("track", "orbit"), MISSING, f"an orbit needs a satellite class ({cls.id} "
               "is an aircraft)", "use class leo-imaging-satellite, or an aircraft track "
               "(racetrack, loiter, route, border_parallel)", key=True)
        track = BAD
    if satellite and track_kind not in (None, "orbit"):
        ck.add(path + ("track", track_kind), MISSING, f"a satellite flies only an orbit ({cls.id})",
               "write track: {orbit: {altitude: 705 km, inclination: 98.2 deg}}", key=True)
        track = BAD
    if not ok(*parts.values(), on_station, sensors, track):
        return BAD
    if duration_s is not None:
        end = on_station.start_s + (on_station.duration_s or 0.0)
        if on_station.start_s >= duration_s or end > duration_s * (1 + 1e-12):
            ck.add(path + ("on_station",), MISSING,
                   f"outside the scenario (time.duration is {duration_s / 3600:g} h)",
                   "start and end the time on station within time.duration")
            return BAD
    spec = track[1]
    if satellite:
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


def _read_platforms(ck: Checker, value: Any, catalog: dict, radius_m: float,
                    border_length_m: Optional[float], duration_s: Optional[float]):
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


# ============================================================================ overrides

def _apply_override(data: dict, marks: Marks, text_: str, problems: list[Problem]) -> None:
    """Apply one KEY=VALUE to the raw document, in place."""
    def bad(rule: str, fix: str) -> None:
        problems.append(Problem(OVERRIDE_FILE, 0, 0, "", short_value(text_, 80), rule, fix))

    if "=" not in text_:
        return bad("expected KEY=VALUE", "write e.g. --set time.duration=2h")
    key_text, value_text = text_.split("=", 1)
    keys = [k.strip() for k in key_text.strip().split(".")]
    if not key_text.strip() or any(not k for k in keys):
        return bad("empty key in the dotted path", "write e.g. --set platforms.0.altitude=15km")
    if not value_text.strip():
        return bad("no value after '='", "write e.g. --set grid.cell=4km")
    try:
        value, _ = parse_yaml_text(value_text, OVERRIDE_FILE)
    except ScenarioError as error:
        return bad(f"the value is not valid YAML ({error.problems[0].rule})",
                   "quote the value or write a number, a word, [list] or {mapping}")
    node: Any = data
    path: tuple = ()
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit():
                return bad(f"'{dotted(path) or '(top)'}' is a list: '{key}' is not an index",
                           "use a number from 0, e.g. platforms.0.altitude")
            index = int(key)
            if index >= len(node):
                return bad(f"'{dotted(path)}' has {len(node)} item(s): no index {index}",
                           f"use an index from 0 to {len(node) - 1}")
            step: Any = index
        elif isinstance(node, dict):
            step = key
            if not last and node.get(key) is None:
                node[key] = {}
        else:
            return bad(f"'{dotted(path)}' is a single value, not a section",
                       f"set '{dotted(path)}' itself")
        path = path + (step,)
        if last:
            node[step] = value
        else:
            node = node[step]
    for stale in [p for p in marks if p[:len(path)] == path]:
        del marks[stale]
    marks[path] = Mark(0, 0, 0, 0, OVERRIDE_FILE)


# ============================================================================ entry points

def _wrap_guard(ck: Checker, geography: GeographySpec, grid: GridSpec, radius_m: float) -> None:
    """Refuse geometry that wraps the planet: a border longer than half the circumference,
    or a grid reaching past the antipode of the border's midpoint (the grid's projection
    centre), where the equal-area lattice would fold over itself and count cells twice."""
    half_m = math.pi * radius_m
    if geography.synthetic is not None:
        length_m, key = geography.synthetic.length_m, ("geography", "synthetic", "length")
        if length_m > half_m:
            ck.add(key, MISSING, f"longer than half the circumference of the Earth "
                   f"({half_m / 1000:,.0f} km at earth.radius {radius_m / 1000:,.0f} km): the "
                   "border would wrap around the planet",
                   f"use a length of at most {half_m / 1000:,.0f} km")
            return
    else:                        # the preset's border scales with the sphere
        length_m = US_MEXICO_MAP_LENGTH_M * radius_m / EarthSpec().radius_m
    reach_m = 0.5 * length_m + grid.extent_m
    if reach_m >= half_m:
        limit_km = math.floor((half_m - 0.5 * length_m) / 1000.0 - 1.0)
        ck.add(("grid", "extent"), MISSING,
               f"the grid would reach past the antipode of the border's midpoint (half the "
               f"border {0.5 * length_m / 1000:,.0f} km + extent {grid.extent_m / 1000:,.0f} km "
               f">= half the circumference {half_m / 1000:,.0f} km)",
               f"use grid.extent below {max(limit_km, 0):,} km, a shorter border or a larger "
               "earth.radius")


def build_scenario(data: Any, marks: Marks, source: str, base_dir: Optional[Path] = None,
                   overrides: Iterable[str] = (), catalog: Optional[dict] = None) -> Scenario:
    """Check plain data (from parse_yaml_text) and build the Scenario; raises ScenarioError
    with every problem found. `overrides` ("KEY=VALUE") are applied to the data first; a
    problem they cause elsewhere in the file (e.g. bands no longer increasing after
    --set grid.bands.0=...) names them."""
    overrides = list(overrides)
    if not overrides:
        return _build_scenario(data, marks, source, base_dir, (), catalog)
    original = (copy.deepcopy(data), dict(marks))
    try:
        return _build_scenario(data, marks, source, base_dir, overrides, catalog)
    except ScenarioError as error:
        raise _blame_overrides(error, *original, source, base_dir, overrides, catalog) from None


def _blame_overrides(error: ScenarioError, data: Any, marks: Marks, source: str,
                     base_dir: Optional[Path], overrides: list, catalog) -> ScenarioError:
    """The problems of `error`, those the file alone does not have marked as caused by the
    overrides (found by checking the file without them)."""
    try:
        _build_scenario(data, marks, source, base_dir, (), catalog)
        alone: set = set()
    except ScenarioError as plain:
        alone = {(p.line, p.col, p.path, p.rule) for p in plain.problems}
    shown = ", ".join(f"--set {short_value(o, 60)[1:-1]}" for o in overrides)
    return ScenarioError([p if p.file == OVERRIDE_FILE or (p.line, p.col, p.path, p.rule) in alone
                          else replace(p, rule=f"{p.rule} (after {shown})") for p in error.problems])


def _build_scenario(data: Any, marks: Marks, source: str, base_dir: Optional[Path],
                    overrides: Iterable[str], catalog: Optional[dict]) -> Scenario:
    if catalog is None:
        from sim.scenario.catalog import load_catalog
        catalog = load_catalog()
    if not isinstance(data, dict):
        raise ScenarioError(Problem(source, 1, 1, "", short_value(data),
                                    "the top level must be a mapping of sections",
                                    "start with 'name:', 'time:', 'geography:', 'platforms:'"))
    problems: list[Problem] = []
    for text_ in overrides:
        _apply_override(data, marks, text_, problems)
    ck = Checker(source, marks)
    ck.problems.extend(problems)
    top = read_mapping(ck, data, (), {
        "name": text(required=True, example="My scenario"),
        "description": text(default="", nonempty=False, example="what it teaches"),
        "seed": Field(lambda c, p, v: v, False, 0, "7"),
        "time": Field(lambda c, p, v: v, True, None, "{start: .., duration: ..}"),
        "earth": Field(lambda c, p, v: v),
        "geography": Field(lambda c, p, v: v, True, None, "{preset: us-mexico, own: us}"),
        "grid": Field(lambda c, p, v: v),
        "terrain": Field(lambda c, p, v: v),
        "weather": Field(lambda c, p, v: v),
        "airspace": Field(lambda c, p, v: v),
        "platforms": Field(lambda c, p, v: v, True, None, "[...]"),
    })
    seed = top["seed"]
    if seed is not BAD and (not isinstance(seed, int) or isinstance(seed, bool)
                             or not 0 <= seed < 2 ** 63):
        seed = ck.add(("seed",), seed, "must be a whole number from 0 to 2^63 - 1", "write e.g. 7")
    time_spec = _read_time(ck, data["time"]) if "time" in data else BAD
    earth = _read_earth(ck, data.get("earth"))
    geography = _read_geography(ck, data["geography"]) if "geography" in data else BAD
    grid = _read_grid(ck, data.get("grid"))
    terrain = _read_terrain(ck, data.get("terrain"), base_dir)
    if terrain is not BAD and terrain.source == "etopo5" and geography is not BAD \
            and geography.preset is None:
        terrain = ck.add(("terrain",), "etopo5", "etopo5 terrain needs a preset geography",
                         "use 'terrain: none' with a synthetic border, or a terrain file path")
    weather = _read_weather(ck, data.get("weather"))
    airspace = _read_airspace(ck, data.get("airspace"))
    border_length = None
    if geography is not BAD and geography.synthetic is not None:
        border_length = geography.synthetic.length_m
    radius = earth.radius_m if earth is not BAD else EarthSpec().radius_m
    ck.set_border(geography, radius)
    duration = time_spec.duration_s if time_spec is not BAD else None
    platforms = (_read_platforms(ck, data["platforms"], catalog, radius, border_length, duration)
                 if "platforms" in data else BAD)
    if geography is not BAD and grid is not BAD and earth is not BAD:
        _wrap_guard(ck, geography, grid, earth.radius_m)
    if ck.problems:
        raise ScenarioError(in_file_order(ck.problems))
    scenario = Scenario(name=top["name"], time=time_spec, geography=geography,
                        platforms=platforms, description=top["description"].strip(), seed=seed,
                        earth=earth, grid=grid, terrain=terrain, weather=weather,
                        airspace=airspace, source=source)
    from sim.scenario.preflight import preflight     # needs the tracks: after every rule
    scenario = preflight(scenario, ck, data, catalog)
    if ck.problems:
        raise ScenarioError(in_file_order(ck.problems))
    return scenario


def load_scenario_text(text: str, source: str = "<string>", overrides: Iterable[str] = (),
                       base_dir=None) -> Scenario:
    """A scenario from YAML text. `source` names it in messages; relative terrain paths are
    resolved against `base_dir` (default: left as written)."""
    if not isinstance(text, str):
        raise TypeError(f"load_scenario_text takes YAML text (str), not {type(text).__name__}"
                        + ("; for a file use load_scenario(path)" if isinstance(text, os.PathLike)
                           else ""))
    overrides = _override_list(overrides)
    data, marks = parse_yaml_text(text, source)
    return build_scenario(data, marks, source, Path(base_dir) if base_dir else None, overrides)


def _override_list(overrides) -> list[str]:
    """overrides as a list of "KEY=VALUE" strings, or a TypeError saying what to pass."""
    if isinstance(overrides, (str, bytes)) or not hasattr(overrides, "__iter__"):
        raise TypeError("overrides takes a list of 'KEY=VALUE' strings, e.g. "
                        "['time.duration=2h'], not " + type(overrides).__name__)
    out = list(overrides)
    for item in out:
        if not isinstance(item, str):
            raise TypeError(f"each override is a 'KEY=VALUE' string, not {type(item).__name__}")
    return out


def load_scenario(path, overrides: Iterable[str] = ()) -> Scenario:
    """A scenario from a YAML file, with optional "KEY=VALUE" overrides (dotted paths, e.g.
    "time.duration=2h", "platforms.0.altitude=15km"). Raises ScenarioError listing every
    problem of the file. Reads the terrain file if one is named and the preset's border line
    when a position or range needs it; builds the tracks for the checks and warnings of
    sim/scenario/preflight.py (Scenario.warnings)."""
    if not isinstance(path, (str, os.PathLike)):
        hint = (": for a mapping, write it as YAML text and use load_scenario_text(text)"
                if isinstance(path, dict) else "")
        raise TypeError(f"load_scenario takes the path of a YAML file (str or Path), not "
                        f"{type(path).__name__}{hint}")
    overrides = _override_list(overrides)
    if isinstance(path, str) and "\n" in path and not os.path.exists(path):
        raise ScenarioError(Problem("<string>", 0, 0, "", "", "this is YAML text, not a file name",
                                    "use load_scenario_text(text) for text"))
    data, marks = read_yaml_file(path)
    return build_scenario(data, marks, str(path), Path(path).resolve().parent, overrides)
