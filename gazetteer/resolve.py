"""Resolve a place name to ranked, scored settlements, and decide when one answer is clearly best.

>>> import gazetteer
>>> gazetteer.geocode("Kupyansk").name_uk
'Куп’янськ'
>>> gazetteer.geocode("Artemivsk").name_uk
'Бахмут'
>>> [m.oblast_uk for m in gazetteer.resolve("Радьківка", oblast="Kharkiv")]
['Харківська']

Candidates come from three tiers, tried in order; a later tier runs only when earlier ones found nothing:

1. the query's folded key equals the key of a known name (official, romanized, GeoNames, Russian,
   historical);
2. the consonant skeletons agree (Russian vowels for Ukrainian ones: Кондрашовка -> Кіндрашівка);
3. keys within one or two edits (typos), scaled to the length of the name.

Hints (oblast, raion, hromada, near) rescore the candidates; a prior puts cities before villages.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from gazetteer.errors import AmbiguousName, UnknownOblast
from gazetteer.geodesy import haversine_km
from gazetteer.index import NameIndex
from gazetteer.model import Match, Resolution, Settlement
from gazetteer.normalize import (
    check_query,
    cyrillic_language,
    fold_key,
    light_key,
    russian_form,
    script_of,
    strip_type_words,
)
from gazetteer.rank import CATEGORY_PRIOR as _CATEGORY_PRIOR
from gazetteer.rank import settlement_prior
from gazetteer.store import Extract, get_extract

#: Base score of a hit by the kind of name it hit.
KIND_SCORE = {
    "official": 1.0,
    "romanization": 0.97,
    "geonames": 0.96,
    "renamed": 0.96,
    "russian": 0.95,
    "alternate": 0.93,
    "historical": 0.93,
}
#: A consonant-skeleton hit this similar to a Latin query ends the search; a looser one lets the typo
#: tier look too, and yields (its score times SKELETON_YIELD) to a name one typo away as written.
#: (Cyrillic queries stop at any skeleton hit: there the skeleton tier is for Russian vowels.)
SKELETON_SURE = 0.9
SKELETON_YIELD = 0.9
#: Below this, the best candidate is not taken as an answer.
MIN_SCORE = 0.7
#: Candidates within this of the best score are its peers: if several remain, the query is ambiguous.
PEER_MARGIN = 0.015
#: A city of at least this many people, matched by its Russian name within this of the best score, is a
#: peer of the villages that match better (and the city prior then prefers it).
RUSSIAN_CITY_MARGIN = 0.06
RUSSIAN_CITY_POPULATION = 10_000
OBLAST_MISMATCH = 0.5
UNIT_MISMATCH = 0.6
_SPLIT = re.compile(r"\s*[,;()\[\]/]\s*")
_QUOTES = "\"'«»“”„`"
_PLAIN = re.compile(r"[\s\-'’ʼ`]+")


@lru_cache(maxsize=65536)
def _plain(text: str) -> str:
    """Case, spaces, hyphens and apostrophes folded away: how a name is written, nothing more."""
    return _PLAIN.sub("", text.casefold())


@lru_cache(maxsize=65536)
def _russian_key(name_uk: str) -> str:
    """Folding key of the Russian form the rules make of an official name."""
    return fold_key(russian_form(name_uk))


def _max_edits(key: str) -> int:
    n = len(key)
    return 0 if n < 4 else 1 if n < 8 else 2


@dataclass(frozen=True, slots=True)
class Hints:
    """Resolved hints: sets of unit ids (None = no hint) and an optional point."""

    oblasts: frozenset[str] | None = None
    raions: frozenset[str] | None = None
    hromadas: frozenset[str] | None = None
    near: tuple[float, float] | None = None


class Resolver:
    """A reusable resolver over one extract. Thread-safe; cheap to pickle (the extract is not shipped).

    ``fuzzy=False`` turns off typo matching; ``fast_typos=False`` scans every name within the edit bound
    even when a name one edit away already fits (slower, and rarely different); ``min_score`` and
    ``peer_margin`` tune when one answer counts as clearly best.
    """

    def __init__(
        self,
        extract: Extract | None = None,
        *,
        fuzzy: bool = True,
        fast_typos: bool = True,
        min_score: float = MIN_SCORE,
        peer_margin: float = PEER_MARGIN,
    ) -> None:
        self._extract = extract
        self._index: NameIndex | None = None
        self._priors: list[float] | None = None  # per settlement: category, then population
        self._lock = threading.Lock()
        self.fuzzy = fuzzy
        self.fast_typos = fast_typos
        self.min_score = min_score
        self.peer_margin = peer_margin

    def __getstate__(self) -> dict:
        # Ship settings only; each process loads the extract itself (once, lazily).
        return {
            "fuzzy": self.fuzzy,
            "fast_typos": self.fast_typos,
            "min_score": self.min_score,
            "peer_margin": self.peer_margin,
            "extract_path": str(self._extract.path) if self._extract is not None else None,
        }

    def __setstate__(self, state: dict) -> None:
        from gazetteer.store import load

        path = state.pop("extract_path")
        default = get_extract()
        extract = default if path is None or str(default.path) == path else load(path)
        self.__init__(extract, **state)

    @property
    def extract(self) -> Extract:
        if self._extract is None:
            self._extract = get_extract()
        return self._extract

    @property
    def index(self) -> NameIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = NameIndex(self.extract)
        return self._index

    # -- public calls ---------------------------------------------------------------------------
    def resolve(
        self,
        query: str,
        *,
        oblast: str | None = None,
        raion: str | None = None,
        hromada: str | None = None,
        near: tuple[float, float] | None = None,
        limit: int = 5,
    ) -> list[Match]:
        """Candidate settlements for ``query``, best first (at most ``limit``). Empty when nothing fits.

        Raises TypeError / ValueError for bad input and UnknownOblast for a hint that names no unit.
        """
        return list(
            self.lookup(
                query, oblast=oblast, raion=raion, hromada=hromada, near=near, limit=limit, strict=True
            ).candidates
        )

    def geocode(self, query: str, **hints) -> Match | None:
        """The one settlement ``query`` names, or None if none fits; AmbiguousName if several fit equally."""
        res = self.lookup(query, strict=True, **hints)
        if res.status == "ambiguous":
            raise AmbiguousName(query, list(res.candidates))
        return res.match

    def lookup(
        self,
        query: object,
        *,
        oblast: str | None = None,
        raion: str | None = None,
        hromada: str | None = None,
        near: tuple[float, float] | None = None,
        limit: int = 5,
        strict: bool = False,
    ) -> Resolution:
        """Full answer with status and reason. With ``strict=False`` bad input gives status 'invalid'."""
        try:
            text = check_query(query)
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ValueError(f"limit must be a positive int, not {limit!r}")
            head, inline = self._split_inline_hints(text)
            hints = self.parse_hints(
                oblast=oblast or inline.get("oblast"), raion=raion or inline.get("raion"), hromada=hromada, near=near
            )
        except (TypeError, ValueError) as exc:
            if strict:
                raise
            return Resolution(query, "invalid", str(exc))
        return self._lookup(text, head, hints, limit)

    # -- hints ----------------------------------------------------------------------------------
    def parse_hints(
        self,
        *,
        oblast: str | None = None,
        raion: str | None = None,
        hromada: str | None = None,
        near: tuple[float, float] | None = None,
    ) -> Hints:
        """Turn hint strings (any language, or KATOTTG ids) into unit ids; UnknownOblast if unknown."""
        oblasts = self._units(oblast, "oblast") if oblast else None
        raions = self._units(raion, "raion", within=oblasts) if raion else None
        hromadas = self._units(hromada, "hromada", within=raions or oblasts) if hromada else None
        point = None
        if near is not None:
            try:
                lat, lon = (float(v) for v in near)
            except (TypeError, ValueError):
                raise ValueError(f"near must be a (lat, lon) pair of numbers, not {near!r}") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
                raise ValueError(f"near=({lat}, {lon}) is not a valid point")
            point = (lat, lon)
        return Hints(oblasts, raions, hromadas, point)

    def _units(self, text: object, level: str, within: frozenset[str] | None = None) -> frozenset[str]:
        if not isinstance(text, str) or not text.strip():
            raise UnknownOblast(f"{level} hint must be a non-empty string, not {text!r}")
        units = self.extract.units
        text = text.strip()
        if text in units:
            return frozenset({text})
        found = self.index.find_units(text, level)
        if within:
            found = {u for u in found if self._ancestor_in(u, within)}
        if level == "oblast" and len(found) > 1 and re.search(r"obl|област|region|регі|регио", text, re.I):
            found = {u for u in found if not u.startswith(("UA80", "UA85"))} or found
        if not found:
            raise UnknownOblast(f"no {level} of Ukraine is called {text!r}")
        return frozenset(found)

    def _ancestor_in(self, uid: str, ancestors: frozenset[str]) -> bool:
        units = self.extract.units
        while uid:
            if uid in ancestors:
                return True
            uid = units[uid].parent_id if uid in units else ""
        return False

    def _split_inline_hints(self, text: str) -> tuple[str, dict[str, str]]:
        """'Kupiansk, Kharkiv oblast' -> ('Kupiansk', {'oblast': 'Kharkiv oblast'})."""
        parts = [p for p in _SPLIT.split(text) if p.strip(_QUOTES + " .")]
        if len(parts) < 2:
            return text.strip(_QUOTES + " "), {}
        head, inline = parts[0].strip(_QUOTES + " "), {}
        for part in parts[1:]:
            for level in ("oblast", "raion"):
                if level not in inline and self.index.find_units(part, level):
                    inline[level] = part
                    break
        return head, inline

    # -- candidates and ranking -----------------------------------------------------------------
    def _lookup(self, text: str, head: str, hints: Hints, limit: int) -> Resolution:
        core = strip_type_words(head)
        if core != head and fold_key(head) in self.index.by_key:
            core = head  # "Нижнє Селище", "Старе Місто": the type word belongs to the official name
        key = fold_key(core) or fold_key(head)
        script = script_of(core)
        fits = None
        if hints.oblasts is not None or hints.raions is not None or hints.hromadas is not None:
            settlements = self.extract.settlements

            def fits(i: int) -> bool:
                return self._fits(settlements[i], hints)

        found = self._candidates(key, core, script, fits)
        not_place = self.extract.not_places.get(key)
        if (
            found
            and not_place
            and not_place[1] != "word"
            and not hints.oblasts
            and not hints.near
            and all(
                self.extract.settlements[i].category in "CX" and not self._official_spelling(core, i) for i in found
            )
        ):
            # "Berlin" means the capital, not the village Берлин in Lviv oblast, unless a hint says so.
            villages = "; ".join(self.extract.settlements[i].label for i in list(found)[:3])
            return Resolution(
                text,
                "not_found",
                f"{not_place[0]!r} is not a Ukrainian settlement "
                f"({not_place[1]}); a village of that name exists: {villages}: pass oblast= for it",
            )
        if not found:
            reason = self._why_not_found(key, head)
            return Resolution(text, "not_found", reason)
        ranked = self._rank(found, hints)
        top = ranked[0]
        candidates = tuple(m for m, _ in ranked[:limit])
        if top[0].score < self.min_score:
            why = "no fitting settlement"
            if hints.oblasts and all(not self._fits(m.settlement, hints) for m, _ in ranked[:3]):
                why = "no settlement of that name in the hinted units"
            return Resolution(
                text, "not_found", f"{why}; closest: {top[0].label} ({top[0].score:.2f})", None, candidates
            )
        peers = [(m, d) for m, d in ranked if m.score >= top[0].score - self.peer_margin]
        spelled = [(m, d) for m, d in peers if self._spells(core, m.settlement)]
        if spelled and len(spelled) < len(peers):
            # The folding key merges Війниця with Вінниця and Chernykhiv with Chernihiv: a query written
            # exactly as some peers' official name (or its national romanization) means those.
            if len(spelled) == 1:
                return self._chosen(text, spelled[0][0], candidates, "written as its official name")
            peers = spelled
        if _CATEGORY_PRIOR[top[0].settlement.category] < 2:
            # "Balakleya" is the Russian name of the town Балаклія (26,000 people) before it is a spelling of
            # the hamlet Балаклея (official: Balakleia): a sizeable city reached by its Russian name joins
            # the peers, unless the query is the villages' own official spelling.
            cities = [
                (m, d)
                for m, d in ranked
                if m.match == "russian"
                and _CATEGORY_PRIOR[m.settlement.category] >= 2
                and (m.settlement.population or 0) >= RUSSIAN_CITY_POPULATION
                and m.score >= top[0].score - RUSSIAN_CITY_MARGIN
                and fold_key(m.matched) == key
                and all(m.id != p.id for p, _ in peers)
            ]
            if cities and not spelled:
                peers += cities
        if len(peers) == 1:
            return Resolution(text, "resolved", "", top[0], candidates)
        if hints.near is not None:
            peers.sort(key=lambda p: p[1])
            if peers[0][1] < 0.5 * peers[1][1]:
                return self._chosen(text, peers[0][0], candidates, "nearest to the given point")
        # Among equally good names, a city before villages; of several cities, a far larger one.
        peers.sort(key=lambda p: (-_CATEGORY_PRIOR[p[0].settlement.category], -(p[0].settlement.population or 0)))
        prior = [_CATEGORY_PRIOR[m.settlement.category] for m, _ in peers]
        first = peers[0][0]
        if prior[0] >= 2 and prior.count(prior[0]) == 1:
            return self._chosen(text, first, candidates, "a city before villages of the same name")
        if prior[0] >= 2:
            pops = [m.settlement.population or 0 for m, _ in peers if _CATEGORY_PRIOR[m.settlement.category] >= 2]
            if pops[0] >= 5 * max(pops[1], 1):
                return self._chosen(text, first, candidates, f"the far largest of {len(pops)} cities of that name")
        names = "; ".join(m.settlement.long_label for m, _ in peers[:4])
        return Resolution(
            text,
            "ambiguous",
            f"{len(peers)} settlements fit equally: {names}",
            None,
            tuple(m for m, _ in peers[: max(limit, 1)]),
        )

    @staticmethod
    def _chosen(text: str, match: Match, candidates: tuple[Match, ...], reason: str) -> Resolution:
        """A resolved answer whose match leads the candidates."""
        rest = tuple(c for c in candidates if c.id != match.id)
        return Resolution(text, "resolved", reason, match, (match, *rest)[: len(candidates)])

    def _candidates(
        self, key: str, core: str, script: str, fits: Callable[[int], bool] | None = None
    ) -> dict[int, tuple[float, str, str]]:
        """Settlement index -> (score, match kind, matched variant), the best per settlement.

        Tiers run in order and stop at the first that finds a settlement fitting the hints (``fits``);
        without hints, at the first that finds anything.
        """
        index = self.index
        out: dict[int, tuple[float, str, str]] = {}

        def offer(sidx: int, score: float, kind: str, name: str) -> None:
            if sidx not in out or out[sidx][0] < score:
                out[sidx] = (score, kind, name)

        def fitting(ids: Iterable[int]) -> bool:
            """Does any of these settlements fit the hints (any at all, without hints)?"""
            return any(fits is None or fits(i) for i in ids)

        def done() -> bool:
            return bool(out) and fitting(out)

        lang = cyrillic_language(core) if script == "cyrillic" else None
        for hit in index.exact(key):
            offer(hit.settlement, KIND_SCORE[hit.kind], self._label(hit.kind, script, lang), hit.name)
        if done() or key in self.extract.not_places:
            return out
        ukrainian = lang == "uk"
        settlements = self.extract.settlements
        by_skeleton: dict[int, float] = {}  # settlement -> best similarity through the skeleton tier
        for other in index.by_skeleton_of(key):
            plain = fuzz.ratio(key, other) / 100
            for hit in index.exact(other):
                # Compare with the Russian form the rules make of the official name, too: the match is
                # "russian" when the query is closer to that form than to the Ukrainian spellings.
                name_uk = settlements[hit.settlement].name_uk
                ru = fuzz.ratio(key, _russian_key(name_uk)) / 100
                sim = max(plain, ru)
                plain = max(plain, fuzz.ratio(key, fold_key(name_uk)) / 100)
                if sim >= 0.6:
                    kind = "russian" if (ru > plain or lang == "ru") and not ukrainian else "fuzzy"
                    offer(hit.settlement, 0.6 + 0.35 * sim, kind, hit.name)
                    by_skeleton[hit.settlement] = max(sim, by_skeleton.get(hit.settlement, 0.0))
        if not self.fuzzy or (
            done() and (script != "latin" or max(by_skeleton.values(), default=1.0) >= SKELETON_SURE)
        ):
            return out
        # Typos: candidates one edit wider on the folded key, accepted by the distance between lightly
        # normalised spellings too (folding can move a typo: "Smouna" folds to "smuna", Смодна to "smodna").
        allowed = _max_edits(key)
        if not allowed:
            return out
        light = light_key(core)

        confirmed: set[int] = set()  # one edit away as (lightly normalised) written

        def typos(near: list[tuple[str, int]]) -> None:
            for other, dist in near:
                for hit in index.exact(other):
                    s = settlements[hit.settlement]
                    written = min(OSA.distance(light, light_key(s.name_en)), OSA.distance(light, light_key(hit.name)))
                    d = min(dist, written)
                    if d <= allowed:
                        score = max(0.0, 0.9 * (1 - d / (len(key) + 3)))
                        offer(hit.settlement, score * KIND_SCORE[hit.kind], "fuzzy", hit.name)
                        if written <= 1:
                            confirmed.add(hit.settlement)

        # Most typos are one edit away: look those up first, without a scan, and stop there when such a
        # name is one edit away as written too (folding can hide a typo: Макарі Яр folds two edits from
        # Макарів Яр and one from Макар'я) and fits the hints; otherwise scan every key within reach.
        near = index.one_edit_keys(key) if self.fast_typos else None
        if near is not None:
            typos(near)
            # Folding can move a typo (Zahaitis is one swap from Zahaitsi as written, two edits folded):
            # names one edit away as written count too.
            typos([(other, allowed + 1) for other in index.one_edit_written(light) or ()])
        if near is None or not (fitting(by_skeleton) or fitting(confirmed)):
            # With fitting skeleton hits in hand only a name one typo away as written could beat them, and
            # the one-edit lookups above have found those: no full scan then (a batch of Russian forms
            # would otherwise scan for each).
            typos(index.near_keys(key, allowed + 1))
        if by_skeleton and fitting(confirmed):
            # A loose consonant-skeleton likeness (Kaetyntsi ~ Kotioujyntsi) yields to a name one typo
            # away as written (Kaletyntsi).
            for sidx in by_skeleton.keys() - confirmed:
                score, kind, name = out[sidx]
                out[sidx] = (score * SKELETON_YIELD, kind, name)
        return out

    def _official_spelling(self, text: str, sidx: int) -> bool:
        """Is ``text`` the settlement's official Ukrainian name or its national romanization, as written?"""
        return self._spells(text, self.extract.settlements[sidx])

    @staticmethod
    def _spells(text: str, s: Settlement) -> bool:
        return _plain(text) in (_plain(s.name_uk), _plain(s.name_en))

    @staticmethod
    def _label(kind: str, script: str, lang: str | None = None) -> str:
        """The match kind users see, from the kind of name hit and the script of the query."""
        if kind == "official":
            return "exact" if script == "cyrillic" else "transliteration"
        if kind in ("romanization", "geonames"):
            return "transliteration"
        if kind == "alternate":
            # A Cyrillic query that is not recognisably Ukrainian, on an unlabelled alternate: a Russian form.
            return "transliteration" if script == "latin" else "alternate" if lang == "uk" else "russian"
        return "historical" if kind == "renamed" else kind

    def _fits(self, s: Settlement, hints: Hints) -> bool:
        return (
            (hints.oblasts is None or s.oblast_id in hints.oblasts)
            and (hints.raions is None or s.raion_id in hints.raions)
            and (hints.hromadas is None or s.hromada_id in hints.hromadas)
        )

    def _rank(self, found: dict[int, tuple[float, str, str]], hints: Hints) -> list[tuple[Match, float]]:
        settlements = self.extract.settlements
        priors = self._priors
        if priors is None:
            priors = self._priors = [settlement_prior(s) for s in settlements]
        plain = hints.oblasts is None and hints.raions is None and hints.hromadas is None and hints.near is None
        rows = []
        for sidx, (score, kind, name) in found.items():
            s = settlements[sidx]
            dist = 0.0
            if not plain:
                if hints.oblasts is not None and s.oblast_id not in hints.oblasts:
                    score *= OBLAST_MISMATCH
                if hints.raions is not None and s.raion_id not in hints.raions:
                    score *= UNIT_MISMATCH
                if hints.hromadas is not None and s.hromada_id not in hints.hromadas:
                    score *= UNIT_MISMATCH
                if hints.near is not None:
                    dist = haversine_km(hints.near[0], hints.near[1], s.lat, s.lon)
                    score *= 1 - 0.1 * min(dist, 500) / 500
            rows.append((-round(score, 6), dist, -priors[sidx], s.id, sidx, score, kind, name))
        rows.sort()  # best score, then nearest, then the larger place, then the id: never beyond
        return [(Match(settlements[r[4]], min(1.0, r[5]), r[6], r[7]), r[1]) for r in rows]

    def _why_not_found(self, key: str, head: str) -> str:
        not_place = self.extract.not_places.get(key)
        if not_place:
            return f"{not_place[0]!r} is not a Ukrainian settlement ({not_place[1]})"
        for level in ("oblast", "raion", "hromada"):
            units = self.index.find_units(head, level) if fold_key(head) else set()
            if units and level != "oblast" or units and re.search(r"obl|област|region|регі|регио", head, re.I):
                names = ", ".join(sorted(self.extract.units[u].name_uk for u in units))
                return f"names a {level} ({names}), not a settlement"
        return "no settlement of that name (or close to it)"


