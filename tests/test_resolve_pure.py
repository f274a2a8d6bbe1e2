"""Every answer is a pure function of (value, hints, data): never of what the process resolved before, of
how many lookups it made, nor of the interpreter's string-hash seed."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.resolver import _typo
from gazetteer.resolve import Resolver, lookup_one

REPO = Path(__file__).resolve().parent.parent

#: Our own probes: Russian and misspelt forms one letter from a large city's names (the "familiar" tier),
#: typos one and two edits deep, exact names, names with hints.
PROBES = [
    ("Ровное", None),
    ("РОВНОЕ", None),
    ("Ревно", None),
    ("Mayevka", None),
    ("Chernikov", None),
    ("Chernikov", "Volynska"),
    ("Лугански", None),
    ("Khytomir", None),
    ("Donetc", None),
    ("Синица", None),
    ("Kupainsk", None),
    ("Zhytomyrr", None),
    ("Kharkov", None),
    ("Кондрашовка", None),
    ("Novoselivka", "Kharkiv"),
    ("Radkivka", "Kharkivska"),
    ("Bila Tserkva", None),
    ("Kamianets-Podilskyi", None),
    ("Berdyanskiy", None),
    ("Makiiuka", "Sumska"),
]


def answers(resolver: Resolver, pairs) -> list:
    out = []
    for query, hint in pairs:
        res = lookup_one(resolver, query, hint)
        out.append(
            [
                res.status,
                res.reason,
                res.match.id if res.match else None,
                [[c.id, c.score, c.match, c.matched, c.former, c.years] for c in res.candidates],
            ]
        )
    return out


def others(n: int, seed: int = 12) -> list[tuple[str, str | None]]:
    """``n`` lookups of our own making: names as written, upper-cased, and with one or two typos."""
    ex = Resolver().extract
    rng = random.Random(seed)
    settlements = ex.settlements
    out = []
    for i in range(n):
        s = settlements[rng.randrange(len(settlements))]
        kind = i % 4
        name = s.name_uk if kind == 0 else s.name_en.upper() if kind == 1 else _typo(rng, s.name_en, 1 + (i % 7 == 0))
        out.append((name, s.oblast_en if i % 5 == 0 else None))
    return out


@pytest.mark.parametrize("n", [300, pytest.param(100_000, marks=pytest.mark.slow)])
def test_an_answer_does_not_depend_on_what_was_resolved_before(n: int) -> None:
    first = answers(Resolver(), PROBES)
    later = Resolver()
    for query, hint in others(n):
        lookup_one(later, query, hint)
    assert answers(later, PROBES) == first


def test_answers_do_not_depend_on_the_order_of_the_queries() -> None:
    pairs = PROBES + others(200, seed=3)
    forward = answers(Resolver(), pairs)
    backward = answers(Resolver(), pairs[::-1])[::-1]
    assert forward == backward


def test_answers_do_not_depend_on_the_string_hash_seed() -> None:
    code = (
        "import json, sys; from tests.test_resolve_pure import PROBES, answers; from gazetteer.resolve import Resolver;"
        "print(json.dumps(answers(Resolver(), PROBES), ensure_ascii=False))"
    )
    runs = []
    for seed in ("0", "1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
        proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert runs[0] == runs[1] == runs[2]


@given(
    st.lists(st.tuples(st.floats(44.0, 52.5), st.floats(22.0, 40.5)), min_size=1, max_size=60),
    st.floats(44.0, 52.5),
    st.floats(22.0, 40.5),
)
@settings(max_examples=300, deadline=None)
def test_nearest_is_the_haversine_nearest(points, lat, lon):
    """The flat-earth shortcut of _nearest never changes its answer: the first of the candidates nearest by
    haversine_km (points anywhere in and around Ukraine, near and far)."""
    from gazetteer.geodesy import haversine_km
    from gazetteer.resolve import _nearest

    lats, lons = [p[0] for p in points], [p[1] for p in points]
    candidates = list(range(len(points)))
    best = min(candidates, key=lambda i: haversine_km(lat, lon, lats[i], lons[i]))
    assert _nearest(candidates, lat, lon, lats, lons) == best
