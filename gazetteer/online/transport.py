"""HTTP for every download and online question: allowed schemes, a total deadline, a cap on bytes, redaction.

>>> from gazetteer.online.transport import fetch
>>> got = fetch("https://download.geonames.org/export/dump/UA.zip", deadline=60, max_bytes=50_000_000)  # doctest: +SKIP
>>> got.status, len(got.body)  # doctest: +SKIP
(200, 3245678)

Rules, the same for ``data update`` and for ``--online``:

* **Schemes**: ``https``; ``http`` only to this machine (localhost, 127.0.0.0/8, ::1) for local testing, or
  anywhere when ``$GAZETTEER_ALLOW_HTTP=1`` (a self-hosted Nominatim on a private network). Never
  ``file://``, ``ftp://`` or anything else, neither as the URL nor as any redirect (followed by hand, at
  most :data:`MAX_REDIRECTS`, each checked).
* **A total deadline**: the whole exchange (connect, redirects, headers, body) ends within ``deadline``
  seconds or :class:`~gazetteer.errors.OnlineTimeout` is raised, however slowly the server trickles bytes.
  The request runs in a worker thread that the caller stops waiting for at the deadline (the worker
  notices within one read and closes the connection).
* **A cap on bytes**: a body (after any content decoding: a gzip bomb counts at its inflated size) longer
  than ``max_bytes`` raises :class:`ResponseTooLarge` as soon as the cap is passed; nothing more is read.
* **Redaction**: credentials registered with :func:`register_secret` (the GeoNames username) are replaced
  by ``***`` in every message and log line of gazetteer and geopy.

Built on httpx (``gazetteer[online]`` or ``gazetteer[build]``).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from gazetteer.errors import OnlineBadResponse, OnlineTimeout, OnlineUnavailable, UnsafeURL

__all__ = [
    "MAX_REDIRECTS",
    "Fetched",
    "ResponseTooLarge",
    "check_url",
    "fetch",
    "redact",
    "register_secret",
]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_CHUNK = 1 << 16
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Bytes of an error body (4xx/5xx) kept for the message.
_ERROR_BODY_BYTES = 4096


class ResponseTooLarge(OnlineBadResponse):
    """The answer was longer than the allowed number of bytes; ``limit`` holds that number."""

    def __init__(self, message: str, limit: int) -> None:
        self.limit = limit
        super().__init__(message)


# -- credentials stay out of logs and messages ----------------------------------------------------
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a credential so :func:`redact` (and the log filter) hide it, as typed and URL-encoded."""
    if value and len(value) >= 3:
        with _SECRETS_LOCK:
            _SECRETS.update({value, quote(value), quote_plus(value)})


