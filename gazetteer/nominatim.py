"""Settlements as Nominatim records: the shapes ``gazetteer serve`` answers, without a server.

>>> from gazetteer.nominatim import Places
>>> from gazetteer.resolve import default_resolver
>>> places = Places(default_resolver())
>>> s = default_resolver().extract.settlement("UA63080090010026457")
>>> places.display_name(places.address(s, "en"))
'Kupiansk, Kupiansk hromada, Kupiansk Raion, Kharkiv Oblast, Ukraine'
>>> places.record(s, "uk", "jsonv2", True, {})["address"]["state"]
'Харківська область'

A record has Nominatim's fields (``place_id`` — :func:`place_id`, the first 12 digits of the KATOTTG id; an
oblast, raion or hromada record's is 10**12 more, :func:`unit_place_id` —, ``lat``/``lon`` as strings,
``display_name``, ``address`` with ``city``/``town``/``village``, ``municipality`` (hromada), ``district``
(raion), ``state`` (oblast), ``country``, ``country_code``; ``boundingbox`` (south, north, west, east, as
strings), ``importance``, ``addresstype``, ``place_rank``) and a ``gazetteer`` object with what only the
gazetteer knows. Names in ``uk``, ``en`` or ``ru``. Russian names are chosen, not made: GeoNames labels no
variant with its language, so of the variants called Russian (which also hold Belarusian, Chuvash, Mari and
inflected forms) only one that passes :func:`russian_choice`'s checks is shown, or the rule-made form where
the rule is certain (-ськ -> -ск: Краматорськ -> Краматорск); otherwise the Ukrainian name is shown (Одеса,
Маріуполь, Ізюм in this extract), since a wrong-language or inflected name is worse than the local one;
a variant that is the rule-made form with one vowel misspelt bears the rule-made form out (Симфереполь ->
Симферополь). An oblast, raion or hromada is named in Russian by an adjective agreeing with its word
(:data:`UNIT_GENDER`: Симферопольская громада, Симферопольский район), made from the Russian name shown for
the settlement it is named after or taken from the extract's ``name_ru`` where that is certain
(:attr:`Places.russian_units`); otherwise wholly in Ukrainian (Дрогобицький район), never half and half. :func:`render` turns a list of records into ``json``/``jsonv2`` (the list),
``geojson`` or ``geocodejson`` (FeatureCollections).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import cached_property
from typing import Any

from gazetteer.model import Match, Resolution, Settlement, Unit
from gazetteer.rank import PEER_MARGIN, REASON_NAMES, category_prior, expected_population, population_prior
from gazetteer.resolve import Resolver

__all__ = [
    "ADDRESSTYPE",
    "Places",
    "category_key",
    "match_extension",
    "render",
    "render_reverse_xml",
    "render_xml",
    "render_xml_error",
    "russian_choice",
]

#: What a result's ``addresstype`` (and its key in ``address``) is, per KATOTTG category.
ADDRESSTYPE = {"K": "city", "M": "city", "X": "town", "C": "village"}
PLACE_RANK = {"K": 16, "M": 16, "X": 18, "C": 19}
#: Half the side of a result's bounding box in degrees, by category, and by precision when approximate.
_BOX_CATEGORY = {"K": 0.15, "M": 0.05, "X": 0.02, "C": 0.01}
_BOX_PRECISION = {"hromada_centroid": 0.1, "raion_centroid": 0.3, "oblast_centroid": 1.0}
_COUNTRY = {"uk": "Україна", "en": "Ukraine", "ru": "Украина"}
_OBLAST_WORD = {"uk": "область", "en": "oblast", "ru": "область"}
_RAION_WORD = {"uk": "район", "en": "raion", "ru": "район"}
_HROMADA_WORD = {"uk": "громада", "en": "hromada", "ru": "громада"}


# -- records -----------------------------------------------------------------------------------------
#: What a prior is divided by to make an ``importance``: the prior of a city with special status (category K)
#: of ten million people, above any in Ukraine, so that every importance is at most 1.
IMPORTANCE_SCALE = category_prior("K") + population_prior(10_000_000)
#: The category a unit's importance is weighed as: an oblast as a city with special status, a raion as a city,
#: a hromada as a town (its population is its settlements' together).
UNIT_IMPORTANCE_CATEGORY = {"oblast": "K", "raion": "M", "hromada": "X"}


def importance(prior: float) -> float:
    """Nominatim's ``importance`` (0..1, bigger and more important places higher) from a prior of the resolver:
    ``prior / IMPORTANCE_SCALE``, clipped to [0, 1] and rounded to 4 places. A settlement's is
    :meth:`Places.importance`."""
    return round(min(max(prior / IMPORTANCE_SCALE, 0.0), 1.0), 4)


def category_key(fmt: str) -> str:
    """The key of a record's OSM-like category ("place", "boundary") in format ``fmt``, as Nominatim names it:
    ``class`` in ``json`` (and ``xml``'s attribute), ``category`` in ``jsonv2`` and ``geojson``'s properties
    (``geocodejson`` says ``osm_key``, with ``osm_value`` for the type: :func:`render`)."""
    return "class" if fmt in ("json", "xml") else "category"


def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text) if c != "\u0301"))


def place_id(katottg: str) -> int:
    """Nominatim's numeric ``place_id`` of a KATOTTG id: its first 12 digits (oblast, raion, hromada,
    settlement), e.g. ``UA63080090010026457`` -> 630800900100. Unique like the ids themselves, and below
    2**53, so JavaScript and R read it exactly (the 17 digits of the whole id are not: JSON.parse rounds
    them)."""
    return int(katottg[2:14])


#: Added to an administrative unit's :func:`place_id` (its first 12 digits): a unit and a settlement never
#: share a number, as Kyiv the city and Kyiv the oblast-level unit would (both 800000000000).
UNIT_PLACE_ID_BASE = 10**12


def unit_place_id(katottg: str) -> int:
    """``place_id`` of an oblast, raion or hromada record: :data:`UNIT_PLACE_ID_BASE` + its first 12 digits
    (13 digits, e.g. UA80000000000000000 -> 1800000000000; still below 2**53)."""
    return UNIT_PLACE_ID_BASE + place_id(katottg)


#: How like the rule-made Russian form of a name (rapidfuzz ratio, 0-100) a Russian variant must be to be shown;
#: :data:`RUSSIAN_LIKENESS_SKELETON` when both have the same consonants (Запорожье ~ Запорижжя, Ровно ~ Ривное).
RUSSIAN_LIKENESS = 75.0
RUSSIAN_LIKENESS_SKELETON = 60.0
_RUSSIAN_LETTERS = re.compile(r"^[А-ЯЁа-яё][А-ЯЁа-яё’' -]*$")
#: Spellings Russian does not have, seen in the variants labelled Russian: Ukrainian -ськ/-цьк/-ький
#: (Купенськ, Донецьке), ы after к г х ж ш ч щ or beside a vowel and э after a consonant (Belarusian:
#: Марыупаль, Адэса), a doubled consonant before a final -а/-я (Запарожжа: Russian writes Запорожье; not
#: -сса, -нна: Одесса), a final -ци (Черновци: Russian writes Черновцы).
_NOT_RUSSIAN = re.compile(
    r"[сцз]ьк|[кгхжшчщ]ы|[аеёиоуыэюя]ы|ы[аеёиоуэюя]|[б-щ]э|ци$|(?:жж|шш|чч|цц|лл|зз|дд|тт)[ая]$", re.IGNORECASE
)
#: A rule-made word with an adjective's ending needs a variant word with one (Криви Рог is not Кривой Рог).
_ADJECTIVE_END = re.compile(r"(?:ый|ий|ой|ая|яя|ое|ее)$")
#: Case endings: a variant that is another candidate (or the rule-made form) plus one is inflected
#: (Краматорска, Киеву, Киевом, Одессе, Херсонскую, Луганскай).
_CASE_ENDINGS = ("а", "у", "е", "ом", "ой", "ую", "ю", "ай", "ым", "ем", "скую")
_VOWELS = set("аеёиоуыэюяь ъ-’'")


def _skeleton(text: str) -> str:
    out = [c for c in text if c not in _VOWELS and c != "й"]
    return "".join(c for i, c in enumerate(out) if i == 0 or c != out[i - 1])


def _akanye(rule: str, text: str) -> bool:
    """Whether ``text`` writes а where the rule-made Russian form has е (Belarusian: Белая Царква). Not о:
    Russian itself writes Славянск for Слов'янськ."""
    from difflib import SequenceMatcher

    for op, i1, i2, j1, j2 in SequenceMatcher(None, rule, text, autojunk=False).get_opcodes():
        if (
            op == "replace"
            and i2 - i1 == j2 - j1
            and any(a == "е" and b == "а" for a, b in zip(rule[i1:i2], text[j1:j2]))
        ):
            return True
    return False


