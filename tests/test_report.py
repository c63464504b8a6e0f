"""Tests of the report formats (sim/output/report.py) on a small hand-made Result."""
from __future__ import annotations

import csv
import math
import os
import shutil
from datetime import datetime, timezone
from dataclasses import replace

import numpy as np
import pytest

from sim.engine.coverage import FIGURE_KEYS
from sim.engine.result import Result
from sim.output import files as outfiles, formats, map_figure, map_geometry, report
from sim.schema import (EarthSpec, GeographySpec, GridSpec, LatLon, Scenario, SyntheticBorder,
                        TimeSpec)
from sim.world.earth import unit_vector
from sim.world.geography import build_geography
from sim.world.grid import Grid, laea_forward, laea_inverse

LAT0, LON0 = 31.0, -110.0
EARTH = EarthSpec()


def make_grid(cell_km=10.0):
    """A real Grid: cells on a 10 km lattice of the Lambert azimuthal equal-area plane
    about (31 N, 110 W) (sim.world.grid's own map), x -100..100 km, y 5..95 km, north of
    the border along y = 0 (depth = y, along = x + 100 km)."""
    xs = np.arange(-100.0, 100.0 + 1e-9, cell_km)
    ys = np.arange(cell_km / 2, 100.0, cell_km)
    x, y = np.meshgrid(xs * 1000.0, ys * 1000.0)
    x, y = x.ravel(), y.ravel()
    lat, lon = laea_inverse(x, y, LAT0, LON0, EARTH.radius_m)
    return Grid(cell_m=cell_km * 1000, lat_deg=lat, lon_deg=lon, u=unit_vector(lat, lon),
                x_m=x, y_m=y, center_lat_deg=LAT0, center_lon_deg=LON0, radius_m=EARTH.radius_m,
                area_m2=np.full(x.size, cell_km ** 2 * 1e6), depth_m=y,
                along_m=x + 100_000.0, land=np.ones(x.size, bool))


# The border heads east from 1.5 deg west of the grid's centre for 286 km (about 3 deg
# of longitude at 31 N), the neighbour north of it (left of the direction of travel).
BORDER = SyntheticBorder(LatLon(LAT0, LON0 - 1.5), math.radians(90.0), 286_000.0,
                         own_side="right")


def make_geography(border=BORDER):
    """A real synthetic geography (land on both sides of the border)."""
    return build_geography(GeographySpec(synthetic=border), EARTH)


def make_result():
    grid = make_grid()
    m = len(grid.u)
    # time covered falls off with distance north of the border; far cells never seen
    depth_km = grid.depth_m / 1000
    time_frac = np.clip(1.0 - depth_km / 80.0, 0.0, 1.0)
    ever = (time_frac > 0).astype(float)
    gsd = np.where(ever > 0, 0.3 + depth_km / 100.0, np.nan)
    T = 12000.0
    cells = {
        "ever_covered_frac": ever, "time_covered_frac": time_frac,
        "accesses": np.where(ever > 0, 3.0, 0.0), "max_revisit_s": np.where(ever > 0, 4000.0, np.nan),
        "mean_revisit_s": np.where(ever > 0, 2000.0, np.nan),
        "time_average_gap_s": np.where(ever > 0, 1500.0, np.nan),
        "mean_response_s": np.where(ever > 0, 750.0, np.nan),
        "mean_age_of_data_s": np.where(ever > 0, 750.0, np.nan),
        "max_simultaneous": np.where(ever > 0, 2.0, 0.0), "best_gsd_m": gsd,
    }
    geography = make_geography()
    geography.official_border_length_m = 3_145_000.0       # as a preset gives it (IBWC)
    scenario = Scenario(
        name="Report test", time=TimeSpec(datetime(2025, 2, 3, tzinfo=timezone.utc), T, 10.0),
        geography=GeographySpec(synthetic=BORDER), platforms=(), earth=EARTH, grid=GridSpec(cell_m=10_000.0, extent_m=100_000.0,
                                                 bands_m=(25_000.0, 100_000.0)))
    summary = {"ever_covered_frac": 0.8, "time_covered_frac": 0.4, "accesses": 2.4,
               "max_revisit_s": 4000.0, "mean_revisit_s": 2000.0, "time_average_gap_s": 1500.0,
               "mean_response_s": 750.0, "mean_age_of_data_s": 750.0, "max_simultaneous": 2.0,
               "best_gsd_m": None, "never_seen_km2": 4200.0}        # 20 % of 21,000 km2
    bands = [dict(summary, from_km=0.0, to_km=25.0, area_km2=5000.0, time_covered_frac=0.75,
                  never_seen_km2=1000.0),
             dict(summary, from_km=25.0, to_km=100.0, area_km2=15000.0, time_covered_frac=0.283,
                  never_seen_km2=3000.0)]
    platforms = [{"name": "Recon-1", "class": "high-altitude-recon", "time_on_station_s": 10800.0,
                  "covered_km2": 16000.0,
                  "airspace_violations": [{"start_s": 600.0, "end_s": 725.0, "lat": 31.2,
                                           "lon": -110.1, "max_inside_km": 3.25}]},
                 {"name": "Drone-2", "class": "medium-altitude-drone", "time_on_station_s": 12000.0,
                  "covered_km2": 800.0, "airspace_violations": []}]
    return Result(scenario=scenario, engine="stepped", step_s=30.0, geography=geography,
                  grid=grid, cells=cells, summary=summary, bands=bands, depth_profile=[],
                  along_border=[], platforms=platforms,
                  warnings=["Recon-1: 1 entry into the neighbour's airspace"], timeline=None,
                  tracks=[])


