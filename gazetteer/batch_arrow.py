"""The Arrow batch engine: a CSV/TSV file enriched column by column, each distinct (name, hint) once.

    >>> from gazetteer.batch import enrich_file
    >>> enrich_file("events.csv", "events.gaz.csv", column="place", oblast_column="region", engine="arrow")  # doctest: +SKIP
    Counter({'resolved': 998812, 'ambiguous': 1002, 'not_found': 186})

pyarrow reads the file in record batches (about a megabyte of input each, so memory stays bounded on
files of any length), every column as text exactly as written. Per batch the place column and the hint
column are dictionary-encoded and matched (``index_in``) against the values met so far; Python sees
only values and (place, hint) pairs not met before, and each distinct pair is resolved once per file.
A pair's ``gaz_*`` cells are rendered once by the csv module; on a writer thread Arrow quotes the row's
own cells where the csv module would, joins them with the pair's rendered cells (``take``) and the
lines go to the file, while the main thread resolves the next batch.

The output is byte for byte the streaming engine's (:func:`gazetteer.batch.enrich_file` with
``engine="stream"``). Whatever this engine cannot promise that for raises :class:`Unsupported`, with
nothing written, and ``engine="auto"`` then runs the streaming engine: rows whose field count differs
from the header, an unbalanced quote, a cell over 131,072 bytes, a blank line, a header with quotes,
duplicate column names, a byte-order mark the encoding would keep, input from stdin or output to
stdout, an empty file, a cell with a line break or NUL (a quoted multi-line value or lines swallowed by
a stray quote: the streaming engine judges those row by row), a delimiter outside ASCII, free-text
columns and online lookups.
"""

from __future__ import annotations

