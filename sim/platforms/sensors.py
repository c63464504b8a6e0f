"""Visibility geometry of one sensor on a spherical Earth.

A sensor (a `SensorSpec`) on a platform at sub-platform unit vector p, altitude h, moving
along the unit ground-velocity direction t, sees a ground cell at unit vector u when ALL of
the following hold (this is the exact rule: `Sensor.visible` evaluates nothing else, and the
exact access engine may rely on exactly these formulas):

1. Central-angle band. With cos(lambda) = p . u,
       lam_min <= lambda <= lam_max,   (lam_min, lam_max) = Sensor.central_angle_limits_rad(h).
   lam_max is the smallest of the range-like limits that the sensor has:
   - line-of-sight horizon (always): lambda_0 = acos(R/(R+h)) + acos(R/(R+h_t))
     (SMAD eq. 5-16, plus the target's own horizon term; h_t = target_height, horizon kind).
     Radio horizon (horizon kind, radio=true): the same on an Earth of radius kR, converted
     back to a true central angle: lambda_0 = k * [acos(kR/(kR+h)) + acos(kR/(kR+h_t))],
     because the effective-Earth model keeps ground distances (kR * angle on the fictitious
     Earth = R * angle on the real one); gives d = sqrt(2 k R h) ~ 4.12 sqrt(h_m) km
     (Skolnik, Introduction to Radar Systems, ch. 8; docs/model.md, Geometry).
   - min_elevation eps_min > 0: lambda(eps) = 90 deg - eta - eps, sin(eta) = cos(eps) sin(rho),
     sin(rho) = R/(R+h) (SMAD eqs. 5-17..5-19), geometric R even for radio sensors.
     min_elevation = 0 adds no limit beyond the horizon (so a radio horizon is not cut back
     to the geometric one).
   - max_range D_max (slant): law of cosines, D^2 = (R+h_t)^2 + (R+h)^2
     - 2 (R+h_t)(R+h) cos(lambda) (docs/model.md), solved for lambda.
   - max_off_nadir eta_max < 90 deg: lambda(eta) = 90 deg - eta - eps, cos(eps) =
     sin(eta)/sin(rho) (SMAD 5-17..5-19), with eta clamped to rho (beyond the limb: horizon).
   - imaging GSD limit (focal_length, pixel_pitch and max_gsd all given):
     GSD = D p / f <= max_gsd  <=>  D <= max_gsd f / p, then as max_range (docs/model.md,
     "Imaging quality").
   - side-looking: lam_min = near_range / R, lam_max <= far_range / R (ground ranges).
   - nadir-swath: lam_max <= acos(cos(lam_c) cos(lam_a)), the central angle of the frame's
     corner (spherical right triangle, Napier's rule), which contains the whole frame;
     lam_c = lambda(half_angle), lam_a = lambda(along_half_angle) by the off-nadir relation.
   Elevation and off-nadir angles are those of the ground point (target height ignored);
   target_height only enters the horizon and the slant range. With terrain, a cell's own
   elevation adds to target_height in those two limits (a cell on a 2,000 m plateau is seen
   beyond the sea-level horizon): central_angle_limits_rad then uses the most generous
   elevation up to terrain_top_m (the highest cell), and the terrain mask
   (Environment.terrain_allows, sim/engine/environment.py) applies each cell's own limit
   (within_own_reach).
   If the limits leave nothing,
   lam_max is returned as -inf (then lam_max < lam_min and nothing is visible).

2. Direction (side-looking and nadir-swath, `needs_direction`). t is the velocity projected
   on the tangent plane at p and normalised, n = p x t the LEFT normal (unit).
   - side-looking: sides "left" needs u . n >= 0, "right" needs u . n <= 0; squint: the
     azimuth psi of the cell from broadside at the sub-platform point has
     tan(psi) = (u . t) / |u . n|; visible when |u . t| <= tan(max_squint) |u . n|
     (max_squint >= 90 deg: no limit).
   - nadir-swath: cross-track |u . n| <= sin(lam_c) (u . n is the sine of the cell's angular
     distance from the ground-track great circle); along-track |atan2(u . t, u . p)| <= lam_a,
     evaluated as |u . t| <= tan(lam_a) (u . p), identical since 0 <= lam_a < 90 deg.

References: Wertz & Larson, Space Mission Analysis and Design (SMAD), 3rd ed., sec. 5.2
(eqs. 5-15 to 5-28); Skolnik, Introduction to Radar Systems, 3rd ed., sec. 8.2 (4/3 Earth);
docs/model.md (law of cosines slant range, GSD = D p / f).
"""
from __future__ import annotations

