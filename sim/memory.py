"""Bytes: the default memory limit, sizes written and read by people, and this process's
resident memory (measured, for the budget's estimates and the bench).

Foundation module: imports nothing from sim.
"""
from __future__ import annotations

import math
import os
import resource
import sys

DEFAULT_LIMIT_BYTES = 4 * 2 ** 30    # 4 GiB: room to spare on a machine of 8 GiB or more


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'; binary units."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024.0
    return f"{n:,.1f} TiB"


_SIZE_UNITS = {"": 1, "b": 1, "k": 2 ** 10, "kb": 10 ** 3, "kib": 2 ** 10, "m": 2 ** 20,
               "mb": 10 ** 6, "mib": 2 ** 20, "g": 2 ** 30, "gb": 10 ** 9, "gib": 2 ** 30,
               "t": 2 ** 40, "tb": 10 ** 12, "tib": 2 ** 40}


def parse_size(text: str) -> float:
    """'8GiB', '8 G', '500MB', '2e9' -> bytes. Raises ValueError with a readable message."""
    raw = str(text).strip().lower().replace(" ", "").replace("_", "")
    i = len(raw)
    while i > 0 and raw[i - 1].isalpha():
        i -= 1
    number, unit = raw[:i], raw[i:]
    if unit not in _SIZE_UNITS:
        raise ValueError(f"unknown size unit {unit!r}; use B, KiB, MiB, GiB or TiB")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size; write e.g. 8GiB") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{text!r}: a size must be a positive number, e.g. 8GiB")
    return value * _SIZE_UNITS[unit]


def peak_process_bytes() -> float:
    """Peak resident memory of this process so far: VmHWM on Linux (ru_maxrss there can
    carry the peak of the process that forked this one), else ru_maxrss (bytes on macOS)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) * 1024.0
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak) if sys.platform == "darwin" else float(peak) * 1024.0


def process_bytes() -> float:
    """Resident memory of this process now (Linux /proc/self/statm), else its peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return float(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return peak_process_bytes()
