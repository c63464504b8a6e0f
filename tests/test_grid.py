"""Equal-area grid: LAEA formulas (Snyder 1987), cell counts against the analytic area of a
band along a great circle, depth/along of cells, land_only."""
import math

import numpy as np
import pytest

from sim.world import earth as E
from sim.world.geography import build_geography
from sim.world.grid import build_grid, laea_forward, laea_inverse
from sim.schema import (EarthSpec, GeographySpec, GridSpec, LatLon, SyntheticBorder,
                                 SyntheticCoast)

R = 6_371_000.0
EARTH = EarthSpec(radius_m=R)
L = 800_000.0
ORIGIN = LatLon(30.0, -105.0)
AZ = math.radians(100.0)


def synthetic(coast_m=None, own_side="left"):
    border = SyntheticBorder(origin=ORIGIN, azimuth_rad=AZ, length_m=L, own_side=own_side,
                             coast=None if coast_m is None else SyntheticCoast(coast_m))
    return build_geography(GeographySpec(synthetic=border), EARTH)


def band_area_m2(length_m, width_m):
    """Area within `width_m` of a great-circle arc of `length_m`, on one side of it: the
    zone between the great circle and its parallel at angular distance w = width/R over the
    arc, R * length * sin(w) (spherical zone, Snyder 1987 p. 183 / Archimedes), plus two
    quarter caps beyond the ends, each (1/4) 2 pi R^2 (1 - cos w)."""
    w = width_m / R
    return R * length_m * math.sin(w) + math.pi * R * R * (1.0 - math.cos(w))


def test_laea_snyder_numerical_example():
    # Snyder 1987, LAEA sphere example: R = 3, centre 40 N 100 W, point 20 S 100 E
    # -> x = -4.2339303, y = 4.0257775
    x, y = laea_forward(-20.0, 100.0, 40.0, -100.0, 3.0)
    assert x == pytest.approx(-4.2339303, abs=1e-7)
    assert y == pytest.approx(4.0257775, abs=1e-7)
    lat, lon = laea_inverse(x, y, 40.0, -100.0, 3.0)
    assert lat == pytest.approx(-20.0, abs=1e-9) and lon == pytest.approx(100.0, abs=1e-9)


def test_laea_round_trip():
    rng = np.random.default_rng(11)
    lat = rng.uniform(5.0, 55.0, 5000)
    lon = rng.uniform(-135.0, -75.0, 5000)
    x, y = laea_forward(lat, lon, 30.0, -105.0, R)
    lat2, lon2 = laea_inverse(x, y, 30.0, -105.0, R)
    assert np.allclose(lat2, lat, atol=1e-9) and np.allclose(lon2, lon, atol=1e-9)
    # the centre maps to the origin
    assert np.allclose(laea_forward(30.0, -105.0, 30.0, -105.0, R), 0.0, atol=1e-6)


@pytest.mark.parametrize("lat1, lon1", [(30.0, -100.0), (45.0, -120.0), (10.0, -80.0)])
def test_laea_is_equal_area(lat1, lon1):
    # projected area of a 1 x 1 deg lat/lon quad (edges densified, shoelace formula) equals
    # the spherical area R^2 dlon (sin lat2 - sin lat1) (Snyder 1987 p. 183)
    lat2, lon2 = lat1 + 1.0, lon1 + 1.0
    n = 400
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    lats = np.concatenate([np.full(n, lat1), lat1 + t, np.full(n, lat2), lat2 - t])
    lons = np.concatenate([lon1 + t, np.full(n, lon2), lon2 - t, np.full(n, lon1)])
    x, y = laea_forward(lats, lons, 30.0, -105.0, R)
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    expected = R * R * math.radians(1.0) * (math.sin(math.radians(lat2)) - math.sin(math.radians(lat1)))
    assert area == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("side, factor", [("neighbour", 1), ("own", 1), ("both", 2)])
def test_cell_count_matches_band_area(side, factor):
    g = synthetic()
    spec = GridSpec(cell_m=2_000.0, extent_m=100_000.0, side=side, land_only=False)
    grid = build_grid(spec, g, EARTH)
    expected = factor * band_area_m2(L, spec.extent_m)
    # boundary cells in or out balance on average; 0.5 % is ~ 3x the expected imbalance
    # (perimeter ~ 2.2e6 m x cell 2e3 m / 4e12 per side)
    assert grid.size * spec.cell_m ** 2 == pytest.approx(expected, rel=0.005)
    assert np.all(grid.area_m2 == spec.cell_m ** 2)
    assert grid.total_area_m2 == pytest.approx(grid.size * 4e6)


