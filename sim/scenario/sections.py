"""The scenario's sections other than its platforms: time, earth, geography, grid, terrain,
weather and airspace, each read into its dataclass of sim/schema.py (or BAD with its problems
recorded); and the check that the border and grid do not wrap around the planet.

The keys, their units and defaults are described in scenarios/FORMAT.md.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from sim.schema import (
    AirspaceSpec, EarthSpec, GeographySpec, GridSpec, SyntheticBorder, SyntheticCoast,
    TerrainSpec, TimeSpec, WeatherSpec,
)
from sim.scenario.fields import (
    BAD, MISSING, Checker, Field, boolean, choice, number, ok, position, quantity, read_mapping,
)
from sim.units import EARTH_RADIUS_M
from sim.world.terrain_file import TERRAIN_FILE_FIX, TerrainFileError, read_terrain_grid

US_MEXICO_MAP_LENGTH_M = 2_640_000.0   # Natural Earth 1:10m border length (docs/model.md)


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


def read_time(ck: Checker, value: Any, path=("time",)):
    """time: {start, duration, step} -> TimeSpec (start in UTC), or BAD."""
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


def read_earth(ck: Checker, value: Any, path=("earth",)):
    """earth: {radius, refraction_k} -> EarthSpec (the defaults when absent), or BAD."""
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


def read_geography(ck: Checker, value: Any, path=("geography",)):
    """geography: a preset (with own) or a synthetic border -> GeographySpec, or BAD."""
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


def read_grid(ck: Checker, value: Any, path=("grid",)):
    """grid: {cell, extent, side, land_only, bands} -> GridSpec (the defaults when absent),
    or BAD."""
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


def read_terrain(ck: Checker, value: Any, base_dir: Optional[Path], path=("terrain",)):
    """terrain: none, etopo5 or a terrain file (read now; relative to base_dir) ->
    TerrainSpec, or BAD."""
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
    try:
        read_terrain_grid(resolved)
    except TerrainFileError as error:
        where = "" if raw.is_absolute() else " (a relative path is read from the scenario file's folder)"
        return ck.add(path, value, error.rule + where, TERRAIN_FILE_FIX)
    return TerrainSpec(source="file", path=str(resolved))


def read_weather(ck: Checker, value: Any, path=("weather",)):
    """weather: none or {cloud_fraction, cloud_scale, cloud_period} -> WeatherSpec, None for
    no weather, or BAD."""
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


def read_airspace(ck: Checker, value: Any, path=("airspace",)):
    """airspace: {overflight} -> AirspaceSpec (the default when absent), or BAD."""
    if value is None:
        return AirspaceSpec()
    parts = read_mapping(ck, value, path, {
        "overflight": choice(("forbidden", "permitted"), default="forbidden"),
    }, what="the airspace section")
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return AirspaceSpec(parts["overflight"])


def refuse_wrapping(ck: Checker, geography: GeographySpec, grid: GridSpec, radius_m: float) -> None:
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
