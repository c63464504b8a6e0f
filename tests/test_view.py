"""The window (sim/view): layers at time t against the engine over [0, t], footprints against
the sensor geometry, the headless command and its stats. Headless: conftest.py sets the dummy
SDL drivers before pygame is imported."""
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.engine.coverage import CoverageState, union_intervals
from sim.engine.intervals import Intervals
from sim.engine.runner import Engine, run
from sim.scenario.load import load_scenario

HERE = Path(__file__).resolve().parent
SMALL = HERE / "scenarios" / "view" / "small-two.yaml"


@pytest.fixture(scope="module")
def small():
    scenario = load_scenario(SMALL)
    engine = Engine(scenario)
    union = union_intervals([iv for _, _, iv in engine.all_full_intervals()])
    return scenario, engine, union


def truncated(scenario, t_s):
    return replace(scenario, time=replace(scenario.time, duration_s=t_s))


@pytest.mark.parametrize("t_s", [900.0, 4000.0, 10_800.0])
def test_layers_at_t_equal_the_engine_run_over_zero_to_t(small, t_s):
    """Every layer at t from the incremental state equals the figures of the exact engine
    run on the same scenario cut to duration t (its own lap compression and sums), and the
    age equals the engine's instant query (CoverageState.age_at)."""
    from sim.view.layers import IncrementalLayers
    scenario, engine, union = small
    layers = IncrementalLayers(union, engine.n_cells)
    layers.seek(10_800.0)                 # forward past t, then back: exercises the rebuild
    layers.seek(t_s)
    cells = run(truncated(scenario, t_s)).cells
    seen = cells["ever_covered_frac"] > 0
    assert seen.any() and not seen.all()
    np.testing.assert_array_equal(layers.ever(), seen)
    np.testing.assert_allclose(layers.time_covered_s() / t_s, cells["time_covered_frac"],
                               atol=1e-9)
    np.testing.assert_array_equal(layers.accesses(), cells["accesses"])
    np.testing.assert_allclose(layers.max_revisit_s(), cells["max_revisit_s"], atol=1e-6)
    age = CoverageState.from_union(union, engine.n_cells).age_at(t_s)
    np.testing.assert_allclose(layers.age_s()[seen], age[seen], atol=1e-9)
    assert np.isnan(layers.age_s()[~seen]).all()


def test_layers_advanced_in_small_steps_equal_one_jump(small):
    """Frame by frame (many small forward steps) gives the same state as one seek."""
    from sim.view.layers import IncrementalLayers
    _, engine, union = small
    stepped = IncrementalLayers(union, engine.n_cells)
    for t in np.arange(0.0, 6000.0, 17.0):
        stepped.seek(float(t))
    jumped = IncrementalLayers(union, engine.n_cells)
    jumped.seek(stepped.t_s)
    np.testing.assert_array_equal(stepped.cur, jumped.cur)
    np.testing.assert_array_equal(stepped.age_s(), jumped.age_s())


def test_covered_now_matches_intervals(small):
    from sim.view.layers import IncrementalLayers
    _, engine, union = small
    layers = IncrementalLayers(union, engine.n_cells)
    t = 5000.0
    layers.seek(t)
    inside = (union.start_s <= t) & (union.end_s > t)
    expected = np.zeros(engine.n_cells, dtype=bool)
    expected[union.cell[inside]] = True
    np.testing.assert_array_equal(layers.covered_now(), expected)


