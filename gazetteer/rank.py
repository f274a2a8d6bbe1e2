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
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from gazetteer.model import Match, Settlement
from gazetteer.normalize import script_of

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


# -- the decision: named rules, tried in order ------------------------------------------------------
#
# The resolver gathers candidates (tiers of exact, skeleton and typo matches), scores them (kind of name
# hit, hints) and sorts them best first. The rules below then decide: one answer (`resolved`, with the
# rule's reason), or several equally good (`ambiguous`). Each rule reads and may narrow the `peers`;
# the first that returns a Decision ends the search. To add a rule: write a function of `Ranking`, give
# its constants names, put it in RULES at its place, and test it in tests/test_rank.py on made-up
# candidates.

#: Candidates within this of the best score are its peers: if several remain, the query is ambiguous.
PEER_MARGIN = 0.015
#: A city reached by one of its other names (Russian, former, familiar foreign: Nikolayev, Balakleya,
#: Красний Лиман) within this of the best score joins the peers of the villages that match better...
OTHER_NAME_MARGIN = 0.06
#: ...when it has at least this many people (a hamlet's official spelling stays its own).
OTHER_NAME_POPULATION = 10_000
#: Kinds of name that are "another name" of a settlement for that rule.
OTHER_NAME_KINDS = frozenset({"russian", "transliteration", "alternate"})
#: A city of at least OTHER_NAME_POPULATION people whose former official name the query is (Красний Лиман,
#: now Лиман) wins over villages that carry that name today, within this of their score (a current official
#: name scores 1.0, a former one 0.93).
RENAMED_CITY_MARGIN = 0.08
#: ...if every settlement carrying the name today is a village (a settlement, X, keeps its current name).
HAMLET_CATEGORIES = frozenset({"C"})
#: A former name several places carried names the city among them if it has this many people (a sizeable
#: renamed city wins over hamlets, issue #9); among villages only it stays ambiguous.
FORMER_CITY_POPULATION = 10_000
#: With a point given, the nearest peer wins when the next one is at least this many times farther.
NEAREST_RATIO = 2.0
#: Of several cities of one name, the largest wins when it has this many times the people of the next.
FAR_LARGEST_RATIO = 5.0
_WRITTEN = re.compile(r"[\s\-'’ʼ`]+")
#: How many peers an ambiguity reason names.
REASON_NAMES = 4


@dataclass(slots=True)
class Candidate:
    """One scored candidate: the match, its distance to the ``near`` point (km, 0 without one), whether the
    query's key equals the key of the name it hit (``exact``), whether the query is written as the
    settlement's official name or national romanization (``spelled``), and whether it is a large city one
    letter away from the query, offered beside small places matched exactly (``familiar``: Nikolayev)."""

    match: Match
    distance: float = 0.0
    exact: bool = True
    spelled: bool = False
    familiar: bool = False
    prior: float = -1.0  # settlement_prior of the settlement; computed when not given

    def __post_init__(self) -> None:
        if self.prior < 0:
            self.prior = settlement_prior(self.match.settlement)

    @property
    def settlement(self) -> Settlement:
        return self.match.settlement


@dataclass(slots=True)
class Ranking:
    """What the rules read: every candidate best first, the current ``peers``, whether a point was given."""

    ranked: list[Candidate]
    peers: list[Candidate] = field(default_factory=list)
    near: bool = False
    peer_margin: float = PEER_MARGIN
    script: str = ""  # of the query: "cyrillic", "latin", ...
    written: str = ""  # the query as written: case, spaces, hyphens and apostrophes folded away

    @property
    def top(self) -> Candidate:
        return self.ranked[0]


@dataclass(frozen=True, slots=True)
class Decision:
    """A rule's verdict: ``status`` resolved (``chosen`` set) or ambiguous (``peers`` listed by prior)."""

    status: str
    reason: str
    chosen: Candidate | None = None
    peers: tuple[Candidate, ...] = ()


def _prior_order(c: Candidate) -> tuple[float, str]:
    return (-c.prior, c.settlement.id)


def peers_by_score(r: Ranking) -> Decision | None:
    """The candidates within PEER_MARGIN of the best score are the peers."""
    best = r.top.match.score
    r.peers = [c for c in r.ranked if c.match.score >= best - r.peer_margin]
    return None


def renamed_city_over_hamlets(r: Ranking) -> Decision | None:
    """A sizeable city renamed beats the villages that still carry its former name (Красний Лиман -> Лиман):
    a current official name beats a former one of another settlement, except a city's over a village's."""
    if any(c.settlement.category not in HAMLET_CATEGORIES for c in r.peers):
        return None
    best = r.top.match.score
    cities = [
        c
        for c in r.ranked
        if c.exact
        and c.match.match == "historical"
        and category_prior(c.settlement.category) >= 2
        and (c.settlement.population or 0) >= OTHER_NAME_POPULATION
        and c.match.score >= best - RENAMED_CITY_MARGIN
    ]
    if len(cities) == 1:
        return Decision("resolved", "a renamed city before villages that carry its former name", cities[0])
    ids = {c.settlement.id for c in r.peers}
    r.peers += [c for c in cities if c.settlement.id not in ids]
    return None


def written_as_official(r: Ranking) -> Decision | None:
    """A query written exactly as some peers' official name (or its national romanization) means those:
    the folding key merges Війниця with Вінниця and Chernykhiv with Chernihiv."""
    spelled = [c for c in r.peers if c.spelled]
    if spelled and len(spelled) < len(r.peers):
        if len(spelled) == 1:
            return Decision("resolved", "written as its official name", spelled[0])
        r.peers = spelled
    return None


