"""The answer cache (SQLite on disk) and the retry layer around one provider call.

Layers, inside out: geopy call (over the transport) <- geopy's ``RateLimiter`` (spacing) <-
:func:`with_retries` (backoff, errors mapped to :class:`~gazetteer.errors.OnlineError`) <- :func:`with_cache`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geopy.exc import (
    ConfigurationError,
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderParseError,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)

from gazetteer.errors import (
    OnlineBadResponse,
    OnlineCacheError,
    OnlineError,
    OnlineRateLimited,
    OnlineRefused,
    OnlineTimeout,
    OnlineUnavailable,
)
from gazetteer.online.transport import redact

__all__ = ["Fetch", "OnlineCache", "strip_credentials", "with_cache", "with_retries"]

log = logging.getLogger(__name__)

Fetch = Callable[[str, dict], list]

_CREDENTIAL_KEYS = frozenset(
    {"username", "user", "key", "apikey", "api_key", "token", "access_token", "password", "secret"}
)


def strip_credentials(obj: Any) -> Any:
    """A copy of a JSON-like answer without credential-looking keys and with secrets redacted."""
    if isinstance(obj, dict):
        return {k: strip_credentials(v) for k, v in obj.items() if str(k).lower() not in _CREDENTIAL_KEYS}
    if isinstance(obj, list):
        return [strip_credentials(v) for v in obj]
    if isinstance(obj, str):
        return redact(obj)
    return obj


# -- retries --------------------------------------------------------------------------------------
def with_retries(
    func: Fetch,
    *,
    max_attempts: int = 3,
    backoff_seconds: float = 1.0,
    max_retry_after: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetch:
    """Wrap a geopy call: bounded retries with backoff, geopy errors turned into :class:`OnlineError`s.

    Retried: 429 (waiting ``Retry-After`` when sent), timeouts, 5xx and connection failures. Not retried:
    refusals (4xx), malformed or oversized answers and refused URLs. Messages are redacted of
    credentials; geopy's exception (which may carry a URL with credentials) is not chained.
    """

    def call(query: str, params: dict) -> list:
        last: OnlineError | None = None
        for attempt in range(1, max_attempts + 1):
            wait = backoff_seconds * 2 ** (attempt - 1)
            try:
                return func(query, params)
            except GeocoderRateLimited as exc:
                if exc.retry_after is not None:
                    wait = float(exc.retry_after)
                if wait > max_retry_after:
                    raise OnlineRateLimited(
                        f"rate limited: the service asks to wait {wait:.0f} s", retry_after=wait
                    ) from None
                last = OnlineRateLimited(f"rate limited (429) {attempt} times", retry_after=wait)
            except OnlineTimeout as exc:
                last = OnlineTimeout(f"{exc} (attempt {attempt} of {max_attempts})")
            except OnlineUnavailable as exc:
                last = OnlineUnavailable(f"{exc} (attempt {attempt} of {max_attempts})")
            except OnlineError:
                raise
            except (GeocoderTimedOut, TimeoutError) as exc:
                last = OnlineTimeout(f"no answer in time after {attempt} attempts ({redact(str(exc))})")
            except GeocoderParseError:
                raise OnlineBadResponse("the service answered something that is not valid JSON") from None
            except (
                GeocoderQueryError,
                GeocoderAuthenticationFailure,
                GeocoderInsufficientPrivileges,
                GeocoderQuotaExceeded,
                ConfigurationError,
            ) as exc:
                raise OnlineRefused(f"the service refused the request: {redact(str(exc))}") from None
            except (GeocoderUnavailable, GeocoderServiceError, OSError) as exc:
                last = OnlineUnavailable(f"the service failed after {attempt} attempts: {redact(str(exc))}")
            except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
                raise OnlineBadResponse(
                    f"the service answered JSON of an unexpected shape ({type(exc).__name__})"
                ) from None
            if attempt < max_attempts:
                log.info("online: %s; retrying in %.1f s (attempt %d of %d)", last, wait, attempt + 1, max_attempts)
                sleep(wait)
        assert last is not None
        raise last

    return call


# -- the cache ------------------------------------------------------------------------------------
def _normalize(query: str) -> str:
    return " ".join(unicodedata.normalize("NFC", query).casefold().split())


class OnlineCache:
    """Answers on disk in SQLite, one row per question; safe across threads and interrupted runs.

    A damaged file, or a lock another process holds longer than ``lock_timeout`` seconds, raises
    :class:`~gazetteer.errors.OnlineCacheError` with a one-line message naming the file. A row that
    does not decode is treated as not cached (asked again and replaced).
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OnlineCacheError(f"cannot create the online answer cache folder {self.path.parent}: {exc}") from None
        self._db: sqlite3.Connection | None = None
        with self._guard():
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=lock_timeout)
            with self._db:
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, provider TEXT NOT NULL, "
                    "query TEXT NOT NULL, params TEXT NOT NULL, answers TEXT NOT NULL, "
                    "created REAL NOT NULL)"
                )
        self._finalizer = weakref.finalize(self, self._db.close)

    def _guard(self) -> _Guard:
        return _Guard(self)

    @staticmethod
    def key(namespace: str, query: str, params: dict) -> str:
        blob = json.dumps(
            {"ns": namespace, "q": _normalize(query), "p": params}, sort_keys=True, ensure_ascii=False, default=str
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> list | None:
        with self._lock, self._guard():
            row = self._db.execute("SELECT answers FROM answers WHERE key = ?", (key,)).fetchone()  # type: ignore[union-attr]
        if not row:
            return None
        try:
            found = json.loads(row[0])
        except (TypeError, ValueError):
            return None
        return found if isinstance(found, list) else None

    def put(self, key: str, namespace: str, query: str, params: dict, answers: list) -> None:
        data = json.dumps(strip_credentials(answers), ensure_ascii=False)
        with self._lock, self._guard(), self._db:  # type: ignore[union-attr]
            self._db.execute(  # type: ignore[union-attr]
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (key, namespace, _normalize(query), json.dumps(params, sort_keys=True, default=str), data, time.time()),
            )

    def __len__(self) -> int:
        with self._lock, self._guard():
            return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]  # type: ignore[union-attr]

    def close(self) -> None:
        if self._db is not None:
            self._finalizer()