import codecs
import csv
import gc
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
#: Distinct (place, hint) pairs kept with their answers; past this all are forgotten (memory bound).
MAX_ANSWERS = 1_000_000
#: Longest header line read to find the delimiter and the column names.
MAX_HEADER_BYTES = 1 << 20
#: With ``jobs`` > 1, fewer new pairs than this in a batch are resolved in this process (a round trip to
#: the workers costs more than they save).
PARALLEL_MIN = 512
#: A batch's new pairs go to the workers in this many pieces per worker (a slow piece then holds up less).
PIECES_PER_JOB = 4
#: Why worker processes stopped before answering, and what to do (the one cause seen in practice).
UNGUARDED = (
    "worker processes are spawned and import the calling script afresh: call enrich_file(jobs=...) from under "
    "'if __name__ == \"__main__\":', or use jobs=1"
)


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
    jobs: int = 1,
    strict: bool = False,
) -> BatchStats:
    """Enrich the CSV/TSV file ``src`` into ``dst`` with Arrow; return how many rows got each status.

    Same arguments and result as :func:`gazetteer.batch.enrich_file`; ``jobs`` > 1 resolves a batch's new
    distinct pairs in that many worker processes (each loads its own resolver), the output unchanged.
    ``strict``: the first row whose hint names no unit raises :class:`~gazetteer.batch.UnreadHint`, naming
    the line the streaming engine names (nothing written).
    Raises :class:`Unsupported` (with nothing written) for input the streaming engine must handle, and the
    streaming engine's :class:`~gazetteer.batch.BatchError` for a missing file or an unwritable output, or
    when worker processes cannot start (a calling script without the ``__main__`` guard).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    from gazetteer.atomic import atomic_output
    from gazetteer.batch import BatchError, BatchStats, HintStop, sniff_delimiter, unread_hint_error

    if str(src) == "-" or dst is None or str(dst) == "-":
        raise Unsupported("stdin or stdout")
    path = Path(src)
    if not path.is_file():
        raise BatchError(f"input file not found: {path}")
    line = _header(path, encoding)
    if delimiter is None:
        delimiter = "\t" if in_fmt == "tsv" else sniff_delimiter(line)
    elif len(delimiter) != 1 or not delimiter.isascii():
        raise Unsupported("delimiter is not one ASCII character")
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
    answers = _Answers(resolver, added, oi is not None, out_delimiter, jobs, strict)
    counts = BatchStats()  # no notes: damaged lines never reach this engine
    bar = _bar(progress, path, in_fmt)
    seen_rows = 0
    blank_checked = False
    per_status = np.zeros(0, dtype=np.int64)
    try:
        reader = pcsv.open_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
        with atomic_output(dst, binary=True) as out, _Writer(out, out_delimiter) as writer:
            head = io.StringIO()
            csv.writer(head, delimiter=out_delimiter, lineterminator="\r\n").writerow(header + added)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                if batch.num_rows == 0:
                    continue
                all_empty = None  # rows whose every cell is empty: maybe a blank line
                for col in batch.columns:
                    lengths = pc.binary_length(col)
                    longest = pc.max(lengths).as_py()
                    if longest is not None and longest > MAX_CELL_BYTES:
                        raise Unsupported(f"a cell of more than {MAX_CELL_BYTES} bytes")
                    # numpy, not pc.equal(lengths, 0): an Arrow scalar made from a Python value imports pandas
                    empty = _ints(lengths) == 0
                    all_empty = empty if all_empty is None else all_empty & empty
                    # A line break in a cell (a quoted multi-line value, or lines a stray quote swallowed) is
                    # judged row by row by the streaming engine.
                    if quotes and pc.any(pc.match_substring_regex(col, "[\r\n]")).as_py():
                        raise Unsupported("a cell with a line break")
                if not blank_checked and all_empty.any():
                    blank_checked = True
                    if _has_blank_line(path):
                        raise Unsupported("a blank line")
                try:
                    rows = answers.rows(batch, qi, oi)
                except HintStop as stop:  # its row's number in the batch; no cell of the file spans lines
                    line = seen_rows + stop.row + 2
                    raise unread_hint_error(src, f"line {line}", line, stop) from None
                tally = answers.tally(rows)
                if len(tally) > len(per_status):
                    per_status = np.concatenate([per_status, np.zeros(len(tally) - len(per_status), np.int64)])
                per_status[: len(tally)] += tally
                if not writer.started:
                    writer.put(head.getvalue().encode("utf-8"))
                writer.put_rows(batch.columns, rows, answers.fragments())
                seen_rows += batch.num_rows
                if bar is not None:
                    bar.update(batch.num_rows)
            if not writer.started:
                raise Unsupported("no data rows")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise Unsupported(f"Arrow could not parse the input as the csv module would: {str(exc)[:200]}") from None
    finally:
        answers.close()
        if bar is not None:
            bar.close()
    for code, n in enumerate(per_status.tolist()):
        if n:
            counts[answers.statuses[code]] += n
    if sum(counts.values()) != seen_rows:  # every row counted once: a broken promise must not pass silently
        raise Unsupported(f"counted {sum(counts.values())} statuses for {seen_rows} rows")
    return counts


class _Answers:
    """The ``gaz_*`` cells of every distinct (place, hint) pair met so far, as CSV text.

    A batch's place and hint columns are dictionary-encoded by Arrow; only dictionary values not met
    before are looked at in Python, and only pairs not met before are resolved (once each). Each pair's
    cells are rendered once by the csv module, exactly as the streaming engine writes them (a delimiter
    before them, the line end after): a row's output line is its own cells, quoted as the csv module
    would, joined with the fragment ``take``n by the row's pair number. Past ``MAX_ANSWERS`` pairs all is
    forgotten before the next batch, so memory stays bounded when names hardly repeat.
    """

    def __init__(
        self, resolver: Any, added: list[str], with_hint: bool, delimiter: str, jobs: int = 1, strict: bool = False
    ) -> None:
        self.resolver = resolver
        self.added = added
        self.with_hint = with_hint
        self.delimiter = delimiter
        self.jobs = jobs
        self.strict = strict
        self._pool: Any = None  # worker processes, started when a batch first brings PARALLEL_MIN new pairs
        self.statuses: list[str] = []  # status names by code
        self.resolved = 0  # pairs resolved: each distinct pair once (until a reset)
        self._reset()

    def _reset(self) -> None:
        import numpy as np

        self._places: list[str] = []  # by place number
        self._hints: list[str] = []
        self._place_set: Any = None  # the same as an Arrow array, for pc.index_in
        self._hint_set: Any = None
        self._count = 0  # pairs met
        self._keys = np.zeros(0, dtype=np.int64)  # place number << 32 | hint number of each pair met, sorted
        self._numbers = np.zeros(0, dtype=np.int64)  # the pair number of each of those keys
        self._fragments: Any = None  # Arrow string array: per pair number its gaz_* cells as CSV text
        self._status = np.zeros(0, dtype=np.int64)  # per pair number: status code

    def rows(self, batch: Any, qi: int, oi: int | None) -> Any:
        """The pair number of each row of ``batch`` (numpy int64); pairs not met before are resolved first.
        Under ``strict``, a :class:`~gazetteer.batch.HintStop` of a pair gets ``row``: the first row of the
        batch that holds the pair (the batch's new pairs are resolved in the order their first rows come)."""
        import numpy as np
        import pyarrow.compute as pc

        from gazetteer.batch import HintStop

        if self._count > MAX_ANSWERS:
            self._reset()
        key, self._place_set = _numbers(batch.column(qi), self._places, self._place_set)
        key <<= 32
        if oi is not None:
            hint, self._hint_set = _numbers(batch.column(oi), self._hints, self._hint_set)
            key |= hint
        encoded = pc.dictionary_encode(_int64s(key))
        keys = _ints(encoded.dictionary, np.int64)  # the batch's distinct pairs
        at = np.searchsorted(self._keys, keys)
        known = (
            self._keys[np.minimum(at, len(self._keys) - 1)] == keys if len(self._keys) else np.zeros(len(keys), bool)
        )
        if not known.all():
            fresh = keys[~known]
            numbers = np.arange(self._count, self._count + len(fresh), dtype=np.int64)
            try:
                self._resolve(fresh.tolist())
            except HintStop as stop:
                stop.row = int(np.argmax(_ints(encoded.indices) == np.flatnonzero(keys == self._key(stop))[0]))
                raise
            order = np.argsort(np.concatenate([self._keys, fresh]), kind="stable")
            self._keys = np.concatenate([self._keys, fresh])[order]
            self._numbers = np.concatenate([self._numbers, numbers])[order]
            at = np.searchsorted(self._keys, keys)
        return self._numbers[at][_ints(encoded.indices)]

    def _key(self, stop: Any) -> int:
        """The pair number key (place number << 32 | hint number) of the pair a HintStop names."""
        place, hint = stop.args[1]
        return self._places.index(place) << 32 | (self._hints.index(hint) if self.with_hint else 0)

    def _resolve(self, keys: list[int]) -> None:
        import numpy as np
        import pyarrow as pa

        pairs = [(self._places[k >> 32], self._hints[k & 0xFFFFFFFF] if self.with_hint else None) for k in keys]
        pool = self._workers() if len(pairs) >= PARALLEL_MIN else None
        if pool is None:
            fragments, names = _render(self.resolver, self.added, self.delimiter, pairs, self.strict)
        else:
            from concurrent.futures.process import BrokenProcessPool

            from gazetteer.batch import BatchError

            size = -(-len(pairs) // (self.jobs * PIECES_PER_JOB))
            fragments, names = [], []
            try:
                for piece_fragments, piece_names in pool.map(
                    _resolve_pairs, [pairs[i : i + size] for i in range(0, len(pairs), size)]
                ):
                    fragments += piece_fragments
                    names += piece_names
            except BrokenProcessPool:
                raise BatchError(f"a worker process stopped before answering: {UNGUARDED}") from None
        codes = {name: i for i, name in enumerate(self.statuses)}
        status = []
        for name in names:
            if name not in codes:
                codes[name] = len(self.statuses)
                self.statuses.append(name)
            status.append(codes[name])
        self._count += len(keys)
        self.resolved += len(keys)
        new = _strings(fragments)
        self._fragments = new if self._fragments is None else pa.concat_arrays([self._fragments, new])
        self._status = np.concatenate([self._status, np.array(status, dtype=np.int64)])

    def _workers(self) -> Any:
        """The pool of ``jobs`` worker processes (started on first use; spawned, so that no thread or lock of
        this process is copied into them), or None for one job."""
        if self.jobs <= 1:
            return None
        import multiprocessing

        if getattr(multiprocessing.current_process(), "_inheriting", False):
            # This is a worker being started, running the caller's script again: without the guard the script
            # would start workers of its own, and so on (Python refuses that with a page of traceback).
            from gazetteer.batch import BatchError

            raise BatchError(f"jobs > 1 was asked for while a worker process was starting: {UNGUARDED}")
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.resolver, self.added, self.delimiter, self.strict),
            )
        return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def tally(self, rows: Any) -> Any:
        """Rows per status code (numpy), for rows whose pair numbers are ``rows``."""
        import numpy as np

        return np.bincount(self._status[rows], minlength=len(self.statuses))

    def fragments(self) -> Any:
        """Per pair number the ``gaz_*`` cells as CSV text, starting with the delimiter and ending with the
        line end (an Arrow string array, never changed in place: a writer thread may ``take`` from it while
        the next batch adds pairs)."""
        return self._fragments


