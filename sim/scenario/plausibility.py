"""Plausibility warnings: values that pass the rules of scenarios/FORMAT.md but are far
outside what their key or class makes plausible. Never fatal; `isr-sim check` prints them
and `isr-sim run` lists them with its results (and in --json "warnings").

A bare number takes the key's default unit (`duration: 12` is 12 s, a loiter `radius: 8000`
is 8,000 km): that rule stays, and these warnings catch its surprises. Each says where, the
value, what was expected and the likely fix; for a bare number the fix names the unit that
would make it plausible (`did you mean "8000 m"?`).

Rules (thresholds are round, generous figures, documented in scenarios/FORMAT.md):
- the run is shorter than one lap of any platform (pattern period; orbital period P =
  2 pi sqrt(a^3 / mu) for a satellite, SMAD eq. 6-2);
- a loiter radius, racetrack length or racetrack width above MAX_PATTERN_M;
- an altitude outside [class altitude / ALTITUDE_FACTOR, class altitude x ALTITUDE_FACTOR];
- an aircraft track that never comes within sensor reach of the grid (reach: the largest
  central angle at which any of its sensors can see the ground, sim.platforms.sensors; grid: the band
  of grid.extent on grid.side of the border, measured from the border line);
- a platform with an empty on-station window.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from sim.units import UnitError, to_si

MAX_PATTERN_M = 1_000_000.0      # a loiter or racetrack larger than 1,000 km is a unit slip
ALTITUDE_FACTOR = 2.0            # tolerated factor between a platform's and its class's altitude
LAP_SAMPLES = 400                # positions per lap (and per transit) for the reach test

Locate = Callable[[tuple], tuple[str, int, int]]   # key path -> (file, line, col)


@dataclass(frozen=True)
class Context:
    """What the rules read besides the Scenario: raw(path) the value as written (or None),
    locate(path) where it was written, catalog (class id -> PlatformClass), border (a
    BorderLine or None)."""
    raw: Callable[[tuple], Any]
    locate: Locate
    catalog: dict
    border: Any


def _fmt_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _fmt_km(metres: float) -> str:
    return f"{metres / 1000:,.0f} km" if metres >= 10_000 else f"{metres / 1000:.3g} km"


def _bare_number(value: Any) -> Optional[str]:
    """The text of a bare number (no unit), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        try:
            float(value.strip())
        except ValueError:
            return None
        return value.strip()
    return None


def unit_hint(value: Any, kind: str, default_unit: str, units: tuple[str, ...],
              plausible: Callable[[float], bool]) -> str:
    """The fix for an implausible value: for a bare number, the first of `units` that would
    make it plausible ('did you mean "8000 m"?'), else a reminder of the default unit."""
    number = _bare_number(value)
    if number is None:
        return "check the number and its unit"
    for unit in units:
        try:
            si = to_si(f"{number} {unit}", kind, default_unit)
        except UnitError:
            continue
        if plausible(si):
            return (f'did you mean "{number} {unit}"? (a bare number is in {default_unit}, '
                    "the key's default unit)")
    return f"a bare number is in {default_unit}, the key's default unit: write the unit"


def _warning(ctx: Context, path: tuple, rule: str, expected: str, fix: str,
             show_value: bool = True) -> tuple[int, int, str]:
    """(line, col, text): the text like an error message, with 'warning:' after the place."""
    file, line, col = ctx.locate(path)
    where = f"{file}:{line}:{col}" if line else file
    value = ctx.raw(path) if show_value else None
    value_text = "" if value is None else f" {value!r}:" if isinstance(value, str) else f" {value}:"
    dotted = ".".join(str(p) for p in path)
    return line, col, f"{where}: warning: {dotted}:{value_text} {rule}; expected {expected}; {fix}"


# ----------------------------------------------------------------------------- rules

def short_run(scenario, tracks, ctx: Context) -> list:
    """time.duration shorter than the lap of every platform (no platform flies a whole lap:
    a long route or border patrol alone may legitimately take longer than the run)."""
    from sim.platforms.segments import keplerian_period_s
    laps = []
    for platform, track in zip(scenario.platforms, tracks):
        if platform.kind == "satellite":
            laps.append((platform.name, keplerian_period_s(platform.track.altitude_m)))
        elif track.lap_period_s > 0:
            laps.append((platform.name, track.lap_period_s))
    duration = scenario.time.duration_s
    if not laps or min(lap for _, lap in laps) <= duration:
        return []
    shortest = min(lap for _, lap in laps)
    names = ", ".join(f"{name} ({_fmt_duration(lap)})" for name, lap in laps)
    fix = unit_hint(ctx.raw(("time", "duration")), "time", "s", ("min", "h", "d"),
                    lambda s: s >= shortest)
    return [_warning(ctx, ("time", "duration"),
                     f"the run ({_fmt_duration(duration)}) is shorter than one lap of any "
                     f"platform: {names}", f"at least one lap ({_fmt_duration(shortest)})", fix)]


def large_patterns(scenario, ctx: Context) -> list:
    """Loiter radius, racetrack length or width above MAX_PATTERN_M."""
    out = []
    for i, platform in enumerate(scenario.platforms):
        track = platform.track
        kind = type(track).__name__
        keys = {"LoiterTrack": (("loiter", "radius", "radius_m"),),
                "RacetrackTrack": (("racetrack", "length", "length_m"),
                                   ("racetrack", "width", "width_m"))}.get(kind, ())
        for track_kind, key, attr in keys:
            size = getattr(track, attr)
            if size is None or size <= MAX_PATTERN_M:
                continue
            path = ("platforms", i, "track", track_kind, key)
            fix = unit_hint(ctx.raw(path), "length", "km", ("m", "ft"),
                            lambda s: s <= MAX_PATTERN_M)
            out.append(_warning(ctx, path, f"a {track_kind} {key} of {_fmt_km(size)} is larger "
                                f"than {_fmt_km(MAX_PATTERN_M)}",
                                "a few km to a few hundred km", fix))
    return out


