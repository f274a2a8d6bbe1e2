"""Former official names (issue 9): do names retired since 2015 resolve to the settlement that carried them?

The names are the extract's own former names (``names.tsv`` rows of kind ``renamed``, Ukrainian and
Russian forms, with ``former_names.tsv`` saying which former name each is), derived by
``gazetteer/build/former.py`` from the classifier editions. A fixed split holds two thirds of them out of
development: a former name is *held out* when ``crc32("settlement_id|former name") % 3 != 0`` (stable
across runs and machines, independent of order); the remaining third is the development part, reported
apart. Ranking rules must be tuned on the development part only.

- with the oblast hint, a former name that no other settlement of that oblast carries (as an official,
  romanized, GeoNames, Russian or former name) must resolve to its settlement: *top-1*; *wrong* =
  resolved to another;
- with the oblast hint, a name shared inside the oblast should come back ``ambiguous`` with the right one
  among the candidates (*honest*), not confidently wrong;
- without a hint, the right settlement must be among the candidates (*among*: resolved to it, or
  ``ambiguous`` with it among the first 50 candidates), at least for *retired* names (no settlement
  carries them officially today); a name another settlement carries today goes to that one by the
  ranking rules.

Run alone: ``python -m benchmarks.former_names``.
"""

from __future__ import annotations

import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "classifiers" / "former_names_reference.csv"
#: Name kinds that make a settlement a carrier of a name (GeoNames' loose alternates and district names
#: do not count).
CARRYING_KINDS = ("official", "romanization", "geonames", "renamed", "russian")
#: Candidates looked at for "among" without a hint (a former name such as Жовтневе has ~40 bearers).
LIMIT = 50


def held_out(settlement_id: str, former: str) -> bool:
    """The fixed split: two thirds held out from development."""
    return zlib.crc32(f"{settlement_id}|{former}".encode()) % 3 != 0


def former_queries(extract) -> list[dict]:
    """One query per (settlement, former name, language): the Ukrainian former name and its Russian form."""
    from gazetteer.normalize import fold_key

    carriers: dict[tuple[str, str], set[str]] = defaultdict(set)  # (oblast, key) -> settlement ids
    current: set[str] = set()  # keys that are some settlement's official name today
    rows = []
    for sidx, name, kind, key in zip(extract.name_settlement, extract.name_text, extract.name_kind, extract.name_key):
        s = extract.settlements[sidx]
        if kind in CARRYING_KINDS:
            carriers[(s.oblast_id, key)].add(s.id)
        if kind in ("official", "romanization"):
            current.add(key)
        if kind == "renamed":
            rows.append((s, name, key))
    out, seen = [], set()
    for s, name, key in rows:
        former = extract.former_name(s.id, key)
        if former is None:
            continue
        lang = "uk" if fold_key(former[0]) == key else "ru" if _cyrillic(name) else ""
        if not lang or (s.id, name) in seen:
            continue
        seen.add((s.id, name))
        out.append(
            {
                "query": name,
                "lang": lang,
                "id": s.id,
                "oblast": s.oblast_uk,
                "former": former[0],
                "held_out": held_out(s.id, former[0]),
                "unique_in_oblast": carriers[(s.oblast_id, key)] == {s.id},
                "current_elsewhere": key in current,
            }
        )
    return out


def _cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def score(queries: list[dict], resolver=None) -> dict[str, Counter]:
    """Counters by part (held_out / development) and language."""
    from gazetteer.resolve import Resolver, lookup_one

    resolver = resolver or Resolver()
    out: dict[str, Counter] = defaultdict(Counter)
    for q in queries:
        part = "held_out" if q["held_out"] else "development"
        hinted = lookup_one(resolver, q["query"], q["oblast"])
        plain = resolver.resolve(q["query"], limit=LIMIT)
        plain_res = lookup_one(resolver, q["query"], None)
        for key in (f"{part}/{q['lang']}", f"{part}/all"):
            c = out[key]
            c["n"] += 1
            if q["unique_in_oblast"]:
                c["unique"] += 1
                c["unique_top1"] += hinted.status == "resolved" and hinted.match.id == q["id"]
                c["unique_wrong"] += hinted.status == "resolved" and hinted.match.id != q["id"]
            else:
                c["shared"] += 1
                ids = {m.id for m in hinted.candidates}
                c["shared_honest"] += hinted.status == "ambiguous" and q["id"] in ids
                c["shared_right"] += hinted.status == "resolved" and hinted.match.id == q["id"]
                c["shared_wrong"] += hinted.status == "resolved" and hinted.match.id != q["id"]
            right_plain = plain_res.status == "resolved" and plain_res.match.id == q["id"]
            among = right_plain or (plain_res.status != "resolved" and q["id"] in {m.id for m in plain})
            c["plain_top1"] += right_plain
            c["plain_among"] += among
            if q["current_elsewhere"]:
                # Another settlement carries this name today: by the ranking rules it wins without a hint.
                c["current"] += 1
                c["current_to_today"] += plain_res.status == "resolved" and plain_res.match.match == "exact"
            else:
                c["retired"] += 1
                c["retired_among"] += among
    return out


