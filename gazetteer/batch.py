"""Enrich a table file (CSV, TSV, JSON, JSON Lines, Parquet, Excel .xlsx) with resolved settlements, row for row.

Rows stream through (a JSON array is read whole); every input row and column is kept, in order, and
``gaz_*`` columns are appended (GeoJSON out adds points). Each distinct
(query, oblast hint) pair is resolved once. Output goes to a temporary file beside the target and is
renamed into place only when complete, so a failure never leaves half a file behind.

    $ gazetteer batch events.csv --column place --oblast-column region -o events.gaz.csv
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from gazetteer.atomic import atomic_output
from gazetteer.delimited import Records
from gazetteer.errors import BatchError, MalformedRecord, UnknownOblast
from gazetteer.model import RESULT_COLUMNS, Resolution
from gazetteer.normalize import MAX_FOLD_LENGTH
from gazetteer.resolve import (
    EMPTY_VALUE,
    Resolver,
    default_resolver,
    lookup_one,
    non_text_hint,
    not_text_value,
)

TEXT_COLUMNS = ("gaz_places", "gaz_place_ids", "gaz_place_count", "gaz_status", "gaz_reason")
__all__ = ["BatchError", "BatchStats", "MalformedRecord", "UnreadHint", "enrich_file"]


class UnreadHint(BatchError):
    """With ``strict=True`` (``--strict``): a row's hint cell (oblast, raion or hromada column) names no unit
    of Ukraine, or is not text, where without ``strict`` the row would be looked up without it (its
    ``gaz_reason`` saying so). ``line`` is where the row is, as the message says it: the physical line of a
    CSV/TSV or JSON Lines file, the sheet row of a workbook, the data row of a Parquet file or the element of a
    JSON array (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        self.line = line
        super().__init__(message)


class HintStop(Exception):
    """Raised by a row function under ``strict``: ``args`` are (why the hint is not read, the (query, hint)
    pair asked). Each engine turns it into :class:`UnreadHint` naming the row (the pair tells the Arrow
    engine which row it was); picklable, so that worker processes can raise it too."""


def unread_hint_error(src: object, where: str, line: int, stop: HintStop) -> UnreadHint:
    """The one wording, in every engine and format, of a ``--strict`` stop at a hint that names no unit."""
    return UnreadHint(f"{src}: {where}: {stop.args[0]} (the row's hint; --strict)", line)


class BatchStats(Counter):
    """How many rows got each status; ``notes`` names the damaged lines of the input, one line each."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []


def detect_format(path: str | Path | None, fmt: str | None = None, output: bool = False) -> str:
    """The table format a path's extension says (see gazetteer.formats.SUFFIXES; ``.gz`` after it is
    gzip). An input of unknown extension (``.txt``, ``.dat``, none) is read as CSV; an output's must name a
    format (gazetteer.formats.OUTPUT_SUFFIXES: not ``.txt``, which says nothing of one), else BatchError."""
    from gazetteer.formats import FORMATS, OUTPUT_SUFFIXES, SUFFIXES

    if fmt:
        if fmt not in FORMATS:
            raise BatchError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
        return fmt
    if not path or str(path) == "-":
        return "csv"
    suffixes = [x.lower() for x in Path(str(path)).suffixes]
    suffix = suffixes[-2] if suffixes[-1:] == [".gz"] and len(suffixes) > 1 else suffixes[-1] if suffixes else ""
    if suffix in _OLD_SPREADSHEETS:
        if not output and _holds_text(path):
            raise BatchError(f"{path} is named {suffix} but holds text: pass --format csv (or rename it .csv)")
        raise BatchError(
            f"{path} is {_OLD_SPREADSHEETS[suffix]}, which gazetteer does not read: save it as .xlsx or .csv"
        )
    if suffix not in OUTPUT_SUFFIXES and output:
        names = ", ".join(sorted(set(OUTPUT_SUFFIXES) - {".tab", ".pq", ".ndjson"}))
        raise BatchError(
            f"cannot tell the output format from {path}: end it in {names} (optionally + .gz), or pass --output-format"
        )
    return SUFFIXES.get(suffix, "csv")


# Spreadsheet files read only by their own programs: what to say instead of an undecodable-text error.
_OLD_SPREADSHEETS = {
    ".xls": "the old Excel format (.xls)",
    ".xlsb": "Excel's binary format (.xlsb)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".numbers": "an Apple Numbers file",
}
_OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"  # an OLE2 compound file: .xls (or .doc)


def _holds_text(path: str | Path) -> bool:
    """Does a file (not gzip-named) begin with text: no NUL byte and valid UTF-8 in its first 4 kB? (A .xls
    that is really a CSV export.) False when it cannot be read."""
    if str(path).lower().endswith(".gz"):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if not head or b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # only a character cut at the end of the sample
    return True


def _open_text(path: str | Path, encoding: str) -> io.TextIOBase:
    if str(path) != "-" and not Path(path).is_file():
        raise BatchError(f"input file not found: {path}")
    return open_input_text(path, encoding)


GZIP_MAGIC = b"\x1f\x8b"


def open_input_text(src: str | Path, encoding: str) -> io.TextIOBase:
    """A text stream of ``src`` (``-``: stdin) opened with ``newline=""``; a name ending ``.gz``, or stdin
    whose first bytes are gzip's signature, is decompressed as it is read.

    Raises BatchError at once for a ``.gz`` file that is not gzip, and while reading for a gzip stream that
    is truncated or damaged (nothing was written yet that stays: outputs appear only when complete).
    OSError for a file that cannot be opened.
    """
    import gzip

    if str(src) == "-":
        raw = sys.stdin.buffer
        if not hasattr(raw, "peek"):  # a stdin replaced by a plain binary stream (BytesIO): buffer it to look
            raw = io.BufferedReader(raw)
        if raw.peek(2)[:2] == GZIP_MAGIC:
            return io.TextIOWrapper(_GzipReader(gzip.GzipFile(fileobj=raw, mode="rb"), "stdin"), encoding, newline="")
        return io.TextIOWrapper(raw, encoding=encoding, newline="")
    if str(src).lower().endswith(".gz"):
        fh = open(src, "rb")  # noqa: SIM115 - closed with the stream
        head = fh.read(2)
        if head != GZIP_MAGIC:
            fh.close()
            raise BatchError(
                f"{src} is not gzip-compressed although its name ends in .gz"
                + (f" (it starts with {head.decode('latin-1')!r}...)" if head else " (it is empty)")
                + ": rename it without .gz"
            )
        fh.seek(0)
        return io.TextIOWrapper(_GzipReader(gzip.GzipFile(fileobj=fh, mode="rb"), src, fh), encoding, newline="")
    return open(src, encoding=encoding, newline="")


class _GzipReader(io.BufferedIOBase):
    """A gzip stream whose failures are one-line BatchErrors naming the file: truncated, or damaged."""

    def __init__(self, gz: Any, src: object, raw: Any = None) -> None:
        super().__init__()
        self.gz, self.src, self.raw_file = gz, src, raw

    def readable(self) -> bool:
        return True

    def _guard(self, read: Callable[[], bytes]) -> bytes:
        import gzip
        import zlib

        try:
            return read()
        except EOFError:
            raise BatchError(
                f"{self.src} is truncated: its gzip data ends before the end of the stream "
                "(an interrupted download or copy?)"
            ) from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise BatchError(f"{self.src} is damaged gzip data ({_one_line(exc)})") from None

    def read(self, size: int | None = -1) -> bytes:
        return self._guard(lambda: self.gz.read(size))

    def read1(self, size: int = -1) -> bytes:
        return self._guard(lambda: self.gz.read1(size))

    def close(self) -> None:
        try:
            self.gz.close()
        finally:
            if self.raw_file is not None:
                self.raw_file.close()
            super().close()


def column_position(
    header: list[str], name: str | None, what: str, notes: list[str] | None = None, where: str = "the input"
) -> int | None:
    """The 0-based position of column ``name``; ``NAME#K`` is the K-th column called NAME (1-based).

    A name the header holds more than once means its first column, and ``notes`` gets a line naming
    every position. A column literally called ``NAME#K`` wins over the K-th column called NAME, and
    ``notes`` says the name is ambiguous. A missing column is a :class:`BatchError` listing the header,
    or saying how many columns are called NAME when ``NAME#K`` counts past them.
    """
    if name is None:
        return None
    base, _, k = name.rpartition("#")
    same = [i for i, h in enumerate(header) if h == base] if base and k.isdigit() else []
    if name in header:
        positions = [i for i, h in enumerate(header) if h == name]
        if len(positions) > 1 and notes is not None:
            at = ", ".join(str(i + 1) for i in positions)
            second = f"'{name}#2' names the second"
            if f"{name}#2" in header:
                second = (
                    f"'{name}#2' is the name of column {header.index(f'{name}#2') + 1}, so it cannot pick the second"
                )
            notes.append(
                f"{what} {name!r} appears {len(positions)} times (columns {at}): using column {positions[0] + 1}; "
                f"{second}"
            )
        if same and 1 <= int(k) <= len(same) and notes is not None:
            notes.append(
                f"{what} {name!r} is ambiguous: it is the name of column {positions[0] + 1} and also means "
                f"column {same[int(k) - 1] + 1}, the {_ordinal(int(k))} column called {base!r}: using column "
                f"{positions[0] + 1}, the one so named (rename a column in the input to pick the other)"
            )
        return positions[0]
    if same and 1 <= int(k) <= len(same):
        return same[int(k) - 1]
    if same:
        many = f"only {len(same)} columns are" if len(same) > 1 else "only 1 column is"
        raise BatchError(f"{what} {name!r} is not in {where}: {many} called {base!r} (NAME#K counts them from 1)")
    raise BatchError(f"{what} {name!r} is not in {where} (columns: {', '.join(header[:20])})")


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def keyed_names(names: list[str]) -> tuple[list[str], str | None]:
    """Column names for an output that keys cells by name (JSON Lines, GeoJSON properties, Parquet), where
    a name held twice would lose a column or make the file unreadable: the K-th column called NAME (K >= 2)
    becomes ``NAME#K``, the name ``--column 'NAME#K'`` picks it by, or ``NAME#K_2``, ``NAME#K_3``... when
    the header already holds that name. Returns ``(names, note)``: the note (None when nothing was
    renamed) names every renamed column, for stderr.

    >>> keyed_names(["place", "place#2", "place", "n"])
    (['place', 'place#2', 'place#2_2', 'n'], "duplicate column names renamed in the output, whose keys must differ: 'place' (column 3) -> 'place#2_2'")
    """
    counts = Counter(names)
    if all(n == 1 for n in counts.values()):
        return list(names), None
    taken = set(names)
    seen: Counter = Counter()
    out, renamed = [], []
    for i, name in enumerate(names):
        seen[name] += 1
        if seen[name] == 1:
            out.append(name)
            continue
        new = base = f"{name}#{seen[name]}"
        n = 1
        while new in taken:
            n += 1
            new = f"{base}_{n}"
        taken.add(new)
        out.append(new)
        renamed.append(f"{name!r} (column {i + 1}) -> {new!r}")
    return out, "duplicate column names renamed in the output, whose keys must differ: " + ", ".join(renamed)


def _column_index(header: list[str], name: str | None, what: str, notes: list[str] | None = None) -> int | None:
    return column_position(header, name, what, notes)


class Hints(NamedTuple):
    """A row's oblast, raion and hromada hints (``--raion-column`` / ``--hromada-column``)."""

    oblast: object = None
    raion: object = None
    hromada: object = None


