"""One analysis of a query cell: the name, its script and key, inline hints, qualifiers, a place abroad.

>>> from gazetteer.resolve import default_resolver
>>> q = default_resolver().reader.read("near Izium, Kharkiv oblast, Ukraine")
>>> q.name, q.oblast, q.qualifiers
('Izium', 'Kharkiv oblast', ('near',))
>>> default_resolver().reader.read("Odessa, Texas").foreign
'Texas: a state of United States'

Real cells carry more than a name: a branch number (``Одеса № 3``, ``Днипро (отд. 12)``), words around
it (``near Izium``, ``Irpin vicinity``, ``Kharkiv - city centre``), the region before or after it
(``Donetsk oblast, Novoselivka``; ``Рай-Оленівка, Бахмутський р-н, Донецька обл.``), a city the name is a
part of (``Obolon, Kyiv``; ``Kyivskyi district, Kharkiv``), a country or state abroad
(``Odessa, Texas``), abbreviations (``Б. Церква``, ``Кам.-Подільський``) or a Cyrillic letter inside a
Latin word (``Жmerynka``). :class:`QueryReader` reads all of that once into a :class:`Query` that every
tier of the resolver reads; it also reads region hints in the forms registries write them
(:meth:`QueryReader.oblasts`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from gazetteer.extras import lazy_module
from gazetteer.index import NameIndex, strip_unit_words, unit_stem, unit_word_alternation, unit_words
from gazetteer.normalize import (
    check_query,
    cyrillic_language,
    fold_key,
    is_type_word,
    repair_homoglyphs,
    script_of,
    stated_category,
    strip_type_words,
    type_category,
)
from gazetteer.words import word_set

OSA = lazy_module("rapidfuzz.distance.OSA")  # typo checks only: imported on first use

#: How many analysed cells a reader keeps.
READ_CACHE = 65_536
FOREIGN_FACTS = Path(__file__).resolve().parent / "facts" / "foreign_regions.tsv"
REGION_ALIASES = Path(__file__).resolve().parent / "facts" / "region_aliases.tsv"

_SPLIT = re.compile(r"\s*[,;()\[\]/|]\s*")
#: A city district named with its city after a type word, as registries write it ("Оболонський район м. Києва",
#: "Шевченківський район міста Запоріжжя", "Kyivskyi district of Kharkiv").
_DISTRICT_OF_CITY = re.compile(
    r"^(?P<district>.+?\s(?:район|р-н|district|мікрорайон|микрорайон))\.?\s+"
    r"(?:of the city of\s+|of\s+)?(?P<city>(?:м\.|міста|місто|г\.|города|город)?\s*\S.*)$",
    re.IGNORECASE,
)
_QUOTES = "\"'«»“”„`"
_EDGE = _QUOTES + " .-–—:"
#: Branch numbers and office labels: "№ 3", "#12", "No. 4", "(отд. 12)", "відділення 5".
_BRANCH = re.compile(
    r"\s*(?:(?:№|#|no\.?|nr\.?)\s*\d+\w?|\b(?:отд|отделение|відд|відділення|филиал|філія|branch|office)\.?\s*№?\s*\d*)"
    r"\s*$|\s+\d+\s*$",
    re.IGNORECASE,
)
#: A branch number's mark inside a part of a cell.
_BRANCH_MARK = re.compile(r"[№#]|\b(?:отд|отделение|відд|відділення|филиал|філія|branch|office)\b", re.IGNORECASE)
#: A city centre is still the city.
_CENTRE = re.compile(
    r"\s*(?:[-–—,]\s*)?\b(?:(?:city|town)\s+)?(?:cent(?:re|er)|downtown|центр|центр міста|центр города)\s*$",
    re.IGNORECASE,
)
#: Words that put a place near the name, before it ("near Izium") or after it ("Irpin vicinity").
_NEAR_BEFORE = re.compile(
    r"^(?:(?:on\s+)?the\s+)?(?:near|nr\.?|close to|around|outside(?: of)?|outskirts of|vicinity of|surroundings of|"
    r"environs of|in the area of|area of|біля|поблизу|поряд з|неподалік|околиці|на околиці|околиця|около|"
    r"возле|вблизи|недалеко от|окрестности|на окраине|окраина|"
    # "в районі Ізюма", "в районе Купянска": news' "in the area of" (a raion is "Ізюмський район")
    r"[ву] районі|в районе|в р-ні|в р-не)\s+",
    re.IGNORECASE,
)
_NEAR_AFTER = re.compile(
    r"\s+(?:vicinity|outskirts|area|surroundings|environs|surrounding area|окол\.?|околиці|окрестности)$",
    re.IGNORECASE,
)
#: What leads a name with a near word after it: "in the Izium area", "the Bucha outskirts".
_NEAR_AFTER_LEAD = re.compile(r"^(?:(?:in|on|at)\s+)?the\s+", re.IGNORECASE)
#: "X area of Y", "X district of Y": X is a part of the city Y.
_PART_OF = re.compile(
    r"^(?P<part>.+?)\s+(?:area|district|neighbou?rhood|micro-?district|quarter|part|suburb)\s+of\s+(?:the\s+)?"
    r"(?:city\s+of\s+)?(?P<city>.+)$",
    re.IGNORECASE,
)
#: Words that mark a part of a city: its district, microdistrict, quarter.
_DISTRICT = re.compile(
    r"\b(?:district|raion|rayon|neighbou?rhood|micro-?district|quarter|mkr|район|р-н|мікрорайон|микрорайон|"
    r"мкр|мкрн|житловий масив|жилмассив|ж/м)\b\.?",
    re.IGNORECASE,
)


def has_district_word(text: str) -> bool:
    """Does ``text`` say it is a district ("Slobidskyi district", "Оболонський р-н", "ж/м Виноградар")?"""
    return _DISTRICT.search(text) is not None


#: A masculine adjective on its own ("Podilskyi", "Privokzalny", "Петровский") names a city district, not a
#: settlement, when a city follows it.
_DISTRICT_ADJECTIVE = re.compile(r"(?:s'?kyi|s'?kyy|s'?ky|s'?kiy|nyi|nyy|ny|nyj|ський|ский|ний|ный|цький|цкий)$", re.I)


def written_as_district(text: str) -> bool:
    """Is ``text`` written as a city district: with a district word, or ending in a masculine adjective
    ("Kyivskyi district", "Київський", "Podilskyi"), not as a town's own name ("Kyiv")?"""
    words = text.split()
    return has_district_word(text) or bool(words and _DISTRICT_ADJECTIVE.search(words[-1]))


