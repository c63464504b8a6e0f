"""Every shipped scenario (scenarios/**/*.yaml) loads without error. Loading reads no
geography or terrain data, so this holds even before those assets exist."""
from __future__ import annotations

import pytest

from sim.paths import SCENARIOS_DIR
from sim.scenario.load import load_scenario

# goal.yaml files of scenarios/exercises/ are exercise definitions, not scenarios.
SHIPPED = sorted(p for p in SCENARIOS_DIR.rglob("*.yaml") if p.name != "goal.yaml")


def test_the_examples_are_shipped():
    names = {p.name for p in SHIPPED}
    assert {"one-recon-racetrack.yaml", "two-drones-phased.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(SCENARIOS_DIR)) for p in SHIPPED])
def test_shipped_scenario_loads(path):
    scenario = load_scenario(path)
    assert scenario.name and scenario.platforms
    if path.parent.name == "examples":
        assert scenario.description, "every example says what it teaches"
