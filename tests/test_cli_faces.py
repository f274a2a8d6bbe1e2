"""CLI faces: resolve --json objects and exit codes, resolve - (JSON Lines), reverse, serve's arguments,
batch in and out of every format, and one-line errors when an optional extra is missing."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gazetteer.cli import build_parser, main
from gazetteer.model import RESULT_COLUMNS

REPO = Path(__file__).resolve().parent.parent
KUPYANSK = "UA63080090010026457"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- resolve -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "status", "code"),
    [("Kupyansk", "resolved", 0), ("Новоселівка", "ambiguous", 3), ("Moscow", "not_found", 4)],
)
def test_resolve_json_is_one_object_with_status_reason_and_candidates(capsys, query, status, code) -> None:
    got, out, _ = run(capsys, "resolve", query, "--json")
    data = json.loads(out)
    assert got == code and isinstance(data, dict)
    assert data["query"] == query and data["status"] == status
    assert set(data) == {"query", "status", "reason", "match", "candidates"}
    if status == "resolved":
        assert data["match"]["id"] == KUPYANSK and data["candidates"][0]["id"] == KUPYANSK
    else:
        assert data["match"] is None and data["reason"]
    if status == "not_found":
        assert data["candidates"] == [] and "not a Ukrainian settlement" in data["reason"]


def test_resolve_exit_codes_are_documented_in_help(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["resolve", "--help"])
    text = capsys.readouterr().out
    for line in ("0  resolved", "3  ambiguous", "4  not found", "2  usage"):
        assert line in text


def test_resolve_text_exit_code_for_not_found(capsys) -> None:
    code, out, _ = run(capsys, "resolve", "Moscow")
    assert code == 4 and "not_found" in out


def test_resolve_stdin_writes_json_lines_in_input_order(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Kupyansk\n\nРадьківка\nMoscow\r\n"))
    code, out, _ = run(capsys, "resolve", "-")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [d["query"] for d in lines] == ["Kupyansk", "", "Радьківка", "Moscow"]
    assert [d["status"] for d in lines] == ["resolved", "invalid", "ambiguous", "not_found"]


def test_resolve_stdin_line_not_utf8_is_invalid_and_the_output_stays_utf8(capsys, monkeypatch) -> None:
    data = b"\xff\xfeLviv\nKupyansk\nKy\xc3v\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, _ = run(capsys, "resolve", "-")
    out.encode("utf-8")  # strict: a lone surrogate (raw bytes echoed back) would raise here
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [d["status"] for d in lines] == ["invalid", "resolved", "invalid"]
    assert lines[0]["query"] == "\\xff\\xfeLviv"
    assert lines[0]["reason"] == "the line is not valid UTF-8 (byte 0xFF at position 0)"
    assert lines[2]["reason"] == "the line is not valid UTF-8 (byte 0xC3 at position 2)"


def test_resolve_stdin_resolves_each_distinct_line_once(capsys, monkeypatch) -> None:
    import gazetteer.cli as cli

    asked: list[object] = []
    real = cli._resolve_one

    def counting(resolver, args, query, strict):
        asked.append(query)
        return real(resolver, args, query, strict)

    monkeypatch.setattr(cli, "_resolve_one", counting)
    monkeypatch.setattr(sys, "stdin", io.StringIO("Kupyansk\nRadkivka\nKupyansk\nKupyansk\n"))
    code, out, _ = run(capsys, "resolve", "-")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4 and lines[0] == lines[2] == lines[3] != lines[1]
    assert asked == ["Kupyansk", "Radkivka"]


def test_resolve_stdin_oblast_applies_to_every_line(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Радьківка\nRadkivka\n"))
    _, out, _ = run(capsys, "resolve", "-", "--oblast", "Kharkiv")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["match"]["id"] for d in lines] == ["UA63080070250094966"] * 2


def test_resolve_stdin_unknown_oblast_is_one_error_not_a_row_per_line(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Радьківка\nRadkivka\n"))
    code, out, err = run(capsys, "resolve", "-", "--oblast", "Atlantis")
    assert code == 2 and out == "" and err.count("\n") == 1


# -- reverse -----------------------------------------------------------------------------------------
def test_reverse_text_lists_nearest_first(capsys) -> None:
    code, out, _ = run(capsys, "reverse", "49.7100", "37.6158", "-k", "3")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and "Куп’янськ" in lines[0] and KUPYANSK in lines[0]
    kms = [float(line.split(" km")[0].split()[-1]) for line in lines]
    assert kms == sorted(kms)


def test_reverse_json(capsys) -> None:
    code, out, _ = run(capsys, "reverse", "50.4501", "30.5234", "--json", "-k", "2")
    data = json.loads(out)
    assert code == 0 and data["status"] == "found" and len(data["results"]) == 2
    assert data["results"][0]["name_uk"] == "Київ" and data["results"][0]["distance_km"] < 5


def test_reverse_outside_ukraine_exits_4_with_a_reason(capsys) -> None:
    code, out, _ = run(capsys, "reverse", "52.52", "13.40", "--json")
    data = json.loads(out)
    assert code == 4 and data["status"] == "outside_ukraine" and data["results"] == []


def test_reverse_outside_ukraine_asks_whether_the_point_was_swapped(capsys) -> None:
    code, out, _ = run(capsys, "reverse", "30.52, 50.45", "--json")  # Kyiv as (lon, lat)
    reason = json.loads(out)["reason"]
    assert code == 4 and "swapped" in reason
    code, out, _ = run(capsys, "reverse", "48.86", "2.35", "--json")  # Paris: swapped, not in Ukraine either
    reason = json.loads(out)["reason"]
    assert code == 4 and "outside Ukraine" in reason and "swapped" not in reason


@pytest.mark.parametrize(
    "args",
    [
        ["reverse", "50,45 30,52"],
        ["reverse", "50.45", "30.52", "--max-km", "-1"],
        ["reverse", "50.45", "30.52", "--max-km", "nan"],
        ["resolve", "-", "--limit", "0"],
        ["serve", "--port", "70000"],
        ["frobnicate"],
    ],
)
def test_a_usage_error_is_one_line_naming_the_help_exit_2(capsys, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and "error:" in err and "--help" in err, err


def test_a_bare_command_prints_the_help(capsys) -> None:
    assert main([]) == 2 and "usage: gazetteer" in capsys.readouterr().err


def test_reverse_accepts_a_negative_longitude_and_rejects_words(capsys) -> None:
    code, out, _ = run(capsys, "reverse", "40.0", "-3.7")  # Madrid
    assert code == 4 and "outside_ukraine" in out
    with pytest.raises(SystemExit) as exit_info:
        main(["reverse", "north", "30"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("point", ["50.45, 30.52", "50.45,30.52", "50.45 30.52", " 50.45 ,30.52 "])
def test_reverse_takes_the_point_pasted_as_one_argument(capsys, point) -> None:
    one = run(capsys, "reverse", point, "--json")
    two = run(capsys, "reverse", "50.45", "30.52", "--json")
    assert one[0] == 0 and one[1] == two[1]


def test_reverse_with_half_a_point_or_a_point_twice_is_one_line_exit_2(capsys) -> None:
    for argv in (["50.45"], ["50.45, 30.52", "30.52"]):
        code, out, err = run(capsys, "reverse", *argv)
        assert code == 2 and out == "" and err.count("\n") == 1 and "LAT" in err


def test_reverse_text_never_prints_an_empty_unit_as_a_dash(capsys) -> None:
    code, out, _ = run(capsys, "reverse", "50.45", "30.52", "-k", "2")  # Kyiv: no oblast, raion or hromada of its own
    assert code == 0 and " - raion" not in out and "Київ obl." not in out
    assert "Київська obl., " in out.splitlines()[1]  # a village near it keeps its units


def test_serve_arguments_default_to_this_machine_only() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8080 and args.workers == 1 and args.rate > 0
    args = build_parser().parse_args(["serve", "--port", "9000", "--workers", "2", "--rate", "0"])
    assert (args.port, args.workers, args.rate) == (9000, 2, 0.0)


def test_serve_rejects_a_port_outside_0_to_65535_before_anything_starts(capsys) -> None:
    for port in ("99999", "65536", "-1", "http"):
        with pytest.raises(SystemExit) as exit_info:
            build_parser().parse_args(["serve", "--port", port])  # parsed only: never starts a service
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "0 to 65535" in err and "serving" not in err
    assert build_parser().parse_args(["serve", "--port", "0"]).port == 0  # any free port
    assert build_parser().parse_args(["serve", "--port", "65535"]).port == 65535


def test_serve_on_a_port_in_use_is_one_line_exit_2_and_never_says_serving(capsys) -> None:
    import socket

    pytest.importorskip("uvicorn")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"127.0.0.1:{port}" in err and "in use" in err


def test_serve_on_an_address_that_is_not_one_is_one_line_exit_2(capsys) -> None:
    pytest.importorskip("uvicorn")
    code = main(["serve", "--host", "999.1.1.1", "--port", "0"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1 and "999.1.1.1" in errors[0] and "Traceback" not in err


# -- batch formats -----------------------------------------------------------------------------------
ROWS = [
    ["place", "region", "note"],
    ["Kupyansk", "", "a"],
    ["Радьківка", "Kharkiv", "b"],
    ['=HYPERLINK("x")', "", "c"],
    ["Moscow", "", "d"],
    ["Kupyansk", "", "e"],
]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    return path


def _batch(capsys, src: Path, dst: Path, *extra: str) -> int:
    code, _, err = run(
        capsys, "batch", str(src), "--column", "place", "--oblast-column", "region", "-o", str(dst), *extra
    )
    assert code == 0, err
    return code


def _expected_statuses() -> list[str]:
    """What the resolver says row by row (every format must carry exactly that)."""
    from gazetteer.resolve import default_resolver, lookup_one

    statuses = [lookup_one(default_resolver(), r[0], r[1] or None).status for r in ROWS[1:]]
    assert statuses[:2] == ["resolved", "resolved"] and statuses[3] == "not_found"
    return statuses


def test_batch_writes_jsonl_by_extension(capsys, table: Path, tmp_path: Path) -> None:
    _batch(capsys, table, tmp_path / "out.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["note"] for r in rows] == list("abcde")
    assert [r["gaz_status"] for r in rows] == _expected_statuses()
    assert rows[0]["gaz_id"] == KUPYANSK and isinstance(rows[0]["gaz_lat"], float)


def test_batch_writes_geojson_points(capsys, table: Path, tmp_path: Path) -> None:
    _batch(capsys, table, tmp_path / "out.geojson")
    data = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 5
    first, moscow = data["features"][0], data["features"][3]
    lon, lat = first["geometry"]["coordinates"]
    assert (round(lat, 2), round(lon, 2)) == (49.71, 37.62) and first["properties"]["gaz_id"] == KUPYANSK
    assert moscow["geometry"] is None and moscow["properties"]["gaz_status"] == "not_found"


def test_batch_csv_to_parquet_and_back_to_csv(capsys, table: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    _batch(capsys, table, tmp_path / "out.parquet")
    t = pq.read_table(tmp_path / "out.parquet")
    assert t.column_names == ROWS[0] + list(RESULT_COLUMNS)
    assert str(t.schema.field("gaz_lat").type) == "double"
    assert t.column("gaz_status").to_pylist() == _expected_statuses()
    code, _, err = run(
        capsys, "batch", str(tmp_path / "out.parquet"), "--column", "note", "-o", str(tmp_path / "x.csv")
    )
    assert code != 0 and "already has output columns" in err  # reading parquet into csv works up to the clash
    pq.write_table(t.select(ROWS[0]), tmp_path / "plain.parquet")
    run(capsys, "batch", str(tmp_path / "plain.parquet"), "--column", "place", "-o", str(tmp_path / "back.csv"))
    with open(tmp_path / "back.csv", encoding="utf-8", newline="") as fh:
        back = list(csv.DictReader(fh))
    assert [r["note"] for r in back] == list("abcde") and back[0]["gaz_id"] == KUPYANSK


def test_batch_xlsx_round_trip_and_formulas_stay_text(capsys, table: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    _batch(capsys, table, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values[0]
    assert header == ROWS[0] + list(RESULT_COLUMNS)
    assert [r[header.index("note")] for r in values[1:]] == list("abcde")
    assert ws.cell(row=4, column=1).data_type == "s"  # '=HYPERLINK(...)' is text, not a formula
    # Excel in: a workbook with names, read as the CSV would be
    wb = openpyxl.Workbook()
    sheet = wb.active
    for i, row in enumerate(ROWS, 1):
        for j, value in enumerate(row, 1):
            sheet.cell(row=i, column=j, value=value).data_type = "s"  # the formula-like cell as text
    wb.save(tmp_path / "in.xlsx")
    _batch(capsys, tmp_path / "in.xlsx", tmp_path / "from_xlsx.csv")
    with open(tmp_path / "from_xlsx.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["gaz_status"] for r in rows] == _expected_statuses() and rows[1]["gaz_id"] == "UA63080070250094966"


def test_batch_reads_jsonl_keeping_bad_lines_as_invalid_rows(capsys, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"place": "Kupyansk", "n": 1}\nnot json\n{"place": "Бахмут", "n": 3, "late": true}\n', "utf-8")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:3] == ["place", "n", "late"]
    assert [r["gaz_status"] for r in rows] == ["resolved", "invalid", "resolved"]
    assert rows[1]["gaz_reason"].startswith("not a JSON object (line 2)")
    assert "line 2: not a JSON object" in err  # named on stderr, as a damaged CSV line is


# Lines that are no JSON object, each kept whole: with blanks, quotes, a delimiter, a JSON array, a CR LF end.
_NOT_OBJECTS = ["not json", '  {"place": "Kyiv"  ', '[1, "a,b"]', '"Kyiv"', "42", "null", 'x "quoted", \tand tab ']


@pytest.mark.parametrize("out", ["out.csv", "out.tsv", "out.jsonl", "out.geojson", "out.xlsx", "out.parquet"])
def test_jsonl_lines_that_are_no_object_keep_their_text_and_blank_lines_are_rows(
    capsys, tmp_path: Path, out: str
) -> None:
    """Every line of a JSON Lines input is a row, as every line of a CSV file is: a blank line is invalid
    ("empty line", as in CSV) and a line that is no JSON object is invalid with its text, as written, at the
    end of its reason, in every output format."""
    lines = ['{"place": "Kupyansk"}', "", *_NOT_OBJECTS, "   ", '{"place": "Lviv"}']
    ends = ["\n"] * len(lines)
    ends[2] = ends[-2] = "\r\n"  # a CR LF ends the line: it is no part of the text kept
    src = tmp_path / "in.jsonl"
    src.write_bytes("".join(x + end for x, end in zip(lines, ends)).encode("utf-8"))
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / out))
    assert code == 0, err
    rows = _read_any(tmp_path / out)
    assert len(rows) == len(lines)  # none dropped, none added
    reasons = [str(r["gaz_reason"]) for r in rows]
    assert [r["gaz_status"] for r in rows] == ["resolved"] + ["invalid"] * (len(lines) - 2) + ["resolved"]
    assert reasons[1] == "empty line (line 2)" and reasons[-2] == f"empty line (line {len(lines) - 1})"
    for number, (line, reason) in enumerate(zip(_NOT_OBJECTS, reasons[2:-2]), 3):
        assert reason == f"not a JSON object (line {number}); the line as written: {line}"
    assert all(not r["place"] for r in rows[1:-1])  # no cell is made up for a line that had none
    assert "line 3: not a JSON object" in err and "line 2:" not in err


def _read_any(path: Path) -> list[dict]:
    """The rows of a batch output, whatever its format, as dicts."""
    if path.suffix in (".csv", ".tsv"):
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t" if path.suffix == ".tsv" else ","))
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if path.suffix == ".geojson":
        return [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    values = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return [dict(zip(values[0], r)) for r in values[1:]]


@pytest.mark.parametrize("flag", ["--excel", "--bom"])
def test_batch_csv_for_excel_starts_with_a_bom(capsys, table: Path, tmp_path: Path, flag: str) -> None:
    _batch(capsys, table, tmp_path / "out.csv", flag)
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfplace,region,note,gaz_id")
    assert raw.count(b"\xef\xbb\xbf") == 1


def test_batch_plain_csv_has_no_bom(capsys, table: Path, tmp_path: Path) -> None:
    _batch(capsys, table, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes().startswith(b"place,")


def test_batch_ragged_row_in_a_format_without_spare_columns_keeps_its_cells_in_the_reason(
    capsys, tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place,region\nKupyansk,,surplus\nБахмут,\n", encoding="utf-8")
    code, _, _ = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.jsonl"))
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert code == 0 and [r["gaz_status"] for r in rows] == ["invalid", "resolved"]
    assert "surplus" in rows[0]["gaz_reason"]


def test_batch_progress_bar_shows_rate_and_time_left(table: Path, tmp_path: Path, capsys) -> None:
    from gazetteer.batch import enrich_file

    enrich_file(table, tmp_path / "out.csv", column="place", progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "rows/s" in err and "<00:00" in err  # done/total [elapsed<left, rate]
    enrich_file(table, tmp_path / "out.jsonl", column="place", progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "rows/s" in err


# -- a lean install ----------------------------------------------------------------------------------
LEAN = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # as if the extra were not installed
from gazetteer.cli import main
sys.exit(main({argv!r}))
"""


