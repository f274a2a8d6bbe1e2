"""The online step: one provider behind cache, retries and rate limit, and every answer verified.

Entry points: :class:`OnlineGeocoder` (``lookup`` one resolution), :func:`online_lookup`,
:func:`online_step` (one batch row: asks only when needed, never raises for the service's failures) and
:func:`online_lookup_many`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from geopy.extra.rate_limiter import RateLimiter

from gazetteer.errors import (
    OnlineBadResponse,
    OnlineCacheError,
    OnlineConfigError,
    OnlineError,
    OnlineRateLimited,
    OnlineRefused,
)
from gazetteer.model import Match, Resolution, Settlement
from gazetteer.online.cache import OnlineCache, with_cache, with_retries
from gazetteer.online.providers import PROVIDERS, Answer
from gazetteer.online.settings import OnlineSettings, default_cache_path
from gazetteer.online.verify import (
    BOUND_KM,
    MIN_NAME_SIMILARITY,
    PRECISION_LABEL,
    Rejection,
    fit_targets,
    fit_unknown,
    outside,
)
from gazetteer.resolve import Resolver, default_resolver

__all__ = ["OnlineGeocoder", "OnlineResult", "online_lookup", "online_lookup_many", "online_step"]

log = logging.getLogger(__name__)

#: Prefix of the reason of a batch row whose online question was not asked (the step had stopped).
PENDING = "online pending"


@dataclass(frozen=True)
class OnlineResult:
    """What one online lookup did: the new resolution, the answers it got and the ones it rejected."""

    resolution: Resolution
    query: str | None = None
    answers: tuple[Answer, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    accepted: tuple[Answer, ...] = ()
    asked: bool = False


def _oblast_phrase(s: Settlement) -> str:
    if s.oblast_id.startswith(("UA80", "UA85")):
        return ""
    return s.oblast_uk if s.oblast_id.startswith("UA01") else f"{s.oblast_uk} область"


def _join_reason(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


class OnlineGeocoder:
    """One provider behind cache, retries and rate limit, plus the checks against the gazetteer.

    In a batch it also keeps count: questions failing ``max_failures`` times in a row, or a rate limit
    the service will not lift soon, stop the online step (:attr:`stopped` says why); :meth:`incomplete`
    sums up what is left for a re-run.

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
        self.stopped: str | None = None
        self.failures_in_a_row = 0
        self.failed = 0  # questions that failed (kept the offline answer)
        self.pending = 0  # rows not asked because the step had stopped

        def ask(query: str, kwargs: dict) -> list:
            log.debug("online: asking %s for %r", s.provider, query)
            found = geolocator.geocode(query, exactly_one=False, **kwargs)
            return [loc.raw for loc in (found or [])][: s.limit]

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
            self.cache = OnlineCache(s.cache_path or default_cache_path(), lock_timeout=s.cache_lock_timeout)
            endpoint = f"{s.scheme}://{s.domain or 'default'}"
            fetch = with_cache(fetch, self.cache, f"{s.provider}|{endpoint}", limit=s.limit)
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

    def incomplete(self) -> str | None:
        """None if every question asked of this geocoder was answered; else a one-line summary."""
        if not self.failed and not self.pending:
            return None
        parts = []
        if self.failed:
            parts.append(f"{self.failed} online questions failed")
        if self.pending:
            parts.append(f"{self.pending} rows were not asked ({PENDING})")
        why = f" because the online step stopped: {self.stopped}" if self.stopped else ""
        return (
            f"output written, but the online step is incomplete: {', '.join(parts)}{why}; "
            "run it again to finish them (answers already received come from the cache)"
        )

    # -- asking -------------------------------------------------------------------------------------
    def search(self, query: str) -> list[Answer]:
        """Ask the provider (through cache, retries, rate limit) and parse at most ``limit`` answers."""
        raws = self._fetch(query, self._params)
        if not isinstance(raws, list):
            raise OnlineBadResponse("the service answered JSON of an unexpected shape")
        out = []
        for raw in raws[: self.settings.limit]:
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
        (``coord_precision == "online:<provider>"``); not_found -> resolved if an answer of the name asked
        lies near a gazetteer settlement of a similar name; ambiguous -> stays ambiguous, candidates get
        online points where an answer fits them. Rejected answers are listed in ``reason``
        (:mod:`gazetteer.online.verify` says what is accepted).
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
            why = outside(a)
            if why is None and targets:
                why = fit_targets(a, targets, fits, self.resolver)
            elif why is None:
                why = fit_unknown(a, res, hinted, found, self.resolver)
            if why is not None:
                rejections.append(Rejection(a, why))
        rejected = ""
        if rejections:
            shown = "; ".join(str(r) for r in rejections[:3])
            more = f" (and {len(rejections) - 3} more)" if len(rejections) > 3 else ""
            rejected = f"{name} answers rejected: {shown}{more}"
        done = {"query": query, "answers": tuple(answers), "rejections": tuple(rejections), "asked": True}
        if not answers:
            reason = _join_reason(res.reason, f"{name}: no answer for {query!r}")
            return OnlineResult(replace(res, reason=reason), **done)
        if res.status == "resolved" and res.match is not None:
            if 0 not in fits:
                return OnlineResult(replace(res, reason=_join_reason(res.reason, rejected)), **done)
            d, a = fits[0]
            s = res.match.settlement
            new = self._moved(res.match, a)
            why = f"coordinates from {name}: {a.name!r} {d:.1f} km from the {PRECISION_LABEL.get(s.coord_precision)}"
            cands = tuple(new if c is res.match else c for c in res.candidates) or (new,)
            out = replace(res, reason=_join_reason(res.reason, why, rejected), match=new, candidates=cands)
            return OnlineResult(out, accepted=(a,), **done)
        if res.status == "ambiguous":
            index = {id(m): i for i, m in enumerate(targets)}
            cands = tuple(
                self._moved(m, fits[index[id(m)]][1]) if id(m) in index and index[id(m)] in fits else m
                for m in res.candidates
            )
            note = f"{name} located {len(fits)} of {len(targets)} candidates" if fits else ""
            out = replace(res, reason=_join_reason(res.reason, note, rejected), candidates=cands)
            return OnlineResult(out, accepted=tuple(a for _, a in fits.values()), **done)
        if not found:
            return OnlineResult(replace(res, reason=_join_reason(res.reason, rejected)), **done)
        found.sort(key=lambda f: (-f[0], f[1]))
        sim, d, s, a = found[0]
        m = Match(s, 0.7 + 0.2 * (sim - MIN_NAME_SIMILARITY) / (100 - MIN_NAME_SIMILARITY), "online", a.name)
        new = self._moved(m, a)
        why = (
            f"found online by {name} as {a.name!r}, {d:.1f} km from the gazetteer's {s.label} "
            f"({PRECISION_LABEL.get(s.coord_precision)})"
        )
        out = Resolution(
            res.query,
            "resolved",
            _join_reason(why, rejected),
            new,
            (new,) + tuple(c for c in res.candidates if c.id != s.id),
        )
        return OnlineResult(out, accepted=(a,), **done)

    def _moved(self, m: Match, a: Answer) -> Match:
        s = replace(m.settlement, lat=a.lat, lon=a.lon, coord_precision=f"online:{self.provider.name}")
        return replace(m, settlement=s)


