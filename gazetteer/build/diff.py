"""``gazetteer data diff OLD NEW``: settlements added, removed and renamed between two codifier editions.

Each side is a codifier file (xlsx or csv) or an extract folder (its ``settlements.tsv``). Settlements
are matched by KATOTTG id, which stays stable when a settlement is renamed::

    $ gazetteer data diff kodifikator-2025-05-16.csv kodifikator-2025-07-02.csv
    renamed (184): UA05020030010063857 Вінницька: Жданівка -> ...
"""

from __future__ import annotations

import csv
from pathlib import Path

from gazetteer.build.katottg import RawSettlement, read_codifier
from gazetteer.errors import BuildError


def read_side(path: str | Path) -> tuple[dict[str, RawSettlement], dict[str, str]]:
    """Settlements by id and unit names by id from a codifier file or an extract folder."""
    path = Path(path)
    if path.is_dir():
        table = path / "settlements.tsv"
        if not table.is_file():
            raise BuildError(f"{path} is neither a codifier file nor an extract folder (no settlements.tsv)")
        with open(table, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        units: dict[str, str] = {}
        units_path = path / "units.tsv"
        if units_path.is_file():
            with open(units_path, encoding="utf-8", newline="") as fh:
                units = {r["id"]: r["name_uk"] for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}
        settlements = {
            r["id"]: RawSettlement(r["id"], r["category"], r["name_uk"], r["oblast_id"], r["raion_id"], r["hromada_id"])
            for r in rows
        }
        return settlements, units
    raw_units, settlements_list = read_codifier(path)
    return {s.id: s for s in settlements_list}, {u.id: u.name_uk for u in raw_units.values()}


def diff_editions(old: str | Path, new: str | Path) -> dict:
    """A report: ``added``, ``removed``, ``renamed`` and ``recategorised`` settlements (lists of dicts,
    sorted by id) plus their ``counts``. BuildError if either side cannot be read."""
    a, units_a = read_side(old)
    b, units_b = read_side(new)

    def where(s: RawSettlement, units: dict[str, str]) -> str:
        return units.get(s.oblast_id, s.oblast_id)

    added = [
        {"id": i, "name_uk": b[i].name_uk, "category": b[i].category, "oblast": where(b[i], units_b)}
        for i in sorted(set(b) - set(a))
    ]
    removed = [
        {"id": i, "name_uk": a[i].name_uk, "category": a[i].category, "oblast": where(a[i], units_a)}
        for i in sorted(set(a) - set(b))
    ]
    common = sorted(set(a) & set(b))
    renamed = [
        {"id": i, "old_name_uk": a[i].name_uk, "new_name_uk": b[i].name_uk, "oblast": where(b[i], units_b)}
        for i in common
        if a[i].name_uk != b[i].name_uk
    ]
    recategorised = [
        {"id": i, "name_uk": b[i].name_uk, "old_category": a[i].category, "new_category": b[i].category}
        for i in common
        if a[i].category != b[i].category
    ]
    return {
        "old": str(old),
        "new": str(new),
        "counts": {
            "old_settlements": len(a),
            "new_settlements": len(b),
            "added": len(added),
            "removed": len(removed),
            "renamed": len(renamed),
            "recategorised": len(recategorised),
        },
        "added": added,
        "removed": removed,
        "renamed": renamed,
        "recategorised": recategorised,
    }


def format_diff(report: dict) -> str:
    """The report as lines of text, one settlement a line."""
    c = report["counts"]
    lines = [
        f"{report['old']} ({c['old_settlements']:,} settlements) -> {report['new']} ({c['new_settlements']:,})",
        f"added {c['added']}, removed {c['removed']}, renamed {c['renamed']}, recategorised {c['recategorised']}",
    ]
    for r in report["renamed"]:
        lines.append(f"renamed  {r['id']}  {r['oblast']}: {r['old_name_uk']} -> {r['new_name_uk']}")
    for r in report["added"]:
        lines.append(f"added    {r['id']}  {r['oblast']}: {r['name_uk']} ({r['category']})")
    for r in report["removed"]:
        lines.append(f"removed  {r['id']}  {r['oblast']}: {r['name_uk']} ({r['category']})")
    for r in report["recategorised"]:
        lines.append(f"category {r['id']}  {r['name_uk']}: {r['old_category']} -> {r['new_category']}")
    return "\n".join(lines)
