"""Candidates: spans of the token stream that may name a settlement or an oblast, with their settlements.

The folded token stream is scanned by the lexicon's automaton in one pass; capitalised Cyrillic words no
form matched (Russian forms of village names such as Кондрашовку) are lemmatized with pymorphy and
looked up by key or consonant skeleton.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from rapidfuzz import fuzz

from gazetteer.geoparse.lexicon import NOT_IN_TEXT, PERSON_TAGS, Tables, parses
from gazetteer.geoparse.tokens import Token, is_cyrillic, plain
from gazetteer.geoparse.words import folded, folded_table
from gazetteer.normalize import fold_key
from gazetteer.resolve import KIND_SCORE, NAMESAKE_FACTOR, Resolver

#: Weight of Ukrainian names reached from a Russian word by lemma or skeleton when the word also matched
#: a name form directly.
RUSSIAN_FORM = 0.97


def latin_word(word: str) -> bool:
    return not is_cyrillic(word)


@dataclass(slots=True)
class Cand:
    i: int  # first token
    j: int  # one past the last token
    kind: str  # "settlement", "oblast", "unit" (a raion or hromada: context only) or "drop"
    cands: dict[int, tuple[float, str]] = field(default_factory=dict)  # settlement index -> (score, name key)
    oblast: str = ""
    units: frozenset[str] = frozenset()  # raion/hromada ids of a "unit" mention
    former: frozenset[int] = frozenset()  # candidates matched only by a former/alternate name
    weak: bool = False
    score: float = 1.0
    categories: str = ""  # KATOTTG categories a type word before the name announces ("C", "XC", "MK")
    resolved: int | None = None
    margin: float = 0.0
    ranked: list[int] = field(default_factory=list)  # best candidates first, when several


def scan(text: str, tokens: list[Token], tables: Tables) -> list[tuple[int, int, tuple]]:
    """Automaton hits as (first token, one past last token, group) over the folded token stream.

    The stream is the tokens' keys framed by spaces, with " | " where the gap between two words cannot be
    inside a name (punctuation, a line break), so that no pattern spans it."""
    if not tokens:
        return []
    # parts: " ", key 0, separator, key 1, ..., key n-1, " " (joined with C-level loops, not per token)
    parts = [" "] * (2 * len(tokens) + 1)
    parts[1::2] = [tok.key for tok in tokens]
    parts[2:-1:2] = [" " if tok.joined else " | " for tok in tokens[1:]]
    offsets = list(accumulate(map(len, parts), initial=0))
    where = dict(zip(offsets[1::2], range(len(tokens))))  # where each key starts -> its token
    norm = "".join(parts)
    groups = tables.groups
    hits = []
    for end, value in tables.automaton.iter(norm):
        # value: (group << 28) | (words << 16) | length, see lexicon.unpack
        first = where.get(end - (value & 0xFFFF) + 2)
        if first is not None:
            hits.append((first, first + ((value >> 16) & 0xFFF), groups[value >> 28]))
    return hits


def candidates(text: str, tokens: list[Token], tables: Tables, lang: str) -> list[Cand]:
    """Non-overlapping candidate spans in text order: longest first, at equal length oblasts first."""
    admin_after, institution_after = folded("admin_after"), folded("institution_after")
    out: list[Cand] = []
    memo: dict[tuple, dict] = {}  # the same word hitting the same group gives the same candidates
    oblasts_of: dict[int, list[tuple]] = {}  # group -> its oblast entries
    for i, j, group in scan(text, tokens, tables):
        tok = tokens[i]
        obl = oblasts_of.get(id(group))
        if obl is None:
            obl = oblasts_of[id(group)] = [e for e in group if e[0] == "o"]
        if obl and obl[0][2] and j < len(tokens) and tokens[j].cap and tok.cyr:
            # An oblast adjective right before a name ("харьковскую Ивановку", "Херсонське Садове"): the
            # oblast is the name's own context, not a mention.
            if tokens[j].sentence == tok.sentence and text[tok.end : tokens[j].start].isspace():
                out.append(Cand(i, j, "unit", oblast=obl[0][1]))
                continue
        if not tok.text[:1].isupper():
            continue
        latin = not tok.cyr
        if obl:
            uid, needs_admin = obl[0][1], obl[0][2]
            body = j < len(tokens) and (
                tokens[j].key in admin_after and tokens[j].text.isupper() or tokens[j].key in institution_after
            )
            if not needs_admin or body:
                out.append(Cand(i, j, "oblast", oblast=uid, score=0.97))
                continue
        memo_key = (id(group), tok.text, j - i)
        if memo_key in memo:
            cands_, former = memo[memo_key]
            if cands_:
                out.append(Cand(i, j, "settlement", cands=dict(cands_), former=former))
            continue
        cand = Cand(i, j, "settlement")
        current_ids: set[int] = set()
        for e in group:
            if e[0] != "s" or not (e[4] if latin else e[5]):
                continue
            _, sidx, score, key, _lat, _cyr, current = e
            if (
                lang == "ru"
                and not latin
                and j - i == 1
                and key == tok.key
                and plain(tok.text) != plain(tables.records[sidx].name_uk)
            ):
                # In Russian text "в Покровске" folds like the Ukrainian nominative Покровське but is the
                # locative of Покровск: a Ukrainian name matched only through folding is weaker evidence.
                score = round(score * 0.85, 4)
            if sidx not in cand.cands or cand.cands[sidx][0] < score:
                cand.cands[sidx] = (score, key)
            if current:
                current_ids.add(sidx)
        if cand.cands and j - i == 1 and not latin and lang != "en":
            if lang == "ru":
                # A Russian form names villages with no Russian name of their own too (Сосновка: Соснівка,
                # Глубокое: Глибоке): their Ukrainian names by lemma and skeleton join, weaker; the text's
                # region decides between them and an official name spelt alike (Ольховатка).
                ceiling = min(v[0] for v in cand.cands.values()) - 0.03
                for sidx, val in lemma_lookup(tables, [tok.text], lang, typed=True).items():
                    cand.cands.setdefault(sidx, (round(min(val[0] * RUSSIAN_FORM, ceiling), 4), val[1]))
            elif all(tables.records[s].category in "CX" for s in cand.cands):
                # A village's name may be a case form of a town's name (Харкове = в Харькове): add the lemma's.
                for sidx, val in lemma_lookup(tables, [tok.text], lang).items():
                    cand.cands.setdefault(sidx, val)
        if current_ids:
            cand.former = frozenset(s for s in cand.cands if s not in current_ids)
        memo[memo_key] = (dict(cand.cands), cand.former)
        if cand.cands:
            out.append(cand)
    covered = {n for c in out for n in range(c.i, c.j)}
    direction_after = folded("direction_after")
    last = len(tokens) - 1
    capitals = [n for n, tok in enumerate(tokens) if tok.cap]
    for n in capitals:
        if n < last and n not in covered and tokens[n + 1].key in direction_after:
            out.append(Cand(n, n + 1, "settlement", cands={-1: (0.0, "")}))
            covered.add(n)
    # A word found alone (Старом = в Старое) may open a two-word name (Старом Салтове): the fallback
    # may try two words from it; the longer span wins below.
    singles = {c.i for c in out if c.j - c.i == 1 and c.kind == "settlement"}
    out.extend(fallback(tokens, tables, lang, covered, singles, capitals))
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


def fallback(
    tokens: list[Token],
    tables: Tables,
    lang: str,
    covered: set[int],
    singles: set[int] | frozenset[int] = frozenset(),
    capitals: list[int] | None = None,
) -> list[Cand]:
    """Capitalised Cyrillic words no form matched: lemmatize, then look up by key or consonant skeleton; and
    Latin words no form matched after "village of", "town of" (:func:`latin_after_type_word`).

    ``capitals``: the indices of the capitalised tokens, when the caller has them."""
    type_words = folded_table("type_words")
    if capitals is None:
        capitals = [n for n, tok in enumerate(tokens) if tok.cap]
    out = latin_after_type_word(tokens, tables, covered, capitals, type_words)
    if lang == "en":
        return out
    resume = 0  # a two-word name took the word after it
    for n in capitals:
        tok = tokens[n]
        if n < resume or (n in covered and n not in singles) or len(tok.text) < 4 or not tok.cyr:
            continue
        # Try two words first (Малой Даниловке), then one.
        if (
            n + 1 < len(tokens)
            and n + 1 not in covered
            and tokens[n + 1].cap
            and tokens[n + 1].sentence == tok.sentence
        ):
            found = lemma_lookup(tables, [tok.text, tokens[n + 1].text], lang)
            if found:
                out.append(Cand(n, n + 2, "settlement", cands=found, score=0.85))
                resume = n + 2
                continue
        if n in covered:
            continue
        kinds = type_words.get(tokens[n - 1].key) if n > 0 and tokens[n - 1].sentence == tok.sentence else None
        found = {}
        if kinds:
            # After a type word even a common word may be a name (в поселке Глубокое), of that type only.
            found = lemma_lookup(tables, [tok.text], lang, typed=True)
            found = {s: v for s, v in found.items() if tables.records[s].category in kinds}
        found = found or lemma_lookup(tables, [tok.text], lang)
        if found:
            out.append(Cand(n, n + 1, "settlement", cands=found, score=0.85))
    return out


#: A Latin word after "<type word> of" (the village of Stepnohirske) that no form matched is looked up as the
#: resolver would (another adjective ending, a typo): taken when its candidates score at least this...
LATIN_CUE_SCORE = 0.85
#: ...with this weight on the resolver's score (a name reached so is weaker than a form of the lexicon).
LATIN_CUE_WEIGHT = 0.9
#: English news says "village" of a settlement (X, selyshche) as often as of a village: both are taken.
LATIN_CUE_KINDS = {"C": "CX"}
#: The word between the type word and the name ("village of", "town of").
_OF = "of"


def latin_after_type_word(
    tokens: list[Token], tables: Tables, covered: set[int], capitals: list[int], type_words: dict[str, str]
) -> list[Cand]:
    """Capitalised Latin words no form matched right after a type word and "of" ("the village of
    Stepnohirske", "the town of Vuhledarsk"): the resolver's candidates of that type (two words first, then
    one), for the disambiguator to choose among by the text's regions. Nothing for a word the resolver does
    not find, finds only loosely (below LATIN_CUE_SCORE) or finds only as places of another type."""
    out: list[Cand] = []
    resolver = tables.resolver
    for n in capitals:
        tok = tokens[n]
        if n in covered or n < 2 or tok.cyr or len(tok.text) < 4:
            continue
        of, kind = tokens[n - 1], tokens[n - 2]
        kinds = type_words.get(kind.key) if of.key == _OF and kind.sentence == of.sentence == tok.sentence else None
        if not kinds:
            continue
        kinds = LATIN_CUE_KINDS.get(kinds, kinds)
        spans = [n + 1]
        if n + 1 < len(tokens) and n + 1 not in covered and tokens[n + 1].cap and tokens[n + 1].joined:
            spans.insert(0, n + 2)
        for j in spans:
            found = _resolved_latin(resolver, " ".join(t.text for t in tokens[n:j]), kinds)
            if found:
                out.append(Cand(n, j, "settlement", cands=found, score=LATIN_CUE_SCORE, categories=kinds))
                break
    return out


def _resolved_latin(resolver: Resolver, name: str, kinds: str) -> dict[int, tuple[float, str]]:
    """Settlement index -> (score, key) of the resolver's answer for ``name`` among places of ``kinds``."""
    try:
        res = resolver.lookup(name)
    except (TypeError, ValueError):
        return {}
    if res.status not in ("resolved", "ambiguous"):
        return {}
    position = resolver.positions()
    key = fold_key(name)
    return {
        position[m.id]: (round(m.score * LATIN_CUE_WEIGHT, 4), key)
        for m in res.candidates
        if m.match != "district" and m.score >= LATIN_CUE_SCORE and m.settlement.category in kinds
    }


