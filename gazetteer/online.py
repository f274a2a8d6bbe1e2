"""Optional online geocoding through geopy, every answer checked against the gazetteer before use.

>>> from gazetteer.resolve import default_resolver
>>> from gazetteer.online import online_lookup
>>> res = default_resolver().lookup("Радьківка", oblast="Kharkiv")
>>> res.match.settlement.coord_precision  # only the hromada's centroid is known offline
'hromada_centroid'
>>> better = online_lookup(res, user_agent="my-project/1.0 (me@example.org)")  # doctest: +SKIP
>>> better.match.settlement.coord_precision, better.reason  # doctest: +SKIP
('online:nominatim', 'coordinates from nominatim: ...')

Providers: ``nominatim`` (default; its usage policy requires a user agent naming your application:
``user_agent=`` or ``$GAZETTEER_USER_AGENT``), ``geonames`` (``username=`` or
``$GAZETTEER_GEONAMES_USERNAME``) and ``photon``. Other settings come from arguments or the environment:
``$GAZETTEER_ONLINE_PROVIDER``, ``$GAZETTEER_ONLINE_DOMAIN``, ``$GAZETTEER_ONLINE_SCHEME`` (default
``https``), ``$GAZETTEER_ONLINE_TIMEOUT`` (seconds, default 10), ``$GAZETTEER_ONLINE_MIN_DELAY`` (seconds
between requests, default 1) and ``$GAZETTEER_CACHE`` (folder of the answer cache).

What it asks: the canonical Ukrainian name plus its oblast, restricted to Ukraine; for a name the
gazetteer does not know, the user's text (plus the oblast hint). What it accepts: an answer of a settlement
kind, inside Ukraine, and near the expected settlement (within a bound set by how coarse the offline
coordinates are: 40 km of a hromada centroid, 80 km of a raion centroid) or, for an unknown name, near a
gazetteer settlement with a similar name. Everything else is a :class:`Rejection`, reported in the
resolution's ``reason`` and in :attr:`OnlineResult.rejections`; nothing is accepted silently.

How it asks, as separate layers around one geopy call: geopy's ``RateLimiter`` (spacing), bounded retries
with exponential backoff on 429 (honouring ``Retry-After``), 5xx and timeouts, and an on-disk SQLite cache
keyed by provider, endpoint, normalized query and parameters. Answers (empty ones too) are stored as soon as
they arrive, so a re-run or an interrupted batch never asks the same question twice. Credentials never enter
cache keys, stored answers, logs or error messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from geopy.adapters import URLLibAdapter
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
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import GeoNames, Nominatim, Photon
from geopy.geocoders.base import Geocoder
from geopy.point import Point
from rapidfuzz import fuzz

from gazetteer.errors import OnlineError
from gazetteer.geocoder import UKRAINE_BBOX, distance_km, spatial_index
from gazetteer.model import Match, Resolution, Settlement
from gazetteer.normalize import fold_key
from gazetteer.resolve import Resolver, default_resolver

__all__ = [
    "PROVIDERS",
    "Answer",
    "OnlineBadResponse",
    "OnlineCache",
    "OnlineConfigError",
    "OnlineGeocoder",
    "OnlineRateLimited",
    "OnlineRefused",
    "OnlineResult",
    "OnlineSettings",
    "OnlineTimeout",
    "OnlineUnavailable",
    "Rejection",
    "default_cache_path",
    "online_lookup",
    "online_lookup_many",
    "with_cache",
    "with_retries",
]

log = logging.getLogger(__name__)


# -- errors ---------------------------------------------------------------------------------------
class OnlineConfigError(OnlineError, ValueError):
    """A setting is missing or wrong (no user agent for Nominatim, no GeoNames username, unknown provider)."""


class OnlineRateLimited(OnlineError):
    """The service kept answering 429 (or asked to wait longer than allowed); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class OnlineTimeout(OnlineError, TimeoutError):
    """The service did not answer in time, after all retries."""


class OnlineUnavailable(OnlineError, ConnectionError):
    """The service failed (5xx, connection refused), after all retries."""


