"""What a cell says beside the name: a preposition before an inflected name, several settlements, an address.

Inputs written for these tests (forms a user types), not rows of any evaluation set.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3")  # the inflected forms come from the geoparser's lexicon (the text extra)


@pytest.mark.parametrize(
    ("cell", "city"),
    [
        ("у Полтаві", "Полтава"),
        ("в Полтаве", "Полтава"),
        ("під Житомиром", "Житомир"),
        ("под Житомиром", "Житомир"),
        ("з Вінниці", "Вінниця"),
        ("из Винницы", "Вінниця"),
        ("в Черкасах", "Черкаси"),
        ("біля Умані", "Умань"),
        ("у Кривому Розі", "Кривий Ріг"),
    ],
)
def test_an_inflected_name_after_a_preposition_is_its_nominative(resolver, cell: str, city: str) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == city, (cell, res.status, res.reason)


def test_after_a_preposition_an_oblique_reading_beats_a_nominative_one(resolver) -> None:
    # "в Харькове" is Russian for "in Kharkiv"; the villages Харкове are written so in the nominative only.
    res = resolver.lookup("в Харькове")
    assert res.status == "resolved" and res.match.name_uk == "Харків", res.reason
    q = resolver.reader.read("в Харькове")
    assert q.inflected and q.name == "Харькове"


def test_only_a_leading_preposition_marks_an_inflected_name(resolver) -> None:
    read = resolver.reader.read
    assert not read("Полтава").inflected and not read("Нова Каховка").inflected
    assert not read("в Poltava").inflected  # a Latin name after it is not inflected
    q = read("под Запорожьем")
    assert q.inflected and q.name == "Запорожьем"


@pytest.mark.parametrize(
    ("cell", "named"),
    [
        ("Poltava, Sumy", ["Полтава", "Суми"]),
        ("Полтава; Черкаси", ["Полтава", "Черкаси"]),
        ("Vinnytsia, Zhytomyr, Rivne", ["Вінниця", "Житомир", "Рівне"]),
        ("Бровари, Бориспіль", ["Бровари", "Бориспіль"]),
        ("Poltava and Sumy", ["Полтава", "Суми"]),
        ("Полтава та Черкаси", ["Полтава", "Черкаси"]),
        ("Полтава и Черкассы", ["Полтава", "Черкаси"]),
        ("Vinnytsia & Zhytomyr", ["Вінниця", "Житомир"]),
        ("Kharkiv, Lviv, Odesa", ["Харків", "Львів", "Одеса"]),
        ("Kharkiv, Lviv, Odesa, Dnipro, Poltava, Sumy", ["Харків", "Львів", "Одеса", "Дніпро", "Полтава", "Суми"]),
    ],
)
def test_a_cell_naming_several_towns_is_ambiguous_between_them(resolver, cell: str, named: list) -> None:
    res = resolver.lookup(cell, limit=10)
    assert res.status == "ambiguous", (cell, res.status, res.reason)
    assert [m.name_uk for m in res.candidates] == named  # in cell order
    assert "hint" not in res.reason  # no part of the cell is said to be a hint that names nothing
    assert "several settlements" in res.reason and "taken as a part" not in res.reason


@pytest.mark.parametrize(
    ("cell", "name", "match"),
    [
        ("Lozova, Kharkiv", "Лозова", None),  # a town, then its oblast centre: the oblast
        ("Irpin, Kyiv", "Ірпінь", None),  # the capital's name stands for the oblast around it too
        ("Podil, Kyiv", "Київ", "district"),  # a known part of the city
        ("Hora, Boryspil", "Гора", None),  # a village by its town
    ],
)
def test_a_cell_naming_one_place_stays_resolved(resolver, cell: str, name: str, match: str | None) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == name, (cell, res.status, res.reason)
    if match:
        assert res.match.match == match


@pytest.mark.parametrize(
    ("cell", "city"),
    [
        ("Sumska 10, Kharkiv", "Харків"),
        ("вул. Шевченка, 5, Полтава", "Полтава"),
        ("Полтава, просп. Миру 12", "Полтава"),
        ("Deribasivska St., Odesa", "Одеса"),
        ("пл. Ринок 1, Львів, Львівська обл.", "Львів"),
    ],
)
def test_a_street_address_is_inside_the_settlement_named_beside_it(resolver, cell: str, city: str) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == city, (cell, res.status, res.reason)
    assert "street address" in res.reason


def test_a_branch_number_before_a_region_is_dropped(resolver) -> None:
    res = resolver.lookup("Полтава № 2, Полтавська обл.")
    assert res.status == "resolved" and res.match.name_uk == "Полтава", res.reason
    assert "street address" not in res.reason


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("N. Odesa", "Нова Одеса"),
        ("N.Odesa", "Нова Одеса"),
        ("B. Tserkva", "Біла Церква"),
        ("M. Vyska", "Мала Виска"),
        ("St. Sambir", "Старий Самбір"),
        ("V. Bereznyi", "Великий Березний"),
    ],
)
def test_latin_abbreviated_adjectives_expand_like_cyrillic_ones(resolver, cell: str, name: str) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == name, (cell, res.status, res.reason)
    assert res.match.match == "abbreviation"


@pytest.mark.parametrize("cell", ["M. Kyiv", "M.KYIV", "m. Poltava"])
def test_a_type_abbreviation_without_such_a_name_stays_a_type_word(resolver, cell: str) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.category in "KM" and res.match.match != "abbreviation", cell


@pytest.mark.parametrize(("cell", "name"), [("Lozova - Kharkiv", "Лозова"), ("Сакко і Ванцетті", "Сакко і Ванцетті")])
def test_a_dash_or_and_joins_names_only_when_the_cell_as_written_names_nothing(resolver, cell: str, name: str):
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk.casefold() == name.casefold(), (res.status, res.reason)
    assert ("read as a comma" in res.reason) == (" - " in cell)


@pytest.mark.parametrize(("cell", "left_out"), [("Poltava, Moscow", "Moscow"), ("Sumy, Berlin", "Berlin")])
def test_a_place_abroad_beside_the_settlement_is_said_to_be_left_out(resolver, cell: str, left_out: str) -> None:
    res = resolver.lookup(cell)
    assert res.status == "resolved" and f"{left_out!r} in the cell is not a Ukrainian settlement" in res.reason
    assert "left out" not in resolver.lookup("Poltava, Kharkiv").reason  # a Ukrainian part is no such note


@pytest.mark.parametrize("cell", [" и ", " and ", "та - і"])
def test_a_cell_of_joining_words_only_is_an_answer_not_an_error(resolver, cell: str) -> None:
    res = resolver.lookup(cell)  # read with commas, nothing is left: the first reading's answer stands
    assert res.status in ("not_found", "invalid") and res.query.strip() == cell.strip()


@pytest.mark.parametrize(("cell", "city"), [("Часового Яру", "Часів Яр"), ("Кривого Рогу", "Кривий Ріг")])
def test_a_case_form_with_no_preposition_is_read_where_nothing_else_fits(resolver, cell: str, city: str) -> None:
    # "з Часового Яру до Бахмута" split over two cells: the first names nothing as written (was not_found).
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == city, (cell, res.status, res.reason)
    assert "case form" in res.reason


def test_a_typo_that_spells_a_case_form_stays_a_typo(resolver) -> None:
    # Юріїва: one letter short of Юріївка, and also the genitive of the village Юрів; a look-alike exists,
    # so the case-form reading is not tried.
    res = resolver.lookup("Юріїва")
    assert "case form" not in res.reason
    assert not (res.status == "resolved" and res.match.name_uk == "Юрів"), res.reason


def test_a_bare_case_form_of_a_city_is_read_over_a_look_alike(resolver) -> None:
    # "Покровськом" (instrumental) was a typo-like Покровське; it is the city's case form.
    res = resolver.lookup("Покровськом")
    assert res.status == "resolved" and res.match.name_uk == "Покровськ", res.reason


@pytest.mark.parametrize(
    ("cell", "city", "village"), [("Сіверська", "Сіверськ", "Сіверське"), ("Оріхова", "Оріхів", "Оріхове")]
)
def test_a_genitive_of_a_city_or_another_ending_of_a_village_is_ambiguous(resolver, cell, city, village) -> None:
    # "Сіверська": the genitive of the town Сіверськ, or the village Сіверське said with another ending
    # (was resolved to the village alone; the town was not even a candidate).
    res = resolver.lookup(cell)
    assert res.status == "ambiguous", res.reason
    assert res.candidates[0].name_uk == city and village in {c.name_uk for c in res.candidates}


@pytest.mark.parametrize("cell", ["OR", "or 1=1", "1' OR '1'='1", "Ор"])
def test_two_letters_name_a_place_only_as_its_official_name(resolver, cell: str) -> None:
    # "OR" was Перекоп (score 0.93) through the Crimean Tatar alternate "Or" GeoNames gives it.
    res = resolver.lookup(cell)
    assert res.status == "not_found" and "too few letters" in res.reason, (res.status, res.reason)


def test_a_two_letter_official_name_is_still_found(resolver) -> None:
    short = sorted({s.name_uk for s in resolver.extract.settlements if len(s.name_uk) == 2})
    assert short, "the extract has two-letter settlement names (Яр, Ас)"
    for name in short:
        assert resolver.lookup(name).status in ("resolved", "ambiguous"), name


@pytest.mark.parametrize("cell", ["Kharkiv or Kyiv", "Харків або Київ", "Харьков или Киев", "Харків чи Київ"])
def test_or_between_names_lists_them(resolver, cell: str) -> None:
    res = resolver.lookup(cell)
    assert res.status == "ambiguous" and [m.name_uk for m in res.candidates] == ["Харків", "Київ"], res.reason
    assert "read as a comma" in res.reason


def test_words_around_a_city_name_are_no_district_of_another(resolver) -> None:
    res = resolver.lookup("either Kharkiv or Kyiv")
    assert res.status != "resolved" or res.match.name_uk != "Київ", res.reason


@pytest.mark.parametrize("cell", ['Kharkov "city"', "Харків «місто»", "Kharkiv (city)"])
def test_a_quoted_or_bracketed_type_word_after_the_name_is_a_type_word(resolver, cell: str) -> None:
    # 'Kharkov "city"' was ambiguous among four villages Харківці: the quote hid the type word.
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == "Харків", (res.status, res.reason)


def test_a_name_written_twice_is_no_hint(resolver) -> None:
    # "Жовтневе, Жовтневе": the second copy was read as the former raion Жовтневий and resolved, with no word
    # said, to the one village once so called there. It says nothing: the answer is the name's own.
    twice, once = resolver.lookup("Жовтневе, Жовтневе"), resolver.lookup("Жовтневе")
    assert (twice.status, twice.match) == (once.status, once.match)
    assert [m.id for m in twice.candidates] == [m.id for m in once.candidates]


@pytest.mark.parametrize(
    ("cell", "city"),
    [
        ("Оболонський район м. Києва", "Київ"),
        ("Салтівський район м. Харкова", "Харків"),
        ("Шевченківський район міста Запоріжжя", "Запоріжжя"),
        ("Kyivskyi district of Kharkiv", "Харків"),
    ],
)
def test_a_city_district_written_with_its_city_in_the_genitive_is_the_city(resolver, cell: str, city: str) -> None:
    # Registries write a district with its city after "м."/"міста", in the genitive: it was not found.
    pytest.importorskip("pymorphy3")  # the genitive is read through the geoparser's name forms (text extra)
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.name_uk == city and res.match.match == "district", res.reason
