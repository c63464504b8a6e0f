"""Broken scenario files: each gives its exact, located message (tests/scenarios/bad/).

The expected messages live in tests/scenarios/bad/expected.txt ('== FILE' then the message).
Their numbers come from the fixtures themselves (line/column of the offending text) and from
the rules of scenarios/FORMAT.md; each was read and judged by hand when written.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario.load import load_scenario, load_scenario_text
from sim.scenario.yaml_reader import MAX_FILE_BYTES

BAD_DIR = Path(__file__).parent / "scenarios" / "bad"


def _expected() -> dict[str, str]:
    blocks: dict[str, list[str]] = {}
    current = None
    for line in (BAD_DIR / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("== "):
            current = line[3:].strip()
            blocks[current] = []
        elif current is not None and line.strip():
            blocks[current].append(line)
    return {name: "\n".join(lines) for name, lines in blocks.items()}


EXPECTED = _expected()
BAD_FILES = sorted(p.name for p in BAD_DIR.glob("*.yaml"))


def test_every_bad_file_has_an_expected_message_and_there_are_enough():
    assert len(BAD_FILES) >= 25
    assert sorted(EXPECTED) == BAD_FILES


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_file_gives_exact_message(name, monkeypatch):
    monkeypatch.chdir(BAD_DIR)
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    assert str(info.value) == EXPECTED[name]
    for problem in info.value.problems:
        assert problem.file == name and problem.rule and problem.fix


def test_all_errors_of_a_file_are_reported_at_once_sorted_by_line(monkeypatch):
    monkeypatch.chdir(BAD_DIR)
    with pytest.raises(ScenarioError) as info:
        load_scenario("several-errors.yaml")
    problems = info.value.problems
    # several-errors.yaml has 8 independent mistakes (lines 4, 7, 10, 12, 16, 18, 20, 22).
    assert [p.line for p in problems] == [4, 7, 10, 12, 16, 18, 20, 22]
    assert all(p.col > 0 for p in problems)


def test_file_larger_than_the_cap_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 10))
    with pytest.raises(ScenarioError) as info:
        load_scenario(big)
    assert "larger than 2 MB" in str(info.value)


def test_text_larger_than_the_cap_is_refused():
    with pytest.raises(ScenarioError, match="larger than 2 MB"):
        load_scenario_text("#" * (MAX_FILE_BYTES + 1))


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "nope.yaml")
    assert "cannot read the file" in str(info.value)


def test_deep_nesting_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="nesting"):
        load_scenario_text("[" * 3000 + "]" * 3000)
