"""Table readers and writers for ``gazetteer batch`` beyond the CSV/TSV and Parquet fast paths.

    $ gazetteer batch events.xlsx --column place -o events.gaz.xlsx     # Excel in, Excel out
    $ gazetteer batch events.csv --column place -o events.gaz.geojson    # points for QGIS
    $ gazetteer batch events.csv --column place -o events.gaz.csv --excel  # CSV with a BOM for Excel

What the output's extension says is what gets written: ``.csv``, ``.tsv``, ``.parquet``, ``.json``,
``.jsonl`` (``.ndjson``), ``.geojson`` and ``.xlsx`` (needs the ``xlsx`` extra, openpyxl); inputs may be
``.csv``, ``.tsv``, ``.parquet``, ``.json``, ``.jsonl`` and ``.xlsx``; ``.gz`` after an output's extension
compresses it (any format), after a CSV, TSV, JSON or JSON Lines input's decompresses it (a truncated or damaged
one is a BatchError). Rows keep their order; every input column is kept and the
``gaz_*`` columns are appended, as in the CSV path; an output named ``.txt`` (or another ending that names no
format) is refused. GeoJSON writes one Feature per row (a null geometry
where nothing resolved). In Excel, text that starts with ``=`` is written as text, never as a formula.

JSON Lines input: every line is a row, as in CSV: a blank line is an ``invalid`` row ("empty line"), and a line
that is not a JSON object is one whose ``gaz_reason`` ends with the line as written.

JSON input (``.json``, as pandas' ``to_json(orient="records")`` and ``JSON.stringify`` write): one array of
objects, every element a row in order ("row N" is its place in the array); an element that is not an object is
an ``invalid`` row whose ``gaz_reason`` ends with the element (as JSON). JSON output is one array holding, per
row, the object JSON Lines writes (``[]`` for no rows).

Excel input: the first sheet unless ``--sheet NAME|NUMBER`` (1-based) says otherwise (a note says when the
workbook opens on another sheet). Every row from the header to the last non-blank row comes out: a blank
row and a row whose place or hint cell is a formula with no
value saved in the file (openpyxl and pandas write formulas without one) are ``invalid`` rows with a reason,
their cells kept (the formula's text stands in for its value); blank rows after the last row are not rows.
A row with cells beyond the header's columns is resolved as any row; its ``gaz_reason`` names them, and they
follow the ``gaz_*`` columns (in a keyed output, JSON Lines or GeoJSON, the reason holds them).
Excel output cannot hold everything, so it is changed, counted on stderr, never dropped silently: control
characters become their Control Pictures symbols (``\\x0b`` -> U+240B), a cell over 32,767 characters is cut
to that and its row's ``gaz_reason`` says so, a time zone-aware timestamp becomes ISO 8601 text with its
offset. In every text output (CSV, TSV, JSON Lines, GeoJSON, Excel) a list or struct cell of a Parquet input
is JSON text and a binary cell lowercase hex (``b"\\xff"`` -> ``ff``).

:func:`enrich_table` is what :func:`gazetteer.batch.enrich_file` calls for these formats; readers yield
lists of cell values after a header, writers take such lists.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gazetteer.batch import (
    BatchError,
    BatchStats,
    HintStop,
    MalformedRecord,
    atomic_output,
    keyed_names,
    line_reason,
    parquet_batches,
    refuse_output_columns,
    sniff_delimiter,
    unread_hint_error,
)

__all__ = ["FORMATS", "INPUT_FORMATS", "count_data_rows", "enrich_table", "needs_formats", "read_table"]

#: The formats ``gazetteer batch`` writes (``--output-format``) and reads (``--format``).
FORMATS = ("csv", "tsv", "parquet", "json", "jsonl", "geojson", "xlsx")
INPUT_FORMATS = ("csv", "tsv", "parquet", "json", "jsonl", "xlsx")
#: Outputs that key cells by column name: a name the header holds twice is renamed (batch.keyed_names).
KEYED_FORMATS = ("parquet", "json", "jsonl", "geojson")
SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".geojson": "geojson",
    ".xlsx": "xlsx",
}
#: The endings an output may have (each names its format): ``.txt`` is read as CSV but says nothing of what
#: to write, so an output named so is refused like any unknown ending (``--output-format`` says).
OUTPUT_SUFFIXES = {k: v for k, v in SUFFIXES.items() if k != ".txt"}
EXCEL_MAX_ROWS = 1_048_576
_FLOAT = frozenset({"gaz_lat", "gaz_lon", "gaz_score"})
_INT = frozenset({"gaz_place_count"})


def needs_formats(in_fmt: str, out_fmt: str, bom: bool = False) -> bool:
    """True when this module (not the CSV or Parquet fast path of batch.py) must do the work."""
    if in_fmt in ("csv", "tsv") and out_fmt in ("csv", "tsv"):
        return bom
    return not (in_fmt == "parquet" and out_fmt == "parquet")


def _openpyxl(what: str) -> Any:
    try:
        import openpyxl
    except ImportError as exc:
        from gazetteer.extras import missing_extra

        raise missing_extra(exc, what) or exc from None
    return openpyxl


def _pyarrow(what: str) -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        from gazetteer.extras import missing_extra

        raise missing_extra(exc, what) or exc from None
    return pa, pq


# -- reading -----------------------------------------------------------------------------------------
def count_data_rows(src: str | Path, fmt: str) -> int | None:
    """Rows after the header, for a progress bar's time left (None when unknown, e.g. stdin)."""
    if str(src) == "-" or not Path(src).is_file() or str(src).lower().endswith(".gz"):
        return None
    if fmt in ("csv", "tsv", "jsonl"):
        n, last = 0, b"\n"
        with open(src, "rb") as fh:
            while chunk := fh.read(1 << 20):
                n += chunk.count(b"\n")
                last = chunk[-1:]
        n += last != b"\n"  # a last line without a newline
        return max(0, n - 1) if fmt != "jsonl" else n
    if fmt == "parquet":
        _, pq = _pyarrow("Parquet")
        return pq.ParquetFile(src).metadata.num_rows
    return None