def written_as_variant(r: Ranking) -> Decision | None:
    """Of peers that fold alike and nothing else tells apart, the one whose name (Russian, former...) is
    written exactly as the query: Ульяновка is the village whose Russian former name is so written, not
    those once called Уляновка. (Late in the order: a stray variant must not beat a city.)"""
    if not r.written or any(c.spelled for c in r.peers):
        return None
    written = [c for c in r.peers if written_form(c.match.matched) == r.written]
    if len(written) == 1 and len(r.peers) > 1:
        return Decision("resolved", "written as one of its names", written[0])
    return None


def written_form(text: str) -> str:
    """A name as written, with case, spaces, hyphens and apostrophes folded away."""
    return _WRITTEN.sub("", text.casefold())


def city_by_other_name(r: Ranking) -> Decision | None:
    """A sizeable city reached by one of its other names (Russian Balakleya, familiar Nikolayev) joins the
    peers of villages that match better, unless the query is those villages' own official spelling: the
    city prior then prefers it. A Cyrillic query must be written so (a Latin variant that only folds like
    Александровка does not make Донецьк a peer of a hundred Олександрівка)."""
    if any(c.spelled for c in r.peers):
        return None
    best = r.top.match.score
    # Beside villages any sizeable city joins; beside a city, only a far larger one (Nikolayev).
    cities = [c.settlement.population or 0 for c in r.peers if category_prior(c.settlement.category) >= 2]
    floor = max(OTHER_NAME_POPULATION, FAR_LARGEST_RATIO * max(cities, default=0))
    ids = {c.settlement.id for c in r.peers}
    r.peers += [
        c
        for c in r.ranked
        if (c.exact or c.familiar)
        and c.match.match in OTHER_NAME_KINDS
        and (r.script != "cyrillic" or script_of(c.match.matched) == "cyrillic")
        and category_prior(c.settlement.category) >= 2
        and (c.settlement.population or 0) >= floor
        and c.match.score >= best - OTHER_NAME_MARGIN
        and c.settlement.id not in ids
    ]
    return None


def single_peer(r: Ranking) -> Decision | None:
    """One peer: it is the answer."""
    if len(r.peers) == 1:
        return Decision("resolved", "", r.peers[0])
    return None


def nearest_to_point(r: Ranking) -> Decision | None:
    """With a ``near`` point, the nearest peer wins when the next is NEAREST_RATIO times farther."""
    if not r.near:
        return None
    by_distance = sorted(r.peers, key=lambda c: c.distance)
    if by_distance[0].distance * NEAREST_RATIO < by_distance[1].distance:
        return Decision("resolved", "nearest to the given point", by_distance[0])
    return None


def shared_former_name(r: Ranking) -> Decision | None:
    """A former name several peers carried (Кіровське, Жовтневе) is ambiguous, unless one of them is a city of
    FORMER_CITY_POPULATION+ with FAR_LARGEST_RATIO times the people of any other city among them (Артемівськ
    is Бахмут)."""
    if len(r.peers) < 2 or any(c.match.match != "historical" for c in r.peers):
        return None
    cities = sorted((c for c in r.peers if category_prior(c.settlement.category) >= 2), key=_prior_order)
    pops = [c.settlement.population or 0 for c in cities]
    if pops and pops[0] >= FORMER_CITY_POPULATION and (len(pops) == 1 or pops[0] >= FAR_LARGEST_RATIO * pops[1]):
        return Decision("resolved", "a large city's former name before smaller places that also carried it", cities[0])
    return balanced(r)


def city_before_villages(r: Ranking) -> Decision | None:
    """Among equally good names, the one city (or city with special status) before villages."""
    r.peers.sort(key=_prior_order)
    cats = [category_prior(c.settlement.category) for c in r.peers]
    if cats[0] >= 2 and cats.count(cats[0]) == 1:
        return Decision("resolved", "a city before villages of the same name", r.peers[0])
    return None


def far_largest_city(r: Ranking) -> Decision | None:
    """Of several cities of one name, one with FAR_LARGEST_RATIO times the people of the next."""
    cities = sorted((c for c in r.peers if category_prior(c.settlement.category) >= 2), key=_prior_order)
    if len(cities) < 2:
        return None
    pops = [c.settlement.population or 0 for c in cities]
    if pops[0] >= FAR_LARGEST_RATIO * max(pops[1], 1):
        return Decision("resolved", f"the far largest of {len(cities)} cities of that name", cities[0])
    return None


def balanced(r: Ranking) -> Decision:
    """Nothing tells the peers apart: ambiguous, peers listed by prior (towns and larger villages first)."""
    peers = sorted(r.peers, key=_prior_order)
    names = "; ".join(c.settlement.long_label for c in peers[:REASON_NAMES])
    return Decision("ambiguous", f"{len(peers)} settlements fit equally: {names}", None, tuple(peers))


#: The rules, in the order they are tried. The last always decides.
RULES: tuple[Callable[[Ranking], Decision | None], ...] = (
    peers_by_score,
    renamed_city_over_hamlets,
    written_as_official,
    city_by_other_name,
    single_peer,
    nearest_to_point,
    shared_former_name,
    city_before_villages,
    far_largest_city,
    written_as_variant,
    balanced,
)


def decide(
    ranked: list[Candidate],
    *,
    near: bool = False,
    peer_margin: float = PEER_MARGIN,
    script: str = "",
    query: str = "",
) -> Decision:
    """Run RULES over candidates sorted best first (non-empty) and return the first verdict. ``query`` is
    the name as written, ``script`` its script."""
    state = Ranking(ranked, near=near, peer_margin=peer_margin, script=script, written=written_form(query))
    for rule in RULES:
        verdict = rule(state)
        if verdict is not None:
            return verdict
    raise AssertionError("the last rule always decides")  # pragma: no cover
