"""How each figure of merit is named and written for people: its label and kind
(fraction, time, count, length), and number formats (percentages, durations). Figures are
shown in the engine's order, FIGURE_KEYS (sim.engine.coverage, re-exported here).
Shared by the text tables, the maps, the HTML report, the sweep summary and the window.
"""
from __future__ import annotations

import math

import numpy as np

from sim.engine.coverage import FIGURE_KEYS

__all__ = ["FIGURE_KEYS", "KEY_INFO", "format_duration", "format_percent", "format_value"]

# key -> (label, kind); kind: frac (shown in %), time (s), count, length (m)
KEY_INFO = {
    "ever_covered_frac": ("ever covered", "frac"),
    "time_covered_frac": ("time covered", "frac"),
    "accesses": ("accesses", "count"),
    "max_revisit_s": ("max revisit", "time"),
    "mean_revisit_s": ("mean revisit", "time"),
    "time_average_gap_s": ("time-average gap", "time"),
    "mean_response_s": ("mean response", "time"),
    "mean_age_of_data_s": ("mean age of data", "time"),
    "max_simultaneous": ("max platforms at once", "count"),
    "best_gsd_m": ("best GSD", "length"),
}

def _missing(value) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and not math.isfinite(value))


def format_duration(seconds) -> str:
    """Human-readable duration: '45 s', '2 min 5 s', '3 h 20 min', '1 d 2 h 5 min'.
    Under a minute: whole seconds (one decimal under 10 s); under an hour: minutes and
    seconds; beyond: rounded to the minute. None/NaN -> '-'."""
    if _missing(seconds):
        return "-"
    s = float(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s < 10.0 and round(s, 1) != round(s):
        return f"{sign}{s:.1f} s"
    if round(s) < 60:
        return f"{sign}{round(s):.0f} s"
    if round(s) < 3600:
        total = int(round(s))
        m, sec = divmod(total, 60)
        return f"{sign}{m} min" + (f" {sec} s" if sec else "")
    total_min = int(round(s / 60.0))
    d, rest = divmod(total_min, 1440)
    h, m = divmod(rest, 60)
    parts = ([f"{d} d"] if d else []) + ([f"{h} h"] if h or (d and m) else []) + \
        ([f"{m} min"] if m else [])
    return sign + " ".join(parts)


def format_percent(fraction) -> str:
    return "-" if _missing(fraction) else f"{100.0 * float(fraction):.1f} %"


def format_value(key: str, value) -> str:
    """A figure of merit in its display unit (fractions %, times human-readable)."""
    if _missing(value):
        return "-"
    kind = KEY_INFO.get(key, (key, "count"))[1]
    if kind == "frac":
        return format_percent(value)
    if kind == "time":
        return format_duration(value)
    if kind == "length":
        return f"{float(value):.2f} m"
    v = float(value)
    return f"{v:.0f}" if v == round(v) else f"{v:.2f}"
