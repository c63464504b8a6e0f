"""Geography: synthetic great-circle border (exact expectations from spherical geometry) and
the real us-mexico preset (expectations from docs/model.md, IBWC and UNCLOS)."""
import math

import numpy as np
import pytest

from sim.world import earth as E
from sim.world.geography import (AIRSPACE_INTERNATIONAL, AIRSPACE_NEIGHBOUR, AIRSPACE_OWN,
                           _PolygonSet, build_geography, load_etopo5_region)
from sim.schema import (EarthSpec, GeographySpec, LatLon, SyntheticBorder,
                                 SyntheticCoast)

R = 6_371_000.0
EARTH = EarthSpec(radius_m=R)
NMI = 1852.0                       # NIST SP 811: 1 nmi = 1852 m exactly
ONE_METRE = 1.0
ONE_MM = 1e-3
L = 800_000.0
ORIGIN = LatLon(31.0, -112.0)
AZ = math.radians(70.0)


def synthetic(own_side="left", coast_m=None, sea_m=12 * NMI):
    border = SyntheticBorder(origin=ORIGIN, azimuth_rad=AZ, length_m=L, own_side=own_side,
                             coast=None if coast_m is None else SyntheticCoast(coast_m))
    return build_geography(GeographySpec(synthetic=border, territorial_sea_m=sea_m), EARTH)


def point(along_m, right_m):
    """A point `right_m` to the right of the border (negative: left) at `along_m`, built
    with sim.world.earth: along the great circle, then perpendicular to it (bearing + 90 deg).
    The perpendicular great circle meets the border at right angles, so the ground
    distance to the border is |right_m| and the nearest border point is at along_m."""
    origin = E.unit_vector(ORIGIN.lat_deg, ORIGIN.lon_deg)
    foot = E.destination(origin, AZ, along_m / R)
    ahead = E.destination(origin, AZ, (along_m + 1000.0) / R)
    heading = E.bearing_rad(foot, ahead)
    return E.destination(foot, heading + math.pi / 2, right_m / R)


# ---------------------------------------------------------------- synthetic border

def on_land(g, u):
    """On either country's land: the land flag the grid is built from."""
    return g.depth_along_land(u)[2]


def test_synthetic_border_polyline_and_length():
    g = synthetic()
    assert g.name == "synthetic" and g.official_border_length_m is None
    # the border is the great circle from the origin: its length is the requested length
    assert g.map_border_length_m == pytest.approx(L, abs=ONE_METRE)
    assert g.border_lat_deg[0] == pytest.approx(ORIGIN.lat_deg, abs=1e-9)
    end = E.destination(E.unit_vector(ORIGIN.lat_deg, ORIGIN.lon_deg), AZ, L / R)
    assert np.allclose(g.border_u[-1], end, atol=1e-12)
    assert np.all(np.diff(g.border_along_m) > 0)


@pytest.mark.parametrize("own_side, sign", [("left", 1.0), ("right", -1.0)])
def test_signed_depth_and_along_at_known_offsets(own_side, sign):
    g = synthetic(own_side)
    along = np.array([0.0, 10_000.0, 250_000.0, 400_000.0, 799_000.0, 400_000.0, 123_456.0])
    right = np.array([5_000.0, -20_000.0, 100_000.0, -300_000.0, 50_000.0, 1.0, -1.0])
    u = point(along, right)
    # right of travel is the neighbour side when own_side is left (depth = +right)
    depth = g.signed_depth_m(u)
    assert np.allclose(depth, sign * right, rtol=0, atol=ONE_MM)
    dist, along_got = g.border_distance_m(u)
    assert np.allclose(dist, np.abs(right), rtol=0, atol=ONE_MM)
    assert np.allclose(along_got, along, rtol=0, atol=ONE_MM)


def test_points_beyond_the_ends_measure_to_the_end_points():
    g = synthetic()
    # on the border's great circle 50 km beyond each end: 50 km from the nearest end point
    u = point(np.array([L + 50_000.0, -30_000.0]), np.array([0.0, 0.0]))
    dist, along = g.border_distance_m(u)
    assert np.allclose(dist, [50_000.0, 30_000.0], atol=ONE_METRE)
    assert np.allclose(along, [L, 0.0], atol=ONE_METRE)
    # beyond the end and 40 km to the right: distance to the end point by the spherical
    # right triangle (cos c = cos a cos b, Napier's rules), neighbour side (own is left)
    u = point(np.array([L + 30_000.0]), np.array([40_000.0]))
    expected = R * math.acos(math.cos(30_000.0 / R) * math.cos(40_000.0 / R))
    assert g.signed_depth_m(u)[0] == pytest.approx(expected, abs=ONE_METRE)


