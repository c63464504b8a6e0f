"""Tests of the report formats (sim/report.py) on a small hand-made Result."""
from __future__ import annotations

import csv
import json
import math
import os
import shutil
from datetime import datetime, timezone
from types import SimpleNamespace

import numpy as np
import pytest

from sim import report
from sim.earth import central_angle_rad, unit_vector

LAT0, LON0 = 31.0, -110.0
KM_PER_DEG = math.pi * 6371.0 / 180.0      # 111.195 km per degree of great circle


def make_grid(cell_km=10.0):
    """Cells on a 10 km lattice, x -100..100 km, y 5..95 km (north of the border y = 0),
    lat/lon by a local equirectangular map about (31 N, 110 W)."""
    xs = np.arange(-100.0, 100.0 + 1e-9, cell_km)
    ys = np.arange(cell_km / 2, 100.0, cell_km)
    x, y = np.meshgrid(xs, ys)
    x, y = x.ravel(), y.ravel()
    lat = LAT0 + y / KM_PER_DEG
    lon = LON0 + x / (KM_PER_DEG * math.cos(math.radians(LAT0)))
    return SimpleNamespace(u=unit_vector(lat, lon), lat_deg=lat, lon_deg=lon, x_m=x * 1000,
                           y_m=y * 1000, area_m2=np.full(x.size, cell_km ** 2 * 1e6),
                           depth_m=y * 1000, along_m=(x + 100.0) * 1000, cell_m=cell_km * 1000,
                           land=np.ones(x.size, bool))


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
        "accesses": np.where(ever > 0, 3.0, 0.0), "max_revisit_s": np.where(ever > 0, 4000.0, T),
        "mean_revisit_s": np.full(m, 2000.0), "time_average_gap_s": np.full(m, 1500.0),
        "mean_response_s": np.full(m, 750.0), "mean_age_of_data_s": np.full(m, 750.0),
        "max_simultaneous": np.where(ever > 0, 2.0, 0.0), "best_gsd_m": gsd,
    }
    border = np.array([[LAT0, LON0 - 1.5], [LAT0, LON0 + 1.5]])
    geography = SimpleNamespace(
        border_lat_deg=border[:, 0], border_lon_deg=border[:, 1],
        map_border_length_m=2_640_123.0, official_border_length_m=3_145_000.0,
        own_land=[np.array([[LAT0, LON0 - 1.5], [LAT0, LON0 + 1.5], [LAT0 - 1, LON0 + 1.5],
                            [LAT0 - 1, LON0 - 1.5], [LAT0, LON0 - 1.5]])],
        neighbour_land=[np.array([[LAT0, LON0 - 1.5], [LAT0, LON0 + 1.5], [LAT0 + 0.7, LON0 + 1.5],
                                  [LAT0 + 0.7, LON0 - 1.5], [LAT0, LON0 - 1.5]])],
        coastlines=[np.array([[LAT0 + 0.2, LON0 + 0.7], [LAT0 + 0.9, LON0 + 0.9]])])
    scenario = SimpleNamespace(
        name="Report test", time=SimpleNamespace(start=datetime(2025, 2, 3, tzinfo=timezone.utc),
                                                 duration_s=T, step_s=10.0),
        earth=SimpleNamespace(radius_m=6_371_000.0))
    summary = {"ever_covered_frac": 0.8, "time_covered_frac": 0.4, "accesses": 2.4,
               "max_revisit_s": 4000.0, "mean_revisit_s": 2000.0, "time_average_gap_s": 1500.0,
               "mean_response_s": 750.0, "mean_age_of_data_s": 750.0, "max_simultaneous": 2.0,
               "best_gsd_m": None}
    bands = [dict(summary, from_km=0.0, to_km=25.0, area_km2=5000.0, time_covered_frac=0.75),
             dict(summary, from_km=25.0, to_km=100.0, area_km2=15000.0, time_covered_frac=0.283)]
    platforms = [{"name": "Recon-1", "class": "high-altitude-recon", "time_on_station_s": 10800.0,
                  "covered_km2": 16000.0,
                  "airspace_violations": [{"start_s": 600.0, "end_s": 725.0, "lat": 31.2,
                                           "lon": -110.1, "max_inside_km": 3.25}]},
                 {"name": "Drone-2", "class": "medium-altitude-drone", "time_on_station_s": 12000.0,
                  "covered_km2": 800.0, "airspace_violations": []}]

    def to_json_dict():
        return {"scenario": scenario.name, "duration_s": T, "summary": summary,
                "cells_nan": float("nan"), "arr": np.arange(3)}

    return SimpleNamespace(scenario=scenario, engine="stepped", step_s=30.0, geography=geography,
                           grid=grid, cells=cells, summary=summary, bands=bands,
                           depth_profile=[], along_border=[], platforms=platforms,
                           warnings=["Recon-1: 1 entry into the neighbour's airspace"],
                           timeline=None, to_json_dict=to_json_dict, tracks=[])


# ------------------------------------------------------------------------------ formats

@pytest.mark.parametrize("seconds,text", [
    (45, "45 s"), (2.5, "2.5 s"), (125, "2 min 5 s"), (60, "1 min"),
    (12000, "3 h 20 min"),            # 12000 s = 3 h + 1200 s = 3 h 20 min
    (3600, "1 h"), (86400, "1 d"), (93900, "1 d 2 h 5 min"),   # 86400 + 7200 + 300
    (86700, "1 d 0 h 5 min"), (float("nan"), "-"), (None, "-")])
