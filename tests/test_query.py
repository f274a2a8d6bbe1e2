"""query: one analysis of a cell (name, inline hints, qualifiers, abroad) and region hints in every form."""

from __future__ import annotations

import pytest

from gazetteer.query import unmix_scripts

CRIMEA = "UA01000000000013043"
KYIV_CITY = "UA80000000000093317"
KYIV_OBLAST = "UA32000000000030281"
SEVASTOPOL = "UA85000000000065278"
KHARKIV_OBLAST = "UA63000000000041885"
DONETSK_OBLAST = "UA14000000000091971"


@pytest.fixture(scope="module")
def reader(resolver):
    return resolver.reader


@pytest.mark.parametrize(
    "hint",
    [
        "АР Крим",
        "Автономна Республіка Крим",
        "Республіка Крим",
        "Республика Крым",
        "Autonomous Republic of Crimea",
        "Крым (АРК)",
        "Crimean",
        "АВТОНОМНА РЕСПУБЛІКА КРИМ/М.ЯЛТА",
    ],
)
def test_crimea_in_the_forms_registries_write(reader, hint: str) -> None:
    assert reader.oblasts(hint) == {CRIMEA}


@pytest.mark.parametrize("hint", ["м. Київ", "М.КИЇВ", "Kyiv City", "city of Kyiv", "місто Київ"])
def test_kyiv_city_forms_name_the_city_not_the_oblast(reader, hint: str) -> None:
    assert reader.oblasts(hint) == {KYIV_CITY}


@pytest.mark.parametrize("hint", ["Київська область", "Kyiv Oblast", "Киевская обл."])
def test_kyiv_oblast_forms_name_the_oblast(reader, hint: str) -> None:
    assert reader.oblasts(hint) == {KYIV_OBLAST}


@pytest.mark.parametrize("hint", ["м. Севастополь", "Sevastopol City"])
def test_sevastopol_city_forms(reader, hint: str) -> None:
    assert reader.oblasts(hint) == {SEVASTOPOL}


@pytest.mark.parametrize(
    ("hint", "oblast"),
    [
        ("Kharkiv Oblast, Ukraine", KHARKIV_OBLAST),
        ("Ukraine, Donetsk Oblast", DONETSK_OBLAST),
        ("Donestk Oblast", DONETSK_OBLAST),
        ("Doneck", DONETSK_OBLAST),
        ("Kharkvi oblast", KHARKIV_OBLAST),
        ("Харківщина", KHARKIV_OBLAST),
        ("Kharkivshchyna", KHARKIV_OBLAST),
        ("Донеччина", DONETSK_OBLAST),
        ("Харьковщина", KHARKIV_OBLAST),
    ],
)
def test_oblast_misspelt_or_regional_or_with_country(reader, hint: str, oblast: str) -> None:
    assert reader.oblasts(hint) == {oblast}


@pytest.mark.parametrize("hint", ["East", "Atlantis", "Narnia oblast", "Europe"])
def test_region_that_names_no_oblast_reads_as_nothing(reader, hint: str) -> None:
    assert reader.oblasts(hint) == frozenset()


@pytest.mark.parametrize(
    ("cell", "name", "qualifier"),
    [
        ("near Izium", "Izium", "near"),
        ("outskirts of Bucha", "Bucha", "near"),
        ("Irpin vicinity", "Irpin", "near"),
        ("Izium area", "Izium", "near"),
        ("біля Ізюма", "Ізюма", "near"),
        ("Одеса № 3", "Одеса", "branch"),
        ("Львів #12", "Львів", "branch"),
        ("Днипро (отд. 12)", "Днипро", "branch"),
        ("Kharkiv - city centre", "Kharkiv", "centre"),
    ],
)
def test_words_around_the_name_become_qualifiers(reader, cell: str, name: str, qualifier: str) -> None:
    q = reader.read(cell)
    assert q.name == name and qualifier in q.qualifiers


def test_region_before_the_name_is_a_hint(reader) -> None:
    q = reader.read("Kharkiv oblast, Radkivka")
    assert q.name == "Radkivka" and q.oblast == "Kharkiv oblast"


