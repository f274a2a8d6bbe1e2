"""Find the Ukrainian settlements and oblasts named in free text (Ukrainian, Russian or English).

>>> from gazetteer.text import find_places
>>> found = find_places("Під Бахмутом і в Куп'янську на Харківщині тривають бої.")
>>> [(m.text, m.kind) for m in found]
[('Бахмутом', 'settlement'), ("Куп'янську", 'settlement'), ('Харківщині', 'oblast')]
>>> [m.match.name for m in found if m.match] + [m.oblast.name_uk for m in found if m.oblast]
['Бахмут', 'Куп’янськ', 'Харківська']

How it works:

1. Once per extract, every settlement name is expanded into its case forms with pymorphy3 (Ukrainian and
   Russian paradigms: Куп'янськ -> Куп'янську, Куп'янськом ...), every oblast into its region phrases
   (Харківської області, Харьковская область, Kharkiv region, Харківщині ...). The folded keys of all
   forms go into one Aho-Corasick automaton.
2. The text is tokenized, each token folded with :func:`~gazetteer.normalize.fold_key`, and the folded
   token stream is scanned in one pass; hits map back to character offsets and always cover whole words.
3. Filters drop what is not a place: lower-case words, common words and people (``not_places``,
   pymorphy's name tags), foreign places, rivers, districts, capitalised-phrase neighbours. A weak
   candidate survives with support: a type word before it (село, village of) or a listed neighbour place.
4. Capitalised Cyrillic words no form matched (Russian forms of village names such as Кондрашовку) are
   lemmatized and looked up by consonant skeleton.
5. Homonyms are resolved for the whole document: oblasts mentioned (nearest in the sentence first), the
   oblasts of unambiguous places and the distance to them pull each ambiguous name to one settlement.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import ahocorasick
import pymorphy3
from rapidfuzz import fuzz

from gazetteer.geodesy import haversine_km
from gazetteer.index import NameIndex
from gazetteer.model import Match, Mention, Settlement, Unit
from gazetteer.normalize import fold_key
from gazetteer.resolve import KIND_SCORE, Resolver, default_resolver
from gazetteer.store import cache_dir

__all__ = ["find_places", "mentions_to_geojson"]

LANGS = ("uk", "ru", "en")
#: Bump when the way name forms are generated changes: the cached tables are then rebuilt.
FORMS_VERSION = 4

# Words: letters with inner apostrophes (Куп'янськ, Kup'yans'k). Hyphens separate words.
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_JOIN_GAP = re.compile(r"[ \t\u00a0]*(?:[-‐‑][ \t\u00a0]*)?")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)]*\s+|\n\s*\n|\n(?=\s*[-•*])")
_CONNECTOR_GAP = re.compile(r"^[\s,;:()\-–—]*$")
_POSSESSIVE = re.compile(r"['’]s$")

#: Tokens (folded) that join places in a list: "X, Y and Z", "X та Y".
_CONNECTORS = {fold_key(w) for w in ["and", "&", "і", "й", "та", "и", "або", "or"]}
#: Prepositions allowed between a place and the place that supports it ("Лиман на Донеччині").
_LINK_PREPS = {
    fold_key(w) for w in ["на", "в", "у", "во", "in", "of", "near", "під", "под", "біля", "около", "поблизу", "у"]
}
#: Settlement-type words before a name: they make even a common word a place ("село Перемога").
_TYPE_WORDS = {
    fold_key(w)
    for w in [
        "село",
        "села",
        "селі",
        "селом",
        "селище",
        "селища",
        "селищі",
        "смт",
        "місто",
        "міста",
        "місті",
        "містечко",
        "хутір",
        "город",
        "города",
        "городе",
        "поселок",
        "поселка",
        "поселке",
        "посёлок",
        "деревня",
        "деревни",
        "пгт",
        "village",
        "villages",
        "town",
        "towns",
        "city",
        "settlement",
        "с",
        "м",
        "сел",
        "пос",
    ]
}
#: Words after a name that make it a district, raion, community or body of water, not the settlement.
_UNIT_AFTER = {
    fold_key(w)
    for w in [
        "district",
        "districts",
        "raion",
        "rayon",
        "hromada",
        "community",
        "microdistrict",
        "район",
        "району",
        "районі",
        "районе",
        "районом",
        "районах",
        "громада",
        "громади",
        "громаді",
        "громаду",
        "громадою",
        "мікрорайон",
        "мікрорайону",
        "микрорайон",
        "микрорайоне",
        "river",
        "річка",
        "річки",
        "річці",
        "река",
        "реки",
        "реке",
        "reservoir",
        "водосховище",
        "водохранилище",
    ]
}
_RIVER_BEFORE = {
    fold_key(w)
    for w in [
        "берег",
        "берега",
        "березі",
        "берегу",
        "берегом",
        "лівобережжі",
        "правобережжя",
        "лівобережжя",
        "правобережжі",
        "левобережье",
        "правобережье",
        "води",
        "воды",
        "вода",
        "греблі",
        "плотины",
        "river",
        "bank",
        "banks",
    ]
}
#: Oblast-level administration abbreviations after an oblast adjective: "Харківської ОВА".
_ADMIN_AFTER = {fold_key(w) for w in ["ова", "ода", "ова", "вца", "ога", "облрада", "облради"]}
#: Words after "X, Y and Z ..." that turn centre names into oblasts ("Zhytomyr and Vinnytsia regions").
_REGIONS_AFTER = {fold_key(w) for w in ["regions", "oblasts", "областях", "областей", "области", "областях"]}
_DIRECTION_AFTER = {fold_key(w) for w in ["напрямку", "напрямі", "напрямок", "направлении", "направление"]}
#: Area words for oblast phrases (Ukrainian, Russian, English); "обл." folds to "obl".
_AREA_UK = ("область", "області", "областю", "обл")
_AREA_RU = ("область", "области", "областью", "обл")
_AREA_EN = ("oblast", "region", "province")
_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_ADJ = {"ADJF", "PRTF"}
_PERSON_TAGS = {"Name", "Surn", "Patr"}
_NA = {fold_key("на")}
#: Prepositions that usually come before a place name in Ukrainian and Russian.
_PREPOSITIONS = {
    fold_key(w)
    for w in [
        "у",
        "в",
        "во",
        "на",
        "під",
        "под",
        "біля",
        "около",
        "поблизу",
        "з",
        "із",
        "зі",
        "с",
        "со",
        "до",
        "від",
        "от",
        "через",
        "за",
        "між",
        "между",
        "під",
        "навколо",
        "вокруг",
        "коло",
        "неподалік",
        "недалеко",
    ]
}
_THE = "the"
_CATEGORY_PRIOR = {"K": 3, "M": 2, "X": 1, "C": 0}
_KYIV_SEVASTOPOL = ("UA80", "UA85")


# -- tables built once per extract -------------------------------------------------------------------
@dataclass(slots=True)
class _Tables:
    resolver: Resolver
    automaton: Any
    groups: list[tuple]
    centre_of: dict[int, str]  # settlement index of an oblast centre -> oblast id
    oblast_units: dict[str, Unit]
    uk: Any
    ru: Any
    parse_cache: dict[tuple[str, str], tuple] = field(default_factory=dict)


_TABLES: dict[int, _Tables] = {}
_TABLES_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _analyzer(lang: str) -> Any:
    return pymorphy3.MorphAnalyzer(lang=lang)


def _tables(resolver: Resolver) -> _Tables:
    key = id(resolver.extract)
    tables = _TABLES.get(key)
    if tables is None:
        with _TABLES_LOCK:
            tables = _TABLES.get(key)
            if tables is None:
                tables = _load_or_build(resolver)
                _TABLES[key] = tables
    return tables


def _cache_path(resolver: Resolver) -> Path:
    manifest = json.dumps(resolver.extract.manifest, sort_keys=True, default=str)
    versions = f"{FORMS_VERSION}|{pymorphy3.__version__}|{manifest}"
    return cache_dir() / f"text-forms-{hashlib.sha256(versions.encode()).hexdigest()[:16]}.pickle"


def _load_or_build(resolver: Resolver) -> _Tables:
    """The tables from the cache file when it fits this extract; else built (about 20 s) and cached."""
    path = _cache_path(resolver)
    try:
        with open(path, "rb") as fh:
            automaton, groups, centre_of = pickle.load(fh)
        return _Tables(
            resolver, automaton, groups, centre_of, _oblast_units(resolver), _analyzer("uk"), _analyzer("ru")
        )
    except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError):
        pass
    tables = _build(resolver)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump((tables.automaton, tables.groups, tables.centre_of), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
    return tables


def _oblast_units(resolver: Resolver) -> dict[str, Unit]:
    return {u.id: u for u in resolver.extract.units.values() if u.level == "oblast"}


def _split_words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-‐‑–]+", name) if w]


def _pattern(words: Iterable[str]) -> str | None:
    keys = [fold_key(w) for w in words]
    if not keys or not all(keys):
        return None
    return " " + " ".join(keys) + " "


def _best_parse(analyzer: Any, word: str) -> Any:
    parses = analyzer.parse(word)
    for p in parses:
        if p.tag.case == "nomn" and (p.tag.POS == "NOUN" or p.tag.POS in _ADJ) and not (_PERSON_TAGS & p.tag.grammemes):
            return p
    for p in parses:
        if p.tag.case == "nomn" and (p.tag.POS == "NOUN" or p.tag.POS in _ADJ):
            return p
    return None


def _case_forms(analyzer: Any, word: str) -> dict[str, list[str]]:
    """Case -> forms of one word of a name, keeping its number (and gender for adjectives)."""
    p = _best_parse(analyzer, word)
    if p is None:
        return {}
    out: dict[str, list[str]] = {}
    plural, gender, adj = p.tag.number == "plur", p.tag.gender, p.tag.POS in _ADJ
    for f in p.lexeme:
        t = f.tag
        if t.case not in _CASES or (t.number == "plur") != plural:
            continue
        if adj and not plural and gender and t.gender and t.gender != gender:
            continue
        forms = out.setdefault(t.case, [])
        if f.word not in forms:
            forms.append(f.word)
    return out


#: Case forms of names that a dictionary cannot derive from the words' own paradigms: the locative of
#: Кривий Ріг keeps the old alternation (у Кривому Розі), while the noun ріг (horn) declines as рогу.
IRREGULAR_FORMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("uk", "Кривий Ріг"): ("кривому розі", "кривім розі"),
    # Часів is a possessive adjective the dictionaries do not know (Russian "часов" reads as "of hours").
    ("uk", "Часів Яр"): ("часового яру", "часовому яру", "часовим яром", "часовому ярі"),
    ("ru", "Часов Яр"): ("часова яра", "часову яру", "часовым яром", "часовом яре", "часовом яру"),
}


@cache
def _inflections_cached(lang: str, name: str) -> frozenset[str]:
    analyzer = _analyzer(lang)
    words = _split_words(name)
    per_word = [_case_forms(analyzer, w) for w in words]
    forms: set[str] = set(IRREGULAR_FORMS.get((lang, name), ()))
    for case in _CASES:
        if not any(case in pw for pw in per_word):
            continue
        if len(words) == 1:
            forms.update(per_word[0][case])
            continue
        combos = [[]]
        for w, pw in zip(words, per_word):
            combos = [c + [f] for c in combos for f in pw.get(case, [w.lower()])[:2]]
        forms.update(" ".join(c) for c in combos[:4])
    return frozenset(forms)


def _inflections(analyzer: Any, name: str) -> set[str]:
    """Case forms of a (possibly multiword, hyphenated) name: Нова Одеса -> Новій Одесі, Нову Одесу..."""
    return set(_inflections_cached(analyzer.lang, name))


def _build(resolver: Resolver) -> _Tables:
    extract = resolver.extract
    index: NameIndex = resolver.index
    uk, ru = _analyzer("uk"), _analyzer("ru")
    table: dict[str, dict[tuple, None]] = defaultdict(dict)

    def add(pattern: str | None, entry: tuple) -> None:
        if pattern and len(pattern) > 4:
            table[pattern][entry] = None

    # Settlements: ("s", settlement index, kind score, nominative key, latin ok, cyrillic ok).
    for sidx, name, kind, key in zip(extract.name_settlement, extract.name_text, extract.name_kind, extract.name_key):
        if not key:
            continue
        score = KIND_SCORE.get(kind, 0.93)
        words = _split_words(name)
        if re.search(r"[А-Яа-яЁёІіЇїЄєҐґ]", name):
            add(_pattern(words), ("s", sidx, score, key, True, True))
            lang_pairs = [(uk, 1.0), (ru, 0.99)] if kind != "russian" else [(ru, 1.0), (uk, 0.98)]
            for analyzer, factor in lang_pairs:
                for form in _inflections(analyzer, name):
                    add(_pattern(_split_words(form)), ("s", sidx, round(score * factor, 4), key, False, True))
        else:
            # Latin names: not inflected; refuse codes (KBP), lower-case transcriptions and tiny keys.
            if len(key) < 4 or not all(w[:1].isupper() and not w.isupper() for w in words):
                continue
            add(_pattern(words), ("s", sidx, score, key, True, False))

    # Oblasts: ("o", unit id, needs an admin abbreviation after it).
    oblast_units = _oblast_units(resolver)
    for uid, name, kind, _key in extract.unit_names:
        unit = oblast_units.get(uid)
        if unit is None or uid.startswith(_KYIV_SEVASTOPOL) or kind == "centre":
            continue
        cyrillic = bool(re.search(r"[А-Яа-яЁёІіЇїЄєҐґ]", name))
        if not cyrillic:
            words = _split_words(name)
            if not all(w[:1].isupper() or w.lower() in ("region", "of") for w in words):
                continue
            add(_pattern(words), ("o", uid, False))
            base = words[:-1] if words[-1].lower() == "region" else words if kind != "alias" else None
            if base:
                for area in _AREA_EN:
                    add(_pattern([*base, area]), ("o", uid, False))
            continue
        if kind in ("official", "russian") and not uid.startswith("UA01"):
            # An adjective: with an area word it is a phrase, alone it needs "ОВА" after it.
            analyzer, areas = (ru, _AREA_RU) if kind == "russian" else (uk, _AREA_UK)
            forms = _inflections(analyzer, name) | {name.lower()}
            for form in forms:
                for area in areas:
                    add(_pattern([*_split_words(form), area]), ("o", uid, False))
                add(_pattern(_split_words(form)), ("o", uid, True))
        else:
            forms = {name.lower()} | _inflections(uk, name) | _inflections(ru, name)
            for form in forms:
                add(_pattern(_split_words(form)), ("o", uid, False))

    interned: dict[tuple, int] = {}
    groups: list[tuple] = []
    automaton = ahocorasick.Automaton()
    for pattern, entries in table.items():
        group = tuple(entries)
        gid = interned.get(group)
        if gid is None:
            gid = interned[group] = len(groups)
            groups.append(group)
        automaton.add_word(pattern, (len(pattern), pattern.count(" ") - 1, gid))
    automaton.make_automaton()

    # Oblast centres: the city in the oblast named by a 'centre' unit name.
    centre_of: dict[int, str] = {}
    for uid, _name, kind, key in extract.unit_names:
        if kind != "centre" or uid not in oblast_units or uid.startswith(_KYIV_SEVASTOPOL):
            continue
        for hit in index.exact(key):
            s = extract.settlements[hit.settlement]
            if s.oblast_id == uid and s.category in "KM":
                centre_of[hit.settlement] = uid
    return _Tables(resolver, automaton, groups, centre_of, oblast_units, uk, ru)


# -- scanning --------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Token:
    start: int
    end: int
    text: str
    key: str
    sentence: int
    first: bool  # first word of its sentence


@dataclass(slots=True)
class _Cand:
    i: int  # first token
    j: int  # one past the last token
    kind: str  # "settlement" or "oblast"
    cands: dict[int, tuple[float, str]] = field(default_factory=dict)  # settlement index -> (score, name key)
    oblast: str = ""
    weak: bool = False
    score: float = 1.0
    resolved: int | None = None
    margin: float = 0.0
    ranked: list[int] = field(default_factory=list)  # best candidates first, when several


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    sentence, e = 0, 0
    for m in _WORD.finditer(text):
        while e < len(ends) and ends[e] <= m.start():
            sentence += 1
            e += 1
        word, end = m.group(), m.end()
        if _POSSESSIVE.search(word) and word.isascii():
            word, end = word[:-2], end - 2
        first = not tokens or tokens[-1].sentence != sentence
        tokens.append(_Token(m.start(), end, word, fold_key(word) or "_", sentence, first))
    return tokens


def _scan(text: str, tokens: list[_Token], tables: _Tables) -> list[tuple[int, int, tuple]]:
    """Automaton hits as (first token, one past last token, group) over the folded token stream."""
    parts = [" "]
    where: dict[int, int] = {}
    pos = 1
    for n, tok in enumerate(tokens):
        if n:
            gap = text[tokens[n - 1].end : tok.start]
            sep = " " if _JOIN_GAP.fullmatch(gap) else " | "
            parts.append(sep)
            pos += len(sep)
        where[pos] = n
        parts.append(tok.key)
        pos += len(tok.key)
    parts.append(" ")
    norm = "".join(parts)
    hits = []
    for end, (length, nwords, gid) in tables.automaton.iter(norm):
        first = where.get(end - length + 2)
        if first is not None:
            hits.append((first, first + nwords, tables.groups[gid]))
    return hits


def _parses(tables: _Tables, word: str, lang: str) -> tuple:
    ck = (word, lang)
    got = tables.parse_cache.get(ck)
    if got is None:
        analyzer = tables.ru if lang == "ru" else tables.uk
        got = tuple(analyzer.parse(word))
        if len(tables.parse_cache) > 200_000:
            tables.parse_cache.clear()
        tables.parse_cache[ck] = got
    return got


def _is_cyrillic(word: str) -> bool:
    return bool(re.match(r"[\u0400-\u04ff]", word))


def _doc_lang(text: str, lang: str | None) -> str:
    if lang is not None:
        return lang
    uk = len(re.findall(r"[іїєґІЇЄҐ]", text))
    ru = len(re.findall(r"[ыэёъЫЭЁЪ]", text))
    cyr = len(re.findall(r"[\u0400-\u04ff]", text))
    if not cyr:
        return "en"
    # Short texts may lack the telling letters ("Во Львове и Тернополе"): count telling little words too.
    words = re.findall(r"[\u0400-\u04ff]+", text.lower())
    uk += sum(w in _UK_WORDS for w in words)
    ru += sum(w in _RU_WORDS for w in words)
    return "ru" if ru > uk else "uk"


_UK_WORDS = frozenset(
    ["і", "й", "та", "що", "це", "як", "від", "його", "він", "вона", "вони", "під", "після", "із", "але", "також"]
)
_RU_WORDS = frozenset(
    [
        "и",
        "во",
        "что",
        "это",
        "как",
        "от",
        "его",
        "он",
        "она",
        "они",
        "под",
        "после",
        "из",
        "но",
        "также",
        "был",
        "была",
        "были",
    ]
)


def _candidates(text: str, tokens: list[_Token], tables: _Tables, lang: str) -> list[_Cand]:
    extract = tables.resolver.extract
    out: list[_Cand] = []
    for i, j, group in _scan(text, tokens, tables):
        tok = tokens[i]
        if not tok.text[:1].isupper():
            continue
        latin = not _is_cyrillic(tok.text)
        obl = [e for e in group if e[0] == "o"]
        if obl:
            uid, needs_admin = obl[0][1], obl[0][2]
            if needs_admin and (j >= len(tokens) or tokens[j].key not in _ADMIN_AFTER or not tokens[j].text.isupper()):
                obl = []
            else:
                out.append(_Cand(i, j, "oblast", oblast=uid, score=0.97))
                continue
        cand = _Cand(i, j, "settlement")
        for e in group:
            if e[0] != "s" or not (e[4] if latin else e[5]):
                continue
            _, sidx, score, key, _lat, _cyr = e
            if (
                lang == "ru"
                and not latin
                and j - i == 1
                and key == tok.key
                and _plain(tok.text) != _plain(extract.settlements[sidx].name_uk)
            ):
                # In Russian text "в Покровске" folds like the Ukrainian nominative Покровське but is the
                # locative of Покровск: a Ukrainian name matched only through folding is weaker evidence.
                score = round(score * 0.85, 4)
            if sidx not in cand.cands or cand.cands[sidx][0] < score:
                cand.cands[sidx] = (score, key)
        if (
            cand.cands
            and j - i == 1
            and not latin
            and lang != "en"
            and all(extract.settlements[s].category in "CX" for s in cand.cands)
        ):
            # A village's name may be a case form of a town's name (Харкове = в Харькове): add the lemma's.
            for sidx, val in _lemma_lookup(tables, tables.resolver.index, [tok.text], lang).items():
                cand.cands.setdefault(sidx, val)
        if cand.cands:
            out.append(cand)
    covered = {n for c in out for n in range(c.i, c.j)}
    # A word found alone (Старом = в Старое) may open a two-word name (Старом Салтове): the fallback
    # may try two words from it; the longer span wins below.
    singles = {c.i for c in out if c.j - c.i == 1 and c.kind == "settlement"}
    for n in range(len(tokens) - 1):
        if n not in covered and tokens[n + 1].key in _DIRECTION_AFTER and _capitalized(tokens[n].text):
            out.append(_Cand(n, n + 1, "settlement", cands={-1: (0.0, "")}))
            covered.add(n)
    out.extend(_fallback(tokens, tables, lang, covered, singles))
    # Longest first; at equal length oblasts first; then text order. Keep non-overlapping.
    out.sort(key=lambda c: (-(c.j - c.i), c.kind != "oblast", c.i))
    taken: set[int] = set()
    kept = []
    for c in out:
        span = range(c.i, c.j)
        if any(n in taken for n in span):
            continue
        taken.update(span)
        kept.append(c)
    kept.sort(key=lambda c: c.i)
    return kept


def _fallback(
    tokens: list[_Token],
    tables: _Tables,
    lang: str,
    covered: set[int],
    singles: frozenset[int] | set[int] = frozenset(),
) -> list[_Cand]:
    """Capitalised Cyrillic words no form matched: lemmatize, then look up by key or consonant skeleton."""
    if lang == "en":
        return []
    index = tables.resolver.index
    out = []
    n = 0
    while n < len(tokens):
        tok = tokens[n]
        skip = n in covered and n not in singles
        if skip or not _capitalized(tok.text) or not _is_cyrillic(tok.text) or len(tok.text) < 4:
            n += 1
            continue
        # Try two words first (Малой Даниловке), then one.
        found = None
        if (
            n + 1 < len(tokens)
            and n + 1 not in covered
            and _capitalized(tokens[n + 1].text)
            and tokens[n + 1].sentence == tok.sentence
        ):
            found = _lemma_lookup(tables, index, [tok.text, tokens[n + 1].text], lang)
            if found:
                out.append(_Cand(n, n + 2, "settlement", cands=found, score=0.85))
                n += 2
                continue
        if n in covered:
            n += 1
            continue
        found = _lemma_lookup(tables, index, [tok.text], lang)
        if found:
            out.append(_Cand(n, n + 1, "settlement", cands=found, score=0.85))
        n += 1
    return out


def _plain(word: str) -> str:
    return re.sub(r"['’ʼ`]", "", word.casefold())


def _capitalized(word: str) -> bool:
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


@lru_cache(maxsize=50_000)
def _lemma_lookup_cached(tables_id: int, words: tuple[str, ...], lang: str) -> tuple:
    tables = _TABLES_BY_ID[tables_id]
    index = tables.resolver.index
    extract = tables.resolver.extract
    nominatives: list[list[str]] = []
    known = True
    after_adjective = False
    geox = False  # a dictionary place name (Львове -> Львов) may be as short as four letters
    for w in words:
        forms = []
        parses = _parses(tables, w, lang)[:3]
        # After an adjective (Старом Салтове), a guessed surname reading of an unknown word is a place's
        # noun: pymorphy guesses Surn for any -ов/-ев/-ин word it does not know.
        guessed_ok = after_adjective and parses and not parses[0].is_known
        if parses and (_PERSON_TAGS | {"Orgn", "Abbr"}) & parses[0].tag.grammemes and not guessed_ok:
            return ()
        after_adjective = any(p.tag.POS == "ADJF" for p in parses)
        geox = geox or any("Geox" in p.tag.grammemes and p.is_known for p in parses)
        for p in parses:
            if p.tag.POS not in ("NOUN", "ADJF") or (_PERSON_TAGS & p.tag.grammemes and not guessed_ok):
                continue
            known = known and p.is_known and "Geox" not in p.tag.grammemes
            infl = p.inflect({"nomn"}) if p.tag.case != "nomn" else p
            forms.append(infl.word if infl else p.normal_form)
        if not forms:
            return ()
        nominatives.append(list(dict.fromkeys(forms)))
    found: dict[int, tuple[float, str]] = {}
    combos = [[f] for f in nominatives[0]]
    for more in nominatives[1:]:
        combos = [c + [f] for c in combos for f in more]
    for combo in combos:
        key = fold_key(" ".join(combo))
        if not key or key in extract.not_places or len(key) < (4 if geox else 5):
            continue
        for hit in index.exact(key):
            found.setdefault(hit.settlement, (0.9 * KIND_SCORE.get(hit.kind, 0.93), key))
        if found or known:
            continue
        for other in index.by_skeleton_of(key):
            if other[0] != key[0] or other in extract.not_places:
                continue
            sim = fuzz.ratio(key, other) / 100
            if sim >= 0.75:
                for hit in index.exact(other):
                    found.setdefault(hit.settlement, (0.78 + 0.14 * sim, other))
    return tuple(found.items())


_TABLES_BY_ID: dict[int, _Tables] = {}


def _lemma_lookup(tables: _Tables, index: NameIndex, words: list[str], lang: str) -> dict:
    _TABLES_BY_ID[id(tables)] = tables
    return dict(_lemma_lookup_cached(id(tables), tuple(words), lang))


# -- filters ---------------------------------------------------------------------------------------
def _filter(text: str, tokens: list[_Token], cands: list[_Cand], tables: _Tables, lang: str) -> list[_Cand]:
    extract = tables.resolver.extract
    settlements = extract.settlements
    for c in cands:
        if c.kind != "settlement":
            continue
        tok = tokens[c.i]
        prev = tokens[c.i - 1] if c.i > 0 and tokens[c.i - 1].sentence == tok.sentence else None
        nxt = tokens[c.j] if c.j < len(tokens) and tokens[c.j].sentence == tokens[c.j - 1].sentence else None
        typed = (
            prev is not None
            and prev.key in _TYPE_WORDS
            or (c.i > 1 and prev is not None and prev.key == "of" and tokens[c.i - 2].key in _TYPE_WORDS)
        )
        latin = not _is_cyrillic(tok.text)
        single = c.j - c.i == 1
        # "на Запоріжжі" (locative after на) is the region around an oblast centre.
        if prev is not None and prev.key in _NA and single and lang != "en":
            centres = {tables.centre_of[s] for s in c.cands if s in tables.centre_of}
            if centres and any(p.tag.case in ("loct", "loc2") for p in _parses(tables, tok.text.lower(), lang)):
                c.kind, c.oblast, c.cands = "oblast", next(iter(centres)), {}
                continue
        # District, raion, river: "Kupiansk district", "Дніпровського району", "Dnipro River".
        if nxt is not None and nxt.key in _UNIT_AFTER:
            c.kind = "drop"
            continue
        if nxt is not None and nxt.key in _DIRECTION_AFTER:
            _direction(c, tokens, tables, lang)
            continue
        window = tokens[max(0, c.i - 3) : c.i]
        if any(t.key in _RIVER_BEFORE and t.sentence == tok.sentence for t in window):
            c.kind = "drop"
            continue
        # English: the Dnipro (a river); a capitalised neighbour makes a name part of a longer name.
        if latin and single and prev is not None and prev.key == _THE and not typed:
            after = text[tokens[c.j - 1].end : tokens[c.j - 1].end + 1]
            if after not in "–-—":
                c.kind = "drop"
                continue
        if latin and single and not typed and _capital_neighbour(text, tokens, c, prev, nxt):
            c.kind = "drop"
            continue
        if typed:
            continue
        keys = {key for _score, key in c.cands.values()}
        reasons = {extract.not_places[k][1] for k in keys if k in extract.not_places}
        villages_only = all(settlements[s].category in "CX" for s in c.cands)
        if "word" in reasons or (reasons and villages_only) or latin and single and len(tok.text) < 4:
            c.weak = True
        elif not latin and single:
            parses = _parses(tables, tok.text, lang)
            if parses and villages_only:
                after_prep = prev is not None and prev.key in _PREPOSITIONS
                common, proper = _readings(parses)
                if _PERSON_TAGS & parses[0].tag.grammemes or common and (tok.first or (not proper and not after_prep)):
                    c.weak = True
        if not c.weak and not latin and single and _foreign_lemma(tables, tok, c, lang):
            c.weak = True
    kept = [c for c in cands if c.kind != "drop"]
    strong = {id(c) for c in kept if not c.weak}
    changed = True
    while changed:
        changed = False
        for n, c in enumerate(kept):
            if id(c) in strong:
                continue
            for m in (n - 1, n + 1):
                if (
                    0 <= m < len(kept)
                    and id(kept[m]) in strong
                    and _linked(text, tokens, kept[min(n, m)], kept[max(n, m)])
                ):
                    strong.add(id(c))
                    changed = True
                    break
    return [c for c in kept if id(c) in strong]


def _foreign_lemma(tables: _Tables, tok: _Token, c: _Cand, lang: str) -> bool:
    """Is the word an inflected form of a place abroad (в Курске: Курск) that only folds like a village's
    name (Курське), rather than that village's own spelling?"""
    extract = tables.resolver.extract
    # A Ukrainian city that shares its name with one abroad (Покровськ, Новомосковськ) is meant as itself.
    if any(extract.settlements[s].category not in "CX" for s in c.cands):
        return False
    if any(extract.settlements[s].name_uk.casefold() == tok.text.casefold() for s in c.cands):
        return False
    for p in _parses(tables, tok.text, lang)[:3]:
        entry = extract.not_places.get(fold_key(p.normal_form))
        if entry is not None and entry[1].startswith("foreign"):
            return True
    return False


