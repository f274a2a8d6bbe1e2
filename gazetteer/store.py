"""Load the extract once, lazily, verified: settlements, units and their names as plain Python objects.

>>> from gazetteer.store import get_extract
>>> ex = get_extract()
>>> ex.settlement("UA63080070010054870").name_uk  # doctest: +SKIP
'Куп’янськ'

Where the extract comes from, first found wins:
1. the folder in the environment variable ``GAZETTEER_DATA``;
2. an extract installed by ``gazetteer data update`` (the ``current`` pointer in :func:`user_data_dir`);
3. the extract bundled with the package (``gazetteer/_data`` in a wheel, ``data/`` in a checkout).

Every file is checked against the checksums in ``MANIFEST`` before use; a damaged or stale extract raises
:class:`~gazetteer.errors.DataError` naming the file, never a wrong answer.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import sys
import threading
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from gazetteer import cachefile, model
from gazetteer.errors import DataError
from gazetteer.model import PRECISIONS, Settlement, Unit

FORMAT_VERSION = 1
REQUIRED_FILES = ("settlements.tsv", "units.tsv", "names.tsv", "unit_names.tsv", "not_places.tsv")
_PACKAGE_DIR = Path(__file__).resolve().parent


def user_data_dir() -> Path:
    """Where ``gazetteer data update`` installs extracts: ``$GAZETTEER_HOME`` or the XDG data folder."""
    home = os.environ.get("GAZETTEER_HOME")
    if home:
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "gazetteer"


def bundled_data_dir() -> Path:
    """The extract shipped with the package (wheel) or kept in the repository (checkout)."""
    inside = _PACKAGE_DIR / "_data"
    return inside if (inside / "MANIFEST").exists() else _PACKAGE_DIR.parent / "data"


def installed_data_dir() -> Path | None:
    """The extract that ``gazetteer data update`` swapped in, if any."""
    pointer = user_data_dir() / "current"
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    path = user_data_dir() / "extracts" / name
    if not name or "/" in name or "\\" in name or not path.is_dir():
        raise DataError("the installed extract pointer names no extract; run `gazetteer data reset`", pointer)
    return path


def data_dir() -> Path:
    """The folder the extract is loaded from (see the module docstring for the order)."""
    env = os.environ.get("GAZETTEER_DATA")
    if env:
        return Path(env)
    return installed_data_dir() or bundled_data_dir()


def cache_dir() -> Path:
    """Where derived files are cached (geoparser name forms, typo lookups, online answers):
    ``$GAZETTEER_CACHE``, else ``$XDG_CACHE_HOME/gazetteer`` (``~/.cache/gazetteer``). Everything there can
    be deleted; it is rebuilt when needed."""
    env = os.environ.get("GAZETTEER_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gazetteer"


@dataclass
class Extract:
    """The loaded extract. Tables are lists and dicts; names are kept as parallel columns."""

    path: Path
    manifest: dict
    settlements: list[Settlement]
    units: dict[str, Unit]
    # names.tsv as columns: index of the settlement in `settlements`, the variant, its kind, key.
    name_settlement: list[int]
    name_text: list[str]
    name_kind: list[str]
    name_key: list[str]
    unit_names: list[tuple[str, str, str, str]]  # (unit id, name, kind, key)
    not_places: dict[str, tuple[str, str]]  # key -> (name, reason)
    _by_id: dict[str, int] = field(default_factory=dict, repr=False)
    _former: dict[tuple[str, str], tuple[str, str]] | None = field(default=None, repr=False)
    _russian: dict[str, list[str]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.id: i for i, s in enumerate(self.settlements)}

    def __getattr__(self, name: str):
        # Read from a snapshot (see load_snapshot): an attribute is decoded the first time it is used.
        lazy = self.__dict__.get("_lazy")
        if not lazy or name not in lazy:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        parts = self.__dict__["_parts"]
        try:
            value = _decode(cachefile.loads(parts[lazy[name]], tuple), _record_classes(), parts)
        except (ValueError, TypeError, KeyError, IndexError, OSError):
            value = getattr(self._rebuilt(), name)  # the snapshot was damaged since it was opened: never trusted
        self.__dict__[name] = value
        _adopt(self, name, value)
        return value

    def _rebuilt(self) -> Extract:
        """The same extract parsed again from its verified files (once), for a snapshot found damaged while in
        use; the damaged snapshot file is replaced."""
        with _rebuild_lock:
            fresh = self.__dict__.get("_fresh")
            if fresh is None:
                fresh = self.__dict__["_fresh"] = load(self.path, snapshot=False)
                save_snapshot(fresh, _snapshot_meta(self.path))
        return fresh

    def settlement(self, settlement_id: str) -> Settlement:
        """One settlement by KATOTTG id; KeyError if there is none."""
        try:
            return self.settlements[self._by_id[settlement_id.strip()]]
        except (KeyError, AttributeError):
            raise KeyError(f"no settlement with KATOTTG id {settlement_id!r}") from None

    def former_name_settlements(self) -> set[str]:
        """Ids of the settlements that have a former official name in ``former_names.tsv`` (empty in older
        extracts, which lack the file)."""
        if self._former is None:
            self._former = _read_former(self.path, self.manifest)
        return {sid for sid, _key in self._former}

    def former_name(self, settlement_id: str, key: str) -> tuple[str, str] | None:
        """Which former official name of a settlement a name key is a form of, and its years:
        ("Жовтневе", "till 2016"); None when that key is no former name of it. Read on first use from
        ``former_names.tsv`` (absent in older extracts: then always None)."""
        if self._former is None:
            self._former = _read_former(self.path, self.manifest)
        return self._former.get((settlement_id, key))

    def russian_spellings(self) -> dict[str, list[str]]:
        """KATOTTG id -> GeoNames' Russian spellings that fold like a stronger name of the settlement
        (Одесса beside Одеса): not name rows, kept to show the Russian name (``russian_spellings.tsv``; read
        on first use; empty in older extracts, which lack the file)."""
        if self._russian is None:
            meta = (self.manifest.get("files") or {}).get("russian_spellings.tsv")
            table: dict[str, list[str]] = {}
            if meta is not None:
                _header, rows = _read_rows(self.path / "russian_spellings.tsv", 2)
                if meta.get("rows") not in (None, len(rows)):
                    raise DataError(
                        f"{len(rows)} rows, MANIFEST says {meta['rows']}", self.path / "russian_spellings.tsv"
                    )
                for sid, name in rows:
                    table.setdefault(sid, []).append(name)
            self._russian = table
        return self._russian

    def index_of(self, settlement_id: str) -> int:
        return self._by_id[settlement_id]

    @property
    def oblasts(self) -> list[Unit]:
        return [u for u in self.units.values() if u.level == "oblast"]


def _sha256(path: Path, chunk: int = 1 << 16) -> str:
    # Through one small reused buffer: reading each file whole into fresh memory cost as much as hashing it.
    digest, buffer = hashlib.sha256(), bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def _read_rows(path: Path, columns: int) -> tuple[list[str], list[list[str]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read extract file: {exc}", path) from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise DataError("extract file is empty", path)
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:]]
    for lineno, row in enumerate(rows, 2):
        if len(row) != columns:
            raise DataError(f"line {lineno} has {len(row)} fields, expected {columns}", path)
    return header, rows


def _read_former(path: Path, manifest: dict) -> dict[tuple[str, str], tuple[str, str]]:
    """former_names.tsv (settlement_id, key, former_name, years, change, act) by (settlement, key);
    checked against MANIFEST when the extract was loaded."""
    meta = (manifest.get("files") or {}).get("former_names.tsv")
    if meta is None:
        return {}
    _header, rows = _read_rows(path / "former_names.tsv", 6)
    if meta.get("rows") not in (None, len(rows)):
        raise DataError(f"{len(rows)} rows, MANIFEST says {meta['rows']}", path / "former_names.tsv")
    return {(sid, key): (name, years) for sid, key, name, years, _change, _act in rows}


def verify(path: Path) -> dict:
    """Check an extract folder against its MANIFEST (format, files, sizes, checksums); return it."""
    path = Path(path)
    manifest_path = path / "MANIFEST"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("no extract here (MANIFEST missing)", manifest_path) from None
    except (OSError, ValueError) as exc:
        raise DataError(f"MANIFEST is unreadable: {exc}", manifest_path) from exc
    if not isinstance(manifest, dict):
        raise DataError(f"MANIFEST is not a JSON object but {type(manifest).__name__}: damaged", manifest_path)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"extract format {manifest.get('format_version')!r} is not {FORMAT_VERSION}; "
            "rebuild it with `gazetteer data build`",
            manifest_path,
        )
    files = manifest.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(m, dict) for m in files.values()):
        raise DataError("MANIFEST 'files' is not an object of file entries: damaged", manifest_path)
    for name in REQUIRED_FILES:
        if name not in files:
            raise DataError(f"MANIFEST lists no {name}", manifest_path)
    for name, meta in files.items():
        fpath = path / name
        if not fpath.is_file():
            raise DataError("extract file missing", fpath)
        if fpath.stat().st_size != meta.get("bytes"):
            raise DataError(
                f"extract file has {fpath.stat().st_size} bytes, MANIFEST says {meta.get('bytes')}: damaged or edited",
                fpath,
            )
        if _sha256(fpath) != meta.get("sha256"):
            raise DataError("extract file checksum does not match MANIFEST: damaged or edited", fpath)
    return manifest


def _float(value: str) -> float | None:
    return float(value) if value else None


def _coordinate(value: str, sid: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"settlement {sid} has coordinate {value!r}, not a number") from None


def load(path: str | Path | None = None, *, snapshot: bool = True) -> Extract:
    """Load and verify the extract in ``path`` (default: :func:`data_dir`).

    Every file is checked against ``MANIFEST`` first. The parsed tables are then kept as a snapshot in
    the cache folder (see :func:`load_snapshot`) and the next load of the same verified extract reads that
    instead of parsing the files again; ``snapshot=False`` parses and leaves the cache folder alone.
    """
    path = Path(path) if path else data_dir()
    paused = gc.isenabled()
    gc.disable()  # millions of small objects, none cyclic: the collector would only walk them again and again
    try:
        manifest = verify(path)
        if not snapshot:
            return _parse(path, manifest)
        meta = _snapshot_meta(path)
        extract = load_snapshot(path, meta)
        if extract is None:
            extract = _parse(path, manifest)
            save_snapshot(extract, meta)
        return extract
    finally:
        if paused:
            gc.enable()


def _parse(path: Path, manifest: dict) -> Extract:
    files = manifest["files"]

    def table(name: str, columns: int) -> list[list[str]]:
        header, rows = _read_rows(path / name, columns)
        if len(header) != columns:
            raise DataError(f"header has {len(header)} columns, expected {columns}", path / name)
        if files[name].get("rows") not in (None, len(rows)):
            raise DataError(f"{len(rows)} rows, MANIFEST says {files[name]['rows']}", path / name)
        return rows

    units: dict[str, Unit] = {}
    for uid, level, name_uk, name_en, name_ru, parent, lat, lon in table("units.tsv", 8):
        units[uid] = Unit(uid, level, name_uk, name_en, name_ru, parent, _float(lat), _float(lon))
    empty = Unit("", "", "", "", "", "", None, None)
    settlements = []
    try:
        for sid, cat, name_uk, name_en, oid, rid, hid, lat, lon, prec, gid, pop in table("settlements.tsv", 12):
            o, r, h = units.get(oid, empty), units.get(rid, empty), units.get(hid, empty)
            settlements.append(
                Settlement(
                    sid,
                    name_uk,
                    name_en,
                    cat,
                    oid,
                    o.name_uk,
                    o.name_en,
                    rid,
                    r.name_uk,
                    r.name_en,
                    hid,
                    h.name_uk,
                    h.name_en,
                    _coordinate(lat, sid),
                    _coordinate(lon, sid),
                    prec,
                    int(gid) if gid else None,
                    int(pop) if pop else None,
                )
            )
    except ValueError as exc:
        raise DataError(f"bad value: {exc}", path / "settlements.tsv") from exc
    by_id = {s.id: i for i, s in enumerate(settlements)}
    n_sid, n_text, n_kind, n_key = [], [], [], []
    for sid, name, kind, _lang, key in table("names.tsv", 5):
        try:
            n_sid.append(by_id[sid])
        except KeyError:
            raise DataError(f"names refer to unknown settlement {sid}", path / "names.tsv") from None
        n_text.append(name)
        n_kind.append(kind)
        n_key.append(key)
    unit_names = [(u, n, k, key) for u, n, k, key in table("unit_names.tsv", 4)]
    not_places = {key: (name, reason) for name, reason, key in table("not_places.tsv", 3)}
    from gazetteer.normalize import KEY_VERSION

    if manifest.get("key_version") != KEY_VERSION:
        raise DataError(
            f"extract keys were built with key version {manifest.get('key_version')}, this gazetteer "
            f"uses {KEY_VERSION}: rebuild with `gazetteer data build`",
            path / "MANIFEST",
        )
    extract = Extract(path, manifest, settlements, units, n_sid, n_text, n_kind, n_key, unit_names, not_places)
    validate(extract)
    return extract


#: Where every settlement of Ukraine lies (degrees, with a margin): a coordinate outside is damage.
UKRAINE_BOUNDS = (43.0, 53.5, 21.0, 41.5)  # south, north, west, east


def validate(extract: Extract) -> None:
    """Check the VALUES of a loaded extract, not just its bytes; raise DataError naming the first fault.

    Checksums only prove the files are the ones the MANIFEST lists; a build (or an update) that wrote
    NaN coordinates, no settlements or a duplicate id would still match. Checked: at least one
    settlement; ids unique; every latitude/longitude finite and inside :data:`UKRAINE_BOUNDS`; a known
    ``coord_precision``; every oblast id a unit of the extract; unit centroids (where given) inside too;
    every name with a non-empty key.
    """
    path = extract.path
    where = path / "settlements.tsv"
    if not extract.settlements:
        raise DataError("the extract has no settlements", where)
    south, north, west, east = UKRAINE_BOUNDS
    seen: set[str] = set()
    for s in extract.settlements:
        if s.id in seen:
            raise DataError(f"settlement {s.id} is listed twice", where)
        seen.add(s.id)
        if not (south <= s.lat <= north and west <= s.lon <= east):  # False for NaN too
            raise DataError(f"settlement {s.id} has coordinates ({s.lat}, {s.lon}) outside Ukraine", where)
        if s.coord_precision not in PRECISIONS:
            raise DataError(f"settlement {s.id} has unknown coord_precision {s.coord_precision!r}", where)
        if s.oblast_id not in extract.units:
            raise DataError(f"settlement {s.id} names unknown oblast {s.oblast_id}", where)
    for u in extract.units.values():
        if (u.lat is not None or u.lon is not None) and not (
            u.lat is not None and u.lon is not None and south <= u.lat <= north and west <= u.lon <= east
        ):
            raise DataError(f"unit {u.id} has coordinates ({u.lat}, {u.lon}) outside Ukraine", path / "units.tsv")
    for i, key in enumerate(extract.name_key):
        if not key:
            raise DataError(f"name {extract.name_text[i]!r} (row {i + 2}) has an empty key", path / "names.tsv")


#: Bump when the snapshot's layout changes (the extract's own format is FORMAT_VERSION).
SNAPSHOT_VERSION = 3
#: Lists of at least this many records stay tuples until an item is used (see RecordList).
LAZY_RECORDS = 1000


def record_columns(records: Sequence, *names: str) -> list[tuple]:
    """Whole fields of every record (``record_columns(settlements, "lat", "lon")``: two tuples): from a
    snapshot's packed rows without building the records (:meth:`RecordList.columns`), else read from the
    records of a plain list."""
    columns = getattr(records, "columns", None)
    if callable(columns):
        return columns(*names)
    return [tuple(getattr(r, name) for r in records) for name in names]


class RecordList(Sequence):
    """A read-only list of records (e.g. :class:`~gazetteer.model.Settlement`) kept as marshalled tuples
    until used: reading a snapshot then costs one bytes object per record.

    Indexing builds the record for that item once; iterating builds them all. Behaves as a list for
    ``len``, indexing, slicing, iteration and ``in``.
    """

    __slots__ = ("_cls", "_rows", "_items", "_width", "_decoded", "_on_complete", "_shared", "_fallback", "_columns")

    def __init__(self, cls: type, rows: Sequence[bytes]) -> None:
        self._cls, self._rows = cls, rows
        self._width = len(dataclasses.fields(cls))
        self._items: list = [None] * len(rows)
        self._decoded = 0
        self._shared: dict[str, str] = {}
        # Called with the plain list once every record is built (the owner then swaps it in: plain list
        # indexing is several times cheaper than this class's).
        self._on_complete: Callable[[list], None] | None = None
        # Gives the same records parsed anew, for rows found damaged (see _PackedRows).
        self._fallback: Callable[[], Sequence] | None = None
        # Every field as a tuple, from the one bulk read of the rows that columns() made (see there).
        self._columns: list[tuple] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def _recover(self) -> list:
        if self._fallback is None:
            raise DataError("the cached snapshot is damaged: delete the cache folder", cache_dir())
        fresh = list(self._fallback())
        if len(fresh) != len(self._items):
            raise DataError("the cached snapshot does not fit the extract: delete the cache folder", cache_dir())
        self._items[:] = fresh
        self._decoded = len(fresh)
        return self._complete()

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._rows)))]
        item = self._items[i]
        if item is None:
            columns = self._columns
            try:
                if columns is not None:  # the fields are at hand: no read of the record's bytes
                    item = self._items[i] = self._cls(*[column[i] for column in columns])
                else:
                    item = self._items[i] = self._make(self._rows[i])
            except ValueError:
                return self._recover()[i]
            self._decoded += 1
            if self._decoded * 8 > len(self._rows):  # bulk work: build the rest once, hand over a list
                self._complete()
        return item

    def _complete(self) -> list:
        items = self._items
        if self._decoded < len(items):
            try:
                if self._columns is not None or isinstance(self._rows, _PackedRows):
                    cls = self._cls
                    rows = list(zip(*self._columns)) if self._columns is not None else self._rows.bulk(self._width)
                    for j, item in enumerate(items):
                        if item is None:
                            items[j] = cls(*rows[j])
                else:
                    rows = self._rows
                    for j, item in enumerate(items):
                        if item is None:
                            items[j] = self._make(rows[j])
            except ValueError:
                return self._recover()
            self._decoded = len(items)
        if self._on_complete is not None:
            callback, self._on_complete = self._on_complete, None
            callback(items)
        return items

    def _make(self, row: bytes):
        fields = cachefile.loads(row, tuple)
        if len(fields) != self._width:
            raise ValueError(f"snapshot row has {len(fields)} fields, expected {self._width}")
        # Records repeat many strings (oblast, raion, hromada names): keep one copy of each, as parsing does.
        shared = self._shared
        return self._cls(*[shared.setdefault(f, f) if type(f) is str else f for f in fields])

    def __iter__(self) -> Iterator:
        return iter(self._complete())

    def columns(self, *names: str) -> list[tuple]:
        """Whole fields of every record (``columns("lat", "lon")``: two tuples), without building records
        that are not built yet. KeyError for a name that is no field."""
        at = {f.name: i for i, f in enumerate(dataclasses.fields(self._cls))}
        positions = [at[name] for name in names]
        if self._columns is None and self._decoded < len(self._items) and isinstance(self._rows, _PackedRows):
            try:
                # All fields at once, kept: the next call for other fields (several tables are built from a
                # field or two each) does not decode every row again (0.1 s each time for the settlements).
                rows = self._rows.bulk(self._width)
                self._columns = list(zip(*rows)) if rows else [() for _ in range(self._width)]
            except ValueError:
                pass  # damaged: the records below come from the files, parsed anew
        if self._columns is not None:
            return [self._columns[p] for p in positions]
        items = self._complete()
        return [tuple(getattr(r, name) for r in items) for name in names]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(a == b for a, b in zip(self, other))

    __hash__ = None

    def __repr__(self) -> str:
        return f"RecordList({self._cls.__name__}, {len(self)} rows)"


class _PackedRows(Sequence):
    """The marshalled records of a snapshot, one after another in one part of the file, with their end
    offsets and CRC-32s: item ``i`` reads record ``i``'s bytes alone and checks them (ValueError if damaged),
    so a process that uses ten records reads ten, not the whole part."""

    __slots__ = ("_ends", "_crcs", "_parts", "_part", "_bulk")

    def __init__(self, ends: bytes, crcs: bytes, parts: cachefile.Parts, part: int, bulk: int) -> None:
        self._ends, self._crcs = array("Q"), array("I")
        self._ends.frombytes(ends)  # ValueError unless a whole number of offsets
        self._crcs.frombytes(crcs)
        if len(self._crcs) != len(self._ends) or not (0 <= part < len(parts) and 0 <= bulk < len(parts)):
            raise ValueError("snapshot record offsets do not fit the records")
        self._parts, self._part, self._bulk = parts, part, bulk

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> bytes:
        if i < 0:
            i += len(self._ends)
        row = self._parts.read(self._part, self._ends[i - 1] if i > 0 else 0, self._ends[i])
        if zlib.crc32(row) != self._crcs[i]:
            raise ValueError(f"snapshot record {i} is damaged")
        return row

    def bulk(self, width: int) -> list[tuple]:
        """Every record's fields, from one read of the part that holds them all (checked by its CRC)."""
        rows = cachefile.loads(self._parts[self._bulk], list)
        if len(rows) != len(self._ends) or not all(type(r) is tuple and len(r) == width for r in rows):
            raise ValueError("snapshot rows have the wrong shape")
        return rows


