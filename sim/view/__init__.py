"""The interactive window (`isr-sim view FILE`): the only package that imports pygame.

`open_window(path, goal=None)` opens it for a user or a teaching exercise; `run_headless`
drives it without a screen (frames, scripted actions, screenshots, frame-time stats).
Importing this package does not import pygame: the submodules that draw do.
"""
from __future__ import annotations

import os


def _prepare_sdl(headless: bool) -> None:
    """SDL settings that must precede `import pygame`."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def open_window(path: str, goal=None, size=(1280, 800), overrides=()) -> int:
    """Open the window on a scenario file and run until the user closes it.

    goal (optional): an object with `.title` (str), `.describe(result) -> list[str]` and
    `.passed(result) -> bool`, where result is the sim.engine.result.Result of the scenario as it
    stands (recomputed after each what-if edit); shown in the side panel.
    Raises ScenarioError when the file is invalid at start (later edits show in the window).
    """
    _prepare_sdl(headless=False)
    from sim.view.runner import run_interactive
    return run_interactive(path, goal, size, overrides)


def run_headless(path: str, frames: int, size=(1280, 800), script=None, screenshot=None,
                 layer=None, warp=None, wait=True, goal=None, overrides=()) -> dict:
    """Run the window without a screen for `frames` frames (1/60 s of real time each) and
    return the stats: frames, frame_ms_median, frame_ms_p95, map_ms, layers_s, whatif_ms."""
    _prepare_sdl(headless=True)
    from sim.view.runner import run_frames
    return run_frames(path, frames, size, script, screenshot, layer, warp, wait, goal, overrides)