#: Words saying "of the city": "Kyiv City", "city of Kyiv", "м. Київ".
_CITY_WORD = re.compile(
    r"^(?:м|г|місто|город|city of|the city of)(?:\.\s*|\s+)|(?:\s+|\s*-\s*)(?:city|місто|город)\.?$", re.IGNORECASE
)
#: A street address inside a cell ("Khreshchatyk 22", "вул. Сумська, 10", "просп. Миру"): a street word, a house
#: number, or a short street word after the street's name ("Khreshchatyk St."). Such a part is inside the
#: settlement another part names.
_STREET = re.compile(
    r"(?:^|[\s.])(?:вул|вулиця|улица|ул|провулок|переулок|просп|проспект|пр-т|пр-кт|бульвар|бульв|б-р|площа|площадь|"
    r"майдан|набережна|набережная|street|avenue|boulevard|blvd|vul|vulytsia|ulitsa|prospekt|prosp|"
    r"maidan)(?:\.|\s|$)"
    r"|(?:^|\s)(?:буд\.?\s*|д\.\s*|house\s+)?\d{1,4}(?:[-/]\d{1,4})?[a-zа-яіїєґ]?(?:\s|$)"
    r"|\s(?:st|str|ave|av|rd|road|lane|sq|square|пл|пр|пер|пров|шосе|шоссе)\.?$",
    re.IGNORECASE,
)
#: Cells without any of these characters or words hold just a name (the fast path of QueryReader.read).
_ANALYSIS_CHARS = re.compile(r"[,;()\[\]/|#№\d.]|\s[-–—]\s|^\w{1,4}-")
_ANALYSIS_WORDS = (
    frozenset(
        [
            "near",
            "nr",
            "close",
            "around",
            "outside",
            "outskirts",
            "vicinity",
            "surroundings",
            "environs",
            "area",
            "of",
            "centre",
            "center",
            "downtown",
            "neighbourhood",
            "neighborhood",
            "quarter",
            "suburb",
            "mkr",
            "біля",
            "поблизу",
            "поряд",
            "неподалік",
            "околиці",
            "околиця",
            "околица",
            "около",
            "возле",
            "вблизи",
            "недалеко",
            "окрестности",
            "окраина",
            "окраине",
            "центр",
            "мікрорайон",
            "микрорайон",
            "мкр",
            "мкрн",
            "отд",
            "відд",
            "отделение",
            "відділення",
            "филиал",
            "філія",
            "branch",
            "office",
        ]
    )
    | frozenset(unit_words())
    | frozenset(w for phrase in word_set("facility_after") for w in phrase.split())
)
#: Facilities and front sectors written beside a name ("Kramatorsk railway station", "аеропорт Гостомель",
#: "Lyman direction"), as tuples of lower-case words; their longest first.
_FACILITIES = frozenset(tuple(phrase.split()) for phrase in word_set("facility_after"))
_FACILITY_LENGTH = max(map(len, _FACILITIES))
#: A facility's number after it ("TPP-5", "шахта № 3" is a branch): not part of the name.
_FACILITY_NUMBER = re.compile(r"[-\s]*\d{1,3}$")


def _needs_analysis(text: str) -> bool:
    return bool(_ANALYSIS_CHARS.search(text)) or not _ANALYSIS_WORDS.isdisjoint(text.casefold().split())


