"""The one error hierarchy of gazetteer. Each error also inherits the builtin it resembles."""

from __future__ import annotations


class GazetteerError(Exception):
    """Base of every error gazetteer raises on purpose."""


class DataError(GazetteerError, RuntimeError):
    """The bundled or updated extract is missing, damaged or from an incompatible build.

    ``path`` names the file at fault, when there is one.
    """

    def __init__(self, message: str, path: object = None) -> None:
        self.path = path
        super().__init__(f"{message} ({path})" if path is not None else message)


class BuildError(GazetteerError, RuntimeError):
    """Building an extract failed: a source is missing, unreadable or not what the build expects."""


class UpdateError(GazetteerError, RuntimeError):
    """Downloading or swapping in a new extract failed; the previous extract is still in use."""


class AmbiguousName(GazetteerError, LookupError):
    """A name fits several settlements equally well; ``candidates`` holds them, best first."""

    def __init__(self, query: str, candidates: list) -> None:
        self.query = query
        self.candidates = candidates
        names = "; ".join(c.settlement.long_label for c in candidates[:5])
        super().__init__(
            f"{query!r} is ambiguous ({len(candidates)} candidates: {names}{'; ...' if len(candidates) > 5 else ''}); "
            "pass oblast=, raion= or near= to choose"
        )


class UnknownOblast(GazetteerError, ValueError):
    """An oblast (or raion) hint that names no unit of Ukraine."""


class OnlineError(GazetteerError, RuntimeError):
    """An online geocoder failed, refused or answered something that does not fit the gazetteer."""


# -- online geocoding and downloads (gazetteer.online, gazetteer.build.update) ---------------------------
class OnlineConfigError(OnlineError, ValueError):
    """A setting is missing or wrong (no user agent for Nominatim, no GeoNames username, unknown provider)."""


class UnsafeURL(OnlineError, ValueError):
    """A URL (or a redirect) that gazetteer will not fetch: only https, and http on this machine, are allowed."""


class OnlineRateLimited(OnlineError):
    """The service kept answering 429 (or asked to wait longer than allowed); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class OnlineTimeout(OnlineError, TimeoutError):
    """The service did not answer in full within the deadline, after all retries."""


class OnlineUnavailable(OnlineError, ConnectionError):
    """The service failed (5xx, connection refused or cut), after all retries."""


class OnlineRefused(OnlineError, PermissionError):
    """The service refused the request (bad query, authentication, quota): retrying will not help."""


class OnlineBadResponse(OnlineError, ValueError):
    """The service answered something that is not the JSON it should send, or more bytes than allowed."""


class OnlineCacheError(OnlineError):
    """The on-disk cache of online answers is damaged, or locked by another process for too long."""


# -- input text and batch files (gazetteer.normalize, gazetteer.batch, gazetteer.delimited) -----------------
class InvalidText(GazetteerError, ValueError):
    """Text that cannot be a name: longer than a name can be, or not valid Unicode (a lone surrogate)."""


class BatchError(GazetteerError, ValueError):
    """The input or output of a batch cannot be used (missing file or column, bad encoding, ...)."""


class MalformedRecord(BatchError):
    """A record of a delimited file is damaged (unbalanced quote, wrong field count, over-long cell) and
    the batch runs with ``strict=True``. ``line`` is the physical line number (1-based) where it starts."""

    def __init__(self, message: str, line: int) -> None:
        self.line = line
        super().__init__(message)
