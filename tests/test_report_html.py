"""The HTML report (sim/output/html.py) opened in headless Chromium as a reader would:
every section present and rendered, every image decoded, every table filled. Also the
comparison page (difference map and table) and a sweep's page. Chromium is Debian's
`chromium` (.ci/run installs it when it is missing)."""
import base64
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sim.cli.main import main
from sim.output.html import markdown_html, values_on, write_report

ROOT = Path(__file__).resolve().parent.parent
RACETRACK = str(ROOT / "scenarios" / "examples" / "one-recon-racetrack.yaml")
SMALL = ["grid.cell=8km", "time.duration=2h"]
RUN_SECTIONS = ["summary", "map", "profiles", "bands", "platforms", "violations", "warnings",
                "scenario", "figures", "assumptions"]
CHECK = """<script>
window.addEventListener('load', () => {
  const out = {
    images: [...document.images].map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight]),
    sections: [...document.querySelectorAll('section')].map(s => ({
      id: s.id, height: s.getBoundingClientRect().height,
      tables: [...s.querySelectorAll('table')].map(t => t.querySelectorAll('tbody td').length),
      text: s.innerText.length}))};
  const pre = document.createElement('pre');
  pre.id = 'check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def chromium(*args, tmp):
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def rendered(page: Path, tmp: Path) -> dict:
    """What Chromium rendered: the page with the CHECK script, its DOM after load."""
    probe = tmp / "probe.html"
    probe.write_text(page.read_text().replace("</body>", CHECK + "</body>"))
    out = chromium("--virtual-time-budget=10000", "--dump-dom", probe.as_uri(), tmp=tmp)
    match = re.search(r'<pre id="check">(.*?)</pre>', out.stdout, re.S)
    assert match, out.stderr[-2000:]
    return json.loads(html.unescape(match.group(1)))


def assert_rendered(state: dict, sections: list, images: int) -> dict:
    by_id = {s["id"]: s for s in state["sections"]}
    assert list(by_id) == sections
    for s in state["sections"]:
        assert s["height"] > 20 and s["text"] > 0, s
        assert all(n > 0 for n in s["tables"]), s            # every table has cells
    assert len(state["images"]) == images
    for alt, complete, width, height in state["images"]:
        assert complete and width > 200 and height > 100, alt  # decoded, not a broken icon
    return by_id


@pytest.fixture(scope="module")
def one(tmp_path_factory):
    return write_report([RACETRACK], tmp_path_factory.mktemp("one"), overrides=SMALL)


def test_one_run_page_renders_every_section(one, tmp_path):
    # nothing fetched from elsewhere: every src and href is inline data or an anchor
    assert re.findall(r'(?:src|href)="([^"]{0,12})', one.read_text()) != []
    assert all(v.startswith(("data:image/png", "#"))
               for v in re.findall(r'(?:src|href)="([^"]{0,20})', one.read_text()))
    by_id = assert_rendered(rendered(one, tmp_path), RUN_SECTIONS, images=3)
    assert len(by_id["bands"]["tables"]) == 1 and by_id["bands"]["tables"][0] == 4 * 7
    assert by_id["figures"]["text"] > 3000 and by_id["assumptions"]["text"] > 1000
    text = one.read_text()
    assert "--set grid.cell=8km" in text and "One high-altitude recon aircraft" in text
    assert "time_covered_frac" in text                        # the figure definitions' keys
    shot = tmp_path / "shot.png"
    chromium("--window-size=1280,3000", f"--screenshot={shot}", one.as_uri(), tmp=tmp_path)
    import matplotlib.image
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (3000, 1280) and np.ptp(pixels[..., :3]) > 0.5


def test_two_runs_side_by_side_with_difference_map_and_table(tmp_path):
    base = tmp_path / "a.yaml"
    higher = tmp_path / "b.yaml"
    text = Path(RACETRACK).read_text()
    base.write_text(text)
    higher.write_text(text.replace("class: high-altitude-recon",
                                   "class: high-altitude-recon\n    altitude: 10 km"))
    page = write_report([str(base), str(higher)], tmp_path / "out", overrides=SMALL)
    by_id = assert_rendered(rendered(page, tmp_path), RUN_SECTIONS[:2] + ["difference"] + RUN_SECTIONS[2:],
                            images=2 * 2 + 1 + 1)
    assert by_id["summary"]["tables"] and by_id["bands"]["tables"] == [4 * 7, 4 * 7]
    assert "B - A" in page.read_text() and "points" in page.read_text()


def test_values_of_another_grid_are_taken_from_the_nearest_cell():
    import sim
    a = sim.run(RACETRACK, **{"grid.cell": "8km", "time.duration": "1h"})
    b = sim.run(RACETRACK, **{"grid.cell": "16km", "time.duration": "1h"})
    same = values_on(a, a, "time_covered_frac")
    assert same is a.cells["time_covered_frac"] or np.array_equal(same, a.cells["time_covered_frac"])
    mapped = values_on(a, b, "ever_covered_frac")
    assert mapped.shape == a.cells["ever_covered_frac"].shape
    # each of a's cells takes a value b has (nearest neighbour), NaN only beyond one cell
    assert set(np.unique(mapped[np.isfinite(mapped)])) <= set(np.unique(b.cells["ever_covered_frac"]))
    assert np.isfinite(mapped).mean() > 0.9


def test_sweep_page_renders(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", RACETRACK, "--out", str(out), "--quiet", "--workers", "1", "--report",
                 "--set", "grid.cell=16km", "--set", "time.duration=1h",
                 "--set", "platforms.0.altitude=10km..20km:10km"]) == 0
    page = out / "report.html"
    assert f"report: {page}" in capsys.readouterr().out
    assert_rendered(rendered(page, tmp_path), ["sweep", "summary", "charts", "scenario",
                                               "figures", "assumptions"], images=1)


def test_report_command_writes_the_page_and_refuses_bad_input(tmp_path, capsys):
    assert main(["report", RACETRACK, "--out", str(tmp_path / "r"), "--set", "grid.cell=16km",
                 "--set", "time.duration=1h"]) == 0
    assert (tmp_path / "r" / "report.html").stat().st_size > 10_000
    assert main(["report", RACETRACK, "--out", str(tmp_path / "x"), "--set", "grid.cel=16km"]) == 2
    assert "grid.cel: unknown key" in capsys.readouterr().err
    assert main(["report", RACETRACK, RACETRACK, RACETRACK, "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


def test_markdown_subset():
    out = markdown_html("# T\n\nA `x<y` **b** and *i* [link](a.md).\n\n| k | v |\n|---|---|\n"
                        "| a | 1 |\n\n- one\n  more\n- two\n\n```\ncode <b>\n```\n")
    assert "<h2>T</h2>" in out and "<code>x&lt;y</code>" in out and "<strong>b</strong>" in out
    assert "<em>i</em>" in out and "link" in out and "a.md" not in out
    assert "<th>k</th>" in out and "<td>1</td>" in out
    assert "<li>one more</li><li>two</li>" in out and "<pre>code &lt;b&gt;</pre>" in out