# ------------------------------------------------------------------------------ formats

@pytest.mark.parametrize("seconds,text", [
    (45, "45 s"), (2.5, "2.5 s"), (125, "2 min 5 s"), (60, "1 min"),
    (12000, "3 h 20 min"),            # 12000 s = 3 h + 1200 s = 3 h 20 min
    (3600, "1 h"), (86400, "1 d"), (93900, "1 d 2 h 5 min"),   # 86400 + 7200 + 300
    (86700, "1 d 0 h 5 min"), (float("nan"), "-"), (None, "-")])
def test_format_duration(seconds, text):
    assert formats.format_duration(seconds) == text


def test_every_figure_has_a_label_in_the_engines_order():
    assert formats.FIGURE_KEYS is FIGURE_KEYS
    assert tuple(formats.KEY_INFO) == FIGURE_KEYS


GOLDEN_TABLES = """\
Scenario:  Report test
Duration:  3 h 20 min from 2025-02-03T00:00:00Z
Engine:    stepped (time step 30 s)
Grid:      210 cells of 10 km, 21,000 km2
Border:    map length 286 km (official 3,145 km)

Summary (area-weighted means over the cells named; definitions: docs/figures.md)
  figure                       value  over
  ---------------------  -----------  ------------------------------------------------
  ever covered                80.0 %  whole grid
  time covered                40.0 %  whole grid
  accesses                      2.40  whole grid
  max platforms at once            2  whole grid (maximum)
  never seen               4,200 km2  20.0 % of the grid
  max revisit              1 h 7 min  cells ever seen (16,800 km2), maximum
  mean revisit           33 min 20 s  cells ever seen (16,800 km2)
  time-average gap            25 min  cells ever seen (16,800 km2)
  mean response          12 min 30 s  cells ever seen (16,800 km2), = mean age of data
  best GSD                         -  cells seen by an imaging sensor

Bands by distance from the border (max revisit and mean response: over the band's cells ever seen)
  band km  area km2  never seen km2  ever covered  time covered  accesses  max revisit  mean response
  -------  --------  --------------  ------------  ------------  --------  -----------  -------------
  0-25        5,000           1,000        80.0 %        75.0 %      2.40    1 h 7 min    12 min 30 s
  25-100     15,000           3,000        80.0 %        28.3 %      2.40    1 h 7 min    12 min 30 s

Platforms
  name     class                  on station  covered km2  airspace violations
  -------  ---------------------  ----------  -----------  -------------------
  Recon-1  high-altitude-recon           3 h       16,000                    1
  Drone-2  medium-altitude-drone  3 h 20 min          800                    0
  Recon-1: inside the neighbour's airspace 10 min to 12 min 5 s after start, up to 3.2 km (at 31.200, -110.100)

Warnings
  - Recon-1: 1 entry into the neighbour's airspace
"""


