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

import json
import marshal
import os
import zlib
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