def _record_classes() -> dict[str, type]:
    """The record classes a snapshot may name: the frozen dataclasses of :mod:`gazetteer.model`."""
    return {
        name: cls
        for name, cls in vars(model).items()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == model.__name__
    }


def _snapshot_meta(path: Path) -> dict:
    from gazetteer.normalize import KEY_VERSION

    try:
        manifest = (path / "MANIFEST").read_bytes()
    except OSError as exc:
        raise DataError(f"MANIFEST is unreadable: {exc}", path / "MANIFEST") from exc
    return {
        "what": "extract",
        "version": SNAPSHOT_VERSION,
        "format_version": FORMAT_VERSION,
        "key_version": KEY_VERSION,
        "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
        "path": str(path.resolve()),
        "python": list(sys.version_info[:2]),
        "records": sorted(_record_classes()),
    }


def _snapshot_path(meta: dict) -> Path:
    return cachefile.path_for(cache_dir(), f"extract-v{SNAPSHOT_VERSION}", meta)


def _encode(value: object, classes: dict[str, type], blobs: list[bytes]) -> tuple:
    """A plain-data form of one attribute of the extract: records become (class name, tuples); a long list
    of records goes to a part of its own (appended to ``blobs``; the item names it)."""
    if isinstance(value, Path):
        return ("path", str(value))
    if isinstance(value, (list, RecordList)) and value and type(value[0]).__name__ in classes:
        cls = type(value[0])
        if all(type(v) is cls for v in value):
            names = [f.name for f in dataclasses.fields(cls)]
            rows = [tuple(getattr(v, n) for n in names) for v in value]
            if len(rows) >= LAZY_RECORDS:  # one marshalled tuple per record in one blob, decoded when used
                encoded = [cachefile.dumps(r) for r in rows]
                ends = array("Q", accumulate(map(len, encoded)))
                crcs = array("I", map(zlib.crc32, encoded))
                blobs.append(b"".join(encoded))
                # and all rows marshalled at once, for bulk use: shared strings stay shared, one call decodes it
                blobs.append(cachefile.dumps(rows))
                return ("packed_records", cls.__name__, ends.tobytes(), crcs.tobytes(), len(blobs) - 2, len(blobs) - 1)
            return ("records", cls.__name__, rows)
    if isinstance(value, dict) and value:
        first = next(iter(value.values()))
        cls = type(first)
        if cls.__name__ in classes and all(type(v) is cls for v in value.values()):
            names = [f.name for f in dataclasses.fields(cls)]
            return (
                "record_dict",
                cls.__name__,
                list(value),
                [tuple(getattr(v, n) for n in names) for v in value.values()],
            )
        if len(value) >= LAZY_RECORDS and all(type(k) is str and "\n" not in k for k in value):
            return ("packed_map", *cachefile.pack_map(value))  # keys split once, a value decoded when asked for
    return ("plain", value)


