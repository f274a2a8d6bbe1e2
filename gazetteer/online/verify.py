"""Is an online answer about the question, and does it fit the place expected? Nothing else is used.

Every answer passes, in order: a settlement kind; inside Ukraine (its country code, and the one border of
:func:`gazetteer.nearby.inside_ukraine`); **a name that matches what was asked** — for a known settlement
its official Ukrainian or English name (fuzzy, on folded keys) or a spelling the gazetteer resolves to it;
for an unknown name the user's own words (the whole query or a run of its words); and a place near the
expected coordinates (within :data:`BOUND_KM`, set by how coarse the offline coordinates are) or, for an
unknown name, near a gazetteer settlement of a similar name. Anything else becomes a :class:`Rejection`
with its reason: a service that answers the same village to every question gets nothing through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from gazetteer.model import Match, Resolution, Settlement
from gazetteer.nearby import inside_ukraine, nearest_settlements
from gazetteer.normalize import fold_key
from gazetteer.online.providers import Answer
from gazetteer.resolve import Resolver

__all__ = ["BOUND_KM", "MIN_NAME_SIMILARITY", "Rejection", "answer_names_settlement", "answer_matches_query"]

#: How far (km) an online answer may lie from the offline coordinates, by what those coordinates are.
BOUND_KM = {"point": 10.0, "hromada_centroid": 40.0, "raion_centroid": 80.0, "oblast_centroid": 250.0}
#: Minimal name similarity (0-100, on folded keys) for two spellings to name the same place.
MIN_NAME_SIMILARITY = 85.0
#: Runs of at most this many words of a query are compared with an answer's name.
_MAX_WORDS = 4
PRECISION_LABEL = {
    "point": "offline point",
    "hromada_centroid": "hromada centroid",
    "raion_centroid": "raion centroid",
    "oblast_centroid": "oblast centroid",
}
_WORD_SPLIT = re.compile(r"[\s,;/()\[\]]+")


@dataclass(frozen=True, slots=True)
class Rejection:
    """An answer that was not used, and why."""

    answer: Answer
    why: str

    def __str__(self) -> str:
        a = self.answer
        return f"{a.name!r} at {a.lat:.4f},{a.lon:.4f}: {self.why}"


def bound_km(s: Settlement) -> float:
    return BOUND_KM.get(s.coord_precision, BOUND_KM["point"])


def _similar(a: str, b: str) -> bool:
    return bool(a and b) and fuzz.ratio(a, b) >= MIN_NAME_SIMILARITY


def answer_matches_query(name: str, query: str) -> bool:
    """True if an answer's name is the query, or a run of its words, give or take a typo (folded keys).

    >>> answer_matches_query("Радьківка", "Radkivka Persha Sloboda"), answer_matches_query("Радьківка", "Qxwz")
    (True, False)
    """
    key = fold_key(name)
    if not key:
        return False
    words = [w for w in _WORD_SPLIT.split(str(query)) if w]
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + _MAX_WORDS) + 1):
            if _similar(key, fold_key(" ".join(words[i:j]))):
                return True
    return False


def answer_names_settlement(name: str, s: Settlement, resolver: Resolver, _ids: set[str] | None = None) -> bool:
    """True if an answer's name names settlement ``s``: close to its official Ukrainian or English name,
    or a spelling (Russian form, another romanization) that the gazetteer resolves to it."""
    key = fold_key(name)
    if not key:
        return False
    if any(_similar(key, fold_key(n)) for n in (s.name_uk, s.name_en) if n):
        return True
    ids = _ids if _ids is not None else _resolved_ids(name, resolver)
    return s.id in ids


def _resolved_ids(name: str, resolver: Resolver) -> set[str]:
    res = resolver.lookup(name, strict=False, limit=100)
    return {m.settlement.id for m in res.candidates}


def outside(a: Answer) -> str | None:
    """Why an answer cannot be used whatever was asked (kind, country), or None."""
    if not a.settlement_kind:
        return f"not a settlement ({a.kind})"
    if a.country is not None and a.country != "ua":
        return f"outside Ukraine (country {a.country.upper()})"
    if not inside_ukraine([a.lat], [a.lon])[0]:
        return "outside Ukraine (beyond its border)"
    return None


def where(a: Answer, resolver: Resolver) -> str:
    near = nearest_settlements(a.lat, a.lon, 1, precision=None, settlements=resolver.extract.settlements)
    return f"{near[0][0].oblast_uk} oblast" if near else "unknown oblast"


def fit_targets(
    a: Answer, targets: Sequence[Match], fits: dict[int, tuple[float, Answer]], resolver: Resolver
) -> str | None:
    """Check an answer against the settlements asked for; record the fit in ``fits`` or say why not."""
    from gazetteer.geodesy import haversine_km

    ids: set[str] | None = None
    named = []
    for i, m in enumerate(targets):
        s = m.settlement
        if any(_similar(fold_key(a.name), fold_key(n)) for n in (s.name_uk, s.name_en) if n):
            named.append(i)
            continue
        if ids is None:
            ids = _resolved_ids(a.name, resolver) if fold_key(a.name) else set()
        if s.id in ids:
            named.append(i)
    if not named:
        asked = targets[0].settlement.name_uk
        return f"its name does not match the question ({asked!r})"
    best: tuple[float, int] | None = None
    for i in named:
        s = targets[i].settlement
        d = haversine_km(a.lat, a.lon, s.lat, s.lon)
        if d <= bound_km(s) and (best is None or d < best[0]):
            best = (d, i)
    if best is None:
        s = targets[named[0]].settlement
        d = haversine_km(a.lat, a.lon, s.lat, s.lon)
        what = f"{d:.0f} km from the expected {s.label}'s {PRECISION_LABEL.get(s.coord_precision)}"
        if len(named) > 1:
            what = f"near none of the {len(named)} candidates"
        return f"wrong place: {what} (limit {bound_km(s):.0f} km); it lies in {where(a, resolver)}"
    d, i = best
    if i in fits:
        return f"a better answer already fits {targets[i].label}"
    fits[i] = (d, a)
    return None


def fit_unknown(
    a: Answer,
    res: Resolution,
    hinted: frozenset[str] | None,
    found: list[tuple[float, float, Settlement, Answer]],
    resolver: Resolver,
) -> str | None:
    """Check an answer for a name the gazetteer does not know: it must match the user's words and lie near a
    gazetteer settlement of a similar name (in the hinted oblast, if any); record it in ``found``."""
    query = str(res.query)
    if not answer_matches_query(a.name, query):
        return f"its name does not match the question ({query!r})"
    keys = {k for k in (fold_key(a.name), fold_key(query)) if k}
    near = nearest_settlements(
        a.lat, a.lon, 400, max_km=max(BOUND_KM.values()), precision=None, settlements=resolver.extract.settlements
    )
    similar = []
    for s, d in near:
        if d > bound_km(s):
            continue
        sim = max(fuzz.ratio(k, sk) for k in keys for sk in (fold_key(s.name_uk), fold_key(s.name_en)) if sk)
        if sim >= MIN_NAME_SIMILARITY:
            similar.append((sim, d, s))
    if not similar:
        return "no settlement of a similar name near it in the gazetteer"
    if hinted is not None:
        inside = [x for x in similar if x[2].oblast_id in hinted]
        if not inside:
            return f"in the wrong oblast: {similar[0][2].label}, not in the hinted oblast"
        similar = inside
    found.extend((sim, d, s, a) for sim, d, s in similar)
    return None
