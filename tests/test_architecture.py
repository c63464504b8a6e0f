"""The direction of imports (README.md, Architecture).

1. Layers: every module of sim belongs to one layer, and imports (anywhere in the file,
   including imports inside functions) go only to its own layer or lower ones:

       foundation  units, errors, paths, memory, rowpool, version, loops, schema, bisection
       world       sim/world/       platforms  sim/platforms/     scenario  sim/scenario/
       engine      sim/engine/      output     sim/output/
       front ends  notebook, view/, exercises/, sweep/   (never each other)
       commands    cli/, bench/, sim/__init__, sim/__main__

2. No cycles: the graph of imports between sim's modules has none.
3. The core (foundation to engine) never imports yaml (sim/scenario/ may), argparse,
   matplotlib, pygame or tqdm and never prints; a fresh interpreter that imports all of it
   has loaded none of them (scipy.spatial itself loads argparse, so argparse is checked in
   the sources only).
4. pygame is imported under sim/view/ only, and not by the window's computing modules.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

LAYERS = (
    ("foundation", ("sim.units", "sim.errors", "sim.paths", "sim.memory", "sim.rowpool", "sim.version",
                    "sim.loops", "sim.schema", "sim.bisection")),
    ("world", ("sim.world",)),
    ("platforms", ("sim.platforms",)),
    ("scenario", ("sim.scenario",)),
    ("engine", ("sim.engine",)),
    ("output", ("sim.output",)),
    ("front ends", ("sim.notebook", "sim.view", "sim.exercises", "sim.sweep")),
    ("commands", ("sim.cli", "sim.bench", "sim.__main__", "sim")),
)
FRONT_ENDS = LAYERS[6][1]
CORE_LAYERS = ("foundation", "world", "platforms", "scenario", "engine")
FORBIDDEN = {"yaml", "argparse", "matplotlib", "pygame", "tqdm"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _owner(module: str, groups) -> str:
    """The longest prefix in groups that module belongs to (sim.view.app -> sim.view)."""
    found = [g for g in groups if module == g or module.startswith(g + ".")]
    return max(found, key=len)


def _layer(module: str) -> int:
    prefixes = {p: i for i, (_, group) in enumerate(LAYERS) for p in group}
    return prefixes[_owner(module, prefixes)]


def _imports(module: str) -> tuple[set, set]:
    """(sim modules imported, third-party roots imported) anywhere in the module's source."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # `from sim.engine import runner` imports the module sim.engine.runner
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        else:
            continue
        for name in names:
            if name == "sim" or name.startswith("sim."):
                while name not in MODULES:          # sim.engine.runner.Engine -> module
                    name = name.rpartition(".")[0]
                if name != module:
                    ours.add(name)
            else:
                theirs.add(name.split(".")[0])
    return ours, theirs


GRAPH = {m: _imports(m)[0] for m in MODULES}


def test_every_module_has_a_layer():
    assert all(_layer(m) >= 0 for m in MODULES)
    assert _layer("sim.world.grid") == 1 and _layer("sim.engine.runner") == 4
    assert _layer("sim.schema") == 0 and _layer("sim") == 7


def test_imports_go_only_down_the_layers():
    upward = [f"{m} ({LAYERS[_layer(m)][0]}) imports {d} ({LAYERS[_layer(d)][0]})"
              for m, deps in GRAPH.items() for d in sorted(deps) if _layer(d) > _layer(m)]
    assert upward == []


def test_front_ends_do_not_import_each_other():
    crossing = [f"{m} imports {d}" for m, deps in GRAPH.items() for d in sorted(deps)
                if _layer(m) == _layer(d) == 6
                and _owner(m, FRONT_ENDS) != _owner(d, FRONT_ENDS)]
    assert crossing == []


def _cycle(graph: dict) -> list:
    """One import cycle as [a, b, ..., a], or [] when the graph has none (depth-first
    search with three colours)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_no_import_cycle():
    assert _cycle(GRAPH) == []


def test_the_cycle_finder_finds_cycles():
    """The check above can fail: a made-up graph with a cycle is reported."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def _core(scenario: bool) -> list:
    return sorted(m for m in MODULES if LAYERS[_layer(m)][0] in CORE_LAYERS
                  and (_layer(m) == 3) == scenario)


@pytest.mark.parametrize("scenario", [False, True], ids=["core", "scenario"])
def test_core_sources_import_and_print_nothing_forbidden(scenario):
    forbidden = FORBIDDEN - ({"yaml"} if scenario else set())
    for module in _core(scenario):
        assert not forbidden & _imports(module)[1], f"{module} imports {forbidden & _imports(module)[1]}"
        for node in ast.walk(ast.parse(MODULES[module].read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"{module} calls print()"


@pytest.mark.parametrize("scenario", [False, True], ids=["core", "scenario"])
def test_core_loads_no_front_end_library(scenario):
    forbidden = sorted(FORBIDDEN - {"argparse"} - ({"yaml"} if scenario else set()))
    code = ("import importlib, sys\n"
            f"for m in {_core(scenario)!r}: importlib.import_module(m)\n"
            f"print(','.join(m for m in {forbidden!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_only_the_view_package_imports_pygame():
    offenders = [m for m in MODULES if "pygame" in _imports(m)[1] and not m.startswith("sim.view")]
    assert offenders == []
    assert any("pygame" in _imports(m)[1] for m in MODULES if m.startswith("sim.view"))


# The window's modules that compute (layers, footprints, palettes, the scene, edits) stay
# free of pygame, so they can be tested and reused without a display.
VIEW_PURE = ["view", "view.layers", "view.footprint", "view.palette", "view.model",
             "view.edits", "view.script", "view.basemap", "view.hillshade"]


@pytest.mark.parametrize("module", VIEW_PURE)
def test_view_computing_modules_do_not_load_pygame(module):
    code = f"import sys, sim.{module}; print('pygame' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"sim.{module} loads pygame"