def _decode(item: object, classes: dict[str, type], parts: cachefile.Parts | None = None) -> object:
    if not isinstance(item, tuple) or not item:
        raise ValueError("snapshot item is not a tagged tuple")
    tag = item[0]
    if tag == "path" and len(item) == 2 and isinstance(item[1], str):
        return Path(item[1])
    if tag == "records" and len(item) == 3 and isinstance(item[2], list):
        cls = classes[item[1]]
        width = len(dataclasses.fields(cls))
        rows = item[2]
        if any(type(r) is not tuple or len(r) != width for r in rows):
            raise ValueError(f"snapshot rows of {item[1]} have the wrong shape")
        return [cls(*r) for r in rows]
    if tag == "packed_records" and len(item) == 6 and parts is not None and type(item[4]) is type(item[5]) is int:
        base = 1 + len(cachefile.loads(parts[0], list))  # the blobs follow the attributes' parts
        return RecordList(classes[item[1]], _PackedRows(item[2], item[3], parts, base + item[4], base + item[5]))
    if tag == "packed_map" and len(item) == 4:
        return cachefile.PackedMap(item[1], item[2], item[3])
    if tag == "record_dict" and len(item) == 4 and isinstance(item[2], list) and isinstance(item[3], list):
        cls = classes[item[1]]
        if len(item[2]) != len(item[3]):
            raise ValueError("snapshot record dict has unequal keys and rows")
        return {k: cls(*r) for k, r in zip(item[2], item[3])}
    if tag == "plain" and len(item) == 2:
        return item[1]
    raise ValueError(f"unknown snapshot item {tag!r}")


