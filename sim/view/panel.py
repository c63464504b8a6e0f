"""The side panel (time, warp, live figures by depth band, platform states, selection,
teaching goal), the layer legend, and the overlays (help, errors, progress)."""
from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pygame

from sim.output.formats import format_duration
from sim.view import draw as D
from sim.view.palette import EVER_INDEX, FIRST, LAST, NEVER_RGB, STYLES, scale_max, ticks

PANEL_BG = (246, 246, 242)
HELP = (("1..6", "layer: footprints, ever covered, time covered, age, max revisit, accesses"),
        ("space", "pause / run"), ("left / right", "step time back / on (a minute x warp)"),
        ("+ / -", "warp 1x .. 10,000x"), ("T", "terrain relief (hillshade) on / off"), ("wheel", "zoom about the cursor"),
        ("drag", "pan; on a ring: move that track centre or waypoint (what-if)"),
        ("click", "a platform or a cell: details and the cell's access timeline"),
        ("W", "write the edited scenario to a new file"), ("S", "screenshot (PNG)"),
        ("R", "reload (also when the file is saved)"), ("Home", "whole map"),
        ("H", "this help"), ("Esc / Q", "quit"))


def _bands(window):
    """(labels, band of each cell (M,), area per band) by distance from the border."""
    scene = window.scene
    edges = [0.0] + list(scene.scenario.grid.bands_m)
    dist = np.abs(scene.grid.depth_m)
    band = np.clip(np.searchsorted(edges, dist, side="right") - 1, 0, len(edges) - 2)
    area = np.bincount(band, minlength=len(edges) - 1).astype(float)
    labels = [f"{a / 1000:g}-{b / 1000:g} km" for a, b in zip(edges[:-1], edges[1:])]
    return labels, band, area


def draw_panel(window, surf, t_s: float) -> None:
    text, scene = window.text, window.scene
    surf.fill(PANEL_BG)
    pygame.draw.line(surf, (180, 180, 180), (0, 0), (0, surf.get_height()), 1)
    y = 10
    title = wrap_px(scene.scenario.name, text.font(20, True), surf.get_width() - 40)
    if len(title) > 3:
        title = title[:2] + [title[2] + " ..."]
    for line in title:
        text.blit(surf, line, (12, y), 20, bold=True)
        y += 18
    now = scene.scenario.time.start + timedelta(seconds=t_s)
    y += 6
    text.blit(surf, now.strftime("%Y-%m-%d %H:%M:%S UTC"), (12, y), 24, bold=True)
    y += 24
    state = "PAUSED" if window.paused else f"warp {window.warp:,}x"
    text.blit(surf, f"elapsed {format_duration(t_s)} of {format_duration(scene.duration_s)}"
              f"   {state}", (12, y), 18)
    y += 20
    text.blit(surf, f"layer {window.layer_number}: {STYLES[window.layer].title}", (12, y), 18,
              (40, 40, 120), bold=True)
    y += 24
    y = _band_table(window, surf, y)
    y = _platform_list(window, surf, y, t_s)
    y = _selection(window, surf, y)
    if window.goal is not None:
        _goal(window, surf, y)


def _band_table(window, surf, y: int) -> int:
    text, scene = window.text, window.scene
    cov = scene.coverage
    if cov is None:
        text.blit(surf, f"computing coverage ... {100 * scene.progress:.0f} %", (12, y), 18)
        pygame.draw.rect(surf, (200, 200, 200), (12, y + 18, 300, 8))
        pygame.draw.rect(surf, (40, 110, 180), (12, y + 18, int(300 * scene.progress), 8))
        return y + 36
    if not hasattr(window, "_band_cache") or window._band_cache[0] is not scene:
        window._band_cache = (scene, _bands(window))
    labels, band, area = window._band_cache[1]
    # the figures change faster than anyone reads them: recomputed ten times a second
    key = (id(cov), round(cov.layers.t_s / max(window.warp * 0.1, 1e-9)))
    if getattr(window, "_band_key", None) != key:
        window._band_key = key
        window._band_figures = (
            np.bincount(band[cov.layers.covered_now()], minlength=len(labels)),
            np.bincount(band[cov.layers.ever()], minlength=len(labels)))
    now, ever = window._band_figures
    ended = cov.layers.t_s >= scene.duration_s    # accesses are [start, end): none at the end
    text.blit(surf, "depth band", (12, y), 17, bold=True)
    text.blit(surf, "in view now", (150, y), 17, bold=True)
    text.blit(surf, "seen so far", (245, y), 17, bold=True)
    y += 17
    for k, label in enumerate(labels):
        a = max(area[k], 1.0)
        text.blit(surf, label, (12, y), 17)
        text.blit(surf, "    -" if ended else f"{100 * now[k] / a:5.1f} %", (150, y), 17)
        text.blit(surf, f"{100 * ever[k] / a:5.1f} %", (245, y), 17)
        y += 16
    if ended:
        text.blit(surf, "the run's time window has ended: nothing is in view", (12, y), 15,
                  (90, 90, 90))
        y += 16
    return y + 8