_default: Resolver | None = None
_default_lock = threading.Lock()


def default_resolver() -> Resolver:
    """The process-wide resolver over the default extract."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Resolver()
    return _default


def resolve(
    query: str,
    *,
    oblast: str | None = None,
    raion: str | None = None,
    hromada: str | None = None,
    near: tuple[float, float] | None = None,
    limit: int = 5,
) -> list[Match]:
    """Candidate settlements for ``query``, best first. See :meth:`Resolver.resolve`."""
    return default_resolver().resolve(query, oblast=oblast, raion=raion, hromada=hromada, near=near, limit=limit)


def geocode(query: str, **hints) -> Match | None:
    """The one settlement ``query`` names; None if none; raises AmbiguousName if several fit equally."""
    return default_resolver().geocode(query, **hints)


def lookup_many(
    queries: Iterable[object], *, oblasts: Iterable[object] | None = None, resolver: Resolver | None = None
) -> list[Resolution]:
    """Resolve many queries, each distinct (query, oblast) pair once; never raises for bad rows."""
    resolver = resolver or default_resolver()
    cache: dict[tuple, Resolution] = {}
    out = []
    hints = oblasts if oblasts is not None else iter(lambda: None, 0)
    for query, oblast in zip(queries, hints):
        try:
            ck = (query, oblast)
            hash(ck)
        except TypeError:
            ck = None
        res = cache.get(ck) if ck is not None else None
        if res is None:
            res = lookup_one(resolver, query, oblast)
            if ck is not None:
                cache[ck] = res
        out.append(res)
    return out


def lookup_one(resolver: Resolver, query: object, oblast: object = None) -> Resolution:
    """One row of batch work: bad input and unknown hints become status 'invalid' with a reason."""
    if _is_missing(query):
        return Resolution(query, "invalid", "missing value")
    if _is_missing(oblast) or (isinstance(oblast, str) and not oblast.strip()):
        oblast = None
    elif not isinstance(oblast, str):
        return Resolution(query, "invalid", f"oblast hint must be text, not {type(oblast).__name__}")
    return resolver.lookup(query, oblast=oblast)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
