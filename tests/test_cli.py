"""CLI: resolve --json contract, batch keeps every row in order, errors are one line and non-zero."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazetteer import __version__
from gazetteer.cli import main
from gazetteer.model import RESULT_COLUMNS

RESOLVE_FIELDS = {
    "id",
    "name_uk",
    "name_en",
    "category",
    "oblast_uk",
    "oblast_en",
    "raion_uk",
    "hromada_uk",
    "lat",
    "lon",
    "coord_precision",
    "geonameid",
    "population",
    "score",
    "match",
    "matched",
}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_resolve_json_has_the_contract_fields(capsys) -> None:
    code, out, _ = run(capsys, "resolve", "Kupyansk", "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "resolved" and data["match"]["name_uk"] == "Куп’янськ"
    assert set(data["match"]) >= RESOLVE_FIELDS and set(data["candidates"][0]) >= RESOLVE_FIELDS


def test_resolve_json_lists_ambiguous_candidates_best_first(capsys) -> None:
    code, out, _ = run(capsys, "resolve", "Радьківка", "--json", "--limit", "2")
    data = json.loads(out)
    assert code == 3 and data["status"] == "ambiguous" and data["match"] is None
    assert len(data["candidates"]) == 2 and data["candidates"][0]["score"] >= data["candidates"][1]["score"]


def test_resolve_with_oblast_and_near(capsys) -> None:
    _, out, _ = run(capsys, "resolve", "Radkivka", "--oblast", "Kharkivska oblast", "--json")
    assert json.loads(out)["match"]["oblast_uk"] == "Харківська"
    _, out, _ = run(capsys, "resolve", "Радьківка", "--near", "49.7,37.6", "--json")
    assert json.loads(out)["candidates"][0]["oblast_uk"] == "Харківська"


def test_resolve_text_output_marks_status(capsys) -> None:
    code, out, _ = run(capsys, "resolve", "Новоселівка")
    assert code == 3 and "ambiguous" in out


def test_resolve_bad_input_is_one_line_error(capsys) -> None:
    code, out, err = run(capsys, "resolve", "   ")
    assert code == 2 and out == "" and err.count("\n") == 1 and "empty" in err


def test_data_info_json(capsys) -> None:
    code, out, _ = run(capsys, "data", "info", "--json")
    info = json.loads(out)
    assert code == 0 and info["settlements"] >= 29_700 and info["top_level_units"] == 27
    assert info["coord_precision"]["point"] >= 5000 and sum(info["coord_precision"].values()) == info["settlements"]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_batch_keeps_rows_columns_and_order(tmp_path: Path, capsys) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    rows = [
        ["n", "place", "region", "note"],
        ["1", "Kupyansk", "", "a"],
        ["2", "Радьківка", "Kharkiv", "b"],
        ["3", "", "", "c"],
        ["4", "Moscow", "", "d"],
        ["5", "Novoselivka", "", "e"],
        ["6", "Kupyansk", "", "f"],
        ["7", "Radkivka", "Narnia", "g"],
    ]
    write_csv(src, rows)
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "--oblast-column", "region", "-o", str(dst))
    out = read_csv(dst)
    assert code == 0 and "7 rows" in err
    assert [r["n"] for r in out] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [r["note"] for r in out] == list("abcdefg")
    assert list(out[0])[:4] == rows[0] and set(RESULT_COLUMNS) <= set(out[0])
    assert [r["gaz_status"] for r in out] == [
        "resolved",
        "resolved",
        "invalid",
        "not_found",
        "ambiguous",
        "resolved",
        "ambiguous",
    ]
    assert out[1]["gaz_oblast_uk"] == "Харківська" and out[0]["gaz_id"] == out[5]["gaz_id"]
    # An unreadable hint never throws the row away: looked up without it, and the reason says so.
    assert "'Narnia' names no oblast of Ukraine; looked up without it" in out[6]["gaz_reason"]


def test_batch_ragged_row_is_kept_and_marked(tmp_path: Path, capsys) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("a,place\n1,Kyiv,extra\n2\n", encoding="utf-8")
    run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    lines = dst.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[1].endswith(",extra") and "invalid" in lines[1]


def test_batch_tsv_in_and_out(tmp_path: Path, capsys) -> None:
    src, dst = tmp_path / "in.tsv", tmp_path / "out.tsv"
    src.write_text("place\tx\nKharkov\t1\n", encoding="utf-8")
    run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    header, row = dst.read_text(encoding="utf-8").splitlines()
    assert "\tgaz_id\t" in header and "Харків" in row


@pytest.mark.parametrize("sep", [";", "|", "\t", ","])
def test_batch_detects_the_delimiter_and_keeps_it(tmp_path: Path, capsys, sep: str) -> None:
    # Excel in much of Europe writes semicolons; a quoted field may hold the other separators.
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(f'id{sep}"place, as written"{sep}note\n1{sep}Kharkov{sep}"a, b; c"\n', encoding="utf-8")
    code, _, _ = run(capsys, "batch", str(src), "--column", "place, as written", "-o", str(dst))
    assert code == 0
    out_sep = "," if sep == "\t" else sep
    rows = list(csv.reader(dst.read_text(encoding="utf-8").splitlines(), delimiter=out_sep))
    assert rows[0][:3] == ["id", "place, as written", "note"] and rows[1][:3] == ["1", "Kharkov", "a, b; c"]
    assert rows[1][rows[0].index("gaz_name_uk")] == "Харків"


def test_batch_explicit_delimiter_overrides_detection(tmp_path: Path, capsys) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("place;x,y\nKyiv;1,2\n", encoding="utf-8")  # the header has one of each
    code, _, _ = run(capsys, "batch", str(src), "--column", "place", "--delimiter", ";", "-o", str(dst))
    assert code == 0 and dst.read_text(encoding="utf-8").splitlines()[1].startswith("Kyiv;1,2;")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "--delimiter", ";;", "-o", str(dst))
    assert code != 0 and "one character" in err


def test_batch_parquet_round_trip(tmp_path: Path, capsys) -> None:
    pd = pytest.importorskip("pandas")
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pd.DataFrame({"place": ["Kupyansk", None, "Бахмут"], "k": [1, 2, 3]}).to_parquet(src)
    code, _, _ = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    out = pd.read_parquet(dst)
    assert code == 0 and list(out["k"]) == [1, 2, 3]
    assert list(out["gaz_status"]) == ["resolved", "invalid", "resolved"]


@pytest.mark.parametrize(
    "setup,args,message",
    [
        (None, ["--column", "place"], "not found"),
        ("place\nKyiv\n", ["--column", "nope"], "'nope'"),
        ("place\nKyiv\n", ["--column", "place", "--oblast-column", "region"], "'region'"),
        (b"place\n\xff\xfeKyiv\n", ["--column", "place"], "decode"),
        ("", ["--column", "place"], "empty"),
    ],
)
def test_batch_input_errors_are_one_line_and_leave_no_output(tmp_path: Path, capsys, setup, args, message) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    if isinstance(setup, bytes):
        src.write_bytes(setup)
    elif setup is not None:
        src.write_text(setup, encoding="utf-8")
    code, _, err = run(capsys, "batch", str(src), *args, "-o", str(dst))
    assert code == 2 and message in err and err.count("\n") == 1
    assert not dst.exists() and list(tmp_path.glob(".out.csv*")) == []


@pytest.mark.parametrize(
    "option", ["--column", "--text-column", "--oblast-column", "--raion-column", "--hromada-column"]
)
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_batch_an_empty_column_name_is_the_same_one_line_error_for_every_option(
    tmp_path: Path, capsys, option: str, suffix: str
) -> None:
    src, dst = tmp_path / f"in{suffix}", tmp_path / "out.csv"
    src.write_text("town,area\nLviv,\n" if suffix == ".csv" else '{"town": "Lviv", "area": ""}\n', encoding="utf-8")
    args = [option, ""] if option in ("--column", "--text-column") else ["--column", "town", option, ""]
    code, _, err = run(capsys, "batch", str(src), *args, "-o", str(dst))
    assert (
        code == 2
        and err
        == f"gazetteer: error: {option} is empty: give the name of a column of the input (as in its header line)\n"
    )
    assert not dst.exists()


def test_batch_unwritable_output_is_a_clear_error(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place\nKyiv\n", encoding="utf-8")
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "no" / "out.csv"))
    assert code == 2 and "does not exist" in err


def test_batch_to_stdout(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place\nOdessa\n", encoding="utf-8")
    code, out, _ = run(capsys, "batch", str(src), "--column", "place")
    assert code == 0 and "Одеса" in out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12))
def test_batch_never_loses_or_reorders_rows(tmp_path: Path, capsys, cells: list[str]) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    cells = [c.replace("\x00", "") for c in cells]
    write_csv(src, [["i", "place"]] + [[str(i), c] for i, c in enumerate(cells)])
    code, _, _ = run(capsys, "batch", str(src), "--column", "place", "-o", str(dst))
    out = read_csv(dst)
    assert code == 0 and [r["i"] for r in out] == [str(i) for i in range(len(cells))]
    assert all(r["gaz_status"] in ("resolved", "ambiguous", "not_found", "invalid") for r in out)


@pytest.mark.parametrize(
    "argv",
    [
        ["resolve", "Kupiansk", "--json", "--oblast", "Kharkiv", "--limit", "3"],
        ["reverse", "49.71", "37.62", "-k", "2", "--json"],
        ["batch", "in.csv", "--column", "place", "-o", "out.parquet", "--engine", "stream"],
        ["serve", "--port", "9000", "--rate", "0"],
        ["parse", "-", "--geojson"],
        ["data", "info", "--json"],
        ["data", "update", "--codifier", "x.csv", "--force"],
    ],
)
def test_parser_built_for_one_command_reads_it_like_the_full_parser(argv) -> None:
    from gazetteer.cli import build_parser

    assert build_parser(argv[0]).parse_args(argv) == build_parser().parse_args(argv)

    def command_help(parser) -> str:
        [commands] = [a for a in parser._actions if a.dest == "command"]
        return commands.choices[argv[0]].format_help()

    assert command_help(build_parser(argv[0])) == command_help(build_parser())  # same usage, help and errors
    with pytest.raises(SystemExit):  # another command's options are not read by a parser built for one
        build_parser("resolve" if argv[0] != "resolve" else "batch").parse_args(argv)


def test_serve_cors_origins_reach_the_services_settings(monkeypatch) -> None:
    pytest.importorskip("starlette")
    import gazetteer.serve
    from gazetteer.cli import main

    seen = {}
    monkeypatch.setattr(gazetteer.serve, "run", lambda host, port, **kw: seen.update(kw))
    assert main(["serve", "--port", "0", "--cors-origins", "https://a.example, https://b.example/"]) == 0
    assert seen["settings"].cors_origins == ("https://a.example", "https://b.example")
    assert main(["serve", "--port", "0"]) == 0
    assert seen["settings"].cors_origins == ("*",)


def test_batch_jobs_reach_the_engine_and_a_bad_count_is_a_usage_error(tmp_path: Path, capsys, monkeypatch) -> None:
    import gazetteer.batch as batch

    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_csv(src, [["place"], ["Kupyansk"]])
    seen: list[object] = []
    real = batch.enrich_file

    def spying(*args, **kw):
        seen.append(kw.get("jobs"))
        return real(*args, **kw)

    monkeypatch.setattr(batch, "enrich_file", spying)
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "--jobs", "2", "-o", str(dst))
    assert code == 0 and seen == [2] and read_csv(dst)[0]["gaz_status"] == "resolved"
    for bad in ("0", "two"):
        with pytest.raises(SystemExit) as exit_info:
            main(["batch", str(src), "--column", "place", "--jobs", bad])
        assert exit_info.value.code == 2 and "--jobs" in capsys.readouterr().err


def test_python_dash_m_gazetteer_is_the_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "gazetteer", "resolve", "Kupyansk", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"name_uk": "Куп’янськ"' in proc.stdout


@pytest.mark.parametrize("engine", ["arrow", "stream"])
def test_batch_candidates_lists_that_many_ids_of_an_ambiguous_row(tmp_path: Path, capsys, engine: str) -> None:
    """gaz_candidates lists ten ids by default and --candidates N lists N (Oleksandrivka has over a hundred
    namesakes); a resolved row lists none; every engine the same."""
    src = tmp_path / "in.csv"
    write_csv(src, [["place"], ["Oleksandrivka"], ["Kupyansk"]])
    listed = {}
    for extra in ([], ["--candidates", "25"]):
        dst = tmp_path / f"out{len(extra)}.csv"
        code, _, _ = run(capsys, "batch", str(src), "--column", "place", "--engine", engine, "-o", str(dst), *extra)
        out = read_csv(dst)
        assert code == 0 and out[0]["gaz_status"] == "ambiguous" and out[1]["gaz_candidates"] == ""
        listed[len(extra)] = out[0]["gaz_candidates"].split(";")
    assert len(listed[0]) == 10 and len(listed[2]) == 25
    assert listed[2][:10] == listed[0]  # the same ranking, more of it


def test_batch_candidates_must_be_a_positive_number(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [["place"], ["Kupyansk"]])
    with pytest.raises(SystemExit) as exit_info:
        main(["batch", str(src), "--column", "place", "--candidates", "0"])
    assert exit_info.value.code == 2 and "--candidates" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["12345", "", "   "])
def test_resolve_json_answers_a_bad_name_in_json(capsys, name: str) -> None:
    """A script reading --json gets JSON for any name: a bad one is status invalid with its reason, exit 2."""
    code, out, _ = run(capsys, "resolve", name, "--json")
    data = json.loads(out)
    assert code == 2 and data["status"] == "invalid" and data["reason"] and data["match"] is None


def test_resolve_json_with_a_bad_hint_is_still_a_usage_error(capsys) -> None:
    code, out, err = run(capsys, "resolve", "Kupiansk", "--json", "--oblast", "Narnia")
    assert code == 2 and out == "" and "Narnia" in err


@pytest.mark.parametrize("args", [["Kupyansk"], ["Kupyansk", "--json"], ["-"]])
def test_resolve_online_refuses_an_unknown_provider_up_front_as_batch_does(
    tmp_path: Path, capsys, monkeypatch, args: list[str]
) -> None:
    # before: a name resolved offline never reached the online step, so --provider bogus passed silently
    import io
    import sys

    src = tmp_path / "in.csv"
    src.write_text("place\nKupyansk\n", encoding="utf-8")
    batch = run(capsys, "batch", str(src), "--column", "place", "--online", "--provider", "bogus")
    assert batch[0] == 2 and "unknown online provider 'bogus'" in batch[2]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Kupyansk\n")))
    assert run(capsys, "resolve", *args, "--online", "--provider", "bogus") == batch  # (2, "", the same line)


@pytest.mark.parametrize("name", ["", "   ", "😀", "null", "#N/A", "NULL"])
def test_resolve_a_bad_name_is_one_line_on_stderr_or_json_as_asked(capsys, name: str) -> None:
    """One channel and one format for a name that cannot be looked up, whichever check finds it (an empty or
    letterless name, or a spreadsheet's mark of a missing value): plain, one error line on stderr and
    nothing on stdout; with --json, one JSON object on stdout with status invalid. Exit 2 both ways."""
    code, out, err = run(capsys, "resolve", name)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("gazetteer: error: "), (out, err)
    code, out, err = run(capsys, "resolve", name, "--json")
    data = json.loads(out)
    assert code == 2 and err == "" and data["status"] == "invalid" and data["query"] == name and data["reason"]


def test_resolve_a_bad_name_says_the_same_reason_plain_and_in_json(capsys) -> None:
    for name in ("null", "😀", ""):
        _, _, err = run(capsys, "resolve", name)
        _, out, _ = run(capsys, "resolve", name, "--json")
        assert err == f"gazetteer: error: {json.loads(out)['reason']}\n"


@pytest.mark.parametrize(
    "places,summary",
    [
        (["Kupyansk"], "1 row: resolved 1"),
        (["Kupyansk", "Kyiv"], "2 rows: resolved 2"),
        ([], "0 rows"),
        (["Kupyansk", ""], "2 rows: resolved 1, invalid 1"),
    ],
)
def test_batch_summary_line_counts_rows_in_plain_words(tmp_path: Path, capsys, places, summary) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [["place"], *([p] for p in places)])
    code, _, err = run(capsys, "batch", str(src), "--column", "place", "-o", str(tmp_path / "out.csv"))
    assert code == 0 and err.splitlines()[-1] == f"gazetteer: {summary}", err


def test_batch_help_says_strict_stops_at_an_unread_hint(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    strict = text[text.index("--strict") :]
    assert "damaged record" in strict and "hint cell that names no unit" in strict