def _render(
    resolver: Any, added: list[str], delimiter: str, pairs: list[tuple[str, str | None]], strict: bool = False
) -> tuple:
    """Each (place, hint) pair's ``gaz_*`` cells as the streaming engine writes them (a delimiter before
    them, the line end after), and its status: (fragments, status names), in the order of ``pairs``.
    ``strict``: the first pair whose hint names no unit raises :class:`~gazetteer.batch.HintStop`."""
    from gazetteer.batch import _cell, _name_row

    # The streaming engine's row function, new per call: its own cache of answers would only duplicate
    # the fragments the caller keeps.
    row_fn = _name_row(resolver, strict=strict)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    fragments, names = [], []
    # The first lookups build the resolver's tables (hundreds of thousands of objects, none cyclic): the
    # cyclic collector would walk them again and again (a tenth of the resolving). It runs again after.
    paused = gc.isenabled()
    gc.disable()
    try:
        for place, hint in pairs:
            values = row_fn(place, hint)
            text.seek(0)
            text.truncate()
            # The streaming engine writes row + these cells in one writerow: the same quoting, cell by cell.
            writer.writerow([_cell(values[c]) for c in added])
            fragments.append(text.getvalue())
            names.append(values["gaz_status"])
    finally:
        if paused:
            gc.enable()
    return fragments, names


