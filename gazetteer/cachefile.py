"""Derived files in the cache folder that cannot run code when read: plain bytes behind a checked header.

A file is a magic line, a JSON header and a payload of byte parts. The header names what the file was
derived from (``meta``: versions, checksums of the sources) and carries the CRC-32 of every part (it
detects damage; like any unkeyed checksum it is no defence against someone who can write the folder,
which is why nothing read here can run code);
:func:`read` returns the parts only when the magic, the ``meta`` and the checksum all match, else None and
the caller rebuilds. Callers decode the parts with :mod:`marshal` (plain data only: never code is run on
load) or :mod:`array` / numpy, and check the shapes they get.

>>> save(path, {"what": "one-edit", "version": 1}, [marshal.dumps(["kupiansk"])])  # doctest: +SKIP
>>> read(path, {"what": "one-edit", "version": 1})  # doctest: +SKIP
[b'...']
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import threading
import weakref
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from itertools import accumulate
from pathlib import Path

MAGIC = b"gazetteer-cache 1\n"
#: marshal format written and read (a fixed version, so a newer Python's default cannot change the bytes).
MARSHAL_VERSION = 4
_MAX_HEADER = 1 << 16


def save(path: Path, meta: dict, parts: list[bytes]) -> bool:
    """Write ``parts`` to ``path`` atomically with a header for ``meta``; False (nothing raised) on OSError."""
    header = json.dumps(
        {"meta": meta, "parts": [len(p) for p in parts], "crc32": [zlib.crc32(p) for p in parts]}, sort_keys=True
    ).encode("utf-8")
    # pad so that the payload starts 16-byte aligned: numpy arrays read in place then need no copy
    header += b" " * (-(len(MAGIC) + 4 + len(header)) % 16)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(MAGIC)
            fh.write(len(header).to_bytes(4, "little"))
            fh.write(header)
            for part in parts:
                fh.write(part)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def path_for(folder: Path, stem: str, meta: dict) -> Path:
    """``folder/<stem>-<digest>.bin``: a file name that changes with ``meta`` (the first 16 hex digits of the
    SHA-256 of its sorted JSON), so that files derived from other sources never meet."""
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return folder / f"{stem}-{digest}.bin"


def read(path: Path, meta: dict) -> list[memoryview] | None:
    """The parts stored at ``path`` if the file is whole and was written for exactly ``meta``; else None."""
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    view = memoryview(blob)
    start = len(MAGIC) + 4
    if blob[: len(MAGIC)] != MAGIC or len(blob) < start:
        return None
    size = int.from_bytes(blob[len(MAGIC) : start], "little")
    if size > _MAX_HEADER or len(blob) < start + size:
        return None
    try:
        header = json.loads(bytes(view[start : start + size]).decode("utf-8"))
        lengths = [int(n) for n in header["parts"]]
        stored_meta, crcs = header["meta"], [int(c) for c in header["crc32"]]
    except (ValueError, KeyError, TypeError):
        return None
    # JSON round trip so that tuples and lists compare alike
    if stored_meta != json.loads(json.dumps(meta)) or any(n < 0 for n in lengths) or len(crcs) != len(lengths):
        return None
    at = start + size
    if at + sum(lengths) != len(blob):
        return None
    parts = []
    for n, crc in zip(lengths, crcs):
        part = view[at : at + n]
        if zlib.crc32(part) != crc:
            return None
        parts.append(part)
        at += n
    return parts


_pread = getattr(os, "pread", None)


class Parts:
    """The parts of a cache file read on demand (see :func:`open_parts`): ``parts[i]`` reads part ``i`` and
    checks its CRC-32 (ValueError when it does not match: damaged since it was opened);
    :meth:`read` reads a slice of a part that the caller checks itself (per-record checksums)."""

    def __init__(self, fh, starts: list[int], lengths: list[int], crcs: list[int]) -> None:
        self._fh, self._starts, self._lengths, self._crcs = fh, starts, lengths, crcs
        self._lock = threading.Lock()
        # Closed when the Parts goes, or at exit: never left to the file object's ResourceWarning.
        self.close = weakref.finalize(self, fh.close)

    def __len__(self) -> int:
        return len(self._lengths)

    def __getitem__(self, i: int) -> bytes:
        data = self.read(i, 0, self._lengths[i])
        if zlib.crc32(data) != self._crcs[i]:
            raise ValueError(f"cache part {i} is damaged")
        return data

    def read(self, i: int, start: int, stop: int) -> bytes:
        """Bytes ``start:stop`` of part ``i`` (not checked); ValueError if the file is shorter now."""
        stop = min(stop, self._lengths[i])
        if stop <= start:
            data = b""
        elif _pread is not None:
            data = _pread(self._fh.fileno(), stop - start, self._starts[i] + start)
        else:  # no pread (Windows): one reader at a time moves the file position
            with self._lock:
                self._fh.seek(self._starts[i] + start)
                data = self._fh.read(stop - start)
        if len(data) != max(stop - start, 0):
            raise ValueError(f"cache part {i} is truncated")
        return data


def _header(fh, meta: dict) -> tuple[int, list[int], list[int]] | None:
    head = fh.read(len(MAGIC) + 4)
    if len(head) != len(MAGIC) + 4 or head[: len(MAGIC)] != MAGIC:
        return None
    size = int.from_bytes(head[len(MAGIC) :], "little")
    if size > _MAX_HEADER:
        return None
    header = json.loads(fh.read(size).decode("utf-8"))
    lengths = [int(n) for n in header["parts"]]
    stored_meta, crcs = header["meta"], [int(c) for c in header["crc32"]]
    if stored_meta != json.loads(json.dumps(meta)) or any(n < 0 for n in lengths) or len(crcs) != len(lengths):
        return None
    at = len(head) + size
    if at + sum(lengths) != os.fstat(fh.fileno()).st_size:
        return None
    return at, lengths, crcs


def open_parts(path: Path, meta: dict) -> Parts | None:
    """Like :func:`read`, but only the header is read now: each part is read (and its CRC checked) when
    asked for, so a part never used is never read. None when the file is missing, of another ``meta`` or
    of the wrong length. The file stays open: a newer file renamed over it does not change what is read."""
    try:
        fh = open(path, "rb", buffering=0)  # noqa: SIM115 (kept open by the Parts it makes)
    except OSError:
        return None
    try:
        found = _header(fh, meta)
    except (OSError, ValueError, KeyError, TypeError):
        found = None
    if found is None:
        fh.close()
        return None
    at, lengths, crcs = found
    starts = list(accumulate([at, *lengths[:-1]])) if lengths else []
    return Parts(fh, starts, lengths, crcs)


def dumps(value: object) -> bytes:
    """Plain data (str, int, float, None, bool, bytes, tuple, list, dict) as marshal bytes."""
    return marshal.dumps(value, MARSHAL_VERSION)


def loads(data: bytes | memoryview, kind: type | tuple[type, ...]) -> object:
    """The value marshalled in ``data``; ValueError unless it is of ``kind`` (a code object never is)."""
    try:
        value = marshal.loads(data)
    except (EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"unreadable cached value: {exc}") from None
    if not isinstance(value, kind):
        raise ValueError(f"cached value is a {type(value).__name__}, expected {kind}")
    return value


def pack_map(table: Mapping[str, object]) -> tuple[str, bytes, bytes]:
    """A str-keyed mapping of plain data as three pieces for :class:`PackedMap`: the sorted keys joined by
    newlines, the end offset of every value (``array('Q')`` bytes) and the values, each marshalled alone.
    ValueError for a key that is not a str or holds a newline (the separator)."""
    keys = sorted(table)
    if not all(type(k) is str and "\n" not in k for k in keys):
        raise ValueError("packed map keys must be str without newlines")
    values = [dumps(table[k]) for k in keys]
    ends = array("Q", accumulate(map(len, values)))
    return "\n".join(keys), ends.tobytes(), b"".join(values)


class PackedMap(Mapping):
    """A read-only mapping kept as the pieces of :func:`pack_map` until used: building it makes one list of
    keys and nothing per value; a key is found by bisection, its value decoded (and checked to be of
    ``kind``) on first use, then passed through ``make`` once and kept.

    After :data:`PackedMap.PROBES` lookups a dict of positions replaces the bisection (bulk work pays for it
    once, a single query never does). Raises ValueError at construction when the pieces do not fit together.
    """

    PROBES = 256
    __slots__ = ("_keys", "_ends", "_blob", "_kind", "_make", "_made", "_pos", "_probes")

    def __init__(
        self,
        keys: str,
        ends: bytes | memoryview,
        blob: bytes | memoryview,
        kind: type | tuple[type, ...] = object,
        make: Callable[[object], object] | None = None,
    ) -> None:
        if type(keys) is not str:
            raise ValueError("packed map keys are not a str")
        self._keys = keys.split("\n") if keys else []
        self._ends = array("Q")
        self._ends.frombytes(ends)  # ValueError unless a whole number of offsets
        if len(self._ends) != len(self._keys) or (self._ends and self._ends[-1] != len(blob)):
            raise ValueError("packed map offsets do not fit its keys and values")
        self._blob = memoryview(blob)
        self._kind, self._make = kind, make
        self._made: dict[str, object] = {}
        self._pos: dict[str, int] | None = None
        self._probes = 0

    def _find(self, key: object) -> int:
        pos = self._pos
        if pos is not None:
            return pos.get(key, -1)
        self._probes += 1
        if self._probes > self.PROBES:
            self._pos = dict(zip(self._keys, range(len(self._keys))))
        if type(key) is not str:
            return -1
        i = bisect_left(self._keys, key)
        return i if i < len(self._keys) and self._keys[i] == key else -1

    def __getitem__(self, key: str):
        try:
            return self._made[key]
        except KeyError:
            pass
        i = self._find(key)
        if i < 0:
            raise KeyError(key)
        start = self._ends[i - 1] if i else 0
        value = loads(self._blob[start : self._ends[i]], self._kind)
        if self._make is not None:
            value = self._make(value)
        self._made[key] = value
        return value

    def get(self, key: str, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return key in self._made or self._find(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"PackedMap({len(self)} keys)"
