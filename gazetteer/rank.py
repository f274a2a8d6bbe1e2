"""Ranking: the prior of a settlement and the named, ordered rules that pick one answer among candidates.

>>> from gazetteer.rank import settlement_prior
>>> from gazetteer.store import get_extract
>>> capital, village = sorted((s for s in get_extract().settlements if s.name_uk == "Київ"), key=settlement_prior)[::-1]
>>> capital.category, village.category, settlement_prior(capital) > settlement_prior(village)
('K', 'C', True)

The prior says how likely a settlement is meant when the name alone cannot tell: its KATOTTG category
first (city with special status > city > settlement > village), then its population on a log scale.
Every face that ranks settlements (the resolver, the geoparser) imports it from here instead of keeping
a copy. The prior mass (:func:`prior_mass`, an expected population) adds up across namesakes: the
resolver's rules weigh one place against all the others with it, and list ambiguous answers by it.
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


# -- prior mass: how many people a settlement stands for, comparable across candidates ---------------
#
# The ordinal prior above says which of two places comes first; deciding whether ONE place is meant
# among namesakes needs a mass that adds up: a small town is not more likely than seventy villages of the
# same name together. The mass is the settlement's population, estimated by category and standing (its
# hromada's centre or not, its own point or not) where the extract does not know it (two thirds of them).

#: People assumed where the extract has no population (about the median of the places of that kind
#: whose population GeoNames gives): by category and whether the place is its hromada's centre.
UNKNOWN_POPULATION = {
    ("K", True): 500_000,
    ("K", False): 500_000,
    ("M", True): 17_000,
    ("M", False): 10_000,
    ("X", True): 5_000,
    ("X", False): 800,
    ("C", True): 1_900,
    ("C", False): 340,
}
#: A place without its own point (GeoNames does not list it) is assumed this much smaller.
NO_POINT_FACTOR = 0.5
#: Position of a settlement's number inside its hromada in the KATOTTG id (UA oo rr hhh NNN ...): the
#: codifier gives the hromada's administrative centre the number 001.
_HROMADA_NUMBER = slice(9, 12)


def hromada_centre(s: Settlement) -> bool:
    """Is ``s`` its hromada's administrative centre (the codifier lists the centre first, as number 001)?"""
    return s.id[_HROMADA_NUMBER] == "001"


def expected_population(s: Settlement) -> float:
    """The settlement's population; where unknown, UNKNOWN_POPULATION for its kind (times NO_POINT_FACTOR
    without its own point)."""
    if s.population:
        return float(s.population)
    guess = UNKNOWN_POPULATION.get((s.category, hromada_centre(s)), UNKNOWN_POPULATION[("C", False)])
    return guess * (1.0 if s.coord_precision == "point" else NO_POINT_FACTOR)


def prior_mass(s: Settlement) -> float:
    """How much a settlement weighs among namesakes: its expected population (masses add up: seventy
    villages of 400 weigh more than one town of 12,000)."""
    return expected_population(s)


# -- the decision: named rules, tried in order ------------------------------------------------------
#
# The resolver gathers candidates (tiers of exact, skeleton and typo matches), scores them (kind of name
# hit, hints) and sorts them best first. The rules below then decide: none good enough (`not_found`, the
# gates first), one answer (`resolved`, with the rule's reason), or several equally good (`ambiguous`).
# Each rule reads and may narrow or widen the `peers`; the first that returns a Decision ends the search. To add a rule: write a function of `Ranking`, give
# its constants names, put it in RULES at its place, and test it in tests/test_rank.py on made-up
# candidates.

