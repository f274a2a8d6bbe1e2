"""How to reach a provider and how politely: :class:`OnlineSettings`, from arguments, then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gazetteer.errors import OnlineConfigError

__all__ = ["PROVIDER_NAMES", "OnlineSettings", "default_cache_path"]

PROVIDER_NAMES = ("nominatim", "geonames", "photon")


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

    ``timeout`` is the total deadline of one request in seconds (connection, headers and the whole answer,
    however slowly it trickles in); ``max_response_bytes`` caps the bytes read of one answer (larger:
    :class:`~gazetteer.errors.OnlineBadResponse`) and ``limit`` the results asked for, considered and
    cached. ``max_attempts`` bounds tries per question (429, 5xx, timeouts); the wait between them doubles
    from ``backoff_seconds`` unless the service sends ``Retry-After`` (obeyed up to ``max_retry_after``
    seconds, beyond that :class:`~gazetteer.errors.OnlineRateLimited` is raised at once). In a batch,
    ``max_failures`` questions failing in a row stop the online step (the remaining rows are marked, not
    asked). ``cache_path=None`` uses :func:`default_cache_path`; ``use_cache=False`` keeps nothing on disk;
    a cache locked by another process for more than ``cache_lock_timeout`` seconds is an error.
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
    max_failures: int = 3
    limit: int = 10
    max_response_bytes: int = 2_000_000
    language: str = "uk"
    cache_path: str | Path | None = None
    use_cache: bool = True
    cache_lock_timeout: float = 30.0

    @classmethod
    def from_env(cls, provider: str | None = None, **settings: Any) -> OnlineSettings:
        """Settings from arguments, then ``GAZETTEER_*`` environment variables, then defaults."""
        unknown = set(settings) - set(cls.__dataclass_fields__) - {"provider"}
        if unknown:
            raise TypeError(f"unknown online settings: {', '.join(sorted(unknown))}")
        name = provider or settings.pop("provider", None) or _env("GAZETTEER_ONLINE_PROVIDER") or "nominatim"
        settings.pop("provider", None)
        name = str(name).strip().lower()
        if name not in PROVIDER_NAMES:
            raise OnlineConfigError(f"unknown online provider {name!r}; choose one of {', '.join(PROVIDER_NAMES)}")
        s = dict(settings)
        s["user_agent"] = s.get("user_agent") or _env("GAZETTEER_USER_AGENT")
        s["username"] = s.get("username") or _env("GAZETTEER_GEONAMES_USERNAME")
        s["domain"] = s.get("domain") or _env("GAZETTEER_ONLINE_DOMAIN")
        s["scheme"] = (s.get("scheme") or _env("GAZETTEER_ONLINE_SCHEME") or "https").lower()
        if s["scheme"] not in ("http", "https"):
            raise OnlineConfigError(f"scheme must be http or https, not {s['scheme']!r}")
        timeout = s.get("timeout")
        s["timeout"] = _number(timeout if timeout is not None else _env("GAZETTEER_ONLINE_TIMEOUT") or 10.0, "timeout")
        if s["timeout"] <= 0:
            raise OnlineConfigError("timeout must be more than 0 seconds")
        delay = s.get("min_delay_seconds")
        s["min_delay_seconds"] = _number(
            delay if delay is not None else _env("GAZETTEER_ONLINE_MIN_DELAY") or 1.0, "min_delay_seconds"
        )
        s = {k: v for k, v in s.items() if v is not None}
        out = cls(provider=name, **s)
        for what in ("max_attempts", "max_failures", "limit", "max_response_bytes"):
            if int(getattr(out, what)) < 1:
                raise OnlineConfigError(f"{what} must be at least 1")
        return out
