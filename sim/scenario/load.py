"""Read and validate scenario files: the only YAML reader of the project.

YAML text -> plain data with the position of every node -> checked, converted to SI ->
the frozen dataclasses of sim/schema.py. Every problem a user can cause becomes a
sim.errors.Problem (file:line:col, key path, value, rule, fix); all the problems of one
file are raised together as one ScenarioError, sorted by line. Nothing is printed.

Safety: YAML is composed with PyYAML's SafeLoader (pure Python, so messages are the same
everywhere) and constructed here by hand: only plain tags (str, int, float, bool, null,
timestamp, map, seq, and the `<<` merge key) are accepted, duplicate keys are errors, the
file is at most MAX_FILE_BYTES, and anchors/aliases are expanded to at most MAX_NODES nodes
(so an alias bomb costs nothing) and at most MAX_DEPTH levels.

Units: every dimensional value is a number in the key's default unit or "<number> <unit>",
converted with sim.units.to_si. The default unit of each key is in scenarios/FORMAT.md.

References: YAML 1.1 (yaml.org/spec/1.1) for tags and merge keys; circular orbit speed
v = sqrt(mu / a) (Vallado, Fundamentals of Astrodynamics, eq. 1-28; SMAD sec. 6.1).
"""
from __future__ import annotations

import copy
import difflib
import math
import os
import re
import stat
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import yaml

from sim.errors import Problem, ScenarioError, short_value
from sim.units import EARTH_RADIUS_M, MU_EARTH_M3_S2, UnitError, to_si
from sim.schema import (
    SENSOR_KINDS, TRACK_KINDS, AirspaceSpec, BorderParallelTrack, EarthSpec, GeographySpec,
    GridSpec, LatLon, LoiterTrack, OnStation, OrbitTrack, PlatformClass, PlatformSpec,
    RacetrackTrack, RouteTrack, Scenario, SensorSpec, SyntheticBorder, SyntheticCoast,
    TerrainSpec, TimeSpec, WeatherSpec,
)

MAX_FILE_BYTES = 2_000_000      # a scenario is a few kB; refuse anything above 2 MB
MAX_NODES = 100_000             # expanded YAML nodes (anchors/aliases included)
MAX_DEPTH = 50                  # nesting levels
US_MEXICO_MAP_LENGTH_M = 2_640_000.0   # Natural Earth 1:10m border length (docs/model.md)

OVERRIDE_FILE = "--set"
_BAD = object()                 # marks a value that failed validation (a problem was recorded)
_MISSING = object()

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null")}
_TIMESTAMP_TAG = _STD + "timestamp"
_MERGE_TAG = _STD + "merge"


# ============================================================================ YAML reading

@dataclass(frozen=True)
class Mark:
    """Where a node was written. line/col 1-based: the value; key_line/key_col: its key
    (the same as the value for list items and the root). file None: the scenario file;
    OVERRIDE_FILE: a --set override (no line)."""
    line: int
    col: int
    key_line: int
    key_col: int
    file: Optional[str] = None


Marks = dict  # dict[tuple[str | int, ...], Mark]: key path -> Mark


def _problem(file: str, line: int = 0, col: int = 0, path: str = "", value: str = "",
             rule: str = "", fix: str = "") -> Problem:
    return Problem(file=file, line=line, col=col, path=path, value=value, rule=rule, fix=fix)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


