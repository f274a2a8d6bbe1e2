"""Start-up snapshots in the cache folder: the same extract and index as parsing, never code, never stale."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from gazetteer import cachefile
from gazetteer.errors import DataError
from gazetteer.index import NameIndex
from gazetteer.store import Extract, RecordList, load


class _Planted:
    """Unpickling this runs os.system: a planted cache file must never get that far."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _same_extract(a: Extract, b: Extract) -> None:
    assert list(a.settlements) == list(b.settlements)
    assert a.units == b.units
    assert (a.name_settlement, a.name_text, a.name_kind, a.name_key) == (
        b.name_settlement,
        b.name_text,
        b.name_kind,
        b.name_key,
    )
    assert a.unit_names == b.unit_names and a.not_places == b.not_places and a.manifest == b.manifest
    kupiansk = next(s for s in b.settlements if s.name_en == "Kupiansk")
    assert a.settlement(kupiansk.id) == kupiansk


def _snapshots(cache: Path, prefix: str) -> list[Path]:
    return sorted(cache.glob(f"{prefix}-*.bin"))


def test_second_load_reads_the_snapshot_and_equals_parsing(extract_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path / "cache"))
    parsed = load(extract_copy, snapshot=False)
    assert not (tmp_path / "cache").exists()  # snapshot=False leaves the cache folder alone
    first = load(extract_copy)  # parses, then writes the snapshot
    [path] = _snapshots(tmp_path / "cache", "extract")
    second = load(extract_copy)
    assert isinstance(second.settlements, RecordList)  # read from the snapshot: records decoded when used
    assert second.settlements._items.count(None) == len(second.settlements)
    _same_extract(second, parsed)
    _same_extract(first, parsed)
    assert second.path == extract_copy
    assert _snapshots(tmp_path / "cache", "extract") == [path]


def _part_spans(path: Path) -> dict[str, tuple[int, int]]:
    """Where each part of an extract snapshot lies in its file: attribute name (or "records") -> (start, bytes)."""
    import json

    blob = path.read_bytes()
    size = int.from_bytes(blob[len(cachefile.MAGIC) : len(cachefile.MAGIC) + 4], "little")
    at = len(cachefile.MAGIC) + 4 + size
    lengths = json.loads(blob[len(cachefile.MAGIC) + 4 : at])["parts"]
    names = cachefile.loads(blob[at : at + lengths[0]], list)
    spans, starts = {}, []
    for n in lengths:
        starts.append(at)
        at += n
    for i, name in enumerate(["names", *names]):
        spans[name] = (starts[i], lengths[i])
    spans["records"] = (starts[len(names) + 1], lengths[len(names) + 1])  # one record after another
    spans["bulk"] = (starts[len(names) + 2], lengths[len(names) + 2])  # all of them marshalled at once
    return spans


@pytest.mark.parametrize("where", ["units", "not_places", "records"])
def test_damaged_snapshot_is_rebuilt_not_trusted(extract_copy, tmp_path, monkeypatch, where) -> None:
    """A flipped bit anywhere is caught by a CRC: in a part read at load (units) the snapshot is not used;
    in a part read later (not_places) or in one record, that part comes from the files, parsed anew; in
    every case the answers equal parsing and the snapshot file is written anew."""
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    parsed = load(extract_copy, snapshot=False)
    load(extract_copy)
    [path] = _snapshots(tmp_path, "extract")
    start, _size = _part_spans(path)[where]
    blob = bytearray(path.read_bytes())
    blob[start + 5] ^= 0x01  # one flipped bit
    path.write_bytes(bytes(blob))
    again = load(extract_copy)
    assert isinstance(again.settlements, RecordList) == (where != "units")
    assert again.settlements[0] == parsed.settlements[0]  # the record whose bytes were damaged, for "records"
    _same_extract(again, parsed)
    assert cachefile.read(path, _header_meta(path)) is not None  # the snapshot was written anew


