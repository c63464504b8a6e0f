"""Scripted scenes of the window (headless): controls, what-if and the edited file, reload of
a broken file, and reference images of rendered frames."""
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.load import load_scenario

HERE = Path(__file__).resolve().parent
SMALL = HERE / "scenarios" / "view" / "small-two.yaml"
REFERENCE = HERE / "golden" / "view"


@pytest.fixture
def copy(tmp_path):
    path = tmp_path / "small-two.yaml"
    shutil.copy(SMALL, path)
    return path


def _window(path, size=(800, 500)):
    from sim.view.app import Window
    window = Window(str(path), size, headless=True)
    window.scene.wait()
    return window


def _run(window, lines, frames=None):
    """Apply script lines frame by frame (sim.view.runner's own action runner)."""
    from sim.view.runner import _apply
    from sim.view.script import parse_script
    actions = parse_script("\n".join(lines))
    last = max([a.frame for a in actions] + [0]) + 1
    for frame in range(frames or last):
        for action in [a for a in actions if a.frame == frame]:
            _apply(window, action, [])
        window.step_frame(1.0 / 60.0)


def test_controls_pause_warp_zoom_pan_select(copy):
    from sim.view.palette import LAYER_KEYS
    w = _window(copy)
    try:
        _run(w, ["0 key 3", "1 key space"], frames=4)
        assert w.layer == LAYER_KEYS[2] and w.paused
        t = w.t_s
        _run(w, ["0 key right"], frames=2)
        assert w.t_s > t                                  # stepping works while paused
        t = w.t_s
        _run(w, ["0 key space", "0 key plus"], frames=3)
        assert not w.paused and w.warp == 2000 and w.t_s > t
        scale = w.view.px_per_m
        before = w.view.to_world(300, 200)
        _run(w, ["0 zoom 300 200 2"], frames=1)
        assert w.view.px_per_m == pytest.approx(2 * scale)
        assert w.view.to_world(300, 200) == pytest.approx(before)   # the point under the cursor
        cx = w.view.cx_m
        _run(w, ["0 pan 100 0"], frames=1)
        assert w.view.cx_m == pytest.approx(cx - 100 / w.view.px_per_m)
        grid = w.scene.grid
        c = int(np.argmax(w.scene.coverage.layers.accesses()))
        _run(w, [f"0 click-at {grid.lat_deg[c]} {grid.lon_deg[c]}"], frames=1)
        assert w.selected == ("cell", c)
        _run(w, ["0 key h"], frames=1)
        assert w.show_help
    finally:
        import pygame
        pygame.quit()


def test_drag_writes_an_edited_file_that_run_reproduces(copy, tmp_path):
    """Drag Male-1's loiter 40 km south, write the edited scenario (W): a new file, the
    original untouched; `isr-sim run` on it gives the figures the window's layers show at
    the end of the window."""
    from sim.cli.main import main
    original = copy.read_text()
    w = _window(copy)
    try:
        _run(w, ["0 drag Male-1 0 -40", "1 wait", "2 key w"])
        assert len(w.whatif_ms) == 1 and w.whatif_ms[0] > 0
        edited = tmp_path / "small-two-edited.yaml"
        assert edited.exists() and copy.read_text() == original
        layers = w.scene.coverage.layers
        layers.seek(w.scene.duration_s)
        shown = {"accesses": layers.accesses(), "time": layers.time_covered_s()}
    finally:
        import pygame
        pygame.quit()
    moved = load_scenario(edited).platforms[1].track.center
    assert moved.lat_deg == pytest.approx(31.15 - 40 / 111.2, abs=0.02)
    out = tmp_path / "cells.csv"
    assert main(["run", str(edited), "--csv", str(out), "--quiet"]) == 0
    import csv
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == shown["accesses"].size
    np.testing.assert_array_equal([float(r["accesses"]) for r in rows], shown["accesses"])
    np.testing.assert_allclose([float(r["time_covered_frac"]) for r in rows],
                               shown["time"] / w.scene.duration_s, atol=1e-6)


def test_broken_file_shows_the_error_and_keeps_running_then_recovers(copy):
    w = _window(copy)
    try:
        good = copy.read_text()
        scene = w.scene
        copy.write_text(good.replace("duration: 3 h", "duration: -3 h"))
        _run(w, ["0 key r"], frames=3)
        assert w.error is not None and "small-two.yaml" in w.error and "duration" in w.error
        assert w.scene is scene                          # the last valid scenario runs on
        copy.write_text(good.replace("radius: 15 km", "radius: 25 km"))
        _run(w, ["0 key r"], frames=1)
        assert w.error is None and w.scene is not scene
        assert w.scene.scenario.platforms[1].track.radius_m == 25_000.0
    finally:
        import pygame
        pygame.quit()


