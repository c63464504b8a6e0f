"""The only YAML reader of the project: YAML text or file -> plain data and the Mark of
every value (sim/scenario/marks.py). A problem raises ScenarioError, located and sorted.

Safety: YAML is composed with PyYAML's SafeLoader (pure Python, so messages are the same
everywhere) and constructed here by hand: only plain tags (str, int, float, bool, null,
timestamp, map, seq, and the `<<` merge key) are accepted, duplicate keys are errors, the
file is at most MAX_FILE_BYTES of UTF-8 text without control characters, and anchors/aliases
are expanded to at most MAX_NODES nodes (so an alias bomb costs nothing) and at most
MAX_DEPTH levels.

References: YAML 1.1 (yaml.org/spec/1.1) for tags, merge keys and the printable characters.
"""
from __future__ import annotations

import os
import re
import stat
from typing import Any, Optional

import yaml

from sim.errors import Problem, ScenarioError
from sim.scenario.marks import Mark, Marks, dotted, in_file_order

MAX_FILE_BYTES = 2_000_000      # a scenario is a few kB; refuse anything above 2 MB
MAX_NODES = 100_000             # expanded YAML nodes (anchors/aliases included)
MAX_DEPTH = 50                  # nesting levels

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null")}
_TIMESTAMP_TAG = _STD + "timestamp"
_MERGE_TAG = _STD + "merge"


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
        self.problems.append(Problem(self.source, node.start_mark.line + 1,
                                     node.start_mark.column + 1, dotted(path), "", rule, fix))

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


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of the character at `offset` of text."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _yaml_error_problem(error: Exception, source: str, text: str) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = f" ({error.context})" if error.context else ""
        return Problem(source, mark.line + 1, mark.column + 1, "", "",
                       f"YAML syntax error: {error.problem}{context}",
                       "check indentation, colons and quotes here (a text containing ': ' "
                       "or starting with a special character needs quotes)")
    if isinstance(error, yaml.reader.ReaderError):
        line, col = _line_col(text, error.position)
        return Problem(source, line, col, "", "",
                       f"YAML cannot contain the control character #x{error.character:04x}",
                       "remove it; a scenario is plain text")
    return Problem(source, 1, 1, "", "", f"YAML error: {error}", "check the file's syntax")


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
        raise ScenarioError(Problem(source, 0, 0, "", "",
                                    f"larger than {MAX_FILE_BYTES // 1_000_000} MB",
                                    "a scenario is a few kB: is this the right file?"))
    if "\x00" in text:
        raise ScenarioError(Problem(source, 1, 1, "", "", "not a text file (contains NUL bytes)",
                                    "give a YAML scenario file"))
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        raise ScenarioError(Problem(source, line, col, "", "",
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
            raise ScenarioError(Problem(source, 1, 1, "", "", "nesting too deep for YAML",
                                        "a scenario needs at most 6 levels of nesting")) from None
        if node is None:
            raise ScenarioError(Problem(source, 1, 1, "", "", "the file is empty",
                                        "start from scenarios/examples/one-recon-racetrack.yaml"))
        builder = _Builder(loader, source)
        data = builder.build(node, ())
    finally:
        loader.dispose()
    if builder.problems:
        raise ScenarioError(in_file_order(builder.problems))
    return data, builder.marks


def read_yaml_file(path) -> tuple[Any, Marks]:
    """Read a YAML file (at most MAX_FILE_BYTES, UTF-8) safely: see parse_yaml_text. The file
    name in messages is `str(path)` as given."""
    source = str(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO, device or socket"
            raise ScenarioError(Problem(source, 0, 0, "", "", f"not a regular file ({what})",
                                        "give the path of a YAML scenario file"))
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(Problem(source, 0, 0, "", "",
                                        f"the file is {size:,} bytes, larger than "
                                        f"{MAX_FILE_BYTES // 1_000_000} MB",
                                        "a scenario is a few kB: is this the right file?"))
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError(Problem(source, 0, 0, "", "",
                                    f"cannot read the file ({error.strerror or error})",
                                    "check the path")) from None
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ScenarioError(Problem(source, line, 1, "", "", "not a text file (contains NUL bytes)",
                                    "give a YAML scenario file (UTF-8 text)"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ScenarioError(Problem(source, line, 1, "", "",
                                    f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
                                    f"{error.start})", "save the file as UTF-8")) from None
    return parse_yaml_text(text, source)