def test_format_tables_golden():
    # Values from make_result(): 4000 s = 1 h 6 min 40 s -> "1 h 7 min" (rounded to the
    # minute above an hour); 2000 s = 33 min 20 s; 1500 s = 25 min; 750 s = 12 min 30 s;
    # 210 cells = 21 x 10 lattice points; 210 x 100 km2 = 21,000 km2; never seen 4,200 km2,
    # so the revisit figures are over 21,000 - 4,200 = 16,800 km2.
    text = report.format_tables(make_result())
    assert text == GOLDEN_TABLES


def test_format_tables_without_official_length_or_warnings():
    result = make_result()
    result.geography.official_border_length_m = None
    result.warnings = []
    text = report.format_tables(result)
    assert "Border:    map length 286 km\n" in text      # BORDER's length
    assert "Warnings\n  (none)\n" in text


# -------------------------------------------------------------------------- CSV and JSON

def test_csv_columns_and_rows(tmp_path):
    result = make_result()
    path = tmp_path / "cells.csv"
    report.write_csv(result, path)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["lat", "lon", "depth_km", "along_km", "area_km2"] + list(formats.FIGURE_KEYS)
    assert len(rows) == 1 + len(result.grid.u)
    first = dict(zip(rows[0], rows[1]))
    # first cell: x = -100 km, y = 5 km -> along 0 km, depth 5 km, area 100 km2
    assert float(first["lat"]) == pytest.approx(result.grid.lat_deg[0], abs=1e-6)
    assert float(first["depth_km"]) == 5.0 and float(first["along_km"]) == 0.0
    assert float(first["area_km2"]) == 100.0
    assert float(first["time_covered_frac"]) == pytest.approx(1 - 5 / 80)
    last = dict(zip(rows[0], rows[-1]))
    assert last["best_gsd_m"] == ""            # never seen: NaN written as an empty field
    assert last["max_revisit_s"] == ""         # ... and no revisit is defined there


@pytest.mark.parametrize("writer", ["csv", "png"])
def test_writers_are_atomic(tmp_path, monkeypatch, writer):
    # A failure at the final rename must leave the old file untouched and no temp file.
    path = tmp_path / f"out.{writer}"
    path.write_text("old content")
    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(outfiles.os, "replace", broken_replace)
    with pytest.raises(OSError, match="simulated"):
        getattr(map_figure if writer == "png" else report, f"write_{writer}")(make_result(), path)
    assert os.listdir(tmp_path) == [path.name]
    assert path.read_text() == "old content"


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    # A failure inside the write (here fsync) leaves no destination and no temp file.
    def broken_fsync(fd):
        raise OSError("I/O error (simulated)")
    monkeypatch.setattr(outfiles.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="simulated"):
        report.write_csv(make_result(), tmp_path / "cells.csv")
    assert os.listdir(tmp_path) == []


# -------------------------------------------------------------------------------- PNG

def test_png_is_a_non_trivial_map(tmp_path):
    from matplotlib.image import imread
    result = make_result()
    path = tmp_path / "map.png"
    track = np.array([[LAT0 - 0.3, LON0 - 0.8], [LAT0 - 0.3, LON0 + 0.8]])
    map_figure.write_png(result, path, key="time_covered_frac", tracks=[track])
    shutil.copy(path, "/tmp/isr_report_test_map.png")      # kept for a look by hand
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    image = imread(path)
    assert image.shape[0] >= 600 and image.shape[1] >= 900       # 10 x 7.5 in at 120 dpi
    rgb = image[..., :3].reshape(-1, 3)
    white = np.all(rgb > 0.99, axis=1)
    assert (~white).mean() > 0.2                                  # mostly drawn, not blank
    assert len(np.unique(np.round(rgb * 255).astype(int), axis=0)) > 50   # a colour ramp
    # the border (red #c0392b) is drawn
    red = (np.abs(rgb - np.array([0xc0, 0x39, 0x2b]) / 255).max(axis=1) < 0.03)
    assert red.sum() > 200


