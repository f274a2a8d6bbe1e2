"""Filters: drop what is not a place, turn region phrases into oblasts, keep weak names only with support.

Lower-case words, common words and people (``not_places``, pymorphy's name tags), foreign places,
rivers, streets, districts and capitalised-phrase neighbours are dropped or made weak; a weak candidate survives
with support: a type word before it (село, village of) or a listed neighbour place.
"""

from __future__ import annotations

import re

from gazetteer.geoparse.candidates import Cand
from gazetteer.geoparse.lexicon import PERSON_TAGS, Tables, parses, unpack, word_memo
from gazetteer.geoparse.tokens import JOIN_GAP, WORD, Token, capitalized
from gazetteer.geoparse.words import area_words, folded, folded_table, foreign_qualifiers, river_heads, street_words
from gazetteer.normalize import fold_key
from gazetteer.resolve import NOMINATIVE_AFTER_PREPOSITION

_CONNECTOR_GAP = re.compile(r"^[\s,;:()\-–—]*$")
_PROPER_TAG = re.compile(r"^NOUN,(?:masc|femn|neut|plur)\b")
_NA = fold_key("на")
_THE = "the"
_QUOTES = "«»\"“”„'‘’"
_HYPHEN = re.compile(r"[-‐‑]")
#: Words after "the X" that make X a place rather than a river: "the Kupiansk area", "the Kharkiv city".
#: A word for a state between the comma and its name ("Одеса, штат Техас", "Odessa, state of Texas").
_STATE_WORDS = {fold_key(w) for w in ("штат", "state", "провінція", "провинция", "province")}
_AREA_AFTER = {fold_key(w) for w in ("area", "city", "town", "village", "outskirts", "direction", "axis", "front")}
#: Words that may stand between a river word and the river's name ("bank of the Dnipro").
_RIVER_LINKS = {"of", _THE}


def type_word_before(tokens: list[Token], c: Cand) -> str | None:
    """The categories a settlement-type word right before the span announces ("село X", "village of X"),
    or None when there is none."""
    types = folded_table("type_words")
    if c.i == 0:
        return None
    prev = tokens[c.i - 1]
    if prev.sentence != tokens[c.i].sentence:
        return None
    if prev.key in types:
        return types[prev.key]
    if prev.key == "of" and c.i > 1 and tokens[c.i - 2].key in types:
        return types[tokens[c.i - 2].key]
    return None