def _pct(a: int, n: int) -> str:
    return f"{100 * a / n:.1f}%" if n else "-"


def table(results: dict[str, Counter]) -> str:
    lines = [
        "| part / language | n | unique in oblast: n | top-1 (hint) | wrong (hint) | shared in oblast: n "
        "| honest ambiguous (hint) | right (hint) | wrong (hint) | top-1 (no hint) | among (no hint) "
        "| retired: n | among (no hint) | current elsewhere: n | to today's bearer (no hint) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key in sorted(results, key=lambda k: (not k.startswith("held_out"), not k.endswith("/all"), k)):
        c = results[key]
        lines.append(
            f"| {key} | {c['n']} | {c['unique']} | {_pct(c['unique_top1'], c['unique'])} | "
            f"{_pct(c['unique_wrong'], c['unique'])} | {c['shared']} | {_pct(c['shared_honest'], c['shared'])} | "
            f"{_pct(c['shared_right'], c['shared'])} | {_pct(c['shared_wrong'], c['shared'])} | "
            f"{_pct(c['plain_top1'], c['n'])} | {_pct(c['plain_among'], c['n'])} | {c['retired']} | "
            f"{_pct(c['retired_among'], c['retired'])} | {c['current']} | {_pct(c['current_to_today'], c['current'])} |"
        )
    return "\n".join(lines)


def reference_agreement(extract, path: Path = REFERENCE) -> str:
    """How the extract's former names agree with the independent derivation in ``path`` (read where it
    exists beside the checkout; never copied): rows found, change kinds, years of change."""
    import csv

    from gazetteer.normalize import fold_key

    if not path.exists():
        return f"Reference table not found ({path}): agreement not measured."
    with open(path, encoding="utf-8", newline="") as fh:
        ref = {(r["settlement_id"], fold_key(r["old_name_uk"])): r for r in csv.DictReader(fh)}
    ours: dict[tuple[str, str], tuple[str, str, str]] = {}
    for (sid, _key), (name, years) in extract_former(extract).items():
        ours.setdefault((sid, fold_key(name)), (name, years, ""))
    both = ref.keys() & ours.keys()
    years_agree = sum(
        1
        for k in both
        if ref[k]["to_year"]
        and set(ref[k]["to_year"].split("-")) & set(ours[k][1].split("till ")[-1].split("–")[-1].split("/"))
    )
    return (
        f"Agreement with `former_names_reference.csv` ({len(ref)} rows, {len({k[0] for k in ref})} settlements): "
        f"{len(both)} of its rows ({100 * len(both) / len(ref):.1f}%) are former names here too; "
        f"{len(ours.keys() - ref.keys())} former names here are not in it; "
        f"the year of change agrees (or lies in the same window) for {years_agree} of the {len(both)}."
    )


def extract_former(extract) -> dict[tuple[str, str], tuple[str, str]]:
    """(settlement id, key) -> (former name, years) for every former-name row of the extract."""
    extract.former_name("", "")  # loads the table
    return dict(extract._former or {})


def run(out_dir: Path | None = None) -> str:
    from gazetteer.store import get_extract

    extract = get_extract()
    queries = former_queries(extract)
    stats = extract.manifest.get("former_names", {})
    head = [
        "## Former official names (issue 9)",
        "",
        f"{stats.get('former_names', '?')} former names of {stats.get('settlements_with_former_names', '?')} "
        "settlements in the extract, derived from the classifier editions 2015-2025. Queries: each former name "
        'in Ukrainian and its Russian form. Held out from development: crc32("id|former name") % 3 != 0. '
        "*unique in oblast*: no other settlement of the oblast carries the name (current or former official); "
        "with the hint it must resolve. *shared*: ambiguous with the right one among the candidates is honest. "
        f"*among (no hint)*: resolved to it, or not resolved with it among the first {LIMIT} candidates; "
        "*retired*: no settlement carries the name officially today (there it must be among); *current "
        "elsewhere*: another settlement carries it today, and by the ranking rules that one wins without a hint "
        "unless the former bearers outweigh it (*to today's bearer*: resolved as an exact current name).",
        "",
    ]
    return "\n".join(head) + "\n" + table(score(queries)) + "\n\n" + reference_agreement(extract) + "\n"


if __name__ == "__main__":
    print(run())
    sys.exit(0)
