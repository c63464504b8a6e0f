"""The window's map background and boxes: the terrain hillshade (formula on analytic
surfaces, the T key in a terrain scenario), the land/sea map at screen resolution when zoomed
in, and the help box fitting small windows."""
import math
from pathlib import Path

import numpy as np
import pytest

from sim.view.hillshade import flat_shade, hillshade, relief_blend

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TERRAIN = ROOT / "scenarios" / "exercises" / "08-terrain" / "start.yaml"   # etopo5, small grid
SMALL = HERE / "scenarios" / "view" / "small-two.yaml"                    # no terrain


def _plane(slope_deg: float, facing_deg: float, n: int = 12, cell_m: float = 500.0):
    """Elevation image (n, n), row 0 north, of a plane whose downhill direction is the compass
    bearing facing_deg, with the given slope."""
    cols, rows = np.meshgrid(np.arange(n), np.arange(n))
    east_m, north_m = cols * cell_m, -rows * cell_m
    g = math.tan(math.radians(slope_deg))
    f = math.radians(facing_deg)
    return -g * (math.sin(f) * east_m + math.cos(f) * north_m), cell_m


def test_a_plane_facing_the_sun_is_uniformly_brighter_than_flat_ground():
    """Sun at azimuth 315 deg, altitude 45 deg; a plane sloping 20 deg down towards 315 deg.
    The shade is cos(zenith) cos(slope) + sin(zenith) sin(slope) (aspect = azimuth), i.e.
    cos(zenith - slope), everywhere inside (Horn's difference is exact on a plane)."""
    z, cell = _plane(20.0, 315.0)
    shade = hillshade(z, cell, azimuth_deg=315.0, altitude_deg=45.0)[1:-1, 1:-1]
    zenith, slope = math.radians(45.0), math.radians(20.0)
    expected = math.cos(zenith) * math.cos(slope) + math.sin(zenith) * math.sin(slope)
    assert np.allclose(shade, expected, atol=1e-12)
    flat = hillshade(np.zeros((12, 12)), cell)
    assert np.allclose(flat, math.cos(zenith)) and flat_shade(45.0) == pytest.approx(math.cos(zenith))
    assert shade.min() > flat.max()


def test_hillshade_equals_the_normal_dotted_with_the_sun_for_any_facing():
    """Independently: the brightness is n . s, n the plane's unit normal (-dz/dx, -dz/dy, 1)
    normalised, s the unit vector to the sun (east, north, up) = (sin A cos h, cos A cos h,
    sin h). Planes facing east, south, north-west-ish, a steep one in its own shadow."""
    A, h = math.radians(315.0), math.radians(45.0)
    sun = np.array([math.sin(A) * math.cos(h), math.cos(A) * math.cos(h), math.sin(h)])
    for slope_deg, facing_deg in ((30.0, 90.0), (10.0, 180.0), (35.0, 300.0), (60.0, 135.0)):
        z, cell = _plane(slope_deg, facing_deg)
        g, f = math.tan(math.radians(slope_deg)), math.radians(facing_deg)
        normal = np.array([g * math.sin(f), g * math.cos(f), 1.0])
        expected = max(float(normal @ sun) / np.linalg.norm(normal), 0.0)
        shade = hillshade(z, cell)[1:-1, 1:-1]
        assert np.allclose(shade, expected, atol=1e-12), (slope_deg, facing_deg)


def test_z_factor_and_rectangular_pixels():
    """z_factor 3 on a slope of gradient g is the shade of gradient 3 g; pixels twice as tall
    as wide give the same shade as the same plane sampled on square pixels."""
    z, cell = _plane(5.0, 315.0)
    steeper, _ = _plane(math.degrees(math.atan(3 * math.tan(math.radians(5.0)))), 315.0)
    assert np.allclose(hillshade(z, cell, z_factor=3.0)[1:-1, 1:-1],
                       hillshade(steeper, cell)[1:-1, 1:-1], atol=1e-12)
    cols, rows = np.meshgrid(np.arange(12), np.arange(12))
    tall = 0.1 * cols * cell - 0.05 * rows * 2 * cell          # same plane, rows 2 cell apart
    square = 0.1 * cols * cell - 0.05 * rows * cell
    assert np.allclose(hillshade(tall, cell, cell_north_m=2 * cell)[1:-1, 1:-1],
                       hillshade(square, cell)[1:-1, 1:-1], atol=1e-12)


