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
        ("с. Радьківка Куп'янського району", "с. Радьківка", None, "Куп'янський район"),
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
