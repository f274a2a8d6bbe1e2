"""Enrich a table file (CSV, TSV, Parquet) with resolved settlements, streaming, row for row.

Every input row and column is kept, in order; ``gaz_*`` columns are appended. Each distinct
(query, oblast hint) pair is resolved once. Output goes to a temporary file beside the target and is
renamed into place only when complete, so a failure never leaves half a file behind.

    $ gazetteer batch events.csv --column place --oblast-column region -o events.gaz.csv
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gazetteer.errors import GazetteerError
from gazetteer.model import RESULT_COLUMNS, Resolution
from gazetteer.resolve import EMPTY_VALUE, Resolver, default_resolver, lookup_one

TEXT_COLUMNS = ("gaz_places", "gaz_place_ids", "gaz_place_count", "gaz_status", "gaz_reason")


class BatchError(GazetteerError, ValueError):
    """The input or output of a batch cannot be used (missing file or column, bad encoding, ...)."""


def detect_format(path: str | Path | None, fmt: str | None = None) -> str:
    """The table format a path's extension says (csv unless known; see gazetteer.formats.SUFFIXES)."""
    from gazetteer.formats import FORMATS, SUFFIXES

    if fmt:
        if fmt not in FORMATS:
            raise BatchError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
        return fmt
    suffix = Path(str(path)).suffix.lower() if path and str(path) != "-" else ".csv"
    return SUFFIXES.get(suffix, "csv")