#: Below this score, the best candidate is not taken as an answer (not_found, the closest named).
MIN_SCORE = 0.7
#: A city (M/K) of at least this many people written so officially outside the hinted units keeps a hint
#: from taking a mere look-alike inside them (Sloviansk with a Dnipropetrovsk hint is not found there).
CITY_ELSEWHERE_POPULATION = 10_000
#: ...or written exactly as one of its names of these kinds: a former name (Artemivsk with a Kharkiv hint is not
#: the section of Merefa GeoNames calls Artemovsk) or its Russian name.
CITY_ELSEWHERE_KINDS = frozenset({"historical", "russian"})
#: Candidates within this of the best score are its peers: if several remain, the query is ambiguous.
PEER_MARGIN = 0.015
#: Namesakes of a loosely matched best candidate (typo or consonant skeleton) within this are its peers too.
SAME_NAME_MARGIN = 0.05
#: A city reached by one of its other names (Russian, former, familiar foreign: Nikolayev, Balakleya,
#: Красний Лиман) within this of the best score joins the peers of the villages that match better...
OTHER_NAME_MARGIN = 0.06
#: ...when it has at least this many people (a hamlet's official spelling stays its own).
OTHER_NAME_POPULATION = 10_000
#: ...and, where the query is some peers' official spelling, this many times their prior mass and only by
#: its Russian name written in Cyrillic (Балаклея; not Balakleia, the village's own romanization).
SPELLED_CITY_RATIO = 10.0
SPELLED_CITY_KINDS = frozenset({"russian"})
#: Kinds of name that are "another name" of a settlement for that rule.
OTHER_NAME_KINDS = frozenset({"russian", "transliteration", "alternate"})
#: A city of at least OTHER_NAME_POPULATION people whose former official name the query is (Красний Лиман,
#: now Лиман) wins over villages that carry that name today, within this of their score (a current official
#: name scores 1.0, a former one 0.93).
RENAMED_CITY_MARGIN = 0.08
#: ...if every settlement carrying the name today is a village (a settlement, X, keeps its current name).
HAMLET_CATEGORIES = frozenset({"C"})
#: Kinds of name that make a former name shared by several peers (GeoNames' unlabelled alternates of a city
#: are mostly its earlier names: Вільнянськ's Червоноармійське beside villages that were so called).
FORMER_KINDS = frozenset({"historical", "alternate"})
#: A former name several places carried names the city among them if it has this many people and
#: FAR_LARGEST_RATIO times the prior mass of any other of them (a sizeable renamed city wins over hamlets,
#: issue #9); among villages only it stays ambiguous.
FORMER_CITY_POPULATION = 10_000
#: With a point given, the nearest peer wins when the next one is at least this many times farther.
NEAREST_RATIO = 2.0
#: Of several cities of one name, the largest wins when it has this many times the people of the next.
FAR_LARGEST_RATIO = 5.0
#: Former bearers of a name within this of the best score may join the peers of its current bearers...
FORMER_MARGIN = 0.05
#: ...when this share of their prior mass reaches the current bearers' (see former_bearers_outweigh).
FORMER_WEIGHT = 1.0
#: A city wins over its namesakes only with this many times the prior mass of the largest of them.
RIVAL_RATIO = 1.5
#: A place that is not a city wins over its namesakes with this many times their prior mass together.
DOMINANCE = 5.0
_WRITTEN = re.compile(r"[\s\-'’ʼ`]+")
_CITIES = frozenset({"M", "K"})
#: Match kinds of a settlement's own official name and its romanizations (not Russian, former or other forms).
_OWN_NAME_KINDS = frozenset({"exact", "transliteration"})
#: With a region hinted, its one hromada centre among namesakes there wins if at least a settlement
#: (category_prior 1: X); a village centre among village namesakes stays ambiguous.
CENTRE_MIN_CATEGORY = 1
#: A hromada is named after its centre: the settlement's name, but for its last this many letters, begins
#: the hromada's (Казанка -> Казанківська, Березнегувате -> Березнегуватська), and at least HROMADA_NAME_MIN.
HROMADA_NAME_SLACK = 3
HROMADA_NAME_MIN = 3
#: Words for the KATOTTG categories in reasons.
CATEGORY_NAMES = {"C": "village", "X": "settlement", "M": "city", "K": "city"}
#: How many peers an ambiguity reason names.
REASON_NAMES = 4


