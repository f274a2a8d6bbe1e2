"""Geoparsing benchmark: span and settlement precision/recall on evaluation/sentences.jsonl, and throughput.

``python -m benchmarks.run text`` writes the section; :func:`evaluate` is also used by the tests.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from pathlib import Path

from gazetteer.text import find_places

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = ROOT / "evaluation" / "sentences.jsonl"


def load_sentences(path: Path = SENTENCES) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def evaluate(sentences: list[dict]) -> dict:
    """Precision, recall and F1 of spans and of resolved ids, overall and per language.

    Spans: exact (start, end, kind) match. Ids: (start, end, id) of every gold mention (settlements and
    oblasts) against the resolved mentions (a settlement's match id, an oblast's unit id); an unresolved
    (ambiguous) settlement counts as a miss, not as an error. ``errors`` lists what went wrong.
    """
    counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {"spans": [0, 0, 0], "ids": [0, 0, 0], "settlements": [0, 0, 0]}
    )
    errors = []
    for sent in sentences:
        mentions = find_places(sent["text"], lang=sent.get("lang"))
        gold_spans = {(m["start"], m["end"], m["kind"]) for m in sent["mentions"]}
        got_spans = {(m.start, m.end, m.kind) for m in mentions}
        gold_ids = {(m["start"], m["end"], m["id"]) for m in sent["mentions"]}
        got_ids = set()
        for m in mentions:
            if m.kind == "oblast" and m.oblast is not None:
                got_ids.add((m.start, m.end, m.oblast.id))
            elif m.match is not None:
                got_ids.add((m.start, m.end, m.match.id))
        gold_set = {(m["start"], m["end"], m["id"]) for m in sent["mentions"] if m["kind"] == "settlement"}
        got_set = {(m.start, m.end, m.match.id) for m in mentions if m.kind == "settlement" and m.match}
        for lang in (sent["lang"], "all"):
            c = counts[lang]
            for name, gold, got in (
                ("spans", gold_spans, got_spans),
                ("ids", gold_ids, got_ids),
                ("settlements", gold_set, got_set),
            ):
                c[name][0] += len(gold & got)
                c[name][1] += len(got - gold)
                c[name][2] += len(gold - got)
        text = sent["text"]
        for s, e, k in sorted(got_spans - gold_spans):
            errors.append({"id": sent["id"], "error": "extra", "text": text[s:e], "kind": k})
        for s, e, k in sorted(gold_spans - got_spans):
            errors.append({"id": sent["id"], "error": "missed", "text": text[s:e], "kind": k})
        for s, e, i in sorted(got_ids - gold_ids):
            if any((s, e) == (g[0], g[1]) for g in gold_ids):
                errors.append({"id": sent["id"], "error": "wrong id", "text": text[s:e], "got": i})
    result: dict = {}
    for lang, c in counts.items():
        result[lang] = {name: _prf(*vals) for name, vals in c.items()}
    result["errors"] = errors
    return result


def news_text(sentences: list[dict], size: int = 1_100_000, seed: int = 7) -> str:
    """A long news-style text: the evaluation sentences shuffled into paragraphs until ``size`` characters."""
    rng = random.Random(seed)
    texts = [s["text"] for s in sentences]
    paragraphs, total = [], 0
    while total < size:
        para = " ".join(rng.sample(texts, 5))
        paragraphs.append(para)
        total += len(para) + 2
    return "\n\n".join(paragraphs)


def floor(text: str, repeats: int = 3) -> dict[str, float]:
    """The floor a word-level geoparser cannot beat, on the same text in the same run: the tokeniser's word
    regex over the whole text and one dict probe per word (the extract's names), best of ``repeats``."""
    from gazetteer.geoparse.tokens import WORD
    from gazetteer.resolve import default_resolver

    names = dict.fromkeys(default_resolver().extract.name_text)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        found = sum(1 for m in WORD.finditer(text) if m.group() in names)
        best = min(best, time.perf_counter() - t0)
    kb = len(text.encode("utf-8")) / 1024
    return {"seconds": round(best, 3), "kb_per_s": round(kb / best), "words_found": found}


def throughput(text: str, repeats: int = 3) -> dict[str, float]:
    """Geoparsing speed on ``text`` (best of ``repeats`` runs; the tables are built before timing)."""
    find_places("Харків")  # build the tables outside the timing
    best, mentions = float("inf"), []
    for _ in range(repeats):
        t0 = time.perf_counter()
        mentions = find_places(text)
        best = min(best, time.perf_counter() - t0)
    kb = len(text.encode("utf-8")) / 1024
    return {"kb": round(kb), "seconds": round(best, 2), "kb_per_s": round(kb / best), "mentions": len(mentions)}


_FIRST_USE = """
import json, sys, time
t0 = time.perf_counter()
from gazetteer.geoparse import lexicon
from gazetteer.resolve import default_resolver
r = default_resolver(); r.index
t1 = time.perf_counter()
n = []
real = lexicon.forms_lexicon
def counting(wanted, manifest):
    shipped = lexicon._read_shipped()
    n.append(len(wanted - shipped.keys()))
    return real(wanted, manifest)
(getattr(lexicon, "build_parts", None) or lexicon.build_tables).__defaults__ = (counting,)
from gazetteer.geoparse import find_places
find_places("Харків")
t2 = time.perf_counter()
print(json.dumps({"first_parse_s": t2 - t0, "tables_s": t2 - t1, "inflected": n[0] if n else 0}))
"""


def first_use() -> dict:
    """Seconds from import to the first answer in a fresh interpreter: with an empty cache folder (the first
    start on a machine: the tables are built and their snapshot written), then again in a second fresh
    interpreter with that folder (every later start: the tables come from the snapshot)."""
    import os
    import subprocess
    import sys
    import tempfile

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GAZETTEER_CACHE=tmp)
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_USE], env=env, capture_output=True, text=True, check=True, cwd=ROOT
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first, later = runs
    first["later_parse_s"], first["later_tables_s"] = later["first_parse_s"], later["tables_s"]
    return first


