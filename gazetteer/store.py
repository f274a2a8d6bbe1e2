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

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

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

    def __post_init__(self) -> None:
        self._by_id = {s.id: i for i, s in enumerate(self.settlements)}

    def settlement(self, settlement_id: str) -> Settlement:
        """One settlement by KATOTTG id; KeyError if there is none."""
        try:
            return self.settlements[self._by_id[settlement_id.strip()]]
        except (KeyError, AttributeError):
            raise KeyError(f"no settlement with KATOTTG id {settlement_id!r}") from None

    def former_name(self, settlement_id: str, key: str) -> tuple[str, str] | None:
        """Which former official name of a settlement a name key is a form of, and its years:
        ("Жовтневе", "till 2016"); None when that key is no former name of it. Read on first use from
        ``former_names.tsv`` (absent in older extracts: then always None)."""
        if self._former is None:
            self._former = _read_former(self.path, self.manifest)
        return self._former.get((settlement_id, key))

    def index_of(self, settlement_id: str) -> int:
        return self._by_id[settlement_id]

    @property
    def oblasts(self) -> list[Unit]:
        return [u for u in self.units.values() if u.level == "oblast"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


def load(path: str | Path | None = None) -> Extract:
    """Load and verify the extract in ``path`` (default: :func:`data_dir`)."""
    path = Path(path) if path else data_dir()
    manifest = verify(path)
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


_lock = threading.Lock()
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
