"""The map a teacher reads (sim/output/map_figure.py): country names, graticule, one colour and
one legend entry per platform, the territorial-sea limit, airspace violations, depth-band
lines, a colour scale fitted to the figure, never-seen cells grey and labelled, and the
output format from the file name. Real runs at 20 km cells (fast)."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from sim.output import map_figure
from sim.cli.main import main
from sim.output.map_geometry import grid_projector
from sim.paths import SCENARIOS_DIR
from sim.engine.runner import run
from sim.scenario.load import load_scenario

CORNER_CUT = SCENARIOS_DIR / "seeds" / "baja-maritime-patrol-corner-cut.yaml"
DRONES = SCENARIOS_DIR / "examples" / "two-drones-phased.yaml"
COARSE = ("grid.cell=20km",)


@pytest.fixture(scope="module")
def corner_cut():
    return run(load_scenario(CORNER_CUT, overrides=COARSE))


@pytest.fixture(scope="module")
def corner_fig(corner_cut):
    return map_figure.build_map_figure(corner_cut, "time_covered_frac")


@pytest.fixture(scope="module")
def drones():
    return run(load_scenario(DRONES, overrides=COARSE))


def texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def legend_labels(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_country_names_on_each_side(corner_cut, corner_fig):
    fig = corner_fig
    names = {t.get_text(): t.get_position() for t in fig.axes[0].texts
             if t.get_gid() == "country-name"}
    assert set(names) == {"UNITED STATES", "MEXICO"}
    # each name stands in its own country: back-projected with the grid's map, the
    # geography puts it on US land (code 0: own side) and Mexican land (code 2)
    from sim.world.earth import unit_vector
    from sim.world.grid import laea_inverse
    grid = corner_cut.grid
    for name, code in (("UNITED STATES", 0), ("MEXICO", 2)):
        x, y = names[name]
        lat, lon = laea_inverse(x * 1000.0, y * 1000.0, grid.center_lat_deg,
                                grid.center_lon_deg, grid.radius_m)
        assert corner_cut.geography.airspace(unit_vector(lat, lon))[0] == code, name


def test_graticule_is_labelled_in_degrees(corner_fig):
    labels = texts(corner_fig)
    # Baja California spans about 23-32 N and 110-117 W: round parallels and meridians
    assert any(t.endswith("°N") for t in labels) and any(t.endswith("°W") for t in labels)
    assert "30°N" in labels or "25°N" in labels


def test_each_platform_has_its_own_colour_and_legend_entry():
    classes = run(load_scenario(SCENARIOS_DIR / "examples" / "class-comparison.yaml",
                                overrides=COARSE))
    names = [p.name for p in classes.scenario.platforms]
    assert len(names) >= 3
    fig = map_figure.build_map_figure(classes)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "track-aircraft"]
    assert len(lines) == len(names)
    assert len({to_rgba(ln.get_color()) for ln in lines}) == len(names)
    assert set(names) <= set(legend_labels(fig))


def test_platforms_on_one_track_share_a_colour_and_an_entry(drones):
    # two drones phased on one racetrack: their lines coincide, so one colour, one entry
    fig = map_figure.build_map_figure(drones)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "track-aircraft"]
    assert len(lines) == 2 and to_rgba(lines[0].get_color()) == to_rgba(lines[1].get_color())
    assert "Drone-A, Drone-B (same track)" in legend_labels(fig)


def test_territorial_sea_violation_bands_and_never_seen(corner_cut, corner_fig):
    fig = corner_fig
    labels = legend_labels(fig)
    assert any(t.startswith("territorial-sea limit (12 nmi)") for t in labels)
    assert any(t.startswith("depth bands") for t in labels)
    never_km2 = corner_cut.summary["never_seen_km2"]
    assert f"never seen ({never_km2:,.0f} km2)" in labels
    # the corner cut's violation: a marker at its deepest point, where the run says
    violations = corner_cut.platforms[0]["airspace_violations"]
    assert violations
    markers = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "airspace-violation"]
    assert markers
    x, y = grid_projector(corner_cut.grid)(np.array([violations[0]["lat"]]),
                                           np.array([violations[0]["lon"]]))
    assert markers[0].get_xdata()[0] == pytest.approx(x[0] / 1000.0)
    assert markers[0].get_ydata()[0] == pytest.approx(y[0] / 1000.0)
    assert any("km inside" in t for t in texts(fig))


def test_colour_scale_is_fitted_and_never_seen_cells_are_not_coloured(corner_cut, corner_fig):
    fig = corner_fig
    image = [im for im in fig.axes[0].images if im.get_zorder() == 2][0]
    top = 100.0 * float(np.nanmax(corner_cut.cells["time_covered_frac"]))
    assert 0 < top < 80.0                                  # a scale to 100 % would waste it
    vmin, vmax = image.get_clim()
    assert vmin == 0.0 and top <= vmax <= 1.25 * top       # a round top just above the data
    # never-seen cells are masked out of the colour scale (drawn grey underneath)
    never = corner_cut.cells["ever_covered_frac"] == 0
    assert never.any()
    from sim.output.map_figure import make_frame
    frame = make_frame(None, corner_cut)               # the raster position of each cell
    masked = np.ma.getmaskarray(image.get_array())[frame.iy, frame.ix]
    assert masked[never].all() and not masked[~never].any()


@pytest.mark.parametrize("suffix,magic", [("png", b"\x89PNG"), ("svg", b"<?xml"),
                                          ("pdf", b"%PDF")])
def test_map_format_follows_the_suffix(tmp_path, drones, suffix, magic):
    path = tmp_path / f"map.{suffix.upper() if suffix == 'pdf' else suffix}"
    map_figure.write_png(drones, path)
    assert path.read_bytes()[:len(magic)] == magic


def test_unknown_map_suffix_is_refused_before_computing(tmp_path, capsys, monkeypatch):
    import sim.engine.runner
    def no_run(*args, **kwargs):
        raise AssertionError("the run was computed before the --png name was checked")
    monkeypatch.setattr(sim.engine.runner, "run", no_run)
    target = tmp_path / "map.jpg"
    rc = main(["run", str(DRONES), "--png", str(target), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "--png" in err and ".png, .svg, .pdf" in err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf"):
        map_figure.write_png(None, target)