#: Unit words that may end a cell right after the name ("Kupiansk Kharkiv oblast").
_UNIT_WORD = re.compile(rf"(?:{unit_word_alternation('oblast', 'raion', 'hromada', 'council')})\.?", re.IGNORECASE)
#: Words that say a unit's kind between its name and its unit word ("сільська", "territorial").
_QUALIFIERS = frozenset(unit_words("qualifier"))
_GENITIVE_ADJECTIVE = re.compile(r"(\w)(?:ого|ому)\b")
#: Ukrainian's feminine genitive or dative of an adjective ("Кіндрашівської сільської ради", "Харківській").
_FEMININE_OBLIQUE = re.compile(r"(\w)(?:ої|ій)(?=\s|$)")
#: Russian's locative of an adjective before its raion word ("в Чугуевском районе").
_LOCATIVE_ADJECTIVE = re.compile(r"(\w)ом(?=\s+(?:районе|р-не)(?:\W|$))", re.IGNORECASE)
#: The raion word in the genitive, dative or locative, Ukrainian and Russian, with their abbreviations.
_OBLIQUE_RAION = re.compile(r"(?<!\w)(?:(району|районі|района|районе)|(р-ну|р-на|р-не))(?!\w)", re.IGNORECASE)


def nominative_adjectives(text: str) -> str:
    """A raion or hromada phrase in the genitive, dative or locative read as nominative, Ukrainian or
    Russian: "Куп'янського району" -> "Куп'янський район", "Чугуевского р-на" -> "Чугуевский р-н"."""
    text = _LOCATIVE_ADJECTIVE.sub(lambda m: m[1] + "ий", text)
    text = _GENITIVE_ADJECTIVE.sub(lambda m: m[1] + "ий", text)
    text = _FEMININE_OBLIQUE.sub(lambda m: m[1] + "а", text)
    return _OBLIQUE_RAION.sub(lambda m: "район" if m[1] else "р-н", text)


_OBLAST_WORD = re.compile(r"obl|област|region|регі|регио|province|oblys", re.IGNORECASE)
#: A region cell's parts ("Краматорський район, Донецька область", "Donetsk Oblast / Kramatorskyi raion").
_REGION_CELL_PARTS = re.compile(r"\s*[,;/]\s*")
#: A part of a region cell that says it is a raion (not a city's neighbourhood, which _DISTRICT also takes).
_RAION_WORD = re.compile(rf"\b(?:{unit_word_alternation('raion')})(?:\b|\.|$)", re.IGNORECASE)
_ABBREVIATED_TYPE = re.compile(r"^\w{1,4}\.")
_UKRAINE = {"ukraine", "ukraina", "ukrania", "ua", "ukr"}
#: A part of a cell that is a postal code (Ukraine's have five digits) and nothing else.
_POSTCODE = re.compile(r"\d{5}")
_UKRAINE_KEYS = _UKRAINE | {fold_key(w) for w in ("Україна", "Украина", "Ukraine")}
#: Words that only say "the autonomous republic" around Crimea's name.
_REPUBLIC_WORDS = re.compile(
    r"\b(?:ар|арк|автономна|автономная|автономної|республіка|республика|республіки|autonomous|republic|of|the|ark|ar|"
    r"people'?s|peoples|народна|народная)\b",
    re.IGNORECASE,
)
#: Regional names made with -щина (Харківщина, Donechchyna): the stem names the oblast.
_REGIONAL_SUFFIX = re.compile(r"(?:shchina|shchyna|ccina|chchina|chchyna|shina|ina|yna)$")
#: An abbreviated word: one to four letters and a dot ("Б.", "Кам.").
_ABBREVIATED = re.compile(r"^(?P<prefix>\w{1,4})\.$")
_HYPHEN_ABBREVIATED = re.compile(r"^(?P<prefix>\w{1,4})(?:\.?-|\.)(?P<rest>\w{4,}.*)$")
_LATIN_FOR_CYRILLIC = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэёъ",
        [
            "a",
            "b",
            "v",
            "h",
            "g",
            "d",
            "e",
            "ie",
            "zh",
            "z",
            "y",
            "i",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "iu",
            "ia",
            "y",
            "e",
            "io",
            "",
        ],
    )
)
_CYRILLIC_FOR_LATIN = dict(zip("abcdefghijklmnopqrstuvwxyz", "абцдефгхіжклмнопкрстувввксиз"))


class Query(NamedTuple):
    """A query cell, analysed once. ``name`` is the part that names the settlement; ``core`` is it without
    settlement-type words; ``key`` is the folding key of ``core``. Hints found inline are text, read later."""

    text: str
    name: str
    core: str
    key: str
    script: str
    lang: str | None = None
    oblast: str | None = None
    raion: str | None = None
    city: str | None = None
    district: bool = False
    qualifiers: tuple[str, ...] = ()
    foreign: str | None = None
    abbreviated: tuple[str, ...] = ()
    transliterated: bool = False
    #: The name followed a preposition ("в Харкові", "під Бахмутом", "біля Ізюму"): it may be in an oblique case.
    inflected: bool = False
    #: Further parts after the city that are neither hints nor qualifiers ("Irpin, Bucha, Hostomel": Hostomel).
    others: tuple[str, ...] = ()
    #: KATOTTG categories a settlement-type word in the cell announces ("смт Покровське": "X"), "" for none.
    category: str = ""
    #: A hromada named in the cell with its unit word ("Радьківка, Кіндрашівська громада").
    hromada: str | None = None


