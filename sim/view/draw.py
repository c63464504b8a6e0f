"""pygame drawing helpers for the window: the view transform, cached text, polylines with
breaks, map furniture (graticule, scale bar, north arrow), icons. Only sim/view imports pygame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pygame

INK = (30, 30, 30)
BORDER_RGB = (200, 30, 30)
COAST_RGB = (31, 95, 168)
ALARM_RGB = (255, 0, 40)
GRATICULE_RGB = (150, 150, 160)
FOOTPRINT_ALPHA = 70          # footprints: their platform's colour, this opaque (of 255)
# land and sea: own land warm, neighbour land cool grey-violet (the two are told apart by
# lightness too), sea blue, national waters (territorial sea) a deeper blue
AIRSPACE_RGB = ((190, 214, 232), (238, 230, 205), (214, 208, 222), (160, 193, 220), (160, 193, 220))


@dataclass
class View:
    """World (x_m, y_m) -> screen pixels in a map rectangle: sx = ox + (x - cx) s,
    sy = oy - (y - cy) s, with s in px per metre (y up in the world, down on screen)."""
    cx_m: float
    cy_m: float
    px_per_m: float
    width: int
    height: int

    def to_screen(self, xy_m: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy_m, dtype=float)
        sx = self.width / 2 + (xy[..., 0] - self.cx_m) * self.px_per_m
        sy = self.height / 2 - (xy[..., 1] - self.cy_m) * self.px_per_m
        return np.stack([sx, sy], axis=-1)

    def to_world(self, sx: float, sy: float) -> tuple[float, float]:
        return (self.cx_m + (sx - self.width / 2) / self.px_per_m,
                self.cy_m - (sy - self.height / 2) / self.px_per_m)

    def zoom_about(self, sx: float, sy: float, factor: float) -> None:
        """Zoom by factor keeping the world point under (sx, sy) fixed."""
        wx, wy = self.to_world(sx, sy)
        self.px_per_m *= factor
        self.cx_m = wx - (sx - self.width / 2) / self.px_per_m
        self.cy_m = wy + (sy - self.height / 2) / self.px_per_m

    def pan(self, dx_px: float, dy_px: float) -> None:
        self.cx_m -= dx_px / self.px_per_m
        self.cy_m += dy_px / self.px_per_m

    def key(self) -> tuple:
        return (round(self.cx_m, 3), round(self.cy_m, 3), round(self.px_per_m, 12),
                self.width, self.height)

    def world_bounds(self) -> tuple[float, float, float, float]:
        x0, y1 = self.to_world(0, 0)
        x1, y0 = self.to_world(self.width, self.height)
        return x0, x1, y0, y1


class Text:
    """Rendered labels cached by (text, size, colour, bold): re-rendered only when new."""

    def __init__(self):
        self._fonts: dict = {}
        self._cache: dict = {}

    def font(self, size: int, bold: bool = False):
        key = (size, bold)
        if key not in self._fonts:
            f = pygame.font.Font(None, size)
            f.set_bold(bold)
            self._fonts[key] = f
        return self._fonts[key]

    def render(self, text: str, size: int = 20, colour=INK, bold: bool = False):
        key = (text, size, colour, bold)
        surf = self._cache.get(key)
        if surf is None:
            if len(self._cache) > 4000:
                self._cache.clear()
            surf = self.font(size, bold).render(text, True, colour)
            self._cache[key] = surf
        return surf

    def blit(self, target, text, pos, size=20, colour=INK, bold=False, anchor="topleft",
             box=None):
        surf = self.render(text, size, colour, bold)
        rect = surf.get_rect(**{anchor: (int(pos[0]), int(pos[1]))})
        if box is not None:
            pygame.draw.rect(target, box, rect.inflate(6, 2))
        target.blit(surf, rect)
        return rect


def runs(xy_px: np.ndarray) -> list[np.ndarray]:
    """Split a screen polyline (K, 2) at NaN rows into runs of >= 2 points."""
    ok = np.all(np.isfinite(xy_px), axis=-1)
    if not ok.any():
        return []
    edges = np.diff(np.r_[0, ok.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [xy_px[a:b] for a, b in zip(starts, ends) if b - a >= 2]


def polyline(surface, view: View, xy_m: np.ndarray, colour, width: int = 1,
             limit_px: float = 1e5) -> None:
    """Draw a world polyline with NaN breaks (points far off screen are dropped)."""
    if xy_m is None or len(xy_m) < 2:
        return
    px = view.to_screen(xy_m)
    far = np.any(np.abs(px) > limit_px, axis=-1)
    px[far] = np.nan
    for run in runs(px):
        pygame.draw.lines(surface, colour, False, run, width)


def dashed(surface, view: View, xy_m: np.ndarray, colour, width=1, dash_px=8.0):
    """A dashed world polyline: every other piece of dash_px along the screen path."""
    px = view.to_screen(xy_m)
    for run in runs(px):
        seg = np.diff(run, axis=0)
        length = np.r_[0.0, np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))]
        if length[-1] <= 0:
            continue
        marks = np.arange(0.0, length[-1], dash_px)
        pts = np.stack([np.interp(marks, length, run[:, 0]), np.interp(marks, length, run[:, 1])], -1)
        for k in range(0, len(pts) - 1, 2):
            pygame.draw.line(surface, colour, pts[k], pts[k + 1], width)


def nice_length(span: float) -> float:
    """1, 2 or 5 x 10^k, at most span."""
    power = 10.0 ** math.floor(math.log10(max(span, 1e-9)))
    for f in (5.0, 2.0, 1.0):
        if f * power <= span:
            return f * power
    return power


def scale_bar(surface, text: Text, view: View, pos) -> None:
    """A km scale bar about a fifth of the map's width, at pos (left, bottom)."""
    km = nice_length(view.width / 5.0 / view.px_per_m / 1000.0)
    length_px = km * 1000.0 * view.px_per_m
    x, y = pos
    pygame.draw.rect(surface, (255, 255, 255), (x - 6, y - 26, length_px + 12, 32))
    pygame.draw.line(surface, INK, (x, y - 4), (x + length_px, y - 4), 4)
    half = length_px / 2
    pygame.draw.rect(surface, (255, 255, 255), (x + half, y - 5, half, 2))
    text.blit(surface, f"{km:g} km", (x + length_px / 2, y - 10), 18, anchor="midbottom")


