"""Disambiguation: one settlement per mention from the document's own context.

Oblasts mentioned (nearest in the sentence first), the oblasts of unambiguous places and the distance to
them pull each ambiguous name to one settlement; a prior (category, population) breaks what is left.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import NamedTuple

from gazetteer.geodesy import EARTH_RADIUS_KM
from gazetteer.geoparse.candidates import Cand
from gazetteer.geoparse.lexicon import Tables
from gazetteer.geoparse.tokens import Token
from gazetteer.model import Match, Mention, Settlement
from gazetteer.rank import settlement_prior

#: How many sentences before and after a mention count as its context (long texts change topic).
CONTEXT_SENTENCES = 4
#: Scale of the shared prior against the bonuses below (a city over a village: 2 * PRIOR_WEIGHT).
PRIOR_WEIGHT = 0.06
#: Bonuses for a candidate that fits what the text states around its mention, strongest first.
LOCAL_UNIT = 1.0  # a raion or hromada named in the same sentence ("... Комарской громады")
LOCAL_OBLAST = 0.75  # the nearest oblast named in the same sentence that fits
STATED_UNIT = 0.45  # a raion or hromada named within the context window
STATED_OBLAST = 0.35  # an oblast named within the context window
DOC_UNIT = 0.25  # a raion or hromada named anywhere else in the document
DOC_OBLAST = 0.2  # an oblast named anywhere else in the document
ANCHOR_OBLAST = 0.1  # the oblast of an unambiguous place within the window
#: A strong prior (an oblast centre, a city of STRONG_POPULATION or more) that co-mentioned places near
#: a small namesake must not overturn; stated regions still can.
STRONG_PRIOR = 0.4
STRONG_POPULATION = 50_000
#: A candidate whose category a type word before the mention excludes ("села X": not the city X).
WRONG_CATEGORY = -0.35
MIN_MARGIN = 0.04
#: Confidence kept by a mention resolved by the region the text states around it while namesakes there fit
#: as well (the text does not say which one it is): they are listed as its candidates too.
TIED_IN_REGION = 0.7
#: A candidate matched only by a former or alternate name when another is matched by its current name.
FORMER_NAME = -0.1
#: Places mentioned nearby pull a candidate within this many km (linearly less with distance).
NEAR_KM = 120.0
NEAR_MAX = 0.35 + 0.1 + ANCHOR_OBLAST


def prior(s: Settlement) -> float:
    """The shared settlement prior (:func:`gazetteer.rank.settlement_prior`) on this module's scale."""
    return PRIOR_WEIGHT * settlement_prior(s)


def _strong(s: Settlement, sidx: int, tables: Tables) -> bool:
    return sidx in tables.centre_of or (s.category in "KM" and (s.population or 0) >= STRONG_POPULATION)


def _stated(tokens: list[Token], cands: list[Cand]) -> dict[int, list[tuple[int, int, frozenset[str], frozenset[str]]]]:
    """sentence -> [(first token, one past the last, oblast ids, unit ids)] of the regions the text states there."""
    out: dict[int, list[tuple[int, int, frozenset[str], frozenset[str]]]] = defaultdict(list)
    for c in cands:
        if c.kind == "oblast" or (c.kind == "unit" and c.oblast):
            out[tokens[c.i].sentence].append((c.i, c.j, frozenset([c.oblast]), frozenset()))
        elif c.kind == "unit":
            out[tokens[c.i].sentence].append((c.i, c.j, frozenset(), c.units))
    return out


