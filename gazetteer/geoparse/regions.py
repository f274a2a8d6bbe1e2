"""Region phrases: the text's own statements of where its places are.

Raion and hromada phrases ("Ізюмського району", "в Харьковском районе", "Комарской громады", "the
Bohodukhiv district", "Velykyi Burluk community", and lists such as "Изюмского, Купянского и
Харьковского районов") become *unit* context for the mentions around them (they are not mentions
themselves). Oblast phrases the automaton cannot see ("the region of Kharkiv", "Sumy regional
governor", "Donetsk Regional Military Administration", "parts of Zaporizhzhia", "ДНР") become oblast
mentions or oblast context.
"""

from __future__ import annotations

from gazetteer.geoparse.candidates import Cand
from gazetteer.geoparse.lexicon import Tables, adjective_stem
from gazetteer.geoparse.tokens import Token, capitalized
from gazetteer.geoparse.words import folded, folded_table
from gazetteer.normalize import fold_key

#: Oblast context written as an abbreviation of a "people's republic" (the occupation's name for parts
#: of Donetsk and Luhansk oblasts): context only, never a mention of its own.
_REPUBLICS = {fold_key("ДНР"): "UA14", fold_key("ЛНР"): "UA44", fold_key("DPR"): "UA14", fold_key("LPR"): "UA44"}
_REPUBLIC_WORDS = {fold_key(w) for w in ("народной", "народна", "народної", "народную", "народная", "people")}
_REGION_OF = {fold_key(w) for w in ("region", "oblast", "province")}
_REGIONAL = {fold_key("regional")}
_PARTS = {fold_key(w) for w in ("parts", "part")}


def _oblast_id(tables: Tables, prefix: str) -> str:
    return next((uid for uid in tables.oblast_units if uid.startswith(prefix)), "")


def _units_of_adjective(tables: Tables, tokens: list[Token], n: int, level: str) -> tuple[set[str], int]:
    """Raions or hromadas whose name is the adjective ending at token ``n``, and how many tokens it takes
    (two for "Кам'янець-Подільського")."""
    stems = tables.unit_stems.get(level, {})
    stem = adjective_stem(tokens[n].text)
    if not stem:
        return set(), 0
    if n > 0 and tokens[n - 1].sentence == tokens[n].sentence:
        two = stems.get(f"{tokens[n - 1].key} {stem}")
        if two:
            return set(two), 2
    return set(stems.get(stem, ())), 1


def _units_of_settlements(tables: Tables, c: Cand, level: str) -> set[str]:
    """Units of ``level`` named after a settlement the candidate may be ("Bohodukhiv district")."""
    extract = tables.resolver.extract
    out = set()
    for sidx in c.cands:
        if sidx < 0:
            continue
        s = extract.settlements[sidx]
        uid, name = (s.raion_id, s.raion_uk) if level == "raion" else (s.hromada_id, s.hromada_uk)
        if uid and fold_key(name)[:4] == fold_key(s.name_uk)[:4]:
            out.add(uid)
    return out


def unit_phrases(text: str, tokens: list[Token], cands: list[Cand], tables: Tables) -> list[Cand]:
    """Turn raion and hromada phrases into "unit" context candidates (replacing what overlaps them)."""
    unit_after = folded_table("unit_after")
    connectors = folded("connectors")
    ending_at = {c.j: c for c in cands if c.kind == "settlement"}
    units: list[Cand] = []
    taken: set[int] = set()
    for n in [n for n, tok in enumerate(tokens) if n and tok.key in unit_after]:
        level = unit_after.get(tokens[n].key)
        if level not in ("raion", "hromada") or tokens[n - 1].sentence != tokens[n].sentence:
            continue
        # Walk back over a list of adjectives: "Изюмского, Купянского и Харьковского районов".
        m = n - 1
        while m >= 0 and m not in taken:
            found, width = _units_of_adjective(tables, tokens, m, level)
            if not found:
                # English: a settlement's name before "district"/"community" ("the Bohodukhiv district").
                c = ending_at.get(m + 1)
                if c is not None:
                    found, width = _units_of_settlements(tables, c, level), c.j - c.i
            if not found:
                break
            first = m - width + 1
            units.append(Cand(first, m + 1, "unit", units=frozenset(found)))
            taken.update(range(first, m + 1))
            prev = first - 1
            if prev < 0 or tokens[prev].sentence != tokens[m].sentence:
                break
            gap = text[tokens[prev].end : tokens[first].start]
            if tokens[prev].key in connectors:
                m = prev - 1
            elif gap.strip() == ",":
                m = prev
            else:
                break
    if not units:
        return cands
    kept = [c for c in cands if not any(n in taken for n in range(c.i, c.j))]
    return sorted(kept + units, key=lambda c: c.i)


def oblast_phrases(text: str, tokens: list[Token], cands: list[Cand], tables: Tables) -> None:
    """English region phrases on a centre's name become oblast mentions; "ДНР" becomes oblast context."""
    for c in cands:
        if c.kind != "settlement":
            continue
        centres = {tables.centre_of[s] for s in c.cands if s in tables.centre_of}
        if not centres:
            continue
        nxt = tokens[c.j] if c.j < len(tokens) and tokens[c.j].sentence == tokens[c.j - 1].sentence else None
        prev = tokens[c.i - 1] if c.i > 0 and tokens[c.i - 1].sentence == tokens[c.i].sentence else None
        before = tokens[c.i - 2] if c.i > 1 and tokens[c.i - 2].sentence == tokens[c.i].sentence else None
        regional = nxt is not None and nxt.key in _REGIONAL and capitalized(tokens[c.i].text)
        region_of = prev is not None and prev.key == "of" and before is not None and before.key in _REGION_OF
        parts_of = prev is not None and prev.key == "of" and before is not None and before.key in _PARTS
        if regional or region_of or parts_of:
            c.kind, c.oblast, c.cands = "oblast", next(iter(centres)), {}


def republic_context(tokens: list[Token], tables: Tables) -> list[Cand]:
    """ "ДНР", "Донецкой Народной Республике", "Luhansk People's Republic": oblast context."""
    out = []
    for n in [n for n, tok in enumerate(tokens) if tok.key in _REPUBLICS or tok.key in _REPUBLIC_WORDS]:
        tok = tokens[n]
        prefix = _REPUBLICS.get(tok.key) if tok.text.isupper() else None
        if prefix is None and tok.key in _REPUBLIC_WORDS and n > 0:
            prev = tokens[n - 1].key
            prefix = "UA14" if prev.startswith("donec") else "UA44" if prev.startswith("luhan") else None
        if prefix:
            uid = _oblast_id(tables, prefix)
            if uid:
                out.append(Cand(n, n + 1, "unit", oblast=uid))
    return out
