"""The generic platform classes of assets/platforms.yaml (`isr-sim classes`).

load_catalog() reads and checks the file with the scenario files' YAML reader and field
readers (sim/scenario/yaml_reader.py, fields.py, sensor_mapping.py: every problem located, raised
together as a ScenarioError), and caches it.
catalog_as_dict() is the JSON form (SI-ish units in key names); format_catalog() the text
table. Every number of a class must cite a source in its `sources:` mapping.

A satellite class's speed is its ground speed on a circular orbit
(sim.platforms.segments.circular_orbit_ground_speed_m_s).
"""
from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, Optional

from sim.errors import ScenarioError
from sim.paths import ASSETS_DIR
from sim.schema import PlatformClass, SensorSpec
from sim.platforms.segments import circular_orbit_ground_speed_m_s
from sim.scenario.fields import (
    BAD, MISSING, Checker, Field, choice, ok, quantity, raw, read_mapping, text,
)
from sim.scenario.marks import in_file_order
from sim.scenario.sensor_mapping import parse_sensor
from sim.scenario.yaml_reader import read_yaml_file
from sim.units import EARTH_RADIUS_M

CATALOG_PATH = ASSETS_DIR / "platforms.yaml"
CLASS_NUMBER_KEYS = ("altitude", "speed", "endurance", "bank_angle")
SENSOR_NUMBER_KEYS = ("min_elevation", "max_range", "max_off_nadir", "near_range", "far_range",
                      "max_squint", "half_angle", "along_half_angle", "target_height",
                      "focal_length", "pixel_pitch", "max_gsd")
NOTE = ("Generic classes with round public figures for teaching; the numbers are "
        "illustrative and are not the specification of any real system.")


def _parse_sources(ck: Checker, path: tuple, value: Any):
    if not isinstance(value, dict) or not value:
        return ck.add(path, value, "expected a mapping of key -> citation",
                      "write e.g. {altitude: 'USAF fact sheet ...'}")
    out = []
    for key, cite in value.items():
        if not isinstance(cite, str) or not cite.strip():
            ck.add(path + (key,), cite, "expected a citation text", "name the public document")
            return BAD
        out.append((key, cite.strip()))
    return tuple(out)


def _parse_class(ck: Checker, path: tuple, value: Any):
    """One class mapping -> PlatformClass or BAD."""
    kind = value.get("kind") if isinstance(value, dict) else None
    fields = {
        "id": text(required=True, example="my-class"),
        "name": text(required=True, example="A readable name"),
        "kind": choice(("aircraft", "satellite"), required=True),
        "description": text(required=True, example="what it is"),
        "altitude": quantity("length", "km", 0, 2000, lo_open=True, required=True),
        "sensors": raw(required=True, example="[...]"),
        "sources": Field(_parse_sources, True, None, "{altitude: ...}"),
    }
    if kind != "satellite":
        fields.update({
            "speed": quantity("speed", "km/h", 0, 4000, lo_open=True, required=True),
            "endurance": quantity("time", "s", 0, lo_open=True, required=True),
            "bank_angle": quantity("angle", "deg", 0, 60, lo_open=True, required=True),
        })
    parts = read_mapping(ck, value, path, fields, what="a platform class")
    if parts is BAD:
        return BAD
    sensors_raw = value.get("sensors")
    if not isinstance(sensors_raw, list) or not sensors_raw:
        return ck.add(path + ("sensors",), sensors_raw, "expected a non-empty list of sensors",
                      "list the class's sensors as mappings")
    sensors = [parse_sensor(ck, path + ("sensors", i), item) for i, item in enumerate(sensors_raw)]
    if not ok(*parts.values(), *sensors):
        return BAD
    names = [s.name for s in sensors]
    if len(set(names)) != len(names):
        return ck.add(path + ("sensors",), names, "sensor names repeat", "give each its own name")
    cited = {key for key, _ in parts["sources"]}
    missing = [k for k in CLASS_NUMBER_KEYS if k in value and k not in cited]
    for sensor, written in zip(sensors, sensors_raw):
        for key in SENSOR_NUMBER_KEYS:
            if key in written and f"sensors.{sensor.name}" not in cited \
                    and f"sensors.{sensor.name}.{key}" not in cited:
                missing.append(f"sensors.{sensor.name}.{key}")
    if missing:
        return ck.add(path + ("sources",), MISSING, f"no source for {', '.join(missing)}",
                      "cite the public document of every number (or 'sensors.<name>' for a "
                      "sensor's illustrative values)", key=True)
    satellite = parts["kind"] == "satellite"
    altitude = parts["altitude"]
    return PlatformClass(
        id=parts["id"], name=parts["name"], kind=parts["kind"],
        description=" ".join(parts["description"].split()),
        altitude_m=altitude,
        speed_m_s=(circular_orbit_ground_speed_m_s(EARTH_RADIUS_M, altitude) if satellite
                   else parts["speed"]),
        endurance_s=None if satellite else parts["endurance"],
        bank_angle_rad=None if satellite else parts["bank_angle"],
        sensors=tuple(sensors),
        sources=tuple(f"{key}: {cite}" for key, cite in parts["sources"]))