def test_sides_land_coast_and_airspace_codes():
    g = synthetic("left", coast_m=150_000.0, sea_m=12 * NMI)
    # right (neighbour) side: land up to the coast at 150 km; territorial sea 22.224 km
    right = np.array([-100_000.0, 100_000.0, 149_000.0, 151_000.0, 150_000.0 + 20_000.0,
                      150_000.0 + 25_000.0, 400_000.0])
    u = point(np.full(right.size, 400_000.0), right)
    assert on_land(g, u).tolist() == [True, True, True, False, False, False, False]
    assert g.airspace(u).tolist() == [AIRSPACE_OWN, AIRSPACE_NEIGHBOUR, AIRSPACE_NEIGHBOUR,
                                      AIRSPACE_NEIGHBOUR, AIRSPACE_NEIGHBOUR,
                                      AIRSPACE_INTERNATIONAL, AIRSPACE_INTERNATIONAL]
    # sea points keep the side of the border segment: all of them are on the neighbour side
    assert np.all(g.signed_depth_m(u[3:]) > 0)
    # without a territorial sea the sea is international right off the coast
    g0 = synthetic("left", coast_m=150_000.0, sea_m=0.0)
    assert g0.airspace(u[3:4]).tolist() == [AIRSPACE_INTERNATIONAL]
    # no coast: all land on both sides
    g1 = synthetic("right")
    u = point(np.array([100_000.0, 100_000.0]), np.array([-900_000.0, 900_000.0]))
    assert on_land(g1, u).all()
    assert g1.airspace(u).tolist() == [AIRSPACE_NEIGHBOUR, AIRSPACE_OWN]   # own is right
    assert len(g.coastlines) == 1 and len(g1.coastlines) == 0


def test_offset_path_at_constant_distance_on_the_own_side():
    g = synthetic("left")
    offset, a, b = 60_000.0, 100_000.0, 700_000.0
    path = g.offset_path_u(offset, a, b)
    dist, along = g.border_distance_m(path)
    assert np.allclose(dist, offset, atol=ONE_METRE)
    assert np.all(g.signed_depth_m(path) < 0)                  # own side
    assert along[0] == pytest.approx(a, abs=ONE_METRE) and along[-1] == pytest.approx(b, abs=ONE_METRE)
    assert np.all(np.diff(along) > 0)
    steps = E.central_angle_rad(path[:-1], path[1:]) * R
    assert steps.max() <= 5_000.0
    # a parallel at distance x from a great circle is a small circle: its length over an
    # along-border span s is s cos(x / R) (zone geometry, Snyder 1987 p. 183)
    assert steps.sum() == pytest.approx((b - a) * math.cos(offset / R), rel=1e-5)
    # right-hand own side: the path is on the right
    g_right = synthetic("right")
    assert np.all(g_right.signed_depth_m(g_right.offset_path_u(offset)) < 0)
    with pytest.raises(ValueError):
        g.offset_path_u(offset, 500_000.0, 400_000.0)


def test_even_odd_rule_against_an_independent_point_in_polygon():
    # matplotlib's Path.contains_points (a separate implementation) as the reference; a ring
    # with a hole and a concave notch
    from matplotlib.path import Path
    outer = np.array([[0, 0], [0, 10], [10, 10], [10, 0], [5, 4], [0, 0]], float)
    hole = np.array([[6, 6], [6, 8], [8, 8], [8, 6], [6, 6]], float)
    rng = np.random.default_rng(3)
    pts = rng.uniform(-1, 11, size=(20_000, 2))
    got = _PolygonSet([outer, hole]).contains(pts[:, 0], pts[:, 1])
    ref = Path(outer).contains_points(pts) ^ Path(hole).contains_points(pts)
    assert np.array_equal(got, ref)


# ---------------------------------------------------------------- real preset

@pytest.fixture(scope="module")
def usmx():
    return build_geography(GeographySpec(preset="us-mexico", own="us"), EARTH)


def test_real_border_ends_and_length(usmx):
    # docs/model.md: Pacific end at Monument 258 about 32.534 N 117.122 W; Rio Grande
    # mouth about 25.96 N 97.15 W
    assert usmx.border_lat_deg[0] == pytest.approx(32.534, abs=0.1)
    assert usmx.border_lon_deg[0] == pytest.approx(-117.122, abs=0.1)
    assert usmx.border_lat_deg[-1] == pytest.approx(25.96, abs=0.1)
    assert usmx.border_lon_deg[-1] == pytest.approx(-97.15, abs=0.1)
    assert len(usmx.border_u) == 967            # docs/model.md: 967 shared vertices
    # docs/model.md: the Natural Earth 1:10m border measures about 2,640 km (measured:
    # 2,640.4 km on R = 6371 km); the official IBWC length is 3,145 km
    assert usmx.map_border_length_m == pytest.approx(2_640_000.0, rel=0.03)
    assert usmx.official_border_length_m == 3_145_000.0
    assert (usmx.own_name, usmx.neighbour_name) == ("United States", "Mexico")