def test_format_duration(seconds, text):
    assert report.format_duration(seconds) == text


GOLDEN_TABLES = """\
Scenario:  Report test
Duration:  3 h 20 min from 2025-02-03T00:00:00Z
Engine:    stepped (time step 30 s)
Grid:      210 cells of 10 km, 21,000 km2
Border:    map length 2,640 km (official 3,145 km)

Summary (area-weighted mean over the grid; max revisit: worst ever-covered cell; max simultaneous: maximum)
  figure                  value
  ----------------  -----------
  ever covered           80.0 %
  time covered           40.0 %
  accesses                 2.40
  max revisit         1 h 7 min
  mean revisit      33 min 20 s
  time-average gap       25 min
  mean response     12 min 30 s
  mean age of data  12 min 30 s
  max simultaneous            2
  best GSD                    -

Bands by distance from the border
  band km  area km2  ever covered  time covered  accesses  max revisit  mean response  mean age of data
  -------  --------  ------------  ------------  --------  -----------  -------------  ----------------
  0-25        5,000        80.0 %        75.0 %      2.40    1 h 7 min    12 min 30 s       12 min 30 s
  25-100     15,000        80.0 %        28.3 %      2.40    1 h 7 min    12 min 30 s       12 min 30 s

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
    # 210 cells = 21 x 10 lattice points; 210 x 100 km2 = 21,000 km2.
    text = report.format_tables(make_result())
    assert text == GOLDEN_TABLES


def test_format_tables_without_official_length_or_warnings():
    result = make_result()
    result.geography.official_border_length_m = None
    result.warnings = []
    text = report.format_tables(result)
    assert "Border:    map length 2,640 km\n" in text
    assert "Warnings\n  (none)\n" in text


# -------------------------------------------------------------------------- CSV and JSON

def test_csv_columns_and_rows(tmp_path):
    result = make_result()
    path = tmp_path / "cells.csv"
    report.write_csv(result, path)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["lat", "lon", "depth_km", "along_km", "area_km2"] + list(report.FIGURE_KEYS)
    assert len(rows) == 1 + len(result.grid.u)
    first = dict(zip(rows[0], rows[1]))
    # first cell: x = -100 km, y = 5 km -> along 0 km, depth 5 km, area 100 km2
    assert float(first["lat"]) == pytest.approx(result.grid.lat_deg[0], abs=1e-6)
    assert float(first["depth_km"]) == 5.0 and float(first["along_km"]) == 0.0
    assert float(first["area_km2"]) == 100.0
    assert float(first["time_covered_frac"]) == pytest.approx(1 - 5 / 80)
    last = dict(zip(rows[0], rows[-1]))
    assert last["best_gsd_m"] == ""            # never seen: NaN written as an empty field
    assert float(last["max_revisit_s"]) == 12000.0


def test_json_is_strict_and_nan_free(tmp_path):
    path = tmp_path / "r.json"
    report.write_json(make_result(), path)
    data = json.loads(path.read_text())
    assert data["scenario"] == "Report test" and data["cells_nan"] is None
    assert data["arr"] == [0, 1, 2] and data["summary"]["best_gsd_m"] is None


@pytest.mark.parametrize("writer", ["csv", "json", "png"])
def test_writers_are_atomic(tmp_path, monkeypatch, writer):
    # A failure at the final rename must leave the old file untouched and no temp file.
    path = tmp_path / f"out.{writer}"
    path.write_text("old content")
    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(report.os, "replace", broken_replace)
    with pytest.raises(OSError, match="simulated"):
        getattr(report, f"write_{writer}")(make_result(), path)
    assert os.listdir(tmp_path) == [path.name]
    assert path.read_text() == "old content"


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    # A failure inside the write (here fsync) leaves no destination and no temp file.
    def broken_fsync(fd):
        raise OSError("I/O error (simulated)")
    monkeypatch.setattr(report.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="simulated"):
        report.write_csv(make_result(), tmp_path / "cells.csv")
    assert os.listdir(tmp_path) == []


# -------------------------------------------------------------------------------- PNG

def test_png_is_a_non_trivial_map(tmp_path):
    from matplotlib.image import imread
    result = make_result()
    path = tmp_path / "map.png"
    track = np.array([[LAT0 - 0.3, LON0 - 0.8], [LAT0 - 0.3, LON0 + 0.8]])
    report.write_png(result, path, key="time_covered_frac", tracks=[track])
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
    report.write_png(result, tmp_path / "gsd.png", key="best_gsd_m")
    report.write_png(result, tmp_path / "rev.png", key="max_revisit_s")
    assert (tmp_path / "gsd.png").stat().st_size > 10_000
    with pytest.raises(KeyError):
        report.write_png(result, tmp_path / "bad.png", key="nope")
    assert not (tmp_path / "bad.png").exists()


def test_projector_recovers_grid_coordinates():
    # The fitted map reproduces the cells' own x/y (the exact map here is the local
    # equirectangular one of make_grid): a point between cells lands within 0.1 km.
    grid = make_grid()
    project = report.grid_projector(grid)
    lat = LAT0 + 42.0 / KM_PER_DEG
    lon = LON0 + 17.0 / (KM_PER_DEG * math.cos(math.radians(LAT0)))
    x, y = project(np.array([lat]), np.array([lon]))
    assert abs(x[0] / 1000 - 17.0) < 0.1 and abs(y[0] / 1000 - 42.0) < 0.1
    # far away points are not extrapolated
    x, _ = project(np.array([0.0]), np.array([0.0]))
    assert np.isnan(x[0])
