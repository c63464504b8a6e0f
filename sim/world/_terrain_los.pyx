# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Terrain line of sight, one compiled loop per ray (built at install by Cython).

The rule is the one in sim/world/terrain.py's docstring: the straight ray
from the platform at altitude h above the sphere to the observer point above a cell is
blocked when the bilinear terrain rises above it anywhere between them. In polar
coordinates about the Earth's centre, in the plane of the great circle through the
sub-platform point p and the cell c, the ray is

    1 / r(x) = A cos x + B sin x = amp cos(x - x_c),
    A = 1 / r_p,  B = (1 / r_c - cos(L) / r_p) / sin(L),  amp = hypot(A, B), x_c = atan2(B, A),

x the central angle from p (0 .. L), so its height above the sphere is r(x) - R exactly.
It is below the highest terrain H only on one arc about x_c; rays_blocked samples the
profile only there, rays_margin from the cell to the platform, both at fixed ground
distances j * step from the cell (step a third of the terrain spacing), in chunks and
sub-chunks that are skipped where the ray clears the terrain near them. Both take their
samples through the one walk `_walk`, whose docstring says how and why; what each
computes along it is in the three steps beside it (_rest_clears, _run_clears,
_sample_stops).

Why compiled: a ray needs up to a few hundred samples and the engines ask for millions of
rays; in numpy every sample is a row of a temporary array (about 70 ns each, with no way
to stop early), here it is a few arithmetic operations. The loops release the GIL, so the
engine's threads run rays in parallel.