def test_several_levels_inline(reader) -> None:
    q = reader.read("Новоселівка, Краматорський р-н, Донецька обл.")
    assert (q.name, q.raion, q.oblast) == ("Новоселівка", "Краматорський р-н", "Донецька обл")


@pytest.mark.parametrize(
    ("cell", "name", "oblast", "raion"),
    [
        ("Radkivka Kharkiv oblast", "Radkivka", "Kharkiv oblast", None),
        ("Bila Tserkva Kyiv Oblast", "Bila Tserkva", "Kyiv Oblast", None),
        ("Радьківка Харківська область", "Радьківка", "Харківська область", None),
        # The raion part as written: "району" is a unit word the index reads in any case.
        ("с. Радьківка Куп'янського району", "с. Радьківка", None, "Куп'янського району"),
    ],
)
def test_a_region_after_the_name_without_a_separator_is_a_hint(reader, cell, name, oblast, raion) -> None:
    q = reader.read(cell)
    assert (q.name, q.oblast, q.raion) == (name, oblast, raion)


@pytest.mark.parametrize("cell", ["Нижнє Селище", "Велика Олександрівка", "Stara Kraina Donetsk"])
def test_a_name_without_a_trailing_region_stays_whole(reader, cell) -> None:
    q = reader.read(cell)
    assert q.oblast is None and q.raion is None


def test_a_trailing_region_without_a_separator_decides_the_homonym(resolver) -> None:
    for cell in ("Radkivka Kharkiv oblast", "с. Радьківка Куп'янського району"):
        res = resolver.lookup(cell)
        assert res.status == "resolved" and res.match.oblast_id == KHARKIV_OBLAST, (cell, res.reason)


@pytest.mark.parametrize(
    ("oblique", "nominative"),
    [
        ("Чугуївського району", "Чугуївський район"),
        ("Чугуївському районі", "Чугуївський район"),
        ("Чугуевского района", "Чугуевский район"),
        ("Чугуевского р-на", "Чугуевский р-н"),
        ("Чугуевском районе", "Чугуевский район"),
        ("Чугуївського р-ну", "Чугуївський р-н"),
    ],
)
def test_nominative_adjectives_reads_ukrainian_and_russian_cases(oblique, nominative) -> None:
    from gazetteer.query import nominative_adjectives

    assert nominative_adjectives(oblique) == nominative


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("UA-63", "Харківська область"),
        ("UA63", "Харківська область"),
        ("ua 63", "Харківська область"),
        ("6300000000", "Харківська область"),
        # ISO 3166-2 numbers five units unlike the classifiers; both numberings are read.
        ("UA-09", "Луганська область"),
        ("UA44", "Луганська область"),
        ("UA-77", "Чернівецька область"),
        ("UA-73", "Чернівецька область"),
        ("UA-30", "м. Київ"),
        ("UA-40", "Севастополь"),
        ("UA-43", "АР Крим"),
        ("UA01", "АР Крим"),
    ],
)
def test_an_oblast_code_in_the_region_column_names_its_oblast(resolver, code, name) -> None:
    assert resolver.parse_hints(oblast=code).oblasts == resolver.parse_hints(oblast=name).oblasts


def test_p_codes_name_the_raion_and_hromada_they_are_the_prefix_of(resolver) -> None:
    settlement = resolver.lookup("Радьківка", raion="Куп'янський район").match.settlement
    raion_code, hromada_code = settlement.raion_id[:6], settlement.hromada_id[:9]  # "UA6312", "UA6312027"
    assert resolver.parse_hints(raion=raion_code).raions == {settlement.raion_id}
    assert resolver.parse_hints(hromada=hromada_code).hromadas == {settlement.hromada_id}
    # A settlement's P-code in the region column: the oblast it lies in.
    assert resolver.parse_hints(oblast=settlement.id[:12]).oblasts == {settlement.oblast_id}
    res = resolver.lookup("Радьківка", oblast=raion_code[:4], raion=raion_code)
    assert res.status == "resolved" and res.match.id == settlement.id and not res.reason


