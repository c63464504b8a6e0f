"""A sweep's results for a reader: a summary table (text) and charts (PNG) of each figure
against each swept parameter, with the spread over seeds.

Front-end code (matplotlib imported only to draw). Records are results.jsonl's (see
sim.sweep.worker.run_task); the spread is the range (min to max) over the seeds of a point.
"""
from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np

from sim.output.formats import FIGURE_KEYS, KEY_INFO, format_value

TABLE_KEYS = ("ever_covered_frac", "time_covered_frac", "mean_revisit_s", "max_revisit_s")
MAX_LINES = 6                 # lines per chart panel before the other axes are pooled
_SCALE = {"frac": (100.0, "%"), "time": (1 / 3600.0, "h"), "length": (1.0, "m"), "count": (1.0, "")}


def by_point(records: list[dict]) -> "OrderedDict[tuple, list[dict]]":
    """Records grouped by their swept values (in sweep order), each group over the seeds."""
    groups: OrderedDict[tuple, list[dict]] = OrderedDict()
    for r in sorted(records, key=lambda r: r["index"]):
        groups.setdefault(tuple(r["values"].items()), []).append(r)
    return groups


def _values(group: list[dict], key: str) -> np.ndarray:
    return np.array([np.nan if r["summary"].get(key) is None else r["summary"][key]
                     for r in group], dtype=float)


def summary_rows(axes, records: list[dict]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the summary table: swept values, seeds, then each headline
    figure's mean over the seeds, with its range when there are several seeds."""
    header = [a.label for a in axes] + ["seeds"] + [KEY_INFO[k][0] for k in TABLE_KEYS]
    rows = []
    for values, group in by_point(records).items():
        row = [text for _, text in values] + [str(len(group))]
        for key in TABLE_KEYS:
            v = _values(group, key)
            cell = format_value(key, float(np.nanmean(v))) if np.isfinite(v).any() else "-"
            if len(group) > 1 and np.isfinite(v).any():
                lo, hi = (format_value(key, float(f(v))) for f in (np.nanmin, np.nanmax))
                cell += f" ({lo}..{hi})" if lo != hi else ""
            row.append(cell)
        rows.append(row)
    return header, rows


def format_summary(axes, records: list[dict]) -> str:
    header, rows = summary_rows(axes, records)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]) + "\n"


def chart_keys(records: list[dict]) -> list[str]:
    """The figures with a value in some run (best GSD needs an imaging sensor)."""
    return [k for k in FIGURE_KEYS if any(r["summary"].get(k) is not None for r in records)]


def _panel(ax, axis, others, records, key) -> None:
    """One figure against one axis: a line per combination of the other axes (pooled when
    there are more than MAX_LINES), the band spanning min..max over seeds (and pooled)."""
    scale, unit = _SCALE[KEY_INFO[key][1]]
    positions = {t: i for i, t in enumerate(axis.texts)}
    x_of = (lambda t: axis.numbers[positions[t]]) if axis.numbers else (lambda t: positions[t])
    lines: OrderedDict[tuple, dict] = OrderedDict()
    pooled = np.prod([len(o.texts) for o in others]) > MAX_LINES if others else False
    for r in records:
        label = () if pooled else tuple(f"{o.key.split('.')[-1]}={r['values'][o.key]}" for o in others)
        v = r["summary"].get(key)
        lines.setdefault(label, {}).setdefault(r["values"][axis.key], []).append(
            np.nan if v is None else v * scale)
    for label, points in lines.items():
        texts = [t for t in axis.texts if t in points]
        x = np.array([x_of(t) for t in texts], dtype=float)
        ys = [np.array(points[t], dtype=float) for t in texts]
        mean = np.array([np.nanmean(y) if np.isfinite(y).any() else np.nan for y in ys])
        (line,) = ax.plot(x, mean, marker="o", markersize=3,
                          label=", ".join(label) if label else ("mean" if pooled else None))
        if any(len(y) > 1 for y in ys):
            lo = np.array([np.nanmin(y) if np.isfinite(y).any() else np.nan for y in ys])
            hi = np.array([np.nanmax(y) if np.isfinite(y).any() else np.nan for y in ys])
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
    if not axis.numbers:
        ax.set_xticks(range(len(axis.texts)), axis.texts, rotation=30, fontsize=7)
    ax.set_title(KEY_INFO[key][0] + (f" ({unit})" if unit else ""), fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def chart_figure(axis, axes, records: list[dict], seeds: int):
    """The matplotlib Figure (Agg, no window) of every figure against `axis`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    records = sorted(records, key=lambda r: r["index"])
    keys = chart_keys(records)
    others = [a for a in axes if a.key != axis.key]
    cols = 4
    rows = -(-len(keys) // cols)
    height_in = 2.6 * rows + 1.2
    fig = Figure(figsize=(3.2 * cols, height_in), dpi=110)
    # fixed margins (in inches, as fractions): constrained layout costs seconds per chart
    fig.subplots_adjust(left=0.06, right=0.985, top=1 - 0.55 / height_in,
                        bottom=0.95 / height_in, hspace=0.55, wspace=0.3)
    FigureCanvasAgg(fig)
    handles = []
    for n, key in enumerate(keys):
        ax = fig.add_subplot(rows, cols, n + 1)
        _panel(ax, axis, others, records, key)
        if n >= len(keys) - cols:
            ax.set_xlabel(axis.label, fontsize=8)
        handles = handles or ax.get_legend_handles_labels()
    spread = "band: min..max over %d seeds" % seeds if seeds > 1 else "one seed"
    pooled = others and np.prod([len(o.texts) for o in others]) > MAX_LINES
    fig.suptitle(f"Sweep over {axis.key} ({spread}"
                 f"{'; mean over the other swept values' if pooled else ''})", fontsize=11)
    if handles and handles[1] and any(handles[1]):
        fig.legend(*handles, loc="lower center", ncol=min(len(handles[1]), 6), fontsize=8,
                   frameon=False)
    return fig


def chart_name(axis) -> str:
    return "chart-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", axis.key) + ".png"


def write_charts(spec, records: list[dict], out_dir) -> list:
    """One PNG per swept axis in out_dir (written atomically); their paths."""
    from pathlib import Path
    from sim.output.files import atomic_file
    paths = []
    for axis in spec.axes:
        fig = chart_figure(axis, spec.axes, records, len(spec.seeds))
        path = Path(out_dir) / chart_name(axis)
        with atomic_file(path, binary=True) as f:
            fig.savefig(f, format="png")
        paths.append(path)
    return paths
