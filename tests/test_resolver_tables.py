"""The resolver's one-off tables (built the first time a batch needs them): the same tables, in the same order,
as when they were built from the index's hits; the names' spellings (light keys, plain words) kept in the cache
folder, never trusted when damaged or stale."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from gazetteer import cachefile
from gazetteer.geodesy import haversine_km
from gazetteer.normalize import light_key
from gazetteer.resolve import Resolver, _plain_words, name_spellings
from gazetteer.store import load

resolve = importlib.import_module("gazetteer.resolve")  # the package's ``resolve`` is the function


def _light_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("name-spellings-*.bin"))


def _no_light_key(text: str) -> str:
    raise AssertionError("light_key computed: the cached file was not used")


def _expected(ex) -> tuple[list[str], list[str]]:
    return [light_key(t) for t in ex.name_text], [_plain_words(t) for t in ex.name_text]


def test_spellings_are_computed_once_then_read_from_the_cache_folder(extract, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    expected = _expected(extract)
    assert name_spellings(extract) == expected
    [path] = _light_files(tmp_path)
    monkeypatch.setattr(resolve, "light_key", _no_light_key)
    assert name_spellings(extract) == expected
    assert _light_files(tmp_path) == [path]


def _counting(monkeypatch) -> list[int]:
    calls = [0]

    def counted(text: str) -> str:
        calls[0] += 1
        return light_key(text)

    monkeypatch.setattr(resolve, "light_key", counted)
    return calls


@pytest.mark.parametrize("where", ["header", "payload", "truncated"])
def test_damaged_spellings_file_is_rebuilt_not_trusted(extract, tmp_path, monkeypatch, where) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    expected = name_spellings(extract)
    [path] = _light_files(tmp_path)
    blob = bytearray(path.read_bytes())
    if where == "header":
        blob[len(cachefile.MAGIC) + 10] ^= 0x01
    elif where == "payload":
        blob[-1000] ^= 0x01  # inside one key: still valid marshal data, caught by the CRC only
    else:
        del blob[-1000:]
    path.write_bytes(bytes(blob))
    calls = _counting(monkeypatch)
    assert name_spellings(extract) == expected
    assert calls[0] == len(extract.name_text)  # computed anew
    monkeypatch.setattr(resolve, "light_key", _no_light_key)
    assert name_spellings(extract) == expected  # and the file written anew, whole


def test_spellings_file_of_the_wrong_shape_is_rebuilt(extract, tmp_path, monkeypatch) -> None:
    """A whole file (checksums right) for the same extract that holds the wrong number of keys, or not keys."""
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    expected = name_spellings(extract)
    [path] = _light_files(tmp_path)
    header = _meta(path)
    lights, words = expected
    for wrong in (
        [lights[:-1], words],
        [lights, words[:-1]],
        [[*lights[:-1], 7], words],
        [{"a": "b"}, words],
        [lights],
        [lights, words, words],
    ):
        cachefile.save(path, header, [cachefile.dumps(w) for w in wrong])
        calls = _counting(monkeypatch)
        assert name_spellings(extract) == expected
        assert calls[0] == len(extract.name_text)


def _meta(path: Path) -> dict:
    import json

    blob = path.read_bytes()
    size = int.from_bytes(blob[len(cachefile.MAGIC) : len(cachefile.MAGIC) + 4], "little")
    return json.loads(blob[len(cachefile.MAGIC) + 4 : len(cachefile.MAGIC) + 4 + size])["meta"]


@pytest.mark.parametrize("change", ["extract", "key_version", "version"])
def test_stale_spellings_file_is_not_used(extract_copy, tmp_path, monkeypatch, change) -> None:
    """A file made for another extract (another MANIFEST), other key rules or another layout is left alone:
    the keys are computed for what is asked."""
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path / "cache"))
    ex = load(extract_copy, snapshot=False)
    name_spellings(ex)
    [path] = _light_files(tmp_path / "cache")
    # The stale file holds other keys (as an older extract or older rules would): they must not come back.
    stale = ["stale"] * len(ex.name_text)
    cachefile.save(path, _meta(path), [cachefile.dumps(stale), cachefile.dumps(stale)])
    assert name_spellings(ex) == (stale, stale)  # the planted file is read when it fits
    if change == "extract":
        manifest = extract_copy / "MANIFEST"
        manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        ex = load(extract_copy, snapshot=False)
        ex.manifest = {**ex.manifest, "note": "another build"}
    elif change == "key_version":
        monkeypatch.setattr(resolve, "KEY_VERSION", resolve.KEY_VERSION + 1)
    else:
        monkeypatch.setattr(resolve, "NAME_SPELLINGS_VERSION", resolve.NAME_SPELLINGS_VERSION + 1)
    assert name_spellings(ex) == _expected(ex)


def test_near_in_units_names_are_the_index_hits_in_order(extract) -> None:
    """Built from the name columns per oblast: the same (settlement, name, kind) -> light key tables, in the same
    order (process.extract breaks ties by it), as from every key's hits."""
    r = Resolver(extract)
    settlements = extract.settlements
    table: dict[str, dict] = {}
    for hits in r.index.by_key.values():
        for hit in hits:
            oblast = settlements[hit.settlement].oblast_id
            table.setdefault(oblast, {})[(hit.settlement, hit.name, hit.kind)] = light_key(hit.name)
    assert list(r._oblast_rows()) == list(table)
    for oblast, names in table.items():
        assert list(r._oblast_names(oblast).items()) == list(names.items())


