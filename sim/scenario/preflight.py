"""What `isr-sim check` can know about a valid scenario without computing coverage, from
the tracks the platforms will fly: the one error that needs them (an aircraft whose base is
farther from its station than its endurance allows) and the warnings (sim/scenario/
plausibility.py, and those of sim.platforms.tracks such as an endurance-capped time on station).

`run` loads files through the same loader, so check and run agree by construction.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from sim.schema import BorderParallelTrack, Scenario


def _raw_lookup(data: Any):
    def raw(path: tuple):
        node = data
        for key in path:
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]
            else:
                return None
        return node
    return raw


def _fmt_h(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def _unreachable_bases(ck, scenario: Scenario, geography) -> None:
    """An aircraft whose transit out from its base alone lasts its endurance or more
    (great-circle distance / cruise speed, as sim.platforms.tracks flies it) cannot reach its station."""
    from sim.world import earth as E
    from sim.platforms.tracks import station_entry_u
    radius = scenario.earth.radius_m
    for i, platform in enumerate(scenario.platforms):
        if platform.base is None or platform.endurance_s is None or platform.kind == "satellite":
            continue
        base_u = E.unit_vector(platform.base.lat_deg, platform.base.lon_deg)
        distance_m = radius * float(E.central_angle_rad(base_u, station_entry_u(
            platform, scenario, geography)))
        out_s = distance_m / platform.speed_m_s
        if out_s >= platform.endurance_s:
            rule = (f"{platform.name} cannot reach its station: the transit out is "
                    f"{distance_m / 1000:,.0f} km, {_fmt_h(out_s)} at "
                    f"{platform.speed_m_s * 3.6:.0f} km/h, longer than its endurance of "
                    f"{_fmt_h(platform.endurance_s)}")
            ck.add(("platforms", i, "base"), None, rule,
                   "choose a base nearer to the station (the transit out and back must leave "
                   "time on station), or a longer endurance", shown="")


def _tracks(ck, scenario: Scenario, geography) -> list:
    """The Track of every platform (sim.platforms.tracks), or [] with a located problem for a track
    whose geometry cannot be flown (sim.platforms.tracks raises ValueError, e.g. a route leg between
    antipodal points)."""
    from sim.platforms.tracks import build_track
    tracks = []
    for i, platform in enumerate(scenario.platforms):
        try:
            tracks.append(build_track(platform, scenario, geography))
        except ValueError as error:
            ck.add(("platforms", i, "track"), None, f"this track cannot be flown: {error}",
                   "change its positions or sizes", shown="")
    return tracks if len(tracks) == len(scenario.platforms) else []


def preflight(scenario: Scenario, ck, data: Any, catalog: dict) -> Scenario:
    """The scenario with its warnings (Scenario.warnings). A base out of reach or a track
    that cannot be flown is recorded in ck.problems (the caller raises). ck: the loader's
    Checker (locations, border line); data: the document as read (values as written)."""
    from sim.scenario.plausibility import Context, plausibility_warnings
    geography = None
    if any(isinstance(p.track, BorderParallelTrack) for p in scenario.platforms):
        from sim.world.geography import build_geography
        geography = build_geography(scenario.geography, scenario.earth)
    tracks = _tracks(ck, scenario, geography)
    if not tracks:
        return scenario
    _unreachable_bases(ck, scenario, geography)
    ctx = Context(raw=_raw_lookup(data), locate=ck.where, catalog=catalog,
                  border=ck.border_line())
    warnings = plausibility_warnings(scenario, tracks, ctx)
    for track in tracks:
        warnings.extend(track.warnings)
    return replace(scenario, warnings=tuple(warnings))