def run(out_dir: Path) -> str:
    sentences = load_sentences()
    first = first_use()
    t0 = time.perf_counter()
    find_places("Харків")
    build = time.perf_counter() - t0
    res = evaluate(sentences)
    document = news_text(sentences)
    speed = throughput(document)
    low = floor(document)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "text_errors.json").write_text(json.dumps(res["errors"], ensure_ascii=False, indent=1), encoding="utf-8")
    lines = [
        "## Geoparsing",
        "",
        f"`gazetteer.text.find_places` on `evaluation/sentences.jsonl` ({len(sentences)} hand-annotated "
        "news sentences). Spans: exact start, end and kind. Settlements: span and KATOTTG id of settlement "
        "mentions (an ambiguous mention left unresolved counts as a miss). All ids: settlements and oblasts.",
        "",
        "| language | span P | span R | span F1 | settlement P | settlement R | all-id P | all-id R |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for lang in ("en", "uk", "ru", "all"):
        if lang not in res:
            continue
        r = res[lang]
        lines.append(
            f"| {lang} | {r['spans']['precision']:.3f} | {r['spans']['recall']:.3f} | "
            f"{r['spans']['f1']:.3f} | {r['settlements']['precision']:.3f} | "
            f"{r['settlements']['recall']:.3f} | {r['ids']['precision']:.3f} | {r['ids']['recall']:.3f} |"
        )
    lines += [
        "",
        f"First use on a machine (fresh process, empty cache folder): import, load and first `find_places` "
        f"in **{first['first_parse_s']:.1f} s**, of which the geoparser's tables {first['tables_s']:.1f} s "
        f"(built from the shipped name forms, {first['inflected']} names inflected now, and their snapshot "
        f"written to the cache folder). Every later process: **{first['later_parse_s']:.1f} s**, of which the "
        f"tables {first['later_tables_s']:.1f} s (read from the snapshot). "
        f"In this process the tables took {build:.1f} s.",
        f"Throughput: {speed['kb']} KB of shuffled evaluation sentences in {speed['seconds']} s = "
        f"**{speed['kb_per_s']} KB/s** ({speed['mentions']} mentions; best of 3). Floor in the same run (the word "
        f"regex and one dict probe per word over the same text): {low['kb_per_s']} KB/s, so the geoparser "
        f"runs at **1/{low['kb_per_s'] / speed['kb_per_s']:.0f} of the floor** (target: >= 1 MB/s, 1/30 of "
        "a ~30 MB/s floor).",
        f"Errors written to `{out_dir.name}/text_errors.json` ({len(res['errors'])}).",
    ]
    return "\n".join(lines) + "\n"
