"""Lookup structures over the extract: folded keys and skeletons -> settlements, fuzzy key search, units.

The index never ranks; it answers "which settlements carry a name with this key" and "which keys lie
within k edits of this one". :mod:`gazetteer.resolve` decides what the answers mean.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from gazetteer.normalize import fold_key, skeleton
from gazetteer.store import Extract

#: Skeletons shorter than this are too common to mean anything (k, hrk, ...).
MIN_SKELETON = 4
_ADJECTIVE_END = re.compile(r"(?:s?k|c)(?:a|aia|oi|ii|oho|ogo|omu|ie|e|ih|im|iu|ui|i|ich|iei)?$")


@dataclass(frozen=True, slots=True)
class NameHit:
    settlement: int  # index into Extract.settlements
    kind: str  # official, romanization, geonames, historical, russian, alternate
    name: str  # the variant as written


def unit_stem(key: str) -> str:
    """A unit name's key without its adjective ending: harkivska -> harkiv, doneckoi -> donec."""
    stem = _ADJECTIVE_END.sub("", key)
    return stem if len(stem) >= 3 else key


class NameIndex:
    """Keys of every settlement name, their skeletons, keys by length for fuzzy search, and units."""

    def __init__(self, extract: Extract) -> None:
        self.extract = extract
        by_key: dict[str, list[NameHit]] = defaultdict(list)
        for sidx, name, kind, key in zip(
            extract.name_settlement, extract.name_text, extract.name_kind, extract.name_key
        ):
            by_key[key].append(NameHit(sidx, kind, name))
        self.by_key = dict(by_key)
        by_skel: dict[str, set[str]] = defaultdict(set)
        for key in self.by_key:
            sk = skeleton(key)
            if len(sk) >= MIN_SKELETON:
                by_skel[sk].add(key)
        self.by_skeleton = {sk: sorted(keys) for sk, keys in by_skel.items()}
        by_len: dict[int, list[str]] = defaultdict(list)
        for key in sorted(self.by_key):
            by_len[len(key)].append(key)
        self.keys_by_length = dict(by_len)

        # Units: key, adjective stem and skeleton of the stem -> unit ids, per level.
        self.unit_keys: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for uid, _name, _kind, key in extract.unit_names:
            unit = extract.units.get(uid)
            if unit is None:
                continue
            level = unit.level
            stem = unit_stem(key)
            for k in {key, "s:" + stem, "k:" + skeleton(stem)}:
                if k != "k:" and len(k) > 2:
                    self.unit_keys[level][k].add(uid)

    # -- settlements ----------------------------------------------------------------------------
    def exact(self, key: str) -> list[NameHit]:
        return self.by_key.get(key, [])

    def by_skeleton_of(self, key: str) -> list[str]:
        """Keys sharing the key's consonant skeleton (empty for short skeletons)."""
        sk = skeleton(key)
        return self.by_skeleton.get(sk, []) if len(sk) >= MIN_SKELETON else []

    def near_keys(self, key: str, max_edits: int) -> list[tuple[str, int]]:
        """Keys within ``max_edits`` edits of ``key`` (a swap of two letters is one edit; key itself excluded)."""
        if max_edits <= 0:
            return []
        out: list[tuple[str, int]] = []
        n = len(key)
        for length in range(n - max_edits, n + max_edits + 1):
            keys = self.keys_by_length.get(length)
            if not keys:
                continue
            for found, dist, _ in process.extract(key, keys, scorer=OSA.distance, score_cutoff=max_edits, limit=None):
                if dist > 0:
                    out.append((found, int(dist)))
        return out

    # -- units ------------------------------------------------------------------------------------
    def find_units(self, text: str, level: str = "oblast") -> set[str]:
        """Units of a level named by ``text`` in any language or form ("Kharkiv", "Харківська обл.")."""
        key = fold_key(strip_unit_words(text))
        if not key:
            return set()
        table = self.unit_keys.get(level, {})
        stem = unit_stem(key)
        for k in (key, "s:" + stem, "k:" + skeleton(stem)):
            hits = table.get(k)
            if hits:
                return set(hits)
        return set()


_UNIT_WORDS = re.compile(
    r"\b(?:oblast|oblasti|obl|region|province|raion|rayon|district|hromada|community|obwód|obwodu|obwod|gebiet|"
    r"rejon|région|oblys|"
    r"область|області|обл|регіон|район|р-н|р-ну|громада|тг|отг|территориальная|територіальна|"
    r"областi|области|регион|округ)\b\.?",
    re.IGNORECASE,
)


def strip_unit_words(text: str) -> str:
    """Drop words such as oblast, область, обл., region, raion, район, громада from a unit name."""
    return " ".join(_UNIT_WORDS.sub(" ", text).split())
