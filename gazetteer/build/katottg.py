"""Read the codifier KATOTTG into units and settlements: the ministry's xlsx or a csv export of it.

Both carry the same seven columns (levels one to four, the additional level, the category, the name);
header rows are recognised by their first cell not being a KATOTTG id, so the ministry's four-row
header and a csv's one-row header are both skipped::

    units, settlements = read_codifier("kodifikator-02-07-2025.csv")
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from gazetteer.errors import BuildError

SETTLEMENT_CATEGORIES = ("K", "M", "X", "C")
#: The codifier edition bundled in ``sources/`` (KATOTTG as of 2 Jul 2025).
DEFAULT_FILE = "kodifikator-2025-07-02.csv"
DEFAULT_EDITION = "2025-07-02"
_ID = re.compile(r"^UA\d{17}$")
_DATE_IN_NAME = (
    (re.compile(r"(?<!\d)(20\d\d)[-_.](\d\d)[-_.](\d\d)(?!\d)"), (0, 1, 2)),
    (re.compile(r"(?<!\d)(\d\d)[-_.](\d\d)[-_.](20\d\d)(?!\d)"), (2, 1, 0)),
)


@dataclass
class RawUnit:
    id: str
    level: str  # oblast | raion | hromada
    name_uk: str
    parent_id: str


@dataclass
class RawSettlement:
    id: str
    category: str
    name_uk: str
    oblast_id: str
    raion_id: str
    hromada_id: str


def default_path() -> Path:
    """The codifier edition bundled with the build sources (csv, 2 Jul 2025)."""
    return Path(__file__).parent / "sources" / DEFAULT_FILE


def edition_of(path: Path) -> str:
    """The edition date (``YYYY-MM-DD``) a codifier file's name carries, or "" when it carries none.

    ``kodifikator-02-07-2025.csv`` and ``kodifikator-2025-07-02.xlsx`` both give ``2025-07-02``.
    """
    for pattern, order in _DATE_IN_NAME:
        m = pattern.search(Path(path).name)
        if m:
            y, mo, d = (m.group(i + 1) for i in order)
            if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
                return f"{y}-{mo}-{d}"
    return ""


def _rows(path: Path) -> list[list[object]]:
    """The file's rows as lists of cells: xlsx (by its zip signature) or csv (``;`` or ``,``, UTF-8)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK"):
        try:
            import openpyxl
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise BuildError("reading an xlsx codifier needs openpyxl: pip install 'gazetteer[build]'") from exc
        try:
            wb = openpyxl.load_workbook(path, read_only=True)
        except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
            raise BuildError(f"codifier {path.name} is not a readable xlsx workbook: {exc}") from exc
        try:
            return [list(r) for r in wb.active.iter_rows(values_only=True)]
        finally:
            wb.close()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("cp1251")
        except UnicodeDecodeError as exc:
            raise BuildError(f"codifier {path.name} is neither UTF-8 nor cp1251 text") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_codifier(path: Path | str | None = None) -> tuple[dict[str, RawUnit], list[RawSettlement]]:
    """Units by id (oblasts incl. Kyiv and Sevastopol, raions, hromadas) and settlements in file order.

    ``path`` is an xlsx or csv codifier (default: :func:`default_path`). BuildError if the file is
    missing, unreadable, or holds fewer than 1,000 settlements.
    """
    path = Path(path) if path else default_path()
    if not path.is_file():
        raise BuildError(f"codifier not found: {path}")
    units: dict[str, RawUnit] = {}
    settlements: list[RawSettlement] = []
    seen: set[str] = set()
    for row in _rows(path):
        cells = [("" if c is None else str(c).strip()) for c in (list(row) + [None] * 7)[:7]]
        l1, l2, l3, l4, _extra, category, name = cells
        if not _ID.match(l1) or not category or not name:
            continue
        name = " ".join(name.split())
        if category == "O":
            units[l1] = RawUnit(l1, "oblast", name, "")
        elif category == "P":
            units[l2] = RawUnit(l2, "raion", name, l1)
        elif category == "H":
            units[l3] = RawUnit(l3, "hromada", name, l2)
        elif category == "K":
            # Kyiv and Sevastopol: a top-level unit, its own hromada, and a settlement, no raion.
            units.setdefault(l1, RawUnit(l1, "oblast", name, ""))
            if l1 not in seen:
                seen.add(l1)
                settlements.append(RawSettlement(l1, "K", name, l1, "", l1))
        elif category in SETTLEMENT_CATEGORIES:
            if l4 in seen:
                continue
            seen.add(l4)
            settlements.append(RawSettlement(l4, category, name, l1, l2, l3))
    if len(settlements) < 1000:
        raise BuildError(f"the codifier at {path} has only {len(settlements)} settlements: wrong file?")
    return units, settlements
