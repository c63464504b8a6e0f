"""The window's loops: interactive (wall clock, 60 fps cap) and headless (fixed frame time,
scripted actions, stats)."""
from __future__ import annotations

import threading
import time
from typing import Optional

import numpy as np
import pygame

from sim.view.app import HEADLESS_FRAME_S, Window
from sim.view.palette import LAYER_KEYS
from sim.view.script import KEYS, Action, read_script


def run_interactive(path: str, goal, size, overrides) -> int:
    try:
        window = Window(path, size, goal=goal, overrides=overrides)
    except pygame.error as error:           # no screen here: say so, as a user error (exit 2)
        from sim.errors import Problem, ScenarioError
        raise ScenarioError(Problem(path, 0, 0, "", "", f"cannot open a window ({error})",
                                    "run it on a desktop (or over X forwarding), or add "
                                    "--frames N for a run without a screen")) from None
    clock = pygame.time.Clock()
    last = time.perf_counter()
    try:
        while True:
            now = time.perf_counter()
            _update_goal(window)
            if not window.step_frame(now - last):
                break
            last = now
            clock.tick(1.0 / window.frame_interval_s)
    finally:
        pygame.quit()
    return 0


def _update_goal(window) -> None:
    """For a teaching goal: the scenario's Result, recomputed in a thread after each change."""
    if window.goal is None or window.scene.coverage is None:
        return
    scenario = window.scene.scenario
    if getattr(window, "_goal_for", None) is scenario:
        return
    window._goal_for = scenario

    def work():
        from sim.engine.runner import run
        result = run(scenario)
        if window._goal_for is scenario:
            window.goal_result = result
    window.goal_result = None
    threading.Thread(target=work, daemon=True).start()


def _goal_now(window) -> None:
    """Headless: the teaching goal's Result computed at once (no thread), so that frames,
    screenshots and stats show the grade of the scenario as it stands."""
    if window.goal is None or window.scene.coverage is None:
        return
    if getattr(window, "_goal_for", None) is window.scene.scenario \
            and getattr(window, "goal_result", None) is not None:
        return
    from sim.engine.runner import run
    window._goal_for = window.scene.scenario
    window.goal_result = run(window.scene.scenario)


