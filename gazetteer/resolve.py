"""Resolve a place name to ranked, scored settlements, and decide when one answer is clearly best.

>>> import gazetteer
>>> gazetteer.geocode("Kupyansk").name_uk
'Куп’янськ'
>>> gazetteer.geocode("Artemivsk").name_uk
'Бахмут'
>>> gazetteer.geocode("Радьківка", oblast="Kharkiv").oblast_uk
'Харківська'
>>> [(m.oblast_uk, m.score) for m in gazetteer.resolve("Радьківка", oblast="Kharkiv")]  # namesakes scored down
[('Харківська', 1.0), ('Сумська', 0.5), ('Чернігівська', 0.5)]

Candidates come from three tiers, tried in order; a later tier runs only when earlier ones found nothing:

1. the query's folded key equals the key of a known name (official, romanized, GeoNames, Russian,
   historical);
2. the consonant skeletons agree (Russian vowels for Ukrainian ones: Кондрашовка -> Кіндрашівка);
3. keys within one or two edits (typos), scaled to the length of the name.

Hints (oblast, raion, hromada, near) rescore the candidates; a prior puts cities before villages.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import re
import sys
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path

from gazetteer import cachefile
from gazetteer.errors import AmbiguousName, UnknownOblast
from gazetteer.extras import lazy_module
from gazetteer.geodesy import haversine_km, in_ukraine_box
from gazetteer.index import NameIndex, strip_unit_words, unit_stem
from gazetteer.model import Match, Resolution, Settlement
from gazetteer.normalize import (
    KEY_VERSION,
    cyrillic_language,
    ending_variants,
    fold_key,
    light_key,
    romanize,
    russian_form,
    script_of,
    skeleton,
    strip_type_words,
)
from gazetteer.query import Query, QueryReader, has_district_word, nominative_adjectives, written_as_district
from gazetteer.rank import MIN_SCORE, PEER_MARGIN, Candidate, category_prior, decide, prior_mass
from gazetteer.store import Extract, cache_dir, get_extract, record_columns
from gazetteer.words import word_keys, word_table

# rapidfuzz is needed by the fuzzy tiers only: imported on first use, not by every cold start.
fuzz = lazy_module("rapidfuzz.fuzz")
OSA = lazy_module("rapidfuzz.distance.OSA")
process = lazy_module("rapidfuzz.process")

#: Base score of a hit by the kind of name it hit.
#: Candidates an answer lists by default (a Resolver's ``candidates``; ``limit=`` asks for another number): as
#: many as Nominatim returns by default, so that the right one of many namesakes is listed more often.
CANDIDATES = 10
KIND_SCORE = {
    "official": 1.0,
    "romanization": 0.97,
    "geonames": 0.96,
    "renamed": 0.96,
    "russian": 0.95,
    "alternate": 0.93,
    "historical": 0.93,
    "district": 0.9,
}
#: Candidates this far below the best are not checked for being written as the query (see _rank).
SPELLED_CHECK_MARGIN = 0.1
#: A query that mixed scripts (Жmerynka) and was transliterated scores this much lower.
MIXED_SCRIPT_FACTOR = 0.95
#: A name matched by expanding abbreviated words (Б. Церква, Кам.-Подільський) scores this much lower.
ABBREVIATION_FACTOR = 0.95
#: A name matched with another adjective ending (Pokrovskyi ~ Покровське, Stepnaya ~ Степне) scores
#: this much lower than the name as written.
ENDING_FACTOR = 0.92
#: A city of at least this many people one letter away from a query that matched only smaller places
#: exactly is offered beside them with FAMILIAR_SCORE (Nikolayev: Миколаїв, not the town in Lviv oblast).
FAMILIAR_POPULATION = 100_000
FAMILIAR_SCORE = 0.9
#: ...only when every exact hit is such a variant (not an official, romanized or former name).
FAMILIAR_BESIDE = frozenset({"alternate", "geonames", "russian"})
#: ...and only through a name of the city itself (not a district's or a former name).
FAMILIAR_KINDS = frozenset({"official", "romanization", "geonames", "russian", "alternate"})
#: A part of a city named with the city ("Obolon, Kyiv", "Kyivskyi district, Kharkiv") resolves to the
#: city with this score when the extract does not list the part's name.
DISTRICT_SCORE = 0.9
#: A consonant-skeleton hit this similar to a Latin query ends the search; a looser one lets the typo
#: tier look too, and yields (its score times SKELETON_YIELD) to a name one typo away as written.
#: (Cyrillic queries stop at any skeleton hit: there the skeleton tier is for Russian vowels.)
SKELETON_SURE = 0.9
SKELETON_YIELD = 0.9
#: Bump when what the cache file of the names' spellings holds changes, or how _plain_words spells (see
#: name_spellings; a change of light_key bumps KEY_VERSION).
NAME_SPELLINGS_VERSION = 1
#: Distinct hint texts whose units a resolver keeps (see Resolver._units).
HINT_MEMO = 4096
#: With a hint and nothing matched inside the hinted units, nor any exact or ending hit anywhere, names there
#: this alike (fuzz.ratio of lightly normalised spellings, 0-100) are candidates, scored ratio x NEAR_FACTOR:
#: three slips in Kamanka Dnirpovksa (Zaporizhzhia oblast) are beyond the typo tier's two edits (Кам’янка-Дніпровська).
NEAR_IN_UNITS = 85.0
NEAR_FACTOR = 0.85
#: How many sets of hints keep their table of names to compare a misspelling with (each a few MB at most).
NEAR_TABLES = 32
#: Tiers whose hits say the name exists as written (or nearly) somewhere: a hint then rules out, never guesses.
SURE_TIERS = frozenset({"exact", "ending", "familiar", "inflected"})
#: Hits through these GeoNames-recorded spellings bring in the settlements officially called the same (see
#: Resolver._offer_namesakes), at this fraction of the hit's score: close behind (across the country the
#: place GeoNames gave the spelling is more often the one meant: it is usually the better known)...
NAMESAKE_KINDS = frozenset({"geonames", "russian", "alternate"})
NAMESAKE_FACTOR = 0.97
#: ...and at this fraction when both lie inside the hinted units: within the ranking's peer margin, so that
#: the rules (hromada centre, population) choose among the namesakes the hint leaves, not the record.
REGION_NAMESAKE_FACTOR = 0.995
#: An ``alternate`` name may be another name altogether (Paris, a name one village Веселий Кут carried), not
#: a spelling of the official one: it brings in namesakes only when this alike to it (fuzz.ratio of the keys).
NAMESAKE_LIKENESS = 60.0
#: After a preposition a name is in an oblique case ("в Харкові": Харків): a reading of the words as a
#: nominative (the village Харкове for "в Харькове") scores this much lower when an inflected reading exists.
NOMINATIVE_AFTER_PREPOSITION = 0.9
OBLAST_MISMATCH = 0.5
UNIT_MISMATCH = 0.6
_PLAIN = re.compile(r"[\s\-'’ʼ`]+")
#: The reason of a cell that names several towns ("Kharkiv, Lviv"): ambiguous between them.
SEVERAL_REASON = "the cell names several settlements"
#: An oblast's adjective (Донецька, Луганської, Харьковская): beside a name, the oblast, not a city's genitive.
_OBLAST_ADJECTIVE = re.compile(r"(?:ськ|цьк|ск|цк)(?:а|ої|ая|ой)$", re.IGNORECASE)
#: A name of at most this many letters is read only as a settlement's official spelling (Яр), never through
#: another name or a look-alike ("OR" is no Перекоп, whose Crimean Tatar name GeoNames gives as "Or").
SHORTEST_OTHER_NAME = 2
#: Words and spaced dashes that join two names in a cell ("Kharkiv and Lviv", "Харків та Львів", "Kharkiv or
#: Kyiv", "Izium - Kharkiv"): read as a comma when the cell as written names nothing (Сакко і Ванцетті is one
#: village).
_JOINERS = re.compile(r"\s+(?:and|or|та|і|й|и|або|чи|или|&|[-–—])\s+", re.IGNORECASE)


def _common_prefix(a: str, b: str) -> int:
    """How many leading letters ``a`` and ``b`` share."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


#: Last consonants of a town's name and of the stem of the adjective made of it, as folded keys spell them:
#: Кривий Ріг, Криворізький (г: з); Прилуки, Прилуцький (к: ц); Бахмут, Бахмутський (тськ folds to ц);
#: Волноваха, Волноваський (х: с).
_CENTRE_ALTERNATIONS = frozenset({("h", "z"), ("k", "c"), ("t", "c"), ("h", "s")})