class _Nearby:
    """Distances from candidates to anchor settlements, each pair computed once per document.

    An anchor counts only within :data:`NEAR_KM` and in a grid cell (~120 km) next to the candidate's own;
    a mention needs the distances to the few anchors around it, so only those pairs are computed (not
    every anchor of the document near every candidate)."""

    def __init__(self, settlements: list[Settlement]) -> None:
        self.settlements = settlements
        self.cells: dict[int, tuple[int, int]] = {}
        # settlement -> (latitude in radians, its cosine, longitude in degrees): the haversine's per-point part
        self.points: dict[int, tuple[float, float, float]] = {}
        self.km: dict[int, dict[int, float]] = {}  # candidate -> anchor in a neighbouring cell -> km

    def cell(self, sidx: int) -> tuple[int, int]:
        got = self.cells.get(sidx)
        if got is None:
            s = self.settlements[sidx]
            got = self.cells[sidx] = (math.floor(s.lat / 1.1), math.floor(s.lon / 1.75))
            p = math.radians(s.lat)
            self.points[sidx] = (p, math.cos(p), s.lon)
        return got

    def closeness(
        self, sidx: int, cell: tuple[int, int], anchors: list[tuple[int, int, int, bool]]
    ) -> tuple[float, float]:
        """For the nearest anchor in the same sentence and in the window of candidate ``sidx`` in grid
        ``cell``: 1 at the same point, falling to 0 at NEAR_KM. ``anchors``: (anchor, cell row, cell
        column, in the same sentence), an anchor may be listed more than once; each has had its :meth:`cell`.
        Distances are :func:`~gazetteer.geodesy.haversine_km`'s, with each point's part worked out once."""
        to_same = to_around = NEAR_KM
        la, lo = cell
        km_of = self.km.get(sidx)
        if km_of is None:
            km_of = self.km[sidx] = {}
        points = self.points
        p1, cos1, lon1 = points[sidx]
        sin, radians = math.sin, math.radians
        for a, ala, alo, in_same in anchors:
            if ala - la > 1 or la - ala > 1 or alo - lo > 1 or lo - alo > 1:
                continue
            km = km_of.get(a)
            if km is None:
                p2, cos2, lon2 = points[a]
                h = sin((p2 - p1) / 2) ** 2 + cos1 * cos2 * sin(radians(lon2 - lon1) / 2) ** 2
                km = km_of[a] = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))
            if km < to_around:
                to_around = km
            if in_same and km < to_same:
                to_same = km
        return (
            1 - to_same / NEAR_KM if to_same < NEAR_KM else 0.0,
            1 - to_around / NEAR_KM if to_around < NEAR_KM else 0.0,
        )


def _words_between(c: Cand, i: int, j: int) -> tuple[int, bool]:
    """(words between mention ``c`` and the region at tokens ``i:j``, the region comes first): the region
    written after a place ("Радьківку на Харківщині") is its own when one before it is as near ("на Сумщині
    та Радьківку на Харківщині")."""
    return (i - c.j, False) if i >= c.j else (c.i - j, True)


def _context(tokens: list[Token], c: Cand, stated_in: dict, settlements: list[Settlement]) -> tuple:
    """(local oblast, local units, stated oblasts, stated units) around one mention: the local ones are
    those of its sentence, the nearest first (see :func:`_words_between`)."""
    sent = tokens[c.i].sentence
    local_oblast = None
    local_units: set[str] = set()
    for _, _, oblasts, units in sorted(stated_in.get(sent, ()), key=lambda r: _words_between(c, r[0], r[1])):
        local_units |= units
        if local_oblast is None:
            local_oblast = next((o for o in oblasts if any(settlements[s].oblast_id == o for s in c.cands)), None)
    stated_oblasts: set[str] = set()
    stated_units: set[str] = set()
    for w in range(sent - CONTEXT_SENTENCES, sent + CONTEXT_SENTENCES + 1):
        for _, _, oblasts, units in stated_in.get(w, ()):
            stated_oblasts |= oblasts
            stated_units |= units
    return local_oblast, local_units, stated_oblasts, stated_units


class Decided(NamedTuple):
    """What :func:`disambiguate` found beside each mention's pick, by ``id()`` of the mention's Cand.

    ``tied``: the namesakes (settlement indexes, the pick first) that fit the region stated around a
    mention as well as its pick; ``placed``: mentions whose pick is in the region or unit stated next to
    them, in their own sentence ("Іванівку Донецької області")."""

    tied: dict[int, list[int]]
    placed: set[int]