def test_real_land_and_sides(usmx):
    # Phoenix, Arizona 33.45 N 112.07 W; Hermosillo, Sonora 29.07 N 110.96 W; Gulf of
    # Mexico 25 N 92 W (open sea, > 200 km from any coast)
    u = E.unit_vector([33.45, 29.07, 25.0], [-112.07, -110.96, -92.0])
    assert on_land(usmx, u).tolist() == [True, True, False]
    depth = usmx.signed_depth_m(u)
    assert depth[0] < -100_000.0 and depth[1] > 100_000.0
    assert usmx.airspace(u).tolist() == [AIRSPACE_OWN, AIRSPACE_NEIGHBOUR, AIRSPACE_INTERNATIONAL]
    mx = build_geography(GeographySpec(preset="us-mexico", own="mexico"), EARTH)
    assert mx.own_name == "Mexico"
    assert np.allclose(mx.signed_depth_m(u[:2]), -depth[:2])
    assert mx.airspace(u).tolist() == [AIRSPACE_NEIGHBOUR, AIRSPACE_OWN, AIRSPACE_INTERNATIONAL]


def test_territorial_sea_off_baja_california(usmx):
    # A Mexican Pacific coast vertex near 31.0 N (the westernmost Mexican coast point within
    # 0.03 deg of that latitude, ~ 116.34 W), then due west: UNCLOS 12 nmi territorial sea
    coast_lat = 31.0
    best = min(c[np.abs(c[:, 0] - coast_lat) < 0.03, 1].min()
               for c, own in zip(usmx.coastlines, usmx.coast_is_own)
               if not own and np.any((np.abs(c[:, 0] - coast_lat) < 0.03) & (c[:, 1] < -115.5)))
    assert best == pytest.approx(-116.34, abs=0.05)
    start = E.unit_vector(coast_lat, best)
    off = E.destination(start, math.radians(270.0), np.array([10.0, 15.0]) * NMI / R)
    assert not on_land(usmx, off).any()
    assert usmx.airspace(off).tolist() == [AIRSPACE_NEIGHBOUR, AIRSPACE_INTERNATIONAL]


@pytest.mark.parametrize("own", ["us", "mexico"])
def test_real_offset_path_is_clean(own):
    g = build_geography(GeographySpec(preset="us-mexico", own=own), EARTH)
    for offset in (50_000.0, 150_000.0):
        path = g.offset_path_u(offset)
        dist, _ = g.border_distance_m(path)
        # points are projected onto the exact distance; chords across the cut-out loops
        # and the densified points stay within 1.5 % of the offset
        assert np.all(np.abs(dist - offset) <= 0.015 * offset)
        assert np.all(g.signed_depth_m(path) < 0)
        steps = E.central_angle_rad(path[:-1], path[1:]) * R
        assert steps.max() <= 5_000.0
        assert _proper_crossings(path) == 0


def _proper_crossings(path):
    """Number of properly crossing non-adjacent segment pairs (orientation test in a local
    orthographic plane; standard segment-intersection predicate, CLRS sec. 33.1)."""
    c = E.normalize(path.mean(axis=0))
    east, north = E.local_frame(c)
    xy = np.stack([path @ east, path @ north], axis=1)
    a, b = xy[:-1], xy[1:]

    def orient(p, q, r):
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0])

    count = 0
    for i in range(len(a) - 2):
        j = slice(i + 2, len(a))
        o1, o2 = orient(a[i], b[i], a[j]), orient(a[i], b[i], b[j])
        o3, o4 = orient(a[j], b[j], a[i]), orient(a[j], b[j], b[i])
        count += int(np.sum((o1 * o2 < 0) & (o3 * o4 < 0)))
    return count


def test_unknown_preset_is_rejected():
    with pytest.raises(ValueError):
        build_geography(GeographySpec(preset="atlantis"), EARTH)