_TABLES_BY_ID: dict[int, Tables] = {}
#: Russian "-ье" nouns are Ukrainian doubled consonant + "я" (Запорожье: Запоріжжя, Заречье: Заріччя).
_RU_IE = re.compile(r"([бвгджзклмнпрстфхцчшщ])ье$")


def _ukrainian_spellings(combos: list[list[str]]) -> list[list[str]]:
    out = []
    for combo in combos:
        last = _RU_IE.sub(r"\1\1я", combo[-1])
        if last != combo[-1]:
            out.append([*combo[:-1], last])
    return out


def lemma_lookup(tables: Tables, words: list[str], lang: str, *, typed: bool = False) -> dict[int, tuple[float, str]]:
    """Settlements whose name is the nominative of ``words`` (by key, or by skeleton for unknown words;
    ``typed``: after a type word, known common words too)."""
    _TABLES_BY_ID[id(tables)] = tables
    return dict(_lemma_lookup_cached(id(tables), tuple(words), lang, typed))


@lru_cache(maxsize=50_000)
def _lemma_lookup_cached(tables_id: int, words: tuple[str, ...], lang: str, typed: bool) -> tuple:
    tables = _TABLES_BY_ID[tables_id]
    index = tables.resolver.index
    extract = tables.resolver.extract
    nominatives: list[list[str]] = []
    known = not typed
    after_adjective = False
    geox = False  # a dictionary place name (Львове -> Львов) may be as short as four letters
    genders: set[str] = set()
    for w in words:
        forms = []
        ps = parses(tables, w, lang)[:3]
        # After an adjective (Старом Салтове), a guessed surname reading of an unknown word is a place's
        # noun: pymorphy guesses Surn for any -ов/-ев/-ин word it does not know.
        guessed_ok = typed or after_adjective and ps and not ps[0].is_known
        if ps and (PERSON_TAGS | {"Orgn", "Abbr"}) & ps[0].tag.grammemes and not guessed_ok:
            return ()
        after_adjective = any(p.tag.POS == "ADJF" for p in ps)
        geox = geox or any("Geox" in p.tag.grammemes and p.is_known for p in ps)
        for p in ps:
            if p.tag.POS not in ("NOUN", "ADJF") or (PERSON_TAGS & p.tag.grammemes and not guessed_ok):
                continue
            known = known and p.is_known and "Geox" not in p.tag.grammemes
            infl = p.inflect({"nomn"}) if p.tag.case != "nomn" else p
            forms.append(infl.word if infl else p.normal_form)
            if p.tag.POS == "ADJF" and p.tag.number != "plur":
                # An adjective name may be of any gender (Новотроицком: Новотроицкое, Новотроицкий);
                # those forms are looked up exactly, not by skeleton (unless typed).
                for gender in ("neut", "femn", "masc"):
                    infl = p.inflect({"nomn", "sing", gender})
                    if infl and infl.word not in forms:
                        genders.add(infl.word)
                        forms.append(infl.word)
        if not forms:
            return ()
        nominatives.append(list(dict.fromkeys(forms)))
    found: dict[int, tuple[float, str]] = {}
    combos = [[f] for f in nominatives[0]]
    for more in nominatives[1:]:
        combos = [c + [f] for c in combos for f in more]
    for combo in [*combos, *_ukrainian_spellings(combos)]:
        key = fold_key(" ".join(combo))
        if not key or (key in extract.not_places and not typed) or len(key) < (4 if geox else 5):
            continue
        hits = [hit for hit in index.exact(key) if hit.kind not in NOT_IN_TEXT]
        for hit in hits:
            found.setdefault(hit.settlement, (0.9 * KIND_SCORE.get(hit.kind, 0.93), key))
        for hit in hits:
            # A Russian or GeoNames spelling recorded for one of several namesakes names them all (Марково).
            for other in tables.resolver.namesakes_through(hit.settlement, hit.name, hit.kind):
                found.setdefault(other, (0.9 * KIND_SCORE.get(hit.kind, 0.93) * NAMESAKE_FACTOR, key))
        if (found and not typed) or known or (not typed and genders & set(combo)):
            continue
        for other in index.by_skeleton_of(key):
            if other[0] != key[0] or other in extract.not_places:
                continue
            sim = fuzz.ratio(key, other) / 100
            if sim >= 0.75:
                for hit in index.exact(other):
                    if hit.kind not in NOT_IN_TEXT:
                        found.setdefault(hit.settlement, (0.78 + 0.14 * sim, other))
    return tuple(found.items())