def test_abbreviation_forms_are_the_index_hits_in_order(extract) -> None:
    r = Resolver(extract)
    forms: dict[str, list] = {}
    for hits in r.index.by_key.values():
        for hit in hits:
            forms.setdefault(_plain_words(hit.name), []).append((hit.settlement, hit.kind, hit.name))
    built = r._name_forms()
    assert list(built) == list(forms)
    ex = extract
    for form, rows in built.items():
        assert [(ex.name_settlement[j], ex.name_kind[j], ex.name_text[j]) for j in rows] == forms[form]


def test_surrounding_oblast_is_that_of_the_nearest_settlement_outside(extract) -> None:
    expected = {}
    for k in (s for s in extract.settlements if s.category == "K"):
        outside = (s for s in extract.settlements if s.oblast_id != k.oblast_id)
        expected[k.id] = min(outside, key=lambda s: haversine_km(k.lat, k.lon, s.lat, s.lon)).oblast_id
    assert expected and Resolver(extract)._surrounding == expected


def test_nearest_is_the_first_of_equals_as_haversine_gives_it() -> None:
    lats, lons = (50.0, 48.0, 49.0, 48.0, 49.0), (30.0, 31.0, 30.0, 31.0, 30.0)
    assert resolve._nearest([1, 2, 3, 4], 49.0, 30.0, lats, lons) == 2  # 2 and 4 at distance 0: the first
    assert resolve._nearest([1, 3], 49.0, 30.0, lats, lons) == 1
    assert resolve._nearest([4, 2], 49.0, 30.0, lats, lons) == 4


def test_batch_tables_build_no_record_of_their_own(extract_copy, tmp_path, monkeypatch) -> None:
    """The one-off tables read whole columns: building them on a snapshot decodes no settlement record."""
    from gazetteer.store import RecordList

    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    load(extract_copy)
    lazy = load(extract_copy)
    r = Resolver(lazy)
    r._surrounding, r._oblast_rows(), r._name_forms(), r.city_districts, r.positions()
    r._oblast_names(next(iter(r._oblast_rows())))
    assert isinstance(lazy.settlements, RecordList) and lazy.settlements._decoded == 0


@pytest.mark.parametrize("prefix", ["", "б", "кам", "нов", "zz", "ї"])
def test_forms_starting_with_a_prefix_are_those_of_a_full_pass_in_order(extract, prefix) -> None:
    r = Resolver(extract)
    expected = [(form, rows) for form, rows in r._name_forms().items() if form.startswith(prefix)]
    assert r._forms_starting(prefix) == expected


@pytest.mark.parametrize(
    "query", ["Б. Церква", "Кам.-Подільський", "Н. Одеса", "Вел.Кринки", "N. Kakhovka", "St. Sambir", "Н.Водолага"]
)
def test_abbreviations_are_those_of_a_pass_over_every_form(extract, monkeypatch, query) -> None:
    """Read from the forms that start with the first word: the same names, in the same order, as a pass over all."""
    fast = Resolver(extract)._abbreviations(query)
    full = Resolver(extract)
    monkeypatch.setattr(full, "_forms_starting", lambda prefix: list(full._name_forms().items()))
    assert fast and list(fast.items()) == list(full._abbreviations(query).items())
