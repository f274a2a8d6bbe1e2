"""Cold start: CPU of a fresh ``gazetteer resolve Kupiansk --json`` beside a bare interpreter, same run.

    $ python -m benchmarks.cold_start                   # prints the Markdown table
    $ python -m benchmarks.cold_start --repo ../old     # the same figures for another checkout ("before")
    $ python -m benchmarks.run cold_start               # writes benchmarks/RESULTS-cold_start.md

Each figure is the median over paired runs (command, then ``python -c pass``, in turn) of the child's own
CPU time (user + system, from ``wait4``: microseconds, not the 10 ms ticks of ``os.times``), and the ratio
is the median of the per-pair ratios, so a machine whose speed drifts during the run still compares alike.

Two settings, because they differ by the cost of compiling our modules:
* *bytecode cached*: as after ``pip install`` (which compiles ``.pyc`` files) or any earlier run; the
  ``.pyc`` files go to a temporary ``PYTHONPYCACHEPREFIX``, written by the warm-up run;
* *no bytecode cache*: ``PYTHONDONTWRITEBYTECODE=1`` and nothing cached, as in a checkout run under that
  setting: every module of ours is compiled from source in every process.

The start-up snapshots (cache folder) are written by the warm-up run in both settings; the rows for
``import gazetteer.cli`` alone show how much of the figure is importing; ``gazetteer reverse`` shares the
load path (and imports numpy).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNS = 9


def child_cpu(cmd: list[str], env: dict, cwd: Path) -> float:
    """CPU seconds (user + system) of one run of ``cmd``, from the kernel's accounting of that child alone."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    proc.stderr.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 3, 4):  # resolved, ambiguous, not found: all answers
        raise RuntimeError(f"{cmd} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def paired(cmd: list[str], floor: list[str], env: dict, cwd: Path, runs: int = RUNS) -> dict:
    """Medians of ``cmd`` and ``floor`` run in turn, and the median of their per-pair ratios."""
    child_cpu(cmd, env, cwd)  # warm-up: writes snapshots (and .pyc files where allowed)
    child_cpu(floor, env, cwd)
    pairs = [(child_cpu(cmd, env, cwd), child_cpu(floor, env, cwd)) for _ in range(runs)]
    return {
        "cpu_s": statistics.median(a for a, _ in pairs),
        "floor_s": statistics.median(b for _, b in pairs),
        "ratio": statistics.median(a / b for a, b in pairs if b > 0),
        "min_ratio": min(a / b for a, b in pairs if b > 0),
        "max_ratio": max(a / b for a, b in pairs if b > 0),
    }


def measure(repo: Path = REPO, runs: int = RUNS) -> list[tuple[str, str, dict]]:
    """(setting, what, figures) for the resolve command and for importing the CLI, in both settings."""
    py = sys.executable
    resolve = [
        py,
        "-c",
        "import sys; from gazetteer.cli import main; sys.exit(main())",
        "resolve",
        "Kupiansk",
        "--json",
    ]
    reverse = [py, "-c", "import sys; from gazetteer.cli import main; sys.exit(main())", "reverse", "49.71", "37.62"]
    imports = [py, "-c", "import gazetteer.cli"]
    floor = [py, "-c", "pass"]
    out = []
    with tempfile.TemporaryDirectory(prefix="gazetteer-cold-") as tmp:
        base = dict(os.environ)
        base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), base.get("PYTHONPATH")]))
        base["GAZETTEER_CACHE"] = str(Path(tmp) / "cache")  # empty: the warm-up writes the snapshots
        cached = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        uncached = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
        uncached.pop("PYTHONPYCACHEPREFIX", None)
        for setting, env in (("bytecode cached", cached), ("no bytecode cache", uncached)):
            out.append((setting, "`gazetteer resolve Kupiansk --json`", paired(resolve, floor, env, repo, runs)))
            out.append((setting, "`import gazetteer.cli` alone", paired(imports, floor, env, repo, runs)))
            if setting == "bytecode cached":
                out.append((setting, "`gazetteer reverse 49.71 37.62`", paired(reverse, floor, env, repo, runs)))
    return out


def table(rows: list[tuple[str, str, dict]]) -> str:
    lines = [
        "| setting | command, cold | CPU (median) | floor: `python -c pass` | ratio (median of pairs, min-max) |",
        "|---|---|---:|---:|---:|",
    ]
    for setting, what, r in rows:
        lines.append(
            f"| {setting} | {what} | {r['cpu_s']:.3f} s | {r['floor_s']:.3f} s | "
            f"{r['ratio']:.1f}x ({r['min_ratio']:.1f}-{r['max_ratio']:.1f}) |"
        )
    return "\n".join(lines) + "\n"


def run(out_dir: Path) -> str:
    return (
        f"## cold start: one answer from a fresh process beside a bare interpreter (same run, {RUNS} pairs)\n\n"
        + table(measure())
        + "\nTarget (#12): the resolve command at most 15x the bare interpreter, bytecode cached.\n"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    repo = Path(args[args.index("--repo") + 1]).resolve() if "--repo" in args else REPO
    print(table(measure(repo)))
