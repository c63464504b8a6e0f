"""Keyboard and mouse: layers, time, warp, zoom, pan, selection, what-if drags."""
from __future__ import annotations

import numpy as np
import pygame

from sim.view.palette import LAYER_KEYS

PICK_PX = 14          # a click this close to an icon or a ring picks it
STEP_S = 60.0         # left/right: one minute x warp


def handle(w, event) -> bool:
    """Apply one pygame event to window w; False to quit."""
    if event.type == pygame.QUIT:
        return False
    if event.type == pygame.KEYDOWN:
        return _key(w, event)
    if event.type == pygame.VIDEORESIZE:
        w.screen = pygame.display.set_mode((max(event.w, 640), max(event.h, 400)),
                                           pygame.RESIZABLE)
        return True
    if event.type == pygame.MOUSEWHEEL:
        x, y = pygame.mouse.get_pos()
        if x < w.map_size[0]:
            w.view.zoom_about(x, y, 1.25 ** event.y)
        return True
    if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
        _press(w, event.pos)
    elif event.type == pygame.MOUSEMOTION:
        _motion(w, event)
    elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
        _release(w, event.pos)
    return True


def _key(w, event) -> bool:
    k = event.key
    if k in (pygame.K_ESCAPE, pygame.K_q):
        if w.show_help:
            w.show_help = False
            return True
        return False
    if pygame.K_1 <= k <= pygame.K_6:
        w.layer = LAYER_KEYS[k - pygame.K_1]
    elif k == pygame.K_SPACE:
        w.paused = not w.paused
    elif k == pygame.K_RIGHT:
        w.jump(STEP_S * w.warp / 10.0)
    elif k == pygame.K_LEFT:
        w.jump(-STEP_S * w.warp / 10.0)
    elif k in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
        w.warp_index = min(w.warp_index + 1, len(w.WARPS) - 1)
    elif k in (pygame.K_MINUS, pygame.K_KP_MINUS):
        w.warp_index = max(w.warp_index - 1, 0)
    elif k == pygame.K_h:
        w.show_help = not w.show_help
    elif k == pygame.K_t:
        toggle_relief(w)
    elif k == pygame.K_s:
        w.screenshot()
    elif k == pygame.K_r:
        w.reload()
    elif k == pygame.K_w:
        w.write_edited()
    elif k == pygame.K_HOME:
        w.reset_view()
    return True


def toggle_relief(w) -> None:
    """T: the terrain's hillshade on or off (only a scenario with terrain has one)."""
    if w.scene.scenario.terrain.source == "none":
        w.say("no terrain in this scenario (terrain: etopo5 or a file adds it)")
        return
    w.show_relief = not w.show_relief
    w.say(f"terrain relief {'on' if w.show_relief else 'off'}")


def _pick_handle(w, pos):
    from sim.view.edits import handles
    scene = w.scene
    for i, spec in enumerate(scene.scenario.platforms):
        for h, lat, lon in handles(spec):
            xy = w.view.to_screen(np.array(scene.project(lat, lon)))
            if np.hypot(*(xy - pos)) <= PICK_PX:
                return i, h
    return None


def _pick_platform(w, pos, t_s):
    scene = w.scene
    best, best_d = None, PICK_PX
    for i, (p, _, _, active, _) in enumerate(scene.states(t_s)):
        if not active:
            continue
        xy = w.view.to_screen(scene.project_u(p))
        d = float(np.hypot(*(xy - pos)))
        if d <= best_d:
            best, best_d = i, d
    return best


def _press(w, pos) -> None:
    from sim.view.edits import Drag
    pos = np.asarray(pos, dtype=float)
    w._press_pos = pos
    w._moved = False
    if pos[0] >= w.map_size[0]:
        return
    picked = _pick_handle(w, pos)
    if picked is not None and not w.scene.busy:
        w.drag = Drag(*picked)
        return
    w.panning = True


def _motion(w, event) -> None:
    if w.drag is not None:
        w.drag.pending_pos = event.pos         # applied once per frame (drag_to)
    elif w.panning and event.buttons[0]:
        w.view.pan(*event.rel)
        if abs(event.rel[0]) + abs(event.rel[1]) > 0:
            w._moved = True


def drag_to(w, pos) -> None:
    """Move the dragged handle: the ghost track follows at frame rate (no intervals)."""
    from sim.view import edits
    from sim.platforms.tracks import build_track
    from sim.scenario.load import load_scenario
    from sim.errors import ScenarioError
    scene, d = w.scene, w.drag
    x, y = w.view.to_world(*pos)
    lat, lon = scene.unproject(x, y)
    spec = scene.scenario.platforms[d.platform]
    d.override = edits.override_for(d.platform, spec, d.handle, float(lat), float(lon))
    d.scenario = None
    try:
        scenario = load_scenario(w.path, w.base_overrides + edits.merge_override(w.edits, d.override))
        d.ghost_track = build_track(scenario.platforms[d.platform], scenario, scene.geography)
        d.scenario = scenario        # the release starts the what-if from it (no second load)
    except (ScenarioError, ValueError) as error:
        d.override = None
        w.say(f"cannot move there: {str(error).splitlines()[0]}")


def _release(w, pos) -> None:
    if w.drag is not None:
        if w.drag.pending_pos is not None:
            drag_to(w, w.drag.pending_pos)
        drag, w.drag = w.drag, None
        w.start_whatif(drag)
        return
    was_pan = w.panning and w._moved
    w.panning = False
    if was_pan or pos[0] >= w.map_size[0]:
        return
    _select(w, np.asarray(pos, dtype=float))


def _select(w, pos) -> None:
    """A click: the platform under the cursor, else the cell, else nothing."""
    i = _pick_platform(w, pos, w.t_s)
    if i is not None:
        w.selected = ("platform", i)
        return
    x, y = w.view.to_world(*pos)
    c = w.scene.lattice.cell_at(x, y, w.scene.cell_index)
    w.selected = ("cell", c) if c >= 0 else None
