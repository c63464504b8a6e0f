"""A platform's `track:` mapping -> (kind, TrackSpec): racetrack, loiter, route,
border_parallel or orbit, with the checks that need the whole track (waypoints not repeated
nor opposite on the globe, `to` after `from` and within the border, a heading along the
border resolved). The flying itself is sim/platforms/tracks.py.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Optional

from sim.schema import (
    TRACK_KINDS, BorderParallelTrack, LatLon, LoiterTrack, OrbitTrack, RacetrackTrack, RouteTrack,
)
from sim.scenario.fields import (
    BAD, MISSING, Checker, Field, choice, choices_text, did_you_mean, ok, parse_position,
    position, quantity, read_mapping,
)

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
    """A racetrack heading: an angle, or `along_border` (resolved in read_track)."""
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


def read_track(ck: Checker, value: Any, path: tuple, border_length_m: Optional[float]):
    """A track mapping with exactly one kind -> (kind, TrackSpec), or BAD. border_length_m:
    a synthetic border's length (None: the preset's, from the Checker's border line)."""
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