class _Builder:
    """Plain data from a composed YAML node graph, with marks; collects problems."""

    def __init__(self, loader: yaml.SafeLoader, source: str):
        self.loader = loader
        self.source = source
        self.marks: Marks = {}
        self.problems: list[Problem] = []
        self.nodes = 0
        self.too_many = False
        self.active: set[int] = set()

    def _add(self, node: yaml.Node, rule: str, fix: str, path: tuple = ()) -> None:
        self.problems.append(_problem(self.source, node.start_mark.line + 1,
                                      node.start_mark.column + 1, _dotted(path), "", rule, fix))

    def build(self, node: yaml.Node, path: tuple, key_node: Optional[yaml.Node] = None):
        if self.too_many:
            return None
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.too_many = True
            self._add(node, f"the document expands to more than {MAX_NODES:,} YAML nodes "
                            "(anchors and aliases included)",
                      "write the scenario out plainly; it needs only a few hundred nodes")
            return None
        if len(path) > MAX_DEPTH:
            self.too_many = True
            self._add(node, f"nesting deeper than {MAX_DEPTH} levels",
                      "a scenario needs at most 6 levels of nesting")
            return None
        key = key_node if key_node is not None else node
        self.marks[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1,
                                key.start_mark.line + 1, key.start_mark.column + 1)
        if id(node) in self.active:
            self._add(node, "a recursive alias (a node that contains itself)",
                      "remove the alias that refers to its own ancestor", path)
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != _STD + "seq":
                    self._bad_tag(node, path)
                    return None
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            if node.tag != _STD + "map":
                self._bad_tag(node, path)
                return None
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _bad_tag(self, node: yaml.Node, path: tuple) -> None:
        self._add(node, f"unsupported YAML tag '{_tag_name(node.tag)}'",
                  "remove the tag: a scenario is plain data (numbers, strings, lists, mappings)",
                  path)

    def _scalar(self, node: yaml.ScalarNode, path: tuple):
        if node.tag == _TIMESTAMP_TAG:
            return node.value        # kept as text; the time section parses ISO 8601 itself
        if node.tag not in _SCALAR_TAGS:
            self._bad_tag(node, path)
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - an explicit tag on text that does not fit it
            self._add(node, f"'{node.value[:40]}' is not a valid {_tag_name(node.tag)}",
                      "remove the tag or fix the value", path)
            return None

    def _mapping(self, node: yaml.MappingNode, path: tuple) -> dict:
        out: dict = {}
        first_line: dict = {}
        merges: list = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._add(key_node, "a key must be a plain word, not a list or mapping",
                          "write 'key: value'", path)
                continue
            key = key_node.value
            if key in out:
                self._add(key_node, f"duplicate key '{key}' (first at line {first_line[key]})",
                          "keep only one of them", path + (key,))
                continue
            first_line[key] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, path + (key,), key_node)
        for merge_node in merges:           # YAML 1.1 merge key: explicit keys win
            sources = merge_node.value if isinstance(merge_node, yaml.SequenceNode) else [merge_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self._add(merge_node, "'<<' must refer to a mapping (or a list of them)",
                              "write '<<: *anchor' where &anchor names a mapping", path)
                    break
                merged = self.build(source, path + ("<<",))
                self.marks.pop(path + ("<<",), None)
                if isinstance(merged, dict):
                    for k, v in merged.items():
                        if k not in out:
                            out[k] = v
                            sub = self.marks.get(path + ("<<", k))
                            if sub is not None:
                                self.marks[path + (k,)] = sub
        for stale in [p for p in self.marks if len(p) > len(path) and p[len(path)] == "<<"
                      and p[:len(path)] == path]:
            del self.marks[stale]
        return out


def _yaml_error_problem(error: Exception, source: str, text: str) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = f" ({error.context})" if error.context else ""
        return _problem(source, mark.line + 1, mark.column + 1, "", "",
                        f"YAML syntax error: {error.problem}{context}",
                        "check indentation, colons and quotes here (a text containing ': ' "
                        "or starting with a special character needs quotes)")
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, error.position) + 1
        col = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        return _problem(source, line, col, "", "",
                        f"YAML cannot contain the control character #x{error.character:04x}",
                        "remove it; a scenario is plain text")
    return _problem(source, 1, 1, "", "", f"YAML error: {error}", "check the file's syntax")


# Characters YAML 1.1 does not allow in a stream (its "printable" set, spec sec. 5.1): C0
# controls but tab, line feed and carriage return; DEL; C1 controls but NEL; surrogates;
# U+FFFE and U+FFFF.
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD"
                            "\U00010000-\U0010FFFF]")


