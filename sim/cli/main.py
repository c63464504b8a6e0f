"""The isr-sim command line: argparse front end over the sim package.

Each subcommand is a small function that loads, calls the core, and formats. Errors a user
can cause (ScenarioError) print their located messages on stderr and exit 2; anything else
is an internal error: one line on stderr, the traceback in a log file, exit 1.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import traceback

from sim.version import __version__
from sim.errors import ScenarioError
from sim.cli.limits import max_memory_bytes


def _cmd_check(args) -> int:
    from sim.engine import budget
    from sim.scenario.load import load_scenario
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path, overrides=args.set or ())
            budget.check(scenario, limit_bytes=max_memory_bytes(args))
        except ScenarioError as error:
            print(error, file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: ok: {scenario.name!r}, {len(scenario.platforms)} platform(s), "
              f"{scenario.time.duration_s / 3600.0:g} h")
        for warning in scenario.warnings:
            print(warning, file=sys.stderr)
    return 2 if failed else 0


def _cmd_classes(args) -> int:
    from sim.scenario.catalog import load_catalog, catalog_as_dict, format_catalog
    catalog = load_catalog()
    if args.json:
        print(json.dumps(catalog_as_dict(catalog), indent=2))
    else:
        print(format_catalog(catalog))
    return 0


def _cmd_run(args) -> int:
    from sim.cli.run import run_command
    return run_command(args)


def _cmd_bench(args) -> int:
    from sim.bench.main import bench_command
    return bench_command(args)


class _VersionAction(argparse.Action):
    """--version: the version and which loops are in use (sim/loops.py), then exit.
    Imports the loops only when asked, so that building the parser stays light."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from sim import loops
        print(f"isr-sim {__version__} ({loops.describe()})")
        parser.exit()


# Commands that never run the engine's loops: no notice about which loops are in use.
_NO_LOOPS = ("check", "classes")


def _loops_notice(command: str) -> None:
    """One line on stderr per run when the numpy versions of the loops are in use (after
    the output of a run that succeeded: a located error stays alone on stderr)."""
    if command in _NO_LOOPS:
        return
    from sim import loops
    if loops.BACKEND != loops.COMPILED:
        print(f"isr-sim: note: {loops.describe()}; same results, slower (README: Install)",
              file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isr-sim",
        description="Educational simulator of ISR sensor coverage along a border.")
    parser.add_argument("--version", action=_VersionAction,
                        help="show the version and which loops run (compiled or numpy), and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate scenario files (exit 0 ok, 2 invalid)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario value by dotted path, e.g. time.duration=2h")
    p.add_argument("--max-memory", metavar="SIZE",
                   help="refuse runs estimated to need more memory than this (default 4GiB)")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("classes", help="list the generic platform classes and their sensors")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_classes)

    p = sub.add_parser("run", help="compute coverage of a scenario and print the figures")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the JSON result instead of tables")
    p.add_argument("--csv", metavar="FILE", help="write one row per cell")
    p.add_argument("--png", metavar="FILE",
                   help="write a map of a figure of merit; the format follows the name's "
                        "suffix: .png, .svg or .pdf")
    p.add_argument("--map-key", default="time_covered_frac", metavar="KEY",
                   help="figure of merit drawn by --png (default time_covered_frac)")
    p.add_argument("--engine", choices=("exact", "stepped"), default="exact")
    p.add_argument("--step", metavar="DURATION", help="stepped engine time step (default time.step)")
    p.add_argument("--timeline", action="store_true",
                   help="add covered-area fraction at every time.step and per day to the JSON")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario value by dotted path, e.g. platforms.0.altitude=15km")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--max-memory", metavar="SIZE",
                   help="refuse runs estimated to need more memory than this (default 4GiB)")
    p.add_argument("--max-work", metavar="N",
                   help="refuse stepped runs of more than N (sample, cell, sensor) evaluations "
                        "(default 3e10, about 50 minutes)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("bench", help="benchmark the exact engine against the stepped engine")
    p.add_argument("--json", action="store_true")
    p.add_argument("--cases", nargs="*", metavar="NAME", help="only these benchmark cases")
    p.add_argument("--quick", action="store_true",
                   help="skip the stepped runs of the week and 1 km cases (minutes each)")
    p.set_defaults(func=_cmd_bench)

    from sim.cli.exercise import add_parser as add_exercise_parser
    add_exercise_parser(sub)
    from sim.cli.view import add_view_parser     # the window: its own module (sim/view)
    add_view_parser(sub)

    from sim.cli.sweep import add_commands      # sweep, report
    add_commands(sub)
    return parser


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread like KeyboardInterrupt for SIGINT, so
    that the atomic writers remove their temporary files on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise _Terminated(signum)


def _catch_signals() -> dict:
    """Handle SIGTERM and SIGHUP (where they exist) like SIGINT; returns the old handlers."""
    old = {}
    if threading.current_thread() is not threading.main_thread():
        return old             # only the main thread may set handlers
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            old[number] = signal.signal(number, _raise_terminated)
    return old


def main(argv: list[str] | None = None) -> int:
    from sim.cli.set_values import QUOTE_HINT, join_set_values
    parser = build_parser()
    argv = join_set_values(list(sys.argv[1:] if argv is None else argv))
    args, extra = parser.parse_known_args(argv)
    if extra:
        hint = f"; {QUOTE_HINT}" if any(a == "--set" or a.startswith("--set=") for a in argv) else ""
        parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    old_handlers = _catch_signals()
    try:
        code = int(args.func(args) or 0)
        if code == 0:
            _loops_notice(args.command)
        return code
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("isr-sim: interrupted (SIGINT)", file=sys.stderr)
        return 128 + signal.SIGINT
    except _Terminated as stop:
        print(f"isr-sim: interrupted ({signal.Signals(stop.signum).name})", file=sys.stderr)
        return 128 + stop.signum
    except BrokenPipeError:
        return 0
    except Exception as error:  # an internal error: a bug, never the user's fault
        fd, log_path = tempfile.mkstemp(prefix="isr-sim-crash-", suffix=".log")
        with os.fdopen(fd, "w") as log:
            traceback.print_exc(file=log)
        print(f"isr-sim: internal error ({type(error).__name__}: {error}). This is a bug; "
              f"the details are in {log_path}. Please report it with that file.", file=sys.stderr)
        return 1
    finally:
        for number, handler in old_handlers.items():
            signal.signal(number, handler)


if __name__ == "__main__":
    sys.exit(main())