def hint_reader(
    header: list[str],
    oblast_column: str | None,
    raion_column: str | None = None,
    hromada_column: str | None = None,
    notes: list[str] | None = None,
    where: str = "the input",
) -> Callable[[Any], object]:
    """``read(row)``: the row's hint for a row function: its oblast cell (None without an oblast column), or
    :class:`Hints` when a raion or hromada column is given. ``read.positions`` are the columns it reads."""
    named = (("oblast column", oblast_column), ("raion column", raion_column), ("hromada column", hromada_column))
    at = [column_position(header, name, what, notes, where) for what, name in named]
    oi = at[0]
    if raion_column is None and hromada_column is None:

        def read(row: Any) -> object:
            return row[oi] if oi is not None else None
    else:

        def read(row: Any) -> object:
            return Hints(*(row[i] if i is not None else None for i in at))

    read.positions = [i for i in at if i is not None]  # type: ignore[attr-defined]
    return read


def _lookup_hints(resolver: Resolver, query: object, hints: Hints) -> Resolution:
    """:func:`lookup_one` with raion and hromada hints too: a blank hint is no hint, a non-text one is left
    out and the reason says so; a hint that names no unit is left out by the resolver (the reason says so)."""
    if not isinstance(query, str) or not query.strip():  # missing, blank or not text: lookup_one says which
        return lookup_one(resolver, query)
    given, notes = {}, []
    for name, value in zip(Hints._fields, hints):
        if (
            value is None
            or (isinstance(value, float) and value != value)
            or (isinstance(value, str) and not value.strip())
        ):
            continue
        if not isinstance(value, str):
            notes.append(non_text_hint(name, value))
            continue
        given[name] = value
    res = resolver.lookup(query, **given)
    if notes and res.status != "invalid":
        res = replace(res, reason="; ".join(filter(None, [res.reason, *notes])))
    return res


