"""Fuzzing the loader: whatever the input, the only exception that escapes is ScenarioError.

Bounded and deterministic: derandomized, no example database, 200 examples in all.
"""
from __future__ import annotations

import copy
import os

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from sim.engine import budget
from sim.errors import ScenarioError
from sim.paths import SCENARIOS_DIR
from sim.scenario.load import load_scenario_text

FUZZ = settings(max_examples=70, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))

VALID_TEXT = (SCENARIOS_DIR / "examples" / "two-drones-phased.yaml").read_text(encoding="utf-8")
VALID = yaml.safe_load(VALID_TEXT)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["4 km", "15km", "6 h", "-1 km", "90 deg", "1e999", "nan km", "none",
                     "etopo5", "left", "cw", "2025-02-03T00:00:00Z", "0001-01-01T00:30:00+01:00", "", "kmh 5", "high-altitude-recon"]))
keys = st.one_of(st.text(max_size=12),
                 st.sampled_from(["name", "time", "geography", "grid", "platforms", "track",
                                  "racetrack", "orbit", "sensors", "lat", "lon", "class"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=20)


def _loads_or_scenario_error(text: str) -> None:
    try:
        load_scenario_text(text, "fuzz.yaml")
    except ScenarioError as error:
        assert error.problems
        assert all(p.rule and p.fix for p in error.problems)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("ab:- \n\t{}[],&*!|>'\"#%@`?0123456789.")), max_size=80))
def test_random_yaml_text(text):
    _loads_or_scenario_error(text)


@FUZZ
@given(documents)
def test_random_documents(document):
    _loads_or_scenario_error(yaml.safe_dump(document, allow_unicode=True))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(VALID) if p]


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["drop", "rename", "replace"]),
                          documents, keys), min_size=1, max_size=4))
def test_mutations_of_a_valid_scenario(mutations):
    doc = copy.deepcopy(VALID)
    for path, action, value, new_key in mutations:
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            old = parent[last]
        except (KeyError, IndexError, TypeError):
            continue
        if action == "drop":
            if isinstance(parent, dict):
                del parent[last]
            else:
                parent.pop(last)
        elif action == "rename" and isinstance(parent, dict):
            del parent[last]
            parent[new_key] = old
        else:
            parent[last] = value
    _loads_or_scenario_error(yaml.safe_dump(doc, allow_unicode=True))


def test_the_unmutated_document_loads():
    load_scenario_text(yaml.safe_dump(VALID), "valid.yaml")


# ----------------------------------------------------------------- --set overrides

HOSTILE_TEXT = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from(["\x07", "\x7f", "\u202e", "\ufeff", "\u0301", "\x85",
                                      "\U0001f6f0", "a", " ", ":", "#", "\\", "'", '"', "k", "m"]),
            max_size=8),
    st.sampled_from(["1e308 km", "1e-320 m", "-0.0", "5e-324", "1e400", "9" * 400, "inf h",
                     "nan deg", "10**9 km", "0x10 km", "1_000 km", "∞", "١٢ km", "12 ｋｍ"]))
VALUES = st.one_of(
    HOSTILE_TEXT,
    st.integers(min_value=-10**400, max_value=10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    documents.map(lambda d: yaml.safe_dump(d, default_flow_style=True, allow_unicode=True,
                                           width=10**6).strip()),
)
SET_KEYS = st.one_of(st.sampled_from([".".join(str(k) for k in p) for p in PATHS]),
                     st.text(max_size=15))


@FUZZ
@given(st.lists(st.tuples(SET_KEYS, VALUES), min_size=1, max_size=3))
def test_set_overrides_give_located_errors_naming_the_override(pairs):
    """A valid file with --set overrides loads, or fails with problems that each have a rule
    and a fix, at least one of them naming the override (the file alone is valid)."""
    overrides = [f"{key}={value}" for key, value in pairs]
    try:
        load_scenario_text(VALID_TEXT, "valid.yaml", overrides=overrides)
    except ScenarioError as error:
        assert all(p.rule and p.fix for p in error.problems)
        assert any(p.file == "--set" or "(after --set " in p.rule for p in error.problems), str(error)


# ------------------------------------------------- shipped documents, one field mutated

SHIPPED = sorted((SCENARIOS_DIR / d / f) for d in ("examples", "seeds", "benchmarks")
                 for f in os.listdir(SCENARIOS_DIR / d) if f.endswith(".yaml"))
SHIPPED_DOCS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SHIPPED]


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.integers(min_value=0, max_value=len(SHIPPED) - 1), st.data())
def test_one_field_mutated_is_located_or_runs_its_preparation(index, data):
    """Every field of every shipped scenario (documents valid by the schema) replaced by a
    hostile value: the loader either accepts it, and then the run's preparation (geography,
    coarse grid, tracks, sensors: sim.engine.budget.estimate) raises nothing but ScenarioError, or
    reports problems located in the file (a line, or a key path)."""
    doc = copy.deepcopy(SHIPPED_DOCS[index])
    paths = [p for p in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(st.one_of(scalars, HOSTILE_TEXT, documents))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        scenario = load_scenario_text(text, "mutated.yaml", base_dir=SHIPPED[index].parent)
    except ScenarioError as error:
        assert all(p.rule and p.fix and (p.line > 0 or p.path) for p in error.problems), str(error)
        return
    try:
        budget.estimate(scenario)
    except ScenarioError as error:
        assert all(p.rule and p.fix for p in error.problems)
