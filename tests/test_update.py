"""data update: download GeoNames UA.zip from a local server, rebuild, swap in; failures keep the old extract."""

from __future__ import annotations

import http.server
import io
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest

from gazetteer import store
from gazetteer.build.update import download, read_member, reset, update
from gazetteer.errors import UpdateError

# GeoNames dump rows (19 columns): Kupiansk with a made-up population, Kharkiv, and a village.
DUMP_ROWS = [
    [
        "703656",
        "Kupiansk",
        "Kupiansk",
        "Kup'yans'k,Kupjansk,Куп'янськ,Купянск",
        "49.71003",
        "37.61581",
        "P",
        "PPLA2",
        "UA",
        "",
        "07",
        "",
        "",
        "",
        "31000",
        "",
        "100",
        "Europe/Kyiv",
        "2024-01-01",
    ],
    [
        "706483",
        "Kharkiv",
        "Kharkiv",
        "Kharkov,Харків,Харьков",
        "49.98081",
        "36.25272",
        "P",
        "PPLA",
        "UA",
        "",
        "07",
        "",
        "",
        "",
        "1430885",
        "",
        "152",
        "Europe/Kyiv",
        "2024-01-01",
    ],
    [
        "709161",
        "Berlin",
        "Berlin",
        "",
        "52.52",
        "13.4",
        "P",
        "PPLC",
        "DE",
        "",
        "16",
        "",
        "",
        "",
        "3400000",
        "",
        "",
        "Europe/Berlin",
        "2024-01-01",
    ],
]
ALT_ROWS = [
    ["1", "703656", "uk", "Куп’янськ", "1", "", "", "", "", ""],
    ["2", "703656", "ru", "Купянск", "", "", "", "", "", ""],
    ["3", "703656", "link", "https://example.invalid/Kupiansk", "", "", "", "", "", ""],
]