_PROPER_TAG = re.compile(r"^NOUN,(?:masc|femn|neut|plur)\b")


def _readings(parses: tuple) -> tuple[bool, bool]:
    """(has a common-word reading, has a proper-noun reading) of a word in pymorphy's dictionary.

    The Russian dictionary marks place names Geox; the Ukrainian one keeps proper-noun lexemes with the
    gender right after the part of speech ("NOUN,femn,inan" Кіндрашівка) and common nouns with
    animacy first ("NOUN,inan femn" сила).
    """
    common = proper = False
    for p in parses:
        if not p.is_known:
            continue
        grams, tag = p.tag.grammemes, str(p.tag)
        if "Geox" in grams or _PROPER_TAG.match(tag) and not _PERSON_TAGS & grams:
            proper = True
        elif not _PERSON_TAGS & grams:
            common = True
    return common, proper


def _capital_neighbour(text: str, tokens: list[_Token], c: _Cand, prev: _Token | None, nxt: _Token | None) -> bool:
    if nxt is not None and _capitalized(nxt.text) and _JOIN_GAP.fullmatch(text[tokens[c.j - 1].end : nxt.start]):
        if nxt.key not in _UNIT_AFTER:
            return True
    if (
        prev is not None
        and not prev.first
        and _capitalized(prev.text)
        and _JOIN_GAP.fullmatch(text[prev.end : tokens[c.i].start])
    ):
        return True
    return False


