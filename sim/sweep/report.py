"""`isr-sim sweep --report`: the sweep's HTML page (what was swept, the summary table over
seeds, the charts, the scenario, the figure definitions and the model's limits), made of
the same self-contained parts as a run's page (sim/output/html.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sim.output.html import doc_sections, file_uri, img, page, scenario_html, section, table, write_page
from sim.sweep.summary import summary_rows as sweep_rows


def write_sweep_report(spec, records: list[dict], charts: Sequence, out_dir) -> Path:
    """out_dir/report.html for a sweep: its parameters, summary table and charts."""
    from sim.scenario.load import load_scenario
    name = load_scenario(spec.file, overrides=spec.fixed).name
    params = [[a.key, ", ".join(a.texts)] for a in spec.axes]
    params.append(["seeds", ", ".join(str(s) for s in spec.seeds)])
    params += [["fixed", f] for f in spec.fixed]
    header, rows = sweep_rows(spec.axes, records)
    sections = [
        section("sweep", "What was swept", table(["parameter", "values"], params)
                + f"<p>{len(records)} run(s).</p>"),
        section("summary", "Summary (mean over seeds, range in brackets)", table(header, rows)),
        section("charts", "Each figure against each swept parameter",
                "".join(img(file_uri(p), f"chart {Path(p).name}") for p in charts)),
        section("scenario", "The scenario", scenario_html(spec.file, spec.fixed)),
    ] + doc_sections()
    return write_page(page(f"Sweep: {name}", f"{len(records)} runs of {spec.file}", sections), out_dir)
