"""The Arrow batch engine gives the streaming engine's rows, columns and cells on hostile and foreign files."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from gazetteer import batch_arrow  # noqa: E402
from gazetteer.batch import BatchError, enrich_file  # noqa: E402

NAMES = ["Kupiansk", "Куп'янськ", "Lviv", "Odessa", "Kupainsk", "Novoselivka", "Харків", "Zzzz", "", " "]
HINTS = ["Kharkiv", "", "Донецька", "Lviv oblast"]

# name -> (file bytes, encoding, does the Arrow engine take it itself)
FIXTURES: dict[str, tuple[bytes, str, bool]] = {
    "plain": (b"id,place,region\r\n1,Kupiansk,Kharkiv\r\n2,Lviv,\r\n3,Kupiansk,Kharkiv\r\n", "utf-8-sig", True),
    "lf_no_trailing_newline": (b"id,place,region\n1,Odessa,\n2,Kupiansk,Kharkiv", "utf-8-sig", True),
    "quoted_delimiters_newlines_quotes": (
        b'id,place,region\n1,"Lviv, city",\n2,"Kupiansk\nKharkiv",\n3,"the ""Kupiansk""",x\n4,"a\r\nb",\n',
        "utf-8-sig",
        False,
    ),
    "semicolon": ("id;place;region\n1;Куп'янськ;Харківська\n2;Lviv;\n".encode(), "utf-8-sig", True),
    "pipe": (b"id|place|region\n1|Odessa|\n", "utf-8-sig", True),
    "tab": ("id\tplace\tregion\n1\tХарків\t\n2\tZzzz\tLviv oblast\n".encode(), "utf-8-sig", True),
    "bom_utf8_sig": ("\ufeffid,place,region\n1,Kupiansk,\n".encode(), "utf-8-sig", True),
    "bom_kept_by_utf8": ("\ufeffid,place,region\n1,Kupiansk,\n".encode(), "utf-8", False),
    "cp1251": ("id;place;region\n1;Харків;\n2;Львів;Львівська\n".encode("cp1251"), "cp1251", True),
    "blank_lines": (b"id,place,region\n1,Lviv,\n\n2,Odessa,\n\n", "utf-8-sig", False),
    "blank_line_crlf": (b"id,place\r\n1,Lviv\r\n\r\n2,Odessa\r\n", "utf-8-sig", False),
    "bare_cr_one_column": (b"place\nLv\riv\nOdessa\n", "utf-8-sig", False),
    "cr_at_the_end": (b"place\nLviv\nOdessa\r", "utf-8-sig", False),
    "empty_cells_row": (b"id,place,region\n1,Lviv,\n,,\n", "utf-8-sig", True),
    "ragged_rows": (b"id,place,region\n1,Lviv,,extra,cells\n2,Odessa\n3,Kupiansk,Kharkiv\n", "utf-8-sig", False),
    "nul_in_cell": (b"id,place,region\n1,Lv\x00iv,\n2,Odessa,\n", "utf-8-sig", False),
    "quoted_delimiters_and_quotes": (b'id,place,region\n1,"Lviv, city",\n3,"the ""Kupiansk""",x\n', "utf-8-sig", True),
    "unbalanced_quote": (b'id,place,region\n1,"Kyiv,\n2,Lviv,\n3,Odesa,\n', "utf-8-sig", False),
    "bare_cr_in_cell": (b"id,place,region\n1,Ly\riv,\n2,Odessa,\n", "utf-8-sig", False),
    "tsv_cells_start_with_quote": (b'id\tplace\n1\t"Kyiv\n2\t"Lviv\n3\tOdesa\n', "utf-8-sig", False),
    "text_after_closing_quote": (b'id,place\n1,"Lviv"ska\n2,Odessa\n', "utf-8-sig", True),
    "header_only": (b"id,place,region\n", "utf-8-sig", False),
    "empty": (b"", "utf-8-sig", False),
    "bad_utf8": (b"id,place\n1,Lviv\n2,\xff\xfe\n", "utf-8-sig", False),
    "cell_over_csv_limit": (b"id,place\n1," + b"a" * 140_000 + b"\n2,Lviv\n", "utf-8-sig", False),
    "cell_over_1mb": (b"id,place,note\n1,Lviv," + ("ї" * 600_000).encode() + b"\n2,Odessa,x\n", "utf-8-sig", False),
    "quoted_header": (b'"id","place"\n1,Lviv\n', "utf-8-sig", False),
    "output_column_present": (b"id,place,gaz_status\n1,Lviv,x\n", "utf-8-sig", False),
}


