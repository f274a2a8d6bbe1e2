"""Find the Ukrainian settlements and oblasts named in free text (Ukrainian, Russian or English).

>>> from gazetteer.geoparse import find_places
>>> found = find_places("Під Бахмутом і в Куп'янську на Харківщині тривають бої.")
>>> [(m.text, m.kind) for m in found]
[('Бахмутом', 'settlement'), ("Куп'янську", 'settlement'), ('Харківщині', 'oblast')]
>>> [m.match.name for m in found if m.match] + [m.oblast.name_uk for m in found if m.oblast]
['Бахмут', 'Куп’янськ', 'Харківська']

Stages, one module each:

1. :mod:`~gazetteer.geoparse.tokens`: words, folded keys, sentences, the document's language.
2. :mod:`~gazetteer.geoparse.lexicon`: every settlement name and oblast phrase in its case forms
   (pymorphy3, shipped precomputed), folded into one Aho-Corasick automaton.
3. :mod:`~gazetteer.geoparse.candidates`: automaton hits over the token stream, and lemma/skeleton
   lookups of capitalised words no form matched (Кондрашовку).
4. :mod:`~gazetteer.geoparse.filters`: what is not a place (people, rivers, districts, common words,
   foreign places) is dropped; region phrases become oblasts.
5. :mod:`~gazetteer.geoparse.regions`: the text's own region phrases (oblast, raion, hromada, in three
   languages and adjective forms) become context for the mentions around them.
6. :mod:`~gazetteer.geoparse.disambiguate`: homonyms are resolved from the document's own context
   (stated oblasts, raions and hromadas, unambiguous places nearby) and a prior.

Word lists (type words, unit words, prepositions...) are data in :mod:`gazetteer.words`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from typing import Any

from gazetteer.geoparse.candidates import candidates
from gazetteer.geoparse.disambiguate import disambiguate, to_mentions
from gazetteer.geoparse.filters import apply_filters, regions_lists
from gazetteer.geoparse.lexicon import Tables, analyzer, tables_for
from gazetteer.geoparse.regions import oblast_phrases, republic_context, unit_phrases
from gazetteer.geoparse.tokens import _sentence_ends, doc_lang, tokenize
from gazetteer.model import Mention
from gazetteer.resolve import Resolver, default_resolver

__all__ = ["LANGS", "find_places", "iter_places", "mentions_to_geojson"]

LANGS = ("uk", "ru", "en")


#: A text longer than WINDOW + 2 * MARGIN characters is geoparsed in windows: cores of about WINDOW
#: characters, each read with about MARGIN characters of the text around it (a mention's context is the
#: few sentences around it, CONTEXT_SENTENCES), cut at paragraph or sentence ends. Memory then depends on
#: the window, not the document; the "anywhere in the document" context (DOC_OBLAST, DOC_UNIT) becomes
#: "anywhere in the window" (some 320,000 characters: a long report, far more than an article). The
#: margins are read twice, so they are kept small: 10,000 characters hold dozens of sentences.
WINDOW = 300_000
MARGIN = 10_000
#: How far back from a wanted cut a paragraph or sentence end is looked for.
_CUT_SLACK = 10_000


def _check(text: object, lang: str | None) -> None:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)} (or None), not {lang!r}")
    analyzer("uk")  # reading words in free text needs pymorphy3: MissingExtra (one line) before any work


def find_places(text: str, *, lang: str | None = None, resolver: Resolver | None = None) -> list[Mention]:
    """The settlements and oblasts ``text`` names, in text order, each with its span and resolution.

    ``lang`` ("uk", "ru" or "en") picks the morphology used for unknown words; by default it is guessed
    from the letters. A settlement mention carries ``match`` when one settlement fits clearly, otherwise
    ``candidates``; one placed by a region the text states, where namesakes fit as well ("Іванівку Донецької
    області": six villages), carries both: ``match`` the likeliest, ``candidates`` all of them, and a lower
    score. An oblast mention carries ``oblast``. Raises TypeError when ``text`` is not a str,
    ValueError for an unknown ``lang``. Data: the extract in use (KATOTTG, GeoNames), pymorphy3's
    dictionaries for case forms. A long text is read in windows (:func:`iter_places`).
    """
    _check(text, lang)
    return list(iter_places(text, lang=lang, resolver=resolver))


def iter_places(text: str, *, lang: str | None = None, resolver: Resolver | None = None) -> Iterator[Mention]:
    """:func:`find_places` one mention at a time, in text order: a text longer than WINDOW + 2 * MARGIN
    characters is read window by window (each core with MARGIN characters of context on both sides, cut
    at paragraph or sentence ends), so that memory is bounded by the window, not the document. Offsets
    are the document's. The language is guessed once, from the whole text. Same errors as find_places."""
    _check(text, lang)
    if not text.strip():
        return
    tables = tables_for(resolver or default_resolver())
    language = doc_lang(text, lang)
    if len(text) <= WINDOW + 2 * MARGIN:
        yield from _places(text, language, tables)
        return
    for lo, a, b, hi in windows(text):
        for m in _places(text[lo:hi], language, tables, lo):
            if a <= m.start < b:
                yield m


def _cut(text: str, p: int) -> int:
    """A place at or before ``p`` to cut ``text``: after a blank line, else after a sentence end, else at a
    space (a word is never split), else ``p``."""
    if p <= 0 or p >= len(text):
        return max(0, min(p, len(text)))
    lo = max(0, p - _CUT_SLACK)
    i = text.rfind("\n\n", lo, p)
    if i >= 0:
        return i + 2
    ends = _sentence_ends(text[lo:p])
    if ends:
        return lo + ends[-1]
    i = text.rfind(" ", lo, p)
    return i + 1 if i >= 0 else p


def windows(text: str) -> list[tuple[int, int, int, int]]:
    """(read from, core start, core end, read to) of each window of a long text; the cores cover the
    text once, in order."""
    cuts = [0]
    while len(text) - cuts[-1] > WINDOW + MARGIN:
        nxt = _cut(text, cuts[-1] + WINDOW)
        cuts.append(nxt if nxt > cuts[-1] else cuts[-1] + WINDOW)
    cuts.append(len(text))
    return [
        (_cut(text, a - MARGIN), a, b, _cut(text, b + MARGIN) if b < len(text) else b) for a, b in zip(cuts, cuts[1:])
    ]


def _places(text: str, language: str, tables: Tables, offset: int = 0) -> list[Mention]:
    """The mentions in ``text``, their offsets moved by ``offset`` (where ``text`` starts in the document).

    The cyclic garbage collector is paused meanwhile (when it was on): a window makes some hundred thousand
    objects that all live till its end (words, candidates, scores), and the collector, run every 700 new
    objects, spent about a fifth of the time walking them (none are garbage). It is turned back on before
    the mentions are handed out; a collection then runs as usual."""
    if not gc.isenabled():
        return _places_in(text, language, tables, offset)
    gc.disable()
    try:
        return _places_in(text, language, tables, offset)
    finally:
        gc.enable()


def _places_in(text: str, language: str, tables: Tables, offset: int) -> list[Mention]:
    tokens = tokenize(text)
    if not tokens:
        return []
    cands = candidates(text, tokens, tables, language)
    cands = unit_phrases(text, tokens, cands, tables) + republic_context(tokens, tables)
    oblast_phrases(text, tokens, cands, tables)
    cands = apply_filters(text, tokens, sorted(cands, key=lambda c: c.i), tables, language)
    regions_lists(tokens, cands, tables)
    decided = disambiguate(tokens, cands, tables)
    # The sentence of each mention, by its start in the document.
    sentence_at = {tokens[c.i].start + offset: tokens[c.i].sentence for c in cands}
    placed = {tokens[c.i].start + offset for c in cands if id(c) in decided.placed}
    mentions = to_mentions(text, tokens, cands, tables, offset, decided)
    return _without_city_parts(mentions, sentence_at, tables, placed)


def _without_city_parts(
    mentions: list[Mention], sentence_at: dict[int, int], tables: Tables, placed: set[int] | frozenset = frozenset()
) -> list[Mention]:
    """Leave out a mention that names a part of a city the same sentence names ("у Києві на Троєщині":
    Kyiv's Troieshchyna, not the village Троєщина 400 km away): the city is already there. A mention resolved
    to a city, or to a settlement of the city's own oblast, stays (Odesa's Kyivskyi district does not take
    Kyiv away from "the Kyiv-Odesa highway"; a suburb named so is itself a settlement), and so does one the text
    places in its own region ("Іванівку Донецької області та Харків": not Kharkiv's Ivanivka). ``sentence_at``:
    the sentence number of each mention's start; ``placed``: the starts of the mentions placed so."""
    cities: dict[int, list] = {}
    for m in mentions:
        if m.kind == "settlement" and m.match is not None and m.match.settlement.category in "MK":
            cities.setdefault(sentence_at.get(m.start, -1), []).append(m.match.settlement)
    if not cities:
        return mentions
    resolver = tables.resolver
    kept = []
    for m in mentions:
        near = cities.get(sentence_at.get(m.start, -1), ())
        if (
            m.kind == "settlement"
            and near
            and m.start not in placed
            and not (m.match is not None and m.match.settlement.category in "MK")
        ):
            names = {c.name_uk for c in m.candidates} | ({m.match.name_uk} if m.match is not None else set())
            part_of = next(
                (
                    c
                    for c in near
                    if (m.match is None or m.match.settlement.id != c.id) and any(resolver.part_of(n, c) for n in names)
                ),
                None,
            )
            if part_of is not None and (m.match is None or m.match.settlement.oblast_id != part_of.oblast_id):
                continue
        kept.append(m)
    return kept


def mentions_to_geojson(mentions: Iterable[Mention]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the resolved settlement mentions (Point geometry [lon, lat]). ``tied``:
    how many namesakes fit the region the text states as well as the one placed (0: none; see :class:`Mention`)."""
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
                    "tied": max(0, len(m.candidates) - 1),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