def odd_altitudes(scenario, ctx: Context) -> list:
    """An altitude outside the class's altitude by more than ALTITUDE_FACTOR."""
    out = []
    for i, platform in enumerate(scenario.platforms):
        cls = ctx.catalog.get(platform.class_id)
        if cls is None:
            continue
        path = (("platforms", i, "track", "orbit", "altitude") if platform.kind == "satellite"
                else ("platforms", i, "altitude"))
        if ctx.raw(path) is None:          # the class's own altitude
            continue
        lo, hi = cls.altitude_m / ALTITUDE_FACTOR, cls.altitude_m * ALTITUDE_FACTOR
        if lo <= platform.altitude_m <= hi:
            continue
        fix = unit_hint(ctx.raw(path), "length", "km", ("m", "ft"), lambda s: lo <= s <= hi)
        out.append(_warning(ctx, path, f"{platform.name} flies at {_fmt_km(platform.altitude_m)}, "
                            f"more than a factor {ALTITUDE_FACTOR:g} from its class "
                            f"{cls.id} ({_fmt_km(cls.altitude_m)})",
                            f"{_fmt_km(lo)} to {_fmt_km(hi)} (`isr-sim classes`)", fix))
    return out


def _track_samples_u(track) -> np.ndarray:
    """(K, 3) ground positions over the first lap and along every once-flown segment."""
    times = []
    if track.lap and track.lap_period_s > 0:
        w0, w1 = track.lap_window_s
        times.append(np.linspace(w0, min(w1, w0 + track.lap_period_s), LAP_SAMPLES))
    for seg in track.once:
        times.append(np.linspace(seg.t0_s, seg.t1_s, LAP_SAMPLES))
    if not times:
        return np.zeros((0, 3))
    position, _, _, active = track.state(np.concatenate(times))
    return position[active]


def sensor_reach_m(platform, earth) -> float:
    """The largest ground distance (m, along the surface) at which any of the platform's
    sensors can see a cell from its altitude (sim.platforms.sensors central-angle limits)."""
    from sim.platforms.sensors import Sensor
    reach = 0.0
    for spec in platform.sensors:
        _, lam_max = Sensor(spec, earth).central_angle_limits_rad(platform.altitude_m)
        if np.isfinite(lam_max) and lam_max > 0:
            reach = max(reach, float(lam_max) * earth.radius_m)
    return reach


def out_of_reach(scenario, tracks, ctx: Context) -> list:
    """Aircraft tracks that never come within sensor reach of the grid's band."""
    if ctx.border is None:
        return []
    extent = scenario.grid.extent_m
    lo, hi = {"neighbour": (0.0, extent), "own": (-extent, 0.0),
              "both": (-extent, extent)}[scenario.grid.side]
    out = []
    for i, (platform, track) in enumerate(zip(scenario.platforms, tracks)):
        if platform.kind == "satellite":
            continue
        points = _track_samples_u(track)
        if len(points) == 0:
            continue
        offset = ctx.border.signed_offset_m(points)
        gap = float(np.min(np.maximum(np.maximum(lo - offset, offset - hi), 0.0)))
        reach = sensor_reach_m(platform, scenario.earth)
        if gap <= reach:
            continue
        side = {"neighbour": "the neighbour's side", "own": "the own side",
                "both": "either side"}[scenario.grid.side]
        out.append(_warning(
            ctx, ("platforms", i, "track"),
            f"{platform.name} never comes within sensor reach of the grid: its track stays "
            f"{_fmt_km(gap)} from the grid (the {_fmt_km(extent)} band on {side} of the "
            f"border), its sensors reach {_fmt_km(reach)}",
            "a track within its sensors' reach of the grid",
            "check the track's positions (lat/lon order and signs, units of offsets) or "
            "place it with {along: .., offset: -40 km}", show_value=False))
    return out


def empty_windows(scenario, tracks, ctx: Context) -> list:
    """Platforms that are never on station."""
    out = []
    for i, (platform, track) in enumerate(zip(scenario.platforms, tracks)):
        if track.time_on_station_s > 0:
            continue
        key = "base" if platform.base is not None else "on_station"
        out.append(_warning(
            ctx, ("platforms", i, key),
            f"{platform.name} has no time on station"
            + (" (the transits to and from its base take all of its endurance)"
               if key == "base" else ""),
            "some time on station",
            "choose a base nearer to the station, a longer endurance or another on_station "
            "window" if key == "base" else "check on_station.start and on_station.duration",
            show_value=False))
    return out


def plausibility_warnings(scenario, tracks, ctx: Context) -> list[str]:
    """Every plausibility warning of a scenario whose platforms fly `tracks` (sim.platforms.tracks
    Tracks, one per platform), sorted by line like the loader's errors."""
    found = (short_run(scenario, tracks, ctx) + large_patterns(scenario, ctx)
             + odd_altitudes(scenario, ctx) + out_of_reach(scenario, tracks, ctx)
             + empty_windows(scenario, tracks, ctx))
    return [text for line, col, text in sorted(found, key=lambda w: (w[0] == 0, w[0], w[1]))]