def test_relief_blend_keeps_level_ground_and_darkens_shadow():
    flat = flat_shade()
    alpha, lighter = relief_blend(np.array([flat, 0.0, 1.0, 0.5 * flat]), strength=0.6)
    assert alpha == pytest.approx([0.0, 0.6, 0.6, 0.3])
    assert list(lighter) == [False, False, True, False]


def test_terrain_grid_shade_lights_the_north_face_of_an_east_west_ridge(ridge_file):
    """The conftest ridge (east-west, at 9.64 N): with the sun in the north-west its north
    face is brighter than level ground, its south face darker, the plain far from it level."""
    from sim.view.basemap import terrain_shade
    with np.load(ridge_file) as z:
        nodes = (z["lat_deg"], z["lon_deg"], np.maximum(z["elevation_m"], 0.0))
    lat, lon, shade = terrain_shade(nodes, 6_371_000.0)
    col = lon.size // 2
    north = np.argmin(np.abs(lat - 9.70))
    south = np.argmin(np.abs(lat - 9.58))
    assert shade[north, col] > flat_shade() + 0.05 > flat_shade() - 0.05 > shade[south, col]
    assert shade[0, col] == pytest.approx(flat_shade(), abs=1e-9)


def _paused_window(path, size=(800, 500)):
    from sim.view.app import Window
    w = Window(str(path), size, headless=True)
    w.paused = True
    w.layer = "footprints"
    w.renderer.wait_map()
    w.step_frame(0.0)
    return w


def test_the_t_key_toggles_the_terrain_relief():
    """A terrain scenario: the relief changes the map only where its overlay is not
    transparent (and in the legend), and pressing T twice gives back the same frame."""
    import pygame
    from sim.view.runner import _apply
    from sim.view.script import Action
    w = _paused_window(TERRAIN)
    try:
        assert w.show_relief and w.scene.land.shade is not None
        on = pygame.surfarray.array3d(w.screen).copy()
        alpha = pygame.surfarray.array_alpha(w.renderer._relief_layer)
        legend = w.renderer.legend_rect                         # which lists the relief
        _apply(w, Action(0, "key", ("t",)), [])
        assert w.messages[-1][1] == "terrain relief off"
        w.messages.clear()                                     # its note is drawn on the map
        w.step_frame(0.0)
        off = pygame.surfarray.array3d(w.screen).copy()
        assert not w.show_relief
        mw, mh = w.map_size
        changed = np.any(on[:mw, :mh] != off[:mw, :mh], axis=2)
        assert changed.sum() > 0.05 * mw * mh                  # the mountains show
        changed[legend.left:legend.right, legend.top:legend.bottom] = False
        assert not np.any(changed & (alpha == 0))              # and nothing else changes
        _apply(w, Action(0, "key", ("t",)), [])
        w.messages.clear()
        w.step_frame(0.0)
        assert w.show_relief
        assert np.array_equal(pygame.surfarray.array3d(w.screen), on)
    finally:
        pygame.quit()


def test_the_t_key_without_terrain_says_so():
    import pygame
    from sim.view.runner import _apply
    from sim.view.script import Action
    w = _paused_window(SMALL)
    try:
        assert w.scene.land.shade is None
        _apply(w, Action(0, "key", ("t",)), [])
        assert "no terrain" in w.messages[-1][1]
    finally:
        pygame.quit()