def _blank_hint(value: object) -> bool:
    """A hint cell with no value (None, NaN) or only blanks: no hint, in every mode."""
    return (
        value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())
    )


def _lookup_strict(resolver: Resolver, query: object, hints: Hints, pair: tuple) -> Resolution:
    """The answer :func:`lookup_one` / :func:`_lookup_hints` give, for ``--strict``: where they would leave a
    hint out (it names no unit, or is not text), :class:`HintStop` with ``pair`` (the row function's
    arguments) instead. A row whose place cell cannot be looked up (missing, blank, not text, unreadable) is
    its ``invalid`` answer as usual: no hint of it is read, so none is left out."""
    if not isinstance(query, str) or not query.strip():
        return lookup_one(resolver, query)
    given, not_text = {}, []
    for name, value in zip(Hints._fields, hints):
        if _blank_hint(value):
            continue
        if isinstance(value, str):
            given[name] = value
        else:
            not_text.append(f"{name} hint {value!r} is not text")
    try:
        res = resolver.lookup(query, strict=True, **given)
    except UnknownOblast as exc:  # raised for a hint given here only: the one the answer would leave out
        raise HintStop(str(exc), pair) from None
    except (TypeError, ValueError):  # the place cell itself cannot be read: invalid, said as without strict
        return resolver.lookup(query, **given)
    if not_text and res.status != "invalid":
        raise HintStop(not_text[0], pair)
    return res


