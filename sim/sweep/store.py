"""The sweep's results file, DIR/results.jsonl: one JSON object per finished run, per line.

A run is written the moment it finishes, as one os.write of one whole line on a file opened
with O_APPEND, then fsync'd, so a sweep killed at any moment loses no finished run. A kill
during that write can leave only the last line torn (no newline yet): opening the store
cuts it off (the run is simply missing and runs again on --resume). Only the sweep's own
process writes (workers return their records), so lines never interleave.

DIR/sweep.json records what the sweep is (file, overrides, axes, seeds), so that --resume
refuses to mix the runs of another sweep into the file.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from sim.errors import Problem, ScenarioError

RESULTS = "results.jsonl"
MANIFEST = "sweep.json"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_records(path) -> list[dict]:
    """Every complete record of a results file (a torn last line is left out)."""
    records = []
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return records
    end = raw.rfind(b"\n") + 1
    for line in raw[:end].splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records


class ResultStore:
    """Open (and repair) DIR/results.jsonl for appending; `done` holds the ids on file."""

    def __init__(self, folder, describe: dict, resume: bool):
        self.folder = Path(folder)
        self.path = self.folder / RESULTS
        self._check_folder(describe, resume)
        self._repair()
        self.done = {r["id"] for r in read_records(self.path)}
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        _fsync_dir(self.folder)

    def _check_folder(self, describe: dict, resume: bool) -> None:
        def refuse(rule, fix):
            raise ScenarioError(Problem("--out", 0, 0, "", repr(str(self.folder)), rule, fix))
        if self.folder.exists() and not self.folder.is_dir():
            refuse("this is a file", "give a folder for the sweep's results")
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = self.folder / MANIFEST
        has_results = self.path.exists() and self.path.stat().st_size > 0
        if manifest.exists() and resume:
            if json.loads(manifest.read_text()) != describe:
                refuse("the folder holds another sweep (other file, --set or --seeds)",
                       "resume with the same arguments, or use another --out")
            return
        if has_results and not resume:
            refuse("the folder already holds a sweep's results",
                   "add --resume to run only what is missing, or use another --out")
        from sim.output.files import atomic_file
        with atomic_file(manifest) as f:
            f.write(json.dumps(describe, indent=2) + "\n")

    def _repair(self) -> None:
        """Cut a torn last line (a kill during its write), so that appends start clean."""
        if not self.path.exists():
            return
        with open(self.path, "r+b") as f:
            raw = f.read()
            end = raw.rfind(b"\n") + 1
            if end != len(raw):
                f.truncate(end)
                f.flush()
                os.fsync(f.fileno())

    def append(self, record: dict) -> None:
        """Write one record as one line, durably (see the module docstring)."""
        line = (json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n").encode()
        view = memoryview(line)
        while view:                    # a regular file takes it whole; loop to be exact
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self.done.add(record["id"])

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