def _one_letter_apart(ref: str, text: str) -> int | None:
    """The position of the one letter in which ``text`` differs from ``ref`` (same length), else None."""
    if len(ref) != len(text):
        return None
    diff = [i for i, (a, b) in enumerate(zip(ref, text)) if a != b]
    return diff[0] if len(diff) == 1 else None


def _kept_from_ukrainian(name_uk: str, rule: str) -> set[int]:
    """Positions of ``rule`` (the rule-made Russian form) whose letter the rule copied from the Ukrainian name
    unchanged (Сімферополь -> Симферополь: all but the и for і)."""
    from difflib import SequenceMatcher

    uk = re.sub(r"[’'ʼ]", "", _strip_accents(name_uk).casefold())
    out: set[int] = set()
    for op, _i1, _i2, j1, j2 in SequenceMatcher(None, uk, rule, autojunk=False).get_opcodes():
        if op == "equal":
            out.update(range(j1, j2))
    return out


def _misspells_rule(name_uk: str, ref: str, text: str) -> bool:
    """Whether ``text`` is the rule-made form ``ref`` with one о written е, where the Ukrainian name has that о
    too and Russian keeps it (Симфереполь, Федеровка for Симферополь, Федоровка): not at a word's start
    (Оленівка is Еленовка), nor after ж ч ш щ й ь (Чорноморськ is Черноморск), and not ё (Солёное)."""
    p = _one_letter_apart(ref, text)
    if p is None or p == 0 or ref[p] != "о" or text[p] != "е" or ref[p - 1] in "жчшщйь -’'":
        return False
    return p in _kept_from_ukrainian(name_uk, ref)


#: A Russian name's last vowel that may differ from the rule-made form's: Чернівці -> Черновцы, Вінниця ->
#: Винница, Зелене -> Зелёное, Зазим'я -> Зазимье (after ь). Any other change of the last vowel alone is a
#: case form (Стинку, Косара for Стинки, Косари) or not Russian (Вишневи for Вишнево).
_LAST_VOWEL_CHANGES = frozenset({("и", "ы"), ("я", "а"), ("е", "ё"), ("ю", "у")})


def _changes_last_vowel(ref: str, text: str) -> bool:
    """Whether ``text`` is the rule-made form ``ref`` with its last vowel changed as Russian does not."""
    p = _one_letter_apart(ref, text)
    if p is None or p != len(ref) - 1 or ref[p] not in "аеёиоуыэюя" or text[p] not in "аеёиоуыэюя":
        return False
    return (ref[p], text[p]) not in _LAST_VOWEL_CHANGES and not (ref[p - 1 :] == "ья" and text[p] == "е")


def _truncates(base: str, text: str) -> bool:
    """Whether ``text`` is a piece of ``base`` with as many words (Полтав, Лтава, Краматор); dropping a final -о
    is Russian (Днепро -> Днепр)."""
    if len(text) >= len(base) or text not in base or len(text.split()) != len(base.split()):
        return False
    return not (base.startswith(text) and base[len(text) :] == "о")


def russian_fallback(name_uk: str, rule: str) -> str | None:
    """The rule-made Russian form where the rule is certain: one word ending in -ськ/-цьк whose only other
    change is є -> е (Краматорськ -> Краматорск, Сєвєродонецьк -> Северодонецк); else None (Київ is not
    Киив, Ізюм's і is not always и: Ніжин is Нежин)."""
    if not re.fullmatch(r"[А-ЯЄҐа-яєґ]+[сц]ьк", name_uk) or re.search(r"[іїІЇ’']", name_uk):
        return None
    expected = re.sub(r"([сц])ьк$", r"\1к", name_uk.replace("є", "е").replace("Є", "Е"))
    return rule if expected == rule else None


def russian_choice(name_uk: str, rule: str, variants: list[str]) -> str | None:
    """The Russian name to show for a settlement, or None (the Ukrainian name is shown): the rule-made form
    ``rule`` where the rule is certain (:func:`russian_fallback`); None where the rule changes nothing (Полтава:
    its variants that differ are Belarusian, Палтава); else, of its ``variants`` labelled Russian, the one
    closest to ``rule`` that passes every check below.

    A variant is refused when it holds letters or spellings Russian lacks (і ї є ґ ў ӳ, -ськ, Belarusian ы
    and э, а for the rule's е, -жжа), has another number of words (Одесса ош), is a piece of the rule-made
    form or of another variant (Полтав, Лтава, Краматор), is one of them plus a case ending (Краматорска,
    Киеву) or with its last vowel changed (Стинку, Косара, Вишневи for Стинки, Косари, Вишнево; not
    Черновцы, Винница, Зазимье), drops an adjective's ending in a name of several words (Криви Рог), or is
    not close to the rule-made form (:data:`RUSSIAN_LIKENESS`). A variant that is the rule-made form with
    one о the Ukrainian name has too written е (Симфереполь, Федеровка) is a misspelling that bears the
    rule-made form out: that is shown (Симферополь, Федоровка).

    >>> russian_choice("Біла Церква", "Белая Церква", ["Белая Царква", "Белая Церковь"])
    'Белая Церковь'
    >>> russian_choice("Краматорськ", "Краматорск", ["Краматор", "Краматорска"])
    'Краматорск'
    """
    from rapidfuzz import fuzz

    certain = russian_fallback(name_uk, rule)
    if certain is not None:
        return certain
    if _strip_accents(rule) == _strip_accents(name_uk):
        return None  # nothing to respell (Полтава, Ужгород): the variants that differ are Belarusian (Палтава)
    ref = rule.casefold()
    words = len(name_uk.split())
    texts = [_strip_accents(v).strip() for v in variants]
    texts = [t for t in texts if _RUSSIAN_LETTERS.match(t)]
    folded = {t.casefold() for t in texts} | {ref}
    best: tuple[float, str] | None = None
    for text in texts:
        low = text.casefold()
        if _misspells_rule(name_uk, ref, low):
            return rule  # the variant bears out the rule-made form but for one misspelt vowel (Симфереполь)
        if _NOT_RUSSIAN.search(low) or len(low.split()) != words or _akanye(ref, low):
            continue
        if _changes_last_vowel(ref, low):
            continue  # a case form or not Russian (Стинку, Косара, Вишневи for Стинки, Косари, Вишнево)
        if _truncates(ref, low) or any(low == base + e for base in folded for e in _CASE_ENDINGS):
            continue
        if any(_truncates(base, low) and base[len(low) :] not in _CASE_ENDINGS for base in folded if base != ref):
            continue  # a piece of another variant, unless that one is this plus a case ending (Киев, Киеву)
        if ref[-1:] in "ая" and low[-1:] not in "аяьй" and not low.endswith("ье"):
            continue  # an -а/-я name keeps a vowel ending in Russian (Одесс is cut; Запорожье is -ье)
        pairs = zip(ref.split(), low.split()) if words > 1 else ()  # one word: Рівне is Ровно, not Ровное
        if any(_ADJECTIVE_END.search(r) and not _ADJECTIVE_END.search(t) for r, t in pairs):
            continue
        score = fuzz.ratio(ref, low)
        if score < RUSSIAN_LIKENESS and not (score >= RUSSIAN_LIKENESS_SKELETON and _skeleton(ref) == _skeleton(low)):
            continue
        if best is None or score > best[0]:
            best = (score, text)
    return best[1] if best is not None else None


