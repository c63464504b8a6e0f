"""The interactive window `isr-sim view FILE` (pygame-ce): state, events, the frame loop.

Time: simulated time advances in fixed ticks of TICK_S real seconds, each adding warp x
TICK_S simulated seconds (an accumulator: "Fix Your Timestep", G. Fiedler 2004); drawing
interpolates between the last two ticks with the accumulator's remainder. Headless runs use
a fixed real frame time of 1/60 s, so their frames are reproducible.
"""
from __future__ import annotations

import math
import os
import time
from typing import Optional

import numpy as np
import pygame

from sim.errors import ScenarioError
from sim.view import edits
from sim.view.draw import Text, View
from sim.view.edits import Drag
from sim.view.model import Scene
from sim.view.palette import LAYER_KEYS, STYLES, palette
from sim.view import render

TICK_S = 1.0 / 120.0
HEADLESS_FRAME_S = 1.0 / 60.0
# While a what-if computes (a fraction of a second), frames come at half the rate: the
# drawing and the computation share one interpreter lock, and each frame drawn is time
# the computation waits. Measured on border-day's widest platform (12 headless runs on the
# idle machine): its edit's layers arrive in 156-216 ms (median 180) instead of 191-345
# (median 223) at the full rate; the platforms keep moving, at 30 fps for that moment.
WHATIF_FRAME_S = 2.0 / 60.0
WARPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
PANEL_W = 340
RELOAD_POLL_S = 0.5