_WORKER: dict[str, Any] = {}


def _start_worker(resolver: Any, added: list[str], delimiter: str, strict: bool = False) -> None:
    """A worker process's start: keep what :func:`_resolve_pairs` renders with (the resolver arrives pickled:
    its settings and the extract's path; the worker loads the extract itself)."""
    _WORKER.update(resolver=resolver, added=added, delimiter=delimiter, strict=strict)


def _resolve_pairs(pairs: list[tuple[str, str | None]]) -> tuple:
    """In a worker process: :func:`_render` of ``pairs``."""
    return _render(_WORKER["resolver"], _WORKER["added"], _WORKER["delimiter"], pairs, _WORKER["strict"])


def _numbers(column: Any, known: list[str], value_set: Any) -> tuple[Any, Any]:
    """Each row's number of its value in ``known`` (numpy int64), values not met before added to ``known``;
    and the new Arrow array of ``known``. Python sees only the values not met before."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column)
    dictionary = encoded.dictionary
    at = (
        pc.index_in(dictionary, value_set=value_set) if value_set is not None else pa.nulls(len(dictionary), pa.int32())
    )
    new = pc.is_null(at)
    if pc.any(new).as_py():
        fresh = pc.filter(dictionary, new)
        known.extend(fresh.to_pylist())
        value_set = fresh if value_set is None else pa.concat_arrays([value_set, fresh])
        at = pc.index_in(dictionary, value_set=value_set)
    return _ints(at).astype("int64")[_ints(encoded.indices)], value_set


class _Writer:
    """Writes the output's lines to ``out`` in order, on one thread of its own, so that Arrow's work on a
    batch's lines (``take``, quoting, joining: all outside the GIL) runs beside the next batch's resolving.
    At most two batches wait: memory stays bounded. An error in the thread is raised at the next ``put``
    or on leaving the block, which waits for the thread (a part file is never removed under it)."""

    def __init__(self, out: Any, delimiter: str) -> None:
        self.out = out
        self.delimiter = delimiter
        # The csv module quotes a cell holding the delimiter, a quote or a line-end character (RFC 4180).
        self.special = "[" + ("\\" if delimiter in "\\]^-[" else "") + delimiter + '"\r\n]'
        self.special_bytes = [ch.encode() for ch in (delimiter, '"', "\r", "\n")]
        self.started = False
        self._pending: list[Any] = []

    def __enter__(self) -> _Writer:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gazetteer-csv")
        return self

    def put(self, data: bytes) -> None:
        """Write ``data`` after what was put before."""
        self._submit(self.out.write, data)

    def put_rows(self, columns: list[Any], rows: Any, fragments: Any) -> None:
        """Write one line per row: the row's cells (``columns``), then ``fragments[rows[i]]``."""
        self._submit(self._write_rows, columns, rows, fragments)

    def _submit(self, fn: Any, *args: Any) -> None:
        self.started = True
        while len(self._pending) >= 2:
            self._pending.pop(0).result()
        self._pending.append(self._pool.submit(fn, *args))

    def _write_rows(self, columns: list[Any], rows: Any, fragments: Any) -> None:
        import numpy as np
        import pyarrow.compute as pc

        quote, empty, delimiter = _strings(['"', "", self.delimiter])  # scalars (see _strings)
        cells = []
        for col in columns:
            # Most columns hold none of the special characters anywhere: a memchr over the column's bytes
            # says so faster than a regular expression per cell.
            data = col.buffers()[2]
            raw = data.to_pybytes() if data is not None else b""  # a copy at memcpy speed; ``in`` is memchr
            if not any(ch in raw for ch in self.special_bytes):
                cells.append(col)
                continue
            needs = pc.match_substring_regex(col, self.special)
            if pc.any(needs).as_py():  # as the csv module writes it: in quotes, a quote doubled
                quoted = pc.binary_join_element_wise(quote, pc.replace_substring(col, '"', '""'), quote, empty)
                col = pc.if_else(needs, quoted, col)
            cells.append(col)
        lines = pc.binary_join_element_wise(*cells, fragments.take(_int64s(rows)), delimiter)
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
        self.out.write(memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]])

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        try:
            for future in self._pending:
                if kind is None:
                    future.result()
                else:
                    future.cancel()
        finally:
            self._pool.shutdown(wait=True)


