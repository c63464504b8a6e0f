"""Where each value of a scenario was written, so that every problem can point at it.

A Mark is the line and column of a value and of its key; the key path of a value is a tuple
(("platforms", 0, "track") is platforms.0.track in messages). A value set by `--set` has no
line: its mark names the file OVERRIDE_FILE. Problems are reported in file order, those of
the overrides last.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sim.errors import Problem

OVERRIDE_FILE = "--set"         # the file named by a problem that a --set override causes


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


def dotted(path: tuple) -> str:
    """A key path as written in messages and in --set: ("grid", "bands", 0) -> grid.bands.0."""
    return ".".join(str(p) for p in path)


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems sorted by line and column; those without a line (the whole file), then
    those of --set overrides, last."""
    return sorted(problems, key=lambda p: (p.file == OVERRIDE_FILE, p.line == 0, p.line, p.col))