def test_cell_depth_and_along_are_exact():
    g = synthetic()
    grid = build_grid(GridSpec(cell_m=4_000.0, extent_m=150_000.0, side="both", land_only=False), g, EARTH)
    assert np.all(np.abs(grid.depth_m) <= 150_000.0) and np.all(grid.depth_m != 0)
    assert np.all((grid.along_m >= 0) & (grid.along_m <= L + 1e-6))
    # independent check from the great circle's pole n (left normal): cross-track angle
    # asin(u . n), along-track atan2(u . t, u . a) (Williams, Aviation Formulary); own side
    # is left, so depth = -R asin(u . n) where the foot lies within the arc
    a = E.unit_vector(ORIGIN.lat_deg, ORIGIN.lon_deg)
    b = E.destination(a, AZ, L / R)
    n = E.normalize(np.cross(a, b))
    t = np.cross(n, a)
    along = R * np.arctan2(grid.u @ t, grid.u @ a)
    inside = (along > 1_000.0) & (along < L - 1_000.0)
    # strip 2 x 800 x 150 km^2 vs end caps pi 150^2 km^2: about 77 % of the cells are inside
    assert inside.sum() > 0.7 * grid.size
    assert np.allclose(grid.depth_m[inside], -R * np.arcsin(grid.u[inside] @ n), rtol=0, atol=1e-3)
    assert np.allclose(grid.along_m[inside], along[inside], rtol=0, atol=1e-3)
    # beyond the ends the distance is to the end point, on the side of the great circle
    before, after = along < 0, along > L
    assert before.sum() > 0 and after.sum() > 0
    side = -np.sign(grid.u @ n)
    assert np.allclose(grid.depth_m[before], side[before] * R * E.central_angle_rad(grid.u[before], a),
                       rtol=0, atol=1e-3)
    assert np.allclose(grid.depth_m[after], side[after] * R * E.central_angle_rad(grid.u[after], b),
                       rtol=0, atol=1e-3)
    assert np.all(grid.along_m[before] == 0) and np.allclose(grid.along_m[after], L, atol=1e-3)
    # centres match the projection of their lat/lon
    x, y = laea_forward(grid.lat_deg, grid.lon_deg, grid.center_lat_deg, grid.center_lon_deg, R)
    assert np.allclose(x, grid.x_m, atol=1e-3) and np.allclose(y, grid.y_m, atol=1e-3)
    # the lattice is square with pitch cell_m
    assert np.allclose(np.mod(grid.x_m / 4_000.0 - 0.5, 1.0), 0.0, atol=1e-9)


def test_land_only_drops_sea_cells():
    coast = 60_000.0
    g = synthetic(coast_m=coast)
    spec = GridSpec(cell_m=2_000.0, extent_m=100_000.0, side="neighbour", land_only=True)
    land = build_grid(spec, g, EARTH)
    everything = build_grid(GridSpec(cell_m=2_000.0, extent_m=100_000.0, side="neighbour",
                                     land_only=False), g, EARTH)
    assert land.land.all() and not everything.land.all()
    # the coast is the parallel at 60 km: land cells are within 60 km of the great circle
    a = E.unit_vector(ORIGIN.lat_deg, ORIGIN.lon_deg)
    n = E.normalize(np.cross(a, E.destination(a, AZ, L / R)))
    xt = -R * np.arcsin(land.u @ n)
    assert xt.max() <= coast
    dropped = everything.size - land.size
    assert dropped == np.count_nonzero(-R * np.arcsin(everything.u @ n) > coast)
    # within the arc the kept land is the zone of width 60 km: R L sin(w) (Snyder p. 183)
    along = R * np.arctan2(land.u @ np.cross(n, a), land.u @ a)
    inside = (along >= 0) & (along <= L)
    assert inside.sum() * 4e6 == pytest.approx(R * L * math.sin(coast / R), rel=0.01)


def test_real_grid_neighbour_land():
    g = build_geography(GeographySpec(preset="us-mexico", own="us"), EARTH)
    grid = build_grid(GridSpec(cell_m=8_000.0, extent_m=200_000.0), g, EARTH)
    assert grid.size > 0 and grid.land.all()
    assert np.all((grid.depth_m > 0) & (grid.depth_m <= 200_000.0))
    # neighbour land of the us-mexico preset with own = us is Mexico: south of 32.72 N
    # (Mexico's northernmost point, Natural Earth) and airspace code 2 everywhere
    assert grid.lat_deg.max() < 32.72
    assert np.all(g.airspace(grid.u) == 2)
    # the grid is centred on the border's midpoint (half the map length along it)
    mid = g.point_at_along(g.map_border_length_m / 2)
    assert np.allclose(E.unit_vector(grid.center_lat_deg, grid.center_lon_deg), mid, atol=1e-12)