@pytest.mark.parametrize(("level", "code"), [("oblast", "UA-99"), ("oblast", "63"), ("raion", "UA63")])
def test_a_code_that_names_no_unit_of_its_level_is_no_hint(resolver, level, code) -> None:
    from gazetteer.errors import UnknownOblast

    with pytest.raises(UnknownOblast):
        resolver.parse_hints(**{level: code})
    res = resolver.lookup("Радьківка", **{level: code})
    assert res.status == "ambiguous" and "looked up without it" in res.reason


@pytest.mark.parametrize(
    "cell",
    [
        # After the name without a comma, in an oblique case (not found before: only the abbreviation р-ну and a
        # type word before the name made the split).
        "Радьківка Куп'янського району",
        "Радьківка Купянского района",
        "Радьківка Купянского р-на",
        "Радьківка Куп'янського району Харківської області",
        "Радьковка Купянского района Харьковской области",
        # Before the name (read as a district of a city named second before: the raion's town Куп'янськ).
        "Kupiansk Raion, Radkivka",
        "Kupiansk district, Radkivka village",
        "Куп'янський р-н, Радьківка",
        "Купянский район, Радьковка",
        # A hromada part (taken for the name before, "names a hromada", or left unread: ambiguous).
        "Радьківка, Кіндрашівська громада",
        "Радьківка, Кіндрашівська ТГ",
        "Кіндрашівська сільська громада, с. Радьківка",
        "Kindrashivska hromada, Radkivka",
        "Kharkivska oblast, Kupianskyi raion, Kindrashivska hromada, Radkivka",
        # The hromada or KOATUU's village council after the name without a comma (not found before).
        "Радьківка Кіндрашівської сільської ради",
        "Радьківка Кіндрашівської сільради",
        "Радьківка Кіндрашівської громади",
        "Radkivka Kindrashivska hromada",
        # Russian council words the older lists lacked (not found before the one list of unit words).
        "Радьковка Кондрашовский сельсовет",
        "Радьківка Кіндрашівський сельсовет",
        # The hromada's full official title, qualifiers and all (not found before).
        "Радьківка Кіндрашівська сільська територіальна громада",
        "Радьківка Кіндрашівської сільської територіальної громади",
        "Radkivka Kindrashivska rural territorial hromada",
        "Радьківка Kindrashivska territorial community",
    ],
)
def test_a_raion_or_hromada_beside_the_name_decides_the_homonym(resolver, cell) -> None:
    radkivka = resolver.lookup("Радьківка", raion="Куп'янський район").match.settlement
    assert radkivka.hromada_id in resolver.parse_hints(hromada="Кіндрашівська громада").hromadas
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.id == radkivka.id, (cell, res.status, res.reason)
    assert res.match.match != "district"
    assert resolver.lookup("Радьківка").status == "ambiguous"  # the raion is what decides


@pytest.mark.parametrize("town", ["Буча", "Шостка", "Кременчук", "Роздільна"])
def test_a_raion_called_by_its_towns_name_is_found_whatever_its_adjective(resolver, town) -> None:
    # Бучанський, Шосткинський, Кременчуцький, Роздільнянський: no plain town + ський; "Bucha raion" named none.
    place = resolver.lookup(town, limit=1).match.settlement
    latin = place.name_en
    for text in (f"{latin} raion", f"{latin} district", f"{town} район"):
        assert resolver.index.find_units(text, "raion") == {place.raion_id}, text
    res = resolver.lookup(f"{latin} raion, Horenka" if town == "Буча" else f"{latin} raion")
    assert res.status == ("resolved" if town == "Буча" else "not_found"), (res.status, res.reason)