def _run(tmp_path: Path, name: str, data: bytes, encoding: str, engine: str, **kw) -> tuple[object, bytes | None]:
    src = tmp_path / f"{name}.csv"
    src.write_bytes(data)
    dst = tmp_path / f"{name}.{engine}.out.csv"
    hint = "region" if b"region" in data.split(b"\n", 1)[0] else None
    try:
        statuses = enrich_file(
            src, dst, column="place", oblast_column=hint, encoding=encoding, progress=False, engine=engine, **kw
        )
    except BatchError as exc:
        assert not dst.exists()
        return f"BatchError: {exc}", None
    return statuses, dst.read_bytes()


def _parsed(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    delimiter = batch_arrow_delimiter(text)
    limit = csv.field_size_limit(1 << 30)  # the outputs keep over-long cells as they were
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    finally:
        csv.field_size_limit(limit)


def batch_arrow_delimiter(text: str) -> str:
    from gazetteer.batch import sniff_delimiter

    return sniff_delimiter(text.split("\n", 1)[0])


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_auto_engine_gives_the_streaming_output(tmp_path: Path, name: str) -> None:
    data, encoding, _ = FIXTURES[name]
    streamed, stream_out = _run(tmp_path, name, data, encoding, "stream")
    auto, auto_out = _run(tmp_path, name, data, encoding, "auto")
    assert auto == streamed  # the same statuses, or the same one-line error
    if stream_out is not None:
        assert _parsed(auto_out) == _parsed(stream_out)
        rows = _parsed(stream_out)
        assert sum(streamed.values()) == len(rows) - 1


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_arrow_engine_takes_only_what_it_can_promise(tmp_path: Path, name: str) -> None:
    data, encoding, takes = FIXTURES[name]
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    hint = "region" if b"region" in data.split(b"\n", 1)[0] else None
    call = dict(column="place", oblast_column=hint, encoding=encoding, progress=False)
    if takes:
        from gazetteer.resolve import default_resolver

        counts = batch_arrow.enrich_csv(src, tmp_path / "out.csv", resolver=default_resolver(), **call)
        assert sum(counts.values()) >= 1
    else:
        with pytest.raises((batch_arrow.Unsupported, BatchError)):
            batch_arrow.enrich_csv(src, tmp_path / "out.csv", resolver=None, **call)
        assert not (tmp_path / "out.csv").exists()
        if name not in ("empty", "bad_utf8", "output_column_present"):
            stats = enrich_file(src, tmp_path / "out2.csv", engine="arrow", **call)
            assert stats.notes[0].startswith("the Arrow engine handed this input to the streaming engine")


@pytest.mark.parametrize("name", sorted(n for n, (_, _, takes) in FIXTURES.items() if takes))
def test_files_the_arrow_engine_takes_come_out_byte_for_byte(tmp_path: Path, name: str) -> None:
    data, encoding, _ = FIXTURES[name]
    _, stream_out = _run(tmp_path, name, data, encoding, "stream")
    arrowed, arrow_out = _run(tmp_path, name, data, encoding, "arrow")
    assert not arrowed.notes  # the Arrow engine did the work itself
    assert arrow_out == stream_out


def _random_file(rng: random.Random, rows: int, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n", delimiter=delimiter)
    w.writerow(["n", "place", "region", "note"])
    for i in range(rows):
        note = rng.choice(["", "x", "a, b", 'say "hi"', "a\tb", "ї" * rng.randrange(0, 50)])
        w.writerow([i, rng.choice(NAMES), rng.choice(HINTS), note])
    return out.getvalue().encode()


def test_many_batches_of_random_rows_match_the_stream(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)  # dozens of record batches
    data = _random_file(random.Random(4), 3000)
    streamed, stream_out = _run(tmp_path, "random", data, "utf-8-sig", "stream")
    arrowed, arrow_out = _run(tmp_path, "random", data, "utf-8-sig", "arrow")
    assert isinstance(arrowed, Counter) and arrowed == streamed and not arrowed.notes
    assert arrow_out == stream_out
    assert [r[0] for r in _parsed(arrow_out)[1:]] == [str(i) for i in range(3000)]


def test_tsv_into_csv_quotes_the_cells_that_now_hold_the_delimiter(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)
    data = _random_file(random.Random(5), 1000, delimiter="\t")
    src = tmp_path / "in.tsv"
    src.write_bytes(data)
    outs = {}
    for engine in ("stream", "arrow"):
        dst = tmp_path / f"{engine}.csv"
        stats = enrich_file(src, dst, column="place", oblast_column="region", progress=False, engine=engine)
        assert not stats.notes
        outs[engine] = dst.read_bytes()
    assert b'"a, b"' in outs["stream"]
    assert outs["arrow"] == outs["stream"]


def test_each_distinct_name_and_hint_is_resolved_once_across_batches(tmp_path: Path, monkeypatch) -> None:
    import gazetteer.batch as batch

    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)
    asked: list[tuple[object, object]] = []
    real = batch._name_row

    def counting(resolver, online=None, **kw):
        row_fn = real(resolver, online, **kw)

        def ask(query, hint):
            asked.append((query, hint))
            return row_fn(query, hint)

        return ask

    monkeypatch.setattr(batch, "_name_row", counting)
    data = _random_file(random.Random(6), 3000)
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    stats = enrich_file(
        src, tmp_path / "out.csv", column="place", oblast_column="region", progress=False, engine="arrow"
    )
    assert not stats.notes and sum(stats.values()) == 3000
    pairs = {(r[1], r[2]) for r in _parsed(data)[1:]}
    assert sorted(asked) == sorted(pairs)  # every pair asked, none twice


def test_forgetting_answers_past_the_limit_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)
    monkeypatch.setattr(batch_arrow, "MAX_ANSWERS", 5)  # forgotten before nearly every batch
    data = _random_file(random.Random(7), 2000)
    streamed, stream_out = _run(tmp_path, "random", data, "utf-8-sig", "stream")
    arrowed, arrow_out = _run(tmp_path, "random", data, "utf-8-sig", "arrow")
    assert arrowed == streamed and not arrowed.notes
    assert arrow_out == stream_out


