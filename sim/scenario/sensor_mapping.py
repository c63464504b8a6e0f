"""Sensor mappings -> SensorSpec: a class's sensors in the catalog, or a sensor written
inline in a platform. Each sensor kind takes its own keys (SENSOR_KEYS); what a kind sees
is computed in sim/platforms/sensors.py, and the keys are described in scenarios/FORMAT.md.
"""
from __future__ import annotations

import math
from typing import Any, Optional

from sim.schema import SENSOR_KINDS, SensorSpec
from sim.scenario.fields import (
    BAD, MISSING, Checker, Field, boolean, choice, choices_text, ok, quantity, read_mapping, text,
)

_COMMON_SENSOR = ("name", "kind", "min_elevation", "max_range", "needs_daylight",
                  "blocked_by_clouds")
_IMAGING = ("focal_length", "pixel_pitch", "max_gsd")
SENSOR_KEYS = {
    "horizon": _COMMON_SENSOR + ("radio", "target_height"),
    "conic": _COMMON_SENSOR + ("max_off_nadir",) + _IMAGING,
    "side-looking": _COMMON_SENSOR + ("near_range", "far_range", "sides", "max_squint") + _IMAGING,
    "nadir-swath": _COMMON_SENSOR + ("half_angle", "along_half_angle") + _IMAGING,
}


def _sensor_fields() -> dict[str, Field]:
    half = dict(lo=0, hi=90, lo_open=True, hi_open=True)
    return {
        "name": text(required=True, example="my-camera"),
        "kind": choice(SENSOR_KINDS, required=True),
        "min_elevation": quantity("angle", "deg", 0, 90, hi_open=True, default=0.0,
                                  fix="elevation of the platform above the cell's horizon"),
        "max_range": quantity("length", "km", 0, lo_open=True, default=math.inf,
                              fix="slant range from platform to cell; omit for no limit"),
        "needs_daylight": boolean(False),
        "blocked_by_clouds": boolean(False),
        "radio": boolean(False),
        "target_height": quantity("length", "m", 0, 10_000, default=0.0,
                                  fix="height of the emitter above the ground, e.g. 10 m"),
        "max_off_nadir": quantity("angle", "deg", **half, default=math.pi / 2,
                                  fix="field-of-regard half-angle; omit for no limit"),
        "near_range": quantity("length", "km", 0, default=0.0),
        "far_range": quantity("length", "km", 0, lo_open=True, default=math.inf),
        "sides": choice(("both", "left", "right"), default="both"),
        "max_squint": quantity("angle", "deg", 0, 90, lo_open=True, default=math.pi / 2),
        "half_angle": quantity("angle", "deg", **half, required=True, example="35 deg"),
        "along_half_angle": quantity("angle", "deg", **half, default=None),
        "focal_length": quantity("length", "m", 0, lo_open=True, default=None, example="1.5 m"),
        "pixel_pitch": quantity("length", "um", 0, lo_open=True, default=None, example="10 um"),
        "max_gsd": quantity("length", "m", 0, lo_open=True, default=None, example="1 m"),
    }


def parse_sensor(ck: Checker, path: tuple, value: Any):
    """An inline sensor mapping -> SensorSpec or BAD (problems recorded in ck)."""
    fields = _sensor_fields()
    if not isinstance(value, dict):
        return ck.add(path, value, "expected a sensor name or a sensor mapping",
                      "write a class sensor's name, or {name: .., kind: conic, ...}")
    kind = value.get("kind")
    if isinstance(kind, str) and kind in SENSOR_KEYS:
        allowed = SENSOR_KEYS[kind]

        def wrong_kind(key: str) -> Optional[tuple[str, str]]:
            if key in fields:
                return (f"not a key of a {kind} sensor",
                        f"{kind} sensors take: {choices_text(allowed)}")
            return None
        kind_fields = {k: fields[k] for k in allowed}
        parts = read_mapping(ck, value, path, kind_fields, misplaced=wrong_kind)
        if parts is BAD or not ok(*parts.values()):
            return BAD
    else:
        # Report the kind (and a missing name); other keys cannot be judged without a kind.
        parts = read_mapping(ck, {k: v for k, v in value.items() if k in ("name", "kind")},
                             path, {"name": fields["name"], "kind": fields["kind"]})
        return BAD
    values = {k: parts.get(k, fields[k].default) for k in fields}
    bad = False
    if kind == "side-looking" and values["near_range"] >= values["far_range"]:
        ck.add(path + ("near_range",), value.get("near_range", MISSING),
               "near_range must be less than far_range",
               "near_range and far_range are ground ranges from the track, e.g. 20 km and 160 km")
        bad = True
    has_f, has_p = values["focal_length"] is not None, values["pixel_pitch"] is not None
    if has_f != has_p:
        missing = "pixel_pitch" if has_f else "focal_length"
        ck.add(path + (missing,), MISSING, "focal_length and pixel_pitch go together",
               f"add '{missing}' (GSD = slant range x pixel_pitch / focal_length) or remove "
               "the other")
        bad = True
    if values["max_gsd"] is not None and not (has_f and has_p):
        ck.add(path + ("max_gsd",), value.get("max_gsd", MISSING),
               "max_gsd needs focal_length and pixel_pitch",
               "add focal_length and pixel_pitch (GSD = slant range x pixel_pitch / focal_length)")
        bad = True
    if bad:
        return BAD
    return SensorSpec(
        name=values["name"], kind=kind, min_elevation_rad=values["min_elevation"],
        max_range_m=values["max_range"], max_off_nadir_rad=values["max_off_nadir"],
        near_range_m=values["near_range"], far_range_m=values["far_range"],
        sides=values["sides"], max_squint_rad=values["max_squint"],
        half_angle_rad=values["half_angle"] if values["half_angle"] is not None else 0.0,
        along_half_angle_rad=values["along_half_angle"], radio=values["radio"],
        target_height_m=values["target_height"], focal_length_m=values["focal_length"],
        pixel_pitch_m=values["pixel_pitch"], max_gsd_m=values["max_gsd"],
        needs_daylight=values["needs_daylight"], blocked_by_clouds=values["blocked_by_clouds"])