Shapes: p, c (K, 3) unit vectors; h_m, r_c_m (K,) metres; result (K,) uint8 (0/1).
References: straight line in polar coordinates (Bronshtein, Handbook of Mathematics,
sec. 3.5.2); slerp along a great circle (Shoemake 1985); geodesic curvature of a parallel,
tan(lat) / R (do Carmo, Differential Geometry of Curves and Surfaces, sec. 4-4); bilinear
interpolation on a rectilinear grid (as scipy.interpolate.RegularGridInterpolator, method
"linear", 0 outside the grid); 4/3 Earth for radio rays (Skolnik, Introduction to Radar
Systems, 3rd ed., sec. 8.2).
"""
import numpy as np

from libc.math cimport asin, atan2, ceil, cos, floor, fabs, hypot, acos, sin, sqrt

cdef double RAD2DEG = 57.29577951308232


cdef struct Grid:
    const double* lat
    const double* lon
    const double* elev
    const double* tile                 # dilated maxima of tile_nodes-node tiles
    const double* fine                 # dilated maxima of single grid cells (n_lat, n_lon)
    Py_ssize_t n_lat, n_lon, n_tile_lat, n_tile_lon
    bint lat_uniform, lon_uniform, lon_360
    double inv_dlat, inv_dlon          # 1 / node spacing of uniform axes
    long tile_nodes


cdef inline Py_ssize_t _search(const double* nodes, Py_ssize_t n, double value) noexcept nogil:
    """Index of the last node <= value (binary search; -1 below the first)."""
    cdef Py_ssize_t lo = 0, hi = n
    cdef Py_ssize_t mid
    while lo < hi:
        mid = (lo + hi) // 2
        if nodes[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


cdef inline long _node_floor(const double* nodes, Py_ssize_t n, bint uniform,
                             double value) noexcept nogil:
    """Index of the node at or below value (may be -1 or n - 1 outside the grid)."""
    if uniform:
        return <long>floor((value - nodes[0]) / (nodes[1] - nodes[0]))
    return _search(nodes, n, value)


cdef inline double _axis_fraction(const double* nodes, Py_ssize_t n, bint uniform,
                                  double inv_d, double value, Py_ssize_t* index) noexcept nogil:
    """Node interval of value (index clamped to [0, n - 2], written to index) and the
    fraction within it; callers have checked nodes[0] <= value <= nodes[n - 1]."""
    cdef Py_ssize_t i
    cdef double f
    if uniform:
        f = (value - nodes[0]) * inv_d
        i = <Py_ssize_t>f
    else:
        i = _search(nodes, n, value)
        f = i + (value - nodes[i]) / (nodes[i + 1] - nodes[i]) if i < n - 1 else i
    if i > n - 2:
        i = n - 2
    index[0] = i
    return f - i


cdef inline double _elevation(const Grid* g, double lat, double lon) noexcept nogil:
    """Bilinear elevation (m) at (lat, lon) degrees; 0 outside the grid."""
    cdef Py_ssize_t i, j
    if not (lat >= g.lat[0] and lat <= g.lat[g.n_lat - 1]
            and lon >= g.lon[0] and lon <= g.lon[g.n_lon - 1]):
        return 0.0
    cdef double fy = _axis_fraction(g.lat, g.n_lat, g.lat_uniform, g.inv_dlat, lat, &i)
    cdef double fx = _axis_fraction(g.lon, g.n_lon, g.lon_uniform, g.inv_dlon, lon, &j)
    cdef const double* e0 = g.elev + i * g.n_lon + j
    cdef const double* e1 = e0 + g.n_lon
    return ((1.0 - fy) * ((1.0 - fx) * e0[0] + fx * e0[1])
            + fy * ((1.0 - fx) * e1[0] + fx * e1[1]))


cdef inline void _ground(const double* p, const double* c, double sin_l, double cos_l,
                         double theta, bint lon_360, double* lat, double* lon) noexcept nogil:
    """Latitude and longitude (deg) of the point at true central angle theta from p along
    the great circle towards c (slerp)."""
    cdef double wc = sin(theta) / sin_l
    cdef double wp = cos(theta) - cos_l * wc
    _lat_lon(wp * p[0] + wc * c[0], wp * p[1] + wc * c[1], wp * p[2] + wc * c[2], lon_360,
             lat, lon)


cdef inline void _lat_lon(double x, double y, double z, bint lon_360, double* lat,
                          double* lon) noexcept nogil:
    """Latitude and longitude (deg) of the unit vector (x, y, z)."""
    if z > 1.0:
        z = 1.0
    elif z < -1.0:
        z = -1.0
    lat[0] = asin(z) * RAD2DEG
    lon[0] = atan2(y, x) * RAD2DEG
    if lon_360 and lon[0] < 0.0:
        lon[0] += 360.0


cdef inline long _clamp(long i, long hi) noexcept nogil:
    """i limited to 0 .. hi (a tile index of a point outside the grid: its edge tile)."""
    return 0 if i < 0 else (hi if i > hi else i)


cdef inline double _bound(const double* tiles, Py_ssize_t n_a, Py_ssize_t n_b, long nodes,
                          const Grid* g, double lat, double lon) noexcept nogil:
    """Dilated maximum of the `nodes`-node tile holding (lat, lon) (tiles (n_a, n_b)):
    bounds the terrain within one tile of that point."""
    cdef long i = _clamp(_node_floor(g.lat, g.n_lat, g.lat_uniform, lat) // nodes, n_a - 1)
    cdef long j = _clamp(_node_floor(g.lon, g.n_lon, g.lon_uniform, lon) // nodes, n_b - 1)
    return tiles[i * n_b + j]


cdef inline double _bound_box(const double* tiles, Py_ssize_t n_a, Py_ssize_t n_b, long nodes,
                              const Grid* g, double lat0, double lon0, double lat1,
                              double lon1) noexcept nogil:
    """Largest _bound over every tile a straight (lat, lon) segment from (lat0, lon0) to
    (lat1, lon1) can touch: the rectangle of tiles between its two ends. A skip of a run of
    samples must use it rather than the tile of the run's midpoint, so that it is never
    above what the samples themselves would give (their own tiles lie in that rectangle)."""
    cdef long i0 = _node_floor(g.lat, g.n_lat, g.lat_uniform, lat0) // nodes
    cdef long i1 = _node_floor(g.lat, g.n_lat, g.lat_uniform, lat1) // nodes
    cdef long j0 = _node_floor(g.lon, g.n_lon, g.lon_uniform, lon0) // nodes
    cdef long j1 = _node_floor(g.lon, g.n_lon, g.lon_uniform, lon1) // nodes
    cdef long i, j, t
    if i0 > i1:
        i0, i1 = i1, i0
    if j0 > j1:
        j0, j1 = j1, j0
    i0, i1 = _clamp(i0, n_a - 1), _clamp(i1, n_a - 1)
    j0, j1 = _clamp(j0, n_b - 1), _clamp(j1, n_b - 1)
    cdef double top = tiles[i0 * n_b + j0]
    for i in range(i0, i1 + 1):
        for j in range(j0, j1 + 1):
            t = i * n_b + j
            if tiles[t] > top:
                top = tiles[t]
    return top


cdef inline double _ray_min(double amp, double x_c, double r_e, double x0,
                            double x1) noexcept nogil:
    """Lowest height of the ray 1 / r = amp cos(x - x_c) above the sphere over [x0, x1]."""
    cdef double gap
    if x0 <= x_c <= x1:
        gap = 0.0
    else:
        gap = fabs(x0 - x_c) if fabs(x0 - x_c) < fabs(x1 - x_c) else fabs(x1 - x_c)
    return 1.0 / (amp * cos(gap)) - r_e


cdef struct Ray:
    double lam, lam_e, r_e, r_p, amp, x_c, sin_l, cos_l


cdef inline bint _ray_geometry(const double* p, const double* c, double h_m, double r_c,
                               double k, double r_e, Ray* ray) noexcept nogil:
    """The ray's polar line (module docstring) into ray; False when the platform is over
    the cell (lam ~ 0: nothing between them)."""
    cdef double dot = p[0] * c[0] + p[1] * c[1] + p[2] * c[2]
    cdef double cx = p[1] * c[2] - p[2] * c[1]
    cdef double cy = p[2] * c[0] - p[0] * c[2]
    cdef double cz = p[0] * c[1] - p[1] * c[0]
    ray.lam = atan2(sqrt(cx * cx + cy * cy + cz * cz), dot)    # true angle
    if ray.lam <= 1e-9:
        return False
    ray.lam_e = ray.lam / k
    ray.r_e = r_e
    ray.r_p = r_e + h_m
    cdef double a_coef = 1.0 / ray.r_p
    cdef double b_coef = (1.0 / r_c - cos(ray.lam_e) / ray.r_p) / sin(ray.lam_e)
    ray.amp = hypot(a_coef, b_coef)
    ray.x_c = atan2(b_coef, a_coef)
    ray.sin_l = sin(ray.lam)
    ray.cos_l = cos(ray.lam)
    return True


cdef struct Walk:
    double g0, g1, g2, t0, t1, t2, cd, sd


cdef inline void _walk_start(const double* p, const double* c, const Ray* ray, double k,
                             double step_e, long ja, long chunk, Walk* w) noexcept nogil:
    """Chunk ends: the ground point at true angle theta from p is G = p cos(theta) +
    q sin(theta), q the unit vector towards c perpendicular to p; stepping theta back by
    one chunk is a rotation of (G, T = dG/dtheta) by -delta (no sine or cosine per
    chunk). Starts at sample ja."""
    cdef double q0 = (c[0] - p[0] * ray.cos_l) / ray.sin_l
    cdef double q1 = (c[1] - p[1] * ray.cos_l) / ray.sin_l
    cdef double q2 = (c[2] - p[2] * ray.cos_l) / ray.sin_l
    cdef double th = k * (ray.lam_e - step_e * ja)
    cdef double ct = cos(th), st = sin(th)
    w.g0, w.g1, w.g2 = p[0] * ct + q0 * st, p[1] * ct + q1 * st, p[2] * ct + q2 * st
    w.t0, w.t1, w.t2 = q0 * ct - p[0] * st, q1 * ct - p[1] * st, q2 * ct - p[2] * st
    w.cd, w.sd = cos(k * step_e * chunk), sin(k * step_e * chunk)


cdef inline void _walk_next(Walk* w, bint lon_360, double* lat, double* lon) noexcept nogil:
    """Move to the next chunk end and write its latitude and longitude."""
    cdef double h0 = w.g0 * w.cd - w.t0 * w.sd
    cdef double h1 = w.g1 * w.cd - w.t1 * w.sd
    cdef double h2 = w.g2 * w.cd - w.t2 * w.sd
    w.t0, w.t1, w.t2 = w.t0 * w.cd + w.g0 * w.sd, w.t1 * w.cd + w.g1 * w.sd, w.t2 * w.cd + w.g2 * w.sd
    w.g0, w.g1, w.g2 = h0, h1, h2
    _lat_lon(w.g0, w.g1, w.g2, lon_360, lat, lon)


cdef struct Slopes:
    const double* fine                 # (n_lat, n_lon): bound on the slope near each node
    const double* tile                 # (n_tile_lat, n_tile_lon): near each tile
    const double* fine_near            # the same for samples that move less (within near_m)
    const double* tile_near
    double anywhere                    # bound anywhere


cdef inline double _time_bound(double n_lo, double kr, double kg, double slope) noexcept nogil:
    """Lower bound of n / hypot(kr, kg s) over samples with slope n >= n_lo and s <= slope.
    The hypotenuse as sqrt(a^2 + b^2), as _sample_stops takes it: libm's hypot guards
    against overflow the rates (at most 1e30 1/s) cannot reach, at several times the cost."""
    cdef double g = kg * slope
    return n_lo / sqrt(kr * kr + g * g) if n_lo >= 0.0 else n_lo / kr


# What a walk (_walk) computes: whether a ray is blocked, or its signed time margin. Scan
# is a fused type: Cython makes one copy of _walk and of its three steps per kind, each
# without the other's code, so the loops never test which kind they run.
cdef struct Blocked:
    char unused                        # no state: the answer is whether the walk stopped


cdef struct Margin:
    const Slopes* sl
    double kr, kg                      # rate bounds (1/s) of sim/engine/terrain_refine.py
    double slope_min, s_any            # least slope of a sample; the slope bound anywhere
    double kappa_any                   # hypot(kr, kg s_any): the rate bound anywhere
    double kappa_sum                   # kr + kg s_any >= every sample's rate bound
    double near_m                      # samples within this ground distance use sl.*_near
    double tau_cap                     # the ray's cap: stop at a margin <= -tau_cap
    double top                         # highest terrain any sample can meet (m)
    double best                        # least margin so far (s)
    double run_slope                   # the current chunk's slope bound (< 0: none)
    bint run_near                      # ... taken from the _near tables
    bint blocked                       # some sample was above the ray


ctypedef fused Scan:
    Blocked
    Margin


cdef inline bint _rest_clears(Scan* s, const Ray* ray, double step_e, long ja) noexcept nogil:
    """True when no sample from ja on can change the answer: the walk ends. Blocked: never
    (it walks only the arc where the ray is low). Margin: r(y) >= r_a + dr_a (y - ya) (the
    chord is convex, above its tangent at ya), so (r - r_e - top) / (r_e y) >=
    (a_line + dr_a y) / (r_e y), monotonic in y: its smaller end value bounds the margin
    of every sample from ja on."""
    cdef double ya, xa, r_a, dr_a, a_line, n_near, n_far
    if Scan is Blocked:
        return False
    else:
        ya = step_e * ja
        xa = ray.lam_e - ya
        r_a = 1.0 / (ray.amp * cos(xa - ray.x_c))
        dr_a = r_a * r_a * ray.amp * sin(ray.x_c - xa)
        a_line = r_a - ray.r_e - s.top - dr_a * ya
        n_near = (a_line / ya + dr_a) / ray.r_e
        n_far = (a_line / ray.lam_e + dr_a) / ray.r_e
        # _time_bound(n, kr, kg, s_any) with its hypotenuse kappa_any computed once per ray
        return ((n_near / s.kappa_any if n_near >= 0.0 else n_near / s.kr) >= s.best
                and (n_far / s.kappa_any if n_far >= 0.0 else n_far / s.kr) >= s.best)


cdef inline bint _run_clears(Scan* s, const Grid* g, const Ray* ray, double step_e,
                             bint fine, long j0, long j1, double lat_m, double lon_m,
                             double lat0, double lon0, double lat1, double lon1) noexcept nogil:
    """True when the samples j0 .. j1 (a chunk, or a sub-chunk when fine; ground points
    (lat0, lon0) .. (lat1, lon1), (lat_m, lon_m) their middle) cannot change the answer:
    the walk skips them. Blocked: the ray's lowest point over them is above the dilated
    terrain maximum `top` there. Margin: that clearance over the ground distance (the far
    end's if clear, the near end's if not), with the run's slope bound, gives no margin
    below the best so far."""
    cdef double low = _ray_min(ray.amp, ray.x_c, ray.r_e, ray.lam_e - step_e * j1,
                               ray.lam_e - step_e * j0)
    cdef double top, f, s_j, d1
    cdef bint near
    if fine:
        top = _bound(g.fine, g.n_lat, g.n_lon, 1, g, lat_m, lon_m)
    else:
        top = _bound(g.tile, g.n_tile_lat, g.n_tile_lon, g.tile_nodes, g, lat_m, lon_m)
    if Scan is Blocked:
        return top <= low
    else:
        f = low - top
        d1 = ray.r_e * step_e * j1
        if not fine:
            s.run_slope = -1.0           # no slope bound of this chunk yet
        if f >= 0.0 and (s.best <= 0.0 or f >= s.best * s.kappa_sum * d1):
            return True                  # clears by more than any slope bound could need
        if f < 0.0:                      # a negative bound does not depend on the slope
            return _time_bound(f / (ray.r_e * step_e * j0), s.kr, s.kg, 0.0) >= s.best
        near = d1 <= s.near_m
        # A sub-chunk first tries its chunk's slope bound (from the same table family, it
        # is at least the sub-chunk's own): when that passes, its own would too.
        if (fine and s.run_slope >= 0.0 and near == s.run_near
                and _time_bound(f / d1, s.kr, s.kg, s.run_slope) >= s.best):
            return True
        if fine:
            s_j = _bound_box(s.sl.fine_near if near else s.sl.fine, g.n_lat, g.n_lon, 1, g,
                             lat0, lon0, lat1, lon1)
        else:
            s_j = _bound_box(s.sl.tile_near if near else s.sl.tile, g.n_tile_lat,
                             g.n_tile_lon, g.tile_nodes, g, lat0, lon0, lat1, lon1)
        if s_j < s.slope_min:
            s_j = s.slope_min
        if not fine:
            s.run_slope, s.run_near = s_j, near
        return _time_bound(f / d1, s.kr, s.kg, s_j) >= s.best


cdef inline bint _sample_stops(Scan* s, const Grid* g, const Ray* ray, double step_e, long j,
                               double lat, double lon, bint wraps, double cos_a) noexcept nogil:
    """Takes sample j (ground point lat, lon; cos_a = cos(x_j - x_c)); True when the walk
    ends there. The terrain is above the ray where R + elevation > r(x) = 1 / (amp cos_a)
    (cos_a > 0 where the ray is low), tested without a division. Blocked ends at the first
    such sample. Margin takes n_j / hypot(kr, kg s_j), n_j the sample's clearance over its
    ground distance from the cell with the sign of that test, s_j the slope bound at the
    sample (s_any across the antimeridian), and ends at a margin <= -tau_cap (blocked long
    enough: no later sample matters)."""
    cdef double elev = _elevation(g, lat, lon)
    cdef double n, s_j, tau, inv_r
    if Scan is Blocked:
        return (elev + ray.r_e) * ray.amp * cos_a > 1.0
    else:
        inv_r = ray.amp * cos_a          # 1 / r(x_j), > 0 where the ray is low
        if (elev + ray.r_e) * inv_r <= 1.0:
            # A clear sample: its margin n / kappa is >= 0, and >= best when
            # n >= best (kr + kg s_any) (kappa <= kr + kg s), i.e. when the ray's height
            # 1 / inv_r clears the terrain by best kappa_sum d_j: no division needed.
            if s.best < 0.0 or (elev + ray.r_e + s.best * s.kappa_sum * (ray.r_e * step_e * j)) * inv_r <= 1.0:
                return False
        if wraps:
            s_j = s.s_any
        else:
            s_j = _bound(s.sl.fine_near if ray.r_e * step_e * j <= s.near_m else s.sl.fine,
                         g.n_lat, g.n_lon, 1, g, lat, lon)
            if s_j < s.slope_min:
                s_j = s.slope_min
        n = (1.0 / (ray.amp * cos_a) - ray.r_e - elev) / (ray.r_e * step_e * j)
        if (elev + ray.r_e) * ray.amp * cos_a > 1.0:
            s.blocked = True
            if n > -1e-15:
                n = -1e-15
        elif n < 0.0:
            n = 0.0
        tau = n / sqrt(s.kr * s.kr + s.kg * s.kg * s_j * s_j)
        if tau < s.best:
            s.best = tau
        return s.best <= -s.tau_cap


cdef inline bint _walk(Scan* s, const Grid* g, const double* p, const double* c,
                       const Ray* ray, double k, double step_e, long ja, long j_last,
                       long chunk, long sub) noexcept nogil:
    """Walks the profile samples ja .. j_last of one ray, from the cell outwards: the one
    walk of rays_blocked (Scan Blocked) and rays_margin (Margin). True when a sample ended
    it (_sample_stops), False when the samples ran out or _rest_clears ended it.

    Samples sit at fixed ground distances j * step_e from the cell (x = lam_e - j step_e),
    so each slides continuously over the terrain as the platform moves and the answer
    changes only where the ray meets a feature, not where samples re-space. ja is 1 + a
    multiple of `chunk`, so both scans take the same ground points and agree on every
    sample's sign. The cell's end comes first: obstacles are mostly near it.

    Chunks of `chunk` samples (spanning at most one tile of the tile maxima): their ends
    are exact points of the great circle, found by rotating the previous end by one chunk
    (_walk_next, no sine or cosine per chunk), and latitude and longitude are linear
    between them. Over a chunk (3 grid spacings, under 30 km) the great circle leaves that
    line by at most L^2 tan(lat) / (8 R), about 10 m at 32 deg, under 1 % of the sample
    spacing (the sagitta L^2 k / 8 of an arc of curvature k = tan(lat) / R, the geodesic
    curvature of a parallel). Sub-chunks of `sub` samples span one grid spacing.

    Skips (_run_clears) at both levels: a run of samples is skipped where the ray's lowest
    point over it clears the dilated terrain maximum under the run's middle, that of the
    tile for a chunk (one cheap test passes over most of a ray) and of the grid cell for
    a sub-chunk (tight where a chunk did not pass). The dilated maxima bound the terrain
    within one tile or cell of a point, which holds every sample of the run, so a skip
    never changes the answer. The margin also needs the run's slope bound (the largest of
    every tile the run can touch, sim.world.terrain's slope tables) and turns clearance
    into time with _time_bound: kappa = hypot(kr, kg s) bounds how fast a sample's
    clearance slope can change (a Lipschitz bound, Cauchy-Schwarz over the platform's
    along- and across-track motion; derivation and sources in
    sim/engine/terrain_refine.py). A chunk across the antimeridian (longitudes jumping by
    180 deg or more) is sampled on the exact great circle (_ground), without skips."""
    cdef double lam_e = ray.lam_e, x_c = ray.x_c
    cdef double cos_s = cos(step_e), sin_s = sin(step_e), inv_span = 1.0 / chunk
    cdef long jb, j, js, je, je_chunk
    cdef double lat_a, lon_a, lat_b, lon_b, f, lat, lon, cos_a, sin_a
    cdef bint wraps
    cdef Walk walk
    _walk_start(p, c, ray, k, step_e, ja, chunk, &walk)
    _lat_lon(walk.g0, walk.g1, walk.g2, g.lon_360, &lat_a, &lon_a)
    while ja <= j_last:
        if _rest_clears(s, ray, step_e, ja):
            return False
        jb = ja + chunk                   # the chunk's far end: the next chunk's start
        _walk_next(&walk, g.lon_360, &lat_b, &lon_b)
        je_chunk = jb - 1 if jb - 1 < j_last else j_last
        wraps = fabs(lon_b - lon_a) >= 180.0
        if not wraps and _run_clears(s, g, ray, step_e, False, ja, jb,
                                     0.5 * (lat_a + lat_b), 0.5 * (lon_a + lon_b),
                                     lat_a, lon_a, lat_b, lon_b):
            ja = jb
            lat_a, lon_a = lat_b, lon_b
            continue
        js = ja
        while js <= je_chunk:
            je = js + sub - 1 if js + sub - 1 < je_chunk else je_chunk
            f = (0.5 * (js + je) - ja) * inv_span
            if not wraps and _run_clears(
                    s, g, ray, step_e, True, js, je,
                    lat_a + (lat_b - lat_a) * f, lon_a + (lon_b - lon_a) * f,
                    lat_a + (lat_b - lat_a) * (js - ja) * inv_span,
                    lon_a + (lon_b - lon_a) * (js - ja) * inv_span,
                    lat_a + (lat_b - lat_a) * (je - ja) * inv_span,
                    lon_a + (lon_b - lon_a) * (je - ja) * inv_span):
                js = je + 1
                continue
            # cos and sin of (x - x_c), x stepped back by step_e per sample
            cos_a = cos(lam_e - step_e * js - x_c)
            sin_a = sin(lam_e - step_e * js - x_c)
            for j in range(js, je + 1):
                if wraps:
                    _ground(p, c, ray.sin_l, ray.cos_l, k * (lam_e - step_e * j), g.lon_360,
                            &lat, &lon)
                else:
                    f = (j - ja) * inv_span
                    lat = lat_a + (lat_b - lat_a) * f
                    lon = lon_a + (lon_b - lon_a) * f
                if _sample_stops(s, g, ray, step_e, j, lat, lon, wraps, cos_a):
                    return True
                cos_a, sin_a = cos_a * cos_s + sin_a * sin_s, sin_a * cos_s - cos_a * sin_s
            js = je + 1
        ja = jb
        lat_a, lon_a = lat_b, lon_b
    return False


cdef bint _ray_blocked(const Grid* g, const double* p, const double* c, double h_m,
                       double r_c, double k, double radius_m, double terrain_max_m,
                       double region_top_m, double region_m, double step_e,
                       long chunk, long sub) noexcept nogil:
    """One ray of rays_blocked: the arc where the ray is below the highest terrain it can
    meet, then _walk over the samples there."""
    cdef Ray ray
    if not _ray_geometry(p, c, h_m, r_c, k, k * radius_m, &ray):
        return False
    cdef double lam_e = ray.lam_e, amp = ray.amp, x_c = ray.x_c, r_e = ray.r_e
    cdef double cos_w = 1.0 / ((r_e + terrain_max_m) * amp)
    if cos_w > 1.0:
        return False                     # the whole ray is above the highest terrain
    cdef double w = acos(cos_w)
    cdef double lo = x_c - w if x_c - w > 0.0 else 0.0
    cdef double hi = x_c + w if x_c + w < lam_e else lam_e
    if not hi > lo:
        return False
    if x_c > 0.0 and x_c < lam_e and amp * r_e > 1.0:
        return True                      # the chord dips below sea level between its ends
    if k * (lam_e - lo) * radius_m <= region_m:
        # The low arc lies within region_m of the cell, where the terrain is at most
        # region_top_m: only where the ray is below that can it be blocked.
        cos_w = 1.0 / ((r_e + region_top_m) * amp)
        if cos_w > 1.0:
            return False
        w = acos(cos_w)
        lo = x_c - w if x_c - w > 0.0 else 0.0
        hi = x_c + w if x_c + w < lam_e else lam_e
        if not hi > lo:
            return False
    cdef long j_first = <long>ceil((lam_e - hi) / step_e)
    cdef long j_last = <long>floor((lam_e - lo) / step_e)
    if j_first < 1:
        j_first = 1                      # j = 0 is the cell itself, below the observer
    cdef Blocked scan
    return _walk(&scan, g, p, c, &ray, k, step_e, 1 + chunk * ((j_first - 1) // chunk),
                 j_last, chunk, sub)


cdef double _ray_margin(const Grid* g, const Slopes* sl, const double* p, const double* c,
                        double h_m, double r_c, double k, double radius_m,
                        double terrain_max_m, double region_top_m, double region_m,
                        double step_e, long chunk, long sub, double kr, double kg,
                        double slope_min, double near_m, double tau_cap) noexcept nogil:
    """Signed time margin of one ray (rays_margin): min over the samples of _ray_blocked of
    n_j / hypot(kr, kg s_j), n_j = (ray height - terrain) / (ground distance from the cell),
    s_j the terrain slope bound near sample j (at least slope_min); the sea surface counts
    as a sample with s = 0. The sea first, then _walk over every sample from the cell."""
    cdef Ray ray
    if not _ray_geometry(p, c, h_m, r_c, k, k * radius_m, &ray):
        return tau_cap
    cdef double lam_e = ray.lam_e, r_p = ray.r_p, amp = ray.amp, x_c = ray.x_c, r_e = ray.r_e
    cdef double q
    # The sea surface, a continuous profile at 0 m. r(y) is convex along the chord (a
    # secant), so it lies above its tangent at the cell and above its lowest point.
    if x_c > 0.0 and x_c < lam_e:
        if amp * r_e > 1.0:              # below the sea at its lowest point: blocked
            q = (1.0 / amp - r_e) / (r_e * (lam_e - x_c)) / kr
            return q if q < -1e-12 else -1e-12
        q = (1.0 / amp - r_e) / (r_e * lam_e)
    elif x_c >= lam_e:                   # rising from the cell: above its tangent there
        q = r_c * r_c * amp * sin(x_c - lam_e) / r_e
    else:                                # falling towards the platform: above r_p
        q = (r_p - r_e) / (r_e * lam_e)
    cdef Margin scan
    scan.best = q / kr if q / kr < tau_cap else tau_cap
    cdef long j_last = <long>floor(lam_e / step_e)
    if j_last < 1:
        return scan.best
    scan.sl, scan.kr, scan.kg, scan.slope_min = sl, kr, kg, slope_min
    scan.s_any = sl.anywhere if sl.anywhere > slope_min else slope_min
    scan.kappa_any = sqrt(kr * kr + (kg * scan.s_any) * (kg * scan.s_any))
    scan.kappa_sum = kr + kg * scan.s_any
    scan.near_m, scan.tau_cap, scan.blocked = near_m, tau_cap, False
    scan.run_slope, scan.run_near = -1.0, False
    # every sample lies within region_m of the cell: the regional maximum bounds it
    scan.top = region_top_m if k * lam_e * radius_m <= region_m else terrain_max_m
    if _walk(&scan, g, p, c, &ray, k, step_e, 1, j_last, chunk, sub):
        return scan.best                 # a sample at most -tau_cap: returned as is
    if scan.blocked and scan.best > -1e-12:
        return -1e-12
    return scan.best


cdef Grid _grid(const double[::1] lat_nodes, const double[::1] lon_nodes, bint lat_uniform,
                bint lon_uniform, bint lon_360, const double[:, ::1] elev,
                const double[:, ::1] tile_max, long tile_nodes, const double[:, ::1] fine_max):
    if lat_nodes.shape[0] < 2 or lon_nodes.shape[0] < 2:
        raise ValueError("terrain grid needs at least 2 nodes per axis")
    if elev.shape[0] != lat_nodes.shape[0] or elev.shape[1] != lon_nodes.shape[0]:
        raise ValueError("elevation shape does not match the nodes")
    cdef Grid g
    g.lat = &lat_nodes[0]
    g.lon = &lon_nodes[0]
    g.elev = &elev[0, 0]
    g.tile = &tile_max[0, 0]
    if fine_max.shape[0] != lat_nodes.shape[0] or fine_max.shape[1] != lon_nodes.shape[0]:
        raise ValueError("fine tile maxima must have the elevation grid's shape")
    g.fine = &fine_max[0, 0]
    g.n_lat = lat_nodes.shape[0]
    g.n_lon = lon_nodes.shape[0]
    g.n_tile_lat = tile_max.shape[0]
    g.n_tile_lon = tile_max.shape[1]
    g.lat_uniform = lat_uniform
    g.lon_uniform = lon_uniform
    g.lon_360 = lon_360
    g.tile_nodes = tile_nodes
    g.inv_dlat = 1.0 / (lat_nodes[1] - lat_nodes[0])
    g.inv_dlon = 1.0 / (lon_nodes[1] - lon_nodes[0])
    return g


def rays_blocked(const double[:, ::1] p, const double[::1] h_m, const double[:, ::1] c,
                 const double[::1] r_c_m, double k, double radius_m, double terrain_max_m,
                 const double[::1] region_top_m, double region_m, double step_e, const double[::1] lat_nodes, const double[::1] lon_nodes,
                 bint lat_uniform, bint lon_uniform, bint lon_360,
                 const double[:, ::1] elev, const double[:, ::1] tile_max, long tile_nodes,
                 const double[:, ::1] fine_max, long chunk, long sub):
    """(K,) bool: terrain rises above the straight ray from the platform (p (K, 3) unit,
    h_m (K,) above the sphere) to the observer point at radius r_c_m (K,) above cell c
    (K, 3), on an Earth of radius k * radius_m (central angles / k); terrain_max_m the
    highest terrain anywhere, region_top_m (K,) the highest within region_m of each cell.
    step_e: profile step
    as an effective central angle; tile_max: dilated maxima of tile_nodes-node tiles
    (sim.world.terrain.los_grid) and fine_max (A, B) of single grid cells; chunk: samples per chunk
    (spanning at most one tile), sub: samples per sub-chunk (at most one grid spacing).
    See the module docstring."""
    cdef Grid g = _grid(lat_nodes, lon_nodes, lat_uniform, lon_uniform, lon_360, elev,
                        tile_max, tile_nodes, fine_max)
    cdef Py_ssize_t n_rows = p.shape[0], row
    out = np.zeros(n_rows, dtype=np.uint8)
    cdef unsigned char[::1] o = out
    if n_rows == 0:
        return out.astype(bool)
    with nogil:
        for row in range(n_rows):
            o[row] = _ray_blocked(&g, &p[row, 0], &c[row, 0], h_m[row], r_c_m[row], k,
                                  radius_m, terrain_max_m, region_top_m[row], region_m,
                                  step_e, chunk, sub)
    return out.view(bool)


cdef bint _same_shape(const double[:, ::1] a, const double[:, ::1] b):
    return a.shape[0] == b.shape[0] and a.shape[1] == b.shape[1]


def rays_margin(const double[:, ::1] p, const double[::1] h_m, const double[:, ::1] c,
                const double[::1] r_c_m, double k, double radius_m, double terrain_max_m,
                const double[::1] region_top_m, double region_m, double step_e,
                const double[::1] lat_nodes, const double[::1] lon_nodes,
                bint lat_uniform, bint lon_uniform, bint lon_360,
                const double[:, ::1] elev, const double[:, ::1] tile_max, long tile_nodes,
                const double[:, ::1] fine_max, long chunk, long sub,
                const double[:, ::1] slope_fine, const double[:, ::1] slope_tile,
                const double[:, ::1] slope_fine_near, const double[:, ::1] slope_tile_near,
                double slope_anywhere, const double[::1] kr, const double[::1] kg,
                const double[::1] slope_min, const double[::1] near_m,
                const double[::1] tau_cap):
    """(K,) signed time margins (s) of the rays of rays_blocked (same first arguments):
    tau = min over the profile samples j of n_j / hypot(kr, kg * s_j), with
    n_j = (ray height - terrain) / (ground distance from the cell) the sample's clearance
    slope and s_j = max(slope_min, slope_fine at the sample) (slope_tile near a tile,
    slope_anywhere anywhere: bounds on the terrain slope near each node or tile, same
    layout as fine_max and tile_max; the _near tables for samples at most near_m (K,)
    metres of ground from the cell); the sea surface counts as a sample with s = 0.
    kr, kg (K,) 1/s: the rate bounds of sim/engine/terrain_refine.py. tau < 0 exactly where
    rays_blocked is True. tau_cap (K,) s, > 0: how much margin each ray's caller can use; the
    scan stops once the answer is known to within it: when tau < 0 some sample has margin
    tau (the least, or one at most -tau_cap); when tau >= 0 it is the least margin or
    tau_cap, a lower bound. A small cap lets the walk skip more (_run_clears compares with
    the margin so far, which starts at the cap) and stop sooner."""
    cdef Grid g = _grid(lat_nodes, lon_nodes, lat_uniform, lon_uniform, lon_360, elev,
                        tile_max, tile_nodes, fine_max)
    if not (_same_shape(slope_fine, elev) and _same_shape(slope_fine_near, elev)
            and _same_shape(slope_tile, tile_max) and _same_shape(slope_tile_near, tile_max)):
        raise ValueError("slope tables must have the shapes of fine_max and tile_max")
    cdef Slopes sl
    sl.fine = &slope_fine[0, 0]
    sl.tile = &slope_tile[0, 0]
    sl.fine_near = &slope_fine_near[0, 0]
    sl.tile_near = &slope_tile_near[0, 0]
    sl.anywhere = slope_anywhere
    cdef Py_ssize_t n_rows = p.shape[0], row
    out = np.zeros(n_rows)
    cdef double[::1] o = out
    if n_rows == 0:
        return out
    with nogil:
        for row in range(n_rows):
            o[row] = _ray_margin(&g, &sl, &p[row, 0], &c[row, 0], h_m[row], r_c_m[row], k,
                                 radius_m, terrain_max_m, region_top_m[row], region_m,
                                 step_e, chunk, sub, kr[row], kg[row], slope_min[row],
                                 near_m[row], tau_cap[row])
    return out


def elevations(const double[::1] lat_deg, const double[::1] lon_deg,
               const double[::1] lat_nodes, const double[::1] lon_nodes, bint lat_uniform,
               bint lon_uniform, const double[:, ::1] elev):
    """Bilinear elevations (N,) metres at lat_deg, lon_deg (N,) degrees; 0 outside."""
    cdef double[:, ::1] no_tiles = np.zeros((1, 1))
    cdef Grid g = _grid(lat_nodes, lon_nodes, lat_uniform, lon_uniform, False, elev,
                        no_tiles, 1, elev)
    cdef Py_ssize_t n = lat_deg.shape[0], q
    out = np.empty(n)
    cdef double[::1] o = out
    with nogil:
        for q in range(n):
            o[q] = _elevation(&g, lat_deg[q], lon_deg[q])
    return out