def _linked(text: str, tokens: list[_Token], a: _Cand, b: _Cand) -> bool:
    """Two mentions next to each other in a list or linked by a preposition: "Щастя, Попасна", "Лиман на X"."""
    if tokens[a.j - 1].sentence != tokens[b.i].sentence:
        return False
    between = tokens[a.j : b.i]
    if len(between) > 2:
        return False
    if not all(t.key in _CONNECTORS or t.key in _LINK_PREPS for t in between):
        return False
    gap = text[tokens[a.j - 1].end : tokens[b.i].start]
    return bool(_CONNECTOR_GAP.match(_strip_words(gap))) and (bool(between) or "," in gap or ";" in gap)


def _strip_words(gap: str) -> str:
    return _WORD.sub(" ", gap)


def _direction(c: _Cand, tokens: list[_Token], tables: _Tables, lang: str) -> None:
    """ "на Покровському напрямку": the direction adjective names a town (Покровськ, Авдіївка).

    The adjective's lemma (pymorphy) loses its adjective suffix; towns and cities whose key is that stem
    plus a usual town ending are the candidates.
    """
    extract = tables.resolver.extract
    index = tables.resolver.index
    found: dict[int, tuple[float, str]] = {}
    for p in _parses(tables, tokens[c.i].text.lower(), lang)[:3]:
        stem = re.sub(r"(?:sk|ck|c)?(?:ii|i|ia|a|e|ie)$", "", fold_key(p.normal_form))
        for rank, key in enumerate((stem + "sk", stem + "ck", stem + "c", stem + "ka", stem, stem + "e")):
            for hit in index.exact(key):
                if extract.settlements[hit.settlement].category in "KM":
                    found.setdefault(hit.settlement, (0.9 - 0.05 * rank, key))
        if found:
            break
    if found:
        c.cands = found
    else:
        c.kind = "drop"


