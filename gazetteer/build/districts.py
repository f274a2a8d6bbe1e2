"""City sections (GeoNames PPLX: Saltivka, Troieshchyna, Tairove) attached to the city they lie in.

A section is not a settlement of the codifier; it becomes a ``district`` name of its city and keeps its
own point in ``districts.tsv``. Its city is the nearest city (category M, or Kyiv/Sevastopol) of the
section's raion (GeoNames admin2), else of its oblast, within :data:`MAX_KM_TO_CITY` of the city's
point; failing that the nearest town (category X) within :data:`MAX_KM_TO_TOWN`. A section with no
such city is left out with a reason.

Kyiv and Sevastopol are each the only settlement the codifier lists in their territory, so a GeoNames
populated place there that joins no settlement (Pushcha-Vodytsia, Bortnychi; Sevastopol's Ternivka) is a
part of that city too (:func:`attach_city_parts`).
"""

from __future__ import annotations

from dataclasses import dataclass

from gazetteer.build.geonames import GeoPlace
from gazetteer.build.katottg import RawSettlement
from gazetteer.geodesy import haversine_km
from gazetteer.normalize import cyrillic_language, script_of

#: A section lies at most this far from its city's point (km): Kyiv's outer sections are ~20 km out.
MAX_KM_TO_CITY = 25.0
MAX_KM_TO_TOWN = 8.0


@dataclass
class District:
    settlement_id: str
    name: str  # the Ukrainian name where GeoNames has one, else its own name
    name_en: str
    place: GeoPlace


def ukrainian_name(place: GeoPlace) -> str:
    """The place's Ukrainian Cyrillic alternate if it has one, else its GeoNames name."""
    for alt in place.alternates:
        if any(ch.isdigit() for ch in alt.name) or script_of(alt.name) != "cyrillic":
            continue
        if alt.lang == "uk" or (not alt.lang and cyrillic_language(alt.name) == "uk"):
            return alt.name
    return place.name


def attach_sections(
    sections: list[GeoPlace],
    settlements: list[RawSettlement],
    points: dict[str, tuple[float, float]],
    admin1_to_oblast: dict[str, str],
) -> tuple[list[District], list[tuple[GeoPlace, str, str]]]:
    """Districts (sorted by city, then geonameid) and the sections left out as (place, oblast, reason).

    ``points``: settlement id -> (lat, lon) of every settlement with coordinates.
    """
    towns = [s for s in settlements if s.category in ("M", "K", "X") and s.id in points]
    districts, left = [], []
    for place in sorted(sections, key=lambda p: p.geonameid):
        oblast = admin1_to_oblast.get(place.admin1, "")
        raion = f"UA{place.admin2}" if len(place.admin2) == 4 else ""
        best = None
        for scope in (raion, oblast):
            if not scope or best:
                continue
            inside = [s for s in towns if (s.raion_id[:6] == scope if len(scope) == 6 else s.oblast_id == scope)]
            if len(scope) != 6:
                inside += [s for s in towns if s.category == "K" and s.oblast_id == oblast]
            for cats, bound in ((("M", "K"), MAX_KM_TO_CITY), (("X",), MAX_KM_TO_TOWN)):
                near = sorted(
                    (haversine_km(place.lat, place.lon, *points[s.id]), s.id, s) for s in inside if s.category in cats
                )
                if near and near[0][0] <= bound:
                    best = near[0][2]
                    break
        if best is None:
            left.append((place, oblast, "city section: no city or town of its raion or oblast near it"))
            continue
        districts.append(District(best.id, ukrainian_name(place), place.name, place))
    districts.sort(key=lambda d: (d.settlement_id, d.place.geonameid))
    return districts, left


def attach_city_parts(unjoined: list[tuple[GeoPlace, str, str]], settlements: list[RawSettlement]) -> list[District]:
    """Districts made of populated places (PPL*) joined to no settlement, ``(place, oblast id, reason)``,
    that lie in a top-level unit whose only settlement is a city with special status (Kyiv, Sevastopol):
    the place is a part of that city. Sorted by city, then geonameid."""
    members: dict[str, list[RawSettlement]] = {}
    for s in settlements:
        members.setdefault(s.oblast_id, []).append(s)
    sole = {oblast: found[0] for oblast, found in members.items() if len(found) == 1 and found[0].category == "K"}
    out = [
        District(sole[oblast].id, ukrainian_name(place), place.name, place)
        for place, oblast, _reason in unjoined
        if oblast in sole and place.feature_code.startswith("PPL")
    ]
    out.sort(key=lambda d: (d.settlement_id, d.place.geonameid))
    return out