class Window:
    """One window on one scenario file. `step_frame(dt_real_s)` advances and draws one frame."""
    WARPS = WARPS

    def __init__(self, path: str, size=(1280, 800), goal=None, overrides=(), headless=False):
        pygame.display.init()
        pygame.font.init()
        flags = 0 if headless else pygame.RESIZABLE
        self.screen = pygame.display.set_mode(size, flags)
        pygame.display.set_caption("isr-sim view")
        self.text = Text()
        self.path = path
        self.goal = goal
        self.base_overrides = list(overrides)
        self.edits: list[str] = []
        self.error: Optional[str] = None
        self.layer = "age"
        self.warp_index = WARPS.index(1000)
        self.paused = False
        self.show_help = False
        self.show_relief = True         # the terrain's hillshade, when the scenario has terrain
        self.headless = headless
        self.selected: Optional[tuple[str, int]] = None
        self.drag: Optional[Drag] = None
        self.panning = False
        self.acc_s = 0.0
        self.t_prev = self.t_s = 0.0
        self.messages: list[tuple[float, str]] = []
        self.whatif_ms: list[float] = []
        self._whatif_started: Optional[float] = None
        self._pending_scene: Optional[Scene] = None
        self.screenshots = 0
        self.scene = self._load(self.base_overrides)   # ScenarioError: the caller exits 2
        self.mtime = self._mtime()
        self._last_poll = time.perf_counter()
        self.renderer = render.Renderer(self)
        self.reset_view()
        self.scene.start_land(render.MAP_RASTER_PX)
        self.scene.start()

    # ------------------------------------------------------------------ loading
    def _mtime(self) -> float:
        try:
            return os.stat(self.path).st_mtime
        except OSError:
            return 0.0

    def _load(self, overrides) -> Scene:
        from sim.scenario.load import load_scenario
        return Scene(load_scenario(self.path, overrides), self.path)

    def reload(self) -> None:
        """Reload the file (R, or saved in an editor). A broken file shows its located error
        and the last valid scenario keeps running."""
        try:
            scene = self._load(self.base_overrides + self.edits)
        except ScenarioError as error:
            self.error = str(error)
            return
        except (ValueError, OSError) as error:   # e.g. a geography the file names but lacks
            self.error = f"{self.path}: {error}"
            return
        self.error = None
        same_region = scene.grid.size == self.scene.grid.size
        self.scene = scene
        self.renderer.new_scene()
        if not same_region:
            self.reset_view()
        self.t_s = self.t_prev = min(self.t_s, scene.duration_s)
        scene.start_land(render.MAP_RASTER_PX)
        scene.start()
        self.say("reloaded")

    def poll_file(self) -> None:
        now = time.perf_counter()
        if now - self._last_poll < RELOAD_POLL_S:
            return
        self._last_poll = now
        m = self._mtime()
        if m != self.mtime:
            self.mtime = m
            self.reload()

    # ------------------------------------------------------------------ view
    @property
    def map_size(self) -> tuple[int, int]:
        w, h = self.screen.get_size()
        return max(w - PANEL_W, 200), h

    def reset_view(self) -> None:
        x0, x1, y0, y1 = self.scene.map_bounds_m()
        w, h = self.map_size
        scale = min(w / max(x1 - x0, 1.0), h / max(y1 - y0, 1.0))
        self.view = View(0.5 * (x0 + x1), 0.5 * (y0 + y1), scale, w, h)

    @property
    def layer_number(self) -> int:
        return LAYER_KEYS.index(self.layer) + 1

    @property
    def warp(self) -> int:
        return WARPS[self.warp_index]

    @property
    def frame_interval_s(self) -> float:
        """Seconds between frames: 60 a second, half that while a what-if computes."""
        return WHATIF_FRAME_S if self._whatif_started is not None else HEADLESS_FRAME_S

    def say(self, message: str) -> None:
        self.messages.append((time.perf_counter(), message))
        self.messages = self.messages[-4:]

    # ------------------------------------------------------------------ time
    def advance(self, dt_real_s: float) -> float:
        """Add real time to the accumulator, run whole ticks; return the drawing time."""
        T = self.scene.duration_s
        if self.paused:
            self.acc_s = 0.0
            self.t_prev = self.t_s
            return self.t_s
        self.acc_s += min(dt_real_s, 0.25)
        while self.acc_s >= TICK_S:
            self.t_prev = self.t_s
            self.t_s = min(self.t_s + self.warp * TICK_S, T)
            self.acc_s -= TICK_S
        alpha = self.acc_s / TICK_S
        return self.t_prev + alpha * (self.t_s - self.t_prev)

    def jump(self, dt_s: float) -> None:
        self.t_s = self.t_prev = float(np.clip(self.t_s + dt_s, 0.0, self.scene.duration_s))

    # ------------------------------------------------------------------ frame
    def step_frame(self, dt_real_s: float) -> bool:
        """Handle events, advance, draw one frame. False when the user closed the window."""
        for event in pygame.event.get():
            if not self.handle(event):
                return False
        if self.drag is not None and self.drag.pending_pos is not None:
            from sim.view.controls import drag_to
            drag_to(self, self.drag.pending_pos)
            self.drag.pending_pos = None
        self.poll_file()
        self._install_whatif()
        t = self.advance(dt_real_s)
        self.renderer.draw(t)
        pygame.display.flip()
        return True

    def handle(self, event) -> bool:
        from sim.view import controls
        return controls.handle(self, event)

    # ------------------------------------------------------------------ what-if
    def start_whatif(self, drag: Drag) -> None:
        """On release: rebuild only the dragged platform and the layers, in a thread."""
        if drag.override is None:
            return
        new_edits = edits.merge_override(self.edits, drag.override)
        from sim.scenario.load import load_scenario
        scenario = drag.scenario      # loaded with these very overrides while dragging
        try:
            if scenario is None:
                scenario = load_scenario(self.path, self.base_overrides + new_edits)
        except ScenarioError as error:
            self.error = str(error)
            return
        self.edits = new_edits
        self._whatif_started = time.perf_counter()
        self.scene.start_whatif(drag.platform, scenario)

    def _install_whatif(self) -> None:
        """Once the edit's layers are in (the scene's coverage replaced), record the time
        from release to then."""
        started = self._whatif_started
        ready = getattr(self.scene, "layers_ready_s", None)
        if started is not None and ((ready is not None and ready > started)
                                    or not self.scene.busy):
            end = ready if ready is not None and ready > started else time.perf_counter()
            self.whatif_ms.append(1000.0 * (end - started))
            self._whatif_started = None
            self.renderer.new_tracks()
            self.say(f"what-if: layers updated in {self.whatif_ms[-1]:.0f} ms")

    def write_edited(self) -> Optional[str]:
        """Write the edited scenario next to the original (never over it)."""
        if not self.edits:
            self.say("nothing edited yet: drag a track centre or waypoint first")
            return None
        out = edits.edited_path(self.path)
        try:
            edits.write_edited(self.path, self.base_overrides + self.edits, out)
        except (ScenarioError, OSError) as error:
            self.error = str(error)
            return None
        self.say(f"wrote {out}")
        return out

    def screenshot(self, path: Optional[str] = None, announce: bool = True) -> str:
        """Save the window as PNG (S: NAME-view-K.png in the current folder)."""
        if path is None:
            self.screenshots += 1
            stem = os.path.splitext(os.path.basename(self.path))[0]
            path = f"{stem}-view-{self.screenshots}.png"
        render.save_png(self.screen, path)
        if announce:
            self.say(f"saved {path}")
        return path


def palettes():
    """Palette of every layer (256 RGB each), computed once."""
    return {key: palette(STYLES[key]) for key in LAYER_KEYS}