def russian_from_spellings(name_uk: str, rule: str, spellings: list[str]) -> str | None:
    """The Russian name to show from GeoNames' Russian spellings that fold like the official name (which
    :func:`russian_choice` does not see: they are no name rows), where one is borne out by rule: the
    rule-made form itself, with no soft sign after a labial (Мариуполь, Мелитополь, Хмельницкий); or, where the rules change nothing, the name
    with doubled letters and a final -и/-ий written -ы/-ый, as Russian writes them (Одесса, Черкассы, Сумы,
    Стрый; not Лыман or Житомиръ). None when no spelling is so borne out.

    >>> russian_from_spellings("Одеса", "Одеса", ["Одесс", "Одесса"])
    'Одесса'
    >>> russian_from_spellings("Маріуполь", "Мариуполь", ["Мариупол", "Мариуполь"])
    'Мариуполь'
    >>> russian_from_spellings("Лиман", "Лиман", ["Лыман"]) is None
    True
    >>> russian_from_spellings("Куп’янськ", "Купьянск", ["Купьянск"]) is None  # Russian: Купянск
    True
    """
    name, ref = _strip_accents(name_uk).casefold(), _strip_accents(rule).casefold()
    ref = _LABIAL_SOFT.sub(r"\1\2", ref)  # Russian writes no soft sign after a labial: Купянск, Пятихатки
    found = []
    for spelling in spellings:
        text = _strip_accents(spelling).strip()
        low = text.casefold()
        if low == name or not _RUSSIAN_LETTERS.match(text):
            continue
        if ref != name:
            if low == ref:
                found.append(text)
        elif _RUSSIAN_ENDINGS.sub(lambda m: m.group(1) + "и" + m.group(2), _DOUBLED.sub(r"\1", low)) == _DOUBLED.sub(
            r"\1", name
        ):
            found.append(text)
    return max(found, key=lambda t: (len(t), t)) if found else None


_DOUBLED = re.compile(r"(\w)\1")
_LABIAL_SOFT = re.compile(r"([бпвмф])ь([яюеи])")
_RUSSIAN_ENDINGS = re.compile(r"(\w)ы(й?)\b")


#: The grammatical gender of each unit's word in Russian, which its adjective agrees with: область and
#: громада are feminine, район masculine (Харьковская область, Харьковский район, Харьковская громада).
UNIT_GENDER = {"oblast": "f", "raion": "m", "hromada": "f"}
_UK_ADJECTIVE_END = re.compile(r"(?:ий|ій|а|я)$")
_RU_ADJECTIVE_END = re.compile(r"(?:ий|ый|ой|ая|яя)$")
_FINAL_VOWELS = "аеёиіїоуыэюяєьй"


def _stem(word: str) -> str:
    """A name without its last vowels, soft sign or й (Одеса -> Одес, Сімферополь -> Сімферопол, Новоселівське
    -> Новоселівськ); a name ending in a consonant is its own stem (Харків, Донецьк)."""
    return word.rstrip(_FINAL_VOWELS + _FINAL_VOWELS.upper())


def russian_adjective_ending(base: str, gender: str, masculine: str = "") -> str:
    """``base`` (an adjective without its ending: Харьковск, Береговой's Берегов) with the ending of
    ``gender`` ("m" or "f"): -ая for feminine; -ий after г к х ж ш ч щ, else -ый, for masculine, or
    ``masculine`` when the source gave one (Береговой: the stress is on the ending, which no rule knows)."""
    if gender == "f":
        return base + "ая"
    if masculine:
        return base + masculine
    return base + ("ий" if base[-1:] in "гкхжшчщ" else "ый")


#: What Ukrainian adds to a settlement's stem to make its adjective (Миколаїв-ськ, Дніпр-овськ, Сімферопол-ьськ,
#: Рівн-енськ, Одес-ьк, Донецьк itself); a longer rest is another word (Південн-оміськ: Південне місто).
_UK_ADJECTIVE_SUFFIX = re.compile(r"^(?:(?:[аоеєіи][вн])?ь?[сц]?ьк)?$")


def russian_unit_from_settlement(adjective_uk: str, name_uk: str, name_ru: str, words: list) -> tuple[str, str] | None:
    """(stem, suffix) of a unit's Russian adjective (without its ending) made from the Russian name of the
    settlement it is named after: the Ukrainian adjective's suffix after the settlement's stem, respelt, on the
    Russian name's stem (Миколаївськ(а) of Миколаїв -> Николаев + ск; Дніпровськ(ий) of Дніпро -> Днепр +
    овск; Сімферопольськ(а) of Сімферополь -> Симферопол + ьск; Донецьк(а) of Донецьк -> Донецк + "";
    Олександрівськ(а) of Олександрівка, its -ка dropped as Ukrainian drops it -> Александров + ск). None where
    the adjective does not begin with the settlement's stem (Криворізька of Кривий Ріг, Запорізька of
    Запоріжжя: Russian alternates its own way), or the result is not an -ск/-цк adjective."""
    from gazetteer.build import former

    if " " in name_ru or " " in name_uk or "-" in name_uk or "-" in adjective_uk:
        return None
    base_uk = _UK_ADJECTIVE_END.sub("", adjective_uk)
    rule_base = former.russian_name(base_uk, words)  # Миколаївськ -> Николаевск
    rule_name = former.russian_name(name_uk, words)  # Миколаїв -> Николаев
    for cut in (2, 0) if name_uk.endswith("ка") and name_ru.endswith("ка") else (0,):
        stem_uk = _stem(name_uk[: len(name_uk) - cut])
        rule_stem = _stem(rule_name[: len(rule_name) - cut])
        suffix_ok = _UK_ADJECTIVE_SUFFIX.match(base_uk[len(stem_uk) :])  # not a compound: Південноміська
        if len(stem_uk) >= 3 and base_uk.startswith(stem_uk) and suffix_ok and rule_base.startswith(rule_stem):
            stem, suffix = _stem(name_ru[: len(name_ru) - cut]), rule_base[len(rule_stem) :]
            return (stem, suffix) if re.search(r"[сц]к$", stem + suffix) else None
    return None


