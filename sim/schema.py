"""Typed, frozen sections of a scenario, in SI units. The contract between the loader
(sim/scenario/load.py; YAML is read by sim/scenario/yaml_reader.py only), the catalog, and
the core modules.

Angles are radians (`_rad`), lengths metres (`_m`), speeds m/s, times seconds (`_s`) from
`time.start`; positions are LatLon in degrees. Every default here is the documented default
of scenarios/FORMAT.md. The loader builds these from user mappings; the core only reads them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Union

from sim.units import EARTH_RADIUS_M


@dataclass(frozen=True)
class LatLon:
    lat_deg: float
    lon_deg: float


@dataclass(frozen=True)
class TimeSpec:
    start: datetime                  # timezone-aware UTC
    duration_s: float
    step_s: float = 10.0             # animation / time series / stepped engine default


@dataclass(frozen=True)
class EarthSpec:
    radius_m: float = EARTH_RADIUS_M
    refraction_k: float = 4.0 / 3.0  # effective-Earth-radius factor for radio sensors


@dataclass(frozen=True)
class SyntheticCoast:
    """A straight coastline parallel to the border on the neighbour side, `offset_m` from
    it: land between border and coast, sea beyond."""
    offset_m: float


@dataclass(frozen=True)
class SyntheticBorder:
    origin: LatLon
    azimuth_rad: float               # bearing of the border at its origin
    length_m: float
    own_side: str = "left"           # "left" | "right" of the direction of travel
    coast: Optional[SyntheticCoast] = None


@dataclass(frozen=True)
class GeographySpec:
    preset: Optional[str] = None     # "us-mexico"
    own: Optional[str] = None        # preset only: "us" | "mexico"
    synthetic: Optional[SyntheticBorder] = None
    territorial_sea_m: float = 12 * 1852.0


@dataclass(frozen=True)
class GridSpec:
    cell_m: float = 2_000.0
    extent_m: float = 400_000.0
    side: str = "neighbour"          # "neighbour" | "own" | "both"
    land_only: bool = True
    bands_m: tuple[float, ...] = (25_000.0, 100_000.0, 250_000.0, 400_000.0)


@dataclass(frozen=True)
class TerrainSpec:
    source: str = "none"             # "none" | "etopo5" | "file"
    path: Optional[str] = None       # for "file"


@dataclass(frozen=True)
class WeatherSpec:
    cloud_fraction: float = 0.0
    cloud_scale_m: float = 50_000.0
    cloud_period_s: float = 3 * 3600.0


@dataclass(frozen=True)
class AirspaceSpec:
    overflight: str = "forbidden"    # "forbidden" | "permitted"


SENSOR_KINDS = ("horizon", "conic", "side-looking", "nadir-swath")


@dataclass(frozen=True)
class SensorSpec:
    """One sensor. Which fields matter depends on `kind` (see scenarios/FORMAT.md)."""
    name: str
    kind: str                                   # one of SENSOR_KINDS
    min_elevation_rad: float = 0.0              # elevation of the platform seen from the cell
    max_range_m: float = math.inf               # slant range
    max_off_nadir_rad: float = math.pi / 2      # conic: field-of-regard half-angle
    near_range_m: float = 0.0                   # side-looking: ground range from the track
    far_range_m: float = math.inf               # side-looking
    sides: str = "both"                         # side-looking: "left" | "right" | "both"
    max_squint_rad: float = math.pi / 2         # side-looking: half-angle about broadside
    half_angle_rad: float = 0.0                 # nadir-swath: cross-track off-nadir half-angle
    along_half_angle_rad: Optional[float] = None  # nadir-swath: along-track; None = half_angle
    radio: bool = False                         # horizon: 4/3-Earth radio horizon
    target_height_m: float = 0.0                # horizon: emitter height above the ground
    focal_length_m: Optional[float] = None      # imaging: GSD = slant * pixel_pitch / focal
    pixel_pitch_m: Optional[float] = None
    max_gsd_m: Optional[float] = None           # cells seen coarser than this do not count
    needs_daylight: bool = False
    blocked_by_clouds: bool = False


@dataclass(frozen=True)
class RacetrackTrack:
    center: LatLon
    length_m: float                  # each straight leg
    heading_rad: float               # bearing of the first leg
    width_m: Optional[float] = None  # distance between legs = 2 x turn radius; None: from bank angle
    direction: str = "cw"            # "cw" (right turns) | "ccw"


@dataclass(frozen=True)
class LoiterTrack:
    center: LatLon
    radius_m: Optional[float] = None  # ground-track radius; None: the class's turn radius
    direction: str = "cw"


@dataclass(frozen=True)
class RouteTrack:
    waypoints: tuple[LatLon, ...]
    repeat: str = "loop"             # "loop" | "reverse" | "once"


@dataclass(frozen=True)
class BorderParallelTrack:
    offset_m: float                  # ground distance from the border on the own side
    from_m: float = 0.0              # distance along the border where the track starts
    to_m: Optional[float] = None     # None: the border's end


@dataclass(frozen=True)
class OrbitTrack:
    altitude_m: float
    inclination_rad: float
    raan_rad: float = 0.0            # inertial, from the vernal equinox, at time.start
    phase_rad: float = 0.0           # argument of latitude at time.start


TrackSpec = Union[RacetrackTrack, LoiterTrack, RouteTrack, BorderParallelTrack, OrbitTrack]
TRACK_KINDS = ("racetrack", "loiter", "route", "border_parallel", "orbit")


@dataclass(frozen=True)
class OnStation:
    start_s: float = 0.0
    duration_s: Optional[float] = None   # None: to the end of the scenario


@dataclass(frozen=True)
class PlatformClass:
    """An entry of assets/platforms.yaml: generic, public, round figures with sources."""
    id: str
    name: str
    kind: str                        # "aircraft" | "satellite"
    description: str
    altitude_m: float
    speed_m_s: float                 # cruise ground speed (orbital for satellites: derived)
    endurance_s: Optional[float]     # None for satellites
    bank_angle_rad: Optional[float]  # standard bank in turns; None for satellites
    sensors: tuple[SensorSpec, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    class_id: str
    kind: str                        # "aircraft" | "satellite", from the class
    altitude_m: float
    speed_m_s: float
    endurance_s: Optional[float]
    bank_angle_rad: Optional[float]
    sensors: tuple[SensorSpec, ...]
    track: TrackSpec
    phase: float = 0.0               # fraction of a lap, [0, 1)
    on_station: OnStation = field(default_factory=OnStation)
    base: Optional[LatLon] = None


@dataclass(frozen=True)
class Scenario:
    name: str
    time: TimeSpec
    geography: GeographySpec
    platforms: tuple[PlatformSpec, ...]
    description: str = ""
    seed: int = 0
    earth: EarthSpec = field(default_factory=EarthSpec)
    grid: GridSpec = field(default_factory=GridSpec)
    terrain: TerrainSpec = field(default_factory=TerrainSpec)
    weather: Optional[WeatherSpec] = None
    airspace: AirspaceSpec = field(default_factory=AirspaceSpec)
    source: str = "<memory>"         # file the scenario came from, for messages
    # Warnings found when the file was loaded (plausibility and flight planning; see
    # sim/scenario/preflight.py), each one line; the run reports them with its own.
    warnings: tuple[str, ...] = ()