def apply_filters(text: str, tokens: list[Token], cands: list[Cand], tables: Tables, lang: str) -> list[Cand]:
    """The candidates that remain places: dropped, weakened and supported as described in the module."""
    extract = tables.resolver.extract
    settlements = tables.records
    unit_after = folded("unit_after")
    unit_levels = folded_table("unit_after")
    direction_after = folded("direction_after")
    river_before = folded("river_before")
    rivers = folded("rivers")
    heads = river_heads()
    prepositions = folded("prepositions")
    areas = {fold_key(w) for lang_ in ("uk", "ru") for w in area_words(lang_)}
    regions = {n for c in cands if c.kind in ("oblast", "unit") for n in range(c.i, c.j)}
    starts = {c.i for c in cands if c.kind == "settlement"} | {c.j - 1 for c in cands if c.kind == "settlement"}
    for c in cands:
        if c.kind != "settlement":
            continue
        tok = tokens[c.i]
        prev = tokens[c.i - 1] if c.i > 0 and tokens[c.i - 1].sentence == tok.sentence else None
        nxt = tokens[c.j] if c.j < len(tokens) and tokens[c.j].sentence == tokens[c.j - 1].sentence else None
        categories = type_word_before(tokens, c)
        # A type word supports a name of its kind only ("міста Приазов'я" is not the village Призове).
        typed = categories is not None and any(settlements[s].category in categories for s in c.cands if s >= 0)
        c.categories = categories or ""
        latin = not tok.cyr
        single = c.j - c.i == 1
        if _street(text, tokens, c, settlements):
            c.kind = "drop"
            continue
        # The first word of a two-word river's name: "на Сіверському Донці", "Південний Буг".
        if single and nxt is not None and nxt.joined and tok.key[:4] in heads.get(nxt.key, ()):
            c.kind = "drop"
            continue
        if not latin and single and prev is not None and prev.key in prepositions:
            _oblique_after_preposition(c, tok, tables)
        # "на" + a case form of a river's name is the river, whatever place bears the name ("Човен
        # перекинувся на Дніпрі": not Dnipro, nor the oblast around it); "на Дніпро" (toward) stays.
        if prev is not None and prev.key == _NA and single and tok.key not in rivers:
            if any(key in rivers for _score, key in c.cands.values()):
                c.kind = "drop"
                continue
        # "на Запоріжжі" (locative after на) is the region around an oblast centre.
        if prev is not None and prev.key == _NA and single and lang != "en":
            centres = {tables.centre_of[s] for s in c.cands if s in tables.centre_of}
            if centres and any(p.tag.case in ("loct", "loc2") for p in parses(tables, tok.text.lower(), lang)):
                c.kind, c.oblast, c.cands = "oblast", next(iter(centres)), {}
                continue
        # District, raion, river: "Kupiansk district", "Дніпровського району", "Dnipro River"; a region
        # the automaton did not take for a Ukrainian oblast is one abroad ("в Брянской области").
        if nxt is not None and (nxt.key in unit_after or nxt.key in areas and not latin):
            # A Cyrillic water word in capitals is part of a name (Сухий Лиман, Сонячне Озеро); in small
            # letters it names the water (в Черном море, у Днепровском лимане), not the village.
            if not (nxt.cyr and nxt.cap and unit_levels.get(nxt.key) == "water"):
                c.kind = "drop"
                continue
        if nxt is not None and nxt.key in direction_after and not latin:
            direction(c, tokens, tables, lang)
            continue
        if _after_river_word(tokens, c, river_before, rivers):
            c.kind = "drop"
            continue
        # Not places: a military unit, army group or club in quotes or after its word («Азов», "Восток").
        if not typed and _named_body(text, tokens, c, prev):
            c.kind = "drop"
            continue
        # A first name or surname next to another capitalised word: a person (Владимир Рогов); a word
        # right after a first name, or before a first name and patronymic: a surname (Геннадий Труханов).
        if not typed and (
            _surname(tables, tokens, c, prev, nxt, lang, regions)
            or not latin
            and _person(tables, tokens, c, prev, nxt, lang, regions)
        ):
            c.kind = "drop"
            continue
        # English: the Dnipro (a river), but "the Kupiansk area", "the Kharkiv city".
        if latin and single and prev is not None and prev.key == _THE and not typed:
            after = text[tokens[c.j - 1].end : tokens[c.j - 1].end + 1]
            if after not in "–-—" and (nxt is None or nxt.key not in _AREA_AFTER):
                c.kind = "drop"
                continue
        # A capitalised neighbour makes a name part of a longer name, unless the neighbour is a place too
        # joined by a hyphen ("the Siversk-Lysychansk direction").
        if latin and single and not typed and _capital_neighbour(text, tokens, c, prev, nxt, starts):
            c.kind = "drop"
            continue
        # A namesake abroad with its state or country after it ("Odessa, Texas", "Одесса (Техас)"), with a
        # type word before it too ("the oil town of Odessa, Texas").
        if c.j < len(tokens) and _abroad(text, tokens, c.j):
            c.kind = "drop"
            continue
        if typed:
            continue
        keys = {key for _score, key in c.cands.values()}
        villages_only = all(settlements[s].category in "CX" for s in c.cands)
        # A river in an oblique case that is also a village's name ("біля Донця", "за Осколом").
        if villages_only and keys & rivers and fold_key(tok.text) not in rivers:
            c.kind = "drop"
            continue
        # A common word or a place abroad only when every reading is one (Новотроицком reads as the
        # foreign Новотроицкий and as the village Новотроицкое).
        flagged = [extract.not_places[k][1] for k in keys if k in extract.not_places]
        reasons = set(flagged) if len(flagged) == len(keys) else set()
        if "word" in reasons or (reasons and villages_only) or latin and single and len(tok.text) < 4:
            c.weak = True
        elif not latin and single:
            ps = parses(tables, tok.text, lang)
            if ps and villages_only:
                after_prep = prev is not None and prev.key in prepositions
                common, proper = readings(ps)
                if PERSON_TAGS & ps[0].tag.grammemes or common and (tok.first or (not proper and not after_prep)):
                    c.weak = True
        if not c.weak and not latin and single and foreign_lemma(tables, tok, c, lang):
            c.weak = True
    units = [c for c in cands if c.kind == "unit"]
    kept = [c for c in cands if c.kind not in ("drop", "unit")]
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
                    and linked(text, tokens, kept[min(n, m)], kept[max(n, m)])
                ):
                    strong.add(id(c))
                    changed = True
                    break
    kept = [c for c in kept if id(c) in strong]
    _inherit_categories(text, tokens, kept)
    return sorted(kept + units, key=lambda c: c.i)