def _named_after(town: str, stem: str) -> bool:
    """Is ``stem`` (a unit name's stem, folded) the adjective stem of the name of town ``town`` (folded)? Their
    first three letters agree and their consonant skeletons differ at most in the end: one consonant more in
    the stem (Дніпро, Дніпровський; Шостка, Шосткинський) or the town (Горлівка, Горлівський), or a last
    consonant that alternates (:data:`_CENTRE_ALTERNATIONS`). Мирне is not Мар'їнський, Лугове not Лугинський,
    Маяк not Макіївська."""
    if _common_prefix(town, stem) < 3:
        return False
    a, b = skeleton(town), skeleton(stem)
    agree = _common_prefix(a, b)
    rest = (a[agree:], b[agree:])
    if agree < 2 and a != b:
        return False
    return rest in _CENTRE_ALTERNATIONS or len(rest[0]) + len(rest[1]) <= 1


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
    ``peer_margin`` tune when one answer counts as clearly best; ``candidates`` (default CANDIDATES, 10) is
    how many candidates an answer lists when no ``limit`` is given: batch work and data frames list that many
    in ``gaz_candidates``. ValueError unless it is a positive int.
    """

    def __init__(
        self,
        extract: Extract | None = None,
        *,
        fuzzy: bool = True,
        fast_typos: bool = True,
        min_score: float = MIN_SCORE,
        peer_margin: float = PEER_MARGIN,
        candidates: int = CANDIDATES,
    ) -> None:
        _check_limit(candidates, "candidates")
        self._extract = extract
        self._index: NameIndex | None = None
        self._lock = threading.Lock()
        self.fuzzy = fuzzy
        self.fast_typos = fast_typos
        self.min_score = min_score
        self.peer_margin = peer_margin
        self.candidates = candidates

    def __getstate__(self) -> dict:
        # Ship settings only; each process loads the extract itself (once, lazily).
        return {
            "fuzzy": self.fuzzy,
            "fast_typos": self.fast_typos,
            "min_score": self.min_score,
            "peer_margin": self.peer_margin,
            "candidates": self.candidates,
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
        limit: int | None = None,
    ) -> list[Match]:
        """Candidate settlements for ``query``, best first (at most ``limit``; by default the resolver's
        ``candidates``). Empty when nothing fits.

        Raises TypeError / ValueError for bad input and UnknownOblast for a hint that names no unit.
        """
        return list(
            self.lookup(
                query, oblast=oblast, raion=raion, hromada=hromada, near=near, limit=limit, strict=True
            ).candidates
        )

    def geocode(self, query: str, **hints) -> Match | None:
        """The one settlement ``query`` names, or None if none fits; AmbiguousName if several fit equally (its
        ``candidates``: every one of them, best first)."""
        res = self.lookup(query, strict=True, **hints)
        if res.status == "ambiguous":
            hints["limit"] = len(self.extract.settlements)  # all of them: "78 candidates", not the first five
            raise AmbiguousName(query, list(self.lookup(query, strict=True, **hints).candidates))
        return res.match

    def lookup(
        self,
        query: object,
        *,
        oblast: str | None = None,
        raion: str | None = None,
        hromada: str | None = None,
        near: tuple[float, float] | None = None,
        limit: int | None = None,
        strict: bool = False,
    ) -> Resolution:
        """Full answer with status and reason; an ambiguous answer lists at most ``limit`` candidates (by
        default the resolver's ``candidates``). With ``strict=False`` bad input gives status 'invalid' and a
        hint that names no unit is left out (the reason says so); ``strict=True`` raises UnknownOblast."""
        if limit is None:
            limit = self.candidates
        # A hint with no value (None, NaN, pandas' NA: an empty cell) is no hint, as in batch and frames.
        oblast, raion, hromada = (None if _is_missing(h) else h for h in (oblast, raion, hromada))
        if isinstance(query, str) and query.strip().casefold() in MISSING_MARKERS:
            # A spreadsheet's or a database's mark of an empty cell (#N/A, NULL, n/a): no name to look up.
            return Resolution(query, "invalid", f"{MISSING_VALUE} ({query.strip()})")
        try:
            # A line break inside a cell ("Kyiv\nObolon") separates its parts as a comma does.
            q = self.reader.read(_LINE_BREAKS.sub(", ", query.strip()) if isinstance(query, str) else query)
            _check_limit(limit)
            hints, notes = self._read_hints(q, oblast, raion, hromada, near, strict)
        except (TypeError, ValueError) as exc:
            if strict:
                raise
            return Resolution(query, "invalid", str(exc))
        res = self._lookup(q, hints, limit)
        if res.status == "not_found":
            same = self._second_name(q, hints, limit, given=(raion, hromada))
            if same is not None:
                res, note = same
                notes.append(note)
        joiner = _JOINERS.search(query) if res.status == "not_found" and isinstance(query, str) else None
        if joiner is not None:
            # "Kharkiv and Lviv" names nothing as written: read with commas, the notes follow that reading.
            joined = self._joined(query, oblast, raion, hromada, near, limit)
            if joined is not None:
                q, hints, notes, res = joined
                notes.append(f"{joiner.group().strip()!r} read as a comma between names")
        elif isinstance(query, str) and _loose(res) and not _PUNCTUATED.search(query):
            # "Bucha Kyiv", "Kupiansk Kharkiv", "Kyiv Ukraine": a place and its region without a comma. Read
            # as written only loosely (a typo-like village, or nothing), it is read with the comma.
            split = self._unpunctuated(query, oblast, raion, hromada, near, limit, len(notes))
            if split is not None:
                q, hints, notes, res, reading = split
                notes.append(f"read as {reading!r}")
        if isinstance(query, str) and q.script == "cyrillic" and not q.inflected and not q.foreign:
            res = self._bare_case_form(q, hints, limit, res, notes)
        if isinstance(query, str) and res.status != "not_found" and _loose(res) and self._only_a_raion(q):
            # "Bilhorod-Dnistrovskyi raion", "Кам'янець-Подільський район": the raion, not its town one word away.
            res = Resolution(query, "not_found", self._why_not_found(q.key, q.name), None, res.candidates)
        elif isinstance(query, str) and _loose(res):
            # "Донеччина", "на Донеччині", "Крим", "Kharkiv Obl": a region, not a typo of a village (Дончине).
            region = self._region_named(q.name)
            if region:
                res = Resolution(
                    query, "not_found", _names_region_reason(self.extract, region), None, res.candidates, region
                )
        elif isinstance(query, str) and q.inflected and _ON_REGION.match(q.text) and self._region_named(q.name):
            # "на Харківщині", "на Донбасі": "на" before a region's name is how a region is said; a village takes
            # "у"/"в" (у Харківщині, the village of Sumy oblast).
            region = self._region_named(q.name)
            res = Resolution(
                query, "not_found", _names_region_reason(self.extract, region), None, res.candidates, region
            )
        elif (
            isinstance(query, str)
            and res.status != "not_found"
            and not (q.inflected and _GENITIVE_BEFORE.match(q.text))
            and self._oblast_adjective(q.name, res)
        ):
            # "Donetska", "Харківська", "Харьковская": an oblast's own name as the place, not the city Донецьк or
            # the village Харківське it is one ending away from (the value of a gaz_oblast_* column).
            region = self.reader.oblasts(q.name, fuzzy=False)
            res = Resolution(
                query, "not_found", _names_region_reason(self.extract, region), None, res.candidates, region
            )
        elif isinstance(query, str) and res.status != "not_found":
            top = res.match or res.candidates[0]
            region = self._region_named(q.name) if category_prior(top.settlement.category) < 2 else None
            if region:  # Kharkivshchyna: a village in Sumy oblast, and the region around Kharkiv
                names = ", ".join(sorted(self.extract.units[u].name_uk for u in region))
                notes.append(f"{q.name!r} is also the name of a region ({names})")
        if isinstance(query, str) and res.status in ("resolved", "ambiguous"):
            # "в Польщі", "на фронті", "Ivan", "район": a phrase, a given name or a word, not a place.
            why = self._not_a_place(q, res, bool(hints.oblasts or hints.raions or hints.hromadas or hints.near))
            if why:
                res = Resolution(query, "not_found", why, None, res.candidates or (res.match,))
        if res.status == "ambiguous" and res.reason.startswith(SEVERAL_REASON):
            # A part read as a region hint was one of the towns named: no note that it names no unit.
            inline = [
                (lvl, part)
                for lvl, part, arg in (("oblast", q.oblast, oblast), ("raion", q.raion, raion))
                if part and arg is None
            ]
            notes = [n for n in notes if not any(n.startswith(f"{lvl} hint {part!r}") for lvl, part in inline)]
        if res.status == "not_found" and res.candidates:
            notes.append(self._inline_hint_note(q, hints, res.candidates[0], given=(oblast, raion)))
        if q.city is not None and res.status != "not_found" and self._city(q.city) is None:
            abroad = self.extract.not_places.get(fold_key(q.city))
            if abroad and abroad[1] != "word":  # "Kyiv, Moscow": say what was left out
                notes.append(f"{q.city!r} in the cell is not a Ukrainian settlement ({abroad[1]}): left out")
        if "near" in q.qualifiers and res.status == "resolved":
            notes.append("the cell says near it: the settlement it is near")
        if "address" in q.qualifiers and res.status == "resolved":
            notes.append("a street address in the cell was ignored: the settlement it is in")
        if "facility" in q.qualifiers and res.status == "resolved":
            notes.append("a facility or front sector in the cell was left out: the settlement it is at or named after")
        if q.transliterated:
            notes.append("mixed Latin and Cyrillic letters, read as one script")
        if notes:
            res = replace(res, reason="; ".join(filter(None, [res.reason, *notes])))
        return res if res.query is query else replace(res, query=query)

    def _unpunctuated(
        self, query: str, oblast: object, raion: object, hromada: object, near: object, limit: int, noted: int
    ) -> tuple[Query, Hints, list[str], Resolution, str] | None:
        """``query`` of several words read with a comma before its last one, two or three (UNPUNCTUATED_TAIL),
        then with two commas (a region, then a country): (query read, hints, their notes, answer, the
        reading), the first whose tail is read as a region or city hint, a country or a place abroad, with no more notes than the cell had (``noted``: nothing left out) and an
        answer that is no loose match either; None when no such reading exists."""
        words = query.split()
        if not 2 <= len(words) <= UNPUNCTUATED_WORDS:
            return None
        n = len(words)
        cuts = [(n - k,) for k in range(1, min(UNPUNCTUATED_TAIL, n - 1) + 1)]
        # Two commas: a region and then a country ("Sloviansk Donetsk region Ukraine").
        cuts += [(n - k, n - j) for k in range(2, min(UNPUNCTUATED_TAIL + 1, n - 1) + 1) for j in range(1, k)]
        for cut in cuts:
            parts = [" ".join(words[a:b]) for a, b in zip((0, *cut), (*cut, n))]
            if any(self.reader.cuts_unit_name(a, b) for a, b in zip(parts, parts[1:])):
                continue  # "Бахмутський, район Донецької області": the raion's name cut from its unit word
            head, reading = parts[0], ", ".join(parts)
            try:
                q = self.reader.read(reading)
                hints, notes = self._read_hints(q, oblast, raion, hromada, near, False)
            except (TypeError, ValueError):
                continue
            if q.name not in head or q.others or len(notes) > noted:
                continue  # the tail is no hint, country or place abroad, or a hint in it names no unit
            res = None
            if not (q.foreign or all(self._names_region(p) for p in parts[1:])):
                # "Kyiv Obolon": a city, then a known part of it, is the city
                res = self._lookup(q, hints, limit) if len(parts) == 2 and self._names_district(parts[1]) else None
                if res is None or res.match is None or not self.part_of(parts[1], res.match.settlement):
                    continue  # "Staryk Tarazh", "Nove Zaoprizhzhia": a typo's second word, not a region as written
            res = res or self._lookup(q, hints, limit)
            if (
                res.match is not None
                and res.match.match == "district"
                and not self.part_of(q.name, res.match.settlement)
            ):
                continue  # "near, Izium, Kharkiv": only a known part of a city is read as one ("Obolon Kyiv")
            if q.foreign or not _loose(res):  # "Odessa Texas": a place abroad, said as such
                return q, hints, notes, replace(res, query=query), reading
        return None

    def _bare_case_form(self, q: Query, hints: Hints, limit: int, res: Resolution, notes: list[str]) -> Resolution:
        """A Cyrillic cell read as a case form without a preposition before it (a heading, "з ... до ..."
        split over two cells): where the cell names nothing as written ("Часового Яру", "Кривого Рогу"), or
        only a look-alike or another ending of a name and the case form is a city's ("Покровськом",
        "Сіверська": the genitive of the town Сіверськ, or the village Сіверське said otherwise). Over a
        look-alike only for a city: one-letter typos of villages spell case forms of other villages (Юріїва is
        a typo of Юріївка more often than the genitive of Юрів)."""
        top = res.match or (res.candidates[0] if res.candidates else None)
        ending = top is not None and top.match == "exact" and top.score < 1.0  # Сіверська -> Сіверське
        if not (res.status == "not_found" or _loose(res) or ending):
            return res
        oblique = self._lookup(q._replace(inflected=True), hints, limit)
        if _loose(oblique) or oblique.match is None or oblique.match.match != "inflected":
            return res
        city = category_prior(oblique.match.settlement.category) >= 2
        if res.status == "not_found" or (_loose(res) and city):
            notes.append("read as a case form of the name")
            return oblique
        if ending and city and all(c.id != oblique.match.id for c in res.candidates):
            peers = (oblique.match, *res.candidates)[:limit]
            others = "; ".join(c.settlement.long_label for c in res.candidates[:3])
            reason = f"a case form of {oblique.match.settlement.long_label}, or another form of {others}"
            return Resolution(res.query, "ambiguous", reason, None, peers)
        return res

    def _region_named(self, name: str) -> frozenset[str]:
        """The oblasts a name stands for as written (an oblast's name, a regional name such as Донеччина or
        Слобожанщина, Крим, ДНР; not a misspelling of one), unless it is a city's own name; else empty."""
        worded = bool(_REGION_WORD.search(name))  # "АР Крим", "Донецкая обл": a region, said so in words
        key = fold_key(strip_unit_words(name) if worded else name) if name.strip() else ""
        if not key or not (
            worded or key in self._region_keys() or _REGIONAL_CASE.sub("ina", key) in self._region_keys()
        ):
            return frozenset()  # as written: a look-alike of a region's name is a village's typo (Mykailivka)
        units = self.reader.oblasts(name, fuzzy=False) or self.reader.oblasts(_REGIONAL_CASE.sub("ina", key))
        if units and not worded and self._city(name) is not None:
            return frozenset()  # Odesa, Donetsk: the city (its oblast is named after it; not "Donetsk obl")
        return units

    def _oblast_adjective(self, name: str, res: Resolution) -> bool:
        """Is ``name`` an oblast's own name (Донецька, Donetska, Донецкая) that no candidate of ``res`` is
        officially called?"""
        keys = self.__dict__.get("_adjective_keys")
        if keys is None:
            ex = self.extract
            # (not Kyiv's and Sevastopol's: oblast-level units that are cities, named as the city: Киев)
            level = {uid for uid, u in ex.units.items() if u.level == "oblast" and not uid.startswith(("UA80", "UA85"))}
            rows = [(uid, n) for uid, n, kind, _k in ex.unit_names if uid in level and kind in _ADJECTIVE_KINDS]
            keys = frozenset(fold_key(n) for _uid, n in rows) | frozenset(fold_key(romanize(n)) for _u, n in rows)
            self.__dict__["_adjective_keys"] = keys
        if fold_key(name) not in keys or not self.reader.oblasts(name, fuzzy=False):
            return False
        return not any(self._spells(name, m.settlement) for m in (res.match, *res.candidates) if m is not None)

    def _region_keys(self) -> frozenset[str]:
        """Folding keys of every name of an oblast-level unit (Харківська, Kharkiv Oblast's Kharkiv, Харківщина,
        Krym) and of the region aliases (Слобожанщина, ДНР)."""
        keys = self.__dict__.get("_region_key_set")
        if keys is None:
            ex = self.extract
            level = {uid for uid, u in ex.units.items() if u.level == "oblast"}
            keys = frozenset(k for uid, _n, _kind, k in ex.unit_names if uid in level) | frozenset(
                self.reader.region_aliases
            )
            keys |= {fold_key(romanize(n)) for uid, n, kind, _k in ex.unit_names if uid in level and kind == "official"}
            self.__dict__["_region_key_set"] = keys
        return keys

    def _abroad(self, q: Query, hints: Hints, limit: int) -> Resolution:
        """A cell whose qualifier names a place abroad ("Odessa, Texas"): not found, and where the name as
        written is a Ukrainian city, that city named in the reason. A settlement of Crimea or Sevastopol
        tagged Russia ("Kerch, Crimea, Russia": how sources in Russia file them since 2014), or of a Ukrainian
        oblast the cell names too ("Melitopol, Zaporozhye Oblast, Russia"), is that settlement, with a note;
        elsewhere the tag may mean a Russian namesake (Donetsk, Rostov oblast)."""
        text = q.text
        reason = f"{text!r} is a place abroad ({q.foreign}), not in Ukraine"
        home = self._lookup(q._replace(foreign=None), hints, limit)
        if _loose(home) or home.match is None:
            return Resolution(text, "not_found", reason)
        s = home.match.settlement
        named_oblast = (
            hints.oblasts is not None and s.oblast_id in hints.oblasts
        )  # "Melitopol, Zaporozhye Oblast, Russia"
        if q.foreign.endswith(RUSSIA_TAGS) and (s.oblast_id in CRIMEA_UNITS or named_oblast):
            tag = q.foreign.split(":")[0]
            note = f"the cell names {tag!r} as the country; {s.name_uk} is in Ukraine's {s.oblast_uk} (KATOTTG)"
            return replace(home, reason="; ".join(filter(None, [home.reason, note])))
        if category_prior(s.category) >= 2:
            reason += f"; a Ukrainian city of that name, the answer without the country: {s.long_label}"
        return Resolution(text, "not_found", reason)

    def _names_region(self, part: str) -> bool:
        """Does ``part`` name Ukraine, an oblast (by one of its names as written, not a misspelling), a raion
        with its unit word, or a city exactly?"""
        if fold_key(part) in UKRAINE_KEYS or {fold_key(part), fold_key(strip_unit_words(part))} & self._region_keys():
            return True
        bare = strip_unit_words(part)
        if bare != part and fold_key(bare) and self._units_named(part, "raion"):
            return True  # "Куп'янський р-н", "Чугуевского района": a raion, said so in words
        city = self._city(part)
        return (
            city is not None
            and city.name_en.casefold() == part.casefold()
            or (city is not None and _plain(city.name_uk) == _plain(part))
        )

    def _joined(
        self, query: str, oblast: object, raion: object, hromada: object, near: object, limit: int
    ) -> tuple[Query, Hints, list[str], Resolution] | None:
        """``query`` read with its joining words and dashes as commas: (query read, hints, their notes, answer),
        or None when nothing is left to read (" и ") or that reading is not found either. The hints were
        read once already, so a strict error cannot arise here."""
        try:
            q = self.reader.read(_JOINERS.sub(", ", query))
            hints, notes = self._read_hints(q, oblast, raion, hromada, near, False)
        except (TypeError, ValueError):
            return None
        res = self._lookup(q, hints, limit)
        return None if res.status == "not_found" else (q, hints, notes, replace(res, query=query))

    def _inline_hint_note(self, q: Query, hints: Hints, closest: Match, given: tuple[object, object]) -> str:
        """Say which region written in the cell itself ruled the closest settlement out ("Kyiv region,
        Donetsk": Донецьк is not in Київська); "" when the hint came as an argument or does not rule it out."""
        for text, arg, units in ((q.oblast, given[0], hints.oblasts), (q.raion, given[1], hints.raions)):
            if text is None or (arg is not None and arg != "") or not units:
                continue
            s = closest.settlement
            if (units is hints.oblasts and not self._in_oblasts(s, units)) or (
                units is hints.raions and s.raion_id not in units
            ):
                names = ", ".join(sorted(self.extract.units[u].name_uk for u in units if u in self.extract.units))
                return f"the cell itself names the region {text!r} ({names}), which {s.name_uk} is not in"
        return ""

    @property
    def reader(self) -> QueryReader:
        """Reads query cells and region hints (see :mod:`gazetteer.query`)."""
        reader = self.__dict__.get("_reader")
        if reader is None or reader.index is not self.index:
            reader = self.__dict__["_reader"] = QueryReader(self.index)
            reader.raions_of_centre = lambda text: self._units_of_centre(text, "raion")
        return reader

    # -- hints ----------------------------------------------------------------------------------
    def parse_hints(
        self,
        *,
        oblast: str | None = None,
        raion: str | None = None,
        hromada: str | None = None,
        near: tuple[float, float] | None = None,
    ) -> Hints:
        """Turn hint strings (any language, KATOTTG ids, P-codes, ISO 3166-2 or KOATUU oblast codes) into unit
        ids; UnknownOblast if unknown."""
        oblasts = self._units(oblast, "oblast") if oblast else None
        raions = self._units(raion, "raion", within=oblasts) if raion else None
        hromadas = self._units(hromada, "hromada", within=raions or oblasts) if hromada else None
        return Hints(oblasts, raions, hromadas, _point(near))

    def region_named(self, state: object) -> Resolution:
        """A region given alone (Nominatim's ``state`` without a city): ``not_found`` (no settlement was asked
        for) with ``region`` holding the oblasts it names; empty, the reason saying why, when it names none."""
        try:
            region = self.parse_hints(oblast=state).oblasts or frozenset()
        except ValueError as exc:  # UnknownOblast
            return Resolution(state, "not_found", str(exc))
        return Resolution(state, "not_found", f"state {state!r} names an oblast; no city was asked for", region=region)

    def within_hints(
        self, res: Resolution, *, oblast: object = None, raion: object = None, hromada: object = None
    ) -> Resolution:
        """``res`` with only the candidates inside the units the hints name (given here, else written in the
        query, as :meth:`lookup` reads them), as Nominatim's ``state``/``county`` restrict its results.
        :meth:`lookup` keeps the namesakes outside them (scored down) to say where a name lies when a region cell
        is wrong; a geocoder's client takes every result as a match. Unchanged when no hint is read, when no
        candidate (or not the answer) lies inside, or when all do."""
        if not isinstance(res.query, str):
            return res
        try:
            hints, _ = self._read_hints(self.reader.read(res.query), oblast, raion, hromada, None, False)
        except (TypeError, ValueError):
            return res
        if hints.oblasts is None and hints.raions is None and hints.hromadas is None:
            return res
        kept = tuple(c for c in res.candidates if self._fits(c.settlement, hints))
        if not kept or len(kept) == len(res.candidates) or (res.match is not None and res.match not in kept):
            return res
        return replace(res, candidates=kept)

    def _read_hints(
        self, q: Query, oblast: object, raion: object, hromada: object, near: object, strict: bool
    ) -> tuple[Hints, list[str]]:
        """Hints given as arguments, else found in the query; one that names no unit is left out with a note
        (given as an argument in strict mode, it raises UnknownOblast)."""
        notes: list[str] = []
        found: dict[str, frozenset[str] | None] = {}
        within = None
        if raion is None and isinstance(oblast, str):
            oblast, raion = self._raion_in_region_cell(oblast)
        for level, given, inline in (
            ("oblast", oblast, q.oblast),
            ("raion", raion, q.raion),
            ("hromada", hromada, q.hromada),
        ):
            text = given if given is not None and given != "" else inline
            found[level] = None
            if text is None:
                continue
            try:
                found[level] = within = self._units(text, level, within=within)
            except UnknownOblast:
                if strict and text is given:
                    raise
                notes.append(unread_hint(level, text, *self._units_elsewhere(text, level, within)))
        point = _point(near)
        if point is not None and not in_ukraine_box(*point):
            swapped = "; as (lon, lat) it would be: swapped?" if in_ukraine_box(point[1], point[0]) else ""
            notes.append(f"near point {point} is outside Ukraine{swapped}")
        return Hints(found["oblast"], found["raion"], found["hromada"], point), notes

    def _raion_in_region_cell(self, text: str) -> tuple[str | None, str | None]:
        """(oblast part, raion part) of a region cell that names a raion, alone or beside its oblast, as
        registries write it ("Бахмутський р-н", "Краматорський район, Донецька область", "Donetsk Oblast /
        Kramatorskyi raion"): the raion part is read as the raion hint. A cell with no part that says raion
        and reads as one, or one part that reads as an oblast too, is left whole: (text, None)."""
        rest, raion = self.reader.raion_part(text)
        if raion is None:
            return text, None
        try:
            self._units(raion, "raion")
        except UnknownOblast:
            return text, None
        return rest, raion

    def _units(self, text: object, level: str, within: frozenset[str] | None = None) -> frozenset[str]:
        if not isinstance(text, str) or not text.strip():
            raise UnknownOblast(f"{level} hint must be a non-empty string, not {text!r}")
        # A hint column repeats a few values: each is read once (a pure function of the text and the data;
        # the table stops growing at HINT_MEMO entries, which only costs time).
        memo = self.__dict__.setdefault("_units_memo", {})
        key = (text.strip(), level, within)
        found = memo.get(key)
        if found is None:
            try:
                found = self._read_units(key[0], level, within)
            except UnknownOblast as exc:
                found = str(exc)
            if len(memo) < HINT_MEMO:
                memo[key] = found
        if type(found) is str:
            raise UnknownOblast(found)
        return found

    def _units_named(self, text: str, level: str, within: frozenset[str] | None = None) -> set[str]:
        """Raions or hromadas ``text`` names (inside ``within`` when given), read in tiers, the first that finds
        units inside ``within`` giving them: the unit's name or its stem as written or in the nominative (the
        genitive or locative of the adjective, "Куп'янського району", "Чугуевского р-на", reads as
        "Куп'янський район"), its centre's name ("Kremenets", "Бахмут", "Kryvyi Rih": see
        :meth:`_units_of_centre`), and only then a loose reading (the consonant skeleton of the stem). A loose
        reading never stands in for an exact one that names units elsewhere: "Kremenets" is Кременецький
        raion, not the former Кремінський whose skeleton it shares; with a Luhansk oblast hint it names no
        raion there."""
        nominative = nominative_adjectives(text)
        tiers = (
            lambda: self._units_as_written(text, level) or self._units_as_written(nominative, level),
            lambda: self._units_of_centre(text, level),
        )
        named = False
        for tier in tiers:
            found = tier()
            inside = {u for u in found if not within or self._ancestor_in(u, within)}
            if inside:
                return inside
            named = named or bool(found)
        if named:
            return set()
        found = self.index.find_units(text, level) or self.index.find_units(nominative, level)
        return {u for u in found if not within or self._ancestor_in(u, within)}

    def _units_as_written(self, text: str, level: str) -> set[str]:
        """Units of ``level`` whose name ``text`` is (unit words aside), or whose name's stem it is or has
        ("Куп'янський", "Kupiansk", "Kremenets": the stem of Кременецький), or, one word long, whose stem
        its adjective has ("Bakhmut": Бахмутський; тськ folds to ц, so the bare name's stem alone misses
        it). No loose reading."""
        bare = strip_unit_words(text).strip()
        key = fold_key(bare)
        if not key:
            return set()
        table = self.index.unit_keys.get(level, {})
        keys = [key, "s:" + unit_stem(key), "s:" + key]
        if " " not in bare:
            adjective = bare + ("ський" if script_of(bare) == "cyrillic" else "skyi")
            keys.append("s:" + unit_stem(fold_key(adjective)))
        for k in keys:
            hits = table.get(k)
            if hits:
                return set(hits)
        return set()

    def _units_of_centre(self, text: str, level: str) -> set[str]:
        """Units of ``level`` that ``text`` names as the name of their centre, in any script: a city or town
        (KATOTTG M, K, X) of that exact name lies in a unit one of whose names (official, romanized, Russian,
        former) is the adjective made of it (:func:`_named_after`: Дніпро, Дніпровський; Кривий Ріг, Кривой
        Рог: Криворізький; Шостка: Шосткинський; Калуш: Калушский); that name's stem names them, as written out
        it would. A town in a unit named otherwise (Кельменці, Дністровський raion) names none."""
        key = fold_key(strip_unit_words(text))
        if len(key) < 3:
            return set()
        stems = self._unit_stems(level)
        settlements, table = self.extract.settlements, self.index.unit_keys.get(level, {})
        found: set[str] = set()
        for hit in self.index.by_key.get(key, ()):
            s = settlements[hit.settlement]
            uid = s.raion_id if level == "raion" else s.hromada_id
            if s.category not in "MKX":
                continue
            # Of the unit's names the town's fits, the one spelled most like it (Хмільник: Хмільницький, not
            # its Russian Хмельницкий, which is also Хмельницький raion's).
            fitting = [st for st in stems.get(uid, ()) if _named_after(key, st)]
            if fitting:
                found.update(table.get("s:" + max(fitting, key=lambda st: (_common_prefix(key, st), st)), ()))
        return found

    def _unit_stems(self, level: str) -> dict[str, frozenset[str]]:
        """Unit id -> the stems of its names (official, romanized, Russian, former), for units of ``level``."""
        tables = self.__dict__.setdefault("_unit_stems_by_level", {})
        table = tables.get(level)
        if table is None:
            found: dict[str, set[str]] = {}
            units = self.extract.units
            for uid, _name, _kind, key in self.extract.unit_names:
                unit = units.get(uid)
                if unit is not None and unit.level == level and key:
                    found.setdefault(uid, set()).add(unit_stem(key))
            table = tables[level] = {uid: frozenset(v) for uid, v in found.items()}
        return table

    def _coded_unit(self, text: str, level: str) -> str | None:
        """The unit of ``level`` a code names, as registries write one: ISO 3166-2 (``UA-63``), an OCHA P-code
        or KATOTTG prefix (``UA63``, ``UA6312``, ``UA6312027``, or a settlement's ``UA6312027001``: the unit
        it lies in) or KOATUU's ten digits of an oblast (``6300000000``). None when ``text`` is no such code
        or no unit of ``level`` has it (an oblast's code as a raion hint)."""
        found = _UNIT_CODE.fullmatch(text)
        if found is None:
            return None
        two, longer, koatuu = found.groups()
        digits = _OBLAST_CODES.get(two or "") or longer or koatuu or ""
        width = _CODE_WIDTH[level]
        if len(digits) < width:
            return None
        by_prefix = self.__dict__.get("_units_by_code")
        if by_prefix is None:
            by_prefix = self.__dict__["_units_by_code"] = {uid[:14]: uid for uid in self.extract.units}
        uid = by_prefix.get(f"UA{digits[:width]:0<12}")
        return uid if uid is not None and self.extract.units[uid].level == level else None

    def _read_units(self, text: str, level: str, within: frozenset[str] | None) -> frozenset[str]:
        units = self.extract.units
        if text in units:
            return frozenset({text})
        coded = self._coded_unit(text, level)
        if coded is not None:
            return frozenset({coded})
        found = set(self.reader.oblasts(text)) if level == "oblast" else self._units_named(text, level, within)
        if level == "raion":
            # A city's district as the raion hint ("Шевченківський район" of Zaporizhzhia) stands for its
            # city's raion, beside any raion (today's or a former one) of that name.
            found = set(found) | {
                self.extract.settlements[i].raion_id for i in self.city_districts.get(_district_key(text), ())
            }
        if not found and level == "oblast" and (city := self._city(text)) is not None:
            # A city in the region column ("Mariupol"): its oblast (the capital's: Kyiv oblast too).
            found = set(self._oblasts_of(city))
        if within:
            found = {u for u in found if self._ancestor_in(u, within)}
        if not found:
            raise UnknownOblast(self._unread_units(text, level, within))
        return frozenset(found)

    def _unread_units(self, text: str, level: str, within: frozenset[str] | None) -> str:
        """Why ``text`` names no unit of ``level`` (inside ``within``): none of Ukraine is so called, or the
        ones so called lie elsewhere ("no raion in Kharkivska oblast is called 'Lviv' (it names Lvivskyi raion,
        in Lvivska oblast)"), which says the hints disagree rather than that the name is unknown."""
        inside, elsewhere = self._units_elsewhere(text, level, within)
        if not elsewhere:
            return f"no {level} of Ukraine is called {text!r}"
        return f"no {level} in {inside} is called {text!r} (it names {elsewhere})"

    def _units_elsewhere(self, text: str, level: str, within: frozenset[str] | None) -> tuple[str, str]:
        """("Kharkivska oblast", "Lvivskyi raion, in Lvivska oblast"): the units ``within`` and those outside
        them that ``text`` names, in words; ("", "") when ``text`` names no unit of ``level`` at all."""
        if not within or level == "oblast":
            return "", ""
        try:
            found = sorted(self._read_units(text, level, None))
        except UnknownOblast:
            return "", ""
        units = self.extract.units
        inside = " or ".join(sorted(self._unit_label(u) for u in within))
        named = "; ".join(f"{self._unit_label(u)}, in {self._unit_label(units[u].parent_id)}" for u in found[:3])
        return inside, named + ("; ..." if len(found) > 3 else "")

    def _unit_label(self, uid: str) -> str:
        """A unit named in English: "Lvivskyi raion", "Lvivska oblast", "Kyiv" (a city of the oblast level)."""
        unit = self.extract.units.get(uid)
        if unit is None:
            return uid
        if unit.level == "oblast" and not unit.name_en.endswith("ka"):
            return unit.name_en  # Kyiv, Sevastopol, Avtonomna Respublika Krym: no "oblast"
        return f"{unit.name_en} {unit.level}"

    @property
    def city_districts(self) -> dict[str, frozenset[int]]:
        """Folding key of a city district's name (without "district") -> indexes of the cities that have one
        so named, from the extract's ``city_district`` unit names (KOATUU editions)."""
        table = self.__dict__.get("_city_districts")
        if table is None:
            position = self.positions()
            found: dict[str, set[int]] = {}
            for sid, name, kind, _key in self.extract.unit_names:
                if kind == "city_district" and sid in position:
                    found.setdefault(_district_key(name), set()).add(position[sid])
            found.pop("", None)
            table = self.__dict__["_city_districts"] = {k: frozenset(v) for k, v in found.items()}
        return table

    def _ancestor_in(self, uid: str, ancestors: frozenset[str]) -> bool:
        units = self.extract.units
        while uid:
            if uid in ancestors:
                return True
            uid = units[uid].parent_id if uid in units else ""
        return False

    # -- candidates and ranking -----------------------------------------------------------------
    def _lookup(self, q: Query, hints: Hints, limit: int) -> Resolution:
        text = q.text
        if q.foreign:
            return self._abroad(q, hints, limit)
        if q.district and q.city is not None and hints.raions is None:
            in_raion = self._raion_first(q, hints, limit)
            if in_raion is not None:
                return in_raion
        city = self._city(q.city) if q.city is not None else None
        if city is not None and q.district and (self._city(q.core) is None or self.part_of(q.name, city)):
            # (not "Kamianets-Podilskyi, Khmelnytskyi": a city's own name ending like a district's is the city;
            # nor "Pisky, Donetsk", read as a district for its ending alone: the village of the city's oblast)
            around = self._oblasts_of(city)
            if has_district_word(q.name) or self.part_of(q.name, city) or not self._named_in(q.name, around):
                return self._district(q, city, limit)
        # The part after the name may name a town that is also a raion's name ("Бровари, Бориспіль").
        bare_raion = q.raion if q.raion is not None and strip_unit_words(q.raion) == q.raion else None
        second = city if city is not None else self._city(bare_raion) if bare_raion and q.city is None else None
        if second is not None:
            several = self._several(q, second, bare_raion)
            if several:
                names = ", ".join(m.name_uk for m in several)
                reason = f"{SEVERAL_REASON}: {names}"
                return Resolution(text, "ambiguous", reason, None, several[:limit])
        if city is not None and hints.oblasts is None:
            # "Hora, Boryspil": a settlement near the town, in its oblast (the capital's: in Kyiv oblast too).
            hints = replace(hints, oblasts=self._oblasts_of(city))
        res = self._lookup_name(q, hints, limit)
        if city is not None and res.status == "not_found" and self._may_be_part_of(q, city):
            return self._district(q, city, limit)
        if city is None and q.city is not None and res.status == "resolved":
            several = self._city_then_place(q, res.match.settlement)
            if several:
                reason = f"{SEVERAL_REASON}: {', '.join(m.name_uk for m in several)}"
                return Resolution(text, "ambiguous", reason, None, several[:limit])
        return res

    def _city_then_place(self, q: Query, found: Settlement) -> tuple[Match, ...]:
        """A city, then a smaller settlement of its oblast that is no part of it ("Kharkiv, Pisochyn",
        "Kyiv, Hora"): both, in cell order, as for two towns ("Kharkiv, Lviv"); the second part was left out
        before. Empty when the cell reads as one place: the part is a district of the city ("Kyiv, Obolon"),
        another name of it, or names no one settlement there."""
        if category_prior(found.category) < 2 or q.district or self.part_of(q.city, found):
            return ()
        try:
            part = self.reader.read(q.city)
            oblasts = self._oblasts_of(found)
            other = self._lookup_name(part, Hints(oblasts=oblasts), 3)
        except (TypeError, ValueError):
            return ()
        if other.status != "resolved" or _loose(other) or other.match.settlement.id == found.id:
            return ()
        if not self._in_oblasts(other.match.settlement, oblasts):
            return ()  # ("Kharkiv, Pyatykhatky": a part of Kharkiv, not the town of Dnipropetrovsk oblast)
        return tuple(Match(s, DISTRICT_SCORE, "several", s.name_uk) for s in (found, other.match.settlement))

    def _raion_first(self, q: Query, hints: Hints, limit: int) -> Resolution | None:
        """A raion named before the settlement ("Chuhuiv raion, Kochetok", "Чугуївський район, Кочеток"), which
        reads like a city's district before its city ("Kyivskyi district, Kharkiv"): the answer with the first
        part as the raion hint when a settlement of the second part's name lies in that raion, else None (the
        district reading stands)."""
        raions = self._units_named(q.name, "raion")
        if hints.oblasts is not None:
            raions = {u for u in raions if self._ancestor_in(u, hints.oblasts)}
        if not raions:
            return None
        try:
            named = self.reader.read(q.city)
        except (TypeError, ValueError):
            return None
        if named.city is not None or named.raion is not None or named.oblast is not None or named.foreign:
            return None
        res = self._lookup(named._replace(text=q.text), replace(hints, raions=frozenset(raions)), limit)
        return None if _loose(res) else res

    def _only_a_raion(self, q: Query) -> bool:
        """Is the whole cell a raion said as such ("Kupianskyi raion", "Білгород-Дністровський район")?"""
        return (
            q.raion is not None
            and fold_key(q.raion) == fold_key(q.name)
            and strip_unit_words(q.name) != q.name
            and bool(self.index.find_units(q.name, "raion"))
        )

    def _second_name(
        self, q: Query, hints: Hints, limit: int, given: tuple[object, object] = (None, None)
    ) -> tuple[Resolution, str] | None:
        """A part after the name that reads as a raion no candidate lies in, yet names the same place: its
        former name ("Чорноморськ (Іллічівськ)": Іллічівськ is also an old raion's town) or a part of it
        ("Kyiv, Troieshchyna"), or a district of that city written as a raion ("Київ, Оболонський район": Оболонська
        is also a hromada of Poltava oblast). (answer without that raion, the note saying what the part was); None
        otherwise. ``given``: the raion and hromada hints passed as arguments (a part of the cell never overrides
        one)."""
        if q.raion is not None and given[0] is None and hints.raions is not None:
            part, q_without, hints_without = q.raion, q._replace(raion=None), replace(hints, raions=None)
        elif q.hromada is not None and given[1] is None and hints.hromadas is not None:
            part, q_without, hints_without = q.hromada, q._replace(hromada=None), replace(hints, hromadas=None)
        else:
            return None
        res = self._lookup(q_without, hints_without, limit)
        if res.status != "resolved":
            return None
        s = res.match.settlement
        if self.part_of(part, s):
            return res, f"{part!r} taken as a part of {s.name_uk}"
        if strip_unit_words(part) != part or q.raion is None:
            return None  # ("Kupiansk, Chuhuivskyi raion": a raion as such, which rules the town out)
        try:
            other = self._lookup_name(self.reader.read(q.raion), Hints(), limit)
        except (TypeError, ValueError):
            return None
        if any(m.settlement.id == s.id for m in (*other.candidates, *filter(None, [other.match]))):
            return res, f"{q.raion!r} read as another name of {s.name_uk}, not a raion"
        return None

    def _may_be_part_of(self, q: Query, city: Settlement) -> bool:
        """A name not found beside a city is taken as a part of it (a district the data does not list) only when
        it is a known one, or no settlement anywhere carries the name: "Радьківка, Донецька" is the village
        of another oblast, not a part of Донецьк (a look-alike of its district Гладківка)."""
        if self.part_of(q.name, city):
            return True
        if any(h.kind != "district" for h in self.index.exact(q.key)):
            return False
        # Nor a part that names another city in its words ("either Kharkiv, Kyiv": a list, not a district).
        return not any(len(w) > 3 and self._city(w) is not None for w in q.name.split())

    def _city(self, text: str) -> Settlement | None:
        """The city (category M or K) a part of the query names on its own ("Kyiv", "Lviv City"), if any."""
        # Asked again and again of a batch's parts (a pure function of the text and the data; the table stops
        # growing at HINT_MEMO entries, which only costs time).
        memo = self.__dict__.setdefault("_city_memo", {})
        found = memo.get(text, _NO_VALUE)
        if found is _NO_VALUE:
            found = self._city_named(text)
            if len(memo) < HINT_MEMO:
                memo[text] = found
        return found

    def _city_named(self, text: str) -> Settlement | None:
        try:
            q = self.reader.read(text)
            res = self._lookup_name(q, Hints(), 3)
        except (TypeError, ValueError):
            return None
        if res.status == "resolved" and category_prior(res.match.settlement.category) >= 2:
            # Only a name of the city as written (Kharkiv, Харьков, Kiev), not a look-alike: "Донецька" is the
            # oblast (its adjective reaches Донецьк only through an ending), "Одеська" no typo of Одеса.
            sidx = self.positions()[res.match.settlement.id]
            kinds = {h.kind for h in self.index.exact(q.key) if h.settlement == sidx}
            if kinds and not (kinds == {"alternate"} and self.reader.oblasts(text, fuzzy=False)):
                return res.match.settlement  # (GeoNames gives Донецьк the alternate "donetska": the oblast's name)
        if script_of(text) != "cyrillic" or _OBLAST_ADJECTIVE.search(text) and self.reader.oblasts(text, fuzzy=False):
            return None  # ("Донецька" is Донецьк's genitive and, beside a name, the oblast: the oblast)
        # A city in the genitive after a district ("Оболонський район м. Києва"): the one city it is a form of.
        core = strip_type_words(text)
        cities = {
            i
            for i, v in self._inflected(core, fold_key(core)).items()
            if v[1] == "inflected" and v[0] >= 1.0 and category_prior(self.extract.settlements[i].category) >= 2
        }
        return self.extract.settlements[cities.pop()] if len(cities) == 1 else None

    def _several(self, q: Query, city: Settlement, bare_raion: str | None) -> tuple[Match, ...]:
        """The settlements a cell of several parts names when its name is a town or city on its own, other than
        ``city`` and not a known part of it ("Kharkiv, Lviv", "Буча, Ірпінь"): each part's settlement, in cell
        order; empty when the cell reads as one place (a village by its city, "Obolon, Kyiv", a place and its
        oblast named after the oblast centre: "Kramatorsk, Donetsk")."""
        own = self._city(q.name)
        if own is None or own.id == city.id or self._part_rather_than_town(q.name, city):
            return ()
        if q.oblast is not None and q.oblast == q.city:
            # "Kramatorsk, Donetsk", "Brovary, Kyiv": an oblast centre's name after a town of its oblast (or the
            # oblast around the capital) names the oblast; so it does after any place of that name in it
            # ("Zolochiv, Kharkiv": the Золочів of Kharkiv oblast, not the town of Lviv oblast and Kharkiv).
            # Not a familiar big city's name when only villages there carry it, though ("Запоріжжя, Дніпро": two
            # cities, not the villages Запоріжжя of Dnipropetrovsk oblast; "Mykolaiv, Lviv" is the town of Lviv oblast).
            oblasts = self._oblasts_of(city)
            if own.oblast_id in oblasts:
                return ()
            big = (own.population or 0) >= FAMILIAR_POPULATION
            if self._named_in(q.name, oblasts, "MKX" if big else None):
                return ()
        if bare_raion is not None and own.raion_id in self.index.find_units(bare_raion, "raion"):
            return ()  # "Lozova, Lozova": the town in the raion of that name
        named = [(q.name, own), (q.city if q.city is not None else bare_raion, city)]
        for part in (*q.others, *([bare_raion] if bare_raion and q.city is not None else [])):
            try:
                res = self._lookup_name(self.reader.read(part), Hints(), 3)
            except (TypeError, ValueError):
                continue
            if res.status == "resolved" and all(s.id != res.match.settlement.id for _, s in named):
                named.append((part, res.match.settlement))
        # In cell order (the reader may have taken a middle part as the city and the last as a raion).
        at = {id(s): q.text.find(part) if part else -1 for part, s in named}
        ordered = sorted((s for _, s in named), key=lambda s: at[id(s)] if at[id(s)] >= 0 else len(q.text))
        return tuple(Match(s, DISTRICT_SCORE, "several", s.name_uk) for s in ordered)

    def _part_rather_than_town(self, name: str, city: Settlement) -> bool:
        """Does ``name``, which names a town on its own, stand for a part of ``city`` beside it? So when a section
        of ``city`` bears that very name (GeoNames), or when it is written as a district (a district word or an
        adjective ending) and ``city`` has a district of that stem: "Kyivskyi district, Odesa" is Odesa's
        district, "Kyiv, Odesa" two cities."""
        return self._section_of(name, city) or written_as_district(name) and self.part_of(name, city)

    def _named_in(self, name: str, oblasts: set[str], categories: str | None = None) -> bool:
        """Is a settlement of one of ``oblasts`` (and of one of ``categories``, any when None) officially called
        ``name`` (or so romanized)?"""
        settlements = self.extract.settlements
        return any(
            h.kind in ("official", "romanization")
            and settlements[h.settlement].oblast_id in oblasts
            and (categories is None or settlements[h.settlement].category in categories)
            for h in self.index.exact(fold_key(name))
        )

    def _names_district(self, name: str) -> bool:
        """Is ``name`` a known district or section of some city (the condition of :meth:`part_of` for any city)?"""
        if any(h.kind == "district" for h in self.index.exact(fold_key(name))):
            return True
        return _district_key(name) in self.city_districts

    def part_of(self, name: str, city: Settlement) -> bool:
        """Is ``name`` a known district or section of ``city`` (its GeoNames sections, KOATUU's city districts)?"""
        if self._section_of(name, city):
            return True
        return self.positions()[city.id] in self.city_districts.get(_district_key(name), ())

    def _section_of(self, name: str, city: Settlement) -> bool:
        """Is ``name`` the very name of one of ``city``'s sections (GeoNames' PPLX, kind "district" in the index)?"""
        sidx = self.positions()[city.id]
        return any(h.kind == "district" and h.settlement == sidx for h in self.index.exact(fold_key(name)))

    def positions(self) -> dict[str, int]:
        """Settlement id -> its index in the extract's settlements (the index the name index and the geoparser
        use), from the id column (no record built)."""
        position = self.__dict__.get("_positions")
        if position is None:
            (ids,) = record_columns(self.extract.settlements, "id")
            position = self.__dict__["_positions"] = {sid: i for i, sid in enumerate(ids)}
        return position

    def _district(self, q: Query, city: Settlement, limit: int) -> Resolution:
        """A part of a city (its district, neighbourhood) resolves to the city."""
        match = Match(city, DISTRICT_SCORE, "district", q.name)
        return Resolution(q.text, "resolved", f"{q.name!r} taken as a part of {city.name_uk}", match, (match,))

    def _lookup_name(self, q: Query, hints: Hints, limit: int) -> Resolution:
        text, core, key = q.text, q.core, q.key
        fits = None
        if hints.oblasts is not None or hints.raions is not None or hints.hromadas is not None:
            settlements = self.extract.settlements

            def fits(i: int) -> bool:
                return self._fits(settlements[i], hints)

        found = self._inflected(core, key) if q.inflected else {}
        if not found and q.abbreviated and q.name != core and re.match(r"[A-Z]{1,2}\.", q.name):
            # "M. Vyska", "V. Novosilka": a capital letter and a dot before a name is an abbreviated adjective
            # (Mala, Velyka) when such a name exists, before the settlement-type word m./v. (misto, village).
            found = self._abbreviations(q.name)
        if not found and "." in core and q.abbreviated:
            found = self._abbreviations(core)
        if not found:
            found = self._candidates(key, core, q.script, fits)
        if q.abbreviated and not any(fits is None or fits(i) for i in found):
            for sidx, value in self._abbreviations(core).items():
                if sidx not in found or found[sidx][0] < value[0]:
                    found[sidx] = value
        if (
            fits is not None
            and self.fuzzy
            and q.city is None
            and key not in self.extract.not_places
            and not any(fits(i) or v[3] in SURE_TIERS for i, v in found.items())
        ):
            # A misspelling nothing matched inside the hinted units (Kamanka Dnirpovksa, Zaporizhzhia oblast): the
            # closest names there, by likeness of the whole spelling. Not where the name exists elsewhere,
            # nor for a part of a city named with it ("Kuibyshev, Donetsk": its district), nor for a known
            # non-place.
            for sidx, value in self._near_in_units(core, hints).items():
                if sidx not in found or found[sidx][0] < value[0]:
                    found[sidx] = value
        if q.transliterated:
            found = {i: (v[0] * MIXED_SCRIPT_FACTOR, *v[1:]) for i, v in found.items()}
        not_place = self._not_place_entry(key, q.name)
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
            # Villages only alike in spelling ("Italy" ~ Житані) are not named: the spelling names the place abroad.
            same = [i for i, v in found.items() if v[1] != "fuzzy"]
            reason = f"{not_place[0]!r} is not a Ukrainian settlement ({not_place[1]})"
            if same:
                villages = "; ".join(self.extract.settlements[i].label for i in same[:3])
                reason += f"; a village of that name exists: {villages}: pass oblast= for it"
            return Resolution(text, "not_found", reason)
        if not found:
            return Resolution(text, "not_found", self._why_not_found(key, q.name, not_place))
        ranked = self._rank(found, hints, core)
        candidates = tuple(c.match for c in ranked[:limit])
        verdict = decide(
            ranked,
            near=hints.near is not None,
            region=fits is not None,
            min_score=self.min_score,
            peer_margin=self.peer_margin,
            script=q.script,
            query=core,
            category=q.category,
        )
        if verdict.status == "ambiguous":
            return Resolution(text, "ambiguous", verdict.reason, None, tuple(c.match for c in verdict.peers[:limit]))
        chosen = verdict.chosen.match
        candidates = (chosen, *(c for c in candidates if c.id != chosen.id))[: len(candidates)]
        if verdict.status == "not_found":
            return Resolution(text, "not_found", verdict.reason, None, candidates)
        return Resolution(text, "resolved", verdict.reason, chosen, candidates)

    def _inflected(self, core: str, key: str) -> dict[int, tuple[float, str, str, str]]:
        """Settlements of which ``core`` is a case form ("Харкові", "Харьковом", "Сумах"), read off the
        geoparser's name forms (its lexicon of every name's Ukrainian and Russian case forms, through
        :func:`~gazetteer.geoparse.lexicon.form_map`): settlement
        index -> (score, "inflected", the query's words, "inflected"). Empty without the ``text`` extra."""
        try:
            from gazetteer.geoparse.lexicon import form_map, pattern, split_words
        except ImportError:
            return {}
        pat = pattern(split_words(core))
        if not pat:
            return {}
        readings: dict[int, tuple[float, bool]] = {}  # settlement -> (best score, read as a nominative)
        for sidx, score, nominative_key in form_map(self).get(pat, ()):
            if sidx not in readings or readings[sidx][0] < score:
                readings[sidx] = (score, nominative_key == key)
        oblique = any(not nominative for _, nominative in readings.values())
        return {
            sidx: (
                score * NOMINATIVE_AFTER_PREPOSITION if nominative and oblique else score,
                "exact" if nominative else "inflected",
                core,
                "inflected",
            )
            for sidx, (score, nominative) in readings.items()
        }

    def _abbreviations(self, core: str) -> dict[int, tuple[float, str, str, str]]:
        """Names whose words start with the query's abbreviated words and equal the others (Б. Церква,
        Кам.-Подільський, Н. Одеса): settlement index -> (score, kind, name, tier)."""
        words = [w for w in re.split(r"[\s\-–]+", _plain_words(re.sub(r"\.(?=\w)", ". ", core))) if w]
        if len(words) < 2:
            return {}
        pattern = []
        for w in words:
            if w.endswith("."):
                pattern.append(re.escape(w[:-1]) + r"\w*")
            elif len(w) <= 4 and w is words[0]:
                pattern.append(re.escape(w) + r"\w*")
            else:
                pattern.append(re.escape(w))
        regex = re.compile("^" + r"[\s\-]+".join(pattern) + "$")
        out: dict[int, tuple[float, str, str, str]] = {}
        ex = self.extract
        texts, kinds, settlement_of = ex.name_text, ex.name_kind, ex.name_settlement
        # Only forms that start with the first word's letters can match (the pattern starts with them, escaped).
        first = words[0][:-1] if words[0].endswith(".") else words[0]
        for form, rows in self._forms_starting(first):
            if regex.match(form):
                for j in rows:
                    sidx = settlement_of[j]
                    score = KIND_SCORE[kinds[j]] * ABBREVIATION_FACTOR
                    if sidx not in out or out[sidx][0] < score:
                        out[sidx] = (score, "abbreviation", texts[j], "abbreviation")
        if not out and script_of(core) == "latin":
            # Latin abbreviations (N. Kakhovka, V. Novosilka, St. Sambir) against the official romanizations.
            score = KIND_SCORE["romanization"] * ABBREVIATION_FACTOR
            for form, ids in self._latin_forms().items():
                if regex.match(form):
                    for sidx in ids:
                        out[sidx] = (score, "abbreviation", self.extract.settlements[sidx].name_en, "abbreviation")
        return out

    def _latin_forms(self) -> dict[str, list[int]]:
        """Every settlement's official romanization as lower-case words -> settlement indexes; built on first use."""
        forms = self.__dict__.get("_latin")
        if forms is None:
            forms = {}
            (names_en,) = record_columns(self.extract.settlements, "name_en")  # no record built (0.24 s -> 0.03 s)
            for sidx, name_en in enumerate(names_en):
                if name_en:
                    forms.setdefault(_plain_words(name_en), []).append(sidx)
            self.__dict__["_latin"] = forms
        return forms

    def _name_forms(self) -> dict[str, list[int]]:
        """Every name as lower-case words (apostrophes dropped, ё as е) -> its rows in the extract's name columns,
        in the index's order (see _rows_by_key); built on first use."""
        forms = self.__dict__.get("_forms")
        if forms is None:
            forms = {}
            words = self._spellings()[1]
            for j in self._rows_by_key():
                forms.setdefault(words[j], []).append(j)
            self.__dict__["_forms"] = forms
        return forms

    def _forms_starting(self, prefix: str) -> list[tuple[str, list[int]]]:
        """The items of _name_forms whose form starts with ``prefix``, in _name_forms' order (ties keep the first
        name met): found by bisection in the forms sorted, not by a pass over all 60,000."""
        table = self.__dict__.get("_forms_sorted")
        if table is None:
            items = list(self._name_forms().items())
            names = [form for form, _ in items]
            order = sorted(range(len(items)), key=names.__getitem__)
            table = self.__dict__["_forms_sorted"] = (items, [names[i] for i in order], order)
        items, forms, order = table
        lo = bisect_left(forms, prefix)
        hi = lo
        while hi < len(forms) and forms[hi].startswith(prefix):
            hi += 1
        return [items[i] for i in sorted(order[lo:hi])]

    def _spellings(self) -> tuple[list[str], list[str]]:
        """Light key and plain words of every name row (see name_spellings), read or made on first use."""
        spellings = self.__dict__.get("_name_spellings")
        if spellings is None:
            spellings = self.__dict__["_name_spellings"] = name_spellings(self.extract)
        return spellings

    def _rows_by_key(self) -> list[int]:
        """The rows of the extract's name columns in the order the index lists them (keys sorted, a key's names
        in row order, as ``index.by_key`` iterates its hits): tables built from the columns keep the order
        (and so the answers) of tables built from the index, without decoding every key's hits (about 1 s)."""
        order = self.__dict__.get("_key_order")
        if order is None:
            keys = self.extract.name_key
            order = self.__dict__["_key_order"] = sorted(range(len(keys)), key=keys.__getitem__)
        return order

    def _familiar(self, key: str, script: str) -> list[tuple[int, str, str]]:
        """Cities of FAMILIAR_POPULATION+ with a name of FAMILIAR_KINDS one edit from ``key``: (settlement,
        kind, name) by settlement, each city once, through its best such name: one in the query's ``script``
        first, then the highest KIND_SCORE, then the name. The same answer in every process (no set order
        decides it)."""
        table = self.__dict__.get("_familiar_table")
        if table is None:
            table = {}
            ex = self.extract
            (populations,) = record_columns(ex.settlements, "population")  # no record built (cold start)
            big = {i for i, p in enumerate(populations) if (p or 0) >= FAMILIAR_POPULATION}
            # From the extract's name columns, not the index's key map: the same rows (the index is built from
            # them), without decoding every key's hits on a cold start (0.36 s -> 0.05 s).
            texts, kinds, keys = ex.name_text, ex.name_kind, ex.name_key
            for j, sidx in enumerate(ex.name_settlement):
                k = keys[j]
                if sidx in big and kinds[j] in FAMILIAR_KINDS and len(k) >= 5:
                    for variant in {k[:i] + k[i + 1 :] for i in range(len(k))} | {k}:
                        table.setdefault(variant, set()).add((k, sidx, kinds[j], texts[j]))
            self.__dict__["_familiar_table"] = table
        best: dict[int, tuple[bool, float, str, str]] = {}
        for variant in {key[:i] + key[i + 1 :] for i in range(len(key))} | {key}:
            for k, sidx, kind, name in table.get(variant, ()):
                if k != key and OSA.distance(k, key, score_cutoff=1) <= 1:
                    rank = (script_of(name) != script, -KIND_SCORE[kind], kind, name)
                    if sidx not in best or rank < best[sidx]:
                        best[sidx] = rank
        return [(sidx, kind, name) for sidx, (_, _, kind, name) in sorted(best.items())]

    def _offer_namesakes(
        self,
        hits: Iterable,
        offer: Callable,
        script: str,
        lang: str | None,
        tier: str,
        factor: float = 1.0,
        fits: Callable[[int], bool] | None = None,
    ) -> None:
        """Offer the official namesakes of settlements hit through a GeoNames spelling (NAMESAKE_KINDS).

        GeoNames records a Russian or other spelling for some places of a name and not for others (of three
        villages Дібрівне, one has Дибровное), so a hit through such a spelling stands for every settlement
        officially called the same: those come in at NAMESAKE_FACTOR of the hit's score, close behind it, and
        at REGION_NAMESAKE_FACTOR (its peers: the ranking rules choose) when both fit the hints (``fits``).
        """
        for hit in hits:
            others = self.namesakes_through(hit.settlement, hit.name, hit.kind)
            if others:
                score = KIND_SCORE[hit.kind] * factor * NAMESAKE_FACTOR
                label = self._label(hit.kind, script, lang)
                inside = KIND_SCORE[hit.kind] * factor * REGION_NAMESAKE_FACTOR
                for other in others:
                    near = fits is not None and fits(other) and fits(hit.settlement)
                    offer(other, inside if near else score, label, hit.name, tier)

    def namesakes_through(self, sidx: int, name: str, kind: str) -> tuple[int, ...]:
        """The other settlements officially called as settlement ``sidx`` that a hit on its name ``name`` (of
        ``kind``) stands for too: none unless ``kind`` is one of NAMESAKE_KINDS, nor for an unlabelled
        alternate unlike the official name (less than NAMESAKE_LIKENESS: an older name of this place alone).
        Settlement indexes, in the index's order; shared by the resolver and the geoparser's tables."""
        if kind not in NAMESAKE_KINDS:
            return ()
        namesakes = self.__dict__.setdefault("_namesakes", {})  # settlement index -> its namesakes (data only)
        others = namesakes.get(sidx)
        name_uk = None
        if others is None:
            # The settlements officially called so, from the index (their official-name rows): no pass over
            # every settlement record, which a cold start would pay for (the snapshot reads records on demand).
            name_uk = self.extract.settlements[sidx].name_uk
            others = namesakes[sidx] = tuple(
                h.settlement
                for h in self.index.exact(fold_key(name_uk))
                if h.kind == "official" and h.name == name_uk and h.settlement != sidx
            )
        if others and kind == "alternate":
            name_uk = name_uk or self.extract.settlements[sidx].name_uk
            if fuzz.ratio(fold_key(name), fold_key(name_uk)) < NAMESAKE_LIKENESS:
                return ()
        return others

    def _candidates(
        self, key: str, core: str, script: str, fits: Callable[[int], bool] | None = None
    ) -> dict[int, tuple[float, str, str, str]]:
        """Settlement index -> (score, match kind, matched variant, tier), the best per settlement.

        Tiers run in order and stop at the first that finds a settlement fitting the hints (``fits``);
        without hints, at the first that finds anything.
        """
        index = self.index
        out: dict[int, tuple[float, str, str, str]] = {}

        def offer(sidx: int, score: float, kind: str, name: str, tier: str) -> None:
            if sidx not in out or out[sidx][0] < score:
                out[sidx] = (score, kind, name, tier)

        def fitting(ids: Iterable[int]) -> bool:
            """Does any of these settlements fit the hints (any at all, without hints)?"""
            return any(fits is None or fits(i) for i in ids)

        def done() -> bool:
            # A city district's name alone does not end the search: a settlement spelled nearly so may
            # be meant (Крюково is the village Крюкове before it is Kremenchuk's district Крюків).
            return bool(out) and fitting(i for i, v in out.items() if v[1] != "district")

        lang = cyrillic_language(core) if script == "cyrillic" else None
        settlements_ = self.extract.settlements
        exact = index.exact(key)
        for hit in exact:
            offer(hit.settlement, KIND_SCORE[hit.kind], self._label(hit.kind, script, lang), hit.name, "exact")
        self._offer_namesakes(exact, offer, script, lang, "exact", fits=fits)
        if (
            out
            and all(hit.kind in FAMILIAR_BESIDE for hit in exact)
            and not any((settlements_[i].population or 0) >= FAMILIAR_POPULATION for i in out)
        ):
            # A familiar foreign spelling of a large city one letter from its own (Nikolayev ~ Nikolaev)
            # stands beside the small places that carry it exactly; the ranking rules decide.
            for sidx, kind, name in self._familiar(key, script):
                label = "russian" if lang == "ru" else self._label(kind, script, lang)
                offer(sidx, FAMILIAR_SCORE, label if label != "exact" else "alternate", name, "familiar")
        if not done():
            # The same adjective-formed name with another ending (Pokrovskyi for Покровське,
            # Solnechnyy for Солнечное): a near-exact hit, before any foreign namesake ends the search.
            for variant in ending_variants(key):
                hits = index.exact(variant)
                for hit in hits:
                    label = self._label(hit.kind, script, lang)
                    offer(hit.settlement, KIND_SCORE[hit.kind] * ENDING_FACTOR, label, hit.name, "ending")
                self._offer_namesakes(hits, offer, script, lang, "ending", ENDING_FACTOR, fits)
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
                    score = 0.6 + 0.35 * sim
                    if hit.kind == "district":  # a city's district name is weaker evidence than its own names
                        score, kind = min(score, KIND_SCORE["district"]), "district"
                    offer(hit.settlement, score, kind, hit.name, "skeleton")
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

        visited: dict[str, int] = {}  # key -> the least distance it was offered at

        def typos(near: list[tuple[str, int]]) -> None:
            for other, dist in near:
                # A key met again at no smaller distance scores no higher for any of its names: skip it.
                if visited.get(other, dist + 1) <= dist:
                    continue
                visited[other] = dist
                for hit in index.exact(other):
                    s = settlements[hit.settlement]
                    written = min(OSA.distance(light, light_key(s.name_en)), OSA.distance(light, light_key(hit.name)))
                    d = min(dist, written)
                    if d <= allowed:
                        score = max(0.0, 0.9 * (1 - d / (len(key) + 3)))
                        offer(hit.settlement, score * KIND_SCORE[hit.kind], "fuzzy", hit.name, "typo")
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
                score, kind, name, tier = out[sidx]
                out[sidx] = (score * SKELETON_YIELD, kind, name, tier)
        return out

    def _near_in_units(self, core: str, hints: Hints) -> dict[int, tuple[float, str, str, str]]:
        """Names of the settlements of the hinted oblasts (and units) at least NEAR_IN_UNITS alike to the query,
        as lightly normalised spellings: settlement index -> (score, "fuzzy", name, "near")."""
        choices = self._unit_choices(hints)
        out: dict[int, tuple[float, str, str, str]] = {}
        light = light_key(core)
        for _, ratio, (sidx, name, kind) in process.extract(
            light, choices, scorer=fuzz.ratio, limit=10, score_cutoff=NEAR_IN_UNITS
        ):
            score = ratio / 100 * NEAR_FACTOR * KIND_SCORE[kind]
            if sidx not in out or out[sidx][0] < score:
                out[sidx] = (score, "fuzzy", name, "near")
        return out

    def _unit_choices(self, hints: Hints) -> dict[tuple[int, str, str], str]:
        """(settlement, name, kind) -> light_key(name) for every name of the settlements that fit the hints, made
        once per set of hints (a batch repeats a few; the table stops growing at NEAR_TABLES, which only costs
        time). A raion or hromada hint without an oblast looks only in the oblasts of its units."""
        memo = self.__dict__.setdefault("_choices_memo", {})
        memo_key = (hints.oblasts, hints.raions, hints.hromadas)
        choices = memo.get(memo_key)
        if choices is not None:
            return choices
        oblasts = hints.oblasts
        if oblasts is None:
            units = (hints.raions or frozenset()) | (hints.hromadas or frozenset())
            found = {self._oblast_of(u) for u in units}
            oblasts = frozenset(found) if units and None not in found else frozenset(self._oblast_rows())
        settlements = self.extract.settlements
        choices = {}
        fitting: dict[int, bool] = {}  # settlement -> fits (a settlement has several names)
        # With oblast hints alone every settlement of a hinted oblast fits: its table is taken whole.
        whole = hints.oblasts if hints.raions is None and hints.hromadas is None else frozenset()
        for oblast in sorted(whole):
            choices.update(self._oblast_names(oblast))
        for oblast in oblasts | frozenset(self._surrounding.get(o, o) for o in oblasts):
            if oblast in whole:
                continue
            for k, v in self._oblast_names(oblast).items():
                ok = fitting.get(k[0])
                if ok is None:
                    ok = fitting[k[0]] = self._fits(settlements[k[0]], hints)
                if ok:
                    choices[k] = v
        if len(memo) < NEAR_TABLES:
            memo[memo_key] = choices
        return choices

    def _oblast_of(self, uid: str) -> str | None:
        """The oblast-level unit a unit lies in (itself for one), None for an unknown id."""
        units = self.extract.units
        unit = units.get(uid)
        while unit is not None and unit.level != "oblast":
            unit = units.get(unit.parent_id)
        return None if unit is None else unit.id

    def _oblast_rows(self) -> dict[str, list[int]]:
        """Oblast id -> the rows of the extract's name columns of its settlements, in the index's order; oblasts
        in the order of their first row."""
        rows = self.__dict__.get("_by_oblast_rows")
        if rows is None:
            (oblast_of,) = record_columns(self.extract.settlements, "oblast_id")  # no record built
            settlement_of = self.extract.name_settlement
            rows = {}
            for j in self._rows_by_key():
                rows.setdefault(oblast_of[settlement_of[j]], []).append(j)
            self.__dict__["_by_oblast_rows"] = rows
        return rows

    def _oblast_names(self, oblast: str) -> dict[tuple[int, str, str], str]:
        """(settlement, name, kind) -> light_key(name) for every name of the oblast's settlements, in the index's
        order; made for an oblast the first time it is asked for (an oblast holds a thirtieth of the names)."""
        made = self.__dict__.setdefault("_by_oblast", {})
        table = made.get(oblast)
        if table is None:
            ex = self.extract
            texts, kinds, settlement_of = ex.name_text, ex.name_kind, ex.name_settlement
            lights = self._spellings()[0]
            table = {}
            for j in self._oblast_rows().get(oblast, ()):
                key = (settlement_of[j], texts[j], kinds[j])
                if key not in table:
                    table[key] = lights[j]
            made[oblast] = table
        return table

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
            (hints.oblasts is None or self._in_oblasts(s, hints.oblasts))
            and (hints.raions is None or s.raion_id in hints.raions)
            and (hints.hromadas is None or s.hromada_id in hints.hromadas)
        )

    def _in_oblasts(self, s: Settlement, oblasts: frozenset[str]) -> bool:
        """In one of the oblasts; Kyiv and Sevastopol count as in the oblast around them too (people file the
        capital under Kyiv oblast and Sevastopol under Crimea)."""
        return s.oblast_id in oblasts or (s.category == "K" and self._surrounding.get(s.id) in oblasts)

    def _oblasts_of(self, s: Settlement) -> frozenset[str]:
        """The oblast of ``s``; for Kyiv and Sevastopol, the oblast around them too."""
        return frozenset({s.oblast_id, self._surrounding.get(s.id, s.oblast_id)})

    @property
    def _surrounding(self) -> dict[str, str]:
        """City with special status -> the oblast around it: that of the nearest settlement outside it."""
        table = self.__dict__.get("_surrounding_table")
        if table is None:
            table = {}
            # From whole columns, not the records (a cold start would build them all)
            ids, categories, oblasts, lats, lons = record_columns(
                self.extract.settlements, "id", "category", "oblast_id", "lat", "lon"
            )
            for k in (i for i, c in enumerate(categories) if c == "K"):
                outside = [i for i, o in enumerate(oblasts) if o != oblasts[k]]
                table[ids[k]] = oblasts[_nearest(outside, lats[k], lons[k], lats, lons)]
            self.__dict__["_surrounding_table"] = table
        return table

    def _rank(self, found: dict[int, tuple[float, str, str, str]], hints: Hints, core: str) -> list[Candidate]:
        """Candidates scored with the hints, best first: best score, then nearest, then the larger place, then
        the id (never beyond)."""
        settlements = self.extract.settlements
        plain = hints.oblasts is None and hints.raions is None and hints.hromadas is None and hints.near is None
        priors = self.__dict__.setdefault("_priors", {})  # settlement index -> prior_mass (data only)
        rows = []
        for sidx, (score, kind, name, tier) in found.items():
            s = settlements[sidx]
            prior = priors.get(sidx)
            if prior is None:
                prior = priors[sidx] = prior_mass(s)
            dist = 0.0
            fits = True
            if not plain:
                if hints.oblasts is not None and not self._in_oblasts(s, hints.oblasts):
                    score *= OBLAST_MISMATCH
                    fits = False
                if hints.raions is not None and s.raion_id not in hints.raions:
                    score *= UNIT_MISMATCH
                    fits = False
                if hints.hromadas is not None and s.hromada_id not in hints.hromadas:
                    score *= UNIT_MISMATCH
                    fits = False
                if hints.near is not None:
                    dist = haversine_km(hints.near[0], hints.near[1], s.lat, s.lon)
                    score *= 1 - 0.1 * min(dist, 500) / 500
            rows.append((-round(score, 6), dist, -prior, s.id, sidx, score, kind, name, tier, fits))
        rows.sort()
        # Whether the query is written as a settlement's own name matters for the peers and for cities
        # (see rank.py); the long tail of a common name is left unchecked.
        near_best = -rows[0][0] - SPELLED_CHECK_MARGIN
        written = _plain(core)
        spellings = self.__dict__.setdefault("_own_spellings", {})  # settlement index -> its own names, _plain

        def spelled(sidx: int, s: Settlement) -> bool:
            own = spellings.get(sidx)
            if own is None:
                own = spellings[sidx] = (_plain(s.name_uk), _plain(s.name_en))
            return written in own

        out = []
        for r in rows:
            s = settlements[r[4]]
            out.append(
                Candidate(
                    self._match(s, min(1.0, r[5]), r[6], r[7]),
                    r[1],
                    exact=r[8] == "exact",
                    spelled=(r[5] >= near_best or category_prior(s.category) >= 2) and spelled(r[4], s),
                    familiar=r[8] == "familiar",
                    prior=-r[2],
                    fits=r[9],
                )
            )
        return out

    def _match(self, s: Settlement, score: float, kind: str, name: str) -> Match:
        """A Match; one of a former official name says which name and years ("Жовтневе", "till 2016")."""
        if kind == "historical":
            former = self.extract.former_name(s.id, fold_key(name))
            if former:
                return Match(s, score, kind, name, former[0], former[1])
        return Match(s, score, kind, name)

    def _not_a_place(self, q: Query, res: Resolution, hinted: bool = False) -> str | None:
        """Why a cell that found settlements names none, or None when it may. Five kinds, each read as the
        cell is written (a settlement officially so called, written so, is always meant):

        - a word for an administrative unit alone ("район", "Oblast");
        - a given name alone, with no region hinted ("Ivan", "Оксана": words/first_names.txt; with a region
          the look-alike there may well be meant: Vasyly ~ Vasylky in Mykolaiv oblast);
        - a placeholder or note alone ("test", "see above", "різні": words/placeholders.txt);
        - a preposition and lower-case common nouns ("на фронті", "за кордоном", "в полоні": pymorphy3 reads
          each as a common noun; a place name is written with a capital);
        - a preposition and a place abroad in an oblique case ("в Польщі", "у Варшаві", "в Москве"), when only
          villages matched and none by a name written so (Курське is not "Курске"): pymorphy3 gives the
          lemma, which the extract or the facts of places abroad list. A city named like a place abroad
          (Одеса, Покровськ) is meant as itself.

        The last two need the geoparse extra (pymorphy3); without it they are not tried. Before them all: a
        name of SHORTEST_OTHER_NAME letters or fewer ("OR") that is not a settlement's official spelling."""
        words = q.name.split()
        matches = (res.match,) if res.match is not None else res.candidates
        if sum(ch.isalpha() for ch in q.core) <= SHORTEST_OTHER_NAME and not any(
            self._spells(q.name, m.settlement) for m in matches
        ):
            # "OR", "1' OR '1'='1": two letters name a place only as its official name (Яр, Ас), not through an
            # alternate one (Перекоп's Crimean Tatar "Or") or a look-alike.
            return f"{q.name!r} has too few letters to be read as anything but an official name: not a place name"
        as_written = _plain(q.name)
        if any(
            self._spells(q.name, m.settlement) or m.match != "inflected" and _plain(m.matched) == as_written
            for m in matches
        ):
            return None  # written as one of a settlement's names (Владимир: Володимир's Russian name; Jvan)
        if not strip_unit_words(q.name).strip(" .,"):
            return f"{q.name!r} is a word for an administrative unit, with no name: not a place name"
        key = fold_key(q.name)
        if (
            len(words) == 1
            and not hinted
            and key in word_keys("first_names")
            and all(fold_key(m.name) != key for m in matches)
        ):
            # (not when a settlement's own name folds so: Сттепань, a typo of Степань, is not Степан)
            return f"{q.name!r} is a given name, not a place name"
        if key in word_keys("placeholders"):
            return f"{q.name!r} is a placeholder or a note, not a place name"
        core = q.core.split()
        phrase = q.inflected and bool(core) and q.core == q.core.lower()
        villages = all(m.settlement.category in "CX" for m in matches)
        written = _plain(q.core)
        abroad = (
            len(core) == 1
            and q.inflected
            and villages
            and not any(written in (_plain(m.matched), _plain(m.name)) for m in matches)
        )
        if q.script != "cyrillic" or not (phrase or abroad):
            return None  # the dictionaries are loaded only for what they can tell
        try:
            from gazetteer.geoparse.filters import readings
            from gazetteer.geoparse.lexicon import analyzer

            analyzer("uk")
        except ImportError:
            return None
        if phrase:
            morph = analyzer("ru" if q.lang == "ru" else "uk")
            nouns = [tuple(p for p in morph.parse(w) if p.tag.POS == "NOUN") for w in core]
            if all(ps and readings(ps)[0] for ps in nouns):
                return f"reads as a phrase ({q.text.strip()!r}: common words after a preposition), not a place name"
        if abroad:
            # Either dictionary: the letters of "Москве" do not tell Russian from Ukrainian.
            for lang in ("uk", "ru"):
                # A noun the dictionary knows (not one it guesses) in an oblique case, among its first readings
                # ("в Мінську" reads first as the adjective мінський, then as Мінськ).
                for p in analyzer(lang).parse(core[0])[:3]:
                    if p.tag.POS != "NOUN" or p.tag.case in (None, "nomn") or not p.is_known:
                        continue
                    lemma = p.normal_form.capitalize()
                    listed = self._not_place_entry(fold_key(lemma), lemma, words=False)
                    if listed:
                        return (
                            f"{q.text.strip()!r} names a place abroad: {listed[0]!r} is not a Ukrainian settlement "
                            f"({listed[1]})"
                        )
        return None

    def _not_place_entry(self, key: str, name: str, *, words: bool = True) -> tuple[str, str] | None:
        """(name, what it is) when a name is listed as no Ukrainian settlement: the extract's not_places by
        folding ``key`` (people, places abroad; common words unless ``words=False``), else the facts of places
        abroad for ``name`` as written (a state, another name of a country: "Texas", "Німеччина")."""
        entry = self.extract.not_places.get(key)
        if entry and not words and entry[1] == "word":
            entry = None
        if not entry and self.reader.maybe_foreign(name):
            abroad = self.reader.foreign(name, qualifier=False)
            if abroad:
                entry = (name, abroad.split(": ", 1)[-1])
        return entry

    def _why_not_found(self, key: str, head: str, not_place: tuple[str, str] | None = None) -> str:
        not_place = not_place or self.extract.not_places.get(key)
        if not_place:
            return f"{not_place[0]!r} is not a Ukrainian settlement ({not_place[1]})"
        for level in ("oblast", "raion", "hromada"):
            units = (
                (self._units_named(head, level) if level != "oblast" else self.index.find_units(head, level))
                if fold_key(head)
                else set()
            )
            if units and level != "oblast" or units and re.search(r"obl|област|region|регі|регио", head, re.I):
                names = ", ".join(sorted(self.extract.units[u].name_uk for u in units))
                return f"names {'an' if level == 'oblast' else 'a'} {level} ({names}), not a settlement"
        return "no settlement of that name (or close to it)"


