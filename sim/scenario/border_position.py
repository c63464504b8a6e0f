"""Positions in border terms: `{along: 800 km, offset: -40 km}` and the heading `along_border`.

The scenario loader turns such positions into latitude and longitude, so the rest of the
program only ever sees LatLon. The border is the scenario's border line (the synthetic great
circle, or the us-mexico preset's map polyline walked from the Pacific to the Gulf of
Mexico); `along` is the ground distance along it from its start, `offset` the ground distance
across it, negative on the own side and positive on the neighbour's side.

Construction: the border point at `along` (great-circle interpolation between vertices),
then a great-circle move of |offset| at right angles to the border's local direction there,
the direction of the chord from LOCAL_HALF_SPAN_M before to LOCAL_HALF_SPAN_M after that
point.
On a straight (great-circle) border the result is exactly |offset| from the border; where a
real border bends within |offset| the nearest border point may be closer.

References: destination point and initial bearing on a sphere (Williams, Aviation Formulary,
"Lat/lon given radial and distance", "Course between points"); cross-track and along-track
distances to a great-circle arc (the same, "Cross track error").
"""
from __future__ import annotations

import math

import numpy as np

from sim.world import earth as E
from sim.schema import GeographySpec, LatLon

LOCAL_HALF_SPAN_M = 25_000.0     # the border's local direction: chord over +- 25 km


class BorderLine:
    """A border polyline, start to end, with along-border distances.

    border_u: (N, 3) unit vectors; radius_m: Earth radius; own_left: True when the own side
    is left of the direction of travel (increasing along)."""

    def __init__(self, border_u: np.ndarray, radius_m: float, own_left: bool):
        self.u = np.asarray(border_u, dtype=float)
        self.radius_m = float(radius_m)
        self.own_left = bool(own_left)
        steps = E.central_angle_rad(self.u[:-1], self.u[1:]) * self.radius_m
        self.along_m = np.r_[0.0, np.cumsum(steps)]          # (N,)
        self.length_m = float(self.along_m[-1])

    def point_u(self, along_m: float) -> np.ndarray:
        """The border point (3,) at along_m (clipped to [0, length])."""
        s = min(max(float(along_m), 0.0), self.length_m)
        i = int(np.clip(np.searchsorted(self.along_m, s, side="right") - 1, 0, len(self.u) - 2))
        a, b = self.u[i], self.u[i + 1]
        angle = float(E.central_angle_rad(a, b))
        if angle <= 0.0:
            return a
        f = (s - self.along_m[i]) / (angle * self.radius_m)
        # slerp between the two vertices: exact on the great-circle arc
        return E.normalize((math.sin((1 - f) * angle) * a + math.sin(f * angle) * b)
                           / math.sin(angle))

    def bearing_rad(self, along_m: float) -> float:
        """The border's local direction at along_m, as a bearing at the border point there:
        the chord from along - LOCAL_HALF_SPAN_M to along + LOCAL_HALF_SPAN_M (clipped to
        the ends), projected on the horizontal plane of that point (on a great-circle
        border: exactly the border's own bearing there)."""
        p = self.point_u(along_m)
        chord = (self.point_u(min(along_m + LOCAL_HALF_SPAN_M, self.length_m))
                 - self.point_u(max(along_m - LOCAL_HALF_SPAN_M, 0.0)))
        east, north = E.local_frame(p)
        return float(math.atan2(chord @ east, chord @ north))

    def position(self, along_m: float, offset_m: float) -> LatLon:
        """The point `offset_m` across the border (neighbour side positive) from the border
        point at `along_m`, at right angles to the local direction."""
        p = self.point_u(along_m)
        bearing = self.bearing_rad(along_m)
        neighbour_right = self.own_left          # own on the left: neighbour on the right
        across = bearing + (math.pi / 2 if neighbour_right else -math.pi / 2)
        if offset_m < 0:
            across += math.pi
        q = E.destination(p, across, abs(offset_m) / self.radius_m)
        lat, lon = E.lat_lon_deg(q)
        return LatLon(float(lat), float(lon))

    def _nearest(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For points p (K, 3): ground distance (K,) to the nearest border point, its
        along-border distance (K,), and the side (K,): +1 left of the direction of travel,
        -1 right (the foot of the perpendicular on each great-circle segment, clipped to
        the segment; all K x (N - 1) pairs at once, fine for borders of a few thousand
        vertices)."""
        a, b = self.u[:-1], self.u[1:]                      # (S, 3) segment ends
        pole = np.cross(a, b)
        pole = pole / np.maximum(np.linalg.norm(pole, axis=1, keepdims=True), 1e-300)
        toward = np.cross(pole, a)                          # (S, 3) direction of travel at a
        x = p @ a.T                                         # (K, S) components in (a, toward)
        y = p @ toward.T
        t = np.clip(np.arctan2(y, x), 0.0, E.central_angle_rad(a, b)[None, :])
        on = (np.cos(t)[..., None] * a[None] + np.sin(t)[..., None] * toward[None])   # (K, S, 3)
        angle = np.arccos(np.clip(np.einsum("ksj,kj->ks", on, p), -1.0, 1.0))
        k = np.argmin(angle, axis=1)
        rows = np.arange(len(p))
        side = np.where(np.einsum("kj,kj->k", p, pole[k]) >= 0.0, 1.0, -1.0)
        return (angle[rows, k] * self.radius_m, self.along_m[k] + t[rows, k] * self.radius_m,
                side)

    def nearest_along_m(self, where: LatLon) -> float:
        """Along-border distance of the border point nearest to `where`."""
        return float(self._nearest(E.unit_vector(where.lat_deg, where.lon_deg)[None, :])[1][0])

    def signed_offset_m(self, u: np.ndarray) -> np.ndarray:
        """Signed ground distance (K,) of points u (K, 3) from the border line: negative on
        the own side, positive on the neighbour's (by the side of the nearest segment)."""
        distance, _, side = self._nearest(np.atleast_2d(np.asarray(u, dtype=float)))
        neighbour = -side if self.own_left else side
        return neighbour * distance


def border_line(geography: GeographySpec, radius_m: float) -> BorderLine:
    """The BorderLine of a scenario's geography (reads the preset's border polyline only)."""
    from sim.world.geography import border_polyline_u
    own_left = (geography.synthetic.own_side == "left" if geography.synthetic is not None
                else geography.own == "us")   # the preset is walked with the US on its left
    return BorderLine(border_polyline_u(geography, radius_m), radius_m, own_left)