def _oblique_after_preposition(c: Cand, tok: Token, tables: Tables) -> None:
    """After a preposition a name is in an oblique case: a reading of the word as a name's nominative
    (the village Львове for "во Львове") scores :data:`~gazetteer.resolve.NOMINATIVE_AFTER_PREPOSITION`
    of itself when the word is also a case form of another name (Львов: Lviv), as in the resolver; the
    city is then as well matched as the best and its strong prior holds against places nearby. Only a
    current name (official, romanization, Russian) whose own case forms include the word counts: not one
    reached by lemma or consonant skeleton (Запорожье, the city, against villages Запоріжжя reached by
    skeleton), nor a historical name (на Сміле: the village, not Izmail once called Смил)."""
    nominative = [s for s, (_score, key) in c.cands.items() if key == tok.key]
    if not nominative or len(nominative) == len(c.cands):
        return
    value = tables.automaton.get(f" {tok.key} ", None)
    if value is None:
        return
    current_forms = {e[1] for e in tables.groups[unpack(value)[2]] if e[0] == "s" and e[6]}
    if not any(key != tok.key and s in current_forms for s, (_score, key) in c.cands.items()):
        return
    for s in nominative:
        score, key = c.cands[s]
        c.cands[s] = (round(score * NOMINATIVE_AFTER_PREPOSITION, 4), key)


def _after_river_word(tokens: list[Token], c: Cand, river_before: frozenset[str], rivers: frozenset[str]) -> bool:
    """Does a river word (``river_before``: річці, берега, води, river, bank) stand right before the span, or
    up to three words before it with only capitalised words, "of" and "the" between ("берега Сіверського
    Донця", "the bank of the Dnipro")? With another word between, only a name that is also a river's
    (``rivers``) is the river ("Рівень води у Дніпрі"): else the sentence goes on to a place ("crossed the
    river near Krynky", "на березі Дніпра у Херсоні", "Zhovti Vody and Pokrov")."""
    sentence = tokens[c.i].sentence
    linked = True
    for n in range(c.i - 1, max(-1, c.i - 4), -1):
        t = tokens[n]
        if t.sentence != sentence:
            return False
        if t.key in river_before:
            return linked or any(key in rivers for _score, key in c.cands.values())
        linked = linked and (t.key in _RIVER_LINKS or t.cap and not t.first)
    return False


def _street(text: str, tokens: list[Token], c: Cand, settlements: list) -> bool:
    """Is the span a street's name: after a street word ("вулиця Шевченка", "на площі Свободи", "вул.
    Шевченка", "вулиці Героїв Маріуполя") or before one ("Shevchenka Street", "Андріївський узвіз")? A
    city's name right next to the word stays the city ("вулиці Харкова": its streets; "Kyiv street art")."""
    before, abbreviations, after = street_words()
    sentence = tokens[c.i].sentence
    n = c.i - 1
    for width in range(3):  # the street word, or one or two capitalised words of the street's name before it
        if n < 0:
            return False
        t, joined = tokens[n], tokens[n + 1].joined
        entry = (t.key, t.cyr)
        if entry in before and (joined or entry in abbreviations and text[t.end : tokens[n + 1].start].strip() == "."):
            return width > 0 or not _city(settlements, c)
        if not (joined and t.cap and t.sentence == sentence):
            break
        n -= 1
    if c.j < len(tokens):
        t = tokens[c.j]
        if t.joined and t.sentence == sentence and (t.key, t.cyr) in after:
            return not _city(settlements, c)
    return False