#: Attributes decoded when a snapshot is read; the others when first used (see Extract.__getattr__).
_EAGER = ("manifest", "settlements", "units")


def save_snapshot(extract: Extract, meta: dict) -> bool:
    """Keep ``extract`` (every attribute, records as tuples) in the cache folder for the next load of the
    same verified extract; False when it cannot be written or holds something that is not plain data."""
    classes = _record_classes()
    names = [name for name in vars(extract) if name not in _SNAPSHOT_STATE]
    blobs: list[bytes] = []
    try:
        parts = [cachefile.dumps(names)]
        parts += [cachefile.dumps(_encode(getattr(extract, name), classes, blobs)) for name in names]
    except (ValueError, TypeError):
        return False
    return cachefile.save(_snapshot_path(meta), meta, parts + blobs)


#: What an extract read from a snapshot keeps about it (never written into a snapshot).
_SNAPSHOT_STATE = ("_lazy", "_parts", "_fresh")


def load_snapshot(path: Path, meta: dict) -> Extract | None:
    """The extract kept by :func:`save_snapshot` for exactly ``meta`` (same MANIFEST bytes, folder, key and
    snapshot versions); None when there is none or it is damaged, stale or of another shape. Attributes
    other than the settlements, units and manifest are read and decoded when first used, each part (and
    each record) checked by its CRC-32 when read; one found damaged then is taken from the files, parsed
    anew (see Extract._rebuilt), never from the snapshot."""
    parts = cachefile.open_parts(_snapshot_path(meta), meta)
    if parts is None:
        return None
    classes = _record_classes()
    try:
        names = cachefile.loads(parts[0], list)
        if len(names) >= len(parts) or not {f.name for f in dataclasses.fields(Extract)} <= set(names):
            return None
        stored = {name: i for i, name in enumerate(names, 1)}  # attribute -> its part
        attrs = {name: _decode(cachefile.loads(parts[stored.pop(name)], tuple), classes, parts) for name in _EAGER}
        if not isinstance(attrs["settlements"], Sequence) or not isinstance(attrs["manifest"], dict):
            return None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError):
        return None
    stored.pop("path", None)
    extract = Extract.__new__(Extract)
    extract.__dict__.update(attrs, path=path, _lazy=stored, _parts=parts)
    for name, value in attrs.items():
        _adopt(extract, name, value)
    return extract


def _adopt(extract: Extract, name: str, value: object) -> None:
    """Let a RecordList attribute replace itself by the plain list once all its records are built, and
    take its records from the parsed files if its snapshot rows turn out damaged."""
    if isinstance(value, RecordList):
        ref = weakref.ref(extract)

        def parsed() -> Sequence:
            owner = ref()
            if owner is None:
                raise DataError("the cached snapshot is damaged: delete the cache folder", cache_dir())
            return getattr(owner._rebuilt(), name)

        value._fallback = parsed

        def swap(items: list) -> None:
            owner = ref()
            if owner is not None:
                owner.__dict__[name] = items

        value._on_complete = swap


_lock = threading.Lock()
_rebuild_lock = threading.RLock()
_cached: Extract | None = None


def get_extract() -> Extract:
    """The process-wide extract, loaded on first use under a lock."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = load()
    return _cached


def reset_cache() -> None:
    """Forget the loaded extract (after an update, or in tests that point GAZETTEER_DATA elsewhere)."""
    global _cached
    with _lock:
        _cached = None
