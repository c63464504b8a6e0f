"""Drawing one frame of the window: map background (cached per view: the coarse land/sea
image, then the view's own at screen resolution once computed), coverage raster (8-bit
palette surface, one pixel per cell), terrain relief overlay, tracks, footprints, icons,
furniture, panel."""
from __future__ import annotations

import math
import os
import time

import numpy as np
import pygame

from sim.world import earth as E
from sim.view import draw as D
from sim.view.basemap import MapJobs
from sim.view.footprint import heading_rad, placed
from sim.view.hillshade import relief_blend
from sim.view.palette import (LAYER_KEYS, NEVER, NEVER_RGB, OUTSIDE, STYLES, layer_values,
                              palette, scale_max, ticks, to_index)

MAP_RASTER_PX = 900          # land/sea raster: samples along its longer side (2x the map)
DETAIL_MIN_ZOOM = 1.25       # coarse pixels wider than this many screen pixels: view image
DETAIL_SETTLE_S = 0.2        # ... once the view has been still this long (seconds)


class Renderer:
    """Draws a Window's scene. Caches: the land/sea images' surfaces, the background and
    relief overlay for the current view, the coverage raster surface (per layer and time),
    platform tracks."""

    def __init__(self, window):
        self.w = window
        self.text = window.text
        self.palettes = {key: palette(STYLES[key]) for key in LAYER_KEYS}
        self.new_scene()

    # ------------------------------------------------------------------ caches
    def new_scene(self) -> None:
        scene = self.w.scene
        lat = scene.lattice
        self.cells8 = pygame.Surface((lat.nx, lat.ny), depth=8)
        self.cells8.set_colorkey(OUTSIDE)
        self.cells8.fill(OUTSIDE)
        # the image (ny, nx) row-major, row 0 north; cells are its pixels at self._flat
        self._image = np.zeros((lat.ny, lat.nx), dtype=np.uint8)
        self._flat = (lat.ny - 1 - lat.iy) * lat.nx + lat.ix
        self._raster_key = None
        self._background_key = None
        self._lines_key = None
        self._map_labels: list = []
        self._bands = None
        self._relief_key = None
        self._view_seen = (None, 0.0)
        self._image_surfaces: dict = {}
        self.map_jobs = MapJobs(scene)
        self.border_m = np.stack(scene.project(scene.geography.border_lat_deg,
                                               scene.geography.border_lon_deg), axis=-1)
        self.coasts_m = [np.stack(scene.project(c[:, 0], c[:, 1]), axis=-1)
                         for c in scene.geography.coastlines]
        self.band_index = None
        self.new_tracks()

    def new_tracks(self) -> None:
        scene = self.w.scene
        x0, x1, y0, y1 = scene.map_bounds_m()
        step = max(x1 - x0, y1 - y0) / 800.0
        self.tracks_m = [scene.planned_track(i, step) for i in range(len(scene.scenario.platforms))]
        self._lines_key = None

    # ------------------------------------------------------------------ map images
    def _map_images(self):
        """(coarse image, view image or None): sim.view.basemap.MapImage. Asks for an image
        of the view at screen resolution when the coarse one's pixels are more than
        DETAIL_MIN_ZOOM screen pixels wide, once the view has been still DETAIL_SETTLE_S
        (at once without a screen: scripted frames are reproducible)."""
        base = self.w.scene.land
        if base is None:
            return None, None
        view = self.w.view
        key = view.key()
        if base.pixel_m * view.px_per_m > DETAIL_MIN_ZOOM:
            now = time.perf_counter()
            if key != self._view_seen[0]:
                self._view_seen = (key, now)
            if self.w.headless or now - self._view_seen[1] >= DETAIL_SETTLE_S:
                self.map_jobs.request(key, view.world_bounds(), view.width, view.height)
        detail = self.map_jobs.latest
        return base, detail if detail is not None and detail.pixel_m < base.pixel_m else None

    def _surfaces(self, image):
        """(land/sea RGB surface, relief RGBA overlay or None) of a MapImage (cached)."""
        cached = self._image_surfaces.get(id(image))
        if cached is not None and cached[0] is image:
            return cached[1], cached[2]
        rgb = np.asarray(D.AIRSPACE_RGB, dtype=np.uint8)[image.codes]
        land = pygame.surfarray.make_surface(rgb)
        relief = None
        if image.shade is not None:
            alpha, lighter = relief_blend(image.shade)
            relief = pygame.Surface(image.codes.shape, pygame.SRCALPHA)
            pygame.surfarray.pixels3d(relief)[...] = np.where(lighter, 255, 0)[..., None]
            pygame.surfarray.pixels_alpha(relief)[...] = np.rint(255.0 * alpha).astype(np.uint8)
        self._image_surfaces = {k: v for k, v in self._image_surfaces.items()
                                if v[0] is self.w.scene.land or v[0] is self.map_jobs.latest}
        self._image_surfaces[id(image)] = (image, land, relief)
        return land, relief

    def wait_map(self) -> None:
        """Wait for the map images being computed (scripted screenshots)."""
        self.w.scene.wait_land()
        self.background()
        self.map_jobs.wait()

    # ------------------------------------------------------------------ raster blits
    def _blit_world_raster(self, target, surf, bounds, alpha=None) -> None:
        """Blit the part of a raster (covering world bounds x0, x1, y0, y1) that is in view,
        scaled to the screen."""
        view = self.w.view
        nx, ny = surf.get_size()
        x0, x1, y0, y1 = bounds
        vx0, vx1, vy0, vy1 = view.world_bounds()
        px = (x1 - x0) / nx
        py = (y1 - y0) / ny
        i0 = max(int(math.floor((vx0 - x0) / px)), 0)
        i1 = min(int(math.ceil((vx1 - x0) / px)), nx)
        j0 = max(int(math.floor((y1 - vy1) / py)), 0)
        j1 = min(int(math.ceil((y1 - vy0) / py)), ny)
        if i1 <= i0 or j1 <= j0:
            return
        sub = surf.subsurface((i0, j0, i1 - i0, j1 - j0))
        tl = view.to_screen(np.array([x0 + i0 * px, y1 - j0 * py]))
        br = view.to_screen(np.array([x0 + i1 * px, y1 - j1 * py]))
        w, h = int(round(br[0] - tl[0])), int(round(br[1] - tl[1]))
        if w <= 0 or h <= 0 or w > 20000 or h > 20000:
            return
        scaled = pygame.transform.scale(sub, (w, h))
        if alpha is not None:
            scaled.set_alpha(alpha)
        target.blit(scaled, (int(round(tl[0])), int(round(tl[1]))))

    def background(self) -> pygame.Surface:
        """Sea, land of both countries, national waters, graticule: cached per view. The
        coarse image first, the view's own image (finer) over it where it reaches."""
        base, detail = self._map_images()
        key = (self.w.view.key(), id(base), id(detail))
        if key != self._background_key:
            view = self.w.view
            surf = pygame.Surface((view.width, view.height))
            surf.fill(D.AIRSPACE_RGB[0])
            for image in (base, detail):
                if image is not None:
                    self._blit_world_raster(surf, self._surfaces(image)[0], image.bounds_m)
            self._graticule(surf)
            self._background = surf
            self._background_key = key
        return self._background

    def relief(self, surf) -> None:
        """The terrain's hillshade over land and coverage (T toggles it): the view's own
        image when it is of this view, else the coarse one (never both: they would shade
        twice). Cached per view."""
        base, detail = self._map_images()
        if not self.w.show_relief or base is None or base.shade is None:
            return
        image = detail if detail is not None and detail.key == self.w.view.key() else base
        key = (self.w.view.key(), id(image))
        if key != self._relief_key:
            view = self.w.view
            layer = pygame.Surface((view.width, view.height), pygame.SRCALPHA)
            layer.fill((0, 0, 0, 0))
            overlay = self._surfaces(image)[1]
            self._blit_world_raster(layer, overlay, image.bounds_m)
            self._relief_layer, self._relief_key = layer, key
        surf.blit(self._relief_layer, (0, 0))

    def _graticule(self, surf) -> None:
        """Meridians and parallels every 1, 2, 5 or 10 degrees, labelled at the map's edge."""
        scene, view = self.w.scene, self.w.view
        x0, x1, y0, y1 = view.world_bounds()
        xs, ys = np.meshgrid(np.linspace(x0, x1, 5), np.linspace(y0, y1, 5))
        lat, lon = scene.unproject(xs.ravel(), ys.ravel())
        span = max(float(np.ptp(lat)), float(np.ptp(lon)), 1e-3)
        step = next(s for s in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0) if span / s <= 8)
        for value in np.arange(math.floor(lon.min() / step) * step, lon.max() + step, step):
            la = np.linspace(lat.min() - step, lat.max() + step, 100)
            xy = np.stack(scene.project(la, np.full_like(la, value)), axis=-1)
            D.polyline(surf, view, xy, D.GRATICULE_RGB, 1)
            px = view.to_screen(xy)
            ok = (px[:, 1] > view.height - 30) & (px[:, 1] < view.height) & (px[:, 0] > 0) \
                & (px[:, 0] < view.width)
            if ok.any():
                p = px[np.flatnonzero(ok)[0]]
                self.text.blit(surf, f"{abs(value):g}°{'E' if value >= 0 else 'W'}",
                               (p[0] + 3, view.height - 16), 16, D.GRATICULE_RGB)
        for value in np.arange(math.floor(lat.min() / step) * step, lat.max() + step, step):
            lo = np.linspace(lon.min() - step, lon.max() + step, 100)
            xy = np.stack(scene.project(np.full_like(lo, value), lo), axis=-1)
            D.polyline(surf, view, xy, D.GRATICULE_RGB, 1)
            px = view.to_screen(xy)
            ok = (px[:, 0] >= 0) & (px[:, 0] < 30) & (px[:, 1] > 0) & (px[:, 1] < view.height)
            if ok.any():
                p = px[np.flatnonzero(ok)[0]]
                self.text.blit(surf, f"{abs(value):g}°{'N' if value >= 0 else 'S'}",
                               (3, p[1] - 14), 16, D.GRATICULE_RGB)

    def coverage_raster(self, t_s: float) -> bool:
        """Update the cell raster for the layer at t (when either changed); False if the
        layer has nothing to show (footprints only, or the engine is still working)."""
        cov = self.w.scene.coverage
        key = self.w.layer
        if cov is None or key == "footprints":
            return False
        layers = cov.layers
        layers.seek(t_s)
        raster_key = (key, t_s, id(cov))
        if raster_key != self._raster_key:
            vmax = scale_max(key, self.w.scene.duration_s, self.max_accesses(cov))
            values, seen = layer_values(key, layers)
            idx = to_index(values, seen, vmax, binary=(key == "ever"))
            if self._raster_key is None or self._raster_key[0] != key:
                self.cells8.set_palette(self.palettes[key])
            self._image.ravel()[self._flat] = idx
            pygame.surfarray.blit_array(self.cells8, self._image.T)
            self._raster_key = raster_key
        return True

    @staticmethod
    def max_accesses(cov) -> float:
        if not hasattr(cov, "_max_accesses"):
            rank = cov.layers.rank
            cov._max_accesses = float(rank.max() + 1) if rank.size else 1.0
        return cov._max_accesses

    # ------------------------------------------------------------------ frame
    def draw(self, t_s: float) -> None:
        from sim.view import panel
        screen = self.w.screen
        view = self.w.view
        w, h = self.w.map_size
        if (view.width, view.height) != (w, h):
            view.width, view.height = w, h
        mapsurf = screen.subsurface((0, 0, w, h))
        mapsurf.blit(self.background(), (0, 0))
        if self.coverage_raster(t_s):
            lat = self.w.scene.lattice
            half = 0.5 * lat.cell_m
            bounds = (lat.x0_m - half, lat.x0_m + (lat.nx - 0.5) * lat.cell_m,
                      lat.y0_m - half, lat.y0_m + (lat.ny - 0.5) * lat.cell_m)
            self._blit_world_raster(mapsurf, self.cells8, bounds)
        self.relief(mapsurf)
        self._lines(mapsurf)
        self._platforms(mapsurf, t_s)
        self._furniture(mapsurf)
        panel.draw_panel(self.w, screen.subsurface((w, 0, screen.get_width() - w, h)), t_s)
        panel.draw_overlays(self.w, mapsurf)

    def _lines(self, surf) -> None:
        """Planned tracks, coasts, border, country names: drawn over the coverage raster
        from a transparent layer cached per view."""
        view, scene = self.w.view, self.w.scene
        key = view.key()
        if key != self._lines_key:
            lines = pygame.Surface((view.width, view.height), pygame.SRCALPHA)
            self._map_labels = []             # screen rects of the band and country names
            for i, track in enumerate(self.tracks_m):
                dark = tuple(int(c * 0.6) for c in scene.colours[i])
                sat = scene.scenario.platforms[i].kind == "satellite"   # many passes: faint
                if sat:                       # each pass's swath: the sensors' widest reach
                    width_px = 2.0 * scene.swath_half_width_m(i) * view.px_per_m
                    if width_px >= 3.0:
                        D.polyline(lines, view, track, scene.colours[i] + (45,),
                                   int(min(width_px, 4000)))
                D.polyline(lines, view, track, dark + (90 if sat else 200,), 1)
            self._band_lines(lines)
            for coast in self.coasts_m:
                D.polyline(lines, view, coast, D.COAST_RGB, 2)
            D.polyline(lines, view, self.border_m, D.BORDER_RGB, 3)
            self._country_names(lines)
            self._lines_surface, self._lines_key = lines, key
        surf.blit(self._lines_surface, (0, 0))

    def _band_lines(self, surf) -> None:
        """The depth bands' limits (thin dark lines along cell sides), labelled in km."""
        view = self.w.view
        if self._bands is None:
            self._bands = self.w.scene.band_edges()
        for km, segments in self._bands:
            if not len(segments):
                continue
            px = view.to_screen(segments)
            inside = np.all((px[..., 0] > -5) & (px[..., 0] < view.width + 5)
                            & (px[..., 1] > -5) & (px[..., 1] < view.height + 5), axis=1)
            for a, b in px[inside]:
                pygame.draw.line(surf, (60, 60, 70, 150), a, b, 1)
            if inside.any():
                mid = px[inside][np.argmin(np.abs(px[inside][:, 0, 0] - 0.3 * view.width))][0]
                self._map_labels.append(
                    self.text.blit(surf, f"{km:g} km", (mid[0], mid[1] + 2), 15, (40, 40, 50),
                                   box=(255, 255, 255)).inflate(6, 2))

    def _country_names(self, surf) -> None:
        scene, view = self.w.scene, self.w.view
        if not hasattr(self, "_names"):
            mid = self.border_m[len(self.border_m) // 2]
            tangent = self.border_m[-1] - self.border_m[0]
            normal = np.array([-tangent[1], tangent[0]]) / max(np.hypot(*tangent), 1.0)
            self._names = []
            for sign in (1.0, -1.0):
                p = mid + sign * normal * 120_000.0
                lat, lon = scene.unproject(p[0], p[1])
                code = int(scene.geography._classify(E.unit_vector(lat, lon)[None, :])[0])
                name = {1: scene.geography.own_name, 2: scene.geography.neighbour_name}.get(code)
                if name:
                    self._names.append((name, p))
        for name, p in self._names:
            sx, sy = view.to_screen(p)
            if 0 < sx < view.width and 0 < sy < view.height:
                self._map_labels.append(
                    self.text.blit(surf, name.upper(), (sx, sy), 26, (70, 60, 80), bold=True,
                                   anchor="center"))

    def _platforms(self, surf, t_s: float) -> None:
        """Trails, footprints (translucent, one colour per platform), icons."""
        scene, view = self.w.scene, self.w.view
        states = scene.states(t_s)
        drag = self.w.drag
        polygons, colours = [], []                    # footprints on the sphere (K, 3)
        for i, (pos, vel, alt, active, trail) in enumerate(states):
            colour = scene.colours[i]
            if drag is not None and drag.platform == i and drag.ghost_track is not None:
                pos, vel, alt, active = (a[0] for a in drag.ghost_track.state(np.array([t_s])))
                active = bool(active)
                self._ghost(surf, drag)
            if not active:
                continue
            if scene.scenario.platforms[i].kind != "satellite":
                D.polyline(surf, view, trail, colour, 3)
            hdg = heading_rad(pos, vel)
            for j, _ in enumerate(scene.engine.sensors[i]):
                for poly in placed(scene.footprint(i, j, alt), pos, hdg):
                    polygons.append(poly)
                    colours.append(colour)
        shapes = []                                   # (colour, screen polygon)
        for colour, px in zip(colours, self._to_screen_each(polygons)):
            if np.all(np.isfinite(px)) and len(px) >= 3:
                shapes.append((colour, px))
        self._footprints(surf, shapes)
        labels = self._icons(surf, states, t_s)
        self._handles(surf)
        self._labels(surf, labels)

    def _to_screen_each(self, points_u: list) -> list:
        """Screen pixels of each array of unit vectors (K_i, 3), in one projection (this
        runs every frame on the drawing thread: one call instead of one per polygon)."""
        if not points_u:
            return []
        px = self.w.view.to_screen(self.w.scene.project_u(np.concatenate(points_u)))
        return np.split(px, np.cumsum([len(p) for p in points_u])[:-1])

    def _footprints(self, surf, shapes) -> None:
        """Translucent polygons on a layer the size of their bounding box only."""
        if not shapes:
            return
        allpx = np.vstack([px for _, px in shapes])
        x0, y0 = np.maximum(np.floor(allpx.min(axis=0)) - 2, 0).astype(int)
        x1 = int(min(np.ceil(allpx[:, 0].max()) + 2, surf.get_width()))
        y1 = int(min(np.ceil(allpx[:, 1].max()) + 2, surf.get_height()))
        if x1 <= x0 or y1 <= y0:
            return
        layer = pygame.Surface((x1 - x0, y1 - y0), pygame.SRCALPHA)
        shift = np.array([x0, y0])
        for colour, px in shapes:
            pygame.draw.polygon(layer, colour + (D.FOOTPRINT_ALPHA,), px - shift)
        for colour, px in shapes:
            pygame.draw.polygon(layer, colour + (230,), px - shift, 2)
        surf.blit(layer, (x0, y0))

    def _icons(self, surf, states, t_s) -> list:
        """Draw each active platform's icon, pointing along its heading on the screen
        (towards the point 1 km ahead); return their labels: (name, screen (x, y), alarm)."""
        scene = self.w.scene
        active = [i for i, state in enumerate(states) if state[3]]
        points = []
        for i in active:
            pos, vel = states[i][0], states[i][1]
            ahead = pos + vel * (1000.0 / max(np.linalg.norm(vel), 1e-9) / scene.grid.radius_m)
            points.append(np.stack([pos, ahead]))
        labels = []
        for i, (xy, ahead) in zip(active, self._to_screen_each(points)):
            d = ahead - xy
            hdg = math.atan2(d[0], -d[1])
            alarm = scene.phase(i, t_s, True) == "VIOLATION"
            sat = scene.scenario.platforms[i].kind == "satellite"
            D.icon(surf, (float(xy[0]), float(xy[1])), hdg, scene.colours[i], sat, alarm)
            labels.append((scene.scenario.platforms[i].name, (float(xy[0]), float(xy[1])), alarm))
        return labels

    # a label's places about its icon, tried in turn until one overlaps no label already
    # placed: lower right, upper right, lower left, upper left (offsets of the box's corner)
    LABEL_PLACES = (((12, 8), "topleft"), ((12, -8), "bottomleft"), ((-12, 8), "topright"),
                    ((-12, -8), "bottomright"))

    def _labels(self, surf, labels) -> None:
        """Platform names beside their icons, moved round the icon to avoid each other, the
        icons and the map's band and country names."""
        placed = [pygame.Rect(int(x) - 9, int(y) - 9, 18, 18) for _, (x, y), _ in labels]
        placed += self._map_labels
        for name, (x, y), alarm in labels:
            colour = D.ALARM_RGB if alarm else D.INK
            image = self.text.render(name, 17, colour)
            for (dx, dy), anchor in self.LABEL_PLACES:
                rect = image.get_rect(**{anchor: (int(x + dx), int(y + dy))}).inflate(6, 2)
                if rect.collidelist(placed) < 0:
                    break
            else:
                rect = image.get_rect(topleft=(int(x + 12), int(y + 8))).inflate(6, 2)
            pygame.draw.rect(surf, (255, 255, 255), rect)
            surf.blit(image, image.get_rect(center=rect.center))
            placed.append(rect)
        self.platform_label_rects = placed[len(placed) - len(labels):]

    def _handles(self, surf) -> None:
        """Small rings on the draggable track centres and waypoints."""
        from sim.view.edits import handles
        scene, view = self.w.scene, self.w.view
        for i, spec in enumerate(scene.scenario.platforms):
            for _, lat, lon in handles(spec):
                xy = view.to_screen(np.array(scene.project(lat, lon)))
                pygame.draw.circle(surf, (255, 255, 255), xy, 6)
                pygame.draw.circle(surf, scene.colours[i], xy, 6, 2)

    def _ghost(self, surf, drag) -> None:
        scene, view = self.w.scene, self.w.view
        times = np.linspace(0.0, scene.duration_s, 600)
        pos, _, _, act = drag.ghost_track.state(times)
        xy = np.full((times.size, 2), np.nan)
        if act.any():
            xy[act] = scene.project_u(pos[act])
        D.dashed(surf, view, xy, D.INK, 2)

    def _furniture(self, surf) -> None:
        """Scale bar, legend, north arrow (below the legend when the map is too narrow for
        both side by side)."""
        from sim.view import panel
        view, scene = self.w.view, self.w.scene
        D.scale_bar(surf, self.text, view, (20, view.height - 20))
        self.legend_rect = panel.draw_legend(self.w, surf)
        ax = view.width - 40
        ay = 40 if ax - 26 > self.legend_rect.right else self.legend_rect.bottom + 32
        cx, cy = view.to_world(ax, ay)
        lat, lon = scene.unproject(cx, cy)
        n = view.to_screen(np.array(scene.project(lat + 0.1, lon))) - np.array([ax, ay])
        D.north_arrow(surf, self.text, (ax, ay), math.atan2(n[0], -n[1]))


def save_png(surface, path: str) -> None:
    """Save a surface as PNG atomically (a temporary file renamed over the destination)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp.png")
    try:
        pygame.image.save(surface, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