class _Guard:
    """SQLite errors -> one-line :class:`OnlineCacheError`s that say what to do."""

    def __init__(self, cache: OnlineCache) -> None:
        self.cache = cache

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or not isinstance(exc, sqlite3.Error):
            return False
        path = self.cache.path
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
            raise OnlineCacheError(
                f"the online answer cache {path} is locked by another process for more than "
                f"{self.cache.lock_timeout:g} s; wait for it to finish, or set GAZETTEER_CACHE to another folder"
            ) from None
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc).lower():
            raise OnlineCacheError(f"cannot open the online answer cache {path}: {exc}") from None
        raise OnlineCacheError(
            f"the online answer cache {path} is damaged ({exc}); delete it to start a new one"
        ) from None


class _Cached:
    """A fetch function behind the cache; counts hits and misses; keeps at most ``limit`` results."""

    def __init__(self, func: Fetch, cache: OnlineCache, namespace: str, limit: int | None) -> None:
        self.func, self.cache, self.namespace, self.limit = func, cache, namespace, limit
        self.hits = self.misses = 0

    def __call__(self, query: str, params: dict) -> list:
        key = self.cache.key(self.namespace, query, params)
        found = self.cache.get(key)
        if found is not None:
            self.hits += 1
            return found[: self.limit]
        self.misses += 1
        answers = self.func(query, params)
        if isinstance(answers, list):
            answers = answers[: self.limit]
        self.cache.put(key, self.namespace, query, params, answers)
        return strip_credentials(answers)


def with_cache(func: Fetch, cache: OnlineCache, namespace: str, *, limit: int | None = None) -> Fetch:
    """Wrap a fetch function so each (namespace, normalized query, params) is asked once, ever.

    ``namespace`` names the provider and endpoint (never credentials); failures are not cached; only
    the first ``limit`` results are kept.
    """
    return _Cached(func, cache, namespace, limit)
