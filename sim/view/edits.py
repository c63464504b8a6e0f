"""What-if edits of a scenario (no pygame): a dragged racetrack or loiter centre, or a route
waypoint, kept as "KEY=VALUE" overrides on the original file (the same mechanism as
`isr-sim run --set`), so the edited scenario is exactly `load_scenario(file, overrides)`, and
written as a new YAML file that `isr-sim run` reproduces.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import yaml

from sim.output.files import atomic_file as _atomic_file
from sim.schema import LoiterTrack, RacetrackTrack, RouteTrack


@dataclass
class Drag:
    """A what-if drag in progress: platform, handle, the edited override and ghost spec."""
    platform: int
    handle: int
    override: Optional[str] = None
    ghost_track: object = None
    pending_pos: Optional[tuple] = None
    scenario: object = None          # the edited scenario, loaded when the handle last moved

def handles(spec) -> list[tuple[int, float, float]]:
    """Draggable points of a platform's track: (handle number, lat, lon). Racetrack and
    loiter: the centre (0); route: each waypoint (0..K-1); other tracks: none."""
    track = spec.track
    if isinstance(track, (RacetrackTrack, LoiterTrack)):
        return [(0, track.center.lat_deg, track.center.lon_deg)]
    if isinstance(track, RouteTrack):
        return [(k, w.lat_deg, w.lon_deg) for k, w in enumerate(track.waypoints)]
    return []


def override_for(index: int, spec, handle: int, lat_deg: float, lon_deg: float) -> Optional[str]:
    """The --set override that moves one handle of platform `index` to (lat, lon)."""
    pos = f"{{lat: {lat_deg:.6f}, lon: {lon_deg:.6f}}}"
    track = spec.track
    if isinstance(track, RacetrackTrack):
        return f"platforms.{index}.track.racetrack.center={pos}"
    if isinstance(track, LoiterTrack):
        return f"platforms.{index}.track.loiter.center={pos}"
    if isinstance(track, RouteTrack):
        return f"platforms.{index}.track.route.waypoints.{handle}={pos}"
    return None


def merge_override(overrides: list[str], new: str) -> list[str]:
    """Overrides with `new` replacing any earlier one of the same key."""
    key = new.split("=", 1)[0]
    return [o for o in overrides if o.split("=", 1)[0] != key] + [new]


def edited_path(path: str) -> str:
    """A new file name next to the original: NAME-edited.yaml, -edited-2, ... (never the
    original, never an existing file)."""
    stem, ext = os.path.splitext(path)
    candidate = f"{stem}-edited{ext or '.yaml'}"
    k = 2
    while os.path.exists(candidate):
        candidate = f"{stem}-edited-{k}{ext or '.yaml'}"
        k += 1
    return candidate


def write_edited(path: str, overrides: list[str], out_path: str) -> None:
    """Write the original scenario with the overrides applied as a new YAML file (atomic).
    Checks first that the result loads (a ScenarioError otherwise, nothing written)."""
    from sim.scenario.load import load_scenario
    from sim.scenario.overrides import apply_overrides
    from sim.scenario.yaml_reader import read_yaml_file
    load_scenario(path, overrides)
    data, marks = read_yaml_file(path)
    apply_overrides(data, marks, overrides)        # they loaded: none has a problem
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    header = (f"# Edited in `isr-sim view` from {os.path.basename(path)}: "
              f"{len(overrides)} change(s)\n")
    with _atomic_file(out_path) as f:
        f.write(header + body)
