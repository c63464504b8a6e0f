"""The field-validation toolkit of scenario and catalog files: readers of one value each
that record a located problem and return BAD instead of raising, so that one pass over a
file reports every problem in it.

Checker collects the problems of one file, each located through the file's marks
(sim/scenario/marks.py); Field says how one key is read; read_mapping reads a mapping of
Fields (unknown keys get a "did you mean"). The value readers: quantity (a number with a
unit -> SI, sim.units), number, boolean, choice, text and position ({lat, lon}, or
{along, offset} measured from the scenario's border, sim/scenario/border_position.py).
"""
from __future__ import annotations

import difflib
import math
from typing import Any, Callable, Iterable, Optional

from sim.errors import Problem, short_value
from sim.schema import LatLon
from sim.scenario.border_position import border_line
from sim.scenario.marks import Marks, dotted
from sim.units import QUANTITY_UNITS, UnitError, to_si

BAD = object()          # a value that failed its check (its problem is recorded)
MISSING = object()      # no value to show in a message (e.g. a missing key)


def ok(*values) -> bool:
    """True when none of the values is BAD."""
    return all(v is not BAD for v in values)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """The hint "did you mean 'x'? " for the option x closest to word (difflib ratio at
    least 0.6), or "" when none is close."""
    found = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"did you mean '{found[0]}'? " if found else ""


def choices_text(options: Iterable[str]) -> str:
    """The options as listed in a message: "a, b, c"."""
    return ", ".join(options)


class Checker:
    """Collects the located problems of one file while its values are checked, and holds
    the scenario's border for positions given in border terms."""

    def __init__(self, source: str, marks: Marks):
        self.source = source
        self.marks = marks
        self.problems: list[Problem] = []
        self._border: Any = MISSING      # the BorderLine once the geography is read

    def set_border(self, geography: Any, radius_m: float) -> None:
        """Make the scenario's border available to positions in border terms (lazily:
        the preset's polyline is read only when a position or a range needs it)."""
        self._border = (geography, radius_m)

    def border_line(self):
        """The BorderLine, None when the geography is bad (its problem is already recorded),
        or MISSING before the geography is read."""
        if isinstance(self._border, tuple):
            geography, radius_m = self._border
            if geography is BAD:
                self._border = None
            else:
                self._border = border_line(geography, radius_m)
        return self._border

    def where(self, path: tuple, key: bool = False) -> tuple[str, int, int]:
        """(file, line, col) of path: its value, or its key when `key` is true or when only
        an ancestor is marked; (OVERRIDE_FILE, 0, 0) for a value set by --set."""
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
        """Record a problem; returns BAD so callers can `return ck.add(...)`."""
        file, line, col = self.where(path, key)
        text = shown if shown is not None else ("" if value is MISSING else short_value(value))
        self.problems.append(Problem(file, line, col, dotted(path), text, rule, fix))
        return BAD


class Field:
    """How one key of a mapping is read: parse(ck, path, value) -> value or BAD."""

    def __init__(self, parse: Callable, required: bool = False, default: Any = None,
                 example: str = ""):
        self.parse = parse
        self.required = required
        self.default = default
        self.example = example


def raw(required: bool = False, default: Any = None, example: str = "") -> Field:
    """A value taken as written, for its own reader to check (a section, a list)."""
    return Field(lambda ck, path, value: value, required, default, example)


def read_mapping(ck: Checker, value: Any, path: tuple, fields: dict[str, Field],
                 what: str = "",
                 misplaced: Optional[Callable[[str], Optional[tuple[str, str]]]] = None):
    """Check `value` is a mapping with only `fields`' keys; parse each. Returns a dict of
    parsed values (defaults for absent keys; BAD for bad ones) or BAD if not a mapping.
    misplaced(key) may give a special (rule, fix) for an unknown key."""
    if not isinstance(value, dict):
        example = ", ".join(f"{k}: {f.example}" for k, f in fields.items() if f.required)
        return ck.add(path, value, f"expected a mapping{' (' + what + ')' if what else ''}",
                      f"write {{{example}}}" if example else
                      f"write keys among: {choices_text(fields)}")
    out: dict = {}
    for key in value:
        if key not in fields:
            special = misplaced(key) if misplaced else None
            if special:
                ck.add(path + (key,), MISSING, special[0], special[1], key=True)
                continue
            ck.add(path + (key,), MISSING, "unknown key",
                   f"{did_you_mean(key, fields)}keys here: {choices_text(fields)}", key=True)
    for key, field in fields.items():
        if key in value:
            out[key] = field.parse(ck, path + (key,), value[key])
        elif field.required:
            out[key] = ck.add(path + (key,), MISSING, "missing required key",
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
    """value as a finite float (a number, or text that reads as one), else None."""
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
    """true or false, unquoted (a quoted "true" is text, and refused)."""
    def parse(ck: Checker, path: tuple, value: Any):
        if not isinstance(value, bool):
            return ck.add(path, value, "expected true or false", "write true or false (no quotes)")
        return value
    return Field(parse, False, default, "true")


def choice(options: tuple[str, ...], default: Optional[str] = None,
           required: bool = False) -> Field:
    """One of the words `options`."""
    def parse(ck: Checker, path: tuple, value: Any):
        if not isinstance(value, str) or value not in options:
            hint = did_you_mean(value, options) if isinstance(value, str) else ""
            return ck.add(path, value, f"must be one of {choices_text(options)}",
                          f"{hint}write one of them")
        return value
    return Field(parse, required, default, options[0])


def text(required: bool = False, default: str = "", example: str = "a name",
         nonempty: bool = True) -> Field:
    """A text (a number is taken as its text); stripped, and not empty when `nonempty`."""
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
    """{along, offset} relative to the scenario's border -> LatLon
    (sim/scenario/border_position.py)."""
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
    if border is MISSING:
        return ck.add(path, value, "a position in border terms needs the border, which is "
                      "not defined yet here", "write {lat: 31.5, lon: -110.2}")
    if parts is BAD or not ok(*parts.values()) or border is None:
        return BAD
    if parts["along"] > border.length_m * (1 + 1e-12):
        return ck.add(path + ("along",), value["along"],
                      f"beyond the end of the border ({border.length_m / 1000:g} km)",
                      "give a distance along the border within its length (along: 0 is its "
                      "start, see scenarios/FORMAT.md)")
    return border.position(parts["along"], parts["offset"])


def parse_position(ck: Checker, path: tuple, value: Any):
    """A position {lat, lon} in decimal degrees, or {along, offset} from the border -> LatLon
    or BAD."""
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
    if parts is BAD or not ok(*parts.values()):
        return BAD
    return LatLon(parts["lat"], parts["lon"])


def position(required: bool = False, default: Any = None) -> Field:
    """A position field (see parse_position)."""
    return Field(parse_position, required, default, "{lat: 31.5, lon: -110.2}")