def test_png_other_keys_and_bad_key(tmp_path):
    result = make_result()
    map_figure.write_png(result, tmp_path / "gsd.png", key="best_gsd_m")
    map_figure.write_png(result, tmp_path / "rev.png", key="max_revisit_s")
    assert (tmp_path / "gsd.png").stat().st_size > 10_000
    with pytest.raises(KeyError):
        map_figure.write_png(result, tmp_path / "bad.png", key="nope")
    assert not (tmp_path / "bad.png").exists()


def test_projector_is_the_grids_own_map():
    # Lines are drawn with the grid's own LAEA map: the cells' centres land on their x/y
    # (to rounding), and so does a point between cells made with the inverse map.
    grid = make_grid()
    project = map_geometry.grid_projector(grid)
    x, y = project(grid.lat_deg, grid.lon_deg)
    assert np.abs(x - grid.x_m).max() < 1e-6 and np.abs(y - grid.y_m).max() < 1e-6
    lat, lon = laea_inverse(17_000.0, 42_000.0, LAT0, LON0, EARTH.radius_m)
    x, y = project(np.array([lat]), np.array([lon]))
    assert abs(x[0] - 17_000.0) < 1e-6 and abs(y[0] - 42_000.0) < 1e-6
    # a point far beyond the grid (beyond 1.6 x its reach + 1 deg from its centre; the
    # equator at 0 E is about 11,000 km away) is cut, not drawn where the map tears
    x, _ = project(np.array([0.0]), np.array([0.0]))
    assert np.isnan(x[0])


# ------------------------------------------------------------------ PNG ground tracks