@dataclass(slots=True)
class Candidate:
    """One scored candidate: the match, its distance to the ``near`` point (km, 0 without one), whether the
    query's key equals the key of the name it hit (``exact``), whether the query is written as the
    settlement's official name or national romanization (``spelled``), whether it is a large city one
    letter away from the query, offered beside small places matched exactly (``familiar``: Nikolayev),
    its prior mass (``prior``) and whether it lies inside the hinted units (``fits``)."""

    match: Match
    distance: float = 0.0
    exact: bool = True
    spelled: bool = False
    familiar: bool = False
    prior: float = -1.0  # prior_mass of the settlement; computed when not given
    fits: bool = True  # inside the hinted units (always, without hints)
    settlement: Settlement = field(init=False, repr=False)  # the match's, kept at hand (the rules read it often)

    def __post_init__(self) -> None:
        self.settlement = self.match.settlement
        if self.prior < 0:
            self.prior = prior_mass(self.settlement)


@dataclass(slots=True)
class Ranking:
    """What the rules read: every candidate best first, the current ``peers``, whether a point was given,
    whether a region (oblast, raion or hromada) was hinted."""

    ranked: list[Candidate]
    peers: list[Candidate] = field(default_factory=list)
    near: bool = False
    region: bool = False
    min_score: float = MIN_SCORE
    peer_margin: float = PEER_MARGIN
    script: str = ""  # of the query: "cyrillic", "latin", ...
    written: str = ""  # the query as written: case, spaces, hyphens and apostrophes folded away
    category: str = ""  # KATOTTG categories a type word in the query announces ("смт": "X"), "" for none

    @property
    def top(self) -> Candidate:
        return self.ranked[0]


@dataclass(frozen=True, slots=True)
class Decision:
    """A rule's verdict: ``status`` resolved (``chosen`` set), ambiguous (``peers`` listed by prior) or
    not_found (``chosen`` is the closest candidate, to show)."""

    status: str
    reason: str
    chosen: Candidate | None = None
    peers: tuple[Candidate, ...] = ()


def _prior_order(c: Candidate) -> tuple[float, str]:
    return (-c.prior, c.settlement.id)


def below_min_score(r: Ranking) -> Decision | None:
    """The best candidate scores below MIN_SCORE (or the resolver's ``min_score``): not found, the closest
    named."""
    if r.top.match.score < r.min_score:
        return _not_found(r)
    return None


def city_outside_region(r: Ranking) -> Decision | None:
    """With a region hinted, a look-alike inside it (a typo, a stray variant) does not stand in for a city of
    CITY_ELSEWHERE_POPULATION+ written so officially outside it, or written exactly as its former or Russian
    name (CITY_ELSEWHERE_KINDS): Sloviansk or Artemivsk with a Dnipropetrovsk hint is not found there, and
    the city is named as the closest. An exact or former name inside the region,
    or one written as its own, stands."""
    if not r.region:
        return None
    fitting = next((c for c in r.ranked if c.fits), None)
    if fitting is None or fitting.spelled or fitting.match.match in ("historical", "exact"):
        return None
    # Only a look-alike inside gives way to a city's other name: not a place inside that carries the name
    # itself (a Russian or romanized name of its own, or its official name shared with the city).
    look_alike = not (fitting.exact and fitting.match.match in CITY_ELSEWHERE_KINDS | {"transliteration", "alternate"})
    if any(
        (
            c.spelled
            or look_alike
            and c.exact
            and c.match.match in CITY_ELSEWHERE_KINDS
            and c.settlement.name_uk != fitting.settlement.name_uk
        )
        and not c.fits
        and category_prior(c.settlement.category) >= 2
        and (c.settlement.population or 0) >= CITY_ELSEWHERE_POPULATION
        for c in r.ranked
    ):
        return _not_found(r)
    return None


def spelled_outside_region(r: Ranking) -> Decision | None:
    """With a region hinted, a typo-like look-alike inside it (a ``fuzzy`` match) does not stand in for a
    place of any size whose official name (or its national romanization) the query is, outside it:
    Радьківка with a Donetsk hint is not found there (the region cell is likely wrong), not Макіївка, and
    the Радьківка elsewhere is named as the closest. A typo that happens to spell another place's official
    name is rarer than a wrong region cell; a look-alike found by a closer tier (exact, skeleton, former
    name) stands."""
    if not r.region:
        return None
    fitting = next((c for c in r.ranked if c.fits), None)
    if fitting is None or fitting.match.match != "fuzzy":
        return None
    if any(not c.fits and (c.spelled or (c.exact and c.match.match in _OWN_NAME_KINDS)) for c in r.ranked):
        return _not_found(r)
    return None


