"""Ranking: the prior of a settlement and the named, ordered rules that pick one answer among candidates.

>>> from gazetteer.rank import settlement_prior
>>> from gazetteer.store import get_extract
>>> capital, village = sorted((s for s in get_extract().settlements if s.name_uk == "Київ"), key=settlement_prior)[::-1]
>>> capital.category, village.category, settlement_prior(capital) > settlement_prior(village)
('K', 'C', True)

The prior says how likely a settlement is meant when the name alone cannot tell: its KATOTTG category
first (city with special status > city > settlement > village), then its population on a log scale.
Every face that ranks settlements (the resolver, the geoparser) imports it from here instead of keeping
a copy.
"""

from __future__ import annotations

import math

from gazetteer.model import Settlement

#: Category part of the prior: K (Kyiv, Sevastopol) 3, M city 2, X settlement 1, C village 0.
CATEGORY_PRIOR = {"K": 3, "M": 2, "X": 1, "C": 0}
#: Population part of the prior: log10(population + 1) times this (a city of a million adds 0.6, so
#: population orders places inside one category and never lifts a village over a city).
POPULATION_WEIGHT = 0.1


def category_prior(category: str) -> int:
    """The category part of the prior: 3 for K, 2 for M (city), 1 for X (settlement), 0 otherwise."""
    return CATEGORY_PRIOR.get(category, 0)


def population_prior(population: int | None) -> float:
    """The population part of the prior: ``log10(population + 1) * POPULATION_WEIGHT`` (0 when unknown)."""
    return math.log10(max(population or 0, 0) + 1) * POPULATION_WEIGHT


def settlement_prior(s: Settlement) -> float:
    """How likely ``s`` is meant when nothing else tells homonyms apart: category, then population.

    A float in [0, ~3.7]: ``category_prior(s.category) + population_prior(s.population)``. Any city ranks
    above any village; among one category the larger place ranks first.
    """
    return category_prior(s.category) + population_prior(s.population)