def parse_yaml_text(text: str, source: str = "<string>") -> tuple[Any, Marks]:
    """Parse YAML text safely. Returns (data, marks): plain Python data (dict, list, str, int,
    float, bool, None; timestamps stay text) and the Mark of every key path. Raises
    ScenarioError for syntax errors, unsupported tags, duplicate keys, bombs, empty text."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError(_problem(source, 0, 0, "", "",
                                     f"larger than {MAX_FILE_BYTES // 1_000_000} MB",
                                     "a scenario is a few kB: is this the right file?"))
    if "\x00" in text:
        raise ScenarioError(_problem(source, 1, 1, "", "", "not a text file (contains NUL bytes)",
                                     "give a YAML scenario file"))
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ScenarioError(_problem(source, line, col, "", "",
                                     f"the character U+{ord(bad.group()):04X} is not allowed "
                                     "in YAML (control characters and unpaired surrogates "
                                     "are not, even in a comment)",
                                     "remove it; a scenario is plain text"))
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as error:        # the reader's own check, should ours miss one
        raise ScenarioError(_yaml_error_problem(error, source, text)) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as error:
            raise ScenarioError(_yaml_error_problem(error, source, text)) from None
        except RecursionError:
            raise ScenarioError(_problem(source, 1, 1, "", "", "nesting too deep for YAML",
                                         "a scenario needs at most 6 levels of nesting")) from None
        if node is None:
            raise ScenarioError(_problem(source, 1, 1, "", "", "the file is empty",
                                         "start from scenarios/examples/one-recon-racetrack.yaml"))
        builder = _Builder(loader, source)
        data = builder.build(node, ())
    finally:
        loader.dispose()
    if builder.problems:
        raise ScenarioError(_sorted(builder.problems))
    return data, builder.marks


def read_yaml_file(path) -> tuple[Any, Marks]:
    """Read a YAML file (at most MAX_FILE_BYTES, UTF-8) safely: see parse_yaml_text. The file
    name in messages is `str(path)` as given."""
    source = str(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO, device or socket"
            raise ScenarioError(_problem(source, 0, 0, "", "", f"not a regular file ({what})",
                                         "give the path of a YAML scenario file"))
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(_problem(source, 0, 0, "", "",
                                         f"the file is {size:,} bytes, larger than "
                                         f"{MAX_FILE_BYTES // 1_000_000} MB",
                                         "a scenario is a few kB: is this the right file?"))
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError(_problem(source, 0, 0, "", "",
                                     f"cannot read the file ({error.strerror or error})",
                                     "check the path")) from None
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ScenarioError(_problem(source, line, 1, "", "", "not a text file (contains NUL bytes)",
                                     "give a YAML scenario file (UTF-8 text)"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ScenarioError(_problem(source, line, 1, "", "",
                                     f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
                                     f"{error.start})", "save the file as UTF-8")) from None
    return parse_yaml_text(text, source)


# ============================================================================ checking

def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file == OVERRIDE_FILE, p.line == 0, p.line, p.col))


def _suggest(word: str, options: Iterable[str]) -> Optional[str]:
    found = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return found[0] if found else None


def _choices(options: Iterable[str]) -> str:
    return ", ".join(options)


class Checker:
    """Collects located problems while values are checked. `where` finds the mark of a path
    (or of its nearest marked ancestor, pointing at that ancestor's key)."""

    def __init__(self, source: str, marks: Marks):
        self.source = source
        self.marks = marks
        self.problems: list[Problem] = []
        self._border: Any = _MISSING      # the BorderLine once the geography is read

    def set_border(self, geography: Any, radius_m: float) -> None:
        """Make the scenario's border available to positions in border terms (lazily:
        the preset's polyline is read only when a position or a range needs it)."""
        self._border = (geography, radius_m)

    def border_line(self):
        """The BorderLine, None when the geography is bad (its problem is already recorded),
        or _MISSING before the geography is read."""
        if isinstance(self._border, tuple):
            geography, radius_m = self._border
            if geography is _BAD:
                self._border = None
            else:
                from sim.scenario.border_position import border_line
                self._border = border_line(geography, radius_m)
        return self._border

    def where(self, path: tuple, key: bool = False) -> tuple[str, int, int]:
        probe = path
        exact = True
        while probe not in self.marks and probe:
            probe = probe[:-1]
            exact = False
        mark = self.marks.get(probe)
        if mark is None:
            return self.source, 0, 0
        if mark.file is not None:
            return mark.file, 0, 0
        if exact and not key:
            return self.source, mark.line, mark.col
        return self.source, mark.key_line, mark.key_col

    def add(self, path: tuple, value: Any, rule: str, fix: str, key: bool = False,
            shown: Optional[str] = None) -> object:
        """Record a problem; returns _BAD so callers can `return ck.add(...)`."""
        file, line, col = self.where(path, key)
        text = shown if shown is not None else ("" if value is _MISSING else short_value(value))
        self.problems.append(_problem(file, line, col, _dotted(path), text, rule, fix))
        return _BAD


def _ok(*values) -> bool:
    return all(v is not _BAD for v in values)


class Field:
    """How one key of a mapping is read: parse(ck, path, value) -> value or _BAD."""

    def __init__(self, parse: Callable, required: bool = False, default: Any = None,
                 example: str = ""):
        self.parse = parse
        self.required = required
        self.default = default
        self.example = example


def read_mapping(ck: Checker, value: Any, path: tuple, fields: dict[str, Field],
                 what: str = "",
                 misplaced: Optional[Callable[[str], Optional[tuple[str, str]]]] = None):
    """Check `value` is a mapping with only `fields`' keys; parse each. Returns a dict of
    parsed values (defaults for absent keys; _BAD for bad ones) or _BAD if not a mapping.
    misplaced(key) may give a special (rule, fix) for an unknown key."""
    if not isinstance(value, dict):
        example = ", ".join(f"{k}: {f.example}" for k, f in fields.items() if f.required)
        return ck.add(path, value, f"expected a mapping{' (' + what + ')' if what else ''}",
                      f"write {{{example}}}" if example else
                      f"write keys among: {_choices(fields)}")
    out: dict = {}
    for key in value:
        if key not in fields:
            special = misplaced(key) if misplaced else None
            if special:
                ck.add(path + (key,), _MISSING, special[0], special[1], key=True)
                continue
            guess = _suggest(key, fields)
            hint = f"did you mean '{guess}'? " if guess else ""
            ck.add(path + (key,), _MISSING, "unknown key",
                   f"{hint}keys here: {_choices(fields)}", key=True)
    for key, field in fields.items():
        if key in value:
            out[key] = field.parse(ck, path + (key,), value[key])
        elif field.required:
            out[key] = ck.add(path + (key,), _MISSING, "missing required key",
                              f"add '{key}: {field.example}'")
        else:
            out[key] = field.default
    return out


# ---------------------------------------------------------------------------- value parsers

def _range_rule(lo, hi, lo_open, hi_open, unit: str) -> str:
    u = f" {unit}" if unit else ""
    if hi is None:
        return f"must be {'more than' if lo_open else 'at least'} {lo:g}{u}"
    if lo is None:
        return f"must be {'less than' if hi_open else 'at most'} {hi:g}{u}"
    return f"must be in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}{u}"


def _in_range(x: float, lo, hi, lo_open: bool, hi_open: bool) -> bool:
    if lo is not None and not (x > lo if lo_open else x >= lo):
        return False
    if hi is not None and not (x < hi if hi_open else x <= hi):
        return False
    return True


def quantity(kind: str, unit: str, lo=None, hi=None, lo_open=False, hi_open=False,
             range_unit: Optional[str] = None, fix: str = "", required: bool = False,
             default: Any = None, example: str = "") -> Field:
    """A dimensional value: number in `unit` or "<number> <unit>" -> SI float. The range is
    in `range_unit` (default: `unit`)."""
    from sim.units import QUANTITY_UNITS
    shown_unit = range_unit or unit
    scale = QUANTITY_UNITS[kind][shown_unit]

    def parse(ck: Checker, path: tuple, value: Any):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e300:
            return ck.add(path, value, "the number is too large", "write an ordinary number")
        try:
            si = to_si(value, kind, unit)
        except UnitError as error:
            return ck.add(path, value, error.rule, error.fix)
        if not _in_range(si / scale, lo, hi, lo_open, hi_open):
            return ck.add(path, value, _range_rule(lo, hi, lo_open, hi_open, shown_unit),
                          fix or "write a value in that range")
        return si
    return Field(parse, required, default, example or f"10 {unit}")


def _as_number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) < 1e300 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def number(lo=None, hi=None, lo_open=False, hi_open=False, fix: str = "",
           required: bool = False, default: Any = None, example: str = "1") -> Field:
    """A plain (dimensionless) finite number."""
    def parse(ck: Checker, path: tuple, value: Any):
        x = _as_number(value)
        if x is None:
            return ck.add(path, value, "expected a number", f"write e.g. {example}")
        if not _in_range(x, lo, hi, lo_open, hi_open):
            return ck.add(path, value, _range_rule(lo, hi, lo_open, hi_open, ""),
                          fix or "write a value in that range")
        return x
    return Field(parse, required, default, example)