@contextmanager
def read_table(
    src: str | Path,
    fmt: str,
    *,
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
    sheet: str | None = None,
    columns: tuple = (),
) -> Iterator[tuple[list[str], Iterator[list[Any]], dict]]:
    """Open a table: ``(header, rows, info)``; rows are lists as long as the header (or longer: ragged).

    ``sheet`` picks an Excel worksheet (name or 1-based number; default the first); ``columns`` names the
    columns whose cells are read for their value (an Excel formula with no saved value there is marked).

    ``info`` carries what a writer may want to keep (``delimiter`` of a CSV, ``arrow_schema`` of Parquet).
    Raises :class:`~gazetteer.batch.BatchError` for a missing or unreadable file.
    """
    if fmt not in INPUT_FORMATS:
        raise BatchError(f"cannot read {fmt}: inputs may be {', '.join(INPUT_FORMATS)}")
    if str(src) != "-" and not Path(src).is_file():
        raise BatchError(f"input file not found: {src}")
    if fmt in ("csv", "tsv"):
        with _text(src, encoding) as fh:
            yield _read_csv(fh, src, encoding, "\t" if fmt == "tsv" and delimiter is None else delimiter)
    elif fmt == "jsonl":
        with _text(src, encoding) as fh:
            yield _read_jsonl(fh, src)
    elif fmt == "json":
        with _text(src, encoding) as fh:
            yield _read_json(fh, src, encoding)
    elif fmt == "parquet":
        yield _read_parquet(src)
    else:
        yield _read_xlsx(src, sheet, columns)


@contextmanager
def _text(src: str | Path, encoding: str) -> Iterator[io.TextIOBase]:
    from gazetteer.batch import open_input_text

    try:
        fh = open_input_text(src, encoding)
    except OSError as exc:
        raise BatchError(f"cannot read {src}: {exc.strerror}") from None
    if str(src) == "-":
        yield fh
        return
    with fh:
        yield fh


def _decode_error(src: object, encoding: str, exc: UnicodeDecodeError) -> BatchError:
    from gazetteer.batch import not_text

    return BatchError(
        not_text(src) or f"cannot decode {src} as {encoding}: {exc.reason} at byte {exc.start}; pass --encoding"
    )


def _read_csv(fh: io.TextIOBase, src: object, encoding: str, delimiter: str | None) -> tuple:
    try:
        first = fh.readline()
    except UnicodeDecodeError as exc:
        raise _decode_error(src, encoding, exc) from None
    if not first:
        raise BatchError(f"input is empty: {src}")
    delimiter = delimiter or sniff_delimiter(first)
    if len(delimiter) != 1:
        raise BatchError(f"the delimiter must be one character, not {delimiter!r}")
    from gazetteer.delimited import Records

    records = Records(itertools.chain([first], fh), delimiter)  # the same record rules as batch's CSV path
    it = iter(records)
    head = next(it)
    if head.problem:
        raise BatchError(f"cannot parse the header of {src}: {head.problem}")
    header = head.fields
    records.width = len(header)

    at = [1]  # the line the row just read starts on

    def rows() -> Iterator[list[Any]]:
        try:
            for rec in it:
                at[0] = rec.line
                yield rec.fields if rec.problem is None else Damaged(rec.fields, rec)
        except UnicodeDecodeError as exc:
            raise _decode_error(src, encoding, exc) from None

    return header, rows(), {"delimiter": delimiter, "notes": records.notes, "position": ("line", at)}