def unmix_scripts(text: str) -> tuple[str, bool]:
    """Words mixing Latin and Cyrillic beyond look-alike letters, written in their main script.

    ``Жmerynka`` -> ``Zhmerynka``, ``Zbaraж`` -> ``Zbarazh``, ``Kupянськ`` -> ``Купянськ``. Returns the
    text and whether anything was transliterated (look-alike repairs do not count).
    """
    try:
        return repair_homoglyphs(text), False
    except ValueError:
        pass
    out, changed = [], False
    for word in re.split(r"(\W+)", text):
        if script_of(word) == "mixed":
            try:
                word = repair_homoglyphs(word)
            except ValueError:
                cyr = sum(1 for c in word if "\u0400" <= c <= "\u04ff")
                lat = sum(1 for c in word if c.isascii() and c.isalpha())
                table = _CYRILLIC_FOR_LATIN if cyr > lat else _LATIN_FOR_CYRILLIC
                word = "".join(_case(table.get(c.lower(), c), c) for c in word)
                changed = True
        out.append(word)
    return "".join(out), changed


def _prepositions() -> frozenset[str]:
    """Prepositions before a place name (words/prepositions.txt), lower case."""
    return word_set("prepositions")


def _case(new: str, old: str) -> str:
    return new.capitalize() if old.isupper() and new else new