@pytest.mark.parametrize(
    ("cell", "town"),
    [
        ("Kramatorsk railway station", "Kramatorsk"),
        ("Hostomel Airport", "Hostomel"),
        ("Mariupol drama theatre", "Mariupol"),  # a describing word before the facility goes too
        ("Kherson Antonivskyi bridge", "Kherson"),
        ("Avdiivka coke plant", "Avdiivka"),
        ("Lyman direction", "Lyman"),
        ("Kharkiv TPP-5", "Kharkiv"),
        ("аеропорт Гостомель", "Гостомель"),  # the facility before the name
        ("Вугледар шахта", "Вугледар"),
        ("Краматорськ, залізничний вокзал", "Краматорськ"),  # a part that is only the facility
        ("Kobleve resort", "Kobleve"),
    ],
)
def test_a_facility_beside_the_name_leaves_the_settlement_it_is_at(resolver, cell: str, town: str) -> None:
    # All were not_found: an event log's "X railway station" named no settlement.
    res, plain = resolver.lookup(cell), resolver.lookup(town)
    assert res.status == "resolved" and res.match.id == plain.match.id, (res.status, res.reason)
    assert "facility" in res.reason


@pytest.mark.parametrize("name", ["Гребля", "Аеродром", "Порт"])
def test_a_settlement_named_like_a_facility_keeps_its_name(resolver, name: str) -> None:
    q = resolver.reader.read(f"{name}, Ukraine")
    assert q.name == name and "facility" not in q.qualifiers
    assert resolver.lookup(name).status != "not_found"


@pytest.mark.parametrize("cell", ["Kyivskyi district, Kharkiv", "Shevchenkivskyi district, Kharkiv"])
def test_a_city_district_before_its_city_stays_a_district(resolver, cell) -> None:
    # Шевченківський was also a raion of Kharkiv oblast before 2020: Харків is not in it, so the district.
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.match == "district" and res.match.name_uk == "Харків"


@pytest.mark.parametrize(
    ("cell", "name", "oblast"),
    [("Pisky, Donetsk", "Pisky", "Donetsk oblast"), ("Pomoriany, Lviv", "Pomoriany", "Lviv oblast")],
)
def test_a_village_ending_like_a_district_beside_its_oblast_centre_is_the_village(resolver, cell, name, oblast) -> None:
    # Both ended like a district's adjective (Podilskyi, Privokzalny) and became "a part of" Донецьк, Львів.
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.match != "district", (res.status, res.reason)
    assert res.match.id == resolver.lookup(name, oblast=oblast).match.id


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("Чорноморськ (Іллічівськ)", "Чорноморськ"),  # the former name is also an old raion's town
        ("Chornomorsk (Illichivsk)", "Chornomorsk"),
        ("Черноморск (Ильичевск)", "Черноморск"),
        ("Kyiv, Troieshchyna", "Kyiv"),  # a part of the city read as a raion of Kyiv oblast
    ],
)
def test_a_second_name_read_as_a_raion_that_rules_the_place_out_is_read_again(resolver, cell, name) -> None:
    # All were not_found: "no settlement of that name in the hinted units".
    res = resolver.lookup(cell)
    assert res.status == "resolved", (res.status, res.reason)
    assert res.match.id == resolver.lookup(name).match.id
    assert "not a raion" in res.reason or "part of" in res.reason


def test_a_raion_said_as_such_still_rules_the_town_out(resolver) -> None:
    assert resolver.lookup("Kupiansk, Chuhuivskyi raion").status == "not_found"


@pytest.mark.parametrize(("cell", "second"), [("Kharkiv, Pisochyn", "Pisochyn"), ("Kyiv, Hora", "Hora")])
def test_a_city_then_a_village_of_its_oblast_names_both(resolver, cell, second) -> None:
    # Were the city alone, the second place left out without a word.
    res = resolver.lookup(cell)
    city = resolver.lookup(cell.split(",")[0]).match
    village = resolver.lookup(second, oblast=city.settlement.oblast_en).match
    assert res.status == "ambiguous" and [c.id for c in res.candidates] == [city.id, village.id]


@pytest.mark.parametrize("cell", ["Kyiv, Obolon", "Kharkiv, Saltivka", "Kyiv, Kyiv oblast"])
def test_a_city_then_its_district_or_region_is_the_city(resolver, cell) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.id == resolver.lookup(cell.split(",")[0]).match.id


