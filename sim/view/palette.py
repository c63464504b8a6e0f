"""Colour for the coverage layers (no pygame): each layer's per-cell figure at time t becomes
an 8-bit palette index, with a legend in units.

Palette indices: 0 outside the region (transparent), 1 never seen (a light grey, distinct
from every colour of the maps), 2..255 the colour map. Colour maps: viridis and cividis
(Nunez, Anderton & Renslow 2018), perceptually uniform and readable with colour-vision
deficiency; taken from matplotlib once at start.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OUTSIDE, NEVER = 0, 1
FIRST, LAST = 2, 255
NEVER_RGB = (232, 232, 232)
# "ever covered": viridis near its yellow end, unlike every platform colour
EVER_INDEX = LAST - 24


@dataclass(frozen=True)
class LayerStyle:
    key: str
    title: str
    unit: str
    cmap: str
    reverse: bool       # True: 0 at the bright end


STYLES = {
    "footprints": LayerStyle("footprints", "Footprints only", "", "viridis", False),
    "ever": LayerStyle("ever", "Ever covered so far", "", "viridis", False),
    "time_covered": LayerStyle("time_covered", "Time covered so far", "% of elapsed time",
                               "viridis", False),
    "age": LayerStyle("age", "Age of data now", "h since last seen", "cividis", True),
    "max_revisit": LayerStyle("max_revisit", "Max revisit so far", "h (longest gap)",
                              "cividis", True),
    "accesses": LayerStyle("accesses", "Accesses so far", "count", "viridis", False),
}
LAYER_KEYS = tuple(STYLES)          # number keys 1..6 in this order


def palette(style: LayerStyle) -> list[tuple[int, int, int]]:
    """256 RGB colours: index 0 unused (transparent), 1 never seen, 2..255 the map."""
    import matplotlib
    cmap = matplotlib.colormaps[style.cmap]
    if style.reverse:
        cmap = cmap.reversed()
    ramp = (np.asarray(cmap(np.linspace(0.0, 1.0, LAST - FIRST + 1)))[:, :3] * 255).round()
    colours = [(0, 0, 0), NEVER_RGB] + [tuple(int(c) for c in rgb) for rgb in ramp]
    return colours


def scale_max(key: str, duration_s: float, max_accesses: float) -> float:
    """The value at the top of a layer's colour scale (fixed for the run so colours keep
    their meaning as time passes): fractions 1, times the whole window (age and revisit
    capped at 6 h: older is drawn as the top colour), counts the run's most."""
    if key == "time_covered":
        return 100.0
    if key in ("age", "max_revisit"):
        return min(duration_s, 6 * 3600.0) / 3600.0
    if key == "accesses":
        return max(float(max_accesses), 1.0)
    return 1.0


def layer_values(key: str, layers) -> tuple[np.ndarray, np.ndarray]:
    """(values in the legend's unit (M,), seen (M,) bool) of a layer at the layers' time."""
    seen = layers.ever()
    t = max(layers.t_s, 1e-9)
    if key == "ever":
        return seen.astype(float), seen
    if key == "time_covered":
        return 100.0 * layers.time_covered_s() / t, seen
    if key == "age":
        return layers.age_s() * (1.0 / 3600.0), seen
    if key == "max_revisit":
        return layers.max_revisit_s() / 3600.0, seen
    if key == "accesses":
        return layers.accesses(), seen
    raise KeyError(key)


def to_index(values: np.ndarray, seen: np.ndarray, vmax: float, binary: bool = False) -> np.ndarray:
    """(M,) uint8 palette indices: NEVER where not seen, else FIRST..LAST over [0, vmax]."""
    if binary:
        idx = np.full(values.shape, EVER_INDEX, dtype=np.uint8)
    else:
        scaled = values * ((LAST - FIRST) / vmax)
        scaled += FIRST
        np.clip(scaled, FIRST, LAST, out=scaled)
        with np.errstate(invalid="ignore"):          # NaN (never seen): replaced below
            idx = scaled.astype(np.uint8)
    idx[~seen] = NEVER
    return idx


def ticks(vmax: float, unit: str) -> list[tuple[float, str]]:
    """Four or five round legend ticks over [0, vmax] as (fraction along the bar, label)."""
    import math
    if vmax <= 0:
        return [(0.0, "0")]
    raw = vmax / 4.0
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1.0, 2.0, 2.5, 5.0, 10.0) if f * power >= raw)
    out = []
    v = 0.0
    while v <= vmax * (1 + 1e-9):
        out.append((v / vmax, f"{v:g}"))
        v += step
    return out
