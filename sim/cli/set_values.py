"""`--set KEY=VALUE` on the command line, as a user copies it from scenarios/FORMAT.md.

The shell splits `--set grid.cell=4 km` into two words, `grid.cell=4` and `km`. Before
argparse sees the arguments, the words that obviously continue a --set value are joined
back with single spaces:
- a unit name (`km`, `h`, `deg`, ... of sim.units) right after a number: `grid.cell=4 km`;
- every word up to the closing bracket of a list or mapping that the value opened:
  `grid.bands=[25 km, 50 km]`.
Any other word is left alone (it may be the scenario FILE), so a value such as a name with
spaces must be quoted: `--set 'name=My scenario'`; the error for a stray word says so.
"""
from __future__ import annotations

import re

from sim.units import QUANTITY_UNITS

_UNITS = frozenset(u for units in QUANTITY_UNITS.values() for u in units)
_ENDS_WITH_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_UNIT_WORD = re.compile(r"^([A-Za-z/]+)([\]},]*)$")   # km, km], km},

QUOTE_HINT = ("a --set value with spaces is one shell word: quote it, e.g. "
              "--set 'name=My scenario' (numbers with units and [lists] may be written "
              "unquoted: --set grid.cell=4 km)")


def _depth(text: str) -> int:
    return (text.count("[") + text.count("{")) - (text.count("]") + text.count("}"))


def _continues(value: str, word: str) -> bool:
    if _depth(value) > 0:                 # inside [ ] or { }: up to the closing bracket
        return not word.startswith("--")
    unit = _UNIT_WORD.match(word)
    return bool(unit and unit.group(1) in _UNITS and _ENDS_WITH_NUMBER.search(value.rstrip()))


def join_set_values(argv: list[str]) -> list[str]:
    """argv with each --set value's continuation words joined to it (see the module)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        out.append(word)
        i += 1
        if word == "--set" and i < len(argv):
            out.append(argv[i])
            i += 1
        elif not word.startswith("--set="):
            continue
        while i < len(argv) and _continues(out[-1], argv[i]):
            out[-1] = f"{out[-1]} {argv[i]}"
            i += 1
    return out