def disambiguate(tokens: list[Token], cands: list[Cand], tables: Tables) -> Decided:
    """Pick one settlement per mention from the regions the text states, unambiguous places around it
    and a prior; a mention whose best candidate fits a stated region resolves even when namesakes in
    that region tie (the region is what the text says; the tied namesakes are in the answer's ``tied``)."""
    settlements = tables.records
    stated_in = _stated(tokens, cands)
    doc_oblasts = {o for rows in stated_in.values() for _, _, oblasts, _ in rows for o in oblasts}
    doc_units = {u for rows in stated_in.values() for _, _, _, units in rows for u in units}
    places = [c for c in cands if c.kind == "settlement"]
    surface = {id(c): " ".join(t.key for t in tokens[c.i : c.j]) for c in places}
    by_id = {id(c): c for c in places}
    anchors_in: dict[int, dict[int, int]] = defaultdict(dict)  # sentence -> {id(mention): settlement}
    nearby = _Nearby(settlements)
    for c in places:
        if len(c.cands) == 1:
            c.resolved, c.margin = next(iter(c.cands)), 1.0
            anchors_in[tokens[c.i].sentence][id(c)] = c.resolved
    pending = [c for c in places if len(c.cands) > 1]
    # What does not change between rounds: the stated context and each candidate's fixed score.
    fixed: dict[int, list[tuple[float, bool, int]]] = {}
    local_of: dict[int, set[int]] = {}  # mention -> its candidates in the region stated in its sentence
    priors: dict[int, float] = {}
    near_of: dict[int, bool] = {}
    for c in pending:
        local_oblast, local_units, stated_oblasts, stated_units = _context(tokens, c, stated_in, settlements)
        best_base = max(b for b, _ in c.cands.values())
        # A strong candidate (oblast centre, city of 50k+) as well matched as the best is not overturned
        # by places mentioned nearby: only stated regions (and the prior) decide then.
        village_type = bool(c.categories) and "C" in c.categories and "M" not in c.categories
        strong = {
            sidx
            for sidx in c.cands
            if c.cands[sidx][0] >= best_base - 0.02 and not village_type and _strong(settlements[sidx], sidx, tables)
        }
        near_of[id(c)] = len(strong) != 1
        rows = []
        local = local_of[id(c)] = set()
        for sidx, (base, _key) in c.cands.items():
            s = settlements[sidx]
            p = priors.get(sidx)
            if p is None:
                p = priors[sidx] = prior(s)
            score = base + p
            fits = True
            if local_units and (s.raion_id in local_units or s.hromada_id in local_units):
                score += LOCAL_UNIT
                local.add(sidx)
            elif stated_units and (s.raion_id in stated_units or s.hromada_id in stated_units):
                score += STATED_UNIT
            elif doc_units and (s.raion_id in doc_units or s.hromada_id in doc_units):
                score += DOC_UNIT
            else:
                fits = False
            if local_oblast is not None and s.oblast_id == local_oblast:
                score += LOCAL_OBLAST
                fits = True
                local.add(sidx)
            elif s.oblast_id in stated_oblasts:
                score += STATED_OBLAST
                fits = True
            elif s.oblast_id in doc_oblasts:
                score += DOC_OBLAST
                fits = True
            if sidx in c.former:
                # A former or alternate name that is another candidate's current name (Oleksandrivka,
                # once the name of Клинова-Новоселівка): the current name comes first.
                score += FORMER_NAME
            if c.categories and s.category not in c.categories:
                score += WRONG_CATEGORY
            elif sidx in strong:
                score += STRONG_PRIOR
            rows.append((score, fits, sidx))
        fixed[id(c)] = rows
    # Nearby places add at most NEAR_MAX: candidates further behind the best cannot win and keep their
    # fixed score; of those only the best five can be listed (ranked) or be second (the margin).
    within: dict[int, list[tuple]] = {}
    behind: dict[int, list[tuple[float, int, bool]]] = {}
    cell = nearby.cell
    for c in pending:
        rows = fixed[id(c)]
        reach = max(r[0] for r in rows) - NEAR_MAX
        within[id(c)] = [
            (score, fits, sidx, settlements[sidx].oblast_id, cell(sidx)) for score, fits, sidx in rows if score >= reach
        ]
        behind[id(c)] = sorted((-score, sidx, fits) for score, fits, sidx in rows if score < reach)[:5]
    todo = pending
    tied: dict[int, list[int]] = {}
    for _round in range(3):
        new: list[tuple[int, int, int]] = []
        # Each sentence's anchors as (surface, anchor, cell row, cell column, oblast, name key), this round.
        rows_of: dict[int, list[tuple[str, int, int, int, str, str]]] = {}
        for c in todo:
            sent = tokens[c.i].sentence
            # Another mention of the very same word is no evidence for itself ("Радьківка в Сумській
            # області і ще одна Радьківка в Чернігівській"), nor one of the same name in another case form
            # resolved to one of this mention's candidates by that name ("Радьківка Харківської області, а
            # також Радьківку на Сумщині"); another name of it is ("В Дзержинске, ныне Торецк").
            mine = surface[id(c)]
            own = c.cands
            anchors: list[tuple[int, int, int, bool]] = []
            anchor_oblasts: set[str] = set()
            for w in range(sent - CONTEXT_SENTENCES, sent + CONTEXT_SENTENCES + 1):
                got = rows_of.get(w)
                if got is None:
                    got = rows_of[w] = [
                        (surface[k], a, *cell(a), settlements[a].oblast_id, by_id[k].cands[a][1])
                        for k, a in anchors_in.get(w, {}).items()
                    ]
                here = w == sent
                for surf, a, ala, alo, oblast_id, key in got:
                    if surf != mine and (a not in own or own[a][1] != key):
                        anchors.append((a, ala, alo, here))
                        anchor_oblasts.add(oblast_id)
            if not near_of[id(c)]:
                anchors = []
            rows = list(behind[id(c)])
            for score, fits, sidx, oblast_id, at in within[id(c)]:
                if not fits and oblast_id in anchor_oblasts:
                    score += ANCHOR_OBLAST
                if anchors:
                    to_same, to_around = nearby.closeness(sidx, at, anchors)
                    score += 0.35 * to_same + 0.1 * to_around
                rows.append((-score, sidx, fits))
            # Best first, ties by settlement index: negated scores make it a plain tuple sort.
            rows.sort()
            c.margin = rows[1][0] - rows[0][0]
            c.ranked = [sidx for _, sidx, _ in rows[:5]]
            decided = c.margin >= MIN_MARGIN or rows[0][2] and c.margin >= 0
            c.resolved = rows[0][1] if decided else None
            if decided and c.margin < MIN_MARGIN:
                tied[id(c)] = [sidx for neg, sidx, fits in rows if fits and neg - rows[0][0] < MIN_MARGIN]
            else:
                tied.pop(id(c), None)
            if c.margin >= 0.1:
                new.append((sent, id(c), rows[0][1]))
        fresh = [(sent, k, sidx) for sent, k, sidx in new if anchors_in[sent].get(k) != sidx]
        if not fresh:
            break
        for sent, k, sidx in fresh:
            anchors_in[sent][k] = sidx
        # Only mentions with a changed anchor in their window can change.
        affected = {sent + d for sent, _, _ in fresh for d in range(-CONTEXT_SENTENCES, CONTEXT_SENTENCES + 1)}
        todo = [c for c in pending if tokens[c.i].sentence in affected]
    return Decided(tied, {id(c) for c in pending if c.resolved is not None and c.resolved in local_of[id(c)]})