def read_catalog(path) -> dict[str, PlatformClass]:
    """Read and check a catalog file (not cached). Raises ScenarioError with every problem."""
    data, marks = read_yaml_file(path)
    ck = Checker(str(path), marks)
    top = read_mapping(ck, data, (), {
        "note": text(required=True, example="numbers are illustrative"),
        "classes": raw(required=True, example="[...]"),
    }, what="the catalog")
    catalog: dict[str, PlatformClass] = {}
    if top is not BAD and isinstance(data.get("classes"), list):
        for i, item in enumerate(data["classes"]):
            cls = _parse_class(ck, ("classes", i), item)
            if cls is BAD:
                continue
            if cls.id in catalog:
                ck.add(("classes", i, "id"), cls.id, "class id repeats", "give each class its own id")
                continue
            catalog[cls.id] = cls
    elif top is not BAD and "classes" in data:
        ck.add(("classes",), data["classes"], "expected a list of classes", "write '- id: ...' items")
    if ck.problems:
        raise ScenarioError(in_file_order(ck.problems))
    return catalog


@functools.lru_cache(maxsize=4)
def _cached(path: str) -> dict[str, PlatformClass]:
    return read_catalog(path)


def load_catalog(path: Optional[Path] = None) -> dict[str, PlatformClass]:
    """The platform classes by id, in file order (cached; do not mutate the dict)."""
    return _cached(str(path or CATALOG_PATH))


# ---------------------------------------------------------------------------- formatting

def _finite(x: Optional[float], scale: float = 1.0) -> Optional[float]:
    if x is None or not math.isfinite(x):
        return None
    return round(x / scale, 9)


def sensor_as_dict(sensor: SensorSpec) -> dict:
    """JSON form of a sensor: only the keys of its kind; None for 'no limit'."""
    deg = math.pi / 180.0
    out: dict[str, Any] = {"name": sensor.name, "kind": sensor.kind,
                           "min_elevation_deg": _finite(sensor.min_elevation_rad, deg),
                           "max_range_m": _finite(sensor.max_range_m)}
    if sensor.kind == "horizon":
        out.update(radio=sensor.radio, target_height_m=sensor.target_height_m)
    elif sensor.kind == "conic":
        out["max_off_nadir_deg"] = _finite(sensor.max_off_nadir_rad, deg)
    elif sensor.kind == "side-looking":
        out.update(near_range_m=_finite(sensor.near_range_m), far_range_m=_finite(sensor.far_range_m),
                   sides=sensor.sides, max_squint_deg=_finite(sensor.max_squint_rad, deg))
    else:
        out.update(half_angle_deg=_finite(sensor.half_angle_rad, deg),
                   along_half_angle_deg=_finite(sensor.along_half_angle_rad, deg))
    if sensor.kind != "horizon":
        out.update(focal_length_m=sensor.focal_length_m, pixel_pitch_m=sensor.pixel_pitch_m,
                   max_gsd_m=sensor.max_gsd_m)
    out.update(needs_daylight=sensor.needs_daylight, blocked_by_clouds=sensor.blocked_by_clouds)
    return out