def _platform_list(window, surf, y: int, t_s: float) -> int:
    text, scene = window.text, window.scene
    states = scene.states(t_s)
    for i, spec in enumerate(scene.scenario.platforms):
        phase = scene.phase(i, t_s, states[i][3])
        pygame.draw.rect(surf, scene.colours[i], (12, y + 2, 12, 12))
        colour = D.ALARM_RGB if phase == "VIOLATION" else D.INK
        text.blit(surf, spec.name, (30, y), 18, colour, bold=phase == "VIOLATION")
        text.blit(surf, phase, (180, y), 18, colour)
        y += 17
    return y + 8


def _selection(window, surf, y: int) -> int:
    text, scene = window.text, window.scene
    sel = window.selected
    if sel is None:
        text.blit(surf, "click a platform or a cell for details; H: keys", (12, y), 16,
                  (90, 90, 90))
        return y + 20
    kind, k = sel
    lines = platform_lines(scene, k) if kind == "platform" else cell_lines(scene, k)
    for line in lines:
        text.blit(surf, line, (12, y), 17)
        y += 16
    if kind == "cell" and scene.coverage is not None:
        y = _timeline(window, surf, y + 4, k)
    return y + 8


def platform_lines(scene, i: int) -> list[str]:
    spec = scene.scenario.platforms[i]
    lines = [f"{spec.name}: {spec.class_id}",
             f"altitude {spec.altitude_m / 1000:g} km, speed {spec.speed_m_s * 3.6:.0f} km/h",
             "sensors: " + ", ".join(s.name for s in spec.sensors)]
    if scene.coverage is not None:
        seen = scene.coverage.per_platform_cells[i]
        lines.append(f"sees {seen.sum() * scene.grid.cell_m ** 2 / 1e6:,.0f} km2 over the run")
    v = scene.violations[i]
    if v:
        lines.append(f"airspace violations: {len(v)}, first at {format_duration(v[0][0])}")
    return lines


def cell_lines(scene, c: int) -> list[str]:
    g = scene.grid
    lines = [f"cell {c}: {g.lat_deg[c]:.3f} N, {g.lon_deg[c]:.3f} E, "
             f"{abs(g.depth_m[c]) / 1000:.0f} km from the border"]
    cov = scene.coverage
    if cov is not None:
        L = cov.layers
        age = L.age_s()[c]
        lines += [f"so far: {int(L.accesses()[c])} accesses, covered "
                  f"{format_duration(L.time_covered_s()[c])}",
                  f"age of data {'never seen' if np.isnan(age) else format_duration(age)}, "
                  f"longest gap {format_duration(L.max_revisit_s()[c])}"]
    return lines


def _timeline(window, surf, y: int, c: int) -> int:
    """The cell's accesses over the whole window as bars, the current time marked."""
    text, scene = window.text, window.scene
    starts, ends = scene.coverage.layers.accesses_of(c)
    T = scene.duration_s
    x0, width = 12, 300
    pygame.draw.rect(surf, (225, 225, 225), (x0, y, width, 14))
    for a, b in zip(starts, ends):
        xa = x0 + width * a / T
        pygame.draw.rect(surf, (40, 110, 180), (xa, y, max(width * (b - a) / T, 1), 14))
    xt = x0 + width * scene.coverage.layers.t_s / T
    pygame.draw.line(surf, D.ALARM_RGB, (xt, y - 3), (xt, y + 17), 2)
    text.blit(surf, "0", (x0, y + 16), 15)
    text.blit(surf, format_duration(T), (x0 + width, y + 16), 15, anchor="topright")
    text.blit(surf, f"access timeline ({len(starts)} accesses)", (x0 + width / 2, y + 16), 15,
              anchor="midtop")
    return y + 32


