"""Lookup structures over the extract: folded keys and skeletons -> settlements, fuzzy key search, units.

The index never ranks; it answers "which settlements carry a name with this key" and "which keys lie
within k edits of this one". :mod:`gazetteer.resolve` decides what the answers mean.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import threading
import zlib
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from gazetteer.normalize import KEY_VERSION, fold_key, light_key, skeleton
from gazetteer.store import Extract, cache_dir

#: Skeletons shorter than this are too common to mean anything (k, hrk, ...).
MIN_SKELETON = 4
#: Typo searches by scanning before the one-edit structures are built (see NameIndex.one_edit_keys).
DELETIONS_AFTER = 64
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


class OneEdit:
    """The strings of a fixed list within one edit of a query (OSA: a swap of two letters is one edit),
    found without scanning the list.

    Two strings within one edit share a string obtained by deleting at most one letter from each
    (symmetric deletion). The deletion variants of every string are kept as sorted hashes in two arrays
    (about 5 MB and 0.3 s for the 60,000 keys of the extract), so a query looks up its own few variants by
    bisection and checks the few strings they point to. A one-off query is cheaper by scanning (about
    1 ms); :class:`NameIndex` builds these only once a process has shown it resolves typos in bulk.
    """

    #: Bump when the layout or the hash changes: cached files of another version are rebuilt.
    VERSION = 1

    def __init__(self, strings: list[str], arrays: tuple[array, array] | None = None) -> None:
        self.strings = strings
        if arrays is not None:
            self.hashes, self.owners = arrays
            return
        packed: list[int] = []
        for i, text in enumerate(strings):
            # hash and owner in one int: sorting ints is several times faster than sorting pairs
            packed.extend((_hash(v) << 20) | i for v in _deletions(text))
        packed.sort()
        mask = (1 << 20) - 1
        self.hashes = array("q", [p >> 20 for p in packed])
        self.owners = array("l", [p & mask for p in packed])

    @classmethod
    def cached(
        cls, name: str, source: list[str], make: Callable[[], tuple[list[str], object]]
    ) -> tuple[OneEdit, object]:
        """The structure named ``name`` for the data ``source`` it is derived from, from the cache folder, or
        made by ``make()`` (which returns the strings and any picklable companion data) and saved there.
        A cache that cannot be read or written is ignored."""
        digest = hashlib.sha256("\n".join(source).encode("utf-8")).hexdigest()[:16]
        path = cache_dir() / f"one-edit-{name}-v{cls.VERSION}-{digest}.pickle"
        try:
            with open(path, "rb") as fh:
                stored = pickle.load(fh)
            return cls(stored["strings"], (stored["hashes"], stored["owners"])), stored["extra"]
        except (OSError, EOFError, KeyError, TypeError, ValueError, AttributeError, pickle.UnpicklingError):
            pass
        strings, extra = make()
        built = cls(strings)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                stored = {"strings": strings, "hashes": built.hashes, "owners": built.owners, "extra": extra}
                pickle.dump(stored, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass
        return built, extra

    def near(self, text: str) -> list[tuple[str, int]]:
        """(string, distance) for the strings one edit from ``text`` (``text`` itself excluded), sorted."""
        hashes, owners, n = self.hashes, self.owners, len(self.hashes)
        found: set[int] = set()
        for variant in _deletions(text):
            h = _hash(variant)
            at = bisect_left(hashes, h)
            while at < n and hashes[at] == h:
                found.add(owners[at])
                at += 1
        out = []
        for i in found:
            other = self.strings[i]
            if other != text:
                dist = OSA.distance(text, other, score_cutoff=1)
                if dist <= 1:
                    out.append((other, int(dist)))
        return sorted(out)


def _hash(text: str) -> int:
    """A hash that is the same in every process (Python's own is salted per process), for cached files."""
    return zlib.crc32(text.encode("utf-8"))


def _deletions(text: str) -> set[str]:
    return {text, *(text[:i] + text[i + 1 :] for i in range(len(text)))}


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
        self._sorted_keys = sorted(self.by_key)
        for key in self._sorted_keys:
            by_len[len(key)].append(key)
        self.keys_by_length = dict(by_len)
        # One-edit lookups (see OneEdit), built on demand by _bulk().
        self._one_edit_keys: OneEdit | None = None
        self._one_edit_written: tuple[OneEdit, dict[str, list[str]]] | None = None
        self._scans = 0
        self._lock = threading.Lock()

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

    def one_edit_keys(self, key: str) -> list[tuple[str, int]] | None:
        """Keys one edit from ``key`` (OSA: a swap of two letters is one edit), found without a scan; or
        None while the structure that makes this fast is not worth building yet (see :class:`OneEdit`)."""
        if not self._bulk():
            return None
        return self._one_edit_keys.near(key)

    def one_edit_written(self, light: str) -> list[str] | None:
        """Keys of the names whose light spelling (:func:`gazetteer.normalize.light_key`, before folding) is
        one edit from ``light``: "Zahaitis" is one swap from Zahaitsi as written, two edits once folded.
        None until the one-edit structures are built (see :meth:`one_edit_keys`)."""
        if self._one_edit_written is None:
            return None
        written, keys_of = self._one_edit_written
        return sorted({k for other, _ in written.near(light) for k in keys_of[other]})

    def _make_written(self) -> tuple[list[str], dict[str, list[str]]]:
        settlements = self.extract.settlements
        light_en = [light_key(s.name_en) for s in settlements]
        written: dict[str, set[str]] = defaultdict(set)
        for sidx, name, key in zip(self.extract.name_settlement, self.extract.name_text, self.extract.name_key):
            written[light_key(name)].add(key)
            written[light_en[sidx]].add(key)
        written.pop("", None)
        return sorted(written), {k: sorted(v) for k, v in written.items()}

    def _bulk(self) -> bool:
        """Has this process asked for enough typos to make the one-edit structures worth building (about
        1 s, or a quick load when an earlier process left them in the cache folder)?"""
        if self._one_edit_keys is None:
            self._scans += 1
            if self._scans <= DELETIONS_AFTER:
                return False
            with self._lock:
                if self._one_edit_keys is None:
                    # The written spellings derive from the names and settlements files and the key rules.
                    files = self.extract.manifest.get("files", {})
                    written_from = [f"key_version={KEY_VERSION}"] + [
                        str(files.get(f, {}).get("sha256")) for f in ("names.tsv", "settlements.tsv")
                    ]
                    self._one_edit_written = OneEdit.cached("written", written_from, self._make_written)
                    keys, _ = OneEdit.cached("keys", self._sorted_keys, lambda: (self._sorted_keys, None))
                    self._one_edit_keys = keys
        return True

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
