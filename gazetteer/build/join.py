"""Join GeoNames places to codifier settlements, one point per settlement at most.

For each place, the candidate settlements are those of its oblast (GeoNames admin1) whose name agrees,
tried in tiers from strongest to weakest:

1. a Ukrainian Cyrillic alternate of the place folds to the settlement's official name;
2. the place's own name (a romanization) folds to it;
3. any other alternate (Russian, other romanizations) folds to it;
4. consonant skeletons agree (Russian-only names such as Оленевка for Оленівка).

Within a tier, ties break on a city for a large place, then on the nearest hromada centroid (only if
clearly nearest). A candidate whose hromada centroid lies too far from the place is refused (city
sections such as Saltivka share names with villages elsewhere). If two places claim one settlement,
the stronger tier, then the larger population keeps it. Every place left out gets a reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from gazetteer.build.geonames import GeoPlace
from gazetteer.build.katottg import RawSettlement
from gazetteer.geodesy import haversine_km
from gazetteer.normalize import cyrillic_language, fold_key, script_of, skeleton

#: A place farther than this from its candidate's hromada centroid is not that settlement (km).
#: The 99th percentile of place-to-own-hromada-centroid distances is about 25 km (see MANIFEST).
MAX_KM_FROM_HROMADA = 35.0
#: When the hromada centroid is unknown (Crimea), the raion centroid with a looser bound.
MAX_KM_FROM_RAION = 70.0
TIER_NAMES = {1: "ukrainian_alternate", 2: "geonames_name", 3: "other_alternate", 4: "skeleton"}


@dataclass
class JoinResult:
    by_settlement: dict[str, tuple[GeoPlace, int]]  # settlement id -> (place, tier)
    unmatched: list[tuple[GeoPlace, str, str]]  # (place, oblast id or "", reason)


def _place_names(place: GeoPlace) -> dict[int, list[str]]:
    tiers: dict[int, list[str]] = {1: [], 2: [place.name], 3: []}
    for alt in place.alternates:
        script = script_of(alt.name)
        if script == "cyrillic" and (alt.lang == "uk" or (not alt.lang and cyrillic_language(alt.name) != "ru")):
            tiers[1].append(alt.name)
        elif script in ("cyrillic", "latin") and not alt.historic:
            tiers[3].append(alt.name)
    return tiers


def join_places(
    places: list[GeoPlace],
    settlements: list[RawSettlement],
    admin1_to_oblast: dict[str, str],
    centroids: dict[str, tuple[float, float]],
) -> JoinResult:
    """Assign GeoNames places to settlements; see the module docstring for the rules."""
    by_key: dict[tuple[str, str], list[RawSettlement]] = defaultdict(list)
    by_skel: dict[tuple[str, str], list[RawSettlement]] = defaultdict(list)
    for s in settlements:
        key = fold_key(s.name_uk)
        by_key[(s.oblast_id, key)].append(s)
        if len(skeleton(key)) >= 4:
            by_skel[(s.oblast_id, skeleton(key))].append(s)

    def anchor(s: RawSettlement) -> tuple[tuple[float, float] | None, float]:
        hromada = centroids.get(s.hromada_id[:9])
        if hromada:
            return hromada, MAX_KM_FROM_HROMADA
        return centroids.get(s.raion_id[:6]), MAX_KM_FROM_RAION

    claims: dict[str, list[tuple[int, int, GeoPlace]]] = defaultdict(list)
    unmatched: list[tuple[GeoPlace, str, str]] = []
    for place in places:
        oblast = admin1_to_oblast.get(place.admin1, "")
        if not oblast:
            unmatched.append((place, "", f"unknown admin1 code {place.admin1!r}"))
            continue
        names = _place_names(place)
        chosen, reason = None, "no settlement of that name in its oblast"
        for tier in (1, 2, 3, 4):
            if tier == 4:
                keys = {skeleton(fold_key(n)) for n in names[1] + names[2] + names[3]}
                found = {s.id: s for k in keys if len(k) >= 4 for s in by_skel.get((oblast, k), [])}
            else:
                keys = {fold_key(n) for n in names[tier]}
                found = {s.id: s for k in keys for s in by_key.get((oblast, k), [])}
            if not found:
                continue
            near = []
            for s in found.values():
                point, bound = anchor(s)
                dist = haversine_km(place.lat, place.lon, *point) if point else 0.0
                if dist <= bound:
                    near.append((dist, s))
            if not near:
                reason = f"name matches in its oblast, but too far from the settlement's hromada ({TIER_NAMES[tier]})"
                continue
            near.sort(key=lambda x: x[0])
            cities = [s for _, s in near if s.category in ("M", "K")]
            if len(near) == 1:
                chosen = near[0][1]
            elif place.population >= 3000 and len(cities) == 1:
                chosen = cities[0]
            elif near[0][0] < 0.6 * near[1][0] and near[1][0] - near[0][0] > 3.0:
                chosen = near[0][1]
            else:
                reason = f"{len(near)} settlements of that name near the place ({TIER_NAMES[tier]})"
                break
            claims[chosen.id].append((tier, -place.population, place))
            break
        if chosen is None:
            unmatched.append((place, oblast, reason))

    by_settlement: dict[str, tuple[GeoPlace, int]] = {}
    for sid, claimed in claims.items():
        claimed.sort(key=lambda c: (c[0], c[1], c[2].geonameid))
        tier, _, place = claimed[0]
        by_settlement[sid] = (place, tier)
        for _, _, other in claimed[1:]:
            unmatched.append(
                (
                    other,
                    other.admin1 and admin1_to_oblast.get(other.admin1, ""),
                    f"settlement {sid} already has GeoNames point {place.geonameid}",
                )
            )
    return JoinResult(by_settlement, unmatched)