def test_zoomed_in_land_and_sea_are_drawn_at_screen_resolution():
    """Zoomed in 12x on the coast: an image of the view at one pixel per screen pixel is
    computed, and the background's pixels show the airspace class of the world point under
    each (classified independently by the geography), not the coarse map's blocks."""
    import pygame
    from sim.world import earth as E
    from sim.view import draw as D
    w = _paused_window(TERRAIN)
    try:
        # zoom about the Gulf of California's head (coast, sea and territorial sea in view)
        xy = w.view.to_screen(np.array(w.scene.project(31.6, -114.75)))
        w.view.zoom_about(float(xy[0]), float(xy[1]), 12.0)
        w.renderer.wait_map()
        w.step_frame(0.0)
        base, detail = w.renderer._map_images()
        assert detail is not None and detail.key == w.view.key()
        assert detail.pixel_m == pytest.approx(1.0 / w.view.px_per_m)
        assert base.pixel_m * w.view.px_per_m > 10.0                # the coarse map: blocks
        w.show_relief = False
        surf = w.renderer.background()
        rgb = pygame.surfarray.array3d(surf)
        rng = np.random.default_rng(3)
        px = rng.integers(0, [surf.get_width(), surf.get_height()], size=(600, 2))
        wx, wy = w.view.to_world(px[:, 0] + 0.5, px[:, 1] + 0.5)
        lat, lon = w.scene.unproject(wx, wy)
        u = E.unit_vector(lat, lon)
        land, air = w.scene.geography._classify(u), w.scene.geography.airspace(u)
        code = np.where(land == 1, 1, np.where(land == 2, 2, np.where(air == 1, 0, 3)))
        colours = rgb[px[:, 0], px[:, 1]]
        expected = np.asarray(D.AIRSPACE_RGB)[code]
        plain = np.array([tuple(c) in set(D.AIRSPACE_RGB) for c in colours])   # not a line
        assert plain.mean() > 0.9
        assert len(set(code[plain])) >= 3                      # land, sea and national waters
        assert np.array_equal(colours[plain], expected[plain])
    finally:
        pygame.quit()


@pytest.mark.parametrize("size", [(640, 400), (800, 500), (1280, 800)])
def test_help_box_fits_inside_the_window(size):
    """H: the key list's box and every line of it lie inside the window, down to the
    smallest window the resize allows (640 x 400), and no key is cut away."""
    import pygame
    from sim.view.panel import HELP
    from sim.view.runner import _apply
    from sim.view.script import Action
    from sim.view.app import Window
    w = Window(str(SMALL), size, headless=True)
    try:
        _apply(w, Action(0, "key", ("h",)), [])
        w.step_frame(0.0)
        box, texts = w.box
        screen = w.screen.get_rect()
        assert screen.contains(box)
        assert all(box.contains(t) for t in texts)
        assert len(texts) >= 2 * len(HELP)                  # a key and its text each
    finally:
        pygame.quit()


def test_platform_labels_step_aside_for_band_and_country_names():
    """A platform whose name would cover a depth band's label (its first place, lower right
    of the icon) is labelled in another place, clear of every band and country name."""
    import pygame
    from sim.view.app import Window
    w = Window(str(SMALL), (900, 600), headless=True)
    try:
        w.scene.wait()
        w.step_frame(0.0)
        r = w.renderer
        assert r._map_labels                       # the bands' "25 km", ... and the countries
        band = r._map_labels[0]
        icon = (band.left - 12, band.top - 8)      # lower right of it is the band's label
        surf = pygame.Surface(w.screen.get_size())
        r._labels(surf, [("Recon-1", icon, False)])
        first = r.text.render("Recon-1", 17, (0, 0, 0)).get_rect(
            topleft=(icon[0] + 12, icon[1] + 8)).inflate(6, 2)
        assert first.colliderect(band)
        (rect,) = r.platform_label_rects
        assert rect.collidelist(r._map_labels) < 0
    finally:
        pygame.quit()