class OnlineRefused(OnlineError, PermissionError):
    """The service refused the request (bad query, authentication, quota): retrying will not help."""


class OnlineBadResponse(OnlineError, ValueError):
    """The service answered something that is not the JSON it should send."""


# -- credentials stay out of logs and messages ----------------------------------------------------
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_CREDENTIAL_KEYS = frozenset(
    {"username", "user", "key", "apikey", "api_key", "token", "access_token", "password", "secret"}
)


def _redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            msg = record.getMessage()
            clean = _redact(msg)
            if clean != msg:
                record.msg, record.args = clean, ()
        return True


_FILTER = _RedactFilter()
for _name in ("geopy", __name__):  # geopy logs request URLs (GeoNames puts the username in them)
    logging.getLogger(_name).addFilter(_FILTER)


def _register_secret(value: str | None) -> None:
    if value and len(value) >= 3:
        with _SECRETS_LOCK:
            _SECRETS.update({value, quote(value), quote_plus(value)})  # as typed and as it appears in URLs


def _strip_credentials(obj: Any) -> Any:
    """A copy of a JSON-like answer without credential-looking keys and with secrets redacted."""
    if isinstance(obj, dict):
        return {k: _strip_credentials(v) for k, v in obj.items() if str(k).lower() not in _CREDENTIAL_KEYS}
    if isinstance(obj, list):
        return [_strip_credentials(v) for v in obj]
    if isinstance(obj, str):
        return _redact(obj)
    return obj


# -- settings -------------------------------------------------------------------------------------
def default_cache_path() -> Path:
    """``online.sqlite`` in :func:`gazetteer.store.cache_dir` (``$GAZETTEER_CACHE`` or ~/.cache/gazetteer)."""
    from gazetteer.store import cache_dir

    return cache_dir() / "online.sqlite"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _number(value: object, name: str) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise OnlineConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if x < 0 or x != x:
        raise OnlineConfigError(f"{name} must be >= 0, not {value!r}")
    return x


@dataclass(frozen=True)
class OnlineSettings:
    """How to reach a provider and how politely. Build it with :meth:`from_env` (arguments win over env).

    ``max_attempts`` bounds tries per question (429, 5xx, timeouts); the wait between them doubles from
    ``backoff_seconds`` unless the service sends ``Retry-After`` (obeyed up to ``max_retry_after`` seconds,
    beyond that :class:`OnlineRateLimited` is raised at once). ``cache_path=None`` uses
    :func:`default_cache_path`; ``use_cache=False`` keeps nothing on disk.
    """

    provider: str = "nominatim"
    user_agent: str | None = None
    username: str | None = field(default=None, repr=False)
    domain: str | None = None
    scheme: str = "https"
    timeout: float = 10.0
    min_delay_seconds: float = 1.0
    max_attempts: int = 3
    backoff_seconds: float = 1.0
    max_retry_after: float = 120.0
    limit: int = 10
    language: str = "uk"
    cache_path: str | Path | None = None
    use_cache: bool = True

    @classmethod
    def from_env(cls, provider: str | None = None, **settings: Any) -> OnlineSettings:
        """Settings from arguments, then ``GAZETTEER_*`` environment variables, then defaults."""
        unknown = set(settings) - set(cls.__dataclass_fields__) - {"provider"}
        if unknown:
            raise TypeError(f"unknown online settings: {', '.join(sorted(unknown))}")
        name = provider or settings.pop("provider", None) or _env("GAZETTEER_ONLINE_PROVIDER") or "nominatim"
        settings.pop("provider", None)
        name = str(name).strip().lower()
        if name not in PROVIDERS:
            raise OnlineConfigError(f"unknown online provider {name!r}; choose one of {', '.join(PROVIDERS)}")
        s = dict(settings)
        s["user_agent"] = s.get("user_agent") or _env("GAZETTEER_USER_AGENT")
        s["username"] = s.get("username") or _env("GAZETTEER_GEONAMES_USERNAME")
        s["domain"] = s.get("domain") or _env("GAZETTEER_ONLINE_DOMAIN")
        s["scheme"] = (s.get("scheme") or _env("GAZETTEER_ONLINE_SCHEME") or "https").lower()
        if s["scheme"] not in ("http", "https"):
            raise OnlineConfigError(f"scheme must be http or https, not {s['scheme']!r}")
        timeout = s.get("timeout")
        s["timeout"] = _number(timeout if timeout is not None else _env("GAZETTEER_ONLINE_TIMEOUT") or 10.0, "timeout")
        delay = s.get("min_delay_seconds")
        s["min_delay_seconds"] = _number(
            delay if delay is not None else _env("GAZETTEER_ONLINE_MIN_DELAY") or 1.0, "min_delay_seconds"
        )
        s = {k: v for k, v in s.items() if v is not None}
        out = cls(provider=name, **s)
        if out.max_attempts < 1:
            raise OnlineConfigError("max_attempts must be at least 1")
        return out