def test_snapshot_damaged_while_in_use_is_not_trusted(extract_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    parsed = load(extract_copy, snapshot=False)
    load(extract_copy)
    [path] = _snapshots(tmp_path, "extract")
    lazy = load(extract_copy)  # the snapshot is open; its lazy parts and records not read yet
    spans = _part_spans(path)
    blob = bytearray(path.read_bytes())
    for where in ("name_key", "records"):
        start, size = spans[where]
        blob[start + size // 2] ^= 0x01
    with open(path, "r+b") as fh:  # in place: the file the extract holds open
        fh.write(blob)
    assert lazy.name_key == parsed.name_key
    assert list(lazy.settlements) == list(parsed.settlements)


def _header_meta(path: Path) -> dict:
    import json

    blob = path.read_bytes()
    size = int.from_bytes(blob[len(cachefile.MAGIC) : len(cachefile.MAGIC) + 4], "little")
    start = len(cachefile.MAGIC) + 4
    return json.loads(blob[start : start + size])["meta"]


def test_planted_pickle_is_never_executed_and_is_replaced(extract_copy, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("GAZETTEER_CACHE", str(cache))
    load(extract_copy)
    NameIndex(load(extract_copy))
    marker = tmp_path / "pwned"
    planted = _snapshots(cache, "extract") + _snapshots(cache, "name-index")
    assert len(planted) == 2
    for path in planted:
        path.write_bytes(pickle.dumps(_Planted(marker)))
    extract = load(extract_copy)
    index = NameIndex(extract)
    assert not marker.exists()
    assert index.exact("kupiansk")
    for path in planted:  # rebuilt in the safe format
        assert path.read_bytes().startswith(cachefile.MAGIC)


def test_wrong_shaped_snapshot_with_a_valid_checksum_is_rebuilt(extract_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    parsed = load(extract_copy, snapshot=False)
    load(extract_copy)
    NameIndex(parsed)
    for prefix, parts in [
        ("extract", [cachefile.dumps(["settlements"]), cachefile.dumps(("plain", 42))]),
        ("name-index", [cachefile.dumps({"x": 1}), cachefile.dumps([]), cachefile.dumps(None)]),
    ]:
        [path] = _snapshots(tmp_path, prefix)
        assert cachefile.save(path, _header_meta(path), parts)
    again = load(extract_copy)
    _same_extract(again, parsed)
    index = NameIndex(again)
    assert [h.kind for h in index.exact("kupiansk")]
    assert index.find_units("Kharkiv")


def test_stale_snapshot_is_not_used_for_another_extract(extract_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    load(extract_copy)
    manifest = extract_copy / "MANIFEST"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("\n", "\n ", 1), encoding="utf-8")
    fresh = load(extract_copy)  # same files, edited MANIFEST bytes: another key, parsed anew
    assert not isinstance(fresh.settlements, RecordList)
    assert len(_snapshots(tmp_path, "extract")) == 2


def test_verification_still_runs_when_a_snapshot_exists(extract_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    load(extract_copy)
    path = extract_copy / "settlements.tsv"
    data = path.read_bytes()
    path.write_bytes(data[:-10] + b"0000000000")  # same size, other bytes
    with pytest.raises(DataError, match="checksum"):
        load(extract_copy)


def test_snapshot_index_answers_like_a_built_one(extract, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    built = NameIndex(extract)
    read = NameIndex(extract)  # from the snapshot the first one wrote
    assert type(read._tables["by_skeleton"]) is tuple  # its snapshot pieces: not decoded until used
    assert isinstance(read.by_key, cachefile.PackedMap)  # keys only: a value is decoded when asked for
    assert list(read.by_key) == list(built.by_key) == sorted(built.by_key)
    for key in list(built.by_key)[::997] + ["kupiansk", "harkiv"]:
        assert read.exact(key) == built.exact(key)
        assert read.by_skeleton_of(key) == built.by_skeleton_of(key)
    assert read.exact("no-such-key") == built.exact("no-such-key") == []
    assert read.find_units("Харківська обл.") == built.find_units("Kharkiv") != set()
    assert read.keys_by_length == built.keys_by_length


def test_record_list_hands_over_a_plain_list_once_used_in_bulk(extract_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    load(extract_copy)
    lazy = load(extract_copy)
    records = lazy.settlements
    assert isinstance(records, RecordList)
    first = records[0]
    assert isinstance(lazy.settlements, RecordList)  # one record used: still lazy
    for i in range(0, len(records), 5):  # a batch touching many settlements
        records[i]
    assert type(lazy.settlements) is list and lazy.settlements[0] is first
    assert lazy.settlements == list(load(extract_copy, snapshot=False).settlements)


def test_packed_map_answers_like_the_dict_it_was_packed_from() -> None:
    table = {"kupiansk": [(3, "official", "Куп’янськ")], "a": [], "zhovtneve": [(1, "renamed", "Жовтневе")] * 3}
    packed = cachefile.PackedMap(*cachefile.pack_map(table), kind=list)
    assert list(packed) == sorted(table) and len(packed) == 3
    assert packed == table and dict(packed.items()) == table
    assert "a" in packed and "b" not in packed and 7 not in packed and packed.get("b", "none") == "none"
    assert packed["kupiansk"] is packed["kupiansk"]  # decoded once, then kept
    with pytest.raises(KeyError):
        packed["zz"]
    for i in range(cachefile.PackedMap.PROBES + 5):  # bulk lookups switch to a dict of positions: same answers
        assert packed.get("zhovtneve") == table["zhovtneve"] and f"x{i}" not in packed
    assert packed._pos is not None
    assert cachefile.PackedMap(*cachefile.pack_map({})) == {}


def test_packed_map_refuses_pieces_that_do_not_fit() -> None:
    keys, ends, values = cachefile.pack_map({"a": 1, "b": 2})
    for bad in [
        (keys, ends[:-1], values),
        (keys, ends, values[:-1]),
        (keys + "\nc", ends, values),
        (b"a", ends, values),
    ]:
        with pytest.raises(ValueError):
            cachefile.PackedMap(*bad)
    with pytest.raises(ValueError):
        cachefile.pack_map({"a\nb": 1})  # the separator inside a key
    wrong_kind = cachefile.PackedMap(keys, ends, values, kind=list)
    with pytest.raises(ValueError):
        wrong_kind["a"]  # an int where a list was promised


def test_snapshot_keeps_records_and_big_tables_packed_until_used(extract_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    parsed = load(extract_copy, snapshot=False)
    load(extract_copy)
    lazy = load(extract_copy)
    assert "not_places" not in vars(lazy)  # not decoded at load
    assert isinstance(lazy.not_places, cachefile.PackedMap)
    key = next(iter(parsed.not_places))
    assert lazy.not_places[key] == parsed.not_places[key] and lazy.not_places.get("no such key") is None
    last = parsed.settlements[-1]
    assert lazy.settlements[-1] == last and lazy.settlement(last.id) == last
    assert lazy.settlements[-len(parsed.settlements)] == parsed.settlements[0]


@pytest.mark.parametrize("damaged", [False, True])
def test_record_columns_equal_the_records_without_building_them(extract_copy, tmp_path, monkeypatch, damaged) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    parsed = load(extract_copy, snapshot=False)
    load(extract_copy)
    if damaged:  # the part that holds every record at once: found by its CRC, the columns come from the files
        [path] = _snapshots(tmp_path, "extract")
        start, size = _part_spans(path)["bulk"]
        blob = bytearray(path.read_bytes())
        blob[start + size // 2] ^= 0x01
        path.write_bytes(bytes(blob))
    lazy = load(extract_copy)
    records = lazy.settlements
    with pytest.raises(KeyError):
        records.columns("no_such_field")
    lats, precisions = records.columns("lat", "coord_precision")
    assert lats == tuple(s.lat for s in parsed.settlements)
    assert precisions == tuple(s.coord_precision for s in parsed.settlements)
    if damaged:
        assert type(lazy.settlements) is list  # taken from the files, parsed anew
    else:
        assert isinstance(lazy.settlements, RecordList) and lazy.settlements._decoded == 0  # no record built
    assert list(lazy.settlements) == list(parsed.settlements)  # bulk use: every record from the one part


def test_reverse_on_a_snapshot_answers_like_on_parsed_records(extract_copy, tmp_path, monkeypatch) -> None:
    from gazetteer.nearby import nearest_settlements

    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    parsed = load(extract_copy, snapshot=False)
    load(extract_copy)
    lazy = load(extract_copy)
    for lat, lon, precision in [(49.71, 37.62, "point"), (50.45, 30.52, None), (46.48, 30.73, "point")]:
        got = nearest_settlements(lat, lon, 3, precision=precision, settlements=lazy.settlements)
        assert got == nearest_settlements(lat, lon, 3, precision=precision, settlements=parsed.settlements)
    assert isinstance(lazy.settlements, RecordList) and lazy.settlements._decoded <= 9  # only the answers built


def test_snapshot_parts_read_alike_without_pread(extract_copy, tmp_path, monkeypatch) -> None:
    """Where the OS has no pread (Windows), parts are read by seeking, one reader at a time: same records."""
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    parsed = load(extract_copy, snapshot=False)
    load(extract_copy)
    monkeypatch.setattr(cachefile, "_pread", None)
    lazy = load(extract_copy)
    assert isinstance(lazy.settlements, RecordList)
    assert [lazy.settlements[i] for i in (0, 7, -1)] == [parsed.settlements[i] for i in (0, 7, -1)]
    assert lazy.name_key == parsed.name_key


@pytest.mark.parametrize("query", ["Kupiansk", "Дибровное", "Kharkov"])
def test_one_answer_on_a_snapshot_builds_few_records(extract_copy, tmp_path, monkeypatch, query: str) -> None:
    # A cold `gazetteer resolve` must not build every settlement record (a pass over all of them cost the
    # start 0.12 s: the namesakes of a place hit through a GeoNames spelling were looked up that way).
    from gazetteer.resolve import Resolver

    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    load(extract_copy)
    lazy = load(extract_copy)
    res = Resolver(lazy).lookup(query)
    assert res.status in ("resolved", "ambiguous") and res.candidates
    assert isinstance(lazy.settlements, RecordList), "every record was built for one answer"


def test_a_process_that_reads_the_snapshot_leaves_no_file_unclosed(tmp_path):
    """Under ``python -X dev`` (warnings shown) a process that answers from the snapshot says nothing of an
    unclosed file at exit: the snapshot's file is closed when its reader goes."""
    env = {**os.environ, "GAZETTEER_CACHE": str(tmp_path / "cache")}
    code = "import gazetteer; print(gazetteer.resolve('Kupyansk')[0].name_uk)"
    for _ in range(2):  # the first process writes the snapshot, the second reads it
        proc = subprocess.run([sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "Куп’янськ"
        assert "ResourceWarning" not in proc.stderr, proc.stderr
