"""Optional online geocoding through geopy, every answer checked against the gazetteer before use.

>>> from gazetteer.resolve import default_resolver
>>> from gazetteer.online import online_lookup
>>> res = default_resolver().lookup("Шевченкове", oblast="Kharkiv")
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
gazetteer does not know, the user's text (plus the oblast hint). What it accepts
(:mod:`gazetteer.online.verify`): an answer of a settlement kind, inside Ukraine's border, **whose name
matches what was asked** (the settlement's official name, a spelling the gazetteer resolves to it, or the
user's own words), and near the expected settlement (within a bound set by how coarse the offline
coordinates are: 40 km of a hromada centroid, 80 km of a raion centroid) or, for an unknown name, near a
gazetteer settlement with a similar name. Everything else is a :class:`Rejection`, reported in the
resolution's ``reason`` and in :attr:`OnlineResult.rejections`; nothing is accepted silently.

How it asks, as separate layers around one geopy call (modules of this package):

* :mod:`~gazetteer.online.transport` — httpx under geopy: https only (http to this machine), every
  redirect checked, a total deadline per request (``timeout``, default 10 s, however slowly bytes
  trickle), at most ``max_response_bytes`` read (default 2 MB) and ``limit`` results considered;
  credentials redacted from every message and log line;
* :mod:`~gazetteer.online.cache` — geopy's ``RateLimiter`` (spacing), bounded retries with exponential
  backoff on 429 (honouring ``Retry-After``), 5xx and timeouts, and an on-disk SQLite cache keyed by
  provider, endpoint, normalized query and parameters. Answers (empty ones too) are stored as soon as they
  arrive, so a re-run never asks the same question twice. A damaged cache file, or one locked by another
  process for more than 30 s, is a one-line :class:`~gazetteer.errors.OnlineCacheError`;
* :mod:`~gazetteer.online.providers` (Nominatim, GeoNames, Photon), :mod:`~gazetteer.online.verify`
  (the checks above), :mod:`~gazetteer.online.geocoder` (the step itself).

In a batch (:func:`online_step`, ``gazetteer batch --online``) the service's failures never lose a row:
a long rate limit, a refusal, or ``max_failures`` (3) questions failing in a row stop the online step;
every row is still written, those not asked marked "online pending: <why>" in their reason, and the
command exits 4. Run it again: answers already received come from the cache, only the rest is asked.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "BOUND_KM",
    "MIN_NAME_SIMILARITY",
    "PROVIDERS",
    "Answer",
    "OnlineBadResponse",
    "OnlineCache",
    "OnlineCacheError",
    "OnlineConfigError",
    "OnlineGeocoder",
    "OnlineRateLimited",
    "OnlineRefused",
    "OnlineResult",
    "OnlineSettings",
    "OnlineTimeout",
    "OnlineUnavailable",
    "Rejection",
    "UnsafeURL",
    "default_cache_path",
    "online_lookup",
    "online_lookup_many",
    "online_step",
    "with_cache",
    "with_retries",
]

# Loaded on first use: ``gazetteer.online.transport`` (httpx only) must not pull in geopy.
_WHERE = {
    "BOUND_KM": "verify",
    "MIN_NAME_SIMILARITY": "verify",
    "Rejection": "verify",
    "PROVIDERS": "providers",
    "Answer": "providers",
    "OnlineCache": "cache",
    "with_cache": "cache",
    "with_retries": "cache",
    "OnlineSettings": "settings",
    "default_cache_path": "settings",
    "OnlineGeocoder": "geocoder",
    "OnlineResult": "geocoder",
    "online_lookup": "geocoder",
    "online_lookup_many": "geocoder",
    "online_step": "geocoder",
}
_ERRORS = {
    "OnlineBadResponse",
    "OnlineCacheError",
    "OnlineConfigError",
    "OnlineRateLimited",
    "OnlineRefused",
    "OnlineTimeout",
    "OnlineUnavailable",
    "UnsafeURL",
}


def __getattr__(name: str) -> Any:
    if name in _ERRORS:
        return getattr(importlib.import_module("gazetteer.errors"), name)
    if name in _WHERE:
        return getattr(importlib.import_module(f"gazetteer.online.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'gazetteer.online' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
