"""Borders, coasts, country polygons, territorial sea, airspace and distance to the border.

A `Geography` is built from parts: a border polyline (own side one way, neighbour side the
other), a land model that says which country's land a point is on and how far it is from each
country's coast, and drawing outlines. Two land models exist: polygons (the real us-mexico
preset, from Natural Earth files in assets/geography/) and an analytic band (the synthetic
great-circle border with an optional straight coast).

Conventions: ground points are unit vectors (M, 3) in the Earth-fixed frame (sim.world.earth);
polylines are great-circle arcs between vertices; distances are ground (great-circle)
distances in metres on a sphere of radius `EarthSpec.radius_m`. Signed depth is the ground
distance to the border, positive on the neighbour side.

Side of the border for a point: land membership when the point is on one of the two
countries' land; otherwise the side of the nearest border segment (sign of the cross product,
with the mean normal of the two segments at a vertex). Points beyond the border's ends are at
the distance of the nearest end point.

Airspace (UNCLOS arts. 2-3; Chicago Convention art. 1): a state's national airspace covers its
land and its territorial sea, here every sea point within `territorial_sea_m` of that state's
coastline (islands included; the nearest coast decides where two seas overlap). Real
territorial seas are measured from legal baselines (straight lines across bays and island
fringes), so they reach further in places: this is a map model, not a legal one.

References: point-to-great-circle-arc distance by cross-track/along-track angles (Williams,
Aviation Formulary, "cross track error"; Bowditch ch. 24); even-odd point-in-polygon rule
(Shimrat 1962, Algorithm 112; Franklin's pnpoly); zone area of a sphere (Snyder 1987, USGS PP
1395, p. 183). Data: Natural Earth 5.1.1 1:10m admin-0 (public domain); NOAA ETOPO5.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Optional

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.spatial import cKDTree

from sim.world import earth as E
from sim.paths import ASSETS_DIR
from sim.schema import EarthSpec, GeographySpec, SyntheticBorder

PRESETS = ("us-mexico",)
PRESET_SIDES = {"us-mexico": ("us", "mexico")}
OFFICIAL_BORDER_LENGTH_M = {"us-mexico": 3_145_000.0}   # IBWC, land boundary
US_MEXICO_FILE = ASSETS_DIR / "geography" / "us_mexico.npz"
ETOPO5_FILE = ASSETS_DIR / "terrain" / "etopo5_us_mexico.npz"

AIRSPACE_OWN, AIRSPACE_INTERNATIONAL, AIRSPACE_NEIGHBOUR = 0, 1, 2
_SAMPLE_SPACING_M = 1_000.0       # densified points in the KD-trees
_CHUNK = 131_072                  # points per vectorised block (bounds temporary memory)
_PAIR_CHUNK = 4_000_000           # (point, edge) pairs per block of the polygon test
_GC_TOL_RAD = 1e-12               # vertices this close to one great circle use the closed form
_GC_VERTEX_RAD = 2e-5             # ~130 m: near a vertex the great-circle path measures in full
_DRAW_MARGIN_M = 1_500_000.0      # synthetic outlines reach this far beyond the border


# ============================================================== polylines on the sphere

class _Polylines:
    """Nearest-point queries against great-circle polylines on the unit sphere.

    lines: list of (K_i, 3) unit-vector vertex arrays (K_i >= 2). Distances are angles
    (radians). A KD-tree over points sampled every `spacing_rad` finds candidate segments,
    which are then measured exactly (cross-track / along-track angles).
    """

    def __init__(self, lines: list[np.ndarray], spacing_rad: float, k: int = 1,
                 fast: bool = True):
        a_list, b_list, line_id = [], [], []
        for i, line in enumerate(lines):
            line = np.asarray(line, dtype=float)
            keep = np.ones(len(line), bool)
            keep[1:] = np.any(line[1:] != line[:-1], axis=1)     # drop repeated vertices
            line = line[keep]
            if len(line) < 2:
                continue
            a_list.append(line[:-1])
            b_list.append(line[1:])
            line_id.append(np.full(len(line) - 1, i))
        self.a = np.concatenate(a_list)
        self.b = np.concatenate(b_list)
        self.line = np.concatenate(line_id)
        n = np.cross(self.a, self.b)
        self.n = n / np.linalg.norm(n, axis=1, keepdims=True)    # left normal of a -> b
        self.ta = np.cross(self.n, self.a)                          # tangent at a towards b
        self.frame = np.stack([self.a, self.ta, self.n], axis=1)     # (S, 3, 3)
        self.length = E.central_angle_rad(self.a, self.b)           # (S,)
        s = len(self.a)
        idx = np.arange(s)
        same_prev = np.r_[False, self.line[1:] == self.line[:-1]]
        same_next = np.r_[self.line[:-1] == self.line[1:], False]
        self.prev = np.where(same_prev, idx - 1, idx)
        self.next = np.where(same_next, idx + 1, idx)
        # mean normals at the vertices (pseudo-normals) decide the side near a vertex
        na = np.where(same_prev[:, None], self.n + self.n[self.prev], self.n)
        nb = np.where(same_next[:, None], self.n + self.n[self.next], self.n)
        self.na = na / np.maximum(np.linalg.norm(na, axis=1, keepdims=True), 1e-300)
        self.nb = nb / np.maximum(np.linalg.norm(nb, axis=1, keepdims=True), 1e-300)
        # along-line angle at each segment's start
        start = np.r_[0.0, np.cumsum(self.length)[:-1]]
        first_seg = np.maximum.accumulate(np.where(same_prev, 0, idx))
        self.along0 = start - start[first_seg]
        # samples for the KD-tree
        counts = np.maximum(1, np.ceil(self.length / spacing_rad)).astype(int)
        seg = np.repeat(idx, counts)
        frac = (np.arange(seg.size) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[seg]
        t = frac * self.length[seg]
        pts = np.cos(t)[:, None] * self.a[seg] + np.sin(t)[:, None] * self.ta[seg]
        last = np.nonzero(~same_next)[0]
        self.sample_seg = np.r_[seg, last]
        # unbalanced, non-compact nodes with larger leaves query points on a curve several
        # times faster than the defaults (measured on the us-mexico border)
        self.tree = cKDTree(np.vstack([pts, self.b[last]]), leafsize=32, compact_nodes=False,
                            balanced_tree=False)
        self.spacing_rad = spacing_rad
        self.k = k
        self.pole = self._great_circle_pole() if fast else None

    def _great_circle_pole(self) -> Optional[np.ndarray]:
        """The unit pole (3,) of the great circle when the polylines are one line whose
        vertices all lie on one great circle (within _GC_TOL_RAD), travelled forwards, shorter
        than half a turn (a synthetic border); else None."""
        if np.any(self.line != self.line[0]):
            return None
        total = float(self.along0[-1] + self.length[-1])
        if not total < math.pi - 1e-6:
            return None
        pole = np.sum(self.n * self.length[:, None], axis=0)
        norm = float(np.linalg.norm(pole))
        if norm == 0.0:
            return None
        pole = pole / norm
        off = max(float(np.max(np.abs(self.a @ pole))), float(abs(self.b[-1] @ pole)))
        if off > _GC_TOL_RAD or np.min(self.n @ pole) < 0.5:
            return None
        return pole

    def nearest(self, u: np.ndarray, max_angle_rad: Optional[float] = None,
                with_point: bool = True) -> dict:
        """Nearest polyline point of each of u (M, 3).

        Returns a dict of (M,) arrays: angle (rad; inf beyond max_angle_rad), seg (segment
        index, -1 if beyond), along (rad from the start of the segment's line), side (dot of
        u with the left normal at the nearest point: > 0 left of travel), and point (M, 3)
        (left out when with_point is False).
        """
        u = np.atleast_2d(np.asarray(u, dtype=float))
        if self.pole is not None:
            return self._nearest_great_circle(u, max_angle_rad, with_point)
        m = len(u)
        out = {"angle": np.full(m, np.inf), "seg": np.full(m, -1), "along": np.full(m, np.nan),
               "side": np.full(m, np.nan), "point": np.full((m, 3), np.nan)}
        for lo in range(0, m, _CHUNK):
            rows = np.arange(lo, min(m, lo + _CHUNK))
            self._nearest_block(u[rows], max_angle_rad, out, rows)
        if not with_point:
            del out["point"]
        return out

    def _nearest_great_circle(self, p, max_angle_rad, with_point) -> dict:
        """nearest() when the polyline is one line on a single great circle, without the
        KD-tree: the along-track angle atan2(p . t0, p . a0) from the first vertex a0
        (t0 = P x a0, P the pole) gives the segment directly; the point is then measured on
        that segment's frame as the general path does (cross-track asin(p . n), along-track
        atan2(p . ta, p . a); beyond the ends the chord distance to the end point). Points
        within _GC_VERTEX_RAD of a vertex, where the general path may pick the vertex of a
        neighbouring segment by round-off, go through the general measurement with the
        segment the KD-tree would give (the one starting at that vertex), so results equal
        the general path's bit for bit.
        References: Williams, Aviation Formulary, "cross track error" and "along track
        distance" (spherical right triangle); Bowditch ch. 24."""
        m = len(p)
        nseg = len(self.a)
        a0 = self.a[0]
        t0 = np.cross(self.pole, a0)
        total = float(self.along0[-1] + self.length[-1])
        along_gc = np.arctan2(p @ t0, p @ a0)                       # (-pi, pi]
        before, after = along_gc < 0.0, along_gc > total
        seg = np.minimum(np.maximum(np.searchsorted(self.along0, along_gc, side="right") - 1, 0),
                         nseg - 1)
        # segment frame: p.a, p.ta, p.n (as in _nearest_block)
        dots = np.einsum("mj,mij->mi", p, self.frame[seg])
        pa, pt, pn = dots[:, 0], dots[:, 1], dots[:, 2]
        angle = np.abs(np.arcsin(np.minimum(np.maximum(pn, -1.0), 1.0)))
        side = pn
        seg_len = self.length[seg]
        t = np.minimum(np.maximum(np.arctan2(pt, pa), 0.0), seg_len)
        ends = np.nonzero(before | after)[0]
        if ends.size:
            # beyond the ends: the chord to the nearer end point, as in _nearest_block (p.a at
            # the start; p.b = cos(L) p.a + sin(L) p.ta at the end of the last segment)
            q = p[ends]
            first, last = self.frame[0], self.frame[-1]                # rows a, ta, n
            p_start = np.einsum("mj,j->m", q, first[0])
            last_len = self.length[-1]
            p_end = (np.cos(last_len) * np.einsum("mj,j->m", q, last[0])
                     + np.sin(last_len) * np.einsum("mj,j->m", q, last[1]))
            d_start = 2.0 * np.arcsin(np.clip(np.sqrt(np.maximum(2.0 - 2.0 * p_start, 0.0)) / 2, 0, 1))
            d_end = 2.0 * np.arcsin(np.clip(np.sqrt(np.maximum(2.0 - 2.0 * p_end, 0.0)) / 2, 0, 1))
            at_start = d_start <= d_end
            angle[ends] = np.where(at_start, d_start, d_end)
            seg[ends] = np.where(at_start, 0, nseg - 1)
            t[ends] = np.where(at_start, 0.0, last_len)
            side = side.copy()
            side[ends] = np.where(at_start, q @ self.na[0], q @ self.nb[-1])
        # vertices bounding each point's segment (its nearest vertex is one of them)
        vertex_along = np.r_[self.along0, total]
        d_lo = np.abs(along_gc - vertex_along[seg])
        d_hi = np.abs(vertex_along[seg + 1] - along_gc)
        near = np.nonzero(np.minimum(d_lo, d_hi) < _GC_VERTEX_RAD)[0]
        out = {"angle": angle, "seg": seg, "along": self.along0[seg] + t, "side": side}
        if with_point:
            out["point"] = np.cos(t)[:, None] * self.a[seg] + np.sin(t)[:, None] * self.ta[seg]
        if max_angle_rad is not None:
            far = angle > max_angle_rad
            for key, fill in (("angle", np.inf), ("seg", -1), ("along", np.nan),
                              ("side", np.nan), ("point", np.nan)):
                if key in out:
                    out[key][far] = fill
        # near a vertex: the general measurement, from the segment starting at that vertex
        if near.size:
            near_k = np.where(d_lo[near] <= d_hi[near], seg[near], seg[near] + 1)
            full = dict(out) if with_point else dict(out, point=np.empty((m, 3)))
            for key, fill in (("angle", np.inf), ("seg", -1), ("along", np.nan),
                              ("side", np.nan), ("point", np.nan)):
                full[key][near] = fill
            self._nearest_block(p[near], max_angle_rad, full, near,
                                s0=np.minimum(near_k, nseg - 1)[:, None])
        return out

    def _nearest_block(self, p, max_angle_rad, out, target, s0=None):
        """Measure points p (m, 3) against the segments found from the KD-tree (or the given
        candidate segments s0 (m, j)) and their neighbours; write rows `target` (m,) of out."""
        if s0 is None:
            bound = np.inf
            if max_angle_rad is not None:
                bound = 2.0 * math.sin(min(math.pi, max_angle_rad + self.spacing_rad) / 2.0)
            _, idx = self.tree.query(p, k=self.k, distance_upper_bound=bound)
            idx = idx.reshape(len(p), -1)
            found = idx[:, 0] < self.tree.n
            if not np.any(found):
                return
            rows = np.nonzero(found)[0]
            if rows.size < len(p):
                p, idx = p[rows], idx[rows]
            idx = np.where(idx < self.tree.n, idx, idx[:, :1])
            s0 = self.sample_seg[idx]
        else:
            rows = np.arange(len(p))
        cand = np.concatenate([s0, self.prev[s0], self.next[s0]], axis=1)   # (m, 3k)
        frame = self.frame[cand]                                            # (m, c, 3, 3)
        dots = np.einsum("mj,mcij->mci", p, frame)                          # p.a, p.ta, p.n
        pa, pt, pn = dots[..., 0], dots[..., 1], dots[..., 2]
        t = np.arctan2(pt, pa)
        seg_len = self.length[cand]
        inside = (t >= 0.0) & (t <= seg_len)
        # distance to an end point from the chord: |p - a|^2 = 2 - 2 p.a for unit vectors;
        # p.b = cos(L) p.a + sin(L) p.ta since b = cos(L) a + sin(L) ta
        pb = np.cos(seg_len) * pa + np.sin(seg_len) * pt
        d_end = 2.0 * np.arcsin(np.clip(np.sqrt(np.maximum(2.0 - 2.0 * np.where(t < 0, pa, pb), 0.0)) / 2, 0, 1))
        dist = np.where(inside, np.abs(np.arcsin(np.clip(pn, -1.0, 1.0))), d_end)
        best = np.argmin(dist, axis=1)
        r = np.arange(len(p))
        seg = cand[r, best]
        angle = dist[r, best]
        tb = np.clip(t[r, best], 0.0, seg_len[r, best])
        kind = np.where(inside[r, best], 0, np.where(t[r, best] < 0, 1, 2))
        normal = np.where((kind == 0)[:, None], self.n[seg],
                          np.where((kind == 1)[:, None], self.na[seg], self.nb[seg]))
        point = np.cos(tb)[:, None] * self.a[seg] + np.sin(tb)[:, None] * self.ta[seg]
        if max_angle_rad is not None:
            keep = angle <= max_angle_rad
            rows, seg, angle, tb, normal, point, p = (rows[keep], seg[keep], angle[keep], tb[keep],
                                                     normal[keep], point[keep], p[keep])
        target = target[rows]
        out["angle"][target] = angle
        out["seg"][target] = seg
        out["along"][target] = self.along0[seg] + tb
        out["side"][target] = np.sum(p * normal, axis=1)
        out["point"][target] = point