def zipped(member: str, rows: list[list[str]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, "".join("\t".join(r) + "\n" for r in rows))
    return buf.getvalue()


class Server:
    """A local HTTP server whose routes map a path to (status, headers, body, cut) answers."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict, bytes, bool]] = {}
        self.hits: list[str] = []
        self.dribble: dict[str, float] = {}  # path -> seconds between bytes of the body
        routes, hits, dribble = self.routes, self.hits, self.dribble

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                hits.append(self.path)
                status, headers, body, cut = routes.get(self.path, (404, {}, b"not here", False))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.path in dribble:
                    try:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(dribble[self.path])
                    except OSError:  # the client gave up
                        return
                    return
                self.wfile.write(body[: len(body) // 2] if cut else body)
                if cut:
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_download_refuses_oversized_body(server: Server, tmp_path: Path) -> None:
    server.routes["/big"] = (200, {}, b"x" * 5000, False)
    with pytest.raises(UpdateError, match="limit"):
        download(server.url + "/big", tmp_path / "f", max_bytes=1000)


def test_download_detects_interruption(server: Server, tmp_path: Path) -> None:
    server.routes["/cut"] = (200, {}, b"y" * 200_000, True)
    with pytest.raises(UpdateError, match="interrupted|failed"):
        download(server.url + "/cut", tmp_path / "f")


def test_download_reports_http_errors(server: Server, tmp_path: Path) -> None:
    server.routes["/err"] = (500, {}, b"boom", False)
    with pytest.raises(UpdateError, match="HTTP 500"):
        download(server.url + "/err", tmp_path / "f")


def test_zip_entry_escaping_the_folder_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zipped("../../etc/UA.txt", DUMP_ROWS))
    with pytest.raises(UpdateError, match="escapes"):
        read_member(archive, "UA.txt")


def test_corrupt_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bad.zip"
    archive.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(UpdateError, match="not a valid zip"):
        read_member(archive, "UA.txt")


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zipped("UA.txt", [["0" * 1000]] * 2000))
    with pytest.raises(UpdateError, match="unpacks to more"):
        read_member(archive, "UA.txt", max_unpacked=100_000)


@pytest.mark.parametrize("route", ["corrupt", "cut", "missing"])
def test_failed_update_keeps_the_previous_extract(server: Server, home: Path, route: str) -> None:
    body = zipped("UA.txt", DUMP_ROWS)
    server.routes["/corrupt"] = (200, {}, body[:40] + b"\x00" * 50 + body[90:], False)
    server.routes["/cut"] = (200, {}, body * 50, True)
    before = store.data_dir()
    with pytest.raises(UpdateError):
        update(f"{server.url}/{route}", with_alternate_names=False, home=home)
    assert not (home / "current").exists()
    assert store.installed_data_dir() is None and store.data_dir() == before
    assert list((home / "extracts").iterdir()) == []


@pytest.mark.slow
def test_update_end_to_end_swaps_in_a_rebuilt_extract(server: Server, home: Path, monkeypatch) -> None:
    server.routes["/UA.zip"] = (200, {}, zipped("UA.txt", DUMP_ROWS), False)
    server.routes["/alt/UA.zip"] = (200, {}, zipped("UA.txt", ALT_ROWS), False)
    monkeypatch.setenv("GAZETTEER_HOME", str(home))
    manifest = update(server.url + "/UA.zip", server.url + "/alt/UA.zip", force=True)  # 2 points: a big loss
    assert server.hits == ["/UA.zip", "/alt/UA.zip"]
    assert manifest["counts"]["geonames_places"] == 2 and manifest["counts"]["geonames_joined"] == 2
    installed = store.installed_data_dir()
    assert installed is not None and installed.parent == home / "extracts"
    try:
        store.reset_cache()
        ex = store.get_extract()
        assert ex.path == installed
        kupiansk = next(s for s in ex.settlements if s.geonameid == 703656)
        assert kupiansk.population == 31000 and kupiansk.coord_precision == "point"
        assert sum(s.coord_precision == "point" for s in ex.settlements) == 2
    finally:
        assert reset(home)
        store.reset_cache()
    assert store.data_dir() == store.bundled_data_dir()


# -- refusing a rebuilt extract that loses data ---------------------------------------------------------
@pytest.mark.slow
def test_update_refuses_an_extract_that_loses_most_points_unless_forced(server: Server, home: Path) -> None:
    server.routes["/UA.zip"] = (200, {}, zipped("UA.txt", DUMP_ROWS), False)
    from gazetteer.build.update import extract_counts

    before = store.data_dir()
    points = extract_counts(store.get_extract())["points"]
    assert points > 1000
    with pytest.raises(UpdateError, match="--force") as info:
        update(server.url + "/UA.zip", with_alternate_names=False, home=home)
    assert f"points (settlements with their own coordinates) {points:,} -> 2 " in str(info.value)
    assert "kept the current extract" in str(info.value)
    assert not (home / "current").exists() and store.data_dir() == before
    assert list((home / "extracts").iterdir()) == []
    try:
        manifest = update(server.url + "/UA.zip", with_alternate_names=False, home=home, force=True)
        assert manifest["counts"]["geonames_joined"] == 2 and (home / "current").exists()
    finally:
        reset(home)
        store.reset_cache()


def test_loss_guard_compares_points_names_and_settlements() -> None:
    from gazetteer.build.update import losses

    old = {"settlements": 29703, "points": 5025, "names": 600000}
    assert losses(old, {"settlements": 29703, "points": 5100, "names": 601000}) == []
    assert losses(old, {"settlements": 29703, "points": 5000, "names": 599000}) == []  # small shares
    lost = losses(old, {"settlements": 29703, "points": 10, "names": 599000})
    assert len(lost) == 1 and "points" in lost[0] and "5,025" in lost[0] and "10" in lost[0]
    assert len(losses(old, {"settlements": 100, "points": 5025, "names": 40000})) == 2


# -- only https (or http) for the URL and every redirect --------------------------------------------
@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/UA.zip", "gopher://127.0.0.1/x"])
def test_download_refuses_other_schemes(tmp_path: Path, url: str) -> None:
    with pytest.raises(UpdateError, match="only https"):
        download(url, tmp_path / "f")
    assert not (tmp_path / "f").exists() or (tmp_path / "f").read_bytes() == b""


@pytest.mark.parametrize("target", ["ftp://127.0.0.1:1/UA.zip", "file:///etc/passwd"])
def test_download_refuses_a_redirect_to_another_scheme(server: Server, tmp_path: Path, target: str) -> None:
    server.routes["/moved"] = (302, {"Location": target}, b"", False)
    with pytest.raises(UpdateError, match="redirect.*not allowed|only https"):
        download(server.url + "/moved", tmp_path / "f")


def test_download_follows_a_redirect_to_http_on_the_same_machine(server: Server, tmp_path: Path) -> None:
    server.routes["/moved"] = (302, {"Location": "/here"}, b"", False)
    server.routes["/here"] = (200, {}, b"hello", False)
    assert download(server.url + "/moved", tmp_path / "f") == 5
    assert (tmp_path / "f").read_bytes() == b"hello"


def test_update_refuses_a_file_url(home: Path, tmp_path: Path) -> None:
    local = tmp_path / "UA.zip"
    local.write_bytes(zipped("UA.txt", DUMP_ROWS))
    with pytest.raises(UpdateError, match="only https"):
        update(local.as_uri(), with_alternate_names=False, home=home)


# -- a total deadline ----------------------------------------------------------------------------------
def test_download_has_a_total_deadline_even_when_bytes_keep_trickling(server: Server, tmp_path: Path) -> None:
    server.routes["/slow"] = (200, {}, b"z" * 200, False)
    server.dribble["/slow"] = 0.05  # each byte arrives well within any read timeout; all take 10 s
    started = time.monotonic()
    with pytest.raises(UpdateError, match="deadline|time"):
        download(server.url + "/slow", tmp_path / "f", timeout=1)
    assert time.monotonic() - started < 3


# -- zip bombs: a hard cap on bytes actually produced -----------------------------------------------------
def _bomb(path: Path, real_bytes: int, declared: int) -> None:
    """A zip whose one member inflates to ``real_bytes`` while its headers declare ``declared``."""
    import struct

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("UA.txt", "w", force_zip64=False) as fh:
        chunk = b"0" * (1 << 20)
        for _ in range(real_bytes >> 20):
            fh.write(chunk)
    data = bytearray(buf.getvalue())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    local = data.find(b"PK\x03\x04")
    if struct.unpack_from("<H", data, local + 6)[0] & 0x08 == 0:
        struct.pack_into("<I", data, local + 22, declared)
    path.write_bytes(bytes(data))


def test_zip_bomb_with_lying_sizes_is_stopped_without_inflating_it(tmp_path: Path) -> None:
    import tracemalloc

    archive = tmp_path / "bomb.zip"
    _bomb(archive, real_bytes=300 << 20, declared=1000)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(UpdateError):
            read_member(archive, "UA.txt", max_unpacked=100_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 << 20
    assert time.monotonic() - started < 2


def test_zip_member_over_the_cap_is_refused_by_the_bytes_it_produces(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    _bomb(archive, real_bytes=8 << 20, declared=8 << 20)
    with pytest.raises(UpdateError, match="unpacks to more"):
        read_member(archive, "UA.txt", max_unpacked=1 << 20)


def test_download_counts_the_bytes_a_gzip_body_inflates_to(server: Server, tmp_path: Path) -> None:
    import gzip

    server.routes["/gz"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(b"0" * (20 << 20)), False)
    with pytest.raises(UpdateError, match="limit"):
        download(server.url + "/gz", tmp_path / "f", max_bytes=1 << 20)
    assert (tmp_path / "f").stat().st_size <= 1 << 20


def test_cli_update_refuses_a_file_url_in_one_line(tmp_path: Path, home: Path, monkeypatch, capsys) -> None:
    from gazetteer.cli import main

    monkeypatch.setenv("GAZETTEER_HOME", str(home))
    assert main(["data", "update", "--url", "file:///etc/passwd", "--no-alternate-names"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "only https" in err
