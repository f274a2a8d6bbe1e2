"""The geoparser's reading of the regions a text states around a place (gazetteer.geoparse.disambiguate)."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3")

from gazetteer.geoparse import find_places, mentions_to_geojson  # noqa: E402


def _settlements(text: str) -> list:
    return [m for m in find_places(text) if m.kind == "settlement"]


@pytest.mark.parametrize(
    ("text", "oblasts"),
    [
        ("Обстріляли Радьківку на Сумщині та Радьківку на Харківщині.", ["Сумська", "Харківська"]),
        ("Обстріляли Радьківку на Харківщині та Радьківку на Сумщині.", ["Харківська", "Сумська"]),
        ("Radkivka in Sumy region and Radkivka in Kharkiv region were shelled.", ["Сумська", "Харківська"]),
    ],
)
def test_a_region_written_after_a_place_is_its_own_when_one_before_is_as_near(text, oblasts) -> None:
    # The second place has one region two words before it (the first place's) and its own two words after.
    found = _settlements(text)
    assert [m.match.oblast_uk if m.match else None for m in found] == oblasts, [(m.text, m.match) for m in found]


def test_the_same_name_in_another_case_is_no_evidence_for_itself() -> None:
    # "Радьківку" (accusative) resolved to the Sumy village must not pull "Радьківка" (nominative) there: the
    # text puts that one in Kharkiv oblast.
    found = _settlements("Село Радьківка Харківської області обстріляли, а також Радьківку на Сумщині.")
    assert [m.match.oblast_uk for m in found] == ["Харківська", "Сумська"], [(m.text, m.match) for m in found]


def test_another_name_of_the_same_place_is_still_evidence() -> None:
    found = _settlements("В Дзержинске, который теперь называется Торецк, идут уличные бои.")
    assert found and all(m.match is not None and m.match.name_uk == "Торецьк" for m in found), found


def test_namesakes_tied_in_the_stated_region_are_listed_and_lower_the_score() -> None:
    clear = _settlements("Радьківку на Харківщині обстріляли.")[0]
    tied = _settlements("Обстріляли Іванівку Донецької області.")[0]
    assert clear.match is not None and not clear.candidates
    assert tied.match is not None and tied.match.oblast_uk == "Донецька"
    assert len(tied.candidates) > 1 and tied.candidates[0].id == tied.match.id
    assert {c.oblast_uk for c in tied.candidates} == {"Донецька"}
    assert {c.name_uk for c in tied.candidates} == {"Іванівка"}
    assert tied.score < clear.score
    assert "candidates" in tied.to_dict()
    (feature,) = mentions_to_geojson([tied])["features"]
    assert feature["properties"]["tied"] == len(tied.candidates) - 1


def test_a_place_the_text_puts_in_another_oblast_is_not_a_part_of_the_city_beside_it() -> None:
    # Kharkiv has a neighbourhood Іванівка; the text says this Іванівка is in Donetsk oblast.
    found = _settlements("Обстріляли Іванівку Донецької області та Харків.")
    assert [m.text for m in found] == ["Іванівку", "Харків"], [(m.text, m.match) for m in found]
    assert found[0].match is not None and found[0].match.oblast_uk == "Донецька"


def test_a_part_of_the_city_beside_it_is_still_left_out() -> None:
    found = _settlements("Вибухи пролунали у Києві на Троєщині.")
    assert [m.match.name_uk for m in found if m.match] == ["Київ"], [(m.text, m.match) for m in found]
