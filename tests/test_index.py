"""The one-edit lookup (symmetric deletion) finds exactly what a full scan finds."""

from __future__ import annotations

import os
import pickle
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from benchmarks.resolver import _typo
from gazetteer import cachefile
from gazetteer.index import EditIndex, OneEdit
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
    differ = 0
    for q, oblast in queries:
        a, b = fast.lookup(q, oblast=oblast), full.lookup(q, oblast=oblast)
        differ += (a.status, a.match.id if a.match else None) != (b.status, b.match.id if b.match else None)
    assert fast.index._edit is not None  # the bulk structures were built along the way
    assert differ <= 2


def test_candidates_do_not_depend_on_process_history(extract, tmp_path, monkeypatch) -> None:
    # "Kupainsk" had 2 candidates in a fresh process and 1 after 64 typo lookups.
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    queries = ["Kupainsk", "Zahaitis", "Kaetyntsi", "Novoslivka", "Харкв", "Lozovaa"]

    def answers(resolver: Resolver) -> list:
        return [
            [(m.settlement.id, m.match, m.matched, round(m.score, 6)) for m in resolver.lookup(q).candidates]
            for q in queries
        ]

    fresh = Resolver(extract)
    before = answers(fresh)
    assert fresh.index._edit is None  # still scanning
    rng = random.Random(3)
    for s in rng.sample(list(extract.settlements), 1000):  # a process that has looked up many typos
        fresh.lookup(_typo(rng, s.name_en, 1))
        if fresh.index._edit is not None:
            break
    assert fresh.index._edit is not None and fresh.index._one_edit_written is not None
    assert answers(fresh) == before
    assert answers(Resolver(extract)) == before  # a new process reading the structures' cache files


def test_one_edit_as_written_finds_what_folding_moves(extract) -> None:
    from gazetteer.normalize import fold_key, light_key

    index = Resolver(extract).index
    scanned = index.one_edit_written(light_key("Zahaitis"))  # answered by a scan while not in bulk
    assert fold_key("Zahaitsi") in scanned
    index._scans = 10**6  # as if this process had scanned for many typos
    assert index.one_edit_keys("zahaici") is not None
    assert index.one_edit_written(light_key("Zahaitis")) == scanned
    assert OSA.distance(fold_key("Zahaitis"), fold_key("Zahaitsi")) > 1  # the folded keys are further apart


def test_typo_structures_are_cached_for_the_next_process(extract, tmp_path, monkeypatch) -> None:
    from gazetteer.normalize import light_key

    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    first = Resolver(extract).index
    first._scans = 10**6
    expected = first.one_edit_keys("kupiansk"), first.one_edit_written(light_key("Kupainsk"))
    expected_near = first.near_keys("novoselivkka", 3)
    assert first._edit is not None
    names = sorted(p.name.split("-v")[0] for p in tmp_path.glob("*.bin"))
    assert names == ["edit-index", "name-index", "one-edit-keys", "one-edit-written", "written"]
    assert not list(tmp_path.glob("*.pickle"))
    second = Resolver(extract).index  # a new process would start like this
    second._scans = 10**6
    assert second.one_edit_keys("kupiansk") == expected[0]
    assert second.one_edit_written(light_key("Kupainsk")) == expected[1]
    assert second.near_keys("novoselivkka", 3) == expected_near
    # A damaged or planted cache file is rebuilt, never trusted nor run.
    marker = tmp_path / "pwned"
    for path in tmp_path.glob("*.bin"):
        path.write_bytes(pickle.dumps(_Planted(marker)))
    third = Resolver(extract).index
    third._scans = 10**6
    assert third.one_edit_keys("kupiansk") == expected[0]
    assert third.one_edit_written(light_key("Kupainsk")) == expected[1]
    assert third.near_keys("novoselivkka", 3) == expected_near
    assert not marker.exists()
    assert all(p.read_bytes().startswith(cachefile.MAGIC) for p in tmp_path.glob("*.bin"))


class _Planted:
    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abhiknoprsuv", max_size=14), st.integers(1, 3))
def test_edit_index_matches_a_full_scan(text: str, k: int) -> None:
    strings = sorted(set(WORDS) | {"abhik", "bahik", "abhikn", "abik", "novoselivkaa", "vonoselivka", "kupianskoe"})
    expected = sorted(
        ((s, OSA.distance(text, s)) for s in strings if 0 < OSA.distance(text, s) <= k),
        key=lambda p: (len(p[0]), p[1], p[0]),
    )
    assert EditIndex(strings).near(text, k) == expected


def test_edit_index_over_the_extract_keys_matches_the_scan(resolver) -> None:
    index = resolver.index
    edit = EditIndex(index._sorted_keys)
    rng = random.Random(5)
    for key in rng.sample(index._sorted_keys, 150):
        query = _typo(rng, key, 1 + rng.randrange(3)) if len(key) > 3 else key
        for k in (1, 2, 3):
            assert edit.near(query, k) == index._scan(query, k), (query, k)


def test_hinted_typo_with_skeleton_hits_outside_the_hint_still_searches(extract) -> None:
    # Skeleton hits that do not fit the oblast hint must not stop the typo search in bulk mode.
    fast, full = Resolver(extract), Resolver(extract, fast_typos=False)
    fast.index._scans = 10**6  # bulk mode: the structures that avoid scans are built
    for query, oblast in [
        ("Любоирвіка", "Дніпропетровська"),
        ("Головинці", "Тернопільська"),
        ("Kruninke", "Дніпропетровська"),
    ]:
        a, b = fast.lookup(query, oblast=oblast), full.lookup(query, oblast=oblast)
        assert a.status == b.status != "not_found"