def north_arrow(surface, text: Text, pos, angle_rad: float) -> None:
    """An arrow pointing to north on the screen (angle from screen-up, clockwise)."""
    cx, cy = pos
    pygame.draw.circle(surface, (255, 255, 255), (cx, cy), 22)
    pygame.draw.circle(surface, INK, (cx, cy), 22, 1)
    s, c = math.sin(angle_rad), math.cos(angle_rad)
    tip = (cx + 16 * s, cy - 16 * c)
    left = (cx - 7 * c - 9 * s, cy - 7 * s + 9 * c)
    right = (cx + 7 * c - 9 * s, cy + 7 * s + 9 * c)
    pygame.draw.polygon(surface, INK, [tip, left, (cx, cy), right])
    text.blit(surface, "N", (cx - 25 * s, cy + 25 * c), 18, bold=True, anchor="center")


def icon(surface, xy, heading_screen_rad: float, colour, satellite: bool, alarm: bool) -> None:
    """A platform: an arrowhead pointing along its heading (aircraft) or a square with solar
    panels (satellite); a ring in the alarm colour when it violates airspace."""
    x, y = xy
    if alarm:
        pygame.draw.circle(surface, ALARM_RGB, (x, y), 17, 4)
    if satellite:
        pygame.draw.rect(surface, colour, (x - 5, y - 5, 10, 10))
        pygame.draw.rect(surface, INK, (x - 5, y - 5, 10, 10), 1)
        pygame.draw.line(surface, INK, (x - 13, y), (x + 13, y), 3)
        return
    s, c = math.sin(heading_screen_rad), math.cos(heading_screen_rad)

    def rot(px, py):      # (px right, py forward) in the icon's frame -> screen
        return (x + px * c + py * s, y + px * s - py * c)
    pts = [rot(0, 13), rot(-9, -9), rot(0, -4), rot(9, -9)]
    pygame.draw.polygon(surface, colour, pts)
    pygame.draw.polygon(surface, INK, pts, 2)
