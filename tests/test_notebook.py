"""The notebook API (sim.run with overrides, Result.cell_table/to_csv/plot) and the README's
notebook example, executed as written."""
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.errors import ScenarioError
from sim.engine.runner import run as core_run
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
RACETRACK = ROOT / "scenarios" / "examples" / "one-recon-racetrack.yaml"


@pytest.fixture(scope="module")
def result():
    return sim.run(str(RACETRACK), **{"platforms.0.altitude": "15 km", "time.duration": "2 h"})


def test_keyword_overrides_are_the_command_lines_set(result):
    core = core_run(load_scenario(RACETRACK, ["platforms.0.altitude=15 km", "time.duration=2h"]))
    assert result.summary == core.summary
    assert result.scenario.platforms[0].altitude_m == 15_000.0
    assert result.scenario.time.duration_s == 7200.0


def test_non_string_overrides_become_yaml_values():
    scenario = sim.notebook.load(RACETRACK, **{"platforms.0.phase": 0.25, "seed": 9})
    assert scenario.platforms[0].phase == 0.25 and scenario.seed == 9


def test_a_bad_override_is_a_located_scenario_error():
    with pytest.raises(ScenarioError, match=r"--set: platforms.0.altitud: unknown key"):
        sim.run(str(RACETRACK), **{"platforms.0.altitud": "15 km"})


def test_a_scenario_object_runs_but_takes_no_overrides(result):
    assert sim.run(result.scenario).summary == result.summary
    with pytest.raises(ValueError, match="overrides apply to a scenario file"):
        sim.run(result.scenario, seed=3)


def test_repr_names_scenario_engine_cells_and_headline_figures(result):
    text = repr(result)
    assert text.startswith("<Result 'One high-altitude recon aircraft on a racetrack': exact engine")
    assert f"{result.grid.u.shape[0]:,} cells" in text
    assert "ever covered" in text and "mean revisit" in text and "wall" in text


def test_cell_table_holds_the_grid_and_every_per_cell_figure(result, tmp_path):
    table = result.cell_table()
    assert len(table) == result.grid.u.shape[0]
    assert list(table.columns)[:5] == ["lat", "lon", "depth_km", "along_km", "area_km2"]
    assert set(result.cells) <= set(table.columns)
    np.testing.assert_array_equal(table["depth_km"], result.grid.depth_m / 1000.0)
    np.testing.assert_array_equal(table["max_revisit_s"], result.cells["max_revisit_s"])
    # the same numbers as the CSV file (written by the command line's writer)
    result.to_csv(tmp_path / "cells.csv")
    csv = np.genfromtxt(tmp_path / "cells.csv", delimiter=",", names=True)
    assert list(csv.dtype.names) == list(table.columns)
    np.testing.assert_allclose(csv["time_covered_frac"], table["time_covered_frac"], rtol=1e-9)
    first = next(iter(table))
    assert first["lat"] == table["lat"][0]


def test_to_pandas_builds_a_dataframe_from_the_columns(result, monkeypatch):
    made = {}
    fake = types.ModuleType("pandas")
    fake.DataFrame = lambda columns: made.setdefault("columns", columns)
    monkeypatch.setitem(sys.modules, "pandas", fake)
    table = result.cell_table()
    assert table.to_pandas() is table.columns
    monkeypatch.setitem(sys.modules, "pandas", None)        # not installed
    with pytest.raises(ImportError, match="pip install pandas"):
        table.to_pandas()


def test_plot_draws_the_map_on_a_given_axes(result):
    from matplotlib.figure import Figure
    ax = Figure().add_subplot(1, 1, 1)
    assert result.plot("ever_covered_frac", ax=ax) is ax
    image = ax.get_images()[-1]
    assert np.nanmax(image.get_array()) == pytest.approx(100.0 * result.cells["ever_covered_frac"].max())
    with pytest.raises(KeyError, match="no per-cell figure"):
        result.plot("nonsense", ax=ax)


def test_readme_notebook_example_runs(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## In a notebook"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert isinstance(namespace["result"], sim.Result)
    assert (tmp_path / "cells.csv").stat().st_size > 0
    assert "from_km" in capsys.readouterr().out
