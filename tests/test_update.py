"""data update: download GeoNames UA.zip from a local server, rebuild, swap in; failures keep the old extract."""

from __future__ import annotations

import http.server
import io
import socket
import threading
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
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                hits.append(self.path)
                status, headers, body, cut = routes.get(self.path, (404, {}, b"not here", False))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
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
    manifest = update(server.url + "/UA.zip", server.url + "/alt/UA.zip")
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
