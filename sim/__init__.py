"""isr-sim: an educational simulator of ISR sensor coverage.

Public API (imports are lazy so that `import sim` stays light):
    sim.load_scenario(path, overrides=()) -> Scenario
    sim.run(scenario, engine="exact", step_s=None) -> Result
    sim.Result
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["load_scenario", "run", "Result", "ScenarioError", "__version__"]


def __getattr__(name):
    if name == "load_scenario":
        from sim.scenario.load import load_scenario
        return load_scenario
    if name in ("run", "Result"):
        from sim import runner
        return getattr(runner, name)
    if name == "ScenarioError":
        from sim.errors import ScenarioError
        return ScenarioError
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