# -- answers --------------------------------------------------------------------------------------
#: Kinds of places that are settlements, in OSM's vocabulary (Nominatim, Photon).
SETTLEMENT_TYPES = frozenset({"city", "town", "village", "hamlet"})


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of a provider, reduced to what verification needs."""

    provider: str
    name: str
    lat: float
    lon: float
    kind: str  # "place/village", "P/PPL", ...
    settlement_kind: bool
    country: str | None  # ISO code as the provider reports it, lower case; None if not reported


@dataclass(frozen=True, slots=True)
class Rejection:
    """An answer that was not used, and why."""

    answer: Answer
    why: str

    def __str__(self) -> str:
        a = self.answer
        return f"{a.name!r} at {a.lat:.4f},{a.lon:.4f}: {self.why}"


@dataclass(frozen=True)
class OnlineResult:
    """What one online lookup did: the new resolution, the answers it got and the ones it rejected."""

    resolution: Resolution
    query: str | None = None
    answers: tuple[Answer, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    accepted: tuple[Answer, ...] = ()
    asked: bool = False


def _floats(lat: object, lon: object) -> tuple[float, float] | None:
    try:
        return float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _parse_nominatim(raw: dict) -> Answer | None:
    ll = _floats(raw.get("lat"), raw.get("lon"))
    if ll is None:
        return None
    cls, typ = str(raw.get("class") or raw.get("category") or ""), str(raw.get("type") or "")
    addresstype = str(raw.get("addresstype") or "")
    ok = (cls == "place" and typ in SETTLEMENT_TYPES) or (
        cls == "boundary" and (typ in SETTLEMENT_TYPES or addresstype in SETTLEMENT_TYPES)
    )
    address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    name = raw.get("name") or str(raw.get("display_name") or "").split(",")[0]
    country = address.get("country_code")
    return Answer(
        "nominatim", str(name).strip(), ll[0], ll[1], f"{cls}/{typ}", ok, str(country).lower() if country else None
    )


def _parse_geonames(raw: dict) -> Answer | None:
    ll = _floats(raw.get("lat"), raw.get("lng"))
    if ll is None:
        return None
    fcl, fcode = str(raw.get("fcl") or ""), str(raw.get("fcode") or "")
    country = raw.get("countryCode")
    return Answer(
        "geonames",
        str(raw.get("name") or raw.get("toponymName") or ""),
        ll[0],
        ll[1],
        f"{fcl}/{fcode}",
        fcl == "P",
        str(country).lower() if country else None,
    )


def _parse_photon(raw: dict) -> Answer | None:
    geometry = raw.get("geometry") if isinstance(raw.get("geometry"), dict) else {}
    coords = geometry.get("coordinates") or [None, None]
    ll = _floats(coords[1], coords[0]) if len(coords) >= 2 else None
    if ll is None:
        return None
    props = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    key, value = str(props.get("osm_key") or ""), str(props.get("osm_value") or props.get("type") or "")
    country = props.get("countrycode")
    return Answer(
        "photon",
        str(props.get("name") or ""),
        ll[0],
        ll[1],
        f"{key}/{value}",
        key == "place" and value in SETTLEMENT_TYPES,
        str(country).lower() if country else None,
    )


# -- providers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Provider:
    """How to build a geopy geocoder for a service, what to pass it, and how to read its answers."""

    name: str
    make: Callable[[OnlineSettings], Geocoder]
    params: Callable[[OnlineSettings], dict[str, Any]]
    parse: Callable[[dict], Answer | None]
    with_oblast: bool  # whether a free-text "name, oblast" query helps this service


def _common(s: OnlineSettings, default_domain: str) -> dict[str, Any]:
    return {
        "scheme": s.scheme,
        "timeout": s.timeout,
        "domain": s.domain or default_domain,
        "adapter_factory": URLLibAdapter,
    }


def _make_nominatim(s: OnlineSettings) -> Geocoder:
    if not s.user_agent:
        raise OnlineConfigError(
            "Nominatim requires a user agent that names your application (OSM usage policy): pass "
            "user_agent='my-project/1.0 (me@example.org)' or set GAZETTEER_USER_AGENT"
        )
    return Nominatim(user_agent=s.user_agent, **_common(s, "nominatim.openstreetmap.org"))


def _make_geonames(s: OnlineSettings) -> Geocoder:
    if not s.username:
        raise OnlineConfigError("GeoNames needs a (free) account: pass username= or set GAZETTEER_GEONAMES_USERNAME")
    _register_secret(s.username)
    return GeoNames(username=s.username, user_agent=s.user_agent or "gazetteer", **_common(s, "api.geonames.org"))


def _make_photon(s: OnlineSettings) -> Geocoder:
    return Photon(user_agent=s.user_agent or "gazetteer", **_common(s, "photon.komoot.io"))


_BBOX = [Point(UKRAINE_BBOX[0], UKRAINE_BBOX[1]), Point(UKRAINE_BBOX[2], UKRAINE_BBOX[3])]

PROVIDERS: dict[str, Provider] = {
    "nominatim": Provider(
        "nominatim",
        _make_nominatim,
        lambda s: {"country_codes": "ua", "addressdetails": True, "limit": s.limit, "language": s.language},
        _parse_nominatim,
        True,
    ),
    "geonames": Provider("geonames", _make_geonames, lambda s: {"country": "UA"}, _parse_geonames, False),
    "photon": Provider(
        "photon", _make_photon, lambda s: {"limit": s.limit, "osm_tag": "place", "bbox": _BBOX}, _parse_photon, True
    ),
}


# -- the layers: retries, cache ---------------------------------------------------------------------
Fetch = Callable[[str, dict], list]


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
    refusals (4xx) and malformed answers. Messages are redacted of credentials; geopy's exception (which
    may carry a URL with credentials) is not chained.
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
            except (GeocoderTimedOut, TimeoutError) as exc:
                last = OnlineTimeout(f"no answer in time after {attempt} attempts ({_redact(str(exc))})")
            except GeocoderParseError:
                raise OnlineBadResponse("the service answered something that is not valid JSON") from None
            except (
                GeocoderQueryError,
                GeocoderAuthenticationFailure,
                GeocoderInsufficientPrivileges,
                GeocoderQuotaExceeded,
                ConfigurationError,
            ) as exc:
                raise OnlineRefused(f"the service refused the request: {_redact(str(exc))}") from None
            except (GeocoderUnavailable, GeocoderServiceError, OSError) as exc:
                last = OnlineUnavailable(f"the service failed after {attempt} attempts: {_redact(str(exc))}")
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


def _normalize(query: str) -> str:
    return " ".join(unicodedata.normalize("NFC", query).casefold().split())


class OnlineCache:
    """Answers on disk in SQLite, one row per question; safe across threads and interrupted runs."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        with self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, provider TEXT NOT NULL, "
                "query TEXT NOT NULL, params TEXT NOT NULL, answers TEXT NOT NULL, "
                "created REAL NOT NULL)"
            )
        self._finalizer = weakref.finalize(self, self._db.close)

    @staticmethod
    def key(namespace: str, query: str, params: dict) -> str:
        blob = json.dumps(
            {"ns": namespace, "q": _normalize(query), "p": params}, sort_keys=True, ensure_ascii=False, default=str
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> list | None:
        with self._lock:
            row = self._db.execute("SELECT answers FROM answers WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, namespace: str, query: str, params: dict, answers: list) -> None:
        data = json.dumps(_strip_credentials(answers), ensure_ascii=False)
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (key, namespace, _normalize(query), json.dumps(params, sort_keys=True, default=str), data, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        self._finalizer()


class _Cached:
    """A fetch function behind the cache; counts hits and misses."""

    def __init__(self, func: Fetch, cache: OnlineCache, namespace: str) -> None:
        self.func, self.cache, self.namespace = func, cache, namespace
        self.hits = self.misses = 0

    def __call__(self, query: str, params: dict) -> list:
        key = self.cache.key(self.namespace, query, params)
        found = self.cache.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        answers = self.func(query, params)
        self.cache.put(key, self.namespace, query, params, answers)
        return _strip_credentials(answers)


def with_cache(func: Fetch, cache: OnlineCache, namespace: str) -> Fetch:
    """Wrap a fetch function so each (namespace, normalized query, params) is asked once, ever.

    ``namespace`` names the provider and endpoint (never credentials); failures are not cached.
    """
    return _Cached(func, cache, namespace)


# -- the online geocoder ----------------------------------------------------------------------------
#: How far (km) an online answer may lie from the offline coordinates, by what those coordinates are.
BOUND_KM = {"point": 10.0, "hromada_centroid": 40.0, "raion_centroid": 80.0, "oblast_centroid": 250.0}
#: Minimal name similarity (0-100, on folded keys) for an answer to stand for a gazetteer settlement.
MIN_NAME_SIMILARITY = 85.0
_PRECISION_LABEL = {
    "point": "offline point",
    "hromada_centroid": "hromada centroid",
    "raion_centroid": "raion centroid",
    "oblast_centroid": "oblast centroid",
}


def _bound(s: Settlement) -> float:
    return BOUND_KM.get(s.coord_precision, BOUND_KM["point"])


def _oblast_phrase(s: Settlement) -> str:
    if s.oblast_id.startswith(("UA80", "UA85")):
        return ""
    return s.oblast_uk if s.oblast_id.startswith("UA01") else f"{s.oblast_uk} область"


def _join_reason(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


class OnlineGeocoder:
    """One provider behind cache, retries and rate limit, plus the checks against the gazetteer.

    >>> with OnlineGeocoder("photon", min_delay_seconds=1) as og:  # doctest: +SKIP
    ...     og.lookup(default_resolver().lookup("Радьківка", oblast="Kharkiv")).resolution.status
    'resolved'
    """

    def __init__(
        self,
        provider: str | None = None,
        *,
        resolver: Resolver | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **settings: Any,
    ) -> None:
        self.settings = OnlineSettings.from_env(provider, **settings)
        s = self.settings
        self.provider = PROVIDERS[s.provider]
        self.resolver = resolver or default_resolver()
        self.geolocator = self.provider.make(s)
        geolocator, params = self.geolocator, self.provider.params(s)
        self._params = params

        def ask(query: str, kwargs: dict) -> list:
            log.debug("online: asking %s for %r", s.provider, query)
            found = geolocator.geocode(query, exactly_one=False, **kwargs)
            return [loc.raw for loc in (found or [])]

        # Layers, inside out: geopy call <- RateLimiter (spacing) <- retries/backoff <- disk cache.
        self._limited = RateLimiter(ask, min_delay_seconds=s.min_delay_seconds, max_retries=0, swallow_exceptions=False)
        fetch = with_retries(
            self._limited,
            max_attempts=s.max_attempts,
            backoff_seconds=s.backoff_seconds,
            max_retry_after=s.max_retry_after,
            sleep=sleep,
        )
        self.cache: OnlineCache | None = None
        if s.use_cache:
            self.cache = OnlineCache(s.cache_path or default_cache_path())
            endpoint = f"{s.scheme}://{s.domain or 'default'}"
            fetch = with_cache(fetch, self.cache, f"{s.provider}|{endpoint}")
        self._fetch = fetch

    def __repr__(self) -> str:
        return f"OnlineGeocoder({self.settings.provider!r}, domain={self.settings.domain!r})"

    def __enter__(self) -> OnlineGeocoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    @property
    def cache_hits(self) -> int:
        return getattr(self._fetch, "hits", 0)

    # -- asking -------------------------------------------------------------------------------------
    def search(self, query: str) -> list[Answer]:
        """Ask the provider (through cache, retries, rate limit) and parse its answers."""
        raws = self._fetch(query, self._params)
        if not isinstance(raws, list):
            raise OnlineBadResponse("the service answered JSON of an unexpected shape")
        out = []
        for raw in raws:
            a = self.provider.parse(raw) if isinstance(raw, dict) else None
            if a is not None:
                out.append(a)
        return out

    def query_for(self, res: Resolution, oblast: str | None = None) -> str | None:
        """The question to ask for a resolution, or None when asking makes no sense."""
        if res.status == "invalid":
            return None
        if res.status == "resolved" and res.match is not None:
            s = res.match.settlement
            return ", ".join(p for p in (s.name_uk, self.provider.with_oblast and _oblast_phrase(s)) if p)
        if res.status == "ambiguous" and res.candidates:
            return res.candidates[0].settlement.name_uk
        text = str(res.query).strip()
        if oblast and self.provider.with_oblast and oblast.lower() not in text.lower():
            text = f"{text}, {oblast}"
        return text or None

    # -- the full step --------------------------------------------------------------------------------
    def lookup(self, res: Resolution, *, oblast: str | None = None) -> OnlineResult:
        """Improve one offline :class:`Resolution` with verified online coordinates.

        resolved with centroid coordinates -> the same settlement with the online point
        (``coord_precision == "online:<provider>"``); not_found -> resolved if an answer lies near a
        gazetteer settlement of a similar name; ambiguous -> stays ambiguous, candidates get online
        points where an answer fits them. Rejected answers are listed in ``reason``.
        """
        if (
            res.status == "resolved"
            and res.match is not None
            and (
                res.match.settlement.coord_precision == "point" or res.match.settlement.coord_precision not in BOUND_KM
            )
        ):
            return OnlineResult(res)  # own point already, or already moved online
        hinted = self.resolver.parse_hints(oblast=oblast).oblasts if oblast else None
        query = self.query_for(res, oblast)
        if query is None:
            return OnlineResult(res)
        answers = self.search(query)
        name = self.provider.name
        rejections: list[Rejection] = []
        if res.status == "resolved" and res.match is not None:
            targets = [res.match]
        elif res.status == "ambiguous":
            targets = [m for m in res.candidates if hinted is None or m.settlement.oblast_id in hinted]
        else:
            targets = []
        fits: dict[int, tuple[float, Answer]] = {}  # target index -> (distance, answer)
        found: list[tuple[float, float, Settlement, Answer]] = []  # for unknown names
        for a in answers:
            why = self._outside(a)
            if why is None and targets:
                why = self._fit_targets(a, targets, fits)
            elif why is None:
                why = self._fit_unknown(a, query, res, hinted, found)
            if why is not None:
                rejections.append(Rejection(a, why))
        rejected = ""
        if rejections:
            shown = "; ".join(str(r) for r in rejections[:3])
            more = f" (and {len(rejections) - 3} more)" if len(rejections) > 3 else ""
            rejected = f"{name} answers rejected: {shown}{more}"
        if not answers:
            return OnlineResult(
                replace(res, reason=_join_reason(res.reason, f"{name}: no answer for {query!r}")),
                query,
                (),
                (),
                (),
                True,
            )
        if res.status == "resolved" and res.match is not None:
            if 0 not in fits:
                return OnlineResult(
                    replace(res, reason=_join_reason(res.reason, rejected)),
                    query,
                    tuple(answers),
                    tuple(rejections),
                    (),
                    True,
                )
            d, a = fits[0]
            s = res.match.settlement
            new = self._moved(res.match, a)
            why = f"coordinates from {name}: {a.name!r} {d:.1f} km from the {_PRECISION_LABEL.get(s.coord_precision)}"
            cands = tuple(new if c is res.match else c for c in res.candidates) or (new,)
            return OnlineResult(
                replace(res, reason=_join_reason(res.reason, why, rejected), match=new, candidates=cands),
                query,
                tuple(answers),
                tuple(rejections),
                (a,),
                True,
            )
        if res.status == "ambiguous":
            index = {id(m): i for i, m in enumerate(targets)}
            cands = tuple(
                self._moved(m, fits[index[id(m)]][1]) if id(m) in index and index[id(m)] in fits else m
                for m in res.candidates
            )
            note = f"{name} located {len(fits)} of {len(targets)} candidates" if fits else ""
            return OnlineResult(
                replace(res, reason=_join_reason(res.reason, note, rejected), candidates=cands),
                query,
                tuple(answers),
                tuple(rejections),
                tuple(a for _, a in fits.values()),
                True,
            )
        if not found:
            return OnlineResult(
                replace(res, reason=_join_reason(res.reason, rejected)),
                query,
                tuple(answers),
                tuple(rejections),
                (),
                True,
            )
        found.sort(key=lambda f: (-f[0], f[1]))
        sim, d, s, a = found[0]
        m = Match(s, 0.7 + 0.2 * (sim - MIN_NAME_SIMILARITY) / (100 - MIN_NAME_SIMILARITY), "online", a.name)
        new = self._moved(m, a)
        why = (
            f"found online by {name} as {a.name!r}, {d:.1f} km from the gazetteer's {s.label} "
            f"({_PRECISION_LABEL.get(s.coord_precision)})"
        )
        return OnlineResult(
            Resolution(
                res.query,
                "resolved",
                _join_reason(why, rejected),
                new,
                (new,) + tuple(c for c in res.candidates if c.id != s.id),
            ),
            query,
            tuple(answers),
            tuple(rejections),
            (a,),
            True,
        )

    # -- checks -------------------------------------------------------------------------------------
    def _outside(self, a: Answer) -> str | None:
        """Why an answer cannot be used whatever was asked (kind, country), or None."""
        if not a.settlement_kind:
            return f"not a settlement ({a.kind})"
        if a.country is not None and a.country != "ua":
            return f"outside Ukraine (country {a.country.upper()})"
        index = spatial_index(self.resolver)
        if not index.inside_ukraine(a.lat, a.lon):
            return "outside Ukraine (no known settlement nearby)"
        return None

    def _where(self, a: Answer) -> str:
        near = spatial_index(self.resolver).nearest(a.lat, a.lon, 1)
        return f"{near[0][1].oblast_uk} oblast" if near else "unknown oblast"

    def _fit_targets(self, a: Answer, targets: Sequence[Match], fits: dict[int, tuple[float, Answer]]) -> str | None:
        best: tuple[float, int] | None = None
        for i, m in enumerate(targets):
            s = m.settlement
            d = distance_km(a.lat, a.lon, s.lat, s.lon)
            if d <= _bound(s) and (best is None or d < best[0]):
                best = (d, i)
        if best is None:
            s = targets[0].settlement
            d = distance_km(a.lat, a.lon, s.lat, s.lon)
            what = f"{d:.0f} km from the expected {s.label}'s {_PRECISION_LABEL.get(s.coord_precision)}"
            if len(targets) > 1:
                what = f"near none of the {len(targets)} candidates"
            return f"wrong place: {what} (limit {_bound(s):.0f} km); it lies in {self._where(a)}"
        d, i = best
        if i in fits:
            return f"a better answer already fits {targets[i].label}"
        fits[i] = (d, a)
        return None

    def _fit_unknown(
        self,
        a: Answer,
        query: str,
        res: Resolution,
        hinted: frozenset[str] | None,
        found: list[tuple[float, float, Settlement, Answer]],
    ) -> str | None:
        keys = {k for k in (fold_key(a.name), fold_key(str(res.query))) if k}
        if not keys:
            return "no name to compare"
        near = spatial_index(self.resolver).nearest(a.lat, a.lon, k=400, max_km=max(BOUND_KM.values()))
        similar = []
        for d, s in near:
            if d > _bound(s):
                continue
            sim = max(fuzz.ratio(k, sk) for k in keys for sk in (fold_key(s.name_uk), fold_key(s.name_en)) if sk)
            if sim >= MIN_NAME_SIMILARITY:
                similar.append((sim, d, s))
        if not similar:
            return "no settlement of a similar name near it in the gazetteer"
        if hinted is not None:
            inside = [x for x in similar if x[2].oblast_id in hinted]
            if not inside:
                return f"in the wrong oblast: {similar[0][2].label}, not in the hinted oblast"
            similar = inside
        found.extend((sim, d, s, a) for sim, d, s in similar)
        return None

    def _moved(self, m: Match, a: Answer) -> Match:
        s = replace(m.settlement, lat=a.lat, lon=a.lon, coord_precision=f"online:{self.provider.name}")
        return replace(m, settlement=s)


# -- the public entry points --------------------------------------------------------------------------
def online_lookup(
    resolution: Resolution, *, provider: str | None = None, oblast: str | None = None, **settings: Any
) -> Resolution:
    """Improve one offline resolution with a verified online answer (see :meth:`OnlineGeocoder.lookup`).

    Raises :class:`OnlineConfigError` for missing settings (user agent, username) and other
    :class:`~gazetteer.errors.OnlineError` subclasses when the service fails after retries.
    """
    with OnlineGeocoder(provider, **settings) as og:
        return og.lookup(resolution, oblast=oblast).resolution


def _needs_online(res: Resolution) -> bool:
    if res.status in ("not_found", "ambiguous"):
        return True
    return (
        res.status == "resolved"
        and res.match is not None
        and res.match.settlement.coord_precision in BOUND_KM
        and res.match.settlement.coord_precision != "point"
    )


def online_step(og: OnlineGeocoder, res: Resolution, oblast: str | None = None, *, errors: str = "keep") -> Resolution:
    """The online step for one row of a batch: ask only when the offline answer falls short.

    With ``errors="keep"`` a failed question keeps the offline resolution, the failure in its reason; rate
    limiting, refusal and configuration errors always raise, since every later row would fail the same way.
    """
    if not _needs_online(res):
        return res
    try:
        return og.lookup(res, oblast=oblast or None).resolution
    except (OnlineRateLimited, OnlineConfigError, OnlineRefused):
        raise
    except OnlineError as exc:
        if errors == "raise":
            raise
        return replace(res, reason=_join_reason(res.reason, f"online lookup failed: {exc}"))


def online_lookup_many(
    resolutions: Iterable[Resolution],
    *,
    provider: str | None = None,
    oblasts: Iterable[str | None] | None = None,
    errors: str = "raise",
    geocoder: OnlineGeocoder | None = None,
    progress: Callable[[int, int], None] | None = None,
    **settings: Any,
) -> list[Resolution]:
    """Online step for a batch: the resolutions that need it (not resolved, or centroid coordinates).

    Each answer is cached on disk the moment it arrives: kill the batch and run it again, and only the
    questions not yet answered are asked. ``errors="keep"`` keeps the offline resolution (with the failure
    in its reason) when one question fails; rate limiting and configuration errors always stop the batch.
    ``progress(done, total)`` is called after each item.
    """
    if errors not in ("raise", "keep"):
        raise ValueError(f"errors must be 'raise' or 'keep', not {errors!r}")
    items = list(resolutions)
    hints = list(oblasts) if oblasts is not None else [None] * len(items)
    if len(hints) != len(items):
        raise ValueError(f"{len(hints)} oblast hints for {len(items)} resolutions")
    own = geocoder is None
    og = geocoder or OnlineGeocoder(provider, **settings)
    out: list[Resolution] = []
    try:
        for i, (res, oblast) in enumerate(zip(items, hints, strict=True), 1):
            out.append(online_step(og, res, oblast, errors=errors))
            if progress is not None:
                progress(i, len(items))
    finally:
        if own:
            og.close()
    return out
