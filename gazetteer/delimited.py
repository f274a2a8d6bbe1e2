"""Read a delimited text file (CSV, TSV) record by record without merging, splitting or dropping rows.

Python's ``csv`` module trusts quotes: one unbalanced ``"`` makes it read hundreds of lines as one cell,
``1,"Kyiv\\n2,Lviv\\n3,Odesa`` comes back as one row, a TSV whose cells start with a quote loses every
second row, a bare CR inside a cell splits a row in two and a cell over 131,072 characters stops the
whole file. :class:`Records` wraps it, keeps the physical lines of every record and checks each record
that spans several lines:

- a quoted cell over several lines is kept as one record only if the quoting is regular (the closing
  quote ends the cell), the record has as many fields as the header and its inner lines do not all
  read as rows of their own (as many delimiters as the header, no quote, a first cell shaped like the
  record's); anything else "swallowed line breaks": its lines are read again one by one, each becoming
  its own record. The last rule is a judgement: a genuine cell whose every inner line reads as a row
  is split too (marked, nothing lost); ``strict`` callers stop there instead;
- a bare CR (not part of CR LF) in a file whose lines end in LF or CR LF is kept inside its cell;
- in a TSV file, a line with the header's number of tabs that the csv module cannot read (a cell
  starting with a quote) is read as written: tabs separate, quotes are text;
- a record with the wrong number of fields, or a cell over :data:`MAX_CELL` characters, is a record
  with a ``problem`` (the caller marks it; nothing is thrown away).

>>> recs = Records(['id,place\\n', '1,"Kyiv\\n', '2,Lviv\\n'], ",")
>>> [(r.line, r.fields, r.problem) for r in recs][1:]  # doctest: +NORMALIZE_WHITESPACE
[(2, ['1', '"Kyiv'], 'unbalanced quote on line 2 (the line is read on its own, quotes as written)'),
 (3, ['2', 'Lviv'], None)]
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Longest cell read (the ``csv`` module's default field limit); a longer cell makes its row invalid.
MAX_CELL = 131_072
# Stands in for a bare CR while the csv module reads a line (it refuses CR inside an unquoted cell).
_CR_STAND_IN = "\ufdd0"  # a Unicode noncharacter: never part of interchanged text


@dataclass(frozen=True, slots=True)
class Record:
    """One row of the file: ``line`` is the physical line (1-based) it starts on; ``problem`` is None
    for a sound row, else why its fields cannot be trusted; ``kind`` names the problem for counting:
    ``ok``, ``empty`` (blank line), ``fields`` (wrong field count), ``quote`` (swallowed line breaks or
    an unbalanced quote), ``cell`` (a cell over :data:`MAX_CELL` characters)."""

    line: int
    fields: list[str]
    problem: str | None = None
    kind: str = "ok"


class Records:
    """Iterate the :class:`Record` s of ``lines`` (physical lines with their line ends, as a file opened
    with ``newline=""`` yields them). The first record is the header; once it is read, ``width`` is its
    field count and every later record is checked against it. ``notes`` collects one line per problem
    found, naming its line numbers, for the user's stderr."""

    def __init__(self, lines: Iterable[str], delimiter: str, *, first_line: int = 1) -> None:
        self.delimiter = delimiter
        self.width: int | None = None
        self.notes: list[str] = []
        self._lines = iter(lines)
        self._next_line = first_line  # number of the next physical line the source yields
        self._buf: list[str] = []  # physical lines of the record being read
        self._cr = False  # a bare CR was replaced in the record being read
        self._join_cr: bool | None = None  # decided from the first line's ending
        self._tsv = delimiter == "\t"
        self._again: deque[str] = deque()  # lines of a damaged record to read again, after its first line
        self._hinted = False  # the one-column hint is in notes

    # -- physical lines -------------------------------------------------------------------------
    def _source(self) -> Iterator[str]:
        buf, again = self._buf, self._again
        while again:
            line = again.popleft()
            if _CR_STAND_IN in line:
                self._cr = True
            buf.append(line)
            yield line
        for line in self._lines:
            if self._join_cr is None:  # a file whose lines end in CR alone is an old Mac file: CR ends lines
                self._join_cr = not (line.endswith("\r") and not line.endswith("\r\n"))
            if self._join_cr and "\r" in line:
                line = self._keep_bare_cr(line)
            buf.append(line)
            yield line

    def _keep_bare_cr(self, line: str) -> str:
        last = False
        while line.endswith("\r"):  # a bare CR ended the physical line: it belongs inside the cell
            more = next(self._lines, None)
            if more is None:  # ... unless it ends the file
                last = True
                break
            line += more
        if line.endswith("\r\n"):
            body, end = line[:-2], "\r\n"
        elif line.endswith("\n") or last:
            body, end = line[:-1], line[-1]
        else:
            body, end = line, ""
        if "\r" not in body or _CR_STAND_IN in body:
            return line
        self._cr = True
        return body.replace("\r", _CR_STAND_IN) + end

    def _take(self) -> tuple[int, list[str]]:
        """The first line number and the physical lines of the record just read; resets for the next."""
        lines = list(self._buf)
        start = self._next_line
        self._next_line += len(lines)
        self._buf.clear()
        return start, lines

    # -- records --------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Record]:
        src = self._source()
        reader = csv.reader(src, delimiter=self.delimiter)
        buf = self._buf
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start, lines = self._take()
                yield self._salvage(start, lines, str(exc))
                reader = csv.reader(self._source(), delimiter=self.delimiter)  # go on after the damaged line
                continue
            if (
                len(buf) == 1
                and not self._cr
                and buf[0].endswith("\n")
                and not (fields and fields[-1].endswith("\n"))
                and not (self._tsv and '"' in buf[0])
            ):
                # the common case: one whole line, no CR inside, no quote left open at the end of the file,
                # and in a TSV no quote at all (a quote that is not a csv quote there is text)
                line = self._next_line
                self._next_line += 1
                buf.clear()
                yield self._checked(line, fields)
                continue
            start, lines = self._take()
            if self._cr:
                fields = [f.replace(_CR_STAND_IN, "\r") for f in fields]
                self._cr = False  # kept inside its cell: not damage, so no note
            why = self._swallowed(fields, lines)
            if why:
                yield self._salvage(start, lines, why)
                reader = csv.reader(self._source(), delimiter=self.delimiter)
                continue
            yield self._checked(start, fields)

    def _checked(self, line: int, fields: list[str]) -> Record:
        width = self.width
        if width is None or len(fields) == width:
            return Record(line, fields)
        if not fields:
            if width == 1:
                return Record(line, [""])
            return Record(line, [], "empty line", "empty")
        problem = f"row has {len(fields)} fields, header has {width}"
        self.notes.append(f"line {line}: {problem}")
        if width == 1:  # a one-column file: its cells hold the delimiter, unquoted
            hint = _one_column_hint(self.delimiter)
            if not self._hinted:
                self._hinted = True
                self.notes.append(f"the header has one column: {hint}")
            problem += f"; {hint}"
        return Record(line, fields, problem, "fields")

    def _swallowed(self, fields: list[str], lines: list[str]) -> str | None:
        """Why a record is not one row (a quote left open, or line breaks swallowed), or None."""
        try:
            list(csv.reader(lines, delimiter=self.delimiter, strict=True))
        except csv.Error:
            return "unbalanced quote"
        if len(lines) > 1 and self.width is not None:
            if len(fields) != self.width:
                return "unbalanced quote"
            if len(lines) > 2 and self.width > 1 and all(self._row_like(inner, fields[0]) for inner in lines[1:-1]):
                return "unbalanced quote"
        return None

    def _row_like(self, inner: str, first_cell: str) -> bool:
        """Whether an inner line of a multi-line record reads as a row of its own: the header's number of
        delimiters, no quote, and a first cell shaped like the record's own (both ids, both text...)."""
        d = self.delimiter
        if '"' in inner or inner.count(d) != self.width - 1:
            return False
        return _shape(inner.split(d, 1)[0]) == _shape(first_cell)

    def _salvage(self, start: int, lines: list[str], why: str) -> Record:
        """A damaged record: its first line (where the stray quote or the over-long cell is) is read on
        its own and returned; the lines after it go back to be read again as usual."""
        self._cr = False
        if len(lines) > 1:
            what = f"a cell longer than {MAX_CELL:,} characters" if "field larger" in why else "an unbalanced quote"
            end = start + len(lines) - 1
            self.notes.append(
                f"line {start}: {what} joined lines {start}-{end} into one record; line {start} is read on its "
                "own, the next lines as usual"
            )
            self._again.extend(lines[1:])
            self._next_line = start + 1
        raw = lines[0]
        body = raw[:-2] if raw.endswith("\r\n") else raw[:-1] if raw.endswith(("\n", "\r")) else raw
        body_cr = body.replace(_CR_STAND_IN, "\r")
        try:
            parsed = list(csv.reader([body], delimiter=self.delimiter, strict=True))
        except csv.Error as exc:
            cells = body_cr.split(self.delimiter)
            if "field larger" in str(exc):
                problem, kind = f"a cell longer than {MAX_CELL:,} characters on line {start}", "cell"
            elif self._tsv and len(cells) == self.width:
                return Record(start, cells)  # TSV has no quoting convention: a quote is part of the cell
            else:
                problem = f"unbalanced quote on line {start} (the line is read on its own, quotes as written)"
                kind = "quote"
            if len(lines) == 1:
                self.notes.append(f"line {start}: {problem}")
            return Record(start, cells, problem, kind)
        fields = [f.replace(_CR_STAND_IN, "\r") for f in parsed[0]] if parsed else []
        return self._checked(start, fields)


def _one_column_hint(delimiter: str) -> str:
    """What to do when the cells of a one-column file hold its delimiter (each such row is split)."""
    return (
        f"the cells hold the delimiter {delimiter!r}: quote them, pass --delimiter, or use "
        "`gazetteer resolve -` for a plain list of names one per line"
    )


def _shape(cell: str) -> str:
    cell = cell.strip()
    return "empty" if not cell else "number" if cell.replace(".", "", 1).replace("-", "", 1).isdigit() else "text"
