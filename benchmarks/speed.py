"""Speed near the floor: each figure beside a floor measured in the same run, and their ratio.

    $ python -m benchmarks.run speed            # writes benchmarks/RESULTS-speed.md
    $ python -m benchmarks.speed                # prints the Markdown

* cold start: ``gazetteer resolve Kupiansk --json`` in a fresh process against a bare ``python -c pass``
  (CPU seconds of the child processes, median of paired runs);
* batch, 1,000,000 rows of ~4,000 distinct spellings, and 300,000 rows of 100,000 distinct spellings a
  quarter of them typos: the Arrow engine and the streaming engine against pyarrow reading and writing the
  same file (every column as text), each in its own process (time includes loading the extract; peak is
  the process's own VmHWM);
* the same with ``jobs=2`` (two worker processes; the main process's peak, and the largest worker's);
* typo lookups: candidate keys from the scan-free index against the full scan on 6,000 typos.

Run against an older checkout (no ``engine`` parameter) it measures the streaming engine only: that is
how the "before" figures of the issue were taken.
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.memory import peak_rss_kib

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


# -- inputs -----------------------------------------------------------------------------------------
def write_repeats(path: Path, rows: int = 1_000_000, distinct: int = 4_000) -> None:
    """``rows`` rows drawn Zipf-like from ``distinct`` spellings (see benchmarks/cost_curve.py)."""
    from benchmarks.cost_curve import vocabulary, write_input

    write_input(path, rows, vocabulary(size=distinct))


def write_typos(path: Path, rows: int = 300_000, distinct: int = 100_000, seed: int = 12) -> None:
    """``distinct`` spellings (three quarters name variants of the extract, one quarter with a typo), each
    at least once, the rest of ``rows`` drawn Zipf-like; an oblast hint on a fifth of the rows."""
    from benchmarks.resolver import _typo
    from gazetteer.store import get_extract

    ex = get_extract()
    rng = random.Random(seed)
    spellings: dict[str, str] = {}
    order = list(range(len(ex.name_text)))
    rng.shuffle(order)
    forms = iter(
        (f(ex.name_text[i]), ex.settlements[ex.name_settlement[i]].oblast_en)
        for f in (str, str.upper, str.lower, str.title)
        for i in order
    )
    while len(spellings) < distinct * 3 // 4:
        name, oblast = next(forms)
        spellings.setdefault(name, oblast)
    settlements = list(ex.settlements)
    while len(spellings) < distinct:
        s = rng.choice(settlements)
        spellings.setdefault(_typo(rng, s.name_en, 1), s.oblast_en)
    vocab = list(spellings.items())
    rng.shuffle(vocab)
    weights = [1 / (i + 1) ** 1.1 for i in range(len(vocab))]
    picks = list(range(len(vocab))) + rng.choices(range(len(vocab)), weights=weights, k=rows - len(vocab))
    rng.shuffle(picks)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["n", "place", "oblast"])
        for n, i in enumerate(picks):
            w.writerow([n, vocab[i][0], vocab[i][1] if rng.random() < 0.2 else ""])


# -- the measured work, each in a fresh process -----------------------------------------------------
def _work(mode: str, src: Path, dst: Path) -> dict:
    t0 = time.perf_counter()
    out: dict = {}
    if mode == "floor":
        import pyarrow as pa
        import pyarrow.csv as pcsv

        with open(src, encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)
        table = pcsv.read_csv(src, convert_options=convert)
        pcsv.write_csv(table, dst)
        out["rows"] = table.num_rows
    else:
        from gazetteer.batch import enrich_file

        engine, _, jobs = mode.partition("-jobs")  # "arrow-jobs2": the Arrow engine with two workers
        params = inspect.signature(enrich_file).parameters
        kw: dict = {"engine": engine} if "engine" in params else {}
        if kw == {} and engine == "arrow":
            return {"skipped": "no Arrow engine in this version"}
        if jobs:
            if "jobs" not in params:
                return {"skipped": "no jobs in this version"}
            kw["jobs"] = int(jobs)
        statuses = enrich_file(src, dst, column="place", oblast_column="oblast", progress=False, **kw)
        out["rows"] = sum(statuses.values())
        out["statuses"] = dict(statuses)
        if jobs:
            import resource

            # The largest worker's peak (Linux: KiB); workers are gone by now, so this is their high-water mark.
            out["worker_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out["seconds"] = time.perf_counter() - t0
    out["peak_mib"] = peak_rss_kib() / 1024
    return out


def measure(mode: str, src: Path, dst: Path) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.speed", "--work", mode, str(src), str(dst)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed: {proc.stderr[-2000:]}")
    if dst.exists():
        dst.unlink()
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cold_start(runs: int = 7) -> dict:
    """Median CPU seconds of ``gazetteer resolve Kupiansk --json`` and of ``python -c pass``, paired, with
    bytecode cached (see benchmarks/cold_start.py, which also measures without it and the import alone)."""
    from benchmarks.cold_start import measure

    rows = measure(REPO, runs)
    (_, _, r), *_ = rows
    return {"resolve_cpu_s": r["cpu_s"], "bare_cpu_s": r["floor_s"], "ratio": r["ratio"], "rows": rows}


def typo_equality(n: int = 6000, seed: int = 11) -> dict:
    """Candidate keys within reach of ``n`` typos: scan-free index against the full scan."""
    from benchmarks.resolver import _typo
    from gazetteer.normalize import fold_key
    from gazetteer.resolve import Resolver, _max_edits
    from gazetteer.store import get_extract

    ex = get_extract()
    rng = random.Random(seed)
    names = [s for s in ex.settlements if len(s.name_en) >= 5]
    keys = []
    for i, s in enumerate(rng.sample(names, n)):
        keys.append(fold_key(_typo(rng, s.name_uk if i % 3 == 0 else s.name_en, 1 + (i % 5 == 0))))
    index = Resolver(ex).index
    if not hasattr(index, "_scan"):
        return {"skipped": "no scan-free index in this version"}
    t = time.perf_counter()
    scanned = [index._scan(k, _max_edits(k) + 1) if _max_edits(k) else [] for k in keys]
    scan_s = time.perf_counter() - t
    index._scans = 10**6
    index._count_typo_lookup()
    t = time.perf_counter()
    found = [index._edit.near(k, _max_edits(k) + 1) if _max_edits(k) else [] for k in keys]
    index_s = time.perf_counter() - t
    return {
        "typos": n,
        "identical": sum(a == b for a, b in zip(scanned, found)),
        "scan_us": scan_s / n * 1e6,
        "index_us": index_s / n * 1e6,
    }


def run(out_dir: Path) -> str:
    work = Path(out_dir) / "speed"
    work.mkdir(parents=True, exist_ok=True)
    lines = ["## speed: figures beside their floors (same run)", ""]
    cold = cold_start()
    lines += [
        "| measure | figure | floor | ratio |",
        "|---|---:|---:|---:|",
    ]
    for setting, what, r in cold["rows"]:
        lines.append(
            f"| {what}, cold, CPU, {setting} | {r['cpu_s']:.3f} s | `python -c pass` {r['floor_s']:.3f} s | "
            f"{r['ratio']:.1f}x |"
        )
    for name, writer, size in (
        ("1,000,000 rows, ~4,000 distinct", write_repeats, 1_000_000),
        ("300,000 rows, 100,000 distinct, a quarter typos", write_typos, 300_000),
    ):
        rows = int(os.environ.get("GAZETTEER_BENCH_SPEED_ROWS", size)) if size == 1_000_000 else size
        src = work / f"input_{name.split()[0].replace(',', '')}.csv"
        if not src.exists():
            if writer is write_repeats:
                writer(src, rows=rows)
            else:
                writer(src)
        floor = measure("floor", src, work / "floor.csv")
        for mode in ("arrow", "arrow-jobs2", "stream"):
            r = measure(mode, src, work / f"{mode}.csv")
            if "skipped" in r:
                lines.append(f"| batch {name}, {mode} | {r['skipped']} | | |")
                continue
            label = "Arrow engine, --jobs 2" if mode == "arrow-jobs2" else f"{mode} engine"
            workers = f", each worker at most {r['worker_peak_mib']:.0f} MiB" if "worker_peak_mib" in r else ""
            lines.append(
                f"| batch {name}, {label} | {r['rows'] / r['seconds']:,.0f} rows/s, {r['seconds']:.2f} s, "
                f"{r['peak_mib']:.0f} MiB{workers} | pyarrow read+write {floor['rows'] / floor['seconds']:,.0f} rows/s, "
                f"{floor['seconds']:.2f} s, {floor['peak_mib']:.0f} MiB | {r['seconds'] / floor['seconds']:.1f}x |"
            )
        print(f"speed: {name} done", file=sys.stderr, flush=True)
    eq = typo_equality()
    if "skipped" not in eq:
        lines.append(
            f"| typo candidates, {eq['typos']:,} typos (1-2 edits) | index {eq['index_us']:,.0f} µs/typo, "
            f"{eq['identical']:,} of {eq['typos']:,} lists identical to the scan | full scan {eq['scan_us']:,.0f} µs "
            f"| {eq['index_us'] / eq['scan_us']:.2f}x |"
        )
    lines.append("")
    lines.append(
        "Batch times include loading the extract and the name index in the fresh process (snapshots in the "
        "cache folder when present); the typo index (cache folder too) is built the first time a process "
        "meets typos in bulk."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--work":
        print(json.dumps(_work(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        print(run(HERE / "out"))