def catalog_as_dict(catalog: dict[str, PlatformClass]) -> dict:
    """{"note": ..., "classes": [{id, name, kind, description, altitude_m, speed_m_s,
    endurance_s, bank_angle_deg, sensors: [...], sources: [...]}, ...]} (JSON-ready)."""
    deg = math.pi / 180.0
    return {"note": NOTE, "classes": [
        {"id": c.id, "name": c.name, "kind": c.kind, "description": c.description,
         "altitude_m": c.altitude_m, "speed_m_s": round(c.speed_m_s, 6),
         "endurance_s": c.endurance_s, "bank_angle_deg": _finite(c.bank_angle_rad, deg),
         "sensors": [sensor_as_dict(s) for s in c.sensors], "sources": list(c.sources)}
        for c in catalog.values()]}


def _sensor_summary(sensor: SensorSpec) -> str:
    deg = math.pi / 180.0
    bits = []
    if sensor.min_elevation_rad > 0:
        bits.append(f"elevation >= {sensor.min_elevation_rad / deg:g} deg")
    if math.isfinite(sensor.max_range_m):
        bits.append(f"range <= {sensor.max_range_m / 1000:g} km")
    if sensor.kind == "horizon":
        bits.append("radio horizon" if sensor.radio else "line of sight")
    elif sensor.kind == "conic" and sensor.max_off_nadir_rad < math.pi / 2:
        bits.append(f"off-nadir <= {sensor.max_off_nadir_rad / deg:g} deg")
    elif sensor.kind == "side-looking":
        far = f"{sensor.far_range_m / 1000:g}" if math.isfinite(sensor.far_range_m) else "inf"
        bits.append(f"ground range {sensor.near_range_m / 1000:g}-{far} km, {sensor.sides} sides")
        if sensor.max_squint_rad < math.pi / 2:
            bits.append(f"squint <= {sensor.max_squint_rad / deg:g} deg")
    elif sensor.kind == "nadir-swath":
        bits.append(f"half-angle {sensor.half_angle_rad / deg:g} deg")
    if sensor.max_gsd_m is not None:
        bits.append(f"GSD <= {sensor.max_gsd_m:g} m")
    if sensor.needs_daylight:
        bits.append("daylight only")
    if sensor.blocked_by_clouds:
        bits.append("blocked by clouds")
    return f"{sensor.name} ({sensor.kind}): " + ", ".join(bits)


def format_catalog(catalog: dict[str, PlatformClass]) -> str:
    """A readable table of the classes, with each sensor's main limits below its class."""
    deg = math.pi / 180.0
    header = f"{'class':<24} {'kind':<10} {'altitude':>10} {'speed':>11} {'endurance':>10} {'bank':>7}"
    lines = [header, "-" * len(header)]
    for c in catalog.values():
        speed = f"{c.speed_m_s * 3.6:,.0f} km/h" if c.kind == "aircraft" else "orbital"
        endurance = f"{c.endurance_s / 3600:g} h" if c.endurance_s is not None else "-"
        bank = f"{c.bank_angle_rad / deg:g} deg" if c.bank_angle_rad is not None else "-"
        lines.append(f"{c.id:<24} {c.kind:<10} {c.altitude_m / 1000:>7.1f} km {speed:>11} "
                     f"{endurance:>10} {bank:>7}")
        for sensor in c.sensors:
            lines.append(f"    {_sensor_summary(sensor)}")
    lines.append("")
    lines.append(NOTE + " Sources: assets/platforms.yaml (`isr-sim classes --json`).")
    return "\n".join(lines)