#: Consonants Ukrainian and Russian alternate each their own way before -ськ (Запоріжжя: Запорізький,
#: Запорожский; Кременчук: Кременчуцький, Кременчугский), made alike to compare a given name with a rule-made one.
_ALTERNATING = ((re.compile(r"(?:[жз]с?)к$"), "жк"), (re.compile(r"(?:[кг]с|ц)к$"), "цк"))


def _plain(text: str) -> str:
    return text.casefold().replace("ё", "е")


def _alike(text: str) -> str:
    for pattern, repl in _ALTERNATING:
        text = pattern.sub(repl, text)
    return text


def russian_unit_given(adjective_uk: str, given: str, words: list) -> tuple[str, str] | None:
    """(base, masculine ending) of a unit's Russian adjective as the source gave it (OCHA COD-AB), where it is
    certain: Russian letters and spellings only, an adjective's ending, as many words and parts as the
    Ukrainian name, and close to the rule-made Russian form of the Ukrainian name (:data:`RUSSIAN_LIKENESS`).
    None otherwise: a former name (Красногвардейский for Курманський, Новомосковский for Самарівський), a cut
    one (Дубриничско-Малоберезнянс), one with Latin letters (Карповcкая)."""
    from rapidfuzz import fuzz

    from gazetteer.build import former

    given = _strip_accents(given).strip()
    end = _RU_ADJECTIVE_END.search(given)
    if not given or end is None or not _RUSSIAN_LETTERS.match(given) or _NOT_RUSSIAN.search(given.casefold()):
        return None
    parts = re.split(r"[\s-]+", given)
    if len(parts) != len(re.split(r"[\s-]+", adjective_uk)):
        return None
    base = given[: end.start()]
    if base[-1:].casefold() in _VOWELS:
        return None  # not an adjective: Липецкаяя
    rule = _alike(_UK_ADJECTIVE_END.sub("", former.russian_name(adjective_uk, words)).casefold())
    low = _alike(base.casefold())
    score = fuzz.ratio(rule, low)
    if score < RUSSIAN_LIKENESS and not (score >= RUSSIAN_LIKENESS_SKELETON and _skeleton(rule) == _skeleton(low)):
        return None
    masculine = end.group() if end.group() in ("ий", "ый", "ой") else ""
    return base, masculine


#: English names of oblast-level units that no settlement of theirs names by :func:`names_unit` (Volyn and
#: Zakarpattia are regions, Dnipropetrovsk and Kirovohrad the cities' former names, Zaporizhzhia and Chernivtsi
#: alternate; Kyiv the city is no member of Kyiv Oblast), as English writes them; Crimea, Kyiv and Sevastopol
#: are named without a word after them.
ENGLISH_OBLASTS = {
    "UA01": "Autonomous Republic of Crimea",
    "UA07": "Volyn",
    "UA12": "Dnipropetrovsk",
    "UA21": "Zakarpattia",
    "UA23": "Zaporizhzhia",
    "UA32": "Kyiv",
    "UA35": "Kirovohrad",
    "UA73": "Chernivtsi",
    "UA80": "Kyiv",
    "UA85": "Sevastopol",
}
#: The English word after a unit named after a settlement (Kharkiv Oblast, Kupiansk Raion, Kupiansk hromada).
_ENGLISH_WORD = {"oblast": "Oblast", "raion": "Raion", "hromada": "hromada"}
#: The categories of settlement a unit of each level may be named after: an oblast after a city, a raion
#: after a city or town, a hromada after any settlement.
_NAMESAKE_CATEGORIES = {"oblast": "KM", "raion": "KMX", "hromada": "KMXC"}
_APOSTROPHES = re.compile("[’'ʼ`]")


#: A settlement's last consonant as Ukrainian alternates it before the adjective's -ськ/-цьк (Хмільник ->
#: Хмільницький, Дрогобич -> Дрогобицький, Калуш -> Калуський, Волноваха -> Волноваський).
_ADJECTIVE_ALTERNATION = {"к": "ц", "ч": "ц", "ш": "с", "х": "с"}
#: A suffix of a unit adjective after a settlement's stem, as :data:`_UK_ADJECTIVE_SUFFIX` with -ян- too
#: (Роздільна -> Роздільнянський, Надвірна -> Надвірнянський).
_EN_ADJECTIVE_SUFFIX = re.compile(r"^(?:(?:[аоеєіия][вн])?ь?[сц]?ьк)?$")


def _adjective_stems(name: str) -> set[str]:
    """The stems a unit's Ukrainian adjective may begin with when made from settlement ``name``: the name
    without its last vowels (Харків, Одес, Рівн), a final -ка dropped (Олександрів), a final -й kept (Стрий,
    Бахчисарай; Коломия and Євпаторія as Коломий, Євпаторій), the last consonant alternated (Хмільниц, Калус),
    the last syllable's о/е written і (Мукачів, Берегів, Лозів, Золотоніс) and an е put before a final н
    after a consonant (Ромен, Дубен)."""
    stems = {_stem(name)}
    if name.endswith("ка"):
        stems.add(_stem(name[:-2]))
    if re.search(r"[аоиуеі]й$", name):
        stems.add(name)
    if re.search(r"[іи]я$", name):
        stems.add(name[:-1] + "й")
    for stem in list(stems):
        alternated = stem[:-1] + _ADJECTIVE_ALTERNATION[stem[-1]] if stem[-1:] in _ADJECTIVE_ALTERNATION else stem
        for s in {stem, alternated}:
            stems.add(s)
            stems.add(re.sub(r"[ое]([^аеєиіїоуюяь’]+)$", r"і\1", s))
            stems.add(re.sub(r"([^аеєиіїоуюяь’])н$", r"\1ен", s))
    return {s for s in stems if len(s) >= 3}


def names_unit(adjective_uk: str, name_uk: str) -> bool:
    """Whether a unit's Ukrainian adjective is made from this settlement's name: one of its stems
    (:func:`_adjective_stems`) and one of the suffixes Ukrainian adds (:data:`_EN_ADJECTIVE_SUFFIX`): Харківська
    of Харків, Куп'янський of Куп'янськ, Рівненська of Рівне, Олександрівська of Олександрівка,
    Мукачівський of Мукачево, Хмільницький of Хмільник, Білгород-Дністровський of Білгород-Дністровський; not
    Криворізька of Кривий Ріг, Запорізька of Запоріжжя, Білоцерківський of Біла Церква (no rule says so
    reliably).

    >>> names_unit("Харківська", "Харків"), names_unit("Куп’янський", "Куп'янськ"), names_unit("Запорізька", "Запоріжжя")
    (True, True, False)
    """
    base = _APOSTROPHES.sub("’", _UK_ADJECTIVE_END.sub("", adjective_uk))
    name = _APOSTROPHES.sub("’", name_uk)
    return any(base.startswith(s) and _EN_ADJECTIVE_SUFFIX.match(base[len(s) :]) for s in _adjective_stems(name))


#: The languages records are written in.
LANGUAGES = ("uk", "en", "ru")