def _city(settlements: list, c: Cand) -> bool:
    """Is one of the span's candidates a city (KATOTTG M or K)?"""
    return any(settlements[s].category in "MK" for s in c.cands if s >= 0)


def _inherit_categories(text: str, tokens: list[Token], kept: list[Cand]) -> None:
    """A list after a type word shares it: "села Ялта, Запорожье и Новоукраинка" are all villages; a place
    after a preposition is not in the list ("the village of Stepnohirsk in Zaporizhzhia": where it lies)."""
    for n in range(1, len(kept)):
        a, b = kept[n - 1], kept[n]
        if (
            a.kind == b.kind == "settlement"
            and a.categories
            and not b.categories
            and linked(text, tokens, a, b, prepositions=False)
        ):
            b.categories = a.categories


def _abroad(text: str, tokens: list[Token], n: int) -> bool:
    """Does a state or country abroad start at token ``n``, right after a comma or bracket?"""
    gap = text[tokens[n - 1].end : tokens[n].start].strip()
    if gap not in (",", "(", ", ("):
        return False
    names, codes = foreign_qualifiers()
    sentence = tokens[n].sentence
    if tokens[n].key in _STATE_WORDS and n + 1 < len(tokens) and tokens[n + 1].sentence == sentence:
        n += 1  # "Одеса, штат Техас"
        if tokens[n].key == "of" and n + 1 < len(tokens) and tokens[n + 1].sentence == sentence:
            n += 1  # "Odessa, state of Texas"
    key, capitals = "", True
    for t in tokens[n : n + 4]:
        if t.sentence != sentence:
            break
        key += t.key
        capitals = capitals and t.text.isupper()
        # A code (TX, ON, USA, U.S.) only in capitals: "Paris, TX", not the word "us".
        if key in names or (capitals and key in codes):
            return True
    return False


def _named_body(text: str, tokens: list[Token], c: Cand, prev: Token | None) -> bool:
    """Is the span the name of a unit, army group or club: in quotes («Кракен», "Lyut") or right after
    a unit word (brigade, корпус, группировки)?"""
    before = text[tokens[c.i].start - 1 : tokens[c.i].start] if tokens[c.i].start else ""
    after = text[tokens[c.j - 1].end : tokens[c.j - 1].end + 1]
    if before and after and before in _QUOTES and after in _QUOTES:
        return True
    unit_words = folded("unit_words")
    if prev is not None and prev.key in unit_words:
        return True
    # "группировки войск «Центр»", "the 'Lyut' brigade"
    return bool(before and before in _QUOTES and c.j < len(tokens) and tokens[c.j].key in unit_words)


def _person(
    tables: Tables, tokens: list[Token], c: Cand, prev: Token | None, nxt: Token | None, lang: str, regions: set[int]
) -> bool:
    """A dictionary first name or surname next to another capitalised word that is not a region phrase:
    "Владимир Рогов" (not Володимир), but "Каменского Днепропетровской области" stays a place."""
    if c.j - c.i != 1:
        return False
    if not word_memo(tables, "person", tokens[c.i].text, lang, lambda: _person_word(tables, tokens[c.i].text, lang)):
        return False
    return bool(
        nxt is not None
        and capitalized(nxt.text)
        and nxt.start - tokens[c.i].end == 1
        and c.j not in regions
        or prev is not None
        and not prev.first
        and capitalized(prev.text)
        and tokens[c.i].start - prev.end == 1
        and c.i - 1 not in regions
    )


