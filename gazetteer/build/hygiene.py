"""Variant hygiene: a GeoNames name variant that names another settlement is dropped unless a fact keeps it.

Every variant that came from GeoNames (kinds ``geonames``, ``alternate``, ``russian``) is checked against
the names other settlements own: their official names and romanizations, and their own GeoNames variants
that resemble their official name (Александровка is an Олександрівка's). Homonyms (another settlement of
the same official name) are not collisions. A variant V on settlement S that another settlement T owns:

- ``not_its_name``: V does not resemble S's own name (Слов'янськ on Нікополь, Кременчук on Ямпіль,
  Rivne on Серне, Александровка on Донецьк): dropped, whatever the sizes;
- ``larger_lookalike``: V resembles S's name (plainly, by its Russian form or by consonant skeleton) but
  resembles T's better and T is a city of 3+ times S's population (Миколаїв on Миколаївка): dropped;
  a smaller T leaves it (Ольховатка, a Donetsk town, is also the Russian name of Вільхуватка);
- ``romanization_of_larger``: one of S's own romanizations folds like a larger T's name (the French
  system writes Вижниця as Vyjnytsia, which folds like Вінниця): that romanization is dropped.

Facts that keep a variant: a former official name of S (a ``renamed``/``historical`` row of the same
key, e.g. from renamings.csv: GeoNames' Hlyboka on Глибоке, renamed from Глибока in 2018), or a
GeoNames record joined to no settlement that carries V within :data:`CONFIRM_KM` of S's own point (the
old village's own record: a merged or renamed place).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from gazetteer.build.former import read_calques, translated_russian_forms
from gazetteer.build.geonames import GeoPlace
from gazetteer.build.katottg import RawSettlement
from gazetteer.geodesy import haversine_km
from gazetteer.normalize import fold_key, russian_form, skeleton

CHECKED_KINDS = ("geonames", "alternate", "russian")
OWN_KINDS = ("official", "romanization")
#: fuzz.ratio (0-100) of folded spellings above which a variant is a spelling of a settlement's name.
RESEMBLES = 75.0
#: ...or fuzz.ratio of their consonant skeletons (4+ consonants) at least this.
SKELETON_RESEMBLES = 80.0
#: A look-alike of S's own name is taken away only by a city this many times S's population.
CITY_FACTOR = 3.0
#: A GeoNames record (joined to no settlement) carrying the variant this near S's point confirms it (km).
CONFIRM_KM = 5.0
_CATEGORY_RANK = {"K": 3, "M": 2, "X": 1, "C": 0}


@dataclass(frozen=True)
class Collision:
    settlement_id: str
    variant: str
    kind: str
    key: str
    other_id: str  # the largest settlement that owns the variant
    owners: int  # how many other settlements own it
    rule: str  # not_its_name | larger_lookalike
    fact: str  # "" when dropped, else what keeps it


def find_collisions(
    rows: list[list[str]],
    settlements: dict[str, RawSettlement],
    population: dict[str, int],
    points: dict[str, tuple[float, float]] | None = None,
    stray_places: list[GeoPlace] | None = None,
    former: set[tuple[str, str]] | None = None,
    *,
    own_russian: dict[str, set[str]] | None = None,
) -> list[Collision]:
    """Collisions among name rows ``[settlement_id, name, kind, lang, key]`` (see the module docstring),
    sorted by settlement and key. ``points``/``stray_places`` enable the GeoNames-record confirmation;
    ``former`` holds (settlement id, key) of former official names, which confirm a variant too;
    ``own_russian`` (settlement id -> folded keys; default: made from the bundled russian_calques.csv) the
    Russian forms the build made of a settlement's name by
    translating its words (Червоне -> Красное): they are its own name as much as the respelt form is, but
    never take another settlement's variant away (Южне's Южное stays, though Південне translates so too)."""
    if own_russian is None:
        calques = read_calques()
        own_russian = {}
        for sid, s in settlements.items():
            for form, _lang in translated_russian_forms(s.name_uk, calques):
                own_russian.setdefault(sid, set()).add(fold_key(form))
    own: dict[str, set[str]] = defaultdict(set)
    for sid, _name, kind, _lang, key in rows:
        if kind in OWN_KINDS:
            own[sid].add(key)

    russian = {sid: fold_key(russian_form(s.name_uk)) for sid, s in settlements.items()}

    def likeness(key: str, sid: str) -> float:
        """How much a folded variant looks like the settlement's own name (0-100): the best of the plain
        likeness to its official, romanized and rule-made Russian forms, and of the consonant skeletons
        (Ольховатка is Вільхуватка's Russian name: skeletons lhvtk / vlhvtk)."""
        mine = own[sid] | ({russian[sid]} if sid in russian else set()) | (own_russian or {}).get(sid, set())
        plain = max((fuzz.ratio(key, k) for k in mine), default=0.0)
        skel = max((fuzz.ratio(skeleton(key), skeleton(k)) for k in mine), default=0.0)
        return max(plain, skel if len(skeleton(key)) >= 4 and skel >= SKELETON_RESEMBLES else 0.0)

    owners: dict[str, set[str]] = defaultdict(set)
    made = own_russian or {}
    for sid, _name, kind, _lang, key in rows:
        if key in made.get(sid, ()) and kind not in OWN_KINDS:
            continue  # a translated form is the settlement's own, but takes no other's variant away (Південне)
        if kind in OWN_KINDS or (kind in CHECKED_KINDS and likeness(key, sid) >= RESEMBLES):
            owners[key].add(sid)
    official = {sid: fold_key(s.name_uk) for sid, s in settlements.items()}

    def size(sid: str) -> tuple[int, int]:
        return _CATEGORY_RANK.get(settlements[sid].category, 0), population.get(sid, 0)

    stray: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for place in stray_places or []:
        for text in {place.name, *(a.name for a in place.alternates)}:
            stray[fold_key(text)].append((place.lat, place.lon))

    out = []
    for sid, name, kind, _lang, key in rows:
        romanized = kind == "romanization"
        if not romanized and (kind not in CHECKED_KINDS or key in own[sid]):
            continue
        others = sorted(t for t in owners.get(key, ()) if t != sid and official[t] != official[sid])
        if not others:
            continue
        biggest = max(others, key=lambda t: (size(t), t))
        mine = likeness(key, sid)
        if romanized:
            if key == official[sid] or size(biggest) <= size(sid):
                continue
            rule = "romanization_of_larger"
        elif mine >= RESEMBLES:
            # A spelling of S's own name that is also T's: only a city far larger than S takes it away.
            city = settlements[biggest].category in ("M", "K")
            if not city or population.get(biggest, 0) < CITY_FACTOR * max(population.get(sid, 0), 1):
                continue
            if likeness(key, biggest) <= mine:
                continue
            rule = "larger_lookalike"
        else:
            rule = "not_its_name"
        fact = ""
        point = (points or {}).get(sid)
        if (sid, key) in (former or ()):
            fact = "a former official name of this settlement"
        elif point and any(haversine_km(*point, *p) <= CONFIRM_KM for p in stray.get(key, ())):
            fact = f"a GeoNames record named {name} (joined to no settlement) lies within {CONFIRM_KM:.0f} km"
        out.append(Collision(sid, name, kind, key, biggest, len(others), rule, fact))
    out.sort(key=lambda c: (c.settlement_id, c.key))
    return out