def _goal(window, surf, y: int) -> None:
    """A teaching exercise's goal: title, its lines about the result, passed or not."""
    text, goal = window.text, window.goal
    text.blit(surf, f"Goal: {goal.title}", (12, y), 18, bold=True)
    y += 18
    result = getattr(window, "goal_result", None)
    if result is None:
        text.blit(surf, "(checked when the run's figures are ready)", (12, y), 16)
        return
    for line in goal.describe(result)[:6]:
        text.blit(surf, line, (12, y), 16)
        y += 15
    ok = goal.passed(result)
    text.blit(surf, "PASSED" if ok else "not yet", (12, y + 2), 22,
              (0, 130, 60) if ok else D.ALARM_RGB, bold=True)


def draw_legend(window, surf) -> pygame.Rect:
    """The layer's colour bar with ticks in units, the never-seen swatch, and the symbols this
    map has (coasts and national waters only with a coast; the relief only with terrain),
    in a box sized to them; returns the box."""
    text, scene = window.text, window.scene
    style = STYLES[window.layer]
    coast = bool(scene.geography.coastlines)
    relief = window.show_relief and scene.scenario.terrain.source != "none"
    bar = window.layer not in ("footprints", "ever") and scene.coverage is not None
    rows = 2 + (window.layer == "ever") + (1 if coast else 0) + relief
    x, y = 14, 14
    box = pygame.Rect(x - 6, y - 6, 250, 18 + 30 * bar + 16 * rows + 8)
    pygame.draw.rect(surf, (255, 255, 255), box)
    pygame.draw.rect(surf, (160, 160, 160), box, 1)
    text.blit(surf, style.title + (f" ({style.unit})" if style.unit else ""), (x, y), 17, bold=True)
    y += 18
    if bar:
        pal = window.renderer.palettes[window.layer]
        for k in range(FIRST, LAST + 1):
            pygame.draw.line(surf, pal[k], (x + k - FIRST, y), (x + k - FIRST, y + 12))
        cov = scene.coverage
        vmax = scale_max(window.layer, scene.duration_s, window.renderer.max_accesses(cov))
        for frac, label in ticks(vmax, style.unit):
            xt = x + frac * (LAST - FIRST)
            pygame.draw.line(surf, D.INK, (xt, y + 12), (xt, y + 15))
            text.blit(surf, label, (xt, y + 15), 15, anchor="midtop")
        y += 30
    elif window.layer == "ever":
        pal = window.renderer.palettes["ever"]
        pygame.draw.rect(surf, pal[EVER_INDEX], (x, y, 14, 12))
        text.blit(surf, "seen at least once", (x + 20, y), 16)
        y += 16
    pygame.draw.rect(surf, NEVER_RGB, (x, y, 14, 12))
    pygame.draw.rect(surf, (150, 150, 150), (x, y, 14, 12), 1)
    text.blit(surf, "never seen (so far)", (x + 20, y), 16)
    y += 16
    pygame.draw.line(surf, D.BORDER_RGB, (x, y + 6), (x + 14, y + 6), 3)
    text.blit(surf, "border", (x + 20, y), 16)
    _footprint_swatch(surf, (x + 110, y), scene.colours[0] if scene.colours else D.INK)
    text.blit(surf, "footprint now", (x + 130, y), 16)
    y += 16
    if coast:
        pygame.draw.line(surf, D.COAST_RGB, (x, y + 6), (x + 14, y + 6), 2)
        text.blit(surf, "coast", (x + 20, y), 16)
        pygame.draw.rect(surf, D.AIRSPACE_RGB[4], (x + 110, y, 14, 12))
        text.blit(surf, "territorial sea", (x + 130, y), 16)
        y += 16
    if relief:
        for k in range(14):                           # shadow to light, as the hillshade
            grey = int(90 + 150 * k / 13)
            pygame.draw.line(surf, (grey, grey, grey), (x + k, y), (x + k, y + 11))
        text.blit(surf, "terrain relief, lit from the NW (T)", (x + 20, y), 16)
    return box


