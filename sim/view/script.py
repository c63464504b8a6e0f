"""Scripted actions for the window (`isr-sim view FILE --script ACTIONS`), for scene tests
and reproducible screenshots. One action per line, `FRAME ACTION ARGS`, run before that
frame is drawn (frame 0 is the first); `#` starts a comment:

    0   key 4                      press a key: 1..6, space, left, right, plus, minus,
                                   h, s, r, t, w, home, escape, q
    10  click 640 400              click at screen pixels (x, y)
    10  click-at 30.1 -105.2       click at a latitude, longitude
    20  zoom 640 400 2             zoom by a factor about a screen point
    20  pan 100 -50                drag the map by pixels
    30  drag Male-1 40 -10         drag a platform's track centre (or first waypoint)
                                   40 km east and 10 km south, then release (what-if)
    40  wait                       wait until the layers are computed (background work)
    50  screenshot out.png         save the window
    60  time 3600                  jump to this simulated time (s)
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.errors import Problem, ScenarioError

KEYS = {"1": "K_1", "2": "K_2", "3": "K_3", "4": "K_4", "5": "K_5", "6": "K_6",
        "space": "K_SPACE", "left": "K_LEFT", "right": "K_RIGHT", "plus": "K_PLUS",
        "minus": "K_MINUS", "h": "K_h", "s": "K_s", "r": "K_r", "t": "K_t", "w": "K_w", "home": "K_HOME",
        "escape": "K_ESCAPE", "q": "K_q"}
ACTIONS = {"key": 1, "click": 2, "click-at": 2, "zoom": 3, "pan": 2, "drag": 3, "wait": 0,
           "screenshot": 1, "time": 1}


@dataclass(frozen=True)
class Action:
    frame: int
    name: str
    args: tuple


def parse_script(text: str, source: str = "<script>") -> list[Action]:
    """Actions sorted by frame; a ScenarioError (file, line, rule, fix) on a bad line."""
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()

        def bad(rule, fix):
            raise ScenarioError(Problem(source, number, 1, "", raw.strip(), rule, fix))
        if len(parts) < 2 or not parts[0].isdigit():
            bad("expected FRAME ACTION [ARGS]", "write e.g. '10 key space'")
        name = parts[1]
        if name not in ACTIONS:
            bad(f"unknown action {name!r}", f"use one of {', '.join(ACTIONS)}")
        args = tuple(parts[2:])
        if len(args) != ACTIONS[name]:
            bad(f"{name} takes {ACTIONS[name]} argument(s), got {len(args)}",
                "see `isr-sim view --help` for the script format")
        if name == "key" and args[0] not in KEYS:
            bad(f"unknown key {args[0]!r}", f"use one of {', '.join(KEYS)}")
        if name in ("click", "click-at", "zoom", "pan", "time", "drag"):
            numeric = args[1:] if name == "drag" else args
            try:
                [float(a) for a in numeric]
            except ValueError:
                bad(f"{name} needs numbers, got {' '.join(numeric)!r}", "write e.g. '10 pan 100 -50'")
        out.append(Action(int(parts[0]), name, args))
    out.sort(key=lambda a: a.frame)
    return out


def read_script(path: str) -> list[Action]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as error:
        raise ScenarioError(Problem(path, 0, 0, "", "", f"cannot read the script ({error.strerror})",
                                    "check the path"))
    return parse_script(text, path)