@contextmanager
def atomic_output(path: str | Path | None, binary: bool = False, encoding: str = "utf-8") -> Iterator:
    """A file handle whose content appears at ``path`` only if the block succeeds (stdout for None/'-')."""
    if path is None or str(path) == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    target = Path(path)
    if target.is_dir():
        raise BatchError(f"output path is a folder: {target}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BatchError(f"output folder does not exist: {folder}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise BatchError(f"cannot write to {folder}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _open_text(path: str | Path, encoding: str) -> io.TextIOBase:
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding=encoding, newline="")
    p = Path(path)
    if not p.is_file():
        raise BatchError(f"input file not found: {p}")
    return open(p, encoding=encoding, newline="")


def _column_index(header: list[str], name: str | None, what: str) -> int | None:
    if name is None:
        return None
    if name not in header:
        raise BatchError(f"{what} {name!r} is not in the input (columns: {', '.join(header[:20])})")
    return header.index(name)


def enrich_file(
    src: str | Path,
    dst: str | Path | None,
    *,
    column: str | None = None,
    oblast_column: str | None = None,
    text_column: str | None = None,
    fmt: str | None = None,
    out_fmt: str | None = None,
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
    resolver: Resolver | None = None,
    progress: bool | None = None,
    online: Any = None,
    bom: bool = False,
) -> Counter:
    """Enrich ``src`` into ``dst`` (stdout if None or '-'); return how many rows got each status.

    ``delimiter`` defaults to tab for TSV and, for CSV, to whichever of , ; | or tab the header line uses.
    ``online`` (a :class:`gazetteer.online.OnlineGeocoder`) is asked for names not resolved offline or
    resolved to approximate coordinates; its answers are cached on disk, so an interrupted run resumes.
    Formats follow the extensions (``fmt``/``out_fmt`` force them): csv, tsv, parquet, jsonl, xlsx in;
    the same and geojson out (:mod:`gazetteer.formats`); ``bom`` starts a CSV with a BOM for Excel.
    """
    if (column is None) == (text_column is None):
        raise BatchError("give exactly one of --column (place names) or --text-column (free text)")
    resolver = resolver or default_resolver()
    in_fmt = detect_format(src, fmt)
    out_fmt = (
        detect_format(dst, out_fmt) if dst not in (None, "-") else (out_fmt or ("tsv" if in_fmt == "tsv" else "csv"))
    )
    from gazetteer import formats

    if formats.needs_formats(in_fmt, out_fmt, bom):
        return formats.enrich_table(
            src,
            dst,
            in_fmt=in_fmt,
            out_fmt=out_fmt,
            query_column=column or text_column,
            oblast_column=oblast_column,
            added=list(TEXT_COLUMNS if text_column else RESULT_COLUMNS),
            row_fn=_text_row(resolver) if text_column else _name_row(resolver, online),
            encoding=encoding,
            delimiter=delimiter,
            bom=bom,
            progress=(lambda rows, total: _progress(rows, True, total)) if _progress_on(progress) else None,
        )
    if in_fmt == "parquet" or out_fmt == "parquet":
        return _enrich_parquet(src, dst, column, oblast_column, text_column, resolver, progress, out_fmt, online)
    try:
        fh = _open_text(src, encoding)
    except OSError as exc:
        raise BatchError(f"cannot read {src}: {exc.strerror}") from exc
    with fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError as exc:
            raise _undecodable(src, encoding, exc) from None
        if delimiter is None:
            delimiter = "\t" if in_fmt == "tsv" else sniff_delimiter(first)
        elif len(delimiter) != 1:
            raise BatchError(f"the delimiter must be one character, not {delimiter!r}")
        # CSV out keeps the input's delimiter (a semicolon file from Excel stays one); TSV out uses tabs.
        out_delimiter = "\t" if out_fmt == "tsv" else "," if delimiter == "\t" else delimiter
        reader = csv.reader(itertools.chain([first] if first else [], fh), delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise BatchError(f"input is empty: {src}") from None
        except UnicodeDecodeError as exc:
            raise _undecodable(src, encoding, exc) from None
        except csv.Error as exc:
            raise BatchError(f"cannot parse {src}: {exc}") from None
        qi = _column_index(header, column or text_column, "column")
        oi = _column_index(header, oblast_column, "oblast column")
        added = list(TEXT_COLUMNS if text_column else RESULT_COLUMNS)
        clash = [c for c in added if c in header]
        if clash:
            raise BatchError(f"input already has output columns {clash}: rename them first")
        width = len(header)
        statuses: Counter = Counter()
        row_fn = _text_row(resolver) if text_column else _name_row(resolver, online)
        with atomic_output(dst) as out:
            writer = csv.writer(out, delimiter=out_delimiter, lineterminator="\r\n")  # RFC 4180: quotes any \r or \n
            writer.writerow(header + added)
            total = formats.count_data_rows(src, in_fmt) if _progress_on(progress) else None
            for row in _progress(_rows(reader, src, encoding), progress, total):
                extra = []
                if len(row) != width:
                    extra = row[width:]
                    row = row[:width] + [""] * (width - len(row))
                values = row_fn(row[qi], row[oi] if oi is not None else None)
                if extra:
                    values["gaz_status"] = "invalid"
                    values["gaz_reason"] = f"row has {width + len(extra)} fields, header has {width}"
                statuses[values["gaz_status"]] += 1
                writer.writerow(row + [_cell(values[c]) for c in added] + extra)
    return statuses


def _undecodable(src: object, encoding: str, exc: UnicodeDecodeError) -> BatchError:
    return BatchError(f"cannot decode {src} as {encoding}: {exc.reason} at byte {exc.start}; pass --encoding")


def sniff_delimiter(header_line: str) -> str:
    """The field separator a CSV header line uses: the most frequent of , ; | and tab outside quotes."""
    counts = dict.fromkeys(",;|\t", 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda c: (counts[c], c == ","))
    return best if counts[best] else ","


def _rows(reader: Iterator[list[str]], src: object, encoding: str) -> Iterator[list[str]]:
    try:
        yield from reader
    except UnicodeDecodeError as exc:
        raise BatchError(f"cannot decode {src} as {encoding}: {exc.reason}; pass --encoding") from None
    except csv.Error as exc:
        raise BatchError(f"cannot parse {src}: {exc}") from None


def _progress_on(enabled: bool | None) -> bool:
    return enabled is True or (enabled is None and sys.stderr.isatty())


def _progress(rows: Iterator, enabled: bool | None, total: int | None = None) -> Iterator:
    """A progress bar on stderr (rows done, rate, and time left when ``total`` rows are known)."""
    if not _progress_on(enabled):
        return rows
    from tqdm import tqdm

    return tqdm(rows, total=total, unit=" rows", file=sys.stderr, mininterval=0.5)


def _cell(value: object) -> object:
    return "" if value is None else value


def _name_row(resolver: Resolver, online: Any = None) -> Callable[[object, object], dict]:
    """Row function for a name column; ``online`` is an OnlineGeocoder asked where offline falls short."""
    cache: dict[tuple, dict] = {}

    def row_fn(query: object, oblast: object) -> dict:
        key = (query, oblast)
        try:
            values = cache.get(key)
        except TypeError:  # unhashable cell (a list in Parquet): resolve without caching
            key, values = None, None
        if values is None:
            if isinstance(query, str) and not query.strip():
                res = Resolution(query, "invalid", EMPTY_VALUE)
            else:
                res = lookup_one(resolver, query, oblast)
                if online is not None and res.status != "invalid":
                    from gazetteer.online import online_step

                    hint = oblast.strip() if isinstance(oblast, str) and oblast.strip() else None
                    res = online_step(online, res, hint)
            values = res.to_columns()
            if key is not None:
                cache[key] = values
        return dict(values)

    return row_fn


def _text_row(resolver: Resolver) -> Callable[[object, object], dict]:
    from gazetteer.text import find_places  # needs the `text` extra

    def row_fn(text: object, _oblast: object) -> dict:
        if not isinstance(text, str) or not text.strip():
            return {
                "gaz_places": "[]",
                "gaz_place_ids": "",
                "gaz_place_count": 0,
                "gaz_status": "invalid",
                "gaz_reason": "empty text",
            }
        try:
            mentions = find_places(text, resolver=resolver)
        except (TypeError, ValueError) as exc:
            return {
                "gaz_places": "[]",
                "gaz_place_ids": "",
                "gaz_place_count": 0,
                "gaz_status": "invalid",
                "gaz_reason": str(exc),
            }
        places = [m.to_dict() for m in mentions]
        ids = [m.match.id for m in mentions if m.match is not None]
        return {
            "gaz_places": json.dumps(places, ensure_ascii=False),
            "gaz_place_ids": ";".join(ids),
            "gaz_place_count": len(mentions),
            "gaz_status": "resolved" if mentions else "not_found",
            "gaz_reason": "" if mentions else "no place mentioned",
        }

    return row_fn


def _enrich_parquet(src, dst, column, oblast_column, text_column, resolver, progress, out_fmt, online=None) -> Counter:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise BatchError("Parquet needs pyarrow: pip install 'gazetteer[frames]'") from exc
    if str(src) == "-" or not Path(src).is_file():
        raise BatchError(f"input file not found: {src}")
    try:
        pf = pq.ParquetFile(src)
    except (OSError, pa.ArrowException) as exc:
        raise BatchError(f"cannot read Parquet file {src}: {exc}") from None
    names = pf.schema_arrow.names
    _column_index(names, column or text_column, "column")
    _column_index(names, oblast_column, "oblast column")
    added = list(TEXT_COLUMNS if text_column else RESULT_COLUMNS)
    row_fn = _text_row(resolver) if text_column else _name_row(resolver, online)
    statuses: Counter = Counter()
    if out_fmt != "parquet":
        raise BatchError("Parquet input is written as Parquet: give an output path ending in .parquet")
    with atomic_output(dst, binary=True) as out:
        writer = None
        for batch in _progress(pf.iter_batches(batch_size=65536), progress):
            queries = batch.column(column or text_column).to_pylist()
            hints = batch.column(oblast_column).to_pylist() if oblast_column else [None] * len(queries)
            results = [row_fn(q, h) for q, h in zip(queries, hints)]
            for r in results:
                statuses[r["gaz_status"]] += 1
            table = pa.Table.from_batches([batch])
            for c in added:
                table = table.append_column(c, pa.array([r[c] for r in results]))
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
        if writer is None:
            raise BatchError(f"input is empty: {src}")
        writer.close()
    return statuses