class Overlong(list):
    """The cells of a workbook row with cells beyond the header's: resolved as any row, ``problem`` noted."""

    def __init__(self, cells: list[Any], problem: str) -> None:
        super().__init__(cells)
        self.problem = problem


class Damaged(list):
    """The cells of a damaged record (a CSV/TSV record, see :mod:`gazetteer.delimited`; a blank or formula row
    of a workbook; a JSON Lines line or JSON array element that is no JSON object); ``record`` says why.
    ``as_written``: the line itself when no cell holds it (a JSON Lines line), for the row's ``gaz_reason``.
    ``element``: where the row is a JSON array's element, its number (1-based): the row is named "row N"
    (``record.line`` is N too) and ``as_written`` is the element as JSON."""

    def __init__(
        self, cells: list[Any], record: Any, as_written: str | None = None, element: int | None = None
    ) -> None:
        super().__init__(cells)
        self.record = record
        self.as_written = as_written
        self.element = element


def _read_jsonl(fh: io.TextIOBase, src: object) -> tuple:
    """JSON Lines: the header is every key in order of first appearance (the file is read twice).

    Every line is a row, as every line of a CSV file is: a blank line is a :class:`Damaged` row ("empty
    line", as in CSV), and so is a line that is not a JSON object ("not a JSON object", its text kept in
    ``as_written``); ``info["notes"]`` names the latter."""
    seekable = str(src) != "-"
    lines = fh if seekable else io.StringIO(fh.read())
    header: dict[str, None] = {}
    for line in lines:
        try:
            obj = json.loads(line) if line.strip() else None
        except ValueError:
            continue
        if isinstance(obj, dict):
            header.update(dict.fromkeys(obj))
    lines.seek(0)
    if not header:
        raise BatchError(f"no JSON object in {src}: expected one object per line")
    names = list(header)
    from gazetteer.delimited import Record

    at, notes = [1], []

    def rows() -> Iterator[list[Any]]:
        for number, line in enumerate(lines, 1):
            at[0] = number
            if not line.strip():
                yield Damaged([None] * len(names), Record(number, [], "empty line", "empty"))
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            if not isinstance(obj, dict):  # no cells: marked invalid by the caller, the line kept in its reason
                text = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith(("\n", "\r")) else line
                notes.append(f"line {number}: not a JSON object")
                yield Damaged([None] * len(names), Record(number, [], "not a JSON object", "json"), text)
                continue
            yield [obj.get(k) for k in names]

    return names, rows(), {"notes": notes, "position": ("line", at)}


_JSON_LINES_HINT = "a file of one object per line is JSON Lines: name it .jsonl or pass --format jsonl"


def _read_json(fh: io.TextIOBase, src: object, encoding: str) -> tuple:
    """JSON: one array of objects (records), read whole into memory (unlike the other formats, which stream).

    The header is every key in order of first appearance, as in JSON Lines; every element is a row, in order:
    one that is not an object is a :class:`Damaged` row ("not a JSON object (row N)", the element kept as JSON
    in its reason); ``info["notes"]`` names those. Anything but an array holding an object (another value at
    the top, text that is not JSON, an empty array) is one BatchError naming the file."""
    try:
        text = fh.read()
    except UnicodeDecodeError as exc:
        raise _decode_error(src, encoding, exc) from None
    if not text.strip():
        raise BatchError(f"input is empty: {src}")
    expected = "expected a JSON array of objects ([{...}, {...}])"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise BatchError(f"{src} is not valid JSON: {where}; {expected}; {_JSON_LINES_HINT}") from None
    except RecursionError:
        raise BatchError(f"{src} is nested too deeply to read as JSON; {expected}") from None
    del text
    if not isinstance(data, list):
        inside = [k for k, v in data.items() if isinstance(v, list)][:3] if isinstance(data, dict) else []
        keys = f"key {inside[0]!r} holds" if len(inside) == 1 else f"keys {', '.join(map(repr, inside))} hold"
        held = f" (its {keys} an array: save the table's array alone)" if inside else ""
        raise BatchError(f"{src} holds a JSON {_json_kind(data)}, not an array{held}: {expected}; {_JSON_LINES_HINT}")
    header: dict[str, None] = {}
    for obj in data:
        if isinstance(obj, dict):
            header.update(dict.fromkeys(obj))
    if not header:
        said = "an empty array" if not data else "an array with no object in it"
        raise BatchError(f"no JSON object in {src}: it holds {said}, so no column is named; {expected}")
    names = list(header)
    from gazetteer.delimited import Record

    notes: list[str] = []

    def rows() -> Iterator[list[Any]]:
        for number, obj in enumerate(data, 1):
            if isinstance(obj, dict):
                yield [obj.get(k) for k in names]
                continue
            notes.append(f"row {number}: not a JSON object")
            element = json.dumps(obj, ensure_ascii=False)
            yield Damaged([None] * len(names), Record(number, [], "not a JSON object", "json"), element, number)

    return names, rows(), {"notes": notes, "total": len(data)}