@pytest.mark.parametrize(
    ("cell", "town"),
    [
        ("Bilhorod-Dnistrovskyi raion", "Bilhorod-Dnistrovskyi"),
        ("Білгород-Дністровський район", "Білгород-Дністровський"),
        ("Kamianets-Podilskyi raion", "Kamianets-Podilskyi"),
    ],
)
def test_a_raion_alone_named_like_its_town_is_the_raion(resolver, cell, town) -> None:
    # The town's name is the raion's adjective: the cell was its town, a one-word-away match at 0.76.
    res = resolver.lookup(cell)
    assert res.status == "not_found" and "names a raion" in res.reason, (res.status, res.reason)
    assert resolver.lookup(town).status == "resolved"


def test_a_cell_naming_only_a_hromada_is_still_no_settlement(resolver) -> None:
    res = resolver.lookup("Kindrashivska hromada")
    assert res.status == "not_found" and "hromada" in res.reason


@pytest.mark.parametrize("level", ["oblast", "raion", "hromada", "council", "qualifier"])
def test_one_list_of_unit_words_serves_every_reader(level) -> None:
    from gazetteer import query
    from gazetteer.index import strip_unit_words, unit_words

    words = unit_words(level)
    assert words, level
    for word in words:
        assert strip_unit_words(f"Куп'янський {word}") == "Куп'янський", word
        assert (word in query._ANALYSIS_WORDS) == (" " not in word), word
        assert bool(query._UNIT_WORD.fullmatch(word)) == (level != "qualifier"), word
        assert bool(query._RAION_WORD.search(f"Чугуївський {word}")) == (level == "raion"), word


def test_a_genitive_raion_hint_reads_as_the_raion(resolver) -> None:
    res = resolver.lookup("Радьківка", raion="Куп'янського району")
    assert res.status == "resolved" and res.match.oblast_id == KHARKIV_OBLAST and not res.reason


@pytest.mark.parametrize(
    ("cell", "name", "city"),
    [
        ("Obolon, Kyiv", "Obolon", "Kyiv"),
        ("Slobidskyi district, Kharkiv", "Slobidskyi district", "Kharkiv"),
        ("Moskovskyi area of Kharkiv", "Moskovskyi", "Kharkiv"),
        ("Zavodskyi, Mykolaiv City", "Zavodskyi", "Mykolaiv"),
    ],
)
def test_a_part_of_a_city_names_the_city(reader, cell: str, name: str, city: str) -> None:
    q = reader.read(cell)
    assert (q.name, q.city) == (name, city)


@pytest.mark.parametrize(
    ("cell", "country"),
    [
        ("Odessa, Texas", "United States"),
        ("Odessa, TX", "United States"),
        ("Odessa, Ontario", "Canada"),
        ("Donetsk, Rostov Oblast", "Russia"),
        ("Donetsk, Russia", "Russia"),
        ("Kharkov, Armenia", "Armenia"),
        ("Berlin, Germany", "Germany"),
    ],
)
def test_a_qualifier_abroad_is_read(reader, cell: str, country: str) -> None:
    assert country in (reader.read(cell).foreign or "")


@pytest.mark.parametrize("cell", ["Kupiansk, Ukraine", "Kupiansk, Kharkiv", "Odesa", "Georgiivka"])
def test_ukrainian_cells_are_not_abroad(reader, cell: str) -> None:
    assert reader.read(cell).foreign is None


def test_state_codes_count_only_as_qualifiers(reader) -> None:
    assert reader.foreign("TX", qualifier=False) is None
    assert reader.foreign("TX", qualifier=True)


@pytest.mark.parametrize(
    ("text", "fixed"), [("Жmerynka", "Zhmerynka"), ("Zbaraж", "Zbarazh"), ("Kupянськ", "Купянськ")]
)
def test_mixed_scripts_are_written_in_the_main_script(text: str, fixed: str) -> None:
    assert unmix_scripts(text) == (fixed, True)