def _surname(
    tables: Tables, tokens: list[Token], c: Cand, prev: Token | None, nxt: Token | None, lang: str, regions: set[int]
) -> bool:
    """A single word right after a first name (Геннадий Труханов, Hennadiy Trukhanov; the sentence may
    start with the name), or right before a first name and a patronymic (Труханов Геннадий Леонидович):
    a surname, whatever the word reads as on its own; a first name before a capitalised word is a person's
    too (Володимира Зеленського, not the town Володимир). A region phrase next to it stays a place."""
    if c.j - c.i != 1:
        return False
    tok = tokens[c.i]
    if prev is not None and tok.start - prev.end == 1 and c.i - 1 not in regions and _first_name(tables, prev, lang):
        return True
    # An English title before it: "Mayor Trukhanov said".
    if prev is not None and not tok.cyr and prev.cap and tok.start - prev.end == 1:
        if prev.key in folded("person_titles"):
            return True
    if (
        nxt is not None
        and nxt.cap
        and nxt.start - tok.end == 1
        and c.j not in regions
        and nxt.key not in folded("unit_after")
        and _first_name(tables, tok, lang)
    ):
        return True
    if nxt is None or not tok.cyr or nxt.start - tok.end != 1 or c.j in regions or c.j + 1 >= len(tokens):
        return False
    patronymic = tokens[c.j + 1]
    return (
        patronymic.sentence == nxt.sentence
        and patronymic.start - nxt.end == 1
        and _first_name(tables, nxt, lang)
        and word_memo(tables, "patronymic", patronymic.text, lang, lambda: _patronymic(tables, patronymic.text, lang))
    )


def _first_name(tables: Tables, tok: Token, lang: str) -> bool:
    """Is the word a first name: in the ``first_names`` list, an oblique form of a listed name (Володимира),
    or (Cyrillic) read only as a dictionary person's name, first as a first name?"""
    if not tok.cap:
        return False
    if tok.key in folded("first_names"):
        return True
    return tok.cyr and word_memo(tables, "first name", tok.text, lang, lambda: _first_name_word(tables, tok.text, lang))


def _first_name_word(tables: Tables, word: str, lang: str) -> bool:
    ps = parses(tables, word, lang)
    if not ps:
        return False
    names = folded("first_names")
    if any("Name" in p.tag.grammemes and fold_key(p.normal_form) in names for p in ps[:3]):
        return True
    # Every reading a person's: Слава, Віра are words as well (Слава Мариуполю!).
    return "Name" in ps[0].tag.grammemes and all(p.is_known and PERSON_TAGS & p.tag.grammemes for p in ps)


def _patronymic(tables: Tables, word: str, lang: str) -> bool:
    ps = parses(tables, word, lang)
    return bool(ps and "Patr" in ps[0].tag.grammemes)


def _person_word(tables: Tables, word: str, lang: str) -> bool:
    """Is the word first read as a first name, surname or patronymic in pymorphy's dictionary?"""
    ps = parses(tables, word, lang)
    return bool(ps and PERSON_TAGS & ps[0].tag.grammemes and ps[0].is_known)


def foreign_lemma(tables: Tables, tok: Token, c: Cand, lang: str) -> bool:
    """Is the word an inflected form of a place abroad (в Курске: Курск) that only folds like a village's
    name (Курське), rather than that village's own spelling?"""
    # A Ukrainian city that shares its name with one abroad (Покровськ, Новомосковськ) is meant as itself.
    if any(tables.records[s].category not in "CX" for s in c.cands):
        return False
    if any(tables.records[s].name_uk.casefold() == tok.text.casefold() for s in c.cands):
        return False
    return word_memo(tables, "foreign", tok.text, lang, lambda: _foreign_word(tables, tok.text, lang))


def _foreign_word(tables: Tables, word: str, lang: str) -> bool:
    """Is the word first read as a noun, and one of its first readings the lemma of a place abroad?"""
    ps = parses(tables, word, lang)[:3]
    if not ps or ps[0].tag.POS != "NOUN":
        return False  # a foreign city is a noun (в Курске); "в Новотроицком" reads first as an adjective
    for p in ps:
        entry = tables.resolver.extract.not_places.get(fold_key(p.normal_form))
        if entry is not None and entry[1].startswith("foreign"):
            return True
    return False