def _json_kind(value: Any) -> str:
    """What a parsed JSON value is, in JSON's words: object, array, string, number, true/false, null."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return str(value).lower()
    return "null" if value is None else "number"


def _read_parquet(src: str | Path) -> tuple:
    pa, pq = _pyarrow("Parquet")
    try:
        pf = pq.ParquetFile(src)
    except (OSError, pa.ArrowException) as exc:
        raise BatchError(f"cannot read Parquet file {src}: {exc}") from None
    names = pf.schema_arrow.names

    def rows() -> Iterator[list[Any]]:
        for batch in parquet_batches(pf, src):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            yield from (list(r) for r in zip(*columns, strict=True))

    return names, rows(), {"arrow_schema": pf.schema_arrow}


def _read_xlsx(src: str | Path, sheet: str | None = None, columns: tuple = ()) -> tuple:
    """The rows of one worksheet (``sheet``: a name or 1-based number; default the first sheet).

    Every row between the header and the last non-blank row comes out: a blank row and a row whose
    ``columns`` cell (the place or hint column) is a formula with no value saved in the file come out
    as :class:`Damaged` (marked invalid, cells kept); a row with cells beyond the header as
    :class:`Overlong` (resolved, the cells named).
    """
    openpyxl = _openpyxl("reading .xlsx")
    try:
        wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
        raise BatchError(f"cannot read Excel workbook {src}: {_one_line(exc)}") from None
    notes: list[str] = []
    ws = _worksheet(wb, src, sheet, notes)
    it = ws.iter_rows(values_only=True)
    try:
        first = next(it)
    except StopIteration:
        wb.close()
        raise BatchError(f"sheet {ws.title!r} of {src} is empty") from None
    header = [str(v) if v is not None else f"column{i + 1}" for i, v in enumerate(first)]
    while header and header[-1].startswith("column") and first[len(header) - 1] is None:
        header.pop()  # trailing empty header cells
    width = len(header)
    from gazetteer.batch import column_position

    positions = []
    for c in columns:
        try:
            positions.append(column_position(header, c, "column"))
        except BatchError:
            pass  # said once the caller looks the column up
    columns = tuple(c for c in positions if c is not None)
    formulas = _FormulaCells(src, wb.sheetnames.index(ws.title))
    at = [1]  # the sheet row of the row just read

    def rows() -> Iterator[list[Any]]:
        from gazetteer.delimited import Record

        blanks: list[int] = []  # blank rows are written once a later row shows they are inside the table
        try:
            for number, r in enumerate(it, 2):
                values = list(r)
                while len(values) > width and values[-1] is None:
                    values.pop()
                missing = [c for c in columns if c >= len(values) or values[c] is None]
                lost = [(c, f) for c in missing if (f := formulas.formula(number, c)) is not None]
                if not lost and all(v is None or v == "" for v in values):
                    blanks.append(number)
                    continue
                for b in blanks:
                    yield Damaged([None] * width, Record(b, [], f"empty row (sheet row {b})", "empty"))
                blanks.clear()
                at[0] = number
                if len(values) > width:
                    # Cells are cells in a workbook (no delimiter can have shifted them): the row's own cells
                    # are read as usual, the ones beyond the header kept and named.
                    problem = f"the row has cells beyond the header's {width} columns (sheet row {number})"
                    notes.append(problem)
                    yield Overlong(values, problem)
                    continue
                if lost:
                    for c, f in lost:
                        values += [None] * (c + 1 - len(values))
                        values[c] = f  # the formula's text stands in for the value it never saved
                    cells = ", ".join(f"{header[c]!r} ({f})" for c, f in lost)
                    problem = (
                        f"formula with no saved value in {cells} (sheet row {number}): "
                        "open and save the workbook in Excel or LibreOffice to compute it"
                    )
                    notes.append(problem)
                    yield Damaged(values, Record(number, values, problem, "formula"))
                    continue
                yield values
        finally:
            formulas.close()
            wb.close()

    return (
        header,
        rows(),
        {
            "total": max(0, (ws.max_row or 1) - 1),
            "notes": notes,
            "sheet": ws.title,
            "sheets": wb.sheetnames,
            "position": ("sheet row", at),
        },
    )


def _worksheet(wb: Any, src: object, sheet: str | None, notes: list[str]) -> Any:
    """The sheet asked for by name or 1-based number; by default the first, noting when Excel opens on another."""
    names = wb.sheetnames
    if sheet is None:
        ws = wb.worksheets[0]
        try:
            active = wb.active
        except Exception:  # a workbook without a valid active index: the first sheet it is
            active = ws
        if active is not None and active.title != ws.title and len(names) > 1:
            notes.append(
                f"reading the first sheet {ws.title!r}; the workbook opens on {active.title!r} "
                f"(sheets: {', '.join(map(repr, names))}): pass --sheet to choose"
            )
        return ws
    if sheet in names:
        return wb[sheet]
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return wb.worksheets[int(sheet) - 1]
    raise BatchError(f"no sheet {sheet!r} in {src}: its sheets are {', '.join(map(repr, names))} (or 1-{len(names)})")


class _FormulaCells:
    """The formulas of a sheet, read on demand from a second, formula-keeping pass over the workbook that
    only moves forward (opened at the first cell that needs it, so a sheet without gaps costs nothing)."""

    def __init__(self, src: str | Path, index: int) -> None:
        self.src, self.index = src, index
        self.wb = self.rows = None
        self.at = 0  # sheet row number of the last row read
        self.row: tuple = ()

    def formula(self, number: int, column: int) -> str | None:
        if self.wb is None:
            import openpyxl

            self.wb = openpyxl.load_workbook(self.src, read_only=True, data_only=False)
            self.rows = self.wb.worksheets[self.index].iter_rows(min_row=number, values_only=True)
            self.at = number - 1
        while self.at < number:
            self.row = next(self.rows, ())
            self.at += 1
        value = self.row[column] if column < len(self.row) else None
        return value if isinstance(value, str) and value.startswith("=") else None

    def close(self) -> None:
        if self.wb is not None:
            self.wb.close()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# -- writing -----------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, columns: list[str]) -> None:
        self.columns = columns

    def write(self, row: list[Any]) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

    def notes(self) -> list[str]:
        """What the format could not hold as given and how it was written instead (one line each)."""
        return []

    def abandon(self) -> None:
        """Release what a writer holds when the run fails (its file is removed by atomic_output)."""


class _CsvWriter(_Writer):
    def __init__(self, fh: Any, columns: list[str], delimiter: str) -> None:
        super().__init__(columns)
        self.w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        self.w.writerow(columns)

    def write(self, row: list[Any]) -> None:
        self.w.writerow(["" if v is None else _flat(v) if isinstance(v, _NESTED) else v for v in row])


_NESTED = (bytes, bytearray, memoryview, list, tuple, dict)


def _flat(value: Any) -> Any:
    """A cell for a text format: lists and structs as JSON text, bytes as lowercase hex; others as they are."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return value


