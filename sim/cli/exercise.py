"""`isr-sim exercise`: list, show, start, check (and view) the graded teaching exercises.

Front-end code: it prints. Exit codes of `check`: 0 every file passed, 1 some file has not
passed yet, 2 some file is not a valid scenario (its located errors as `isr-sim check`).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sim.errors import Problem, ScenarioError


def add_parser(sub) -> None:
    """Register `exercise` and its subcommands on the top-level subparsers."""
    p = sub.add_parser("exercise", help="graded teaching exercises: list, show, start, check")
    esub = p.add_subparsers(dest="exercise_command", required=True, metavar="ACTION")
    q = esub.add_parser("list", help="the course, in order")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=_list)
    q = esub.add_parser("show", help="print an exercise's task")
    q.add_argument("id", metavar="ID", help="an exercise number or id")
    q.set_defaults(func=_show)
    q = esub.add_parser("start", help="copy an exercise's starting scenario and task into DIR")
    q.add_argument("id", metavar="ID")
    q.add_argument("dir", metavar="DIR")
    q.set_defaults(func=_start)
    q = esub.add_parser("check", help="grade scenario files (exit 0 passed, 1 not yet, 2 invalid)")
    q.add_argument("id", metavar="ID")
    q.add_argument("files", nargs="+", metavar="FILE")
    q.add_argument("--json", action="store_true", help="one JSON line per file")
    q.set_defaults(func=_check)
    q = esub.add_parser("view", help="open a scenario in the window with the exercise's goal "
                                     "and live figure in the panel")
    q.add_argument("id", metavar="ID")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--frames", type=int, metavar="N",
                   help="run N frames without a screen, print the goal's lines and exit")
    q.add_argument("--screenshot", metavar="PNG", help="with --frames: save the last frame")
    q.set_defaults(func=_view)


def _list(args) -> int:
    from sim.exercises import list_exercises
    course = list_exercises()
    if args.json:
        print(json.dumps([{"id": e.id, "number": e.number, "title": e.title,
                           "minutes": e.minutes, "learning_goal": e.learning_goal,
                           "asked": [t.asked() for t in e.targets]} for e in course], indent=2))
        return 0
    for e in course:
        print(f"{e.id:24s} {e.minutes:3d} min  {e.title}")
        print(f"{'':24s}          asked: {e.targets[0].asked()}")
    return 0


def _show(args) -> int:
    from sim.exercises import load_exercise
    exercise = load_exercise(args.id)
    print(exercise.readme_path.read_text(encoding="utf-8").rstrip())
    print(f"\nStart with: isr-sim exercise start {exercise.id} DIR")
    return 0


def _start(args) -> int:
    from sim.exercises import load_exercise
    exercise = load_exercise(args.id)
    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        raise ScenarioError(Problem("exercise start", 0, 0, "", repr(args.dir),
                                    "not a folder", "give a folder (it is created if missing)"))
    copies = [(exercise.start_path, target / f"{exercise.id}.yaml"),
              (exercise.readme_path, target / f"{exercise.id}.md")]
    existing = [str(dst) for _, dst in copies if dst.exists()]
    if existing:
        raise ScenarioError(Problem("exercise start", 0, 0, "", ", ".join(existing),
                                    "already exists; nothing was copied",
                                    "choose another folder or move your file away"))
    try:
        target.mkdir(parents=True, exist_ok=True)
        for src, dst in copies:
            _copy_new(src, dst)
    except OSError as error:
        raise ScenarioError(Problem("exercise start", 0, 0, "", repr(args.dir),
                                    f"cannot write there ({error.strerror})",
                                    "choose a folder you can write to"))
    print(f"copied the task to {copies[1][1]} and the starting scenario to {copies[0][1]}")
    print(f"edit it, then: isr-sim exercise check {exercise.id} {copies[0][1]}")
    return 0


def _copy_new(src: Path, dst: Path) -> None:
    """Copy atomically and never over an existing file (os.link fails if dst exists)."""
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".isr-sim-")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.link(tmp, dst)
    except FileExistsError:
        raise ScenarioError(Problem("exercise start", 0, 0, "", repr(str(dst)),
                                    "already exists; not overwritten", "choose another folder"))
    finally:
        os.unlink(tmp)


def _check(args) -> int:
    from sim.exercises import load_exercise
    from sim.exercises.grader import check_files
    exercise = load_exercise(args.id)
    status = 0
    if not args.json:
        print(f"Exercise {exercise.number}: {exercise.title}")
    for path, grade, error in check_files(exercise, args.files):
        if error is not None:
            status = 2
            if args.json:
                print(json.dumps({"file": path, "exercise": exercise.id, "passed": False,
                                  "figure": None, "feedback": [str(p) for p in error.problems],
                                  "invalid": True}))
            else:
                print(error, file=sys.stderr)
            continue
        if not grade.passed:
            status = max(status, 1)
        if args.json:
            print(json.dumps(grade.to_dict(path)))
        else:
            if len(args.files) > 1:
                print(f"{path}:")
            for line in grade.lines:
                print(f"  {line}")
    return status


def _view(args) -> int:
    """The window with the exercise as its goal; headless with --frames (exit as check)."""
    from sim.exercises import ExerciseGoal, load_exercise
    from sim.scenario.load import load_scenario
    exercise = load_exercise(args.id)
    load_scenario(args.file)                        # a bad file: located error, exit 2
    goal = ExerciseGoal(exercise)
    if args.frames is None:
        if args.screenshot:
            raise ScenarioError(Problem("--screenshot", 0, 0, "", "", "needs --frames",
                                        "add e.g. --frames 60"))
        from sim.view import open_window
        return open_window(args.file, goal=goal)
    if args.frames < 1:
        raise ScenarioError(Problem("--frames", 0, 0, "", str(args.frames), "must be >= 1",
                                    "write e.g. --frames 60"))
    if args.screenshot:
        from sim.output import files as outfiles
        outfiles.check_outputs([(args.screenshot, "--screenshot")], inputs=[args.file])
    from sim.view import run_headless
    stats = run_headless(args.file, args.frames, screenshot=args.screenshot, goal=goal)
    if "error" in stats:
        print(stats["error"], file=sys.stderr)
    print(goal.title)
    for line in stats.get("goal_lines", []):
        print(f"  {line}")
    print("  PASSED" if stats.get("goal_passed") else "  NOT YET")
    return 0 if stats.get("goal_passed") else 1
