"""Lookup structures over the extract: folded keys and skeletons -> settlements, fuzzy key search, units.

The index never ranks; it answers "which settlements carry a name with this key" and "which keys lie
within k edits of this one". :mod:`gazetteer.resolve` decides what the answers mean.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import re
import sys
import threading
import zlib
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from gazetteer import cachefile
from gazetteer.errors import DataError
from gazetteer.extras import lazy_module
from gazetteer.normalize import KEY_VERSION, fold_key, light_key, script_of, skeleton
from gazetteer.store import Extract, cache_dir
from gazetteer.words import word_table

# rapidfuzz is needed by typo lookups only: imported on first use, not by every cold start.
process = lazy_module("rapidfuzz.process")
OSA = lazy_module("rapidfuzz.distance.OSA")

#: Skeletons shorter than this are too common to mean anything (k, hrk, ...).
MIN_SKELETON = 4
#: Typo lookups by scanning before the structures that avoid scans are built (see NameIndex.near_keys).
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
    (about 5 MB and 0.3 s for the 60,000 written spellings of the extract), so a query looks up its own few
    variants by bisection and checks the few strings they point to.
    """

    #: Bump when the layout or the hash changes: cached files of another version are rebuilt.
    VERSION = 3
    #: Array type of the hashes (CRC-32) and of the owners: four bytes each.
    TYPECODE = "I" if array("I").itemsize == 4 else "L"

    def __init__(self, strings: list[str], arrays: tuple[array, array] | None = None) -> None:
        if len(strings) >= 1 << 20:
            raise ValueError(f"OneEdit holds at most {1 << 20} strings, not {len(strings)}")
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
        self.hashes = array(self.TYPECODE, [p >> 20 for p in packed])
        self.owners = array(self.TYPECODE, [p & mask for p in packed])

    @classmethod
    def cached(
        cls, name: str, source: list[str], make: Callable[[], tuple[list[str], object]]
    ) -> tuple[OneEdit, object]:
        """The structure named ``name`` for the data ``source`` it is derived from, from the cache folder, or
        made by ``make()`` (which returns the strings and any plain-data companion) and saved there.
        A cache file that is damaged, stale or of another shape is rebuilt (see :mod:`gazetteer.cachefile`)."""
        digest = hashlib.sha256("\n".join(source).encode("utf-8")).hexdigest()
        path = cache_dir() / f"one-edit-{name}-v{cls.VERSION}-{digest[:16]}.bin"
        meta = {"what": f"one-edit-{name}", "version": cls.VERSION, "source": digest}
        parts = cachefile.read(path, meta)
        if parts is not None and len(parts) == 4:
            try:
                strings = cachefile.loads(parts[0], list)
                hashes, owners = array(cls.TYPECODE), array(cls.TYPECODE)
                hashes.frombytes(parts[1])
                owners.frombytes(parts[2])
                extra = cachefile.loads(parts[3], (dict, type(None)))
                if len(hashes) == len(owners) and all(type(s) is str for s in strings):
                    if not owners or max(owners) < len(strings) and min(owners) >= 0:
                        return cls(strings, (hashes, owners)), extra
            except ValueError:
                pass
        strings, extra = make()
        built = cls(strings)
        parts = [cachefile.dumps(strings), built.hashes.tobytes(), built.owners.tobytes(), cachefile.dumps(extra)]
        cachefile.save(path, meta, parts)
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