def _drawn_tracks(fig, gid):
    """(x, y) km arrays of the track lines with this gid in a build_map_figure Figure."""
    ax = fig.axes[0]
    return [(np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
            for line in ax.get_lines() if line.get_gid() == gid]


def _longest_segment_km(lines):
    """Longest drawn segment between consecutive finite vertices (NaN breaks the line)."""
    longest = 0.0
    for x, y in lines:
        d = np.hypot(np.diff(x), np.diff(y))
        d = d[np.isfinite(d)]
        if d.size:
            longest = max(longest, float(d.max()))
    return longest


def test_split_polyline_cuts_at_inactive_rows_and_jumps_not_at_the_antimeridian():
    # 0.1 deg of longitude at 60 N: 0.1 * 111.195 km * cos 60 = 5.56 km per step
    east = np.stack([np.full(20, 60.0), map_geometry.wrap180(np.arange(20) * 0.1 + 179.05)], axis=-1)
    assert east[:, 1].min() < -179 and east[:, 1].max() > 179          # crosses 180
    gap = np.full((1, 2), np.nan)                                      # inactive
    later = np.array([[55.0, 10.0], [55.0, 10.1], [55.0, 10.2]])
    jumped = np.array([[50.0, 10.2], [50.0, 10.3]])                    # 5 deg = 556 km away
    pieces = map_geometry.split_polyline(np.concatenate([east, gap, later, jumped]))
    assert [len(p) for p in pieces] == [20, 3, 2]
    # default threshold: 3 x median step; here the median is ~5.56 km (steps of 6.4 km at
    # 55 N, 7.1 km at 50 N), so the 556 km jump is cut and the 180 crossing is not
    assert map_geometry.split_polyline(later, max_step_m=5_000.0) == []      # 6.4 km > 5 km


def _antimeridian_result():
    """A result whose LAEA grid is centred on (60 N, 180): cells on a 0.5 deg lattice, a
    border from 178 E eastwards across 180 (4 deg of longitude at 60 N: 222 km)."""
    lat, lon = np.meshgrid(np.arange(58.0, 62.01, 0.5), np.arange(-184.0, -175.99, 0.5))
    lat, lon = lat.ravel(), map_geometry.wrap180(lon.ravel())
    x, y = laea_forward(lat, lon, 60.0, 180.0, EARTH.radius_m)
    grid = Grid(cell_m=25_000.0, lat_deg=lat, lon_deg=lon, u=unit_vector(lat, lon), x_m=x, y_m=y,
                center_lat_deg=60.0, center_lon_deg=180.0, radius_m=EARTH.radius_m,
                area_m2=np.full(lat.size, 1e9), depth_m=np.zeros(lat.size),
                along_m=np.zeros(lat.size), land=np.ones(lat.size, bool))
    result = make_result()
    m = lat.size
    result.grid = grid
    result.cells = {k: np.full(m, 0.5) for k in result.cells}
    result.geography = make_geography(SyntheticBorder(LatLon(60.0, 178.0), math.radians(90.0),
                                                      222_000.0))
    return result


def test_png_track_across_the_antimeridian_and_an_inactive_gap_has_no_long_chord():
    result = _antimeridian_result()
    lon_e = map_geometry.wrap180(177.0 + np.arange(121) * 0.05)      # 177 E -> 177 W
    east = np.stack([np.full(lon_e.size, 60.0), lon_e], axis=-1)
    west = np.stack([np.full(lon_e.size, 61.0), lon_e[::-1]], axis=-1)
    track = np.concatenate([east, np.full((3, 2), np.nan), west,
                            [[59.0, -177.0], [59.0, -177.05]]])     # then a jump of 2 deg
    fig = map_figure.build_map_figure(result, "time_covered_frac", tracks=[track])
    lines = _drawn_tracks(fig, "track-aircraft")
    assert lines
    # steps of 0.05 deg of longitude at 60-61 N: <= 0.05 * 111.195 km * cos 60 = 2.78 km;
    # a cut is made above 3 x the median step (8.3 km), so nothing drawn is longer: the
    # pieces are not joined and no line goes the long way round 180.
    assert _longest_segment_km(lines) < 3.0 * 2.78
    # ... but the crossing itself is drawn: a vertex within 3 km of (60 N, 180), which is
    # x = 0 on the map centred on it (LAEA, Snyder eq. 24-3 with l = l0)
    x, y = np.concatenate([ln[0] for ln in lines]), np.concatenate([ln[1] for ln in lines])
    assert np.nanmin(np.hypot(x - 0.0, y - 0.0)) < 3.0


class _TeleportingAircraft:
    """Flies east along 31.2 N for 1000 s at 0.0009 deg/s of longitude (85 m/s:
    0.9 deg * 111.195 km * cos 31.2 = 85.6 km per 1000 s), is inactive for 0.5 s (less than
    one drawing sample), then flies west along 31.6 N until 2000 s; inactive afterwards.
    Only what the map reads of a sim.platforms.tracks.Track: a jump no Track makes."""
    platform_name = "Hopper"
    once = ()                     # no orbit: an aircraft
    radius_m = EARTH.radius_m

    def state(self, t_s):
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        first = t <= 1000.0
        second = (t >= 1000.5) & (t <= 2000.0)
        lat = np.where(first, LAT0 + 0.2, LAT0 + 0.6)
        lon = np.where(first, LON0 - 0.9 + 0.0009 * t, LON0 + 0.9 - 0.0009 * (t - 1000.5))
        active = first | second
        pos = np.where(active[:, None], unit_vector(lat, lon), np.nan)
        vel = np.where(active[:, None], np.array([85.6, 0.0, 0.0]), np.nan)
        return pos, vel, np.where(active, 15_000.0, np.nan), active


def test_png_sampled_track_is_cut_at_a_gap_shorter_than_a_sample():
    result = make_result()
    result.tracks = [_TeleportingAircraft()]
    fig = map_figure.build_map_figure(result, "time_covered_frac")
    lines = _drawn_tracks(fig, "track-aircraft")
    # sampling: view span 210 km / 400 = 0.525 km target; 85.6 m/s * 3 s (12000 s / 4000)
    # = 0.26 km per sample, so a cut above 3 x 0.26 = 0.77 km; the 0.4 deg (44 km) hop
    # between the legs is not drawn (joining the samples would draw it as one chord)
    assert 0.0 < _longest_segment_km(lines) < 0.8
    x, y = lines[0]
    pieces = np.split(np.arange(x.size), np.nonzero(~np.isfinite(x))[0])
    assert sum(np.isfinite(x[p]).sum() >= 2 for p in pieces) == 2       # the two legs
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Hopper" in labels                          # each platform by name


def test_png_satellite_track_is_thin_fine_clipped_and_labelled(tmp_path):
    from sim.world.earth import julian_date
    from sim.platforms.segments import orbit_segment
    from sim.platforms.tracks import Track
    from sim.schema import OrbitTrack
    result = make_result()
    T = 2 * 86400.0
    result.scenario = replace(result.scenario, time=replace(result.scenario.time, duration_s=T))
    spec = OrbitTrack(altitude_m=705_000.0, inclination_rad=math.radians(98.2),
                      raan_rad=math.radians(114.4))
    jd0 = julian_date(result.scenario.time.start)
    seg = orbit_segment(spec, jd0, 0.0, T)
    # turn the node so that a pass goes over the grid: at the first time the ground track
    # crosses 31 N, the longitude is off by dlon; a node dlon further east moves the whole
    # ground track dlon east (a rotation about the polar axis)
    from sim.world.earth import lat_lon_deg
    t = np.arange(0.0, 86400.0, 5.0)
    lat, lon = lat_lon_deg(seg.position_u(t))
    k = int(np.nonzero((lat[:-1] < LAT0) & (lat[1:] >= LAT0))[0][0])
    spec = OrbitTrack(altitude_m=spec.altitude_m, inclination_rad=spec.inclination_rad,
                      raan_rad=spec.raan_rad + math.radians(LON0 - lon[k]))
    seg = orbit_segment(spec, jd0, 0.0, T)
    result.tracks = [Track("Sat-1", (), 0.0, 0.0, (0.0, 0.0), (seg,), T, ())]
    fig = map_figure.build_map_figure(result, "max_revisit_s")
    lines = _drawn_tracks(fig, "track-satellite")
    assert len(lines) == 1
    line = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "track-satellite"][0]
    assert line.get_linewidth() <= 0.6 and line.get_alpha() < 0.6      # thin and light
    # sampled to the view: 210 km span / 400 = 0.525 km per sample (ground speed ~6.9 km/s,
    # so 76 ms), cut above 3 x that: no chord across the map between passes
    assert 0.0 < _longest_segment_km(lines) < 2.0
    # the view stays on the grid (x -100..100 km, cells 10 km: extent -105..105, plus a 5 %
    # margin of 210 km = 10.5 km) instead of growing to the satellite's passes
    x0, x1 = fig.axes[0].get_xlim()
    assert x0 >= -116.0 and x1 <= 116.0
    # passes over the map: NaN-separated runs, counted in the legend
    x, _ = lines[0]
    runs = sum(1 for p in np.split(x, np.nonzero(np.isnan(x))[0]) if np.isfinite(p).sum() >= 2)
    assert runs >= 1
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"Sat-1: satellite, {runs} pass{'es' if runs != 1 else ''} over the map" in labels
    map_figure.write_png(result, tmp_path / "sat.png", key="max_revisit_s")
    shutil.copy(tmp_path / "sat.png", "/tmp/isr_report_test_sat.png")     # for a look by hand


def test_legend_is_below_the_map():
    result = make_result()
    fig = map_figure.build_map_figure(result, "time_covered_frac",
                                  tracks=[np.array([[LAT0 + 0.3, LON0 - 0.8],
                                                    [LAT0 + 0.3, LON0 + 0.8]])])
    fig.canvas.draw()
    ax = fig.axes[0]
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.y1 < ax.get_window_extent().y0        # entirely under the axes


def test_written_files_get_the_usual_mode(tmp_path):
    # mkstemp makes 0600 files; a report is an ordinary file: 0666 minus the umask
    umask = os.umask(0o022)
    try:
        report.write_csv(make_result(), tmp_path / "cells.csv")
    finally:
        os.umask(umask)
    assert (os.stat(tmp_path / "cells.csv").st_mode & 0o777) == 0o644
