"""gazetteer.online.transport: which URLs are fetched, a total deadline whatever the server does, a byte cap."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from gazetteer.errors import OnlineTimeout, UnsafeURL
from gazetteer.online.transport import ResponseTooLarge, check_url, fetch


@pytest.mark.parametrize(
    "url",
    ["https://download.geonames.org/x.zip", "http://127.0.0.1:8000/UA.zip", "http://localhost/x", "http://[::1]/x"],
)
def test_allowed_urls(url):
    assert check_url(url).host


@pytest.mark.parametrize(
    "url",
    ["http://download.geonames.org/x.zip", "file:///etc/passwd", "ftp://example.org/x", "gopher://x/", "/etc/passwd"],
)
def test_refused_urls(url, monkeypatch):
    monkeypatch.delenv("GAZETTEER_ALLOW_HTTP", raising=False)
    with pytest.raises(UnsafeURL, match="only https"):
        check_url(url)


def test_plain_http_elsewhere_only_when_allowed(monkeypatch):
    monkeypatch.setenv("GAZETTEER_ALLOW_HTTP", "1")
    assert check_url("http://nominatim.internal:8080/search").host == "nominatim.internal"
    with pytest.raises(UnsafeURL):
        check_url("file:///etc/passwd")


@pytest.fixture
def trickler() -> Iterator[tuple[int, dict]]:
    """A raw TCP server that sends its answer one byte every 0.1 s, starting with the status line."""
    state = {"stop": False, "body": b"x" * 10}
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)

    def serve() -> None:
        while not state["stop"]:
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                data = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(state["body"]), state["body"])
                try:
                    for i in range(len(data)):
                        if state["stop"]:
                            break
                        conn.sendall(data[i : i + 1])
                        time.sleep(0.1)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1], state
    finally:
        state["stop"] = True
        thread.join(5)
        srv.close()


def test_deadline_holds_while_even_the_headers_trickle(trickler):
    port, _ = trickler
    started = time.monotonic()
    with pytest.raises(OnlineTimeout, match="deadline"):
        fetch(f"http://127.0.0.1:{port}/", deadline=1.0, max_bytes=1000)
    assert time.monotonic() - started < 1.5


def test_a_body_without_length_is_cut_at_the_cap():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve() -> None:
        conn, _ = srv.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                for _ in range(200):  # 200 x 64 KiB, no Content-Length
                    conn.sendall(b"y" * 65536)
            except OSError:
                pass

    threading.Thread(target=serve, daemon=True).start()
    got: list[bytes] = []
    with pytest.raises(ResponseTooLarge):
        fetch(f"http://127.0.0.1:{srv.getsockname()[1]}/", deadline=10, max_bytes=100_000, sink=got.append)
    srv.close()
    assert sum(map(len, got)) <= 100_000