# -- resolution ------------------------------------------------------------------------------------
def _distance_km(a: Settlement, b: Settlement) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def _prior(s: Settlement) -> float:
    return 0.06 * _CATEGORY_PRIOR.get(s.category, 0) + 0.03 * math.log10((s.population or 0) + 1)


#: How many sentences before and after a mention count as its context (long texts change topic).
CONTEXT_SENTENCES = 4


def _resolve(tokens: list[_Token], cands: list[_Cand], tables: _Tables) -> None:
    """Pick one settlement per mention from oblasts and unambiguous places mentioned around it."""
    settlements = tables.resolver.extract.settlements
    oblasts_in: dict[int, list[tuple[int, str]]] = defaultdict(list)  # sentence -> [(token, oblast id)]
    for c in cands:
        if c.kind == "oblast":
            oblasts_in[tokens[c.i].sentence].append((c.i, c.oblast))
    places = [c for c in cands if c.kind == "settlement"]
    anchors_in: dict[int, dict[int, int]] = defaultdict(dict)  # sentence -> {id(mention): settlement}
    for c in places:
        if len(c.cands) == 1:
            c.resolved, c.margin = next(iter(c.cands)), 1.0
            anchors_in[tokens[c.i].sentence][id(c)] = c.resolved
    pending = [c for c in places if len(c.cands) > 1]
    for _round in range(3):
        new: list[tuple[int, int, int]] = []
        for c in pending:
            sent = tokens[c.i].sentence
            window = range(sent - CONTEXT_SENTENCES, sent + CONTEXT_SENTENCES + 1)
            local = None
            for _, o in sorted((abs(i - c.i), o) for i, o in oblasts_in.get(sent, ())):
                if any(settlements[s].oblast_id == o for s in c.cands):
                    local = o
                    break
            near_oblasts = {o for w in window for _, o in oblasts_in.get(w, ())}
            same = [settlements[s] for s in {s for k, s in anchors_in.get(sent, {}).items() if k != id(c)}]
            around = [
                settlements[s] for s in {s for w in window for k, s in anchors_in.get(w, {}).items() if k != id(c)}
            ]
            near_oblasts |= {a.oblast_id for a in around}
            rows = []
            for sidx, (base, _key) in c.cands.items():
                s = settlements[sidx]
                score = base + _prior(s)
                if local is not None and s.oblast_id == local:
                    score += 0.6
                if s.oblast_id in near_oblasts:
                    score += 0.15
                if same:
                    score += 0.35 * max(0.0, 1 - min(_distance_km(s, a) for a in same) / 120)
                if around:
                    score += 0.1 * max(0.0, 1 - min(_distance_km(s, a) for a in around) / 120)
                rows.append((score, sidx))
            rows.sort(key=lambda r: (-r[0], r[1]))
            c.margin = rows[0][0] - rows[1][0]
            c.ranked = [sidx for _, sidx in rows[:5]]
            c.resolved = rows[0][1] if c.margin >= 0.04 else None
            if c.margin >= 0.1:
                new.append((sent, id(c), rows[0][1]))
        fresh = [(sent, k, sidx) for sent, k, sidx in new if anchors_in[sent].get(k) != sidx]
        if not fresh:
            break
        for sent, k, sidx in fresh:
            anchors_in[sent][k] = sidx


