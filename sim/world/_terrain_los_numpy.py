"""numpy version of sim/world/_terrain_los.pyx: terrain line of sight per ray, and bilinear
elevations. The geometry, the sampling rule and the sources are in that file's docstring;
this module takes the same samples (the same ground distances from the cell, the same
chunk ends with latitude and longitude linear in between, the exact great circle where a
chunk crosses the antimeridian) and the same test per sample.

As there, one walk (_walk, with _samples) takes the samples for both rays_blocked and
rays_margin, and a scan (_Blocked, _Margin) says what each computes along it. The walk
runs over all rays at once (chunk m of every ray still in play), the samples of a chunk as
one array. _Blocked skips the chunks and sub-chunks where the dilated terrain maxima
(tile_max, fine_max) are below the ray, as the loop, and takes the rest as a list of
samples; _Margin takes every sample, as (rays, chunk) arrays (the loop's skips save time
and never change its answer; a dense array is faster in numpy when few are skipped).
"""
from __future__ import annotations

import numpy as np

RAD2DEG = 57.29577951308232


def _check_grid(lat_nodes, lon_nodes, elev):
    if lat_nodes.shape[0] < 2 or lon_nodes.shape[0] < 2:
        raise ValueError("terrain grid needs at least 2 nodes per axis")
    if elev.shape != (lat_nodes.shape[0], lon_nodes.shape[0]):
        raise ValueError("elevation shape does not match the nodes")