def _lean(blocked: list[str], argv: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "GAZETTEER_CACHE": str(tmp_path / "cache")}
    code = LEAN.format(blocked=blocked, argv=argv)
    return subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path
    )


@pytest.mark.parametrize(
    ("blocked", "argv", "extra"),
    [
        (["pymorphy3"], ["parse", "-"], "text"),
        (["geopy"], ["resolve", "Радьківка", "--online"], "online"),
        (["starlette", "uvicorn"], ["serve", "--port", "1"], "serve"),
        (["openpyxl"], ["batch", "IN", "--column", "place", "-o", "out.xlsx"], "xlsx"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(tmp_path: Path, blocked, argv, extra) -> None:
    (tmp_path / "in.csv").write_text("place\nKupyansk\n", encoding="utf-8")
    argv = [str(tmp_path / "in.csv") if a == "IN" else a for a in argv]
    ran = _lean(blocked, argv, tmp_path, stdin="У Харкові.")
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr and ran.stderr.count("\n") == 1
    assert f"pip install 'gazetteer[{extra}]'" in ran.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_a_lean_install_reads_case_forms_as_the_full_one_does(tmp_path: Path) -> None:
    # Without pymorphy3 (no text extra) a name after a preposition is still read through the case forms
    # shipped for the bundled extract (was a typo-like guess: "под Харьковом" -> the village Харкове).
    for cell, city in (("под Харьковом", "Харків"), ("во Львове", "Львів"), ("до Миколаєва", "Миколаїв")):
        ran = _lean(["pymorphy3"], ["resolve", cell, "--json"], tmp_path)
        assert ran.returncode == 0, ran.stderr
        answer = json.loads(ran.stdout)
        assert answer["match"]["name_uk"] == city and answer["match"]["match"] == "inflected", answer


def test_python_enrich_without_pandas_is_one_clear_import_error(tmp_path: Path) -> None:
    code = (
        "import sys\nsys.modules['pandas'] = None\nimport gazetteer\n"
        "try:\n    gazetteer.enrich\nexcept ImportError as exc:\n    print(type(exc).__name__, exc)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("MissingExtra ") and "pip install 'gazetteer[frames]'" in ran.stdout


def test_python_settlements_without_pandas_is_one_clear_import_error(tmp_path: Path) -> None:
    code = (
        "import sys\nsys.modules['pandas'] = None\nimport gazetteer\n"
        "try:\n    gazetteer.settlements()\nexcept ImportError as exc:\n    print(type(exc).__name__, exc)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("MissingExtra ") and "pip install 'gazetteer[frames]'" in ran.stdout


# -- make demo ----------------------------------------------------------------------------------------
def test_the_demo_prints_one_line_per_query_with_its_status(capsys) -> None:
    from gazetteer import demo

    demo.main()
    lines = capsys.readouterr().out.splitlines()
    statuses = ("resolved", "ambiguous", "not_found", "invalid")
    rows = [line for line in lines if any(f" {s} " in line for s in statuses)]
    assert len(rows) == len(demo.DEMO_QUERIES)
    for (query, _), line in zip(demo.DEMO_QUERIES, rows):
        assert line.startswith((query, repr(query))), (query, line)
    got = {q: next(s for s in statuses if f" {s} " in line) for (q, _), line in zip(demo.DEMO_QUERIES, rows)}
    assert got["Kupyansk"] == "resolved" and got["Odessa, Texas"] == "not_found" and got[""] == "invalid"