def boolean(default: bool = False) -> Field:
    def parse(ck: Checker, path: tuple, value: Any):
        if not isinstance(value, bool):
            return ck.add(path, value, "expected true or false", "write true or false (no quotes)")
        return value
    return Field(parse, False, default, "true")


def choice(options: tuple[str, ...], default: Optional[str] = None, required: bool = False) -> Field:
    def parse(ck: Checker, path: tuple, value: Any):
        if not isinstance(value, str) or value not in options:
            guess = _suggest(value, options) if isinstance(value, str) else None
            hint = f"did you mean '{guess}'? " if guess else ""
            return ck.add(path, value, f"must be one of {_choices(options)}", f"{hint}write one of them")
        return value
    return Field(parse, required, default, options[0])


def text(required: bool = False, default: str = "", example: str = "a name",
         nonempty: bool = True) -> Field:
    def parse(ck: Checker, path: tuple, value: Any):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return ck.add(path, value, "expected a text", f"write e.g. {example}")
        if nonempty and not value.strip():
            return ck.add(path, value, "must not be empty", f"write e.g. {example}")
        return value.strip() if nonempty else value
    return Field(parse, required, default, example)


_BORDER_KEYS = ("along", "offset")


def _parse_border_position(ck: Checker, path: tuple, value: dict):
    """{along, offset} relative to the scenario's border -> LatLon (sim/scenario/border_position.py)."""
    def mixed(key: str) -> Optional[tuple[str, str]]:
        if key in ("lat", "lon"):
            return ("a position is either {lat, lon} or {along, offset}, not both",
                    "keep one pair")
        return None
    parts = read_mapping(ck, value, path, {
        "along": quantity("length", "km", 0, required=True, example="800 km",
                          fix="ground distance along the border from its start"),
        "offset": quantity("length", "km", -5000, 5000, required=True, example="-40 km",
                           fix="ground distance across the border: negative on the own side, "
                               "positive on the neighbour's side"),
    }, what="a position in border terms {along, offset}", misplaced=mixed)
    border = ck.border_line()
    if border is _MISSING:
        return ck.add(path, value, "a position in border terms needs the border, which is "
                      "not defined yet here", "write {lat: 31.5, lon: -110.2}")
    if parts is _BAD or not _ok(*parts.values()) or border is None:
        return _BAD
    if parts["along"] > border.length_m * (1 + 1e-12):
        return ck.add(path + ("along",), value["along"],
                      f"beyond the end of the border ({border.length_m / 1000:g} km)",
                      "give a distance along the border within its length (along: 0 is its "
                      "start, see scenarios/FORMAT.md)")
    return border.position(parts["along"], parts["offset"])