def test_script_stats_report_whatif_ms(copy, tmp_path, capsys):
    from sim.cli.main import main
    script = tmp_path / "actions.txt"
    script.write_text("# a what-if and a screenshot\n2 drag Recon-1 0 -30\n4 screenshot "
                      f"{tmp_path / 'shot.png'}\n")
    assert main(["view", str(copy), "--frames", "6", "--stats", "--script", str(script),
                 "--size", "640x400"]) == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert stats["frames"] == 6 and len(stats["whatif_ms"]) == 1
    assert (tmp_path / "shot.png").exists()


def test_frames_come_at_half_rate_only_while_a_whatif_computes(copy):
    """The frame interval doubles from the release of a drag until the edit's layers are
    in, then returns to 60 fps (the real window's frame cap and the headless frames)."""
    import pygame
    from sim.view.app import HEADLESS_FRAME_S, WHATIF_FRAME_S, Window
    from sim.view.runner import drag_platform
    w = Window(str(copy), (640, 400), headless=True)
    try:
        w.scene.wait()
        w.step_frame(0.0)
        assert w.frame_interval_s == HEADLESS_FRAME_S
        drag_platform(w, "Recon-1", 0, -30)
        assert w.frame_interval_s == WHATIF_FRAME_S == 2 * HEADLESS_FRAME_S
        w.scene.wait()
        w.step_frame(0.0)
        assert w.frame_interval_s == HEADLESS_FRAME_S and len(w.whatif_ms) == 1
    finally:
        pygame.quit()


# Reference images: frames of the small scenario compared with committed PNGs. Regenerate
# (after a deliberate change of the drawing, then look at them) with
#     ISR_SIM_REGENERATE_VIEW_IMAGES=1 python -m pytest tests/test_view_scenes.py
# On a mismatch a side-by-side image (reference | this frame | difference x4) is written
# and its path given in the failure message.
REFERENCE_CASES = [("age-90min", 4, 5400.0), ("ever-3h", 2, 10_800.0),
                   ("footprints-45min", 1, 2700.0)]
MAX_MEAN_DIFF = 1.5           # mean absolute difference per channel (0..255)
MAX_CHANGED = 0.01            # fraction of pixels differing by more than 48 in any channel


def _frame(layer: int, t_s: float):
    import pygame
    from sim.view.app import Window
    w = Window(str(SMALL), (640, 400), headless=True)
    w.scene.wait()
    w.layer = __import__("sim.view.palette", fromlist=["LAYER_KEYS"]).LAYER_KEYS[layer - 1]
    w.t_s = w.t_prev = t_s
    w.paused = True
    w.step_frame(0.0)
    return pygame.surfarray.array3d(w.screen).copy()


@pytest.mark.parametrize("name,layer,t_s", REFERENCE_CASES)
def test_rendered_frame_matches_reference_image(name, layer, t_s, tmp_path):
    import pygame
    try:
        frame = _frame(layer, t_s)
        path = REFERENCE / f"{name}.png"
        if os.environ.get("ISR_SIM_REGENERATE_VIEW_IMAGES") == "1":
            REFERENCE.mkdir(parents=True, exist_ok=True)
            pygame.image.save(pygame.surfarray.make_surface(frame), str(path))
        reference = pygame.surfarray.array3d(pygame.image.load(str(path)))
        assert reference.shape == frame.shape
        diff = np.abs(reference.astype(int) - frame.astype(int))
        mean, changed = diff.mean(), (diff.max(axis=2) > 48).mean()
        if mean > MAX_MEAN_DIFF or changed > MAX_CHANGED:
            side = np.concatenate([reference, frame, np.minimum(diff * 4, 255)], axis=0)
            out = tmp_path / f"{name}-reference-frame-diff.png"
            pygame.image.save(pygame.surfarray.make_surface(side.astype(np.uint8)), str(out))
            pytest.fail(f"{name}: mean difference {mean:.2f}, {100 * changed:.2f} % of pixels "
                        f"changed; side by side: {out}")
    finally:
        pygame.quit()
