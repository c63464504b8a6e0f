"""`--set KEY=VALUE` overrides: the dotted key path of a scenario file and a YAML value.

They are applied to the document as read, before any check (apply_overrides), so a value
set on the command line is checked exactly as if it were written in the file; its problems
name the override (marks.OVERRIDE_FILE). A problem an override causes elsewhere in the file
is said to come after it (blame_overrides).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterable

from sim.errors import Problem, ScenarioError, short_value
from sim.scenario.marks import OVERRIDE_FILE, Mark, Marks, dotted
from sim.scenario.yaml_reader import parse_yaml_text


def override_list(overrides) -> list[str]:
    """overrides as a list of "KEY=VALUE" strings, or a TypeError saying what to pass."""
    if isinstance(overrides, (str, bytes)) or not hasattr(overrides, "__iter__"):
        raise TypeError("overrides takes a list of 'KEY=VALUE' strings, e.g. "
                        "['time.duration=2h'], not " + type(overrides).__name__)
    out = list(overrides)
    for item in out:
        if not isinstance(item, str):
            raise TypeError(f"each override is a 'KEY=VALUE' string, not {type(item).__name__}")
    return out


def apply_overrides(data: dict, marks: Marks, overrides: Iterable[str]) -> list[Problem]:
    """Apply each "KEY=VALUE" in order (apply_override); the problems of those that could
    not be applied."""
    problems: list[Problem] = []
    for override in overrides:
        apply_override(data, marks, override, problems)
    return problems


def apply_override(data: dict, marks: Marks, override: str, problems: list[Problem]) -> None:
    """Apply one KEY=VALUE to the document as read, in place: the value (YAML) replaces the
    one at the dotted key path, creating missing mappings on the way, and is marked as set
    by --set. A KEY=VALUE that cannot be applied appends its problem to `problems`."""
    def bad(rule: str, fix: str) -> None:
        problems.append(Problem(OVERRIDE_FILE, 0, 0, "", short_value(override, 80), rule, fix))

    if "=" not in override:
        return bad("expected KEY=VALUE", "write e.g. --set time.duration=2h")
    key_text, value_text = override.split("=", 1)
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


def blame_overrides(error: ScenarioError, overrides: list[str],
                    check_without: Callable[[], Any]) -> ScenarioError:
    """The problems of `error` (found with the overrides applied), those that the file
    alone does not have (check_without() checks it without them) marked as coming after
    the overrides."""
    try:
        check_without()
        alone: set = set()
    except ScenarioError as plain:
        alone = {(p.line, p.col, p.path, p.rule) for p in plain.problems}
    shown = ", ".join(f"--set {short_value(o, 60)[1:-1]}" for o in overrides)
    return ScenarioError([p if p.file == OVERRIDE_FILE or (p.line, p.col, p.path, p.rule) in alone
                          else replace(p, rule=f"{p.rule} (after {shown})") for p in error.problems])