def test_etopo5_region():
    lat, lon, z = load_etopo5_region()
    assert z.shape == (lat.size, lon.size)
    # ETOPO5 spacing is 5 arc-minutes (NOAA): 1/12 deg
    assert np.diff(lat).mean() == pytest.approx(1 / 12, rel=1e-3)
    assert lat[0] <= 22.0 and lat[-1] >= 36.0 and lon[0] <= -117.5 and lon[-1] >= -97.0

    def at(la, lo):
        return z[np.argmin(np.abs(lat - la)), np.argmin(np.abs(lon - lo))]

    # Mexico City valley floor ~2,240 m (INEGI); 5' cells average the basin and its rims
    assert 1_800 <= at(19.43, -99.13) <= 2_900
    # Sigsbee Deep, Gulf of Mexico, ~3,700 m deep (NOAA) near 23.5 N 92.5 W
    assert at(23.5, -92.5) < -3_000


# ---------------------------------------------------------------- fast paths

def test_great_circle_fast_path_equals_general_polyline_path():
    # The synthetic border (one great circle) is measured in closed form (sim.world.geography
    # _Polylines._nearest_great_circle); the general KD-tree path on the same vertices is the
    # reference. Both measure on the same segment frames, so they agree to round-off; the
    # bound asked of the fast path is 1 m (1e-3 m asserted, far below a cell).
    from sim.world import geography as G
    g = synthetic()
    fast = g._border
    general = G._Polylines([g.border_u], G._SAMPLE_SPACING_M / R, fast=False)
    assert fast.pole is not None and general.pole is None
    rng = np.random.default_rng(7)
    along = np.r_[rng.uniform(-300_000.0, L + 300_000.0, 4000),
                  np.arange(0.0, L + 1.0, 10_000.0) + rng.uniform(-50, 50, 81)]   # at vertices
    right = rng.uniform(-600_000.0, 600_000.0, along.size)
    u = point(along, right)
    for max_angle in (None, 400_000.0 / R):
        qf = fast.nearest(u, max_angle)
        qg = general.nearest(u, max_angle)
        assert np.array_equal(np.isfinite(qf["angle"]), np.isfinite(qg["angle"]))
        ok = np.isfinite(qg["angle"])
        if max_angle is not None:
            assert 0 < ok.sum() < ok.size                        # some points cut off
        assert np.allclose(qf["angle"][ok] * R, qg["angle"][ok] * R, rtol=0, atol=ONE_MM)
        assert np.allclose(qf["along"][ok] * R, qg["along"][ok] * R, rtol=0, atol=ONE_MM)
        assert np.array_equal(np.sign(qf["side"][ok]), np.sign(qg["side"][ok]))
        assert np.allclose(qf["point"][ok], qg["point"][ok], rtol=0, atol=ONE_MM / R)
        assert np.array_equal(qf["seg"][ok] >= 0, qg["seg"][ok] >= 0)
    # beyond the ends the nearest point is the end point (hand check: along < 0 -> 0,
    # along > L -> L)
    q = fast.nearest(point(np.array([-50_000.0, L + 50_000.0]), np.array([1_000.0, -1_000.0])))
    assert q["along"] * R == pytest.approx([0.0, L], abs=ONE_MM)


def test_polygon_blocks_of_pairs_match_one_block(monkeypatch):
    # The vectorised even-odd test works on blocks of (point, edge) pairs; with tiny blocks
    # (many blocks, some of a single point) it must give the same answer as with one block.
    from sim.world import geography as G
    rng = np.random.default_rng(11)
    ang = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    r = 5 + 2 * np.sin(7 * ang)                                 # a star: concave, many bands
    ring = np.stack([r * np.sin(ang), r * np.cos(ang)], axis=1)
    pts = rng.uniform(-8, 8, size=(5_000, 2))
    ps = _PolygonSet([ring])
    one = ps.contains(pts[:, 0], pts[:, 1])
    monkeypatch.setattr(G, "_PAIR_CHUNK", 3)
    many = ps.contains(pts[:, 0], pts[:, 1])
    assert np.array_equal(one, many)
    from matplotlib.path import Path                             # independent reference
    assert np.array_equal(one, Path(np.vstack([ring, ring[:1]])).contains_points(pts))


def test_depth_along_land_land_only_equals_full(usmx):
    # land_only measures only land points; on them the results must be the same numbers
    rng = np.random.default_rng(5)
    u = E.unit_vector(rng.uniform(22.0, 36.0, 3000), rng.uniform(-120.0, -95.0, 3000))
    d_all, a_all, land_all = usmx.depth_along_land(u, max_m=500_000.0)
    d_land, a_land, land = usmx.depth_along_land(u, max_m=500_000.0, land_only=True)
    assert np.array_equal(land, land_all) and 0 < land.sum() < land.size
    assert np.array_equal(d_land[land], d_all[land], equal_nan=True)
    assert np.array_equal(a_land[land], a_all[land], equal_nan=True)
    assert np.all(np.isnan(d_land[~land])) and np.all(np.isnan(a_land[~land]))