class EditIndex:
    """The strings of a fixed list within ``k <= DEPTH`` edits of a query (OSA), found without a scan.

    Symmetric deletion on both ends: two strings within k edits share a string obtained by deleting at
    most k letters from each one's first ``AFFIX`` letters, and likewise from each one's last ``AFFIX``
    letters (edits that shift the letters after them are paid for by the deletions they need anyway).
    The deletion variants of both ends of every string are hashed with numpy, all strings at once, and
    kept as sorted (hash, owner) arrays (about 2 million per end for the 41,000 keys of the extract,
    under a second to build, 30 MB, kept in the cache folder); a query hashes its own few dozen variants,
    keeps the strings both ends point to and checks those with :func:`rapidfuzz.distance.OSA.distance`.
    The answer is exactly a full scan's. Needs numpy; :class:`NameIndex` scans when it is missing.
    """

    VERSION = 2
    DEPTH = 3
    AFFIX = 7
    _BASE = 1000003

    def __init__(self, strings: list[str], arrays: tuple | None = None) -> None:
        import numpy as np

        self._np = np
        self.strings = strings
        self._objects = np.array(strings, dtype=object)
        self.lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        # keep-position tables per number of deletions allowed: row = letters kept, padded with AFFIX
        self._keep = {}
        for k in range(1, self.DEPTH + 1):
            rows = [
                list(kept) + [self.AFFIX] * (self.AFFIX - len(kept))
                for d in range(k + 1)
                for kept in itertools.combinations(range(self.AFFIX), self.AFFIX - d)
            ]
            self._keep[k] = np.array(rows, dtype=np.intp)
        powers = [1]
        for _ in range(self.AFFIX):
            powers.append(powers[-1] * self._BASE % 2**64)
        self._powers = np.array(powers, dtype=np.uint64)
        if arrays is not None:
            self.prefix_hashes, self.prefix_owners, self.suffix_hashes, self.suffix_owners = arrays
            return
        built = []
        owners = np.arange(len(strings), dtype=np.uint64)
        for end in (0, 1):
            hashes = self._hashes([t[::-1] if end else t for t in strings], self.DEPTH)
            packed = ((hashes.astype(np.uint64) << np.uint64(32)) | owners[:, None]).ravel()
            packed.sort()
            packed = packed[np.concatenate(([True], packed[1:] != packed[:-1]))]  # np.unique hashes: slow here
            built += [(packed >> np.uint64(32)).astype(np.uint32), (packed & np.uint64(0xFFFFFFFF)).astype(np.uint32)]
        self.prefix_hashes, self.prefix_owners, self.suffix_hashes, self.suffix_owners = built

    def _hashes(self, texts: list[str], k: int):
        """(len(texts), variants) uint32 hashes of the deletion variants of each text's first AFFIX letters:
        every way of keeping the letters of a row of the keep table (a missing letter counts as deleted)."""
        np = self._np
        width = self.AFFIX
        codes = np.zeros((len(texts), width + 1), dtype=np.uint64)
        if texts:
            codes[:, :width] = (
                np.array([t[:width] for t in texts], dtype=f"<U{width}").view(np.uint32).reshape(len(texts), width)
            )
        keep = self._keep[k]
        h = np.zeros((len(texts), len(keep)), dtype=np.uint64)
        base = np.uint64(self._BASE)
        for j in range(width):
            c = codes[:, keep[:, j]]
            h = np.where(c != 0, h * base + c, h)
        return ((h ^ (h >> np.uint64(29))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)

    @classmethod
    def cached(cls, strings: list[str]) -> EditIndex:
        """The index of ``strings`` from the cache folder when a whole, matching file is there; else built
        and saved."""
        np = __import__("numpy")
        digest = hashlib.sha256("\n".join(strings).encode("utf-8")).hexdigest()
        path = cache_dir() / f"edit-index-v{cls.VERSION}-{digest[:16]}.bin"
        meta = {"what": "edit-index", "version": cls.VERSION, "depth": cls.DEPTH, "affix": cls.AFFIX, "source": digest}
        parts = cachefile.read(path, meta)
        if parts is not None and len(parts) == 4 and all(len(p) % 4 == 0 for p in parts):
            arrays = tuple(np.frombuffer(p, dtype=np.uint32) for p in parts)
            n = len(strings)
            if (
                len(arrays[0]) == len(arrays[1])
                and len(arrays[2]) == len(arrays[3])
                and all(len(a) == 0 or int(a.max()) < n for a in (arrays[1], arrays[3]))
                and all(bool((a[1:] >= a[:-1]).all()) for a in (arrays[0], arrays[2]))
            ):
                return cls(strings, arrays)
        built = cls(strings)
        arrays = (built.prefix_hashes, built.prefix_owners, built.suffix_hashes, built.suffix_owners)
        cachefile.save(path, meta, [a.tobytes() for a in arrays])
        return built

    def _query_hashes(self, text: str, k: int):
        """:meth:`_hashes` of one text in a closed form (a few array operations instead of a loop):
        the hash is sum(c_j * BASE ** (letters kept after j)) modulo 2**64, as the loop computes it."""
        np = self._np
        codes = np.zeros(self.AFFIX + 1, dtype=np.uint64)
        head = text[: self.AFFIX]
        codes[: len(head)] = [ord(c) for c in head]
        kept = codes[self._keep[k]]
        present = kept != 0
        after = present[:, ::-1].cumsum(axis=1)[:, ::-1] - present
        h = (kept * self._powers[after]).sum(axis=1, dtype=np.uint64)
        return ((h ^ (h >> np.uint64(29))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)

    def _owners(self, hashes, owners, text: str, k: int):
        np = self._np
        query = self._query_hashes(text, k)
        lo = hashes.searchsorted(query, "left").tolist()
        hi = hashes.searchsorted(query, "right").tolist()
        slices = [owners[a:b] for a, b in zip(lo, hi) if b > a]
        return np.concatenate(slices) if slices else owners[:0]

    def near(self, text: str, k: int) -> list[tuple[str, int]]:
        """(string, distance) for the strings within ``k`` edits of ``text`` (distance 0 excluded), ordered
        by length, distance, then string (the order of :meth:`NameIndex.near_keys`' scan)."""
        if not 0 < k <= self.DEPTH:
            raise ValueError(f"k must be 1..{self.DEPTH}, not {k}")
        np = self._np
        head = self._owners(self.prefix_hashes, self.prefix_owners, text, k)
        tail = self._owners(self.suffix_hashes, self.suffix_owners, text[::-1], k)
        seen = np.zeros(len(self.strings), dtype=bool)
        seen[head] = True
        both = np.zeros(len(self.strings), dtype=bool)
        both[tail[seen[tail]]] = True
        found = np.flatnonzero(both)
        found = found[np.abs(self.lengths[found] - len(text)) <= k]
        if not len(found):
            return []
        choices = self._objects[found].tolist()
        out = [
            (other, int(dist))
            for other, dist, _ in process.extract(text, choices, scorer=OSA.distance, score_cutoff=k, limit=None)
            if dist > 0
        ]
        out.sort(key=lambda pair: (len(pair[0]), pair[1], pair[0]))
        return out


def _hash(text: str) -> int:
    """A hash that is the same in every process (Python's own is salted per process), for cached files."""
    return zlib.crc32(text.encode("utf-8"))


def _deletions(text: str) -> set[str]:
    return {text, *(text[:i] + text[i + 1 :] for i in range(len(text)))}


class LazyTable(Mapping):
    """A read-only mapping whose values are kept as marshalled bytes (from a snapshot) or plain lists until
    a key is asked for; ``make`` turns the stored list into the value once."""

    __slots__ = ("_rows", "_made", "_make")

    def __init__(self, rows: dict[str, bytes | list], make: Callable[[list], list]) -> None:
        self._rows, self._make = rows, make
        self._made: dict[str, list] = {}

    def __getitem__(self, key: str) -> list:
        value = self._made.get(key)
        if value is None:
            row = self._rows[key]
            value = self._made[key] = self._make(row if type(row) is list else cachefile.loads(row, list))
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _hits(rows: list) -> list[NameHit]:
    return [NameHit(*row) for row in rows]


class NameIndex:
    """Keys of every settlement name, their skeletons, keys by length for fuzzy search, and units.

    Built from the extract in about 0.3 s, or read in a few milliseconds from a snapshot in the cache
    folder made for the same extract (same MANIFEST, key rules and index version), whose lists are
    decoded only for the keys asked for.
    """

    #: Bump when what the snapshot holds changes.
    SNAPSHOT_VERSION = 2

    def __init__(self, extract: Extract) -> None:
        self.extract = extract
        meta = self._snapshot_meta()
        paused = gc.isenabled()
        gc.disable()  # many small objects, none cyclic (see gazetteer.store.load)
        try:
            tables = self._load_snapshot(meta)
            if tables is None:
                tables = self._build()
                parts = []
                for name in self._PACKED:
                    keys, ends, values = cachefile.pack_map(tables[name])
                    parts += [cachefile.dumps(keys), ends, values]
                parts.append(cachefile.dumps(tables["unit_keys"]))
                cachefile.save(self._snapshot_path(meta), meta, parts)
                tables["by_key"] = LazyTable(tables["by_key"], _hits)
        finally:
            if paused:
                gc.enable()
        # table name -> value; from a snapshot, by_skeleton and unit_keys stay bytes until first used
        self._tables = tables
        self.by_key: Mapping[str, list[NameHit]] = tables["by_key"]  # key -> [NameHit]; keys in sorted order
        self._keys_by_length: dict[int, list[str]] | None = None
        # Typo lookups without scans (see EditIndex, OneEdit), built once typos come in bulk.
        self._edit: EditIndex | None = None
        self._one_edit_keys: OneEdit | None = None
        self._one_edit_written: tuple[OneEdit, dict[str, list[str]]] | None = None
        self._written: tuple[list[str], dict[str, list[str]]] | None = None
        self._written_lengths: dict[int, list[str]] | None = None
        self._scans = 0
        self._bulk_ready = False
        self._lock = threading.RLock()

    #: Snapshot parts: three per packed table (see cachefile.pack_map), then unit_keys marshalled whole.
    _PACKED = ("by_key", "by_skeleton")

    def _table(self, name: str):
        value = self._tables[name]
        if type(value) is tuple:  # pieces from the snapshot, checked by their CRC when the file was read
            paused = gc.isenabled()
            gc.disable()
            try:
                if name == "unit_keys":
                    value = cachefile.loads(value[0], dict)
                else:
                    keys = cachefile.loads(value[0], str)
                    value = cachefile.PackedMap(keys, value[1], value[2], list, _hits if name == "by_key" else None)
            except ValueError as exc:
                raise DataError(f"the cached name index is damaged ({exc}): delete it", cache_dir()) from exc
            finally:
                if paused:
                    gc.enable()
            self._tables[name] = value
        return value

    @property
    def by_skeleton(self) -> Mapping[str, list[str]]:
        """Skeleton (of four or more consonants) -> the sorted keys that have it."""
        table = self.__dict__.get("_by_skeleton")
        if table is None:
            table = self._table("by_skeleton")
            if type(table) is dict:  # built here, not read from a snapshot
                table = LazyTable(table, list)
            self.__dict__["_by_skeleton"] = table
        return table

    @property
    def unit_keys(self) -> dict[str, dict[str, list[str]]]:
        """Units: key, adjective stem and skeleton of the stem -> unit ids, per level."""
        return self._table("unit_keys")

    @property
    def _sorted_keys(self) -> list[str]:
        return list(self.by_key)

    @property
    def keys_by_length(self) -> dict[int, list[str]]:
        """Every key, grouped by length (sorted within a length)."""
        if self._keys_by_length is None:
            by_len: dict[int, list[str]] = defaultdict(list)
            for key in self.by_key:
                by_len[len(key)].append(key)
            self._keys_by_length = dict(by_len)
        return self._keys_by_length

    def _build(self) -> dict:
        extract = self.extract
        by_key: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for sidx, name, kind, key in zip(
            extract.name_settlement, extract.name_text, extract.name_kind, extract.name_key
        ):
            by_key[key].append((sidx, kind, name))
        by_skel: dict[str, set[str]] = defaultdict(set)
        for key in by_key:
            sk = skeleton(key)
            if len(sk) >= MIN_SKELETON:
                by_skel[sk].add(key)
        unit_keys: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for uid, _name, _kind, key in extract.unit_names:
            unit = extract.units.get(uid)
            if unit is None:
                continue
            stem = unit_stem(key)
            for k in {key, "s:" + stem, "k:" + skeleton(stem)}:
                if k != "k:" and len(k) > 2:
                    unit_keys[unit.level][k].add(uid)
        return {
            "by_key": {key: by_key[key] for key in sorted(by_key)},
            "by_skeleton": {sk: sorted(keys) for sk, keys in by_skel.items()},
            "unit_keys": {level: {k: sorted(ids) for k, ids in t.items()} for level, t in unit_keys.items()},
        }

    def _snapshot_meta(self) -> dict:
        manifest = json.dumps(self.extract.manifest, sort_keys=True, default=str)
        return {
            "what": "name-index",
            "version": self.SNAPSHOT_VERSION,
            "key_version": KEY_VERSION,
            "min_skeleton": MIN_SKELETON,
            "manifest_sha256": hashlib.sha256(manifest.encode("utf-8")).hexdigest(),
            "path": str(Path(self.extract.path).resolve()),
            "python": list(sys.version_info[:2]),
        }

    @staticmethod
    def _snapshot_path(meta: dict) -> Path:
        return cachefile.path_for(cache_dir(), f"name-index-v{meta['version']}", meta)

    def _load_snapshot(self, meta: dict) -> dict | None:
        parts = cachefile.read(self._snapshot_path(meta), meta)
        if parts is None or len(parts) != 3 * len(self._PACKED) + 1:
            return None
        tables: dict = {name: tuple(parts[3 * i : 3 * i + 3]) for i, name in enumerate(self._PACKED)}
        tables["unit_keys"] = (parts[-1],)
        try:
            self._tables = tables
            self._table("by_key")  # the others are decoded when first used
        except DataError:
            return None
        return tables

    # -- settlements ----------------------------------------------------------------------------
    def exact(self, key: str) -> list[NameHit]:
        return self.by_key.get(key, [])

    def by_skeleton_of(self, key: str) -> list[str]:
        """Keys sharing the key's consonant skeleton (empty for short skeletons)."""
        sk = skeleton(key)
        return self.by_skeleton.get(sk, []) if len(sk) >= MIN_SKELETON else []

    def one_edit_keys(self, key: str) -> list[tuple[str, int]]:
        """(key, 1) for the keys one edit from ``key`` (OSA: a swap of two letters is one edit), sorted."""
        self._count_typo_lookup()
        if self._one_edit_keys is not None:
            return self._one_edit_keys.near(key)  # sorted
        return sorted(self._scan(key, 1))

    def one_edit_written(self, light: str) -> list[str]:
        """Keys of the names whose light spelling (:func:`gazetteer.normalize.light_key`, before folding) is
        one edit from ``light``: "Zahaitis" is one swap from Zahaitsi as written, two edits once folded."""
        if self._one_edit_written is not None:
            written, keys_of = self._one_edit_written
            near = [other for other, _ in written.near(light)]
        else:
            by_length, keys_of = self._written_by_length()
            near = []
            for length in (len(light) - 1, len(light), len(light) + 1):
                for other, dist, _ in process.extract(
                    light, by_length.get(length, ()), scorer=OSA.distance, score_cutoff=1, limit=None
                ):
                    if dist > 0:
                        near.append(other)
        return sorted({k for other in near for k in keys_of[other]})

    def near_keys(self, key: str, max_edits: int) -> list[tuple[str, int]]:
        """Keys within ``max_edits`` edits of ``key`` (a swap of two letters is one edit; key itself excluded),
        ordered by length, distance and key. The same answer whether the process scans or has the
        :class:`EditIndex` at hand (built once a process looks up typos in bulk)."""
        if max_edits <= 0:
            return []
        self._count_typo_lookup()
        edit = self._edit
        if edit is not None and max_edits <= edit.DEPTH:
            return edit.near(key, max_edits)
        return self._scan(key, max_edits)

    def _scan(self, key: str, max_edits: int) -> list[tuple[str, int]]:
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

    def _written_source(self) -> list[str]:
        # The written spellings derive from the names and settlements files and the key rules.
        files = self.extract.manifest.get("files", {})
        return [f"key_version={KEY_VERSION}"] + [
            str(files.get(f, {}).get("sha256")) for f in ("names.tsv", "settlements.tsv")
        ]

    def _written_map(self) -> tuple[list[str], dict[str, list[str]]]:
        """Every light spelling (names and national romanizations) -> the keys of the names written so; from
        the cache folder when there (computing it takes about a second)."""
        if self._written is None:
            with self._lock:
                if self._written is None:
                    digest = hashlib.sha256("\n".join(self._written_source()).encode("utf-8")).hexdigest()
                    path = cache_dir() / f"written-v1-{digest[:16]}.bin"
                    meta = {"what": "written", "version": 1, "source": digest}
                    parts = cachefile.read(path, meta)
                    written = None
                    if parts is not None and len(parts) == 2:
                        try:
                            strings = cachefile.loads(parts[0], list)
                            keys_of = cachefile.loads(parts[1], dict)
                            if all(type(keys_of.get(s)) is list for s in strings):
                                written = strings, keys_of
                        except ValueError:
                            pass
                    if written is None:
                        written = self._make_written()
                        cachefile.save(path, meta, [cachefile.dumps(written[0]), cachefile.dumps(written[1])])
                    self._written = written
        return self._written

    def _written_by_length(self) -> tuple[dict[int, list[str]], dict[str, list[str]]]:
        strings, keys_of = self._written_map()
        if self._written_lengths is None:
            by_length: dict[int, list[str]] = defaultdict(list)
            for text in strings:
                by_length[len(text)].append(text)
            self._written_lengths = dict(by_length)
        return self._written_lengths, keys_of

    def _make_written(self) -> tuple[list[str], dict[str, list[str]]]:
        settlements = self.extract.settlements
        light_en = [light_key(s.name_en) for s in settlements]
        written: dict[str, set[str]] = defaultdict(set)
        for sidx, name, key in zip(self.extract.name_settlement, self.extract.name_text, self.extract.name_key):
            written[light_key(name)].add(key)
            written[light_en[sidx]].add(key)
        written.pop("", None)
        return sorted(written), {k: sorted(v) for k, v in written.items()}

    def _count_typo_lookup(self) -> None:
        """After DELETIONS_AFTER typo lookups a process is resolving typos in bulk: build (about 3 s) or load
        from the cache folder the structures that answer without scanning. Answers do not change, only
        their cost: a one-off query scans (1-4 ms) and pays nothing up front."""
        if self._bulk_ready:
            return
        self._scans += 1
        if self._scans <= DELETIONS_AFTER:
            return
        with self._lock:
            if self._bulk_ready:
                return
            self._bulk_ready = True
        strings, keys_of = self._written_map()
        written, _ = OneEdit.cached("written", self._written_source(), lambda: (strings, None))
        self._one_edit_written = (written, keys_of)
        keys = self._sorted_keys
        self._one_edit_keys, _ = OneEdit.cached("keys", [f"key_version={KEY_VERSION}", *keys], lambda: (keys, None))
        try:
            self._edit = EditIndex.cached(self._sorted_keys)
        except ImportError:  # numpy missing: keep scanning (same answers, slower)
            self._edit = None

    # -- units ------------------------------------------------------------------------------------
    def find_units(self, text: str, level: str = "oblast") -> set[str]:
        """Units of a level named by ``text`` in any language or form ("Kharkiv", "Харківська обл.")."""
        bare = strip_unit_words(text)
        key = fold_key(bare)
        if not key:
            return set()
        table = self.unit_keys.get(level, {})
        stem = unit_stem(key)
        for k in (key, "s:" + stem, "k:" + skeleton(stem)):
            hits = table.get(k)
            if hits:
                return set(hits)
        if level != "oblast" and bare != text and bare.strip() and " " not in bare.strip():
            # A raion or hromada called by its centre's name ("Bakhmut raion", "Бахмут район"): the adjective
            # made of it (Бахмутський; тськ folds to ц, so the bare name's stem alone misses it).
            adjective = bare.strip() + ("ський" if script_of(bare) == "cyrillic" else "skyi")
            hits = table.get("s:" + unit_stem(fold_key(adjective)))
            if hits:
                return set(hits)
            return self._units_named_after(key, level)
        return set()

    def _units_named_after(self, town: str, level: str) -> set[str]:
        """Raions (or hromadas) named after a town or city of key ``town`` whose adjective is no plain
        ``ський`` on its name ("Bucha raion": Бучанський; "Shostka raion": Шосткинський): those that hold
        such a place and whose name's stem begins with the town's key less its last letter."""
        if len(town) < 4:
            return set()
        extract = self.extract
        found = set()
        for hit in self.by_key.get(town, ()):
            s = extract.settlements[hit.settlement]
            uid = s.raion_id if level == "raion" else s.hromada_id if level == "hromada" else ""
            unit = extract.units.get(uid)
            if s.category in "MKX" and unit is not None and unit_stem(fold_key(unit.name_uk)).startswith(town[:-1]):
                found.add(uid)
        return found


def unit_words(*levels: str) -> tuple[str, ...]:
    """The words of ``words/admin_unit_words.txt`` that say one of ``levels`` (oblast, raion, hromada, council,
    qualifier; every one when none is given), longest first: the one list of unit words the query reader and the
    index read."""
    table = word_table("admin_unit_words")
    return tuple(sorted((w for w, level in table if not levels or level in levels), key=lambda w: (-len(w), w)))


def unit_word_alternation(*levels: str) -> str:
    """:func:`unit_words` of ``levels`` as a regular-expression alternation (escaped, no group)."""
    return "|".join(map(re.escape, unit_words(*levels)))


_UNIT_WORDS = re.compile(rf"\b(?:{unit_word_alternation()})\b\.?", re.IGNORECASE)


def strip_unit_words(text: str) -> str:
    """Drop words such as oblast, область, обл., region, raion, район, громада from a unit name."""
    return " ".join(_UNIT_WORDS.sub(" ", text).split())