_READINGS: dict[tuple, tuple[bool, bool]] = {}


def readings(ps: tuple) -> tuple[bool, bool]:
    """Memoised :func:`_readings` (pymorphy's ``is_known`` is a dictionary walk each time)."""
    key = (ps[0].word, str(ps[0].tag), len(ps)) if ps else ()
    got = _READINGS.get(key)
    if got is None:
        if len(_READINGS) > 100_000:
            _READINGS.clear()
        got = _READINGS[key] = _readings(ps)
    return got


def _readings(ps: tuple) -> tuple[bool, bool]:
    """(has a common-word reading, has a proper-noun reading) of a word in pymorphy's dictionary.

    The Russian dictionary marks place names Geox; the Ukrainian one keeps proper-noun lexemes with the
    gender right after the part of speech ("NOUN,femn,inan" Кіндрашівка) and common nouns with
    animacy first ("NOUN,inan femn" сила).
    """
    common = proper = False
    for p in ps:
        if not p.is_known:
            continue
        grams, tag = p.tag.grammemes, str(p.tag)
        if "Geox" in grams or _PROPER_TAG.match(tag) and not PERSON_TAGS & grams:
            proper = True
        elif not PERSON_TAGS & grams:
            common = True
    return common, proper


def _capital_neighbour(
    text: str, tokens: list[Token], c: Cand, prev: Token | None, nxt: Token | None, places: set[int]
) -> bool:
    if nxt is not None and capitalized(nxt.text) and JOIN_GAP.fullmatch(gap := text[tokens[c.j - 1].end : nxt.start]):
        # A title after a place is the place's official ("Kharkiv Mayor Ihor Terekhov").
        if (
            nxt.key not in folded("unit_after")
            and nxt.key not in folded("person_titles")
            and not (c.j in places and _HYPHEN.search(gap))
        ):
            return True
    if prev is not None and not prev.first and capitalized(prev.text):
        gap = text[prev.end : tokens[c.i].start]
        return bool(JOIN_GAP.fullmatch(gap)) and not (c.i - 1 in places and _HYPHEN.search(gap))
    return False


def linked(text: str, tokens: list[Token], a: Cand, b: Cand, *, prepositions: bool = True) -> bool:
    """Two mentions next to each other in a list or linked by a preposition: "Щастя, Попасна", "Лиман на X"
    (with ``prepositions=False``, in a list only)."""
    if tokens[a.j - 1].sentence != tokens[b.i].sentence:
        return False
    between = tokens[a.j : b.i]
    if len(between) > 2:
        return False
    connectors = folded("connectors")
    link_preps = folded("link_prepositions") if prepositions else frozenset()
    if not all(t.key in connectors or t.key in link_preps for t in between):
        return False
    gap = text[tokens[a.j - 1].end : tokens[b.i].start]
    return bool(_CONNECTOR_GAP.match(WORD.sub(" ", gap))) and (bool(between) or "," in gap or ";" in gap)


def direction(c: Cand, tokens: list[Token], tables: Tables, lang: str) -> None:
    """ "на Покровському напрямку": the direction adjective names a town (Покровськ, Авдіївка).

    The adjective's lemma (pymorphy) loses its adjective suffix; towns and cities whose key is that stem
    plus a usual town ending are the candidates.
    """
    extract = tables.resolver.extract
    index = tables.resolver.index
    found: dict[int, tuple[float, str]] = {}
    for p in parses(tables, tokens[c.i].text.lower(), lang)[:3]:
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


def regions_lists(tokens: list[Token], cands: list[Cand], tables: Tables) -> None:
    """ "Zhytomyr, Vinnytsia and Khmelnytskyi regions": each centre name in the list is an oblast."""
    regions_after, connectors = folded("regions_after"), folded("connectors")
    for n, c in enumerate(cands):
        if c.kind != "settlement" or c.j >= len(tokens) or tokens[c.j].key not in regions_after:
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
                or (cands[m - 1].j == cur.i - 1 and tokens[cur.i - 1].key not in connectors)
            ):
                break
            m -= 1
