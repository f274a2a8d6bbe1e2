"""The one-edit lookup (symmetric deletion) finds exactly what a full scan finds."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from benchmarks.resolver import _typo
from gazetteer.index import OneEdit
from gazetteer.resolve import Resolver

WORDS = ["kupiansk", "kupjansk", "kupiansko", "harkiv", "harkov", "novoselivka", "novosilka", "a", "ab", "ba", ""]


def brute(strings: list[str], text: str) -> list[tuple[str, int]]:
    return sorted((s, OSA.distance(text, s)) for s in strings if s != text and OSA.distance(text, s) <= 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abhiknoprsuv", max_size=12))
def test_one_edit_matches_a_full_scan(text: str) -> None:
    strings = sorted(set(WORDS) | {"abhik", "bahik", "abhikn", "abik"})
    assert OneEdit(strings).near(text) == brute(strings, text)


def test_one_edit_over_the_extract_keys_matches_a_full_scan(resolver) -> None:
    index = resolver.index
    keys = sorted(index.by_key)
    one = OneEdit(keys)
    rng = random.Random(5)
    for key in rng.sample(keys, 40):
        query = _typo(rng, key, 1) if len(key) > 3 else key
        expected = [(k, d) for k, d in index.near_keys(query, 1) if d <= 1]
        assert one.near(query) == sorted(expected)


def test_bulk_typo_path_agrees_with_scanning_every_key(extract) -> None:
    # The fast path stops at names one edit away as written; scanning every key within reach must
    # almost never decide differently (it may differ where the scan adds equally good far candidates).
    rng = random.Random(9)
    names = [s for s in extract.settlements if len(s.name_en) >= 6]
    # half with the settlement's oblast as a hint: hints decide which tiers run
    queries = [(_typo(rng, s.name_en, 1), s.oblast_uk if i % 2 else None) for i, s in enumerate(rng.sample(names, 600))]
    fast, full = Resolver(extract), Resolver(extract, fast_typos=False)
    for q, _ in queries:  # warm up: the fast structure is built after a first run of scans
        fast.lookup(q)
        if fast.index._one_edit_keys is not None:
            break
    assert fast.index._one_edit_keys is not None
    differ = 0
    for q, oblast in queries:
        a, b = fast.lookup(q, oblast=oblast), full.lookup(q, oblast=oblast)
        differ += (a.status, a.match.id if a.match else None) != (b.status, b.match.id if b.match else None)
    assert differ <= 2


def test_one_edit_as_written_finds_what_folding_moves(extract) -> None:
    from gazetteer.normalize import fold_key, light_key

    index = Resolver(extract).index
    assert index.one_edit_written(light_key("Zahaitis")) is None  # not built for one-off queries
    index._scans = 10**6  # as if this process had scanned for many typos
    assert index.one_edit_keys("zahaici") is not None
    keys = index.one_edit_written(light_key("Zahaitis"))
    assert fold_key("Zahaitsi") in keys
    assert OSA.distance(fold_key("Zahaitis"), fold_key("Zahaitsi")) > 1  # the folded keys are further apart


def test_one_edit_structures_are_cached_for_the_next_process(extract, tmp_path, monkeypatch) -> None:
    from gazetteer.normalize import light_key

    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    first = Resolver(extract).index
    first._scans = 10**6
    expected = first.one_edit_keys("kupiansk"), first.one_edit_written(light_key("Kupainsk"))
    assert sorted(p.name.split("-v")[0] for p in tmp_path.glob("one-edit-*.pickle")) == [
        "one-edit-keys",
        "one-edit-written",
    ]
    second = Resolver(extract).index  # a new process would start like this
    second._scans = 10**6
    assert second.one_edit_keys("kupiansk") == expected[0]
    assert second._one_edit_written is not None  # loaded from the cache, without waiting for scans
    assert second.one_edit_written(light_key("Kupainsk")) == expected[1]
    # A damaged cache file is rebuilt, never trusted.
    for path in tmp_path.glob("one-edit-*.pickle"):
        path.write_bytes(b"not a pickle")
    third = Resolver(extract).index
    third._scans = 10**6
    assert third.one_edit_keys("kupiansk") == expected[0]


def test_hinted_typo_with_skeleton_hits_outside_the_hint_still_searches(extract) -> None:
    # Skeleton hits that do not fit the oblast hint must not stop the typo search in bulk mode.
    fast, full = Resolver(extract), Resolver(extract, fast_typos=False)
    fast.index._scans = 10**6  # bulk mode: one-edit lookups built
    for query, oblast in [
        ("Любоирвіка", "Дніпропетровська"),
        ("Головинці", "Тернопільська"),
        ("Kruninke", "Дніпропетровська"),
    ]:
        a, b = fast.lookup(query, oblast=oblast), full.lookup(query, oblast=oblast)
        assert a.status == b.status != "not_found"
