"""Disambiguation: one settlement per mention from the document's own context.

Oblasts mentioned (nearest in the sentence first), the oblasts of unambiguous places and the distance to
them pull each ambiguous name to one settlement; a prior (category, population) breaks what is left.
"""

from __future__ import annotations

import math
from collections import defaultdict

from gazetteer.geodesy import haversine_km
from gazetteer.geoparse.candidates import Cand
from gazetteer.geoparse.lexicon import Tables
from gazetteer.geoparse.tokens import Token
from gazetteer.model import Match, Mention, Settlement

#: How many sentences before and after a mention count as its context (long texts change topic).
CONTEXT_SENTENCES = 4
_CATEGORY_PRIOR = {"K": 3, "M": 2, "X": 1, "C": 0}


def _distance_km(a: Settlement, b: Settlement) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def prior(s: Settlement) -> float:
    return 0.06 * _CATEGORY_PRIOR.get(s.category, 0) + 0.03 * math.log10((s.population or 0) + 1)


def disambiguate(tokens: list[Token], cands: list[Cand], tables: Tables) -> None:
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
                score = base + prior(s)
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


def to_mentions(text: str, tokens: list[Token], cands: list[Cand], tables: Tables) -> list[Mention]:
    """Public :class:`~gazetteer.model.Mention` records of the settlement and oblast candidates."""
    settlements = tables.resolver.extract.settlements
    out = []
    for c in cands:
        if c.kind not in ("settlement", "oblast"):
            continue
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
            score = round(0.5 * max(b for b, _ in c.cands.values()), 4)
            out.append(Mention(surface, start, end, "settlement", score, candidates=ranked))
    return out