def enrich_file(
    src: str | Path,
    dst: str | Path | None,
    *,
    column: str | None = None,
    oblast_column: str | None = None,
    text_column: str | None = None,
    fmt: str | None = None,
    raion_column: str | None = None,
    hromada_column: str | None = None,
    out_fmt: str | None = None,
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
    resolver: Resolver | None = None,
    progress: bool | None = None,
    online: Any = None,
    bom: bool | None = None,
    strict: bool = False,
    engine: str = "auto",
    sheet: str | None = None,
    jobs: int = 1,
) -> BatchStats:
    """Enrich ``src`` into ``dst`` (stdout if None or '-'); return how many rows got each status.

    Every physical line of a CSV/TSV input is accounted for: a record that swallowed line breaks (an
    unbalanced quote), a row with the wrong number of fields or a cell over 131,072 characters gets
    status ``invalid`` and a reason naming its line, and the returned stats' ``notes`` list those lines.
    With ``strict=True`` the first such record raises :class:`MalformedRecord` instead (nothing written), and
    the first row whose hint cell names no unit (or is not text), which would be looked up without it,
    raises :class:`UnreadHint` naming the row and the value (nothing written either).

    ``delimiter`` defaults to tab for TSV and, for CSV, to whichever of , ; | or tab the header line uses.
    ``online`` (a :class:`gazetteer.online.OnlineGeocoder`) is asked for names not resolved offline or
    resolved to approximate coordinates; its answers are cached on disk, so an interrupted run resumes.
    Formats follow the extensions (``fmt``/``out_fmt`` force them): csv, tsv, parquet, json, jsonl, xlsx in;
    the same and geojson out (:mod:`gazetteer.formats`; a JSON input, one array of objects, is read whole into
    memory); ``bom`` starts a CSV with a BOM for Excel (None, the default: when the input, a file or stdin,
    starts with one, as Excel writes "CSV UTF-8", so the output opens in Excel with its letters intact).
    ``sheet`` picks an .xlsx input's worksheet (name or 1-based number; default the first);
    ``raion_column`` / ``hromada_column`` add per-row raion and hromada hints beside the oblast one (these
    rows go through the streaming engine).
    ``engine``: "stream" reads and writes row by row; "arrow" uses pyarrow (:mod:`gazetteer.batch_arrow`,
    several times faster on large files) and hands input it cannot promise the same output for to the
    streaming engine, saying so in the stats' ``notes``; "auto" (default) does the same silently. Both
    write the same bytes.
    ``jobs`` (default 1): worker processes that resolve a CSV/TSV file's distinct names in the Arrow engine,
    the output unchanged; worth it when many names are new (typos, registries), not when a few thousand
    repeat; each worker loads its own copy of the extract (about 400 MB). Other engines and formats resolve
    in this process. Workers are spawned: a script that calls this with ``jobs`` > 1 must do so under
    ``if __name__ == "__main__":``. :class:`BatchError` unless ``jobs`` is a positive whole number.
    """
    _refuse_empty_names(
        column=column,
        text_column=text_column,
        oblast_column=oblast_column,
        raion_column=raion_column,
        hromada_column=hromada_column,
    )
    if (column is None) == (text_column is None):
        raise BatchError("give exactly one of --column (place names) or --text-column (free text)")
    if engine not in ("auto", "arrow", "stream"):
        raise BatchError(f"unknown engine {engine!r}: use auto, arrow or stream")
    if type(jobs) is not int or jobs < 1:
        raise BatchError(f"jobs must be a positive whole number, not {jobs!r}")
    _check_input(src, encoding)
    resolver = resolver or default_resolver()
    in_fmt = detect_format(src, fmt)
    out_fmt = (
        detect_format(dst, out_fmt, output=True)
        if dst not in (None, "-")
        else (out_fmt or ("tsv" if in_fmt == "tsv" else "csv"))
    )
    from gazetteer import formats

    if bom is None:  # (read as utf-8, not utf-8-sig, the BOM is the first cell's and is kept with it)
        sig = codecs.lookup(encoding).name == "utf-8-sig"
        bom = sig and out_fmt in ("csv", "tsv") and in_fmt in ("csv", "tsv") and _starts_with_bom(src)
    # Workers serve the Arrow engine only; anywhere else the file is resolved in this process, and said so.
    one_process = (
        f"jobs={jobs} applies to CSV/TSV files through the Arrow engine: this input was resolved in one process"
        if jobs > 1
        else None
    )
    if formats.needs_formats(in_fmt, out_fmt, bom):
        return _noted(
            one_process,
            formats.enrich_table(
                src,
                dst,
                in_fmt=in_fmt,
                out_fmt=out_fmt,
                query_column=column or text_column,
                oblast_column=oblast_column,
                raion_column=raion_column,
                hromada_column=hromada_column,
                added=list(TEXT_COLUMNS if text_column else RESULT_COLUMNS),
                row_fn=_text_row(resolver) if text_column else _name_row(resolver, online, strict),
                encoding=encoding,
                delimiter=delimiter,
                bom=bom,
                progress=(lambda rows, total: _progress(rows, True, total)) if _progress_on(progress) else None,
                strict=strict,
                sheet=sheet,
            ),
        )
    if sheet is not None:
        raise BatchError("--sheet applies to .xlsx input only")
    handed_over = None
    if engine != "stream":
        from gazetteer import batch_arrow

        why = _arrow_refusal(batch_arrow, in_fmt, out_fmt, text_column, online, src)
        if why is None and (raion_column or hromada_column):
            why = "raion and hromada hint columns go through the streaming engine"
        if why is None:
            try:
                return batch_arrow.enrich_csv(
                    src, dst, column=column, oblast_column=oblast_column, resolver=resolver, encoding=encoding,
                    delimiter=delimiter, in_fmt=in_fmt, out_fmt=out_fmt, progress=progress, jobs=jobs,
                    strict=strict,
                )  # fmt: skip
            except batch_arrow.Unsupported as exc:
                why = str(exc)
        if engine == "arrow":
            handed_over = f"the Arrow engine handed this input to the streaming engine: {why}"
    if in_fmt == "parquet" or out_fmt == "parquet":
        return _noted(
            one_process,
            _enrich_parquet(
                src,
                dst,
                column,
                oblast_column,
                text_column,
                resolver,
                progress,
                out_fmt,
                online,
                raion_column,
                hromada_column,
                strict,
            ),
        )
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
        records = Records(itertools.chain([first] if first else [], fh), delimiter)
        rows = iter(records)
        try:
            head = next(rows)
        except StopIteration:
            raise BatchError(f"input is empty: {src}") from None
        except UnicodeDecodeError as exc:
            raise _undecodable(src, encoding, exc) from None
        if head.problem:
            raise BatchError(f"cannot parse the header of {src}: {head.problem}")
        header = head.fields
        records.width = len(header)
        qi = _column_index(header, column or text_column, "column", records.notes)
        hint = hint_reader(header, oblast_column, raion_column, hromada_column, records.notes)
        added = list(TEXT_COLUMNS if text_column else RESULT_COLUMNS)
        refuse_output_columns(header, added)
        width = len(header)
        statuses = BatchStats()
        statuses.notes = records.notes
        row_fn = _text_row(resolver) if text_column else _name_row(resolver, online, strict)
        blank = dict.fromkeys(added, "")
        with atomic_output(dst) as out:
            writer = csv.writer(out, delimiter=out_delimiter, lineterminator="\r\n")  # RFC 4180: quotes any \r or \n
            writer.writerow(header + added)
            total = formats.count_data_rows(src, in_fmt) if _progress_on(progress) else None
            for rec in _progress(_rows(rows, src, encoding), progress, total):
                row = rec.fields
                if rec.problem is None:
                    try:
                        values = row_fn(row[qi], hint(row))
                    except HintStop as stop:
                        raise unread_hint_error(src, f"line {rec.line}", rec.line, stop) from None
                    writer.writerow(row + [_cell(values[c]) for c in added])
                    statuses[values["gaz_status"]] += 1
                    continue
                if strict and rec.kind != "empty":
                    raise MalformedRecord(f"{src}: line {rec.line}: {rec.problem} (--strict)", rec.line)
                # A damaged record: every cell kept as read, nothing resolved from cells that may be shifted.
                extra = row[width:]
                row = row[:width] + [""] * (width - len(row))
                values = dict(blank, gaz_status="invalid", gaz_reason=line_reason(rec))
                if "gaz_place_count" in values:
                    values.update(gaz_places="[]", gaz_place_count=0)
                statuses["invalid"] += 1
                writer.writerow(row + [values[c] for c in added] + extra)
    return _noted(one_process, _noted(handed_over, statuses))


