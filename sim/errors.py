"""The one exception type for errors a user can cause.

A ScenarioError carries every problem found in one file at once, each located and
explained: FILE:LINE:COL: key.path: value: rule; fix. Front ends print str(error) and exit
with status 2; they never show a traceback for it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem. line/col are 1-based; 0 when unknown (e.g. a --set override)."""
    file: str
    line: int
    col: int
    path: str          # dotted key path, e.g. "platforms.0.track.racetrack.length"
    value: str         # the offending value as the user wrote it (repr-ish, short)
    rule: str          # what is wrong
    fix: str           # what to do about it

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else f"{self.file}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        if self.value != "":
            parts.append(self.value)
        return ": ".join(parts) + f": {self.rule}; {self.fix}"


class ScenarioError(Exception):
    """All the problems of one input, reported together. `problems` is never empty."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def short_value(value: object, limit: int = 60) -> str:
    """A value as shown in an error message: YAML-ish, cut to `limit` characters."""
    if isinstance(value, str):
        text = repr(value)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
