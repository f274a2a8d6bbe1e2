"""rank: the settlement prior and the named ranking rules, each on small made-up candidates."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gazetteer.model import Settlement
from gazetteer.rank import category_prior, population_prior, settlement_prior

BASE = Settlement(
    id="UA00000000000000000",
    name_uk="Тестове",
    name_en="Testove",
    category="C",
    oblast_id="UA01",
    oblast_uk="Перша",
    oblast_en="Persha",
    raion_id="UA0101",
    raion_uk="Перший",
    raion_en="Pershyi",
    hromada_id="UA010101",
    hromada_uk="Перша",
    hromada_en="Persha",
    lat=49.0,
    lon=31.0,
    coord_precision="point",
    geonameid=None,
    population=None,
)


def place(sid: str = "UA00000000000000001", category: str = "C", population: int | None = None, **kw) -> Settlement:
    return replace(BASE, id=sid, category=category, population=population, **kw)


@pytest.mark.parametrize(("higher", "lower"), [("K", "M"), ("M", "X"), ("X", "C")])
def test_category_prior_orders_capital_city_settlement_village(higher: str, lower: str) -> None:
    assert category_prior(higher) > category_prior(lower)


def test_population_prior_grows_with_population_and_is_zero_when_unknown() -> None:
    assert population_prior(None) == 0 == population_prior(0)
    assert population_prior(100) < population_prior(10_000) < population_prior(1_000_000)


def test_any_city_outranks_any_village_whatever_the_populations() -> None:
    assert settlement_prior(place(category="M", population=1)) > settlement_prior(place(category="C", population=10**6))


def test_larger_place_of_one_category_has_the_higher_prior() -> None:
    assert settlement_prior(place(population=5_000)) > settlement_prior(place(population=300))