def unread_hint(level: str, text: object, inside: str = "", elsewhere: str = "") -> str:
    """The one wording, everywhere, for a hint left out because it names no unit (of Ukraine, or ``inside`` the
    units the hints before it name, when it names ``elsewhere`` ones: "raion hint 'Lviv' names no raion in
    Kharkivska oblast (it names Lvivskyi raion, in Lvivska oblast)"). "Looked up without it" holds whatever
    the row's status (resolved, ambiguous or not_found)."""
    if inside and elsewhere:
        return f"{level} hint {text!r} names no {level} in {inside} (it names {elsewhere}); looked up without it"
    return f"{level} hint {text!r} names no {level} of Ukraine; looked up without it"


def non_text_hint(level: str, value: object) -> str:
    """The one wording, everywhere, for a hint left out because its cell is not text (a number, a list)."""
    return f"{level} hint {value!r} is not text; looked up without it"


def _point(near: object) -> tuple[float, float] | None:
    """A (lat, lon) pair of numbers, or None; ValueError for anything else."""
    if near is None:
        return None
    try:
        lat, lon = (float(v) for v in near)
    except (TypeError, ValueError):
        raise ValueError(f"near must be a (lat, lon) pair of numbers, not {near!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        raise ValueError(f"near=({lat}, {lon}) is not a valid point")
    return (lat, lon)


def _district_key(text: str) -> str:
    """Folding key of a district name without the words district, район, р-н (and the stem of its adjective)."""
    return unit_stem(fold_key(strip_unit_words(text)))


def name_spellings(extract: Extract) -> tuple[list[str], list[str]]:
    """Two spellings of every name of the extract (its name columns' rows, in order): its light key
    (:func:`~gazetteer.normalize.light_key`, for the near-in-units likeness) and its plain words
    (:func:`_plain_words`, for abbreviations).

    Read from the cache folder when a file made for this very extract is there (same MANIFEST, folder, key rules,
    NAME_SPELLINGS_VERSION, Python; whole by its checksums, of the right shape); else computed (about 0.4 s for the
    90,000 names) and saved there. A damaged or stale file is never trusted: it is computed anew and replaced.
    """
    texts = extract.name_text
    manifest = json.dumps(extract.manifest, sort_keys=True, default=str)
    meta = {
        "what": "name-spellings",
        "version": NAME_SPELLINGS_VERSION,
        "key_version": KEY_VERSION,
        "manifest_sha256": hashlib.sha256(manifest.encode("utf-8")).hexdigest(),
        "path": str(Path(extract.path).resolve()),
        "python": list(sys.version_info[:2]),
        "rows": len(texts),
    }
    path = cachefile.path_for(cache_dir(), f"name-spellings-v{NAME_SPELLINGS_VERSION}", meta)
    parts = cachefile.read(path, meta)
    if parts is not None and len(parts) == 2:
        try:
            columns = [cachefile.loads(part, list) for part in parts]
        except ValueError:
            columns = []
        if columns and all(len(c) == len(texts) and all(type(k) is str for k in c) for c in columns):
            return columns[0], columns[1]
    lights = [light_key(text) for text in texts]
    words = [_plain_words(text) for text in texts]
    cachefile.save(path, meta, [cachefile.dumps(lights), cachefile.dumps(words)])
    return lights, words


def _check_limit(limit: object, name: str = "limit") -> None:
    """ValueError unless ``limit`` is a positive int (a bool is none)."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"{name} must be a positive int, not {limit!r}")


def _nearest(candidates: list[int], lat: float, lon: float, lats: Sequence[float], lons: Sequence[float]) -> int:
    """The candidate (an index into ``lats``/``lons``) nearest to (lat, lon) by :func:`haversine_km`, the first
    of them on a tie. A flat-earth distance (degrees of longitude shrunk by the cosine of ``lat``) first keeps
    those within NEAREST_SLACK of its least one; :func:`haversine_km` then weighs only them. Within a few
    hundred km the two differ by a few per cent, so the answer is the one a pass of :func:`haversine_km` over
    all of them gives (without numpy: its import alone costs more than this pass)."""
    shrink = math.cos(math.radians(lat))
    flat = [(lats[i] - lat) ** 2 + ((lons[i] - lon) * shrink) ** 2 for i in candidates]
    least = min(flat, default=0.0)
    if least <= NEAREST_FLAT_MAX:
        bound = least * NEAREST_SLACK**2 + 1e-12
        candidates = [i for i, d in zip(candidates, flat) if d <= bound]
    return min(candidates, key=lambda i: haversine_km(lat, lon, lats[i], lons[i]))


#: :func:`_nearest` weighs by the exact distance every candidate within this factor of the least flat one...
NEAREST_SLACK = 1.25
#: ...when that least one is within this many squared degrees (about 3 degrees: where flat and round differ
#: by far less than the slack); further off, all of them.
NEAREST_FLAT_MAX = 9.0


@lru_cache(maxsize=65536)
def _plain_words(text: str) -> str:
    """Lower-case words of a name: apostrophes dropped, ё as е, single spaces."""
    return " ".join(text.casefold().translate(_PLAIN_WORDS).split())


_PLAIN_WORDS = str.maketrans({"ё": "е", **dict.fromkeys("'’ʼ`´")})


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
    limit: int | None = None,
) -> list[Match]:
    """Candidate settlements for ``query``, best first (at most ``limit``, by default CANDIDATES). See
    :meth:`Resolver.resolve`."""
    return default_resolver().resolve(query, oblast=oblast, raion=raion, hromada=hromada, near=near, limit=limit)


def geocode(query: str, **hints) -> Match | None:
    """The one settlement ``query`` names; None if none; raises AmbiguousName if several fit equally."""
    return default_resolver().geocode(query, **hints)


def lookup_many(
    queries: Iterable[object], *, oblasts: Iterable[object] | None = None, resolver: Resolver | None = None
) -> list[Resolution]:
    """Resolve many queries, each distinct (query, oblast) pair once; never raises for bad rows.

    ``oblasts``, when given, holds one hint per query (None or empty for none); ValueError when it holds
    fewer or more values than ``queries``; TypeError when either is one string rather than a sequence.
    """
    if isinstance(queries, (str, bytes)) or isinstance(oblasts, (str, bytes)):
        raise TypeError("lookup_many takes a sequence of queries (and of oblast hints), not one string: use lookup()")
    resolver = resolver or default_resolver()
    cache: dict[tuple, Resolution] = {}
    out = []
    if oblasts is None:
        pairs: Iterable[tuple[object, object]] = ((q, None) for q in queries)
    else:
        if hasattr(queries, "__len__") and hasattr(oblasts, "__len__") and len(queries) != len(oblasts):
            raise ValueError(f"oblasts has {len(oblasts)} values for {len(queries)} queries: give one per query")
        pairs = zip_longest(queries, oblasts, fillvalue=_NO_VALUE)
    for query, oblast in pairs:
        if query is _NO_VALUE or oblast is _NO_VALUE:
            raise ValueError("oblasts and queries differ in length: give one oblast hint per query")
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
    """One row of batch work: bad input becomes status 'invalid' with a reason (the same wording in the CLI
    batch, pandas and :func:`lookup_many`); a hint that names no unit is left out and the reason says so."""
    if _is_missing(query):
        return Resolution(query, "invalid", MISSING_VALUE)
    if isinstance(query, str) and not query.strip():
        return Resolution(query, "invalid", EMPTY_VALUE)
    if not isinstance(query, str):
        return Resolution(query, "invalid", not_text_value(query))
    if _is_missing(oblast) or (isinstance(oblast, str) and not oblast.strip()):
        oblast = None
    elif not isinstance(oblast, str):
        res = resolver.lookup(query)
        if res.status == "invalid":
            return res
        note = non_text_hint("oblast", oblast)
        return replace(res, reason="; ".join(filter(None, [res.reason, note])))
    return resolver.lookup(query, oblast=oblast)


def _names_region_reason(extract: Extract, units: frozenset[str]) -> str:
    names = ", ".join(sorted(extract.units[u].name_uk for u in units))
    return f"names {'an oblast' if len(units) == 1 else 'a region of oblasts'} ({names}), not a settlement"


def _loose(res: Resolution) -> bool:
    """Does an answer rest on nothing better than a typo-like match (or on nothing)?"""
    if res.status == "not_found":
        return True
    top = res.match if res.match is not None else (res.candidates[0] if res.candidates else None)
    return top is not None and top.match in LOOSE_MATCHES


#: Match kinds that are no reading of the cell as written: a typo-like spelling.
LOOSE_MATCHES = frozenset({"fuzzy"})
#: A unit's code in a hint: ISO 3166-2 or a two-digit code ("UA-63", "UA 63", "UA63"), a longer P-code or
#: KATOTTG prefix ("UA6312", "UA6312027", "UA6312027001") or KOATUU's code of an oblast ("6300000000").
_UNIT_CODE = re.compile(r"UA[-\s]?(\d{2})|UA(\d{4}|\d{7}|\d{10})|(\d{2})0{8}", re.IGNORECASE)
#: Two-digit oblast codes, ISO 3166-2's and the classifiers', to the classifiers' (words/iso_3166_2.txt).
_OBLAST_CODES = {code: ours for iso, ours in word_table("iso_3166_2") for code in (iso, ours)}
#: How many digits of a KATOTTG code name a unit of each level.
_CODE_WIDTH = {"oblast": 2, "raion": 4, "hromada": 7}
#: A cell without commas is read with one before its last words when it has at most this many words...
UNPUNCTUATED_WORDS = 6
#: ...and the part after the comma has at most this many ("Bucha Kyiv oblast").
UNPUNCTUATED_TAIL = 3
_PUNCTUATED = re.compile(r"[,;()/]")
#: A preposition that takes the genitive (words/prepositions.txt) at the start of a cell: after one, "Луганська"
#: is the city's genitive (з Луганська, до Донецька), not its oblast's name (which would be "до Луганської").
_GENITIVE_BEFORE = re.compile(
    r"(?:{})\s+".format(
        "|".join(
            re.escape(w)
            for w, cases in sorted(word_table("prepositions"), key=lambda row: -len(row[0]))
            if "gen" in cases.split()
        )
    ),
    re.IGNORECASE,
)
_ON_REGION = re.compile(r"\s*на\s", re.IGNORECASE)
#: Kinds of an oblast's names (unit_names.tsv) that are its own adjective, in any language.
_ADJECTIVE_KINDS = frozenset({"official", "romanization", "russian"})
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
#: Marks of an empty cell that spreadsheets, databases and exports write (casefolded): status invalid.
MISSING_MARKERS = frozenset(
    {"#n/a", "n/a", "na", "n.a.", "null", "none", "nan", "#value!", "#ref!", "#name?", "#div/0!", "#null!", "н/д"}
)
#: How the reader describes a Russia qualifier ("Russia: a country", "RF: a name of Russia").
RUSSIA_TAGS = ("of Russia", "Russia: a country")
#: The Autonomous Republic of Crimea and Sevastopol (oblast-level KATOTTG ids).
CRIMEA_UNITS = frozenset({"UA01000000000013043", "UA85000000000065278"})
#: Case endings of a regional name's key (на Донеччині, з Донеччини, на Донеччину): read as its nominative -ина.
_REGIONAL_CASE = re.compile(r"(?<=ch)in[iu]$")
_REGION_WORD = re.compile(r"obl|обл|region|регі|регио|republic|республ|\bАРК?\b|\bARC?\b", re.IGNORECASE)
#: Ukraine named as a country at the end of a cell ("Kyiv Ukraine"), as folding keys.
UKRAINE_KEYS = frozenset(fold_key(w) for w in ("Ukraine", "Україна", "Украина", "Ukraina", "UA", "Ukr"))

_NO_VALUE = object()
#: Reasons of invalid rows, worded once for every face: a cell with no value reads the same whether it is
#: None or NaN (Excel, pandas, Parquet), a spreadsheet's mark (#N/A) or empty text (CSV).
EMPTY_VALUE = "empty value"
MISSING_VALUE = EMPTY_VALUE


def _is_missing(value: object) -> bool:
    """None, NaN, pandas' NA and NaT: a cell with no value."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or type(value).__name__ in ("NAType", "NaTType")
    )


_KINDS = {
    "list": "a list",
    "tuple": "a list",
    "ndarray": "an array",
    "dict": "a struct",
    "set": "a set",
    "bytes": "bytes",
    "bytearray": "bytes",
    "memoryview": "bytes",
}


def not_text_value(value: object, wanted: str = "a place name") -> str:
    """The reason of a row whose place (or free-text) value is not text, worded once for every face (batch
    in any format, pandas, :func:`lookup_many`, the server): ``a number (12), not a place name``, ``a date
    (2024-03-01), ...``, ``a list, ...``. ``value`` may carry ``type_name`` instead (a cell pandas could not
    hash). ``wanted`` is what the cell should hold ("a place name", "text")."""
    name = getattr(value, "type_name", None) or type(value).__name__
    if name in ("bool", "bool_"):
        kind = f"a true/false value ({value})"
    elif isinstance(value, numbers.Number):
        kind = f"a number ({value})"
    elif hasattr(value, "isoformat") and callable(value.isoformat):
        kind = f"a date or time ({value.isoformat()})"
    else:
        kind = _KINDS.get(name, f"a value of type {name}")
    return f"{kind}, not {wanted}"
