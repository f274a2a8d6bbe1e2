"""store: the bundled extract is complete, verified, and refuses damage with a DataError naming the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gazetteer.errors import DataError
from gazetteer.store import load, verify


def test_extract_has_every_settlement_and_top_level_unit(extract) -> None:
    assert len(extract.settlements) >= 29_700
    assert len(extract.oblasts) == 27
    assert len({s.id for s in extract.settlements}) == len(extract.settlements)


def test_every_settlement_has_hierarchy_coordinates_and_precision(extract) -> None:
    for s in extract.settlements:
        assert s.oblast_uk and s.hromada_uk and s.name_en, s
        assert s.raion_uk or s.category == "K", s
        assert 44.0 < s.lat < 52.5 and 22.0 < s.lon < 40.5, s
        assert s.coord_precision in ("point", "hromada_centroid", "raion_centroid", "oblast_centroid")


def test_coverage_meets_the_published_floor(extract) -> None:
    precision = [s.coord_precision for s in extract.settlements]
    assert precision.count("point") >= 26_000
    good = precision.count("point") + precision.count("hromada_centroid")
    assert good / len(precision) >= 0.95


def test_points_carry_their_geonames_id(extract) -> None:
    for s in extract.settlements:
        assert (s.geonameid is not None) == (s.coord_precision == "point")


def test_manifest_records_sources_counts_and_error(extract) -> None:
    m = extract.manifest
    files = {s["file"] for s in m["sources"]}
    assert {"UA.zip", "kodifikator-2025-07-02.csv"} <= files
    assert m["sources"][0]["edition"] == "2025-07-02"
    assert m["counts"]["settlements"] == len(extract.settlements)
    assert m["approximation_error"]["hromada_centroid"]["median_km"] > 0
    assert set(m["files"]) >= {"settlements.tsv", "names.tsv", "LICENSES"}


def test_licences_attribute_geonames_and_the_codifier(extract) -> None:
    text = (extract.path / "LICENSES").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "KATOTTG" in text and "OCHA" in text
    assert "edition of 2 Jul 2025" in text


def test_one_settlement_by_katottg_id(extract) -> None:
    kupiansk = next(s for s in extract.settlements if s.name_uk == "Куп’янськ" and s.category == "M")
    assert extract.settlement(kupiansk.id) is kupiansk
    with pytest.raises(KeyError):
        extract.settlement("UA00000000000000000")


def test_truncated_file_fails_with_data_error_naming_it(extract_copy: Path) -> None:
    path = extract_copy / "settlements.tsv"
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(DataError) as err:
        load(extract_copy)
    assert "settlements.tsv" in str(err.value)


def test_edited_byte_fails_with_data_error_naming_it(extract_copy: Path) -> None:
    path = extract_copy / "names.tsv"
    data = bytearray(path.read_bytes())
    data[5000] = ord("X") if data[5000] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    with pytest.raises(DataError) as err:
        verify(extract_copy)
    assert "names.tsv" in str(err.value)


def test_missing_manifest_fails_with_data_error(extract_copy: Path) -> None:
    (extract_copy / "MANIFEST").unlink()
    with pytest.raises(DataError, match="MANIFEST"):
        load(extract_copy)


def test_missing_file_fails_with_data_error(extract_copy: Path) -> None:
    (extract_copy / "units.tsv").unlink()
    with pytest.raises(DataError, match="units.tsv"):
        load(extract_copy)


def test_stale_key_version_is_refused(extract_copy: Path) -> None:
    manifest = json.loads((extract_copy / "MANIFEST").read_text(encoding="utf-8"))
    manifest["key_version"] = -1
    (extract_copy / "MANIFEST").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(DataError, match="key version"):
        load(extract_copy)


def test_gazetteer_data_env_points_loading_elsewhere(extract_copy: Path, monkeypatch) -> None:
    from gazetteer import store

    (extract_copy / "settlements.tsv").write_text("damaged", encoding="utf-8")
    monkeypatch.setenv("GAZETTEER_DATA", str(extract_copy))
    store.reset_cache()
    try:
        with pytest.raises(DataError, match="settlements.tsv"):
            store.get_extract()
    finally:
        monkeypatch.delenv("GAZETTEER_DATA")
        store.reset_cache()


def test_import_does_not_load_heavy_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, gazetteer; heavy = [m for m in ('pandas', 'geopandas', 'openpyxl', 'pymorphy3', 'geopy',"
        " 'dask', 'numpy') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_settlements_dataframe_has_one_row_per_settlement(extract) -> None:
    import gazetteer

    df = gazetteer.settlements()
    assert len(df) == len(extract.settlements)
    assert {"name_uk", "oblast_uk", "lat", "lon", "coord_precision"} <= set(df.columns)
    assert df.index.is_unique


def _rewrite(extract_dir: Path, name: str, text: str, rows: int | None = None) -> None:
    """Replace one extract file and make the MANIFEST agree with it (checksums match, values are bad)."""
    import hashlib

    path = extract_dir / name
    path.write_text(text, encoding="utf-8")
    manifest = json.loads((extract_dir / "MANIFEST").read_text(encoding="utf-8"))
    meta = manifest["files"][name]
    meta["bytes"] = path.stat().st_size
    meta["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    if rows is not None:
        meta["rows"] = rows
    (extract_dir / "MANIFEST").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("content", ["[]", "null", '"x"', "42"])
def test_manifest_that_is_not_an_object_is_a_data_error(extract_copy: Path, content: str) -> None:
    (extract_copy / "MANIFEST").write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match="MANIFEST"):
        load(extract_copy)


def test_manifest_with_files_not_an_object_is_a_data_error(extract_copy: Path) -> None:
    manifest = json.loads((extract_copy / "MANIFEST").read_text(encoding="utf-8"))
    manifest["files"] = ["settlements.tsv"]
    (extract_copy / "MANIFEST").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(DataError, match="MANIFEST"):
        load(extract_copy)


@pytest.mark.parametrize("bad", ["nan", "inf", "91.5", ""])
def test_bad_coordinates_with_matching_checksums_are_refused(extract_copy: Path, bad: str) -> None:
    lines = (extract_copy / "settlements.tsv").read_text(encoding="utf-8").split("\n")
    cells = lines[7].split("\t")
    cells[7] = bad  # lat
    lines[7] = "\t".join(cells)
    _rewrite(extract_copy, "settlements.tsv", "\n".join(lines))
    with pytest.raises(DataError, match="settlements.tsv") as err:
        load(extract_copy)
    assert cells[0] in str(err.value)


def test_extract_with_zero_settlements_is_refused(extract_copy: Path) -> None:
    header = (extract_copy / "settlements.tsv").read_text(encoding="utf-8").split("\n")[0]
    _rewrite(extract_copy, "settlements.tsv", header + "\n", rows=0)
    _rewrite(extract_copy, "names.tsv", "settlement_id\tname\tkind\tlang\tkey\n", rows=0)
    with pytest.raises(DataError, match="no settlements"):
        load(extract_copy)


def test_duplicate_settlement_id_is_refused(extract_copy: Path) -> None:
    lines = (extract_copy / "settlements.tsv").read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines.append(lines[2])
    _rewrite(extract_copy, "settlements.tsv", "\n".join(lines) + "\n", rows=len(lines) - 1)
    with pytest.raises(DataError, match="twice"):
        load(extract_copy)


def test_damaged_extract_is_a_one_line_cli_error(extract_copy: Path, monkeypatch, capsys) -> None:
    from gazetteer.cli import main
    from gazetteer.store import reset_cache

    (extract_copy / "MANIFEST").write_text("null", encoding="utf-8")
    monkeypatch.setenv("GAZETTEER_DATA", str(extract_copy))
    reset_cache()
    try:
        code = main(["data", "info"])
    finally:
        reset_cache()
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "MANIFEST" in err


def test_unit_centroid_that_is_nan_is_refused(extract_copy: Path) -> None:
    lines = (extract_copy / "units.tsv").read_text(encoding="utf-8").split("\n")
    row = next(i for i, line in enumerate(lines[1:], 1) if line.split("\t")[6])  # a unit with a centroid
    cells = lines[row].split("\t")
    cells[6] = "nan"
    lines[row] = "\t".join(cells)
    _rewrite(extract_copy, "units.tsv", "\n".join(lines))
    with pytest.raises(DataError, match="units.tsv"):
        load(extract_copy)


def test_resolve_command_imports_only_what_resolving_needs() -> None:
    """`gazetteer resolve` of an exact name loads neither another command's modules nor rapidfuzz (typo tiers
    import it on first use) nor an optional extra."""
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys; from gazetteer.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): rc = main(['resolve', 'Kupiansk', '--json'])\n"
        "assert rc == 0, rc\n"
        "unwanted = ('rapidfuzz', 'numpy', 'pyarrow', 'pandas', 'polars', 'httpx', 'starlette', 'uvicorn', 'geopy',"
        " 'gazetteer.batch', 'gazetteer.batch_arrow', 'gazetteer.nearby', 'gazetteer.serve', 'gazetteer.geoparse',"
        " 'gazetteer.online', 'gazetteer.frames', 'gazetteer.build')\n"
        "print(','.join(m for m in unwanted if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_module_imports_on_first_attribute_only() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from gazetteer.extras import lazy_module\n"
        "OSA = lazy_module('rapidfuzz.distance.OSA'); before = 'rapidfuzz' in sys.modules\n"
        "print(before, OSA.distance('kupiansk', 'kupjansk'), 'rapidfuzz' in sys.modules, 'distance' in vars(OSA))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "1", "True", "True"]


def test_checksum_in_chunks_equals_the_checksum_of_the_whole_file(tmp_path: Path) -> None:
    import hashlib

    from gazetteer.store import _sha256

    for size in (0, 1, (1 << 16) - 1, 1 << 16, 3 * (1 << 16) + 7):
        path = tmp_path / f"f{size}"
        path.write_bytes(bytes(range(256)) * (size // 256) + bytes(size % 256))
        assert _sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_russian_spellings_keep_what_folds_like_the_official_name(extract) -> None:
    # Одесса folds like Одеса, so it is no name row; the extract keeps it to show the Russian name.
    odesa = next(s for s in extract.settlements if s.name_uk == "Одеса" and s.category == "M")
    assert "Одесса" in extract.russian_spellings()[odesa.id]
    texts = {(extract.settlements[i].id, t) for i, t in zip(extract.name_settlement, extract.name_text, strict=True)}
    assert not any((sid, name) in texts for sid, names in extract.russian_spellings().items() for name in names)


def test_russian_spellings_are_checked_against_the_manifest(extract_copy: Path) -> None:
    path = extract_copy / "russian_spellings.tsv"
    manifest = json.loads((extract_copy / "MANIFEST").read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # one row lost
    manifest["files"]["russian_spellings.tsv"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest["files"]["russian_spellings.tsv"]["bytes"] = path.stat().st_size
    (extract_copy / "MANIFEST").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(DataError, match="MANIFEST says"):
        load(extract_copy, snapshot=False).russian_spellings()
