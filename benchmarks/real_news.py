"""Real news passages (``../shared/eval/real_news_dev.jsonl``): geoparsing precision and recall.

The set is not part of the repository (the texts belong to their publishers): this section reads it where
it exists beside the checkout and says so where it does not.

Scoring, per passage, on sets of (name_uk, oblast_uk) pairs:
- a settlement mention counts when it resolved to one settlement; pairs listed as ``optional`` are neither
  required nor penalised, and a mention whose surface form begins one of the ``ambiguous`` notes is not
  scored;
- an oblast mention counts as its oblast's name; ``optional_oblasts`` are neither required nor penalised.
Precision = right predictions / scored predictions; recall = right predictions / gold pairs.

Run alone: ``python -m benchmarks.real_news`` (prints the Markdown table).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVAL = HERE.parent.parent / "shared" / "eval" / "real_news_dev.jsonl"


def _norm(name: str) -> str:
    return name.replace("'", "’").replace("ʼ", "’").casefold()


def load_passages(path: Path = EVAL) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score_passage(doc: dict, mentions: list) -> dict[str, Counter]:
    """Counts for one passage: {'settlement': Counter(tp, pred, gold), 'oblast': ...} plus the misses."""
    gold = {(_norm(n), _norm(o)) for n, o in doc["settlements"]}
    optional = {(_norm(n), _norm(o)) for n, o in doc.get("optional", [])}
    unscored = [_norm(a.split(" (")[0]) for a in doc.get("ambiguous", [])]
    pred: set[tuple[str, str]] = set()
    ob_pred: set[str] = set()
    for m in mentions:
        if m.kind == "settlement" and m.match is not None:
            if any(_norm(m.text).startswith(u[: max(4, len(u) - 3)]) for u in unscored):
                continue
            pred.add((_norm(m.match.name_uk), _norm(m.match.oblast_uk)))
        elif m.kind == "oblast" and m.oblast is not None:
            ob_pred.add(_norm(m.oblast.name_uk))
    pred -= optional - gold
    ob_gold = {_norm(o) for o in doc.get("oblasts", [])}
    ob_optional = {_norm(o) for o in doc.get("optional_oblasts", [])}
    ob_pred -= ob_optional - ob_gold
    return {
        "settlement": Counter(tp=len(pred & gold), pred=len(pred), gold=len(gold)),
        "oblast": Counter(tp=len(ob_pred & ob_gold), pred=len(ob_pred), gold=len(ob_gold)),
        "missed": sorted(gold - pred),
        "false": sorted(pred - gold),
    }


def evaluate(passages: list[dict]) -> dict[str, dict[str, Counter]]:
    """Counters by language (and ``all``) and by kind (settlement, oblast, both)."""
    from gazetteer import find_places

    out: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for doc in passages:
        scored = score_passage(doc, find_places(doc["text"]))
        for lang in (doc["lang"], "all"):
            for kind in ("settlement", "oblast"):
                out[lang][kind].update(scored[kind])
                out[lang]["both"].update(scored[kind])
    return out


def _pr(c: Counter) -> str:
    p = c["tp"] / c["pred"] if c["pred"] else 0.0
    r = c["tp"] / c["gold"] if c["gold"] else 0.0
    return f"{p:.3f} / {r:.3f}"


def run(out_dir: Path | None = None) -> str:
    if not EVAL.exists():
        return f"## Real news\n\nnot run: {EVAL} does not exist (the development sets live outside the repository).\n"
    passages = load_passages()
    res = evaluate(passages)
    langs = sorted(k for k in res if k != "all") + ["all"]
    lines = [
        "| language | passages | settlements P / R | oblasts P / R | both P / R |",
        "| --- | --- | --- | --- | --- |",
    ]
    for lang in langs:
        n = len(passages) if lang == "all" else sum(1 for d in passages if d["lang"] == lang)
        r = res[lang]
        name = f"**{lang}**" if lang == "all" else lang
        lines.append(f"| {name} | {n} | {_pr(r['settlement'])} | {_pr(r['oblast'])} | {_pr(r['both'])} |")
    return (
        "## Real news (development third, `../shared/eval/real_news_dev.jsonl`)\n\n"
        f"{len(passages)} passages of public news pages annotated by hand, scored on (name, oblast) pairs "
        "per passage. Targets (held-out passages): P >= 0.95, R >= 0.92, recall >= 0.88 in each language.\n\n"
        + "\n".join(lines)
        + "\n"
    )


def misses() -> None:
    """Print each passage's missed and false pairs (for development; prints no text of the passage)."""
    from gazetteer import find_places

    for doc in load_passages():
        s = score_passage(doc, find_places(doc["text"]))
        if s["missed"] or s["false"]:
            print(doc["id"], "missed:", s["missed"], "false:", s["false"])


if __name__ == "__main__":
    if "--misses" in sys.argv:
        misses()
    else:
        print(run())