def _scan_bytes(path: Path) -> tuple[bool, str | None]:
    """Does the file hold a double quote anywhere, and what (if anything) makes Arrow's reading of it differ
    from the streaming engine's: a NUL byte, a carriage return not followed by a line feed. Read in 16 MB
    chunks with memchr-like searches; the regular expression runs only where a CR is. (Blank lines are
    looked for only where Arrow reads a row of empty cells: see :func:`_has_blank_line`.)"""
    quotes = False
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            quotes = quotes or b'"' in chunk
            if b"\x00" in chunk:
                return quotes, "a NUL byte"
            if b"\r" in chunk or tail.endswith(b"\r"):
                window = tail + chunk  # a CR at the end of one chunk, its LF at the start of the next
                if _BARE_CR.search(window[:-1] if window.endswith(b"\r") else window):
                    return quotes, "a carriage return inside a line"
            tail = chunk[-1:]
    if tail.endswith(b"\r"):
        return quotes, "a carriage return inside a line"
    return quotes, None


def _has_blank_line(path: Path) -> bool:
    """Does the file hold an empty line (LF LF or LF CR LF)? Arrow reads one as a row of empty cells, the
    streaming engine marks it; a two-byte search is slow, so it runs only once Arrow has read such a row."""
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            window = tail + chunk  # a pattern may straddle two chunks
            if b"\n\n" in window or b"\n\r\n" in window:
                return True
            tail = window[-2:]
    return False


_BARE_CR = re.compile(rb"\r(?!\n)")


def _ints(values, dtype=None):
    """An Arrow int32 (or ``dtype``) array without nulls (dictionary indices, index_in answers) as a numpy view
    (no copy; ``to_numpy`` would import pandas)."""
    import numpy as np

    return np.frombuffer(values.buffers()[1], dtype=dtype or np.int32)[values.offset : values.offset + len(values)]


def _int64s(values):
    """A numpy integer array as an Arrow int64 array (``pa.array`` would import pandas: half a second lost)."""
    import numpy as np
    import pyarrow as pa

    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Int64Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _strings(values: tuple[str, ...] | list[str]):
    """An Arrow string array built from its buffers (``pa.array``, ``pa.scalar`` and compute functions given a
    Python str or int would import pandas: half a second lost); its items are Arrow scalars for such
    arguments."""
    import pyarrow as pa

    encoded = [v.encode("utf-8") for v in values]
    offsets = array("i", [0])
    offsets.extend(itertools.accumulate(map(len, encoded)))
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))


def _bar(enabled: bool | None, path: Path, in_fmt: str):
    """The streaming engine's progress bar (rows done of the file's rows, rate, time left), or None."""
    import sys

    from gazetteer.batch import _progress_on

    if not _progress_on(enabled):
        return None
    from tqdm import tqdm

    from gazetteer.formats import count_data_rows

    return tqdm(total=count_data_rows(path, in_fmt), unit=" rows", file=sys.stderr, mininterval=0.5)