def test_look_alike_letters_are_repaired_not_transliterated() -> None:
    assert unmix_scripts("Кiндрашівка") == ("Кіндрашівка", False)


@pytest.mark.parametrize("cell", ["Б. Церква", "Кам.-Подільський", "Н. Одеса", "В. Новосілка"])
def test_abbreviated_words_are_marked(reader, cell: str) -> None:
    assert reader.read(cell).abbreviated


@pytest.mark.parametrize(
    ("hint", "oblasts"),
    [
        ("ДНР", {DONETSK_OBLAST}),
        ("Donetsk People's Republic", {DONETSK_OBLAST}),
        ("Донбас", {DONETSK_OBLAST, "UA44000000000018893"}),
        ("Слобожанщина", {KHARKIV_OBLAST, "UA59000000000057109"}),
    ],
)
def test_region_aliases_from_the_facts_table(reader, hint: str, oblasts: set) -> None:
    assert reader.oblasts(hint) == oblasts


def test_codes_abroad_only_in_their_own_letters(reader) -> None:
    assert reader.foreign("USA", qualifier=False)  # a country code in capitals, alone
    assert reader.foreign("Б. Ц.", qualifier=True) is None  # folds like BC, but is not written so
    assert reader.foreign("ON", qualifier=False) is None


@pytest.mark.parametrize(
    ("cell", "name", "category"),
    [
        ("Харків (місто)", "Харків", "MK"),
        ("Суми, місто", "Суми", "MK"),
        ("Харьков (город)", "Харьков", "MK"),
        ("смт Покровське", "смт Покровське", "X"),
        ("с. Олександрівка, Донецька обл.", "с. Олександрівка", "C"),
        ("Kharkiv city", "Kharkiv city", "MK"),
        ("Покровське", "Покровське", ""),
        ("у селі Кам'янка", "Кам'янка", "C"),
    ],
)
def test_a_type_word_says_what_the_place_is_never_where(reader, cell: str, name: str, category: str) -> None:
    # A part that is only a type word ("(місто)", ", город") was read as a region hint (the raion of a
    # village "Місто"): it is dropped; the category it announces is kept for the ranking (rank.stated_type).
    q = reader.read(cell)
    assert q.category == category and q.raion is None and q.city is None, q
    assert q.name == name or q.core == name, q


@pytest.mark.parametrize(
    ("cell", "first", "second"),
    [("Kyiv, Odesa", "Київ", "Одеса"), ("Київ, Одеса", "Київ", "Одеса"), ("Киев, Одесса", "Київ", "Одеса"),
     ("Kyiv, Poltava", "Київ", "Полтава"), ("Kyiv and Kharkiv", "Київ", "Харків")],
)  # fmt: skip
def test_a_city_named_like_another_citys_district_is_still_a_city(resolver, cell, first, second) -> None:
    # Odesa, Kharkiv and Poltava each have a Kyivskyi district: "Kyiv" before them was taken as it (resolved).
    res = resolver.lookup(cell)
    assert res.status == "ambiguous", (cell, res.status, res.reason)
    assert [c.name_uk for c in res.candidates[:2]] == [first, second]


@pytest.mark.parametrize("cell", ["Kyivskyi district, Odesa", "Київський район, Одеса", "Kyiv district, Odesa"])
def test_a_district_written_as_one_before_its_city_is_the_city(resolver, cell) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == "Одеса", (cell, res.status, res.reason)


@pytest.mark.parametrize(
    ("cell", "city"),
    [("м.Київ, Оболонський р-н", "Київ"), ("г. Киев, Оболонский р-н", "Київ"), ("Kyiv, Obolonskyi district", "Київ"),
     ("Севастополь, Балаклавський район", "Севастополь")],
)  # fmt: skip
def test_a_city_district_written_as_a_raion_is_a_part_of_the_city(resolver, cell, city) -> None:
    # Оболонська is also a hromada of Poltava oblast: read as that unit, it ruled the city out (not_found).
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == city, (cell, res.status, res.reason)
    assert "taken as a part of" in res.reason