def _not_found(r: Ranking) -> Decision:
    """Not found: the closest candidate is the best one, or with a region hinted the best exact hit outside
    it when the best inside scores less than twice as much."""
    top = closest = r.top
    if r.region:
        elsewhere = next((c for c in r.ranked if c.exact and not c.fits), None)
        if elsewhere is not None and top.match.score < elsewhere.match.score * 2:
            closest = elsewhere
    why = "no fitting settlement"
    if r.region and (closest is not top or not any(c.fits for c in r.ranked[:3])):
        why = "no settlement of that name in the hinted units"
    return Decision("not_found", f"{why}; closest: {closest.match.label} ({closest.match.score:.2f})", closest)


def single_candidate(r: Ranking) -> Decision | None:
    """One candidate that passed the gates: it is the answer (the common case; nothing to weigh)."""
    if len(r.ranked) == 1:
        return Decision("resolved", "", r.top)
    return None


def peers_by_score(r: Ranking) -> Decision | None:
    """The candidates within PEER_MARGIN of the best score are the peers; when the best is not an exact
    hit, so are its namesakes within SAME_NAME_MARGIN."""
    best = r.top.match.score
    r.peers = [c for c in r.ranked if c.match.score >= best - r.peer_margin]
    if not r.top.exact:
        # A spelling matched only loosely cannot tell namesakes apart by which of their variants it came
        # nearer to (Dibrovne: one Дібрівне through a Russian variant, two through their own names).
        name = r.top.settlement.name_uk
        ids = {c.settlement.id for c in r.peers}
        r.peers += [
            c
            for c in r.ranked
            if c.settlement.name_uk == name and c.match.score >= best - SAME_NAME_MARGIN and c.settlement.id not in ids
        ]
    return None


