"""Table formats of ``gazetteer batch`` beyond CSV: every row kept, odd cells said, never a traceback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from gazetteer.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _workbook(path: Path, rows: list[list], title: str = "Sheet") -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_xlsx_blank_row_and_unsaved_formula_come_out_as_invalid_rows(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.xlsx"
    # openpyxl (like pandas) writes a formula without its value: only Excel computes and saves one
    rows = [["place", "n"], ["Kyiv", 1], ["Lviv", 2], [None, None], ['=A2&"x"', 4], ["Odesa", 5], ["Dnipro", 6]]
    _workbook(src, rows + [[None, None]])  # a trailing blank row is past the table: not a row
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    out = read_csv(tmp_path / "out.csv")
    head, body = out[0], out[1:]
    status, reason = head.index("gaz_status"), head.index("gaz_reason")
    assert [r[1] for r in body] == ["1", "2", "", "4", "5", "6"]
    assert [r[status] for r in body] == ["resolved", "resolved", "invalid", "invalid", "resolved", "resolved"]
    assert body[2][reason] == "empty row (sheet row 4)"
    assert "formula with no saved value" in body[3][reason] and "sheet row 5" in body[3][reason]
    assert body[3][0] == '=A2&"x"' and body[3][head.index("gaz_id")] == ""
    assert "6 rows" in err and "formula with no saved value" in err


def test_xlsx_formula_with_a_saved_value_is_read_as_its_value(tmp_path: Path, capsys) -> None:
    pytest.importorskip("openpyxl")
    src = tmp_path / "in.xlsx"
    _workbook(src, [["place"], ["Kyiv"]])
    # a saved value is what Excel shows: set it by hand in the sheet XML the way Excel stores it
    import zipfile

    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        b'<c r="A2" t="inlineStr"><is><t>Kyiv</t></is></c>', b'<c r="A2" t="str"><f>"Ky"&amp;"iv"</f><v>Kyiv</v></c>'
    )
    assert b"<f>" in parts[sheet]
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.csv"))
    out = read_csv(tmp_path / "out.csv")
    assert code == 0 and out[1][0] == "Kyiv" and out[1][out[0].index("gaz_status")] == "resolved", err


def test_xlsx_row_with_cells_beyond_the_header_is_resolved_and_its_cells_kept(tmp_path: Path, capsys) -> None:
    """A workbook's cells cannot shift as a CSV's can: a note in a column past the header does not void the
    row's good place cell. The row resolves; the extra cells follow the gaz_* columns (CSV, Excel) or sit in
    the reason (JSON Lines), and the reason names them."""
    src = tmp_path / "in.xlsx"
    _workbook(src, [["place", "n"], ["Kyiv", 1], ["Odesa", 2, "stray"]])
    for out in ("out.csv", "out.xlsx", "out.jsonl"):
        run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / out))
    rows = read_csv(tmp_path / "out.csv")
    head = rows[0]
    row = rows[2]
    assert row[head.index("gaz_status")] == "resolved" and row[head.index("gaz_name_uk")] == "Одеса"
    assert row[len(head) :] == ["stray"] and "beyond the header's 2 columns" in row[head.index("gaz_reason")]
    import openpyxl

    xrows = list(openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows(values_only=True))
    xhead = xrows[0]
    assert xrows[2][xhead.index("gaz_name_uk")] == "Одеса" and xrows[2][len(head)] == "stray"
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[1]["gaz_status"] == "resolved" and '"stray"' in lines[1]["gaz_reason"]
    assert [r["place"] for r in lines] == ["Kyiv", "Odesa"]


def test_xlsx_sheet_is_chosen_by_name_or_number_and_the_first_by_default(tmp_path: Path, capsys) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "notes"
    wb.active.append(["remark"])
    wb.active.append(["nothing here"])
    data = wb.create_sheet("places")
    data.append(["place"])
    data.append(["Kyiv"])
    wb.active = 1  # the workbook opens on the second sheet
    wb.save(tmp_path / "in.xlsx")
    src, dst = str(tmp_path / "in.xlsx"), str(tmp_path / "out.csv")
    code, _, err = run(capsys, "batch", src, "--column", "place", "-o", dst)
    assert code == 2 and "sheet 'notes'" in err and "other sheets: 'places' (pass --sheet)" in err
    for sheet in ("places", "2"):
        code, _, err = run(capsys, "batch", src, "--column", "place", "--sheet", sheet, "-o", dst)
        assert code == 0 and read_csv(tmp_path / "out.csv")[1][0] == "Kyiv", err
    code, _, err = run(capsys, "batch", src, "--column", "place", "--sheet", "3", "-o", dst)
    assert code == 2 and "no sheet '3'" in err and "'places'" in err and "Traceback" not in err


def _xlsx_rows(path: Path) -> list[tuple]:
    openpyxl = pytest.importorskip("openpyxl")
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


def test_control_characters_go_to_xlsx_as_symbols_said_once_and_csv_keeps_them(tmp_path: Path, capsys) -> None:
    pytest.importorskip("openpyxl")
    src = tmp_path / "in.csv"
    src.write_bytes(b"place,note\nKyiv\x0b,a\x07b\nLviv,ok\n")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.xlsx"))
    assert code == 0 and "Traceback" not in err, err
    rows = _xlsx_rows(tmp_path / "out.xlsx")
    assert rows[1][:2] == ("Kyiv\u240b", "a\u2407b") and rows[2][:2] == ("Lviv", "ok")
    assert err.count("control characters") == 1 and "2 cell(s)" in err
    run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.csv"))
    assert read_csv(tmp_path / "out.csv")[1][1] == "a\x07b"


def test_cell_over_excels_limit_is_cut_with_a_warning_and_its_row_says_so(tmp_path: Path, capsys) -> None:
    pytest.importorskip("openpyxl")
    src = tmp_path / "in.csv"
    src.write_text("place,text\nKyiv," + "x" * 40_000 + "\nLviv,short\n", encoding="utf-8")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.xlsx"))
    assert code == 0, err
    rows = _xlsx_rows(tmp_path / "out.xlsx")
    reason = rows[0].index("gaz_reason")
    assert len(rows[1][1]) == 32_767 and "cut to Excel's 32,767 characters (longest was 40,000)" in rows[1][reason]
    assert "cut" not in (rows[2][reason] or "") and rows[1][rows[0].index("gaz_status")] == "resolved"
    assert "1 cell(s) longer than Excel's 32,767 characters were cut" in err


def test_bad_encoding_folders_as_input_and_parse_of_a_folder_are_one_line_errors(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place\nKyiv\n", encoding="utf-8")
    for args in (
        ("batch", str(src), "--column", "place", "--encoding", "klingon"),
        ("batch", str(tmp_path), "--column", "place"),
        ("parse", str(tmp_path)),
    ):
        code, _, err = run(capsys, *args)
        assert code == 2 and err.count("\n") == 1 and err.startswith("gazetteer: error:"), (args, err)
    assert "folder" in err


def test_parquet_nested_and_binary_cells_are_json_and_hex_in_text_formats(tmp_path: Path, capsys) -> None:
    pa = pytest.importorskip("pyarrow")
    import datetime as dt
    import json

    import pyarrow.parquet as pq

    stamp = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone.utc)
    table = pa.table(
        {
            "place": ["Kyiv", "Lviv"],
            "raw": [b"x", b"\xff"],
            "nums": [[1, 2], None],
            "info": [{"a": 1, "b": "z"}, None],
            "ts": pa.array([stamp, stamp], pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    src = str(tmp_path / "in.parquet")
    code, _, err = run(capsys, "batch", src, "--column", "place", "-o", str(tmp_path / "out.csv"))
    rows = read_csv(tmp_path / "out.csv")
    assert code == 0 and rows[1][1:3] == ["78", "[1, 2]"] and rows[2][1] == "ff", err
    assert json.loads(rows[1][3]) == {"a": 1, "b": "z"}
    run(capsys, "batch", src, "--column", "place", "-o", str(tmp_path / "out.jsonl"))
    first = json.loads((tmp_path / "out.jsonl").read_text("utf-8").splitlines()[0])
    assert first["raw"] == "78" and first["nums"] == [1, 2] and first["info"] == {"a": 1, "b": "z"}
    pytest.importorskip("openpyxl")
    code, _, err = run(capsys, "batch", src, "--column", "place", "-o", str(tmp_path / "out.xlsx"))
    assert code == 0 and "2 time zone-aware timestamp(s) written as ISO 8601 text" in err, err
    assert _xlsx_rows(tmp_path / "out.xlsx")[1][4] == "2024-01-01T12:00:00+00:00"


def test_unknown_output_extension_is_a_usage_error_unless_the_format_is_given(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place\nKyiv\n", encoding="utf-8")
    dst = tmp_path / "x.docx"
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    assert code == 2 and not dst.exists() and ".csv" in err and ".xlsx" in err and "--output-format" in err
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst), "--output-format", "csv")
    assert code == 0 and read_csv(dst)[1][0] == "Kyiv", err


@pytest.mark.parametrize("name", ["x.txt", "x.TXT", "x.txt.gz", "x.dat", "x"])
def test_an_output_ending_that_names_no_format_is_refused_txt_too(tmp_path: Path, capsys, name: str) -> None:
    """README lists the output endings; any other, .txt among them (a .txt says nothing of its format), is the
    same one-line error, nothing written; --output-format says what to write."""
    src = tmp_path / "in.csv"
    src.write_text("place\nKyiv\n", encoding="utf-8")
    dst = tmp_path / name
    code, out, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    assert code == 2 and out == "" and err.count("\n") == 1 and not dst.exists()
    assert err == (
        f"gazetteer: error: cannot tell the output format from {dst}: end it in .csv, .geojson, .json, .jsonl, "
        ".parquet, .tsv, .xlsx (optionally + .gz), or pass --output-format\n"
    )
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst), "--output-format", "tsv")
    assert code == 0 and dst.exists(), err


@pytest.mark.parametrize("name,fmt", [("x.ndjson", "jsonl"), ("x.tab", "tsv"), ("x.pq", "parquet")])
def test_the_other_names_of_a_format_are_outputs_of_that_format(tmp_path: Path, name: str, fmt: str) -> None:
    from gazetteer.batch import detect_format

    assert detect_format(tmp_path / name, output=True) == detect_format(tmp_path / f"x.{fmt}", output=True) == fmt


def test_a_txt_input_is_read_as_csv(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.txt"
    src.write_text("place,n\nKyiv,1\n", encoding="utf-8")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.csv"))
    out = read_csv(tmp_path / "out.csv")
    assert code == 0 and out[1][:2] == ["Kyiv", "1"] and out[1][out[0].index("gaz_status")] == "resolved", err


@pytest.mark.parametrize("out", ["out.csv.gz", "out.csv"])
def test_gzip_input_is_read_and_a_gz_output_is_written_compressed(tmp_path: Path, capsys, out: str) -> None:
    import gzip

    src = tmp_path / "in.csv.gz"
    src.write_bytes(gzip.compress("place;n\nKyiv;1\nЛьвів;2\n".encode()))
    dst = tmp_path / out
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    assert code == 0, err
    text = gzip.decompress(dst.read_bytes()).decode() if out.endswith(".gz") else dst.read_text("utf-8")
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    assert [r[:2] for r in rows[1:]] == [["Kyiv", "1"], ["Львів", "2"]]
    assert rows[1][rows[0].index("gaz_status")] == "resolved"


@pytest.mark.parametrize("name", ["old.xls", "old.csv"])
def test_old_excel_files_are_named_as_such_not_as_an_encoding_problem(tmp_path: Path, capsys, name: str) -> None:
    src = tmp_path / name
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)))  # an OLE2 header, as .xls files start
    code, _, err = run(capsys, "batch", str(src), "--column", "place")
    assert code == 2 and "old Excel format (.xls)" in err and "save it as .xlsx" in err and "--encoding" not in err


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_duplicate_column_name_is_warned_with_its_positions_and_name_hash_k_picks_one(
    tmp_path: Path, capsys, suffix: str
) -> None:
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        src.write_text("place,n,place\nMoscow,1,Kyiv\n", encoding="utf-8")
    else:
        _workbook(src, [["place", "n", "place"], ["Moscow", 1, "Kyiv"]])
    dst = str(tmp_path / "out.csv")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", dst)
    assert code == 0 and "column 'place' appears 2 times (columns 1, 3): using column 1" in err
    out = read_csv(tmp_path / "out.csv")
    assert out[1][out[0].index("gaz_status")] == "not_found"  # Moscow, the first 'place'
    code, _, err = run(capsys, "batch", str(src), "--column", "place#2", "-o", dst)
    out = read_csv(tmp_path / "out.csv")
    assert code == 0 and out[1][out[0].index("gaz_name_en")] == "Kyiv" and "appears" not in err
    code, _, err = run(capsys, "batch", str(src), "--column", "place#3", "-o", dst)
    assert code == 2 and "'place#3' is not in" in err


KUPIANSK_RADKIVKA, PRYLUKY_RADKIVKA = "UA63080070250094966", "UA74080090090067364"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_raion_and_hromada_columns_are_hints_per_row(tmp_path: Path, capsys, suffix: str) -> None:
    rows = [["place", "raion", "hromada"], ["Радьківка", "Kupianskyi", ""], ["Радьківка", "", "Малодівицька"]]
    rows += [["Радьківка", "Nowhere", ""], ["Радьківка", "", ""]]
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        src.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    elif suffix == ".xlsx":
        _workbook(src, rows)
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.table({h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}), src)
    dst = tmp_path / ("out.parquet" if suffix == ".parquet" else "out.csv")
    args = ["batch", str(src), "--column", "place", "--raion-column", "raion", "--hromada-column", "hromada"]
    code, _, err = run(capsys, *args, "-o", str(dst))
    assert code == 0, err
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        got = pq.read_table(dst).to_pylist()
    else:
        out = read_csv(dst)
        got = [dict(zip(out[0], r)) for r in out[1:]]
    assert [r["gaz_id"] or None for r in got] == [KUPIANSK_RADKIVKA, PRYLUKY_RADKIVKA, None, None]
    assert [r["gaz_status"] for r in got] == ["resolved", "resolved", "ambiguous", "ambiguous"]
    assert "raion hint 'Nowhere'" in got[2]["gaz_reason"] and "hint" not in got[3]["gaz_reason"]


@pytest.mark.parametrize("out", ["out.csv", "out.xlsx", "out.jsonl"])
@pytest.mark.parametrize("damage", ["truncated", "not gzip", "damaged"])
def test_a_bad_gz_input_is_one_line_naming_the_file_and_leaves_no_output(
    tmp_path: Path, capsys, out: str, damage: str
) -> None:
    import gzip

    if out.endswith(".xlsx"):
        pytest.importorskip("openpyxl")
    plain = "".join(f"{i},Village{i}\n" for i in range(2000)).encode()
    src = tmp_path / "in.csv.gz"
    packed = bytearray(gzip.compress(b"id,place\n" + plain))
    if damage == "truncated":
        packed = packed[: len(packed) // 2]
    elif damage == "damaged":
        packed[len(packed) // 2] ^= 0xFF
    else:
        packed = bytearray(b"id,place\n" + plain)  # plain text named .gz
    src.write_bytes(bytes(packed))
    dst = tmp_path / out
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    said = {"truncated": "is truncated", "not gzip": "is not gzip-compressed", "damaged": "gzip"}[damage]
    assert code == 2 and said in err and str(src) in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 and not dst.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv.gz"]  # no .part file left either


def test_gzip_on_stdin_is_read(tmp_path: Path, capsys, monkeypatch) -> None:
    import gzip
    import io
    import sys

    data = gzip.compress("place\nKyiv\nЛьвів\n".encode())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    dst = tmp_path / "out.csv"
    code, _, err = run(capsys, "batch", "-", "--column", "place", "-o", str(dst))
    assert code == 0, err
    assert [r[0] for r in read_csv(dst)] == ["place", "Kyiv", "Львів"]


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_stdin_without_peek_is_read_too(tmp_path: Path, capsys, monkeypatch, gzipped: bool) -> None:
    # An embedding program may hand stdin over as a plain binary stream (BytesIO has no peek).
    import gzip
    import io
    import sys

    data = b"place\nKyiv\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(data) if gzipped else data)))
    dst = tmp_path / "out.csv"
    code, _, err = run(capsys, "batch", "-", "--column", "place", "-o", str(dst))
    assert code == 0, err
    assert [r[0] for r in read_csv(dst)] == ["place", "Kyiv"]


@pytest.mark.parametrize("out", ["out.xlsx.gz", "out.parquet.gz", "out.geojson.gz", "out.jsonl.gz", "out.json.gz"])
def test_every_output_format_can_be_gzipped(tmp_path: Path, capsys, out: str) -> None:
    import gzip
    import io
    import json

    src = tmp_path / "in.csv"
    src.write_text("place,n\nKyiv,1\nЛьвів,2\n", encoding="utf-8")
    dst = tmp_path / out
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    assert code == 0, err
    data = gzip.decompress(dst.read_bytes())
    if out.startswith("out.xlsx"):
        openpyxl = pytest.importorskip("openpyxl")
        rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]
        got = [dict(zip(rows[0], r)) for r in rows[1:]]
    elif out.startswith("out.parquet"):
        import pyarrow.parquet as pq

        got = pq.read_table(io.BytesIO(data)).to_pylist()
    elif out.startswith("out.geojson"):
        got = [f["properties"] for f in json.loads(data)["features"]]
    elif out.startswith("out.jsonl"):
        got = [json.loads(line) for line in data.decode().splitlines()]
    else:
        got = json.loads(data)
    assert [(r["place"], str(r["n"])) for r in got] == [("Kyiv", "1"), ("Львів", "2")]
    assert [r["gaz_status"] for r in got] == ["resolved", "resolved"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
@pytest.mark.parametrize("out", ["out.jsonl", "out.json", "out.geojson", "out.parquet", "out.csv"])
def test_a_column_name_held_twice_keeps_both_columns_in_keyed_outputs(
    tmp_path: Path, capsys, suffix: str, out: str
) -> None:
    import json

    header = ["town", "town#2", "note", "town"]  # the second 'town' cannot be 'town#2': that name is taken
    rows = [["Lviv", "a", "x", "Kyiv"], ["Odesa", "b", "y", "Dnipro"]]
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        src.write_text("".join(",".join(r) + "\n" for r in [header, *rows]), encoding="utf-8")
    elif suffix == ".xlsx":
        _workbook(src, [header, *rows])
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        arrays = [pa.array([r[i] for r in rows]) for i in range(len(header))]
        pq.write_table(pa.Table.from_arrays(arrays, names=header), src)
        if out.endswith(".csv"):
            return  # Parquet input is written as Parquet only
    dst = tmp_path / out
    code, _, err = run(capsys, "batch", str(src), "--column", "town", "-o", str(dst))
    assert code == 0, err
    if out.endswith(".csv"):
        got = read_csv(dst)
        assert got[0][:4] == header and [r[:4] for r in got[1:]] == rows  # CSV keeps the header as it is
        assert "renamed" not in err
        return
    if out.endswith(".jsonl"):
        got = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    elif out.endswith(".json"):
        got = json.loads(dst.read_text(encoding="utf-8"))
    elif out.endswith(".geojson"):
        got = [f["properties"] for f in json.loads(dst.read_text(encoding="utf-8"))["features"]]
    else:
        import pyarrow.parquet as pq

        got = pq.read_table(dst).to_pylist()  # readable by name: no name twice
    names = ["town", "town#2", "note", "town#2_2"]
    assert [list(r)[:4] for r in got] == [names, names]
    assert [[r[n] for n in names] for r in got] == rows
    assert [r["gaz_name_en"] for r in got] == ["Lviv", "Odesa"]
    warned = [line for line in err.splitlines() if "renamed" in line]
    assert len(warned) == 1 and "'town' (column 4) -> 'town#2_2'" in warned[0], err


def test_keyed_names_numbers_the_repeats_like_column_hash_k() -> None:
    from gazetteer.batch import keyed_names

    assert keyed_names(["a", "b"]) == (["a", "b"], None)
    names, note = keyed_names(["a", "a", "b", "a", "a#3"])
    assert names == ["a", "a#2", "b", "a#3_2", "a#3"]
    assert note is not None and "'a' (column 2) -> 'a#2'" in note and "'a' (column 4) -> 'a#3_2'" in note


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_name_hash_k_that_is_also_a_columns_own_name_is_warned_ambiguous(tmp_path: Path, capsys, suffix: str) -> None:
    header, row = ["town", "town#2", "town"], ["Kyiv", "Lviv", "Odesa"]
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        src.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    else:
        _workbook(src, [header, row])
    dst = tmp_path / "out.csv"
    code, _, err = run(capsys, "batch", str(src), "--column", "town#2", "-o", str(dst))
    out = read_csv(dst)
    assert code == 0 and out[1][out[0].index("gaz_name_en")] == "Lviv"  # the column so named wins
    assert "'town#2' is ambiguous" in err and "column 3, the 2nd column called 'town'" in err, err
    code, _, err = run(capsys, "batch", str(src), "--column", "town", "-o", str(dst))
    assert code == 0 and "'town#2' names the second" not in err and "cannot pick the second" in err
    code, _, err = run(capsys, "batch", str(src), "--column", "town#3", "-o", str(dst))
    assert code == 2 and "only 2 columns are called 'town'" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("option", ["--oblast-column", "--raion-column", "--hromada-column"])
def test_a_hint_left_out_is_said_the_same_way_whatever_the_rows_status(tmp_path: Path, capsys, option: str) -> None:
    # Радьківка: three villages (ambiguous); Zzyzxqv: nothing (not_found); Kyiv: resolved. Each hint names
    # no unit ('Narnia') or is a number: left out, and the reason must be true for every status.
    rows = [["place", "hint"], ["Радьківка", "Narnia"], ["Zzyzxqv", "Narnia"], ["Kyiv", "Narnia"]]
    rows += [["Радьківка", 12], ["Zzyzxqv", 12], ["Kyiv", 12]]
    src = tmp_path / "in.xlsx"
    _workbook(src, rows)
    dst = tmp_path / "out.csv"
    code, _, err = run(capsys, "batch", str(src), "--column", "place", option, "hint", "-o", str(dst))
    assert code == 0, err
    out = read_csv(dst)
    status, reason = out[0].index("gaz_status"), out[0].index("gaz_reason")
    assert [r[status] for r in out[1:]] == ["ambiguous", "not_found", "resolved"] * 2
    level = option.split("-")[2]
    for r in out[1:4]:
        assert f"{level} hint 'Narnia' names no {level} of Ukraine; looked up without it" in r[reason]
    for r in out[4:]:
        assert f"{level} hint 12 is not text; looked up without it" in r[reason]
    assert not any("resolved without" in r[reason] for r in out[1:])


@pytest.mark.parametrize("suffix", [".xlsx", ".jsonl", ".parquet"])
@pytest.mark.parametrize("hints", [[], ["--raion-column", "area"]])
def test_a_number_in_the_place_cell_is_said_plainly_the_same_in_every_format(
    tmp_path: Path, capsys, suffix: str, hints: list[str]
) -> None:
    import json

    src = tmp_path / f"in{suffix}"
    if suffix == ".xlsx":
        _workbook(src, [["place", "area"], [12, "x"], [3.5, "x"], ["Kyiv", "x"]])
    elif suffix == ".jsonl":
        src.write_text("".join(json.dumps({"place": p, "area": "x"}) + "\n" for p in (12, 3.5, "Kyiv")), "utf-8")
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"place": pa.array([12, 3.5, None]), "area": ["x", "x", "x"]}), src)
    dst = tmp_path / ("out.parquet" if suffix == ".parquet" else "out.csv")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", *hints, "-o", str(dst))
    assert code == 0, err
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        reasons = pq.read_table(dst).column("gaz_reason").to_pylist()
        assert reasons[:2] == ["a number (12.0), not a place name", "a number (3.5), not a place name"]
        return
    out = read_csv(dst)
    reasons = [r[out[0].index("gaz_reason")] for r in out[1:]]
    assert reasons[:2] == ["a number (12), not a place name", "a number (3.5), not a place name"]
    assert [r[0] for r in out[1:]] == ["12", "3.5", "Kyiv"]  # the cells themselves are kept


def test_not_text_value_words_each_kind_plainly() -> None:
    import datetime

    from gazetteer.resolve import lookup_many, not_text_value

    assert not_text_value(True) == "a true/false value (True), not a place name"
    assert not_text_value(datetime.date(2024, 3, 1)) == "a date or time (2024-03-01), not a place name"
    assert not_text_value(["Kyiv"]) == "a list, not a place name"
    assert not_text_value(7, "text") == "a number (7), not text"
    assert [r.reason for r in lookup_many([12, b"Kyiv"])] == [
        "a number (12), not a place name",
        "bytes, not a place name",
    ]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("in.xls", b"place\nKyiv\n", "is named .xls but holds text: pass --format csv"),
        ("in.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "is the old Excel format (.xls)"),
        ("in.ods", b"PK\x03\x04" + b"\0" * 64, "is an OpenDocument spreadsheet (.ods)"),
    ],
)
def test_a_spreadsheet_gazetteer_does_not_read_is_named_as_what_it_is(tmp_path: Path, capsys, name, content, said):
    src = tmp_path / name
    src.write_bytes(content)
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.csv"))
    assert code == 2 and said in err and err.count("\n") == 1, err
    assert not (tmp_path / "out.csv").exists()


# Rows: a sound hint, a blank one, an empty place beside a bad hint (not looked up: no stop), then the stop.
_STRICT_ROWS = [["place", "hint"], ["Kupiansk", "Kharkiv"], ["Lviv", ""], ["", "Narnia"], ["Kyiv", "Narnia"]]


def _write_table(src: Path, rows: list[list]) -> None:
    if src.suffix == ".xlsx":
        _workbook(src, rows)
    elif src.suffix == ".jsonl":
        src.write_text("".join(json.dumps(dict(zip(rows[0], r))) + "\n" for r in rows[1:]), encoding="utf-8")
    elif src.suffix == ".json":
        src.write_text(json.dumps([dict(zip(rows[0], r)) for r in rows[1:]]), encoding="utf-8")
    elif src.suffix == ".parquet":
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.table({h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}), src)
    else:
        src.write_text("".join(",".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")


@pytest.mark.parametrize(
    "name,out,where",
    [
        ("in.xlsx", "out.csv", "sheet row 5"),
        ("in.jsonl", "out.jsonl", "line 4"),
        ("in.json", "out.json", "row 4"),
        ("in.csv", "out.json", "line 5"),
        ("in.parquet", "out.parquet", "row 4"),
        ("in.parquet", "out.csv", "row 4"),
        ("in.csv", "out.geojson", "line 5"),
        ("in.csv", "out.csv", "line 5"),
    ],
)
@pytest.mark.parametrize("option", ["--oblast-column", "--raion-column", "--hromada-column"])
def test_strict_stops_at_a_hint_that_names_no_unit_in_every_format(
    tmp_path: Path, capsys, name: str, out: str, where: str, option: str
) -> None:
    src, dst = tmp_path / name, tmp_path / out
    _write_table(src, _STRICT_ROWS)
    level = option.split("-")[2]
    args = ["batch", str(src), "--column", "place", option, "hint", "-o", str(dst)]
    code, _, err = run(capsys, *args)
    assert code == 0 and dst.exists() and "4 rows" in err, err  # without --strict: every row written
    dst.unlink()
    code, stdout, err = run(capsys, *args, "--strict")
    assert code == 2 and stdout == "" and not dst.exists() and not list(tmp_path.glob(".out*"))
    assert (
        err
        == f"gazetteer: error: {src}: {where}: no {level} of Ukraine is called 'Narnia' (the row's hint; --strict)\n"
    )


@pytest.mark.parametrize("option", ["--oblast-column", "--raion-column"])
def test_strict_stops_at_a_hint_cell_that_is_not_text(tmp_path: Path, capsys, option: str) -> None:
    src, dst = tmp_path / "in.xlsx", tmp_path / "out.csv"
    _workbook(src, [["place", "hint"], ["Kupiansk", None], ["", 12], ["Kupiansk", 12]])
    code, _, err = run(capsys, "batch", str(src), "--column", "place", option, "hint", "-o", str(dst), "--strict")
    level = option.split("-")[2]
    assert code == 2 and not dst.exists()
    assert err == f"gazetteer: error: {src}: sheet row 4: {level} hint 12 is not text (the row's hint; --strict)\n"


def test_strict_stops_at_a_json_lines_line_that_is_no_object_not_at_a_blank_one(tmp_path: Path, capsys) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.csv"
    src.write_text('{"place": "Kyiv"}\n\n[1, 2]\n{"place": "Lviv"}\n', encoding="utf-8")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst), "--strict")
    assert code == 2 and not dst.exists() and err == f"gazetteer: error: {src}: line 3: not a JSON object (--strict)\n"


# -- JSON: one array of objects (records), as pandas' to_json(orient="records") and JSON.stringify write ----------
def _json_out(path: Path) -> list[dict]:
    """A JSON output: one array, parsed by the standard parser (strict about what JSON allows)."""
    got = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(got, list)
    return got


@pytest.mark.parametrize("name", ["in.json", "in.json.gz"])
def test_json_records_are_read_with_their_hints_every_key_a_column(tmp_path: Path, capsys, name: str) -> None:
    import gzip

    records = [
        {"place": "Kupiansk", "oblast": "Kharkiv"},
        {"place": "Izium", "oblast": ""},
        {"place": "Радьківка", "oblast": "Kharkiv", "note": "a key first seen here"},
        {"oblast": "", "place": "Радьківка"},  # keys in another order: the cells go by name
        {"place": "Lviv", "oblast": "East", "n": 12},
    ]
    text = json.dumps(records, ensure_ascii=False, indent=2)  # as JSON.stringify(rows, null, 2) writes
    src, dst = tmp_path / name, tmp_path / "out.csv"
    src.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "--oblast-column", "oblast", "-o", str(dst))
    assert code == 0, err
    out = read_csv(dst)
    assert out[0][:4] == ["place", "oblast", "note", "n"]  # every key, in order of first appearance
    col = {c: i for i, c in enumerate(out[0])}
    assert [r[:4] for r in out[1:]] == [
        ["Kupiansk", "Kharkiv", "", ""],
        ["Izium", "", "", ""],
        ["Радьківка", "Kharkiv", "a key first seen here", ""],
        ["Радьківка", "", "", ""],
        ["Lviv", "East", "", "12"],
    ]
    assert [r[col["gaz_status"]] for r in out[1:]] == ["resolved", "resolved", "resolved", "ambiguous", "resolved"]
    assert out[3][col["gaz_oblast_en"]] == "Kharkivska"  # the hint chose among the three villages
    assert "oblast hint 'East' names no oblast of Ukraine" in out[5][col["gaz_reason"]]
    assert "5 rows" in err


def test_json_output_holds_what_json_lines_holds_in_one_array(tmp_path: Path, capsys, monkeypatch) -> None:
    """Per row, the JSON array holds the very object the JSON Lines writer writes: a damaged CSV record, a
    row with a field too many, a name held twice, an empty cell, a bad hint: all alike, none lost."""
    import io
    import sys

    src = tmp_path / "in.csv"
    src.write_text(
        'place,region,place\nKupiansk,Kharkiv,a\nIzium,,b\n"Lviv,East,c\n\nOdesa,,d,extra\nМаріуполь,Donetsk,e\n',
        encoding="utf-8",
    )
    args = ["batch", str(src), "--column", "place", "--oblast-column", "region"]
    code, _, err = run(capsys, *args, "-o", str(tmp_path / "out.jsonl"))
    assert code == 0, err
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    code, _, err = run(capsys, *args, "-o", str(tmp_path / "out.json"))
    assert code == 0, err
    assert _json_out(tmp_path / "out.json") == lines
    assert [r["gaz_status"] for r in lines] == ["resolved", "resolved", "invalid", "invalid", "invalid", "resolved"]
    assert [r["place#2"] for r in lines] == ["a", "b", "c", None, "d", "e"]
    # to stdout, by --output-format
    code, stdout, err = run(capsys, *args, "-o", "-", "--output-format", "json")
    assert code == 0 and json.loads(stdout) == lines, err
    # from Python: enrich_file writes the same
    from gazetteer.batch import enrich_file

    enrich_file(src, tmp_path / "api.json", column="place", oblast_column="region", progress=False)
    assert _json_out(tmp_path / "api.json") == lines
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(src.read_bytes())))
    code, stdout, err = run(
        capsys, "batch", "-", "--column", "place", "--oblast-column", "region", "--output-format", "json"
    )
    assert code == 0 and json.loads(stdout) == lines, err


@pytest.mark.parametrize("out", ["out.csv", "out.json", "out.jsonl", "out.xlsx"])
def test_a_json_element_that_is_no_object_is_an_invalid_row_in_its_place(tmp_path: Path, capsys, out: str) -> None:
    if out.endswith(".xlsx"):
        pytest.importorskip("openpyxl")
    src, dst = tmp_path / "in.json", tmp_path / out
    src.write_text('[{"place": "Kyiv"}, 42, "Lviv", null, [1, {"a": "б"}], {"place": "Odesa"}]', encoding="utf-8")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    assert code == 0, err
    if out.endswith(".csv"):
        got = [dict(zip(read_csv(dst)[0], r)) for r in read_csv(dst)[1:]]
    elif out.endswith(".jsonl"):
        got = [json.loads(line) for line in dst.read_text("utf-8").splitlines()]
    elif out.endswith(".json"):
        got = _json_out(dst)
    else:
        got = [dict(zip(r[0], row)) for r in [_xlsx_rows(dst)] for row in r[1:]]
    assert len(got) == 6  # none dropped, none added
    assert [r["gaz_status"] for r in got] == ["resolved", "invalid", "invalid", "invalid", "invalid", "resolved"]
    assert [r["gaz_reason"] for r in got[1:5]] == [
        "not a JSON object (row 2); the element: 42",
        'not a JSON object (row 3); the element: "Lviv"',
        "not a JSON object (row 4); the element: null",
        'not a JSON object (row 5); the element: [1, {"a": "б"}]',
    ]
    assert [r["place"] for r in got] == ["Kyiv", *[r["place"] for r in got[1:5]], "Odesa"]
    assert not any(r["place"] for r in got[1:5])  # no cell is made up for an element that had none
    assert "row 2: not a JSON object" in err and "row 5: not a JSON object" in err and "6 rows" in err
    dst.unlink()
    code, stdout, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst), "--strict")
    assert code == 2 and stdout == "" and not dst.exists()
    assert err == f"gazetteer: error: {src}: row 2: not a JSON object (--strict)\n"


@pytest.mark.parametrize(
    "text,said",
    [
        ('{"place": "Kyiv"}', "holds a JSON object, not an array"),
        ('{"rows": [{"place": "Kyiv"}]}', "holds a JSON object, not an array (its key 'rows' holds an array"),
        ('{"place": "Kyiv"}\n{"place": "Lviv"}\n', "is not valid JSON: Extra data (line 2, column 1)"),
        ('[{"place": "Kyiv"}, {"place": "Lviv"', "is not valid JSON: Expecting ',' delimiter (line 1, column 37)"),
        ("place\nKyiv\n", "is not valid JSON: Expecting value (line 1, column 1)"),
        ('"Kyiv"', "holds a JSON string, not an array"),
    ],
)
def test_a_json_file_that_is_no_array_of_objects_is_one_clear_line(tmp_path: Path, capsys, text: str, said: str):
    src, dst = tmp_path / "in.json", tmp_path / "out.csv"
    src.write_text(text, encoding="utf-8")
    code, stdout, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    assert code == 2 and stdout == "" and not dst.exists() and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith(f"gazetteer: error: {src} {said}"), err
    assert "expected a JSON array of objects" in err and "JSON Lines" in err and "--format jsonl" in err
    assert "header" not in err and "quote" not in err  # not read as CSV
    from gazetteer.batch import BatchError, enrich_file

    with pytest.raises(BatchError, match="expected a JSON array of objects"):
        enrich_file(src, dst, column="place", progress=False)


def test_zero_rows_are_an_empty_json_array_and_an_empty_array_in_is_said(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place,region\n", encoding="utf-8")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.json"))
    assert code == 0 and _json_out(tmp_path / "out.json") == [] and "0 rows" in err, err
    code, stdout, err = run(capsys, "batch", str(src), "--column", "place", "--output-format", "json")
    assert code == 0 and json.loads(stdout) == [], err
    # An empty array names no column (as an empty JSON Lines file): one line, nothing written.
    (tmp_path / "in.json").write_text("[]", encoding="utf-8")
    dst = tmp_path / "out2.json"
    code, _, err = run(capsys, "batch", str(tmp_path / "in.json"), "--column", "place", "-o", str(dst))
    assert code == 2 and not dst.exists() and err.count("\n") == 1
    assert err == (
        f"gazetteer: error: no JSON object in {tmp_path / 'in.json'}: it holds an empty array, so no column is "
        "named; expected a JSON array of objects ([{...}, {...}])\n"
    )


def test_format_json_reads_a_file_of_another_ending(tmp_path: Path, capsys) -> None:
    src = tmp_path / "export.txt"
    src.write_text('[{"place": "Kupiansk"}]', encoding="utf-8")
    code, _, err = run(
        capsys, "batch", str(src), "--format", "json", "--column", "place", "-o", str(tmp_path / "o.csv")
    )
    out = read_csv(tmp_path / "o.csv")
    assert code == 0 and out[1][0] == "Kupiansk" and out[1][out[0].index("gaz_status")] == "resolved", err


@pytest.mark.parametrize("ending", [".json", ".jsonl", ".geojson"])
def test_a_missing_float_is_null_in_json_outputs_that_any_parser_reads(tmp_path: Path, capsys, ending: str) -> None:
    # A NaN cell (pandas' or Parquet's missing float; a bare NaN in a JSON input) was written as a bare NaN, which
    # JSON has not: JavaScript's JSON.parse and other strict readers refused the whole file.
    src = tmp_path / "in.json"
    src.write_text('[{"place": "Kupiansk", "weight": NaN, "share": Infinity}, {"place": "Izium", "weight": 1.5}]')
    dst = tmp_path / f"out{ending}"
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    assert code == 0, err

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} written into JSON")

    text = dst.read_text(encoding="utf-8")
    if ending == ".jsonl":
        rows = [json.loads(line, parse_constant=refuse) for line in text.splitlines()]
    elif ending == ".json":
        rows = json.loads(text, parse_constant=refuse)
    else:
        rows = [f["properties"] for f in json.loads(text, parse_constant=refuse)["features"]]
    assert [(r["place"], r["weight"], r["share"]) for r in rows] == [
        ("Kupiansk", None, None),
        ("Izium", 1.5, None),
    ]
