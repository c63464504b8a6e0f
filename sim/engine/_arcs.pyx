# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Access intervals of cells along one arc (great-circle leg, turn or loiter), compiled.

The caller (sim.engine.access.arc_intervals) writes every quantity the sensor's rule needs as a
sinusoid of the swept angle theta in [0, theta_max]:
    d(theta) = u . p(theta)                  (cos of the central angle to the cell)
    g(theta) = sin(rho) u . t(theta)         (along-track component)
    f(theta) = sin(rho) u . n(theta)         (left cross-track component)
each X(theta) = X_a cos(theta) + X_b sin(theta) + X_c per cell, and every boundary of the
rule as a sinusoid too (`crossings`). Between consecutive roots of the crossings the rule's
truth cannot change, so this loop, per cell: finds the roots in [0, theta_max] (harmonic
addition: a cos x + b sin x = r cos(x - phi)), sorts them, evaluates the rule at each
piece's midpoint, and joins runs of visible pieces into intervals, with the largest d on
each (the closest approach, for the best GSD).

The rule (sim.platforms.sensors.Sensor.visible_from_dots): cos_max <= d (and d <= cos_min when the
sensor has a minimum central angle); side-looking: sides by the sign of f, squint by
|g| <= tan(squint) |f|; nadir-swath: |f| / sin(rho) <= sin(lam_c) and
|g| / sin(rho) <= tan(lam_a) d.