def _to_mentions(text: str, tokens: list[_Token], cands: list[_Cand], tables: _Tables) -> list[Mention]:
    settlements = tables.resolver.extract.settlements
    out = []
    for c in cands:
        start, end = tokens[c.i].start, tokens[c.j - 1].end
        surface = text[start:end]
        if c.kind == "oblast":
            out.append(Mention(surface, start, end, "oblast", c.score, oblast=tables.oblast_units[c.oblast]))
            continue
        if c.resolved is not None:
            base, key = c.cands[c.resolved]
            conf = min(1.0, base * (1.0 if len(c.cands) == 1 else 0.85 + min(c.margin, 0.5) * 0.3))
            if c.weak:
                conf *= 0.9
            m = Match(settlements[c.resolved], min(1.0, base), "text", key)
            out.append(Mention(surface, start, end, "settlement", round(conf, 4), match=m))
        else:
            order = c.ranked or list(c.cands)[:5]
            ranked = tuple(Match(settlements[s], min(1.0, c.cands[s][0]), "text", c.cands[s][1]) for s in order)
            out.append(
                Mention(
                    surface,
                    start,
                    end,
                    "settlement",
                    round(0.5 * max(b for b, _ in c.cands.values()), 4),
                    candidates=ranked,
                )
            )
    return out