def stated_type(r: Ranking) -> Decision | None:
    """A type word in the cell (смт Покровське, с. Олександрівка, Kharkiv city) keeps the peers of the
    categories it announces, when some are and some are not: the one left is the answer. A type that fits no
    peer is ignored (a village cell may call a town "село"; the name decides)."""
    if not r.category or len(r.peers) < 2:
        return None
    stated = [c for c in r.peers if c.settlement.category in r.category]
    if not stated or len(stated) == len(r.peers):
        return None
    if len(stated) == 1:
        what = CATEGORY_NAMES.get(stated[0].settlement.category, "place")
        return Decision("resolved", f"the one {what} of that name (the cell says {what})", stated[0])
    r.peers = stated
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
    peers of villages that match better. Where the query is those villages' own official spelling the city
    joins only with SPELLED_CITY_RATIO times their prior mass (Балаклея is the town Балаклія of 26,000
    before the village officially so named). A Cyrillic query must be written so (a Latin variant that only
    folds like Александровка does not make Донецьк a peer of a hundred Олександрівка)."""
    spelled = sum(c.prior for c in r.peers if c.spelled)
    # Past a spelled peer only by a Russian name in Cyrillic (a language apart from the official spelling;
    # a Latin spelling is the village's own romanization).
    kinds = OTHER_NAME_KINDS if not spelled else SPELLED_CITY_KINDS if r.script == "cyrillic" else frozenset()
    best = r.top.match.score
    # Beside villages any sizeable city joins; beside a city, only a far larger one (Nikolayev).
    cities = [c.settlement.population or 0 for c in r.peers if category_prior(c.settlement.category) >= 2]
    floor = max(OTHER_NAME_POPULATION, FAR_LARGEST_RATIO * max(cities, default=0))
    ids = {c.settlement.id for c in r.peers}
    r.peers += [
        c
        for c in r.ranked
        if c.settlement.category in _CITIES
        and (c.exact or c.familiar)
        and c.match.match in kinds
        and (r.script != "cyrillic" or script_of(c.match.matched) == "cyrillic")
        and category_prior(c.settlement.category) >= 2
        and (c.settlement.population or 0) >= floor
        and c.prior >= SPELLED_CITY_RATIO * spelled
        and c.match.score >= best - OTHER_NAME_MARGIN
        and c.settlement.id not in ids
    ]
    return None


def former_bearers_outweigh(r: Ranking) -> Decision | None:
    """A name that few places carry today and many carried before the 2016 renamings (Ленінське: one
    settlement today, 28 villages until 2016) is not decided by the current bearers alone: the former
    bearers within FORMER_MARGIN join the peers when FORMER_WEIGHT times their prior mass reaches the
    current bearers' (old tables and maps still use the names), and the answer is ambiguous: today's
    bearers listed first, then the former ones by prior."""
    if any(c.match.match == "historical" for c in r.peers):
        return None
    best = r.top.match.score
    ids = {c.settlement.id for c in r.peers}
    former = [
        c
        for c in r.ranked
        if c.match.match == "historical"
        and c.exact
        and c.match.score >= best - FORMER_MARGIN
        and c.settlement.id not in ids
    ]
    if former and FORMER_WEIGHT * sum(c.prior for c in former) >= sum(c.prior for c in r.peers):
        today = sorted(r.peers, key=_prior_order)
        former.sort(key=_prior_order)
        names = "; ".join(c.settlement.long_label for c in (today + former)[:REASON_NAMES])
        reason = f"{len(today)} carry the name today and {len(former)} once did: {names}"
        return Decision("ambiguous", reason, None, tuple(today + former))
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
    FORMER_CITY_POPULATION+ with RIVAL_RATIO times the people of any other place among them (Артемівськ is
    Бахмут; Кіровське is not Хрестівка alone while a settlement of 9,000 carried it too)."""
    kinds = {c.match.match for c in r.peers}
    if len(r.peers) < 2 or "historical" not in kinds or not kinds <= FORMER_KINDS:
        return None
    peers = sorted(r.peers, key=_prior_order)
    top = peers[0].settlement
    if (
        category_prior(top.category) >= 2
        and (top.population or 0) >= FORMER_CITY_POPULATION
        and top.population >= FAR_LARGEST_RATIO * _largest_rival(peers, peers[0])
    ):
        return Decision("resolved", "a large city's former name before smaller places that also carried it", peers[0])
    return balanced(r)


def city_before_villages(r: Ranking) -> Decision | None:
    """Among equally good names, the one city (or city with special status) before villages, unless the
    others weigh at least 1/RIVAL_RATIO of it, weighed as the root of their summed squared masses: the
    largest count almost fully, many hamlets little (a town of 11,500 beside a settlement and a village of
    6,800 each stays ambiguous; a town of 12,500 beside sixty villages of 2,000 at most does not)."""
    r.peers.sort(key=_prior_order)
    cats = [category_prior(c.settlement.category) for c in r.peers]
    if cats[0] >= 2 and cats.count(cats[0]) == 1:
        rivals = math.sqrt(sum(c.prior * c.prior for c in r.peers[1:]))
        if r.peers[0].prior >= RIVAL_RATIO * rivals:
            return Decision("resolved", "a city before villages of the same name", r.peers[0])
    return None


def far_largest_city(r: Ranking) -> Decision | None:
    """Of several cities of one name, one with FAR_LARGEST_RATIO times the people of the next."""
    cities = sorted((c for c in r.peers if category_prior(c.settlement.category) >= 2), key=_prior_order)
    if len(cities) < 2:
        return None
    pops = [c.settlement.population or 0 for c in cities]
    if pops[0] >= FAR_LARGEST_RATIO * max(pops[1], 1) and pops[0] >= RIVAL_RATIO * _largest_rival(r.peers, cities[0]):
        return Decision("resolved", f"the far largest of {len(cities)} cities of that name", cities[0])
    return None


def population_dominates(r: Ranking) -> Decision | None:
    """Of namesakes none of which is a city, one whose known population is DOMINANCE times the people of
    all the others together (estimated where unknown: expected_population) is the answer. Not for former
    names: which of several villages an old name meant, population does not tell."""
    if not _namesakes(r.peers) or _any_former(r.peers):
        return None
    peers = sorted(r.peers, key=_prior_order)
    top = peers[0].settlement
    if top.population and top.population >= DOMINANCE * sum(c.prior for c in peers[1:]):
        return Decision("resolved", f"by far the most people of {len(peers)} places of that name", peers[0])
    return None


