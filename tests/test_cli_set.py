"""`--set KEY=VALUE` written unquoted, as copied from scenarios/FORMAT.md: the shell splits
`grid.cell=4 km` into two words and the value must still be read whole."""
from __future__ import annotations

import pytest

from sim.cli import main as cli
from sim.cli.set_values import join_set_values
from sim.paths import SCENARIOS_DIR

GOOD = str(SCENARIOS_DIR / "examples" / "one-recon-racetrack.yaml")


@pytest.mark.parametrize("argv, joined", [
    (["check", "--set", "grid.cell=4", "km", "f.yaml"], ["check", "--set", "grid.cell=4 km", "f.yaml"]),
    (["run", "f.yaml", "--set=time.duration=2", "h", "--json"],
     ["run", "f.yaml", "--set=time.duration=2 h", "--json"]),
    (["check", "f.yaml", "--set", "grid.bands=[25", "km,", "50", "km]", "g.yaml"],
     ["check", "f.yaml", "--set", "grid.bands=[25 km, 50 km]", "g.yaml"]),
    (["run", "f.yaml", "--set", "platforms.0.track.racetrack.center={along:", "800", "km,",
      "offset:", "-40", "km}"],
     ["run", "f.yaml", "--set", "platforms.0.track.racetrack.center={along: 800 km, offset: -40 km}"]),
    (["check", "--set", "grid.cell=4km", "m.yaml"], ["check", "--set", "grid.cell=4km", "m.yaml"]),
    (["check", "--set", "name=My", "f.yaml"], ["check", "--set", "name=My", "f.yaml"]),
])
def test_continuation_words_are_joined_and_others_left_alone(argv, joined):
    assert join_set_values(argv) == joined


def test_unquoted_value_with_a_unit_works_after_and_before_the_file(capsys):
    assert cli.main(["check", GOOD, "--set", "time.duration=2", "h"]) == 0
    assert ", 2 h" in capsys.readouterr().out
    assert cli.main(["check", "--set", "time.duration=3", "h", GOOD]) == 0
    assert ", 3 h" in capsys.readouterr().out
    # FORMAT.md's own example, unquoted: 4 km is read (50 m would be refused).
    assert cli.main(["check", GOOD, "--set", "grid.cell=4", "km",
                     "--set", "grid.bands=[25", "km,", "50", "km]"]) == 0


def test_unquoted_list_value_reaches_the_loader_whole(capsys):
    assert cli.main(["check", GOOD, "--set", "grid.bands=[25", "km,", "10", "km]"]) == 2
    assert "grid.bands.1: '10 km': bands must increase" in capsys.readouterr().err


def test_a_stray_word_after_set_says_how_to_quote(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["run", GOOD, "--set", "name=My", "scenario"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: scenario" in err
    assert "--set 'name=My scenario'" in err