# -- the public entry points --------------------------------------------------------------------------
def online_lookup(
    resolution: Resolution, *, provider: str | None = None, oblast: str | None = None, **settings: Any
) -> Resolution:
    """Improve one offline resolution with a verified online answer (see :meth:`OnlineGeocoder.lookup`).

    Raises :class:`~gazetteer.errors.OnlineConfigError` for missing settings (user agent, username) and
    other :class:`~gazetteer.errors.OnlineError` subclasses when the service fails after retries or the
    answer cache is damaged or locked (:class:`~gazetteer.errors.OnlineCacheError`).
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

    With ``errors="keep"`` (batches) the service's failures never raise: a failed question keeps the offline
    resolution with "online lookup failed: ..." in its reason; a long rate limit, a refusal, a cache locked
    (or damaged) mid-run, or ``max_failures`` failures in a row stop the step, and every later row that
    needed it keeps its offline resolution with "online pending: <why>" (nothing is asked).
    ``og.incomplete()`` sums it up. Settings errors always raise: every row would fail the same way.
    """
    if not _needs_online(res):
        return res
    if og.stopped is not None:
        og.pending += 1
        return replace(res, reason=_join_reason(res.reason, f"{PENDING}: {og.stopped}"))
    try:
        out = og.lookup(res, oblast=oblast or None).resolution
    except OnlineConfigError:
        raise
    except (OnlineRateLimited, OnlineRefused, OnlineCacheError) as exc:
        if errors == "raise":
            raise
        og.stopped = str(exc)
        og.pending += 1
        return replace(res, reason=_join_reason(res.reason, f"{PENDING}: {exc}"))
    except OnlineError as exc:
        if errors == "raise":
            raise
        og.failed += 1
        og.failures_in_a_row += 1
        if og.failures_in_a_row >= og.settings.max_failures:
            og.stopped = f"{og.failures_in_a_row} failures in a row, the last: {exc}"
            log.warning("online: stopping the online step after %s", og.stopped)
        return replace(res, reason=_join_reason(res.reason, f"online lookup failed: {exc}"))
    og.failures_in_a_row = 0
    return out


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
    questions not yet answered are asked. ``errors="raise"`` stops at the first failure;
    ``errors="keep"`` follows :func:`online_step` (failures and stops are marked in the reasons, every
    resolution comes back). ``progress(done, total)`` is called after each item.
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