def _axis(nodes, uniform: bool, value):
    """Node interval index (clamped to [0, n - 2]) and the fraction within it, for values
    inside the axis (the loop's _axis_fraction)."""
    n = nodes.shape[0]
    if uniform:
        f = (value - nodes[0]) * (1.0 / (nodes[1] - nodes[0]))
        i = f.astype(np.int64)
    else:
        i = np.searchsorted(nodes, value, side="right") - 1
        inner = i < n - 1
        step = nodes[np.minimum(i + 1, n - 1)] - nodes[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(inner, i + (value - nodes[i]) / step, i)
    i = np.minimum(i, n - 2)
    return i, f - i


def _elevations(lat, lon, lat_nodes, lon_nodes, lat_uniform, lon_uniform, elev):
    """Bilinear elevations (N,) metres at lat, lon (N,) degrees; 0 outside the grid."""
    inside = ((lat >= lat_nodes[0]) & (lat <= lat_nodes[-1])
              & (lon >= lon_nodes[0]) & (lon <= lon_nodes[-1]))
    out = np.zeros(lat.shape[0])
    la, lo = lat[inside], lon[inside]
    i, fy = _axis(lat_nodes, lat_uniform, la)
    j, fx = _axis(lon_nodes, lon_uniform, lo)
    e00, e01 = elev[i, j], elev[i, j + 1]
    e10, e11 = elev[i + 1, j], elev[i + 1, j + 1]
    out[inside] = ((1.0 - fy) * ((1.0 - fx) * e00 + fx * e01)
                   + fy * ((1.0 - fx) * e10 + fx * e11))
    return out


def elevations(lat_deg, lon_deg, lat_nodes, lon_nodes, lat_uniform: bool, lon_uniform: bool,
               elev):
    """Bilinear elevations (N,) metres at lat_deg, lon_deg (N,) degrees; 0 outside."""
    lat_nodes, lon_nodes, elev = (np.asarray(x, dtype=np.float64)
                                  for x in (lat_nodes, lon_nodes, elev))
    _check_grid(lat_nodes, lon_nodes, elev)
    return _elevations(np.asarray(lat_deg, dtype=np.float64),
                       np.asarray(lon_deg, dtype=np.float64), lat_nodes, lon_nodes,
                       bool(lat_uniform), bool(lon_uniform), elev)


def _lat_lon(v, lon_360: bool):
    """Latitude and longitude (deg) of unit vectors v (N, 3)."""
    lat = np.arcsin(np.clip(v[:, 2], -1.0, 1.0)) * RAD2DEG
    lon = np.arctan2(v[:, 1], v[:, 0]) * RAD2DEG
    if lon_360:
        lon = np.where(lon < 0.0, lon + 360.0, lon)
    return lat, lon


def _low_arcs(p, h_m, c, r_c_m, k, radius_m, terrain_max_m, region_top_m, region_m):
    """Per ray: the arc [lo, hi] (effective central angles from the platform) where the ray
    is below the terrain that could block it, and whether the answer is already known.
    Returns (decided (K,) bool, blocked (K,) bool, lam, lam_e, amp, x_c, lo, hi), the
    loop's _ray_blocked up to its sampling."""
    r_e = k * radius_m
    dot = np.einsum("ij,ij->i", p, c)
    lam = np.arctan2(np.linalg.norm(np.cross(p, c), axis=1), dot)        # true angle
    with np.errstate(divide="ignore", invalid="ignore"):
        lam_e = lam / k
        r_p = r_e + h_m
        a_coef = 1.0 / r_p
        b_coef = (1.0 / r_c_m - np.cos(lam_e) / r_p) / np.sin(lam_e)
        amp = np.hypot(a_coef, b_coef)
        x_c = np.arctan2(b_coef, a_coef)
        cos_w = 1.0 / ((r_e + terrain_max_m) * amp)
        w = np.arccos(np.minimum(cos_w, 1.0))
        lo, hi = np.maximum(x_c - w, 0.0), np.minimum(x_c + w, lam_e)
        decided = (lam <= 1e-9) | (cos_w > 1.0) | ~(hi > lo)
        blocked = ~decided & (x_c > 0.0) & (x_c < lam_e) & (amp * r_e > 1.0)
        decided |= blocked                  # the chord dips below sea level between its ends
        near = ~decided & (k * (lam_e - lo) * radius_m <= region_m)
        # the low arc lies within region_m of the cell, where terrain is at most region_top_m
        cos_w2 = 1.0 / ((r_e + region_top_m) * amp)
        w2 = np.arccos(np.minimum(cos_w2, 1.0))
        lo2, hi2 = np.maximum(x_c - w2, 0.0), np.minimum(x_c + w2, lam_e)
        decided |= near & ((cos_w2 > 1.0) | ~(hi2 > lo2))
    lo, hi = np.where(near, lo2, lo), np.where(near, hi2, hi)
    return decided, blocked, lam, lam_e, amp, x_c, lo, hi


def _tile_bound(tiles, nodes: int, grid, lat, lon):
    """The loop's _bound: dilated maximum of the `nodes`-node tile holding (lat, lon)
    (tiles (A, B)), an upper bound of the terrain within one tile of that point."""
    lat_nodes, lon_nodes, lat_uniform, lon_uniform, _ = grid

    def node_floor(axis, uniform, value):
        if uniform:
            return np.floor((value - axis[0]) / (axis[1] - axis[0])).astype(np.int64)
        return np.searchsorted(axis, value, side="right") - 1

    # (the loop divides with C's truncation; both clamp negative indices to 0)
    i = np.clip(node_floor(lat_nodes, lat_uniform, lat) // nodes, 0, tiles.shape[0] - 1)
    j = np.clip(node_floor(lon_nodes, lon_uniform, lon) // nodes, 0, tiles.shape[1] - 1)
    return tiles[i, j]


def _ray_min(amp, x_c, r_e, x0, x1):
    """Lowest height of the ray 1 / r = amp cos(x - x_c) above the sphere over [x0, x1]."""
    gap = np.where((x0 <= x_c) & (x_c <= x1), 0.0,
                   np.minimum(np.abs(x0 - x_c), np.abs(x1 - x_c)))
    return 1.0 / (amp * np.cos(gap)) - r_e


class _Rays:
    """The rays still to sample (R of them) and their geometry, as in the loop."""

    def __init__(self, p, c, k, r_e, step_e, lam, lam_e, amp, x_c, j_first, j_last):
        self.p, self.c, self.k, self.r_e, self.step_e = p, c, k, r_e, step_e
        self.lam_e, self.amp, self.x_c = lam_e, amp, x_c
        self.sin_l, self.cos_l = np.sin(lam), np.cos(lam)
        self.j_first, self.j_last = j_first, j_last

    def ground(self, rows, j, lon_360: bool):
        """Latitude, longitude (deg) of the ground at sample index j (...) of `rows`:
        the great circle from the platform towards the cell (slerp), exactly."""
        theta = self.k * (self.lam_e[rows] - self.step_e * j)
        wc = np.sin(theta) / self.sin_l[rows]
        wp = np.cos(theta) - self.cos_l[rows] * wc
        v = wp[..., None] * self.p[rows] + wc[..., None] * self.c[rows]
        return _lat_lon(v.reshape(-1, 3), lon_360)


def _time_bound(n_lo, kr, kg, slope):
    """The loop's _time_bound: lower bound of n / hypot(kr, kg s) for n >= n_lo and
    s <= slope."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_lo >= 0.0, n_lo / np.sqrt(kr * kr + (kg * slope) ** 2), n_lo / kr)


def _samples(rays: _Rays, rows, ja, j, ends, exact, chunk: int, lon_360: bool, grid):
    """Samples j of the rays `rows` as the loop's _walk takes them, in either layout of the
    scans: the arguments broadcast together, (N,) for single samples or (R, 1) and
    (R, chunk) for whole chunks. ja: the first sample of each one's chunk; ends: that
    chunk's (lat_a, lon_a, lat_b, lon_b, wraps) (_walk); exact: where to take the exact
    great circle instead (chunks across the antimeridian). Returns lat, lon (deg), elev
    (m), cos_a = cos(x_j - x_c) and above (the terrain is above the ray), all like j."""
    lat_a, lon_a, lat_b, lon_b, _ = ends
    f = (j - ja) * (1.0 / chunk)
    lat = lat_a + (lat_b - lat_a) * f
    lon = lon_a + (lon_b - lon_a) * f
    if exact.any():
        lat[exact], lon[exact] = rays.ground(np.broadcast_to(rows, j.shape)[exact], j[exact],
                                             lon_360)
    elev = _elevations(lat.ravel(), lon.ravel(), *grid).reshape(j.shape)
    cos_a = np.cos(rays.lam_e[rows] - rays.step_e * j - rays.x_c[rows])
    # the terrain is above the ray where R + elevation > r(x) = 1 / (amp cos(x - x_c))
    above = (elev + rays.r_e) * rays.amp[rows] * cos_a > 1.0
    return lat, lon, elev, cos_a, above


class _Blocked:
    """What rays_blocked computes along the walk (the loop's Blocked scan): whether a
    sample is above the ray, skipping the chunks and sub-chunks under which the dilated
    terrain maxima are below the ray (the loop's _run_clears)."""

    def __init__(self, grid, tiles, lon_360: bool, chunk: int, sub: int):
        self.grid, self.lon_360, self.chunk, self.sub = grid, lon_360, chunk, sub
        self.tile_max, self.tile_nodes, self.fine_max = tiles

    def rest_clears(self, rays: _Rays, rows, ja):
        """(R,) the loop's _rest_clears: never (the walk covers only the low arc)."""
        return np.zeros(rows.shape[0], dtype=bool)

    def chunk_stops(self, rays: _Rays, rows, ja, ends):
        """(R,) the samples ja .. ja + chunk - 1 (not beyond j_last) of the rays `rows`
        that the skips leave, taken one by one: True where one is above the ray."""
        chunk, grid = self.chunk, self.grid
        lat_a, lon_a, lat_b, lon_b, wraps = ends
        lam_e, amp, x_c = rays.lam_e[rows], rays.amp[rows], rays.x_c[rows]

        def x(j):
            """Effective central angle from the platform of sample j (R,) of each ray."""
            return lam_e - rays.step_e * j

        clears = ~wraps & (_tile_bound(self.tile_max, self.tile_nodes, grid,
                                       0.5 * (lat_a + lat_b), 0.5 * (lon_a + lon_b))
                           <= _ray_min(amp, x_c, rays.r_e, x(ja + chunk), x(ja)))
        je_chunk = np.minimum(ja + chunk - 1, rays.j_last[rows])
        j = ja[:, None] + np.arange(chunk)                               # (R, chunk)
        test = ~clears[:, None] & (j <= je_chunk[:, None])
        for js_off in range(0, chunk, self.sub):                         # sub-chunks
            js = ja + js_off
            je = np.minimum(js + self.sub - 1, je_chunk)
            f = (0.5 * (js + je) - ja) * (1.0 / chunk)
            below = ~wraps & (_tile_bound(self.fine_max, 1, grid, lat_a + (lat_b - lat_a) * f,
                                          lon_a + (lon_b - lon_a) * f)
                              <= _ray_min(amp, x_c, rays.r_e, x(je), x(js)))
            test[:, js_off:js_off + self.sub] &= ~below[:, None]
        r, q = np.nonzero(test)
        if not r.shape[0]:
            return np.zeros(rows.shape[0], dtype=bool)
        ends_r = tuple(e[r] for e in ends)
        *_, above = _samples(rays, rows[r], ja[r], j[r, q], ends_r, ends_r[4], chunk,
                             self.lon_360, grid)
        return np.bincount(r[above], minlength=rows.shape[0]) > 0


class _Margin:
    """What rays_margin computes along the walk (the loop's Margin scan): per ray (T,), the
    least n_j / hypot(kr, kg s_j) so far (best) and whether a sample was above the ray.
    Every sample is taken (the loop's skips save time, never change its answer)."""

    def __init__(self, grid, slopes, best, top, s_any, slope_min, near_m, kr, kg, tau_cap,
                 lon_360: bool, chunk: int):
        self.grid, self.slopes, self.best, self.top = grid, slopes, best, top
        self.s_any, self.slope_min, self.near_m = s_any, slope_min, near_m
        self.kr, self.kg, self.tau_cap = kr, kg, tau_cap
        self.lon_360, self.chunk = lon_360, chunk
        self.blocked = np.zeros(best.shape[0], dtype=bool)

    def rest_clears(self, rays: _Rays, rows, ja):
        """(R,) the loop's _rest_clears: no sample from ja on can lower best (the chord
        is above its tangent at ja, a bound monotonic along the ray)."""
        lam_e, amp, x_c, r_e = rays.lam_e[rows], rays.amp[rows], rays.x_c[rows], rays.r_e
        kr, kg, s_any, best = self.kr[rows], self.kg[rows], self.s_any[rows], self.best[rows]
        ya = rays.step_e * ja
        xa = lam_e - ya
        r_a = 1.0 / (amp * np.cos(xa - x_c))
        dr_a = r_a * r_a * amp * np.sin(x_c - xa)
        a_line = r_a - r_e - self.top[rows] - dr_a * ya
        return ((_time_bound((a_line / ya + dr_a) / r_e, kr, kg, s_any) >= best)
                & (_time_bound((a_line / lam_e + dr_a) / r_e, kr, kg, s_any) >= best))

    def chunk_stops(self, rays: _Rays, rows, ja, ends):
        """(R,) the samples ja .. ja + chunk - 1 (not beyond j_last) of the rays `rows`,
        as (R, chunk) arrays: best and blocked updated; True where a sample's margin is at
        most -tau_cap (the first such sample's margin is then the answer, as in the loop).
        """
        j = ja[:, None] + np.arange(self.chunk)                          # (R, chunk)
        real = j <= rays.j_last[rows][:, None]
        wraps = ends[4][:, None]
        lat, lon, elev, cos_a, above = _samples(rays, rows[:, None], ja[:, None], j,
                                                tuple(e[:, None] for e in ends), wraps & real,
                                                self.chunk, self.lon_360, self.grid)
        lat, lon = lat.ravel(), lon.ravel()
        near = rays.r_e * rays.step_e * j <= self.near_m[rows][:, None]
        s = np.where(near, _tile_bound(self.slopes[1], 1, self.grid, lat, lon).reshape(j.shape),
                     _tile_bound(self.slopes[0], 1, self.grid, lat, lon).reshape(j.shape))
        s = np.maximum(s, self.slope_min[rows][:, None])
        s = np.where(wraps, self.s_any[rows][:, None], s)
        amp, r_e = rays.amp[rows][:, None], rays.r_e
        n = (1.0 / (amp * cos_a) - r_e - elev) / (r_e * rays.step_e * j)
        blocked = above & real                            # the sign is rays_blocked's test
        n = np.where(blocked, np.minimum(n, -1e-15), np.maximum(n, 0.0))
        kr, kg = self.kr[rows][:, None], self.kg[rows][:, None]
        tau = np.where(real, n / np.sqrt(kr * kr + kg * kg * s * s), np.inf)
        self.blocked[rows] |= blocked.any(axis=1)
        deep = tau <= -self.tau_cap[rows][:, None]
        done = deep.any(axis=1)
        first = np.argmax(deep, axis=1)
        self.best[rows] = np.where(done, tau[np.arange(rows.shape[0]), first],
                                   np.minimum(self.best[rows], tau.min(axis=1)))
        return done


def _walk(rays: _Rays, rows, scan, chunk: int, lon_360: bool):
    """The loop's _walk for the rays `rows` of `rays`, all at once: chunk m of every ray
    still in play, from each ray's j_first outwards, with the exact chunk ends (lat_a,
    lon_a, lat_b, lon_b, and wraps: across the antimeridian); a ray leaves where the scan
    ends it (scan.rest_clears before a chunk, scan.chunk_stops within it) or past j_last.
    Returns (T,) bool over all rays: True where chunk_stops ended the ray. The sampling
    and its reasons: the loop's _walk docstring (sim/world/_terrain_los.pyx)."""
    stopped = np.zeros(rays.j_first.shape[0], dtype=bool)
    live = rows[rays.j_first[rows] <= rays.j_last[rows]]
    ja = rays.j_first[live]
    while live.shape[0]:
        going = ~scan.rest_clears(rays, live, ja)
        live, ja = live[going], ja[going]
        if not live.shape[0]:
            break
        lat_a, lon_a = rays.ground(live, ja, lon_360)
        lat_b, lon_b = rays.ground(live, ja + chunk, lon_360)
        ends = (lat_a, lon_a, lat_b, lon_b, np.abs(lon_b - lon_a) >= 180.0)
        stop = scan.chunk_stops(rays, live, ja, ends)
        stopped[live[stop]] = True
        ja = ja + chunk
        going = ~stop & (ja <= rays.j_last[live])
        live, ja = live[going], ja[going]
    return stopped


def rays_blocked(p, h_m, c, r_c_m, k: float, radius_m: float, terrain_max_m: float,
                 region_top_m, region_m: float, step_e: float, lat_nodes, lon_nodes,
                 lat_uniform: bool, lon_uniform: bool, lon_360: bool, elev, tile_max,
                 tile_nodes: int, fine_max, chunk: int, sub: int):
    """(K,) bool: terrain rises above the straight ray from the platform (p (K, 3) unit,
    h_m (K,)) to the observer point at radius r_c_m (K,) above cell c (K, 3), as
    sim.world._terrain_los.rays_blocked (same arguments; see its docstring)."""
    p, c = (np.asarray(x, dtype=np.float64).reshape(-1, 3) for x in (p, c))
    h_m, r_c_m, region_top_m = (np.asarray(x, dtype=np.float64)
                                for x in (h_m, r_c_m, region_top_m))
    lat_nodes, lon_nodes, elev = (np.asarray(x, dtype=np.float64)
                                  for x in (lat_nodes, lon_nodes, elev))
    _check_grid(lat_nodes, lon_nodes, elev)
    if np.shape(fine_max) != elev.shape:
        raise ValueError("fine tile maxima must have the elevation grid's shape")
    decided, blocked, lam, lam_e, amp, x_c, lo, hi = _low_arcs(
        p, h_m, c, r_c_m, k, radius_m, terrain_max_m, region_top_m, region_m)
    todo = np.flatnonzero(~decided)
    with np.errstate(invalid="ignore"):
        j_first = np.maximum(np.ceil((lam_e[todo] - hi[todo]) / step_e), 1).astype(np.int64)
        j_last = np.floor((lam_e[todo] - lo[todo]) / step_e).astype(np.int64)
    # chunks start at 1 + a multiple of `chunk`, as rays_margin's (the same ground points)
    j_first = 1 + int(chunk) * ((j_first - 1) // int(chunk))
    rays = _Rays(p[todo], c[todo], k, k * radius_m, step_e, lam[todo], lam_e[todo],
                 amp[todo], x_c[todo], j_first, j_last)
    grid = (lat_nodes, lon_nodes, bool(lat_uniform), bool(lon_uniform), elev)
    tiles = (np.asarray(tile_max, dtype=np.float64), int(tile_nodes),
             np.asarray(fine_max, dtype=np.float64))
    scan = _Blocked(grid, tiles, bool(lon_360), int(chunk), int(sub))
    blocked[todo] = _walk(rays, np.arange(todo.shape[0]), scan, int(chunk), bool(lon_360))
    return blocked


def _sea_margin(rays: _Rays, r_c_m, r_p, kr):
    """The sea surface's margin per ray (a profile at 0 m, slope 0), and whether it alone
    blocks the ray (then the margin is the answer), as the loop."""
    r_e, amp, x_c, lam_e = rays.r_e, rays.amp, rays.x_c, rays.lam_e
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (x_c > 0.0) & (x_c < lam_e)
        sunk = between & (amp * r_e > 1.0)              # below the sea at its lowest point
        q = np.where(between, (1.0 / amp - r_e) / (r_e * lam_e),
                     np.where(x_c >= lam_e, r_c_m * r_c_m * amp * np.sin(x_c - lam_e) / r_e,
                              (r_p - r_e) / (r_e * lam_e)))
        q_sunk = (1.0 / amp - r_e) / (r_e * (lam_e - x_c)) / kr
    return np.where(sunk, np.minimum(q_sunk, -1e-12), q / kr), sunk


def rays_margin(p, h_m, c, r_c_m, k: float, radius_m: float, terrain_max_m: float,
                region_top_m, region_m: float, step_e: float, lat_nodes, lon_nodes,
                lat_uniform: bool, lon_uniform: bool, lon_360: bool, elev, tile_max,
                tile_nodes: int, fine_max, chunk: int, sub: int, slope_fine, slope_tile,
                slope_fine_near, slope_tile_near, slope_anywhere: float, kr, kg, slope_min,
                near_m, tau_cap):
    """(K,) signed time margins (s) of the rays of rays_blocked, as
    sim.world._terrain_los.rays_margin (same arguments and rule; see its docstring): the least
    n_j / hypot(kr, kg s_j) over the samples j = 1 .. floor(lam_e / step_e) and the sea
    surface, at most tau_cap (K,); the first sample at or below -tau_cap ends a ray's scan, as
    there.
    The samples are taken by _walk (all rays at once), as rays_blocked's."""
    p, c = (np.asarray(x, dtype=np.float64).reshape(-1, 3) for x in (p, c))
    h_m, r_c_m, region_top_m, kr, kg, slope_min, near_m, tau_cap = (
        np.asarray(x, dtype=np.float64)
        for x in (h_m, r_c_m, region_top_m, kr, kg, slope_min, near_m, tau_cap))
    lat_nodes, lon_nodes, elev = (np.asarray(x, dtype=np.float64)
                                  for x in (lat_nodes, lon_nodes, elev))
    _check_grid(lat_nodes, lon_nodes, elev)
    slopes = tuple(np.asarray(x, dtype=np.float64) for x in (slope_fine, slope_fine_near))
    if any(x.shape != elev.shape for x in slopes) \
            or any(np.shape(x) != np.shape(tile_max) for x in (slope_tile, slope_tile_near)):
        raise ValueError("slope tables must have the shapes of fine_max and tile_max")
    r_e = k * radius_m
    dot = np.einsum("ij,ij->i", p, c)
    lam = np.arctan2(np.linalg.norm(np.cross(p, c), axis=1), dot)
    out = tau_cap.copy()
    todo = np.flatnonzero(lam > 1e-9)                    # else nothing between them
    lam, lam_e = lam[todo], lam[todo] / k
    r_p = r_e + h_m[todo]
    with np.errstate(divide="ignore", invalid="ignore"):
        a_coef = 1.0 / r_p
        b_coef = (1.0 / r_c_m[todo] - np.cos(lam_e) / r_p) / np.sin(lam_e)
    j_last = np.floor(lam_e / step_e).astype(np.int64)
    rays = _Rays(p[todo], c[todo], k, r_e, step_e, lam, lam_e, np.hypot(a_coef, b_coef),
                 np.arctan2(b_coef, a_coef), np.ones(todo.shape[0], dtype=np.int64), j_last)
    kr, kg, slope_min, near_m = kr[todo], kg[todo], slope_min[todo], near_m[todo]
    tau_cap = tau_cap[todo]
    sea, sunk = _sea_margin(rays, r_c_m[todo], r_p, kr)
    top = np.where(k * lam_e * radius_m <= region_m, region_top_m[todo], terrain_max_m)
    grid = (lat_nodes, lon_nodes, bool(lat_uniform), bool(lon_uniform), elev)
    scan = _Margin(grid, slopes, np.where(sunk, sea, np.minimum(sea, tau_cap)), top,
                   np.maximum(float(slope_anywhere), slope_min), slope_min, near_m, kr, kg,
                   tau_cap, bool(lon_360), int(chunk))
    deep = _walk(rays, np.flatnonzero(~sunk), scan, int(chunk), bool(lon_360))
    # a ray ended at a margin <= -tau_cap returns it as is, unclamped (as the loop)
    out[todo] = np.where(scan.blocked & ~deep & (scan.best > -1e-12), -1e-12, scan.best)
    return out
