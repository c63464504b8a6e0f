"""Where the shipped data lives: assets/ and scenarios/ beside the sim package (a clone or
an editable install)."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
SCENARIOS_DIR = PROJECT_ROOT / "scenarios"