def _regions_lists(tokens: list[_Token], cands: list[_Cand], tables: _Tables) -> None:
    """ "Zhytomyr, Vinnytsia and Khmelnytskyi regions": each centre name in the list is an oblast."""
    for n, c in enumerate(cands):
        if c.kind != "settlement" or c.j >= len(tokens) or tokens[c.j].key not in _REGIONS_AFTER:
            continue
        m = n
        while m >= 0:
            cur = cands[m]
            centres = {tables.centre_of[s] for s in cur.cands if s in tables.centre_of}
            if cur.kind != "settlement" or not centres:
                break
            cur.kind, cur.oblast, cur.cands = "oblast", next(iter(centres)), {}
            if (
                m == 0
                or cands[m - 1].j < cur.i - 1
                or (cands[m - 1].j == cur.i - 1 and tokens[cur.i - 1].key not in _CONNECTORS)
            ):
                break
            m -= 1


# -- public ----------------------------------------------------------------------------------------
def find_places(text: str, *, lang: str | None = None, resolver: Resolver | None = None) -> list[Mention]:
    """The settlements and oblasts ``text`` names, in text order, each with its span and resolution.

    ``lang`` ("uk", "ru" or "en") picks the morphology used for unknown words; by default it is guessed
    from the letters. A settlement mention carries ``match`` when one settlement fits clearly, otherwise
    ``candidates``; an oblast mention carries ``oblast``. Raises TypeError when ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)} (or None), not {lang!r}")
    if not text.strip():
        return []
    tables = _tables(resolver or default_resolver())
    doc_lang = _doc_lang(text, lang)
    tokens = _tokenize(text)
    if not tokens:
        return []
    cands = _candidates(text, tokens, tables, doc_lang)
    cands = _filter(text, tokens, cands, tables, doc_lang)
    _regions_lists(tokens, cands, tables)
    _resolve(tokens, cands, tables)
    return _to_mentions(text, tokens, cands, tables)


def mentions_to_geojson(mentions: Iterable[Mention]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the resolved settlement mentions (Point geometry [lon, lat])."""
    features = []
    for m in mentions:
        if m.kind != "settlement" or m.match is None:
            continue
        s = m.match.settlement
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                "properties": {
                    "id": s.id,
                    "name_uk": s.name_uk,
                    "name_en": s.name_en,
                    "oblast_uk": s.oblast_uk,
                    "category": s.category,
                    "text": m.text,
                    "start": m.start,
                    "end": m.end,
                    "score": round(m.score, 4),
                    "coord_precision": s.coord_precision,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