def _noted(note: str | None, stats: BatchStats) -> BatchStats:
    """``stats`` with ``note`` first among its notes (if any)."""
    if note:
        stats.notes.insert(0, note)
    return stats


def _refuse_empty_names(**names: str | None) -> None:
    """One BatchError for a column option given as an empty name (``--raion-column ""``), whichever it is:
    an empty name picks no column, and must not be read as "no such option"."""
    for option, name in names.items():
        if name is not None and name == "":
            flag = "--" + option.replace("_", "-")
            raise BatchError(f"{flag} is empty: give the name of a column of the input (as in its header line)")


def _starts_with_bom(src: str | Path) -> bool:
    """Does the input (a file or stdin, not gzip) start with a UTF-8 byte order mark? Stdin is looked at
    without taking its bytes (peeked, or read and sought back); one that allows neither counts as without."""
    if str(src) == "-":
        raw = getattr(sys.stdin, "buffer", None)
        if hasattr(raw, "peek"):
            return raw.peek(3)[:3] == codecs.BOM_UTF8
        if raw is None or not raw.seekable():
            return False
        at = raw.tell()
        head = raw.read(3)
        raw.seek(at)
        return head == codecs.BOM_UTF8
    if str(src).endswith(".gz"):
        return False
    try:
        with open(src, "rb") as fh:
            return fh.read(3) == codecs.BOM_UTF8
    except OSError:
        return False