class QueryReader:
    """Reads query cells and hint cells against one index (its oblast, raion and settlement names)."""

    def __init__(self, index: NameIndex) -> None:
        self.index = index
        self._cache: dict[str, Query] = {}
        #: Raions a part names by their centre town's name ("Kryvyi Rih raion": Криворізький), which the
        #: index's unit names alone do not tell; the resolver sets it (see Resolver._units_of_centre).
        self.raions_of_centre: Callable[[str], set[str]] = lambda text: set()

    # -- facts ------------------------------------------------------------------------------------
    @cached_property
    def foreign_regions(self) -> dict[str, tuple[str, str, str]]:
        """Folding key -> (name, kind, country) of places abroad that cells name or add as qualifiers."""
        out: dict[str, tuple[str, str, str]] = {}
        with open(FOREIGN_FACTS, encoding="utf-8", newline="") as fh:
            rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
            for row in rows:
                key = fold_key(row["name"])
                if key and key not in out:
                    out[key] = (row["name"], row["kind"], row["country"])
        return out

    def maybe_foreign(self, text: str) -> bool:
        """A quick test before :meth:`foreign`: could ``text`` name a place abroad at all?"""
        table = self.foreign_regions
        return fold_key(text) in table or (" " in text and fold_key(strip_unit_words(text)) in table)

    def foreign(self, text: str, *, qualifier: bool) -> str | None:
        """What ``text`` is when it names a place abroad (``'Texas: a state of United States'``), else None.

        Two-letter codes (TX, ON) count only as a ``qualifier`` after a name; so do Ukrainian homonyms
        of foreign regions (a part that names a Ukrainian oblast or raion is never foreign)."""
        clean = strip_unit_words(text).strip(_EDGE)
        fact = self.foreign_regions.get(fold_key(clean)) or self.foreign_regions.get(fold_key(text))
        if fact is None:
            listed = self.index.extract.not_places.get(fold_key(clean))
            if qualifier and listed and listed[1] == "country" and fold_key(clean) not in _UKRAINE_KEYS:
                return f"{listed[0]}: a country"
            return None
        name, kind, country = fact
        if len(name.replace(".", "")) <= 3:
            # Codes: a state's or province's (TX, ON) only after a name and in Latin letters (БЦ is not BC); a
            # country's (USA, РФ) in capitals, alone or after a name.
            country_code = kind == "country" and clean.replace(".", "").isupper()
            if not (country_code or (qualifier and script_of(clean) == "latin" and kind != "country")):
                return None
        if kind == "country":
            return f"{name}: a country" if name == country else f"{name}: a name of {country}"
        return f"{name}: a {kind.replace(' code', '')} of {country}"

    # -- region hints -----------------------------------------------------------------------------
    def raion_part(self, text: str) -> tuple[str | None, str | None]:
        """(the rest, the raion part) of a region cell with one part that says raion ("Бахмутський р-н",
        "Краматорський район, Донецька область", "Donetsk Oblast / Kramatorskyi raion"), else (text, None);
        also (text, None) for one part that reads as an oblast too ("Kharkiv district" is as often the
        region). The caller checks that the part names a raion."""
        parts = [p.strip() for p in _REGION_CELL_PARTS.split(text) if p.strip()]
        raions = [p for p in parts if _RAION_WORD.search(p) and not _OBLAST_WORD.search(p)]
        if len(raions) != 1 or len(parts) == 1 and self.oblasts(text):
            return text, None
        return ", ".join(p for p in parts if p is not raions[0]) or None, raions[0]

    def oblasts(self, text: str, *, fuzzy: bool = True) -> frozenset[str]:
        """Oblast-level units (oblasts, Crimea, Kyiv, Sevastopol) a region cell names; empty if none.

        Reads ``Kharkiv Oblast``, ``Харківська обл.``, ``Donetsk Oblast, Ukraine``, ``АР Крим``, ``Крым (АРК)``,
        ``Autonomous Republic of Crimea``, ``м. Київ`` / ``Kyiv City`` (the city, not the oblast), KOATUU's
        ``АВТОНОМНА РЕСПУБЛІКА КРИМ/М.СІМФЕРОПОЛЬ``, regional names (``Харківщина``) and misspellings one or
        two edits away (``Donestk``, ``Kharviv``; only with ``fuzzy``, as for a region column or a part of a
        cell with the word oblast).
        """
        parts = [p for p in _SPLIT.split(text) if p.strip(_EDGE)]
        parts = [p for p in parts if fold_key(p) not in _UKRAINE] or parts
        for part in parts:
            found = self._oblasts_of_part(part, fuzzy)
            if found:
                return found
        return frozenset()

    @cached_property
    def region_aliases(self) -> dict[str, frozenset[str]]:
        """Folding key of an alias (ДНР, Слобожанщина) -> the oblasts it stands for (facts/region_aliases.tsv)."""
        by_name: dict[str, set[str]] = {}
        for uid, unit in self.index.extract.units.items():
            if unit.level == "oblast":
                by_name.setdefault(unit.name_uk, set()).add(uid)
        out: dict[str, set[str]] = {}
        with open(REGION_ALIASES, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"):
                out.setdefault(fold_key(row["alias"]), set()).update(by_name.get(row["oblast"], ()))
        return {k: frozenset(v) for k, v in out.items() if k and v}

    def _oblasts_of_part(self, part: str, fuzzy: bool = True) -> frozenset[str]:
        index = self.index
        part = part.strip(_EDGE)
        alias = self.region_aliases.get(fold_key(part))
        if alias:
            return alias
        city = bool(_CITY_WORD.search(part))
        bare = _CITY_WORD.sub("", part).strip(_EDGE) if city else part
        oblast_word = bool(_OBLAST_WORD.search(part))
        forms = [bare]
        republic = _REPUBLIC_WORDS.sub(" ", bare)
        if republic.split() != bare.split():
            forms.append(republic)
        if re.search(r"crimean|кримськ|крымск", bare, re.I):
            forms.append("Crimea")
        for form in forms:
            found = index.find_units(form, "oblast") if fold_key(strip_unit_words(form)) else set()
            if not found:
                found = self._regional_name(form) or (self._misspelt_oblast(form) if fuzzy else set())
            if found:
                capitals = {u for u in found if self._is_city_unit(u)}
                if len(found) > 1 and capitals:
                    # "Kyiv" names the city and the oblast around it: a city word picks the city, an oblast
                    # word (or an adjective) the oblast.
                    if city:
                        found = capitals
                    elif oblast_word or fold_key(form) != fold_key(strip_unit_words(form)):
                        found = found - capitals
                return frozenset(found)
        return frozenset()

    def _is_city_unit(self, uid: str) -> bool:
        """Kyiv and Sevastopol: oblast-level units that are cities (they hold a settlement of category K)."""
        return uid in self._city_units

    @cached_property
    def _city_units(self) -> frozenset[str]:
        from gazetteer.store import record_columns

        # whole columns: no record built (iterating the settlements would build all 30,000: 0.2 s)
        oblasts, categories = record_columns(self.index.extract.settlements, "oblast_id", "category")
        return frozenset(o for o, c in zip(oblasts, categories) if c == "K")

    @cached_property
    def _oblast_stems(self) -> dict[str, set[str]]:
        """Adjective stems and keys of oblast names -> oblast ids, for regional names and misspellings."""
        out: dict[str, set[str]] = {}
        for k, ids in self.index.unit_keys.get("oblast", {}).items():
            if k.startswith("k:"):
                continue
            out.setdefault(k.removeprefix("s:"), set()).update(ids)
        return out

    def _regional_name(self, text: str) -> set[str]:
        """Харківщина, Donechchyna, Вінниччина: the stem before -щина is the oblast's adjective stem."""
        key = fold_key(strip_unit_words(text))
        stem = _REGIONAL_SUFFIX.sub("", key)
        if stem == key or len(stem) < 4:
            return set()
        found = {u for s, ids in self._oblast_stems.items() if len(s) >= 4 and s.startswith(stem[:5]) for u in ids}
        found = {u for u in found if not self._is_city_unit(u)}
        return found if len(found) == 1 else set()

    def _misspelt_oblast(self, text: str) -> set[str]:
        """The one oblast whose name or stem lies within one edit (two for long names) of ``text``, unless
        ``text`` is a settlement's official, romanized, Russian or GeoNames name."""
        key = fold_key(strip_unit_words(text))
        if len(key) < 5:
            return set()
        if any(hit.kind in ("official", "romanization", "russian", "geonames") for hit in self.index.exact(key)):
            return set()  # a settlement's own name (Радьківка, Харківка) is no misspelt oblast (Харківська)
        allowed = 1 if len(key) < 7 else 2
        best: dict[int, set[str]] = {}
        for form in {key, unit_stem(key)}:
            for other, ids in self._oblast_stems.items():
                if abs(len(other) - len(form)) > allowed or len(other) < 4:
                    continue
                d = OSA.distance(form, other, score_cutoff=allowed)
                if d <= allowed:
                    best.setdefault(d, set()).update(ids)
        if not best:
            return set()
        found = best[min(best)]
        if len(found) > 1:
            found = {u for u in found if not self._is_city_unit(u)}
        return found if len(found) == 1 else set()

    # -- query cells ------------------------------------------------------------------------------
    def _after_preposition(self, name: str) -> str | None:
        """The words after a leading preposition (words/prepositions.txt) of a Cyrillic name: "в Харкові" ->
        "Харкові", "под Харьковом" -> "Харьковом"; None when there is none, or the whole is a name (За Річкою)."""
        head, _, rest = name.partition(" ")
        if not rest or head.casefold() not in _prepositions() or script_of(rest) != "cyrillic":
            return None
        if fold_key(name) in self.index.by_key:
            return None
        return rest.strip(_EDGE) or None

    def _plain(self, text: str, transliterated: bool) -> Query:
        """A cell with nothing but a name (and perhaps a settlement-type word): the common, fast case."""
        name = text.strip(_EDGE) or text
        after = self._after_preposition(name) if " " in name else None
        if after is not None:
            return self._inflected(Query(text, after, after, "", "cyrillic", transliterated=transliterated))
        core = strip_type_words(name)
        if core != name and fold_key(name) in self.index.by_key:
            core = name
        key = fold_key(core) or fold_key(name) or fold_key(text)
        script = script_of(core)
        lang = cyrillic_language(core) if script == "cyrillic" else None
        category = stated_category(name) if core != name else ""
        return Query(text, name, core, key, script, lang, transliterated=transliterated, category=category)

    def _inflected(self, q: Query) -> Query:
        """``q`` with its name read after a preposition: core, key and language of the inflected words."""
        core = strip_type_words(q.name)
        if core != q.name and fold_key(q.name) in self.index.by_key:
            core = q.name
        key = fold_key(core) or fold_key(q.name)
        category = (stated_category(q.name) if core != q.name else "") or q.category
        return q._replace(
            core=core, key=key, script=script_of(core), lang=cyrillic_language(core), inflected=True, category=category
        )

    def read(self, query: object) -> Query:
        """Analyse a query cell; TypeError / ValueError for what :func:`check_query` refuses.

        Analyses are kept (up to READ_CACHE cells; a Query is immutable), as folding keys are."""
        if type(query) is str:
            cached = self._cache.get(query)
            if cached is None:
                if len(self._cache) >= READ_CACHE:
                    self._cache.clear()
                cached = self._cache[query] = self._read(query)
            return cached
        return self._read(query)

    def _facility(self, part: str, *, alone: bool) -> str | None:
        """The settlement's name in a part that also names a facility or a front sector at it ("Kramatorsk
        railway station", "Mariupol drama theatre", "аеропорт Гостомель", "Lyman direction"): the part less
        the phrase (and up to two describing words before it, when that leaves a known name); "" when the
        whole part is such a phrase and ``alone`` allows it ("Краматорськ, залізничний вокзал"); None when
        the part names no facility or is itself a known name ("Порт", "Гребля")."""
        if fold_key(part) in self.index.by_key:
            return None
        words = _FACILITY_NUMBER.sub("", part).split()
        folded = [w.casefold().strip(".,") for w in words]
        for k in range(min(_FACILITY_LENGTH, len(words)), 0, -1):
            if tuple(folded[-k:]) in _FACILITIES:
                rest = words[:-k]
                known = [rest[:n] for n in (len(rest), len(rest) - 1, len(rest) - 2) if n > 0]
                rest = next((r for r in known if fold_key(" ".join(r)) in self.index.by_key), rest)
                if rest and fold_key(" ".join(rest)) not in self.index.by_key and _DISTRICT_ADJECTIVE.search(rest[-1]):
                    return None  # "Pivdennyi port": the facility's own name, not a settlement's
                return " ".join(rest).strip(_EDGE) if rest or alone else None
            if k < len(words) and tuple(folded[:k]) in _FACILITIES:
                return " ".join(words[k:]).strip(_EDGE)  # "аеропорт Гостомель", "вокзал Краматорськ"
        return None

    def _split_trailing_unit(self, part: str) -> list[str]:
        """ "Kupiansk Kharkiv oblast", "с. Радьківка Куп'янського району": a region named after the name
        with no separator between them. Split off the unit word and the one (or two) words before it when
        they name an oblast or a raion; otherwise the part stays whole (an official name may hold them)."""
        words = part.split()
        if len(words) < 3 or not _UNIT_WORD.fullmatch(words[-1]) or fold_key(part) in self.index.by_key:
            return [part]
        # Qualifiers between the unit's name and its word ("Кіндрашівська сільська територіальна громада").
        qualifiers = next((i for i, w in enumerate(reversed(words[:-1])) if w.casefold() not in _QUALIFIERS), 0)
        for k in range(2, 4 + qualifiers):
            name, unit = " ".join(words[:-k]).strip(_EDGE), " ".join(words[-k:])
            if not name:
                break
            nominative = nominative_adjectives(unit)
            if (
                self.oblasts(unit, fuzzy=True)
                or self.index.find_units(nominative, "raion")
                or self.index.find_units(nominative, "hromada")
            ):
                return [name, unit]
        return [part]

    def cuts_unit_name(self, head: str, tail: str) -> bool:
        """Would a comma between ``head`` and ``tail`` cut a unit's name in two: the last word of ``head`` and
        the unit word that begins ``tail`` name a raion or an oblast together ("Бахмутський | район Донецької
        області", "Kharkiv | oblast")? Such a cut reads no name and hint the cell holds."""
        last, first = head.split()[-1:], tail.split()[:1]
        if not last or not first or not _UNIT_WORD.fullmatch(first[0]):
            return False
        unit = f"{last[0]} {first[0]}"
        return bool(self.oblasts(unit, fuzzy=False) or self.index.find_units(nominative_adjectives(unit), "raion"))

    def _read(self, query: object) -> Query:
        transliterated = False
        try:
            text = check_query(query)
        except ValueError:
            if not (isinstance(query, str) and script_of(query) == "mixed"):
                raise
            query, transliterated = unmix_scripts(query)
            text = check_query(query)
        if "  " in text or "\n" in text or "\t" in text or "\r" in text:
            text = " ".join(text.split())
        if not _needs_analysis(text):
            return self._plain(text, transliterated)
        qualifiers: list[str] = []

        def qualify(pattern: re.Pattern, value: str, label: str) -> str:
            new = pattern.sub("", value).strip(_EDGE + ",")
            if new != value.strip(_EDGE + ",") and new:
                if label not in qualifiers:
                    qualifiers.append(label)
                return new
            return value

        def near_after(value: str) -> str:
            """``value`` without a near word after the name, and then without what led it ("in the Izium area")."""
            new = qualify(_NEAR_AFTER, value, "near")
            return qualify(_NEAR_AFTER_LEAD, new, "near") if new != value else new

        body = text
        # Parenthesised or trailing branch numbers go before the split ("Днипро (отд. 12)").
        branch = re.sub(r"\(([^()]*\d[^()]*)\)", lambda m: " " if _BRANCH.search(m.group(1)) else m.group(0), body)
        if branch != body:
            body = branch.strip()
            qualifiers.append("branch")
        body = qualify(_BRANCH, body, "branch")
        parts = [p.strip(_EDGE) for p in _SPLIT.split(body) if p.strip(_EDGE)] or [body.strip(_EDGE)]
        if len(parts) == 1 and (of := _DISTRICT_OF_CITY.match(parts[0])):
            parts = [of["district"], of["city"]]  # "Оболонський район м. Києва": the district, then its city
        if len(parts) == 1:
            parts = self._split_trailing_unit(parts[0])
        oblast = raion = city = foreign = hromada = None
        district = False
        others: list[str] = []
        rest: list[str] = []
        stated = ""  # categories a part that is only a type word announces
        for i, part in enumerate(parts):
            part = qualify(_CENTRE, part, "centre")
            if i < len(parts) - 1 and _BRANCH_MARK.search(part):
                part = qualify(_BRANCH, part, "branch")  # "Одеса № 3, Одеська обл.": the last part was done above
            if i > 0 or len(parts) > 1:
                near = near_after(qualify(_NEAR_BEFORE, part, "near"))
            else:
                near = qualify(_NEAR_BEFORE, part, "near")
                near = near_after(near) if near == part else near
            part = near
            # (not in a street address: "пл. Ринок 1" is a square called Market)
            facility = None if _STREET.search(part) else self._facility(part, alone=i > 0)
            if facility is not None:
                if "facility" not in qualifiers:
                    qualifiers.append("facility")
                if not facility:
                    continue  # "Краматорськ, залізничний вокзал": the settlement is the other part
                part = facility
            if fold_key(part) in _UKRAINE and len(parts) > 1:
                continue
            if len(parts) > 1 and _POSTCODE.fullmatch(part):
                if "postcode" not in qualifiers:
                    qualifiers.append("postcode")
                continue  # "61000, Харків", "04210, м. Київ, вул. ...": the postal code of an address
            if len(parts) > 1 and is_type_word(part):
                stated = stated or type_category(part)
                continue  # "Харків (місто)", "Суми, місто": what the place is, not where
            rest.append(part)
        addresses = [p for p in rest if _STREET.search(p) and not re.search(r"[№#]", p)]
        if addresses and any(p not in addresses and strip_unit_words(p) == p for p in rest):
            # "Khreshchatyk 22, Kyiv": the address is inside the settlement the other part names.
            rest = [p for p in rest if p not in addresses]
            qualifiers.append("address")
        name = None
        if len(rest) == 2 and _DISTRICT.search(rest[0]) and strip_unit_words(rest[1]) == rest[1]:
            # "Kyivskyi district, Kharkiv": a part of the city named second.
            name, city, district = rest[0], rest[1], True
            rest = []
        for part in rest:
            if name is not None and fold_key(part) == fold_key(name):
                continue  # "Жовтневе, Жовтневе": a name written twice says nothing more (not a raion Жовтневий)
            has_unit_word = strip_unit_words(part) != part
            districtish = bool(_DISTRICT.search(part)) and not _OBLAST_WORD.search(part)
            if name is not None and not has_unit_word and foreign is None:
                foreign = self.foreign(part, qualifier=True)
                if foreign:
                    continue
            if has_unit_word or name is not None:
                if oblast is None and not districtish and self.oblasts(part, fuzzy=has_unit_word):
                    oblast = part
                    if not has_unit_word and city is None:
                        city = part  # "Obolon, Kyiv": a city, or the oblast named after it
                    continue
                nominative = nominative_adjectives(part)  # "Куп'янського району", "Кіндрашівської сільської ради"
                if raion is None and self.index.find_units(part, "raion"):
                    raion = part
                    continue
                if raion is None and self.index.find_units(nominative, "raion"):
                    raion = nominative
                    continue
                if raion is None and has_unit_word and self.raions_of_centre(part):
                    raion = part  # "Kryvyi Rih raion", "Кривий Ріг район": named by its centre
                    continue
                if hromada is None and has_unit_word:
                    # "Kupianskyi raion, Kindrashivska hromada, Radkivka"; KOATUU's village council: its hromada
                    hromada = next((p for p in (part, nominative) if self.index.find_units(p, "hromada")), None)
                    if hromada is not None:
                        continue
            if name is None:
                name = part
            elif foreign is None and (foreign := self.foreign(part, qualifier=True)):
                continue
            elif not has_unit_word and city is None:
                city = part
            elif not has_unit_word and not _DISTRICT.search(part):
                others.append(part)
            elif _DISTRICT.search(part):
                if "district" not in qualifiers:
                    qualifiers.append("district")
            elif has_unit_word and oblast is None:
                oblast = part  # unreadable: the resolver says so and resolves without it
        if name is None:
            name = rest[0] if rest else text
        part_of = _PART_OF.match(name)
        if part_of and city is None:
            name, city, district = part_of["part"], part_of["city"], True
        if _DISTRICT.search(name) and (city is not None or not self.index.find_units(name, "raion")):
            district = district or city is not None
        elif city is not None and _DISTRICT_ADJECTIVE.search(name.split()[-1]):
            district = True
        if city is not None:
            city = _CITY_WORD.sub("", qualify(_NEAR_AFTER, city, "near")).strip(_EDGE) or city
        inflected = False
        after = self._after_preposition(name) if " " in name else None
        if after is not None:
            name, inflected = after, True
        elif "near" in qualifiers and script_of(name) == "cyrillic":
            inflected = True  # "біля Ізюму", "на окраине Харькова": the name after it is in the genitive
        core = strip_type_words(name)
        if core != name and fold_key(name) in self.index.by_key and not _ABBREVIATED_TYPE.match(name):
            # "Нижнє Селище", "Старе Місто": the type word belongs to the official name (not an abbreviated one:
            # "с. Харківщина" folds like the village Шарківщина, but с. is the type word)
            core = name
        if district and city is not None:
            core = " ".join(_DISTRICT.sub(" ", core).split()) or core
        key = fold_key(core) or fold_key(name) or fold_key(text)
        script = script_of(core)
        abbreviated = tuple(
            m["prefix"]
            for w in re.split(r"\s+", name)
            for m in [_ABBREVIATED.match(w) or _HYPHEN_ABBREVIATED.match(w)]
            if m
        )
        return Query(
            text=text,
            name=name,
            core=core,
            key=key,
            script=script,
            lang=cyrillic_language(core) if script == "cyrillic" else None,
            oblast=oblast,
            raion=raion,
            city=city,
            district=district,
            qualifiers=tuple(qualifiers),
            foreign=foreign,
            abbreviated=abbreviated,
            transliterated=transliterated,
            inflected=inflected,
            others=tuple(others),
            category=(stated_category(name) if core != name else "") or stated,
            hromada=hromada,
        )
