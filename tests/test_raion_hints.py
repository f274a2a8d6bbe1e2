"""Raion hints written as the name of the raion's centre town, and what the resolver says about a raion hint
it leaves out. Every village here has namesakes in other raions, so only the right raion picks the answer."""

from __future__ import annotations

import pytest

from gazetteer.errors import UnknownOblast


@pytest.mark.parametrize(
    ("village", "hint", "raion_uk"),
    [
        # The adjective is no plain "-ський" on the town's name: a vowel, an infix or a consonant changes.
        ("Тарасівка", "Kryvyi Rih", "Криворізький"),
        ("Тарасівка", "Кривий Ріг", "Криворізький"),
        ("Тарасівка", "Кривой Рог", "Криворізький"),
        ("Степанівка", "Shostka", "Шосткинський"),
        ("Степанівка", "Шостка", "Шосткинський"),
        ("Тарасівка", "Kremenchuk", "Кременчуцький"),
        ("Яблунівка", "Khust", "Хустський"),
        ("Андріївка", "Pryluky", "Прилуцький"),
        ("Андріївка", "Бахмут", "Бахмутський"),
        ("Андріївка", "Dnipro", "Дніпровський"),
    ],
)
def test_a_raion_centre_names_its_raion(resolver, village, hint, raion_uk) -> None:
    res = resolver.lookup(village, raion=hint)
    assert res.status == "resolved" and res.match.raion_uk == raion_uk, (res.status, res.reason)
    assert "names no raion" not in res.reason


def test_a_raion_centre_hint_is_no_unknown_raion_to_geocode(resolver) -> None:
    # It raised UnknownOblast ("no raion of Ukraine is called 'Shostka'").
    matches = resolver.resolve("Кам’янка", raion="Shostka")
    assert matches and matches[0].raion_uk == "Шосткинський" and matches[0].score == 1.0


@pytest.mark.parametrize("hint", ["Kremenets", "Кременець", "Kremenets raion"])
def test_an_exact_reading_of_the_hint_beats_a_skeleton_alike(resolver, hint) -> None:
    # "Kremenets" shares its consonants with the former Кремінський raion (now in two Luhansk raions), which
    # was read first: Михайлівка of Luhansk oblast came out, scored 1.00.
    res = resolver.lookup("Михайлівка", raion=hint)
    assert res.status == "resolved" and res.match.raion_uk == "Кременецький", (res.status, res.reason)


def test_a_town_name_as_raion_hint_reads_one_raion_not_a_lookalike_too(resolver) -> None:
    # "Sumy" was read as Сумський and Ізюмський (Izjumskyj's skeleton is that of Sumy).
    res = resolver.lookup("Андріївка", raion="Sumy")
    assert res.status == "resolved" and res.match.raion_uk == "Сумський", (res.status, res.reason)


def test_a_raion_written_in_the_cell_by_its_centre(resolver) -> None:
    res = resolver.lookup("Підлісне, Kremenets raion")
    assert res.status == "resolved" and res.match.raion_uk == "Кременецький", (res.status, res.reason)
    beside = resolver.lookup("Богданівка, Кременець район, Тернопільська область")
    assert beside.status == "resolved" and beside.match.raion_uk == "Кременецький"
    assert "names no raion" not in beside.reason, beside.reason


def test_a_raion_of_another_oblast_is_said_to_be_elsewhere(resolver) -> None:
    with pytest.raises(UnknownOblast) as raised:
        resolver.resolve("Андріївка", oblast="Sumy", raion="Bakhmut")
    message = str(raised.value)
    assert "of Ukraine" not in message and "in Sumska oblast" in message
    assert "Bakhmutskyi raion, in Donetska oblast" in message
    res = resolver.lookup("Андріївка", oblast="Sumy", raion="Kupiansk")
    assert "raion hint 'Kupiansk' names no raion in Sumska oblast" in res.reason, res.reason
    assert "Kupianskyi raion, in Kharkivska oblast" in res.reason
    # A hint that names no raion anywhere is still said to be one.
    with pytest.raises(UnknownOblast, match="no raion of Ukraine is called 'Atlantis'"):
        resolver.resolve("Андріївка", oblast="Sumy", raion="Atlantis")


@pytest.mark.parametrize(
    ("cell", "raion_uk"),
    [("Веселе, Кривий Ріг район", "Криворізький"), ("Мар’янівка, Kryvyi Rih raion", "Криворізький")],
)
def test_a_raion_of_two_words_written_in_the_cell_by_its_centre(resolver, cell, raion_uk) -> None:
    # The cell reader knew no raion called "Kryvyi Rih raion", took the part for a district and dropped it.
    res = resolver.lookup(cell)
    assert res.status == "resolved" and res.match.raion_uk == raion_uk, (res.status, res.reason)


@pytest.mark.parametrize(
    ("cell", "raion_uk"), [("Kryvyi Rih raion", "Криворізький"), ("Kremenets raion", "Кременецький")]
)
def test_a_raion_alone_in_the_cell_is_named_in_the_reason(resolver, cell, raion_uk) -> None:
    res = resolver.lookup(cell)
    assert res.status == "not_found" and f"names a raion ({raion_uk}), not a settlement" in res.reason, res.reason
