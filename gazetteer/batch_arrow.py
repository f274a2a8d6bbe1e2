"""The Arrow batch engine: a CSV/TSV file enriched column by column, each distinct (name, hint) once.

    >>> from gazetteer.batch import enrich_file
    >>> enrich_file("events.csv", "events.gaz.csv", column="place", oblast_column="region", engine="arrow")  # doctest: +SKIP
    Counter({'resolved': 998812, 'ambiguous': 1002, 'not_found': 186})

pyarrow reads the file in record batches (a few MB each, so memory stays bounded on files of any
length), every column as text exactly as written. Per batch the place column and the hint column are
dictionary-encoded; only the distinct (place, hint) pairs go to the resolver (answers are kept for the
whole file), the ``gaz_*`` columns are built with ``take`` and the batch is written by Arrow's CSV writer.

The output holds the same rows, columns and cell values as the streaming engine's
(:func:`gazetteer.batch.enrich_file` with ``engine="stream"``); only the quoting may differ (Arrow quotes
every text cell, which CSV allows). Whatever this engine cannot promise that for raises
:class:`Unsupported` before anything is written, and ``engine="auto"`` then runs the streaming engine:
rows whose field count differs from the header, an unbalanced quote, a cell over 131,072 bytes, a
header with quotes, duplicate column names, a byte-order mark the encoding would keep, input from
stdin or output to stdout, an empty file, a cell with a line break or NUL (a quoted multi-line value or
lines swallowed by a stray quote: the streaming engine judges those row by row), free-text columns and
online lookups.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gazetteer.model import RESULT_COLUMNS

if TYPE_CHECKING:
    from gazetteer.batch import BatchStats

#: Bytes pyarrow parses at a time (a row must fit in one block); also bounds memory per batch.
BLOCK_SIZE = 1 << 20
#: The streaming engine's csv module refuses longer cells (characters; bytes bound them from above).
MAX_CELL_BYTES = 131_072
#: Longest header line read to find the delimiter and the column names.
MAX_HEADER_BYTES = 1 << 20


class Unsupported(Exception):
    """This input needs the streaming engine to keep every promise (the message says why)."""


def available() -> bool:
    """Is pyarrow installed (the ``frames`` extra)?"""
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def _header(path: Path, encoding: str) -> str:
    """The first line of the file, decoded, without its line end; Unsupported where parsing it by
    splitting would not match the csv module."""
    with open(path, "rb") as fh:
        raw = fh.readline(MAX_HEADER_BYTES + 1)
    if not raw.strip():
        raise Unsupported("empty input or empty header line")
    if len(raw) > MAX_HEADER_BYTES or not raw.endswith(b"\n"):
        raise Unsupported("header line too long or without a line end")
    try:
        codec = codecs.lookup(encoding).name
        text = raw.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise Unsupported(f"header not decodable: {exc}") from None
    if raw.startswith(codecs.BOM_UTF8) and codec != "utf-8-sig":
        raise Unsupported("byte-order mark that the encoding keeps")
    line = text[:-2] if text.endswith("\r\n") else text[:-1]
    if '"' in line or "\r" in line or "\n" in line or "\x00" in line:
        raise Unsupported("header line with quotes or line breaks")
    return line


def _arrow_encoding(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf8" if name in ("utf-8", "utf-8-sig") else name


def enrich_csv(
    src: str | Path,
    dst: str | Path,
    *,
    column: str,
    oblast_column: str | None,
    resolver: Any,
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
    in_fmt: str = "csv",
    out_fmt: str = "csv",
    progress: bool | None = None,
) -> BatchStats:
    """Enrich the CSV/TSV file ``src`` into ``dst`` with Arrow; return how many rows got each status.

    Same arguments and result as :func:`gazetteer.batch.enrich_file`. Raises :class:`Unsupported` (with
    nothing written) for input the streaming engine must handle, and the streaming engine's
    :class:`~gazetteer.batch.BatchError` for a missing file or an unwritable output.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    from gazetteer.atomic import atomic_output
    from gazetteer.batch import BatchError, BatchStats, _name_row, sniff_delimiter

    if str(src) == "-" or dst is None or str(dst) == "-":
        raise Unsupported("stdin or stdout")
    path = Path(src)
    if not path.is_file():
        raise BatchError(f"input file not found: {path}")
    line = _header(path, encoding)
    if delimiter is None:
        delimiter = "\t" if in_fmt == "tsv" else sniff_delimiter(line)
    elif len(delimiter) != 1:
        raise Unsupported("delimiter is not one character")
    out_delimiter = "\t" if out_fmt == "tsv" else "," if delimiter == "\t" else delimiter
    header = line.split(delimiter)
    added = list(RESULT_COLUMNS)
    if len(set(header)) != len(header) or set(added) & set(header):
        raise Unsupported("duplicate column names or output columns already present")
    if column not in header or (oblast_column is not None and oblast_column not in header):
        raise Unsupported("column not in the input")
    qi = header.index(column)
    oi = header.index(oblast_column) if oblast_column is not None else None

    quotes, odd = _scan_bytes(path)
    if odd:  # judged line by line by the streaming engine (gazetteer.delimited)
        raise Unsupported(odd)
    read_options = pcsv.ReadOptions(
        column_names=header, skip_rows=1, block_size=BLOCK_SIZE, encoding=_arrow_encoding(encoding)
    )
    # Without a quote in the file no cell can hold a line break, and Arrow may split the file anywhere.
    parse_options = pcsv.ParseOptions(
        delimiter=delimiter, quote_char='"', double_quote=True, newlines_in_values=quotes, ignore_empty_lines=False
    )
    convert_options = pcsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    # A batch is written without quotes (byte for byte what the csv module writes) unless a cell needs them;
    # then every text cell of that batch is quoted (Arrow's only other style; CSV allows it).
    plain = pcsv.WriteOptions(include_header=False, delimiter=out_delimiter, eol="\r\n", quoting_style="none")
    quoted = pcsv.WriteOptions(include_header=False, delimiter=out_delimiter, eol="\r\n", quoting_style="needed")
    special = (out_delimiter, '"', "\r", "\n")
    answers: dict[tuple[str, str | None], int] = {}  # (place, hint) -> index into rows_out
    rows_out: list[tuple[str, ...]] = []  # formatted gaz_* cells per distinct pair
    needs_quotes: list[bool] = []  # per distinct pair: does a gaz_* cell need quoting
    status_of: list[str] = []
    counts = BatchStats()  # no notes: damaged lines never reach this engine
    schema = pa.schema([pa.field(n, pa.string(), nullable=False) for n in header + added])
    bar = _bar(progress, path, in_fmt)
    seen_rows = 0
    try:
        reader = pcsv.open_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
        with atomic_output(dst, binary=True) as out:
            head = io.StringIO()
            csv.writer(head, delimiter=out_delimiter, lineterminator="\r\n").writerow(header + added)
            written = False
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                if batch.num_rows == 0:
                    continue
                quote_batch = quotes
                for col in batch.columns:
                    longest = pc.max(pc.binary_length(col)).as_py()
                    if longest is not None and longest > MAX_CELL_BYTES:
                        raise Unsupported(f"a cell of more than {MAX_CELL_BYTES} bytes")
                    # A line break in a cell (a quoted multi-line value, or lines a stray quote swallowed) is
                    # judged row by row by the streaming engine.
                    if quotes and pc.any(pc.match_substring_regex(col, "[\r\n]")).as_py():
                        raise Unsupported("a cell with a line break")
                    if not quote_batch and out_delimiter != delimiter:
                        quote_batch = pc.any(pc.match_substring(col, out_delimiter)).as_py()
                place = pc.dictionary_encode(batch.column(qi))
                places = place.dictionary.to_pylist()
                if oi is None:
                    uniq, inverse = np.unique(_ints(place.indices), return_inverse=True)
                    pairs = [(places[c], None) for c in uniq.tolist()]
                else:
                    hint = pc.dictionary_encode(batch.column(oi))
                    hints = hint.dictionary.to_pylist()
                    width = max(len(hints), 1)
                    combined = _ints(place.indices).astype(np.int64) * width + _ints(hint.indices)
                    uniq, inverse = np.unique(combined, return_inverse=True)
                    pairs = [(places[c // width], hints[c % width]) for c in uniq.tolist()]
                # The streaming engine's row function, new per batch: its own cache of answers would only
                # duplicate rows_out (a hundred thousand distinct names cost 100 MB more otherwise).
                row_fn = _name_row(resolver)
                local = []
                for key in pairs:
                    at = answers.get(key)
                    if at is None:
                        values = row_fn(*key)
                        at = answers[key] = len(rows_out)
                        cells = tuple(_text(values[c]) for c in added)
                        rows_out.append(cells)
                        needs_quotes.append(any(ch in cell for cell in cells for ch in special))
                        status_of.append(values["gaz_status"])
                    local.append(at)
                for i, n in enumerate(np.bincount(inverse, minlength=len(local)).tolist()):
                    counts[status_of[local[i]]] += n
                quote_batch = quote_batch or any(needs_quotes[i] for i in local)
                codes = pa.Array.from_buffers(
                    pa.int64(), len(inverse), [None, pa.py_buffer(np.ascontiguousarray(inverse, dtype=np.int64))]
                )
                chosen = [rows_out[i] for i in local]
                extra = [pc.take(_strings(cells), codes) for cells in zip(*chosen)]
                table = pa.RecordBatch.from_arrays(list(batch.columns) + extra, schema=schema)
                if not written:
                    out.write(head.getvalue().encode("utf-8"))
                    written = True
                sink = pa.BufferOutputStream()
                try:
                    pcsv.write_csv(table, sink, write_options=quoted if quote_batch else plain)
                except pa.ArrowInvalid:  # a cell holds a quote, the delimiter or a line break after all
                    sink = pa.BufferOutputStream()
                    pcsv.write_csv(table, sink, write_options=quoted)
                out.write(sink.getvalue())
                seen_rows += batch.num_rows
                if bar is not None:
                    bar.update(batch.num_rows)
            if not written:
                raise Unsupported("no data rows")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise Unsupported(f"Arrow could not parse the input as the csv module would: {str(exc)[:200]}") from None
    finally:
        if bar is not None:
            bar.close()
    if sum(counts.values()) != seen_rows:  # every row counted once: a broken promise must not pass silently
        raise Unsupported(f"counted {sum(counts.values())} statuses for {seen_rows} rows")
    return counts


def _scan_bytes(path: Path) -> tuple[bool, str | None]:
    """Does the file hold a double quote anywhere, and what (if anything) makes Arrow's reading of it differ
    from the streaming engine's: a NUL byte, a blank line, a carriage return not followed by a line feed.
    Read in 16 MB chunks at C speed."""
    quotes = False
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            window = tail + chunk  # a pattern may straddle two chunks
            quotes = quotes or b'"' in chunk
            if b"\x00" in chunk:
                return quotes, "a NUL byte"
            if b"\n\n" in window or b"\n\r\n" in window:
                return quotes, "a blank line"
            if _BARE_CR.search(window[:-1] if window.endswith(b"\r") else window):
                return quotes, "a carriage return inside a line"
            tail = window[-2:]
    if tail.endswith(b"\r"):
        return quotes, "a carriage return inside a line"
    return quotes, None


_BARE_CR = re.compile(rb"\r(?!\n)")


def _ints(indices):
    """The int32 dictionary indices of an Arrow array as a numpy view (no copy; none of them is null)."""
    import numpy as np

    return np.frombuffer(indices.buffers()[1], dtype=np.int32)[indices.offset : indices.offset + len(indices)]


def _strings(values: tuple[str, ...] | list[str]):
    """An Arrow string array built from its buffers (``pa.array`` would import pandas: a second lost)."""
    import pyarrow as pa

    encoded = [v.encode("utf-8") for v in values]
    offsets = array("i", [0])
    offsets.extend(itertools.accumulate(map(len, encoded)))
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))


def _text(value: object) -> str:
    """A cell as the csv module writes it: None empty, numbers by str()."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _bar(enabled: bool | None, path: Path, in_fmt: str):
    """The streaming engine's progress bar (rows done of the file's rows, rate, time left), or None."""
    import sys

    from gazetteer.batch import _progress_on

    if not _progress_on(enabled):
        return None
    from tqdm import tqdm

    from gazetteer.formats import count_data_rows

    return tqdm(total=count_data_rows(path, in_fmt), unit=" rows", file=sys.stderr, mininterval=0.5)