def to_mentions(
    text: str, tokens: list[Token], cands: list[Cand], tables: Tables, offset: int = 0, decided: Decided | None = None
) -> list[Mention]:
    """Public :class:`~gazetteer.model.Mention` records of the settlement and oblast candidates; their
    offsets moved by ``offset`` (where ``text`` starts in a longer document). A mention ``decided`` found
    tied with namesakes in its stated region lists them as candidates, and keeps TIED_IN_REGION of its score."""
    tied = decided.tied if decided is not None else {}
    settlements = tables.records
    out = []
    # Match records are frozen: one per (settlement, score, key) serves every mention that resolves alike.
    matches: dict[tuple[int, float, str], Match] = {}
    for c in cands:
        if c.kind not in ("settlement", "oblast"):
            continue
        start, end = tokens[c.i].start, tokens[c.j - 1].end
        surface = text[start:end]
        start, end = start + offset, end + offset
        if c.kind == "oblast":
            out.append(Mention(surface, start, end, "oblast", c.score, oblast=tables.oblast_units[c.oblast]))
            continue
        if c.resolved is not None:
            base, key = c.cands[c.resolved]
            conf = min(1.0, base * (1.0 if len(c.cands) == 1 else 0.85 + min(c.margin, 0.5) * 0.3))
            if c.weak:
                conf *= 0.9
            m = matches.get((c.resolved, base, key))
            if m is None:
                m = matches[(c.resolved, base, key)] = Match(settlements[c.resolved], min(1.0, base), "text", key)
            namesakes = tied.get(id(c), ())
            if len(namesakes) > 1:
                conf *= TIED_IN_REGION
                others = tuple(Match(settlements[s], min(1.0, c.cands[s][0]), "text", c.cands[s][1]) for s in namesakes)
                out.append(Mention(surface, start, end, "settlement", round(conf, 4), match=m, candidates=others))
                continue
            out.append(Mention(surface, start, end, "settlement", round(conf, 4), match=m))
        else:
            order = c.ranked or list(c.cands)[:5]
            ranked = tuple(Match(settlements[s], min(1.0, c.cands[s][0]), "text", c.cands[s][1]) for s in order)
            score = round(0.5 * max(b for b, _ in c.cands.values()), 4)
            out.append(Mention(surface, start, end, "settlement", score, candidates=ranked))
    return out
