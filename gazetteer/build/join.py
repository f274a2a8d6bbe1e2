"""Join GeoNames places to codifier settlements, one point per settlement at most.

A place is looked for first among the settlements of its raion (GeoNames ``admin2`` is the 4-digit
KATOTTG raion code for Ukraine: ``1408`` = ``UA1408...``), and only when no settlement of its raion
carries any of its names, among those of its oblast (GeoNames ``admin1``). In each scope the names are
tried in tiers from strongest to weakest:

1. a Ukrainian Cyrillic alternate of the place folds to the settlement's official name;
2. the place's own name (a romanization) folds to it;
3. any other alternate (Russian, other romanizations) folds to it;
4. consonant skeletons agree (Russian-only names such as Оленевка for Оленівка) and the spellings are
   alike as a whole (:data:`MIN_SKELETON_SIMILARITY`: Ul'yanovka is not Оленівка).

Distance guard: a candidate whose hromada centroid lies farther from the place than
:data:`MAX_KM_RAION_SCOPE` (raion scope) or :data:`MAX_KM_OBLAST_SCOPE` (oblast scope) is refused; where
the hromada centroid is unknown (Crimea, Sevastopol, hromadas recoded since 2020) the raion centroid
with :data:`MAX_KM_FROM_RAION`, and then only for names of tiers 1-3 in the place's own raion.

Homonyms (several candidates left): a city wins for a place of 3,000+ people; else the candidate whose
hromada centroid is clearly nearest (under 0.6 of the next and 3+ km nearer). Places still undecided are
settled together in a second pass: candidates already taken by an unambiguous place are struck out, and
k places sharing the same k candidates are assigned by the least total distance when that assignment
beats every other by :data:`ASSIGNMENT_MARGIN_KM`; the rest stay on the centroid with a reason. If two
places claim one settlement, the narrower scope, then the stronger tier, then the larger population, then
the nearer place keeps it (an abandoned or destroyed place, GeoNames PPLQ/PPLW, only after the others). Every place left out gets a reason.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from gazetteer.build.geonames import GeoPlace
from gazetteer.build.katottg import RawSettlement
from gazetteer.geodesy import haversine_km
from gazetteer.normalize import cyrillic_language, fold_key, script_of, skeleton

#: Raion scope: a place whose raion (admin2) holds a settlement of its name may lie this far from that
#: settlement's hromada centroid (km); hromadas of the steppe south are up to ~70 km across.
MAX_KM_RAION_SCOPE = 45.0
#: Oblast scope (no settlement of the name in the place's raion): a stricter bound (km).
MAX_KM_OBLAST_SCOPE = 30.0
#: When the hromada centroid is unknown (Crimea, Sevastopol), the raion centroid with a looser bound (km).
MAX_KM_FROM_RAION = 70.0
#: Homonyms settled by least total distance only when the best assignment wins by this much (km).
ASSIGNMENT_MARGIN_KM = 5.0
#: A skeleton match also needs this rapidfuzz ratio (0-100) between folded spellings.
MIN_SKELETON_SIMILARITY = 70.0
TIER_NAMES = {1: "ukrainian_alternate", 2: "geonames_name", 3: "other_alternate", 4: "skeleton"}
SCOPES = ("raion", "oblast")


@dataclass
class JoinResult:
    by_settlement: dict[str, tuple[GeoPlace, int]]  # settlement id -> (place, tier)
    unmatched: list[tuple[GeoPlace, str, str]]  # (place, oblast id or "", reason)
    scope: dict[str, str]  # settlement id -> how it was joined: raion | oblast | raion_homonyms


def _place_names(place: GeoPlace) -> dict[int, list[str]]:
    tiers: dict[int, list[str]] = {1: [], 2: [] if _has_digit(place.name) else [place.name], 3: []}
    for alt in place.alternates:
        if _has_digit(alt.name):
            continue  # Chornobyl-2 (a radar site) is not Chornobyl
        script = script_of(alt.name)
        if script == "cyrillic" and (alt.lang == "uk" or (not alt.lang and cyrillic_language(alt.name) != "ru")):
            tiers[1].append(alt.name)
        elif script in ("cyrillic", "latin") and not alt.historic:
            tiers[3].append(alt.name)
    return tiers


#: GeoNames codes of abandoned or destroyed places: still settlements in the codifier (the exclusion
#: zone, villages destroyed in the war), so they may join, but any other place of the name comes first.
ABANDONED_CODES = frozenset({"PPLQ", "PPLW"})


def _has_digit(name: str) -> bool:
    return any(ch.isdigit() for ch in name)


def join_places(
    places: list[GeoPlace],
    settlements: list[RawSettlement],
    admin1_to_oblast: dict[str, str],
    centroids: dict[str, tuple[float, float]],
) -> JoinResult:
    """Assign GeoNames places to settlements; see the module docstring for the rules."""
    by_key: dict[tuple[str, str], list[RawSettlement]] = defaultdict(list)
    by_skel: dict[tuple[str, str], list[RawSettlement]] = defaultdict(list)
    raions: set[str] = set()
    for s in settlements:
        key = fold_key(s.name_uk)
        scopes = [s.oblast_id] + ([s.raion_id[:6]] if s.raion_id else [])
        raions.update(scopes[1:])
        for scope in scopes:
            by_key[(scope, key)].append(s)
            if len(skeleton(key)) >= 4:
                by_skel[(scope, skeleton(key))].append(s)

    def anchor(s: RawSettlement, scope: str) -> tuple[tuple[float, float] | None, float]:
        hromada = centroids.get(s.hromada_id[:9])
        if hromada:
            return hromada, MAX_KM_RAION_SCOPE if scope == "raion" else MAX_KM_OBLAST_SCOPE
        return centroids.get(s.raion_id[:6]), MAX_KM_FROM_RAION

    def candidates(place: GeoPlace, scope_id: str, names: dict[int, list[str]], tier: int) -> list[RawSettlement]:
        if tier == 4:
            folded = {fold_key(n) for n in names[1] + names[2] + names[3]}
            keys = {skeleton(k) for k in folded}
            found = {
                s.id: s
                for k in keys
                if len(k) >= 4
                for s in by_skel.get((scope_id, k), [])
                if max(fuzz.ratio(fold_key(s.name_uk), f) for f in folded) >= MIN_SKELETON_SIMILARITY
            }
        else:
            keys = {fold_key(n) for n in names[tier]}
            found = {s.id: s for k in keys for s in by_key.get((scope_id, k), [])}
        return list(found.values())

    # claims: settlement id -> [(scope rank, tier, abandoned, -population, distance, geonameid, place)]
    claims: dict[str, list[tuple[int, int, bool, int, float, int, GeoPlace]]] = defaultdict(list)
    undecided: list[tuple[GeoPlace, str, int, int, list[tuple[float, RawSettlement]], str]] = []
    unmatched: list[tuple[GeoPlace, str, str]] = []
    for place in places:
        oblast = admin1_to_oblast.get(place.admin1, "")
        raion = f"UA{place.admin2}" if len(place.admin2) == 4 else ""
        if raion and raion not in raions:
            raion = ""
        if raion and not oblast:
            oblast = next((o for o in admin1_to_oblast.values() if o[:4] == raion[:4]), "")
        if not oblast:
            unmatched.append((place, "", f"unknown admin1 code {place.admin1!r}"))
            continue
        names = _place_names(place)
        reason, decided = "no settlement of that name in its raion or oblast", False
        for rank, (scope, scope_id) in enumerate(zip(SCOPES, (raion, oblast))):
            if not scope_id or decided:
                continue
            for tier in (1, 2, 3, 4):
                found = candidates(place, scope_id, names, tier)
                if not found:
                    continue
                near = []
                for s in found:
                    point, bound = anchor(s, scope)
                    if bound == MAX_KM_FROM_RAION and (scope != "raion" or tier == 4):
                        continue  # only the raion centroid to check against: strong names in the raion only
                    dist = haversine_km(place.lat, place.lon, *point) if point else 0.0
                    if dist <= bound:
                        near.append((dist, s))
                if not near:
                    reason = (
                        f"name matches in its {scope}, but too far from the settlement's hromada ({TIER_NAMES[tier]})"
                    )
                    continue
                near.sort(key=lambda x: (x[0], x[1].id))
                cities = [s for _, s in near if s.category in ("M", "K")]
                chosen = None
                if len(near) == 1:
                    chosen = near[0]
                elif place.population >= 3000 and len(cities) == 1:
                    chosen = next(x for x in near if x[1] is cities[0])
                elif near[0][0] < 0.6 * near[1][0] and near[1][0] - near[0][0] > 3.0:
                    chosen = near[0]
                decided = True
                if chosen is None:
                    undecided.append((place, oblast, rank, tier, near, scope))
                else:
                    dist, s = chosen
                    claims[s.id].append(
                        (rank, tier, _abandoned(place), -place.population, dist, place.geonameid, place)
                    )
                break
        if not decided:
            unmatched.append((place, oblast, reason))

    by_settlement: dict[str, tuple[GeoPlace, int]] = {}
    scope_of: dict[str, str] = {}

    def settle(claims: dict[str, list[tuple[int, int, bool, int, float, int, GeoPlace]]], label: str | None) -> None:
        for sid, claimed in sorted(claims.items()):
            claimed.sort(key=lambda c: c[:6])
            rank, tier, *_, place = claimed[0]
            by_settlement[sid] = (place, tier)
            scope_of[sid] = label or SCOPES[rank]
            for *_, other in claimed[1:]:
                unmatched.append(
                    (
                        other,
                        admin1_to_oblast.get(other.admin1, ""),
                        f"settlement {sid} already has GeoNames point {place.geonameid}",
                    )
                )

    settle(claims, None)

    # Second pass: homonyms left undecided, with the settlements already taken struck out.
    groups: dict[tuple[str, ...], list[tuple[GeoPlace, str, int, int, list[tuple[float, RawSettlement]], str]]]
    groups = defaultdict(list)
    for item in undecided:
        free = [(d, s) for d, s in item[4] if s.id not in by_settlement]
        item = (*item[:4], free, item[5])
        if len(free) == 1:
            groups[(free[0][1].id,)].append(item)
        elif free:
            groups[tuple(sorted(s.id for _, s in free))].append(item)
        else:
            unmatched.append((item[0], item[1], "its homonyms near the place already have points"))
    second: dict[str, list[tuple[int, int, bool, int, float, int, GeoPlace]]] = defaultdict(list)
    for ids, items in sorted(groups.items()):
        if len(ids) == 1:
            for place, _obl, rank, tier, free, _scope in items:
                second[ids[0]].append(
                    (rank, tier, _abandoned(place), -place.population, free[0][0], place.geonameid, place)
                )
            continue
        assignment = _least_distance(items, ids) if len(items) == len(ids) <= 4 else None
        if assignment is None:
            for place, obl, _rank, tier, free, scope in items:
                unmatched.append(
                    (place, obl, f"{len(free)} settlements of that name near the place ({scope}, {TIER_NAMES[tier]})")
                )
            continue
        for (place, _obl, rank, tier, free, _scope), sid in zip(items, assignment):
            dist = next(d for d, s in free if s.id == sid)
            second[sid].append((rank, tier, _abandoned(place), -place.population, dist, place.geonameid, place))
    settle(second, "homonyms")
    return JoinResult(by_settlement, unmatched, scope_of)


def _abandoned(place: GeoPlace) -> bool:
    return place.feature_code in ABANDONED_CODES


def _least_distance(items: list, ids: tuple[str, ...]) -> list[str] | None:
    """The assignment of k places to k settlements with the least total distance, if it clearly wins."""
    dist = []
    for item in items:
        row = {s.id: d for d, s in item[4]}
        if set(row) != set(ids):
            return None
        dist.append(row)
    costs = sorted((sum(dist[i][sid] for i, sid in enumerate(perm)), perm) for perm in itertools.permutations(ids))
    if len(costs) > 1 and costs[1][0] - costs[0][0] < ASSIGNMENT_MARGIN_KM:
        return None
    return list(costs[0][1])