def _densify_great_circle(u: np.ndarray, max_step_rad: float) -> np.ndarray:
    """Insert points on each great-circle arc of the polyline u (K, 3) so that no step
    exceeds max_step_rad. Returns (K', 3)."""
    a, b = u[:-1], u[1:]
    ang = E.central_angle_rad(a, b)
    counts = np.maximum(1, np.ceil(ang / max_step_rad)).astype(int)
    seg = np.repeat(np.arange(len(a)), counts)
    frac = (np.arange(seg.size) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[seg]
    sin_ang = np.sin(ang[seg])
    w0 = np.where(sin_ang > 0, np.sin((1 - frac) * ang[seg]) / np.where(sin_ang > 0, sin_ang, 1), 1 - frac)
    w1 = np.where(sin_ang > 0, np.sin(frac * ang[seg]) / np.where(sin_ang > 0, sin_ang, 1), frac)
    pts = w0[:, None] * a[seg] + w1[:, None] * b[seg]
    return np.vstack([pts, u[-1:]])


# ============================================================== land models

class _PolygonSet:
    """Even-odd point-in-polygon test for many rings of [lat, lon] vertices, vectorised:
    edges are bucketed by latitude band; each point is paired with the edges of its band and
    all (point, edge) pairs are tested at once (in blocks of _PAIR_CHUNK pairs).

    References: even-odd (crossing number) rule, Shimrat 1962 (CACM Algorithm 112).
    """

    def __init__(self, rings: list[np.ndarray]):
        e0, e1 = [], []
        for ring in rings:
            ring = np.asarray(ring, dtype=float)
            if len(ring) < 3:
                continue
            if np.any(ring[0] != ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            e0.append(ring[:-1])
            e1.append(ring[1:])
        if not e0:
            self.empty = True
            return
        self.empty = False
        p0, p1 = np.concatenate(e0), np.concatenate(e1)
        keep = p0[:, 0] != p1[:, 0]                 # horizontal edges never cross a ray
        self.y0, self.x0 = p0[keep, 0], p0[keep, 1]
        self.y1, self.x1 = p1[keep, 0], p1[keep, 1]
        ylo, yhi = np.minimum(self.y0, self.y1), np.maximum(self.y0, self.y1)
        self.lat_min, self.lat_max = float(ylo.min()), float(yhi.max())
        nbands = max(1, len(self.y0) // 4)
        self.h = max((self.lat_max - self.lat_min) / nbands, 1e-9)
        self.nbands = nbands
        b0 = np.clip(((ylo - self.lat_min) / self.h).astype(int), 0, nbands - 1)
        b1 = np.clip(((yhi - self.lat_min) / self.h).astype(int), 0, nbands - 1)
        counts = b1 - b0 + 1
        edge = np.repeat(np.arange(len(b0)), counts)
        band = np.repeat(b0, counts) + (np.arange(edge.size) - np.repeat(np.cumsum(counts) - counts, counts))
        order = np.argsort(band, kind="stable")
        self.band_edges = edge[order]
        self.band_ptr = np.searchsorted(band[order], np.arange(nbands + 1))
        self.bbox = (self.lat_min, self.lat_max, float(min(self.x0.min(), self.x1.min())),
                     float(max(self.x0.max(), self.x1.max())))

    def contains(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """(M,) bool: inside an odd number of rings."""
        lat = np.asarray(lat_deg, dtype=float).ravel()
        lon = np.asarray(lon_deg, dtype=float).ravel()
        result = np.zeros(lat.size, bool)
        if self.empty:
            return result
        la0, la1, lo0, lo1 = self.bbox
        cand = np.nonzero((lat >= la0) & (lat <= la1) & (lon >= lo0) & (lon <= lo1))[0]
        if cand.size == 0:
            return result
        band = np.clip(((lat[cand] - self.lat_min) / self.h).astype(int), 0, self.nbands - 1)
        first = self.band_ptr[band]
        count = self.band_ptr[band + 1] - first                   # edges of each point's band
        has = count > 0
        cand, first, count = cand[has], first[has], count[has]
        # blocks of points whose (point, edge) pairs fit in _PAIR_CHUNK
        ends = np.cumsum(count)
        lo = 0
        while lo < cand.size:
            base = ends[lo - 1] if lo else 0
            hi = max(lo + 1, int(np.searchsorted(ends, base + _PAIR_CHUNK, side="right")))
            c = count[lo:hi]
            pair_pt = np.repeat(np.arange(hi - lo), c)
            offset = np.arange(pair_pt.size) - np.repeat(np.cumsum(c) - c, c)
            edges = self.band_edges[np.repeat(first[lo:hi], c) + offset]
            pts = cand[lo:hi]
            y, x = lat[pts][pair_pt], lon[pts][pair_pt]
            y0, y1 = self.y0[edges], self.y1[edges]
            x0, x1 = self.x0[edges], self.x1[edges]
            straddle = (y0 > y) != (y1 > y)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_cross = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            crossings = np.bincount(pair_pt[straddle & (x < x_cross)], minlength=hi - lo)
            result[pts] = (crossings % 2) == 1
            lo = hi
        return result


class _PolygonLand:
    """Land and coasts of the real preset: country polygons and coastline polylines."""

    def __init__(self, own_rings, neighbour_rings, coasts_u, coast_owner_is_own, spacing_rad):
        self.own = _PolygonSet(own_rings)
        self.neighbour = _PolygonSet(neighbour_rings)
        self.coast = _Polylines(coasts_u, spacing_rad) if coasts_u else None
        self.coast_owner_is_own = np.asarray(coast_owner_is_own, bool)

    def classify(self, u, lat, lon) -> np.ndarray:
        """(M,) int8: 0 not land of either country, 1 own land, 2 neighbour land."""
        code = np.zeros(len(u), np.int8)
        code[self.own.contains(lat, lon)] = 1
        rest = np.nonzero(code == 0)[0]
        code[rest[self.neighbour.contains(lat[rest], lon[rest])]] = 2
        return code

    def coast_within(self, u, max_angle_rad) -> tuple[np.ndarray, np.ndarray]:
        """Angle (rad, inf beyond max) to the nearest coast and whether that coast is own."""
        if self.coast is None:
            return np.full(len(u), np.inf), np.zeros(len(u), bool)
        q = self.coast.nearest(u, max_angle_rad)
        seg = q["seg"]
        owner = np.zeros(len(u), bool)
        ok = seg >= 0
        owner[ok] = self.coast_owner_is_own[self.coast.line[seg[ok]]]
        return q["angle"], owner


class _BandLand:
    """Land of a synthetic border: the own side is all land; the neighbour side is land up
    to a coast parallel to the border's great circle at `coast_angle` (None: no coast)."""

    def __init__(self, pole: np.ndarray, own_left: bool, coast_angle: Optional[float]):
        self.pole = pole                    # unit normal of the border's great circle (left)
        self.own_sign = 1.0 if own_left else -1.0
        self.coast_angle = coast_angle

    def _neighbour_xt(self, u):
        """Cross-track angle from the border's great circle, positive on the neighbour side."""
        return -self.own_sign * np.arcsin(np.clip(u @ self.pole, -1.0, 1.0))

    def classify(self, u, lat, lon) -> np.ndarray:
        xt = self._neighbour_xt(u)
        code = np.where(xt <= 0.0, 1, 2).astype(np.int8)
        if self.coast_angle is not None:
            code[xt > self.coast_angle] = 0
        return code

    def coast_within(self, u, max_angle_rad):
        """A point's distance to the small circle at cross-track c is |xt - c| along the
        perpendicular great circle; only neighbour-side sea is near this coast."""
        if self.coast_angle is None:
            return np.full(len(u), np.inf), np.zeros(len(u), bool)
        d = np.abs(self._neighbour_xt(u) - self.coast_angle)
        return np.where(d <= max_angle_rad, d, np.inf), np.zeros(len(u), bool)


# ============================================================== geography

def _as_unit(u) -> np.ndarray:
    """Points as (M, 3) unit vectors (positions at altitude are projected to the ground)."""
    return E.normalize(np.atleast_2d(np.asarray(u, dtype=float)))


class Geography:
    """A border between an own and a neighbour country, with land, coasts and airspace.

    Attributes:
        name: "synthetic" | "us-mexico".
        own_name, neighbour_name: display names.
        border_lat_deg, border_lon_deg: (N,) border polyline, start to end.
        border_u: (N, 3) unit vectors.  border_along_m: (N,) cumulative ground length.
        map_border_length_m: length of the polyline (a map length: generalised meanders).
        official_border_length_m: published length (IBWC 3,145 km for us-mexico) or None.
        own_land, neighbour_land: lists of (K, 2) [lat, lon] rings (drawing; for the
            synthetic border, bands reaching 1,500 km beyond the border).
        coastlines: list of (K, 2) [lat, lon] polylines; coast_is_own: (len(coastlines),) bool.
        territorial_sea_m: national airspace reaches this far off a coast.
        radius_m: Earth radius used for ground distances.
        own_left: True when the own side is left of the border's direction of travel.
    """

    def __init__(self, *, name: str, own_name: str, neighbour_name: str, border_u: np.ndarray,
                 own_left: bool, land, own_land: list, neighbour_land: list, coastlines: list,
                 coast_is_own, territorial_sea_m: float, radius_m: float,
                 official_border_length_m: Optional[float] = None):
        self.name = name
        self.own_name = own_name
        self.neighbour_name = neighbour_name
        self.radius_m = float(radius_m)
        self.border_u = np.asarray(border_u, dtype=float)
        self.border_lat_deg, self.border_lon_deg = E.lat_lon_deg(self.border_u)
        steps = E.central_angle_rad(self.border_u[:-1], self.border_u[1:]) * self.radius_m
        self.border_along_m = np.r_[0.0, np.cumsum(steps)]
        self.map_border_length_m = float(self.border_along_m[-1])
        self.official_border_length_m = official_border_length_m
        self.own_left = bool(own_left)
        self.own_land = own_land
        self.neighbour_land = neighbour_land
        self.coastlines = coastlines
        self.coast_is_own = np.asarray(coast_is_own, bool)
        self.territorial_sea_m = float(territorial_sea_m)
        self._land = land
        self._border = _Polylines([self.border_u], _SAMPLE_SPACING_M / self.radius_m)

    # ---------------------------------------------------------------- distances
    def _query(self, u, max_m):
        """Nearest border points of unit vectors u (M, 3) (see _Polylines.nearest)."""
        return self._border.nearest(u, None if max_m is None else max_m / self.radius_m,
                                    with_point=False)

    def _classify(self, u) -> np.ndarray:
        """Land code (M,) int8 of unit vectors u (M, 3): 0 neither, 1 own, 2 neighbour."""
        if isinstance(self._land, _BandLand):          # needs no latitude / longitude
            return self._land.classify(u, None, None)
        lat, lon = E.lat_lon_deg(u)
        return self._land.classify(u, lat, lon)

    def border_distance_m(self, u, max_m: Optional[float] = None) -> tuple[np.ndarray, np.ndarray]:
        """Ground distance (M,) in m from points u (M, 3) (any length: projected to the
        ground) to the border polyline, and the along-border distance (M,) in m of the
        nearest border point. Points farther than max_m (if given) get inf and nan (a fast
        path for grids)."""
        q = self._query(_as_unit(u), max_m)
        return q["angle"] * self.radius_m, q["along"] * self.radius_m

    def _sign(self, q, code):
        """+1 neighbour side, -1 own side: land membership first, else the segment side."""
        geometric_own = (q["side"] > 0) == self.own_left
        sign = np.where(geometric_own, -1.0, 1.0)
        return np.where(code == 1, -1.0, np.where(code == 2, 1.0, sign))

    def signed_depth_m(self, u, max_m: Optional[float] = None) -> np.ndarray:
        """Signed ground distance (M,) in m from the border, neighbour side positive, for
        points u (M, 3). With max_m, points farther than max_m get nan."""
        return self.depth_along_land(u, max_m)[0]

    def depth_along_land(self, u, max_m: Optional[float] = None, land_only: bool = False):
        """(depth_m (M,), along_m (M,), land (M,) bool) in one pass (used by the grid).
        With land_only, only land points are measured: the others get nan depth and along."""
        u = _as_unit(u)
        code = self._classify(u)
        if not land_only:
            q = self._query(u, max_m)
            sign = self._sign(q, code)
            depth = np.where(np.isfinite(q["angle"]), sign * q["angle"] * self.radius_m, np.nan)
            return depth, q["along"] * self.radius_m, code > 0
        rows = np.nonzero(code > 0)[0]
        depth, along = np.full(len(u), np.nan), np.full(len(u), np.nan)
        q = self._query(u[rows], max_m)
        sign = self._sign(q, code[rows])
        depth[rows] = np.where(np.isfinite(q["angle"]), sign * q["angle"] * self.radius_m, np.nan)
        along[rows] = q["along"] * self.radius_m
        return depth, along, code > 0

    def airspace(self, u) -> np.ndarray:
        """(M,) int8 airspace code of points u (M, 3): 0 own national, 1 international,
        2 neighbour national. National airspace = land + territorial sea (UNCLOS art. 2-3),
        the sea measured from the nearest coastline of the map (not the legal baselines)."""
        u = _as_unit(u)
        lat, lon = E.lat_lon_deg(u)
        code = self._land.classify(u, lat, lon)
        out = np.full(len(u), AIRSPACE_INTERNATIONAL, np.int8)
        out[code == 1] = AIRSPACE_OWN
        out[code == 2] = AIRSPACE_NEIGHBOUR
        sea = np.nonzero(code == 0)[0]
        if sea.size:
            dist, owner_own = self._land.coast_within(u[sea], self.territorial_sea_m / self.radius_m)
            near = np.isfinite(dist)
            out[sea[near & owner_own]] = AIRSPACE_OWN
            out[sea[near & ~owner_own]] = AIRSPACE_NEIGHBOUR
        return out

    def airspace_inside_m(self, u) -> np.ndarray:
        """(M,) how far points u (M, 3) in the neighbour's national airspace are from its
        edge, in m: over its territorial sea, the territorial sea minus the distance to its
        coast; over its land, the nearer of the land border and the outer limit of its
        territorial sea (coast distance + territorial sea). Other points: 0.
        References: UNCLOS arts. 2-3 (12 nmi); measured from the map coastline, not the
        legal baselines."""
        u = _as_unit(u)
        code = self.airspace(u)
        out = np.zeros(len(u))
        nb = np.nonzero(code == AIRSPACE_NEIGHBOUR)[0]
        if nb.size == 0:
            return out
        lat, lon = E.lat_lon_deg(u[nb])
        land = self._land.classify(u[nb], lat, lon) == 2
        coast_angle, _ = self._land.coast_within(u[nb], np.pi)
        coast_m = coast_angle * self.radius_m
        ts = self.territorial_sea_m
        border_m, _ = self.border_distance_m(u[nb])
        out[nb] = np.where(land, np.minimum(border_m, coast_m + ts), np.maximum(ts - coast_m, 0.0))
        return out

    # ---------------------------------------------------------------- offset path
    def point_at_along(self, along_m) -> np.ndarray:
        """Border points (..., 3) at along-border distances (...) in m (clipped to the ends)."""
        s = np.clip(np.asarray(along_m, dtype=float), 0.0, self.map_border_length_m)
        seg = np.clip(np.searchsorted(self.border_along_m, s, side="right") - 1, 0, len(self.border_u) - 2)
        t = (s - self.border_along_m[seg]) / self.radius_m
        return np.cos(t)[..., None] * self._border.a[seg] + np.sin(t)[..., None] * self._border.ta[seg]

    def offset_path_u(self, offset_m: float, from_m: float = 0.0, to_m: Optional[float] = None,
                      max_step_m: float = 2_000.0) -> np.ndarray:
        """A clean polyline (K, 3) at ground distance offset_m from the border on the own
        side, from along-border distance from_m to to_m (None: the end), vertices at most
        max_step_m (<= 5 km) apart, in the border's direction of travel.

        Method: the border resampled every 1 km is smoothed (Gaussian, sigma = max(5 km,
        offset/2), odd extension at the ends so straight borders stay straight), offset along
        its own-side normal, each point projected exactly onto the level set of the distance
        to the real border (moved along the great circle from its nearest border point), points
        whose nearest border point runs backwards are dropped (swallowtails of the offset
        curve), and any remaining self-intersection loop is cut out.
        References: offset curves and their trimming, e.g. Maekawa 1999, "An overview of offset
        curves and surfaces", Computer-Aided Design 31(3).
        """
        length = self.map_border_length_m
        to_m = length if to_m is None else float(to_m)
        from_m = float(from_m)
        if not (offset_m > 0 and 0.0 <= from_m < to_m <= length + 1e-6):
            raise ValueError(f"need offset > 0 and 0 <= from < to <= {length:.0f} m; got "
                             f"{offset_m}, {from_m}, {to_m}")
        to_m = min(to_m, length)
        a = offset_m / self.radius_m
        ds = 1_000.0
        n = max(2, int(math.ceil(length / ds)) + 1)
        s = np.linspace(0.0, length, n)
        pts = self.point_at_along(s)
        sigma = max(5_000.0, 0.5 * offset_m) / (s[1] - s[0])
        pad = min(n - 1, int(4 * sigma) + 1)
        ext = np.vstack([2 * pts[0] - pts[pad:0:-1], pts, 2 * pts[-1] - pts[-2:-pad - 2:-1]])
        smooth = gaussian_filter1d(ext, sigma, axis=0, mode="nearest")[pad:pad + n]
        tangent = np.gradient(smooth, axis=0)
        smooth = E.normalize(smooth)
        left = E.normalize(np.cross(smooth, tangent))
        normal = left if self.own_left else -left
        # restrict to [from, to] with exact end parameters
        inner = (s > from_m) & (s < to_m)
        s_sel = np.r_[from_m, s[inner], to_m]
        sm = E.normalize(np.stack([np.interp(s_sel, s, smooth[:, j]) for j in range(3)], axis=1))
        nm = np.stack([np.interp(s_sel, s, normal[:, j]) for j in range(3)], axis=1)
        nm = E.normalize(nm - np.sum(nm * sm, axis=1, keepdims=True) * sm)
        p = np.cos(a) * sm + np.sin(a) * nm
        for _ in range(3):
            q = self._border.nearest(p)
            foot = q["point"]
            away = p - np.sum(p * foot, axis=1, keepdims=True) * foot
            norm = np.linalg.norm(away, axis=1, keepdims=True)
            geometric_own = (q["side"] > 0) == self.own_left
            direction = np.where(norm > 1e-12, away / np.maximum(norm, 1e-300), nm)
            direction = np.where(geometric_own[:, None], direction, -direction)
            p = np.cos(a) * foot + np.sin(a) * direction
        along = self._border.nearest(p)["along"] * self.radius_m
        keep = along >= np.maximum.accumulate(along) - 1.0
        p = p[keep]
        p = _remove_loops(p)
        return E.normalize(_densify_great_circle(p, max_step_m / self.radius_m))


def _remove_loops(p: np.ndarray) -> np.ndarray:
    """Cut self-intersection loops out of a polyline p (K, 3) of regional extent.

    Segments are tested for proper crossings in an orthographic projection about the mean
    point, one vectorised test of segment i against all later segments; at the first crossing
    the loop between segment i and the last segment j it crosses is replaced by the crossing
    point, and the scan goes on with the new segment. Segments before i never gain a crossing
    (the new segment is part of an old one), so one forward scan leaves a simple polyline."""
    if len(p) < 4:
        return p
    c = E.normalize(p.mean(axis=0))
    east, north = E.local_frame(c if abs(c[2]) < 0.999 else np.array([1.0, 0.0, 0.0]))
    p = p.copy()
    xy = np.stack([p @ east, p @ north], axis=1)
    i = 0
    while i < len(p) - 3:
        a0, d = xy[i], xy[i + 1] - xy[i]
        b0, e = xy[i + 2:-1], xy[i + 3:] - xy[i + 2:-1]
        den = d[0] * e[:, 1] - d[1] * e[:, 0]
        w = b0 - a0
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / den
            v = (w[:, 0] * d[1] - w[:, 1] * d[0]) / den
        hit = np.nonzero((den != 0) & (t > 0) & (t < 1) & (v > 0) & (v < 1))[0]
        if hit.size:
            jj = hit[-1]
            j = i + 2 + int(jj)
            x = E.normalize(p[i] + t[jj] * (p[i + 1] - p[i]))
            p = np.vstack([p[:i + 1], x[None, :], p[j + 1:]])
            xy = np.vstack([xy[:i + 1], (a0 + t[jj] * d)[None, :], xy[j + 1:]])
        i += 1
    return p


# ============================================================== builders

def build_geography(spec: GeographySpec, earth: EarthSpec) -> Geography:
    """Geography of a scenario: the synthetic border or a preset (own side from spec.own,
    "us" when not given)."""
    if spec.synthetic is not None:
        return _synthetic(spec.synthetic, spec.territorial_sea_m, earth.radius_m)
    if spec.preset == "us-mexico":
        return _us_mexico(spec.own or "us", spec.territorial_sea_m, earth.radius_m)
    raise ValueError(f"unknown geography preset {spec.preset!r}; known: {', '.join(PRESETS)}")


def border_polyline_u(spec: GeographySpec, radius_m: float) -> np.ndarray:
    """The border line alone, (N, 3) unit vectors from its start to its end, without the
    land model (cheap: what the scenario loader needs to measure along the border). The
    same vertices as build_geography(spec, ...).border_u."""
    if spec.synthetic is not None:
        b = spec.synthetic
        origin = E.unit_vector(b.origin.lat_deg, b.origin.lon_deg)
        n = max(2, int(math.ceil(b.length_m / 10_000.0)) + 1)    # vertices every <= 10 km
        return E.destination(origin, b.azimuth_rad, np.linspace(0.0, b.length_m, n) / radius_m)
    if spec.preset == "us-mexico":
        border = _us_mexico_data()["border"]
        return E.unit_vector(border[:, 0], border[:, 1])
    raise ValueError(f"unknown geography preset {spec.preset!r}; known: {', '.join(PRESETS)}")


def _synthetic(b: SyntheticBorder, territorial_sea_m: float, radius_m: float) -> Geography:
    """The great circle from origin along azimuth for length; vertices every <= 10 km."""
    origin = E.unit_vector(b.origin.lat_deg, b.origin.lon_deg)
    border_u = border_polyline_u(GeographySpec(synthetic=b), radius_m)
    n = len(border_u)
    own_left = b.own_side == "left"
    pole = E.normalize(np.cross(border_u[0], border_u[-1] if n == 2 else border_u[1]))
    coast_angle = None if b.coast is None else b.coast.offset_m / radius_m
    land = _BandLand(pole, own_left, coast_angle)

    # drawing outlines: bands parallel to the border, extended beyond its ends
    m = _DRAW_MARGIN_M
    ext_along = np.linspace(-m, b.length_m + m, max(2, int((b.length_m + 2 * m) / 10_000.0)) + 1)
    base = E.destination(origin, b.azimuth_rad, ext_along / radius_m)
    own_dir = 1.0 if own_left else -1.0

    def parallel(xt_m):   # points at signed cross-track xt (left +) from the extended border
        ang = xt_m / radius_m
        return E.normalize(np.cos(ang) * base + np.sin(ang) * pole)

    def ring(xt0, xt1):
        pts = np.vstack([parallel(xt0), parallel(xt1)[::-1]])
        pts = np.vstack([pts, pts[:1]])
        return np.stack(E.lat_lon_deg(pts), axis=1)

    own_ring = ring(0.0, own_dir * m)
    neighbour_extent = m if b.coast is None else b.coast.offset_m
    neighbour_ring = ring(0.0, -own_dir * neighbour_extent)
    coasts = []
    if b.coast is not None:
        coasts = [np.stack(E.lat_lon_deg(parallel(-own_dir * b.coast.offset_m)), axis=1)]
    return Geography(name="synthetic", own_name="Own country", neighbour_name="Neighbour country",
                     border_u=border_u, own_left=own_left, land=land, own_land=[own_ring],
                     neighbour_land=[neighbour_ring], coastlines=coasts,
                     coast_is_own=np.zeros(len(coasts), bool), territorial_sea_m=territorial_sea_m,
                     radius_m=radius_m, official_border_length_m=None)


@lru_cache(maxsize=1)
def _us_mexico_data() -> dict:
    """The shipped Natural Earth derivative (read once; arrays are not modified)."""
    with np.load(US_MEXICO_FILE, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}

    def split(points, starts):
        ends = np.r_[starts[1:], len(points)]
        return [points[a:b] for a, b in zip(starts, ends)]

    return {"border": data["border"],
            "us": split(data["us_rings"], data["us_ring_starts"]),
            "mexico": split(data["mexico_rings"], data["mexico_ring_starts"]),
            "coast": split(data["coast"], data["coast_starts"]),
            "coast_owner": data["coast_owner"]}


def _us_mexico(own: str, territorial_sea_m: float, radius_m: float) -> Geography:
    """Real preset. The border is walked from the Pacific to the Gulf of Mexico, so the US
    lies on its left."""
    if own not in PRESET_SIDES["us-mexico"]:
        raise ValueError(f"own must be 'us' or 'mexico', got {own!r}")
    d = _us_mexico_data()
    border_u = border_polyline_u(GeographySpec(preset="us-mexico"), radius_m)
    own_is_us = own == "us"
    coast_is_us = d["coast_owner"] == 0
    coast_is_own = coast_is_us if own_is_us else ~coast_is_us
    coasts_u = [E.unit_vector(c[:, 0], c[:, 1]) for c in d["coast"]]
    own_rings, neighbour_rings = (d["us"], d["mexico"]) if own_is_us else (d["mexico"], d["us"])
    land = _PolygonLand(own_rings, neighbour_rings, coasts_u, coast_is_own,
                        _SAMPLE_SPACING_M / radius_m)
    names = ("United States", "Mexico") if own_is_us else ("Mexico", "United States")
    return Geography(name="us-mexico", own_name=names[0], neighbour_name=names[1],
                     border_u=border_u, own_left=own_is_us, land=land, own_land=own_rings,
                     neighbour_land=neighbour_rings, coastlines=d["coast"],
                     coast_is_own=coast_is_own, territorial_sea_m=territorial_sea_m,
                     radius_m=radius_m, official_border_length_m=OFFICIAL_BORDER_LENGTH_M["us-mexico"])


def load_etopo5_region() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ETOPO5 relief of the us-mexico region box: lat_deg (A,) south to north, lon_deg (B,)
    west to east, elevation_m (A, B) float (sea floor negative), 5 arc-minute spacing.
    Source: NOAA ETOPO5 (public domain), subset by tools/build_terrain.py."""
    with np.load(ETOPO5_FILE, allow_pickle=False) as z:
        return (np.array(z["lat_deg"], dtype=float), np.array(z["lon_deg"], dtype=float),
                np.array(z["elevation_m"], dtype=float))