def _apply(window: Window, action: Action, shots: list) -> None:
    from sim.view import controls
    name, a = action.name, action.args
    if name == "key":
        key = getattr(pygame, KEYS[a[0]])
        controls.handle(window, pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=a[0]))
    elif name in ("click", "click-at"):
        if name == "click-at":
            xy = window.view.to_screen(np.array(window.scene.project(float(a[0]), float(a[1]))))
        else:
            xy = (float(a[0]), float(a[1]))
        pos = (int(round(xy[0])), int(round(xy[1])))
        controls.handle(window, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
        controls.handle(window, pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
    elif name == "zoom":
        window.view.zoom_about(float(a[0]), float(a[1]), float(a[2]))
    elif name == "pan":
        window.view.pan(float(a[0]), float(a[1]))
    elif name == "drag":
        drag_platform(window, a[0], float(a[1]), float(a[2]))
    elif name == "wait":
        window.scene.wait()
        window.step_frame(0.0)
    elif name == "screenshot":
        window.renderer.wait_map()
        window.renderer.draw(window.t_s)
        shots.append(window.screenshot(a[0], announce=False))
    elif name == "time":
        window.t_s = window.t_prev = float(np.clip(float(a[0]), 0.0, window.scene.duration_s))


def drag_platform(window: Window, name: str, east_km: float, north_km: float) -> None:
    """Press on a platform's first handle, move it east/north by km on the map, release."""
    from sim.view import controls
    from sim.view.edits import handles
    scene = window.scene
    names = [p.name for p in scene.scenario.platforms]
    if name not in names:
        window.say(f"script: no platform {name!r}")
        return
    i = names.index(name)
    points = handles(scene.scenario.platforms[i])
    if not points:
        window.say(f"script: {name} has no draggable centre or waypoint")
        return
    _, lat, lon = points[0]
    start = window.view.to_screen(np.array(scene.project(lat, lon)))
    end = start + np.array([east_km, -north_km]) * 1000.0 * window.view.px_per_m
    p0 = (int(round(start[0])), int(round(start[1])))
    p1 = (float(end[0]), float(end[1]))
    scene.wait()                                     # a drag starts only on settled layers
    controls.handle(window, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=p0, button=1))
    controls.handle(window, pygame.event.Event(pygame.MOUSEMOTION, pos=p1, rel=(0, 0),
                                               buttons=(1, 0, 0)))
    window.step_frame(0.0)                           # the ghost follows
    controls.handle(window, pygame.event.Event(pygame.MOUSEBUTTONUP, pos=p1, button=1))


def run_frames(path, frames, size, script, screenshot, layer, warp, wait, goal, overrides) -> dict:
    """Headless: draw the map (timed), wait for the layers if asked, then run the frames
    with the script's actions; return the stats."""
    t0 = time.perf_counter()
    window = Window(path, size, goal=goal, overrides=overrides, headless=True)
    if layer is not None:
        window.layer = LAYER_KEYS[layer - 1]
    if warp is not None:
        window.warp_index = int(np.argmin([abs(w - warp) for w in window.WARPS]))
    window.step_frame(0.0)
    map_ms = 1000.0 * (time.perf_counter() - t0)
    if wait:
        window.scene.wait()
        window.renderer.wait_map()          # frames then draw on the finished map
        _goal_now(window)
    layers_s = time.perf_counter() - t0
    actions = read_script(script) if script else []
    shots: list = []
    frame_ms = []
    frame_cpu_ms = []          # the drawing thread's own CPU time: what a busy machine hides
    k = 0
    try:
        for frame in range(frames):
            while k < len(actions) and actions[k].frame <= frame:
                _apply(window, actions[k], shots)
                k += 1
            f0, c0 = time.perf_counter(), time.thread_time()
            if not window.step_frame(HEADLESS_FRAME_S):
                break
            frame_ms.append(1000.0 * (time.perf_counter() - f0))
            frame_cpu_ms.append(1000.0 * (time.thread_time() - c0))
            if window._whatif_started is not None:
                # as the real window's frame cap does: leave the rest of the frame to the
                # background work (here the what-if) instead of drawing the next at once
                time.sleep(max(window.frame_interval_s - (time.perf_counter() - f0), 0.0))
        while k < len(actions):                       # actions after the last frame
            _apply(window, actions[k], shots)
            k += 1
        if window._whatif_started is not None:         # a what-if still running
            window.scene.wait()
            window.step_frame(0.0)
        if wait:
            _goal_now(window)                          # graded on the scenario as edited
        if screenshot:
            window.renderer.wait_map()
            window.renderer.draw(window.t_s)
            window.screenshot(screenshot)
        stats = {"frames": len(frame_ms),
                 "frame_ms_median": round(float(np.median(frame_ms)), 3) if frame_ms else None,
                 "frame_ms_p95": round(float(np.percentile(frame_ms, 95)), 3) if frame_ms else None,
                 "frame_cpu_ms_median": (round(float(np.median(frame_cpu_ms)), 3)
                                         if frame_cpu_ms else None),
                 "frame_cpu_ms_p95": (round(float(np.percentile(frame_cpu_ms, 95)), 3)
                                      if frame_cpu_ms else None),
                 "map_ms": round(map_ms, 1), "layers_s": round(layers_s, 3),
                 "t_s": round(window.t_s, 3), "layer": window.layer}
        if window.whatif_ms:
            stats["whatif_ms"] = [round(v, 1) for v in window.whatif_ms]
        if window.goal is not None and getattr(window, "goal_result", None) is not None:
            stats["goal_passed"] = bool(window.goal.passed(window.goal_result))
            stats["goal_lines"] = list(window.goal.describe(window.goal_result))
        if window.error or window.scene.error:
            stats["error"] = window.error or window.scene.error
        window.stats_window = window
        return stats
    finally:
        pygame.quit()