import math

import numpy as np

from sim.world.earth import (central_angle_for_elevation_rad, central_angle_for_off_nadir_rad,
                       central_angle_for_slant_range_rad, horizon_central_angle_rad)
from sim.schema import SENSOR_KINDS, EarthSpec, SensorSpec

_DIRECTIONAL_KINDS = ("side-looking", "nadir-swath")


def _dot(a, b) -> np.ndarray:
    """a . b along the last axis with broadcasting. (..., 3) x (..., 3) -> (...)."""
    return np.einsum("...i,...i->...", a, b)


def _maybe_float(x):
    """0-d arrays to Python floats, arrays unchanged."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


class Sensor:
    """Visibility geometry of one sensor (a SensorSpec) on a spherical Earth.

    Attributes: spec, earth, needs_direction (True for side-looking and nadir-swath: the
    ground-velocity direction matters). See the module docstring for the exact rule.
    """

    def __init__(self, spec: SensorSpec, earth: EarthSpec, terrain_top_m: float = 0.0):
        if spec.kind not in SENSOR_KINDS:
            raise ValueError(f"unknown sensor kind {spec.kind!r}; expected one of {SENSOR_KINDS}")
        if spec.sides not in ("left", "right", "both"):
            raise ValueError(f"sides must be left, right or both, got {spec.sides!r}")
        self.spec = spec
        self.earth = earth
        self.terrain_top_m = max(0.0, float(terrain_top_m))
        self.needs_direction = spec.kind in _DIRECTIONAL_KINDS
        self._has_imaging = spec.focal_length_m is not None and spec.pixel_pitch_m is not None
        self._gsd_slant_max_m = (spec.max_gsd_m * spec.focal_length_m / spec.pixel_pitch_m
                                 if self._has_imaging and spec.max_gsd_m is not None else math.inf)
        self._tan_squint = (math.tan(spec.max_squint_rad)
                            if spec.max_squint_rad < math.pi / 2 else math.inf)

    def __repr__(self) -> str:
        return f"Sensor({self.spec.name!r}, kind={self.spec.kind!r})"

    # ------------------------------------------------------------------ band of central angles

    def _off_nadir_central_angle(self, altitude_m, off_nadir_rad):
        """lambda for an off-nadir angle, eta clamped to the Earth's angular radius rho so
        that angles past the limb give the horizon (SMAD eqs. 5-17..5-19). Shapes broadcast."""
        radius = self.earth.radius_m
        rho = np.arcsin(radius / (radius + np.asarray(altitude_m, dtype=float)))
        eta = np.minimum(off_nadir_rad, rho)
        return central_angle_for_off_nadir_rad(radius, altitude_m, eta)

    def swath_central_angles_rad(self, altitude_m):
        """Nadir-swath (lam_c, lam_a): central angles of the cross-track half_angle and the
        along-track along_half_angle (None: half_angle). altitude_m scalar or (...) ->
        floats or (...) arrays.  References: SMAD eqs. 5-17..5-19 (off-nadir -> lambda)."""
        half = self.spec.half_angle_rad
        along = self.spec.along_half_angle_rad
        along = half if along is None else along
        h = np.asarray(altitude_m, dtype=float)
        return (_maybe_float(self._off_nadir_central_angle(h, half)),
                _maybe_float(self._off_nadir_central_angle(h, along)))

    def central_angle_limits_rad(self, altitude_m):
        """(lam_min, lam_max): the band of Earth central angles between the sub-platform
        point and a ground cell outside which the cell can never be seen at this altitude.

        altitude_m: scalar (returns two floats) or array (...) (returns two (...) arrays).
        Combines every range-like limit listed in the module docstring (horizon, radio
        horizon, min_elevation, max_range, max_off_nadir, GSD, side-looking near/far range,
        nadir-swath frame corner). An empty band has lam_max = -inf.
        References: SMAD eqs. 5-16..5-19; Skolnik sec. 8.2; docs/model.md.
        """
        spec, radius = self.spec, self.earth.radius_m
        h = np.asarray(altitude_m, dtype=float)
        # With terrain a cell stands up to terrain_top_m high: the horizon reaches farthest
        # for the highest cell, the slant range for the cell closest to the platform's height.
        top = self.terrain_top_m
        lam_max = self._horizon_rad(h, top)
        lam_min = np.zeros_like(lam_max)
        empty = np.zeros(lam_max.shape, dtype=bool)

        if spec.min_elevation_rad > 0.0:
            lam_max = np.minimum(lam_max, central_angle_for_elevation_rad(
                radius, h, spec.min_elevation_rad))
        lam_max, empty = self._slant_limits(h, np.clip(h - spec.target_height_m, 0.0, top),
                                            lam_max, empty)
        if spec.max_off_nadir_rad < math.pi / 2:
            lam_max = np.minimum(lam_max, self._off_nadir_central_angle(h, spec.max_off_nadir_rad))
        if spec.kind == "side-looking":
            lam_min = np.broadcast_to(np.asarray(spec.near_range_m / radius), lam_max.shape).copy()
            if math.isfinite(spec.far_range_m):
                lam_max = np.minimum(lam_max, spec.far_range_m / radius)
        elif spec.kind == "nadir-swath":
            lam_c, lam_a = self.swath_central_angles_rad(h)
            lam_max = np.minimum(lam_max, np.arccos(np.cos(lam_c) * np.cos(lam_a)))

        empty |= lam_max < lam_min
        lam_max = np.where(empty, -np.inf, lam_max)
        return _maybe_float(lam_min), _maybe_float(lam_max)

    def _horizon_rad(self, h, elevation_m) -> np.ndarray:
        """Horizon central angle for a target target_height + elevation_m above the sphere
        (radio: on the k R Earth, converted back to a true angle). Shapes broadcast."""
        h_t = self.spec.target_height_m + np.asarray(elevation_m, dtype=float)
        radius = self.earth.radius_m
        if self.spec.radio:
            k = self.earth.refraction_k
            return np.asarray(k * horizon_central_angle_rad(k * radius, h, h_t), dtype=float)
        return np.asarray(horizon_central_angle_rad(radius, h, h_t), dtype=float)

    def _slant_limits(self, h, elevation_m, lam_max, empty):
        """lam_max and empty cut by the slant-range limits (max_range, GSD) for a target
        target_height + elevation_m above the sphere (law of cosines)."""
        h_t = self.spec.target_height_m + np.asarray(elevation_m, dtype=float)
        for slant_max in (self.spec.max_range_m, self._gsd_slant_max_m):
            if math.isfinite(slant_max):
                empty = empty | (slant_max < h - h_t)   # even the nadir point is too far
                lam_max = np.minimum(lam_max, central_angle_for_slant_range_rad(
                    self.earth.radius_m, h, slant_max, h_t))
        return lam_max, empty

    def within_own_reach(self, cos_lam, altitude_m, elevation_m) -> np.ndarray:
        """(K,) bool: the horizon and slant-range limits hold for cells standing
        elevation_m (K,) above the sphere (paired with cos_lam (K,), altitude_m (K,) or
        scalar). central_angle_limits_rad uses the most generous elevation up to
        terrain_top_m; this is each cell's own (the terrain mask applies it)."""
        h = np.asarray(altitude_m, dtype=float)
        lam, empty = self._slant_limits(h, elevation_m, self._horizon_rad(h, elevation_m),
                                        np.zeros(np.shape(cos_lam), dtype=bool))
        return ~empty & (np.asarray(cos_lam, dtype=float) >= np.cos(lam))

    def own_reach_rad(self, altitude_m, elevation_m) -> np.ndarray:
        """The central angle within_own_reach allows (-inf where nothing), shapes as there."""
        h = np.asarray(altitude_m, dtype=float)
        lam, empty = self._slant_limits(h, elevation_m, self._horizon_rad(h, elevation_m),
                                        np.zeros(np.broadcast(h, elevation_m).shape, dtype=bool))
        return np.where(empty, -np.inf, lam)

    # ------------------------------------------------------------------------- visibility

    def visible(self, platform_u, altitude_m, velocity_u, cell_u) -> np.ndarray:
        """Boolean visibility of cells from platforms, with numpy broadcasting.

        platform_u (..., 3) unit sub-platform vectors; altitude_m scalar or an array that
        broadcasts with platform_u[..., 0] (e.g. (N, 1) for platform_u (N, 1, 3));
        velocity_u (..., 3) unit ground-velocity directions (projected on the tangent plane
        and renormalised; may be None when needs_direction is False); cell_u (..., 3) unit
        cell vectors. (N,1,3) with (1,M,3) gives (N,M); paired (K,3) with (K,3) gives (K,).

        The rule is exactly the module docstring's: central-angle band (cosines compared),
        then sides/squint (side-looking) or the cross/along-track frame (nadir-swath).
        References: SMAD sec. 5.2 eqs. 5-16..5-19; docs/model.md.
        """
        p = np.asarray(platform_u, dtype=float)
        u = np.asarray(cell_u, dtype=float)
        cos_lam = _dot(p, u)
        if not self.needs_direction:
            return self.visible_from_dots(cos_lam, altitude_m)
        if velocity_u is None:
            raise ValueError(f"sensor {self.spec.name!r} ({self.spec.kind}) needs velocity_u")
        v = np.asarray(velocity_u, dtype=float)
        t = v - _dot(v, p)[..., None] * p
        t = t / np.linalg.norm(t, axis=-1, keepdims=True)
        n = np.cross(p, t)                 # left normal
        return self.visible_from_dots(cos_lam, altitude_m, _dot(u, t), _dot(u, n))

    def visible_from_dots(self, cos_lam, altitude_m, u_t=None, u_n=None) -> np.ndarray:
        """The rule of `visible` from the dot products of the cell vector u with the
        sub-platform point p (cos_lam = u.p), the unit ground-track direction t (u_t) and
        the left normal n = p x t (u_n), all broadcasting together; u_t and u_n are needed
        only when needs_direction. For callers that have the dot products in closed form
        (sim.engine.access.arc_intervals)."""
        cos_lam = np.asarray(cos_lam, dtype=float)
        lam_min, lam_max = self.central_angle_limits_rad(altitude_m)

        if np.ndim(lam_max) == 0:
            if lam_max < lam_min:          # empty band (-inf)
                return np.zeros(cos_lam.shape, dtype=bool)
            ok = cos_lam >= math.cos(lam_max)
            if lam_min > 0.0:
                ok &= cos_lam <= math.cos(lam_min)
        else:
            filled = np.where(np.isfinite(lam_max), lam_max, 0.0)
            cos_max = np.where(lam_max >= lam_min, np.cos(filled), 2.0)   # 2: never
            ok = cos_lam >= cos_max
            if np.any(lam_min > 0.0):
                ok &= cos_lam <= np.cos(lam_min)

        if not self.needs_direction:
            return ok

        if self.spec.kind == "side-looking":
            if self.spec.sides == "left":
                ok &= u_n >= 0.0
            elif self.spec.sides == "right":
                ok &= u_n <= 0.0
            if math.isfinite(self._tan_squint):
                ok &= np.abs(u_t) <= self._tan_squint * np.abs(u_n)
            return ok

        # nadir-swath frame
        lam_c, lam_a = self.swath_central_angles_rad(altitude_m)
        ok &= np.abs(u_n) <= np.sin(lam_c)
        ok &= np.abs(u_t) <= np.tan(lam_a) * cos_lam
        return ok

    # ------------------------------------------------------------------ range and image quality

    def slant_m(self, altitude_m, cos_lam) -> np.ndarray:
        """Slant range (m) from the platform to a cell (at the target height) by the law of
        cosines, D^2 = (R+h_t)^2 + (R+h)^2 - 2 (R+h_t)(R+h) cos(lambda). Shapes broadcast.
        References: docs/model.md (SMAD sec. 5.2)."""
        a = self.earth.radius_m + self.spec.target_height_m
        b = self.earth.radius_m + np.asarray(altitude_m, dtype=float)
        c = np.asarray(cos_lam, dtype=float)
        return np.sqrt(np.maximum(a * a + b * b - 2.0 * a * b * c, 0.0))

    def gsd_m(self, slant_m) -> np.ndarray | None:
        """Ground sample distance slant * pixel_pitch / focal_length (m), same shape as
        slant_m, or None without an imaging model. References: docs/model.md."""
        if not self._has_imaging:
            return None
        return np.asarray(slant_m, dtype=float) * (self.spec.pixel_pitch_m / self.spec.focal_length_m)


def build_sensors(specs, earth: EarthSpec, terrain_top_m: float = 0.0) -> tuple[Sensor, ...]:
    """One Sensor per SensorSpec, in order; terrain_top_m: the highest cell (see Sensor)."""
    return tuple(Sensor(spec, earth, terrain_top_m) for spec in specs)
