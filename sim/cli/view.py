"""`isr-sim view FILE`: the interactive window, or headless frames with --frames."""
from __future__ import annotations

import json
import sys

from sim.errors import Problem, ScenarioError


def add_view_parser(sub) -> None:
    p = sub.add_parser("view", help="open the interactive window on a scenario "
                                    "(--frames N: headless, prints frame-time stats)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--frames", type=int, metavar="N",
                   help="run N frames without a screen (1/60 s each) and exit")
    p.add_argument("--screenshot", metavar="PNG", help="with --frames: save the last frame")
    p.add_argument("--stats", action="store_true",
                   help="with --frames: print one JSON line (frames, frame_ms_median, "
                        "frame_ms_p95, map_ms, layers_s, whatif_ms)")
    p.add_argument("--script", metavar="FILE",
                   help="with --frames: timed actions, one per line 'FRAME ACTION ARGS' "
                        "(key, click, click-at, zoom, pan, drag NAME EAST_KM NORTH_KM, wait, "
                        "screenshot, time)")
    p.add_argument("--layer", type=int, choices=range(1, 7), metavar="1-6",
                   help="start on this layer (default 4, age of data)")
    p.add_argument("--warp", type=float, help="start at this warp (1 to 10000, default 1000)")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="window size")
    p.add_argument("--no-wait", action="store_true",
                   help="with --frames: do not wait for the layers before the frames")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario value by dotted path, as for run")
    p.set_defaults(func=view_command)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w >= 320 and h >= 240:
            return w, h
    except ValueError:
        pass
    raise ScenarioError(Problem("--size", 0, 0, "", repr(text), "expected WIDTHxHEIGHT of at "
                                "least 320x240", "write e.g. --size 1280x800"))


def view_command(args) -> int:
    from sim.output import files as outfiles
    from sim.scenario.load import load_scenario
    size = _size(args.size)
    overrides = args.set or ()
    load_scenario(args.file, overrides)            # a bad file: located error, exit 2
    if args.frames is None:
        if args.screenshot or args.stats or args.script:
            raise ScenarioError(Problem("--frames", 0, 0, "", "", "--screenshot, --stats and "
                                        "--script need --frames", "add e.g. --frames 120"))
        from sim.view import open_window
        return open_window(args.file, size=size, overrides=overrides)
    if args.frames < 1:
        raise ScenarioError(Problem("--frames", 0, 0, "", str(args.frames), "must be >= 1",
                                    "write e.g. --frames 120"))
    if args.screenshot:
        outfiles.check_outputs([(args.screenshot, "--screenshot")], inputs=[args.file])
    if args.script:
        from sim.view.script import read_script
        read_script(args.script)                   # check it before opening anything
    if args.warp is not None and not 1 <= args.warp <= 10000:
        raise ScenarioError(Problem("--warp", 0, 0, "", str(args.warp), "must be from 1 to 10000",
                                    "write e.g. --warp 1000"))
    from sim.view import run_headless
    stats = run_headless(args.file, args.frames, size, args.script, args.screenshot,
                         args.layer, args.warp, not args.no_wait, overrides=overrides)
    if args.stats:
        print(json.dumps(stats))
    elif "error" in stats:
        print(stats["error"], file=sys.stderr)
    return 0
