"""build: the join's rules on small cases, refusal of bad sources, and a reproducible extract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazetteer.build.geonames import GeoPlace, parse_alternate_names, parse_dump
from gazetteer.build.join import haversine_km, join_places
from gazetteer.build.katottg import RawSettlement
from gazetteer.errors import BuildError
from gazetteer.store import bundled_data_dir

CENTROIDS = {"UA630800": (49.7, 37.6), "UA6308007": (49.8, 37.4), "UA6308009": (49.7, 37.6), "UA6312007": (50.3, 36.3)}
ADMIN1 = {"07": "UA63000000000041885"}


def settlement(sid: str, name: str, category: str = "C", hromada: str = "UA63080070000000000") -> RawSettlement:
    return RawSettlement(sid, category, name, "UA63000000000041885", hromada[:6] + "0" * 13, hromada)


def place(name: str, lat: float, lon: float, pop: int = 800, alts: list[str] | None = None) -> GeoPlace:
    from gazetteer.build.geonames import AltName

    return GeoPlace(1, name, lat, lon, pop, "07", "", [AltName(a) for a in alts or []])


def test_place_joins_through_its_ukrainian_alternate() -> None:
    s = settlement("A", "Кіндрашівка")
    result = join_places([place("Kindrashivka", 49.8, 37.4, alts=["Кіндрашівка"])], [s], ADMIN1, CENTROIDS)
    assert result.by_settlement["A"][1] == 1 and not result.unmatched


def test_place_far_from_the_hromada_is_refused() -> None:
    s = settlement("A", "Кіндрашівка")
    result = join_places([place("Kindrashivka", 46.0, 30.0)], [s], ADMIN1, CENTROIDS)
    assert not result.by_settlement and "too far" in result.unmatched[0][2]


def test_large_place_prefers_the_one_city_among_homonyms() -> None:
    city = settlement("A", "Куп’янськ", "M", "UA63080090000000000")
    village = settlement("B", "Куп’янськ", "C", "UA63080070000000000")
    result = join_places([place("Kupiansk", 49.71, 37.61, pop=27000)], [city, village], ADMIN1, CENTROIDS)
    assert "A" in result.by_settlement


def test_homonyms_equally_near_stay_unjoined_with_a_reason() -> None:
    a = settlement("A", "Радьківка", hromada="UA63080070000000000")
    b = settlement("B", "Радьківка", hromada="UA63080070000000000")
    result = join_places([place("Radkivka", 49.8, 37.4)], [a, b], ADMIN1, CENTROIDS)
    assert not result.by_settlement and "2 settlements" in result.unmatched[0][2]


def test_second_place_for_one_settlement_is_kept_aside() -> None:
    s = settlement("A", "Кіндрашівка")
    places = [place("Kindrashivka", 49.8, 37.4, pop=900), place("Kindrashivka", 49.81, 37.41, pop=100)]
    result = join_places(places, [s], ADMIN1, CENTROIDS)
    assert len(result.by_settlement) == 1 and "already has" in result.unmatched[0][2]


def test_haversine_kyiv_to_kharkiv() -> None:
    assert 405 < haversine_km(50.45, 30.52, 49.99, 36.23) < 415


def test_dump_with_wrong_column_count_is_refused() -> None:
    with pytest.raises(BuildError, match="columns"):
        parse_dump("1\tKyiv\tKyiv\n")


def test_dump_keeps_only_populated_places_of_the_country() -> None:
    row = (
        ["1", "Kyiv", "Kyiv", "Kiev,Київ", "50.45", "30.52", "P", "PPLC", "UA"]
        + [""] * 5
        + ["2900000", "", "", "Europe/Kyiv", ""]
    )
    lake = row[:6] + ["H", "LK"] + row[8:]
    assert [p.name for p in parse_dump("\t".join(row) + "\n" + "\t".join(lake) + "\n")] == ["Kyiv"]


def test_alternate_names_keep_language_and_historic_flag_and_drop_links() -> None:
    text = "1\t7\tru\tАртёмовск\t\t\t\t1\t\t\n2\t7\tlink\thttps://x.invalid\t\t\t\t\t\t\n"
    alts = parse_alternate_names(text)[7]
    assert len(alts) == 1 and alts[0].lang == "ru" and alts[0].historic


@pytest.mark.slow
def test_rebuild_reproduces_the_committed_extract(tmp_path: Path) -> None:
    from gazetteer.build import build_extract

    manifest = build_extract(tmp_path / "data")
    committed = json.loads((bundled_data_dir() / "MANIFEST").read_text(encoding="utf-8"))
    assert manifest["files"] == committed["files"], "data/ is stale: run `make data` and commit"
    assert manifest["counts"] == committed["counts"]