def test_rows_of_the_union_in_one_pass_equal_rows_of_the_merged_union(small):
    """_Rows.union_of merges the sources as it goes (compiled); the same rows as the union
    merged by sort (union_intervals) with ranks, covered time before and longest gap
    computed over it in numpy (_Rows.of)."""
    from sim.view.layers import _Rows
    _, engine, union = small
    sources = [iv for _, _, iv in engine.all_full_intervals()]
    got, want = _Rows.union_of(sources), _Rows.of(union)
    assert want.cell.size > 100 and len(sources) > 2
    for name in ("cell", "start_s", "end_s", "rank"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    for name in ("covered_before_s", "gap_max_s"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=0, atol=1e-6)
    shuffled = sources[0].take(np.random.default_rng(1).permutation(sources[0].size))
    again = _Rows.union_of([shuffled] + sources[1:])          # an unsorted source is sorted
    np.testing.assert_array_equal(again.end_s, want.end_s)


def test_horizon_disc_footprint_has_the_horizon_radius():
    """A horizon sensor sees a disc of the horizon central angle acos(R / (R + h))
    (SMAD eq. 5-16 with elevation 0)."""
    from sim.schema import EarthSpec, SensorSpec
    from sim.platforms.sensors import Sensor
    from sim.view.footprint import footprint_shape
    earth = EarthSpec()
    sensor = Sensor(SensorSpec(name="esm", kind="horizon"), earth)
    h = 15_000.0
    shape = footprint_shape(sensor, h)
    expected = math.acos(earth.radius_m / (earth.radius_m + h))
    np.testing.assert_allclose(shape.hi_rad, expected, rtol=1e-9)
    np.testing.assert_allclose(shape.lo_rad, 0.0, atol=1e-12)


def test_side_looking_footprint_bands_span_near_to_far_range_broadside():
    """A side-looking radar's footprint along the broadside bearings spans its ground near
    and far ranges (central angle = ground range / R); nothing is seen ahead."""
    from sim.schema import EarthSpec, SensorSpec
    from sim.platforms.sensors import Sensor
    from sim.view.footprint import footprint_shape, placed, reference_polygons
    earth = EarthSpec()
    spec = SensorSpec(name="sar", kind="side-looking", near_range_m=20_000.0,
                      far_range_m=160_000.0, max_squint_rad=math.radians(10.0))
    sensor = Sensor(spec, earth)
    shape = footprint_shape(sensor, 18_000.0)
    R = earth.radius_m
    for bearing in (90.0, 270.0):
        k = int(np.argmin(np.abs(np.degrees(shape.az_rad) - bearing)))
        resolution = (160_000.0 - 20_000.0) / R / 32 / 2 ** 12
        assert abs(shape.lo_rad[k] - 20_000.0 / R) < 2 * resolution
        assert abs(shape.hi_rad[k] - 160_000.0 / R) < 2 * resolution
    assert np.isnan(shape.hi_rad[0])                       # straight ahead: nothing
    polygons = reference_polygons(shape)
    assert len(polygons) == 2                              # one band on either side
    # placing keeps every vertex on the sphere and at the same central angle from p
    from sim.world import earth as E
    p = E.unit_vector(31.0, -107.0)
    moved = placed(polygons, p, math.radians(45.0))
    origin = np.array([1.0, 0.0, 0.0])
    for ref, new in zip(polygons, moved):
        np.testing.assert_allclose(np.linalg.norm(new, axis=1), 1.0, atol=1e-12)
        np.testing.assert_allclose(E.central_angle_rad(p, new), E.central_angle_rad(origin, ref),
                                   atol=1e-12)


def test_view_command_headless_prints_stats_and_saves_png(tmp_path, capsys):
    from sim.cli.main import main
    png = tmp_path / "frame.png"
    code = main(["view", str(SMALL), "--frames", "5", "--stats", "--screenshot", str(png),
                 "--size", "640x400"])
    assert code == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert stats["frames"] == 5
    assert stats["frame_ms_median"] > 0 and stats["frame_ms_p95"] >= stats["frame_ms_median"]
    import pygame
    assert pygame.image.load(str(png)).get_size() == (640, 400)


def test_view_command_bad_input_exits_2(tmp_path, capsys):
    from sim.cli.main import main
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntime: {start: 2025-01-01T00:00:00Z, duration: -1 h}\n")
    assert main(["view", str(bad), "--frames", "2"]) == 2
    assert "bad.yaml" in capsys.readouterr().err
    assert main(["view", str(SMALL), "--frames", "0"]) == 2
    assert main(["view", str(SMALL), "--frames", "2", "--size", "big"]) == 2
    assert main(["view", str(SMALL), "--screenshot", str(tmp_path / "x.png")]) == 2
    script = tmp_path / "s.txt"
    script.write_text("0 key space\nten key 4\n")
    assert main(["view", str(SMALL), "--frames", "2", "--script", str(script)]) == 2
    err = capsys.readouterr().err
    assert "s.txt" in err and "2" in err


@pytest.mark.parametrize("edit_room_factor", [0, 100], ids=["in-place", "compacted"])
def test_whatif_layers_equal_a_fresh_engine_on_the_edited_scenario(monkeypatch,
                                                                   edit_room_factor):
    """Two what-if edits (moving the loiter, then the racetrack) update the layers in place
    of the affected cells only; every figure then equals layers built from scratch by a new
    engine on the edited file, at times before and after the edit's instant. With the
    background compaction after each edit (forced here) or without it (never here)."""
    from sim.view import model
    from sim.view.layers import IncrementalLayers
    from sim.view.model import Scene
    monkeypatch.setattr(model, "EDIT_ROOM_FACTOR", edit_room_factor)
    monkeypatch.setattr(model, "ROOM_EDITS", 0)       # room for no edit: compact each time
    edits = ["platforms.1.track.loiter.center={lat: 30.9, lon: -107.3}",
             "platforms.0.track.racetrack.center={lat: 31.1, lon: -108.9}"]
    scene = Scene(load_scenario(SMALL))
    scene.start()
    scene.wait()
    scene.coverage.layers.seek(5000.0)
    for k, index in enumerate((1, 0)):
        scene._whatif(index, load_scenario(SMALL, edits[:k + 1]))
        assert scene.error is None
        assert len(scene.coverage.layers.streams) == (1 if edit_room_factor else k + 2)
    edited = Engine(load_scenario(SMALL, edits))
    fresh = IncrementalLayers(union_intervals([iv for _, _, iv in edited.all_full_intervals()]),
                              edited.n_cells)
    layers = scene.coverage.layers
    for t in (5000.0, 7000.0, 300.0, 10_800.0):
        layers.seek(t)
        fresh.seek(t)
        np.testing.assert_array_equal(layers.accesses(), fresh.accesses())
        np.testing.assert_array_equal(layers.covered_now(), fresh.covered_now())
        np.testing.assert_allclose(layers.time_covered_s(), fresh.time_covered_s(), atol=1e-6)
        np.testing.assert_allclose(layers.age_s(), fresh.age_s(), atol=1e-9)
        np.testing.assert_allclose(layers.max_revisit_s(), fresh.max_revisit_s(), atol=1e-9)
    c = int(np.argmax(fresh.accesses()))
    for a, b in zip(layers.accesses_of(c), fresh.accesses_of(c)):
        np.testing.assert_array_equal(a, b)


def test_no_screen_is_a_clear_error_not_a_crash(tmp_path):
    """Without a usable video driver the window says so (exit 2) and suggests --frames."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, SDL_VIDEODRIVER="no-such-driver")
    env.pop("DISPLAY", None)
    out = subprocess.run([sys.executable, "-m", "sim", "view", str(SMALL)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "cannot open a window" in out.stderr and "--frames" in out.stderr
    assert "internal error" not in out.stderr


def _random_union(rng, n_cells: int, n: int):
    """A merged union of n random intervals over n_cells cells (sorted, disjoint per cell)."""
    cell = rng.integers(0, n_cells, n)
    start = rng.uniform(0.0, 10_000.0, n)
    iv = Intervals(cell, start, start + rng.uniform(1.0, 400.0, n), np.ones(n))
    return union_intervals([iv])


def test_compacted_layers_equal_fresh_layers_after_edits_and_growth():
    """Edits replacing random cells' intervals (the first ones run out of spare room and
    grow the buffers): the layers with the edits' streams unsorted, sorted, and compacted
    (each made at the last edit's time) give every figure and each cell's timeline equal
    to layers built from scratch on the resulting union, forwards and back."""
    from sim.view.layers import IncrementalLayers, UnionOnCells
    rng = np.random.default_rng(7)
    m = 300
    union = _random_union(rng, m, 3000)
    layers = IncrementalLayers(union, m)
    truth = union
    capacity = layers.n_intervals + layers.spare_rows
    for edit in range(4):
        layers.seek(1500.0 * (edit + 1))
        affected = np.zeros(m, dtype=bool)
        affected[rng.choice(m, 60, replace=False)] = True
        sub = _random_union(rng, m, 20_000 if edit < 2 else 300)
        sub = sub.take(affected[sub.cell])
        # as the window passes them (written straight into the spare room, or, when that
        # is too small, grown), or as intervals
        layers = layers.replaced(affected, UnionOnCells([sub], np.flatnonzero(affected))
                                 if edit % 2 == 0 else sub)
        truth = union_intervals([truth.take(~affected[truth.cell]), sub])
    assert layers.n_intervals + layers.spare_rows > capacity                # it grew
    assert len(layers.streams) == 5 and layers.n_intervals > truth.size   # dead rows kept
    sorted_streams = layers.with_sorted_streams()   # the edits' streams were left unsorted
    assert sorted_streams is not layers and sorted_streams.with_sorted_streams() is sorted_streams
    compact = layers.compacted()
    assert len(compact.streams) == 1 and compact.n_intervals == truth.size
    assert compact.spare_rows >= truth.size // 2
    for version in (layers, sorted_streams, compact):
        fresh = IncrementalLayers(truth, m)
        for t in (version.t_s, 9000.0, 200.0, 10_400.0):
            version.seek(t)
            fresh.seek(t)
            np.testing.assert_array_equal(version.accesses(), fresh.accesses())
            np.testing.assert_array_equal(version.covered_now(), fresh.covered_now())
            np.testing.assert_allclose(version.time_covered_s(), fresh.time_covered_s(),
                                       atol=1e-9)
            np.testing.assert_array_equal(version.age_s(), fresh.age_s())
            np.testing.assert_array_equal(version.max_revisit_s(), fresh.max_revisit_s())
        for c in range(m):
            for a, b in zip(version.accesses_of(c), fresh.accesses_of(c)):
                np.testing.assert_array_equal(a, b)
