"""`isr-sim report`: one self-contained HTML page about a run or two runs side by side.
Images are PNG data: URIs and the styles are inline, so the page opens offline and can be
mailed as one file.

A run's page holds: the headline figures, the coverage maps, the depth-profile and
along-border charts, the band and platform tables, the airspace violations, warnings, the
scenario itself (the file as written, with any --set), the figure definitions
(docs/figures.md) and the model's assumptions and limits (docs/assumptions.md). Two runs:
the same side by side, plus a difference map and a table of differences (B - A). A sweep's
page (sim/sweep/report.py) is built from the same parts.

Front-end code (matplotlib through sim.output.map_figure and here). Written atomically.
"""
from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from sim.paths import DOCS_DIR
from sim.output.formats import FIGURE_KEYS, KEY_INFO, format_duration, format_value

DOCS = ("figures.md", "assumptions.md")
MAP_KEYS = ("time_covered_frac", "max_revisit_s")
DIFF_KEY = "time_covered_frac"
CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f0f0f0}
td:first-child,th:first-child{text-align:left}
img{max-width:100%;height:auto}.row{display:flex;gap:1em;flex-wrap:wrap}.row>div{flex:1 1 480px}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}
nav a{margin-right:.8em}.doc{font-size:.92em}.doc td,.doc th{text-align:left}.muted{color:#666}
"""


# ------------------------------------------------------------------------ HTML pieces

def esc(text) -> str:
    return html.escape(str(text), quote=True)


def png_uri(fig, **savefig) -> str:
    """A matplotlib Figure as a PNG data: URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **savefig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def file_uri(path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{esc(alt)}">'


def table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(ident: str, title: str, body: str) -> tuple[str, str, str]:
    return ident, title, body


def page(title: str, subtitle: str, sections: list[tuple[str, str, str]]) -> str:
    nav = "".join(f'<a href="#{i}">{esc(t)}</a>' for i, t, _ in sections)
    parts = "".join(f'<section id="{i}"><h2>{esc(t)}</h2>{b}</section>' for i, t, b in sections)
    from sim.version import __version__
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{esc(title)}</h1><p class=\"muted\">{esc(subtitle)}</p><nav>{nav}</nav>"
            f"{parts}<p class=\"muted\">isr-sim {esc(__version__)}</p></body></html>\n")


# ------------------------------------------------------------------------ markdown

def _inline(text: str) -> str:
    """Inline markdown: `code`, **bold**, *italic*, [text](url) (the text only: links to
    other files do not travel with the page)."""
    out, pieces = [], re.split(r"(`[^`]*`)", text)
    for piece in pieces:
        if piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            out.append(f"<code>{esc(piece[1:-1])}</code>")
            continue
        piece = esc(piece)
        piece = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1", piece)
        piece = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", piece)
        piece = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", piece)
        out.append(piece)
    return "".join(out)


def markdown_html(text: str) -> str:
    """The markdown of the project's docs as HTML: headings, paragraphs, lists, tables,
    fenced code (a small subset, enough for docs/*.md; no raw HTML passes through)."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre>" + esc("\n".join(lines[i + 1:j])) + "</pre>")
            i = j + 1
        elif re.match(r"#{1,6} ", line):
            level = min(len(line) - len(line.lstrip("#")) + 1, 6)   # under the page's h2
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                           for r in rows[1:])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif re.match(r"\s*([-*]|\d+\.) ", line):
            tag = "ol" if re.match(r"\s*\d+\.", line) else "ul"
            items = []
            while i < len(lines) and lines[i].strip():
                if re.match(r"\s*([-*]|\d+\.) ", lines[i]):
                    items.append(re.sub(r"^\s*([-*]|\d+\.) ", "", lines[i]))
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + f"</{tag}>")
        elif line.strip():
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"(#{1,6} |\||```|\s*([-*]|\d+\.) )", lines[i]):
                para.append(lines[i].strip())
                i += 1
            out.append(f"<p>{_inline(' '.join(para))}</p>")
        else:
            i += 1
    return "\n".join(out)


def doc_text(name: str) -> str:
    """A page of the project's docs (docs/NAME, installed with the package as sim.docs)."""
    return (DOCS_DIR / name).read_text(encoding="utf-8")


def doc_sections() -> list[tuple[str, str, str]]:
    return [section("figures", "Figure definitions", f'<div class="doc">{markdown_html(doc_text("figures.md"))}</div>'),
            section("assumptions", "Assumptions and limits",
                    f'<div class="doc">{markdown_html(doc_text("assumptions.md"))}</div>')]


# ------------------------------------------------------------------------ a run's parts

def summary_rows(result) -> list[list[str]]:
    keys = [k for k in FIGURE_KEYS if k in result.summary] + \
           [k for k in result.summary if k not in FIGURE_KEYS]
    def value(k, v):
        if k.endswith("_km2") and v is not None:
            return f"{v:,.0f} km2"
        return format_value(k, v)
    return [[KEY_INFO.get(k, (k.replace("_km2", "").replace("_", " "),))[0], value(k, result.summary[k])]
            for k in keys]


def map_uri(result, key: str, values=None, label=None) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sim.output.map_figure import build_map_figure, draw_map
    if values is None:
        fig = build_map_figure(result, key, dpi=80)
    else:
        fig = Figure(figsize=(10, 7.5), dpi=80)
        FigureCanvasAgg(fig)
        draw_map(result, key, fig.add_subplot(1, 1, 1), values=values, label=label)
    return png_uri(fig, bbox_inches="tight", pad_inches=0.15)


def profile_uri(results: Sequence, names: Sequence[str]) -> str:
    """Depth profile and along-border profile of ever and time covered (one line per run)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(11, 3.8), dpi=90, layout="constrained")
    FigureCanvasAgg(fig)
    depth_ax, along_ax = fig.subplots(1, 2)
    for result, name in zip(results, names):
        prefix = f"{name}: " if len(results) > 1 else ""
        x = [row["depth_km"] for row in result.depth_profile]
        for key, style in (("ever_covered_frac", "-"), ("time_covered_frac", "--")):
            depth_ax.plot(x, [100 * (row[key] or 0) for row in result.depth_profile], style,
                          label=prefix + KEY_INFO[key][0])
            mid = [(row["from_km"] + row["to_km"]) / 2 for row in result.along_border]
            along_ax.plot(mid, [100 * (row[key] or 0) for row in result.along_border], style,
                          label=prefix + KEY_INFO[key][0])
    depth_ax.set(xlabel="distance from the border (km)", ylabel="% of the area",
                 title="Depth profile")
    along_ax.set(xlabel="distance along the border (km)", ylabel="% of the area",
                 title="Along the border")
    for ax in (depth_ax, along_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return png_uri(fig)


def band_rows(result) -> tuple[list[str], list[list[str]]]:
    keys = ("ever_covered_frac", "time_covered_frac", "accesses", "max_revisit_s", "mean_response_s")
    headers = ["band km", "area km2"] + [KEY_INFO[k][0] for k in keys]
    rows = [[f"{b['from_km']:g}-{b['to_km']:g}", f"{b['area_km2']:,.0f}"] +
            [format_value(k, b.get(k)) for k in keys] for b in result.bands]
    return headers, rows


def platform_rows(result) -> tuple[list[str], list[list[str]]]:
    headers = ["platform", "class", "time on station", "covered km2", "airspace entries"]
    rows = [[p["name"], p["class"], format_duration(p["time_on_station_s"]),
             f"{p['covered_km2']:,.0f}", str(len(p["airspace_violations"]))]
            for p in result.platforms]
    return headers, rows


def violations_html(result) -> str:
    rows = [[p["name"], format_duration(v["start_s"]), format_duration(v["end_s"]),
             format_duration(v["end_s"] - v["start_s"]), f"{v['lat']:.3f}", f"{v['lon']:.3f}",
             f"{v['max_inside_km']:.2f}"]
            for p in result.platforms for v in p["airspace_violations"]]
    if not rows:
        rule = result.scenario.airspace.overflight
        return f"<p>None (overflight: {esc(rule)}).</p>"
    return table(["platform", "from", "to", "for", "deepest lat", "deepest lon", "km inside"], rows)


def scenario_html(path, overrides: Sequence[str]) -> str:
    text = Path(path).read_text(encoding="utf-8")
    sets = "".join(f"<li><code>--set {esc(o)}</code></li>" for o in overrides)
    return (f"<p><code>{esc(path)}</code></p>" + (f"<p>with</p><ul>{sets}</ul>" if sets else "")
            + f"<pre>{esc(text)}</pre>")


def warnings_html(result) -> str:
    if not result.warnings:
        return "<p>None.</p>"
    return "<ul>" + "".join(f"<li>{esc(w)}</li>" for w in result.warnings) + "</ul>"


def side_by_side(parts: Sequence[str], names: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return '<div class="row">' + "".join(f"<div><h3>{esc(n)}</h3>{p}</div>"
                                         for p, n in zip(parts, names)) + "</div>"


# ------------------------------------------------------------------------ comparison

def values_on(a, b, key: str) -> np.ndarray:
    """b's per-cell `key` on a's cells: the same cells when the grids are equal, else the
    nearest of b's cells within one cell size (NaN where b has no cell there)."""
    ga, gb = a.grid, b.grid
    vb = np.asarray(b.cells[key], dtype=float)
    if ga.u.shape == gb.u.shape and np.allclose(ga.u, gb.u):
        return vb
    from scipy.spatial import cKDTree
    radius_m = float(a.scenario.earth.radius_m)
    distance, index = cKDTree(gb.u).query(ga.u, distance_upper_bound=float(ga.cell_m) / radius_m)
    out = np.full(ga.u.shape[0], np.nan)
    found = np.isfinite(distance)
    out[found] = vb[index[found]]
    return out


def difference_rows(a, b) -> list[list[str]]:
    rows = []
    for key in [k for k in FIGURE_KEYS if k in a.summary and k in b.summary]:
        va, vb = a.summary[key], b.summary[key]
        kind = KEY_INFO[key][1]
        if va is None or vb is None:
            diff = "-"
        elif kind == "frac":
            diff = f"{100 * (vb - va):+.1f} points"
        elif kind == "time":
            diff = ("+" if vb >= va else "-") + format_duration(abs(vb - va))
        else:
            diff = f"{vb - va:+.3g}"
        rows.append([KEY_INFO[key][0], format_value(key, va), format_value(key, vb), diff])
    return rows


# ------------------------------------------------------------------------ pages

def run_sections(results, files, overrides, names) -> list[tuple[str, str, str]]:
    """The sections of a page about one run or two (A and B)."""
    two = len(results) == 2
    summary = (table(["figure", names[0], names[1], "B - A"], difference_rows(*results)) if two
               else table(["figure", "value"], summary_rows(results[0])))
    if two:
        maps = "".join(side_by_side([img(map_uri(r, key), f"map of {KEY_INFO[key][0]}: {n}")
                                     for r, n in zip(results, names)], names) for key in MAP_KEYS)
    else:
        maps = '<div class="row">' + "".join(
            f'<div>{img(map_uri(results[0], key), f"map of {KEY_INFO[key][0]}")}</div>'
            for key in MAP_KEYS) + "</div>"
    if two:
        maps = ("<p>Each map has its own colour scale (fitted to its values); the difference "
                "map below compares them cell by cell.</p>" + maps)
    sections = [section("summary", "Headline figures (the whole grid)", summary),
                section("map", "Coverage maps", maps)]
    if two:
        a, b = results
        diff = values_on(a, b, DIFF_KEY) - np.asarray(a.cells[DIFF_KEY], dtype=float)
        label = f"{KEY_INFO[DIFF_KEY][0]}: B - A (fraction of the window)"
        sections.append(section("difference", "Difference map (B - A)",
                                f"<p>Blue: B sees the cell for a larger part of the window than "
                                f"A; red: less. Cells B does not have are left blank.</p>"
                                + img(map_uri(a, DIFF_KEY, diff, label), "difference map")))
    sections += [
        section("profiles", "Depth profile and along the border",
                img(profile_uri(results, names), "depth profile and along-border charts")),
        section("bands", "Depth bands", side_by_side([table(*band_rows(r)) for r in results], names)),
        section("platforms", "Platforms", side_by_side([table(*platform_rows(r)) for r in results], names)),
        section("violations", "Airspace violations", side_by_side([violations_html(r) for r in results], names)),
        section("warnings", "Warnings", side_by_side([warnings_html(r) for r in results], names)),
        section("scenario", "The scenario", side_by_side([scenario_html(f, overrides) for f in files], names)),
    ]
    return sections + doc_sections()


def write_page(text: str, out_dir, name: str = "report.html") -> Path:
    from sim.output.files import atomic_file
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_file(out / name) as f:
        f.write(text)
    return out / name


def write_report(files: Sequence[str], out_dir, overrides: Sequence[str] = ()) -> Path:
    """Run one scenario (or two) and write out_dir/report.html; its path."""
    from sim.engine.runner import run
    from sim.scenario.load import load_scenario
    scenarios = [load_scenario(f, overrides=overrides) for f in files]   # all checked first
    results = [run(s) for s in scenarios]
    names = [r.scenario.name for r in results] if len(results) == 1 else ["A", "B"]

    def about(r, f):
        return (f"{Path(f).name}: {r.scenario.description or r.scenario.name} "
                f"({format_duration(r.scenario.time.duration_s)}, {r.grid.u.shape[0]:,} cells "
                f"of {r.grid.cell_m / 1000:g} km, {r.engine} engine)")
    if len(results) == 2:
        a, b = (r.scenario.name if r.scenario.name != results[1 - i].scenario.name else Path(f).name
                for i, (r, f) in enumerate(zip(results, files)))
        title = f"A: {a} / B: {b}"
        subtitle = f"A is {about(results[0], files[0])}. B is {about(results[1], files[1])}." \
            if results[0].scenario.description != results[1].scenario.description else \
            f"A and B: {about(results[0], files[0])}; B differs in {Path(files[1]).name}."
    else:
        title, subtitle = results[0].scenario.name, about(results[0], files[0])
    return write_page(page(title, subtitle, run_sections(results, files, overrides, names)), out_dir)