def _footprint_swatch(surf, xy, colour) -> None:
    """A footprint's look: its platform's colour, translucent over the map, outlined."""
    x, y = xy
    fill = tuple(int(255 + (c - 255) * D.FOOTPRINT_ALPHA / 255) for c in colour)
    pygame.draw.rect(surf, fill, (x, y, 14, 12))
    pygame.draw.rect(surf, colour, (x, y, 14, 12), 2)


def draw_overlays(window, surf) -> None:
    text = window.text
    now = time.perf_counter()
    y = surf.get_height() - 60
    for t, message in reversed(window.messages):
        if now - t < 4.0:
            text.blit(surf, message, (surf.get_width() // 2, y), 20, anchor="center",
                      box=(255, 255, 224))
            y -= 22
    if window.scene.coverage is None and window.scene.error is None:
        w = surf.get_width()
        pygame.draw.rect(surf, (255, 255, 255), (w // 2 - 160, 8, 320, 34))
        pygame.draw.rect(surf, (40, 110, 180), (w // 2 - 155, 30, int(310 * window.scene.progress), 8))
        text.blit(surf, "computing coverage layers ...", (w // 2, 11), 19, anchor="midtop")
    errors = [e for e in (window.error, window.scene.error) if e]
    screen = window.screen                   # the boxes may cover the panel: small windows
    if errors:
        lines = ["The file has an error; the last valid scenario keeps running.",
                 "Fix it and save: the window reloads.", ""] \
            + [l for e in errors for l in e.splitlines()][:18]
        window.box = _box(window, screen, [("", l) for l in lines], (120, 0, 0))
    if window.show_help:
        window.box = _box(window, screen, [("", "Keys (H closes this)")] + list(HELP), D.INK)


BOX_FONT_PX = (20, 18, 16, 14, 12)      # the boxes' text shrinks through these to fit


def _box(window, surf, rows, colour) -> tuple[pygame.Rect, list[pygame.Rect]]:
    """A framed box of rows (key, text) (key "" for plain text) that fits inside surf at any
    size: keys right-aligned in a column, texts wrapped by pixel width to the rest, the font
    shrinking through BOX_FONT_PX until every line fits in height (else the last lines are
    cut, ending in "..."); the first line is bold (a title). Returns the box's rectangle
    and those of its texts (all inside it)."""
    W, H = surf.get_size()
    margin, top = (30, 60) if W >= 900 and H >= 560 else (8, 8)
    width, height = W - 2 * margin, H - top - margin
    for size in BOX_FONT_PX:
        font = window.text.font(size)
        key_w = max((window.text.font(size, True).size(k)[0] for k, _ in rows if k), default=0)
        gap = 16 if key_w else 0
        text_w = max(width - 28 - key_w - gap, 40)
        bold = window.text.font(size, True)          # the title's
        lines = [(k if n == 0 else "", part) for r, (k, t) in enumerate(rows)
                 for n, part in enumerate(wrap_px(t, bold if r == 0 else font, text_w) or [""])]
        line_h = font.get_linesize() + 2
        if line_h * len(lines) + 20 <= height:
            break
    fit = max((height - 20) // line_h, 1)
    if len(lines) > fit:
        lines = lines[:fit - 1] + [("", "...")]
    used = max((bold if k == 0 else font).size(t)[0] for k, (_, t) in enumerate(lines))
    rect = pygame.Rect(margin, top, min(width, 28 + key_w + gap + used),
                       line_h * len(lines) + 20)
    pygame.draw.rect(surf, (255, 255, 255), rect)
    pygame.draw.rect(surf, colour, rect, 3)
    x = rect.x + 14 + key_w
    drawn = []
    for k, (key, line) in enumerate(lines):
        y = rect.y + 10 + line_h * k
        if key:
            drawn.append(window.text.blit(surf, key, (x, y), size, colour, bold=True,
                                          anchor="topright"))
        drawn.append(window.text.blit(surf, line, (x + gap, y), size, colour, bold=k == 0))
    return rect, drawn


def wrap_px(text: str, font, width_px: int) -> list[str]:
    """Greedy word wrap of text to lines at most width_px wide in this font (a word wider
    than that is cut between characters)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while font.size(word)[0] > width_px and len(word) > 1:     # an overlong word
            cut = max(k for k in range(1, len(word) + 1) if font.size(word[:k])[0] <= width_px
                      or k == 1)
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if font.size(candidate)[0] <= width_px:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines
