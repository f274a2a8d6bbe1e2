"""Variant hygiene: a GeoNames variant that names another settlement is dropped unless a fact keeps it."""

from __future__ import annotations

import csv

import pytest

from gazetteer.build.geonames import GeoPlace
from gazetteer.build.hygiene import find_collisions
from gazetteer.build.katottg import RawSettlement
from gazetteer.normalize import fold_key, romanizations
from gazetteer.store import bundled_data_dir


def world(*specs: tuple[str, str, str, int]) -> tuple[dict[str, RawSettlement], dict[str, int], list[list[str]]]:
    """Settlements (id, official name, category, population) with their official and romanized rows."""
    settlements, population, rows = {}, {}, []
    for sid, name, category, pop in specs:
        settlements[sid] = RawSettlement(sid, category, name, "O", "R", "H")
        population[sid] = pop
        rows.append([sid, name, "official", "uk", fold_key(name)])
        for system, variant in romanizations(name).items():
            rows.append([sid, variant, "romanization", system, fold_key(variant)])
    return settlements, population, rows


def variant(sid: str, name: str, kind: str = "alternate") -> list[str]:
    return [sid, name, kind, "", fold_key(name)]


def test_a_variant_that_is_another_citys_name_is_dropped_whatever_the_sizes() -> None:
    s, pop, rows = world(("N", "Нікополь", "M", 105_160), ("S", "Слов’янськ", "M", 105_141))
    found = find_collisions([*rows, variant("N", "Слов'янськ", "russian")], s, pop)
    assert [(c.settlement_id, c.other_id, c.rule, c.fact) for c in found] == [("N", "S", "not_its_name", "")]


def test_a_lookalike_of_a_larger_settlement_is_dropped_but_of_a_smaller_one_kept() -> None:
    s, pop, rows = world(("V", "Миколаївка", "M", 14_210), ("C", "Миколаїв", "M", 470_011))
    assert [c.rule for c in find_collisions([*rows, variant("V", "Миколаїв")], s, pop)] == ["larger_lookalike"]
    s, pop, rows = world(("V", "Миколаївка", "M", 14_210), ("C", "Миколаїв", "C", 300))
    assert find_collisions([*rows, variant("V", "Миколаїв")], s, pop) == []


def test_the_russian_form_of_a_village_name_on_a_big_city_is_dropped() -> None:
    s, pop, rows = world(("D", "Донецьк", "M", 901_645), ("A", "Олександрівка", "C", 500))
    rows += [variant("A", "Александровка", "russian"), variant("D", "Александровка", "russian")]
    found = find_collisions(rows, s, pop)
    assert [(c.settlement_id, c.variant) for c in found] == [("D", "Александровка")]


def test_homonyms_share_their_variants_without_collision() -> None:
    s, pop, rows = world(("A", "Миколаївка", "M", 14_210), ("B", "Миколаївка", "C", 400))
    rows += [variant("A", "Nikolayevka"), variant("B", "Nikolayevka"), variant("B", "Николаевка", "russian")]
    assert find_collisions(rows, s, pop) == []


def test_a_romanization_that_folds_like_a_larger_citys_name_is_dropped() -> None:
    s, pop, rows = world(("V", "Вижниця", "M", 3_976), ("W", "Вінниця", "M", 370_000))
    rows.append(["V", "Vyjnytsia", "romanization", "french", fold_key("Vyjnytsia")])
    found = find_collisions(rows, s, pop)
    assert any(c.settlement_id == "V" and c.rule == "romanization_of_larger" for c in found)
    assert not any(c.settlement_id == "W" for c in found)


def test_a_geonames_record_of_the_very_place_keeps_the_variant() -> None:
    s, pop, rows = world(("L", "Луки", "C", 700), ("K", "Конюшки", "C", 900))
    rows.append(variant("L", "Konyushki"))
    stray = [GeoPlace(9, "Konyushki", 50.001, 30.001, 0, "07", "PPLH")]
    kept = find_collisions(rows, s, pop, {"L": (50.0, 30.0)}, stray)
    far = find_collisions(rows, s, pop, {"L": (50.2, 30.0)}, stray)
    assert kept[0].fact and not far[0].fact


# -- the committed extract ---------------------------------------------------------------------------
def _tsv(name: str) -> list[dict[str, str]]:
    with open(bundled_data_dir() / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def committed():
    settlements = {
        r["id"]: RawSettlement(r["id"], r["category"], r["name_uk"], r["oblast_id"], r["raion_id"], r["hromada_id"])
        for r in _tsv("settlements.tsv")
    }
    population = {r["id"]: int(r["population"] or 0) for r in _tsv("settlements.tsv")}
    rows = [[r["settlement_id"], r["name"], r["kind"], r["lang"], r["key"]] for r in _tsv("names.tsv")]
    return settlements, population, rows


def test_no_unexplained_collision_is_left_in_the_extract(committed) -> None:
    settlements, population, rows = committed
    report = {(r["settlement_id"], fold_key(r["variant"])): r["action"] for r in _tsv("variant_collisions.tsv")}
    left = find_collisions(rows, settlements, population)
    unexplained = [c for c in left if report.get((c.settlement_id, c.key), "dropped") == "dropped"]
    assert not unexplained, unexplained[:5]


@pytest.mark.parametrize(
    ("query", "oblast", "real_city"),
    [
        ("Sloviansk", "Dnipropetrovsk", "Слов’янськ"),
        ("Kremenchuk", "Vinnytsia", "Кременчук"),
        ("Mykolaiv", "Donetsk", "Миколаїв"),
        ("Oleksandriia", "Lviv", "Олександрія"),
    ],
)
def test_a_citys_name_with_another_oblasts_hint_is_not_a_town_there(query: str, oblast: str, real_city: str) -> None:
    from gazetteer.resolve import default_resolver

    res = default_resolver().lookup(query, oblast=oblast)
    assert res.status == "not_found", (res.status, res.match and res.match.settlement.name_uk)
    assert real_city in res.reason


def test_liman_in_donetsk_oblast_is_the_city_of_lyman_not_rodynske() -> None:
    from gazetteer.resolve import default_resolver

    res = default_resolver().lookup("Liman", oblast="Donetsk")
    assert res.status == "resolved" and res.match.settlement.name_uk == "Лиман"


def test_a_russian_village_name_does_not_lead_to_donetsk() -> None:
    from gazetteer.resolve import default_resolver

    for query in ("Александровка", "Новая Александровка"):
        res = default_resolver().lookup(query)
        assert all(c.settlement.name_uk != "Донецьк" for c in res.candidates), query


def test_a_former_official_name_keeps_the_variant() -> None:
    # Кварцитне was Першотравневе till 2016; two villages are still called so.
    s, pop, rows = world(("K", "Кварцитне", "X", 2_350), ("P", "Першотравневе", "C", 493))
    rows.append(variant("K", "Першотравневе", "russian"))
    assert not find_collisions(rows, s, pop)[0].fact
    kept = find_collisions(rows, s, pop, former={("K", fold_key("Першотравневе"))})
    assert kept[0].fact == "a former official name of this settlement"


def test_the_russian_name_of_a_village_that_is_a_small_towns_official_name_stays() -> None:
    # Ольховатка: the Russian name of Вільхуватка (by consonants) and the official name of a small town.
    s, pop, rows = world(("V", "Вільхуватка", "C", 650), ("O", "Ольховатка", "X", 900))
    assert find_collisions([*rows, variant("V", "Ольховатка", "russian")], s, pop) == []


# -- a translated form is the settlement's own, and takes nothing away -----------------------------------


def test_a_geonames_variant_that_translates_the_name_is_not_a_collision() -> None:
    # Червоне's GeoNames "Красное" is its translation, though Красне villages are called so in Russian too.
    s, pop, rows = world(("R", "Червоне", "C", 300), ("K", "Красне", "C", 900))
    rows += [["R", "Красное", "russian", "ru", "krasnoe"], ["K", "Красное", "russian", "ru", "krasnoe"]]
    assert find_collisions(rows, s, pop, own_russian={}) != []  # without the translation: a collision
    assert find_collisions(rows, s, pop, own_russian={"R": {"krasnoe"}}) == []


def test_a_translated_form_does_not_take_another_settlements_variant_away() -> None:
    # A town Південне translates to Южное; a village officially Южне keeps its own Russian Южное.
    s, pop, rows = world(("P", "Південне", "M", 30_000), ("Y", "Южне", "C", 200))
    rows += [["P", "Южное", "russian", "ru-rule", "iuzhnoe"], ["Y", "Южное", "russian", "ru", "iuzhnoe"]]
    found = find_collisions(rows, s, pop, own_russian={"P": {"iuzhnoe"}})
    assert [c.settlement_id for c in found if c.settlement_id == "Y"] == []
