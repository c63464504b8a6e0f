"""`isr-sim check` and `isr-sim run` reject the same files with the same located messages.

Every bad scenario of tests/scenarios/bad/ goes through both commands (in process). A file
that `check` passes but `run` refuses (or crashes on) is a defect: everything knowable
without computing coverage (ranges along the real border, files that must exist, transit
within endurance) belongs to `check`.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.main import main

BAD_DIR = Path(__file__).parent / "scenarios" / "bad"
BAD_FILES = sorted(p.name for p in BAD_DIR.glob("*.yaml"))


def _status_and_stderr(argv, capsys) -> tuple[int, str]:
    capsys.readouterr()
    status = main(argv)
    return status, capsys.readouterr().err


@pytest.mark.parametrize("name", BAD_FILES)
def test_check_and_run_reject_the_same_bad_file_with_the_same_message(name, monkeypatch, capsys):
    monkeypatch.chdir(BAD_DIR)
    check_status, check_err = _status_and_stderr(["check", name], capsys)
    run_status, run_err = _status_and_stderr(["run", "--quiet", name], capsys)
    assert (check_status, run_status) == (2, 2), (check_err, run_err)
    assert "internal error" not in run_err
    assert run_err == check_err
