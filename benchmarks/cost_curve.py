"""Cost curve: how batch enrichment time and memory grow with rows, for three ways of running it.

    $ GAZETTEER_BENCH_MAX_ROWS=100000 python -m benchmarks.run cost_curve     # quick try
    $ python -m benchmarks.cost_curve                                           # full run, prints Markdown

Input: CSV files of 10 thousand to 10 million rows (columns ``date, event, place, oblast``), written
streaming into ``out_dir``. ``place`` is drawn Zipf-like (s = 1.1) from a fixed vocabulary of 30,000
distinct spellings: real names of the extract (official Ukrainian, romanized, Russian, historical,
alternate), plus typos (a letter dropped, doubled or swapped) of some of them, plus a few bad cells
("n/a", "", numbers). A fifth of the rows carries the settlement's oblast as a hint (in English).

Ways measured, each in its own subprocess (time inside it, peak RSS from ``os.wait4``):

* ``floor``: pyarrow reading and writing the same file (every column as text): no work can be faster;
* ``stream`` and ``arrow``: :func:`gazetteer.batch.enrich_file` CSV -> CSV (``gazetteer batch``) with its
  streaming engine and with its Arrow engine (:mod:`gazetteer.batch_arrow`);
* ``pandas``: ``pd.read_csv(chunksize=500_000)`` -> :func:`gazetteer.frames.enrich` (with a cache
  shared between chunks) -> ``to_csv`` appended;
* ``dask``: ``dd.read_csv`` -> :func:`gazetteer.frames.enrich_dask` -> ``to_csv`` on a
  ``LocalCluster(n_workers=2, threads_per_worker=1)``; memory is the sum of the peak RSS of the two
  worker processes and of the process that holds the scheduler and the client.

``GAZETTEER_BENCH_MAX_ROWS`` caps the sizes (default 10,000,000); ``GAZETTEER_BENCH_DASK_MAX_ROWS``
caps dask separately (default: all sizes; 10 M rows on two workers takes about five minutes).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.memory import peak_rss_kib

HERE = Path(__file__).resolve().parent
SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
VOCAB_SIZE = 30_000
ZIPF_S = 1.1
SEED = 20240601
CHUNK = 500_000
#: Ways of running `gazetteer batch` measured: its two engines (see gazetteer.batch.enrich_file).
ENGINES = ("stream", "arrow")
EVENTS = ("shelling", "drone attack", "power outage", "evacuation", "humanitarian aid", "school reopened")


def vocabulary(size: int = VOCAB_SIZE, seed: int = SEED) -> list[tuple[str, str]]:
    """``size`` distinct (spelling, oblast_en) pairs: real name variants, typos and a few bad cells."""
    from gazetteer.store import get_extract

    ex = get_extract()
    rng = random.Random(seed)
    pairs: dict[str, str] = {}
    order = list(range(len(ex.name_text)))
    rng.shuffle(order)
    # Cities first so the most frequent ranks are the big names, as in real event tables.
    order.sort(key=lambda i: -(ex.settlements[ex.name_settlement[i]].population or 0) if rng.random() < 0.3 else 0)
    n_real = int(size * 0.8)
    for i in order:
        if len(pairs) >= n_real:
            break
        pairs.setdefault(ex.name_text[i], ex.settlements[ex.name_settlement[i]].oblast_en)
    real = list(pairs.items())
    for bad in ("n/a", "", "unknown", "12", "-", "Moscow", "Berlin", "Warszawa"):
        pairs.setdefault(bad, "")
    while len(pairs) < size:
        name, oblast = real[rng.randrange(len(real))]
        if len(name) < 4:
            continue
        i = rng.randrange(1, len(name) - 1)
        kind = rng.random()
        if kind < 0.4:
            typo = name[:i] + name[i + 1 :]
        elif kind < 0.7:
            typo = name[:i] + name[i] + name[i:]
        else:
            typo = name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
        pairs.setdefault(typo, oblast)
    return list(pairs.items())


def write_input(path: Path, rows: int, vocab: list[tuple[str, str]], seed: int = SEED) -> None:
    """Write ``rows`` rows to ``path`` in blocks (never more than one block in memory)."""
    import csv

    import numpy as np

    rng = np.random.default_rng(seed + rows)
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** ZIPF_S
    cdf = np.cumsum(weights / weights.sum())
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["date", "event", "place", "oblast"])
        done = 0
        while done < rows:
            n = min(1_000_000, rows - done)
            ranks = np.minimum(np.searchsorted(cdf, rng.random(n)), len(vocab) - 1)
            hint = rng.random(n) < 0.2
            days = rng.integers(0, 1200, n)
            events = rng.integers(0, len(EVENTS), n)
            w.writerows(
                (f"2022-{1 + d % 12:02d}-{1 + d % 28:02d}", EVENTS[e], vocab[r][0], vocab[r][1] if h else "")
                for r, h, d, e in zip(ranks.tolist(), hint.tolist(), days.tolist(), events.tolist(), strict=True)
            )
            done += n
    tmp.replace(path)


# -- the measured work, run in a subprocess ---------------------------------------------------------
def _work(mode: str, src: Path, dst: Path) -> dict:
    t0 = time.perf_counter()
    extra: dict = {}
    if mode in ("cli", "stream", "arrow"):
        import inspect

        from gazetteer.batch import enrich_file

        kw = {} if mode == "cli" or "engine" not in inspect.signature(enrich_file).parameters else {"engine": mode}
        statuses = enrich_file(src, dst, column="place", oblast_column="oblast", progress=False, **kw)
        extra["statuses"] = dict(statuses)
        extra["notes"] = list(getattr(statuses, "notes", []))[:3]
    elif mode == "floor":  # pyarrow reading and writing the same file, every column as text
        import pyarrow as pa
        import pyarrow.csv as pcsv

        names = ["date", "event", "place", "oblast"]
        convert = pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False)
        pcsv.write_csv(pcsv.read_csv(src, convert_options=convert), dst)
    elif mode == "pandas":
        import pandas as pd

        from gazetteer.frames import enrich

        cache: dict = {}
        first = True
        for chunk in pd.read_csv(src, chunksize=CHUNK, dtype=str, keep_default_na=False):
            out = enrich(chunk, "place", oblast_column="oblast", cache=cache)
            out.to_csv(dst, mode="w" if first else "a", header=first, index=False)
            first = False
        extra["distinct"] = len(cache)
    elif mode == "dask":
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        from gazetteer.frames import enrich_dask

        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit="4GiB"
            ) as cluster,
            Client(cluster) as client,
        ):
            t0 = time.perf_counter()  # cluster start-up (~2 s) is not counted
            ddf = dd.read_csv(src, dtype=str, keep_default_na=False, blocksize="32MB")
            dst.mkdir(exist_ok=True)
            enrich_dask(ddf, "place", oblast_column="oblast").to_csv(str(dst / "part-*.csv"), index=False)
            seconds = time.perf_counter() - t0

            def _peak() -> int:  # VmHWM (see benchmarks/memory.py), inline so that it pickles by value
                with open("/proc/self/status", encoding="ascii") as fh:
                    return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))

            workers = client.run(_peak)
        # The scheduler and client live in this process, whose own peak is added by measure().
        extra["dask_peak_kib"] = sum(workers.values())
        extra["seconds"] = seconds
        extra["partitions"] = ddf.npartitions
    else:
        raise ValueError(mode)
    extra.setdefault("seconds", time.perf_counter() - t0)
    extra["peak_kib"] = peak_rss_kib()
    return extra


def measure(mode: str, src: Path, dst: Path) -> dict:
    """Run one mode in a fresh interpreter, which reports its own peak RSS (benchmarks/memory.py)."""
    cmd = [sys.executable, "-m", "benchmarks.cost_curve", "--work", mode, str(src), str(dst)]
    with open(dst.with_suffix(".stdout"), "w+") as out_fh, open(dst.with_suffix(".stderr"), "w+") as err_fh:
        proc = subprocess.Popen(cmd, cwd=HERE.parent, stdout=out_fh, stderr=err_fh)
        proc.wait()
        out_fh.seek(0)
        err_fh.seek(0)
        out, err = out_fh.read(), err_fh.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed on {src.name}: {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    kib = result.pop("dask_peak_kib", 0)
    result["peak_mib"] = (result.pop("peak_kib") + kib) / 1024
    return result


def _plot(results: list[dict], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, mem) = plt.subplots(1, 2, figsize=(11, 4.5))
    for mode, marker in (("floor", "x"), ("stream", "o"), ("arrow", "D"), ("pandas", "s"), ("dask", "^")):
        rows = sorted((r["rows"], r["seconds"], r["peak_mib"]) for r in results if r["mode"] == mode)
        if rows:
            ax.plot([r[0] for r in rows], [r[1] for r in rows], marker=marker, label=mode)
            mem.plot([r[0] for r in rows], [r[2] for r in rows], marker=marker, label=mode)
    for axis, label in ((ax, "seconds"), (mem, "peak memory, MiB (dask: 3 processes)")):
        axis.set_xscale("log")
        axis.set_xlabel("rows")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    ax.set_yscale("log")
    mem.set_ylim(bottom=0)
    ax.set_title("time (2 cores)")
    mem.set_title("peak memory")
    fig.suptitle("gazetteer batch enrichment: cost curve")
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def run(out_dir: Path) -> str:
    max_rows = int(os.environ.get("GAZETTEER_BENCH_MAX_ROWS", SIZES[-1]))
    dask_max = int(os.environ.get("GAZETTEER_BENCH_DASK_MAX_ROWS", SIZES[-1]))
    sizes = [n for n in SIZES if n <= max_rows]
    work = Path(out_dir) / "cost_curve"
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    vocab = vocabulary()
    results: list[dict] = []
    gen_seconds = {}
    for n in sizes:
        src = work / f"input_{n}.csv"
        t = time.perf_counter()
        if not src.exists():
            write_input(src, n, vocab)
        gen_seconds[n] = time.perf_counter() - t
        modes = ["floor", *ENGINES, "pandas"] + (["dask"] if n <= dask_max else [])
        for mode in modes:
            dst = work / f"out_{mode}_{n}" if mode == "dask" else work / f"out_{mode}_{n}.csv"
            r = measure(mode, src, dst)
            r.update(mode=mode, rows=n, rows_per_s=n / r["seconds"])
            results.append(r)
            print(
                f"cost_curve: {mode} {n:,} rows: {r['seconds']:.1f} s, {r['peak_mib']:.0f} MiB",
                file=sys.stderr,
                flush=True,
            )
            _remove(dst)
        if n >= 1_000_000:
            src.unlink()  # big inputs are cheap to regenerate, costly to keep
    png = HERE / "cost_curve.png"
    _plot(results, png)
    (work / "results.json").write_text(json.dumps(results, indent=1))
    return _markdown(results, sizes, dask_max, time.perf_counter() - t0, gen_seconds)


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    for extra in (path.with_suffix(".stdout"), path.with_suffix(".stderr")):
        if extra.exists():
            extra.unlink()


def _markdown(results: list[dict], sizes: list[int], dask_max: int, total: float, gen: dict) -> str:
    lines = [
        "## cost_curve: batch enrichment, 10 thousand to 10 million rows",
        "",
        f"Zipf-like (s = {ZIPF_S}) draw from {VOCAB_SIZE:,} distinct spellings (real variants + typos + bad "
        "cells), a fifth of rows with an oblast hint. Each run in a fresh process: time includes loading "
        "the extract and building the name index (~1 s); peak = that process's own peak RSS (VmHWM; dask: "
        "plus the peaks of its 2 worker processes). `stream` and `arrow` are `gazetteer.batch.enrich_file` with each engine, the engines of "
        "`gazetteer batch`, called in-process. Plot: `benchmarks/cost_curve.png`.",
        "",
        "![cost curve](cost_curve.png)",
        "",
        "| way | rows | seconds | rows/s | peak MiB | distinct keys |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    order = ["floor", "stream", "arrow", "cli", "pandas", "dask"]
    for r in sorted(results, key=lambda r: (order.index(r["mode"]), r["rows"])):
        lines.append(
            f"| {r['mode']} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows_per_s']:,.0f} | "
            f"{r['peak_mib']:.0f} | {r.get('distinct', '')} |"
        )
    lines.append("")
    by = {(r["mode"], r["rows"]): r for r in results}
    big = max(sizes)
    if ("stream", big) in by and big >= 1_000_000:
        small = by[("stream", sizes[0])]["seconds"]
        lines.append(
            f"How it grows: from {sizes[0]:,} to {big:,} rows the streaming engine's time goes from {small:.1f} s "
            f"to {by[('stream', big)]['seconds']:.1f} s"
            + (
                f" and the Arrow engine's to {by[('arrow', big)]['seconds']:.1f} s "
                f"({by[('arrow', big)]['seconds'] / by[('floor', big)]['seconds']:.1f}x pyarrow reading and writing "
                f"the same file, {by[('floor', big)]['seconds']:.1f} s)"
                if ("arrow", big) in by and ("floor", big) in by
                else ""
            )
            + ". Distinct names saturate (a Zipf draw of a million rows "
            "already holds almost the whole vocabulary), so each distinct name is resolved once "
            "(tens of microseconds for a known spelling, about a tenth of a millisecond for a typo once the "
            "one-edit lookup is built: a few seconds in all) and the rest is a per-row constant: CSV parsing "
            "and writing (CLI: Python csv; pandas: C parser plus vectorised take). Cost ~ a + b·rows, i.e. "
            "linear at scale. Memory is bounded by the chunk or partition size plus the per-name cache, "
            "which grows with distinct names, not rows; dask's larger figure is three processes, each "
            "holding a 32 MB CSV block as a DataFrame with the added columns."
        )
    if big > dask_max:
        lines.append(
            f"\nDask was run up to {dask_max:,} rows only (set GAZETTEER_BENCH_DASK_MAX_ROWS to go "
            "further): on 2 cores its time per row is no better than chunked pandas, because the "
            "work is CSV I/O bound and each partition resolves its distinct names again."
        )
    if gen:
        lines.append(f"\nWriting the inputs took {sum(gen.values()):.0f} s (not counted); whole section {total:.0f} s.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--work":
        print(json.dumps(_work(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        print(run(HERE / "out"))
