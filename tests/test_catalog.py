"""The platform catalog (assets/platforms.yaml): six generic classes, every number cited."""
from __future__ import annotations

import json
import math

import pytest

from sim.cli import main as cli
from sim.world.earth import central_angle_for_off_nadir_rad
from sim.errors import ScenarioError
from sim.scenario.catalog import (CATALOG_PATH, CLASS_NUMBER_KEYS, SENSOR_NUMBER_KEYS,
                                  catalog_as_dict, format_catalog, load_catalog, read_catalog)
from sim.scenario.yaml_reader import read_yaml_file

IDS = ["high-altitude-recon", "high-altitude-drone", "medium-altitude-drone", "maritime-patrol",
       "signals-collection", "leo-imaging-satellite"]


def test_the_six_classes_exist_in_order():
    assert list(load_catalog()) == IDS
    assert load_catalog() is load_catalog()           # cached


def test_every_number_has_a_source_in_the_file():
    data, _ = read_yaml_file(CATALOG_PATH)
    for item in data["classes"]:
        sources = item["sources"]
        numbers = [k for k in CLASS_NUMBER_KEYS if k in item]
        assert "altitude" in numbers
        for key in numbers:
            assert isinstance(sources.get(key), str) and len(sources[key]) > 10, (item["id"], key)
        for sensor in item["sensors"]:
            for key in SENSOR_NUMBER_KEYS:
                if key in sensor:
                    cite = sources.get(f"sensors.{sensor['name']}.{key}") or \
                        sources.get(f"sensors.{sensor['name']}")
                    assert cite, (item["id"], sensor["name"], key)


def test_a_number_without_a_source_is_rejected(tmp_path):
    text = CATALOG_PATH.read_text(encoding="utf-8")
    broken = text.replace('      speed: "USAF fact sheet U-2S/TU-2S (af.mil): 410 mph (Mach 0.58) = 660 km/h"\n', "", 1)
    assert broken != text
    path = tmp_path / "platforms.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"classes\.0\.sources: no source for speed"):
        read_catalog(path)


def test_a_sensor_kind_that_is_not_a_word_is_located(tmp_path):
    text = CATALOG_PATH.read_text(encoding="utf-8")
    broken = text.replace("kind: conic", "kind: {a: 1}", 1)
    assert broken != text
    line = broken[:broken.index("kind: {a: 1}")].count("\n") + 1
    path = tmp_path / "platforms.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf":{line}:\d+: classes\.\d+\.sensors\.0\.kind: .*must be one of"):
        read_catalog(path)


def test_round_figures_in_si():
    c = load_catalog()
    assert c["high-altitude-recon"].altitude_m == pytest.approx(70000 * 0.3048)  # 70,000 ft
    assert c["high-altitude-recon"].speed_m_s == pytest.approx(660 / 3.6)        # 660 km/h
    assert c["high-altitude-drone"].altitude_m == pytest.approx(60000 * 0.3048)
    assert c["high-altitude-drone"].speed_m_s == pytest.approx(575 / 3.6)
    assert c["medium-altitude-drone"].endurance_s == 27 * 3600.0
    assert c["maritime-patrol"].speed_m_s == pytest.approx(815 / 3.6)
    for cls in c.values():
        assert cls.sources and cls.sensors and cls.description
        if cls.kind == "aircraft":
            assert 0 < cls.altitude_m <= 30_000 and 15 * math.pi / 180 <= cls.bank_angle_rad <= 30 * math.pi / 180
    sat = c["leo-imaging-satellite"]
    assert sat.kind == "satellite" and sat.endurance_s is None and sat.bank_angle_rad is None
    assert sat.altitude_m == 705e3                                             # Landsat 8, USGS


def test_satellite_swath_is_about_185_km():
    # USGS Landsat 8: 185 km swath at 705 km. Swath = 2 R lambda(eta) (SMAD sec. 7.2).
    sat = load_catalog()["leo-imaging-satellite"]
    imager = sat.sensors[0]
    swath_m = 2 * 6_371e3 * float(central_angle_for_off_nadir_rad(6_371e3, sat.altitude_m,
                                                                  imager.half_angle_rad))
    assert swath_m == pytest.approx(185e3, rel=0.02)


def test_classes_json_parses_with_units_in_key_names(capsys):
    assert cli.main(["classes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in data["classes"]] == IDS
    recon = data["classes"][0]
    assert recon["altitude_m"] == pytest.approx(21336.0) and recon["bank_angle_deg"] == pytest.approx(25.0)
    camera = recon["sensors"][0]
    assert camera["max_range_m"] == 150000.0 and camera["max_off_nadir_deg"] == pytest.approx(85.0)
    assert "illustrative" in data["note"]
    assert catalog_as_dict(load_catalog()) == data


def test_classes_table_lists_every_class_and_sensor(capsys):
    assert cli.main(["classes"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == format_catalog(load_catalog()).strip()
    for cls in load_catalog().values():
        assert cls.id in out
        for sensor in cls.sensors:
            assert sensor.name in out
    assert "range <= 150 km" in out and "GSD <= 1 m" in out
