"""Throughput of ``gazetteer serve`` (/search and /reverse) beside the same work done in-process.

The service runs as its own process (``gazetteer serve --rate 0``: no per-client budget) on 127.0.0.1;
the load generator is this process: asyncio, plain HTTP/1.1 keep-alive connections, a fixed number of
concurrent clients, bounded in requests and in time. Queries are the hand-written evaluation spellings
(``evaluation/queries_handwritten.csv``) in a seeded random order; points are seeded random points in
Ukraine's bounding box (some fall outside: those answer Nominatim's "Unable to geocode", as they would).
The in-process figure is the same queries through ``Resolver.lookup`` / ``gazetteer.nearby.reverse``
in one thread, so the difference is what HTTP, JSON and the ASGI stack cost.

    python -m benchmarks.run serve
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
CLIENTS = 8
MAX_REQUESTS = 4000
MAX_SECONDS = 20.0
WARMUP = 200


def _queries() -> list[str]:
    with open(REPO / "evaluation" / "queries_handwritten.csv", encoding="utf-8", newline="") as fh:
        names = [r["query"] for r in csv.DictReader(fh) if r["query"].strip()]
    rng = random.Random(13)
    return [rng.choice(names) for _ in range(MAX_REQUESTS)]


def _points() -> list[tuple[float, float]]:
    rng = random.Random(13)
    return [(round(rng.uniform(44.5, 52.3), 5), round(rng.uniform(22.3, 40.1), 5)) for _ in range(MAX_REQUESTS)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _client(port: int, paths: list[str], latencies: list[float], codes: dict, deadline: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for path in paths:
            if time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: gazetteer-bench\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            code = int(lines[0].split()[1])
            length = next(int(v) for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-length")
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            codes[code] = codes.get(code, 0) + 1
    finally:
        writer.close()


async def _load(port: int, paths: list[str]) -> tuple[float, list[float], dict]:
    latencies: list[float] = []
    codes: dict[int, int] = {}
    chunks = [paths[i::CLIENTS] for i in range(CLIENTS)]
    t0 = time.perf_counter()
    await asyncio.gather(*(_client(port, c, latencies, codes, t0 + MAX_SECONDS) for c in chunks))
    return time.perf_counter() - t0, latencies, codes


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _row(name: str, seconds: float, latencies: list[float], codes: dict | None = None) -> str:
    n = len(latencies)
    ok = "" if codes is None else ", ".join(f"{k}: {v}" for k, v in sorted(codes.items()))
    return (
        f"| {name} | {n:,} | {n / seconds:,.0f} | {statistics.median(latencies) * 1000:.2f} | "
        f"{_pct(latencies, 0.99) * 1000:.2f} | {ok} |"
    )


def _in_process(queries: list[str], points: list[tuple[float, float]]) -> tuple[str, str]:
    from gazetteer.nearby import PointOutsideUkraine, reverse
    from gazetteer.resolve import default_resolver

    r = default_resolver()
    for q in queries[:WARMUP]:
        r.lookup(q, limit=10)
    lat: list[float] = []
    t0 = time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        r.lookup(q, limit=10)
        lat.append(time.perf_counter() - t)
    search = _row("in-process `Resolver.lookup` (1 thread)", time.perf_counter() - t0, lat)
    lat = []
    t0 = time.perf_counter()
    for p in points:
        t = time.perf_counter()
        try:
            reverse(*p)
        except PointOutsideUkraine:
            pass
        lat.append(time.perf_counter() - t)
    rev = _row("in-process `nearby.reverse` (1 thread)", time.perf_counter() - t0, lat)
    return search, rev


def run(out_dir: Path) -> str:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"## Service throughput\n\nnot run: {exc} (pip install 'gazetteer[serve]')\n"
    queries, points = _queries(), _points()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    server = subprocess.Popen(
        [sys.executable, "-m", "gazetteer.cli", "serve", "--port", str(port), "--rate", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"gazetteer serve did not start: {server.stderr.read()[-500:]}") from None
                time.sleep(0.2)
        search_paths = ["/search?" + urlencode({"q": q, "format": "jsonv2", "limit": 10}) for q in queries]
        reverse_paths = ["/reverse?" + urlencode({"lat": a, "lon": b, "format": "jsonv2"}) for a, b in points]
        asyncio.run(_load(port, search_paths[:WARMUP] + reverse_paths[:WARMUP]))
        s_sec, s_lat, s_codes = asyncio.run(_load(port, search_paths))
        r_sec, r_lat, r_codes = asyncio.run(_load(port, reverse_paths))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            server.kill()
    in_search, in_reverse = _in_process(queries, points)
    return "\n".join(
        [
            "## Service throughput (`gazetteer serve`)",
            "",
            f"One uvicorn worker process, no request budget; load from this process on 127.0.0.1: {CLIENTS} "
            f"keep-alive HTTP/1.1 clients, at most {MAX_REQUESTS:,} requests or {MAX_SECONDS:.0f} s per endpoint, "
            f"after {WARMUP} warm-up requests each. Queries: the hand-written evaluation spellings in a seeded "
            "random order (`limit=10`, `format=jsonv2`); points: seeded random points in Ukraine's bounding box. "
            "The load generator shares the machine's cores with the server.",
            "",
            "| what | requests | requests/s | p50 ms | p99 ms | HTTP codes |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
            _row("`/search` over HTTP", s_sec, s_lat, s_codes),
            in_search,
            _row("`/reverse` over HTTP", r_sec, r_lat, r_codes),
            in_reverse,
        ]
    )