def _jsonable(value: Any) -> Any:
    """A cell as JSON can hold it: NaN and infinities (a missing float of pandas or Parquet) as null, which
    every JSON parser reads (JavaScript's JSON.parse refuses a bare NaN); bytes as hex; dates ISO 8601."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _JsonlWriter(_Writer):
    def __init__(self, fh: Any, columns: list[str]) -> None:
        super().__init__(columns)
        self.fh = fh

    def _object(self, row: list[Any]) -> str:
        """The row as one JSON object on one line (the JSON writer writes the same)."""
        return json.dumps({c: _jsonable(v) for c, v in zip(self.columns, row)}, ensure_ascii=False)

    def write(self, row: list[Any]) -> None:
        self.fh.write(self._object(row) + "\n")


class _JsonWriter(_JsonlWriter):
    """One JSON array written as it goes: per row the object JSON Lines writes, one a line; ``[]`` for none."""

    def __init__(self, fh: Any, columns: list[str]) -> None:
        super().__init__(fh, columns)
        self.first = True
        fh.write("[")

    def write(self, row: list[Any]) -> None:
        self.fh.write(("\n" if self.first else ",\n") + self._object(row))
        self.first = False

    def close(self) -> None:
        self.fh.write("]\n" if self.first else "\n]\n")


class _GeoJsonWriter(_Writer):
    """A FeatureCollection written as it goes: one Feature per row, Point geometry from gaz_lat/gaz_lon."""

    def __init__(self, fh: Any, columns: list[str]) -> None:
        super().__init__(columns)
        self.fh, self.first = fh, True
        self.lat = columns.index("gaz_lat") if "gaz_lat" in columns else None
        self.lon = columns.index("gaz_lon") if "gaz_lon" in columns else None
        fh.write('{"type": "FeatureCollection", "features": [\n')

    def write(self, row: list[Any]) -> None:
        geometry = None
        if self.lat is not None and row[self.lat] not in (None, "") and row[self.lon] not in (None, ""):
            geometry = {"type": "Point", "coordinates": [float(row[self.lon]), float(row[self.lat])]}
        feature = {
            "type": "Feature",
            "properties": {c: _jsonable(v) for c, v in zip(self.columns, row)},
            "geometry": geometry,
        }
        self.fh.write(("" if self.first else ",\n") + json.dumps(feature, ensure_ascii=False))
        self.first = False

    def close(self) -> None:
        self.fh.write("\n]}\n")


class _ParquetWriter(_Writer):
    """Row batches of 65,536 under one fixed schema: input columns keep their Arrow types, gaz_* are typed."""

    def __init__(self, fh: Any, columns: list[str], schema: Any) -> None:
        super().__init__(columns)
        pa, pq = _pyarrow("Parquet output")
        self.pa, self.buffer = pa, []
        fields = []
        for i, name in enumerate(columns):
            if schema is not None and i < len(schema.names):  # an input column (renamed if its name repeats)
                fields.append(schema.field(i).with_name(name))
            elif name in _FLOAT:
                fields.append(pa.field(name, pa.float64()))
            elif name in _INT:
                fields.append(pa.field(name, pa.int64()))
            else:
                fields.append(pa.field(name, pa.string()))
        self.schema = pa.schema(fields)
        self.writer = pq.ParquetWriter(fh, self.schema)

    def write(self, row: list[Any]) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= 65536:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        pa = self.pa
        arrays = []
        for i, f in enumerate(self.schema):
            values = [r[i] if i < len(r) else None for r in self.buffer]
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
                values = [v if v is None or isinstance(v, str) else str(v) for v in values]
            elif pa.types.is_floating(f.type):
                values = [None if v in (None, "") else float(v) for v in values]
            arrays.append(pa.array(values, type=f.type))
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.buffer = []

    def close(self) -> None:
        self._flush()
        self.writer.close()


EXCEL_MAX_CELL = 32_767  # characters in one Excel cell
# Characters a worksheet cannot hold (XML 1.0 forbids them): C0 controls other than tab, LF and CR.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _XlsxWriter(_Writer):
    """Rows into one sheet. What Excel cannot hold is changed, counted and said (``notes``), never dropped
    silently: control characters become their Control Pictures symbol (U+2400 + code, ``\\x0b`` -> ``␋``);
    a cell over 32,767 characters is cut to that and its row's ``gaz_reason`` says so; a time zone-aware
    timestamp becomes ISO 8601 text with its offset; lists and structs JSON text, bytes hex."""

    def __init__(self, fh: Any, columns: list[str]) -> None:
        super().__init__(columns)
        openpyxl = _openpyxl("writing .xlsx")
        from openpyxl.cell import WriteOnlyCell

        self.fh, self.cell_type, self.rows = fh, WriteOnlyCell, 0
        self.wb = openpyxl.Workbook(write_only=True)
        self.ws = self.wb.create_sheet("gazetteer")
        self.counts: Counter = Counter()
        self.ws.append([self._text(c, None) for c in columns])
        self.reason = columns.index("gaz_reason") if "gaz_reason" in columns else None

    def _text(self, value: str, cut: list | None) -> Any:
        if _CONTROL.search(value):
            value = _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())), value)
            self.counts["control"] += 1
        if len(value) > EXCEL_MAX_CELL:
            if cut is not None:
                cut.append(len(value))
            self.counts["cut"] += 1
            value = value[:EXCEL_MAX_CELL]
        if value.startswith("="):
            cell = self.cell_type(self.ws, value=value)
            cell.data_type = "s"  # text, never a formula
            return cell
        return value

    def _cell(self, value: Any, cut: list) -> Any:
        if value is None or isinstance(value, (int, float)):
            return value
        if isinstance(value, _NESTED):
            value = _flat(value)
        elif getattr(value, "tzinfo", None) is not None and hasattr(value, "isoformat"):
            value = value.isoformat()  # Excel has no time zones: the offset is kept in the text
            self.counts["zoned"] += 1
        return self._text(value, cut) if isinstance(value, str) else value

    def write(self, row: list[Any]) -> None:
        self.rows += 1
        if self.rows >= EXCEL_MAX_ROWS:
            raise BatchError(f"Excel holds at most {EXCEL_MAX_ROWS - 1:,} rows: write .csv or .parquet instead")
        cut: list[int] = []
        cells = [self._cell(v, cut) for v in row]
        if cut and self.reason is not None:
            said = f"{len(cut)} cell(s) cut to Excel's {EXCEL_MAX_CELL:,} characters (longest was {max(cut):,})"
            reason = row[self.reason]
            cells[self.reason] = self._text(f"{reason}; {said}" if reason else said, None)
        self.ws.append(cells)

    def notes(self) -> list[str]:
        c, said = self.counts, []
        if c["cut"]:
            said.append(
                f"{c['cut']:,} cell(s) longer than Excel's {EXCEL_MAX_CELL:,} characters were cut to it "
                "(their rows' gaz_reason says so): write .csv or .parquet to keep them whole"
            )
        if c["control"]:
            said.append(
                f"{c['control']:,} cell(s) held control characters Excel cannot store: written as their "
                "Control Pictures symbols (U+2400 + code, e.g. \\x0b as \u240b); .csv keeps them as they are"
            )
        if c["zoned"]:
            said.append(
                f"{c['zoned']:,} time zone-aware timestamp(s) written as ISO 8601 text with their offset "
                "(Excel has no time zones)"
            )
        return said

    def abandon(self) -> None:
        try:
            self.ws.close()  # its sheet is written to a temporary file as it goes: end that file now
        except Exception:  # noqa: BLE001 - the run's own error is the one to report
            pass

    def close(self) -> None:
        import gzip

        if not isinstance(self.fh, gzip.GzipFile):
            self.wb.save(self.fh)
            return
        import shutil
        import tempfile

        # A workbook is a zip file, written with seeks back that a gzip stream cannot make: built aside first.
        with tempfile.TemporaryFile() as tmp:
            self.wb.save(tmp)
            tmp.seek(0)
            shutil.copyfileobj(tmp, self.fh)


@contextmanager
def open_writer(
    dst: str | Path | None, fmt: str, columns: list[str], *, bom: bool = False, delimiter: str = ",", schema: Any = None
) -> Iterator[_Writer]:
    """A writer whose file appears at ``dst`` only when the block succeeds (stdout for None or '-')."""
    if fmt not in FORMATS:
        raise BatchError(f"cannot write {fmt}: outputs may be {', '.join(FORMATS)}")
    if fmt == "xlsx":
        _openpyxl("writing .xlsx")  # fail before any work is done
    if fmt == "parquet":
        _pyarrow("Parquet output")
    binary = fmt in ("parquet", "xlsx")
    if binary and dst in (None, "-") and sys.stdout.isatty():
        raise BatchError(f"{fmt} is binary: give an output file with -o")
    with atomic_output(dst, binary=binary, encoding="utf-8-sig" if bom else "utf-8") as fh:
        if bom and dst in (None, "-"):
            fh.write("\ufeff")
        if fmt in ("csv", "tsv"):
            writer: _Writer = _CsvWriter(fh, columns, "\t" if fmt == "tsv" else delimiter)
        elif fmt == "jsonl":
            writer = _JsonlWriter(fh, columns)
        elif fmt == "json":
            writer = _JsonWriter(fh, columns)
        elif fmt == "geojson":
            writer = _GeoJsonWriter(fh, columns)
        elif fmt == "parquet":
            writer = _ParquetWriter(fh, columns, schema)
        else:
            writer = _XlsxWriter(fh, columns)
        try:
            yield writer
        except BaseException:
            writer.abandon()
            raise
        writer.close()


# -- the batch ---------------------------------------------------------------------------------------
def enrich_table(
    src: str | Path,
    dst: str | Path | None,
    *,
    in_fmt: str,
    out_fmt: str,
    query_column: str,
    oblast_column: str | None,
    added: list[str],
    row_fn: Callable[[object, object], dict],
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
    bom: bool = False,
    progress: Callable[[Iterator, int | None], Iterator] | None = None,
    strict: bool = False,
    sheet: str | None = None,
    raion_column: str | None = None,
    hromada_column: str | None = None,
) -> Counter:
    """Read ``src``, append the ``added`` columns that ``row_fn(query, oblast)`` returns, write ``dst``."""
    if sheet is not None and in_fmt != "xlsx":
        raise BatchError("--sheet applies to .xlsx input only")
    columns = (query_column, oblast_column, raion_column, hromada_column)
    with read_table(src, in_fmt, encoding=encoding, delimiter=delimiter, sheet=sheet, columns=columns) as (
        header,
        rows,
        info,
    ):
        from gazetteer.batch import column_position, hint_reader

        where = f"sheet {info['sheet']!r} of the input" if "sheet" in info else "the input"
        notes: list[str] = []
        try:
            qi = column_position(header, query_column, "column", notes, where)
            hint = hint_reader(header, oblast_column, raion_column, hromada_column, notes, where)
        except BatchError as exc:
            others = [repr(n) for n in info.get("sheets", ()) if n != info.get("sheet")]
            more = f"; the workbook's other sheets: {', '.join(others)} (pass --sheet)" if others else ""
            raise BatchError(f"{exc}{more}") from None
        refuse_output_columns(header, added)
        width = len(header)
        out_delimiter = info.get("delimiter", ",")
        out_delimiter = "," if out_delimiter == "\t" else out_delimiter
        total = info.get("total")
        if total is None and progress is not None:
            total = count_data_rows(src, in_fmt)
        statuses = BatchStats()
        statuses.notes = info.get("notes", [])
        statuses.notes[:0] = notes
        out_columns, schema = header + added, info.get("arrow_schema")
        if out_fmt in KEYED_FORMATS:  # a name held twice would lose a cell (JSON) or the file (Parquet)
            out_columns, renamed = keyed_names(out_columns)
            if renamed:
                statuses.notes.append(renamed)
        # Where the row being resolved is, for a --strict stop: the reader's own count (a CSV record's line, a
        # sheet row), else the data row (Parquet).
        label, position = info.get("position", ("row", None))
        done = 0
        with open_writer(dst, out_fmt, out_columns, bom=bom, delimiter=out_delimiter, schema=schema) as writer:
            for row in progress(rows, total) if progress is not None else rows:
                done += 1
                if isinstance(row, Damaged):  # marked like batch's CSV path: cells kept, nothing resolved
                    rec = row.record
                    at = f"line {rec.line}" if row.element is None else f"row {row.element}"
                    if strict and rec.kind != "empty":
                        raise MalformedRecord(f"{src}: {at}: {rec.problem} (--strict)", rec.line)
                    extra = list(row[width:]) if out_fmt in ("csv", "tsv", "xlsx") else []
                    values = dict.fromkeys(added, None)
                    reason = line_reason(rec) if row.element is None else f"{rec.problem} ({at})"
                    values.update(gaz_status="invalid", gaz_reason=reason)
                    if row.as_written is not None:  # a line (JSON Lines) or element (JSON) no cell holds: kept
                        said = "the line as written" if row.element is None else "the element"
                        values["gaz_reason"] += f"; {said}: {row.as_written}"
                    if "gaz_place_count" in values:
                        values.update(gaz_places="[]", gaz_place_count=0)
                    if len(row) > width and not extra:
                        values["gaz_reason"] += f"; extra cells: {json.dumps(row[width:], ensure_ascii=False)}"
                    statuses["invalid"] += 1
                    writer.write(list(row[:width]) + [None] * (width - len(row)) + [values[c] for c in added] + extra)
                    continue
                extra: list[Any] = []
                problem = row.problem if isinstance(row, Overlong) else None
                if len(row) != width:
                    extra = row[width:]
                    row = row[:width] + [None] * (width - len(row))
                try:
                    values = row_fn(row[qi], hint(row))
                except HintStop as stop:
                    at = position[0] if position is not None else done
                    raise unread_hint_error(src, f"{label} {at}", at, stop) from None
                if extra and problem is not None:
                    # Resolved as any row; the cells beyond the header follow the gaz_* columns (or, where no
                    # column can hold them, the reason).
                    kept = "kept after the gaz_ columns" if out_fmt in ("csv", "tsv", "xlsx") else "kept here"
                    note = f"{problem}: {kept}"
                    if out_fmt not in ("csv", "tsv", "xlsx"):
                        note += f": {json.dumps(extra, ensure_ascii=False, default=str)}"
                        extra = []
                    values["gaz_reason"] = "; ".join(filter(None, [values.get("gaz_reason"), note]))
                elif extra:
                    values["gaz_status"] = "invalid"
                    values["gaz_reason"] = f"row has {width + len(extra)} fields, header has {width}"
                    if out_fmt not in ("csv", "tsv"):  # no column to hold them: keep them in the reason
                        values["gaz_reason"] += f"; extra cells: {json.dumps(extra, ensure_ascii=False)}"
                        extra = []
                statuses[values["gaz_status"]] += 1
                writer.write(row + [values[c] for c in added] + extra)
        statuses.notes.extend(writer.notes())
    return statuses