def _check_input(src: str | Path, encoding: str) -> None:
    """One-line errors, before any work, for an input that is a folder or missing, or an unknown encoding."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise BatchError(f"unknown encoding {encoding!r}: pass a codec name such as utf-8, cp1251 or latin-1") from None
    if str(src) != "-":
        if Path(src).is_dir():
            raise BatchError(f"input is a folder, not a file: {src}")
        if not Path(src).exists():
            raise BatchError(f"input file not found: {src}")


def line_reason(rec: Any) -> str:
    """The gaz_reason of a damaged record: its problem, naming its line."""
    named = f"line {rec.line}" in rec.problem or f"row {rec.line}" in rec.problem  # Excel: "sheet row N"
    return rec.problem if named else f"{rec.problem} (line {rec.line})"


def parquet_batches(pf: Any, src: object, batch_size: int = 65536) -> Iterator[Any]:
    """The record batches of an open ``pyarrow.parquet.ParquetFile``; a corrupt page is a one-line
    BatchError (reading on would lose its rows)."""
    import pyarrow as pa

    batches = pf.iter_batches(batch_size=batch_size)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (OSError, pa.ArrowException) as exc:
            raise BatchError(f"cannot read Parquet file {src}: {_one_line(exc)}") from None
        yield batch


def refuse_output_columns(names: list[str], added: list[str]) -> None:
    """One rule for every format: an input that already has a ``gaz_*`` output column is refused."""
    clash = [c for c in added if c in names]
    if clash:
        raise BatchError(f"input already has output columns {clash}: rename them first (or drop them)")


def _arrow_refusal(
    batch_arrow: Any, in_fmt: str, out_fmt: str, text_column: str | None, online: Any, src: object = ""
) -> str | None:
    """Why the Arrow engine is not tried for this job (None: try it)."""
    if not batch_arrow.available():
        return "pyarrow is not installed: pip install 'gazetteer[frames]'"
    if str(src).lower().endswith(".gz"):
        return "gzip-compressed input goes through the streaming engine"
    if in_fmt not in ("csv", "tsv") or out_fmt not in ("csv", "tsv"):
        return "only CSV/TSV in and out go through the Arrow engine"
    if text_column is not None or online is not None:
        return "free text and online lookups go through the streaming engine"
    return None


def _undecodable(src: object, encoding: str, exc: UnicodeDecodeError) -> BatchError:
    return BatchError(
        not_text(src) or f"cannot decode {src} as {encoding}: {exc.reason} at byte {exc.start}; pass --encoding"
    )


def not_text(src: object) -> str | None:
    """What a file that fails to decode as text really is, when its first bytes say so (else None)."""
    if str(src) == "-" or str(src).lower().endswith(".gz"):
        return None  # stdin, or a gzip file whose decompressed bytes were not text: its first bytes say nothing
    try:
        with open(src, "rb") as fh:
            magic = fh.read(4)
    except OSError:
        return None
    if magic == _OLD_EXCEL_MAGIC:
        return f"{src} is in the old Excel format (.xls), not text: save it as .xlsx or .csv"
    if magic == b"PK\x03\x04":
        return f"{src} is a zip file (an .xlsx workbook?), not text: name an Excel workbook .xlsx"
    if magic[:2] == b"\x1f\x8b":
        return f"{src} is gzip-compressed: name it with a .gz ending (e.g. .csv.gz)"
    return None


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


def _rows(records: Iterator, src: object, encoding: str) -> Iterator:
    try:
        yield from records
    except UnicodeDecodeError as exc:
        raise BatchError(not_text(src) or f"cannot decode {src} as {encoding}: {exc.reason}; pass --encoding") from None


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


def _name_row(resolver: Resolver, online: Any = None, strict: bool = False) -> Callable[[object, object], dict]:
    """Row function for a name column; ``online`` is an OnlineGeocoder asked where offline falls short. With
    ``strict``, a hint the answer would leave out (it names no unit, or is not text) raises :class:`HintStop`."""
    cache: dict[tuple, tuple | dict] = {}

    def row_fn(query: object, oblast: object) -> dict:
        key = (query, oblast)
        try:
            values = cache.get(key)
        except TypeError:  # unhashable cell (a list in Parquet): resolve without caching
            key, values = None, None
        if key is not None and values is None and _too_long(query, oblast):
            key = None  # over-long text is invalid: never keep it as a cache key
        if values is None:
            if isinstance(query, str) and not query.strip():
                res = Resolution(query, "invalid", EMPTY_VALUE)
            else:
                if strict:
                    hints = oblast if isinstance(oblast, Hints) else Hints(oblast)
                    res = _lookup_strict(resolver, query, hints, (query, oblast))
                elif isinstance(oblast, Hints):
                    res = _lookup_hints(resolver, query, oblast)
                else:
                    res = lookup_one(resolver, query, oblast)
                if online is not None and res.status != "invalid":
                    from gazetteer.online import online_step

                    first = oblast.oblast if isinstance(oblast, Hints) else oblast
                    hint = first.strip() if isinstance(first, str) and first.strip() else None
                    res = online_step(online, res, hint)
            columns = res.to_columns()
            # kept as a tuple in RESULT_COLUMNS order: a fifth of a dict's memory (100,000 names: ~130 MB less)
            values = tuple(columns.values()) if tuple(columns) == RESULT_COLUMNS else dict(columns)
            if key is not None:
                cache[key] = values
            return columns
        return dict(zip(RESULT_COLUMNS, values)) if type(values) is tuple else dict(values)

    return row_fn


def _too_long(*cells: object) -> bool:
    return any(isinstance(c, str) and len(c) > MAX_FOLD_LENGTH for c in cells)


def _text_row(resolver: Resolver) -> Callable[[object, object], dict]:
    from gazetteer.text import find_places  # needs the `text` extra

    def row_fn(text: object, _oblast: object) -> dict:
        if not isinstance(text, str) or not text.strip():
            missing = text is None or (isinstance(text, float) and text != text)
            return {
                "gaz_places": "[]",
                "gaz_place_ids": "",
                "gaz_place_count": 0,
                "gaz_status": "invalid",
                "gaz_reason": "empty text" if missing or isinstance(text, str) else not_text_value(text, "text"),
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


def output_schema(added: list[str]):
    """The Arrow types of the ``gaz_*`` columns: fixed, whatever the first rows resolve to."""
    import pyarrow as pa

    types = {"gaz_lat": pa.float64(), "gaz_lon": pa.float64(), "gaz_score": pa.float64(), "gaz_place_count": pa.int64()}
    return pa.schema([pa.field(c, types.get(c, pa.string())) for c in added])


def _enrich_parquet(
    src,
    dst,
    column,
    oblast_column,
    text_column,
    resolver,
    progress,
    out_fmt,
    online=None,
    raion_column=None,
    hromada_column=None,
    strict=False,
) -> BatchStats:
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
        raise BatchError(f"cannot read Parquet file {src}: {_one_line(exc)}") from None
    names = pf.schema_arrow.names
    statuses = BatchStats()
    qi = _column_index(names, column or text_column, "column", statuses.notes)
    hint = hint_reader(names, oblast_column, raion_column, hromada_column, statuses.notes)
    added = list(TEXT_COLUMNS if text_column else RESULT_COLUMNS)
    refuse_output_columns(names, added)
    row_fn = _text_row(resolver) if text_column else _name_row(resolver, online, strict)
    if out_fmt != "parquet":
        raise BatchError("Parquet input is written as Parquet: give an output path ending in .parquet")
    gaz_schema = output_schema(added)
    schema = pf.schema_arrow
    keyed, note = keyed_names(schema.names)
    if note:
        kept = {k: v for k, v in (schema.metadata or {}).items() if k != b"pandas"}  # pandas' names the old ones
        schema = pa.schema([f.with_name(n) for f, n in zip(schema, keyed)], metadata=kept or None)
        statuses.notes.append(note)
    for f in gaz_schema:
        schema = schema.append(f)
    done = 0  # rows before this batch
    with atomic_output(dst, binary=True) as out, pq.ParquetWriter(out, schema) as writer:
        for batch in _progress(parquet_batches(pf, src), progress):
            queries = batch.column(qi).to_pylist()
            cells = {i: batch.column(i).to_pylist() for i in hint.positions}
            hints = [hint({i: c[r] for i, c in cells.items()}) for r in range(len(queries))]
            results = []
            for q, h in zip(queries, hints):
                try:
                    results.append(row_fn(q, h))
                except HintStop as stop:
                    row = done + len(results) + 1
                    raise unread_hint_error(src, f"row {row}", row, stop) from None
            done += len(queries)
            for r in results:
                statuses[r["gaz_status"]] += 1
            arrays = list(batch.columns) + [pa.array([r[f.name] for r in results], f.type) for f in gaz_schema]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return statuses


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