def hromada_centre_in_region(r: Ranking) -> Decision | None:
    """With a region hinted (or all namesakes in one oblast), of namesakes there the one that is its
    hromada's centre and gives the hromada its name (Казанка of the Казанківська hromada) is the answer:
    the place people know by that name. Not across oblasts (every oblast has its own centres), nor for
    former names."""
    one_oblast = len({c.settlement.oblast_id for c in r.peers}) == 1
    if not (r.region or one_oblast) or not _namesakes(r.peers) or _any_former(r.peers):
        return None
    centres = [
        c
        for c in r.peers
        if category_prior(c.settlement.category) >= CENTRE_MIN_CATEGORY and names_its_hromada(c.settlement)
    ]
    if len(centres) == 1:
        return Decision("resolved", "the hromada centre among namesakes of one region", centres[0])
    return None


def names_its_hromada(s: Settlement) -> bool:
    """Is ``s`` its hromada's centre, and named as the hromada (Малинівка, Малинівська: all but the last
    HROMADA_NAME_SLACK letters of the settlement's name begin the hromada's)?"""
    if not hromada_centre(s):
        return False
    name, hromada = _letters(s.name_uk), _letters(s.hromada_uk)
    shared = next((i for i, (a, b) in enumerate(zip(name, hromada)) if a != b), min(len(name), len(hromada)))
    return shared >= max(HROMADA_NAME_MIN, len(name) - HROMADA_NAME_SLACK)


def _letters(text: str) -> str:
    return _WRITTEN.sub("", text.casefold())


def _largest_rival(peers: list[Candidate], top: Candidate) -> float:
    """The prior mass of the largest peer other than ``top`` (0 when alone)."""
    return max((c.prior for c in peers if c is not top), default=0.0)


def _any_former(peers: list[Candidate]) -> bool:
    return any(c.match.match == "historical" for c in peers)


def _namesakes(peers: list[Candidate]) -> bool:
    """Do the peers all carry one official name (namesakes, not an abbreviation that fits several names)?"""
    return len({c.settlement.name_uk for c in peers}) == 1


def balanced(r: Ranking) -> Decision:
    """Nothing tells the peers apart: ambiguous, peers listed by prior (towns and larger villages first)."""
    peers = sorted(r.peers, key=_prior_order)
    names = "; ".join(c.settlement.long_label for c in peers[:REASON_NAMES])
    return Decision("ambiguous", f"{len(peers)} settlements fit equally: {names}", None, tuple(peers))


#: The rules, in the order they are tried. The last always decides.
RULES: tuple[Callable[[Ranking], Decision | None], ...] = (
    below_min_score,
    city_outside_region,
    spelled_outside_region,
    single_candidate,
    peers_by_score,
    stated_type,
    renamed_city_over_hamlets,
    written_as_official,
    city_by_other_name,
    former_bearers_outweigh,
    single_peer,
    nearest_to_point,
    shared_former_name,
    city_before_villages,
    far_largest_city,
    population_dominates,
    hromada_centre_in_region,
    written_as_variant,
    balanced,
)


def decide(
    ranked: list[Candidate],
    *,
    near: bool = False,
    region: bool = False,
    min_score: float = MIN_SCORE,
    peer_margin: float = PEER_MARGIN,
    script: str = "",
    query: str = "",
    category: str = "",
) -> Decision:
    """Run RULES over candidates sorted best first (non-empty) and return the first verdict. ``query`` is
    the name as written, ``script`` its script, ``category`` what a type word in the cell announces;
    ``region`` says a region hint was given."""
    state = Ranking(
        ranked,
        near=near,
        region=region,
        min_score=min_score,
        peer_margin=peer_margin,
        script=script,
        written=written_form(query),
        category=category,
    )
    for rule in RULES:
        verdict = rule(state)
        if verdict is not None:
            return verdict
    raise AssertionError("the last rule always decides")  # pragma: no cover