def redact(text: str) -> str:
    """``text`` with every registered credential replaced by ``***``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            msg = record.getMessage()
            clean = redact(msg)
            if clean != msg:
                record.msg, record.args = clean, ()
        return True


_FILTER = _RedactFilter()
for _name in ("geopy", "httpx", "httpcore", "gazetteer.online"):  # request URLs may carry the GeoNames username
    logging.getLogger(_name).addFilter(_FILTER)


# -- which URLs may be fetched ------------------------------------------------------------------------
def _local(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: Any, *, redirect_from: str | None = None) -> Any:
    """The URL as an ``httpx.URL`` if it may be fetched, else :class:`~gazetteer.errors.UnsafeURL`."""
    import httpx

    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeURL(f"not a valid URL: {redact(str(url))!r} ({exc})") from None
    scheme = parsed.scheme.lower()
    ok = scheme == "https" or (
        scheme == "http" and (_local(parsed.host) or os.environ.get("GAZETTEER_ALLOW_HTTP", "").strip() == "1")
    )
    if ok and parsed.host:
        return parsed
    shown = redact(str(url))
    why = (
        "only https URLs (and http to this machine, or anywhere with GAZETTEER_ALLOW_HTTP=1) are allowed, "
        f"not {scheme + '://' if scheme else 'a URL without a scheme'}"
    )
    if redirect_from is not None:
        raise UnsafeURL(f"redirect from {redact(redirect_from)} to {shown} is not allowed: {why}")
    raise UnsafeURL(f"{shown}: {why}")


# -- one exchange -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fetched:
    """What :func:`fetch` got: the final URL (after redirects), status, lower-case headers and the body
    (empty when a ``sink`` took it; ``size`` counts the bytes either way)."""

    url: str
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    size: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def fetch(
    url: Any,
    *,
    deadline: float,
    max_bytes: int,
    headers: dict[str, str] | None = None,
    sink: Callable[[bytes], Any] | None = None,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET ``url`` under the rules of this module; the body goes to ``sink`` (chunk by chunk) or into memory.

    Raises :class:`~gazetteer.errors.UnsafeURL`, :class:`~gazetteer.errors.OnlineTimeout` (deadline),
    :class:`ResponseTooLarge`, :class:`~gazetteer.errors.OnlineUnavailable` (connection refused, cut or
    reset) or :class:`~gazetteer.errors.OnlineBadResponse` (too many redirects). An HTTP error status is
    not raised: it is returned, with at most 4 KiB of its body.
    """
    if not deadline > 0:
        raise ValueError(f"deadline must be a positive number of seconds, not {deadline!r}")
    start = check_url(url)
    cancel = threading.Event()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["ok"] = _exchange(start, deadline, max_bytes, headers or {}, sink, max_redirects, cancel)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="gazetteer-fetch", daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        cancel.set()
        raise OnlineTimeout(
            f"no complete answer from {start.host} within the deadline of {deadline:g} s "
            f"(waited {time.monotonic() - started:.1f} s)"
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["ok"]


def _exchange(
    url: Any,
    deadline: float,
    max_bytes: int,
    headers: dict[str, str],
    sink: Callable[[bytes], Any] | None,
    max_redirects: int,
    cancel: threading.Event,
) -> Fetched:
    import httpx

    host = url.host
    try:
        with httpx.Client(timeout=httpx.Timeout(deadline), follow_redirects=False) as client:
            for _ in range(max_redirects + 1):
                with client.stream("GET", url, headers=headers) as resp:
                    location = resp.headers.get("location")
                    if resp.status_code in _REDIRECTS and location:
                        url = check_url(resp.url.join(location), redirect_from=str(resp.url))
                        host = url.host
                        continue
                    ok = resp.status_code < 400
                    limit = max_bytes if ok else _ERROR_BODY_BYTES
                    declared = resp.headers.get("content-length", "")
                    if ok and declared.isdigit() and int(declared) > max_bytes:
                        raise ResponseTooLarge(
                            f"the answer from {host} is {int(declared):,} bytes, larger than the limit of "
                            f"{max_bytes:,} bytes",
                            max_bytes,
                        )
                    size, parts = 0, []
                    for chunk in resp.iter_bytes(_CHUNK):
                        if cancel.is_set():
                            raise OnlineTimeout(f"no complete answer from {host} within the deadline")
                        size += len(chunk)
                        if size > limit:
                            if not ok:
                                break
                            raise ResponseTooLarge(
                                f"the answer from {host} is larger than the limit of {max_bytes:,} bytes", max_bytes
                            )
                        if sink is not None and ok:
                            sink(chunk)
                        else:
                            parts.append(chunk)
                    return Fetched(
                        str(resp.url),
                        resp.status_code,
                        {k.lower(): v for k, v in resp.headers.items()},
                        b"".join(parts),
                        size,
                    )
    except httpx.TimeoutException:
        raise OnlineTimeout(f"no complete answer from {host} within the deadline of {deadline:g} s") from None
    except httpx.RemoteProtocolError as exc:
        raise OnlineUnavailable(f"the connection to {host} was cut or broken: {redact(str(exc))}") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise UnsafeURL(f"cannot fetch from {host}: {redact(str(exc))}") from None
    except (httpx.TransportError, OSError) as exc:
        raise OnlineUnavailable(f"cannot reach {host}: {redact(str(exc)) or type(exc).__name__}") from None
    except httpx.DecodingError as exc:
        raise OnlineBadResponse(f"the answer from {host} cannot be decoded: {exc}") from None
    raise OnlineBadResponse(f"more than {max_redirects} redirects from {host}")