def _parse_position(ck: Checker, path: tuple, value: Any):
    if isinstance(value, dict) and any(k in value for k in _BORDER_KEYS):
        return _parse_border_position(ck, path, value)
    if isinstance(value, list):
        if len(value) == 2 and all(_as_number(v) is not None for v in value):
            fix = (f"write {{lat: {value[0]}, lon: {value[1]}}} (check the order: "
                   f"latitude first, north positive; longitude east positive)")
        else:
            fix = "write {lat: 31.5, lon: -110.2} (decimal degrees)"
        return ck.add(path, value, "a position is a mapping {lat, lon}, not a list", fix)
    parts = read_mapping(ck, value, path, {
        "lat": number(-90, 90, required=True, example="31.5",
                      fix="latitude is in decimal degrees, north positive"),
        "lon": number(-180, 180, required=True, example="-110.2",
                      fix="longitude is in decimal degrees, east positive (west negative)"),
    }, what="a position {lat, lon}")
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
    return LatLon(parts["lat"], parts["lon"])


def position(required: bool = False, default: Any = None) -> Field:
    return Field(_parse_position, required, default, "{lat: 31.5, lon: -110.2}")


# ============================================================================ sensors

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
    """An inline sensor mapping -> SensorSpec or _BAD (problems recorded in ck)."""
    fields = _sensor_fields()
    if not isinstance(value, dict):
        return ck.add(path, value, "expected a sensor name or a sensor mapping",
                      "write a class sensor's name, or {name: .., kind: conic, ...}")
    kind = value.get("kind")
    if kind in SENSOR_KEYS:
        allowed = SENSOR_KEYS[kind]

        def wrong_kind(key: str) -> Optional[tuple[str, str]]:
            if key in fields:
                return (f"not a key of a {kind} sensor",
                        f"{kind} sensors take: {_choices(allowed)}")
            return None
        kind_fields = {k: fields[k] for k in allowed}
        parts = read_mapping(ck, value, path, kind_fields, misplaced=wrong_kind)
        if parts is _BAD or not _ok(*parts.values()):
            return _BAD
    else:
        # Report the kind (and a missing name); other keys cannot be judged without a kind.
        parts = read_mapping(ck, {k: v for k, v in value.items() if k in ("name", "kind")},
                             path, {"name": fields["name"], "kind": fields["kind"]})
        return _BAD
    values = {k: parts.get(k, fields[k].default) for k in fields}
    bad = False
    if kind == "side-looking" and values["near_range"] >= values["far_range"]:
        ck.add(path + ("near_range",), value.get("near_range", _MISSING),
               "near_range must be less than far_range",
               "near_range and far_range are ground ranges from the track, e.g. 20 km and 160 km")
        bad = True
    has_f, has_p = values["focal_length"] is not None, values["pixel_pitch"] is not None
    if has_f != has_p:
        missing = "pixel_pitch" if has_f else "focal_length"
        ck.add(path + (missing,), _MISSING, "focal_length and pixel_pitch go together",
               f"add '{missing}' (GSD = slant range x pixel_pitch / focal_length) or remove the other")
        bad = True
    if values["max_gsd"] is not None and not (has_f and has_p):
        ck.add(path + ("max_gsd",), value.get("max_gsd", _MISSING),
               "max_gsd needs focal_length and pixel_pitch",
               "add focal_length and pixel_pitch (GSD = slant range x pixel_pitch / focal_length)")
        bad = True
    if bad:
        return _BAD
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
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
    if parts["step"] > parts["duration"]:
        return ck.add(path + ("step",), value.get("step", _MISSING), "step must not exceed duration",
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
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
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
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
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
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
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
    if parts is _BAD:
        return _BAD
    has_preset = isinstance(value, dict) and "preset" in value
    has_synth = isinstance(value, dict) and "synthetic" in value
    if has_preset and has_synth:
        return ck.add(path, _MISSING, "both preset and synthetic are given",
                      "keep exactly one of them", key=True)
    if not has_preset and not has_synth:
        return ck.add(path + ("preset",), _MISSING, "missing preset or synthetic",
                      "add 'preset: us-mexico' (with 'own: us') or a 'synthetic:' border")
    if has_preset and "own" not in value:
        return ck.add(path + ("own",), _MISSING, "missing required key with a preset",
                      "add 'own: us' or 'own: mexico' (the collectors' side)")
    if has_synth and "own" in value:
        return ck.add(path + ("own",), value["own"], "own is for a preset only",
                      "for a synthetic border use synthetic.own_side: left or right", key=True)
    if not _ok(*parts.values()):
        return _BAD
    return GeographySpec(parts["preset"], parts["own"], parts["synthetic"],
                         parts["territorial_sea"])


def _parse_bands(ck: Checker, path: tuple, value: Any):
    if not isinstance(value, list) or not value:
        return ck.add(path, value, "expected a non-empty list of distances",
                      "write e.g. [25 km, 100 km, 250 km]")
    field = quantity("length", "km", 0, lo_open=True, fix="band edges are distances from the border")
    bands = [field.parse(ck, path + (i,), item) for i, item in enumerate(value)]
    if not _ok(*bands):
        return _BAD
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
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
    if parts["cell"] > parts["extent"]:
        return ck.add(path + ("cell",), value.get("cell", _MISSING), "cell is larger than extent",
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
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
    return WeatherSpec(parts["cloud_fraction"], parts["cloud_scale"], parts["cloud_period"])


def _read_airspace(ck: Checker, value: Any, path=("airspace",)):
    if value is None:
        return AirspaceSpec()
    parts = read_mapping(ck, value, path, {
        "overflight": choice(("forbidden", "permitted"), default="forbidden"),
    }, what="the airspace section")
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
    return AirspaceSpec(parts["overflight"])


# ---------------------------------------------------------------------------- tracks

_DIRECTION = ("cw", "ccw")


def _parse_waypoints(ck: Checker, path: tuple, value: Any):
    if not isinstance(value, list) or len(value) < 2:
        return ck.add(path, value, "a route needs a list of at least 2 waypoints",
                      "write [{lat: 31.5, lon: -111.0}, {lat: 31.6, lon: -110.0}]")
    points = [_parse_position(ck, path + (i,), item) for i, item in enumerate(value)]
    if not _ok(*points):
        return _BAD
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
    if heading is _BAD and len(ck.problems) > before:
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
    """-> (kind, TrackSpec) or _BAD."""
    if not isinstance(value, dict):
        return ck.add(path, value, "expected a mapping with one track",
                      f"write e.g. {{racetrack: {{center: .., length: .., heading: ..}}}}; "
                      f"kinds: {_choices(TRACK_KINDS)}")
    unknown = [k for k in value if k not in TRACK_KINDS]
    for key in unknown:
        guess = _suggest(key, TRACK_KINDS)
        hint = f"did you mean '{guess}'? " if guess else ""
        ck.add(path + (key,), _MISSING, "unknown track kind", f"{hint}kinds: {_choices(TRACK_KINDS)}",
               key=True)
    kinds = [k for k in value if k in TRACK_KINDS]
    if len(kinds) > 1:
        return ck.add(path, _MISSING, f"more than one track ({', '.join(kinds)})",
                      "a platform flies exactly one track: keep one", key=True)
    if not kinds:
        if unknown:
            return _BAD
        return ck.add(path, _MISSING, "no track given",
                      f"add exactly one of {_choices(TRACK_KINDS)}", key=True)
    kind = kinds[0]
    sub = path + (kind,)
    parts = read_mapping(ck, value[kind], sub, _track_fields(kind), what=f"a {kind} track")
    if parts is _BAD or not _ok(*parts.values()) or unknown:
        return _BAD
    if kind == "racetrack":
        heading = parts["heading"]
        if heading == ALONG_BORDER:
            border = ck.border_line()
            if border is None:          # the geography's problem is already recorded
                return _BAD
            heading = border.bearing_rad(border.nearest_along_m(parts["center"]))
        return kind, RacetrackTrack(parts["center"], parts["length"], heading,
                                    parts["width"], parts["direction"])
    if kind == "loiter":
        return kind, LoiterTrack(parts["center"], parts["radius"], parts["direction"])
    if kind == "route":
        points = parts["waypoints"]
        if parts["repeat"] == "loop" and _nearly_antipodal(points[-1], points[0]):
            return ck.add(sub + ("waypoints",), _MISSING, "the last waypoint is opposite the "
                          "first on the globe: the loop's closing great circle is not defined",
                          "add a waypoint to choose the way back, or use repeat: reverse",
                          key=True)
        return kind, RouteTrack(points, parts["repeat"])
    if kind == "border_parallel":
        start, end = parts["from"], parts["to"]
        if end is not None and end <= start:
            return ck.add(sub + ("to",), value[kind].get("to", _MISSING), "'to' must be more than 'from'",
                          "give distances along the border with from < to")
        if border_length_m is None and ck.border_line() not in (None, _MISSING):
            border_length_m = ck.border_line().length_m      # a preset's map border
        if border_length_m is not None:
            for key, dist in (("from", start), ("to", end)):
                if dist is not None and dist > border_length_m * (1 + 1e-12):
                    return ck.add(sub + (key,), value[kind].get(key, _MISSING),
                                  f"beyond the end of the border ({border_length_m / 1000:g} km)",
                                  "give a distance along the border within its length")
        return kind, BorderParallelTrack(parts["offset"], start, end)
    return kind, OrbitTrack(parts["altitude"], parts["inclination"], parts["raan"], parts["phase"])


# ---------------------------------------------------------------------------- platforms

_PLATFORM_KEYS = ("name", "class", "altitude", "speed", "endurance", "bank_angle", "sensors",
                  "track", "phase", "on_station", "base")


def _parse_on_station(ck: Checker, path: tuple, value: Any):
    parts = read_mapping(ck, value, path, {
        "start": quantity("time", "s", 0, default=0.0, fix="time after time.start"),
        "duration": quantity("time", "s", 0, lo_open=True, default=None,
                             fix="omit it to stay until the end of the scenario"),
    }, what="{start, duration}")
    if parts is _BAD or not _ok(*parts.values()):
        return _BAD
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
                out.append(_BAD)
            elif item in by_name:
                out.append(by_name[item])
            else:
                guess = _suggest(item, by_name)
                hint = f"did you mean '{guess}'? " if guess else ""
                out.append(ck.add(path + (i,), item, f"not a sensor of class {cls.id}",
                                  f"{hint}its sensors: {_choices(by_name)}"))
        else:
            out.append(parse_sensor(ck, path + (i,), item))
    if not _ok(*out):
        return _BAD
    seen: set = set()
    for i, sensor in enumerate(out):
        if sensor.name in seen:
            return ck.add(path + (i,), value[i] if isinstance(value[i], str) else sensor.name,
                          "the same sensor name twice", "give each sensor of a platform its own name")
        seen.add(sensor.name)
    return tuple(out)


def _ground_speed_circular_m_s(radius_m: float, altitude_m: float) -> float:
    """Speed of the sub-satellite point of a circular orbit over a non-rotating sphere:
    v = sqrt(mu / a) * R / a, a = R + h (Vallado eq. 1-28 scaled to the ground)."""
    a = radius_m + altitude_m
    return math.sqrt(MU_EARTH_M3_S2 / a) * radius_m / a


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
    if parts is _BAD:
        return _BAD
    if cls is None and "class" in value:
        guess = _suggest(class_id, catalog) if isinstance(class_id, str) else None
        hint = f"did you mean '{guess}'? " if guess else ""
        ck.add(path + ("class",), class_id, "unknown platform class",
               f"{hint}classes: {_choices(catalog)} (see `isr-sim classes`)")
    sensors = (_read_sensors(ck, value["sensors"], path + ("sensors",), cls)
               if "sensors" in value else (cls.sensors if cls else _BAD))
    track = _read_track(ck, value["track"], path + ("track",), border_length_m) \
        if "track" in value else _BAD
    on_station = parts["on_station"] if parts["on_station"] is not None else OnStation()
    if cls is None:
        return _BAD
    track_kind = track[0] if track is not _BAD else None
    if track_kind == "orbit" and not satellite:
        ck.add(path + ("track", "orbit"), _MISSING, f"an orbit needs a satellite class ({cls.id} "
               "is an aircraft)", "use class leo-imaging-satellite, or an aircraft track "
               "(racetrack, loiter, route, border_parallel)", key=True)
        track = _BAD
    if satellite and track_kind not in (None, "orbit"):
        ck.add(path + ("track", track_kind), _MISSING, f"a satellite flies only an orbit ({cls.id})",
               "write track: {orbit: {altitude: 705 km, inclination: 98.2 deg}}", key=True)
        track = _BAD
    if not _ok(*parts.values(), on_station, sensors, track):
        return _BAD
    if duration_s is not None:
        end = on_station.start_s + (on_station.duration_s or 0.0)
        if on_station.start_s >= duration_s or end > duration_s * (1 + 1e-12):
            ck.add(path + ("on_station",), _MISSING,
                   f"outside the scenario (time.duration is {duration_s / 3600:g} h)",
                   "start and end the time on station within time.duration")
            return _BAD
    spec = track[1]
    if satellite:
        altitude = spec.altitude_m
        speed = _ground_speed_circular_m_s(radius_m, altitude)
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
                out[i] = _BAD
            else:
                seen[name.strip()] = i
    if not _ok(*out):
        return _BAD
    return tuple(out)


# ============================================================================ overrides

def _apply_override(data: dict, marks: Marks, text_: str, problems: list[Problem]) -> None:
    """Apply one KEY=VALUE to the raw document, in place."""
    def bad(rule: str, fix: str) -> None:
        problems.append(_problem(OVERRIDE_FILE, 0, 0, "", short_value(text_, 80), rule, fix))

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
                return bad(f"'{_dotted(path) or '(top)'}' is a list: '{key}' is not an index",
                           "use a number from 0, e.g. platforms.0.altitude")
            index = int(key)
            if index >= len(node):
                return bad(f"'{_dotted(path)}' has {len(node)} item(s): no index {index}",
                           f"use an index from 0 to {len(node) - 1}")
            step: Any = index
        elif isinstance(node, dict):
            step = key
            if not last and node.get(key) is None:
                node[key] = {}
        else:
            return bad(f"'{_dotted(path)}' is a single value, not a section",
                       f"set '{_dotted(path)}' itself")
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
            ck.add(key, _MISSING, f"longer than half the circumference of the Earth "
                   f"({half_m / 1000:,.0f} km at earth.radius {radius_m / 1000:,.0f} km): the "
                   "border would wrap around the planet",
                   f"use a length of at most {half_m / 1000:,.0f} km")
            return
    else:                        # the preset's border scales with the sphere
        length_m = US_MEXICO_MAP_LENGTH_M * radius_m / EarthSpec().radius_m
    reach_m = 0.5 * length_m + grid.extent_m
    if reach_m >= half_m:
        limit_km = math.floor((half_m - 0.5 * length_m) / 1000.0 - 1.0)
        ck.add(("grid", "extent"), _MISSING,
               f"the grid would reach past the antipode of the border's midpoint (half the "
               f"border {0.5 * length_m / 1000:,.0f} km + extent {grid.extent_m / 1000:,.0f} km "
               f">= half the circumference {half_m / 1000:,.0f} km)",
               f"use grid.extent below {max(limit_km, 0):,} km, a shorter border or a larger "
               "earth.radius")


_TOP_KEYS = ("name", "description", "seed", "time", "earth", "geography", "grid", "terrain",
             "weather", "airspace", "platforms")


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
        raise ScenarioError(_problem(source, 1, 1, "", short_value(data),
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
    if seed is not _BAD and (not isinstance(seed, int) or isinstance(seed, bool)
                             or not 0 <= seed < 2 ** 63):
        seed = ck.add(("seed",), seed, "must be a whole number from 0 to 2^63 - 1", "write e.g. 7")
    time_spec = _read_time(ck, data["time"]) if "time" in data else _BAD
    earth = _read_earth(ck, data.get("earth"))
    geography = _read_geography(ck, data["geography"]) if "geography" in data else _BAD
    grid = _read_grid(ck, data.get("grid"))
    terrain = _read_terrain(ck, data.get("terrain"), base_dir)
    if terrain is not _BAD and terrain.source == "etopo5" and geography is not _BAD \
            and geography.preset is None:
        terrain = ck.add(("terrain",), "etopo5", "etopo5 terrain needs a preset geography",
                         "use 'terrain: none' with a synthetic border, or a terrain file path")
    weather = _read_weather(ck, data.get("weather"))
    airspace = _read_airspace(ck, data.get("airspace"))
    border_length = None
    if geography is not _BAD and geography.synthetic is not None:
        border_length = geography.synthetic.length_m
    radius = earth.radius_m if earth is not _BAD else EarthSpec().radius_m
    ck.set_border(geography, radius)
    duration = time_spec.duration_s if time_spec is not _BAD else None
    platforms = (_read_platforms(ck, data["platforms"], catalog, radius, border_length, duration)
                 if "platforms" in data else _BAD)
    if geography is not _BAD and grid is not _BAD and earth is not _BAD:
        _wrap_guard(ck, geography, grid, earth.radius_m)
    if ck.problems:
        raise ScenarioError(_sorted(ck.problems))
    scenario = Scenario(name=top["name"], time=time_spec, geography=geography,
                        platforms=platforms, description=top["description"].strip(), seed=seed,
                        earth=earth, grid=grid, terrain=terrain, weather=weather,
                        airspace=airspace, source=source)
    from sim.scenario.preflight import preflight     # needs the tracks: after every rule
    scenario = preflight(scenario, ck, data, catalog)
    if ck.problems:
        raise ScenarioError(_sorted(ck.problems))
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
        raise ScenarioError(_problem("<string>", 0, 0, "", "", "this is YAML text, not a file name",
                                     "use load_scenario_text(text) for text"))
    data, marks = read_yaml_file(path)
    return build_scenario(data, marks, str(path), Path(path).resolve().parent, overrides)
