"""``make bench``: run every benchmark section in one process and write benchmarks/RESULTS.md.

Each section is a module in this folder with ``run(out_dir: Path) -> str`` returning Markdown.
Pass section names to run only some: ``python -m benchmarks.run resolver text``.
"""

from __future__ import annotations

import importlib
import platform
import sys
import time
from pathlib import Path

SECTIONS = [
    "resolver",
    "real_tables",
    "former_names",
    "text",
    "real_news",
    "city_lists",
    "speed",
    "cost_curve",
    "serve",
    "integrity",
]
HERE = Path(__file__).resolve().parent


def machine() -> str:
    import os

    from gazetteer import __version__

    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return (
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}\n"
        f"- Python {platform.python_version()}, gazetteer {__version__}\n"
    )


def main(argv: list[str]) -> int:
    names = argv or SECTIONS
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    parts = [
        "# Benchmark results\n",
        "Written by `make bench` (`python -m benchmarks.run`). Figures from one run.\n",
        machine(),
    ]
    for name in names:
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            parts.append(f"\n## {name}\n\nnot run: {exc}\n")
            continue
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        parts.append("\n" + module.run(out_dir).strip() + "\n")
        print(f"bench: {name} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    target = HERE / ("RESULTS.md" if not argv else f"RESULTS-{'-'.join(names)}.md")
    target.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
