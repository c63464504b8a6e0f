"""Where the shipped data lives: the packages sim.assets (platform classes, geography,
terrain), sim.scenarios (examples, seeds, benchmarks) and sim.docs (the pages the HTML
report embeds), found through importlib.resources
so that a wheel, `pip install .` and an editable install all find them from any directory.

In the source tree they are the top-level assets/ and scenarios/ directories; setup.py
maps them into the package (package_dir), so they stay the one copy of the data.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_dir(package: str) -> Path:
    """The directory of a data package. pip installs packages unpacked, so it is a real
    directory; a zipped install would not be, and is refused with a fix."""
    root = files(package)
    if not isinstance(root, Path):
        raise ImportError(f"isr-sim's data package {package} is not a directory ({root!r}); "
                          "install isr-sim with pip (not zipped)")
    return root


ASSETS_DIR = _package_dir("sim.assets")
SCENARIOS_DIR = _package_dir("sim.scenarios")
DOCS_DIR = _package_dir("sim.docs")
