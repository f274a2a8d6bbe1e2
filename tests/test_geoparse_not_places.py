"""The geoparser on names that are not places in their sentence: streets and squares named like villages,
rivers named like settlements; and the places right next to them, which stay. Sentences written for these
tests."""

from __future__ import annotations

import pytest

from gazetteer.geoparse import find_places


def found(text: str) -> list[str]:
    """The text of every mention (settlement or oblast), in text order."""
    return [m.text for m in find_places(text)]


def resolved(text: str) -> list[tuple[str, str]]:
    """(official name, oblast) of each resolved settlement mention."""
    return [(m.match.name, m.match.settlement.oblast_uk) for m in find_places(text) if m.match]


def oblasts(text: str) -> list[str]:
    return [m.oblast.name_uk for m in find_places(text) if m.kind == "oblast"]


# -- streets: a name after a street word (or before an English one) is the street ---------------------
@pytest.mark.parametrize(
    "text, places",
    [
        # inflected street words: на вулиці, на проспекті, мешканці вулиці
        ("Ремонт на вулиці Свободи в Ужгороді завершили.", ["Ужгороді"]),
        ("Аварія сталася на проспекті Свободи в Херсоні.", ["Херсоні"]),
        ("Затор на бульварі Шевченка у Черкасах.", ["Черкасах"]),
        ("Ремонт провулку Шевченка в Полтаві.", ["Полтаві"]),
        ("Мешканці вулиці Шевченка в Умані скаржаться.", ["Умані"]),
        ("Люди гуляли по набережній Перемоги у Дніпрі.", ["Дніпрі"]),
        ("На майдані Свободи у Харкові.", ["Харкові"]),
        # an abbreviation with its dot (which the tokenizer takes for a sentence end before a capital)
        ("На пл. Свободи у Тернополі відкрили ялинку.", ["Тернополі"]),
        # Russian
        ("Возле дома на улице Победы в Житомире прорвало трубу.", ["Житомире"]),
        # a street named after a city and its heroes: the whole is the street's name
        ("Мітинг на вулиці Героїв Маріуполя в Ірпені.", ["Ірпені"]),
        # English: the street word after the name
        ("A shell hit a house on Shevchenka street in Poltava.", ["Poltava"]),
    ],
)
def test_a_name_next_to_a_street_word_is_a_street_and_the_town_stays(text, places):
    assert found(text) == places


def test_the_towns_in_a_street_sentence_resolve():
    text = "Ремонт на вулиці Свободи в Ужгороді, на пл. Свободи у Тернополі та на улице Победы в Житомире."
    assert resolved(text) == [("Ужгород", "Закарпатська"), ("Тернопіль", "Тернопільська"), ("Житомир", "Житомирська")]


@pytest.mark.parametrize(
    "text, places",
    [
        ("На вулицях Харкова знову тихо.", ["Харкова"]),  # a plural: the streets of the city
        ("Вулиці Маріуполя зруйновані.", ["Маріуполя"]),  # a city next to the word: its streets
    ],
)
def test_the_streets_of_a_city_are_the_city(text, places):
    assert found(text) == places


# -- rivers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, places",
    [
        # a river word (річка, река in any case) before the name
        ("Міст через річку Оскіл відновили.", []),
        ("На річці Дніпро поблизу Запоріжжя перекинувся катер.", ["Запоріжжя"]),
        ("Рыбаки ловили рыбу в реке Днепр возле Никополя.", ["Никополя"]),
        # the first word of a two-word river's name, inflected
        ("Повінь на Південному Бузі біля Первомайська.", ["Первомайська"]),
        ("Разлив на Южном Буге под Вознесенском.", ["Вознесенском"]),
        # "на" + a case form of a river's name: the river, not the city nor its oblast
        ("Катер затонув на Дніпрі біля Кременчука.", ["Кременчука"]),
        ("Баржа села на мель на Днепре у Каменского.", ["Каменского"]),
    ],
)
def test_a_river_named_like_a_settlement_is_the_river(text, places):
    assert found(text) == places


def test_na_with_a_river_name_is_not_the_oblast():
    assert oblasts("Катер затонув на Дніпрі біля Кременчука.") == []
    # an oblast centre that is no river's name still makes its region after "на"
    assert oblasts("Вибухи пролунали на Запоріжжі.") == ["Запорізька"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Росіяни запустили ракети на Дніпро.", [("Дніпро", "Дніпропетровська")]),  # toward the city
        ("Вночі у Дніпрі пролунали вибухи.", [("Дніпро", "Дніпропетровська")]),
    ],
)
def test_the_city_named_like_a_river_stays_a_city(text, expected):
    assert resolved(text) == expected


# -- a river word a few words back does not make a place after a preposition a river ------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("На березі Дніпра у Херсоні гуляли люди.", [("Херсон", "Херсонська")]),
        ("Біля річки у Херсоні прогриміли вибухи.", [("Херсон", "Херсонська")]),
        ("The boat sank in the river near Kherson.", [("Херсон", "Херсонська")]),
        ("Marines crossed the Dnipro river near Hola Prystan.", [("Гола Пристань", "Херсонська")]),
        ("Fighting raged along the river bank at Bilohorivka.", [("Білогорівка", "Луганська")]),
        ("Рівень води в Ізюмі піднявся.", [("Ізюм", "Харківська")]),
    ],
)
def test_a_place_after_a_preposition_past_a_river_word_stays(text, expected):
    assert resolved(text) == expected


def test_a_river_name_past_a_water_word_and_a_preposition_is_the_river():
    # The window still reads "води у Дніпрі" as the river: Dnipro is a river's name, Kherson is not.
    assert found("Рівень води у Дніпрі впав, а в Херсоні ні.") == ["Херсоні"]