@pytest.mark.parametrize(
    ("cell", "town"),
    [("в районе Изюма", "Ізюм"), ("в районі Ізюма", "Ізюм"), ("у районі Бахмута", "Бахмут"),
     ("в районе Купянска", "Куп’янськ"), ("in the Izium area", "Ізюм"), ("in the area of Izium", "Ізюм"),
     ("the Bucha outskirts", "Буча")],
)  # fmt: skip
def test_in_the_area_of_a_town_is_near_the_town(resolver, cell, town) -> None:
    # News' "in the area of": "в районі Ізюма" named the raion Ізюмський, "in the Izium area" nothing.
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == town, (cell, res.status, res.reason)
    assert "near" in res.reason


@pytest.mark.parametrize(("cell", "city"), [("Kyiv-city", "Київ"), ("Київ-місто", "Київ"), ("Kharkiv-City", "Харків")])
def test_a_type_word_joined_by_a_hyphen_is_a_type_word(resolver, cell, city) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == city, (cell, res.status, res.reason)


@pytest.mark.parametrize(
    ("cell", "city"),
    [("до Ромен", "Ромни"), ("з Черкас", "Черкаси"), ("до Черкас", "Черкаси"), ("из Черкасс", "Черкаси"),
     ("до Луганська", "Луганськ"), ("з Донецька", "Донецьк"), ("від Донецька", "Донецьк")],
)  # fmt: skip
def test_a_citys_genitive_after_a_preposition_is_the_city(resolver, cell, city) -> None:
    # The dictionaries decline Черкаси and Ромни as other words (черкасів, ромнів): two hamlets Черкас, or a
    # fuzzy Нове Поле, answered; "Луганська" after "до" is Луганськ's genitive, not its oblast's name.
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == city, (cell, res.status, res.reason)


@pytest.mark.parametrize(
    "cell",
    ["після Луганська", "з-під Донецька", "для Харкова", "серед Луганська", "из-под Донецка", "после Харькова",
     "без Донецька"],
)  # fmt: skip
def test_a_city_after_any_preposition_of_the_list_is_the_city(resolver, cell) -> None:
    # Each preposition is in words/prepositions.txt with the case it takes; one of the genitive ones before
    # "Луганська" makes it the city, not the oblast's adjective.
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.category == "M", (cell, res.status, res.reason)


def test_every_preposition_says_which_cases_follow_it() -> None:
    from gazetteer.words import word_table

    rows = word_table("prepositions")
    assert rows and all(len(row) == 2 and row[1].split() for row in rows), [r for r in rows if len(r) != 2]
    assert {case for row in rows for case in row[1].split()} <= {"gen", "loc", "acc", "ins", "dat"}


def test_an_oblasts_name_alone_still_names_the_oblast(resolver) -> None:
    res = resolver.lookup("Луганська")
    assert res.status == "not_found" and "names an oblast" in res.reason


def test_the_geoparser_reads_the_irregular_genitives_too() -> None:
    from gazetteer.geoparse import find_places

    found = {m.match.name_uk for m in find_places("Автобус із Черкас до Прилук, потім до Ромен.") if m.match}
    assert {"Черкаси", "Прилуки", "Ромни"} <= found, found


@pytest.mark.parametrize("cell", ["Запоріжжя, Дніпро", "Zaporizhzhia, Dnipro"])
def test_a_big_city_before_another_oblast_centre_is_a_city_not_a_namesake_village(resolver, cell) -> None:
    # Dnipropetrovsk oblast has villages called Запоріжжя: "Дніпро" read as the oblast made them the answer.
    res = resolver.lookup(cell)
    assert res.status == "ambiguous", (cell, res.status, res.reason)
    assert [c.name_uk for c in res.candidates[:2]] == ["Запоріжжя", "Дніпро"]
    assert all(c.settlement.category == "M" for c in res.candidates[:2])
    small = resolver.lookup("Zolochiv, Kharkiv")  # a smaller town's name still names the place of that oblast
    assert small.status == "resolved" and small.match.oblast_id == resolver.lookup("Kharkiv").match.oblast_id