Why compiled: every segment of every track runs this over up to hundreds of thousands of
cells, with a handful of roots each; in numpy each step was an (M, pieces) temporary.
References: harmonic addition (e.g. Abramowitz & Stegun 4.3.16-4.3.17); the rule as in
sim/platforms/sensors.py (SMAD sec. 5.2).
"""
import numpy as np

from libc.math cimport acos, atan2, cos, fabs, fmod, hypot, sin

DEF MAX_ROOTS = 16
cdef double TWO_PI = 6.283185307179586


cdef inline double _wrap(double x) noexcept nogil:
    x = fmod(x, TWO_PI)
    return x + TWO_PI if x < 0.0 else x


cdef inline double _max_on_range(double a, double b, double c, double ta,
                                 double tb) noexcept nogil:
    """Max of a cos(x) + b sin(x) + c over [ta, tb] (tb - ta <= 2 pi)."""
    cdef double amp = hypot(a, b)
    cdef double phase = atan2(b, a)
    if _wrap(phase - ta) <= tb - ta:
        return amp + c
    cdef double ea = amp * cos(ta - phase), eb = amp * cos(tb - phase)
    return (ea if ea > eb else eb) + c


cdef inline bint _rule(double d, double g, double f, double cos_max, double cos_min,
                       int kind, int sides, double tan_squint, double inv_sin_rho,
                       double sin_lam_c, double tan_lam_a) noexcept nogil:
    if d < cos_max or d > cos_min:
        return False
    if kind == 1:                     # side-looking
        if sides == 1 and f < 0.0:
            return False
        if sides == 2 and f > 0.0:
            return False
        if tan_squint >= 0.0 and fabs(g) > tan_squint * fabs(f):
            return False
        return True
    if kind == 2:                     # nadir-swath frame
        if fabs(f) * inv_sin_rho > sin_lam_c:
            return False
        if fabs(g) * inv_sin_rho > tan_lam_a * d:
            return False
    return True


def arc_cell_intervals(const double[:, ::1] d_abc, const double[:, ::1] g_abc,
                       const double[:, ::1] f_abc, const double[:, :, ::1] crossings,
                       double theta_max, double cos_max, double cos_min, int kind, int sides,
                       double tan_squint, double sin_rho, double sin_lam_c, double tan_lam_a):
    """Intervals per cell along one arc.

    d_abc, g_abc, f_abc: (3, M) sinusoid coefficients (a, b, c) per cell; crossings
    (K, 3, M): the rule's boundaries; theta_max: the arc's sweep (rad, <= 2 pi); cos_max,
    cos_min: the central-angle band as cosines (cos_min = 2 when no minimum); kind 0 band
    only, 1 side-looking, 2 nadir-swath; sides 0 both, 1 left, 2 right; tan_squint < 0
    when unlimited. Returns (row (N,) int64 cell rows, theta_a (N,), theta_b (N,),
    best_cos (N,)) with N the intervals found, in row order."""
    cdef Py_ssize_t m = d_abc.shape[1], n_cross = crossings.shape[0]
    if n_cross + 2 > MAX_ROOTS // 2:
        raise ValueError("too many rule boundaries for one arc")
    cap = m * (n_cross + 1) + 1
    row_out = np.empty(cap, dtype=np.int64)
    ta_out = np.empty(cap)
    tb_out = np.empty(cap)
    best_out = np.empty(cap)
    cdef long long[::1] r_o = row_out
    cdef double[::1] a_o = ta_out, b_o = tb_out, c_o = best_out
    cdef Py_ssize_t i, k, q, j, n_pts, n_out = 0
    cdef double pts[MAX_ROOTS]
    cdef double a, b, c, r, ratio, phi, alpha, x, y, mid, cm, sm, dm, gm, fm, run_a
    cdef double inv = 1.0 / (sin_rho if sin_rho > 1e-15 else 1e-15)
    cdef bint seen, open_run
    with nogil:
        for i in range(m):
            pts[0] = 0.0
            pts[1] = theta_max
            n_pts = 2
            for k in range(n_cross):
                a = crossings[k, 0, i]
                b = crossings[k, 1, i]
                c = crossings[k, 2, i]
                r = hypot(a, b)
                if not r > 0.0:
                    continue
                ratio = -c / r
                if ratio > 1.0 or ratio < -1.0:
                    continue
                phi = atan2(b, a)
                alpha = acos(ratio)
                x = _wrap(phi - alpha)
                y = _wrap(phi + alpha)
                if x <= theta_max:
                    pts[n_pts] = x
                    n_pts += 1
                if y <= theta_max:
                    pts[n_pts] = y
                    n_pts += 1
            # insertion sort (a handful of points)
            for q in range(1, n_pts):
                x = pts[q]
                j = q - 1
                while j >= 0 and pts[j] > x:
                    pts[j + 1] = pts[j]
                    j -= 1
                pts[j + 1] = x
            open_run = False
            run_a = 0.0
            for q in range(n_pts - 1):
                if not pts[q + 1] > pts[q]:
                    continue                  # empty piece: does not break a run
                mid = 0.5 * (pts[q] + pts[q + 1])
                cm = cos(mid)
                sm = sin(mid)
                dm = d_abc[0, i] * cm + d_abc[1, i] * sm + d_abc[2, i]
                gm = g_abc[0, i] * cm + g_abc[1, i] * sm + g_abc[2, i]
                fm = f_abc[0, i] * cm + f_abc[1, i] * sm + f_abc[2, i]
                seen = _rule(dm, gm, fm, cos_max, cos_min, kind, sides, tan_squint, inv,
                             sin_lam_c, tan_lam_a)
                if seen and not open_run:
                    open_run = True
                    run_a = pts[q]
                elif not seen and open_run:
                    open_run = False
                    r_o[n_out] = i
                    a_o[n_out] = run_a
                    b_o[n_out] = pts[q]
                    c_o[n_out] = _max_on_range(d_abc[0, i], d_abc[1, i], d_abc[2, i], run_a, pts[q])
                    n_out += 1
            if open_run:
                r_o[n_out] = i
                a_o[n_out] = run_a
                b_o[n_out] = pts[n_pts - 1]
                c_o[n_out] = _max_on_range(d_abc[0, i], d_abc[1, i], d_abc[2, i], run_a,
                                           pts[n_pts - 1])
                n_out += 1
    return row_out[:n_out], ta_out[:n_out], tb_out[:n_out], best_out[:n_out]