def pick_language(raw: str, default: str = "uk") -> str:
    """An Accept-Language value ("ru-RU,ru;q=0.9,en;q=0.8", "ua", "en-GB") -> "uk", "en" or "ru": the
    most wanted of them by weight, then by order; ``default`` when none of them is served."""
    tags = []
    for i, part in enumerate(str(raw).split(",")):
        tag, _, q = part.strip().partition(";")
        try:
            weight = float(q.strip()[2:]) if q.strip().startswith("q=") else 1.0
        except ValueError:
            weight = 0.0
        tags.append((-weight, i, tag.strip().lower().split("-")[0]))
    for _, _, tag in sorted(tags):
        tag = "uk" if tag == "ua" else tag
        if tag in LANGUAGES:
            return tag
    return default


# -- viewbox ------------------------------------------------------------------------------------------
def _inside(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    west, south, east, north = box
    return west <= lon <= east and south <= lat <= north


def _labels(matches: tuple[Match, ...] | list[Match]) -> str:
    """The first few candidates as the resolver's reasons name them ("Новоселівка (Kramatorskyi raion, ...)")."""
    more = len(matches) - REASON_NAMES
    names = "; ".join(m.settlement.long_label for m in matches[:REASON_NAMES])
    return names + (f"; and {more} more" if more > 0 else "")


def within_viewbox(res: Resolution, box: tuple[float, float, float, float], bounded: bool) -> Resolution:
    """Nominatim's viewbox on one answer, over all its candidates (ask the resolver for all of them: a box
    applied to the first few would miss the rest): ``bounded`` keeps only the candidates inside the box (none:
    not found; one of an ambiguous name's: resolved to it; the best match outside it: not found, with the
    weaker candidates inside it); otherwise candidates inside it go first among equal scores, and the answer
    is the same. The reason then describes the answer given: how many candidates are inside the box, and the
    first of them ("5 of the 78 candidates are inside the viewbox (bounded=1): Новоселівка (...); ...")."""
    cands = res.candidates
    inside = [m for m in cands if _inside(box, m.settlement.lat, m.settlement.lon)]
    if not bounded:
        ordered = sorted(cands, key=lambda m: (-m.score, not _inside(box, m.settlement.lat, m.settlement.lon)))
        if res.status != "ambiguous" or len(cands) < 2:
            return replace(res, candidates=tuple(ordered))
        if inside:
            reason = f"{len(cands)} candidates fit equally, {len(inside)} of them inside the viewbox, listed first: "
            reason += _labels(inside)
        else:
            reason = f"{len(cands)} candidates fit equally, none inside the viewbox: {_labels(ordered)}"
        return replace(res, candidates=tuple(ordered), reason=reason)
    kept = tuple(inside)
    if not kept:
        reason = f"none of the {len(cands)} candidates is inside the viewbox (bounded=1)" if cands else res.reason
        return Resolution(res.query, "not_found", reason)
    if res.match is not None and res.match in kept:
        if len(kept) < len(cands):
            reason = f"{res.reason}; {len(kept)} of the {len(cands)} candidates inside the viewbox (bounded=1)"
            return replace(res, candidates=kept, reason=reason)
        return res
    if res.match is not None:
        # Namesakes as well matched as the best (Полтава the village beside Полтава the city) are what a search
        # restricted to the box finds: the one inside is the answer, several are ambiguous among them.
        equal = tuple(m for m in kept if m.score >= res.match.score - PEER_MARGIN)
        if len(equal) == 1:
            reason = f"the best match, {res.match.settlement.long_label}, is outside the viewbox (bounded=1): its "
            return Resolution(res.query, "resolved", reason + "namesake inside it", equal[0], kept)
        if equal:
            reason = f"{len(equal)} equally good candidates inside the viewbox (bounded=1): {_labels(equal)}"
            return Resolution(res.query, "ambiguous", reason, None, equal)
        best = res.match.settlement.long_label
        reason = (
            f"the best match, {best}, is outside the viewbox (bounded=1); {len(kept)} weaker candidates inside it: "
        )
        return Resolution(res.query, "not_found", reason + _labels(kept), None, kept)
    if res.status == "ambiguous" and len(kept) == 1:
        reason = f"the only one of the {len(cands)} candidates inside the viewbox (bounded=1)"
        return Resolution(res.query, "resolved", reason, kept[0], kept)
    reason = f"{len(kept)} of the {len(cands)} candidates are inside the viewbox (bounded=1): {_labels(kept)}"
    return replace(res, candidates=kept, reason=reason)


def match_extension(res: Resolution, m: Match, rank: int) -> dict[str, Any]:
    """What a candidate's ``gazetteer`` object says of the answer: ``status`` (the answer's, or "candidate" for
    a resolved name's other candidates), ``reason``, ``match``, ``matched``, ``score``, ``rank`` (1 = best) and
    ``candidates`` (the KATOTTG ids of all candidates, best first)."""
    return {
        "status": res.status if res.status != "resolved" or m is res.match else "candidate",
        "reason": res.reason,
        "match": m.match,
        "matched": m.matched,
        "score": round(m.score, 4),
        "rank": rank,
        "candidates": [c.settlement.id for c in res.candidates],
    }


#: The order in which a unit's member settlements are tried as the one it is named after: cities first.
_CATEGORY_RANK = {"K": 0, "M": 1, "X": 2, "C": 3}


class Places:
    """Settlements and units of one extract as Nominatim records, in uk, en or ru."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        ex = resolver.extract
        self.extract = ex
        self.licence = f"Data: codifier KATOTTG, GeoNames (CC BY 4.0), OCHA COD-AB; extract built {ex.manifest.get('built_at', '?')}"

    #: The tables built on first use, slowest first (:meth:`warm`).
    _LAZY = ("russian", "russian_units", "english_units", "_unit_members")

    def warm(self) -> None:
        """Build every table that is otherwise built on first use (about 2 s: the Russian names of all
        settlements and units), so that no request waits for one."""
        for name in self._LAZY:
            getattr(self, name)

    @cached_property
    def russian(self) -> dict[str, str]:
        """KATOTTG id -> the Russian name to show (:func:`russian_choice`); a settlement without one shows its
        Ukrainian name, as Nominatim shows the local name where it has no name in the language asked for.

        The GeoNames dump labels no alternate name with its language, so the variants called Russian also
        hold Belarusian, Chuvash or Crimean Tatar forms (Кейӳ, Адэса, Акъяр): taking the first one
        showed them."""
        from gazetteer.build import former

        words = self._russian_words
        ex = self.extract
        variants: dict[int, list[str]] = {}
        for sidx, text, kind in zip(ex.name_settlement, ex.name_text, ex.name_kind, strict=True):
            if kind == "russian":
                variants.setdefault(sidx, []).append(text)
        # Spellings that fold like the official name (Одесса, Мариуполь) are no name rows; the extract keeps them.
        shadowed = ex.russian_spellings()
        out = {}
        for sidx, s in enumerate(ex.settlements):
            found, spellings = variants.get(sidx), shadowed.get(s.id)
            if found is None and spellings is None and not s.name_uk.endswith("ьк"):
                continue  # nothing to choose from and no certain rule-made form
            rule = former.russian_name(s.name_uk, words)
            name = russian_choice(s.name_uk, rule, found or [])
            if name is None and spellings:
                name = russian_from_spellings(s.name_uk, rule, spellings)
            if name is not None:
                out[s.id] = name
        return out

    @cached_property
    def _russian_words(self) -> list[tuple[str, str, str]]:
        """The build's table of words Russian translates in names (Дніпр- -> Днепр-, Жовтнев- -> Октябрьск-)."""
        import csv

        from gazetteer.build import former

        with open(former.Path(former.__file__).parent / "sources" / "russian_name_words.csv", encoding="utf-8") as fh:
            return former.read_word_table(csv.DictReader(fh))

    @cached_property
    def russian_units(self) -> dict[str, str]:
        """Unit id -> its Russian adjective, agreeing with the unit's word (:data:`UNIT_GENDER`: Харьковская
        область, Харьковский район, Харьковская громада); a unit without one is named wholly in Ukrainian
        (Куп'янська громада), never a Ukrainian adjective with a Russian ending or the other way round.

        Made, in this order, from (1) the Russian name shown for the settlement the unit is named after, in the
        unit (:func:`russian_unit_from_settlement`: Миколаїв shown as Николаев -> Николаевская громада; Дніпро
        as Днепр -> Днепровский район, where the source wrote Днипровский), so that a city and its units
        agree; (2) the source's Russian name (OCHA COD-AB, ``units.tsv`` ``name_ru``) where it passes
        :func:`russian_unit_given`, given the gender of the unit's word (the source writes some hromadas in the
        masculine: Симферопольский громада). Crimea, Kyiv and Sevastopol, not adjectives, keep the source's."""
        ex = self.extract
        words = self._russian_words
        shown = self.russian
        members, rank = self._unit_members, _CATEGORY_RANK
        out: dict[str, str] = {}
        for uid, u in ex.units.items():
            if uid.startswith(("UA01", "UA80", "UA85")) and u.level == "oblast":
                if u.name_ru and _RUSSIAN_LETTERS.match(u.name_ru):
                    out[uid] = u.name_ru
                continue
            gender = UNIT_GENDER.get(u.level)
            if gender is None or not _UK_ADJECTIVE_END.search(u.name_uk):
                continue
            made = None
            for s in sorted(members.get(uid, ()), key=lambda s: (rank.get(s.category, 4), -(s.population or 0))):
                if s.id in shown:
                    made = russian_unit_from_settlement(u.name_uk, s.name_uk, shown[s.id], words)
                    if made is not None:
                        break
            given = russian_unit_given(u.name_uk, u.name_ru, words) if u.name_ru else None
            if given is not None and (made is None or _plain(given[0]).startswith(_plain(made[0]))):
                # the source's form, where it bears the settlement's Russian name (Евпаторийский of Евпатория:
                # no rule knows -ия -> -ийский)
                out[uid] = russian_adjective_ending(given[0], gender, given[1])
            elif made is not None:
                out[uid] = russian_adjective_ending(made[0] + made[1], gender)
        # A unit named as another of its oblast (Криворізька громада, Криворізький район) takes that one's
        # Russian adjective, in its own gender, when it has none of its own.
        bases: dict[tuple[str, str], str] = {}
        for uid, name in out.items():
            u = ex.units[uid]
            if u.level in UNIT_GENDER and _UK_ADJECTIVE_END.search(u.name_uk):
                bases.setdefault((uid[:4], _UK_ADJECTIVE_END.sub("", u.name_uk)), _RU_ADJECTIVE_END.sub("", name))
        for uid, u in ex.units.items():
            key = (uid[:4], _UK_ADJECTIVE_END.sub("", u.name_uk))
            if uid not in out and u.level in UNIT_GENDER and key in bases and not uid.startswith(("UA80", "UA85")):
                out[uid] = russian_adjective_ending(bases[key], UNIT_GENDER[u.level])
        return out

    @cached_property
    def _unit_members(self) -> dict[str, list[Settlement]]:
        """Unit id (oblast, raion, hromada) -> the settlements in it, in extract order."""
        members: dict[str, list[Settlement]] = {}
        for s in self.extract.settlements:
            for uid in {s.oblast_id, s.raion_id, s.hromada_id}:
                members.setdefault(uid, []).append(s)
        return members

    @cached_property
    def english_units(self) -> dict[str, str]:
        """Unit id -> the English name it goes by, as OSM and most English writers name units: after the
        settlement it is named after (Kharkivska -> Kharkiv, for "Kharkiv Oblast"; Kupianskyi -> Kupiansk, for
        "Kupiansk Raion"; Kupianska hromada -> Kupiansk, for "Kupiansk hromada"), found as
        :attr:`russian_units` finds it: a city (an oblast), city or town (a raion) or any settlement (a hromada)
        of the unit whose name the unit's Ukrainian adjective is made from (:func:`names_unit`), cities first,
        then the most populous; the fixed names of :data:`ENGLISH_OBLASTS` for the oblasts no such settlement
        names (Volyn, Zakarpattia, Dnipropetrovsk ...) and Crimea, Kyiv, Sevastopol; a unit named as another
        of its oblast (Запорізький район, Чернівецький район) as that one. A unit not in the table keeps its
        official romanization (Kryvorizkyi raion). Only for addresses and display names: the Settlement fields
        and the batch gaz_* columns keep the official romanization."""
        ex = self.extract
        members, rank = self._unit_members, _CATEGORY_RANK
        out: dict[str, str] = {}
        for uid, u in ex.units.items():
            if u.level == "oblast" and uid[:4] in ENGLISH_OBLASTS:
                out[uid] = ENGLISH_OBLASTS[uid[:4]]
                continue
            kinds = _NAMESAKE_CATEGORIES.get(u.level, "")
            if not kinds or not _UK_ADJECTIVE_END.search(u.name_uk):
                continue
            head = u.name_uk[:1]  # a cheap first test: the adjective begins as the name
            near = [s for s in members.get(uid, ()) if s.category in kinds and s.name_en and s.name_uk[:1] == head]
            for s in sorted(near, key=lambda s: (rank.get(s.category, 4), -(s.population or 0))):
                if names_unit(u.name_uk, s.name_uk):
                    out[uid] = s.name_en
                    break
        bases: dict[tuple[str, str], str] = {}
        for uid, name in out.items():
            u = ex.units[uid]
            if not uid.startswith(("UA01", "UA80", "UA85")) and _UK_ADJECTIVE_END.search(u.name_uk):
                bases.setdefault((uid[:4], _UK_ADJECTIVE_END.sub("", u.name_uk)), name)
        for uid, u in ex.units.items():
            key = (uid[:4], _UK_ADJECTIVE_END.sub("", u.name_uk))
            if uid not in out and u.level in _ENGLISH_WORD and key in bases and not uid.startswith(("UA80", "UA85")):
                out[uid] = bases[key]
        return out

    def name(self, s: Settlement, lang: str) -> str:
        if lang == "en":
            return s.name_en or s.name_uk
        if lang == "ru":
            return self.russian.get(s.id, s.name_uk)
        return s.name_uk

    def unit_name(self, unit_id: str, lang: str) -> str:
        u = self.extract.units.get(unit_id)
        if u is None:
            return ""
        if lang == "ru":
            return self.russian_units.get(unit_id, u.name_uk)
        if lang == "en":
            return self.english_units.get(unit_id) or u.name_en or u.name_uk
        return u.name_uk

    def unit_phrase(self, unit_id: str, lang: str) -> str:
        """ "Харківська область", "Kupiansk Raion" (:attr:`english_units`; else "Kryvorizkyi raion"), "Куп'янська
        громада"; Kyiv and Sevastopol bare, Crimea "Автономна Республіка Крим", "Autonomous Republic of Crimea"."""
        u = self.extract.units.get(unit_id)
        if u is None:
            return ""
        name = self.unit_name(unit_id, lang)
        if u.level == "oblast" and unit_id.startswith(("UA80", "UA85", "UA01")):
            return name  # Kyiv, Sevastopol (cities) and Crimea (autonomous republic) are named as they are
        if lang == "en" and unit_id in self.english_units and u.level in _ENGLISH_WORD:
            return f"{name} {_ENGLISH_WORD[u.level]}"
        if u.level == "oblast":
            return f"{name} {_OBLAST_WORD[lang]}"
        word = {"raion": _RAION_WORD, "hromada": _HROMADA_WORD}.get(u.level, {}).get(lang, "")
        return f"{name} {word}".strip()

    def address(self, s: Settlement, lang: str) -> dict[str, str]:
        out = {ADDRESSTYPE.get(s.category, "village"): self.name(s, lang)}
        hromada, raion = self.unit_phrase(s.hromada_id, lang), self.unit_phrase(s.raion_id, lang)
        if hromada and s.hromada_id != s.oblast_id:
            out["municipality"] = hromada
        if raion and s.raion_id != s.oblast_id:
            out["district"] = raion
        state = self.unit_phrase(s.oblast_id, lang)
        if state and not s.oblast_id.startswith(("UA80", "UA85")):
            out["state"] = state
        out["country"] = _COUNTRY[lang]
        out["country_code"] = "ua"
        return out

    def display_name_of(self, s: Settlement, lang: str = "uk") -> str:
        """ "Куп’янськ, Куп’янська громада, Куп’янський район, Харківська область, Україна"."""
        return self.display_name(self.address(s, lang))

    def display_name(self, address: dict[str, str]) -> str:
        parts: list[str] = []
        for value in address.values():
            if value and value not in parts and value != "ua":
                parts.append(value)
        return ", ".join(parts)

    def record(
        self,
        s: Settlement,
        lang: str,
        fmt: str,
        details: bool,
        extension: dict[str, Any],
    ) -> dict[str, Any]:
        """One settlement as a Nominatim json/jsonv2 record with the ``gazetteer`` extension object."""
        address = self.address(s, lang)
        half = _BOX_PRECISION.get(s.coord_precision, _BOX_CATEGORY.get(s.category, 0.01))
        kind = ADDRESSTYPE.get(s.category, "village")
        rec: dict[str, Any] = {
            "place_id": place_id(s.id),
            "licence": self.licence,
            "lat": f"{s.lat:.7f}",
            "lon": f"{s.lon:.7f}",
            category_key(fmt): "place",
            "type": kind,
            "place_rank": PLACE_RANK.get(s.category, 19),
            "importance": self.importance(s),
            "addresstype": kind,
            "name": self.name(s, lang),
            "display_name": self.display_name(address),
        }
        if details:
            rec["address"] = address
        rec["boundingbox"] = [
            f"{s.lat - half:.7f}",
            f"{s.lat + half:.7f}",
            f"{s.lon - half:.7f}",
            f"{s.lon + half:.7f}",
        ]
        rec["gazetteer"] = self.extension(s, extension)
        return rec

    def importance(self, s: Settlement) -> float:
        """A settlement's Nominatim ``importance``: how prominent it is, the same in every answer whatever was
        asked (how well a query matched it is ``gazetteer.score``), so that a client sorting or filtering by it
        puts bigger places first, as Nominatim's (from Wikipedia) does. It is the resolver's prior, the KATOTTG
        category then the population on a log scale (:func:`gazetteer.rank.category_prior` +
        :func:`gazetteer.rank.population_prior`), with the population the resolver assumes where the extract
        has none (:func:`gazetteer.rank.expected_population`: by category, hromada centre or not), over
        :data:`IMPORTANCE_SCALE`: Kyiv 0.99, Kharkiv 0.71, a town of 10,000 0.38, a village of 500 0.07. Any
        city is above any town, any town above any village."""
        return importance(category_prior(s.category) + population_prior(round(expected_population(s))))

    def unit_importance(self, u: Unit) -> float:
        """An oblast's, raion's or hromada's ``importance``, as a settlement's (:meth:`importance`): the prior of
        a settlement of :data:`UNIT_IMPORTANCE_CATEGORY` (an oblast as Kyiv, a raion as a city, a hromada as a
        town) with the population of its settlements together."""
        people = sum(expected_population(s) for s in self._unit_members.get(u.id, ()))
        weight = category_prior(UNIT_IMPORTANCE_CATEGORY.get(u.level, "C"))
        return importance(weight + population_prior(round(people)))

    def extension(self, s: Settlement, extension: dict[str, Any]) -> dict[str, Any]:
        """A settlement record's ``gazetteer`` object: its KATOTTG id, category, coordinate precision, unit ids,
        GeoNames id and population, then ``extension`` (:func:`match_extension`, or a reverse answer's status
        and distance). The service's records and the offline geopy face's ``raw`` carry the same one."""
        return {
            "katottg": s.id,
            "category": s.category,
            "coord_precision": s.coord_precision,
            "oblast_id": s.oblast_id,
            "raion_id": s.raion_id,
            "hromada_id": s.hromada_id,
            "geonameid": s.geonameid,
            "population": s.population,
            **extension,
        }

    def region_records(self, res: Resolution, lang: str, fmt: str, details: bool) -> list[dict[str, Any]]:
        """The records of the oblasts a query names instead of a settlement (``res.region``), by id, each with
        gazetteer status ``oblast`` and the resolution's reason."""
        units = self.extract.units
        extension = {"status": "oblast", "reason": res.reason}
        return [
            self.unit_record(units[u], lang, fmt, details, dict(extension)) for u in sorted(res.region) if u in units
        ]

    def unit_record(self, u: Unit, lang: str, fmt: str, details: bool, extension: dict[str, Any]) -> dict[str, Any]:
        """An oblast, raion or hromada as a Nominatim record (reverse at a coarse zoom, lookup by its id).
        ``name`` is its name with its word, as ``display_name`` and ``address`` have it ("Харківська область",
        "Kupiansk Raion"; Crimea "Автономна Республіка Крим", Kyiv and Sevastopol as they are)."""
        # the keys of a settlement's address (Nominatim's for Ukraine: a raion is a district), so that /reverse at
        # zoom 8-9 and /search name a raion alike (the raion record said "county")
        kind = "state" if u.level == "oblast" else "district" if u.level == "raion" else "municipality"
        phrase = self.unit_phrase(u.id, lang)
        address = {kind: phrase}
        if u.level != "oblast":
            parent = self.extract.units.get(u.parent_id)
            while parent is not None and parent.level != "oblast":
                parent = self.extract.units.get(parent.parent_id)
            if parent is not None:
                address["state"] = self.unit_phrase(parent.id, lang)
        address.update(country=_COUNTRY[lang], country_code="ua")
        half = 1.5 if u.level == "oblast" else 0.4
        lat, lon = u.lat or 0.0, u.lon or 0.0
        rec: dict[str, Any] = {
            "place_id": unit_place_id(u.id),
            "licence": self.licence,
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            category_key(fmt): "boundary",
            "type": "administrative",
            "place_rank": 8 if u.level == "oblast" else 12,
            "importance": self.unit_importance(u),
            "addresstype": kind,
            "name": phrase,
            "display_name": self.display_name(address),
        }
        if details:
            rec["address"] = address
        rec["boundingbox"] = [f"{lat - half:.7f}", f"{lat + half:.7f}", f"{lon - half:.7f}", f"{lon + half:.7f}"]
        rec["gazetteer"] = {"katottg": u.id, "level": u.level, "coord_precision": f"{u.level}_centroid", **extension}
        return rec

    def country_record(self, lang: str, fmt: str, details: bool) -> dict[str, Any]:
        address = {"country": _COUNTRY[lang], "country_code": "ua"}
        rec: dict[str, Any] = {
            "place_id": 0,
            "licence": self.licence,
            "lat": "48.3794330",
            "lon": "31.1655800",
            category_key(fmt): "boundary",
            "type": "administrative",
            "place_rank": 4,
            "importance": 1.0,  # the country, above any of its places
            "addresstype": "country",
            "name": _COUNTRY[lang],
            "display_name": _COUNTRY[lang],
        }
        if details:
            rec["address"] = address
        rec["boundingbox"] = ["44.1", "52.4", "22.1", "40.2"]
        rec["gazetteer"] = {"level": "country", "coord_precision": "country"}
        return rec


# -- output formats ----------------------------------------------------------------------------------
def _feature(rec: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in rec.items() if k not in ("lat", "lon", "boundingbox", "licence")}
    s, n, w, e = (float(x) for x in rec["boundingbox"])
    return {
        "type": "Feature",
        "properties": props,
        "bbox": [w, s, e, n],
        "geometry": {"type": "Point", "coordinates": [float(rec["lon"]), float(rec["lat"])]},
    }


def _geocodejson_feature(rec: dict[str, Any]) -> dict[str, Any]:
    address = rec.get("address", {})
    geocoding: dict[str, Any] = {
        "place_id": rec["place_id"],
        "osm_key": rec.get("category", rec.get("class")),
        "osm_value": rec["type"],
        "type": rec["addresstype"],
        "label": rec["display_name"],
        "name": rec["name"],
        "country_code": "ua",
    }
    for key in ("city", "town", "village"):
        if key in address:
            geocoding["city"] = address[key]
    for key, target in (
        ("municipality", "locality"),
        ("district", "county"),
        ("state", "state"),
        ("country", "country"),
    ):
        if key in address:
            geocoding[target] = address[key]
    geocoding["gazetteer"] = rec["gazetteer"]
    feat = _feature(rec)
    feat["properties"] = {"geocoding": geocoding}
    return feat


def render(records: list[dict[str, Any]], fmt: str, licence: str, query: str = "") -> Any:
    """A list of records made for ``fmt`` in that format: the list itself (json, jsonv2), or a FeatureCollection
    with Nominatim's keys: ``geojson`` properties are the record's fields but ``lat``, ``lon``, ``boundingbox``
    and ``licence`` (the geometry, ``bbox`` and the collection's licence), the category as ``category``;
    ``geocodejson`` has ``geocoding`` properties (``place_id``, ``osm_key``, ``osm_value``, ``type``, ``label``,
    ``name``, the address parts)."""
    if fmt in ("json", "jsonv2"):
        return records
    if fmt == "geojson":
        return {"type": "FeatureCollection", "licence": licence, "features": [_feature(r) for r in records]}
    return {
        "type": "FeatureCollection",
        "geocoding": {"version": "0.1.0", "attribution": licence, "licence": licence, "query": query},
        "features": [_geocodejson_feature(r) for r in records],
    }


# -- format=xml --------------------------------------------------------------------------------------
#: Characters XML 1.0 cannot hold, even escaped (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Record keys that are attributes of a ``<place>`` (search, lookup) or ``<result>`` (reverse), in Nominatim's order.
_XML_ATTRIBUTES = ("place_id", "place_rank", "boundingbox", "lat", "lon", "display_name", "class", "type", "importance")


def _xml_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return _NOT_XML.sub("", str(value))


def _xml_attributes(rec: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    rec = {**rec, "class": rec.get("class", rec.get("category"))}
    return {k: _xml_text(rec[k]) for k in keys if rec.get(k) is not None}


def _xml_extras(parent: Any, rec: dict[str, Any], address_tag: str | None) -> None:
    """The address parts (as child elements, or inside ``address_tag``) and the ``gazetteer`` extension (its
    fields as attributes of one ``<gazetteer/>`` element; a list comma-separated)."""
    from xml.etree import ElementTree as ET

    address = rec.get("address")
    if address:
        holder = ET.SubElement(parent, address_tag) if address_tag else parent
        for key, value in address.items():
            ET.SubElement(holder, key).text = _xml_text(value)
    ext = rec.get("gazetteer")
    if ext:
        ET.SubElement(parent, "gazetteer", {k: _xml_text(v) for k, v in ext.items() if v is not None})


def _xml_document(root: Any) -> str:
    from xml.etree import ElementTree as ET

    return '<?xml version="1.0" encoding="UTF-8" ?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _xml_root(tag: str, licence: str, query: str) -> Any:
    import time
    from xml.etree import ElementTree as ET

    stamp = time.strftime("%a, %d %b %y %H:%M:%S +0000", time.gmtime())
    return ET.Element(tag, {"timestamp": stamp, "attribution": _xml_text(licence), "querystring": _xml_text(query)})


def render_xml(records: list[dict[str, Any]], licence: str, query: str = "", root: str = "searchresults") -> str:
    """Records (json records, with ``class``) as Nominatim's ``format=xml`` for /search (``root`` =
    "searchresults") or /lookup ("lookupresults"): ``<place place_id=.. lat=.. lon=.. display_name=.. class=..
    type=.. importance=..>`` with the address parts as child elements (``addressdetails=1``) and a
    ``<gazetteer katottg=.. status=.. .../>`` element. Escaped by ElementTree; characters XML cannot hold are
    dropped.

    >>> text = render_xml([{"place_id": 1, "lat": "50.1", "lon": "30.2", "display_name": "A & B", "class": "place",
    ...                     "type": "city", "address": {"city": "A"}}], "L", "a<b")
    >>> print(text[text.index("<place"):].strip())
    <place place_id="1" lat="50.1" lon="30.2" display_name="A &amp; B" class="place" type="city"><city>A</city></place></searchresults>
    """
    from xml.etree import ElementTree as ET

    top = _xml_root(root, licence, query)
    for rec in records:
        place = ET.SubElement(top, "place", _xml_attributes(rec, _XML_ATTRIBUTES))
        _xml_extras(place, rec, None)
    return _xml_document(top)


def render_reverse_xml(rec: dict[str, Any] | None, licence: str, query: str = "") -> str:
    """A /reverse record as Nominatim's ``format=xml``: ``<reversegeocode><result place_id=.. lat=.. lon=..>display
    name</result><addressparts>...</addressparts></reversegeocode>``; None -> ``<error>Unable to geocode</error>``
    inside it, as Nominatim answers a point where nothing is."""
    from xml.etree import ElementTree as ET

    top = _xml_root("reversegeocode", licence, query)
    if rec is None:
        ET.SubElement(top, "error").text = "Unable to geocode"
        return _xml_document(top)
    keys = tuple(k for k in _XML_ATTRIBUTES if k != "display_name") + ("addresstype",)
    ET.SubElement(top, "result", _xml_attributes(rec, keys)).text = _xml_text(rec["display_name"])
    _xml_extras(top, rec, "addressparts")
    return _xml_document(top)


def render_xml_error(code: int, message: str) -> str:
    """Nominatim's error in ``format=xml``: ``<error><code>400</code><message>...</message></error>``."""
    from xml.etree import ElementTree as ET

    top = ET.Element("error")
    ET.SubElement(top, "code").text = str(code)
    ET.SubElement(top, "message").text = _xml_text(message)
    return _xml_document(top)
