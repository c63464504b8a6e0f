"""`isr-sim sweep` and `isr-sim report`: argparse glue over sim.sweep and sim.output.html.

Front-end code: it prints (the progress bar on stderr, the summary table on stdout). Every
argument is checked, and every run's scenario built, before anything runs (exit 2 on a bad
one, nothing written).
"""
from __future__ import annotations

import os
import sys

from sim.errors import Problem, ScenarioError


def add_commands(sub) -> None:
    """Register the subcommands on the main parser's subparsers."""
    p = sub.add_parser("sweep", help="run a scenario over ranges of values and seeds (resumable)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="KEY=START..STOP:STEP (e.g. platforms.0.altitude=5km..25km:5km), "
                        "KEY=a,b,c, or a fixed KEY=VALUE; repeat for a cartesian product")
    p.add_argument("--seeds", type=int, metavar="N",
                   help="Monte Carlo: run every point with seeds S..S+N-1 (S the file's seed)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for results.jsonl, the charts and the report")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on this Dask distributed scheduler (tcp://HOST:PORT) instead")
    p.add_argument("--resume", action="store_true", help="run only the runs missing in DIR")
    p.add_argument("--report", action="store_true", help="also write DIR/report.html")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=sweep_command)

    p = sub.add_parser("report", help="write a self-contained HTML report of one scenario, "
                                      "or of two side by side")
    p.add_argument("files", nargs="+", metavar="FILE", help="one scenario, or two to compare")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for report.html")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a value of every scenario, as in run")
    p.set_defaults(func=report_command)


def _bad(option: str, value, rule: str, fix: str) -> ScenarioError:
    return ScenarioError(Problem(option, 0, 0, "", repr(value), rule, fix))


class _Bar:
    """tqdm progress bar over runs (with its ETA), on stderr."""

    def __init__(self, enabled: bool):
        self.enabled, self.bar = enabled, None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm
            tqdm.monitor_interval = 0          # no monitor thread: worker processes fork
            self.bar = tqdm(total=total, initial=done, unit="run", desc="sweep", file=sys.stderr)
        else:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def sweep_command(args) -> int:
    from sim.sweep import executors
    from sim.sweep.runs import run_sweep
    from sim.sweep.spec import build_sweep
    from sim.sweep.summary import format_summary, write_charts

    if args.workers is not None and args.workers < 1:
        raise _bad("--workers", args.workers, "must be at least 1", "write e.g. --workers 2")
    if args.workers is not None and args.scheduler:
        raise _bad("--workers", args.workers, "the Dask cluster decides its workers",
                   "give --workers or --scheduler, not both")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise _bad("--out", args.out, "this is a file", "give a folder")
    spec, runs = build_sweep(args.file, args.set or [], args.seeds)
    execute = (executors.dask(args.scheduler) if args.scheduler
               else executors.local(args.workers or os.cpu_count() or 1))
    bar = _Bar(not args.quiet)
    try:
        records = run_sweep(spec, runs, args.out, execute, resume=args.resume, progress=bar)
    finally:
        bar.close()
    charts = write_charts(spec, records, args.out)
    print(format_summary(spec.axes, records))
    print(f"{len(records)} run(s) in {os.path.join(args.out, 'results.jsonl')}")
    for path in charts:
        print(f"chart: {path}")
    if args.report:
        from sim.sweep.report import write_sweep_report
        print(f"report: {write_sweep_report(spec, records, charts, args.out)}")
    return 0


def report_command(args) -> int:
    from sim.output.html import write_report
    if len(args.files) > 2:
        raise _bad("FILE", args.files[2], "a report takes one scenario or two to compare",
                   "give one or two files")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise _bad("--out", args.out, "this is a file", "give a folder")
    print(f"report: {write_report(args.files, args.out, overrides=args.set or ())}")
    return 0