def test_a_failing_write_leaves_no_output_and_no_thread_behind(tmp_path: Path, monkeypatch) -> None:
    import threading

    from gazetteer.resolve import default_resolver

    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)

    def broken(self, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(batch_arrow._Writer, "_write_rows", broken)
    src = tmp_path / "in.csv"
    src.write_bytes(_random_file(random.Random(8), 2000))
    with pytest.raises(OSError, match="No space"):
        batch_arrow.enrich_csv(
            src, tmp_path / "out.csv", column="place", oblast_column="region", resolver=default_resolver()
        )
    assert list(tmp_path.iterdir()) == [src]
    assert not [t for t in threading.enumerate() if t.name.startswith("gazetteer-csv")]


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(FIXTURES["plain"][0])
    with pytest.raises(BatchError, match="unknown engine"):
        enrich_file(src, tmp_path / "out.csv", column="place", engine="fast")


def test_a_delimiter_outside_ascii_goes_to_the_streaming_engine(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("id¦place\n1¦Lviv\n2¦Odessa\n".encode())
    outs = {}
    for engine in ("stream", "arrow"):
        dst = tmp_path / f"{engine}.csv"
        stats = enrich_file(src, dst, column="place", delimiter="¦", progress=False, engine=engine)
        outs[engine] = (dict(stats), dst.read_bytes())
        if engine == "arrow":  # pyarrow takes one ASCII byte as delimiter: handed over, not a traceback
            assert stats.notes[0].startswith("the Arrow engine handed this input to the streaming engine")
    assert outs["arrow"] == outs["stream"]


def test_worker_processes_write_the_same_bytes_and_are_stopped_after(tmp_path: Path, monkeypatch) -> None:
    import multiprocessing

    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)
    monkeypatch.setattr(batch_arrow, "PARALLEL_MIN", 1)  # every batch's new pairs go to the workers
    started: list[object] = []
    real = batch_arrow._Answers._workers

    def spying(self):
        pool = real(self)
        started.append(pool)
        return pool

    monkeypatch.setattr(batch_arrow._Answers, "_workers", spying)
    data = _random_file(random.Random(9), 1500)
    streamed, stream_out = _run(tmp_path, "random", data, "utf-8-sig", "stream")
    arrowed, arrow_out = _run(tmp_path, "random", data, "utf-8-sig", "arrow", jobs=2)
    assert started and all(pool is not None for pool in started)  # the workers did the resolving
    assert arrowed == streamed and not arrowed.notes
    assert arrow_out == stream_out
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("jobs", [0, -2, 1.5, "2", True])
def test_jobs_must_be_a_positive_whole_number(tmp_path: Path, jobs) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(FIXTURES["plain"][0])
    with pytest.raises(BatchError, match="jobs must be a positive whole number"):
        enrich_file(src, tmp_path / "out.csv", column="place", jobs=jobs)
    assert not (tmp_path / "out.csv").exists()


def test_jobs_where_no_workers_serve_say_so_in_the_notes(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(FIXTURES["plain"][0])
    stats = enrich_file(src, tmp_path / "out.jsonl", column="place", oblast_column="region", progress=False, jobs=2)
    assert sum(stats.values()) == 3
    assert any("resolved in one process" in note for note in stats.notes)
    stats = enrich_file(src, tmp_path / "out.csv", column="place", oblast_column="region", progress=False, jobs=2)
    assert not stats.notes  # the Arrow engine took it (three rows: no workers were needed either)


def test_a_script_without_the_main_guard_gets_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    import subprocess
    import sys

    src = tmp_path / "in.csv"
    src.write_text("place\n" + "\n".join(f"Kupiansk{i}" for i in range(600)) + "\n", encoding="utf-8")
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from gazetteer.batch import enrich_file\n"
        f"enrich_file({str(src)!r}, {str(tmp_path / 'out.csv')!r}, column='place', progress=False, jobs=2)\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("gazetteer.errors.BatchError:") and "if __name__ == " in last
    assert not (tmp_path / "out.csv").exists()


# --strict and hint cells that name no unit ----------------------------------------------------------------
def _strict_stop(src: Path, dst: Path, **kw) -> str:
    """The one-line error of a --strict run of ``src`` (UnreadHint), asserting nothing was written."""
    from gazetteer.batch import UnreadHint

    with pytest.raises(UnreadHint) as info:
        enrich_file(src, dst, column="place", progress=False, strict=True, **kw)
    assert not dst.exists() and not list(dst.parent.glob(f".{dst.name}*"))  # no part file left either
    return str(info.value)


@pytest.mark.parametrize("level", ["oblast", "raion"])
@pytest.mark.parametrize("engine", ["stream", "arrow", "auto"])
def test_strict_stops_at_the_first_hint_that_names_no_unit(tmp_path: Path, level: str, engine: str) -> None:
    """README: a hint that names no unit is left out (gaz_reason says so); --strict stops at the first one,
    naming its line and value, nothing written: in either engine, for the oblast and the raion column."""
    src = tmp_path / "in.csv"
    good = "Kharkiv" if level == "oblast" else "Куп'янський"
    src.write_text(
        f"n,place,{level}\n1,Kupiansk,{good}\n2,Lviv,\n3,,Narnia\n4,Kupiansk,Narnia\n5,Lviv,Mordor\n", encoding="utf-8"
    )
    column = {f"{level}_column": level}
    loose = enrich_file(src, tmp_path / "loose.csv", column="place", progress=False, engine=engine, **column)
    assert sum(loose.values()) == 5  # without --strict: every row, the hint left out and said
    said = (tmp_path / "loose.csv").read_text(encoding="utf-8")
    assert f"{level} hint 'Narnia' names no {level}" in said and f"{level} hint 'Mordor'" in said
    message = _strict_stop(src, tmp_path / "out.csv", engine=engine, **column)
    # Line 5 (row 4), not line 4: a row whose place cell is empty is not looked up, so no hint of it is read.
    assert message == f"{src}: line 5: no {level} of Ukraine is called 'Narnia' (the row's hint; --strict)"


def test_strict_with_a_sound_hint_column_writes_what_the_loose_run_writes(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place,region\nKupiansk,Kharkiv\nLviv,\nRadkivka,Харківська область\n,Narnia\n", encoding="utf-8")
    outs = {}
    for strict in (False, True):
        dst = tmp_path / f"{strict}.csv"
        enrich_file(src, dst, column="place", oblast_column="region", progress=False, engine="arrow", strict=strict)
        outs[strict] = dst.read_bytes()
    assert outs[True] == outs[False]


def test_the_arrow_engine_itself_stops_at_the_line_the_streaming_engine_names(tmp_path: Path, monkeypatch) -> None:
    """Dozens of batches; the unread hint first appears deep in the file, beside rows that repeat it later
    and rows met before: the Arrow engine (not handed over) names the line the streaming engine names."""
    from gazetteer.batch import UnreadHint
    from gazetteer.resolve import default_resolver

    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)
    lines = _random_file(random.Random(11), 2500).decode("utf-8").splitlines(keepends=True)
    lines[1700] = "1699,Lviv,Narnia,x\n"  # line 1701
    lines[1850] = "1849,Odessa,Atlantis,y\n"
    lines[2000] = "1999,Lviv,Narnia,z\n"
    src = tmp_path / "in.csv"
    src.write_text("".join(lines), encoding="utf-8")
    streamed = _strict_stop(src, tmp_path / "out.csv", oblast_column="region", engine="stream")
    with pytest.raises(UnreadHint) as info:
        batch_arrow.enrich_csv(
            src, tmp_path / "out.csv", column="place", oblast_column="region", resolver=default_resolver(), strict=True
        )
    assert str(info.value) == streamed and info.value.line == 1701 and "'Narnia'" in streamed
    assert not (tmp_path / "out.csv").exists()


def test_worker_processes_stop_at_the_same_line(tmp_path: Path, monkeypatch) -> None:
    import multiprocessing

    monkeypatch.setattr(batch_arrow, "BLOCK_SIZE", 4096)
    monkeypatch.setattr(batch_arrow, "PARALLEL_MIN", 1)  # every batch's new pairs go to the workers
    lines = _random_file(random.Random(12), 1500).decode("utf-8").splitlines(keepends=True)
    lines[900] = "899,Kupiansk,Narnia,x\n"
    src = tmp_path / "in.csv"
    src.write_text("".join(lines), encoding="utf-8")
    streamed = _strict_stop(src, tmp_path / "out.csv", oblast_column="region", engine="stream")
    assert _strict_stop(src, tmp_path / "out.csv", oblast_column="region", engine="arrow", jobs=2) == streamed
    assert "line 901:" in streamed and not multiprocessing.active_children()
