"""`isr-sim run`: load, compute, then print tables or JSON and write the requested files.

Front-end code: it may print. Every output file is validated before anything is computed
(so a bad path, an output that is an input, or two outputs to one file fail fast, exit 2:
sim/output/files.py) and written atomically by sim.output.report.
"""
from __future__ import annotations

import sys
import time

from sim.output import files as outfiles
from sim.errors import Problem, ScenarioError


class _Progress:
    """A tqdm bar that appears only when the run lasts more than a second."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.bar = None

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        if self.bar is None and time.perf_counter() - self.t0 > 1.0:
            from tqdm import tqdm
            self.bar = tqdm(total=1000, desc="coverage", unit="‰", leave=False, file=sys.stderr)
        if self.bar is not None:
            self.bar.n = int(1000 * min(max(fraction, 0.0), 1.0))
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_command(args) -> int:
    from sim.scenario.load import load_scenario
    from sim.units import UnitError, to_si
    from sim.output import map_figure, report
    from sim.engine.runner import run
    from sim.cli.limits import max_memory_bytes, max_work

    scenario = load_scenario(args.file, overrides=args.set or ())
    outputs = [(args.csv, "--csv"), (args.png, "--png")]
    if args.json:
        outputs.insert(0, (outfiles.STDOUT, "--json"))
    outfiles.check_outputs(outputs, inputs=[args.file, scenario.terrain.path])
    to_stdout = outfiles.STDOUT in (args.csv, args.png)
    from sim.engine.coverage import FIGURE_KEYS
    if args.png:
        try:
            map_figure.map_format(args.png)
        except ValueError:
            formats = ", ".join("." + f for f in map_figure.MAP_FORMATS)
            raise ScenarioError(Problem("--png", 0, 0, "", repr(args.png),
                                        f"the map formats are {formats}",
                                        f"give a file name ending in one of {formats}"))
    if args.png and args.map_key not in FIGURE_KEYS:
        raise ScenarioError(Problem("--map-key", 0, 0, "", repr(args.map_key),
                                    "not a per-cell figure", f"use one of {', '.join(FIGURE_KEYS)}"))
    step_s = None
    if args.step:
        try:
            step_s = to_si(args.step, "time", "s")
        except UnitError as error:
            raise ScenarioError(Problem("--step", 0, 0, "", repr(args.step), error.rule, error.fix))
        if step_s <= 0:
            raise ScenarioError(Problem("--step", 0, 0, "", repr(args.step), "must be > 0",
                                        "give a positive duration such as 10s"))
    progress = _Progress(not args.quiet and not args.json)
    try:
        result = run(scenario, engine=args.engine, step_s=step_s, timeline=args.timeline,
                     progress=progress, max_memory_bytes=max_memory_bytes(args),
                     max_work=max_work(args))
    finally:
        progress.close()
    try:
        if args.csv:
            report.write_csv(result, args.csv)
        if args.png:
            map_figure.write_png(result, args.png, key=args.map_key)
    except OSError as error:       # e.g. the disk filled up: the atomic writer left nothing
        raise ScenarioError(Problem(args.csv if args.csv else args.png, 0, 0, "", "",
                                    f"could not write the file ({error.strerror or error})",
                                    "check the path and the free space, then run again"))
    if args.json:
        print(result.to_json())
    elif not to_stdout:            # standard output carries the file written to '-'
        print(report.format_tables(result))
    return 0
