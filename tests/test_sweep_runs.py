"""Running sweeps: the Dask executor gives the local executor's results; a sweep killed
with SIGKILL and resumed holds every run exactly once with no torn line; a torn last line
is repaired; the summary table and charts are written."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.cli.main import main
from sim.sweep import executors
from sim.sweep.runs import run_sweep
from sim.sweep.spec import build_sweep
from sim.sweep.store import RESULTS

ROOT = Path(__file__).resolve().parent.parent
RACETRACK = str(ROOT / "scenarios" / "examples" / "one-recon-racetrack.yaml")
# Small and quick, with clouds so that the seed matters.
SMALL = ["grid.cell=20km", "time.duration=2h", "weather.cloud_fraction=0.3",
         "platforms.0.altitude=10km..20km:10km", "platforms.0.phase=0,0.5"]


def lines(folder):
    return (Path(folder) / RESULTS).read_bytes().split(b"\n")


def test_dask_cluster_gives_the_local_results(tmp_path):
    from distributed import LocalCluster
    spec, runs = build_sweep(RACETRACK, SMALL, 2)
    local = run_sweep(spec, runs, tmp_path / "local", executors.local(1))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        remote = run_sweep(spec, runs, tmp_path / "dask", executors.dask(cluster.scheduler_address))
    assert len(local) == len(runs) == 8
    assert [r["id"] for r in remote] == [r["id"] for r in local]
    for a, b in zip(local, remote):
        assert (a["values"], a["seed"], a["summary"], a["bands"]) == \
               (b["values"], b["seed"], b["summary"], b["bands"])
    # not vacuous: seeds (clouds) and altitude change the figures
    assert len({r["summary"]["time_covered_frac"] for r in local}) == 8


def test_local_processes_give_the_in_process_results(tmp_path):
    spec, runs = build_sweep(RACETRACK, SMALL, None)
    one = run_sweep(spec, runs, tmp_path / "one", executors.local(1))
    two = run_sweep(spec, runs, tmp_path / "two", executors.local(2))
    assert [(r["id"], r["summary"], r["bands"]) for r in one] == \
           [(r["id"], r["summary"], r["bands"]) for r in two]
    assert len({r["pid"] for r in two}) == 2 and one[0]["pid"] == os.getpid()


def test_sigkill_mid_sweep_then_resume_runs_each_missing_run_once(tmp_path):
    out = tmp_path / "out"
    sets = ["platforms.0.altitude=5km..20km:5km", "platforms.0.phase=0,0.25,0.5,0.75"]
    set_args = [a for s in sets for a in ("--set", s)]
    args = [sys.executable, "-m", "sim", "sweep", RACETRACK, "--out", str(out), "--quiet",
            "--workers", "1"] + set_args
    total = 4 * 4
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    results = out / RESULTS
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if results.exists() and results.read_bytes().count(b"\n") >= 3:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    before = [json.loads(line) for line in lines(out)[:-1]]   # complete lines only
    assert 3 <= len(before) < total
    assert main(["sweep", RACETRACK, "--out", str(out), "--quiet", "--resume"] + set_args) == 0
    raw = lines(out)
    assert raw[-1] == b""                                       # ends with a whole line
    after = [json.loads(line) for line in raw[:-1]]
    assert len(after) == total and len({r["id"] for r in after}) == total
    assert [r["id"] for r in after[:len(before)]] == [r["id"] for r in before]
    _, runs = build_sweep(RACETRACK, sets, None)
    assert {r.id for r in runs} == {r["id"] for r in after}


def test_a_torn_last_line_is_cut_and_its_run_done_again(tmp_path):
    spec, runs = build_sweep(RACETRACK, SMALL, None)
    run_sweep(spec, runs[:2], tmp_path, executors.local(1))
    results = tmp_path / RESULTS
    whole = results.read_bytes()
    results.write_bytes(whole + whole.split(b"\n")[0][:40])     # a kill during a write
    records = run_sweep(spec, runs, tmp_path, executors.local(1), resume=True)
    assert [r["id"] for r in records] == [r.id for r in runs]
    parsed = [json.loads(line) for line in results.read_bytes().splitlines()]
    assert len(parsed) == len(runs) == len({r["id"] for r in parsed})


def test_resume_refuses_another_sweep_and_a_rerun_needs_resume(tmp_path, capsys):
    base = ["sweep", RACETRACK, "--out", str(tmp_path), "--quiet", "--workers", "1"]
    sets = [a for s in SMALL for a in ("--set", s)]
    assert main(base + sets) == 0
    out = capsys.readouterr().out
    assert "ever covered" in out and "4 run(s)" in out
    assert main(base + sets) == 2
    assert "already holds a sweep's results; add --resume" in capsys.readouterr().err
    assert main(base + sets[:-2] + ["--set", "platforms.0.phase=0,0.25", "--resume"]) == 2
    assert "holds another sweep" in capsys.readouterr().err
    assert main(base + sets + ["--resume"]) == 0
    assert len(lines(tmp_path)) == 4 + 1


def test_charts_show_every_figure_against_each_swept_parameter(tmp_path, capsys):
    import matplotlib.image
    sets = [a for s in SMALL for a in ("--set", s)]
    assert main(["sweep", RACETRACK, "--out", str(tmp_path), "--quiet", "--workers", "1",
                 "--seeds", "2"] + sets) == 0
    for key in ("platforms.0.altitude", "platforms.0.phase"):
        image = matplotlib.image.imread(tmp_path / f"chart-{key}.png")
        assert image.shape[0] > 300 and image.shape[1] > 600
        assert np.ptp(image[..., :3]) > 0.5                     # drawn, not blank
