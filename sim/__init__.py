"""isr-sim: an educational simulator of ISR sensor coverage.

Public API (imports are lazy so that `import sim` stays light):
    sim.run(path_or_scenario, engine="exact", step_s=None, **overrides) -> Result
        overrides as the command line's --set: sim.run("s.yaml", **{"platforms.0.altitude": "15 km"})
    sim.Result          cells, summary, bands, ...; cell_table(), to_csv(), plot(); see sim.notebook
    sim.load_scenario(path, overrides=()) -> Scenario
"""
from __future__ import annotations

from sim.version import __version__
__all__ = ["load_scenario", "run", "Result", "ScenarioError", "__version__"]


def __getattr__(name):
    if name == "load_scenario":
        from sim.scenario.load import load_scenario
        return load_scenario
    if name in ("run", "Result"):
        from sim import notebook
        return getattr(notebook, name)
    if name == "ScenarioError":
        from sim.errors import ScenarioError
        return ScenarioError
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
